"""Write one session's history from the effects the engine emits, as they are drained.

Call `record` (or `record_all`) from the app's main thread for every effect the engine returns,
never from an audio callback: each call may write to SQLite. Speech, clicks, sounds, hushes and
state changes cost one type check and are dropped.

A rep counts as done when a phase of the next rep starts in the same set (a rep may begin by
lifting or, in heel taps, by lowering), or when the set completes; the set's row follows each
done rep, so a crash loses at most the rep in progress.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from voice_coach.core.effects import (
    CommandHandled,
    Effect,
    EndReason,
    Finished,
    PhaseChanged,
    SetCompleted,
    VariationChanged,
)
from voice_coach.history.store import HistoryStore
from voice_coach.routines.source import RoutineSource

UNKNOWN_SOURCE = "unknown"


@dataclass
class _OpenSet:
    """The set in progress: which one, its row (once a rep is done), and reps done so far."""

    block: int
    set_number: int
    variation: str
    row: int | None = None
    reps_done: int = 0

    def matches(self, block: int, set_number: int, variation: str) -> bool:
        return (self.block, self.set_number, self.variation) == (block, set_number, variation)


class SessionRecorder:
    """Records one session into a `HistoryStore`; the session row is written at construction."""

    def __init__(
        self,
        store: HistoryStore,
        routine_name: str,
        started_at: datetime | None = None,
        source: RoutineSource | None = None,
    ) -> None:
        """`source`: how the routine was asked for (default: by `routine_name`)."""
        self.store = store
        self.started_at = started_at or datetime.now().astimezone()
        self.session_id = store.begin_session(
            routine_name, source or RoutineSource.named(routine_name), self.started_at
        )
        self._open: _OpenSet | None = None
        self._last_at_s = 0.0
        self._ended = False
        self._closed = False

    @property
    def ended(self) -> bool:
        """The session's end has been written (a Finished effect or `close(reason)`)."""
        return self._ended

    def record_all(self, effects: Iterable[Effect], source: str | None = None) -> None:
        """`record` each effect; `source` (voice, keyboard) labels the commands among them."""
        for effect in effects:
            self.record(effect, source)

    def record(self, effect: Effect, source: str | None = None) -> None:
        """Write what `effect` means for the history; `source` labels a CommandHandled."""
        if self._closed:
            return
        if isinstance(effect, PhaseChanged):
            self._on_phase(effect)
        elif isinstance(effect, SetCompleted):
            self._on_set_completed(effect)
        elif isinstance(effect, CommandHandled):
            self.record_command(
                effect.command,
                effect.accepted,
                source or UNKNOWN_SOURCE,
                effect.at_ms / 1000,
                effect.note,
            )
        elif isinstance(effect, VariationChanged):
            at_s = self._seen(effect.at_ms)
            self.store.add_variation_change(
                self.session_id, at_s, effect.previous, effect.variation, effect.reason
            )
        elif isinstance(effect, Finished):
            self._end(EndReason(effect.reason).value, self._seen(effect.at_ms))

    def record_command(
        self, command: str, accepted: bool, source: str, at_s: float, note: str = ""
    ) -> None:
        """A command heard or typed; for ones the engine never saw (the engine's own are
        recorded from their CommandHandled effect)."""
        if self._closed:
            return
        self._last_at_s = max(self._last_at_s, at_s)
        self.store.add_command(self.session_id, at_s, command, accepted, source, note)

    def close(self, reason: EndReason | str | None = None, at_s: float | None = None) -> None:
        """Stop recording. With `reason`, write the end unless a Finished effect already did;
        without one, a session not ended stays open (NULL), which history shows as interrupted.
        Safe to call more than once."""
        if self._closed:
            return
        if reason is not None and not self._ended:
            self._end(EndReason(reason).value, self._last_at_s if at_s is None else at_s)
        self._closed = True

    # ----- effects -------------------------------------------------------------------

    def _seen(self, at_ms: int) -> float:
        at_s = at_ms / 1000
        self._last_at_s = max(self._last_at_s, at_s)
        return at_s

    def _on_phase(self, effect: PhaseChanged) -> None:
        current = self._open
        if current is None or not current.matches(
            effect.block, effect.set_number, effect.variation
        ):
            current = _OpenSet(effect.block, effect.set_number, effect.variation)
            self._open = current
        reps_done = effect.rep - 1
        if reps_done <= current.reps_done:  # the same rep again (after a pause), or the first
            return
        at_s = self._seen(effect.at_ms)
        current.reps_done = reps_done
        if current.row is None:
            current.row = self.store.start_set(
                self.session_id, effect.block, effect.set_number, effect.variation, reps_done, at_s
            )
        else:
            self.store.update_set(current.row, reps_done, at_s)

    def _on_set_completed(self, effect: SetCompleted) -> None:
        current = self._open
        row = None
        if current is not None and current.matches(
            effect.block, effect.set_number, effect.variation
        ):
            row = current.row
        self.store.complete_set(
            self.session_id,
            row,
            effect.block,
            effect.set_number,
            effect.variation,
            effect.reps_done,
            effect.reps_target,
            effect.tempo_scale,
            self._seen(effect.at_ms),
        )
        self._open = None

    def _end(self, reason: str, at_s: float) -> None:
        self.store.end_session(self.session_id, reason, at_s)
        self._ended = True
        self._open = None
