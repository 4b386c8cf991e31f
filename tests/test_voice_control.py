"""Voice-control timing glue without devices: steady microphone block times, and output samples
mapped to the stream clock across an underrun."""

from __future__ import annotations

import numpy as np
import pytest

from voice_coach.app.voice_control import BlockTimeline
from voice_coach.sound.output import SpeakerOutput, StreamClock


def test_block_times_follow_the_sample_count_not_one_jumpy_timestamp() -> None:
    timeline = BlockTimeline(16000)
    adc = [100.0 + 0.1 * i for i in range(12)]
    adc[6] -= 0.015  # PulseAudio: one block's ADC time early by 15 ms
    placed = [timeline.place(1600, t) for t in adc]
    assert placed == pytest.approx([100.0 + 0.1 * i for i in range(12)], abs=1e-9)


def test_block_times_follow_a_real_gap_within_a_few_blocks() -> None:
    timeline = BlockTimeline(16000)
    placed = [timeline.place(1600, 100.0 + 0.1 * i + (0.3 if i >= 5 else 0.0)) for i in range(12)]
    assert placed[4] == pytest.approx(100.4)
    assert placed[-1] == pytest.approx(100.0 + 1.1 + 0.3)


def test_without_adc_times_blocks_are_placed_by_count() -> None:
    timeline = BlockTimeline(16000)
    assert [timeline.place(1600, 0.0) for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])


def test_played_samples_keep_their_time_after_an_underrun() -> None:
    clock = StreamClock(48000)
    assert clock.time_of(0) is None
    for block in range(4):
        clock.place_block(block * 1024, 10 + block * 1024 / 48000)
    gap = 0.25  # the stream ran dry for a quarter second
    for block in range(4, 8):
        clock.place_block(block * 1024, 10 + block * 1024 / 48000 + gap)
    assert clock.time_of(0) == pytest.approx(10.0)
    assert clock.time_of(2048) == pytest.approx(10 + 2048 / 48000)
    assert clock.time_of(5000) == pytest.approx(10 + 5000 / 48000 + gap)
    # One mapping before the gap and one after: the last sample before it keeps its time.
    assert clock.time_of(4095) == pytest.approx(10 + 4095 / 48000)
    assert clock.time_of(8191) == pytest.approx(10 + 8191 / 48000 + gap)


def test_the_speaker_maps_nothing_before_it_has_played() -> None:
    speaker = SpeakerOutput(lambda frames: np.zeros(frames, np.float32), 48000)
    assert speaker.stream_time_of(0) is None
