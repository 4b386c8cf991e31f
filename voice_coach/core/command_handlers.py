"""What each command does to a running session, and in which states it is available.

One handler per command, each taking the session-clock time it was heard at. A handler may
hush what is playing, move the state machine (`session_flow.py`) and schedule a spoken reply,
which starts after the earcon that acknowledges the command.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.core import phrases
from voice_coach.core.agenda import Action
from voice_coach.core.catalog import Variation
from voice_coach.core.commands import Command
from voice_coach.core.effects import EndReason, Hush, Priority, SayKind, State, VariationChanged
from voice_coach.core.session_flow import EARCON_MS, SessionFlow
from voice_coach.core.tempo import TEMPO_STEP, clamp_scale

_ALWAYS = frozenset({
    Command.STOP, Command.HELP, Command.REPEAT, Command.HOW_MANY, Command.BACK_PAIN,
})
_MOVING = _ALWAYS | {
    Command.NEXT, Command.PAUSE, Command.EASIER, Command.HARDER, Command.SLOWER, Command.FASTER,
}
ACTIVE_COMMANDS: dict[State, frozenset[Command]] = {
    State.INTRO: _MOVING,
    State.READY: _MOVING,
    State.SET: _MOVING,
    State.REST: _MOVING | {Command.SKIP_REST},
    State.PAUSED: _ALWAYS | {
        Command.RESUME, Command.EASIER, Command.HARDER, Command.SLOWER, Command.FASTER,
    },
    State.FINISHED: frozenset(),
}


class CommandHandlers(SessionFlow):
    """The session flow plus a handler for every command (see `HANDLERS`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._resume_action: Action | None = None
        self._paused_from: State | None = None

    def _reply(self, now_ms: int, text: str) -> int:
        """A spoken reply to a command, after the earcon that acknowledged it."""
        return self._say(now_ms + EARCON_MS, text, Priority.INSTRUCTION, SayKind.CONFIRM)

    @property
    def _resuming(self) -> bool:
        """Paused, with the way back already scheduled."""
        return self.state is State.PAUSED and bool(self._agenda) and self._resume_action is None

    def _cmd_pause(self, now_ms: int) -> None:
        self._resume_action = self._resume_point(now_ms)
        self._paused_from = self.state
        self._agenda.clear()
        self._emit(Hush(now_ms))
        self._enter(State.PAUSED, now_ms)
        self._reply(now_ms, phrases.PAUSED)

    def _resume_point(self, now_ms: int) -> Action:
        if self.state is State.SET:
            rep = self._rep
            return lambda t: self._count_in(t, lambda t2: self._start_rep(t2, rep))
        if self.state is State.READY:
            set_number = self._set_number
            return lambda t: self._ready_set(t, set_number)
        if self.state is State.REST:
            remaining_s = max(1, (self._rest_ends_ms - now_ms + 999) // 1000)
            after = self._after_rest or self._next_block
            return lambda t: self._rest(t, remaining_s, after, False)
        return self._intro_block

    def _cmd_resume(self, now_ms: int) -> None:
        if self._resuming:  # said twice (or by voice and key): the first is already under way
            return
        end = self._reply(now_ms, phrases.RESUMING)
        action = self._resume_action or self._intro_block
        self._resume_action = None
        self._agenda.at(end, action)

    def _cmd_next(self, now_ms: int) -> None:
        self._agenda.clear()
        self._emit(Hush(now_ms))
        if self.state is State.INTRO:
            self._ready_set(now_ms, 1)
        elif self.state is State.REST:
            self._skip_rest(now_ms)
        else:
            self._end_set(now_ms)

    def _cmd_skip_rest(self, now_ms: int) -> None:
        self._agenda.clear()
        self._emit(Hush(now_ms))
        self._skip_rest(now_ms)

    def _skip_rest(self, now_ms: int) -> None:
        after = self._after_rest or self._next_block
        self._after_rest = None
        after(now_ms)

    def _cmd_easier(self, now_ms: int) -> None:
        self._change_variation(now_ms, -1)

    def _cmd_harder(self, now_ms: int) -> None:
        self._change_variation(now_ms, +1)

    def _change_variation(self, now_ms: int, direction: int) -> None:
        current = self._variation
        target = self.catalog.step(current.id, direction)
        if target is None:
            self._reply(now_ms, phrases.no_easier() if direction < 0 else phrases.no_harder())
            return
        self._record_partial_set(now_ms)
        self._variations[self._block_index] = target.id
        self._emit(VariationChanged(now_ms, current.id, target.id,
                                    "easier" if direction < 0 else "harder"))
        cautions = self._cautions_not_yet_said(target.cautions)
        texts = [phrases.switching(target), *cautions, target.setup]
        if self.state is State.INTRO:  # the intro's own lines would have come after the setup
            texts += self._basics_not_yet_said()
        if self.state in (State.SET, State.READY, State.INTRO):
            self._agenda.clear()
            self._emit(Hush(now_ms))
            set_number = max(1, self._set_number)
            self._say_in_turn(now_ms + EARCON_MS, texts, SayKind.SETUP,
                              lambda t: self._ready_set(t, set_number))
        elif self.state is State.PAUSED:
            set_number = max(1, self._set_number)
            if self._paused_from in (State.SET, State.READY):
                self._resume_action = lambda t: self._ready_set(t, set_number)
            self._say_in_turn(now_ms + EARCON_MS, [phrases.switching(target), *cautions],
                              SayKind.CONFIRM, lambda t: None)
        else:
            self._say_in_turn(now_ms + EARCON_MS, texts, SayKind.SETUP, lambda t: None)

    def _cmd_slower(self, now_ms: int) -> None:
        self._change_tempo(now_ms, TEMPO_STEP)

    def _cmd_faster(self, now_ms: int) -> None:
        self._change_tempo(now_ms, 1 / TEMPO_STEP)

    def _change_tempo(self, now_ms: int, factor: float) -> None:
        scale = clamp_scale(self._scale * factor)
        at_limit = abs(scale - self._scale) < 1e-9
        self._scale = scale
        self._reply(now_ms, phrases.tempo_changed(slower=factor > 1, at_limit=at_limit))

    def _cmd_repeat(self, now_ms: int) -> None:
        self._reply(now_ms, self._last_instruction or self._variation.setup)

    def _cmd_how_many(self, now_ms: int) -> None:
        setting = self._paused_from if self.state is State.PAUSED else self.state
        in_set = setting in (State.SET, State.READY) and self._block.seconds is None
        reps_left = self._reps_target - self._set_reps_done if in_set else None
        later_sets = sum(block.sets for block in self.routine.blocks[self._block_index + 1:])
        sets_after = self._block.sets - self._set_number + later_sets
        self._reply(now_ms, phrases.how_many(reps_left, sets_after))

    def _cmd_stop(self, now_ms: int) -> None:
        self._emit(Hush(now_ms))
        self._finish(now_ms, EndReason.STOPPED, speak_from_ms=now_ms + EARCON_MS)

    def _cmd_help(self, now_ms: int) -> None:
        self._reply(now_ms, phrases.help_text())

    def _record_partial_set(self, now_ms: int) -> None:
        """A set left mid-way for another variation keeps the reps already done."""
        if self.state is State.SET and self._set_reps_done:
            self._record_set(now_ms)

    def _cmd_back_pain(self, now_ms: int) -> None:
        """Pause, give the article's advice, and go on (on resume) with the gentlest rung at a
        slower tempo, for this block and every block after it."""
        if self.state is not State.PAUSED:
            self._paused_from = self.state
            resume_point = self._resume_point(now_ms)
        else:
            resume_point = self._resume_action or self._intro_block
        self._record_partial_set(now_ms)
        self._agenda.clear()
        self._emit(Hush(now_ms))
        self._enter(State.PAUSED, now_ms)
        gentle = self.catalog.gentlest
        current = self._variation
        for index in range(self._block_index, len(self._variations)):
            self._variations[index] = gentle.id
        if current.id != gentle.id:
            self._emit(VariationChanged(now_ms, current.id, gentle.id, "back_pain"))
        self._scale = clamp_scale(max(self._scale, 1.0) * TEMPO_STEP)
        advice = [*self.catalog.back_pain.advice, phrases.back_pain_offer(gentle)]
        self._say_in_turn(now_ms + EARCON_MS, advice, SayKind.CONFIRM, lambda t: None)
        self._resume_action = self._gentler_resume(gentle, resume_point)

    def _gentler_resume(self, gentle: Variation, resume_point: Action) -> Action:
        """After back pain: the gentle rung's setup, then the set again from its start (the
        rest, or the block's introduction, where it was paused)."""
        if self._paused_from is State.INTRO:
            return self._intro_block
        if self._paused_from in (State.SET, State.READY):
            set_number = max(1, self._set_number)
            then: Action = lambda t: self._ready_set(t, set_number)  # noqa: E731
        else:
            then = resume_point
        texts = [phrases.going_gentler(gentle), gentle.setup]
        return lambda t: self._say_in_turn(t, texts, SayKind.SETUP, then)


HANDLERS: dict[Command, Callable[[CommandHandlers, int], None]] = {
    Command.NEXT: CommandHandlers._cmd_next,
    Command.PAUSE: CommandHandlers._cmd_pause,
    Command.RESUME: CommandHandlers._cmd_resume,
    Command.EASIER: CommandHandlers._cmd_easier,
    Command.HARDER: CommandHandlers._cmd_harder,
    Command.SLOWER: CommandHandlers._cmd_slower,
    Command.FASTER: CommandHandlers._cmd_faster,
    Command.REPEAT: CommandHandlers._cmd_repeat,
    Command.HOW_MANY: CommandHandlers._cmd_how_many,
    Command.SKIP_REST: CommandHandlers._cmd_skip_rest,
    Command.STOP: CommandHandlers._cmd_stop,
    Command.HELP: CommandHandlers._cmd_help,
    Command.BACK_PAIN: CommandHandlers._cmd_back_pain,
}
