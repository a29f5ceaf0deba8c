"""The answer of a results call whose job is still being read: never a dead end.

A big job on a slow provider can take longer to read than one call may last. The server keeps
reading in the background; this answer (not an error) says how far it got, how fast, what is
known about the time left, and to call again, in both channels (``state: "reading"``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from ..quoting import plain_id
from ..render import Summary, drop_none
from ..source import ReadingState
from ..tokens import fits
from .lean import OutModel

ITEMS = {"coding": "responses", "quality": "respondents"}


class ReadingOut(OutModel):
    """Where the server's reader of this job is (``state`` is "reading")."""

    pages_read: int
    items_read: int = Field(description="Responses (coding) or respondents (data quality) read so far.")
    seconds: float = Field(description="Since the reader started.")
    pages_per_min: float | None = None
    eta_s: int | None = Field(
        None, description="Estimated seconds left; absent when the job size is unknown."
    )
    resumed_pages: int | None = Field(
        None, description="Pages that came from the local store after a restart."
    )
    restarted: bool | None = Field(None, description="The provider refused the stored cursor; read again.")
    next: dict[str, Any]


ReadingField = Annotated[ReadingOut, WithJsonSchema({"type": "object"})]
"""How a results answer embeds it: validated against ``ReadingOut``, published as an object (its
facts are in the text too, and the full shape would grow every results tool's schema)."""


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def reading_summary(state: ReadingState, tool: str, max_tokens: int) -> Summary:
    """The "still reading, call again" answer for ``tool``, within ``max_tokens``."""
    jid = plain_id(state.job_id)
    label = state.provider_label
    items = ITEMS[state.kind]
    call = {"tool": tool, "arguments": {"job_id": jid}}
    per_min = state.pages_per_s * 60 if state.pages_per_s else None
    rate = f", {per_min:.0f} pages/min" if per_min else ""
    if state.eta_s is not None:
        left = f"about {_duration(state.eta_s)}."
    else:
        per_100 = f" (at this rate 100 more pages take about {_duration(6000 / per_min)})" if per_min else ""
        left = f"unknown: {label} does not say how many pages a job has{per_100}."
    lines = [
        f"# Still reading the results of job {jid}",
        "",
        f"**State:** reading — {state.pages} page(s) ({state.items:,} {items}) of {state.what} so far"
        f"{rate}, for {_duration(state.elapsed_s)}.",
        f"**Time left:** {left}",
    ]
    optional = []
    if state.resumed_pages:
        optional.append(
            f"**Resumed:** {state.resumed_pages} page(s) came from the local store (read before a restart)."
        )
    if state.restarted:
        optional.append(
            f"**Restarted:** {label} refused the stored page cursor, so reading started over from page 1."
        )
    tail = [
        "The server keeps reading in the background; nothing already read is fetched again.",
        f'Next: call `{tool}(job_id="{jid}")` again (same arguments) for the summary.',
    ]
    structured = drop_none(
        {
            "job_id": jid,
            "provider": state.provider,
            "kind": state.kind,
            "mode": "reading",
            "state": "reading",
            "reading": drop_none(
                {
                    "pages_read": state.pages,
                    "items_read": state.items,
                    "seconds": round(state.elapsed_s, 1),
                    "pages_per_min": round(per_min, 1) if per_min else None,
                    "eta_s": round(state.eta_s) if state.eta_s is not None else None,
                    "resumed_pages": state.resumed_pages or None,
                    "restarted": True if state.restarted else None,
                    "next": call,
                }
            ),
        }
    )
    summary = Summary("\n".join([*lines, *optional, *tail]) + "\n", structured)
    if not fits(summary.text, summary.structured, max_tokens):
        summary = Summary("\n".join([*lines, *tail]) + "\n", structured)
    return summary
