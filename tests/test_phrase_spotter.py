"""The phrase spotter: decisions at the peak, a longer phrase wins over its prefix, quiet after."""

from __future__ import annotations

import numpy as np

from voice_coach.recognition.command_head import REJECT
from voice_coach.recognition.phrase_spotter import MAX_HOLD_HOPS, REFRACTORY_HOPS, PhraseSpotter

CLASSES = (REJECT, "pause", "skip", "skip the rest")


def row(**probabilities: float) -> np.ndarray:
    values = np.zeros(len(CLASSES))
    for name, p in probabilities.items():
        values[CLASSES.index(name.replace("_", " "))] = p
    values[0] = max(0.0, 1.0 - values.sum())
    return values


def run(spotter: PhraseSpotter, rows: list[np.ndarray]) -> list[tuple[int, str]]:
    return [(hop, s.phrase) for hop, r in enumerate(rows) if (s := spotter.push(r))]


def test_a_phrase_is_decided_one_hop_after_its_peak() -> None:
    spotter = PhraseSpotter(CLASSES, 0.7)
    rows = [row(), row(pause=0.75), row(pause=0.9), row(pause=0.8), row()]
    decided = [s for r in rows if (s := spotter.push(r))]
    assert [(s.phrase, s.probability, s.hop) for s in decided] == [("pause", 0.9, 2)]


def test_below_the_threshold_nothing_is_decided() -> None:
    spotter = PhraseSpotter(CLASSES, 0.7)
    assert run(spotter, [row(pause=0.69)] * 10) == []


def test_a_longer_phrase_that_overtakes_its_prefix_wins() -> None:
    spotter = PhraseSpotter(CLASSES, 0.6)
    rows = [row(skip=0.7), row(skip=0.2, skip_the_rest=0.75), row(skip_the_rest=0.9), row()]
    assert run(spotter, rows) == [(3, "skip the rest")]


def test_a_phrase_that_stays_high_is_decided_after_the_hold_and_then_not_again() -> None:
    spotter = PhraseSpotter(CLASSES, 0.7)
    rows = [row(pause=0.9)] * (MAX_HOLD_HOPS + REFRACTORY_HOPS) + [row(), row(pause=0.8), row()]
    decided = run(spotter, rows)
    assert decided == [(MAX_HOLD_HOPS - 1, "pause"), (len(rows) - 1, "pause")]


def test_only_allowed_phrases_are_decided() -> None:
    spotter = PhraseSpotter(CLASSES, 0.5)
    spotter.allow(["pause"])
    assert run(spotter, [row(skip=0.9), row(skip=0.9), row(), row(pause=0.8), row()]) == [
        (4, "pause")
    ]


def test_reset_forgets_a_candidate() -> None:
    spotter = PhraseSpotter(CLASSES, 0.5)
    spotter.push(row(pause=0.9))
    spotter.reset()
    assert run(spotter, [row(), row()]) == []
