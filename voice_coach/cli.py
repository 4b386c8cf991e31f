"""The `voice-coach` command line: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from voice_coach.errors import UserError

# Each module registers one or more subcommands with `add_parser(subparsers)`.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "voice_coach.app.run_cmd",
    "voice_coach.app.list_cmd",
    "voice_coach.app.devices_cmd",
    "voice_coach.app.doctor_cmd",
    "voice_coach.app.listen_cmd",
    "voice_coach.app.model_cmd",
    "voice_coach.app.voice_cmd",
    "voice_coach.app.routine_cmd",
    "voice_coach.app.history_cmd",
    "voice_coach.app.render_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-coach",
        description="Offline, hands-free, voice-guided leg-lift coach.",
    )
    subparsers = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except UserError as error:
        print(f"voice-coach: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nvoice-coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0
