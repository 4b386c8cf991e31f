"""`voice-coach render`: the rendered file checked sample by sample against its own timeline."""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice_coach.cli import main
from voice_coach.settings import MixerSettings, SpeechSettings
from voice_coach.sound.assets import load_sound
from voice_coach.speech.cache import SpeechCache
from voice_coach.speech.pcm import read_wav
from voice_coach.speech.synth import Pyttsx3Synth

ROUTINE_TOML = """\
name = "render-test"
description = "Two tiny blocks; a test routine."

[[block]]
variation = "standard"
sets = 1
reps = 2
rest_after = 5

[[block]]
variation = "heel-taps"
sets = 1
reps = 2
"""
RATE = 48000
CLICK_JUMP = 0.25  # a click's first sample jumps this much above the sample before it


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the routine file; speech is cached inside it for the whole module."""
    folder = tmp_path_factory.mktemp("render")
    (folder / "routine.toml").write_text(ROUTINE_TOML, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        yield folder


def render(work: Path, name: str, *extra: str) -> tuple[np.ndarray, dict]:
    output = work / f"{name}.wav"
    timeline = work / f"{name}.json"
    code = main(
        [
            "render",
            str(work / "routine.toml"),
            "-o",
            str(output),
            "--timeline",
            str(timeline),
            *extra,
        ]
    )
    assert code == 0
    audio, rate = read_wav(output)
    assert rate == RATE
    return audio, json.loads(timeline.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plain(work: Path) -> tuple[np.ndarray, dict]:
    return render(work, "plain")


def events(timeline: dict, kind: str) -> list[dict]:
    return [e for e in timeline["events"] if e["type"] == kind]


def busy_ranges(timeline: dict) -> list[tuple[int, int]]:
    """Sample ranges where something other than a click sounds (speech, chimes, earcons)."""
    ranges = [
        (round(e["start"] * RATE), round(e["end"] * RATE))
        for e in events(timeline, "say")
        if e["start"] is not None
    ]
    for sound in events(timeline, "sound"):
        ranges.append((sound["sample"], sound["sample"] + load_sound(sound["name"]).size))
    return ranges


def inside(sample: int, ranges: list[tuple[int, int]], margin: int = 0) -> bool:
    return any(start - margin <= sample < end + margin for start, end in ranges)


def test_file_length_matches_the_timeline(plain: tuple[np.ndarray, dict]) -> None:
    audio, timeline = plain
    assert timeline["routine"] == "render-test"
    assert timeline["sample_rate"] == RATE
    assert audio.size == timeline["samples"] == round(timeline["duration_s"] * RATE)
    last_event = max(e["sample"] for e in timeline["events"])
    assert last_event < audio.size
    assert [f["reason"] for f in events(timeline, "finished")] == ["finished"]


def timeline_mixed(timeline: dict, size: int) -> np.ndarray:
    """The file the timeline describes, mixed here from the cached clips and shipped sounds:
    each cue's clip from its start, each sound and click from its sample, clicks ducked where
    speech sounds."""
    settings = MixerSettings()
    speech, clicks, others = (np.zeros(size, np.float32) for _ in range(3))
    speaking = np.zeros(size, bool)
    with Pyttsx3Synth.from_settings(SpeechSettings(), RATE) as synth:
        cache = SpeechCache(synth)  # the render's cache: every clip is read, none rendered
        for say in (e for e in events(timeline, "say") if e["start"] is not None):
            start, end = round(say["start"] * RATE), round(say["end"] * RATE)
            clip = cache.clip(say["text"])
            assert end - start == clip.size, f"cut or stretched: {say}"
            speech[start:end] += clip * settings.speech_gain
            speaking[start:end] = True
        assert cache.renders == 0
    for sound in events(timeline, "sound"):
        samples = load_sound(sound["name"])[: size - sound["sample"]]
        others[sound["sample"] : sound["sample"] + samples.size] += samples
    for click in events(timeline, "click"):
        samples = load_sound("accent" if click["accent"] else "click")[: size - click["sample"]]
        clicks[click["sample"] : click["sample"] + samples.size] += samples * settings.click_gain
    clicks[speaking] *= settings.duck_gain
    return np.clip(speech + clicks + others, -1.0, 1.0)


def test_every_click_starts_on_its_exact_sample(plain: tuple[np.ndarray, dict]) -> None:
    audio, timeline = plain
    clicks = events(timeline, "click")
    assert sum(c["accent"] for c in clicks) == 2 + 2  # every lift of the 2 x 2 reps
    assert len(clicks) >= 4 + 2 * 3 + 4  # the count-ins and at least one more beat a rep
    assert all(c["sample"] == round(c["t"] * RATE) for c in clicks)
    # Sample by sample, the file is its timeline mixed: a click one sample off, or not ducked
    # under speech, differs by far more than the 16-bit file's rounding. (A click's own step
    # cannot show this under speech: the voice itself moves up to 0.2 between two samples.)
    difference = np.abs(audio - timeline_mixed(timeline, audio.size))
    worst = int(np.argmax(difference))
    assert difference[worst] < 1e-4, f"{difference[worst]:.4f} off at {worst / RATE:.3f} s"
    # Where nothing else sounds, every sharp onset in the file is a click of the timeline.
    speech = busy_ranges(timeline)
    onsets = np.flatnonzero(np.diff(audio) > CLICK_JUMP) + 1
    clear = {int(s) for s in onsets if not inside(int(s), speech, margin=48)}
    expected = {c["sample"] for c in clicks if not inside(c["sample"], speech, margin=48)}
    assert clear == expected and expected


def test_speech_sounds_where_the_timeline_says_and_nowhere_else(
    plain: tuple[np.ndarray, dict],
) -> None:
    audio, timeline = plain
    says = events(timeline, "say")
    assert says[0]["text"].startswith("Welcome")
    assert "render-test" in says[0]["text"]
    for say in says:
        assert say["start"] is not None, f"dropped: {say}"
        assert say["start"] >= say["t"]
        start, end = round(say["start"] * RATE), round(say["end"] * RATE)
        rms = float(np.sqrt(np.mean(audio[start:end] ** 2)))
        assert rms > 0.01, say
    spans = sorted(
        busy_ranges(timeline)
        + [
            (c["sample"], c["sample"] + load_sound("accent").size)
            for c in events(timeline, "click")
        ]
    )
    gaps, covered = [], 0
    for start, end in spans:
        if start - covered > RATE // 2:
            gaps.append((covered, start))
        covered = max(covered, end)
    assert gaps, "a rest should leave silence"
    for start, end in gaps:
        assert np.max(np.abs(audio[start:end])) < 1e-3, (start / RATE, end / RATE)


def test_rest_between_blocks_is_in_the_timeline(plain: tuple[np.ndarray, dict]) -> None:
    _, timeline = plain
    states = [e["state"] for e in events(timeline, "state")]
    assert states.count("intro") == 2 and states[-1] == "finished"
    rest = next(e for e in events(timeline, "state") if e["state"] == "rest")
    intro = [e for e in events(timeline, "state") if e["state"] == "intro"][1]
    assert intro["t"] - rest["t"] == pytest.approx(5.0, abs=0.001)


def write_sine_wav(path: Path, seconds: float = 3.0, rate: int = 44100) -> None:
    """A stereo 16-bit sine: the bed must be made mono, resampled and looped."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(tone, 2).tobytes())


