"""Data-quality report → a compact, exact summary under a token budget.

Rules (stated in every output so a researcher can judge them):

* **Demerit** is the provider's respondent score, 0–100, *higher = worse*.
* **Flagged** = at least one check with ``is_issue`` on any answer. Per issue type: respondents with
  at least one answer where a check of that type has ``is_issue``.
* **Likely removable** = respondent demerit ≥ 60 *or* issues on ≥ 2 answers (the ReDem-style
  "flagged in two or more open ends" rule, plus a score threshold for single-answer surveys).
* **Duplicates** are reported as counts of flagged respondents (self / shared), never as lists.
* The worst-respondents list is ordered by demerit (desc), then answers with issues (desc), then
  respondent id; filters narrow it, the cursor pages it.

Everything is computed once in ``build_quality_index``; a render touches only what it shows.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from pydantic import BaseModel

from .errors import InvalidInput
from .models import ISSUE_LABELS, ISSUE_TYPES, AnswerEvaluation, IssueCheck, QualityReport, RespondentQuality
from .quoting import clean_label, handle, plain, plain_id, quote
from .summary import Summary, decode_cursor, drop_none, encode_cursor, fmt_pct, largest_fitting, pct

REMOVABLE_DEMERIT = 60.0
REMOVABLE_ANSWERS = 2
FLAG_RULE = "at least one check marked as an issue on any answer"
REMOVABLE_RULE = f"demerit >= {REMOVABLE_DEMERIT:g} or issues on >= {REMOVABLE_ANSWERS} answers"
SCALE = "0-100, higher = worse"
BINS = ((0, 20, "0-19"), (20, 40, "20-39"), (40, 60, "40-59"), (60, 80, "60-79"), (80, 101, "80-100"))
PAGE_CAP = 25
ALL_TYPES: tuple[str, ...] = (*ISSUE_TYPES, "other")

_ALIASES = {
    "repeated_answers": "self_duplicate",
    "repeated_answer": "self_duplicate",
    "self_duplicated": "self_duplicate",
    "self_duplicates": "self_duplicate",
    "duplicate_answers": "shared_duplicate",
    "duplicate_answer": "shared_duplicate",
    "shared_duplicates": "shared_duplicate",
    "shared_duplicated": "shared_duplicate",
    "llm": "llm_generated",
    "ai_generated": "llm_generated",
}


def _norm_key(value: str) -> str:
    return re.sub(r"[\s\-_]+", "_", str(value).strip().lower()).strip("_")


def _finite(x: float) -> float:
    """Scores rounded to one decimal (what we show and what tests recount); non-numbers count as 0."""
    return round(float(x), 1) if isinstance(x, int | float) and math.isfinite(x) else 0.0


# ------------------------------------------------------------------------------------------------
# Index
# ------------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class RespStat:
    r: RespondentQuality
    demerit: float
    flagged_types: frozenset[str]
    issue_answers: int
    removable: bool

    @property
    def respondent_id(self) -> str:
        return str(self.r.respondent_id)

    def strongest(self, issue_type: str | None = None) -> tuple[IssueCheck, AnswerEvaluation] | None:
        """Highest-scoring check marked as an issue (of ``issue_type`` when given)."""
        best: tuple[IssueCheck, AnswerEvaluation] | None = None
        for a in self.r.answers:
            for c in a.checks:
                wanted = c.is_issue and (issue_type is None or c.issue_type == issue_type)
                if wanted and (best is None or _finite(c.score) > _finite(best[0].score)):
                    best = (c, a)
        return best


@dataclass(slots=True, eq=False)
class QualityIndex:
    report: QualityReport
    worst: list[RespStat]
    by_id: dict[str, RespStat]
    mean: float
    median: float
    bins: dict[str, int]
    flagged: int
    by_type: dict[str, int]
    removable: int
    aliases: dict[str, str]
    _filtered: dict[tuple[str | None, float | None], list[RespStat]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.worst)


def _stat(r: RespondentQuality) -> RespStat:
    types: set[str] = set()
    issue_answers = 0
    for a in r.answers:
        hit = False
        for c in a.checks:
            if c.is_issue:
                types.add(str(c.issue_type))
                hit = True
        issue_answers += hit
    d = _finite(r.demerit)
    removable = d >= REMOVABLE_DEMERIT or issue_answers >= REMOVABLE_ANSWERS
    return RespStat(r, d, frozenset(types), issue_answers, removable)


def build_quality_index(report: QualityReport) -> QualityIndex:
    """Per-respondent flags, distribution, rates and the worst-first order, computed once."""
    stats = [_stat(r) for r in report.respondents]
    worst = sorted(stats, key=lambda s: (-s.demerit, -s.issue_answers, s.respondent_id))
    demerits = [s.demerit for s in stats]
    bins = {label: 0 for _, _, label in BINS}
    for d in demerits:
        c = min(max(d, 0.0), 100.0)
        for lo, hi, label in BINS:
            if lo <= c < hi:
                bins[label] += 1
                break
    by_type = {t: 0 for t in ALL_TYPES}
    for s in stats:
        for t in s.flagged_types:
            by_type[t] = by_type.get(t, 0) + 1
    aliases = {_norm_key(t): t for t in ALL_TYPES} | _ALIASES
    aliases |= {_norm_key(v): k for k, v in ISSUE_LABELS.items()}
    for r in report.respondents:
        for a in r.answers:
            for c in a.checks:
                aliases.setdefault(_norm_key(c.upstream_type), str(c.issue_type))
    return QualityIndex(
        report=report,
        worst=worst,
        by_id={s.respondent_id: s for s in stats},
        mean=round(statistics.fmean(demerits), 1) if demerits else 0.0,
        median=round(statistics.median(demerits), 1) if demerits else 0.0,
        bins=bins,
        flagged=sum(1 for s in stats if s.flagged_types),
        by_type=by_type,
        removable=sum(1 for s in stats if s.removable),
        aliases=aliases,
    )


# ------------------------------------------------------------------------------------------------
# Output schema (outputSchema of get_quality_results)
# ------------------------------------------------------------------------------------------------


class RuleCount(BaseModel):
    count: int
    pct: float
    rule: str | None = None


class Strongest(BaseModel):
    type: str
    upstream_type: str | None = None
    score: float
    evidence: str | None = None
    answer: str | None = None


class WorstOut(BaseModel):
    respondent_id: str
    demerit: float
    issue_answers: int
    removable: bool
    strongest: Strongest | None = None


class CheckOut(BaseModel):
    type: str
    upstream_type: str | None = None
    score: float
    is_issue: bool
    evidence: str | None = None


class AnswerOut(BaseModel):
    question: str
    question_id: str | None = None
    answer: str
    demerit: float
    num_issues: int
    checks: list[CheckOut] | None = None


class QualitySummaryOut(BaseModel):
    job_id: str
    mode: str
    survey: str | None = None
    failure: dict[str, str] | None = None
    respondents_scored: int
    demerit: dict[str, float | str] | None = None
    distribution: dict[str, int] | None = None
    flagged: RuleCount | None = None
    by_issue: dict[str, int] | None = None
    duplicates: dict[str, int] | None = None
    removable: RuleCount | None = None
    filter: dict[str, str | float | int] | None = None
    listed_total: int | None = None
    offset: int | None = None
    worst: list[WorstOut] | None = None
    next_cursor: str | None = None
    respondent: dict[str, str | float | int | bool] | None = None
    answers_total: int | None = None
    answers: list[AnswerOut] | None = None
    note: str | None = None


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Detail:
    quote_chars: int = 120
    label_chars: int = 80
    meta_chars: int = 100
    answer_too: bool = True
    all_checks: bool = True


def _header(index: QualityIndex, lines: list[str], d: Detail, mode: str, title: str) -> dict:
    rep = index.report
    survey = clean_label(rep.survey, d.meta_chars) if rep.survey else None
    lines.append(f"# {title}" + (f" — {survey}" if survey else "") + f" (job {handle(rep.job_id)})")
    data: dict = {"job_id": plain_id(rep.job_id), "mode": mode, "respondents_scored": index.n}
    if rep.survey:
        data["survey"] = plain(rep.survey, d.meta_chars)
    if rep.failure:
        lines.append(
            f"**Partially failed:** {clean_label(rep.failure.code, 40)} — "
            f"{clean_label(rep.failure.message, d.meta_chars)}. The figures below cover only what was scored."
        )
        data["failure"] = {
            "code": plain(rep.failure.code, 40),
            "message": plain(rep.failure.message, d.meta_chars),
        }
    return data


def _stats_block(index: QualityIndex, lines: list[str], data: dict) -> None:
    n = index.n
    lines.append(
        f"**Respondents scored:** {n:,} · **Demerit** ({SCALE}): mean {index.mean:.1f} · "
        f"median {index.median:.1f}"
    )
    lines.append("**Distribution:** " + " · ".join(f"{k}: {v:,}" for k, v in index.bins.items()))
    lines.append(f"**Flagged:** {index.flagged:,} ({fmt_pct(index.flagged, n)}) — {FLAG_RULE}")
    shown = {t: c for t, c in index.by_type.items() if t in ISSUE_TYPES or c}
    lines.append(
        "**By issue type** (respondents): "
        + " · ".join(f"{clean_label(t, 20)} {c:,} ({fmt_pct(c, n)})" for t, c in shown.items())
    )
    dup = {
        "self_duplicate": index.by_type.get("self_duplicate", 0),
        "shared_duplicate": index.by_type.get("shared_duplicate", 0),
    }
    lines.append(
        f"**Duplicates:** {dup['self_duplicate']:,} respondents repeat their own answers (self) · "
        f"{dup['shared_duplicate']:,} share answers with others (shared)"
    )
    lines.append(
        f"**Likely removable:** {index.removable:,} ({fmt_pct(index.removable, n)}) — {REMOVABLE_RULE}"
    )
    data.update(
        demerit={"mean": index.mean, "median": index.median, "scale": SCALE},
        distribution=dict(index.bins),
        flagged={"count": index.flagged, "pct": pct(index.flagged, n), "rule": FLAG_RULE},
        by_issue=shown,
        duplicates=dup,
        removable={"count": index.removable, "pct": pct(index.removable, n), "rule": REMOVABLE_RULE},
    )


def _strongest_text(s: RespStat, issue_type: str | None, d: Detail) -> tuple[str, dict | None]:
    found = s.strongest(issue_type)
    if found is None:
        return "no issue flagged", None
    c, a = found
    label = ISSUE_LABELS.get(str(c.issue_type), str(c.issue_type))
    text = f"strongest: {clean_label(label, 30)} (score {_finite(c.score):g})"
    entry: dict = {
        "type": str(c.issue_type),
        "upstream_type": plain(c.upstream_type, 40),
        "score": _finite(c.score),
    }
    if c.evidence:
        text += f" — evidence {quote(c.evidence, d.quote_chars)}"
        entry["evidence"] = plain(c.evidence, d.quote_chars)
    if d.answer_too or not c.evidence:
        text += f" — answer {quote(a.answer, d.quote_chars)}"
        entry["answer"] = plain(a.answer, d.quote_chars)
    return text, entry


def _render_list(
    index: QualityIndex,
    d: Detail,
    issue_type: str | None,
    min_demerit: float | None,
    rows_all: list[RespStat],
    offset: int,
    n: int,
    scope: str,
) -> Summary:
    lines: list[str] = []
    data = _header(index, lines, d, "overview", "Data-quality results")
    _stats_block(index, lines, data)
    total = len(rows_all)
    if issue_type is not None or min_demerit is not None:
        parts = []
        if issue_type is not None:
            parts.append(f"issue_type={handle(issue_type)}")
        if min_demerit is not None:
            parts.append(f"min_demerit={min_demerit:g}")
        lines.append(f"**Filter:** {', '.join(parts)} → {total:,} of {index.n:,} respondents match")
        data["filter"] = drop_none({"issue_type": issue_type, "min_demerit": min_demerit, "matched": total})
    rows = rows_all[offset : offset + n]
    data["listed_total"] = total
    data["offset"] = offset
    worst = []
    if rows:
        lines.append("")
        lines.append(
            f"## Worst respondents {offset + 1:,}–{offset + len(rows):,} of {total:,} (highest demerit first)"
        )
        for s in rows:
            st_text, st = _strongest_text(s, issue_type, d)
            flag = " · likely removable" if s.removable else ""
            lines.append(
                f"- {handle(s.respondent_id)} — demerit {s.demerit:g} · issues on {s.issue_answers} "
                f"answer(s){flag} · {st_text}"
            )
            worst.append(
                drop_none(
                    {
                        "respondent_id": plain_id(s.respondent_id),
                        "demerit": s.demerit,
                        "issue_answers": s.issue_answers,
                        "removable": s.removable,
                        "strongest": st,
                    }
                )
            )
    elif total:
        lines.append("")
        lines.append(f"**Respondents:** {total:,} match; none fit in max_tokens here — raise max_tokens.")
    elif index.n:
        lines.append("")
        lines.append("No respondent matches the filter.")
    else:
        lines.append("")
        lines.append("No respondents in this report.")
    data["worst"] = worst
    if rows and offset + len(rows) < total:
        cursor = encode_cursor(scope, offset + len(rows))
        data["next_cursor"] = cursor
        lines.append("")
        lines.append(
            f"**Next:** {total - offset - len(rows):,} more respondents: call again with the same job_id and "
            f"filters and cursor=`{cursor}`; respondent_id=… shows one respondent's answers."
        )
    elif rows:
        lines.append("")
        lines.append(
            f"**Next:** respondent_id={handle(rows[0].respondent_id)} shows that respondent's answers."
        )
    return Summary("\n".join(lines).strip() + "\n", drop_none(data))


def _render_respondent(
    index: QualityIndex, s: RespStat, d: Detail, offset: int, n: int, scope: str
) -> Summary:
    lines: list[str] = []
    data = _header(index, lines, d, "respondent", f"Respondent {handle(s.respondent_id)} — data quality")
    r = s.r
    flags = ", ".join(sorted(s.flagged_types)) or "none"
    lines.append(
        f"**Demerit:** {s.demerit:g} ({SCALE}) · **Quality:** {_finite(r.quality):g} · "
        f"**Issues:** {r.num_issues} "
        f"· **Answers with issues:** {s.issue_answers} of {len(r.answers)}"
    )
    lines.append(
        f"**Flagged types:** {clean_label(flags, 120)} · "
        f"**Likely removable:** {'yes' if s.removable else 'no'} "
        f"({REMOVABLE_RULE})"
    )
    data["respondent"] = {
        "respondent_id": plain_id(s.respondent_id),
        "demerit": s.demerit,
        "quality": _finite(r.quality),
        "num_issues": r.num_issues,
        "issue_answers": s.issue_answers,
        "removable": s.removable,
        "flagged_types": flags,
    }
    answers = r.answers[offset : offset + n]
    out = []
    for i, a in enumerate(answers, start=offset + 1):
        qid = f" ({handle(a.question_id)})" if a.question_id else ""
        lines.append("")
        lines.append(f"## Answer {i} — {clean_label(a.question, d.label_chars)}{qid}")
        lines.append(
            f"**Answer:** {quote(a.answer, d.quote_chars)} · **Demerit:** {_finite(a.demerit):g} "
            f"· **Issues:** {a.num_issues}"
        )
        checks = [c for c in a.checks if d.all_checks or c.is_issue]
        cout = []
        for c in checks:
            label = clean_label(ISSUE_LABELS.get(str(c.issue_type), str(c.issue_type)), 30)
            up = (
                f" ({clean_label(c.upstream_type, 30)})"
                if c.upstream_type and c.upstream_type != label
                else ""
            )
            ev = f" — evidence {quote(c.evidence, d.quote_chars)}" if c.evidence else ""
            lines.append(
                f"- {label}{up}: score {_finite(c.score):g}, {'issue' if c.is_issue else 'no issue'}{ev}"
            )
            cout.append(
                drop_none(
                    {
                        "type": str(c.issue_type),
                        "upstream_type": plain(c.upstream_type, 30),
                        "score": _finite(c.score),
                        "is_issue": bool(c.is_issue),
                        "evidence": plain(c.evidence, d.quote_chars) if c.evidence else None,
                    }
                )
            )
        if len(checks) < len(a.checks):
            lines.append(f"- +{len(a.checks) - len(checks)} checks with no issue not shown")
        out.append(
            drop_none(
                {
                    "question": plain(a.question, d.label_chars),
                    "question_id": plain_id(a.question_id) if a.question_id else None,
                    "answer": plain(a.answer, d.quote_chars),
                    "demerit": _finite(a.demerit),
                    "num_issues": a.num_issues,
                    "checks": cout or None,
                }
            )
        )
    data["answers_total"] = len(r.answers)
    data["offset"] = offset
    data["answers"] = out
    if answers and offset + len(answers) < len(r.answers):
        cursor = encode_cursor(scope, offset + len(answers))
        data["next_cursor"] = cursor
        lines.append("")
        lines.append(
            f"**Next:** {len(r.answers) - offset - len(answers)} more answers: call again with the same "
            "job_id, "
            f"respondent_id={handle(s.respondent_id)} and cursor=`{cursor}`."
        )
    elif not answers and r.answers:
        lines.append("")
        lines.append(f"**Answers:** {len(r.answers) - offset} not shown; raise max_tokens.")
    return Summary("\n".join(lines).strip() + "\n", drop_none(data))


LADDER = (
    Detail(),
    Detail(quote_chars=80, label_chars=60),
    Detail(quote_chars=60, label_chars=50, answer_too=False, all_checks=False),
    Detail(quote_chars=30, label_chars=30, meta_chars=40, answer_too=False, all_checks=False),
    Detail(quote_chars=16, label_chars=16, meta_chars=16, answer_too=False, all_checks=False),
)


def _page(render, cap: int, max_tokens: int, want: int) -> Summary | None:
    """First rung (richest detail) that fits ``want`` rows; else the rung that fits the most rows."""
    best: tuple[int, Summary] | None = None
    for d in LADDER:
        found = largest_fitting(lambda k, d=d: render(d, k), min(1, cap), cap, max_tokens)
        if found and found[0] >= want:
            return found[1]
        if found and (best is None or found[0] > best[0]):
            best = found
    if best:
        return best[1]
    found = largest_fitting(lambda k: render(LADDER[-1], k), 0, 0, max_tokens)
    return found[1] if found else None


def _emergency(index: QualityIndex, max_tokens: int) -> Summary:
    rep = index.report
    text = (
        f"# Data-quality results (job {handle(rep.job_id)})\n**Respondents scored:** {index.n:,} · "
        f"**Flagged:** {index.flagged:,} · **Likely removable:** {index.removable:,}. "
        "The summary does not fit in "
        f"max_tokens={max_tokens}; call again with a larger max_tokens.\n"
    )
    return Summary(
        text,
        {
            "job_id": plain_id(rep.job_id),
            "mode": "overview",
            "respondents_scored": index.n,
            "note": "did not fit max_tokens",
        },
    )


def _issue_type(index: QualityIndex, issue_type: str) -> str:
    key = index.aliases.get(_norm_key(issue_type))
    if key is None:
        raise InvalidInput(
            f"Unknown issue_type {clean_label(issue_type, 40)}. Valid: {', '.join(ISSUE_TYPES)} "
            "(the provider's "
            "names such as 'Low Effort' or 'Repeated Answers' work too). Call get_quality_results without "
            "issue_type for the per-type counts."
        )
    return key


def summarise_quality(
    index: QualityIndex,
    *,
    issue_type: str | None = None,
    min_demerit: float | None = None,
    respondent_id: str | None = None,
    max_tokens: int = 3000,
    cursor: str | None = None,
) -> Summary:
    """Job-level stats plus the worst respondents (filtered, paged), or one respondent's answers."""
    max_tokens = max(300, int(max_tokens))
    job = index.report.job_id
    if respondent_id not in (None, ""):
        s = index.by_id.get(str(respondent_id)) or index.by_id.get(str(respondent_id).strip())
        if s is None:
            first = ", ".join(handle(x.respondent_id) for x in index.worst[:5]) or "(none)"
            raise InvalidInput(
                f"Unknown respondent_id {clean_label(str(respondent_id), 40)} in job {handle(job)}. "
                "The worst "
                f"respondents are {first}; call get_quality_results without respondent_id to list them."
            )
        scope = f"quality|{job}|respondent|{s.respondent_id}"
        total = len(s.r.answers)
        offset = decode_cursor(cursor, scope, total)
        cap = min(20, total - offset)
        result = _page(lambda d, k: _render_respondent(index, s, d, offset, k, scope), cap, max_tokens, cap)
        return result or _emergency(index, max_tokens)
    key = _issue_type(index, issue_type) if issue_type not in (None, "") else None
    md = None
    if min_demerit is not None:
        md = float(min_demerit)
        if not math.isfinite(md):
            raise InvalidInput("min_demerit must be a number between 0 and 100.")
    fkey = (key, md)
    rows = index._filtered.get(fkey)
    if rows is None:
        rows = [
            s
            for s in index.worst
            if (key is None or key in s.flagged_types) and (md is None or s.demerit >= md)
        ]
        index._filtered[fkey] = rows
    scope = f"quality|{job}|list|{key}|{md}"
    offset = decode_cursor(cursor, scope, len(rows))
    cap = min(PAGE_CAP, len(rows) - offset)
    result = _page(
        lambda d, k: _render_list(index, d, key, md, rows, offset, k, scope), cap, max_tokens, min(10, cap)
    )
    return result or _emergency(index, max_tokens)
