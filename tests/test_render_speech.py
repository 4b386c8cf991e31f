"""Offline rendering reports where each cue really played, even when the mixer moved it."""

from __future__ import annotations

import itertools

import numpy as np

from tests.fakes import FakeSpeech
from voice_coach.core.catalog import load_catalog
from voice_coach.core.effects import Click, Say
from voice_coach.core.routine import Block, Routine
from voice_coach.routines.render import RenderedSession, render_session
from voice_coach.routines.render_timeline import chapters, timeline
from voice_coach.sound.mixer import FADE_MS
from voice_coach.speech.prepare import prepare_speech

RATE = 48000
FADE = FADE_MS * RATE // 1000
ROUTINE = Routine("overlong", "", (Block("standard", sets=1, reps=3),))


class OverlongSpeech(FakeSpeech):
    """Clips 1.6 times longer than the durations the engine plans with, so cues collide.

    Each text is a constant level of its own, so the mix shows exactly which cue is playing."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: dict[str, float] = {}

    def clip(self, text: str) -> np.ndarray:
        level = self.levels.setdefault(text, 0.01 * (len(self.levels) + 1))
        length = self.duration_ms(text) * self.sample_rate * 16 // 10_000
        return np.full(length, level, np.float32)


def render_overlong() -> tuple[RenderedSession, OverlongSpeech]:
    speech = OverlongSpeech()
    catalog = load_catalog()
    return render_session(ROUTINE, prepare_speech(speech, ROUTINE, catalog), catalog), speech


def test_delayed_cut_and_dropped_cues_are_reported_where_they_played() -> None:
    rendered, speech = render_overlong()
    audio = rendered.audio
    click_samples = {e.at_ms * RATE // 1000 for e in rendered.events if isinstance(e, Click)}
    delayed = cut = dropped = 0
    for placement in rendered.speech:
        full = speech.clip(placement.text).size
        if placement.start is None:
            dropped += 1
            continue
        assert placement.start >= placement.scheduled
        delayed += placement.start > placement.scheduled
        cut += placement.end < placement.start + full
        level = speech.levels[placement.text]
        start, end = placement.start, placement.end
        body = audio[start : max(start + 1, end - FADE)]
        assert np.mean(np.isclose(body, level, atol=1e-6)) > 0.5, placement
        if not any(start <= c < start + 1440 for c in click_samples):
            assert np.isclose(audio[start], level, atol=1e-6), placement
        assert not np.isclose(audio[start - 1], level, atol=1e-6), placement
    assert delayed and cut and dropped, (delayed, cut, dropped)


def test_spoken_intervals_never_overlap_beyond_a_fade() -> None:
    rendered, _ = render_overlong()
    intervals = rendered.speech_intervals()
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        assert next_start >= end - FADE


def test_timeline_carries_scheduled_and_real_start_of_each_cue() -> None:
    rendered, _ = render_overlong()
    data = timeline(rendered)
    says = [e for e in data["events"] if e["type"] == "say"]
    assert len(says) == sum(isinstance(e, Say) for e in rendered.events)
    for record, placement in zip(says, rendered.speech, strict=True):
        assert record["text"] == placement.text
        assert record["sample"] == placement.scheduled
        if placement.start is None:
            assert record["start"] is None
        else:
            assert record["start"] == round(placement.start / RATE, 6)
    assert any(r["start"] is not None and r["start"] > r["t"] for r in says)


def test_one_chapter_for_a_one_block_routine_spans_the_file() -> None:
    rendered, _ = render_overlong()
    [chapter] = chapters(rendered, load_catalog())
    assert chapter.title == "Block 1: Lying leg lifts"
    assert chapter.start_ms == 0
    assert chapter.end_ms == round(1000 * rendered.duration_s)
