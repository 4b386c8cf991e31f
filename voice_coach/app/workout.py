"""A live workout: builds the coach from whatever devices work and runs it to the end.

Each missing part costs one clear line and the workout goes on without it: no speech engine
means printed cues, no speaker means a wall clock, no microphone or recognizer means keyboard
commands. The main thread only drains the coach loop's events (log, history, printed cues,
status line); timing lives in the audio output.
"""

from __future__ import annotations

import queue
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from voice_coach.app.events_log import EventsLog
from voice_coach.app.keyboard import KEY_HELP, KeyboardCommands
from voice_coach.app.status_line import StatusLine
from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.effects import Finished, Say, State
from voice_coach.core.engine import Session, estimate_speech_ms
from voice_coach.core.routine import Routine
from voice_coach.recognition.phrases import CommandPhrases
from voice_coach.settings import (
    MicrophoneSettings,
    OutputSettings,
    RecognizerKind,
    RecognizerSettings,
    SpeechSettings,
)
from voice_coach.sound.coach_loop import CoachLoop, Heard, LoopEvent, SpeechLate
from voice_coach.sound.coach_mixer import SAMPLE_RATE, build_mixer
from voice_coach.sound.output import Output, OutputUnavailable, SpeakerOutput, WallClockOutput
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.prepare import PreparedSpeech, prepare_speech

EVENT_WAIT_S = 0.1


class Interrupted(Exception):
    """SIGTERM, treated like Ctrl-C: end cleanly and keep the log."""


@dataclass(frozen=True)
class RunOptions:
    """One live workout: what to run, and the settings each part receives whole."""

    routine: Routine
    """The routine to run."""
    start_variation: str | None = None
    """A variation id the first block starts with instead of its own."""
    keyboard: bool = False
    """Take commands from the terminal even when voice control works."""
    events_path: Path | None = None
    """Where to write every cue, click and command as JSON lines; None: nowhere."""
    command_phrases: CommandPhrases | None = None
    """What to listen for; None: the packaged English phrases."""
    output: OutputSettings = field(default_factory=OutputSettings)
    """The speaker."""
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    """The speech synthesizer."""
    microphone: MicrophoneSettings = field(default_factory=MicrophoneSettings)
    """The microphone for voice commands."""
    recognizer: RecognizerSettings = field(default_factory=RecognizerSettings)
    """The recognizer for voice commands (kind OFF: keyboard only)."""


