"""Provider-neutral domain models: what the summarisers and tools work on.

The provider clients in ``server/`` map upstream wire bodies (Aftercare, SurveyCoder) into these
types; nothing in ``tools/`` ever sees upstream JSON. Results are plain ``slots`` dataclasses rather
than pydantic models because a single coding job can hold 100,000 responses and the summarisers
walk them on every call: construction and attribute access must be cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Provider = str
"""A provider's name as its adapter states it (``ProviderProfile.name``): an opaque key here.
``tools/`` never compares it with a literal; what the views need to know about a provider comes
from its ``ProviderProfile``."""

JobKind = Literal["coding", "data_quality", "codebook_generation", "auto_coding", "one_call"]
"""``coding``/``data_quality`` are Aftercare's two job families; the rest are SurveyCoder job types."""

CODING_KINDS: frozenset[str] = frozenset({"coding", "auto_coding", "one_call"})
CODEBOOK_KINDS: frozenset[str] = frozenset({"codebook_generation"})
QUALITY_KINDS: frozenset[str] = frozenset({"data_quality"})

NormalizedStatus = Literal["queued", "running", "completed", "partially_failed", "failed"]
NORMALIZED_STATUSES: tuple[NormalizedStatus, ...] = (
    "queued",
    "running",
    "completed",
    "partially_failed",
    "failed",
)
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "partially_failed", "failed"})

DatedBy = Literal["completed_at", "updated_at", "created_at", "first_seen_in_status"]
"""Which clock a job's ``dated_at`` comes from (the output says it, so the model can judge it)."""


@dataclass(slots=True, frozen=True)
class ProviderProfile:
    """What a reader must know about a provider to judge its jobs, stated by the provider side."""

    name: Provider
    """The key in filters and structured output (``list_jobs(provider=...)``)."""
    label: str
    """How the provider is named in text."""
    lists_jobs: bool = True
    """False when the provider has no list endpoint: its jobs are listed only once this server has
    seen their id (any tool call with it, or ``survey-jobs-mcp track ID``)."""


@dataclass(slots=True)
class Progress:
    processed: int
    total: int
    percentage: int


@dataclass(slots=True)
class JobError:
    code: str
    message: str


@dataclass(slots=True)
class Job:
    """One job of either provider, as the tools report it."""

    job_id: str
    provider: Provider
    provider_label: str
    """``ProviderProfile.label`` of ``provider``: how the job's provider is named in text."""
    kind: JobKind
    provider_status: str
    """The exact upstream status string (``partial_failure``, ``processing`` …)."""
    status: NormalizedStatus
    survey: str | None = None
    progress: Progress | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    dated_at: datetime | None = None
    """The time used to sort and filter (newest first, ``since``/``until``)."""
    dated_by: DatedBy | None = None
    last_checked_at: datetime | None = None
    """When this server last asked the provider (Aftercare jobs known through the local store)."""
    error: JobError | None = None
    has_results: bool | None = None
    """Whether a finished job has results to read: None when unknown until they are read, False
    when the provider kept none (a partial failure that returned only its error)."""

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


# --------------------------------------------------------------------------------------------
# Coding results
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Assignment:
    """One response placed in one code.

    ``sentiment`` and ``confidence`` are SurveyCoder's per-code judgements; Aftercare has neither.
    """

    text: str
    sentiment: str | None = None
    confidence: float | None = None


BucketKind = Literal["uncoded", "other", "gibberish", "no_answer"]


@dataclass(slots=True)
class CodeNode:
    """A code (or a net / category) in a question's code tree.

    ``assignments`` holds the responses placed *directly* in this node, keyed by respondent id: a
    dict, or for plain assignments (all of Aftercare) the leaner ``tools.respondents.PlainAssignments``
    (positions in the question's respondents). A parent counts the distinct respondents of its
    whole subtree; the summariser computes that, the node does not store derived counts.
    """

    code_id: str
    label: str
    assignments: Mapping[str, Assignment] = field(default_factory=dict)
    children: list[CodeNode] = field(default_factory=list)
    bucket: BucketKind | None = None
    """Set for "Other", "Uncoded", "Gibberish", "No answer" style codes so they are shown, not hidden."""


@dataclass(slots=True)
class QuestionCoding:
    question_id: str
    question_text: str
    codes: list[CodeNode]
    responses: Mapping[str, str]
    """Every response to the question that the provider reported: respondent id -> answer text. A
    dict, or ``tools.respondents.Respondents`` (the same as two lists, which plain assignments
    point into by position)."""
    uncoded_reported: bool
    """True when the provider lists responses that received no code (SurveyCoder does: a result with
    an empty ``codes`` list). Aftercare only returns responses inside the tree, so uncoded responses
    are visible only through an explicit bucket code, and the summary must say so."""


@dataclass(slots=True)
class CodingResults:
    job_id: str
    provider: Provider
    kind: JobKind
    survey: str | None
    completed_at: datetime | None
    questions: list[QuestionCoding]
    failure: JobError | None = None
    """Set for a partially failed job: what failed, shown beside whatever results exist."""
    has_sentiment: bool = False
    has_confidence: bool = False


# --------------------------------------------------------------------------------------------
# Data-quality results
# --------------------------------------------------------------------------------------------

IssueType = Literal[
    "nonsensical", "irrelevant", "low_effort", "llm_generated", "self_duplicate", "shared_duplicate", "other"
]
ISSUE_TYPES: tuple[IssueType, ...] = (
    "nonsensical",
    "irrelevant",
    "low_effort",
    "llm_generated",
    "self_duplicate",
    "shared_duplicate",
)
ISSUE_LABELS: dict[str, str] = {
    "nonsensical": "Nonsensical",
    "irrelevant": "Irrelevant",
    "low_effort": "Low effort",
    "llm_generated": "LLM generated",
    "self_duplicate": "Self duplicate",
    "shared_duplicate": "Shared duplicate",
    "other": "Other",
}


@dataclass(slots=True)
class IssueCheck:
    issue_type: IssueType
    upstream_type: str
    """The provider's own name (``Repeated Answers``, ``Shared Duplicate`` …) for faithful display."""
    score: float
    is_issue: bool
    evidence: str | None = None


@dataclass(slots=True)
class AnswerEvaluation:
    question: str
    question_id: str | None
    answer: str
    demerit: float
    num_issues: int
    checks: list[IssueCheck]


@dataclass(slots=True)
class RespondentQuality:
    respondent_id: str
    demerit: float
    quality: float
    num_issues: int
    answers: list[AnswerEvaluation]


@dataclass(slots=True)
class QualityReport:
    job_id: str
    survey: str | None
    respondents: list[RespondentQuality]
    failure: JobError | None = None


# --------------------------------------------------------------------------------------------
# Codebooks
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class CodebookCode:
    """One code of a generated codebook (no respondents: nothing has been coded with it yet)."""

    code_id: str
    name: str
    definition: str | None = None
    sentiment: str | None = None


@dataclass(slots=True)
class CodebookCategory:
    """A net of a codebook; ``category_id`` is None for the codes that have no category."""

    category_id: str | None
    label: str | None
    codes: list[CodebookCode]


@dataclass(slots=True)
class Codebook:
    """What a codebook-generation job produced: categories and codes, in the provider's order."""

    job_id: str
    provider: Provider
    kind: JobKind
    completed_at: datetime | None
    question_text: str | None
    categories: list[CodebookCategory]

    @property
    def codes(self) -> int:
        return sum(len(c.codes) for c in self.categories)
