"""Google's speech_embedding front end: one 96-value vector of speech every 80 ms.

The same numbers come from a whole clip (`SpeechEmbedding.embed`, for training and files) and
from a stream of blocks (`EmbeddingStream`, for the live microphone): the model is a valid
convolution over its input, so vector t always covers samples [1280 t, 1280 t + 12400). The
model ships in the package (`voice_coach/data/models`, with its source and licence) and runs in
onnxruntime on one thread.
"""

from __future__ import annotations

import hashlib
from collections import deque
from importlib import resources
from pathlib import Path

import numpy as np

from voice_coach.recognition.base import RecognizerUnavailable

SAMPLE_RATE = 16000
VECTOR_SIZE = 96
FIRST_VECTOR_SAMPLES = 12400  # the audio one vector is computed from (0.775 s)
HOP_SAMPLES = 1280  # one more vector every 80 ms
MODEL_FILE = "speech-embedding.onnx"
MODEL_SHA256 = "0140c2b1455c016783f9b859e16f47b5187c69079503cd053f406b86f9094560"


def vectors_for(samples: int) -> int:
    """How many vectors `samples` of audio give."""
    if samples < FIRST_VECTOR_SAMPLES:
        return 0
    return (samples - FIRST_VECTOR_SAMPLES) // HOP_SAMPLES + 1


def shipped_model() -> Path:
    return Path(str(resources.files("voice_coach.data") / "models" / MODEL_FILE))


class SpeechEmbedding:
    """The embedding model, loaded once; raises RecognizerUnavailable (one line) if it cannot."""

    def __init__(self, model: Path | None = None) -> None:
        path = model or shipped_model()
        try:
            data = path.read_bytes()
        except OSError as error:
            raise RecognizerUnavailable(
                f"the speech embedding model {path} cannot be read ({error.strerror or error}); "
                "reinstall voice-coach"
            ) from None
        if model is None and hashlib.sha256(data).hexdigest() != MODEL_SHA256:
            raise RecognizerUnavailable(
                f"the speech embedding model {path} is damaged (checksum); reinstall voice-coach"
            )
        try:
            import onnxruntime
        except ImportError as error:
            raise RecognizerUnavailable(
                f"onnxruntime is not installed ({error}); run: pip install onnxruntime"
            ) from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one core for this; the coach's audio has the other
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its warnings are for model authors, not for users
        try:
            self._session = onnxruntime.InferenceSession(
                data, options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise RecognizerUnavailable(
                f"the speech embedding model {path} does not load ({error}); reinstall voice-coach"
            ) from None
        self._input = self._session.get_inputs()[0].name

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """Vectors `[T, 96]` for float32 16 kHz samples in [-1, 1]; T = vectors_for(len)."""
        return self.embed_batch(np.asarray(samples, np.float32)[None, :])[0]

    def embed_batch(self, batch: np.ndarray) -> np.ndarray:
        """Vectors `[B, T, 96]` for `[B, N]` clips of the same length."""
        if batch.shape[1] < FIRST_VECTOR_SAMPLES:
            return np.zeros((batch.shape[0], 0, VECTOR_SIZE), np.float32)
        output = self._session.run(None, {self._input: np.ascontiguousarray(batch, np.float32)})
        return output[0][:, :, 0, :]


class EmbeddingStream:
    """Feeds int16 blocks of any size; keeps the newest `keep` vectors as they come."""

    def __init__(self, embedding: SpeechEmbedding, keep: int) -> None:
        self.embedding = embedding
        self.vectors: deque[np.ndarray] = deque(maxlen=keep)
        self.produced = 0
        """Vectors computed since the last reset; vector n ends at sample 12400 + 1280 n."""
        self._pending = np.zeros(0, np.float32)

    def reset(self) -> None:
        self.vectors.clear()
        self.produced = 0
        self._pending = np.zeros(0, np.float32)

    def feed(self, block: np.ndarray) -> int:
        """Add int16 samples; returns how many new vectors they completed."""
        audio = np.concatenate([self._pending, block.astype(np.float32) / 32768.0])
        count = vectors_for(audio.size)
        if count == 0:
            self._pending = audio
            return 0
        used = FIRST_VECTOR_SAMPLES + (count - 1) * HOP_SAMPLES
        self.vectors.extend(self.embedding.embed(audio[:used]))
        self.produced += count
        self._pending = audio[count * HOP_SAMPLES :]
        return count

    @property
    def samples_seen(self) -> int:
        """Where the stream is, in samples since the last reset."""
        return self.produced * HOP_SAMPLES + self._pending.size
