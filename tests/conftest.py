"""Shared test setup: tests marked `devices` need the PulseAudio test server.

scripts/test.sh starts it (scripts/pulse_test_server.sh) and sets VOICE_COACH_REQUIRE_DEVICES,
so in CI a missing server fails those tests; run bare, pytest skips them with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.pulse_audio import PrivatePulseServer, PulseRig


def pulse_available() -> bool:
    if shutil.which("pactl") is None:
        return False
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode == 0


@pytest.fixture(autouse=True)
def _require_audio_server(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("devices") is None:
        return
    if "own_pulse_server" in request.fixturenames:  # the test starts a server of its own
        return
    if pulse_available():
        return
    message = "no PulseAudio server: start one with 'source scripts/pulse_test_server.sh'"
    if os.environ.get("VOICE_COACH_REQUIRE_DEVICES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def private_dirs(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Keep history, config and the speech cache of a test run out of the user's folders."""
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICE_COACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def own_pulse_server():
    """A private PulseAudio server for this test alone (see PrivatePulseServer), started."""
    if shutil.which("pulseaudio") is None:
        pytest.skip("no pulseaudio program to start a private server with")
    folder = Path(tempfile.mkdtemp(prefix="vc-pulse-"))  # short: a socket path has a limit
    server = PrivatePulseServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def rig():
    """Private null sinks (and loopbacks) on the running PulseAudio server, removed afterwards."""
    rig = PulseRig()
    try:
        yield rig
    finally:
        rig.close()
