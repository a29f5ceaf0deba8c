"""Small formatting rules every view applies the same way (so tests can recount them)."""

from __future__ import annotations

from typing import Any


def pct(count: int, base: int) -> float:
    """Share in percent, one decimal (the same rounding everywhere, so tests can recount it)."""
    return round(100.0 * count / base, 1) if base else 0.0


def fmt_pct(count: int, base: int) -> str:
    return f"{pct(count, base):.1f}%"


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    """Omit empty fields from the structured channel (no null placeholders)."""
    return {k: v for k, v in d.items() if v is not None}


class Lines:
    """The markdown channel of one render, line by line."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def blank(self) -> None:
        self.lines.append("")

    def next(self, text: str) -> None:
        """The one "what to call next" line that closes an answer."""
        self.lines.append("")
        self.lines.append(f"**Next:** {text}")

    def text(self) -> str:
        return "\n".join(self.lines).strip() + "\n"
