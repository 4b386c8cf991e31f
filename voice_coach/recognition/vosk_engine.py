"""Vosk adapter: streams int16 audio through a Vosk model restricted to the command phrases."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.recognition.base import Hypothesis, RecognizerUnavailable, Word
from voice_coach.recognition.model_layout import model_problem, supports_grammar
from voice_coach.recognition.vosk_endpoint import short_endpoint_view

log = logging.getLogger(__name__)

UNKNOWN_WORD = "[unk]"
REINSTALL_HINT = "reinstall it with `voice-coach model install --force`"
INSTALL_HINT = "run `voice-coach model install` (or pass --model PATH to a Vosk model folder)"
# Kaldi message severities are 0 info, -1 warning, -2 error; Vosk prints those above the level.
# -3 keeps Kaldi silent: every problem reaches the user as one RecognizerUnavailable line instead.
KALDI_SILENT = -3
# Endpointer for short commands, used only where the binding has it (vosk > 0.3.45):
# give up waiting for speech after 5 s, close an utterance after 0.3 s of silence, cap it at 4 s.
ENDPOINT_DELAYS_S = (5.0, 0.3, 4.0)


def _import_vosk() -> Any:
    try:
        import vosk
    except ImportError as error:
        raise RecognizerUnavailable(
            f"the vosk package cannot be loaded ({error}); install it with `pip install vosk`"
        ) from None
    return vosk


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Silence file descriptor 2 while Vosk loads: OpenFST reports a short graph file there
    itself ("ERROR: ConstFst::Read: Read failed"), below Vosk's log level; the person gets the
    one RecognizerUnavailable line instead."""
    try:
        saved = os.dup(2)
        quiet = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    sys.stderr.flush()
    os.dup2(quiet, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)


def _words_from(entries: list[dict[str, Any]], offset_s: float) -> tuple[Word, ...]:
    return tuple(
        Word(
            text=str(entry["word"]),
            start_s=round(float(entry["start"]) - offset_s, 3),
            end_s=round(float(entry["end"]) - offset_s, 3),
            confidence=float(entry.get("conf", 1.0)),
        )
        for entry in entries
    )


def _mean_confidence(words: tuple[Word, ...]) -> float | None:
    if not words:
        return None
    return sum(word.confidence for word in words) / len(words)


