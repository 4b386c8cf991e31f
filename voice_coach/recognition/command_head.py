"""The trained command head: a small network from a window of speech vectors to a phrase.

It reads WINDOW_VECTORS embedding vectors (about 1.5 s) and gives a probability for each command
phrase it was trained on and for "no command" (class 0). `scripts/train_commands.py` trains it
and writes it to `voice_coach/data/models/command-head.npz` with its data recipe; the file's
sha256 is in `command-head.sha256` beside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.speech_embedding import FIRST_VECTOR_SAMPLES, HOP_SAMPLES, VECTOR_SIZE

WINDOW_VECTORS = 12  # 0.775 s + 11 x 0.08 s = 1.655 s: "make it easier" said slowly fits
WINDOW_SAMPLES = FIRST_VECTOR_SAMPLES + (WINDOW_VECTORS - 1) * HOP_SAMPLES
REJECT = "<none>"
HEAD_FILE = "command-head.npz"
CHECKSUM_FILE = "command-head.sha256"


@dataclass(frozen=True)
class CommandHead:
    """Weights of a two-layer network; `classes[0]` is REJECT, the others are phrases."""

    classes: tuple[str, ...]
    mean: np.ndarray  # [WINDOW_VECTORS * 96], subtracted first
    scale: np.ndarray  # the same size, divided by next
    hidden_weights: np.ndarray  # [inputs, hidden]
    hidden_bias: np.ndarray
    output_weights: np.ndarray  # [hidden, classes]
    output_bias: np.ndarray
    threshold: float  # the probability a phrase needs, chosen on voices held out of training
    recipe: str  # how it was trained (JSON), for the record

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """`[B, classes]` for `[B, WINDOW_VECTORS, 96]` windows."""
        flat = windows.reshape(windows.shape[0], -1)
        hidden = np.maximum(0.0, ((flat - self.mean) / self.scale) @ self.hidden_weights
                            + self.hidden_bias)
        logits = hidden @ self.output_weights + self.output_bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> str:
        """Write the head to `path` (.npz) and its checksum beside it; returns the checksum."""
        arrays = {
            "classes": np.array(self.classes),
            "mean": self.mean, "scale": self.scale,
            "hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias,
            "output_weights": self.output_weights, "output_bias": self.output_bias,
            "threshold": np.array(self.threshold), "recipe": np.array(self.recipe),
        }
        with path.open("wb") as file:
            np.savez_compressed(file, **arrays)
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        path.with_name(CHECKSUM_FILE).write_text(checksum + "\n", encoding="ascii")
        return checksum

    @property
    def phrases(self) -> tuple[str, ...]:
        return self.classes[1:]

    @property
    def recipe_fields(self) -> dict:
        return json.loads(self.recipe)


def shipped_head() -> Path:
    return Path(str(resources.files("voice_coach.data") / "models" / HEAD_FILE))


def load_head(path: Path | None = None) -> CommandHead:
    """The shipped head (checked against its checksum), or one at `path`; raises
    RecognizerUnavailable with one line if it is missing or damaged."""
    path = path or shipped_head()
    try:
        data = path.read_bytes()
        expected = path.with_name(CHECKSUM_FILE).read_text("ascii").strip()
    except OSError as error:
        raise RecognizerUnavailable(
            f"the command model {path} cannot be read ({error.strerror or error}); "
            "reinstall voice-coach or train it with scripts/train_commands.py"
        ) from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise RecognizerUnavailable(f"the command model {path} is damaged (checksum)")
    with np.load(path, allow_pickle=False) as arrays:
        head = CommandHead(
            classes=tuple(str(c) for c in arrays["classes"]),
            mean=arrays["mean"], scale=arrays["scale"],
            hidden_weights=arrays["hidden_weights"], hidden_bias=arrays["hidden_bias"],
            output_weights=arrays["output_weights"], output_bias=arrays["output_bias"],
            threshold=float(arrays["threshold"]), recipe=str(arrays["recipe"]),
        )
    if head.classes[0] != REJECT or head.mean.size != WINDOW_VECTORS * VECTOR_SIZE:
        raise RecognizerUnavailable(f"the command model {path} does not fit this version")
    return head
