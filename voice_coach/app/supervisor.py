"""Keeps a live workout's devices going: opens each with its fallback, switches to the
fallback when one fails mid-workout, and back when it returns.

No speaker means a wall clock (cues printed instead of heard; see output_keeper); no microphone
or recognizer means keyboard commands; a synthesizer failing mid-workout means printed replies
until the next one renders (speech_keeper). Each switch costs one line through `notice` and the
workout goes on. `check` runs about every 0.1 s in the main thread, whatever else happens.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from voice_coach.app.device_health import RecoveryTiming
from voice_coach.app.devices import Devices, Keyboard, LiveSpeech
from voice_coach.app.keyboard import KEY_HELP, KEY_HINT, KeyboardMode
from voice_coach.app.output_keeper import OutputKeeper
from voice_coach.app.speech_keeper import SpeechKeeper
from voice_coach.app.voice_control import VoiceControl
from voice_coach.app.voice_keeper import VoiceKeeper
from voice_coach.core.commands import Command
from voice_coach.core.effects import State
from voice_coach.recognition.phrases import CommandPhrases
from voice_coach.settings import (
    MicrophoneSettings,
    OutputSettings,
    RecognizerKind,
    RecognizerSettings,
)
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.output import Output

Notice = Callable[[str], None]


class Supervisor:
    """The output and the command inputs of one coach loop."""

    def __init__(self, devices: Devices, loop: CoachLoop, notice: Notice,
                 timing: RecoveryTiming | None = None,
                 sound_back: np.ndarray | None = None) -> None:
        self.devices = devices
        self.loop = loop
        self.notice = notice
        self.timing = timing or RecoveryTiming()
        self.speaker = OutputKeeper(devices, loop, notice, self.timing, sound_back)
        self.listening: VoiceKeeper | None = None
        self.speech: SpeechKeeper | None = None
        self.keyboard: Keyboard | None = None
        self.keyboard_mode = KeyboardMode.AUTO
        self.keys_hint = ""  # what the status line says of the keys, once keys act

    @property
    def voice(self) -> VoiceControl | None:
        """Voice control while it runs (None while its device is lost, or without it)."""
        return self.listening.voice if self.listening is not None else None

    @property
    def output(self) -> Output | None:
        """The output rendering now: the speaker, or the wall clock in its place."""
        return self.speaker.output

    def open_output(self, settings: OutputSettings) -> None:
        """The speaker, or the wall clock when it cannot open."""
        failure = self.speaker.open(settings)
        if failure is not None:
            self.notice(f"{failure}; cues will be printed and timing runs on the clock; "
                        f"trying the speaker again every {self.timing.retry_s:g} s")

    def open_inputs(
        self,
        recognizer: RecognizerSettings,
        microphone: MicrophoneSettings,
        phrases: CommandPhrases | None,
        keyboard: KeyboardMode,
        stdin_is_terminal: bool,
    ) -> None:
        """Voice control unless it is off or cannot start; the keyboard as `keyboard` says
        (keys on a terminal, lines from a pipe when asked or without voice control). Call
        after `open_output` (voice needs the stream clock)."""
        self.keyboard_mode = keyboard
        if recognizer.kind is not RecognizerKind.OFF:
            self._open_voice(recognizer, microphone, phrases)
        if keyboard.reads_stdin(stdin_is_terminal, self.voice is not None):
            self.open_keyboard()

    def watch_speech(self, speech: LiveSpeech) -> None:
        """Say when replies rendered mid-workout fail, and when they work again."""
        self.speech = SpeechKeeper(speech, self.loop, self.notice)

    def open_keyboard(self) -> None:
        loop = self.loop

        def is_paused() -> bool:
            return loop.status is not None and loop.status.state is State.PAUSED

        def submit(command: Command) -> None:
            loop.submit(command, "keyboard")
            if command is Command.HELP and self.keys_hint:
                self.notice(KEY_HELP)  # the coach says the spoken commands; these are the keys

        self.keyboard = self.devices.make_keyboard(
            submit, is_paused, lambda text: self.notice(f"unknown command {text!r}; {KEY_HELP}"))
        self.keyboard.start()
        if self.keyboard.interactive:
            self.notice(KEY_HELP)
            self.keys_hint = KEY_HINT

    def check(self) -> None:
        """Switch to the fallback of any device that failed since the last check, and back to
        any that returned."""
        self.speaker.check()
        if self.listening is not None:
            self.listening.check()
        if self.speech is not None:
            self.speech.check()

    def last_check(self) -> None:
        """At the end: report speech that failed or came back since the last check, so a
        reply at the very end is accounted for too."""
        if self.speech is not None:
            self.speech.check()

    def stop_inputs(self) -> None:
        if self.keyboard is not None:
            self.keyboard.stop()
        if self.listening is not None:
            self.listening.stop()
            self.listening = None

    def stop_output(self) -> None:
        self.speaker.stop()

    def _commands_without_voice(self) -> str:
        if self.keyboard_mode is KeyboardMode.OFF:
            return "no commands can be given (--no-keyboard); Ctrl-C ends the workout"
        return "use keyboard commands instead"

    def _keyboard_meanwhile(self) -> str:
        """Voice control was lost mid-workout: the keyboard takes over while it is retried."""
        if self.keyboard is None and self.keyboard_mode is not KeyboardMode.OFF:
            self.open_keyboard()
        if self.keyboard_mode is KeyboardMode.OFF:
            return "no commands can be given meanwhile (--no-keyboard)"
        return "use keyboard commands meanwhile"

    def _open_voice(
        self,
        recognizer: RecognizerSettings,
        microphone: MicrophoneSettings,
        phrases: CommandPhrases | None,
    ) -> None:
        from voice_coach.app.voice_setup import VoiceUnavailable, open_voice_control

        def open_voice() -> tuple[VoiceControl, str]:
            return open_voice_control(self.loop, self.devices, recognizer, microphone,
                                      self.speaker.stream_time_of, phrases)

        listening = VoiceKeeper(open_voice, self.loop, self.notice, self.timing,
                                self._keyboard_meanwhile)
        try:
            description = listening.open()
        except VoiceUnavailable as error:
            self.notice(f"{error}; {self._commands_without_voice()}")
            return
        self.listening = listening
        self.notice(description)
