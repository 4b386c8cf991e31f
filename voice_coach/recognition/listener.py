"""The listening pipeline: push microphone blocks in, get accepted commands out.

Pure and synchronous (no threads, no clock): the caller pushes fixed 50 ms blocks with their
position on the stream clock, and tells it when the coach itself makes sound (and what it says).

Two ways to stay deaf to the coach. Without a reference of what was played, its speech is
zeroed and any words overlapping it are void. With one (and an `EchoPath`), the echo is
cancelled and words over the coach count like any others, except a command the coach's own
overlapping sentence names ("Say resume when you are ready"): that is taken for the coach's
echo, however confident. Over the coach, only final results at OVER_COACH_CONFIDENCE or more
count: residual echo and the canceller's suppression make partials and unsure finals least
reliable there (on the barge-in corpus's tune voices every wrong command over the coach scored
0.61 or less, and 7 of 11 right ones 0.7 or more). Until the canceller
has converged (`EchoPath.converged`), the coach's speech is treated as with no canceller.

A command over the coach also needs the person's own voice (voice activity in the cleaned
signal) for at least OVER_COACH_VOICE_S of its words. The canceller can leave a cue's first
syllables at -14 dB for a block or two (measured live, looped back, on "Two." 22 s into a set:
PocketSphinx took that residue for "stop" at 0.80); such residue is voiced for 0.1 s at most,
while a command said over the coach was voiced for 0.3 to 0.5 s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voice_coach.core.commands import Command
from voice_coach.recognition.base import Hypothesis, Recognizer
from voice_coach.recognition.echo_path import EchoPath
from voice_coach.recognition.matcher import DEFAULT_CONFIDENCE_FLOOR, CommandMatcher
from voice_coach.recognition.phrases import all_phrases
from voice_coach.recognition.self_audio import SelfAudioGate
from voice_coach.recognition.voice_activity import VoiceActivity
from voice_coach.sound.mixer import AudioKind

# Short blocks: a decision waits for the block that holds the end of the utterance.
BLOCK_S = 0.05
# When an engine gives no word times, assume the utterance began this long before the decision.
ASSUMED_UTTERANCE_S = 1.0
ALL_COMMANDS = frozenset(Command)
OVER_COACH_CONFIDENCE = 0.7
OVER_COACH_VOICE_S = 0.15
VOICE_MARGIN_S = 0.1  # word times and voice activity are each a block or so apart
REMEMBER_VOICE_S = 5.0


@dataclass(frozen=True)
class Unheeded:
    """A final hypothesis the listener did not act on, and why: "coach was speaking", "not a
    command" (no phrase of one), "too unsure" (a command below the confidence floor), or "not
    available now"."""

    at_s: float
    text: str
    confidence: float | None
    reason: str


@dataclass(frozen=True)
class HeardCommand:
    """A command the listener accepted; `at_s` is the stream time of the deciding block's end."""

    command: Command
    at_s: float
    text: str
    confidence: float | None


