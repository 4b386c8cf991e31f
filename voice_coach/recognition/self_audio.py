"""Keep the coach deaf to itself: blank its clicks, and its speech unless the echo is cancelled.

Times are seconds on the listener's stream clock (the `block_start_s` the caller pushes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_coach.sound.mixer import AudioKind

CLICK_BEFORE_S = 0.005
CLICK_AFTER_S = 0.035  # audio/click.wav lasts 30 ms
# Click samples are scaled by this, not zeroed: digital silence inside a word upsets the
# recognizer's features and endpointer more than a faint click does.
CLICK_GAIN = 0.3
# Room echo and output latency keep the coach's voice audible a little after it ends.
SPEECH_TAIL_S = 0.25
FORGET_AFTER_S = 10.0


@dataclass(frozen=True)
class CoachAudio:
    start_s: float
    end_s: float
    kind: AudioKind
    text: str = ""


class SelfAudioGate:
    """Remembers when the coach makes sound (and what it says); quiets its clicks, zeroes its
    speech when asked to, and flags overlapping speech."""

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self._intervals: list[CoachAudio] = []

    def mark(self, start_s: float, end_s: float, kind: AudioKind | str, text: str = "") -> None:
        """The coach plays `kind` from `start_s` to `end_s` (a click may pass start == end),
        saying `text` if it is speech."""
        kind = AudioKind(kind)
        if kind is AudioKind.CLICK:
            blank = CoachAudio(start_s - CLICK_BEFORE_S, max(end_s, start_s + CLICK_AFTER_S), kind)
        elif kind is AudioKind.SPEECH:
            blank = CoachAudio(start_s, end_s + SPEECH_TAIL_S, kind, text)
        else:
            raise ValueError(f"coach audio of kind {kind!r} is not gated (only clicks and speech)")
        self._intervals.append(blank)

    def clear(self) -> None:
        self._intervals.clear()

    def clean(
        self, block: np.ndarray, block_start_s: float, blank_speech: bool = True
    ) -> np.ndarray:
        """`block` with clicks scaled by CLICK_GAIN and, with `blank_speech`, coach speech zeroed
        (a copy if changed)."""
        block_end_s = block_start_s + len(block) / self.sample_rate
        self._intervals = [i for i in self._intervals if i.end_s > block_start_s - FORGET_AFTER_S]
        cleaned = block
        for interval in self._intervals:
            if interval.kind is AudioKind.SPEECH and not blank_speech:
                continue
            if interval.end_s <= block_start_s or interval.start_s >= block_end_s:
                continue
            first = max(0, round((interval.start_s - block_start_s) * self.sample_rate))
            last = min(len(block), round((interval.end_s - block_start_s) * self.sample_rate))
            if last > first:
                if cleaned is block:
                    cleaned = block.copy()
                gain = CLICK_GAIN if interval.kind is AudioKind.CLICK else 0.0
                cleaned[first:last] = np.round(cleaned[first:last] * gain).astype(cleaned.dtype)
        return cleaned

    def coach_spoke_during(self, start_s: float, end_s: float) -> bool:
        """Whether the coach's speech (with its echo tail) overlaps [start_s, end_s]."""
        return bool(self._speech_during(start_s, end_s))

    def coach_said_during(self, start_s: float, end_s: float) -> list[str]:
        """The texts of the coach's speech overlapping [start_s, end_s] (with its echo tail)."""
        return [i.text for i in self._speech_during(start_s, end_s)]

    def _speech_during(self, start_s: float, end_s: float) -> list[CoachAudio]:
        return [
            i for i in self._intervals
            if i.kind is AudioKind.SPEECH and i.start_s < end_s and i.end_s > start_s
        ]
