"""Keys on a terminal without `--keyboard`: `voice-coach run` on a pseudo-terminal, with voice
control listening (a test double), obeys `q`; `--no-keyboard` leaves the terminal alone; on a
pipe `--keyboard` still reads a command word per line."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voice_coach.app.keyboard import KEY_HELP, KEY_HINT, KeyboardMode

# The child runs the real CLI with two parts replaced: voice control that is listening (so
# keys are not merely the fallback for a missing microphone) and no speech engine (printed
# cues, no rendering). Without audio devices the output is the wall clock.
CHILD = """
import sys
from voice_coach import cli
from voice_coach.app import voice_setup
from voice_coach.speech import synth
from voice_coach.speech.base import TtsUnavailable


class ListeningVoice:
    error = None

    @property
    def blocks(self):  # a microphone that keeps delivering a block every 0.1 s
        import time
        return int(time.monotonic() * 10)

    def stop(self):
        pass


def open_voice_control(*args, **kw):
    return ListeningVoice(), "listening for commands with a test double"


def no_tts(*args, **kw):
    raise TtsUnavailable("no speech engine in this test")


voice_setup.open_voice_control = open_voice_control
synth.Pyttsx3Synth.__init__ = no_tts
sys.exit(cli.main(sys.argv[1:]))
"""
RUN = ["run", "--output-device", "no-such-device", "--routine", "beginner"]
WAIT_S = 30


def start_on_terminal(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    """The coach with stdin and stderr on a new pseudo-terminal; returns it and the master."""
    master, slave = os.openpty()
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "VOICE_COACH_CONFIG_DIR": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-c", CHILD, *RUN, *extra], stdin=slave,
                               stdout=subprocess.PIPE, stderr=slave, env=env,
                               cwd=Path(__file__).resolve().parent.parent)
    os.close(slave)
    return process, master


def read_until(master: int, text: str, seen: bytearray, timeout_s: float = WAIT_S,
               times: int = 1) -> str:
    """What the terminal shows, read until `text` appears `times` times (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while seen.count(text.encode()) < times and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
    return seen.decode("utf-8", "replace")


def test_q_on_a_terminal_ends_the_workout_without_the_keyboard_flag(tmp_path: Path) -> None:
    process, master = start_on_terminal(tmp_path)
    seen = bytearray()
    try:
        shown = read_until(master, KEY_HINT, seen)
        assert "listening for commands with a test double" in shown
        assert KEY_HELP in shown  # said once at the start
        assert KEY_HINT in shown  # and kept on the status line
        # The reader thread turns echo and line buffering off as it starts, which drops a key
        # typed at that very moment; so press until one is taken.
        for _ in range(20):
            os.write(master, b"?")
            shown = read_until(master, KEY_HELP, seen, timeout_s=1, times=2)
            if shown.count(KEY_HELP) >= 2:
                break
        assert shown.count(KEY_HELP) >= 2  # "?" shows the keys again
        assert "last: help (keyboard)" in read_until(master, "last: help (keyboard)", seen)
        os.write(master, b"q")
        out, _ = process.communicate(timeout=WAIT_S)
    finally:
        process.kill()
        os.close(master)
    assert process.returncode == 0
    assert out.decode().strip() == "stopped: 0 sets, 0 reps"


def test_no_keyboard_leaves_the_terminal_alone(tmp_path: Path) -> None:
    process, master = start_on_terminal(tmp_path, "--no-keyboard")
    seen = bytearray()
    try:
        shown = read_until(master, "Welcome", seen)
        os.write(master, b"q")
        time.sleep(1.5)
        assert process.poll() is None  # q was not read
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=WAIT_S)
        shown = read_until(master, "interrupted", seen, timeout_s=2)
    finally:
        process.kill()
        os.close(master)
    assert process.returncode == 130
    assert KEY_HELP not in shown and KEY_HINT not in shown
    assert out.decode().startswith("interrupted:")


@pytest.mark.parametrize(
    ("mode", "terminal", "listening", "reads"),
    [
        (KeyboardMode.AUTO, True, True, True),  # keys on a terminal, with or without voice
        (KeyboardMode.AUTO, False, True, False),  # a pipe is not read while voice listens
        (KeyboardMode.AUTO, False, False, True),  # ... but is when there is no voice control
        (KeyboardMode.ON, False, True, True),  # --keyboard: `echo stop | voice-coach run ...`
        (KeyboardMode.OFF, True, False, False),  # --no-keyboard
    ],
)
def test_when_stdin_is_read(
    mode: KeyboardMode, terminal: bool, listening: bool, reads: bool
) -> None:
    assert mode.reads_stdin(terminal, listening) is reads
