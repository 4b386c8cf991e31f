"""The speech embedding front end: one path for a clip and for a stream, and a clear line when
its model is damaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_coach.recognition import speech_embedding
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.speech_embedding import (
    FIRST_VECTOR_SAMPLES,
    HOP_SAMPLES,
    EmbeddingStream,
    SpeechEmbedding,
    vectors_for,
)


@pytest.fixture(scope="module")
def embedding() -> SpeechEmbedding:
    return SpeechEmbedding()


def speech_like(seconds: float) -> np.ndarray:
    """Noise shaped by a slow syllable envelope: int16 at 16 kHz."""
    rng = np.random.default_rng(3)
    t = np.arange(round(seconds * 16000)) / 16000
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    return (rng.standard_normal(t.size) * 4000 * envelope).astype(np.int16)


def test_vector_count_follows_the_models_framing(embedding: SpeechEmbedding) -> None:
    for samples in (FIRST_VECTOR_SAMPLES - 1, FIRST_VECTOR_SAMPLES, 16000, 48000):
        vectors = embedding.embed(np.zeros(samples, np.float32))
        assert vectors.shape == (vectors_for(samples), 96)
    assert vectors_for(FIRST_VECTOR_SAMPLES + HOP_SAMPLES) == 2


@pytest.mark.parametrize("block", [160, 1280, 1600, 4000])
def test_a_stream_of_blocks_gives_the_vectors_of_the_whole_clip(
    embedding: SpeechEmbedding, block: int
) -> None:
    audio = speech_like(3.0)
    whole = embedding.embed(audio.astype(np.float32) / 32768.0)
    stream = EmbeddingStream(embedding, keep=100)
    for start in range(0, audio.size, block):
        stream.feed(audio[start : start + block])
    assert stream.produced == whole.shape[0]
    assert stream.samples_seen == audio.size
    np.testing.assert_allclose(np.stack(stream.vectors), whole, atol=1e-4)
    assert np.abs(whole).max() > 1.0  # real vectors, not zeros


def test_a_damaged_model_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "speech-embedding.onnx"
    data = bytearray(speech_embedding.shipped_model().read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(speech_embedding, "shipped_model", lambda: damaged)
    with pytest.raises(RecognizerUnavailable, match="damaged") as raised:
        SpeechEmbedding()
    assert "\n" not in str(raised.value)
    monkeypatch.setattr(speech_embedding, "shipped_model", lambda: tmp_path / "missing.onnx")
    with pytest.raises(RecognizerUnavailable, match="cannot be read"):
        SpeechEmbedding()
