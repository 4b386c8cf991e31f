"""Speech preparation: every phrase of the session before it starts, retried once, memory only."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import FakeSpeech
from voice_coach.core import phrases
from voice_coach.core.catalog import load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.effects import Say
from voice_coach.core.engine import Session, estimate_speech_ms
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.prepare import prepare_speech

ROUTINE = BUILTIN_ROUTINES["beginner"]


class LongerSpeech(FakeSpeech):
    """Real durations 40 % over the estimate, as pyttsx3 often is: a second pass sees them."""

    def duration_ms(self, text: str) -> int:
        return estimate_speech_ms(text) * 14 // 10


class FlakySpeech(FakeSpeech):
    """The first render of each text fails, as when the synthesizer's worker has just died."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: set[str] = set()

    def clip(self, text: str) -> np.ndarray:
        if text not in self.failed:
            self.failed.add(text)
            raise TtsUnavailable("the speech worker stopped")
        return super().clip(text)


def test_a_render_prepares_all_the_session_says_with_the_durations_it_plans_with() -> None:
    catalog = load_catalog()
    speech = LongerSpeech()
    prepared = prepare_speech(speech, ROUTINE, catalog)
    loaded = list(speech.rendered)
    assert len(loaded) == len(set(loaded)) == len(prepared), "each phrase loaded once"
    session = Session(ROUTINE, catalog, prepared.duration_ms)
    said = {e.text for e in run_to_end(session) if isinstance(e, Say)}
    assert said <= set(prepared.clips)
    assert any(text.startswith("Workout complete.") for text in said)
    for text in said:
        assert prepared.duration_ms(text) == speech.duration_ms(text)
        assert np.array_equal(prepared.get(text), speech.clip(text))


def test_live_preparation_adds_replies_and_leaves_varying_texts_to_request_time() -> None:
    catalog = load_catalog()
    prepared = prepare_speech(FakeSpeech(), ROUTINE, catalog, replies=True)
    assert phrases.PAUSED in prepared and phrases.help_text() in prepared
    how_many = phrases.how_many(3, 1)
    assert how_many not in prepared and prepared.get(how_many) is None
    assert prepared.duration_ms(how_many) == estimate_speech_ms(how_many, prepared.rate_wpm)
    later = np.ones(10, np.float32)
    lookup = prepared.lookup(lambda text: later if text == how_many else None)
    assert lookup(how_many) is later
    assert lookup(phrases.PAUSED) is prepared.get(phrases.PAUSED)
    assert lookup("never said") is None


def test_a_failed_render_is_tried_once_more() -> None:
    speech = FlakySpeech()
    prepared = prepare_speech(speech, ROUTINE, load_catalog())
    assert set(prepared.clips) == speech.failed


def test_two_failures_on_one_phrase_are_reported() -> None:
    class DeadSpeech(FakeSpeech):
        def clip(self, text: str) -> np.ndarray:
            raise TtsUnavailable("espeak-ng is not installed")

    with pytest.raises(TtsUnavailable, match="espeak-ng"):
        prepare_speech(DeadSpeech(), ROUTINE, load_catalog())


def test_prepared_speech_is_frozen() -> None:
    prepared = prepare_speech(FakeSpeech(), ROUTINE, load_catalog())
    with pytest.raises(TypeError):
        prepared.clips["new"] = prepared.clips[phrases.SET_DONE + " " + phrases.rest(30)]  # type: ignore[index]
