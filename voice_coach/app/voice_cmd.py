"""The `voice-coach voice enroll|test|status|forget` subcommands: the person's own takes.

`enroll` records three takes of each command's first phrase (see app/enrollment.py) and keeps
them in the data folder; the command net (what `--recognizer auto` takes unless a Vosk model or
a --commands file says otherwise, or `--recognizer net`) then also matches what it hears
against them (recognition/take_matcher.py). `test` listens with that recognizer for a while
and says, per command, how often it heard it; `status` says whether takes are kept, `forget`
removes them.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from voice_coach.app.devices import Devices, RealDevices
from voice_coach.app.enrollment import Enrollment
from voice_coach.app.listen_cmd import block_ms, heard_from_microphone
from voice_coach.core.commands import Command
from voice_coach.errors import UserError
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.microphone import MicrophoneUnavailable
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.voice_takes import (
    TAKES_PER_PHRASE,
    forget_takes,
    load_take_windows,
    save_takes,
    takes_folder,
)
from voice_coach.settings import (
    MicrophoneSettings,
    OutputSettings,
    RecognizerKind,
    RecognizerSettings,
    SpeechSettings,
)

make_devices: type[Devices] = RealDevices  # replaced by tests


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "voice", help="teach the coach your voice (enroll, test, status, forget)",
        description="Teach the command recognizer your own voice: say each command three "
                    "times, hands-free. Used by the command net (--recognizer auto or net).")
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="voice_action", metavar="ACTION")
    enroll = actions.add_parser("enroll", help="say each command back three times")
    enroll.add_argument("--input-device", metavar="DEV", help="microphone name or index")
    enroll.add_argument("--output-device", "-d", metavar="DEV", help="speaker name or index")
    enroll.add_argument("--voice", metavar="VOICE", help="TTS voice id of the prompts")
    enroll.add_argument("--rate", type=int, default=165, metavar="WPM", help="speaking rate")
    enroll.set_defaults(handler=run_enroll)
    test = actions.add_parser("test", help="say commands for a while; see what was heard")
    test.add_argument("--input-device", metavar="DEV", help="microphone name or index")
    test.add_argument("--seconds", type=float, default=60.0, help="how long to listen (60)")
    test.set_defaults(handler=run_test)
    actions.add_parser("status", help="whether a voice is enrolled").set_defaults(
        handler=run_status)
    actions.add_parser("forget", help="remove your takes").set_defaults(handler=run_forget)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _device(text: str | None) -> str | int | None:
    return int(text) if text is not None and text.isdigit() else text


def enrolled_line() -> str:
    """One line on the takes kept (for `doctor` and `voice status`); raises
    RecognizerUnavailable when they are damaged."""
    windows = load_take_windows(takes_folder())
    if not windows:
        return "voice: not enrolled (voice-coach voice enroll teaches the coach your voice)"
    takes = sum(len(w) for w in windows.values())
    return f"voice: enrolled, {takes} takes of {len(windows)} commands in {takes_folder()}"


def run_enroll(args: argparse.Namespace) -> int:
    phrases = [listed[0] for listed in load_command_phrases().values()]
    enrollment = Enrollment(
        make_devices(),
        SpeechSettings(voice=args.voice, rate_wpm=args.rate),
        OutputSettings(device=_device(args.output_device)),
        MicrophoneSettings(device=_device(args.input_device)),
        sys.stdout,
    )
    try:
        takes = enrollment.run(phrases)
    except MicrophoneUnavailable as error:
        raise UserError(f"{error}; enrollment needs a microphone") from None
    complete = [p for p, kept in takes.items() if len(kept) == TAKES_PER_PHRASE]
    if not complete:
        raise UserError("no command got its three takes; nothing was kept")
    kept = save_takes(takes_folder(), {p: takes[p] for p in complete})
    print(f"voice-coach: kept {len(kept)} takes of {len(complete)} of {len(phrases)} commands "
          f"in {takes_folder()}")
    return 0


def run_test(args: argparse.Namespace) -> int:
    devices = make_devices()
    phrases = load_command_phrases()
    try:
        recognizer = devices.make_recognizer(RecognizerSettings(RecognizerKind.NET))
    except RecognizerUnavailable as error:
        raise UserError(str(error)) from None
    listener = CommandListener(recognizer, phrases)
    heard: Counter[Command] = Counter()
    settings = MicrophoneSettings(_device(args.input_device))
    try:
        with devices.make_microphone(settings, listener.sample_rate,
                                     block_ms(listener)) as microphone:
            print(f"listening for {args.seconds:.0f} s: say each command a few times")
            for command in heard_from_microphone(listener, microphone, args.seconds):
                print(f"{command.at_s:7.2f}  {command.command.spoken}", flush=True)
                heard[command.command] += 1
    except MicrophoneUnavailable as error:
        raise UserError(str(error)) from None
    finally:
        recognizer.close()
    for command in phrases:
        times = heard[command]
        print(f"  {command.spoken:<14} " + (f"heard {times} time{'s' * (times != 1)}"
                                           if times else "not heard"))
    return 0


def run_status(_args: argparse.Namespace) -> int:
    try:
        print(enrolled_line())
    except RecognizerUnavailable as error:
        raise UserError(str(error)) from None
    return 0


def run_forget(_args: argparse.Namespace) -> int:
    if forget_takes(takes_folder()):
        print(f"voice-coach: your takes are removed from {takes_folder()}")
    else:
        print("voice-coach: no takes were kept")
    return 0
