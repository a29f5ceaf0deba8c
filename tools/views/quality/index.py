"""Data-quality report → the statistics every quality answer is rendered from, computed once.

Rules (stated in every output so a researcher can judge them):

* **Demerit** is the provider's respondent score, 0–100, *higher = worse*.
* **Flagged** = at least one check with ``is_issue`` on any answer. Per issue type: respondents with
  at least one answer where a check of that type has ``is_issue``.
* **Likely removable** = respondent demerit ≥ 60 *or* issues on ≥ 2 answers (the ReDem-style
  "flagged in two or more open ends" rule, plus a score threshold for single-answer surveys).
* **Duplicates** are reported as counts of flagged respondents (self / shared), never as lists.
* The worst-respondents list is ordered by demerit (desc), then answers with issues (desc), then
  respondent id; filters narrow it, the cursor pages it.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from ...models import (
    ISSUE_LABELS,
    ISSUE_TYPES,
    AnswerEvaluation,
    IssueCheck,
    QualityReport,
    RespondentQuality,
)

REMOVABLE_DEMERIT = 60.0
REMOVABLE_ANSWERS = 2
BINS = ((0, 20, "0-19"), (20, 40, "20-39"), (40, 60, "40-59"), (60, 80, "60-79"), (80, 101, "80-100"))
ALL_TYPES: tuple[str, ...] = (*ISSUE_TYPES, "other")

SYNONYMS = {
    "self_duplicates": "self_duplicate",
    "shared_duplicates": "shared_duplicate",
    "llm": "llm_generated",
    "ai_generated": "llm_generated",
}
"""Our own words for the issue types. The provider's names are learnt from the report itself
(every check keeps its ``upstream_type``), so ``tools/`` holds no provider vocabulary."""


def norm_key(value: str) -> str:
    return re.sub(r"[\s\-_]+", "_", str(value).strip().lower()).strip("_")


def finite(x: float) -> float:
    """Scores rounded to one decimal (what we show and what tests recount); non-numbers count as 0."""
    return round(float(x), 1) if isinstance(x, int | float) and math.isfinite(x) else 0.0


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
                if wanted and (best is None or finite(c.score) > finite(best[0].score)):
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
    """Every accepted spelling of an issue type (``norm_key`` form) → the domain type."""
    upstream_names: list[str]
    """The provider's own names that differ from ours, in order of appearance (for error hints)."""
    _filtered: dict[tuple[str | None, float | None], list[RespStat]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.worst)

    def matching(self, issue_type: str | None, min_demerit: float | None) -> list[RespStat]:
        """The worst-first list narrowed by the filters (cached per filter)."""
        key = (issue_type, min_demerit)
        rows = self._filtered.get(key)
        if rows is None:
            rows = [
                s
                for s in self.worst
                if (issue_type is None or issue_type in s.flagged_types)
                and (min_demerit is None or s.demerit >= min_demerit)
            ]
            self._filtered[key] = rows
        return rows


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
    d = finite(r.demerit)
    removable = d >= REMOVABLE_DEMERIT or issue_answers >= REMOVABLE_ANSWERS
    return RespStat(r, d, frozenset(types), issue_answers, removable)


def _bins(demerits: list[float]) -> dict[str, int]:
    bins = {label: 0 for _, _, label in BINS}
    for d in demerits:
        c = min(max(d, 0.0), 100.0)
        for lo, hi, label in BINS:
            if lo <= c < hi:
                bins[label] += 1
                break
    return bins


def _aliases(report: QualityReport) -> tuple[dict[str, str], list[str]]:
    """Our names, labels and synonyms, plus every name the provider used in this report."""
    aliases = {norm_key(t): t for t in ALL_TYPES} | SYNONYMS
    aliases |= {norm_key(v): k for k, v in ISSUE_LABELS.items()}
    upstream: list[str] = []
    for r in report.respondents:
        for a in r.answers:
            for c in a.checks:
                key = norm_key(c.upstream_type)
                if key not in aliases:
                    upstream.append(c.upstream_type)
                aliases.setdefault(key, str(c.issue_type))
    return aliases, upstream


def build_quality_index(report: QualityReport) -> QualityIndex:
    """Per-respondent flags, distribution, rates and the worst-first order, computed once."""
    stats = [_stat(r) for r in report.respondents]
    worst = sorted(stats, key=lambda s: (-s.demerit, -s.issue_answers, s.respondent_id))
    demerits = [s.demerit for s in stats]
    by_type = {t: 0 for t in ALL_TYPES}
    for s in stats:
        for t in s.flagged_types:
            by_type[t] = by_type.get(t, 0) + 1
    aliases, upstream = _aliases(report)
    return QualityIndex(
        report=report,
        worst=worst,
        by_id={s.respondent_id: s for s in stats},
        mean=round(statistics.fmean(demerits), 1) if demerits else 0.0,
        median=round(statistics.median(demerits), 1) if demerits else 0.0,
        bins=_bins(demerits),
        flagged=sum(1 for s in stats if s.flagged_types),
        by_type=by_type,
        removable=sum(1 for s in stats if s.removable),
        aliases=aliases,
        upstream_names=upstream,
    )
