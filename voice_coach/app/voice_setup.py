"""Opening live voice control: recognizer, command listener and microphone, or why not."""

from __future__ import annotations

from voice_coach.app.devices import Devices
from voice_coach.app.voice_control import SampleClock, VoiceControl
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.echo_canceller import EchoCancellerUnavailable
from voice_coach.recognition.echo_path import EchoPath
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.microphone import MicrophoneUnavailable
from voice_coach.recognition.phrases import (
    CommandPhrases,
    dropped_phrases_notice,
    load_command_phrases,
)
from voice_coach.settings import MicrophoneSettings, RecognizerSettings
from voice_coach.sound.coach_loop import CoachLoop

BETTER_ENGINE_HINT = "for better recognition install a Vosk model: voice-coach model install"


class VoiceUnavailable(Exception):
    """Voice control cannot start; one line saying what is missing and how to fix it."""


def open_voice_control(
    loop: CoachLoop,
    devices: Devices,
    recognizer_settings: RecognizerSettings,
    microphone_settings: MicrophoneSettings,
    sample_clock: SampleClock,
    phrases: CommandPhrases | None = None,
) -> tuple[VoiceControl, str]:
    """Started voice control and a line describing it (engine, and how to get a better one);
    `phrases` are what to listen for (default: the packaged English ones)."""
    try:
        recognizer = devices.make_recognizer(recognizer_settings)
    except RecognizerUnavailable as error:
        raise VoiceUnavailable(str(error)) from None
    echo = recognizer_settings.echo
    try:
        canceller, echo_line = devices.make_echo_canceller(echo, recognizer.sample_rate)
        path = None if canceller is None else EchoPath(canceller, echo.max_delay_s)
        listener = CommandListener(recognizer, phrases or load_command_phrases(), echo=path)
    except (RecognizerUnavailable, EchoCancellerUnavailable) as error:
        recognizer.close()
        raise VoiceUnavailable(str(error)) from None
    # The same block size as `voice-coach listen --input`: the same pipeline, the same decisions.
    block_ms = listener.block_samples * 1000 // listener.sample_rate
    microphone = devices.make_microphone(microphone_settings, listener.sample_rate, block_ms)
    try:
        microphone.__enter__()
    except MicrophoneUnavailable as error:
        recognizer.close()
        raise VoiceUnavailable(str(error)) from None
    control = VoiceControl(listener, microphone, loop, sample_clock)
    control.start()
    description = f"listening for commands with {recognizer.name}"
    if recognizer.name != "vosk":
        description += f" ({BETTER_ENGINE_HINT})"
    notice = dropped_phrases_notice(recognizer)
    if notice:
        description += f"; {notice}"
    return control, f"{description}; {echo_line}"