class VoskRecognizer:
    """A `Recognizer` backed by a Vosk model folder (never downloads anything itself).

    Attributes worth reading after construction:
    `has_unk` - the model knows "[unk]", so off-grammar speech can come out as "[unk]" instead of
    being forced onto a command; when False, callers must reject by confidence or other means.
    `supports_grammar` - the model has a lookahead graph; without one Vosk ignores phrase lists.
    `phrases` / `dropped_phrases` - what the last `set_phrases` kept and what the model could not
    spell with its vocabulary. `load_seconds` - how long loading the model took.
    """

    name = "vosk"

    def __init__(self, model_path: Path | str, sample_rate: int = 16000,
                 short_endpointing: bool = True) -> None:
        path = Path(model_path).expanduser()
        problem = model_problem(path)
        if problem is not None:
            raise RecognizerUnavailable(
                f"Vosk model at {path} is unusable: {problem}; {INSTALL_HINT}"
            )
        self._vosk = _import_vosk()
        self._vosk.SetLogLevel(KALDI_SILENT)
        load_from = short_endpoint_view(path) if short_endpointing else path
        started = time.perf_counter()
        try:
            with _native_stderr_silenced():
                self._model = self._vosk.Model(str(load_from))
        except Exception:
            raise RecognizerUnavailable(
                f"Vosk could not load the model at {path} (damaged or incompatible files); "
                f"{REINSTALL_HINT}"
            ) from None
        self.load_seconds = time.perf_counter() - started
        self.model_path = path
        self.sample_rate = int(sample_rate)
        self.supports_grammar = supports_grammar(path)
        self.has_unk = self._knows(UNKNOWN_WORD)
        self.phrases: tuple[str, ...] = ()
        self.dropped_phrases: tuple[str, ...] = ()
        self._recognizer: Any = None
        self._last_partial = ""
        # Vosk's word times count from the recognizer's creation; ours count from the last reset.
        self._samples_fed = 0
        self._offset_s = 0.0
        self._make_recognizer(None)

    def _knows(self, word: str) -> bool:
        return int(self._model.vosk_model_find_word(word)) >= 0

    def _make_recognizer(self, grammar: list[str] | None) -> None:
        # Vosk reads the decoding graph here, not when the model loads: a graph file cut short
        # (an unzip that was interrupted) fails only now.
        arguments: tuple[Any, ...] = (self._model, self.sample_rate)
        if grammar is not None and self.supports_grammar:
            arguments += (json.dumps(grammar, ensure_ascii=False),)
        try:
            with _native_stderr_silenced():
                recognizer = self._vosk.KaldiRecognizer(*arguments)
        except Exception:
            raise RecognizerUnavailable(
                f"Vosk could not read the decoding graph of the model at {self.model_path} "
                f"(damaged or incompletely extracted files); {REINSTALL_HINT}"
            ) from None
        recognizer.SetWords(True)
        if hasattr(recognizer, "SetPartialWords"):
            recognizer.SetPartialWords(True)
        self._tune_endpointer(recognizer)
        self._recognizer = recognizer
        self._restart_clock()

    def _tune_endpointer(self, recognizer: Any) -> None:
        """Shorten end-of-utterance waiting where the binding allows it (absent in vosk 0.3.45)."""
        modes = getattr(self._vosk, "EndpointerMode", None)
        if modes is not None and hasattr(recognizer, "SetEndpointerMode"):
            recognizer.SetEndpointerMode(modes.SHORT)
        if hasattr(recognizer, "SetEndpointerDelays"):
            recognizer.SetEndpointerDelays(*ENDPOINT_DELAYS_S)

    def _restart_clock(self) -> None:
        self._offset_s = 0.0
        self._samples_fed = 0
        self._last_partial = ""

    def set_phrases(self, phrases: Sequence[str]) -> None:
        """Restrict recognition to `phrases`; phrases with words the model lacks are dropped."""
        kept: list[str] = []
        dropped: list[str] = []
        for phrase in phrases:
            cleaned = " ".join(phrase.lower().split())
            if not cleaned or cleaned in kept:
                continue
            if all(self._knows(word) for word in cleaned.split()):
                kept.append(cleaned)
            else:
                dropped.append(cleaned)
        if dropped:  # callers tell the person (dropped_phrases); this is for debugging
            log.debug(
                "Vosk model %s lacks words for %d phrase(s), ignoring: %s",
                self.model_path,
                len(dropped),
                ", ".join(dropped),
            )
        if not kept:
            raise RecognizerUnavailable(
                f"the Vosk model at {self.model_path} knows none of the command phrases "
                "(wrong language?); install the English model with `voice-coach model install`, "
                "or give phrases in the model's language with --commands FILE.toml"
            )
        if not self.supports_grammar:
            log.warning(
                "Vosk model %s has no lookahead graph; recognizing free speech instead of phrases",
                self.model_path,
            )
        self.phrases = tuple(kept)
        self.dropped_phrases = tuple(dropped)
        grammar = [*kept, UNKNOWN_WORD] if self.has_unk else kept
        self._make_recognizer(grammar)

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        """Push int16 samples; a final hypothesis at an utterance end, else a changed partial."""
        samples = np.asarray(block)
        if samples.dtype != np.int16:
            raise TypeError(f"VoskRecognizer.feed needs int16 samples, got {samples.dtype}")
        samples = np.ascontiguousarray(samples.reshape(-1))
        self._samples_fed += samples.size
        if self._recognizer.AcceptWaveform(samples.tobytes()):
            return self._final(json.loads(self._recognizer.Result()))
        return self._partial(json.loads(self._recognizer.PartialResult()))

    def finish(self) -> list[Hypothesis]:
        """End the stream: force out the final hypothesis of any utterance in progress."""
        return self._final(json.loads(self._recognizer.FinalResult()))

    def close(self) -> None:
        """Nothing to let go of: the model and recognizer are freed with this object."""

    def reset(self) -> None:
        """Forget the utterance in progress; word times restart from zero."""
        self._recognizer.Reset()
        self._offset_s += self._samples_fed / self.sample_rate
        self._samples_fed = 0
        self._last_partial = ""

    def _final(self, result: dict[str, Any]) -> list[Hypothesis]:
        text = str(result.get("text", ""))
        had_partial = bool(self._last_partial)
        self._last_partial = ""
        if not text and not had_partial:
            return []
        words = _words_from(result.get("result", []), self._offset_s)
        return [Hypothesis(text, final=True, confidence=_mean_confidence(words), words=words)]

    def _partial(self, result: dict[str, Any]) -> list[Hypothesis]:
        text = str(result.get("partial", ""))
        if text == self._last_partial:
            return []
        self._last_partial = text
        words = _words_from(result.get("partial_result", []), self._offset_s)
        return [Hypothesis(text, final=False, confidence=_mean_confidence(words), words=words)]
