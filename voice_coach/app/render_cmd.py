"""`voice-coach render`: a whole routine as one audio file, as the live coach would play it."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TextIO

from voice_coach.core.catalog import load_catalog
from voice_coach.errors import UserError
from voice_coach.routines.files import RoutineError
from voice_coach.routines.library import find_routine
from voice_coach.routines.render import SAMPLE_RATE, render_session
from voice_coach.routines.render_export import ExportError, Tags, check_can_export, export
from voice_coach.routines.render_music import MusicError, load_music, mix_under, music_bed
from voice_coach.routines.render_timeline import chapters, write_timeline
from voice_coach.settings import SpeechSettings
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.cache import SpeechCache
from voice_coach.speech.prepare import prepare_speech
from voice_coach.speech.synth import Pyttsx3Synth

BAR_WIDTH = 30
REDRAW_S = 0.1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    render = subparsers.add_parser(
        "render",
        help="render a routine to one audio file (mp3, wav, ogg, m4a)",
        description="Render the session the live coach would run, with no pauses or commands, "
        "to one audio file.",
    )
    render.add_argument(
        "routine", metavar="ROUTINE", help="a built-in or saved routine name, or a FILE.toml"
    )
    render.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the audio file to write: .mp3, .wav, .ogg or .m4a",
    )
    render.add_argument(
        "--music",
        type=Path,
        metavar="FILE",
        help="a track to play under the coach (looped, ducked under speech)",
    )
    render.add_argument("--voice", metavar="VOICE", help="TTS voice id (see 'voice-coach doctor')")
    render.add_argument("--rate", type=int, default=165, metavar="WPM", help="speaking rate")
    render.add_argument(
        "--timeline",
        type=Path,
        metavar="FILE.json",
        help="also write every cue and click with its time",
    )
    render.add_argument(
        "--variation",
        metavar="ID",
        help="start the first block with this variation (see 'voice-coach list')",
    )
    render.set_defaults(handler=render_command)


def render_command(args: argparse.Namespace, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    catalog = load_catalog()
    try:
        routine = find_routine(args.routine, catalog)
        check_can_export(args.output)
    except (RoutineError, ExportError) as error:
        raise UserError(str(error)) from None
    if args.variation is not None and args.variation not in catalog.ids:
        raise UserError(
            f"unknown variation {args.variation!r}; choose one of: " + ", ".join(catalog.ids)
        )
    try:
        music = load_music(args.music, SAMPLE_RATE) if args.music is not None else None
    except MusicError as error:
        raise UserError(str(error)) from None
    speech = make_speech(SpeechSettings(args.voice, args.rate))
    bar = ProgressBar(err)
    try:
        prepared = prepare_speech(
            speech, routine, catalog, args.variation,
            progress=lambda done, total: bar.show("speech", done / total),
        )
        rendered = render_session(
            routine, prepared, catalog, args.variation, SAMPLE_RATE, progress=bar.show
        )
    except TtsUnavailable as error:
        raise UserError(f"{error}; render needs speech") from None
    finally:
        bar.clear()
        speech.close()
        speech.synth.close()
    audio = rendered.audio
    if music is not None:
        audio = mix_under(
            audio, music_bed(music, audio.size, rendered.speech_intervals(), SAMPLE_RATE)
        )
    tags = Tags(title=routine.name, comment=routine.description)
    try:
        export(args.output, audio, SAMPLE_RATE, tags, chapters(rendered, catalog))
    except ExportError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"cannot write {args.output}: {error.strerror or error}") from None
    if args.timeline is not None:
        try:
            write_timeline(args.timeline, rendered)
        except OSError as error:
            raise UserError(f"cannot write {args.timeline}: {error.strerror or error}") from None
    minutes, seconds = divmod(round(rendered.duration_s), 60)
    print(f"wrote {args.output} ({minutes}:{seconds:02d})", file=err)
    return 0


def _open_speech(settings: SpeechSettings) -> SpeechCache:
    try:
        return SpeechCache(Pyttsx3Synth.from_settings(settings, SAMPLE_RATE))
    except TtsUnavailable as error:
        raise UserError(
            f"{error}; render needs speech: install espeak-ng "
            "(apt-get install espeak-ng) or pick another --voice"
        ) from None


# The speech `render` says its cues with; a corpus script that needs the same audio every run
# replaces it (pyttsx3's espeak does not give the same clip twice, see make_barge_in_corpus).
make_speech: Callable[[SpeechSettings], SpeechCache] = _open_speech


class ProgressBar:
    """A one-line bar on a terminal (nothing when stderr is not a terminal)."""

    LABELS: ClassVar[dict[str, str]] = {"speech": "preparing speech", "render": "rendering"}

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.enabled = out.isatty()
        self._last = 0.0

    def show(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < REDRAW_S and fraction < 1.0):
            return
        self._last = now
        filled = round(BAR_WIDTH * fraction)
        label = self.LABELS.get(stage, stage)
        self.out.write(
            f"\r{label:<16} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * fraction:3.0f}%"
        )
        self.out.flush()

    def clear(self) -> None:
        if self.enabled:
            self.out.write("\r\033[K")
            self.out.flush()
