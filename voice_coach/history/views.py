"""What one past session was, as `history` shows it, its JSON, and what progression reads of it.

Plain frozen records read back from the database: sets, commands, variation changes, and the
`SessionSummary` that gathers them with the session's routine and end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from voice_coach.core.commands import Command
from voice_coach.history.progression import PastSession, VariationWork
from voice_coach.routines.source import RoutineSource


@dataclass(frozen=True)
class SetRecord:
    block: int
    set_number: int
    variation: str
    reps_done: int
    reps_target: int | None
    tempo_scale: float | None
    at_s: float
    completed: bool

    @property
    def clean(self) -> bool:
        """Every planned rep of this set was done."""
        return (
            self.completed and self.reps_target is not None and (self.reps_done >= self.reps_target)
        )


@dataclass(frozen=True)
class CommandRecord:
    at_s: float
    command: str
    accepted: bool
    source: str
    note: str


@dataclass(frozen=True)
class VariationChangeRecord:
    at_s: float
    from_variation: str
    to_variation: str
    reason: str


@dataclass(frozen=True)
class SessionSummary:
    """One past session as `history` shows it and progression reads it."""

    id: int
    routine: str  # the routine's name
    source: RoutineSource  # how it was asked for: by name, or from its file
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None  # None: running, or the process died (shown as "interrupted")
    duration_s: float
    sets: tuple[SetRecord, ...]
    commands: tuple[CommandRecord, ...]
    variation_changes: tuple[VariationChangeRecord, ...]

    @property
    def ended_as(self) -> str:
        """How the session ended, for people: finished, stopped or interrupted."""
        return self.end_reason or "interrupted"

    @property
    def sets_done(self) -> int:
        return sum(1 for s in self.sets if s.completed)

    @property
    def reps_done(self) -> int:
        return sum(s.reps_done for s in self.sets)

    @property
    def variations(self) -> tuple[str, ...]:
        """The variations worked (at least one rep), in the order first worked."""
        return tuple(dict.fromkeys(s.variation for s in self.sets if s.reps_done))

    @property
    def reported_back_pain(self) -> bool:
        return any(c.command == Command.BACK_PAIN and c.accepted for c in self.commands)

    @property
    def said_easier(self) -> bool:
        spoken = any(c.command == "easier" and c.accepted for c in self.commands)
        return spoken or any(c.reason == "easier" for c in self.variation_changes)

    def past_session(self) -> PastSession:
        """This session as the plain data `progression.plan_next` reads."""
        work: dict[tuple[int, str], bool] = {}
        for record in self.sets:
            key = (record.block, record.variation)
            work[key] = work.get(key, True) and record.clean
        return PastSession(
            work=tuple(VariationWork(v, block, clean) for (block, v), clean in work.items()),
            said_easier=self.said_easier,
            end_reason=self.ended_as,
            reported_back_pain=self.reported_back_pain,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "routine": self.routine,
            "routine_kind": str(self.source.kind),
            "routine_path": str(self.source.path) if self.source.path else None,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "ended": self.ended_as,
            "duration_s": round(self.duration_s, 1),
            "sets": self.sets_done,
            "reps": self.reps_done,
            "variations": list(self.variations),
            "said_easier": self.said_easier,
            "reported_back_pain": self.reported_back_pain,
        }
