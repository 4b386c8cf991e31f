"""`voice-coach listen`: print the voice commands heard in a recording or from the microphone."""

from __future__ import annotations

import argparse
import json
import sys

from voice_coach.recognition.audio_input import AudioFileError, read_wav_mono
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.listener import CommandListener, HeardCommand
from voice_coach.recognition.microphone import Microphone, MicrophoneUnavailable
from voice_coach.recognition.offline import listen_to_samples
from voice_coach.recognition.phrases import (
    CommandsFileError,
    dropped_phrases_notice,
    voice_command_phrases,
)
from voice_coach.recognition.select import open_recognizer
from voice_coach.settings import RecognizerKind, RecognizerSettings

READ_TIMEOUT_S = 2.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="print the voice commands heard in a WAV file or from the microphone",
        description="Recognize spoken commands with the same pipeline the live coach uses.",
    )
    parser.add_argument("--input", metavar="FILE.wav", help="a recording (default: microphone)")
    parser.add_argument(
        "--recognizer",
        # listening with no recognizer would hear nothing
        choices=[kind.value for kind in RecognizerKind if kind is not RecognizerKind.OFF],
        default=RecognizerKind.AUTO.value,
    )
    parser.add_argument("--model", metavar="PATH", help="a Vosk model folder")
    parser.add_argument("--input-device", metavar="DEV", help="microphone device name or index")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--commands",
        metavar="FILE.toml",
        help="your own command phrases, e.g. in your language "
        "(default: $VOICE_COACH_COMMANDS or the built-in English ones)",
    )
    parser.set_defaults(handler=run_listen)


def run_listen(args: argparse.Namespace) -> int:
    try:
        phrases = voice_command_phrases(args.commands)
        settings = RecognizerSettings(RecognizerKind(args.recognizer), args.model)
        recognizer = open_recognizer(settings)
        listener = CommandListener(recognizer, phrases)
        notice = dropped_phrases_notice(recognizer)
        if notice:
            print(f"voice-coach: {notice}", file=sys.stderr)
        if args.input:
            for heard in listen_to_samples(listener, read_wav_mono(args.input)):
                print_heard(heard, args.json)
            return 0
        return listen_to_microphone(listener, args.input_device, args.json)
    except (
        RecognizerUnavailable,
        AudioFileError,
        MicrophoneUnavailable,
        CommandsFileError,
    ) as error:
        print(f"voice-coach: {error}", file=sys.stderr)
        return 2


def listen_to_microphone(listener: CommandListener, device: str | None, as_json: bool) -> int:
    block_ms = round(1000 * listener.block_samples / listener.sample_rate)
    with Microphone(device, listener.sample_rate, block_ms) as microphone:
        print("listening; say a command (Ctrl-C to stop)", file=sys.stderr)
        samples_heard = 0
        while True:
            item = microphone.read(READ_TIMEOUT_S)
            if item is None:
                raise MicrophoneUnavailable(
                    "the microphone delivers no audio; check it is not muted"
                )
            block, _adc_time = item
            for heard in listener.push(block, samples_heard / listener.sample_rate):
                print_heard(heard, as_json)
            samples_heard += len(block)


def print_heard(heard: HeardCommand, as_json: bool) -> None:
    confidence = None if heard.confidence is None else round(heard.confidence, 2)
    if as_json:
        record = {
            "command": heard.command.value,
            "at": round(heard.at_s, 2),
            "text": heard.text,
            "confidence": confidence,
        }
        print(json.dumps(record), flush=True)
    else:
        shown = "" if confidence is None else f" {confidence:.2f}"
        print(f'{heard.at_s:7.2f}  {heard.command.value:<9}  "{heard.text}"{shown}', flush=True)
