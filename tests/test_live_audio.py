"""The whole live loop through real audio devices: `voice-coach run` plays into a PulseAudio
null sink, the test records the sink's monitor and checks clicks and speech came out when the
events log says they did."""

from __future__ import annotations

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
    assert "finished: 1 sets, 3 reps" in result.stdout
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
    header, events = events[0], events[1:]
    assert header["type"] == "run" and header["output"] != "none (text cues)"
    audio = recording.samples()
    clicks = [e["t"] for e in events if e["type"] == "click"]
    speech = [e for e in events if e["type"] == "speech" and not e["dropped"] and e["t"] > 0]
    assert len(clicks) == 3 + 3 * 7  # count-in, then seven beats a rep

    recorded = [o / RATE for o in onsets(audio, 0.05, int(0.08 * RATE))]
    offset = best_offset(recorded, clicks)
    clear_clicks = [c for c in clicks if not speaking(speech, c)]
    assert len(clear_clicks) >= 5
    for click in clear_clicks:
        nearest = min(recorded, key=lambda r, c=click: abs(r - c - offset))
        assert abs(nearest - click - offset) <= CLICK_TOLERANCE_S, (click, nearest - offset)

    for cue in speech:
        start = round((cue["t"] + offset) * RATE)
        window = audio[start:start + int(min(cue["duration_ms"], 300) * RATE / 1000)]
        assert np.sqrt(np.mean(window**2)) > 0.02, cue["text"]
    silence_before_first_cue = audio[:max(0, round((speech[0]["t"] + offset - 0.3) * RATE))]
    assert len(silence_before_first_cue) == 0 or np.max(np.abs(silence_before_first_cue)) < 0.2
