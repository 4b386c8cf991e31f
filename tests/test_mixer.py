"""The mixer: sample-accurate placement, speech arbitration, ducking and hush."""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from tests.fakes import SAMPLE_RATE, click_clip
from voice_coach.settings import MixerSettings
from voice_coach.sound.mixer import Mixer


def make_mixer(**kw) -> Mixer:
    return Mixer(SAMPLE_RATE, click_clip(level=0.4), click_clip(level=0.8),
                 {"chime": np.full(100, 0.1, np.float32)}, MixerSettings(click_gain=1.0, **kw))


def render(mixer: Mixer, total: int, block: int) -> np.ndarray:
    return np.concatenate([mixer.render(block) for _ in range(total // block)])


def onsets(signal: np.ndarray, threshold: float = 0.05) -> list[int]:
    above = np.abs(signal) > threshold
    return [int(i) for i in np.flatnonzero(above[1:] & ~above[:-1]) + 1] + (
        [0] if above[0] else [])


def test_clicks_land_on_their_exact_sample_whatever_the_block_size() -> None:
    positions = [0, 1023, 5_000, 12_345, 47_000]
    outputs = []
    for block in (64, 768, 4096):
        mixer = make_mixer()
        for i, at in enumerate(positions):
            mixer.add_click(at, accent=i == 0)
        outputs.append(render(mixer, 49_152, block))
    assert np.array_equal(outputs[0], outputs[1]) and np.array_equal(outputs[1], outputs[2])
    assert sorted(onsets(outputs[0])) == positions
    assert outputs[0][0] == np.float32(0.8) and outputs[0][1023] == np.float32(0.4)


def test_higher_priority_speech_cuts_lower_and_equal_waits() -> None:
    mixer = make_mixer(max_speech_wait_ms=500)
    low = np.full(10_000, 0.1, np.float32)
    high = np.full(2_000, 0.3, np.float32)
    assert mixer.add_speech(0, low, priority=1) == 0
    assert mixer.add_speech(5_000, high, priority=2) == 5_000
    out = render(mixer, 12_000, 1000)
    assert np.allclose(out[:5_000], 0.1)
    fade = int(0.005 * SAMPLE_RATE)
    assert np.all(out[5_000 + fade:7_000] == np.float32(0.3))  # the low cue is gone
    assert np.all(out[7_000:] == 0)
    mixer = make_mixer(max_speech_wait_ms=500)
    mixer.add_speech(0, np.full(40_000, 0.1, np.float32), priority=1)
    assert mixer.add_speech(100, high, priority=1) is None  # would wait 831 ms > 500 ms
    assert mixer.dropped_speech == 1
    assert mixer.add_speech(39_000, high, priority=1) == 40_000  # waits 21 ms


def test_clicks_are_ducked_under_speech() -> None:
    mixer = make_mixer(duck_gain=0.25)
    mixer.add_click(100, accent=True)
    mixer.add_click(5_000, accent=True)
    mixer.add_speech(4_000, np.zeros(3_000, np.float32), priority=1)
    out = render(mixer, 8_000, 512)
    assert out[100] == np.float32(0.8)
    assert out[5_000] == np.float32(0.2)


def test_hush_drops_what_is_pending_and_fades_what_plays() -> None:
    mixer = make_mixer()
    mixer.add_speech(0, np.full(20_000, 0.2, np.float32), priority=1)
    mixer.add_click(15_000, accent=False)
    mixer.render(10_000)
    mixer.hush(10_000)
    out = mixer.render(10_000)
    fade = int(0.005 * SAMPLE_RATE)
    assert 0 < out[0] <= 0.2 and np.all(out[fade:] == 0)
    assert mixer.idle


def test_audible_intervals_are_remembered_for_the_listener() -> None:
    mixer = make_mixer()
    mixer.add_click(1_000, accent=False)
    mixer.add_speech(2_000, np.zeros(500, np.float32), priority=1)
    kinds = [(a.start, a.kind) for a in mixer.audible_between(0, 3_000)]
    assert kinds == [(1_000, "click"), (2_000, "speech")]
    assert mixer.audible_between(3_000, 4_000) == []


def test_a_hushed_sound_is_reported_again_with_its_shorter_end() -> None:
    mixer = make_mixer()
    mixer.add_speech(0, np.zeros(20_000, np.float32), priority=1)
    mixer.add_click(15_000, accent=False)
    mixer.render(10_000)
    mixer.hush(10_000)
    fade = int(0.005 * SAMPLE_RATE)
    assert [(a.start, a.end, a.kind) for a in mixer.audible_between(0, 30_000)] == [
        (0, 10_000 + fade, "speech")]


def test_a_late_subscriber_gets_what_played_before_then_every_new_report() -> None:
    mixer = make_mixer()
    mixer.add_click(100, accent=False)
    mixer.render(512)
    feed = mixer.subscribe_audible()
    mixer.add_click(600, accent=True)
    mixer.render(512)
    mixer.add_speech(1_200, np.zeros(300, np.float32), priority=1)
    reports = [(a.start, a.kind) for a in _drain(feed)]
    assert reports == [(100, "click"), (600, "click"), (1_200, "speech")]
    assert _drain(feed) == []


def test_a_subscriber_in_another_thread_misses_nothing_while_blocks_render() -> None:
    mixer = make_mixer()
    heard: list[int] = []
    done = threading.Event()
    feed = mixer.subscribe_audible()

    def listen() -> None:
        while not done.is_set() or feed:
            heard.extend(a.start for a in _drain(feed))

    reader = threading.Thread(target=listen)
    reader.start()
    for block in range(2_000):  # a click per block; the pause is the audio device's pacing
        mixer.add_click(block * 64, accent=False)
        mixer.render(64)
        if block % 64 == 0:
            time.sleep(0.001)
    done.set()
    reader.join(timeout=10)
    assert heard == [block * 64 for block in range(2_000)]


def _drain(feed: deque) -> list:
    drained = []
    while feed:
        drained.append(feed.popleft())
    return drained
