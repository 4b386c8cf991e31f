"""Keeps a live workout's devices going: opens each with its fallback, and switches to the
fallback when one fails mid-workout.

No speaker means a wall clock (cues printed instead of heard); no microphone or recognizer means
keyboard commands. Each switch costs one line through `notice` and the workout goes on. This is
where recovering a device that comes back belongs.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.app.devices import Devices, Keyboard
from voice_coach.app.keyboard import KEY_HELP, KEY_HINT, KeyboardMode
from voice_coach.app.voice_control import VoiceControl
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
from voice_coach.sound.coach_mixer import SAMPLE_RATE
from voice_coach.sound.output import Output, OutputUnavailable, WallClockOutput

Notice = Callable[[str], None]


class Supervisor:
    """The output and the command inputs of one coach loop."""

    def __init__(self, devices: Devices, loop: CoachLoop, notice: Notice) -> None:
        self.devices = devices
        self.loop = loop
        self.notice = notice
        self.output: Output | None = None
        self.voice: VoiceControl | None = None
        self.keyboard: Keyboard | None = None
        self.keyboard_mode = KeyboardMode.AUTO
        self.keys_hint = ""  # what the status line says of the keys, once keys act

    def open_output(self, settings: OutputSettings) -> None:
        """The speaker, or the wall clock when it cannot open."""
        speaker = self.devices.make_output(self.loop.render_block, settings)
        try:
            speaker.start()
            self.output = speaker
        except OutputUnavailable as error:
            self.notice(f"{error}; cues will be printed and timing runs on the clock")
            self._start_wall_clock()

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
        """Switch to the fallback of any device that failed since the last check."""
        output = self.output
        if output is not None and output.error is not None:
            # The speaker went away mid-workout: keep going on the clock with printed cues.
            self.notice(f"audio output failed ({output.error}); cues will be printed and "
                        "timing runs on the clock")
            output.stop()
            self._start_wall_clock()
        if self.voice is not None and self.voice.error is not None:
            self.notice(f"voice control stopped ({self.voice.error}); "
                        f"{self._commands_without_voice()}")
            self.voice.stop()
            self.voice = None
            if self.keyboard is None and self.keyboard_mode is not KeyboardMode.OFF:
                self.open_keyboard()

    def stop_inputs(self) -> None:
        if self.keyboard is not None:
            self.keyboard.stop()
        if self.voice is not None:
            self.voice.stop()
            self.voice = None

    def stop_output(self) -> None:
        if self.output is not None:
            self.output.stop()

    def _commands_without_voice(self) -> str:
        if self.keyboard_mode is KeyboardMode.OFF:
            return "no commands can be given (--no-keyboard); Ctrl-C ends the workout"
        return "use keyboard commands instead"

    def _start_wall_clock(self) -> None:
        self.output = WallClockOutput(self.loop.render_block, SAMPLE_RATE)
        self.output.start()

    def _open_voice(
        self,
        recognizer: RecognizerSettings,
        microphone: MicrophoneSettings,
        phrases: CommandPhrases | None,
    ) -> None:
        from voice_coach.app.voice_setup import VoiceUnavailable, open_voice_control

        output = self.output
        sample_clock = output.stream_time_of if output is not None else (lambda sample: None)
        try:
            self.voice, description = open_voice_control(
                self.loop, self.devices, recognizer, microphone, sample_clock, phrases)
        except VoiceUnavailable as error:
            self.notice(f"{error}; {self._commands_without_voice()}")
            return
        self.notice(description)
