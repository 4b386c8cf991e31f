"""The coach loop: the engine driven by the mixer's sample clock, as the live stream runs it."""

from __future__ import annotations

import numpy as np

from tests.fakes import SAMPLE_RATE, FakeSpeech, click_clip
from tests.scenario import run_scenario
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import Click, Say, State, StateChanged
from voice_coach.core.engine import Session
from voice_coach.core.routine import Block, Routine
from voice_coach.settings import MixerSettings
from voice_coach.sound.coach_loop import CoachLoop, Heard, SpeechLate
from voice_coach.sound.mixer import Mixer

ROUTINE = Routine("loop", "", (Block("standard", sets=1, reps=3, rest_s=10),))


def make_loop(speech: FakeSpeech | None = None) -> CoachLoop:
    speech = speech or FakeSpeech(level=0.0)  # silent speech: clicks stay easy to find
    session = Session(ROUTINE, load_catalog(), speech.duration_ms)
    mixer = Mixer(SAMPLE_RATE, click_clip(level=0.4), click_clip(level=0.8),
                  settings=MixerSettings(duck_gain=1.0))
    return CoachLoop(session, mixer, speech.clip)


def drain(loop: CoachLoop) -> list:
    events = []
    while not loop.outbox.empty():
        events.append(loop.outbox.get())
    return events


def click_onsets(signal: np.ndarray) -> list[int]:
    above = np.abs(signal) > 0.05
    return [int(i) for i in np.flatnonzero(above[1:] & ~above[:-1]) + 1]


def test_every_click_sounds_on_the_sample_the_events_say() -> None:
    run = run_scenario(loop=make_loop(), block_frames=1024)
    audio, events = run.audio, run.events
    clicks = [e for e in events if isinstance(e, Click)]
    expected = [c.at_ms * SAMPLE_RATE // 1000 for c in clicks]
    assert click_onsets(audio) == expected
    assert len(clicks) == 3 * 7 + 3  # seven beats a rep, and the count-in


def test_block_size_does_not_change_the_output() -> None:
    small = run_scenario(loop=make_loop(), block_frames=256).audio
    large = run_scenario(loop=make_loop(), block_frames=4096).audio
    n = min(len(small), len(large))
    assert np.array_equal(small[:n], large[:n])
    assert not np.any(small[n:]) and not np.any(large[n:])


def test_pause_stops_the_metronome_within_one_block() -> None:
    block = 1024
    pause_block = 30 * SAMPLE_RATE // block  # 30 s in: mid-set
    at_ms = {index: index * block * 1000 // SAMPLE_RATE for index in (pause_block,
                                                                     pause_block + 300)}
    run = run_scenario({at_ms[pause_block]: Command.PAUSE,
                        at_ms[pause_block + 300]: Command.RESUME},
                       loop=make_loop(), block_frames=block)
    audio, events = run.audio, run.events
    heard = [e for e in events if isinstance(e, Heard)]
    assert [(h.command, h.source) for h in heard] == [("pause", "test"), ("resume", "test")]
    paused = next(e for e in events if isinstance(e, StateChanged) and e.state is State.PAUSED)
    assert paused.at_ms * SAMPLE_RATE // 1000 <= pause_block * block + 48
    silent_from = pause_block * block + block
    quiet = audio[silent_from + 2 * SAMPLE_RATE:(pause_block + 300) * block]
    assert not np.any(np.abs(quiet) > 0.05)


def test_speech_plays_at_its_cue_time_and_late_speech_is_reported() -> None:
    speech = FakeSpeech(level=0.2)
    loop = make_loop(speech)
    run = run_scenario(loop=loop, block_frames=2048)
    audio, events = run.audio, run.events
    says = [e for e in events if isinstance(e, Say)]
    first = says[0].at_ms * SAMPLE_RATE // 1000
    assert abs(audio[first + 10]) > 0 and not np.any(audio[:first])
    assert len(speech.rendered) == len(says)

    never_ready = CoachLoop(Session(ROUTINE, load_catalog()),
                            Mixer(SAMPLE_RATE, click_clip(), click_clip()), lambda text: None)
    for _ in range(200):
        never_ready.render_block(2048)
    late = [e for e in drain(never_ready) if isinstance(e, SpeechLate)]
    assert late and late[0].text.startswith("Welcome.")
