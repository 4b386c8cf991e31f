"""The bundled PocketSphinx engine: command grammar, VAD segments, phone-loop rejection.

Each speech segment found by PocketSphinx's own endpointer is decoded twice: by a grammar of the
command phrases and by a free phone loop. Speech that is not a command fits the phone loop much
better than any phrase, so the per-frame score difference gives the confidence.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice_coach.recognition.base import Hypothesis, RecognizerUnavailable, Word
from voice_coach.recognition.recent_audio import RecentAudio
from voice_coach.settings import PocketSphinxSettings

GRAMMAR_SEARCH = "commands"
PHONE_SEARCH = "phones"
FILLER_WORDS = frozenset({"<s>", "</s>", "<sil>", "(NULL)", "[NOISE]", "+SPN+", "+NSN+"})
LOG_BASE = math.log(1.0001)  # pocketsphinx scores are 1.0001 ** (integer log score)
FRAME_S = 0.01
HIGH_PASS_TAPS = 101


def high_pass_kernel(cutoff_hz: float, sample_rate: int) -> np.ndarray:
    """A windowed-sinc FIR high-pass: low rumble and pink noise otherwise look like speech to the
    endpointer, which then never closes a segment."""
    taps = np.arange(HIGH_PASS_TAPS) - HIGH_PASS_TAPS // 2
    fraction = cutoff_hz / sample_rate
    low_pass = 2 * fraction * np.sinc(2 * fraction * taps) * np.hamming(HIGH_PASS_TAPS)
    kernel = -low_pass / low_pass.sum()
    kernel[HIGH_PASS_TAPS // 2] += 1.0
    return kernel.astype(np.float32)


@dataclass(frozen=True)
class SegmentScores:
    """What the two decoding passes said about one speech segment (log base 1.0001 scores)."""

    text: str
    grammar_score: float
    phone_score: float
    frames: int
    speech_frames: int  # frames the grammar's words (not silence) cover
    start_s: float
    samples: int
    phones: str = ""  # what the phone loop heard


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two symbol sequences."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


class PocketSphinxRecognizer:
    """Final results only: one `Hypothesis` per speech segment, when the segment ends.

    Segments are decoded from the unfiltered audio with context before and after; how the
    confidence is scored, and every tuning value, is in `PocketSphinxSettings`.
    """

    name = "pocketsphinx"
    sample_rate = 16000
    # The dictionary spells nearly every English word, so a phrase it lacks is a mistake in the
    # phrase list: set_phrases raises instead of leaving the phrase out.
    dropped_phrases: tuple[str, ...] = ()

    def __init__(self, settings: PocketSphinxSettings | None = None) -> None:
        self.settings = tuning = settings or PocketSphinxSettings()
        try:
            import pocketsphinx
        except ImportError:
            raise RecognizerUnavailable(
                "PocketSphinx is not installed; install it with `pip install pocketsphinx`"
            ) from None
        self._ps = pocketsphinx
        model_dir = os.path.join(pocketsphinx.get_model_path(), "en-us")
        self._phone_lm = os.path.join(model_dir, "en-us-phone.lm.bin")
        hmm = os.path.join(model_dir, "en-us")
        if not (os.path.isdir(hmm) and os.path.isfile(self._phone_lm)):
            raise RecognizerUnavailable(
                f"PocketSphinx's en-us model is missing from {model_dir}; reinstall pocketsphinx"
            )
        self._pad_after_s = tuning.pad_s if tuning.pad_after_s is None else tuning.pad_after_s
        cutoff = tuning.high_pass_hz
        self._high_pass = None if cutoff is None else high_pass_kernel(cutoff, self.sample_rate)
        self._pronunciations: dict[str, list[str]] = {}
        self.last_scores: SegmentScores | None = None
        self._decoder = pocketsphinx.Decoder(
            hmm=hmm,
            dict=os.path.join(model_dir, "cmudict-en-us.dict"),
            lm=None,
            compallsen=True,
            # The lattice best path over a grammar often ends inside a phrase ("resume" came out
            # as "too", the start of "too hard"); the Viterbi result does not.
            bestpath=False,
            samprate=self.sample_rate,
            loglevel="FATAL",
        )
        # The model's feat.params overrides constructor arguments: set these afterwards.
        # Dither keeps quiet or blanked stretches from giving log(0) features (measured: clean
        # 77 -> 87 %); a fixed seed keeps the decoding repeatable.
        for key, value in {"dither": True, "seed": 1, **dict(tuning.decoder_options)}.items():
            self._decoder.config[key] = value
        self._decoder.reinit_feat()
        # Live CMN starts every pass from the model's initial mean, so both passes of a segment
        # (and every segment) are normalized alike, whatever was decoded before.
        self._initial_cmn = (
            self._decoder.get_cmn() if self._decoder.config["cmn"] == "live" else None
        )
        grammar_lw = self._decoder.config["lw"]
        if tuning.phone_lw is not None:
            self._decoder.config["lw"] = tuning.phone_lw
        self._decoder.add_allphone_file(PHONE_SEARCH, self._phone_lm)
        self._decoder.config["lw"] = grammar_lw
        self._has_grammar = False
        self.reset()

    def set_phrases(self, phrases: Sequence[str]) -> None:
        words = sorted({w for p in phrases for w in p.lower().split()})
        missing = [w for w in words if self._decoder.lookup_word(w) is None]
        if missing:
            raise ValueError(f"not in the PocketSphinx dictionary: {', '.join(missing)}")
        self._pronunciations = {
            " ".join(p.lower().split()): " ".join(
                self._decoder.lookup_word(w) for w in p.lower().split()
            ).split()
            for p in phrases
        }
        alternatives = " | ".join(" ".join(p.lower().split()) for p in phrases)
        grammar = f"#JSGF V1.0;\ngrammar commands;\npublic <command> = {alternatives};\n"
        self._decoder.add_jsgf_string(GRAMMAR_SEARCH, grammar)
        self._has_grammar = True

    def reset(self) -> None:
        tuning = self.settings
        self._endpointer = self._ps.Endpointer(
            window=tuning.window_s, ratio=tuning.ratio, vad_mode=tuning.vad_mode,
            sample_rate=self.sample_rate,
        )
        self._frame_samples = self._endpointer.frame_bytes // 2
        self._pending = np.zeros(0, dtype=np.int16)
        self._filter_history = np.zeros(HIGH_PASS_TAPS - 1, dtype=np.float32)
        # The unfiltered audio fed since reset: segments are decoded from it (the high-pass
        # helps the endpointer but costs the decoder accuracy).
        self._original = RecentAudio(self.sample_rate, tuning.max_segment_s + 2.0)
        self._segment: list[bytes] = []
        self._segment_samples = 0
        self._overlong = False

    def close(self) -> None:
        """Nothing to let go of: the decoder is freed with this object."""

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        if not self._has_grammar:
            raise RuntimeError("set_phrases() must be called before feed()")
        self._original.append(block)
        samples = np.concatenate([self._pending, self._filtered(block)])
        whole = len(samples) - len(samples) % self._frame_samples
        self._pending = samples[whole:]
        results: list[Hypothesis] = []
        for start in range(0, whole, self._frame_samples):
            frame = samples[start : start + self._frame_samples].tobytes()
            hypothesis = self._process_frame(frame)
            if hypothesis is not None:
                results.append(hypothesis)
        return results

    def _filtered(self, block: np.ndarray) -> np.ndarray:
        if self._high_pass is None:
            return np.asarray(block, dtype=np.int16)
        history = np.concatenate([self._filter_history, np.asarray(block, dtype=np.float32)])
        self._filter_history = history[len(history) - (HIGH_PASS_TAPS - 1) :]
        filtered = np.convolve(history, self._high_pass, mode="valid")
        return np.clip(filtered, -32768, 32767).astype(np.int16)

    def _process_frame(self, frame: bytes) -> Hypothesis | None:
        was_in_speech = self._endpointer.in_speech
        speech = self._endpointer.process(frame)
        if speech is None:
            return None
        if not was_in_speech:
            self._segment, self._segment_samples, self._overlong = [], 0, False
        if not self._overlong:
            self._segment.append(speech)
            self._segment_samples += len(speech) // 2
            if self._segment_samples > self.settings.max_segment_s * self.sample_rate:
                # Longer than any command: talk, not a command. Ignore it until it ends.
                self._overlong, self._segment = True, []
        if self._endpointer.in_speech or self._overlong:
            return None
        start_s = max(0.0, self._endpointer.speech_start - self.settings.pad_s)
        end_s = self._endpointer.speech_end + self._pad_after_s
        return self._decode(self._original.between(start_s, end_s).tobytes(), start_s)

    def decode_segment(self, pcm: bytes, start_s: float) -> Hypothesis:
        """Decode one stretch of int16 audio that another engine found (starting `start_s`
        after reset), as if the endpointer had cut it: the phrase it fits best, with the
        grammar-versus-phone-loop confidence."""
        if not self._has_grammar:
            raise RuntimeError("set_phrases() must be called before decode_segment()")
        return self._decode(pcm, start_s)

    def _decode(self, pcm: bytes, start_s: float) -> Hypothesis:
        text, grammar_score, words, speech_frames = self._search(GRAMMAR_SEARCH, pcm, start_s)
        frames = self._decoder.n_frames()
        phones, phone_score, _, _ = self._search(PHONE_SEARCH, pcm, start_s)
        self.last_scores = SegmentScores(
            text, grammar_score, phone_score, frames, speech_frames, start_s, len(pcm) // 2, phones
        )
        confidence = self.confidence(self.last_scores)
        words = tuple(Word(w.text, w.start_s, w.end_s, confidence) for w in words)
        return Hypothesis(text=text, final=True, confidence=confidence, words=words)

    def confidence(self, scores: SegmentScores) -> float:
        """logistic((advantage - min_advantage) / scale); 0 when the grammar found nothing."""
        if not scores.text or not math.isfinite(scores.grammar_score):
            return 0.0
        tuning = self.settings
        frames = scores.frames if tuning.normalize == "frames" else scores.speech_frames
        advantage = (scores.grammar_score - scores.phone_score) / max(1, frames)
        advantage += tuning.phone_match_weight * self.phone_match(scores)
        excess = (advantage - tuning.min_advantage) / tuning.scale
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, excess))))

    def phone_match(self, scores: SegmentScores) -> float:
        """1 - edit distance / length between the phone loop's phones and the phrase's: talk that
        merely scores close to a phrase seldom also sounds out its phones."""
        heard = [p for p in scores.phones.split() if p.isalpha() and p != "SIL"]
        expected = self._pronunciations.get(scores.text, [])
        longest = max(len(heard), len(expected), 1)
        return 1.0 - edit_distance(heard, expected) / longest

    def _search(self, search: str, pcm: bytes, start_s: float) -> tuple[str, float, tuple, int]:
        """(text, total log score, words, speech frames) of one decoding pass over a segment."""
        decoder = self._decoder
        decoder.activate_search(search)
        if self._initial_cmn is not None:
            decoder.set_cmn(self._initial_cmn)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None or hyp.score <= 0.0:
            return "", -math.inf, (), 0
        score = math.log(hyp.score) / LOG_BASE
        if search != GRAMMAR_SEARCH:
            return hyp.hypstr, score, (), 0
        spoken = [seg for seg in decoder.seg() if seg.word not in FILLER_WORDS]
        words = tuple(
            Word(
                text=seg.word.split("(")[0],
                start_s=start_s + seg.start_frame * FRAME_S,
                end_s=start_s + (seg.end_frame + 1) * FRAME_S,
                confidence=0.0,
            )
            for seg in spoken
        )
        speech_frames = sum(seg.end_frame + 1 - seg.start_frame for seg in spoken)
        return " ".join(w.text for w in words), score, words, speech_frames
