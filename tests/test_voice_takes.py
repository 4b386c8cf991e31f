"""The person's takes: a word found in a recording, a bad take told apart, kept and loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.take_matcher import WINDOW_SAMPLES
from voice_coach.recognition.voice_takes import (
    MANIFEST,
    find_word,
    load_take_windows,
    save_takes,
    take_problem,
)

RATE = 16000


def recording(word_s: float = 0.5, level: float = 3000.0, noise: float = 5.0,
              lead_s: float = 1.0, tail_s: float = 1.0) -> np.ndarray:
    """Room noise with a voiced sound (a 180 Hz buzz and a harmonic) `lead_s` in."""
    rng = np.random.default_rng(4)
    total = round((lead_s + word_s + tail_s) * RATE)
    audio = rng.standard_normal(total) * noise
    t = np.arange(round(word_s * RATE)) / RATE
    word = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 540 * t)
    word *= level * np.sqrt(2 / 1.25) * np.hanning(t.size) ** 0.2
    first = round(lead_s * RATE)
    audio[first : first + t.size] += word
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def test_the_word_is_found_where_it_was_said() -> None:
    span = find_word(recording())
    assert span is not None
    assert span[0] == pytest.approx(RATE, abs=0.06 * RATE)
    assert span[1] == pytest.approx(1.5 * RATE, abs=0.06 * RATE)
    assert find_word(recording(level=0.0)) is None


def test_a_good_take_has_no_problem_and_a_bad_one_says_what_is_wrong() -> None:
    def problem(audio: np.ndarray) -> str | None:
        return take_problem(audio, find_word(audio))

    assert problem(recording()) is None
    assert problem(recording(level=0.0)) == "I did not hear you"
    assert problem(recording(level=150.0)) == "that was too quiet"
    assert problem(recording(level=40000.0)) == "that was too loud"
    assert problem(recording(word_s=2.5)) == "that was too long: just the command"
    assert problem(recording(noise=800.0)) == "it is too noisy here"


def test_kept_takes_load_as_windows_ending_after_the_word(tmp_path: Path) -> None:
    takes = {"pause": [recording(), recording(lead_s=0.4)], "next": [recording(level=0.0)]}
    kept = save_takes(tmp_path, takes)
    assert [t.phrase for t in kept] == ["pause", "pause"]  # a take without a word is not kept
    windows = load_take_windows(tmp_path)
    assert list(windows) == ["pause"]
    assert all(len(w) == WINDOW_SAMPLES for w in windows["pause"])
    # The word ends 0.24 s before each window does, wherever it was in its recording.
    for window in windows["pause"]:
        assert find_word(window)[1] == pytest.approx(WINDOW_SAMPLES - 0.24 * RATE,
                                                     abs=0.06 * RATE)
    save_takes(tmp_path, {"stop": [recording()]})
    assert list(load_take_windows(tmp_path)) == ["stop"]  # the earlier takes are replaced


def test_damaged_takes_are_one_line_with_the_fix(tmp_path: Path) -> None:
    save_takes(tmp_path, {"pause": [recording()]})
    (tmp_path / "00-1.wav").write_bytes(b"RIFF....")
    with pytest.raises(RecognizerUnavailable, match=r"damaged.*voice-coach voice enroll"):
        load_take_windows(tmp_path)
    (tmp_path / MANIFEST).write_text("[{\"phrase\": 1}]")
    with pytest.raises(RecognizerUnavailable, match="damaged"):
        load_take_windows(tmp_path)
    assert load_take_windows(tmp_path / "none") == {}
