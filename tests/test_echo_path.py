"""Echo cancellation with WebRTC AEC3 on a simulated room, the delay it cannot see, and files."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import SubtractingEchoCanceller
from voice_coach.recognition.echo_canceller import WebRtcEchoCanceller, open_echo_canceller
from voice_coach.recognition.echo_path import EchoPath, align_recordings
from voice_coach.settings import EchoMode

RATE = 16000
BLOCK = 800


def speech_like(seconds: float, seed: int = 1) -> np.ndarray:
    """Noise shaped into syllables and pauses: the canceller's reference."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    envelope = np.repeat(rng.random(n // 1600 + 1) > 0.3, 1600)[:n]
    syllables = np.abs(np.sin(2 * np.pi * 4 * np.arange(n) / RATE))
    return (rng.standard_normal(n) * 3000 * envelope * syllables).astype(np.float32)


def room(played: np.ndarray, delay_s: float) -> np.ndarray:
    """The played sound at the microphone: an output delay, a direct path and a decaying tail."""
    rng = np.random.default_rng(7)
    tail = rng.standard_normal(4000) * np.exp(-np.arange(4000) / 800) * 0.05
    response = np.concatenate([np.zeros(round(delay_s * RATE)), [0.7], tail])
    return np.convolve(played, response)[: len(played)]


def removed_db(mic: np.ndarray, cleaned: np.ndarray, start_s: float, end_s: float) -> float:
    part = slice(round(start_s * RATE), round(end_s * RATE))
    before, after = np.sqrt(np.mean(mic[part].astype(float) ** 2)), np.sqrt(
        np.mean(cleaned[part].astype(float) ** 2))
    return float(20 * np.log10(before / max(after, 1e-9)))


def clean(path: EchoPath, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.concatenate([path.clean(mic[i : i + BLOCK], reference[i : i + BLOCK])
                           for i in range(0, len(mic) - BLOCK + 1, BLOCK)])


@pytest.mark.parametrize("extra_delay_s", [0.0, 0.15])
def test_the_coach_is_taken_out_of_the_microphone(extra_delay_s: float) -> None:
    played = speech_like(12.0)
    mic = room(played, 0.04 + extra_delay_s).astype(np.int16)
    # The reference arrives a little ahead, as the live loop reads it; an unseen delay
    # (a Bluetooth speaker's buffer) is found by the path itself.
    lead = np.concatenate([played[640:], np.zeros(640, np.float32)]).astype(np.int16)
    path = EchoPath(WebRtcEchoCanceller(RATE), max_delay_s=0.5)
    cleaned = clean(path, mic, lead)
    assert removed_db(mic, cleaned, 8.0, 12.0) > 20.0  # 26 dB measured on this room
    assert path.converged
    if extra_delay_s:
        # The echo trails the reference by the room's 40 ms, the unseen delay and the 40 ms
        # lead; the path delays the reference so that only 20 ms of lead remain.
        assert path.delay_s == pytest.approx(0.04 + extra_delay_s + 0.04 - 0.02, abs=0.005)


def test_the_persons_voice_passes_while_the_coach_is_cancelled() -> None:
    played = speech_like(12.0)
    echo = room(played, 0.04)
    t = np.arange(8000) / RATE
    voice = np.zeros(len(played))
    voice[160000:168000] = 2500 * np.sin(2 * np.pi * 220 * t) * np.sin(np.pi * t / 0.5)
    mic = (echo + voice).astype(np.int16)
    lead = np.concatenate([played[640:], np.zeros(640, np.float32)]).astype(np.int16)
    cleaned = clean(EchoPath(WebRtcEchoCanceller(RATE), 0.5), mic, lead)
    kept = np.sqrt(np.mean(cleaned[160000:168000].astype(float) ** 2))
    said = np.sqrt(np.mean(voice[160000:168000] ** 2))
    assert kept > 0.1 * said  # within 20 dB: the voice is not cancelled with the coach


@pytest.mark.parametrize("shift_s", [-1.5, 0.0, 2.25])
def test_a_recording_is_placed_on_its_reference(shift_s: float) -> None:
    played = speech_like(20.0, seed=4).astype(np.int16)
    shift = round(shift_s * RATE)
    mic = np.roll(played, shift)
    mic[: max(0, shift)] = 0
    aligned, offset = align_recordings(mic, played, RATE, 5.0)
    assert offset == shift - round(0.04 * RATE)  # the reference leads by 40 ms
    assert np.array_equal(aligned[60000:68000], played[60000 - offset : 68000 - offset])


def test_off_and_auto_say_what_they_do() -> None:
    off, line = open_echo_canceller(EchoMode.OFF)
    assert off is None and "--aec off" in line
    auto, line = open_echo_canceller(EchoMode.AUTO)
    assert auto is not None and line.startswith("echo cancellation on")


class Failing(SubtractingEchoCanceller):
    """A perfect canceller that stops cancelling from call `fails_from` on."""

    def __init__(self, fails_from: int) -> None:
        super().__init__(RATE)
        self.fails_from = fails_from

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        cleaned = super().process(mic, reference)  # counts the call
        return mic.copy() if self.calls >= self.fails_from else cleaned


def judged(path: EchoPath, played: np.ndarray, mic: np.ndarray) -> list[bool]:
    """`converged` after each 50 ms block."""
    states = []
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        path.clean(mic[i : i + BLOCK], played[i : i + BLOCK])
        states.append(path.converged)
    return states


def test_the_person_talking_over_the_coach_is_not_a_diverged_canceller() -> None:
    played = (speech_like(8.0) * 0.3).astype(np.int16)
    # From 3 s, 1.2 s of the person ("make it easier", slowly), 10 dB over the coach's echo:
    # in those blocks next to nothing is removed, as none of it is echo.
    person = np.zeros(len(played), np.float32)
    t = np.arange(round(1.2 * RATE)) / RATE
    person[3 * RATE : 3 * RATE + len(t)] = 3000 * np.sin(2 * np.pi * 180 * t)
    mic = (played + person).astype(np.int16)
    states = judged(EchoPath(SubtractingEchoCanceller(RATE), max_delay_s=0.0), played, mic)
    assert not states[0] and states[3 * RATE // BLOCK - 1]
    assert all(states[3 * RATE // BLOCK :])


def test_a_canceller_that_stops_cancelling_is_found_diverged() -> None:
    played = (speech_like(8.0) * 0.3).astype(np.int16)
    states = judged(EchoPath(Failing(fails_from=60), max_delay_s=0.0), played, played)
    assert states[58]  # converged by 3 s
    assert not states[-1]  # 5 s of its echo left whole
    # Within DIVERGE_BLOCKS_S of the coach sounding, and the reference has its pauses.
    assert states.index(False, 58) - 58 <= round(4.0 * RATE / BLOCK)
