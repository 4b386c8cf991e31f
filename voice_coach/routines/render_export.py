"""Writes a rendered workout to a file: WAV with the stdlib, MP3/OGG/M4A through pydub and ffmpeg.

WAV never needs ffmpeg. The others get tags and one chapter per block (ffmpeg reads the
chapters from an ffmetadata file; for MP3 it writes ID3v2 CHAP and CTOC frames). ffmpeg stores
a comment as a TXXX frame, which most players ignore, so MP3 gets a real COMM frame afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_coach.routines.render_timeline import Chapter
from voice_coach.speech.pcm import to_int16

WAV_CHUNK = 1 << 20  # samples converted to int16 at a time


@dataclass(frozen=True)
class OutputFormat:
    ffmpeg_format: str | None  # None: written without ffmpeg
    codec: str | None = None
    bitrate: str | None = None


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    ".wav": OutputFormat(None),
    ".mp3": OutputFormat("mp3", "libmp3lame", "96k"),
    ".ogg": OutputFormat("ogg", "libvorbis", "96k"),
    ".m4a": OutputFormat("ipod", "aac", "96k"),
}


class ExportError(Exception):
    """The file cannot be written as asked; the message is one line saying how to fix it."""


@dataclass(frozen=True)
class Tags:
    title: str
    comment: str
    artist: str = "voice-coach"
    album: str = "voice-coach workouts"


def output_format(path: Path) -> OutputFormat:
    """The format for `path` by its extension; ExportError for one we cannot write."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        given = f"'{suffix}'" if suffix else "no extension"
        raise ExportError(
            f"cannot write {given}; give -o a file ending in one of: " + ", ".join(OUTPUT_FORMATS)
        )
    return OUTPUT_FORMATS[suffix]


def ffmpeg_command() -> str | None:
    """The converter pydub will run, if it is installed."""
    from pydub import AudioSegment

    return shutil.which(AudioSegment.converter)


def check_can_export(path: Path) -> None:
    """Fail early (before rendering) when `path` cannot be written on this machine."""
    if output_format(path).ffmpeg_format is not None and ffmpeg_command() is None:
        raise ExportError(
            f"exporting {Path(path).suffix.lower()} needs ffmpeg: "
            "apt-get install ffmpeg (or use -o FILE.wav)"
        )


def export(
    path: Path, audio: np.ndarray, sample_rate: int, tags: Tags, chapters: list[Chapter]
) -> None:
    """Write `audio` (float32 mono) to `path` in the format its extension names."""
    path = Path(path)
    fmt = output_format(path)
    check_can_export(path)
    with _replacing(path) as temp:
        if fmt.ffmpeg_format is None:
            write_wav(temp, audio, sample_rate)
        else:
            _export_with_ffmpeg(temp, audio, sample_rate, fmt, tags, chapters)
            if fmt.ffmpeg_format == "mp3" and tags.comment:
                add_id3_comment(temp, tags.comment)


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Mono 16-bit WAV with the stdlib, converted in chunks to keep memory flat."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        for first in range(0, audio.size, WAV_CHUNK):
            wav.writeframes(to_int16(audio[first : first + WAV_CHUNK]).tobytes())


def pcm16(audio: np.ndarray) -> np.ndarray:
    """`audio` as int16, converted in chunks to keep memory flat."""
    pcm = np.empty(audio.size, "<i2")
    for first in range(0, audio.size, WAV_CHUNK):
        pcm[first : first + WAV_CHUNK] = to_int16(audio[first : first + WAV_CHUNK])
    return pcm


def ffmetadata(chapters: list[Chapter]) -> str:
    """An ffmpeg metadata file holding the chapters (times in milliseconds)."""
    lines = [";FFMETADATA1"]
    for chapter in chapters:
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={chapter.start_ms}",
            f"END={chapter.end_ms}",
            f"title={_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value


def _export_with_ffmpeg(
    path: Path,
    audio: np.ndarray,
    sample_rate: int,
    fmt: OutputFormat,
    tags: Tags,
    chapters: list[Chapter],
) -> None:
    from pydub import AudioSegment
    from pydub.exceptions import CouldntEncodeError

    segment = AudioSegment(
        data=pcm16(audio).tobytes(), sample_width=2, frame_rate=sample_rate, channels=1
    )
    with tempfile.TemporaryDirectory(prefix="voice-coach-render-") as folder:
        metadata = Path(folder) / "chapters.txt"
        metadata.write_text(ffmetadata(chapters), encoding="utf-8")
        # pydub puts `parameters` after its own input: a second input carries the chapters,
        # and the codec and bitrate come after it so they apply to the output.
        parameters = [
            "-f",
            "ffmetadata",
            "-i",
            str(metadata),
            "-map",
            "0:a",
            "-map_metadata",
            "1",
            "-map_chapters",
            "1",
        ]
        if fmt.codec:
            parameters += ["-c:a", fmt.codec]
        if fmt.bitrate:
            parameters += ["-b:a", fmt.bitrate]
        metadata_tags = {"title": tags.title, "artist": tags.artist, "album": tags.album}
        if fmt.ffmpeg_format != "mp3":
            metadata_tags["comment"] = tags.comment
        try:
            segment.export(
                str(path),
                format=fmt.ffmpeg_format,
                parameters=parameters,
                tags=metadata_tags,
                id3v2_version="4",
            ).close()
        except CouldntEncodeError as error:
            last = str(error).strip().splitlines()[-1] if str(error).strip() else "no output"
            raise ExportError(f"ffmpeg could not write {path.suffix}: {last}") from None


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file next to `path` that replaces it only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# ----- ID3 comment ------------------------------------------------------------------------


def add_id3_comment(path: Path, text: str, language: str = "eng") -> None:
    """Insert an ID3v2.4 COMM frame (UTF-8, empty description) at the front of the file's tag.

    Only a plain tag (no unsynchronisation, extended header or footer), as ffmpeg writes it."""
    data = Path(path).read_bytes()
    if data[:4] != b"ID3\x04" or data[5] != 0:
        raise ExportError(f"{path} has no plain ID3v2.4 tag to add a comment to")
    body = b"\x03" + language.encode("ascii")[:3] + b"\x00" + text.encode("utf-8")
    frame = b"COMM" + _syncsafe_encode(len(body)) + b"\x00\x00" + body
    tag_size = _syncsafe_decode(data[6:10]) + len(frame)
    Path(path).write_bytes(data[:6] + _syncsafe_encode(tag_size) + frame + data[10:])


def _syncsafe_decode(raw: bytes) -> int:
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
    return value


def _syncsafe_encode(value: int) -> bytes:
    if value >= 1 << 28:
        raise ExportError("ID3 tag too large")
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))