class LiveWorkout:
    """Assembles the coach (speech, mixer, output, inputs) and runs one session."""

    def __init__(self, options: RunOptions, out: TextIO | None = None,
                 err: TextIO | None = None, catalog: Catalog | None = None,
                 observers: list[Callable[[LoopEvent], None]] | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.catalog = catalog or load_catalog()
        self.observers = list(observers or [])
        self.speech: Any = None
        self.prepared: PreparedSpeech | None = None
        self.output: Output | None = None
        self.keyboard: KeyboardCommands | None = None
        self.voice: Any = None
        self.log: EventsLog | None = None
        self.finished: Finished | None = None
        self._last_command = ""

    def notice(self, text: str) -> None:
        print(f"voice-coach: {text}", file=self.err, flush=True)

    # ----- assembly ---------------------------------------------------------------

    def _open_speech(self) -> None:
        try:
            from voice_coach.speech.cache import SpeechCache
            from voice_coach.speech.synth import Pyttsx3Synth

            self.speech = SpeechCache(Pyttsx3Synth.from_settings(self.options.speech, SAMPLE_RATE))
        except TtsUnavailable as error:
            self.notice(f"{error}; cues will be printed instead of spoken")
            self.speech = None

    def _prepare_speech(self) -> None:
        """Render every phrase the workout needs before it starts, so cues play on time."""
        options = self.options
        try:
            self.prepared = prepare_speech(
                self.speech, options.routine, self.catalog, options.start_variation,
                replies=True, progress=self._show_progress)
        except TtsUnavailable as error:
            self.notice(f"{error}; cues will be printed instead of spoken")
            self.speech.close()
            self.speech = None
        if self.err.isatty():
            self.err.write("\r\033[K")

    def _show_progress(self, done: int, total: int) -> None:
        if self.err.isatty():
            self.err.write(f"\rpreparing speech {done}/{total}")
            self.err.flush()

    def _open_output(self, loop: CoachLoop) -> None:
        speaker = SpeakerOutput(loop.render_block, SAMPLE_RATE, self.options.output)
        try:
            speaker.start()
            self.output = speaker
        except OutputUnavailable as error:
            self.notice(f"{error}; cues will be printed and timing runs on the clock")
            self.output = WallClockOutput(loop.render_block, SAMPLE_RATE)
            self.output.start()

    def _open_voice(self, loop: CoachLoop) -> bool:
        if self.options.recognizer.kind is RecognizerKind.OFF:
            return False
        from voice_coach.app.voice_setup import VoiceUnavailable, open_voice_control

        speaker = self.output if isinstance(self.output, SpeakerOutput) else None
        sample_clock = speaker.stream_time_of if speaker else (lambda sample: None)
        try:
            self.voice, description = open_voice_control(
                loop, self.options.recognizer, self.options.microphone, sample_clock,
                self.options.command_phrases)
        except VoiceUnavailable as error:
            self.notice(f"{error}; use keyboard commands instead")
            return False
        self.notice(description)
        return True

    def _build_loop(self) -> CoachLoop:
        options = self.options
        prepared = self.prepared
        speech_ms = prepared.duration_ms if prepared else estimate_speech_ms
        session = Session(options.routine, self.catalog, speech_ms, options.start_variation)
        mixer = build_mixer(SAMPLE_RATE)
        if self.speech is None or prepared is None:
            return CoachLoop(session, mixer, None)
        # Replies outside the prepared set are rendered on request in the cache's thread.
        return CoachLoop(session, mixer, prepared.lookup(self.speech.get_ready),
                         self.speech.request)

    # ----- running ---------------------------------------------------------------

    def run(self) -> int:
        options = self.options
        self._open_speech()
        if self.speech is not None:
            self._prepare_speech()
        loop = self._build_loop()
        if options.events_path is not None:
            self.log = EventsLog(options.events_path)
        self._open_output(loop)
        listening = self._open_voice(loop)
        if options.keyboard or not listening:
            self._open_keyboard(loop)
        if self.log is not None:
            self.log.header(routine=options.routine.name, output=self.output.name,
                            speech=self.speech is not None, voice=listening,
                            keyboard=self.keyboard is not None)
        status = StatusLine(self.err)
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupted)
        try:
            self._drain_until_done(loop, status)
            self._drain(loop, status, print_cues=True)
            code = 0
        except (KeyboardInterrupt, Interrupted):
            self._stop_inputs()
            if self.output is not None:
                self.output.stop()
            loop.interrupt()
            self._drain(loop, status, print_cues=False)
            status.clear()
            self.notice("interrupted; the session so far is saved")
            code = 130
        finally:
            signal.signal(signal.SIGTERM, previous_term)
            self._stop_inputs()
            if self.output is not None:
                self.output.stop()
            if self.speech is not None:
                self.speech.close()
            self._report_underruns(loop)
            if self.log is not None:
                self.log.close()
        status.clear()
        self._print_summary()
        return code

    def _report_underruns(self, loop: CoachLoop) -> None:
        """Gaps in the sound are worth knowing about: a busy machine, or a too-small buffer."""
        underruns = self.output.underflows if isinstance(self.output, SpeakerOutput) else 0
        if self.log is not None:
            ended_s = round(loop.mixer.position / loop.mixer.sample_rate, 3)
            self.log.footer(t=ended_s, underruns=underruns)
        if underruns:
            self.notice(f"the audio output ran dry {underruns} time(s), so the sound had short "
                        "gaps; close busy programs, or try another --output-device")

    def _open_keyboard(self, loop: CoachLoop) -> None:
        def is_paused() -> bool:
            return loop.status is not None and loop.status.state is State.PAUSED

        self.keyboard = KeyboardCommands(
            lambda command: loop.submit(command, "keyboard"), is_paused,
            on_unknown=lambda text: self.notice(f"unknown command {text!r}; {KEY_HELP}"))
        self.keyboard.start()
        if self.keyboard.interactive:
            self.notice(KEY_HELP)

    def _stop_inputs(self) -> None:
        if self.keyboard is not None:
            self.keyboard.stop()
        if self.voice is not None:
            self.voice.stop()
            self.voice = None

    def _drain_until_done(self, loop: CoachLoop, status: StatusLine) -> None:
        while not loop.done:
            try:
                event = loop.outbox.get(timeout=EVENT_WAIT_S)
            except queue.Empty:
                self._check_devices(loop)
                status.show(loop.status, self._last_command)
                continue
            self._handle(event, status, print_cues=True)
            self._drain(loop, status, print_cues=True)
            status.show(loop.status, self._last_command)

    def _check_devices(self, loop: CoachLoop) -> None:
        output = self.output
        if output is not None and output.error is not None:
            # The speaker went away mid-workout: keep going on the clock with printed cues.
            self.notice(f"audio output failed ({output.error}); cues will be printed and "
                        "timing runs on the clock")
            output.stop()
            self.output = WallClockOutput(loop.render_block, SAMPLE_RATE)
            self.output.start()
        if self.voice is not None and self.voice.error is not None:
            self.notice(f"voice control stopped ({self.voice.error}); use keyboard commands")
            self.voice.stop()
            self.voice = None
            if self.keyboard is None:
                self._open_keyboard(loop)

    def _drain(self, loop: CoachLoop, status: StatusLine, print_cues: bool) -> None:
        while True:
            try:
                event = loop.outbox.get_nowait()
            except queue.Empty:
                return
            self._handle(event, status, print_cues)

    def _handle(self, event: LoopEvent, status: StatusLine, print_cues: bool) -> None:
        if self.log is not None:
            self.log.write(event)
        for observer in self.observers:
            observer(event)
        if isinstance(event, Say) and print_cues:
            status.print_line(f"  {event.text}")
        elif isinstance(event, SpeechLate):
            status.print_line(f"  (late) {event.text}")
        elif isinstance(event, Heard):
            self._last_command = f"{event.command} ({event.source})"
        elif isinstance(event, Finished):
            self.finished = event

    def _print_summary(self) -> None:
        finished = self.finished
        if finished is None:
            return
        names = ", ".join(f"{n} {self.catalog.get(v).name}"
                          for v, n in finished.reps_by_variation.items())
        print(f"{finished.reason.value}: {finished.sets_done} sets, {finished.reps_done} reps"
              f"{' (' + names + ')' if names else ''}", file=self.out, flush=True)


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted
