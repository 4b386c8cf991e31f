"""The `voice-coach model install|status|path` subcommands: manage the Vosk speech model."""

from __future__ import annotations

import argparse
import os

from voice_coach.errors import UserError
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.model_download import StderrProgress
from voice_coach.recognition.model_layout import model_problem
from voice_coach.recognition.model_store import (
    DEFAULT_MODEL,
    MODEL_ENV,
    ModelInstallError,
    install_from_archive,
    install_from_url,
    model_status,
    models_dir,
    require_model,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "model",
        help="install or inspect the Vosk speech model",
        description="Install or inspect the Vosk speech model used for voice commands.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION")

    install = actions.add_parser(
        "install",
        help=f"download and install {DEFAULT_MODEL.name} (about 40 MB)",
        description=(
            f"Download {DEFAULT_MODEL.url}, check its size and SHA-256, and install it. "
            "Offline? Download the zip on another machine and use --from."
        ),
    )
    install.add_argument(
        "--from",
        dest="archive",
        metavar="FILE.zip",
        help="install from a model zip already on disk instead of downloading",
    )
    install.add_argument("--force", action="store_true", help="replace an installed model")
    install.set_defaults(handler=run_install)

    status = actions.add_parser("status", help="show which models are installed and usable")
    status.add_argument("--model", metavar="PATH", help="also check this model folder")
    status.set_defaults(handler=run_status)

    path = actions.add_parser("path", help="print the folder of the model that would be used")
    path.add_argument("--model", metavar="PATH", help="check this model folder first")
    path.set_defaults(handler=run_path)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _env_note() -> str:
    override = os.environ.get(MODEL_ENV)
    return f" (note: ${MODEL_ENV}={override} takes precedence)" if override else ""


def run_install(args: argparse.Namespace) -> int:
    try:
        if args.archive:
            target = install_from_archive(args.archive, replace=args.force)
        else:
            existing = models_dir() / DEFAULT_MODEL.name
            if not args.force and model_problem(existing) is None:
                print(f"Vosk model already installed at {existing} (--force reinstalls it)")
                return 0
            progress = StderrProgress(f"Downloading {DEFAULT_MODEL.name}")
            target = install_from_url(
                DEFAULT_MODEL.url, DEFAULT_MODEL.sha256, DEFAULT_MODEL.size, progress
            )
    except ModelInstallError as error:
        raise UserError(str(error)) from None
    print(f"Installed Vosk model {target.name} at {target}{_env_note()}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = model_status(args.model)
    chosen = status.chosen
    print(f"Models folder: {status.models_dir}")
    if not status.candidates:
        print("  nothing installed")
    for candidate in status.candidates:
        verdict = "usable" if candidate.usable else f"unusable: {candidate.problem}"
        mark = "  <- in use" if candidate is chosen and candidate.usable else ""
        print(f"  {candidate.source}: {candidate.path} ({verdict}){mark}")
    if chosen is None or not chosen.usable:
        print("No usable Vosk model; run `voice-coach model install`")
        return 1
    return 0


def run_path(args: argparse.Namespace) -> int:
    try:
        print(require_model(args.model))
    except RecognizerUnavailable as error:
        raise UserError(str(error)) from None
    return 0
