"""The command net, checked by PocketSphinx: the net proposes, PocketSphinx's score confirms.

The net hears commands well through clicks and noise but takes too much talk for a command;
PocketSphinx's grammar-versus-phone-loop score rejects talk well but misses commands in noise
(figures in the README). So every phrase the net decides is decoded once more by PocketSphinx,
on the net's own span of audio: a decision stands when the net is all but certain, or when it is
fairly sure and PocketSphinx hears the same command with some confidence. The thresholds were
chosen on the command corpus's tune voices (the most commands right with at most one false
command on its 192 talk clips; the head was trained on those voices, so figures there flatter
it) and are reported on its held-out ones (README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice_coach.recognition.base import Hypothesis
from voice_coach.recognition.phrase_net_engine import PhraseNetRecognizer
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer


@dataclass(frozen=True)
class Verification:
    """When a decision of the net stands (probabilities and PocketSphinx confidences, 0..1)."""

    certain: float = 0.99  # the net alone decides at or above this
    fairly_sure: float = 0.5  # below `certain`, PocketSphinx must agree
    agreeing: float = 0.2  # ... with at least this confidence
    pad_before_s: float = 0.15
    pad_after_s: float = 0.25


class VerifiedNetRecognizer:
    """A `Recognizer`: `PhraseNetRecognizer` decisions confirmed by `PocketSphinxRecognizer`."""

    name = "command-net+pocketsphinx"
    sample_rate = PhraseNetRecognizer.sample_rate

    def __init__(self, net: PhraseNetRecognizer | None = None,
                 verifier: PocketSphinxRecognizer | None = None,
                 rules: Verification | None = None) -> None:
        self.rules = rules or Verification()
        self.net = net or PhraseNetRecognizer(threshold=self.rules.fairly_sure)
        self.verifier = verifier or PocketSphinxRecognizer()
        self._command_of = {p: c for c, listed in load_command_phrases().items() for p in listed}
        self.dropped_phrases: tuple[str, ...] = ()

    def set_phrases(self, phrases: Sequence[str]) -> None:
        self.net.set_phrases(phrases)
        self.dropped_phrases = self.net.dropped_phrases
        known = [p for p in phrases if p not in self.dropped_phrases]
        if known:  # with none the net decides nothing, so there is nothing to check
            self.verifier.set_phrases(known)

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        return [h for h in self.net.feed(block) if self._stands(h)]

    def _stands(self, proposed: Hypothesis) -> bool:
        confidence = proposed.confidence or 0.0
        if confidence >= self.rules.certain:
            return True
        word = proposed.words[0]
        start_s = max(0.0, word.start_s - self.rules.pad_before_s)
        segment = self.net.heard.between(start_s, word.end_s + self.rules.pad_after_s)
        heard = self.verifier.decode_segment(segment.tobytes(), start_s)
        same = self._command_of.get(heard.text, heard.text) == self._command_of.get(
            proposed.text, proposed.text)
        return same and (heard.confidence or 0.0) >= self.rules.agreeing

    def reset(self) -> None:
        self.net.reset()

    def close(self) -> None:
        self.net.close()
        self.verifier.close()
