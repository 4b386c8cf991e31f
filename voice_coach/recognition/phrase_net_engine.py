"""The command-net engine: speech vectors, the trained command head and the phrase spotter.

Blocks of 16 kHz int16 audio go through `EmbeddingStream` (a vector every 80 ms); each new vector
completes a window for the head, whose probabilities the spotter turns into decisions. A decision
is a final Hypothesis with the phrase, its probability as confidence, and the speech's span in
the window found by its energy. Phrases the head was not trained on cannot be said with it
(`dropped_phrases`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voice_coach.recognition.base import Hypothesis, Word
from voice_coach.recognition.command_head import (
    WINDOW_SAMPLES,
    WINDOW_VECTORS,
    CommandHead,
    load_head,
)
from voice_coach.recognition.phrase_spotter import PhraseSpotter
from voice_coach.recognition.recent_audio import RecentAudio
from voice_coach.recognition.speech_embedding import (
    FIRST_VECTOR_SAMPLES,
    HOP_SAMPLES,
    SAMPLE_RATE,
    EmbeddingStream,
    SpeechEmbedding,
)
from voice_coach.recognition.take_matcher import TakeMatcher

LEAD_SAMPLES = WINDOW_SAMPLES - HOP_SAMPLES  # the first real hop completes the first window
FRAME = SAMPLE_RATE // 100  # 10 ms frames for finding where the words are
TAKE_PROBABILITY = 0.99
HEARD_S = 4.0  # a window, and the context before and after a span that a checker decodes


class PhraseNetRecognizer:
    """A `Recognizer` on the shipped command head (or `head`, for tests and the trainer)."""

    name = "command-net"
    sample_rate = SAMPLE_RATE

    def __init__(self, head: CommandHead | None = None,
                 embedding: SpeechEmbedding | None = None, threshold: float | None = None,
                 takes: TakeMatcher | None = None) -> None:
        """`threshold`: the probability a phrase needs; None: the one the head was trained
        with. `takes`: the person's own takes, when they enrolled their voice: a window that
        matches them counts as TAKE_PROBABILITY for that phrase, if the head gave it less."""
        self.head = head or load_head()
        self.takes = takes
        self.threshold = self.head.threshold if threshold is None else threshold
        self._stream = EmbeddingStream(embedding or SpeechEmbedding(), keep=WINDOW_VECTORS)
        self._spotter = PhraseSpotter(self.head.classes, self.threshold)
        # What was fed, for the words' spans here and for a checker's look at them.
        self.heard = RecentAudio(SAMPLE_RATE, HEARD_S)
        self.dropped_phrases: tuple[str, ...] = ()
        self.set_phrases(self.head.phrases)
        self.reset()

    def set_phrases(self, phrases: Sequence[str]) -> None:
        known = set(self.head.phrases)
        self.dropped_phrases = tuple(p for p in phrases if p not in known)
        self._spotter.allow(p for p in phrases if p in known)

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        block = np.asarray(block, np.int16)
        self.heard.append(block)
        new = self._stream.feed(block)
        if new == 0 or len(self._stream.vectors) < WINDOW_VECTORS:
            return []
        # Blocks longer than a hop complete several windows at once; only the newest is scored
        # then, which delays nothing (all end in this block) and skips no decision's peak by
        # more than a block.
        window = np.stack(self._stream.vectors)[None]
        spotted = self._spotter.push(self._probabilities(window))
        if spotted is None:
            return []
        window_end = (self._stream.produced * HOP_SAMPLES + FIRST_VECTOR_SAMPLES - HOP_SAMPLES
                      - LEAD_SAMPLES)
        start_s, stop_s = self._speech_span(window_end)
        word = Word(spotted.phrase, start_s, stop_s, spotted.probability)
        return [Hypothesis(spotted.phrase, True, spotted.probability, (word,))]

    def _probabilities(self, window: np.ndarray) -> np.ndarray:
        probabilities = self.head.probabilities(window)[0]
        matched = None if self.takes is None else self.takes.match(window[0])
        if matched is not None and matched.phrase in self.head.classes:
            index = self.head.classes.index(matched.phrase)
            probabilities[index] = max(probabilities[index], TAKE_PROBABILITY)
        return probabilities

    def _speech_span(self, window_end: int) -> tuple[float, float]:
        """Where the loud frames lie in the window ending at sample `window_end` (seconds since
        reset)."""
        window_end_s = window_end / SAMPLE_RATE
        start_s = (window_end - WINDOW_SAMPLES) / SAMPLE_RATE
        audio = self.heard.between(start_s, window_end_s).astype(np.float32)
        frames = audio[: audio.size // FRAME * FRAME].reshape(-1, FRAME)
        level = np.sqrt(np.mean(frames**2, axis=1) + 1e-6)
        loud = np.flatnonzero(level > max(level.max() * 0.1, 30.0))
        window_start_s = window_end_s - audio.size / SAMPLE_RATE
        if loud.size == 0:
            return window_end_s - 0.3, window_end_s
        return (window_start_s + loud[0] * FRAME / SAMPLE_RATE,
                window_start_s + (loud[-1] + 1) * FRAME / SAMPLE_RATE)

    def reset(self) -> None:
        """Forget what was heard. The stream starts on a window of silence, so a word said
        right after a reset is decided as soon as one said later would be."""
        self._stream.reset()
        self._spotter.reset()
        self.heard.clear()
        self._stream.feed(np.zeros(LEAD_SAMPLES, np.int16))

    def close(self) -> None:
        """Nothing to release: the model lives as long as this object."""