class CommandListener:
    """Feeds a recognizer, keeps it deaf to the coach, and accepts only active commands."""

    def __init__(
        self,
        recognizer: Recognizer,
        phrases: Mapping[Command, Sequence[str]],
        *,
        active: Iterable[Command] = tuple(Command),
        confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR,
        use_partials: bool = True,
        echo: EchoPath | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.sample_rate = recognizer.sample_rate
        self.block_samples = round(BLOCK_S * self.sample_rate)
        self.matcher = CommandMatcher(phrases, confidence_floor)
        self.gate = SelfAudioGate(self.sample_rate)
        self.use_partials = use_partials
        self.echo = echo
        self._cancelling = False  # whether the block being decided had its echo cancelled
        self._voice = VoiceActivity(self.sample_rate)
        self.user_speaking = False
        """Whether the last block pushed held the person's voice (known only with the echo
        cancelled: without, the coach's own voice would count)."""
        self._voiced: deque[tuple[float, float]] = deque()  # recent blocks that held it
        self.active = frozenset(active)
        recognizer.set_phrases(all_phrases(dict(phrases)))
        # Samples fed to the recognizer since it last started counting (its word times count
        # from there); with the current block's stream time this places its words.
        self._fed = 0
        self._origin_s: float | None = None
        # Final hypotheses not acted on since the caller last took them (`take_unheeded`).
        self._unheeded: list[Unheeded] = []

    def take_unheeded(self) -> list[Unheeded]:
        """What the recognizer heard and the listener let pass, oldest first, for the log."""
        unheeded, self._unheeded = self._unheeded, []
        return unheeded

    def set_active(self, active: Iterable[Command]) -> None:
        """Only these commands are accepted from now on (the session state decides)."""
        self.active = frozenset(active)

    def mark_coach_audio(
        self, start_s: float, end_s: float, kind: AudioKind, text: str = ""
    ) -> None:
        """The coach plays a click or speaks `text` from `start_s` to `end_s` (stream seconds)."""
        self.gate.mark(start_s, end_s, kind, text)

    def set_self_audio(self, intervals: Iterable[tuple[float, float, AudioKind, str]]) -> None:
        """Replace every remembered coach interval with these (start_s, end_s, kind, text)."""
        self.gate.clear()
        for start_s, end_s, kind, text in intervals:
            self.gate.mark(start_s, end_s, kind, text)

    def reset(self) -> None:
        """Forget the utterance in progress and all coach intervals."""
        self.recognizer.reset()
        self.gate.clear()
        self._fed = 0
        self._origin_s = None

    def push(
        self, block: np.ndarray, block_start_s: float, reference: np.ndarray | None = None
    ) -> list[HeardCommand]:
        """Process one block of int16 mono samples that starts at `block_start_s`; `reference`
        is what the coach played over the same moments (int16 at the same rate), if known."""
        # Where the recognizer's sample 0 is on the stream clock, by the timeline as it stands
        # now: the microphone's timeline settles over its first blocks (a median of ADC times),
        # so an origin fixed at the first block could place every later word a little off,
        # inside a cue that had ended. The spacing of the samples fed is exact.
        self._origin_s = block_start_s - self._fed / self.sample_rate
        self._fed += len(block)
        at_s = block_start_s + len(block) / self.sample_rate
        block = np.asarray(block, dtype=np.int16)
        self._cancelling = self.user_speaking = False
        if self.echo is not None and reference is not None:
            block = self.echo.clean(block, reference)
            self._cancelling = self.echo.converged
            # Fed even before convergence: its floor must know the residue by then.
            self.user_speaking = self._voice.heard(block) and self._cancelling
            self._remember_voice(block_start_s, at_s)
        cleaned = self.gate.clean(block, block_start_s, blank_speech=not self._cancelling)
        heard: list[HeardCommand] = []
        for hypothesis in self.recognizer.feed(cleaned):
            command = self._decide(hypothesis, at_s)
            if command is not None:
                heard.append(HeardCommand(command, at_s, hypothesis.text, hypothesis.confidence))
                # The utterance was acted on: its final result must not fire a second time.
                self.recognizer.reset()
                self._fed = 0
                break
        return heard

    def _decide(self, hypothesis: Hypothesis, at_s: float) -> Command | None:
        if not hypothesis.final and not self.use_partials:
            return None
        origin = self._origin_s if self._origin_s is not None else at_s
        if hypothesis.words:
            start_s = origin + hypothesis.words[0].start_s
            end_s = origin + hypothesis.words[-1].end_s
        else:
            start_s, end_s = at_s - ASSUMED_UTTERANCE_S, at_s
        if self.gate.coach_spoke_during(start_s, end_s):
            if not self._cancelling:
                self._unheed(hypothesis, at_s, "coach was speaking")
                return None
            if not hypothesis.final:
                return None
            if hypothesis.confidence is not None and hypothesis.confidence < OVER_COACH_CONFIDENCE:
                self._unheed(hypothesis, at_s, "too unsure over the coach")
                return None
            if self._voiced_during(start_s, end_s) < OVER_COACH_VOICE_S:
                self._unheed(hypothesis, at_s, "no voice but the coach's")
                return None
            said = self.gate.coach_said_during(start_s, end_s)
            named = self.matcher.named_in(" ".join(said))
            if self.matcher.match(hypothesis.text, None, named) is not None:
                self._unheed(hypothesis, at_s, "the coach said it")
                return None
        if not hypothesis.final:
            return self.matcher.match_partial(hypothesis.text, self.active)
        command = self.matcher.match(hypothesis.text, hypothesis.confidence, self.active)
        if command is None:
            self._unheed(hypothesis, at_s, self._why_not(hypothesis))
        return command

    def _remember_voice(self, start_s: float, end_s: float) -> None:
        if self.user_speaking:
            self._voiced.append((start_s, end_s))
        while self._voiced and self._voiced[0][1] < end_s - REMEMBER_VOICE_S:
            self._voiced.popleft()

    def _voiced_during(self, start_s: float, end_s: float) -> float:
        """Seconds of the person's voice heard from `start_s` to `end_s` (with a margin)."""
        start_s, end_s = start_s - VOICE_MARGIN_S, end_s + VOICE_MARGIN_S
        return sum(max(0.0, min(end, end_s) - max(start, start_s)) for start, end in self._voiced)

    def _why_not(self, hypothesis: Hypothesis) -> str:
        named = self.matcher.match(hypothesis.text, None, ALL_COMMANDS)  # None: any confidence
        if named is None:
            return "not a command"
        if self.matcher.match(hypothesis.text, hypothesis.confidence, ALL_COMMANDS) is None:
            return "too unsure"
        return "not available now"

    def _unheed(self, hypothesis: Hypothesis, at_s: float, reason: str) -> None:
        if hypothesis.final and hypothesis.text:
            self._unheeded.append(Unheeded(at_s, hypothesis.text, hypothesis.confidence, reason))
