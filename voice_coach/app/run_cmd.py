"""`voice-coach run`: choose the routine and options, then run a live workout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_coach.app.echo_option import add_aec_argument
from voice_coach.app.keyboard import KeyboardMode
from voice_coach.app.session_history import RunHistory
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.errors import UserError
from voice_coach.recognition.phrases import CommandsFileError, voice_command_phrases
from voice_coach.routines.files import RoutineError, RoutineFileError
from voice_coach.routines.library import FoundRoutine, find_again, locate_routine
from voice_coach.routines.source import RoutineSource
from voice_coach.settings import (
    EchoMode,
    EchoSettings,
    MicrophoneSettings,
    OutputSettings,
    RecognizerKind,
    RecognizerSettings,
    SpeechSettings,
)

DEFAULT_ROUTINE = "beginner"


def device_arg(text: str) -> int | str:
    """A device index or a (part of a) device name, as sounddevice accepts."""
    return int(text) if text.isdigit() else text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="run a workout (voice, keyboard, metronome)")
    run.add_argument("routine_file", nargs="?", metavar="FILE.toml",
                     help="a routine file to run (see 'voice-coach routine new')")
    run.add_argument("--routine", metavar="NAME",
                     help="a built-in or saved routine by name (see 'voice-coach list')")
    run.add_argument("--variation", metavar="ID",
                     help="start the first block with this variation (see 'voice-coach list')")
    keys = run.add_mutually_exclusive_group()
    keys.add_argument("--keyboard", dest="keyboard", action="store_const",
                      const=KeyboardMode.ON, default=KeyboardMode.AUTO,
                      help="also take commands from a pipe, a word per line (on a terminal "
                      "keys act anyway: space pause/resume, q stop, ? help)")
    keys.add_argument("--no-keyboard", dest="keyboard", action="store_const",
                      const=KeyboardMode.OFF, help="never read keys or lines from stdin")
    run.add_argument("--output-device", "-d", type=device_arg, metavar="DEV",
                     help="output device index or name (see 'voice-coach devices')")
    run.add_argument("--input-device", type=device_arg, metavar="DEV",
                     help="microphone device index or name")
    run.add_argument("--events", type=Path, metavar="FILE.jsonl",
                     help="write every cue, click and command as JSON lines")
    run.add_argument("--recognizer", choices=[kind.value for kind in RecognizerKind],
                     default=RecognizerKind.AUTO.value,
                     help="speech recognizer for voice commands")
    run.add_argument("--model", metavar="PATH", help="a Vosk model folder")
    add_aec_argument(run)
    run.add_argument("--commands", metavar="FILE.toml",
                     help="your own command phrases, e.g. in your language "
                     "(default: $VOICE_COACH_COMMANDS or the built-in English ones)")
    run.add_argument("--voice", metavar="VOICE", help="TTS voice id (see 'voice-coach doctor')")
    run.add_argument("--rate", type=int, default=165, metavar="WPM", help="speaking rate")
    run.set_defaults(handler=run_workout)


def why_unusable(last: RoutineSource, error: RoutineError) -> str:
    """Why the last session's routine cannot be run again, in a few words."""
    missing_file = last.path is not None and not last.path.exists()
    if missing_file or not isinstance(error, RoutineFileError):
        return "is gone"
    return f"no longer loads ({error})"


def choose_routine(
    args: argparse.Namespace, last: RoutineSource | None, catalog: Catalog
) -> FoundRoutine:
    """The routine asked for; with none, the last session's (said in one line when it cannot
    be had any more), else the default."""
    asked = args.routine_file or args.routine
    if asked:
        try:
            return locate_routine(asked, catalog)
        except RoutineError as error:
            raise UserError(str(error)) from None
    if last is not None:
        try:
            return FoundRoutine(find_again(last, catalog), last)
        except RoutineError as error:
            print(
                f"voice-coach: last routine {last.describe()} {why_unusable(last, error)}; "
                f"starting {DEFAULT_ROUTINE}",
                file=sys.stderr,
            )
    return locate_routine(DEFAULT_ROUTINE, catalog)


def run_workout(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if args.routine_file and args.routine:
        raise UserError("give either a routine FILE.toml or --routine NAME, not both")
    if args.variation is not None and args.variation not in catalog.ids:
        raise UserError(f"unknown variation {args.variation!r}; choose one of: "
                        + ", ".join(catalog.ids))
    try:
        command_phrases = voice_command_phrases(args.commands)
    except CommandsFileError as error:
        raise UserError(str(error)) from None
    history = RunHistory()
    try:
        found = choose_routine(args, history.last_routine(), catalog)
        routine, start_variation = found.routine, args.variation
        if start_variation is None:
            plan = history.plan(found, catalog)
            routine, start_variation = plan.routine, plan.start_variation
        options = RunOptions(
            routine=routine,
            start_variation=start_variation,
            keyboard=args.keyboard,
            events_path=args.events,
            command_phrases=command_phrases,
            output=OutputSettings(args.output_device),
            speech=SpeechSettings(args.voice, args.rate),
            microphone=MicrophoneSettings(args.input_device),
            recognizer=RecognizerSettings(RecognizerKind(args.recognizer), args.model,
                                          echo=EchoSettings(EchoMode(args.aec)),
                                          custom_phrases=args.commands is not None),
        )
        history.begin(routine.name, found.source)
        return LiveWorkout(options, catalog=catalog, observers=[history]).run()
    finally:
        history.close()
