"""The listening pipeline: click blanking, deafness to the coach's speech, partial results."""

from __future__ import annotations

import numpy as np

from tests.fakes import ScriptedRecognizer
from voice_coach.core.commands import Command
from voice_coach.recognition.base import Hypothesis, Word
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.self_audio import SelfAudioGate

RATE = 16000


def push_blocks(listener: CommandListener, count: int, start_s: float = 0.0) -> list:
    heard = []
    for index in range(count):
        block = np.full(1600, 1000, dtype=np.int16)
        heard += listener.push(block, start_s + index * 0.1)
    return heard


def test_click_gate_quiets_5ms_before_to_35ms_after_each_onset() -> None:
    gate = SelfAudioGate(RATE)
    gate.mark(1.07, 1.07, "click")
    block = np.full(1600, 500, dtype=np.int16)
    cleaned = gate.clean(block, 1.0)  # block covers 1.0 .. 1.1 s
    quieted = np.flatnonzero(cleaned != 500)
    assert quieted[0] == round(0.065 * RATE) and quieted[-1] == 1599
    assert np.all(cleaned[quieted] == 150), "clicks are scaled down, not zeroed"
    assert np.all(block == 500), "the caller's block is not modified"
    following = gate.clean(np.full(1600, 500, dtype=np.int16), 1.1)  # the gate runs on to 1.105 s
    assert np.all(following[: round(0.005 * RATE)] == 150) and np.all(following[80:] == 500)


def test_coach_speech_is_zeroed() -> None:
    gate = SelfAudioGate(RATE)
    gate.mark(0.02, 0.05, "speech")
    cleaned = gate.clean(np.full(1600, 500, dtype=np.int16), 0.0)
    assert np.all(cleaned[round(0.02 * RATE) :] == 0)  # speech plus its echo tail
    assert np.all(cleaned[: round(0.02 * RATE)] == 500)


def test_listener_feeds_blanked_audio_to_the_engine() -> None:
    engine = ScriptedRecognizer({})
    listener = CommandListener(engine, load_command_phrases())
    listener.mark_coach_audio(0.27, 0.27, "click")
    push_blocks(listener, 4)
    assert np.all(engine.blocks_fed[2][round(0.065 * RATE) : 1600] == 300)
    assert np.all(engine.blocks_fed[2][: round(0.065 * RATE)] == 1000)
    assert np.all(engine.blocks_fed[3][round(0.005 * RATE) :] == 1000)
    assert np.all(engine.blocks_fed[0] == 1000)
    assert "hold on" in engine.phrases


def test_commands_heard_while_the_coach_speaks_are_discarded() -> None:
    pause = Hypothesis("pause", True, 0.95, (Word("pause", 0.3, 0.7, 0.95),))
    engine = ScriptedRecognizer({9: [pause]})
    listener = CommandListener(engine, load_command_phrases())
    listener.mark_coach_audio(0.0, 0.5, "speech")
    assert push_blocks(listener, 12) == []
    assert np.all(engine.blocks_fed[2] == 0), "the coach's own speech never reaches the engine"


def test_command_after_the_coach_stopped_speaking_is_accepted_at_the_deciding_block() -> None:
    pause = Hypothesis("pause", True, 0.95, (Word("pause", 1.2, 1.6, 0.95),))
    engine = ScriptedRecognizer({19: [pause]})
    listener = CommandListener(engine, load_command_phrases())
    listener.set_self_audio([(0.0, 0.5, "speech", "")])
    heard = push_blocks(listener, 22, start_s=10.0)
    assert [(h.command, round(h.at_s, 2), h.text) for h in heard] == [
        (Command.PAUSE, 12.0, "pause")
    ]


def test_unambiguous_partial_is_acted_on_once_and_the_final_is_not_repeated() -> None:
    script = {
        5: [Hypothesis("skip", False)],  # could still become "skip rest": wait
        6: [Hypothesis("skip rest", False)],
        7: [Hypothesis("skip rest", True, 0.9)],
    }
    engine = ScriptedRecognizer(script)
    listener = CommandListener(engine, load_command_phrases())
    heard = push_blocks(listener, 10)
    assert [(h.command, round(h.at_s, 2)) for h in heard] == [(Command.SKIP_REST, 0.7)]
    assert engine.resets == 1


def test_finals_only_mode_ignores_partials_and_inactive_commands() -> None:
    script = {3: [Hypothesis("pause", False)], 5: [Hypothesis("pause", True, 0.9)]}
    listener = CommandListener(
        ScriptedRecognizer(script), load_command_phrases(), use_partials=False
    )
    assert [round(h.at_s, 2) for h in push_blocks(listener, 8)] == [0.6]
    listener = CommandListener(ScriptedRecognizer(script), load_command_phrases())
    listener.set_active({Command.RESUME})
    assert push_blocks(listener, 8) == []


def test_what_the_listener_lets_pass_is_kept_with_why() -> None:
    over_speech = Hypothesis("pause", True, 0.95, (Word("pause", 0.3, 0.7, 0.95),))
    talk = Hypothesis("harbor", True, 0.9, (Word("harbor", 1.2, 1.6, 0.9),))
    inactive = Hypothesis("skip rest", True, 0.9, (Word("skip", 2.2, 2.5, 0.9),))
    unsure = Hypothesis("stop", True, 0.4, (Word("stop", 3.2, 3.5, 0.4),))
    engine = ScriptedRecognizer({9: [over_speech], 19: [talk], 29: [inactive], 39: [unsure]})
    listener = CommandListener(engine, load_command_phrases(),
                               active=[Command.PAUSE, Command.STOP])
    listener.mark_coach_audio(0.0, 0.5, "speech")
    assert push_blocks(listener, 42) == []
    assert [(u.text, u.reason) for u in listener.take_unheeded()] == [
        ("pause", "coach was speaking"),
        ("harbor", "not a command"),
        ("skip rest", "not available now"),
        ("stop", "too unsure"),
    ]
    assert listener.take_unheeded() == []
