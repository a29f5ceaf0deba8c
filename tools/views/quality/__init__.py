"""Data-quality results: index (``index``), output schema (``schema``), rendering (``parts``,
``listing``, ``respondent``), and the entry point (``summarise``)."""

from .index import QualityIndex, build_quality_index
from .schema import QualitySummaryOut
from .summarise import summarise_quality

__all__ = ["QualityIndex", "QualitySummaryOut", "build_quality_index", "summarise_quality"]
