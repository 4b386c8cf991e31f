"""Matching windows of speech vectors against the person's takes, by dynamic time warping."""

from __future__ import annotations

import numpy as np

from voice_coach.recognition.take_matcher import TakeMatcher, distance_limits, warped_distances

VECTORS, SIZE = 12, 96


def word(seed: int) -> np.ndarray:
    """A smooth path through vector space standing for one word's window of vectors."""
    rng = np.random.default_rng(seed)
    ends = rng.standard_normal((2, SIZE))
    steps = np.linspace(0.0, 1.0, VECTORS)[:, None]
    return (1 - steps) * ends[0] + steps * ends[1]


def stretched(vectors: np.ndarray, factor: float) -> np.ndarray:
    """The same path said slower (factor > 1) or faster, resampled to the same length."""
    positions = np.clip(np.arange(VECTORS) / factor, 0, VECTORS - 1)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, VECTORS - 1)
    part = (positions - low)[:, None]
    return (1 - part) * vectors[low] + part * vectors[high]


def jittered(vectors: np.ndarray, seed: int, amount: float = 0.05) -> np.ndarray:
    return vectors + np.random.default_rng(seed).standard_normal(vectors.shape) * amount


def test_a_slower_take_of_the_same_word_is_nearer_than_another_word() -> None:
    pause, stop = word(1), word(2)
    distances = warped_distances(pause, np.stack([pause, stretched(pause, 1.3), stop]))
    assert distances[0] < 1e-6
    assert distances[1] < distances[2] / 4


def test_limits_come_from_the_takes_and_keep_phrases_apart() -> None:
    takes = {"pause": [jittered(word(1), s) for s in range(3)],
             "stop": [jittered(word(2), s) for s in range(3, 6)],
             "next": [word(3)]}  # one take: nothing to set its limit from
    limits = distance_limits(takes)
    assert set(limits) == {"pause", "stop"}
    siblings = warped_distances(takes["pause"][0], np.stack(takes["pause"][1:])).min()
    assert siblings <= limits["pause"] < warped_distances(word(1), word(2)[None])[0]


def test_a_window_matches_its_phrase_and_other_speech_matches_nothing() -> None:
    takes = {"pause": [jittered(word(1), s) for s in range(3)],
             "stop": [jittered(word(2), s) for s in range(3, 6)]}
    matcher = TakeMatcher(takes, distance_limits(takes))
    matched = matcher.match(jittered(word(2), 9))
    assert matched is not None and matched.phrase == "stop"
    assert matched.distance <= matched.limit
    assert matcher.match(word(7)) is None
    assert TakeMatcher({}, {}).match(word(1)) is None
