"""The MCP prompts, one module each. Adding a prompt is one module and one line in ``PROMPTS``.

Hosts show prompts as slash commands (Claude Desktop, Claude Code). Each prompt's text tells the
model which tools to call, in which order, and how to present the answer.
"""

from __future__ import annotations

from . import clean_themes, compare_waves, data_quality_report, failed_jobs_today, summarise_coding_job
from .spec import PromptSpec

PROMPTS: tuple[PromptSpec, ...] = (
    failed_jobs_today.SPEC,
    summarise_coding_job.SPEC,
    data_quality_report.SPEC,
    compare_waves.SPEC,
    clean_themes.SPEC,
)

__all__ = ["PROMPTS", "PromptSpec"]
