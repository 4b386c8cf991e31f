"""A live workout: prepares speech, builds the coach loop, and runs it to the summary.

Each missing part costs one clear line and the workout goes on without it: no speech engine
means printed cues; the supervisor handles the speaker and the command inputs. The main thread
only pumps the coach loop's events (log, history, printed cues, status line); timing lives in
the audio output.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from voice_coach.app.device_health import RecoveryTiming
from voice_coach.app.devices import Devices, LiveSpeech, RealDevices
from voice_coach.app.event_pump import EventPump, Observer
from voice_coach.app.events_log import EventsLog
from voice_coach.app.keyboard import KeyboardMode
from voice_coach.app.output_keeper import SOUND_BACK
from voice_coach.app.status_line import StatusLine
from voice_coach.app.supervisor import Supervisor
from voice_coach.core import phrases
from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.effects import Finished
from voice_coach.core.engine import Session, estimate_speech_ms
from voice_coach.core.routine import Routine
from voice_coach.recognition.phrases import CommandPhrases
from voice_coach.settings import (
    MicrophoneSettings,
    OutputSettings,
    RecognizerSettings,
    SpeechSettings,
)
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.coach_mixer import SAMPLE_RATE, build_mixer
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.prepare import PreparedSpeech, prepare_speech


class Interrupted(Exception):
    """SIGTERM, treated like Ctrl-C: end cleanly and keep the log."""


@dataclass(frozen=True)
class RunOptions:
    """One live workout: what to run, and the settings each part receives whole."""

    routine: Routine
    """The routine to run."""
    start_variation: str | None = None
    """A variation id the first block starts with instead of its own."""
    keyboard: KeyboardMode = KeyboardMode.AUTO
    """When to read commands from stdin: keys on a terminal (auto), also lines from a pipe
    (on, --keyboard), or never (off, --no-keyboard)."""
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
    recovery: RecoveryTiming = field(default_factory=RecoveryTiming)
    """How fast a lost speaker or microphone is noticed and tried again."""


class LiveWorkout:
    """One session from prepared speech to the printed summary, on the devices `devices` makes
    (the supervisor keeps them going, the pump hands on what happens)."""

    def __init__(self, options: RunOptions, out: TextIO | None = None,
                 err: TextIO | None = None, catalog: Catalog | None = None,
                 observers: list[Observer] | None = None,
                 devices: Devices | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.catalog = catalog or load_catalog()
        self.observers = list(observers or [])
        self.devices = devices or RealDevices()
        self._sound_back: np.ndarray | None = None  # said when a lost speaker is back

    def notice(self, text: str) -> None:
        print(f"voice-coach: {text}", file=self.err, flush=True)

    def run(self) -> int:
        options = self.options
        speech, prepared = self._open_speech()
        loop = self._build_loop(speech, prepared)
        log = EventsLog(options.events_path) if options.events_path is not None else None
        supervisor = Supervisor(self.devices, loop, self.notice, options.recovery,
                                self._sound_back)
        supervisor.open_output(options.output)
        if speech is not None:
            supervisor.watch_speech(speech)
        supervisor.open_inputs(options.recognizer, options.microphone, options.command_phrases,
                               options.keyboard, _stdin_is_terminal())
        if log is not None:
            assert supervisor.output is not None
            log.header(routine=options.routine.name, output=supervisor.output.name,
                       speech=speech is not None, voice=supervisor.voice is not None,
                       keyboard=supervisor.keyboard is not None)
        status = StatusLine(self.err)
        pump = EventPump(loop, status, log, self.observers, keys_hint=lambda: supervisor.keys_hint)
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupted)
        try:
            pump.run_until_done(check=supervisor.check)
            supervisor.last_check()
            pump.drain(print_cues=True)
            code = 0
        except (KeyboardInterrupt, Interrupted):
            supervisor.stop_inputs()
            supervisor.stop_output()
            loop.interrupt()
            pump.drain(print_cues=False)
            status.clear()
            self.notice("interrupted; the session so far is saved")
            code = 130
        finally:
            signal.signal(signal.SIGTERM, previous_term)
            supervisor.stop_inputs()
            supervisor.stop_output()
            if speech is not None:
                speech.close()
            self._report_underruns(loop, supervisor.speaker.underflows, log)
            if log is not None:
                log.close()
        status.clear()
        self._print_summary(pump.finished)
        return code

    def _open_speech(self) -> tuple[LiveSpeech | None, PreparedSpeech | None]:
        """The speech engine with every phrase the workout needs rendered before it starts, so
        cues play on time; (None, None) with one line when it cannot run."""
        options = self.options
        speech: LiveSpeech | None = None
        try:
            speech = self.devices.make_speech(options.speech)
            prepared = prepare_speech(
                speech, options.routine, self.catalog, options.start_variation,
                replies=True, progress=self._show_progress)
            self._sound_back = speech.clip(SOUND_BACK)  # the app says it, not the engine
        except TtsUnavailable as error:
            self.notice(f"{error}; cues will be printed instead of spoken")
            if speech is not None:
                speech.close()
            return None, None
        finally:
            if self.err.isatty():
                self.err.write("\r\033[K")
        return speech, prepared

    def _show_progress(self, done: int, total: int) -> None:
        if self.err.isatty():
            self.err.write(f"\rpreparing speech {done}/{total}")
            self.err.flush()

    def _build_loop(self, speech: LiveSpeech | None, prepared: PreparedSpeech | None) -> CoachLoop:
        options = self.options
        speech_ms = prepared.duration_ms if prepared else estimate_speech_ms
        session = Session(options.routine, self.catalog, speech_ms, options.start_variation)
        mixer = build_mixer(SAMPLE_RATE)
        if speech is None or prepared is None:
            return CoachLoop(session, mixer, None)
        # Replies outside the prepared set are rendered on request in the cache's thread.
        return CoachLoop(session, mixer, prepared.lookup(speech.get_ready), speech.request)

    def _report_underruns(self, loop: CoachLoop, underruns: int, log: EventsLog | None) -> None:
        """Gaps in the sound are worth knowing about: a busy machine, or a too-small buffer."""
        if log is not None:
            ended_s = round(loop.mixer.position / loop.mixer.sample_rate, 3)
            log.footer(t=ended_s, underruns=underruns)
        if underruns:
            self.notice(f"the audio output ran dry {underruns} time(s), so the sound had short "
                        "gaps; close busy programs, or try another --output-device")

    def _print_summary(self, finished: Finished | None) -> None:
        if finished is None:
            return
        names = ", ".join(_counted(n, self.catalog.get(v).name)
                          for v, n in finished.reps_by_variation.items())
        print(f"{finished.reason.value}: {_counted(finished.sets_done, 'sets')}, "
              f"{_counted(finished.reps_done, 'reps')}{' (' + names + ')' if names else ''}",
              file=self.out, flush=True)


def _counted(n: int, plural: str) -> str:
    return f"{n} {phrases.noun_for(n, plural)}"


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except ValueError:  # a closed stdin
        return False
