"""Scales (data → points) and nice tick values.

Ticks fall on 1, 2, 2.5 or 5 × 10ⁿ: the smallest such step at least the span divided by
the intervals the axis has room for (one per two label heights on a vertical axis), as
matplotlib chose them for the charts before, and labelled so no two read the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_ticks(
    lo: float,
    hi: float,
    max_ticks: int,
    label: Callable[[float, float], str] | None = None,
    integer: bool = False,
    steps: tuple[float, ...] = NICE_STEPS,
) -> tuple[list[float], float]:
    """The tick values within ``[lo, hi]`` and their step: the smallest of ``steps`` × 10ⁿ
    that is at least the span over ``max_ticks - 1`` intervals, a whole number when
    ``integer`` (counts), and, with ``label(value, step)``, gives each tick a label of its
    own."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else [], 1.0
    max_ticks = max(max_ticks, 2)
    raw = (hi - lo) / (max_ticks - 1)
    exponent = math.floor(math.log10(raw))
    for power in (exponent - 1, exponent, exponent + 1, exponent + 2):
        for nice in steps:
            step = nice * 10.0**power
            if step < raw * (1 - 1e-9) or (integer and (step < 1 or step != int(step))):
                continue
            ticks = _multiples(lo, hi, step)
            if label is not None and len({label(t, step) for t in ticks}) < len(ticks):
                continue
            return ticks, step
    step = max(10.0 ** (exponent + 3), 1.0)
    return _multiples(lo, hi, step), step


def _multiples(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of ``step`` within ``[lo, hi]`` (with a little tolerance), rounded so
    0.1 × 3 is 0.3."""
    eps = step * 1e-9
    first = math.ceil((lo - eps) / step)
    last = math.floor((hi + eps) / step)
    digits = max(0, -math.floor(math.log10(step)) + 2)
    return [round(k * step, digits) + 0.0 for k in range(first, last + 1)]


@dataclass(frozen=True)
class Scale:
    """Maps data values in ``[lo, hi]`` to points in ``[start, end]`` (linear, or by
    the logarithm when ``log``)."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def _t(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def __call__(self, value: float) -> float:
        lo, hi = self._t(self.lo), self._t(self.hi)
        if hi == lo:
            return (self.start + self.end) / 2
        return self.start + (self._t(value) - lo) / (hi - lo) * (self.end - self.start)

    def contains(self, value: float) -> bool:
        low, high = sorted((self.lo, self.hi))
        span = (high - low) * 1e-9
        return low - span <= value <= high + span


def padded(lo: float, hi: float, margin: float = 0.05, log: bool = False) -> tuple[float, float]:
    """``[lo, hi]`` widened by ``margin`` of its span on each side (of its logarithms on a
    log scale); a single value gets room around it."""
    if log:
        a, b = padded(math.log10(lo), math.log10(hi), margin)
        return 10.0**a, 10.0**b
    if hi == lo:
        room = abs(lo) * 0.05 or 1.0
        return lo - room, hi + room
    room = (hi - lo) * margin
    return lo - room, hi + room
