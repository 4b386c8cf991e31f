"""`voice-coach devices`: the audio devices sounddevice sees, marking the defaults."""

from __future__ import annotations

import argparse

from voice_coach.errors import UserError
from voice_coach.sound.portaudio import load_sounddevice


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("devices", help="list audio input and output devices")
    parser.set_defaults(handler=show_devices)


def show_devices(args: argparse.Namespace) -> int:
    try:
        sd = load_sounddevice()
    except OSError as error:
        raise UserError(f"PortAudio is missing ({error}); install libportaudio2") from None
    devices = sd.query_devices()
    default_in, default_out = sd.default.device
    if not len(devices):
        print("no audio devices found")
        return 1
    for index, device in enumerate(devices):
        marks = ("<" if index == default_in else " ") + (">" if index == default_out else " ")
        print(f"{marks} {index:>2} {device['name']} "
              f"({device['max_input_channels']} in, {device['max_output_channels']} out)")
    print("< default input, > default output; pick others with --input-device / --output-device")
    return 0
