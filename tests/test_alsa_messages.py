"""ALSA's raw stderr lines are off once sounddevice is loaded the coach's way, and back with
VOICE_COACH_ALSA_MESSAGES=1; checked with the real libasound in a child process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Opening an ALSA device that does not exist makes ALSA print "ALSA lib pcm.c:...: Unknown PCM".
PROBE = """
import ctypes, ctypes.util
from voice_coach.sound.portaudio import load_sounddevice
load_sounddevice()
alsa = ctypes.CDLL(ctypes.util.find_library("asound"))
pcm = ctypes.c_void_p()
print(alsa.snd_pcm_open(ctypes.byref(pcm), b"no_such_pcm_for_the_test", 0, 0))
"""


def probe(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "VOICE_COACH_ALSA_MESSAGES"}
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env={**environment, **env}, timeout=60, check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA is Linux's")
def test_alsa_prints_nothing_of_its_own() -> None:
    quiet = probe()
    assert quiet.stdout.strip() == "-2"  # ENOENT: ALSA did fail
    assert "ALSA lib" not in quiet.stderr and "Unknown PCM" not in quiet.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA is Linux's")
def test_alsa_messages_can_be_kept_for_debugging() -> None:
    loud = probe(VOICE_COACH_ALSA_MESSAGES="1")
    assert "Unknown PCM no_such_pcm_for_the_test" in loud.stderr
