"""The devices a live workout is built from, made by a factory that tests replace.

`Devices` is the seam: the workout asks it for speech, the speaker, the microphone, the
recognizer and the keyboard, and never constructs one itself. `RealDevices` makes the real
ones; tests/fakes.py has a factory of fakes that needs no sound card, TTS or model.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol

import numpy as np

from voice_coach.app.keyboard import KeyboardCommands
from voice_coach.core.commands import Command
from voice_coach.recognition.base import Recognizer
from voice_coach.recognition.echo_canceller import EchoCanceller
from voice_coach.settings import (
    EchoSettings,
    MicrophoneSettings,
    OutputSettings,
    RecognizerSettings,
    SpeechSettings,
)
from voice_coach.sound.coach_mixer import SAMPLE_RATE
from voice_coach.sound.output import Output, Render


class LiveSpeech(Protocol):
    """Speech for a live workout: `clip` may block (for preparation); `get_ready` only reads
    memory (for the audio thread); `request` renders in the background, where a failure only
    counts: in `failures` (`last_error` says why), and the first success after it in
    `recoveries`."""

    rate_wpm: int
    failures: int
    recoveries: int
    last_error: Exception | None

    def clip(self, text: str) -> np.ndarray: ...

    def duration_ms(self, text: str) -> int: ...

    def get_ready(self, text: str) -> np.ndarray | None: ...

    def request(self, text: str) -> None: ...

    def close(self) -> None: ...


class MicrophoneInput(Protocol):
    """Blocks of mono int16 samples with their ADC times; opened by `with`."""

    sample_rate: int

    def __enter__(self) -> MicrophoneInput: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def read(self, timeout: float | None = None) -> tuple[np.ndarray, float] | None: ...


class Keyboard(Protocol):
    """Commands typed at the terminal, handed over from a thread of its own."""

    @property
    def interactive(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


Submit = Callable[[Command], None]


class Devices(Protocol):
    """Makes each part of a live workout. Each `make_*` raises its part's Unavailable error
    (TtsUnavailable, RecognizerUnavailable ...) with a one-line message when it cannot."""

    def make_speech(self, settings: SpeechSettings) -> LiveSpeech: ...

    def make_output(self, render: Render, settings: OutputSettings) -> Output:
        """Not started yet: `start()` raises OutputUnavailable when the device cannot open."""
        ...

    def make_microphone(
        self, settings: MicrophoneSettings, sample_rate: int, block_ms: int
    ) -> MicrophoneInput: ...

    def make_recognizer(self, settings: RecognizerSettings) -> Recognizer: ...

    def make_echo_canceller(
        self, settings: EchoSettings, sample_rate: int
    ) -> tuple[EchoCanceller | None, str]:
        """The canceller (None: off) and one line saying which and why; raises
        EchoCancellerUnavailable when the settings insist on one that cannot run."""
        ...

    def make_keyboard(
        self, submit: Submit, is_paused: Callable[[], bool], on_unknown: Callable[[str], None]
    ) -> Keyboard: ...


class RealDevices:
    """pyttsx3 speech cached on disk, the sounddevice speaker and microphone, the recognizer
    in a child process, and the terminal."""

    def make_speech(self, settings: SpeechSettings) -> LiveSpeech:
        from voice_coach.speech.cache import SpeechCache
        from voice_coach.speech.synth import Pyttsx3Synth

        return SpeechCache(Pyttsx3Synth.from_settings(settings, SAMPLE_RATE))

    def make_output(self, render: Render, settings: OutputSettings) -> Output:
        from voice_coach.sound.output import SpeakerOutput

        return SpeakerOutput(render, SAMPLE_RATE, settings)

    def make_microphone(
        self, settings: MicrophoneSettings, sample_rate: int, block_ms: int
    ) -> MicrophoneInput:
        from voice_coach.recognition.microphone import Microphone

        return Microphone(settings.device, sample_rate=sample_rate, block_ms=block_ms)

    def make_recognizer(self, settings: RecognizerSettings) -> Recognizer:
        from voice_coach.recognition.select import open_recognizer

        # Its own process: decoding must never hold up the audio callback (see engine_process).
        return open_recognizer(settings, own_process=True)

    def make_echo_canceller(
        self, settings: EchoSettings, sample_rate: int
    ) -> tuple[EchoCanceller | None, str]:
        from voice_coach.recognition.echo_canceller import open_echo_canceller

        return open_echo_canceller(settings.mode, sample_rate)

    def make_keyboard(
        self, submit: Submit, is_paused: Callable[[], bool], on_unknown: Callable[[str], None]
    ) -> Keyboard:
        return KeyboardCommands(submit, is_paused, on_unknown=on_unknown)
