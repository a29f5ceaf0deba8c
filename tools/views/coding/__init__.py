"""Coding results: index (``index``), output schema (``schema``), rendering (``parts`` and one
module per mode: ``overview``, ``question``, ``code``), and the entry point (``summarise``)."""

from .index import CodingIndex, build_coding_index
from .schema import CodingSummaryOut
from .summarise import summarise_coding

__all__ = ["CodingIndex", "CodingSummaryOut", "build_coding_index", "summarise_coding"]
