"""The pieces every data-quality answer is built from: header, job statistics, a strongest issue."""

from __future__ import annotations

from dataclasses import dataclass

from ...models import ISSUE_LABELS, ISSUE_TYPES
from ...quoting import clean_label, plain, plain_id, quote
from ...render import Lines, Summary, emergency, failure_note, fmt_pct, heading, pct
from .index import REMOVABLE_ANSWERS, REMOVABLE_DEMERIT, QualityIndex, RespStat, finite

FLAG_RULE = "at least one check marked as an issue on any answer"
REMOVABLE_RULE = f"demerit >= {REMOVABLE_DEMERIT:g} or issues on >= {REMOVABLE_ANSWERS} answers"
SCALE = "0-100, higher = worse"
TITLE = "Data-quality results"


@dataclass(slots=True, frozen=True)
class Detail:
    quote_chars: int = 120
    label_chars: int = 80
    meta_chars: int = 100
    answer_too: bool = True
    all_checks: bool = True


LADDER = (
    Detail(),
    Detail(quote_chars=80, label_chars=60),
    Detail(quote_chars=60, label_chars=50, answer_too=False, all_checks=False),
    Detail(quote_chars=30, label_chars=30, meta_chars=40, answer_too=False, all_checks=False),
    Detail(quote_chars=16, label_chars=16, meta_chars=16, answer_too=False, all_checks=False),
)


def header(index: QualityIndex, out: Lines, d: Detail, mode: str, title: str) -> dict:
    rep = index.report
    out.add(heading(title, rep.job_id, rep.survey, d.meta_chars))
    data: dict = {"job_id": plain_id(rep.job_id), "mode": mode, "respondents_scored": index.n}
    if rep.survey:
        data["survey"] = plain(rep.survey, d.meta_chars)
    failure_note(out, data, rep.failure, d.meta_chars, "The figures below cover only what was scored.")
    return data


def stats_block(index: QualityIndex, out: Lines, data: dict) -> None:
    n = index.n
    out.add(
        f"**Respondents scored:** {n:,} · **Demerit** ({SCALE}): mean {index.mean:.1f} · "
        f"median {index.median:.1f}"
    )
    out.add("**Distribution:** " + " · ".join(f"{k}: {v:,}" for k, v in index.bins.items()))
    out.add(f"**Flagged:** {index.flagged:,} ({fmt_pct(index.flagged, n)}) — {FLAG_RULE}")
    shown = {t: c for t, c in index.by_type.items() if t in ISSUE_TYPES or c}
    out.add(
        "**By issue type** (respondents): "
        + " · ".join(f"{clean_label(t, 20)} {c:,} ({fmt_pct(c, n)})" for t, c in shown.items())
    )
    dup = {
        "self_duplicate": index.by_type.get("self_duplicate", 0),
        "shared_duplicate": index.by_type.get("shared_duplicate", 0),
    }
    out.add(
        f"**Duplicates:** {dup['self_duplicate']:,} respondents repeat their own answers (self) · "
        f"{dup['shared_duplicate']:,} share answers with others (shared)"
    )
    out.add(f"**Likely removable:** {index.removable:,} ({fmt_pct(index.removable, n)}) — {REMOVABLE_RULE}")
    data.update(
        demerit={"mean": index.mean, "median": index.median, "scale": SCALE},
        distribution=dict(index.bins),
        flagged={"count": index.flagged, "pct": pct(index.flagged, n), "rule": FLAG_RULE},
        by_issue=shown,
        duplicates=dup,
        removable={"count": index.removable, "pct": pct(index.removable, n), "rule": REMOVABLE_RULE},
    )


def issue_label(issue_type: str) -> str:
    return ISSUE_LABELS.get(str(issue_type), str(issue_type))


def strongest_text(s: RespStat, issue_type: str | None, d: Detail) -> tuple[str, dict | None]:
    found = s.strongest(issue_type)
    if found is None:
        return "no issue flagged", None
    c, a = found
    text = f"strongest: {clean_label(issue_label(c.issue_type), 30)} (score {finite(c.score):g})"
    entry: dict = {
        "type": str(c.issue_type),
        "upstream_type": plain(c.upstream_type, 40),
        "score": finite(c.score),
    }
    if c.evidence:
        text += f" — evidence {quote(c.evidence, d.quote_chars)}"
        entry["evidence"] = plain(c.evidence, d.quote_chars)
    if d.answer_too or not c.evidence:
        text += f" — answer {quote(a.answer, d.quote_chars)}"
        entry["answer"] = plain(a.answer, d.quote_chars)
    return text, entry


def emergency_answer(index: QualityIndex, max_tokens: int) -> Summary:
    """The smallest valid answer: the headline counts and how to ask again."""
    rep = index.report
    facts = (
        f"**Respondents scored:** {index.n:,} · **Flagged:** {index.flagged:,} · "
        f"**Likely removable:** {index.removable:,}"
    )
    data = {"job_id": plain_id(rep.job_id), "mode": "overview", "respondents_scored": index.n}
    return emergency(TITLE, rep.job_id, facts, max_tokens, data)
