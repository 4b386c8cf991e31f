"""The coach yields when the person talks over it: ducked within a block, back after a pause,
and a command cuts the cue it interrupted. All on the sample clock: no sleeps."""

from __future__ import annotations

import numpy as np

from tests.fakes import SAMPLE_RATE, FakeSpeech, click_clip
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import Say, Yield
from voice_coach.core.engine import Session
from voice_coach.core.routine import Block, Routine
from voice_coach.core.yielding import HOLD_MS, MAX_DUCK_MS, Yielding
from voice_coach.settings import MixerSettings
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.mixer import AudioKind, Mixer, latest_audible

ROUTINE = Routine("yield", "", (Block("standard", sets=1, reps=3, rest_s=10),))
BLOCK = 512


def test_ducks_at_the_first_voice_and_comes_back_after_the_hold() -> None:
    policy = Yielding()
    assert policy.voice(1000) == [Yield(1000, ducked=True)]
    assert policy.voice(1200) == []  # still talking: already down
    assert policy.advance(1200 + HOLD_MS - 1) == []
    assert policy.advance(1200 + HOLD_MS) == [Yield(1200 + HOLD_MS, ducked=False)]
    assert not policy.ducked


def test_a_voice_that_never_stops_lets_the_coach_back_after_the_longest_duck() -> None:
    policy = Yielding()
    policy.voice(0)
    for at_ms in range(100, MAX_DUCK_MS, 100):  # a television, talking on
        policy.voice(at_ms)
        assert policy.advance(at_ms) == []
    assert policy.advance(MAX_DUCK_MS) == [Yield(MAX_DUCK_MS, ducked=False)]


def test_a_command_while_ducked_cuts_the_cue_and_restores_the_level() -> None:
    policy = Yielding()
    assert policy.command(500) == []  # not ducked: nothing to undo
    policy.voice(1000)
    assert policy.command(1300) == [Yield(1300, ducked=False, cut_speech=True)]
    assert policy.advance(5000) == []


def speaking_loop() -> tuple[CoachLoop, list[np.ndarray]]:
    """A loop rendered into its first long cue (the welcome), and the blocks so far."""
    speech = FakeSpeech(level=0.2)
    session = Session(ROUTINE, load_catalog(), speech.duration_ms)
    mixer = Mixer(SAMPLE_RATE, click_clip(level=0.4), click_clip(level=0.8),
                  settings=MixerSettings())
    loop = CoachLoop(session, mixer, speech.clip)
    blocks = [loop.render_block(BLOCK) for _ in range(50)]  # 0.53 s into the welcome
    return loop, blocks


def level(block: np.ndarray) -> float:
    return float(np.sqrt(np.mean(block.astype(np.float64) ** 2)))


def test_the_coach_ducks_15_db_within_one_block_of_the_persons_voice() -> None:
    loop, blocks = speaking_loop()
    before = level(blocks[-1])
    loop.submit_voice()
    ducked = loop.render_block(BLOCK)
    assert 20 * np.log10(level(ducked[240:]) / before) < -14  # after the 5 ms ramp
    later = [loop.render_block(BLOCK) for _ in range(HOLD_MS * SAMPLE_RATE // 1000 // BLOCK - 2)]
    assert all(20 * np.log10(level(b) / before) < -14 for b in later)
    restored = [loop.render_block(BLOCK) for _ in range(4)]
    assert abs(20 * np.log10(level(restored[-1]) / before)) < 1.0, "back to full level"
    yields = [e for e in drain(loop) if isinstance(e, Yield)]
    assert [y.ducked for y in yields] == [True, False]
    assert yields[1].at_ms - yields[0].at_ms in range(HOLD_MS, HOLD_MS + 12)


def test_a_command_that_interrupts_a_cue_ends_it() -> None:
    loop, _ = speaking_loop()
    feed = loop.mixer.subscribe_audible()
    loop.submit_voice()
    loop.render_block(BLOCK)
    loop.submit(Command.HOW_MANY, "voice", "how many")
    cut_at = loop.mixer.position
    loop.render_block(BLOCK)
    events = drain(loop)
    assert [(y.ducked, y.cut_speech) for y in events if isinstance(y, Yield)] == [
        (True, False), (False, True)]
    welcome = next(e for e in events if isinstance(e, Say))
    assert welcome.text.startswith("Welcome")
    spoken = latest_audible([feed.popleft() for _ in range(len(feed))])
    first = next(a for a in spoken if a.kind is AudioKind.SPEECH)
    full_length = len(FakeSpeech().clip(welcome.text))
    assert first.end == cut_at + 5 * SAMPLE_RATE // 1000 < first.start + full_length


def drain(loop: CoachLoop) -> list:
    events = []
    while not loop.outbox.empty():
        events.append(loop.outbox.get())
    return events
