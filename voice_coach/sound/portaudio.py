"""The one way into sounddevice: PortAudio, loaded with ALSA's own error printing turned off.

ALSA writes lines such as "ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred" or
"ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect" straight to stderr, in
the middle of the workout's output. The coach already says in one line of its own what was lost
or ran dry, so those raw lines only confuse. VOICE_COACH_ALSA_MESSAGES=1 keeps them, for
debugging a sound setup.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from types import ModuleType
from typing import Any, Literal

# ALSA's snd_lib_error_handler_t is variadic (file, line, function, err, fmt, ...); a handler
# that takes the fixed arguments and ignores the rest is called correctly on Linux's ABIs.
_ErrorHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_char_p)
_installed: list[object] = []  # the handler lives as long as the process: ALSA keeps a pointer


def _ignore(file: bytes, line: int, function: bytes, err: int, fmt: bytes) -> None:
    return None


def quiet_alsa() -> bool:
    """Turn ALSA's stderr messages off (once); False where there is no ALSA library."""
    if _installed:
        return True
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        library = ctypes.CDLL(name)
        handler = _ErrorHandler(_ignore)
        library.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return False
    _installed.append(handler)
    return True


def load_sounddevice() -> ModuleType:
    """`sounddevice`, imported after ALSA is quieted (PortAudio probes every ALSA device when
    it starts, and some systems print a dozen lines then). Raises OSError when PortAudio itself
    is missing, as `import sounddevice` does."""
    if not os.environ.get("VOICE_COACH_ALSA_MESSAGES"):
        quiet_alsa()
    import sounddevice

    return sounddevice


def has_device(sd: Any, kind: Literal["input", "output"]) -> bool:
    """Whether PortAudio lists any device that can record (input) or play (output). Without
    one, PortAudio's own words for the default device are "Error querying device -1"."""
    try:
        devices = sd.query_devices()
    except sd.PortAudioError:
        return False
    return any(info[f"max_{kind}_channels"] > 0 for info in devices)


def no_device_line(kind: Literal["input", "output"]) -> str:
    """The one line said instead of "Error querying device -1"."""
    what, thing = ("microphone", "a microphone") if kind == "input" else (
        "audio output device", "a speaker")
    return (f"no {what} found (is the sound server running, or {thing} plugged in?); "
            "'voice-coach devices' lists what there is")
