"""The music bed: looped to length, ducked in dB under speech with short ramps, faded."""

from __future__ import annotations

import numpy as np
import pytest

from voice_coach.routines.render_music import (
    ATTACK_MS,
    RELEASE_MS,
    duck_envelope,
    duck_under,
    fit_length,
)

RATE = 1000  # one sample a millisecond keeps the arithmetic readable
LOW = 10 ** (-12 / 20)


def test_fit_length_loops_and_cuts() -> None:
    music = np.arange(5, dtype=np.float32)
    assert fit_length(music, 12).tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    assert fit_length(music, 3).tolist() == [0, 1, 2]


def test_envelope_is_12_db_down_inside_with_ramps_outside() -> None:
    gain = duck_envelope(2000, [(500, 800)], RATE)
    assert np.allclose(gain[500:800], LOW)
    assert np.all(gain[: 500 - ATTACK_MS] == 1.0) and np.all(gain[800 + RELEASE_MS :] == 1.0)
    attack = gain[500 - ATTACK_MS : 500]
    release = gain[800 : 800 + RELEASE_MS]
    assert np.all(np.diff(attack) < 0) and np.all(np.diff(release) > 0)
    assert 20 * np.log10(attack[ATTACK_MS // 2]) == pytest.approx(-6.0, abs=0.2)  # linear in dB


def test_close_cues_keep_the_deeper_duck_between_them() -> None:
    gain = duck_envelope(2000, [(500, 800), (850, 1000)], RATE)
    between = gain[800:850]
    assert np.all(between < 10 ** (-3 / 20))  # never swells back up in a 50 ms gap
    assert np.allclose(gain[850:1000], LOW)


def test_duck_under_in_place_matches_the_whole_envelope_even_at_the_edges() -> None:
    intervals = [(20, 300), (900, 950), (1000, 1200), (1900, 2000)]
    bed = np.ones(2000, np.float32)
    duck_under(bed, intervals, RATE)
    assert np.array_equal(bed, duck_envelope(2000, intervals, RATE))
