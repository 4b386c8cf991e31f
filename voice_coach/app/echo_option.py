"""The `--aec` option, the same for `run`, `listen` and `doctor`."""

from __future__ import annotations

import argparse

from voice_coach.settings import EchoMode


def add_aec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--aec",
        choices=[mode.value for mode in EchoMode],
        default=EchoMode.OFF.value,
        help="cancel the coach's own sound from the microphone, so commands are heard while it "
        "talks (auto: when the canceller is installed; default off)",
    )
