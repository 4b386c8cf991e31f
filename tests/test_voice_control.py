"""Voice-control timing glue without devices: steady microphone block times, and output samples
mapped to the stream clock across an underrun."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from voice_coach.app.voice_control import BlockTimeline
from voice_coach.sound.output import SpeakerOutput


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
    speaker = SpeakerOutput(lambda frames: np.zeros(frames, np.float32), 48000)
    status = SimpleNamespace(output_underflow=False)
    out = np.zeros((1024, 1), np.float32)
    assert speaker.stream_time_of(0) is None
    for block in range(4):
        speaker._callback(
            out, 1024, SimpleNamespace(outputBufferDacTime=10 + block * 1024 / 48000), status
        )
    gap = 0.25  # the stream ran dry for a quarter second
    for block in range(4, 8):
        dac = 10 + block * 1024 / 48000 + gap
        speaker._callback(out, 1024, SimpleNamespace(outputBufferDacTime=dac), status)
    assert speaker.stream_time_of(0) == pytest.approx(10.0)
    assert speaker.stream_time_of(2048) == pytest.approx(10 + 2048 / 48000)
    assert speaker.stream_time_of(5000) == pytest.approx(10 + 5000 / 48000 + gap)
    assert len(speaker._anchors) == 2
