"""`voice-coach listen`: print the voice commands heard in a recording or from the microphone."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voice_coach.app.devices import MicrophoneInput
from voice_coach.app.echo_option import add_aec_argument
from voice_coach.app.voice_control import as_heard
from voice_coach.recognition.audio_input import AudioFileError, read_wav_mono
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.echo_canceller import EchoCancellerUnavailable, open_echo_canceller
from voice_coach.recognition.echo_path import EchoPath, align_recordings
from voice_coach.recognition.listener import CommandListener, HeardCommand
from voice_coach.recognition.microphone import Microphone, MicrophoneUnavailable
from voice_coach.recognition.offline import listen_to_samples
from voice_coach.recognition.phrases import (
    CommandsFileError,
    dropped_phrases_notice,
    voice_command_phrases,
)
from voice_coach.recognition.played_audio import (
    CoachInterval,
    PlayedAudioError,
    intervals_from_loudness,
    intervals_from_timeline,
)
from voice_coach.recognition.select import open_recognizer
from voice_coach.settings import EchoMode, EchoSettings, RecognizerKind, RecognizerSettings

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
        "--reference",
        type=Path,
        metavar="PLAYED.wav",
        help="with --input: what the coach played meanwhile (a 'voice-coach render' file), "
        "cancelled from the recording as the live coach does",
    )
    parser.add_argument(
        "--timeline",
        type=Path,
        metavar="FILE.json",
        help="with --reference: its 'render --timeline' file, so the coach's own command "
        "words are told from yours",
    )
    add_aec_argument(parser)
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
        settings = RecognizerSettings(RecognizerKind(args.recognizer), args.model,
                                      custom_phrases=args.commands is not None)
        recognizer = open_recognizer(settings)
        listener = CommandListener(recognizer, phrases)
        notice = dropped_phrases_notice(recognizer)
        if notice:
            print(f"voice-coach: {notice}", file=sys.stderr)
        if args.input:
            samples = read_wav_mono(args.input)
            reference, coach_audio = None, []
            if args.reference is not None:
                reference, coach_audio = _attach_reference(listener, args, samples)
            for heard in listen_to_samples(listener, samples, reference=reference,
                                           coach_audio=coach_audio):
                print_heard(heard, args.json)
            return 0
        if args.reference is not None:
            raise AudioFileError("--reference needs --input (a recording to compare it with)")
        return listen_to_microphone(listener, args.input_device, args.json)
    except (
        RecognizerUnavailable,
        AudioFileError,
        MicrophoneUnavailable,
        CommandsFileError,
        EchoCancellerUnavailable,
        PlayedAudioError,
    ) as error:
        print(f"voice-coach: {error}", file=sys.stderr)
        return 2


def _attach_reference(
    listener: CommandListener, args: argparse.Namespace, samples: np.ndarray
) -> tuple[np.ndarray | None, list[CoachInterval]]:
    """The reference on the recording's axis (None with --aec off: the gate alone), and the
    coach's sounds on it; gives the listener its echo path, as the live loop has."""
    settings = EchoSettings(EchoMode(args.aec))
    played = read_wav_mono(args.reference, listener.sample_rate)
    rate = listener.sample_rate
    aligned, offset = align_recordings(samples, played, rate, settings.offline_max_delay_s)
    if args.timeline is not None:
        intervals = intervals_from_timeline(args.timeline)
    else:
        intervals = intervals_from_loudness(played, rate)
    shift = offset / rate
    coach_audio = [as_heard(start + shift, end + shift, kind, text)
                   for start, end, kind, text in intervals]
    canceller, line = open_echo_canceller(settings.mode, rate)
    print(f"voice-coach: {line}; reference {shift:+.3f} s from the recording", file=sys.stderr)
    if canceller is None:
        return None, coach_audio
    listener.echo = EchoPath(canceller, settings.max_delay_s)
    return aligned, coach_audio


def block_ms(listener: CommandListener) -> int:
    """The microphone block length the listener decides on, in milliseconds."""
    return round(1000 * listener.block_samples / listener.sample_rate)


def heard_from_microphone(
    listener: CommandListener, microphone: MicrophoneInput, seconds: float | None = None
) -> Iterator[HeardCommand]:
    """The commands `listener` accepts from `microphone`'s blocks, for `seconds` of audio (or
    until interrupted); a microphone that goes quiet raises MicrophoneUnavailable."""
    samples_heard = 0
    while seconds is None or samples_heard < seconds * listener.sample_rate:
        item = microphone.read(READ_TIMEOUT_S)
        if item is None:
            raise MicrophoneUnavailable("the microphone delivers no audio; check it is not muted")
        block, _adc_time = item
        yield from listener.push(block, samples_heard / listener.sample_rate)
        samples_heard += len(block)


def listen_to_microphone(listener: CommandListener, device: str | None, as_json: bool) -> int:
    with Microphone(device, listener.sample_rate, block_ms(listener)) as microphone:
        print("listening; say a command (Ctrl-C to stop)", file=sys.stderr)
        for heard in heard_from_microphone(listener, microphone):
            print_heard(heard, as_json)
    return 0


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
