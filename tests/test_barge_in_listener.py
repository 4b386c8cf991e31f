"""The listener with the coach's echo cancelled: words over the coach count, its own do not."""

from __future__ import annotations

import numpy as np

from tests.fakes import ScriptedRecognizer, SubtractingEchoCanceller
from voice_coach.core.commands import Command
from voice_coach.recognition.base import Hypothesis, Word
from voice_coach.recognition.echo_path import EchoPath
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.phrases import load_command_phrases

RATE = 16000
BLOCK = 1600  # 100 ms


def coach_voice(blocks: int) -> np.ndarray:
    """A loud, busy signal standing for the coach's speech, as the microphone hears it."""
    rng = np.random.default_rng(3)
    return (rng.standard_normal(blocks * BLOCK) * 4000).astype(np.int16)


def person_voice(blocks: int, start_s: float, length_s: float = 0.5) -> np.ndarray:
    """A voiced sound (a 180 Hz buzz with a harmonic, swelling 3 times a second) standing for
    the person's word, placed on a `blocks`-long microphone signal."""
    t = np.arange(round(length_s * RATE)) / RATE
    person = np.zeros(blocks * BLOCK, np.int32)
    first = round(start_s * RATE)
    person[first : first + len(t)] = (3000 * np.sin(2 * np.pi * 180 * t)
                                      * np.sin(2 * np.pi * 3 * t) ** 2
                                      + 1500 * np.sin(2 * np.pi * 540 * t)).astype(np.int32)
    return person


def run(listener: CommandListener, played: np.ndarray, person: np.ndarray | None = None,
        with_reference: bool = True) -> list:
    mic = played if person is None else (played.astype(np.int32) + person).astype(np.int16)
    heard = []
    for index in range(len(played) // BLOCK):
        part = slice(index * BLOCK, (index + 1) * BLOCK)
        reference = played[part] if with_reference else None
        heard += listener.push(mic[part], index * BLOCK / RATE, reference)
    return heard


def cancelling_listener(script: dict[int, list[Hypothesis]]) -> tuple[CommandListener,
                                                                     ScriptedRecognizer]:
    engine = ScriptedRecognizer(script)
    # No delay search: the fake microphone hears the reference exactly, in step.
    echo = EchoPath(SubtractingEchoCanceller(), max_delay_s=0.0)
    return CommandListener(engine, load_command_phrases(), echo=echo), engine


def pause_at(start_s: float, confidence: float = 0.95) -> Hypothesis:
    return Hypothesis("pause", True, confidence,
                      (Word("pause", start_s, start_s + 0.4, confidence),))


def test_a_command_over_the_coach_is_heard_once_its_echo_is_cancelled() -> None:
    listener, engine = cancelling_listener({30: [pause_at(2.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "Exhale on the way up.")
    heard = run(listener, coach_voice(40), person_voice(40, 2.6))
    assert [(h.command, round(h.at_s, 1)) for h in heard] == [(Command.PAUSE, 3.1)]
    # What reached the engine is the microphone with the coach taken out, not blanked.
    assert not engine.blocks_fed[25].any(), "the mic heard only the coach: nothing is left"
    assert listener.echo is not None and listener.echo.converged


def test_without_a_reference_words_over_the_coach_are_still_void() -> None:
    listener, engine = cancelling_listener({30: [pause_at(2.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "Exhale on the way up.")
    assert run(listener, coach_voice(40), with_reference=False) == []
    assert [u.reason for u in listener.take_unheeded()] == ["coach was speaking"]
    assert not engine.blocks_fed[20].any(), "the coach's speech is blanked as before"


def test_the_coach_naming_a_command_does_not_trigger_it() -> None:
    listener, _ = cancelling_listener({30: [pause_at(2.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "You can say: next, pause, resume.")
    assert run(listener, coach_voice(40), person_voice(40, 2.6)) == []
    assert [u.reason for u in listener.take_unheeded()] == ["the coach said it"]


def test_an_unsure_command_over_the_coach_is_let_pass() -> None:
    listener, _ = cancelling_listener({30: [pause_at(2.6, confidence=0.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "Exhale on the way up.")
    assert run(listener, coach_voice(40)) == []
    assert [u.reason for u in listener.take_unheeded()] == ["too unsure over the coach"]


def test_a_command_over_the_coach_needs_the_persons_voice() -> None:
    """What the canceller leaves of a cue can sound like a command to the recognizer: without
    the person's voice in its words it is the coach's own residue."""
    listener, _ = cancelling_listener({30: [pause_at(2.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "Exhale on the way up.")
    assert run(listener, coach_voice(40), person_voice(40, 1.0)) == []  # voice, but not then
    assert [u.reason for u in listener.take_unheeded()] == ["no voice but the coach's"]


def test_partials_over_the_coach_wait_for_the_final_result() -> None:
    partial = Hypothesis("pause", False, None, (Word("pause", 2.6, 3.0, None),))
    listener, _ = cancelling_listener({29: [partial], 31: [pause_at(2.6)]})
    listener.mark_coach_audio(0.0, 4.0, "speech", "Exhale on the way up.")
    heard = run(listener, coach_voice(40), person_voice(40, 2.6))
    assert [(h.command, round(h.at_s, 1)) for h in heard] == [(Command.PAUSE, 3.2)]


def test_until_the_canceller_converges_the_coach_is_blanked() -> None:
    class Slow(SubtractingEchoCanceller):
        """Cancels nothing for its first 2 s, as a canceller that is still adapting."""

        def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
            self.calls += 1
            return mic.copy() if self.calls <= 20 else super().process(mic, reference)

    engine = ScriptedRecognizer({12: [pause_at(0.8)]})
    echo = EchoPath(Slow(), max_delay_s=0.0)
    listener = CommandListener(engine, load_command_phrases(), echo=echo)
    listener.mark_coach_audio(0.0, 4.0, "speech", "Welcome.")
    assert run(listener, coach_voice(40)) == []
    assert [u.reason for u in listener.take_unheeded()] == ["coach was speaking"]
    assert not engine.blocks_fed[12].any()
    assert echo.converged  # by the end: 2 s of nothing, then a second of full cancellation


def test_the_persons_voice_over_the_coach_is_told_from_the_coach_residue() -> None:
    listener, _ = cancelling_listener({})
    played = coach_voice(40)
    person = person_voice(40, 2.0)
    speaking = []
    mic = (played.astype(np.int32) + person).astype(np.int16)
    for index in range(40):
        part = slice(index * BLOCK, (index + 1) * BLOCK)
        listener.push(mic[part], index * 0.1, played[part])
        speaking.append(listener.user_speaking)
    assert not any(speaking[:20]) and not any(speaking[26:])
    assert any(speaking[20:25])
