"""Few-shot matching against the person's own takes of each command (`voice-coach voice enroll`).

A take is kept as the window the command net would score for it: WINDOW_SAMPLES of the
recording, ending TAKE_TAIL_S after the word (the middle of where the head was trained to
decide). Its speech vectors are computed once. Each live window is compared with every take by
dynamic time warping over the vectors (cosine distance, averaged along the path), so a command
said a little faster or slower than its takes still lines up.

A phrase matches when its nearest take is nearer than that phrase's limit and no other
phrase's take is as near. The limit comes from the takes alone: the farthest any take lies from
its nearest sibling, times LIMIT_FACTOR, and never as far as the nearest take of another phrase
(a person whose "stop" and "top" sound alike gets a tighter limit for both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voice_coach.recognition.command_head import WINDOW_SAMPLES, WINDOW_VECTORS
from voice_coach.recognition.speech_embedding import (
    SAMPLE_RATE,
    SpeechEmbedding,
)

TAKE_TAIL_S = 0.24
LIMIT_FACTOR = 1.3
APART_FACTOR = 0.9  # of the distance to the nearest take of another phrase
NOISE_DBFS = (-45.0, -30.0)  # the command benchmark's mild and harsh beds
NOISE_SEED = 5


def take_window(recording: np.ndarray, word_end: int) -> np.ndarray:
    """The WINDOW_SAMPLES of `recording` (int16) that end TAKE_TAIL_S after sample `word_end`,
    with silence where the recording is shorter."""
    end = word_end + round(TAKE_TAIL_S * SAMPLE_RATE)
    window = np.zeros(WINDOW_SAMPLES, np.int16)
    piece = recording[max(0, end - WINDOW_SAMPLES) : end]
    window[WINDOW_SAMPLES - len(piece) :] = piece
    return window


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def warped_distances(window: np.ndarray, takes: np.ndarray) -> np.ndarray:
    """DTW distance of one window of vectors [n, d] to each take [k, m, d]: the mean cosine
    distance along the cheapest path (steps right, down, diagonal)."""
    cost = 1.0 - np.einsum("nd,kmd->knm", _unit(window), _unit(takes))
    k, n, m = cost.shape
    total = np.full((k, n + 1, m + 1), np.inf)
    total[:, 0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best = np.minimum(np.minimum(total[:, i - 1, j], total[:, i, j - 1]),
                              total[:, i - 1, j - 1])
            total[:, i, j] = cost[:, i - 1, j - 1] + best
    return total[:, n, m] / (n + m)


def pink_noise(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` samples of 1/f noise at an RMS of 1."""
    spectrum = np.fft.rfft(rng.standard_normal(count))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1.0))
    noise = np.fft.irfft(spectrum, count)
    return noise / max(float(np.sqrt(np.mean(noise**2))), 1e-12)


def distance_limits(take_vectors: Mapping[str, Sequence[np.ndarray]]) -> dict[str, float]:
    """Per phrase with two takes or more: how near a window must be to its nearest take (see
    the module docstring)."""
    owners = np.array([p for p, takes in take_vectors.items() for _ in takes])
    stacked = np.stack([v for takes in take_vectors.values() for v in takes])
    limits: dict[str, float] = {}
    for phrase, takes in take_vectors.items():
        if len(takes) < 2:
            continue
        own = np.flatnonzero(owners == phrase)
        farthest_sibling, nearest_other = 0.0, np.inf
        for index in own:
            distances = warped_distances(stacked[index], stacked)
            distances[index] = np.inf
            farthest_sibling = max(farthest_sibling, float(distances[own].min()))
            others = distances[owners != phrase]
            if others.size:
                nearest_other = min(nearest_other, float(others.min()))
        limits[phrase] = min(farthest_sibling * LIMIT_FACTOR, nearest_other * APART_FACTOR)
    return limits


@dataclass(frozen=True)
class Match:
    phrase: str
    distance: float
    limit: float


class TakeMatcher:
    """Templates of the person's takes, as speech vectors, with a distance limit per phrase."""

    def __init__(self, templates: Mapping[str, Sequence[np.ndarray]],
                 limits: Mapping[str, float]) -> None:
        """`templates`: per phrase, windows of vectors [WINDOW_VECTORS, 96]; only phrases with
        a limit are matched."""
        self.limits = dict(limits)
        self.phrases = tuple(p for p in templates if p in self.limits and templates[p])
        self._owner = [p for p in self.phrases for _ in templates[p]]
        self._templates = (np.stack([v for p in self.phrases for v in templates[p]])
                           if self.phrases else np.zeros((0, WINDOW_VECTORS, 1), np.float32))

    @classmethod
    def from_recordings(cls, takes: Mapping[str, Sequence[np.ndarray]],
                        embedding: SpeechEmbedding) -> TakeMatcher:
        """From take windows of int16 audio (see `take_window`). The limits come from the takes
        as recorded; each take is also kept with noise under it at NOISE_DBFS levels, so that
        a command said over a noisy room still finds its take."""
        rng = np.random.default_rng(NOISE_SEED)
        clean: dict[str, list[np.ndarray]] = {}
        templates: dict[str, list[np.ndarray]] = {}
        for phrase, windows in takes.items():
            for window in windows:
                audio = window.astype(np.float32) / 32768.0
                variants = [audio] + [
                    (audio + pink_noise(audio.size, rng) * 10 ** (level / 20)).astype(np.float32)
                    for level in NOISE_DBFS
                ]
                vectors = embedding.embed_batch(np.stack(variants))[:, -WINDOW_VECTORS:]
                clean.setdefault(phrase, []).append(vectors[0])
                templates.setdefault(phrase, []).extend(vectors)
        return cls(templates, distance_limits(clean))

    def match(self, window: np.ndarray) -> Match | None:
        """The phrase whose takes `window` [WINDOW_VECTORS, 96] matches, if any."""
        if not self.phrases:
            return None
        distances = warped_distances(window, self._templates)
        nearest = int(np.argmin(distances))
        phrase = self._owner[nearest]
        distance = float(distances[nearest])
        if distance > self.limits[phrase]:
            return None
        return Match(phrase, distance, self.limits[phrase])
