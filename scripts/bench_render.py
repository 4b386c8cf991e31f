"""Benchmark `voice-coach render`: a 20-minute routine to WAV, cold and warm, against naive pydub.

    python scripts/bench_render.py [--baseline-budget 20] [--full-baseline]

Cold: an empty speech cache (every phrase synthesized). Warm: the same cache on disk, a fresh
process state (clips read from disk). Each reports speech preparation, the coach loop (the
live code: `CoachLoop.render_block` over the mixer, block by block), the WAV write, and the
real-time factor (audio seconds per wall second).

Baseline, measured in the same run: the naive way to build the same file with pydub, one
`AudioSegment.overlay` of each click, sound and cue onto a silent segment of the workout's
length (no ducking, millisecond positions), then pydub's WAV export. Each overlay copies the
whole segment, so it is timed on as many events as fit in `--baseline-budget` seconds and
extrapolated per event (say so; `--full-baseline` runs it all).

Music: the numpy ducking envelope against pydub slicing (`apply_gain` on each spoken
stretch, re-joined), timed the same way.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from voice_coach.core.catalog import load_catalog
from voice_coach.core.effects import Click, Say, Sound
from voice_coach.core.routine import Block, Routine
from voice_coach.routines.render import SAMPLE_RATE, RenderedSession, render_session
from voice_coach.routines.render_export import write_wav
from voice_coach.routines.render_music import DUCK_DB, load_music, music_bed
from voice_coach.settings import SpeechSettings
from voice_coach.sound.assets import load_sound
from voice_coach.speech.cache import SpeechCache
from voice_coach.speech.pcm import to_int16
from voice_coach.speech.prepare import prepare_speech
from voice_coach.speech.synth import Pyttsx3Synth

BENCH_ROUTINE = Routine(
    "bench-20",
    "Twenty minutes for the render benchmark.",
    (
        Block("standard", sets=3, reps=10, rest_s=40),
        Block("t-arms", sets=3, reps=10, rest_s=40),
        Block("slow-tempo", sets=2, reps=8, rest_s=45),
        Block("heel-taps", sets=2, reps=10, rest_s=30),
    ),
)


def render_once(cache_dir: Path, out: Path) -> tuple[RenderedSession, dict[str, float]]:
    catalog = load_catalog()
    times: dict[str, float] = {}
    started = time.perf_counter()
    synth = Pyttsx3Synth.from_settings(SpeechSettings(), SAMPLE_RATE)
    speech = SpeechCache(synth, cache_dir)
    prepared = prepare_speech(speech, BENCH_ROUTINE, catalog)
    times["speech"] = time.perf_counter() - started
    mark = time.perf_counter()
    rendered = render_session(BENCH_ROUTINE, prepared, catalog)
    times["loop"] = time.perf_counter() - mark
    mark = time.perf_counter()
    write_wav(out, rendered.audio, SAMPLE_RATE)
    times["wav"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    times["renders"] = speech.renders
    synth.close()
    return rendered, times


def report(label: str, rendered: RenderedSession, times: dict[str, float]) -> None:
    audio_s = rendered.duration_s
    print(
        f"{label:5} total {times['total']:6.2f} s  (speech {times['speech']:5.2f} s, "
        f"{int(times['renders'])} synthesized; loop {times['loop']:5.2f} s; "
        f"wav {times['wav']:4.2f} s)  RT factor {audio_s / times['total']:6.0f}x  "
        f"loop alone {audio_s / times['loop']:6.0f}x"
    )


def segment(samples: np.ndarray) -> AudioSegment:
    return AudioSegment(
        data=to_int16(samples).tobytes(), sample_width=2, frame_rate=SAMPLE_RATE, channels=1
    )


def naive_overlay(
    rendered: RenderedSession, speech: SpeechCache, out: Path, budget_s: float | None
) -> tuple[float, int, int]:
    """Seconds it took (or would take, extrapolated), events done, events in total."""
    started = time.perf_counter()
    base = AudioSegment.silent(duration=round(1000 * rendered.duration_s), frame_rate=SAMPLE_RATE)
    clips = {
        "click": segment(load_sound("click")),
        "accent": segment(load_sound("accent")),
        **{name: segment(load_sound(name)) for name in ("chime", "earcon", "done")},
    }
    placements = iter(rendered.speech)
    jobs: list[tuple[int, AudioSegment]] = []
    for event in rendered.events:
        if isinstance(event, Click):
            jobs.append((event.at_ms, clips["accent" if event.accent else "click"]))
        elif isinstance(event, Sound):
            jobs.append((event.at_ms, clips[event.name]))
        elif isinstance(event, Say):
            placement = next(placements)
            if placement.start is not None:
                start_ms = 1000 * placement.start // SAMPLE_RATE
                jobs.append((start_ms, segment(speech.clip(event.text))))
    setup = time.perf_counter() - started
    mark = time.perf_counter()
    done = 0
    for at_ms, clip in jobs:
        base = base.overlay(clip, position=at_ms)
        done += 1
        if budget_s is not None and time.perf_counter() - mark > budget_s:
            break
    overlay_s = time.perf_counter() - mark
    mark = time.perf_counter()
    base.export(str(out), format="wav")
    export_s = time.perf_counter() - mark
    return setup + overlay_s * len(jobs) / done + export_s, done, len(jobs)


def write_test_music(path: Path, seconds: int = 180, rate: int = 44100) -> None:
    t = np.arange(seconds * rate) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3
    pcm = (0.5 * chord * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(pcm, 2).tobytes())


def pydub_ducking(
    music: np.ndarray, rendered: RenderedSession, budget_s: float
) -> tuple[float, int, int]:
    """The bed ducked with pydub slices (no ramps): extrapolated seconds, done, total."""
    bed = segment(np.tile(music, -(-rendered.audio.size // music.size))[: rendered.audio.size])
    intervals = [
        (1000 * s // SAMPLE_RATE, 1000 * e // SAMPLE_RATE) for s, e in rendered.speech_intervals()
    ]
    mark = time.perf_counter()
    done = 0
    for start_ms, end_ms in intervals:
        bed = bed[:start_ms] + bed[start_ms:end_ms].apply_gain(-DUCK_DB) + bed[end_ms:]
        done += 1
        if time.perf_counter() - mark > budget_s:
            break
    bed = bed.fade_in(3000).fade_out(5000)
    return (time.perf_counter() - mark) * len(intervals) / done, done, len(intervals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-budget", type=float, default=20.0, metavar="S")
    parser.add_argument("--full-baseline", action="store_true")
    args = parser.parse_args()
    budget = None if args.full_baseline else args.baseline_budget
    with tempfile.TemporaryDirectory(prefix="bench-render-") as folder:
        work = Path(folder)
        cold, cold_times = render_once(work / "cache", work / "cold.wav")
        warm, warm_times = render_once(work / "cache", work / "warm.wav")
        minutes, seconds = divmod(round(warm.duration_s), 60)
        print(
            f"routine {BENCH_ROUTINE.name}: {minutes} min {seconds:02d} s of audio, "
            f"{len(warm.events)} events, {len(warm.speech)} cues, 2 cores"
        )
        report("cold", cold, cold_times)
        report("warm", warm, warm_times)
        same = (work / "cold.wav").read_bytes() == (work / "warm.wav").read_bytes()
        print(f"cold and warm files identical: {same}")

        synth = Pyttsx3Synth.from_settings(SpeechSettings(), SAMPLE_RATE)
        speech = SpeechCache(synth, work / "cache")
        naive_s, done, total = naive_overlay(warm, speech, work / "naive.wav", budget)
        speech.synth.close()  # type: ignore[attr-defined]
        how = "measured" if done == total else f"extrapolated from {done} of {total} overlays"
        warm_loop_wav = warm_times["loop"] + warm_times["wav"]
        print(
            f"baseline (pydub overlay per event, warm speech): {naive_s:7.1f} s ({how}); "
            f"render loop + wav {warm_loop_wav:.2f} s: {naive_s / warm_loop_wav:.0f}x faster"
        )

        write_test_music(work / "music.wav")
        mark = time.perf_counter()
        music = load_music(work / "music.wav", SAMPLE_RATE)
        load_s = time.perf_counter() - mark
        mark = time.perf_counter()
        music_bed(music, warm.audio.size, warm.speech_intervals(), SAMPLE_RATE)
        numpy_s = time.perf_counter() - mark
        pydub_s, done, total = pydub_ducking(music, warm, args.baseline_budget)
        how = "measured" if done == total else f"extrapolated from {done} of {total} cues"
        print(
            f"music bed: load 3 min track {load_s:.2f} s; numpy envelope {numpy_s:.2f} s vs "
            f"pydub slices {pydub_s:.1f} s ({how}): {pydub_s / numpy_s:.0f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
