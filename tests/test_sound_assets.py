"""The packaged sound assets load correctly and are reproducible from scripts/make_sounds.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voice_coach.sound.assets import SOUND_NAMES, load_sound

REPO = Path(__file__).resolve().parent.parent


def onset_index(samples: np.ndarray, fraction_of_peak: float = 0.1) -> int:
    magnitude = np.abs(samples)
    return int(np.flatnonzero(magnitude >= fraction_of_peak * magnitude.max())[0])


@pytest.mark.parametrize("name", SOUND_NAMES)
def test_every_asset_loads_as_float32_mono(name: str) -> None:
    samples = load_sound(name)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert 0.010 * 48000 < samples.size < 1.5 * 48000
    peak = float(np.abs(samples).max())
    assert 0.05 < peak <= 0.75, "levels stay well below full scale"
    assert abs(samples[-1]) < 0.01, "every sound ends faded out"


@pytest.mark.parametrize("name", ["click", "accent"])
def test_click_onsets_are_at_sample_zero(name: str) -> None:
    samples = load_sound(name)
    assert onset_index(samples) == 0
    assert abs(samples[0]) == pytest.approx(np.abs(samples).max())


def test_accent_is_louder_than_click() -> None:
    assert np.abs(load_sound("accent")).max() > np.abs(load_sound("click")).max()


def test_tones_fade_in() -> None:
    for name in ("chime", "earcon", "inhale", "exhale", "done"):
        assert abs(load_sound(name)[0]) < 0.01, name


def test_loading_is_cached_and_read_only() -> None:
    first = load_sound("chime")
    assert load_sound("chime") is first
    with pytest.raises(ValueError):
        first[0] = 1.0


def test_other_sample_rate_is_resampled() -> None:
    native = load_sound("done")
    at_16k = load_sound("done", sample_rate=16000)
    assert at_16k.dtype == np.float32
    assert at_16k.size == round(native.size * 16000 / 48000)
    spectrum_peak_hz = np.argmax(np.abs(np.fft.rfft(at_16k))) * 16000 / at_16k.size
    native_peak_hz = np.argmax(np.abs(np.fft.rfft(native))) * 48000 / native.size
    assert spectrum_peak_hz == pytest.approx(native_peak_hz, abs=5)


def test_unknown_name_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="known sounds: click"):
        load_sound("gong")


def test_script_regenerates_identical_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sounds.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in SOUND_NAMES:
        generated = (tmp_path / f"{name}.wav").read_bytes()
        committed = (REPO / "audio" / f"{name}.wav").read_bytes()
        assert generated == committed, f"{name}.wav differs from the committed asset"
