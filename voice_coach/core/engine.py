"""The session engine: a deterministic state machine driven by a clock and by commands.

It never sleeps and never touches a device. Time is an integer of milliseconds on the session
clock, supplied by the caller (the audio output counts it in samples; tests use a fake clock).
`advance(now_ms)` runs everything scheduled up to `now_ms` and returns the effects, each stamped
with the exact time it belongs to; `handle(command, now_ms)` applies a command at `now_ms`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from voice_coach.core import phrases
from voice_coach.core.catalog import Catalog, Variation
from voice_coach.core.commands import Command
from voice_coach.core.effects import (
    Click,
    CommandHandled,
    Effect,
    EndReason,
    Finished,
    Hush,
    PhaseChanged,
    Priority,
    Say,
    SetCompleted,
    Sound,
    State,
    StateChanged,
    VariationChanged,
)
from voice_coach.core.routine import Block, Routine
from voice_coach.core.tempo import TEMPO_STEP, Phase, Tempo, clamp_scale

SpeechDuration = Callable[[str], int]
Action = Callable[[int], None]

SPEECH_GAP_MS = 250
EARCON_MS = 150
COUNT_IN_BEAT_MS = 1000
REST_WARNING_S = 10
FORM_EVERY_REPS = 3

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


def estimate_speech_ms(text: str, words_per_minute: int = 165) -> int:
    """A speaking-time estimate for text that has not been rendered yet."""
    return 200 + round(len(text.split()) * 60_000 / words_per_minute)


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


class Session:
    """One workout from welcome to summary; see the module docstring for the clock contract."""

    def __init__(
        self,
        routine: Routine,
        catalog: Catalog,
        speech_ms: SpeechDuration = estimate_speech_ms,
        start_variation: str | None = None,
    ) -> None:
        if not routine.blocks:
            raise ValueError(f"routine {routine.name!r} has no blocks")
        self.routine = routine
        self.catalog = catalog
        self._speech_ms = speech_ms
        self._agenda: list[tuple[int, int, Action]] = []
        self._order = itertools.count()
        self._out: list[Effect] = []
        self.state: State | None = None
        self._variations = [block.variation for block in routine.blocks]
        if start_variation is not None:
            self._variations[0] = start_variation
        self._block_index = 0
        self._set_number = 0
        self._rep = 0
        self._phase: Phase | None = None
        self._scale = 1.0
        self._set_reps_done = 0
        self._set_started_ms = 0
        self._sets_done = 0
        self._reps_by_variation: dict[str, int] = {}
        self._form_turn = 0
        self._last_instruction = ""
        self._resume_action: Action | None = None
        self._after_rest: Action | None = None
        self._rest_ends_ms = 0
        self._paused_from: State | None = None
        self._cautions_said: set[str] = set()

    # ----- the clock contract -----------------------------------------------------------

    def start(self, now_ms: int) -> list[Effect]:
        self._enter(State.INTRO, now_ms)
        welcome = phrases.welcome(self.routine.name, self.routine.total_sets, self.routine.warmup)
        end = self._say(now_ms, welcome, Priority.INSTRUCTION, "info")
        self._at(end, self._intro_block)
        return self._take()

    def advance(self, now_ms: int) -> list[Effect]:
        self._run_agenda(now_ms)
        return self._take()

    def handle(self, command: Command, now_ms: int) -> list[Effect]:
        """Apply a command at `now_ms`, after everything scheduled up to then has run.

        The command takes effect at once; its spoken reply starts after the earcon."""
        self._run_agenda(now_ms)
        if self.state is None or command not in self.active_commands():
            state = self.state.value if self.state else "not started"
            self._emit(CommandHandled(now_ms, command.value, False, f"not available ({state})"))
            return self._take()
        self._emit(CommandHandled(now_ms, command.value, True, ""))
        _COMMAND_HANDLERS[command](self, now_ms)
        self._emit(Sound(now_ms, "earcon"))  # after the handler, so a hush does not cut it
        return self._take()

    def interrupt(self, now_ms: int) -> list[Effect]:
        """End at once without speech (Ctrl-C, a crash): the session log still gets its end."""
        if self.state is not State.FINISHED:
            self._finish(now_ms, EndReason.INTERRUPTED, speak=False)
        return self._take()

    def next_due_ms(self) -> int | None:
        return self._agenda[0][0] if self._agenda else None

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

    # ----- helpers ------------------------------------------------------------------

    @property
    def _block(self) -> Block:
        return self.routine.blocks[self._block_index]

    @property
    def _variation(self) -> Variation:
        return self.catalog.get(self._variations[self._block_index])

    @property
    def _reps_target(self) -> int:
        return self._block.reps or self._variation.reps

    @property
    def _tempo(self) -> Tempo:
        base = self._variation.tempo.with_overrides(self._block.tempo)
        return base.scaled(self._scale)

    def _run_agenda(self, now_ms: int) -> None:
        while self._agenda and self._agenda[0][0] <= now_ms:
            due_ms, _, action = heapq.heappop(self._agenda)
            action(due_ms)

    def _take(self) -> list[Effect]:
        out, self._out = self._out, []
        return out

    def _emit(self, effect: Effect) -> None:
        self._out.append(effect)

    def _at(self, due_ms: int, action: Action) -> None:
        heapq.heappush(self._agenda, (due_ms, next(self._order), action))

    def _clear_agenda(self) -> None:
        self._agenda.clear()

    @property
    def _resuming(self) -> bool:
        """Paused, with the way back already scheduled."""
        return self.state is State.PAUSED and bool(self._agenda) and self._resume_action is None

    def _enter(self, state: State, now_ms: int) -> None:
        if state is not self.state:
            self._emit(StateChanged(now_ms, state, self.state))
            self.state = state

    def _say(self, at_ms: int, text: str, priority: Priority, kind: str) -> int:
        """Say `text` at `at_ms`; returns when the next speech may start."""
        self._emit(Say(at_ms, text, priority, kind))
        if kind in ("setup", "info", "instruction"):
            self._last_instruction = text
        return at_ms + self._speech_ms(text) + SPEECH_GAP_MS

    def _reply(self, now_ms: int, text: str) -> int:
        """A spoken reply to a command, after the earcon that acknowledged it."""
        return self._say(now_ms + EARCON_MS, text, Priority.INSTRUCTION, "confirm")

    def _say_in_turn(self, at_ms: int, texts: list[str], kind: str, then: Action) -> None:
        """Say each text after the previous one ends, then run `then`."""
        if not texts:
            then(at_ms)
            return
        end = self._say(at_ms, texts[0], Priority.INSTRUCTION, kind)
        self._at(end, lambda t: self._say_in_turn(t, texts[1:], kind, then))

    # ----- states ----------------------------------------------------------------

    def _intro_block(self, now_ms: int) -> None:
        self._enter(State.INTRO, now_ms)
        self._set_number = 0
        self._rep = 0
        variation, block = self._variation, self._block
        opening = self.routine.cautions if self._block_index == 0 else ()
        texts = [
            *self._cautions_not_yet_said(opening),
            phrases.block_intro(variation, block.sets, self._reps_target, block.seconds),
            *self._cautions_not_yet_said(variation.cautions),
            variation.setup,
        ]
        if self._block_index == 0:
            texts += [phrases.breathing(self.catalog), self.catalog.common.tempo_rule]
        self._say_in_turn(now_ms, texts, "setup", lambda t: self._ready_set(t, 1))

    def _cautions_not_yet_said(self, caution_ids: tuple[str, ...]) -> list[str]:
        """The texts of these cautions not said yet this session, marked as said; the first
        caution of a session is followed by how to report back pain."""
        texts = []
        for caution_id in dict.fromkeys(caution_ids):
            if caution_id not in self._cautions_said:
                texts.append(self.catalog.caution(caution_id).text)
        if texts and not self._cautions_said:
            texts.append(phrases.BACK_PAIN_HINT)
        self._cautions_said.update(caution_ids)
        return texts

    def _ready_set(self, now_ms: int, set_number: int) -> None:
        self._enter(State.READY, now_ms)
        self._set_number = set_number
        self._rep = 0
        self._set_reps_done = 0
        self._phase = None
        self._emit(Sound(now_ms, "chime"))
        end = self._say(now_ms, phrases.set_ready(set_number, self._block.sets),
                        Priority.INSTRUCTION, "instruction")
        self._at(end, lambda t: self._count_in(t, self._begin_set))

    def _count_in(self, now_ms: int, then: Action) -> None:
        for beat, word in enumerate(phrases.COUNT_IN):
            beat_ms = now_ms + beat * COUNT_IN_BEAT_MS
            self._at(beat_ms, lambda t, word=word: self._count_in_beat(t, word))
        self._at(now_ms + len(phrases.COUNT_IN) * COUNT_IN_BEAT_MS, then)

    def _count_in_beat(self, now_ms: int, word: str) -> None:
        self._emit(Click(now_ms, accent=False))
        self._say(now_ms, word, Priority.CUE, "count")

    def _begin_set(self, now_ms: int) -> None:
        self._set_started_ms = now_ms
        self._start_rep(now_ms, 1)

    def _start_rep(self, now_ms: int, rep: int) -> None:
        self._enter(State.SET, now_ms)
        self._rep = rep
        self._run_phase(now_ms, 0)

    @property
    def _rep_phases(self) -> tuple[Phase, Phase, Phase, Phase]:
        """A rep's phases in order: a movement, its hold, the other movement, its hold."""
        if self._variation.starts is Phase.LOWER:
            return (Phase.LOWER, Phase.BOTTOM, Phase.LIFT, Phase.TOP)
        return (Phase.LIFT, Phase.TOP, Phase.LOWER, Phase.BOTTOM)

    def _run_phase(self, now_ms: int, index: int) -> None:
        tempo = self._tempo
        phase = self._rep_phases[index]
        length = tempo.phase_ms(phase)
        if length == 0:
            self._after_phase(now_ms, index)
            return
        self._phase = phase
        self._emit(PhaseChanged(now_ms, phase.value, self._rep, self._set_number,
                                self._block_index, self._variation.id))
        self._emit(Click(now_ms, accent=index == 0))
        beats = max(1, round(length / 1000))
        for beat in range(1, beats):
            self._at(now_ms + beat * length // beats, lambda t: self._emit(Click(t, False)))
        self._speak_phase_cue(now_ms, index, tempo)
        self._at(now_ms + length, lambda t: self._after_phase(t, index))

    def _after_phase(self, now_ms: int, index: int) -> None:
        if index + 1 < len(self._rep_phases):
            self._run_phase(now_ms, index + 1)
            return
        if self._tempo.phase_ms(self._rep_phases[-1]) == 0:
            self._say(now_ms, phrases.count(self._rep), Priority.CUE, "count")
        self._end_rep(now_ms)

    def _speak_phase_cue(self, now_ms: int, index: int, tempo: Tempo) -> None:
        """Breathing on each movement, a form cue in the first hold on every third rep (it
        runs on into the second movement, whose breathing cue it replaces), the count last."""
        if index == 1:
            form = self._form_cue_for(tempo)
            if form:
                self._say(now_ms, form, Priority.FORM, "form")
        elif index == 3:
            self._say(now_ms, phrases.count(self._rep), Priority.CUE, "count")
        elif index == 0 or not self._form_rep(tempo):
            self._say(now_ms, self._breathing_cue(self._rep_phases[index]), Priority.CUE, "cue")

    def _breathing_cue(self, movement: Phase) -> str:
        common = self.catalog.common
        first = self._rep == 1
        if movement is Phase.LIFT:
            return common.breathing_up if first else common.short_up
        return common.breathing_down if first else common.short_down

    def _form_rep(self, tempo: Tempo) -> bool:
        return self._form_cue_for(tempo) is not None

    def _form_cue_for(self, tempo: Tempo) -> str | None:
        """On every third rep, the next form cue that fits in the first hold and the movement
        after it."""
        hold, movement = (tempo.phase_ms(p) for p in self._rep_phases[1:3])
        if self._rep % FORM_EVERY_REPS or hold == 0:
            return None
        room = hold + movement - SPEECH_GAP_MS
        cues = self._variation.form
        for offset in range(len(cues)):
            cue = cues[(self._form_turn + offset) % len(cues)]
            if self._speech_ms(cue) <= room:
                return cue
        return None

    def _end_rep(self, now_ms: int) -> None:
        if self._form_rep(self._tempo):
            self._form_turn += 1
        self._set_reps_done += 1
        variation = self._variation.id
        self._reps_by_variation[variation] = self._reps_by_variation.get(variation, 0) + 1
        block = self._block
        if block.seconds is None:
            done = self._set_reps_done >= self._reps_target
        else:
            done = now_ms - self._set_started_ms >= block.seconds * 1000
        if done:
            self._end_set(now_ms)
        else:
            self._start_rep(now_ms, self._rep + 1)

    def _record_set(self, now_ms: int) -> None:
        target = self._reps_target if self._block.seconds is None else self._set_reps_done
        self._emit(SetCompleted(now_ms, self._block_index, self._set_number, self._variation.id,
                                self._set_reps_done, target, round(self._scale, 3)))

    def _end_set(self, now_ms: int) -> None:
        self._phase = None
        self._record_set(now_ms)
        self._sets_done += 1
        block = self._block
        last_block = self._block_index == len(self.routine.blocks) - 1
        if self._set_number < block.sets:
            next_set = self._set_number + 1
            self._rest(now_ms, block.rest_s, lambda t: self._ready_set(t, next_set), True)
        elif not last_block:
            self._rest(now_ms, block.rest_after_s, self._next_block, True)
        else:
            end = self._say(now_ms, phrases.SET_DONE, Priority.INSTRUCTION, "info")
            self._at(end, lambda t: self._finish(t, EndReason.FINISHED))

    def _next_block(self, now_ms: int) -> None:
        self._block_index += 1
        self._intro_block(now_ms)

    def _rest(self, now_ms: int, seconds: int, then: Action, after_set: bool) -> None:
        self._enter(State.REST, now_ms)
        self._after_rest = then
        self._rest_ends_ms = now_ms + seconds * 1000
        text = phrases.rest(seconds)
        text = f"{phrases.SET_DONE} {text}" if after_set else text
        self._say(now_ms, text, Priority.INSTRUCTION, "instruction")
        if seconds > REST_WARNING_S + 5:
            warn_at = self._rest_ends_ms - REST_WARNING_S * 1000
            self._at(warn_at, lambda t: self._say(t, phrases.REST_END_WARNING, Priority.CUE, "cue"))
        self._at(self._rest_ends_ms, then)

    def _finish(
        self, now_ms: int, reason: EndReason, speak: bool = True, speak_from_ms: int | None = None
    ) -> None:
        self._clear_agenda()
        self._phase = None
        self._enter(State.FINISHED, now_ms)
        reps = dict(self._reps_by_variation)
        self._emit(Finished(now_ms, reason, self._sets_done, sum(reps.values()), reps))
        if speak:
            names = {self.catalog.get(v).name: n for v, n in reps.items()}
            text = phrases.summary(reason is EndReason.FINISHED, self._sets_done, names)
            start = now_ms if speak_from_ms is None else speak_from_ms
            end = self._say(start, text, Priority.INSTRUCTION, "summary")
            if reason is EndReason.FINISHED and self.routine.cooldown:
                end = self._say(end, self.routine.cooldown, Priority.INSTRUCTION, "info")
            self._emit(Sound(end, "done"))

    # ----- commands ----------------------------------------------------------------

    def _cmd_pause(self, now_ms: int) -> None:
        self._resume_action = self._resume_point(now_ms)
        self._paused_from = self.state
        self._clear_agenda()
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
        self._at(end, action)

    def _cmd_next(self, now_ms: int) -> None:
        self._clear_agenda()
        self._emit(Hush(now_ms))
        if self.state is State.INTRO:
            self._ready_set(now_ms, 1)
        elif self.state is State.REST:
            self._skip_rest(now_ms)
        else:
            self._end_set(now_ms)

    def _cmd_skip_rest(self, now_ms: int) -> None:
        self._clear_agenda()
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
        if self.state is State.SET and self._set_reps_done:
            self._record_set(now_ms)
        self._variations[self._block_index] = target.id
        self._emit(VariationChanged(now_ms, current.id, target.id,
                                    "easier" if direction < 0 else "harder"))
        cautions = self._cautions_not_yet_said(target.cautions)
        texts = [phrases.switching(target), *cautions, target.setup]
        if self.state in (State.SET, State.READY, State.INTRO):
            self._clear_agenda()
            self._emit(Hush(now_ms))
            set_number = max(1, self._set_number)
            self._say_in_turn(now_ms + EARCON_MS, texts, "setup",
                              lambda t: self._ready_set(t, set_number))
        elif self.state is State.PAUSED:
            set_number = max(1, self._set_number)
            if self._paused_from in (State.SET, State.READY):
                self._resume_action = lambda t: self._ready_set(t, set_number)
            self._say_in_turn(now_ms + EARCON_MS, [phrases.switching(target), *cautions],
                              "confirm", lambda t: None)
        else:
            self._say_in_turn(now_ms + EARCON_MS, texts, "setup", lambda t: None)

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

    def _cmd_back_pain(self, now_ms: int) -> None:
        """Pause, give the article's advice, and go on (on resume) with the gentlest rung at a
        slower tempo, for this block and every block after it."""
        if self.state is not State.PAUSED:
            self._paused_from = self.state
            resume_point = self._resume_point(now_ms)
        else:
            resume_point = self._resume_action or self._intro_block
        if self.state is State.SET and self._set_reps_done:
            self._record_set(now_ms)
        self._clear_agenda()
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
        self._say_in_turn(now_ms + EARCON_MS, advice, "confirm", lambda t: None)
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
        return lambda t: self._say_in_turn(t, texts, "setup", then)


_COMMAND_HANDLERS: dict[Command, Callable[[Session, int], None]] = {
    Command.NEXT: Session._cmd_next,
    Command.PAUSE: Session._cmd_pause,
    Command.RESUME: Session._cmd_resume,
    Command.EASIER: Session._cmd_easier,
    Command.HARDER: Session._cmd_harder,
    Command.SLOWER: Session._cmd_slower,
    Command.FASTER: Session._cmd_faster,
    Command.REPEAT: Session._cmd_repeat,
    Command.HOW_MANY: Session._cmd_how_many,
    Command.SKIP_REST: Session._cmd_skip_rest,
    Command.STOP: Session._cmd_stop,
    Command.HELP: Session._cmd_help,
    Command.BACK_PAIN: Session._cmd_back_pain,
}
