"""Generate the coach's sound assets (audio/*.wav) deterministically from numpy formulas.

Usage: python scripts/make_sounds.py [--out DIR]     (default DIR: the repository's audio/)

Every file is mono 16-bit PCM at 48000 Hz. No randomness is used, so running the script again
writes byte-identical files. Click onsets are sharp at sample 0 (the mixer schedules a click
by its first sample); all other sounds fade in and out to avoid pops.
"""

from __future__ import annotations

import argparse
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48000
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "audio"


def _time(duration_s: float) -> np.ndarray:
    return np.arange(round(duration_s * SAMPLE_RATE)) / SAMPLE_RATE


def _db(level_dbfs: float) -> float:
    return 10.0 ** (level_dbfs / 20.0)


def _normalize(signal: np.ndarray, peak_dbfs: float) -> np.ndarray:
    return signal * (_db(peak_dbfs) / np.max(np.abs(signal)))


def _fade(signal: np.ndarray, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """Raised-cosine fades; a zero-length fade-in leaves sample 0 untouched."""
    out = signal.copy()
    for length, at_start in (
        (round(fade_in_s * SAMPLE_RATE), True),
        (round(fade_out_s * SAMPLE_RATE), False),
    ):
        if length <= 0:
            continue
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(length) / length)
        if at_start:
            out[:length] *= ramp
        else:
            out[-length:] *= ramp[::-1]
    return out


def _struck(t: np.ndarray, partials: list[tuple[float, float, float]]) -> np.ndarray:
    """Sum of cosine partials (frequency Hz, amplitude, decay time constant s) struck at t=0.

    Cosines all start at their maximum, so the sum peaks exactly at sample 0.
    """
    return sum(amp * np.exp(-t / tau) * np.cos(2 * np.pi * freq * t) for freq, amp, tau in partials)


def _glide(t: np.ndarray, start_hz: float, end_hz: float) -> np.ndarray:
    """A sine whose pitch moves exponentially from start_hz to end_hz over t."""
    ratio = end_hz / start_hz
    duration = t[-1] + 1.0 / SAMPLE_RATE
    rate = np.log(ratio) / duration
    phase = 2 * np.pi * start_hz * (np.exp(rate * t) - 1.0) / rate
    return np.sin(phase) + 0.15 * np.sin(2 * phase)


def _note(duration_s: float, freq: float, decay_s: float) -> np.ndarray:
    t = _time(duration_s)
    bell = [(freq, 1.0, decay_s), (2 * freq, 0.35, decay_s / 2), (3 * freq, 0.12, decay_s / 3)]
    return _fade(_struck(t, bell), 0.004, 0.02)


def _place(total_s: float, notes: list[tuple[float, np.ndarray]]) -> np.ndarray:
    out = np.zeros(round(total_s * SAMPLE_RATE))
    for start_s, note in notes:
        start = round(start_s * SAMPLE_RATE)
        length = min(note.size, out.size - start)
        out[start : start + length] += note[:length]
    return out


def click() -> np.ndarray:
    """Woodblock-like tick: inharmonic wooden resonances with a very fast decay."""
    t = _time(0.030)
    body = _struck(t, [(1150.0, 1.0, 0.006), (1870.0, 0.6, 0.004), (3150.0, 0.3, 0.002)])
    return _fade(_normalize(body, -6.0), 0.0, 0.004)


def accent() -> np.ndarray:
    """The accented tick: same wooden character, a fifth higher and 3 dB louder."""
    t = _time(0.035)
    body = _struck(t, [(1725.0, 1.0, 0.007), (2805.0, 0.6, 0.005), (4725.0, 0.3, 0.002)])
    return _fade(_normalize(body, -3.0), 0.0, 0.004)


def chime() -> np.ndarray:
    """Two-tone chime (A5 then E6, a rising fifth) for 'set starts' / 'rest over'."""
    out = _place(0.6, [(0.0, _note(0.6, 880.0, 0.25)), (0.15, _note(0.45, 1318.5, 0.2))])
    return _fade(_normalize(out, -10.0), 0.002, 0.05)


def earcon() -> np.ndarray:
    """Short rising 'command accepted' blip (C6 to G6)."""
    out = _place(0.12, [(0.0, _note(0.06, 1046.5, 0.03)), (0.05, _note(0.07, 1568.0, 0.03))])
    return _fade(_normalize(out, -12.0), 0.002, 0.01)


def breath(rising: bool) -> np.ndarray:
    """Soft tone gliding up (inhale) or down (exhale) over 0.4 s."""
    low, high = 330.0, 440.0
    tone = _glide(_time(0.4), low, high) if rising else _glide(_time(0.4), high, low)
    return _fade(_normalize(tone, -15.0), 0.12, 0.15)


def done() -> np.ndarray:
    """Workout finished: a rising C-major arpeggio ending on a held octave."""
    notes = [(0.0, 523.25), (0.12, 659.25), (0.24, 783.99), (0.36, 1046.5)]
    out = _place(1.0, [(start, _note(1.0 - start, freq, 0.3)) for start, freq in notes])
    return _fade(_normalize(out, -9.0), 0.002, 0.1)


SOUNDS: dict[str, Callable[[], np.ndarray]] = {
    "click": click,
    "accent": accent,
    "chime": chime,
    "earcon": earcon,
    "inhale": lambda: breath(rising=True),
    "exhale": lambda: breath(rising=False),
    "done": done,
}


def write_wav(path: Path, signal: np.ndarray) -> None:
    pcm = np.clip(np.round(signal * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in SOUNDS.items():
        signal = make()
        write_wav(args.out / f"{name}.wav", signal)
        peak = 20 * np.log10(np.max(np.abs(signal)))
        print(f"{name}.wav  {1000 * signal.size / SAMPLE_RATE:6.0f} ms  peak {peak:6.1f} dBFS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
