"""Tempo of one repetition: how long each phase lasts, and how slower/faster scale it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

TEMPO_STEP = 1.2
MIN_SCALE = 0.5
MAX_SCALE = 2.5
MIN_PHASE_MS = 300


class Phase(StrEnum):
    """The phases of one repetition, in the order they happen."""

    LIFT = "lift"
    TOP = "top"
    LOWER = "lower"
    BOTTOM = "bottom"


@dataclass(frozen=True)
class Tempo:
    """Milliseconds per phase; a zero-length hold is skipped. Lowering is slower than lifting."""

    lift_ms: int
    top_ms: int
    lower_ms: int
    bottom_ms: int

    def phase_ms(self, phase: Phase) -> int:
        return {
            Phase.LIFT: self.lift_ms,
            Phase.TOP: self.top_ms,
            Phase.LOWER: self.lower_ms,
            Phase.BOTTOM: self.bottom_ms,
        }[phase]

    @property
    def rep_ms(self) -> int:
        return self.lift_ms + self.top_ms + self.lower_ms + self.bottom_ms

    def scaled(self, scale: float) -> Tempo:
        """This tempo with every phase stretched by `scale` (>1 is slower)."""

        def stretch(ms: int) -> int:
            return 0 if ms == 0 else max(MIN_PHASE_MS, round(ms * scale))

        return Tempo(stretch(self.lift_ms), stretch(self.top_ms), stretch(self.lower_ms),
                     stretch(self.bottom_ms))

    def with_overrides(self, overrides: dict[str, int]) -> Tempo:
        """This tempo with some phases replaced, by phase name (lift, top, lower, bottom)."""
        return replace(self, **{f"{name}_ms": ms for name, ms in overrides.items()})

    def describe(self) -> str:
        seconds = [ms / 1000 for ms in (self.lift_ms, self.top_ms, self.lower_ms, self.bottom_ms)]
        return "-".join(f"{s:g}" for s in seconds)


def clamp_scale(scale: float) -> float:
    return min(MAX_SCALE, max(MIN_SCALE, scale))
