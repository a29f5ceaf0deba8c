"""The MCP application: lifespan (HTTP clients, store, source) and registration of the tools,
prompts, resources, argument completions and resource subscriptions.

One ``httpx.AsyncClient`` per provider lives for the whole server lifetime (connection reuse
matters when ``list_jobs`` refreshes hundreds of tracked jobs). Keys are looked up per request
through a supplier, so ``survey-jobs-mcp auth set`` takes effect without restarting the host app,
and a missing key is an error on the call that needs it, not a crash at start-up.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer

from survey_jobs_mcp.tools.catalog import SERVER_INSTRUCTIONS, TOOLS
from survey_jobs_mcp.tools.catalog.runtime import IndexCache
from survey_jobs_mcp.tools.completions import job_id_completions
from survey_jobs_mcp.tools.prompts import PROMPTS
from survey_jobs_mcp.tools.resources import RESOURCES
from survey_jobs_mcp.tools.timewindow import local_tz

from . import __version__
from .arguments import install_argument_checks
from .http import open_provider_http
from .providers.registry import JOB_IDS, PROVIDERS
from .redact import install_result_scrubbing, scrub
from .resource_events import ResourceEvents
from .service import JobService
from .settings import Settings
from .store import Store

logger = logging.getLogger("survey_jobs_mcp.app")

SERVER_NAME = "survey-jobs-mcp"


_GC_TUNED = False


def tune_gc_for_bulk_results() -> None:
    """Make the cyclic garbage collector cheap for this workload.

    Reading one 100,000-response job allocates a few hundred thousand objects that are almost
    all acyclic (strings, dicts, slot dataclasses) and freed by reference counting anyway. With
    CPython's default threshold (700 allocations) the collector ran ~650 times during one such
    read and cost 0.36-0.48 s of a ~1.1 s call (measured). Freezing the start-up heap and raising
    the first threshold to 10,000 brings that to ~21 passes and ~0.02 s. (50,000 was no faster
    end to end and raised the peak RSS of a 100k read from 324 MB to 378 MB.)

    Once per process: freezing again in every lifespan (tests, benchmarks and the demo build many
    servers in one process) would keep each earlier server's garbage alive for good.
    """
    global _GC_TUNED
    if _GC_TUNED:
        return
    _GC_TUNED = True
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(10_000, max(gen1, 20), max(gen2, 10))


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppState:
    """The lifespan object tools read through ``tools.catalog.runtime.ToolState``."""

    source: JobService
    store: Store
    tz: tzinfo
    clock: Callable[[], datetime] = _utc_now
    indexes: IndexCache = field(default_factory=IndexCache)
    export_dir: Path = field(default_factory=lambda: Settings().export_path)

    def now(self) -> datetime:
        return self.clock()

    def store_note(self) -> str | None:
        return self.store.answer_note()


class LiveState:
    """The running ``AppState``, for handlers the SDK calls without a request context.

    mcp 2.3 gives static resources and the completion handler no ``Context``; they read the state
    the lifespan set here.
    """

    def __init__(self) -> None:
        self.state: AppState | None = None

    def get(self) -> AppState:
        if self.state is None:
            raise RuntimeError("the survey-jobs-mcp server is not running")
        return self.state


async def flush_on_sigterm(source: JobService) -> None:
    """On SIGTERM, write every queued page to the store, then die of the signal as usual.

    Hosts stop a stdio server by closing stdin and, about 2 s later, sending SIGTERM (the MCP SDK's
    stdio client does exactly this). Python's default SIGTERM ends the process at once, losing any
    store write still queued; this handler makes sure what was read is on disk first.
    """
    with anyio.open_signal_receiver(signal.SIGTERM) as signals:
        async for _ in signals:
            logger.info("SIGTERM: flushing pending store writes")
            await anyio.to_thread.run_sync(source.close)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)


def build_server(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = _utc_now,
    tz: tzinfo | None = None,
    handle_signals: bool = False,
) -> MCPServer:
    """Build the MCP server. ``env`` overrides where keys come from (tests, ``--sandbox``).

    ``handle_signals``: flush pending store writes on SIGTERM (the CLI's ``serve``; in-process users
    keep their own signal handling).
    """

    keys_env: Mapping[str, str] = env if env is not None else os.environ
    live = LiveState()
    events = ResourceEvents(JOB_IDS)

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[AppState]:
        tune_gc_for_bulk_results()
        store = Store.open(settings.store_path, cache_max_bytes=settings.cache_max_bytes)
        try:
            async with AsyncExitStack() as stack:
                adapters = {}
                for name, package in PROVIDERS.items():
                    http = await stack.enter_async_context(
                        open_provider_http(name, settings=settings, env=keys_env)
                    )
                    adapters[name] = package.create(http, store=store, now=clock)
                source = JobService(
                    adapters, store=store, settings=settings, on_status_change=events.jobs_changed
                )
                logger.info("survey-jobs-mcp %s ready (data dir %s)", __version__, settings.data_dir)
                live.state = AppState(
                    source=source,
                    store=store,
                    tz=tz or local_tz(),
                    clock=clock,
                    export_dir=settings.export_path,
                )
                try:
                    # Background work (results readers, shared status requests, pollers) belongs to
                    # the server, not to the tool call that started it.
                    async with anyio.create_task_group() as tg:
                        source.start(tg)
                        if handle_signals:
                            tg.start_soon(flush_on_sigterm, source)
                        try:
                            yield live.state
                        finally:
                            tg.cancel_scope.cancel()
                finally:
                    live.state = None
                    source.close()  # flush queued store writes before the store closes
        finally:
            store.close()

    server = MCPServer(
        SERVER_NAME,
        title="Survey jobs",
        version=__version__,
        instructions=SERVER_INSTRUCTIONS,
        lifespan=lifespan,
        # Only takes effect when nothing configured logging first (the CLI does, from --log-level);
        # in-process users (demo, tests, benchmarks) would otherwise log every request at INFO.
        log_level="WARNING",
        subscriptions=events.bus,
    )
    register(server, live, events)
    install_argument_checks(server)
    install_result_scrubbing(server)  # places itself outermost: every result passes it
    return server


def register(server: MCPServer, live: LiveState, events: ResourceEvents) -> None:
    """Everything the server offers: TOOLS, PROMPTS, RESOURCES, job-id completions, subscriptions."""
    for spec in TOOLS:
        server.add_tool(
            spec.handler(scrub),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
        )
    for prompt in PROMPTS:
        server.prompt(name=prompt.name, title=prompt.title, description=prompt.description)(prompt.fn)
    for resource in RESOURCES:
        server.resource(
            resource.uri,
            name=resource.name,
            title=resource.title,
            description=resource.description,
            mime_type=resource.mime_type,
        )(resource.handler(live.get))
    server.completion()(job_id_completions(live.get))
    events.install(server)
