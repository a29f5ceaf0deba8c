"""Resource-update notifications on both protocol generations.

- 2026-07-28: clients open a ``subscriptions/listen`` stream. ``MCPServer`` serves it and fans out
  whatever is published on its ``SubscriptionBus``; we construct the server with our own bus, so
  we can publish from anywhere (the job service notices status changes inside tool calls).
- 2025-11-25: clients call ``resources/subscribe`` and expect ``notifications/resources/updated``
  on their connection. ``MCPServer`` does not serve that method (and then advertises
  ``resources.subscribe: false``), so we register the subscribe/unsubscribe pair on its low-level
  server and remember each subscribing connection's session.

The SDK derives the advertised capability from what is registered: ``resources.subscribe`` is
true on a 2025-11-25 connection once these handlers exist, and true on 2026-07-28 because
``subscriptions/listen`` is served.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import anyio
from mcp import MCPError
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated
from mcp.types import INTERNAL_ERROR, EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

from survey_jobs_mcp.tools.ids import JobIds
from survey_jobs_mcp.tools.resources import job_uris
from survey_jobs_mcp.tools.resources.spec import canonical_uri

logger = logging.getLogger("survey_jobs_mcp.resource_events")

MAX_LEGACY_SUBSCRIPTIONS = 10_000
"""Bound on (connection, uri) pairs, so a client cannot grow the server's memory without limit."""
NOTIFY_TIMEOUT_S = 2.0
"""A connection that cannot take a notification within this is dropped from the subscribers."""


class ResourceEvents:
    """Who subscribed to which resource, and telling them when it changed."""

    def __init__(self, ids: JobIds) -> None:
        self.bus = InMemorySubscriptionBus()
        """Pass to ``MCPServer(subscriptions=...)``: it feeds the ``subscriptions/listen`` streams."""
        self._ids = ids
        # canonical uri -> {connection: (session to notify, the uri as the client subscribed it)}
        self._legacy: dict[str, dict[object, tuple[Any, str]]] = {}
        self._connections: set[object] = set()

    def install(self, server: MCPServer[Any]) -> None:
        """Serve ``resources/subscribe`` and ``resources/unsubscribe`` (2025-11-25 connections).

        ``MCPServer`` has no public hook for these spec methods; the SDK's own docs point to the
        low-level ``Server.add_request_handler`` for re-providing a spec method. The test of the
        advertised capabilities fails if a later SDK moves this.
        """
        lowlevel = server._lowlevel_server  # private in mcp 2.3: see docstring
        lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, self._subscribe)
        lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, self._unsubscribe)

    @property
    def legacy_subscriptions(self) -> int:
        return sum(len(subscribers) for subscribers in self._legacy.values())

    async def _subscribe(self, ctx: Any, params: SubscribeRequestParams) -> EmptyResult:
        uri = str(params.uri)
        key = canonical_uri(uri, self._ids)
        connection = _connection_of(ctx.session)
        if connection not in self._legacy.get(key, {}):
            if self.legacy_subscriptions >= MAX_LEGACY_SUBSCRIPTIONS:
                raise MCPError(code=INTERNAL_ERROR, message="Too many resource subscriptions on this server.")
            if connection not in self._connections:
                self._connections.add(connection)
                _forget_on_close(connection, lambda: self._drop(connection))
        self._legacy.setdefault(key, {})[connection] = (ctx.session, uri)
        return EmptyResult()

    async def _unsubscribe(self, ctx: Any, params: UnsubscribeRequestParams) -> EmptyResult:
        subscribers = self._legacy.get(canonical_uri(str(params.uri), self._ids), {})
        subscribers.pop(_connection_of(ctx.session), None)
        return EmptyResult()

    def _drop(self, connection: object) -> None:
        self._connections.discard(connection)
        for subscribers in self._legacy.values():
            subscribers.pop(connection, None)

    async def jobs_changed(self, job_ids: Iterable[str]) -> None:
        """The status of these jobs changed: notify subscribers of their resources (once per URI)."""
        uris = list(dict.fromkeys(uri for job_id in job_ids for uri in job_uris(job_id)))
        for uri in uris:
            await self.publish(uri)

    async def publish(self, uri: str) -> None:
        await self.bus.publish(ResourceUpdated(uri=uri))
        for connection, (session, as_subscribed) in list(self._legacy.get(uri, {}).items()):
            try:
                with anyio.fail_after(NOTIFY_TIMEOUT_S):
                    await session.send_resource_updated(as_subscribed)
            except Exception:  # closed or stuck connection: it will not hear from us again
                logger.info("dropping a resource subscriber that could not be notified", exc_info=True)
                self._drop(connection)


def _connection_of(session: Any) -> object:
    """The connection behind a per-request session: subscriptions belong to the connection.

    ``ServerSession`` is built per request; its connection is the stable identity (private in
    mcp 2.3, so fall back to the session object itself if it moves).
    """
    return getattr(session, "_connection", session)


def _forget_on_close(connection: object, forget: Any) -> None:
    """Drop a connection's subscriptions when it closes (its exit stack unwinds then)."""
    exit_stack = getattr(connection, "exit_stack", None)
    if exit_stack is not None:
        exit_stack.callback(forget)


__all__ = ["ResourceEvents"]
