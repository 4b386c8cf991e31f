"""Speech prepared before a session starts: every phrase it will say, as clips with durations.

The live workout, `render` and the timing benchmark all prepare speech here. The session engine
then reads every duration from the result, and the audio thread every clip, without touching
the disk. Texts whose numbers depend on what the person does (the summary after a stop, the
counts of "how many") are not prepared: the live coach renders them when said, in the speech
cache's background thread (about 20 ms, inside the earcon that comes before a reply), and the
engine plans them with an estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

import numpy as np

from voice_coach.core.catalog import Catalog
from voice_coach.core.dry_run import script_and_reply_phrases, script_phrases
from voice_coach.core.engine import estimate_speech_ms
from voice_coach.core.routine import Routine
from voice_coach.sound.coach_loop import SpeechLookup
from voice_coach.speech.base import TtsUnavailable

# Each pass plans with exactly the durations the session will get (real for what is prepared
# so far, estimated for the rest); a pass that finds no new phrase ends it, and then the session
# says nothing unprepared. Real durations can pick other form cues, and those others again; the
# prepared set only grows, so this ends: the cap is a guard (the built-in routines need 2-3).
MAX_PASSES = 20

Progress = Callable[[int, int], None]  # (phrases loaded in this pass, phrases to load in it)


class SpeechSource(Protocol):
    """Where clips come from: `clip` may block (load or synthesize); `duration_ms` is exact
    once `clip` has been called for the text."""

    rate_wpm: int

    def clip(self, text: str) -> np.ndarray: ...

    def duration_ms(self, text: str) -> int: ...


@dataclass(frozen=True)
class PreparedClip:
    """One phrase ready to play: its samples and how long the engine plans it to last."""

    samples: np.ndarray
    """Mono float32 at the mixer's rate; read-only."""
    duration_ms: int
    """What the session engine schedules around (the clip's length for real speech)."""


@dataclass(frozen=True)
class PreparedSpeech:
    """A frozen map from text to prepared clip; lookups only read memory."""

    clips: Mapping[str, PreparedClip] = field(default_factory=dict)
    """Every prepared phrase."""
    rate_wpm: int = 165
    """Speaking rate for estimating the duration of a text that was not prepared."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "clips", MappingProxyType(dict(self.clips)))

    def __contains__(self, text: object) -> bool:
        return text in self.clips

    def __len__(self) -> int:
        return len(self.clips)

    def get(self, text: str) -> np.ndarray | None:
        """The clip for `text`, or None when it was not prepared. Safe in an audio callback."""
        prepared = self.clips.get(text)
        return None if prepared is None else prepared.samples

    def duration_ms(self, text: str) -> int:
        """The prepared duration, or an estimate from the speaking rate (never a disk read)."""
        prepared = self.clips.get(text)
        if prepared is None:
            return estimate_speech_ms(text, self.rate_wpm)
        return prepared.duration_ms

    def lookup(self, rendered_later: SpeechLookup) -> SpeechLookup:
        """A clip lookup for the audio thread: prepared clips first, then `rendered_later`
        (e.g. `SpeechCache.get_ready`, clips rendered on request since), which must also only
        read memory."""

        def find(text: str) -> np.ndarray | None:
            samples = self.get(text)
            return rendered_later(text) if samples is None else samples

        return find


def prepare_speech(
    source: SpeechSource,
    routine: Routine,
    catalog: Catalog,
    start_variation: str | None = None,
    *,
    replies: bool = False,
    progress: Progress | None = None,
) -> PreparedSpeech:
    """Load or synthesize every phrase a session of `routine` says with no commands; with
    `replies`, also what commands make a live workout say (see `script_and_reply_phrases`).

    Raises TtsUnavailable when the synthesizer fails twice on one phrase (once is retried:
    the synthesizer starts a new worker when one dies)."""
    list_phrases = script_and_reply_phrases if replies else script_phrases
    prepared = PreparedSpeech({}, source.rate_wpm)
    for _ in range(MAX_PASSES):
        texts = list_phrases(routine, catalog, prepared.duration_ms, start_variation)
        missing = [text for text in texts if text not in prepared]
        if not missing:
            break
        clips = dict(prepared.clips)
        for done, text in enumerate(missing, start=1):
            clips[text] = _load(source, text)
            if progress is not None:
                progress(done, len(missing))
        prepared = PreparedSpeech(clips, source.rate_wpm)
    return prepared


def _load(source: SpeechSource, text: str) -> PreparedClip:
    try:
        samples = source.clip(text)
    except TtsUnavailable:
        samples = source.clip(text)
    return PreparedClip(samples, source.duration_ms(text))
