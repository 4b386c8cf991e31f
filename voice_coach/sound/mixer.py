"""The mixer: places clicks, sounds and speech at exact sample positions and renders blocks.

Everything is prepared numpy arrays; `render` only copies and adds, so it is safe to call from
an audio callback. Speech never overlaps speech: a newer cue of higher priority cuts the one
playing (with a short fade); an equal or lower one waits for it to end, or is dropped if it
would wait too long. Clicks are ducked while speech plays. The mixer remembers when it made
sound, so the listener can ignore the coach's own voice and clicks: another thread reads that
from a queue it gets from `subscribe_audible()`, never from the mixer's own state.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from voice_coach.settings import MixerSettings

FADE_MS = 5
AUDIBLE_HISTORY = 512  # reports kept for a late subscriber and in each subscriber's queue

AudibleFeed = deque["Audible"]


class AudioKind(StrEnum):
    """What the coach plays: the listener blanks clicks briefly and ignores words over speech."""

    CLICK = "click"
    SOUND = "sound"  # chime, earcon, done
    SPEECH = "speech"


@dataclass
class _Voice:
    start: int
    samples: np.ndarray
    gain: float
    kind: AudioKind
    priority: int = 0
    text: str = ""
    end: int = 0
    fade_at: int | None = None  # a cut voice fades out from here to `end`

    def __post_init__(self) -> None:
        self.end = self.start + len(self.samples)


@dataclass(frozen=True)
class Audible:
    """A stretch of output samples where the coach made sound of one kind."""

    start: int
    end: int
    kind: AudioKind
    text: str = ""
    """What the coach says, for speech: the listener weighs command words it says itself."""


def latest_audible(reports: list[Audible]) -> list[Audible]:
    """One interval per sound: a later report of the same start and kind (a cut) replaces an
    earlier one; sounds cut before they began are left out."""
    latest: dict[tuple[int, str], Audible] = {}
    for report in reports:
        latest[(report.start, report.kind)] = report
    return [a for a in latest.values() if a.end > a.start]


class Mixer:
    """Mixes mono float32 sound at `sample_rate`; `position` counts samples rendered so far."""

    def __init__(
        self,
        sample_rate: int,
        click: np.ndarray,
        accent: np.ndarray,
        sounds: dict[str, np.ndarray] | None = None,
        settings: MixerSettings | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.position = 0
        self._click = click.astype(np.float32)
        self._accent = accent.astype(np.float32)
        self._sounds = {name: s.astype(np.float32) for name, s in (sounds or {}).items()}
        self.settings = settings = settings or MixerSettings()
        self._max_wait = settings.max_speech_wait_ms * sample_rate // 1000
        self._fade = max(1, FADE_MS * sample_rate // 1000)
        self._voices: list[_Voice] = []
        self._history: deque[Audible] = deque(maxlen=AUDIBLE_HISTORY)
        # Only the rendering thread touches `_history` and `_subscribers`; other threads only
        # append to `_joining`, which the rendering thread empties before each block.
        self._subscribers: list[AudibleFeed] = []
        self._joining: deque[AudibleFeed] = deque()
        self.dropped_speech = 0
        # The level of the whole mix (1.0, or the yield gain while the person talks over the
        # coach), and changes scheduled at sample positions, oldest first.
        self._level = 1.0
        self._level_changes: deque[tuple[int, float]] = deque()

    def sample_at(self, at_ms: int) -> int:
        """The sample position of a session-clock time, never before what was already played."""
        return max(self.position, at_ms * self.sample_rate // 1000)

    @property
    def idle(self) -> bool:
        return not self._voices

    def add_click(self, at: int, accent: bool) -> None:
        samples = self._accent if accent else self._click
        self._add(_Voice(at, samples, self.settings.click_gain, AudioKind.CLICK))

    def add_sound(self, at: int, name: str) -> None:
        samples = self._sounds.get(name)
        if samples is not None:
            self._add(_Voice(at, samples, 1.0, AudioKind.SOUND))

    def add_speech(self, at: int, samples: np.ndarray, priority: int, text: str = "") -> int | None:
        """Schedule speech (saying `text`) at `at` under the no-overlap rule; returns where it
        starts, or None if it was dropped."""
        end = at + len(samples)
        overlapping = [v for v in self._speech() if v.start < end and at < v.end]
        if overlapping and all(priority > v.priority for v in overlapping):
            for voice in overlapping:
                self._cut(voice, at)
        elif overlapping:
            after = max(v.end for v in self._speech())
            if after - at > self._max_wait:
                self.dropped_speech += 1
                return None
            at = after
        self._add(_Voice(at, samples.astype(np.float32, copy=False), self.settings.speech_gain,
                         AudioKind.SPEECH, priority, text))
        return at

    def set_level(self, at: int, gain: float) -> None:
        """From sample `at` everything plays at `gain` (reached within FADE_MS): the coach
        yields to the person talking, and comes back. Clicks keep time, only quieter."""
        self._level_changes.append((at, gain))

    def cut_speech(self, at: int) -> None:
        """End the speech playing or waiting at sample `at` (with a short fade); clicks and
        sounds play on."""
        for voice in self._speech():
            self._cut(voice, at)

    def hush(self, at: int) -> None:
        """Silence everything from sample `at`: pending sounds are dropped, playing ones fade."""
        for voice in list(self._voices):
            self._cut(voice, at)

    def subscribe_audible(self) -> AudibleFeed:
        """A queue of every `Audible` report from now on, starting with the recent ones (the
        welcome may have begun before the listener existed). Safe from any thread; read it with
        `popleft()` while it is not empty, from one thread. A reader that falls more than
        AUDIBLE_HISTORY reports behind loses the oldest."""
        feed: AudibleFeed = deque(maxlen=AUDIBLE_HISTORY)
        self._joining.append(feed)
        return feed

    def render(self, frames: int) -> np.ndarray:
        while self._joining:  # in the rendering thread: the history cannot change meanwhile
            feed = self._joining.popleft()
            feed.extend(self._history)
            self._subscribers.append(feed)
        start, stop = self.position, self.position + frames
        clicks = np.zeros(frames, np.float32)
        others = np.zeros(frames, np.float32)
        speaking = np.zeros(frames, bool)
        for voice in self._voices:
            if voice.start >= stop or voice.end <= start:
                continue
            first, last = max(start, voice.start), min(stop, voice.end)
            piece = voice.samples[first - voice.start:last - voice.start] * voice.gain
            if voice.fade_at is not None and last > voice.fade_at:
                piece = piece * self._fade_envelope(voice, first, last)
            target = clicks if voice.kind is AudioKind.CLICK else others
            target[first - start:last - start] += piece
            if voice.kind is AudioKind.SPEECH:
                speaking[first - start:last - start] = True
        clicks[speaking] *= self.settings.duck_gain
        self._voices = [v for v in self._voices if v.end > stop]
        self.position = stop
        mixed = clicks + others
        if self._level != 1.0 or self._level_changes:
            mixed *= self._level_envelope(start, frames)
        np.clip(mixed, -1.0, 1.0, out=mixed)
        return mixed

    def _level_envelope(self, start: int, frames: int) -> np.ndarray:
        """The mix's gain for each sample of the block, ramping FADE_MS into each change."""
        envelope = np.full(frames, self._level, np.float32)
        while self._level_changes and self._level_changes[0][0] < start + frames:
            at, gain = self._level_changes.popleft()
            first = max(0, at - start)
            ramp = np.linspace(self._level, gain, self._fade, dtype=np.float32)
            envelope[first:] = gain
            piece = ramp[: frames - first]
            envelope[first : first + piece.size] = piece
            self._level = gain
        return envelope

    def audible_between(self, start: int, end: int) -> list[Audible]:
        return [a for a in latest_audible(list(self._history)) if a.start < end and start < a.end]

    def _speech(self) -> list[_Voice]:
        return [v for v in self._voices if v.kind is AudioKind.SPEECH]

    def _add(self, voice: _Voice) -> None:
        voice.start = max(voice.start, self.position)
        voice.end = voice.start + len(voice.samples)
        self._voices.append(voice)
        self._report(voice)

    def _report(self, voice: _Voice) -> None:
        """Record when `voice` sounds; a cut voice is reported again with its new, earlier end
        (same start and kind), which replaces the first report."""
        audible = Audible(voice.start, voice.end, voice.kind, voice.text)
        self._history.append(audible)
        # Called from the audio callback: each subscriber is a bounded deque, and appending an
        # existing object to one takes no lock, does no I/O and cannot block (when full, the
        # oldest report falls off); the reader pops from the other end, which is thread-safe.
        for feed in self._subscribers:
            feed.append(audible)

    def _cut(self, voice: _Voice, at: int) -> None:
        if voice.start >= at:
            self._voices.remove(voice)
            voice.end = voice.start
            self._report(voice)
            return
        if voice.end > at:
            voice.end = min(voice.end, at + self._fade)
            voice.fade_at = at
            self._report(voice)

    def _fade_envelope(self, voice: _Voice, first: int, last: int) -> np.ndarray:
        assert voice.fade_at is not None
        positions = np.arange(first, last)
        length = max(1, voice.end - voice.fade_at)
        return np.clip((voice.end - positions) / length, 0.0, 1.0).astype(np.float32)
