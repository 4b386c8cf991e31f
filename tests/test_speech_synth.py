"""Real pyttsx3 + espeak-ng rendering through the worker process, and its one-line failures."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from voice_coach.speech import synth as synth_module
from voice_coach.speech import worker
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.synth import Pyttsx3Synth, list_voices


@pytest.fixture(scope="module")
def synth() -> Iterator[Pyttsx3Synth]:
    with Pyttsx3Synth() as real_synth:
        yield real_synth


def test_renders_a_cue_to_trimmed_float32_audio(synth: Pyttsx3Synth) -> None:
    clip = synth.synthesize("Exhale on the way up.")
    assert synth.sample_rate == 48000
    assert clip.dtype == np.float32 and clip.ndim == 1
    assert 0.5 <= clip.size / 48000 <= 4.0
    magnitude = np.abs(clip)
    assert 0.05 < magnitude.max() <= 1.0
    loud = np.flatnonzero(magnitude >= 0.01 * magnitude.max())
    ten_ms = 480
    assert loud[0] < ten_ms, "leading silence is trimmed"
    assert loud[-1] > clip.size - ten_ms, "trailing silence is trimmed"
    assert np.sqrt(np.mean(clip**2)) > 0.02, "it is speech, not near-silence"


def test_repeated_renders_of_one_text_match(synth: Pyttsx3Synth) -> None:
    """Renders of one text nearly match: espeak-ng carries state from one utterance to the next
    (measured: each render of a phrase a few samples shorter or longer than the one before, the
    samples apart from ~0.1 s in), and two fresh workers usually, but not under load always,
    start from the same state (see the restart test). The speech cache is what keeps a phrase
    the same from use to use."""
    first = synth.synthesize("Ten more.")
    again = synth.synthesize("Ten more.")
    assert abs(first.size - again.size) < 0.01 * first.size
    with Pyttsx3Synth() as one, Pyttsx3Synth() as other:
        fresh = [one.synthesize("Ten more."), other.synthesize("Ten more.")]
    assert abs(fresh[0].size - fresh[1].size) < 0.01 * fresh[0].size


def test_resolved_voice_and_version_are_reported(synth: Pyttsx3Synth) -> None:
    assert synth.voice  # espeak's default, e.g. "gmw/en"
    assert "pyttsx3" in synth.engine_version and "espeak" in synth.engine_version


def test_blank_text_is_empty_audio(synth: Pyttsx3Synth) -> None:
    assert synth.synthesize("   ").size == 0


def test_rate_and_sample_rate_are_applied() -> None:
    text = "Keep your lower back pressed into the floor."
    with (
        Pyttsx3Synth(voice="en-us", rate_wpm=120, sample_rate=16000) as slow,
        Pyttsx3Synth(voice="en-us", rate_wpm=260, sample_rate=16000) as fast,
    ):
        slow_s = slow.synthesize(text).size / 16000
        fast_s = fast.synthesize(text).size / 16000
        assert slow.voice == fast.voice == "gmw/en-us"
    assert slow_s > 1.6 * fast_s


def test_worker_restarts_after_it_dies_and_renders_the_same_clip() -> None:
    with Pyttsx3Synth() as fresh:
        before = fresh.synthesize("Rest.")
        pid = fresh.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while fresh.worker_pid is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fresh.worker_pid is None, "the killed worker is seen as gone"
        after = fresh.synthesize("Rest.")
        assert fresh.worker_pid not in (None, pid)
    # The same voice and rate again. Not the same samples: espeak carries state from one
    # utterance to the next (one worker saying "Rest." six times gave 17117, 17110, 17088,
    # 17091, 17088 and 17110 samples, each waveform shifted in phase), and a fresh worker under
    # load once started from another state (17097 samples instead of 17117). A different rate or
    # voice changes the length by far more than 1 %.
    assert after.size == pytest.approx(before.size, rel=0.01)
    rms = [float(np.sqrt(np.mean(clip**2))) for clip in (before, after)]
    assert rms[1] == pytest.approx(rms[0], rel=0.03)


def test_list_voices_has_english() -> None:
    voices = dict(list_voices())
    assert voices.get("gmw/en-us") == "English (America)"


def _assert_one_line(error: TtsUnavailable) -> str:
    message = str(error)
    assert message and "\n" not in message
    return message


def test_unknown_voice_is_a_one_line_error() -> None:
    with pytest.raises(TtsUnavailable) as caught:
        Pyttsx3Synth(voice="no-such-voice-xyz")
    message = _assert_one_line(caught.value)
    assert "no-such-voice-xyz" in message and "gmw/en" in message


def test_missing_pyttsx3_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def worker_without_pyttsx3(*args: str) -> list[str]:
        code = (
            "import sys; sys.modules['pyttsx3'] = None; "
            "from voice_coach.speech.worker import main; sys.exit(main(sys.argv[1:]))"
        )
        return [sys.executable, "-c", code, *args]

    monkeypatch.setattr(synth_module, "_worker_command", worker_without_pyttsx3)
    with pytest.raises(TtsUnavailable) as caught:
        Pyttsx3Synth()
    assert "pip install pyttsx3" in _assert_one_line(caught.value)


def test_engine_that_cannot_init_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyttsx3

    def failing_init(*_: object, **__: object) -> None:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", failing_init)
    with pytest.raises(worker.EngineError) as caught:
        worker.Renderer(None, 165)
    message = str(caught.value)
    assert "\n" not in message and "apt-get install espeak-ng" in message


def test_worker_crash_at_start_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crashing_worker(*_: str) -> list[str]:
        return [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]

    monkeypatch.setattr(synth_module, "_worker_command", crashing_worker)
    with pytest.raises(TtsUnavailable) as caught:
        Pyttsx3Synth()
    message = _assert_one_line(caught.value)
    assert "code 3" in message and "boom" in message
