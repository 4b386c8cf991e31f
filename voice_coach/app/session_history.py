"""The live run's link to the history: where to start (progression) and recording as it goes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from voice_coach.core.catalog import Catalog
from voice_coach.core.effects import EndReason, Finished
from voice_coach.core.routine import Routine
from voice_coach.history.progression import plan_next
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryStore
from voice_coach.routines.library import FoundRoutine
from voice_coach.routines.source import RoutineSource
from voice_coach.sound.coach_loop import Heard, LoopEvent


@dataclass(frozen=True)
class StartPlan:
    routine: Routine  # with the progression message added to its welcome, if any
    start_variation: str | None


def plan_start(store: HistoryStore, found: FoundRoutine, catalog: Catalog) -> StartPlan:
    """Start where the routine's history says: the variation last ended on, and an offer to go
    harder; a routine file's history is its own, as a named routine's is."""
    routine = found.routine
    first = routine.blocks[0].variation
    latest = store.sessions(limit=1)  # of any routine: it says whether your back hurt last time
    previous = latest[0].past_session() if latest else None
    plan = plan_next(store.past_sessions(found.source), catalog, first, previous=previous)
    if plan.message:
        warmup = f"{routine.warmup} {plan.message}" if routine.warmup else plan.message
        routine = replace(routine, warmup=warmup)
    start = plan.start_variation if plan.start_variation != first else None
    return StartPlan(routine, start)


class HistoryObserver:
    """Feeds every loop event to a SessionRecorder, labelling commands with their source."""

    def __init__(self, store: HistoryStore, routine_name: str, source: RoutineSource) -> None:
        self.recorder = SessionRecorder(store, routine_name, source=source)
        self._source: str | None = None
        self._ended = False

    def __call__(self, event: LoopEvent) -> None:
        if isinstance(event, Heard):
            self._source = event.source
            return
        if isinstance(event, Finished):
            self._ended = True
        self.recorder.record(event, self._source)  # type: ignore[arg-type]

    def close(self) -> None:
        self.recorder.close(None if self._ended else EndReason.INTERRUPTED)
