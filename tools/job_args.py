"""Which jobs a job-id argument accepts: the kind filter shared by prompts, resources and completions.

A prompt such as ``summarise_coding_job`` needs a coding job; completing its ``job_id`` must offer
coding jobs only. Declaring the need next to the argument (in the prompt's or resource's spec) keeps
the completion handler free of any list of prompt names.
"""

from __future__ import annotations

from typing import Literal

from .models import CODING_KINDS, QUALITY_KINDS

JobNeed = Literal["coding", "quality", "any"]
"""coding: a job with coded responses; quality: a data-quality job; any: every job."""

_KINDS: dict[str, frozenset[str] | None] = {"coding": CODING_KINDS, "quality": QUALITY_KINDS, "any": None}


def accepts(need: JobNeed, kind: str | None) -> bool:
    """Whether a job of ``kind`` fits; an unresolved job (kind None) may be either, so it fits."""
    kinds = _KINDS[need]
    return kinds is None or kind is None or kind in kinds
