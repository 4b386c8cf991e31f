"""A speaker or a microphone lost mid-set and back again, on fake devices: the wall clock
carries the session from the exact sample reached, the speaker takes over again at a phase
boundary, every rep is coached once, and a lost microphone is reopened."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeDevices, ScriptedRecognizer
from voice_coach.app.device_health import DeviceChange, RecoveryTiming
from voice_coach.app.output_keeper import SOUND_BACK
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core.commands import Command
from voice_coach.core.routine import Block, Routine
from voice_coach.settings import RecognizerKind, RecognizerSettings

ROUTINE = Routine("short", "", (Block("standard", sets=1, reps=3),))
# The first lift starts at 33.337 s of this routine and reaches the top at 35.337 s.
LOST_AT_MS = 34_000
FAST = RecoveryTiming(stall_s=0.2, startup_s=2.0, retry_s=0.3)


def run(devices: FakeDevices, tmp_path: Path) -> tuple[int, str, str, list[dict]]:
    out, err = io.StringIO(), io.StringIO()
    events = tmp_path / "events.jsonl"
    options = RunOptions(ROUTINE, events_path=events, recovery=FAST)
    code = LiveWorkout(options, out=out, err=err, devices=devices).run()
    log = [json.loads(line) for line in events.read_text().splitlines()]
    return code, out.getvalue(), err.getvalue(), log


@pytest.mark.parametrize("stall", [False, True], ids=["stream-error", "stalled-stream"])
def test_a_speaker_lost_mid_set_comes_back_at_a_phase_boundary(tmp_path: Path,
                                                               stall: bool) -> None:
    devices = FakeDevices(fail_output_at_ms=LOST_AT_MS, stall_output=stall, output_gone_for=1)
    code, out, err, log = run(devices, tmp_path)
    assert code == 0, err
    assert out.startswith("finished: 1 set, 3 reps")
    lines = err.splitlines()
    lost = [line for line in lines if "audio output lost" in line]
    back = [line for line in lines if "audio output is back" in line]
    reason = "no sound for 0.2 s" if stall else "device unplugged"
    assert lost == [f"voice-coach: audio output lost ({reason}); cues are printed and timing "
                    "runs on the clock; trying the speaker again every 0.3 s"]
    assert back == ["voice-coach: audio output is back (fake speaker); cues are spoken again"]
    assert "Traceback" not in err

    changes = [e for e in log if e["type"] == "device"]
    assert [(e["device"], e["state"]) for e in changes] == [("output", "lost"), ("output", "back")]
    lost_t, back_t = changes[0]["t"], changes[1]["t"]
    # The wall clock took over from the sample the speaker stopped at (its 512-frame blocks).
    assert LOST_AT_MS / 1000 <= lost_t < LOST_AT_MS / 1000 + 0.011
    # One reopening failed and one worked, 0.3 s apart: that time ran on the wall clock, and
    # the speaker came back at the block after the next phase boundary (the top of rep 1 at
    # 35.337 s: the wall clock's 512-frame block holding it is the boundary's test).
    assert 35.337 < back_t < 35.337 + 0.011
    assert len(devices.outputs) == 2 and devices.output_attempts == 3
    phases = [(e["rep"], e["phase"], e["t"]) for e in log if e["type"] == "phase"]
    assert [p[:2] for p in phases] == [
        (rep, phase) for rep in (1, 2, 3) for phase in ("lift", "top", "lower", "bottom")]
    assert [t for *_, t in phases] == sorted(t for *_, t in phases)  # the clock never jumped
    spoken_back = [e for e in log if e["type"] == "speech" and e["text"] == SOUND_BACK]
    assert [e["t"] for e in spoken_back] == [back_t]
    assert any(e["type"] == "click" and e["t"] > back_t for e in log)
    # The speech of cues between loss and return was never played, but every cue was printed.
    assert not [e for e in log if e["type"] == "speech" and lost_t < e["t"] < back_t]
    finished = [e for e in log if e["type"] == "finished"]
    assert finished[0]["reps_done"] == 3


@pytest.mark.slow
def test_a_speaker_that_never_returns_leaves_the_wall_clock_to_the_end(tmp_path: Path) -> None:
    devices = FakeDevices(fail_output_at_ms=LOST_AT_MS, output_gone_for=1000)
    code, out, err, log = run(devices, tmp_path)
    assert code == 0, err
    assert out.startswith("finished: 1 set, 3 reps")
    assert len([line for line in err.splitlines() if "audio output lost" in line]) == 1
    assert "audio output is back" not in err
    assert [e["state"] for e in log if e["type"] == "device"] == ["lost"]
    assert devices.output_attempts > 10  # tried every 0.3 s for the 20 s that were left


def test_a_microphone_lost_mid_set_is_reopened_and_keys_work_meanwhile(tmp_path: Path) -> None:
    devices = FakeDevices(recognizer=ScriptedRecognizer({}), stall_microphone=True,
                          microphone_blocks=[np.zeros(800, np.int16)] * 5,
                          real_time_from_ms=0)

    def release_when_back(event: object) -> None:
        if isinstance(event, DeviceChange) and event.state == "back":
            devices.release.set()  # the rest of the session may run fast

    out, err = io.StringIO(), io.StringIO()
    events = tmp_path / "events.jsonl"
    options = RunOptions(ROUTINE, events_path=events, recovery=FAST)
    code = LiveWorkout(options, out=out, err=err, devices=devices,
                       observers=[release_when_back]).run()
    assert code == 0, err.getvalue()
    assert out.getvalue().startswith("finished: 1 set, 3 reps")
    lines = err.getvalue().splitlines()
    assert [line for line in lines if "microphone" in line] == [
        "voice-coach: microphone lost (no sound from it for 0.2 s); use keyboard commands "
        "meanwhile; trying the microphone again every 0.3 s",
        "voice-coach: microphone is back; listening for commands again"]
    log = [json.loads(line) for line in events.read_text().splitlines()]
    changes = [(e["device"], e["state"]) for e in log if e["type"] == "device"]
    assert changes == [("microphone", "lost"), ("microphone", "back")]
    assert len(devices.microphones) >= 2 and devices.microphones[-1].drained.is_set()


def test_a_recognizer_that_dies_is_restarted_with_the_same_settings(tmp_path: Path) -> None:
    devices = FakeDevices(recognizer=ScriptedRecognizer({}, fails_at=3), real_time_from_ms=0,
                          microphone_blocks=[np.zeros(800, np.int16)] * 5)

    def release_when_back(event: object) -> None:
        if isinstance(event, DeviceChange) and event.state == "back":
            devices.release.set()

    out, err = io.StringIO(), io.StringIO()
    events = tmp_path / "events.jsonl"
    settings = RecognizerSettings(RecognizerKind.POCKETSPHINX)
    options = RunOptions(ROUTINE, events_path=events, recovery=FAST, recognizer=settings)
    code = LiveWorkout(options, out=out, err=err, devices=devices,
                       observers=[release_when_back]).run()
    assert code == 0, err.getvalue()
    assert out.getvalue().startswith("finished: 1 set, 3 reps")
    lines = [line for line in err.getvalue().splitlines() if "recognizer" in line]
    assert lines == [
        "voice-coach: recognizer lost (the speech recognizer process stopped (exit code -9)); use "
        "keyboard commands meanwhile; trying the voice recognizer again every 0.3 s",
        "voice-coach: recognizer is back; listening for commands again"]
    log = [json.loads(line) for line in events.read_text().splitlines()]
    changes = [(e["device"], e["state"]) for e in log if e["type"] == "device"]
    assert changes == [("recognizer", "lost"), ("recognizer", "back")]
    assert devices.recognizer_settings == [settings, settings]


def test_a_reply_the_synthesizer_fails_mid_workout_is_printed_and_the_next_is_spoken(
        tmp_path: Path) -> None:
    devices = FakeDevices(commands_at={36_000: Command.HOW_MANY, 44_000: Command.HOW_MANY},
                          failing_speech_requests=1)
    code, out, err, log = run(devices, tmp_path)
    assert code == 0, err
    assert out.startswith("finished: 1 set, 3 reps")
    lines = err.splitlines()
    assert [line for line in lines if "speech" in line and "voice-coach:" in line] == [
        "voice-coach: speech lost (the speech worker exited (code -9)); replies are printed, "
        "and the next one starts the synthesizer again",
        "voice-coach: speech is back; replies are spoken again"]
    assert "Traceback" not in err
    changes = [(e["device"], e["state"]) for e in log if e["type"] == "device"]
    assert changes == [("speech", "lost"), ("speech", "back")]
    replies = [e for e in log if e["type"] == "say" and "left in this set" in e["text"]]
    assert len(replies) == 2, replies
    first, second = (reply["text"] for reply in replies)
    assert first in err and second in err  # both replies printed
    late = [e["text"] for e in log if e["type"] == "speech_late"]
    played = [e["text"] for e in log if e["type"] == "speech" and not e["dropped"]]
    assert late == [first] and second in played
    assert next(e for e in log if e["type"] == "finished")["reps_done"] == 3


def test_a_speaker_missing_at_the_start_is_taken_up_once_it_opens(tmp_path: Path) -> None:
    devices = FakeDevices(output_missing_at_start=2)
    code, out, err, log = run(devices, tmp_path)
    assert code == 0, err
    assert out.startswith("finished: 1 set, 3 reps")
    notices = [line for line in err.splitlines() if line.startswith("voice-coach:")]
    assert notices[0] == (
        "voice-coach: cannot open the default output device (no server); cues will be printed "
        "and timing runs on the clock; trying the speaker again every 0.3 s")
    assert [line for line in notices if "audio output is back" in line] == [
        "voice-coach: audio output is back (fake speaker); cues are spoken again"]
    assert log[0]["output"] == "none (text cues)"
    changes = [(e["device"], e["state"]) for e in log if e["type"] == "device"]
    assert changes == [("output", "back")]
    back_t = next(e["t"] for e in log if e["type"] == "device")
    # Two failed tries 0.3 s apart, then the first quiet moment of the intro (after the
    # welcome, about 4.2 s in).
    welcome = next(e for e in log if e["type"] == "speech" and e["text"].startswith("Welcome"))
    assert welcome["t"] + welcome["duration_ms"] / 1000 <= back_t < 15.0
    assert devices.output_attempts == 3 and len(devices.outputs) == 1
    assert [e["t"] for e in log if e["type"] == "speech" and e["text"] == SOUND_BACK] == [back_t]
    assert next(e for e in log if e["type"] == "finished")["reps_done"] == 3
