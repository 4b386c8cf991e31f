"""The session engine: a deterministic state machine driven by a clock and by commands.

It never sleeps and never touches a device. Time is an integer of milliseconds on the session
clock, supplied by the caller (the audio output counts it in samples; tests use a fake clock).
`advance(now_ms)` runs everything scheduled up to `now_ms` and returns the effects, each stamped
with the exact time it belongs to; `handle(command, now_ms)` applies a command at `now_ms`.

The parts, each readable alone: `agenda.py` schedules, `session_flow.py` is the state machine
(blocks, sets, reps, rests, the finish), `rep_plan.py` plans one rep's phases and cues,
`command_handlers.py` says what each command does; `Session` here is their public face.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_coach.core import phrases
from voice_coach.core.command_handlers import ACTIVE_COMMANDS, HANDLERS, CommandHandlers
from voice_coach.core.commands import Command
from voice_coach.core.effects import (
    CommandHandled,
    Effect,
    EndReason,
    Priority,
    SayKind,
    Sound,
    State,
)
from voice_coach.core.session_flow import EARCON_MS, SpeechDuration, estimate_speech_ms
from voice_coach.core.tempo import Phase

__all__ = [
    "ACTIVE_COMMANDS", "EARCON_MS", "Session", "SpeechDuration", "Status", "estimate_speech_ms",
]


@dataclass(frozen=True)
class Status:
    """A snapshot for the status line."""

    state: State
    block: int  # 1-based
    blocks: int
    set_number: int
    sets: int
    rep: int
    reps: int | None
    phase: Phase | None
    variation: str
    tempo: str
    tempo_scale: float


class Session(CommandHandlers):
    """One workout from welcome to summary; see the module docstring for the clock contract."""

    def start(self, now_ms: int) -> list[Effect]:
        self._enter(State.INTRO, now_ms)
        welcome = phrases.welcome(self.routine.name, self.routine.total_sets, self.routine.warmup)
        end = self._say(now_ms, welcome, Priority.INSTRUCTION, SayKind.INFO)
        self._agenda.at(end, self._intro_block)
        return self._take()

    def advance(self, now_ms: int) -> list[Effect]:
        self._agenda.run_until(now_ms)
        return self._take()

    def handle(self, command: Command, now_ms: int) -> list[Effect]:
        """Apply a command at `now_ms`, after everything scheduled up to then has run.

        The command takes effect at once; its spoken reply starts after the earcon."""
        self._agenda.run_until(now_ms)
        if self.state is None or command not in self.active_commands():
            state = self.state.value if self.state else "not started"
            self._emit(CommandHandled(now_ms, command.value, False, f"not available ({state})"))
            return self._take()
        self._emit(CommandHandled(now_ms, command.value, True, ""))
        HANDLERS[command](self, now_ms)
        self._emit(Sound(now_ms, "earcon"))  # after the handler, so a hush does not cut it
        return self._take()

    def interrupt(self, now_ms: int) -> list[Effect]:
        """End at once without speech (Ctrl-C, a crash): the session log still gets its end."""
        if self.state is not State.FINISHED:
            self._finish(now_ms, EndReason.INTERRUPTED, speak=False)
        return self._take()

    def next_due_ms(self) -> int | None:
        return self._agenda.next_due_ms()

    @property
    def finished(self) -> bool:
        return self.state is State.FINISHED

    def active_commands(self) -> frozenset[Command]:
        return ACTIVE_COMMANDS[self.state] if self.state else frozenset()

    def status(self) -> Status:
        block = self._block
        return Status(
            state=self.state or State.INTRO,
            block=self._block_index + 1,
            blocks=len(self.routine.blocks),
            set_number=self._set_number,
            sets=block.sets,
            rep=self._rep,
            reps=self._reps_target if block.seconds is None else None,
            phase=self._phase if self.state is State.SET else None,
            variation=self._variation.name,
            tempo=self._tempo.describe(),
            tempo_scale=self._scale,
        )