def test_music_is_ducked_about_12_db_under_speech(
    work: Path,
    plain: tuple[np.ndarray, dict],
) -> None:
    from voice_coach.routines.render_music import ATTACK_MS, FADE_OUT_MS, RELEASE_MS

    music = work / "sine.wav"
    write_sine_wav(music)
    with_music, timeline = render(work, "music", "--music", str(music))
    coach, plain_timeline = plain
    assert timeline["samples"] == plain_timeline["samples"]
    bed = with_music - coach  # the same session renders the same samples
    speech = [(round(e["start"] * RATE), round(e["end"] * RATE)) for e in events(timeline, "say")]
    guard = (max(ATTACK_MS, RELEASE_MS) + 20) * RATE // 1000
    ducked, near = np.zeros(bed.size, bool), np.zeros(bed.size, bool)
    for start, end in speech:
        ducked[start:end] = True
        near[max(0, start - guard) : end + guard] = True
    fades = np.zeros(bed.size, bool)
    fades[: FADE_OUT_MS * RATE // 1000] = fades[-FADE_OUT_MS * RATE // 1000 :] = True
    under, clear = ducked & ~fades, ~near & ~fades
    assert under.sum() > RATE and clear.sum() > RATE
    level_under = np.sqrt(np.mean(bed[under] ** 2))
    level_clear = np.sqrt(np.mean(bed[clear] ** 2))
    assert 20 * np.log10(level_under / level_clear) == pytest.approx(-12.0, abs=0.5)
    assert 20 * np.log10(level_clear) == pytest.approx(-26.0, abs=1.0)  # the bed's level
    assert np.max(np.abs(bed[:48])) < 0.01, "the bed fades in"


def ffmpeg_tools() -> bool:
    from shutil import which

    return which("ffmpeg") is not None and which("ffprobe") is not None


def id3_frames(data: bytes) -> dict[str, list[bytes]]:
    """The frames of an ID3v2.4 tag at the start of a file (ids -> bodies)."""
    assert data[:4] == b"ID3\x04"
    size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames: dict[str, list[bytes]] = {}
    position = 10
    while position + 10 <= 10 + size and data[position] != 0:
        frame_id = data[position : position + 4].decode("ascii")
        length = sum(
            (b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[position + 4 : position + 8])
        )
        frames.setdefault(frame_id, []).append(data[position + 10 : position + 10 + length])
        position += 10 + length
    return frames


@pytest.mark.skipif(not ffmpeg_tools(), reason="needs ffmpeg and ffprobe")
def test_mp3_has_id3_tags_and_a_chapter_per_block(
    work: Path,
    plain: tuple[np.ndarray, dict],
) -> None:
    import subprocess

    _, timeline = plain
    output = work / "workout.mp3"
    assert main(["render", str(work / "routine.toml"), "-o", str(output)]) == 0
    probe = json.loads(
        subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-of",
                "json",
                "-show_format",
                "-show_chapters",
                str(output),
            ],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    tags = probe["format"]["tags"]
    assert tags["title"] == "render-test"
    assert tags["artist"] == "voice-coach"
    assert tags["album"] == "voice-coach workouts"
    assert tags["comment"] == "Two tiny blocks; a test routine."
    assert float(probe["format"]["duration"]) == pytest.approx(timeline["duration_s"], abs=0.1)
    intros = [e["t"] for e in events(timeline, "state") if e["state"] == "intro"]
    chapters = probe["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [
        "Block 1: Lying leg lifts",
        "Block 2: Bent-knee heel taps",
    ]
    assert [float(c["start_time"]) for c in chapters] == pytest.approx(intros, abs=0.001)
    assert float(chapters[-1]["end_time"]) == pytest.approx(timeline["duration_s"], abs=0.001)
    frames = id3_frames(output.read_bytes())
    assert len(frames["CHAP"]) == 2 and len(frames["CTOC"]) == 1
    assert frames["COMM"] == [b"\x03eng\x00Two tiny blocks; a test routine."]


@pytest.mark.skipif(not ffmpeg_tools(), reason="needs ffmpeg and ffprobe")
@pytest.mark.parametrize("suffix", [".ogg", ".m4a"])
def test_ogg_and_m4a_decode_to_the_workout_length(
    work: Path,
    plain: tuple[np.ndarray, dict],
    suffix: str,
) -> None:
    import subprocess

    output = work / f"workout{suffix}"
    assert main(["render", str(work / "routine.toml"), "-o", str(output)]) == 0
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(output)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    assert float(probe["format"]["duration"]) == pytest.approx(plain[1]["duration_s"], abs=0.1)
    stream_tags = {k.lower(): v for k, v in probe["streams"][0].get("tags", {}).items()}
    format_tags = {k.lower(): v for k, v in probe["format"].get("tags", {}).items()}
    assert {**stream_tags, **format_tags}["title"] == "render-test"


def test_missing_ffmpeg_is_one_clear_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pydub import AudioSegment

    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg (nor anything else) on it
    monkeypatch.setattr(AudioSegment, "converter", "ffmpeg")
    output = tmp_path / "workout.mp3"
    assert main(["render", "beginner", "-o", str(output)]) == 2
    assert capsys.readouterr().err == (
        "voice-coach: exporting .mp3 needs ffmpeg: apt-get install ffmpeg (or use -o FILE.wav)\n"
    )
    assert not output.exists()


def test_missing_ffmpeg_still_writes_wav_and_reads_wav_music(
    work: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    plain: tuple[np.ndarray, dict],
) -> None:
    from pydub import AudioSegment

    music = tmp_path / "sine.wav"
    write_sine_wav(music)
    monkeypatch.setenv("PATH", str(tmp_path))  # the speech worker runs sys.executable
    monkeypatch.setattr(AudioSegment, "converter", str(tmp_path / "ffmpeg"))
    output = tmp_path / "workout.wav"
    assert (
        main(["render", str(work / "routine.toml"), "-o", str(output), "--music", str(music)]) == 0
    )
    audio, _ = read_wav(output)
    assert audio.size == plain[1]["samples"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "no-such-routine", "-o", "x.wav"], "voice-coach: no routine named 'no-such-"),
        (
            ["render", "beginner", "-o", "x.flac"],
            "voice-coach: cannot write '.flac'; give -o a file ending in one of: .wav, .mp3, .ogg, "
            ".m4a",
        ),
        (
            ["render", "beginner", "-o", "x.wav", "--variation", "nope"],
            "voice-coach: unknown variation 'nope'",
        ),
        (
            ["render", "beginner", "-o", "x.wav", "--music", "no-such.mp3"],
            "voice-coach: no music file no-such.mp3",
        ),
    ],
)
def test_mistakes_are_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err
    assert not (tmp_path / "x.wav").exists()


def test_no_speech_engine_says_render_needs_speech(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["render", "beginner", "-o", "x.wav", "--voice", "xx-nonexistent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voice-coach: TTS voice 'xx-nonexistent' is not installed")
    assert "render needs speech" in err and err.count("\n") == 1
    assert not (tmp_path / "x.wav").exists()


def test_broken_routine_file_is_its_one_line_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "broken"\n[[block]]\nvariation = "standard"\nsets = 0\n')
    assert main(["render", str(broken), "-o", str(tmp_path / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voice-coach: ") and "broken.toml" in err and err.count("\n") == 1


def test_the_advanced_timeline_shows_its_cautions(work: Path) -> None:
    from voice_coach.core.catalog import load_catalog

    catalog = load_catalog()
    timeline = work / "advanced.json"
    assert main(["render", "advanced", "-o", str(work / "advanced.wav"),
                 "--timeline", str(timeline)]) == 0
    said = [e["text"] for e in events(json.loads(timeline.read_text("utf-8")), "say")]
    for caution in catalog.cautions_for("hover") + catalog.cautions_for("hanging"):
        assert said.count(caution.text) == 1, caution.id
    (work / "advanced.wav").unlink()
