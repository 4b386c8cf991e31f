"""The whole live loop through real audio devices: `voice-coach run` plays into a PulseAudio
null sink, the test records the sink's monitor and checks clicks and speech came out when the
events log says they did."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.pulse_audio import RATE, MonitorRecording, onsets

ROUTINE = """\
name = "device-check"
description = "One short set for the device test."

[[block]]
variation = "standard"
sets = 1
reps = 3
rest = 5
"""
CLICK_TOLERANCE_S = 0.002
SLIP_S = 0.2  # the most an underrun may shift the rest of the recording


def run_coach(tmp_path: Path, stdin: str) -> list[dict]:
    routine = tmp_path / "routine.toml"
    routine.write_text(ROUTINE)
    events = tmp_path / "events.jsonl"
    env = {**os.environ, "PULSE_SINK": "coach",
           "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "voice_coach", "run", str(routine), "--keyboard",
         "--recognizer", "off", "--events", str(events)],
        input=stdin, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "finished: 1 set, 3 reps" in result.stdout
    return [json.loads(line) for line in events.read_text().splitlines()]


def speaking(speech: list[dict], t: float, margin: float = 0.05) -> bool:
    return any(s["t"] - margin <= t <= s["t"] + s["duration_ms"] / 1000 + margin for s in speech)


def best_offset(recorded: list[float], clicks: list[float]) -> float:
    """The recording-minus-events offset that lines up the most clicks with onsets."""
    candidates = [r - c for r in recorded for c in clicks]
    return max(candidates, key=lambda off: sum(
        any(abs(r - c - off) <= CLICK_TOLERANCE_S for r in recorded) for c in clicks))


@pytest.mark.devices
def test_clicks_and_speech_play_when_the_events_log_says(tmp_path: Path) -> None:
    with MonitorRecording("coach", tmp_path / "monitor.wav") as recording:
        events = run_coach(tmp_path, "next\n")  # skip the long intro
    header, events, footer = events[0], events[1:-1], events[-1]
    assert header["type"] == "run" and header["output"] != "none (text cues)"
    assert footer["type"] == "end" and footer["underruns"] >= 0
    audio = recording.samples()
    clicks = [e["t"] for e in events if e["type"] == "click"]
    speech = [e for e in events if e["type"] == "speech" and not e["dropped"] and e["t"] > 0]
    assert len(clicks) == 3 + 3 * 7  # count-in, then seven beats a rep

    recorded = [o / RATE for o in onsets(audio, 0.05, int(0.08 * RATE))]
    offset = best_offset(recorded, clicks)
    clear_clicks = [c for c in clicks if not speaking(speech, c)]
    assert len(clear_clicks) >= 5
    # Where each click sounds in the recording. An output underrun (the machine busy) inserts
    # silence and shifts everything after it, so offsets are followed click by click.
    found: dict[float, float] = {}
    for click in clear_clicks:
        nearest = min(recorded, key=lambda r, c=click: abs(r - c - offset))
        assert abs(nearest - click - offset) <= SLIP_S, (click, nearest - click - offset)
        found[click] = nearest - click
        offset = found[click]
    steps = [abs(b - a) for a, b in itertools.pairwise(found.values())]
    exact = sum(step <= CLICK_TOLERANCE_S for step in steps)
    # Click intervals are exact to the sample's ms, except across a gap the coach reported.
    assert len(steps) - exact <= footer["underruns"], (steps, footer["underruns"])
    assert exact >= len(steps) / 2, steps

    def local_offset(t: float) -> float:
        before = [c for c in found if c <= t] or [min(found)]
        return found[max(before)]

    for cue in speech:
        start = round((cue["t"] + local_offset(cue["t"])) * RATE)
        window = audio[start:start + int(min(cue["duration_ms"], 300) * RATE / 1000)]
        assert np.sqrt(np.mean(window**2)) > 0.02, cue["text"]
    quiet = quiet_windows(events, clicks[0], clicks[-1])
    assert len(quiet) >= 5
    for start, end in quiet:
        shift = local_offset(start)
        if local_offset(end) != shift:
            continue  # a slip inside the window: it is not one stretch of the recording
        window = audio[round((start + shift) * RATE):round((end + shift) * RATE)]
        assert np.max(np.abs(window)) < 0.02, (start, end)


def quiet_windows(events: list[dict], start: float, end: float) -> list[tuple[float, float]]:
    """Stretches of at least 0.15 s between `start` and `end` where nothing was scheduled."""
    busy = []
    for event in events:
        if event["type"] == "click":
            busy.append((event["t"], event["t"] + 0.08))
        elif event["type"] == "speech" and not event["dropped"]:
            busy.append((event["t"], event["t"] + event["duration_ms"] / 1000 + 0.05))
        elif event["type"] == "sound":
            busy.append((event["t"], event["t"] + 1.2))
    busy.sort()
    windows, covered = [], start
    for first, last in busy:
        if first - covered >= 0.15 and covered >= start and first <= end:
            windows.append((covered + 0.02, first - 0.02))
        covered = max(covered, last)
    return windows
