"""The significance test of a wave comparison, stated once in every output.

A pooled two-proportion z-test, two-sided: the textbook test for "did this share change between two
independent samples", and what tabulation packages print as column-proportion tests. It needs no
dependency: the two-sided p-value of a standard normal ``z`` is ``erfc(|z| / sqrt(2))``.

A difference is called significant at 95% only when both bases are at least ``MIN_BASE``: below
that the normal approximation is poor, and researchers do not report significance on tiny bases.
The p-value is still shown, marked as not tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05
MIN_BASE = 30
TEST_NAME = "two-sided two-proportion z-test (pooled)"
TEST_RULE = f"{TEST_NAME}; significant at 95% (p < {ALPHA:g}) only when both bases are at least {MIN_BASE}"


@dataclass(frozen=True, slots=True)
class ShareTest:
    """One code's share in the job against its share in the baseline."""

    count: int
    base: int
    baseline_count: int
    baseline_base: int
    diff: float
    """Difference in percentage points (job − baseline), unrounded."""
    z: float | None
    p_value: float | None
    """None when a base is 0 (no share to compare)."""
    tested: bool
    """Both bases are at least ``MIN_BASE``."""

    @property
    def significant(self) -> bool:
        return self.tested and self.p_value is not None and self.p_value < ALPHA


def share_test(count: int, base: int, baseline_count: int, baseline_base: int) -> ShareTest:
    """Pooled two-proportion z-test of ``count/base`` against ``baseline_count/baseline_base``."""
    tested = base >= MIN_BASE and baseline_base >= MIN_BASE
    if base <= 0 or baseline_base <= 0:
        diff = 100.0 * (
            (count / base if base else 0.0) - (baseline_count / baseline_base if baseline_base else 0.0)
        )
        return ShareTest(count, base, baseline_count, baseline_base, diff, None, None, False)
    p1, p0 = count / base, baseline_count / baseline_base
    pooled = (count + baseline_count) / (base + baseline_base)
    variance = pooled * (1.0 - pooled) * (1.0 / base + 1.0 / baseline_base)
    if variance <= 0.0:  # both shares 0% or both 100%: nothing changed
        z, p = 0.0, 1.0
    else:
        z = (p1 - p0) / math.sqrt(variance)
        p = math.erfc(abs(z) / math.sqrt(2.0))
    return ShareTest(count, base, baseline_count, baseline_base, 100.0 * (p1 - p0), z, p, tested)


def fmt_p(p: float | None) -> str:
    """A p-value as researchers read it: three decimals, ``<0.001`` below that."""
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def round_p(p: float | None) -> float | None:
    """The p-value in the structured channel: three significant figures (so 2.3e-12 stays visible)."""
    return None if p is None else float(f"{p:.3g}")
