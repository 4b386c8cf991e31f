"""The audio server killed mid-set and started again: `voice-coach run` goes on on the wall
clock, says once that the sound is gone and once that it is back, plays again within 3 s of
the server's return, and finishes with every rep. The test owns its PulseAudio server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.pulse_audio import PrivatePulseServer

REPS = 12
ROUTINE = f"""\
name = "server-loss"
description = "One quick set, so phase boundaries come often."

[[block]]
variation = "standard"
sets = 1
reps = {REPS}
tempo = {{ lift = 1.0, top = 0.5, lower = 1.0, bottom = 0.5 }}
rest = 5
"""
NOTICED_S = 1.0  # a lost stream is noticed within this
AUDIO_AGAIN_S = 3.0  # sound again within this of the server's return
SERVER_GONE_S = 3.0


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def wait_for(path: Path, test: Callable[[dict], bool], timeout_s: float,
             process: subprocess.Popen, err: Path) -> float:
    """The monotonic time an event passing `test` was first seen in the events log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(test(e) for e in read_events(path)):
            return time.monotonic()
        if process.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"no such event within {timeout_s} s; stderr: {err.read_text()}")


def device_event(device: str, state: str) -> Callable[[dict], bool]:
    return lambda e: e["type"] == "device" and e["device"] == device and e["state"] == state


@pytest.mark.devices
@pytest.mark.slow
@pytest.mark.parametrize("recognizer", ["off", "auto"])  # auto: the shipped default
def test_killing_the_audio_server_mid_set_loses_no_rep(
        tmp_path: Path, own_pulse_server: PrivatePulseServer, recognizer: str) -> None:
    routine = tmp_path / "routine.toml"
    routine.write_text(ROUTINE)
    events = tmp_path / "events.jsonl"
    env = {**os.environ, **own_pulse_server.env, "PULSE_SINK": "coach",
           "PULSE_SOURCE": "mic.monitor", "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "VOICE_COACH_CONFIG_DIR": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "voice_coach", "run", str(routine), "--keyboard",
             "--recognizer", recognizer, "--events", str(events)],
            stdin=subprocess.PIPE, stdout=out_file, stderr=err_file, text=True, env=env)
    try:
        assert process.stdin is not None
        process.stdin.write("next\n")  # skip the long intro
        process.stdin.flush()
        wait_for(events, lambda e: e["type"] == "phase" and e["rep"] >= 2, 180, process, err_path)
        own_pulse_server.kill()
        killed = time.monotonic()
        lost = wait_for(events, device_event("output", "lost"), 30, process, err_path)
        time.sleep(SERVER_GONE_S)  # how long the server stays away: the scenario, not a clock
        own_pulse_server.start()
        returned = time.monotonic()
        back = wait_for(events, device_event("output", "back"), 30, process, err_path)
        if recognizer != "off":
            wait_for(events, device_event("microphone", "back"), 30, process, err_path)
        process.stdin.close()
        process.wait(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out, err = out_path.read_text(), err_path.read_text()
    assert process.returncode == 0, err
    assert f"finished: 1 set, {REPS} reps" in out, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len([line for line in lines if "audio output lost" in line]) == 1, err
    assert len([line for line in lines if "audio output is back" in line]) == 1, err
    assert lost - killed < NOTICED_S, f"noticed {lost - killed:.2f} s after the kill"
    assert back - returned < AUDIO_AGAIN_S, f"sound back {back - returned:.2f} s after"

    log = read_events(events)
    changes = [e for e in log if e["type"] == "device" and e["device"] == "output"]
    assert [e["state"] for e in changes] == ["lost", "back"]
    back_t = changes[1]["t"]
    assert any(e["type"] == "click" and e["t"] >= back_t for e in log)
    assert any(e["type"] == "speech" and e["t"] >= back_t for e in log)
    reps = sorted({e["rep"] for e in log if e["type"] == "phase"})
    assert reps == list(range(1, REPS + 1))
    finished = [e for e in log if e["type"] == "finished"]
    assert finished[0]["reps_done"] == REPS
    if recognizer != "off":
        mic = [e["state"] for e in log if e["type"] == "device" and e["device"] == "microphone"]
        assert mic == ["lost", "back"]
        assert len([line for line in lines if "microphone lost" in line]) == 1, err
        assert len([line for line in lines if "microphone is back" in line]) == 1, err
