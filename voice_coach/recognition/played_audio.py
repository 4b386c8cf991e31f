"""What the coach played, for `listen --reference`: when it spoke (and what) and clicked.

The live listener learns this from the mixer. Offline it comes from the timeline `render
--timeline` writes beside its file, or, without one, from the reference's own loudness: then
the texts are unknown, so only the live loop and a timeline can tell the coach's own command
words from the person's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from voice_coach.sound.mixer import AudioKind

CoachInterval = tuple[float, float, AudioKind, str]  # start_s, end_s, kind, text
FRAME_S = 0.02
AUDIBLE_RMS = 0.006  # about -45 dBFS
JOIN_GAP_S = 0.3  # pauses between words of one sentence
CLICK_MAX_S = 0.06  # the metronome's clicks last 30 ms


class PlayedAudioError(Exception):
    """The timeline cannot be read; the message is one line naming the file and the field."""


def intervals_from_timeline(path: Path) -> list[CoachInterval]:
    """Speech (with its text) and clicks from a `render --timeline` file, in its seconds."""
    number = -1  # the event being read, for the error line
    try:
        events = json.loads(Path(path).read_text(encoding="utf-8"))["events"]
        intervals: list[CoachInterval] = []
        for event in events:
            number += 1
            kind = event.get("type")
            if kind == "say" and event.get("start") is not None:
                intervals.append((float(event["start"]), float(event["end"]), AudioKind.SPEECH,
                                  str(event.get("text", ""))))
            elif kind == "click":
                intervals.append((float(event["t"]), float(event["t"]), AudioKind.CLICK, ""))
    except OSError as error:
        raise PlayedAudioError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        where = f"event {number + 1}" if number >= 0 else "its top level"
        raise PlayedAudioError(
            f"{path}: not a render timeline ({where}: {type(error).__name__} {error})"
        ) from None
    return intervals


def intervals_from_loudness(reference: np.ndarray, rate: int) -> list[CoachInterval]:
    """Where int16 `reference` is audible: short bursts as clicks, the rest as speech."""
    frame = round(FRAME_S * rate)
    count = len(reference) // frame
    if count == 0:
        return []
    frames = reference[: count * frame].astype(np.float32).reshape(count, frame) / 32768.0
    loud = np.sqrt(np.mean(frames**2, axis=1)) > AUDIBLE_RMS
    spans: list[list[float]] = []
    for index in np.flatnonzero(loud):
        start, end = index * FRAME_S, (index + 1) * FRAME_S
        if spans and start - spans[-1][1] < JOIN_GAP_S:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [
        (start, end, AudioKind.CLICK if end - start <= CLICK_MAX_S else AudioKind.SPEECH, "")
        for start, end in spans
    ]
