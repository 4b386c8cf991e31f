"""Is the person talking? Voice activity in the echo-cancelled microphone signal.

A 10 ms frame counts as the person's voice when WebRTC's voice-activity detector (bundled in
the pocketsphinx wheel) calls it speech and it is at least LOUDER_DB above the floor: the
quietest recent frames, which after echo cancellation hold the noise and what is left of the
coach. The coach's own residue is speech-like, so the level is what tells the two apart.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from voice_coach.speech.pcm import rms

FRAME_S = 0.01
LOUDER_DB = 12.0
FLOOR_FRAMES = 300  # the floor is a low percentile of the last 3 s
FLOOR_PERCENTILE = 10
MIN_FLOOR_RMS = 30.0  # int16 units: a digitally silent input still needs a real voice
SPEECH_FRAMES = 3  # of the last 5: a click or a single loud frame is not a voice


class VoiceActivity:
    """Feed consecutive int16 blocks (multiples of 10 ms); `heard` says whether the person's
    voice is in the one just fed."""

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self._frame = round(FRAME_S * sample_rate)
        self._levels: deque[float] = deque(maxlen=FLOOR_FRAMES)
        self._recent: deque[bool] = deque(maxlen=5)
        try:
            from pocketsphinx import Vad

            self._vad = Vad(Vad.STRICT, sample_rate, FRAME_S)
        except (ImportError, ValueError):
            self._vad = None

    def heard(self, block: np.ndarray) -> bool:
        speaking = False
        for start in range(0, len(block) - self._frame + 1, self._frame):
            frame = np.ascontiguousarray(block[start : start + self._frame], np.int16)
            level = rms(frame)
            floor = max(MIN_FLOOR_RMS, self._floor())
            self._levels.append(level)
            loud = level >= floor * 10 ** (LOUDER_DB / 20)
            voiced = self._vad is None or self._vad.is_speech(frame.tobytes())
            self._recent.append(loud and voiced)
            speaking = speaking or sum(self._recent) >= SPEECH_FRAMES
        return speaking

    def _floor(self) -> float:
        if len(self._levels) < 20:
            return MIN_FLOOR_RMS
        return float(np.percentile(self._levels, FLOOR_PERCENTILE))
