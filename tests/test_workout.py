"""A live workout on fake devices: commands at exact times, voice through the listener, and a
recognizer that will not start."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from tests.fakes import FakeDevices, ScriptedRecognizer
from voice_coach.app.keyboard import KeyboardMode
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core import phrases
from voice_coach.core.commands import Command
from voice_coach.core.routine import Block, Routine
from voice_coach.recognition.base import Hypothesis, Word

ROUTINE = Routine("short", "", (Block("standard", sets=1, reps=3),))


def run(devices: FakeDevices, tmp_path: Path, **options: object) -> tuple[int, str, str, list]:
    out, err = io.StringIO(), io.StringIO()
    events = tmp_path / "events.jsonl"
    workout = LiveWorkout(RunOptions(ROUTINE, events_path=events, **options), out=out, err=err,
                          devices=devices)
    code = workout.run()
    log = [json.loads(line) for line in events.read_text().splitlines()]
    return code, out.getvalue(), err.getvalue(), log


def test_a_typed_stop_ends_the_workout_at_that_moment_with_its_summary(tmp_path: Path) -> None:
    devices = FakeDevices(commands_at={30_000: Command.STOP})
    code, out, err, log = run(devices, tmp_path, keyboard=KeyboardMode.ON)
    assert code == 0, err
    assert out.startswith("stopped: ")
    heard = [(e["command"], e["source"], e["t"]) for e in log if e["type"] == "heard"]
    assert heard == [("stop", "keyboard", 30.005)]  # the start of the block holding 30 s
    assert log[0]["output"] == "fake speaker" and log[0]["speech"] is True
    said = {e["text"] for e in log if e["type"] == "say"}
    assert any(text.startswith("Workout stopped.") for text in said)
    assert devices.speech.closed


def test_without_a_recognizer_the_keyboard_takes_over(tmp_path: Path) -> None:
    devices = FakeDevices(keyboard=[Command.STOP])
    code, _, err, log = run(devices, tmp_path)
    assert code == 0
    assert "voice-coach: no recognizer in this test; use keyboard commands instead" in err
    assert log[0]["voice"] is False and log[0]["keyboard"] is True


def test_a_spoken_pause_reaches_the_session_through_the_listener(tmp_path: Path) -> None:
    pause = Hypothesis("pause", True, 0.95, (Word("pause", 0.3, 0.6, 0.95),))
    recognizer = ScriptedRecognizer({8: [pause]})
    blocks = [np.zeros(800, np.int16) for _ in range(10)]
    devices = FakeDevices(commands_at={60_000: Command.STOP}, recognizer=recognizer,
                          microphone_blocks=blocks, hear_all_by_ms=1_000)
    code, _, err, log = run(devices, tmp_path, keyboard=KeyboardMode.ON)
    assert code == 0, err
    assert "listening for commands with scripted" in err
    sources = [(e["command"], e["source"]) for e in log if e["type"] == "heard"]
    assert sources[0] == ("pause", "voice") and ("stop", "keyboard") in sources
    assert phrases.PAUSED in {e["text"] for e in log if e["type"] == "say"}
    assert recognizer.closed
