"""Renders a whole session offline: the live coach's loop and mixer, run block by block to the end.

`render_session` drives a `CoachLoop` over a real `Mixer` with the shipped sounds by calling
`render_block` in a plain loop until the loop is done: the very code the speaker callback
runs, with the same block size, so the file holds exactly what the live coach would play with
no commands given. Speech is prepared before (`voice_coach.speech.prepare`), and
the mixer reports where each cue really started (an equal-priority cue may wait behind another).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.effects import Say, Sound
from voice_coach.core.engine import Session, SpeechDuration
from voice_coach.core.routine import Routine
from voice_coach.sound.assets import load_sound
from voice_coach.sound.coach_loop import CoachLoop, LoopEvent, SpeechPlayed
from voice_coach.sound.coach_mixer import SAMPLE_RATE, build_mixer
from voice_coach.sound.mixer import FADE_MS
from voice_coach.speech.prepare import PreparedSpeech

RUNAWAY_S = 600  # beyond twice the estimate and this, the session is not going to end
RENDER_BLOCK_FRAMES = 1024  # bigger than the live 512: fewer calls, and the samples are the same

Progress = Callable[[str, float], None]  # (stage, fraction done 0..1)


@dataclass(frozen=True)
class SpeechPlacement:
    """One spoken cue as the mixer placed it, in samples."""

    text: str
    scheduled: int  # where the cue asked to start
    start: int | None  # where it really started; None if the mixer dropped it
    end: int  # where it stopped sounding (its end, or where a higher-priority cue cut it)
    priority: int


@dataclass(frozen=True)
class RenderedSession:
    """A session rendered to the end: its audio, the loop's events and where each cue played."""

    routine: Routine
    sample_rate: int
    audio: np.ndarray  # float32 mono in [-1, 1]
    events: list[LoopEvent]  # the loop's outbox, in order
    speech: list[SpeechPlacement]

    @property
    def duration_s(self) -> float:
        return self.audio.size / self.sample_rate

    def speech_intervals(self) -> list[tuple[int, int]]:
        """(start, end) sample ranges where the coach is speaking, in order."""
        return sorted(
            (p.start, p.end) for p in self.speech if p.start is not None and p.end > p.start
        )


def estimate_samples(
    routine: Routine,
    catalog: Catalog,
    speech_ms: SpeechDuration,
    sample_rate: int,
    start_variation: str | None = None,
) -> int:
    """About how long the rendered session is (for progress): the dry run's last sound."""
    session = Session(routine, catalog, speech_ms, start_variation)
    end_ms = 0
    for effect in run_to_end(session):
        length = speech_ms(effect.text) if isinstance(effect, Say) else 0
        if isinstance(effect, Sound):
            length = 1000 * load_sound(effect.name, sample_rate).size // sample_rate
        end_ms = max(end_ms, effect.at_ms + length)
    return max(1, end_ms * sample_rate // 1000)


def render_session(
    routine: Routine,
    speech: PreparedSpeech,
    catalog: Catalog | None = None,
    start_variation: str | None = None,
    sample_rate: int = SAMPLE_RATE,
    block_frames: int = RENDER_BLOCK_FRAMES,
    progress: Progress | None = None,
) -> RenderedSession:
    """The whole session with no commands, as the live coach would play it; `speech` is
    `prepare_speech` for the same routine and start variation."""
    catalog = catalog or load_catalog()
    session = Session(routine, catalog, speech.duration_ms, start_variation)
    mixer = build_mixer(sample_rate)
    loop = CoachLoop(session, mixer, speech.get, _not_prepared)
    expected = estimate_samples(routine, catalog, speech.duration_ms, sample_rate, start_variation)
    audio = np.zeros(expected + block_frames, np.float32)  # grown if the estimate is short
    events: list[LoopEvent] = []
    position = 0
    report_every = max(1, sample_rate // block_frames)  # about once a second of audio
    limit = 2 * expected + RUNAWAY_S * sample_rate
    while not loop.done:
        if position > limit:
            raise RuntimeError(f"the session did not end after {position // sample_rate} s")
        if position + block_frames > audio.size:
            audio = np.concatenate([audio, np.zeros(audio.size // 2 + block_frames, np.float32)])
        audio[position : position + block_frames] = loop.render_block(block_frames)
        position += block_frames
        while not loop.outbox.empty():
            events.append(loop.outbox.get_nowait())
        if progress is not None and (position // block_frames) % report_every == 0:
            progress("render", min(1.0, position / expected))
    while not loop.outbox.empty():
        events.append(loop.outbox.get_nowait())
    if progress is not None:
        progress("render", 1.0)
    placements = _speech_placements(events, sample_rate)
    return RenderedSession(routine, sample_rate, audio[:position], events, placements)


def _not_prepared(text: str) -> None:
    """Preparation runs the same session to its end, so a phrase it missed is a bug."""
    raise RuntimeError(f"speech for {text!r} was not prepared before rendering")


def _speech_placements(events: list[LoopEvent], sample_rate: int) -> list[SpeechPlacement]:
    """Where each cue played, from the loop's speech events, with where cut cues stopped.

    Speech never overlaps speech, so a later cue that starts inside an earlier one cut it: the
    earlier one fades out over the mixer's fade, or vanishes if it had not started yet.
    """
    played = [e for e in events if isinstance(e, SpeechPlayed)]
    fade = max(1, FADE_MS * sample_rate // 1000)
    spans: list[list[int | None]] = []
    for cue in played:
        spans.append([cue.sample, None if cue.sample is None else cue.sample + cue.length])
    for later, cue in enumerate(played):
        cut_at = cue.sample
        if cut_at is None:
            continue
        for span in spans[:later]:
            start, end = span
            if start is None or end is None or not (cut_at < end):
                continue
            if start >= cut_at:
                span[0] = span[1] = None  # removed before it began
            else:
                span[1] = min(end, cut_at + fade)
    return [
        SpeechPlacement(cue.text, cue.requested, start, end if end is not None else cue.requested,
                        cue.priority)
        for cue, (start, end) in zip(played, spans, strict=True)
    ]
