"""`voice-coach run`: choose the routine and options, then run a live workout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_coach.app.session_history import HistoryObserver, plan_start
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core.catalog import load_catalog
from voice_coach.errors import UserError
from voice_coach.history.store import HistoryError, HistoryStore
from voice_coach.recognition.phrases import CommandsFileError, voice_command_phrases
from voice_coach.routines.files import RoutineError
from voice_coach.routines.library import find_routine
from voice_coach.settings import (
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
    run.add_argument("--keyboard", action="store_true",
                     help="take commands from the terminal: a key each, or a word per line")
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
    run.add_argument("--commands", metavar="FILE.toml",
                     help="your own command phrases, e.g. in your language "
                     "(default: $VOICE_COACH_COMMANDS or the built-in English ones)")
    run.add_argument("--voice", metavar="VOICE", help="TTS voice id (see 'voice-coach doctor')")
    run.add_argument("--rate", type=int, default=165, metavar="WPM", help="speaking rate")
    run.set_defaults(handler=run_workout)


def open_history() -> HistoryStore | None:
    try:
        return HistoryStore()
    except HistoryError as error:
        print(f"voice-coach: {error}; this session will not be saved", file=sys.stderr)
        return None


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
    store = open_history()
    # With no routine named, continue the routine of the last session.
    last = store.last_routine() if store else None
    name = args.routine_file or args.routine or last or DEFAULT_ROUTINE
    try:
        routine = find_routine(name, catalog)
    except RoutineError as error:
        if name is last and not (args.routine_file or args.routine):
            routine = find_routine(DEFAULT_ROUTINE, catalog)
        else:
            raise UserError(str(error)) from None
    start_variation = args.variation
    if store is not None and start_variation is None:
        plan = plan_start(store, routine, catalog)
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
        recognizer=RecognizerSettings(RecognizerKind(args.recognizer), args.model),
    )
    history = HistoryObserver(store, routine.name) if store is not None else None
    try:
        return LiveWorkout(options, catalog=catalog,
                           observers=[history] if history else []).run()
    finally:
        if history is not None:
            history.close()
        if store is not None:
            store.close()
