"""The session's state machine without its commands: welcome, block introductions with their
cautions, get-ready and count-in, reps phase by phase, rests, and the finish.

Every method takes the session-clock time it runs at and emits effects; nothing here sleeps or
touches a device. Commands (`command_handlers.py`) move this machine from outside, and
`engine.Session` is the public face of both.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.core import phrases
from voice_coach.core.agenda import Action, Agenda
from voice_coach.core.catalog import Catalog, Variation
from voice_coach.core.effects import (
    REPEATABLE_KINDS,
    Click,
    Effect,
    EndReason,
    Finished,
    PhaseChanged,
    Priority,
    Say,
    SayKind,
    SetCompleted,
    Sound,
    State,
    StateChanged,
)
from voice_coach.core.rep_plan import breathing_cue, form_cue, rep_phases
from voice_coach.core.routine import Block, Routine
from voice_coach.core.tempo import Phase, Tempo

SpeechDuration = Callable[[str], int]

SPEECH_GAP_MS = 250
EARCON_MS = 150
COUNT_IN_BEAT_MS = 1000
REST_WARNING_S = 10


def estimate_speech_ms(text: str, words_per_minute: int = 165) -> int:
    """A speaking-time estimate for text that has not been rendered yet."""
    return 200 + round(len(text.split()) * 60_000 / words_per_minute)


class SessionFlow:
    """The workout's progress and the states it passes through; see the module docstring."""

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
        self._agenda = Agenda()
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
        self._after_rest: Action | None = None
        self._rest_ends_ms = 0
        # Cautions count as said once their speech has run to its end: one cut short by a
        # command ("next" during the intro) is said again before the set starts.
        self._cautions_said: set[str] = set()
        self._back_pain_hint_said = False
        # How to breathe and the tempo rule, said in the first block's intro.
        self._basics = (phrases.breathing(catalog), catalog.common.tempo_rule)
        self._basics_said: set[str] = set()
        self._caution_by_text = {caution.text: caution.id for caution in catalog.cautions}

    # ----- what the session is at ---------------------------------------------------

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

    # ----- effects and speech -------------------------------------------------------

    def _take(self) -> list[Effect]:
        out, self._out = self._out, []
        return out

    def _emit(self, effect: Effect) -> None:
        self._out.append(effect)

    def _enter(self, state: State, now_ms: int) -> None:
        if state is not self.state:
            self._emit(StateChanged(now_ms, state, self.state))
            self.state = state

    def _say(self, at_ms: int, text: str, priority: Priority, kind: SayKind) -> int:
        """Say `text` at `at_ms`; returns when the next speech may start."""
        self._emit(Say(at_ms, text, priority, kind))
        if kind in REPEATABLE_KINDS:
            self._last_instruction = text
        return at_ms + self._speech_ms(text) + SPEECH_GAP_MS

    def _say_in_turn(self, at_ms: int, texts: list[str], kind: SayKind, then: Action) -> None:
        """Say each text after the previous one ends, then run `then`."""
        if not texts:
            then(at_ms)
            return
        end = self._say(at_ms, texts[0], Priority.INSTRUCTION, kind)

        def after(t: int) -> None:
            self._note_said(texts[0])
            self._say_in_turn(t, texts[1:], kind, then)

        self._agenda.at(end, after)

    def _note_said(self, text: str) -> None:
        caution_id = self._caution_by_text.get(text)
        if caution_id is not None:
            self._cautions_said.add(caution_id)
        elif text == phrases.BACK_PAIN_HINT:
            self._back_pain_hint_said = True
        elif text in self._basics:
            self._basics_said.add(text)

    def _basics_not_yet_said(self) -> list[str]:
        if self._block_index != 0:
            return []
        return [text for text in self._basics if text not in self._basics_said]

    def _cautions_not_yet_said(self, caution_ids: tuple[str, ...], hint: bool = True) -> list[str]:
        """The texts of these cautions not said to the end yet this session; the first caution
        of a session is followed by how to report back pain (unless `hint` is False: another
        list said with this one has it)."""
        texts = [
            self.catalog.caution(caution_id).text
            for caution_id in dict.fromkeys(caution_ids)
            if caution_id not in self._cautions_said
        ]
        if texts and hint and not self._back_pain_hint_said:
            texts.append(phrases.BACK_PAIN_HINT)
        return texts

    def _opening_cautions(self) -> tuple[str, ...]:
        """The routine's own cautions, due before its first block."""
        return self.routine.cautions if self._block_index == 0 else ()

    def _set_cautions(self) -> tuple[str, ...]:
        """Every caution due before a set of the current block."""
        return (*self._opening_cautions(), *self._variation.cautions)

    # ----- blocks and sets ----------------------------------------------------------

    def _intro_block(self, now_ms: int) -> None:
        self._enter(State.INTRO, now_ms)
        self._set_number = 0
        self._rep = 0
        variation, block = self._variation, self._block
        opening = self._opening_cautions()
        opening_texts = self._cautions_not_yet_said(opening)
        own = tuple(c for c in variation.cautions if c not in opening)
        texts = [
            *opening_texts,
            phrases.block_intro(variation, block.sets, self._reps_target, block.seconds),
            *self._cautions_not_yet_said(own, hint=not opening_texts),
            variation.setup,
        ]
        texts += self._basics_not_yet_said()
        self._say_in_turn(now_ms, texts, SayKind.SETUP, lambda t: self._ready_set(t, 1))

    def _ready_set(self, now_ms: int, set_number: int) -> None:
        missing = self._cautions_not_yet_said(self._set_cautions())
        if missing:  # cut short by a command: no set starts before its cautions are heard
            self._say_in_turn(now_ms + EARCON_MS, missing, SayKind.SETUP,
                              lambda t: self._ready_set(t, set_number))
            return
        self._enter(State.READY, now_ms)
        self._set_number = set_number
        self._rep = 0
        self._set_reps_done = 0
        self._phase = None
        self._emit(Sound(now_ms, "chime"))
        end = self._say(now_ms, phrases.set_ready(set_number, self._block.sets),
                        Priority.INSTRUCTION, SayKind.INSTRUCTION)
        self._agenda.at(end, lambda t: self._count_in(t, self._begin_set))

    def _count_in(self, now_ms: int, then: Action) -> None:
        for beat, word in enumerate(phrases.COUNT_IN):
            beat_ms = now_ms + beat * COUNT_IN_BEAT_MS
            self._agenda.at(beat_ms, lambda t, word=word: self._count_in_beat(t, word))
        self._agenda.at(now_ms + len(phrases.COUNT_IN) * COUNT_IN_BEAT_MS, then)

    def _count_in_beat(self, now_ms: int, word: str) -> None:
        self._emit(Click(now_ms, accent=False))
        self._say(now_ms, word, Priority.CUE, SayKind.COUNT)

    def _begin_set(self, now_ms: int) -> None:
        self._set_started_ms = now_ms
        self._start_rep(now_ms, 1)

    # ----- reps ---------------------------------------------------------------------

    def _start_rep(self, now_ms: int, rep: int) -> None:
        self._enter(State.SET, now_ms)
        self._rep = rep
        self._run_phase(now_ms, 0)

    def _run_phase(self, now_ms: int, index: int) -> None:
        tempo = self._tempo
        phase = rep_phases(self._variation)[index]
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
            self._agenda.at(now_ms + beat * length // beats, lambda t: self._emit(Click(t, False)))
        self._speak_phase_cue(now_ms, index, tempo)
        self._agenda.at(now_ms + length, lambda t: self._after_phase(t, index))

    def _after_phase(self, now_ms: int, index: int) -> None:
        phases = rep_phases(self._variation)
        if index + 1 < len(phases):
            self._run_phase(now_ms, index + 1)
            return
        if self._tempo.phase_ms(phases[-1]) == 0:
            self._say(now_ms, phrases.count(self._rep), Priority.CUE, SayKind.COUNT)
        self._end_rep(now_ms)

    def _speak_phase_cue(self, now_ms: int, index: int, tempo: Tempo) -> None:
        """Breathing on each movement, a form cue in the first hold on every third rep (it
        runs on into the second movement, whose breathing cue it replaces), the count last."""
        if index == 1:
            form = self._form_cue(tempo)
            if form:
                self._say(now_ms, form, Priority.FORM, SayKind.FORM)
        elif index == 3:
            self._say(now_ms, phrases.count(self._rep), Priority.CUE, SayKind.COUNT)
        elif index == 0 or self._form_cue(tempo) is None:
            movement = rep_phases(self._variation)[index]
            text = breathing_cue(self.catalog.common, movement, self._rep == 1)
            self._say(now_ms, text, Priority.CUE, SayKind.CUE)

    def _form_cue(self, tempo: Tempo) -> str | None:
        return form_cue(self._variation, self._rep, tempo, self._form_turn, self._speech_ms,
                        SPEECH_GAP_MS)

    def _end_rep(self, now_ms: int) -> None:
        if self._form_cue(self._tempo) is not None:
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

    # ----- after a set --------------------------------------------------------------

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
            end = self._say(now_ms, phrases.SET_DONE, Priority.INSTRUCTION, SayKind.INFO)
            self._agenda.at(end, lambda t: self._finish(t, EndReason.FINISHED))

    def _next_block(self, now_ms: int) -> None:
        self._block_index += 1
        self._intro_block(now_ms)

    def _rest(self, now_ms: int, seconds: int, then: Action, after_set: bool) -> None:
        self._enter(State.REST, now_ms)
        self._after_rest = then
        self._rest_ends_ms = now_ms + seconds * 1000
        text = phrases.rest(seconds)
        text = f"{phrases.SET_DONE} {text}" if after_set else text
        self._say(now_ms, text, Priority.INSTRUCTION, SayKind.INSTRUCTION)
        if seconds > REST_WARNING_S + 5:
            warn_at = self._rest_ends_ms - REST_WARNING_S * 1000
            self._agenda.at(warn_at, lambda t: self._say(t, phrases.REST_END_WARNING,
                                                         Priority.CUE, SayKind.CUE))
        self._agenda.at(self._rest_ends_ms, then)

    def _finish(
        self, now_ms: int, reason: EndReason, speak: bool = True, speak_from_ms: int | None = None
    ) -> None:
        self._agenda.clear()
        self._phase = None
        self._enter(State.FINISHED, now_ms)
        reps = dict(self._reps_by_variation)
        self._emit(Finished(now_ms, reason, self._sets_done, sum(reps.values()), reps))
        if not speak:
            return
        names = {self.catalog.get(v).name: n for v, n in reps.items()}
        text = phrases.summary(reason is EndReason.FINISHED, self._sets_done, names)
        start = now_ms if speak_from_ms is None else speak_from_ms
        end = self._say(start, text, Priority.INSTRUCTION, SayKind.SUMMARY)
        if reason is EndReason.FINISHED and self.routine.cooldown:
            end = self._say(end, self.routine.cooldown, Priority.INSTRUCTION, SayKind.INFO)
        self._emit(Sound(end, "done"))
