"""The lines every results answer starts with, and the smallest answer that always fits.

Both result views (coding, data quality) open the same way: a title naming the job and its survey,
then, for a partially failed job, what failed and that the figures cover only the completed part.
When even their least detailed render does not fit, ``emergency`` still answers with the headline
facts and what to do, in well under the minimum budget of 300 tokens.
"""

from __future__ import annotations

from ..models import JobError
from ..quoting import clean_label, handle, plain
from .budget import Summary
from .markdown import Lines

NOT_FIT = "did not fit max_tokens"


def heading(title: str, job_id: str, survey: str | None, chars: int) -> str:
    """``# {title} — {survey} (job `id`)``; the survey is untrusted text, capped at ``chars``."""
    shown = clean_label(survey, chars) if survey else None
    return f"# {title}" + (f" — {shown}" if shown else "") + f" (job {handle(job_id)})"


def failure_note(out: Lines, data: dict, failure: JobError | None, chars: int, covers: str) -> None:
    """What failed in a partially failed job, in both channels; ``covers`` says what the rest shows."""
    if failure is None:
        return
    out.add(
        f"**Partially failed:** {clean_label(failure.code, 40)} — {clean_label(failure.message, chars)}. "
        f"{covers}"
    )
    data["failure"] = {"code": plain(failure.code, 40), "message": plain(failure.message, chars)}


def emergency(
    title: str,
    job_id: str,
    facts: str,
    max_tokens: int,
    data: dict,
    *,
    narrower: str = "",
    failure: JobError | None = None,
) -> Summary:
    """The smallest valid answer: headline ``facts`` and how to ask again (``narrower``: a smaller
    question to ask instead). Never exceeds 300 tokens whatever the upstream strings are."""
    text = (
        f"# {title} (job {handle(job_id)})\n{facts}. The summary does not fit in max_tokens={max_tokens}; "
        f"call again with a larger max_tokens{narrower}.\n"
    )
    data = data | {"note": NOT_FIT}
    if failure is not None:
        text += f"**Partially failed:** {clean_label(failure.code, 20)}\n"
        data["failure"] = {"code": plain(failure.code, 20), "message": plain(failure.message, 20)}
    return Summary(text, data)
