"""`voice-coach doctor`: what works on this machine (output, speech, microphone, recognizer,
echo cancellation) and how to fix what does not."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from voice_coach.app.echo_option import add_aec_argument
from voice_coach.sound.portaudio import has_device, load_sounddevice, no_device_line

Check = Callable[[argparse.Namespace], str]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check audio output, speech, microphone, "
                                   "recognizer")
    parser.add_argument("--output-device", "-d", metavar="DEV")
    parser.add_argument("--input-device", metavar="DEV")
    parser.add_argument("--model", metavar="PATH", help="a Vosk model folder to check")
    add_aec_argument(parser)
    parser.set_defaults(handler=run_doctor)


def _device(text: str | None) -> int | str | None:
    return int(text) if text and text.isdigit() else text


def check_output(args: argparse.Namespace) -> str:
    sd = load_sounddevice()
    if args.output_device is None and not has_device(sd, "output"):
        raise RuntimeError(no_device_line("output"))
    info = sd.query_devices(_device(args.output_device), "output")
    sd.check_output_settings(_device(args.output_device), channels=1, samplerate=48000,
                             dtype="float32")
    return f"output device: {info['name']}"


def check_speech(args: argparse.Namespace) -> str:
    from voice_coach.speech.synth import Pyttsx3Synth

    with Pyttsx3Synth() as synth:
        clip = synth.synthesize("Ready.")
        return f"speech: {synth.engine_name}, voice {synth.voice}, {len(clip) / 48000:.2f} s test"


def check_microphone(args: argparse.Namespace) -> str:
    from voice_coach.recognition.microphone import Microphone

    with Microphone(_device(args.input_device)) as mic:
        block = mic.read(timeout=2.0)
    if block is None:
        raise RuntimeError("the microphone opened but sent no audio in 2 s")
    return "microphone: receiving audio"


def check_recognizer(args: argparse.Namespace) -> str:
    from voice_coach.recognition.model_store import find_model
    from voice_coach.recognition.select import open_recognizer
    from voice_coach.settings import RecognizerSettings

    recognizer = open_recognizer(RecognizerSettings(model=args.model))
    try:
        if recognizer.name == "vosk":
            return f"recognizer: vosk, model {find_model(args.model)}"
        return (f"recognizer: {recognizer.name} (bundled); for better accuracy install a "
                "Vosk model: voice-coach model install")
    finally:
        recognizer.close()


def check_voice(_args: argparse.Namespace) -> str:
    from voice_coach.app.voice_cmd import enrolled_line

    return enrolled_line()


def check_echo(args: argparse.Namespace) -> str:
    from voice_coach.recognition.echo_canceller import open_echo_canceller
    from voice_coach.settings import EchoMode

    mode = EchoMode(args.aec)
    canceller, line = open_echo_canceller(mode)
    if canceller is None and mode is EchoMode.AUTO:
        raise RuntimeError(line)
    return line


FIXES = {
    "output device": "list devices with 'voice-coach devices', pick one with --output-device; "
                     "on Debian: apt-get install libportaudio2 pulseaudio",
    "speech": "apt-get install espeak-ng (pyttsx3 speaks through it); without it cues are printed",
    "microphone": "plug in a microphone or pick one with --input-device; without it the keys "
                  "still work on a terminal",
    "recognizer": "pip install pocketsphinx, or install a Vosk model: voice-coach model install",
    "voice": "voice-coach voice enroll records your takes again",
    "echo cancellation": "pip install livekit (WebRTC's echo canceller); without it commands "
                         "said while the coach talks are not heard",
}


def run_doctor(args: argparse.Namespace) -> int:
    checks: list[tuple[str, Check]] = [
        ("output device", check_output),
        ("speech", check_speech),
        ("microphone", check_microphone),
        ("recognizer", check_recognizer),
        ("echo cancellation", check_echo),
        ("voice", check_voice),
    ]
    failures = 0
    for name, check in checks:
        try:
            print(f"ok   {check(args)}")
        except Exception as error:  # every failure is reported the same way: what, and the fix
            failures += 1
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(
                error).__name__
            print(f"FAIL {name}: {reason}\n     fix: {FIXES[name]}")
    print("all good" if not failures else f"{failures} problem(s); the workout still runs "
          "without them (printed cues, keyboard commands)")
    return 0 if not failures else 1
