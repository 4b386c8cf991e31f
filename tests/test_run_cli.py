"""`voice-coach run` as a person meets it: degraded modes, one-line errors, Ctrl-C and SIGTERM."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voice_coach import cli
from voice_coach.app.devices import RealDevices
from voice_coach.app.keyboard import KeyboardMode
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.history.store import HistoryStore
from voice_coach.settings import OutputSettings, RecognizerKind, RecognizerSettings
from voice_coach.sound.output import Output, Render
from voice_coach.speech import synth
from voice_coach.speech.base import TtsUnavailable

NO_SPEAKER = ["--output-device", "no-such-device", "--recognizer", "off", "--keyboard"]


def coach(args: list[str], tmp_path: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "voice_coach", "run", *args], env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_as_from_a_terminal, **kw)


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a program run from a terminal; a test runner started in the background
    by a non-interactive shell ignores SIGINT, and its children would inherit that (Python
    then installs no KeyboardInterrupt handler at all)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def events_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_no_speaker_prints_cues_and_obeys_piped_commands(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    process = coach([*NO_SPEAKER, "--routine", "beginner", "--events", str(events)], tmp_path,
                    stdin=subprocess.PIPE)
    out, err = process.communicate("hold on\nresume\nstop\n", timeout=120)
    assert process.returncode == 0, err
    notices = [line for line in err.splitlines() if line.startswith("voice-coach:")]
    assert any("cannot open output device 'no-such-device'" in line
               and "cues will be printed" in line for line in notices)
    assert "Traceback" not in err
    assert "stopped: 0 sets, 0 reps" in out
    log = events_of(events)
    assert log[0]["output"] == "none (text cues)"
    heard = [(e["command"], e["source"]) for e in log if e["type"] == "heard"]
    assert heard == [("pause", "keyboard"), ("resume", "keyboard"), ("stop", "keyboard")]
    assert [e["reason"] for e in log if e["type"] == "finished"] == ["stopped"]
    assert log[-1]["type"] == "end" and log[-1]["t"] >= log[-2]["t"]
    assert log[-1]["underruns"] == 0  # no speaker: no output to run dry


def test_no_speech_engine_still_runs_with_printed_cues(tmp_path: Path, monkeypatch,
                                                        capsys, private_dirs) -> None:
    def no_tts(*args: object, **kw: object) -> None:
        raise TtsUnavailable("no speech engine: espeak-ng is missing; apt-get install espeak-ng")

    monkeypatch.setattr(synth.Pyttsx3Synth, "__init__", no_tts)
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    code = cli.main(["run", *NO_SPEAKER, "--routine", "standard"])
    captured = capsys.readouterr()
    assert code == 0
    assert "espeak-ng is missing; apt-get install espeak-ng; cues will be printed" in captured.err
    assert "Welcome. Today's routine: standard" in captured.err
    assert "stopped:" in captured.out


@pytest.mark.parametrize("args, message", [
    (["--routine", "beginers"], "no routine named 'beginers' (did you mean 'beginner'?"),
    (["--variation", "hoover"], "unknown variation 'hoover'"),
    (["missing.toml"], "missing.toml"),
])
def test_user_mistakes_are_one_line_with_exit_code_2(args, message, capsys,
                                                     private_dirs) -> None:
    assert cli.main(["run", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_mid_set_saves_the_session(tmp_path: Path, signum: int) -> None:
    events = tmp_path / "events.jsonl"
    process = coach([*NO_SPEAKER, "--routine", "beginner", "--events", str(events)], tmp_path,
                    stdin=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write("next\n")  # skip the intro, straight into the first set
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if events.exists() and '"phase": "lift", "rep": 3' in events.read_text():
            break
        time.sleep(0.1)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "interrupted; the session so far is saved" in err and "Traceback" not in err
    assert "interrupted:" in out
    assert [e["reason"] for e in events_of(events) if e["type"] == "finished"] == ["interrupted"]
    with HistoryStore(tmp_path / "data" / "history.sqlite3") as store:
        (session,) = store.sessions()
    assert session.end_reason == "interrupted"
    assert session.reps_done >= 2  # the rep in progress is all that may be lost


class SpeakerThatFails:
    """A speaker whose stream dies at once, as when a USB headset is unplugged."""

    name = "headset"
    underflows = 0

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def start(self) -> None:
        self.error = OSError("device unplugged")

    def stop(self) -> None:
        pass

    def stream_time_of(self, sample: int) -> float | None:
        return None


class DevicesWithAFailingSpeaker(RealDevices):
    def make_output(self, render: Render, settings: OutputSettings) -> Output:
        return SpeakerThatFails()


def test_losing_the_speaker_mid_workout_carries_on_with_printed_cues(
        monkeypatch, capsys, private_dirs) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    options = RunOptions(BUILTIN_ROUTINES["beginner"], keyboard=KeyboardMode.ON,
                         recognizer=RecognizerSettings(RecognizerKind.OFF))
    code = LiveWorkout(options, devices=DevicesWithAFailingSpeaker()).run()
    captured = capsys.readouterr()
    assert code == 0
    assert "audio output lost (device unplugged); cues are printed" in captured.err
    assert "stopped: 0 sets, 0 reps" in captured.out
