"""The live run's link to the history: where to start (progression) and recording as it goes.

The history never costs a workout: the first time its database cannot be opened, read or
written (garbage, truncated, locked by another program), one line says that history is off, and
the run goes on without it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from voice_coach.core.catalog import Catalog
from voice_coach.core.effects import EndReason, Finished
from voice_coach.core.routine import Routine
from voice_coach.history.progression import plan_next
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryError, HistoryStore
from voice_coach.routines.library import FoundRoutine
from voice_coach.routines.source import RoutineSource
from voice_coach.sound.coach_loop import Heard, LoopEvent


@dataclass(frozen=True)
class StartPlan:
    routine: Routine  # with the progression message added to its welcome, if any, and the
    # offered rung's cautions to its opening ones
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
    if plan.offer_harder:
        # The offered rung's cautions come with the offer, before the person can take it.
        offered = catalog.get(plan.offer_harder).cautions
        routine = replace(routine, cautions=(*routine.cautions, *offered))
    start = plan.start_variation if plan.start_variation != first else None
    return StartPlan(routine, start)


class RunHistory:
    """One run's use of the history: the last routine, the start plan, and recording every loop
    event (as an observer). After the first database failure it is off and does nothing."""

    def __init__(self, path: Path | None = None, err: TextIO | None = None) -> None:
        self.err = err or sys.stderr
        self.store: HistoryStore | None = None
        self.recorder: SessionRecorder | None = None
        self._source: str | None = None  # of the command being heard: voice or keyboard
        self._ended = False
        try:
            self.store = HistoryStore(path)
        except HistoryError as error:
            self._turn_off(error)

    @property
    def on(self) -> bool:
        return self.store is not None

    def last_routine(self) -> RoutineSource | None:
        if self.store is None:
            return None
        try:
            return self.store.last_routine()
        except HistoryError as error:
            self._turn_off(error)
            return None

    def plan(self, found: FoundRoutine, catalog: Catalog) -> StartPlan:
        """`plan_start`, or the routine as it is when the history is off."""
        if self.store is not None:
            try:
                return plan_start(self.store, found, catalog)
            except HistoryError as error:
                self._turn_off(error)
        return StartPlan(found.routine, None)

    def begin(self, routine_name: str, source: RoutineSource) -> None:
        """Write the session's row; the events that follow are recorded into it."""
        if self.store is None:
            return
        try:
            self.recorder = SessionRecorder(self.store, routine_name, source=source)
        except HistoryError as error:
            self._turn_off(error)

    def __call__(self, event: LoopEvent) -> None:
        if self.recorder is None:
            return
        if isinstance(event, Heard):
            self._source = event.source
            return
        if isinstance(event, Finished):
            self._ended = True
        try:
            self.recorder.record(event, self._source)  # type: ignore[arg-type]
        except HistoryError as error:
            self._turn_off(error)

    def close(self) -> None:
        """End the session's record (interrupted, unless it finished) and close the database."""
        if self.recorder is not None:
            try:
                self.recorder.close(None if self._ended else EndReason.INTERRUPTED)
            except HistoryError as error:
                self._turn_off(error)
        if self.store is not None:
            self.store.close()
            self.store = None

    def _turn_off(self, error: HistoryError) -> None:
        print(f"voice-coach: {error}; history is off for this run", file=self.err, flush=True)
        if self.store is not None:
            self.store.close()
        self.store = None
        self.recorder = None
