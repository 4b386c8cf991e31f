"""Timing benchmark: the coach's sample clock versus the naive sleep-loop coach, in one run.

    python scripts/bench_timing.py [--sink coach] [--seconds 45] [--hour-minutes 60]

Ours: the samples played are the clock. The engine advances once per audio block, the mixer puts
each click at its exact sample, speech is rendered and cached before the workout. The naive
coach (scripts/bench_timing_naive.py, its own process) is what most Python coaches do:
`sounddevice.play(click)`, `pyttsx3.say(cue); runAndWait()`, `time.sleep(beat)`.

Figures (each printed beside the naive one, with the ratio naive / ours):
1. click onset error against the schedule, in samples at 48 kHz. Ours: a long routine rendered
   through `CoachLoop.render_block` with no device; a twin loop with silent clicks renders the
   same speech, and the difference is the clicks alone, so onsets are found exactly even under
   speech. Naive: `time.monotonic()` at each play call versus its own schedule.
2. inter-click interval jitter through a real PulseAudio null sink: each design plays into the
   sink while `parec` records its monitor; every click is found in the recording (ours: the exact
   stretch of mixer output that starts at the click; naive: the click waveform) and the
   intervals are compared with the scheduled ones.
3. drift after a 60-minute routine. Ours: last click found in the render versus its scheduled
   sample. Naive: the overrun of each beat (interval between play calls minus the scheduled
   one, measured in its real run, with and without a spoken cue) summed over the beats of the
   same 60-minute routine; the plain linear extrapolation of its recorded drift is shown too.
4. speech that should start with its accented click: the gap between the click and the first
   audible speech sample in the recording (what a person hears), the speech's start in the
   mixer (ours), and `say()` call to first audible sample (naive).
If PulseAudio or the sink is missing, the device figures are skipped with one line saying why.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bench_timing_audio import (
    MonitorRecorder,
    Recording,
    first_match,
    locate,
    onset,
    pulse_problem,
    sink_rate,
)

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.effects import Click, Say, State
from voice_coach.core.engine import Session, estimate_speech_ms
from voice_coach.core.routine import Block, Routine
from voice_coach.routines.estimate import estimate_duration_ms
from voice_coach.settings import MixerSettings, SpeechSettings
from voice_coach.sound.assets import load_sound
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.mixer import Audible, AudibleFeed, Mixer
from voice_coach.sound.output import BLOCK_FRAMES, OutputUnavailable, SpeakerOutput

SAMPLE_RATE = 48000
SAMPLES_PER_MS = SAMPLE_RATE // 1000
CLICK_GAIN = 0.7
ONSET_THRESHOLD = 0.01  # -40 dBFS: "audible" for onsets, in the render and in the recordings
REFRACTORY = SAMPLE_RATE // 10  # clicks are at least 300 ms apart and last under 40 ms
MATCH_SAMPLES = 2400  # 50 ms of output from each click, to find it in the recording
MIN_MATCH_SCORE = 0.6
OURS_SEARCH_MS = 150  # how far a click of ours may land from where the previous one predicts
NAIVE_CLICK_MS = (-20, 60)  # where a naive click lands around its play call (measured: 1-16 ms)
CLICK_THRESHOLD = 0.005  # a naive click's start is faded by its new stream: peaks of ~0.05-0.1
QUIET_MS = 5
CLICK_STUB_MS = 45  # what is heard of a naive click lasts less than this
SPEECH_MATCH_SAMPLES = 4800
SPEECH_SEARCH_MS = 2400
CUE_SPACING_MS = 2000
CUE_COUNT = 8
HOUR_VARIATIONS = ("heel-taps", "standard", "t-arms", "slow-tempo", "hover", "medicine-ball")
NAIVE_SCRIPT = Path(__file__).resolve().parent / "bench_timing_naive.py"

SpeechLookup = Callable[[str], np.ndarray]


# ----- the routines ---------------------------------------------------------------------------


def hour_routine(catalog: Catalog, minutes: int) -> Routine:
    """Blocks of 3 sets of 10 reps, cycling through variations, until it lasts `minutes`."""
    blocks: list[Block] = []
    while True:
        variation = HOUR_VARIATIONS[len(blocks) % len(HOUR_VARIATIONS)]
        blocks.append(Block(variation, sets=3, reps=10, rest_s=30, rest_after_s=45))
        routine = Routine("bench-hour", "", tuple(blocks))
        if estimate_duration_ms(routine, catalog) >= minutes * 60_000:
            return routine


def device_routine() -> Routine:
    """One long set of heel taps: beats of 750, 500, 1250 and 500 ms, cues on most beats."""
    return Routine("bench-device", "", (Block("heel-taps", sets=1, reps=20),))


# ----- speech -----------------------------------------------------------------------------------


@dataclass
class Speech:
    description: str
    clip: SpeechLookup  # blocking: renders or loads when needed
    get_ready: Callable[[str], np.ndarray | None]
    request: Callable[[str], None]
    duration_ms: Callable[[str], int]
    close: Callable[[], None]


def open_speech(routines: list[Routine], catalog: Catalog) -> Speech:
    """The coach's real cached pyttsx3 speech, prepared for `routines`; tones if it cannot run."""
    try:
        from voice_coach.speech.base import TtsUnavailable
        from voice_coach.speech.cache import SpeechCache
        from voice_coach.speech.prepare import PreparedSpeech, prepare_speech
        from voice_coach.speech.synth import Pyttsx3Synth

        cache = SpeechCache(Pyttsx3Synth.from_settings(SpeechSettings(), SAMPLE_RATE))
    except (ImportError, TtsUnavailable) as error:
        print(f"speech: pyttsx3 unavailable ({error}); tones of the estimated length instead")
        clips: dict[str, np.ndarray] = {}

        def tone(text: str) -> np.ndarray:
            if text not in clips:
                t = np.arange(estimate_speech_ms(text) * SAMPLES_PER_MS) / SAMPLE_RATE
                clips[text] = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
            return clips[text]

        return Speech(
            "tones (no TTS)", tone, tone, lambda text: None, estimate_speech_ms, lambda: None
        )
    started = time.perf_counter()
    renders_before = cache.renders
    # As the live workout prepares, for each routine; one map serves both.
    each = [prepare_speech(cache, routine, catalog, replies=True) for routine in routines]
    prepared = PreparedSpeech({t: c for p in each for t, c in p.clips.items()}, cache.rate_wpm)
    description = (
        f"pyttsx3 {importlib.metadata.version('pyttsx3')} + espeak-ng, cached "
        f"({cache.renders - renders_before} rendered now, "
        f"{time.perf_counter() - started:.1f} s to prepare)"
    )
    return Speech(
        description,
        cache.clip,
        prepared.lookup(cache.get_ready),
        cache.request,
        prepared.duration_ms,
        cache.close,
    )


def make_loop(
    routine: Routine,
    catalog: Catalog,
    speech: Speech,
    lookup: SpeechLookup | None,
    request: Callable[[str], None],
    silent_clicks: bool = False,
) -> CoachLoop:
    session = Session(routine, catalog, speech.duration_ms)
    click, accent = load_sound("click", SAMPLE_RATE), load_sound("accent", SAMPLE_RATE)
    if silent_clicks:
        click, accent = np.zeros_like(click), np.zeros_like(accent)
    sounds = {name: load_sound(name, SAMPLE_RATE) for name in ("chime", "earcon", "done")}
    mixer = Mixer(SAMPLE_RATE, click, accent, sounds, MixerSettings(click_gain=CLICK_GAIN))
    return CoachLoop(session, mixer, lookup, request)


def drain(loop: CoachLoop, feed: AudibleFeed) -> tuple[list[Click], list[Say], list[Audible]]:
    clicks: list[Click] = []
    says: list[Say] = []
    while not loop.outbox.empty():
        event = loop.outbox.get()
        if isinstance(event, Click):
            clicks.append(event)
        elif isinstance(event, Say):
            says.append(event)
    audible: list[Audible] = []
    while feed:
        audible.append(feed.popleft())
    return clicks, says, audible


# ----- figure 1 and 3, ours: the long render -----------------------------------------------------


@dataclass
class OfflineResult:
    audio_s: float
    wall_s: float
    scheduled: np.ndarray  # click samples, from the engine's at_ms
    found: np.ndarray  # click onsets found in the output
    errors: np.ndarray  # found - scheduled, for matched clicks
    missing: int
    extra: int
    extra_at_s: list[float]  # where onsets that match no click are, seconds
    clicks_with_cue: int
    speech_delays: np.ndarray  # in-mixer start - scheduled, for cues on a click
    dropped_speech: int


def render_offline(routine: Routine, catalog: Catalog, speech: Speech) -> OfflineResult:
    """Render `routine` to the end twice (clicks on, clicks silent) and find clicks in A - B."""
    with_clicks = make_loop(routine, catalog, speech, speech.clip, lambda text: None)
    speech_only = make_loop(routine, catalog, speech, speech.clip, lambda text: None, True)
    feed, other_feed = with_clicks.mixer.subscribe_audible(), speech_only.mixer.subscribe_audible()
    onsets: list[np.ndarray] = []
    last_loud = -10 * REFRACTORY
    clicks: list[Click] = []
    says: list[Say] = []
    speech_starts: dict[int, int] = {}  # start sample -> length
    started = time.perf_counter()
    while not with_clicks.done:
        block_start = with_clicks.mixer.position
        difference = with_clicks.render_block(BLOCK_FRAMES) - speech_only.render_block(BLOCK_FRAMES)
        loud = block_start + np.flatnonzero(np.abs(difference) > ONSET_THRESHOLD)
        if len(loud):
            gaps = np.diff(np.concatenate(([last_loud], loud)))
            onsets.append(loud[gaps > REFRACTORY])
            last_loud = int(loud[-1])
        new_clicks, new_says, audible = drain(with_clicks, feed)
        drain(speech_only, other_feed)
        clicks += new_clicks
        says += new_says
        speech_starts.update((a.start, a.end - a.start) for a in audible if a.kind == "speech")
    wall_s = time.perf_counter() - started
    scheduled = np.array([c.at_ms * SAMPLES_PER_MS for c in clicks], dtype=np.int64)
    found = np.concatenate(onsets) if onsets else np.zeros(0, np.int64)
    errors, missing, extra = match(scheduled, found)
    extra_at = [int(f) for f in found if np.min(np.abs(scheduled - f)) >= REFRACTORY // 2]
    click_times = {c.at_ms for c in clicks}
    cues = [s for s in says if s.at_ms in click_times]
    delays = []
    starts = np.array(sorted(speech_starts))
    for say in cues:
        at = say.at_ms * SAMPLES_PER_MS
        length = len(speech.clip(say.text))
        later = starts[np.searchsorted(starts, at) :]
        start = next((int(s) for s in later if speech_starts[int(s)] == length), None)
        if start is not None:
            delays.append(start - at)
    return OfflineResult(
        audio_s=with_clicks.mixer.position / SAMPLE_RATE,
        wall_s=wall_s,
        scheduled=scheduled,
        found=found,
        errors=errors,
        missing=missing,
        extra=extra,
        extra_at_s=[f / SAMPLE_RATE for f in extra_at],
        clicks_with_cue=len(cues),
        speech_delays=np.array(delays, dtype=np.int64),
        dropped_speech=with_clicks.mixer.dropped_speech,
    )


def match(scheduled: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Errors of the nearest found onset for each scheduled one (within half a refractory);
    also how many scheduled clicks had none and how many onsets matched nothing."""
    if not len(found):
        return np.zeros(0, np.int64), len(scheduled), 0
    index = np.searchsorted(found, scheduled)
    left = found[np.clip(index - 1, 0, len(found) - 1)]
    right = found[np.clip(index, 0, len(found) - 1)]
    nearest = np.where(np.abs(left - scheduled) <= np.abs(right - scheduled), left, right)
    errors = nearest - scheduled
    ok = np.abs(errors) < REFRACTORY // 2
    return errors[ok], int((~ok).sum()), max(0, len(found) - int(ok.sum()))


# ----- figure 2 and 4: the device runs ----------------------------------------------------------


@dataclass
class ClickTrack:
    """Clicks of one design as scheduled and as found in its recording."""

    scheduled_ms: np.ndarray  # relative to the first click
    found: list[int | None]  # recording index of each click

    def interval_deviation_ms(self) -> np.ndarray:
        """Measured minus scheduled interval between each pair of successive found clicks."""
        pairs = [(i, f) for i, f in enumerate(self.found) if f is not None]
        return np.array(
            [
                (f1 - f0) / SAMPLES_PER_MS - (self.scheduled_ms[i1] - self.scheduled_ms[i0])
                for (i0, f0), (i1, f1) in itertools.pairwise(pairs)
            ]
        )

    def recorded_drift_ms(self) -> tuple[float, float]:
        """(drift over the run, span of the run) from the first and last found clicks, ms."""
        found = [(i, f) for i, f in enumerate(self.found) if f is not None]
        if len(found) < 2:
            return float("nan"), float("nan")
        (i0, f0), (i1, f1) = found[0], found[-1]
        span = float(self.scheduled_ms[i1] - self.scheduled_ms[i0])
        return (f1 - f0) / SAMPLES_PER_MS - span, span


@dataclass
class OursDevice:
    track: ClickTrack
    match_scores: list[float]
    speech_gaps_ms: list[float]  # accented cue: first audible speech sample minus the click
    path_ms: list[float]  # callback that rendered a click -> the click heard
    latency_ms: float | None
    underflows: int
    stream: str


def run_ours_on_device(
    routine: Routine, catalog: Catalog, speech: Speech, sink: str, seconds: float
) -> OursDevice:
    """Play the set through SpeakerOutput into `sink` while recording its monitor."""
    loop = make_loop(routine, catalog, speech, speech.get_ready, speech.request)
    feed = loop.mixer.subscribe_audible()  # a 37 s run reports far fewer than its 512
    while loop.status is None or loop.status.state is not State.READY:  # skip the intro
        loop.render_block(BLOCK_FRAMES)
    drain(loop, feed)
    first = loop.mixer.position
    captured = np.zeros(int((seconds + 10) * SAMPLE_RATE), np.float32)
    block_times = np.zeros(len(captured) // BLOCK_FRAMES + 1)  # monotonic at each callback
    rendered = [0]

    def render(frames: int) -> np.ndarray:
        block = loop.render_block(frames)
        done = rendered[0]
        if done // BLOCK_FRAMES < len(block_times):
            block_times[done // BLOCK_FRAMES] = time.monotonic()
        room = max(0, min(frames, len(captured) - done))
        captured[done : done + room] = block[:room]  # a copy into memory: nothing blocks
        rendered[0] = done + frames
        return block

    recorder = MonitorRecorder(f"{sink}.monitor")
    recorder.start()
    time.sleep(0.5)
    output = SpeakerOutput(render, SAMPLE_RATE, block_frames=BLOCK_FRAMES)
    try:
        output.start()
        latency_s = output.latency_s
        latency_ms = 1000 * latency_s if latency_s is not None else None
        while rendered[0] < seconds * SAMPLE_RATE and output.error is None:
            time.sleep(0.05)
    finally:
        output.stop()
        time.sleep(0.5)
        recording = recorder.stop()
    if output.error is not None:
        raise RuntimeError(f"the output stream failed: {output.error}")
    clicks, says, audible = drain(loop, feed)
    end = first + min(rendered[0], len(captured)) - MATCH_SAMPLES
    clicks = [c for c in clicks if first <= c.at_ms * SAMPLES_PER_MS < end]
    track, scores = find_our_clicks(recording, captured, first, clicks)
    path_ms = []  # rendering a block -> hearing it: the stream's buffering, the same for all
    for click, at in zip(clicks, track.found, strict=True):
        offset = click.at_ms * SAMPLES_PER_MS - first
        rendered_at = block_times[offset // BLOCK_FRAMES] if at is not None else 0.0
        if rendered_at:
            heard = recording.time_of(at - offset % BLOCK_FRAMES)
            path_ms.append(1000 * (heard - rendered_at))
    speech_starts = {a.start for a in audible if a.kind == "speech"}
    texts = {s.at_ms: s.text for s in says}
    gaps = []
    for click, at in zip(clicks, track.found, strict=True):
        sample = click.at_ms * SAMPLES_PER_MS
        if at is None or not click.accent or sample not in speech_starts:
            continue
        clip = speech.clip(texts[click.at_ms])
        heard = speech_onset(recording.samples, clip, at)
        if heard is not None:
            gaps.append((heard - at) / SAMPLES_PER_MS)
    return OursDevice(track, scores, gaps, path_ms, latency_ms, output.underflows, str(output.name))


def speech_onset(samples: np.ndarray, clip: np.ndarray, click_at: int) -> int | None:
    """Where `clip` first becomes audible in the recording, searching from its click on."""
    needle = clip[:SPEECH_MATCH_SAMPLES]
    lo = click_at - 50 * SAMPLES_PER_MS
    at, _ = first_match(samples, needle, lo, click_at + SPEECH_SEARCH_MS * SAMPLES_PER_MS, 0.9)
    audible = np.flatnonzero(np.abs(clip) > ONSET_THRESHOLD)
    return at + int(audible[0]) if at >= 0 and len(audible) else None


def find_our_clicks(
    recording: Recording, captured: np.ndarray, first: int, clicks: list[Click]
) -> tuple[ClickTrack, list[float]]:
    """Each click is where the 50 ms of mixer output starting at it landed in the recording."""
    samples = recording.samples
    found: list[int | None] = []
    scores: list[float] = []
    previous: tuple[int, int] | None = None  # (scheduled sample, found index)
    window = OURS_SEARCH_MS * SAMPLES_PER_MS
    for click in clicks:
        at = click.at_ms * SAMPLES_PER_MS
        needle = captured[at - first : at - first + MATCH_SAMPLES]
        if previous is None:
            lo, hi = 0, len(samples)
        else:
            predicted = previous[1] + at - previous[0]
            lo, hi = predicted - window, predicted + window
        index, score = locate(samples, needle, lo, hi)
        scores.append(score)
        if score >= MIN_MATCH_SCORE:
            found.append(index)
            previous = (at, index)
        else:
            found.append(None)
    base = clicks[0].at_ms if clicks else 0
    return ClickTrack(np.array([c.at_ms - base for c in clicks], dtype=np.float64), found), scores


@dataclass
class NaiveRun:
    label: str
    beats: list[dict]
    plays: np.ndarray
    says: list[float | None]
    returns: list[float | None]
    recording: Recording | None
    track: ClickTrack | None = None
    click_peaks: list[float] = field(default_factory=list)

    @property
    def scheduled_s(self) -> np.ndarray:
        return np.array([b["at_ms"] for b in self.beats[: len(self.plays)]]) / 1000

    def call_errors(self) -> np.ndarray:
        """Play-call time minus schedule (both from the first beat), in samples."""
        return ((self.plays - self.plays[0]) - self.scheduled_s) * SAMPLE_RATE

    def overruns(self) -> tuple[np.ndarray, np.ndarray]:
        """(play-call interval minus scheduled interval, s; whether the beat had a cue)."""
        spoken = np.array(
            [
                bool(b["text"]) and "--no-speech" not in self.label
                for b in self.beats[: len(self.plays) - 1]
            ]
        )
        return np.diff(self.plays) - np.diff(self.scheduled_s), spoken


def naive_beats(routine: Routine, catalog: Catalog, speech: Speech) -> list[dict]:
    """The set's beats as the engine schedules them: click, accent, the cue said on it."""
    effects = run_to_end(Session(routine, catalog, speech.duration_ms))
    clicks = [e for e in effects if isinstance(e, Click)]
    texts = {e.at_ms: e.text for e in effects if isinstance(e, Say)}
    start = clicks[0].at_ms
    return [
        {"at_ms": c.at_ms - start, "accent": c.accent, "text": texts.get(c.at_ms)} for c in clicks
    ]


def cue_beats(beats: list[dict], count: int) -> list[dict]:
    """Accented cues only, far apart, so each click and its speech stand alone."""
    texts = [b["text"] for b in beats if b["accent"] and b["text"]]
    return [
        {"at_ms": i * CUE_SPACING_MS, "accent": True, "text": texts[i % len(texts)]}
        for i in range(count)
    ]


def run_naive(
    label: str, beats: list[dict], sink: str | None, seconds: float, *flags: str
) -> NaiveRun:
    """Run the naive coach in its own process; record the sink's monitor when there is one."""
    with tempfile.TemporaryDirectory(prefix="bench-timing-") as folder:
        schedule, out = Path(folder) / "schedule.json", Path(folder) / "out.json"
        schedule.write_text(json.dumps(beats))
        command = [
            sys.executable,
            str(NAIVE_SCRIPT),
            str(schedule),
            str(out),
            "--max-seconds",
            str(seconds),
            *flags,
        ]
        if sink is None:
            command.append("--silent")
        recorder = MonitorRecorder(f"{sink}.monitor") if sink else None
        if recorder:
            recorder.start()
        try:
            subprocess.run(
                command,
                check=True,
                timeout=seconds + 60,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        finally:
            recording = recorder.stop() if recorder else None
        result = json.loads(out.read_text())
    run = NaiveRun(
        label, beats, np.array(result["plays"]), result["says"], result["returns"], recording
    )
    if recording is not None:
        find_naive_clicks(run, recording)
    return run


def find_naive_clicks(run: NaiveRun, recording: Recording) -> None:
    """A click is the first sound after 5 ms of silence just after its play call."""
    found: list[int | None] = []
    for play in run.plays:
        predicted = recording.index_at(play)
        lo, hi = (predicted + ms * SAMPLES_PER_MS for ms in NAIVE_CLICK_MS)
        at = onset(recording.samples, lo, hi, CLICK_THRESHOLD, QUIET_MS * SAMPLES_PER_MS)
        found.append(at)
        if at is not None:
            run.click_peaks.append(float(np.abs(recording.samples[at : at + 2000]).max()))
    scheduled = np.array([b["at_ms"] for b in run.beats[: len(found)]], dtype=np.float64)
    run.track = ClickTrack(scheduled, found)


def naive_speech(run: NaiveRun) -> list[float]:
    """say() call -> first audible speech sample, ms, for a run of cues said alone (no clicks):
    the speech is the first sound after 10 ms of silence from just before the call."""
    calls: list[float] = []
    if run.recording is None:
        return calls
    samples = run.recording.samples
    quiet = 10 * SAMPLES_PER_MS
    for said in run.says:
        if said is None:
            continue
        lo = run.recording.index_at(said) - 5 * SAMPLES_PER_MS
        heard = onset(samples, lo, lo + SPEECH_SEARCH_MS * SAMPLES_PER_MS, ONSET_THRESHOLD, quiet)
        if heard is not None:
            calls.append(1000 * (run.recording.time_of(heard) - said))
    return calls


def click_latencies_ms(*runs: NaiveRun) -> list[float]:
    """play() call -> first audible sample of the click, ms, for every click found."""
    latencies = []
    for run in runs:
        if run.recording is None or run.track is None:
            continue
        for play, at in zip(run.plays, run.track.found, strict=False):
            if at is not None:
                latencies.append(1000 * (run.recording.time_of(at) - play))
    return latencies


# ----- report -----------------------------------------------------------------------------------


def percentile(values: np.ndarray | list[float], q: float) -> float:
    values = np.asarray(values, dtype=np.float64)
    return float(np.percentile(values, q)) if len(values) else float("nan")


def ratio(naive: float, ours: float, resolution: float) -> str:
    if np.isnan(naive) or np.isnan(ours):
        return "n/a"
    if abs(ours) < resolution:
        return f">= {abs(naive) / resolution:,.0f}x"
    return f"{abs(naive) / abs(ours):,.1f}x"


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or np.isnan(value) else f"{value:,.{digits}f}"


class Table:
    """Figure, unit, ours, then each naive variant with its ratio to ours."""

    head = ("figure", "unit", "ours", "naive", "naive/ours", "naive, no speech", "no-speech/ours")

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(
        self,
        figure: str,
        unit: str,
        ours: float,
        naive: list[float],
        resolution: float,
        digits: int = 2,
    ) -> None:
        cells = [figure, unit, fmt(ours, digits)]
        for value in naive:
            cells += [fmt(value, digits), ratio(value, ours, resolution)]
        self.rows.append(tuple(cells))

    def skip(self, figure: str, unit: str) -> None:
        self.rows.append((figure, unit, "skipped", "skipped", "n/a", "skipped", "n/a"))

    def print(self) -> None:
        widths = [
            max(len(row[i]) for row in [self.head, *self.rows]) for i in range(len(self.head))
        ]
        line = "  ".join(h.ljust(w) for h, w in zip(self.head, widths, strict=True))
        print(line)
        print("-" * len(line))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        print("(ratios marked >= : ours is below the measurement resolution, one sample)")


def environment(sink: str, device_ok: bool) -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"CPU: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}"
    ]
    try:
        import sounddevice as sd

        lines.append(f"sounddevice {sd.__version__}, {sd.get_portaudio_version()[1]}")
    except OSError as error:
        lines.append(f"sounddevice unavailable: {error}")
    try:
        espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
        lines.append(
            f"pyttsx3 {importlib.metadata.version('pyttsx3')}, "
            f"{espeak.stdout.strip().split(' Data')[0]}"
        )
    except (OSError, importlib.metadata.PackageNotFoundError):
        pass
    if device_ok:
        info = subprocess.run(["pactl", "info"], capture_output=True, text=True).stdout
        version = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in info.splitlines()
                if ln.startswith("Server Version")
            ),
            "?",
        )
        lines.append(
            f"PulseAudio {version}, null sink {sink!r} at {sink_rate(sink)} Hz; "
            f"monitor recorded with parec at {SAMPLE_RATE} Hz"
        )
    lines.append(
        f"mixer: {SAMPLE_RATE} Hz float32 mono, {BLOCK_FRAMES}-frame blocks "
        f"({1000 * BLOCK_FRAMES / SAMPLE_RATE:.1f} ms)"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sink", default="coach", help="PulseAudio null sink to play into")
    parser.add_argument(
        "--seconds", type=float, default=40.0, help="wall time of each device run with clicks"
    )
    parser.add_argument("--hour-minutes", type=int, default=60, help="length of the long render")
    args = parser.parse_args()
    os.environ["PULSE_SINK"] = args.sink  # before PortAudio opens anything, here and in children
    started = time.perf_counter()
    problem = pulse_problem(args.sink)
    sink = None if problem else args.sink

    catalog = load_catalog()
    long_routine = hour_routine(catalog, args.hour_minutes)
    set_routine = device_routine()
    print("environment:")
    for line in environment(args.sink, sink is not None):
        print(f"  {line}")
    speech = open_speech([long_routine, set_routine], catalog)
    print(f"  speech: {speech.description}")
    if problem:
        print(f"device figures skipped: {problem}")

    offline = render_offline(long_routine, catalog, speech)
    print(
        f"long render: {offline.audio_s / 60:.1f} min of routine ({len(offline.scheduled)} "
        f"clicks, {offline.clicks_with_cue} with a spoken cue) rendered in "
        f"{offline.wall_s:.1f} s ({offline.audio_s / offline.wall_s:.0f}x real time), no device"
    )

    ours: OursDevice | None = None
    if sink:
        try:
            ours = run_ours_on_device(set_routine, catalog, speech, sink, args.seconds)
        except (OutputUnavailable, RuntimeError) as error:
            print(f"device figures for ours skipped: {error}")
    beats = naive_beats(set_routine, catalog, speech)
    speech.close()
    seconds = args.seconds if sink else 15.0
    try:
        naive = run_naive("naive", beats, sink, seconds)
        bare = run_naive("naive --no-speech", beats, sink, seconds * 0.75, "--no-speech")
        cues = run_naive("naive cues", cue_beats(beats, CUE_COUNT), sink, 3600, "--silent")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        stderr = getattr(error, "stderr", b"") or b""
        last = stderr.decode(errors="replace").strip().splitlines()[-1:] or [str(error)]
        print(f"the naive coach failed: {last[0]}")
        return 1
    report(offline, ours, naive, bare, cues)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 0


def report(
    offline: OfflineResult, ours: OursDevice | None, naive: NaiveRun, bare: NaiveRun, cues: NaiveRun
) -> None:
    table = Table()
    sample_ms = 1 / SAMPLES_PER_MS
    nan = float("nan")
    # 1. onset error in samples
    ours_abs = np.abs(offline.errors)
    figure = "1. click onset error vs schedule"
    table.add(
        f"{figure}, median |e|",
        "samples",
        percentile(ours_abs, 50),
        [percentile(np.abs(r.call_errors()), 50) for r in (naive, bare)],
        1,
        0,
    )
    table.add(
        f"{figure}, max |e|",
        "samples",
        percentile(ours_abs, 100),
        [percentile(np.abs(r.call_errors()), 100) for r in (naive, bare)],
        1,
        0,
    )
    # 2. jitter through the sink
    figure = "2. click interval jitter via the sink"
    if ours is not None and naive.track is not None and bare.track is not None:
        deviations = [t.interval_deviation_ms() for t in (ours.track, naive.track, bare.track)]
        for name, stat in (
            ("std dev", np.std),
            ("p95 |dev|", lambda d: percentile(np.abs(d), 95)),
            ("max |dev|", lambda d: percentile(np.abs(d), 100)),
        ):
            values = [float(stat(d)) if len(d) else nan for d in deviations]
            table.add(f"{figure}, {name}", "ms", values[0], values[1:], sample_ms)
    else:
        table.skip(f"{figure}", "ms")
    # 3. drift over the hour
    last_error = float(offline.errors[-1]) if len(offline.errors) else nan
    hour_cues = offline.clicks_with_cue
    drifts = []
    for run in (naive, bare):
        overrun, spoken = run.overruns()
        mean_cue = float(overrun[spoken].mean()) if spoken.any() else 0.0
        mean_plain = float(overrun[~spoken].mean()) if (~spoken).any() else 0.0
        cue_beats_hour = hour_cues if spoken.any() else 0
        drifts.append(
            mean_cue * cue_beats_hour + mean_plain * (len(offline.scheduled) - cue_beats_hour)
        )
    table.add(
        f"3. drift at the end of a {offline.audio_s / 60:.0f}-min routine",
        "s",
        last_error / SAMPLE_RATE,
        drifts,
        1 / SAMPLE_RATE,
        3,
    )
    # 4. speech on its accented click
    calls = naive_speech(cues)
    click_ms = percentile(click_latencies_ms(naive, bare), 50)
    gaps = [c - click_ms for c in calls]
    figure = "4. accented click -> its speech audible"
    if ours is not None and calls:
        table.add(
            f"{figure}, median",
            "ms",
            percentile(ours.speech_gaps_ms, 50),
            [percentile(gaps, 50), nan],
            sample_ms,
            1,
        )
        table.add(
            f"{figure}, max",
            "ms",
            percentile(ours.speech_gaps_ms, 100),
            [percentile(gaps, 100), nan],
            sample_ms,
            1,
        )
    else:
        table.skip(figure, "ms")
    table.add(
        "4. cue due -> speech starts (ours: in the mixer; naive: say() call -> audible), median",
        "ms",
        percentile(offline.speech_delays, 50) * sample_ms,
        [percentile(calls, 50), nan],
        sample_ms,
        1,
    )
    if ours is not None:
        table.add(
            "4. output path: sound made -> heard (ours: block rendered; naive: play() call), "
            "median",
            "ms",
            percentile(ours.path_ms, 50),
            [click_ms, nan],
            sample_ms,
            1,
        )
    print()
    table.print()
    notes(offline, ours, naive, bare, cues, click_ms)


def notes(
    offline: OfflineResult,
    ours: OursDevice | None,
    naive: NaiveRun,
    bare: NaiveRun,
    cues: NaiveRun,
    click_ms: float,
) -> None:
    print(
        "\nnaive = time.sleep loop, sounddevice.play() per click, pyttsx3 say()+runAndWait() "
        "on cue beats; naive, no speech = the same loop without the speech"
    )
    print("how each figure was measured:")
    print(
        f"  1. ours: every click of the long render ({len(offline.scheduled)} clicks, "
        f"{offline.missing} missing, {offline.extra} extra onsets"
        f"{' at ' + ', '.join(f'{t:.3f} s' for t in offline.extra_at_s) if offline.extra else ''}"
        f"), in the mixer output; naive: "
        f"time.monotonic() at each sounddevice.play() call vs its own schedule "
        f"({len(naive.plays)} and {len(bare.plays)} beats)"
    )
    if ours is not None and naive.track is not None and bare.track is not None:
        print(
            f"  2. through null sink {os.environ['PULSE_SINK']!r}, recorded from its monitor; "
            f"clicks found: ours {count_found(ours.track)} (match score min "
            f"{min(ours.match_scores):.4f} against the mixer's output), naive "
            f"{count_found(naive.track)}, naive no speech {count_found(bare.track)} (the "
            f"rest were buried in speech still playing)"
        )
        print(
            f"     ours' stream: {ours.stream!r}, reported output latency "
            f"{fmt(ours.latency_ms, 1)} ms, {ours.underflows} underflows. Each naive click "
            f"opens a new stream whose first ~25 ms are faded in: recorded click peak median "
            f"{percentile(naive.click_peaks + bare.click_peaks, 50):.3f} of "
            f"{CLICK_GAIN * 0.5:.2f} sent"
        )
        for run, track in (
            ("ours", ours.track),
            ("naive", naive.track),
            ("naive no speech", bare.track),
        ):
            drift, span = track.recorded_drift_ms()
            print(
                f"     {run}: first to last found click, {span / 1000:.1f} s scheduled, "
                f"{drift:+,.1f} ms off in the recording"
            )
    print(
        f"  3. ours: the last click's onset in the render minus its scheduled sample. naive: "
        f"each beat's overrun (play-call interval minus scheduled), summed over the long "
        f"routine's {offline.clicks_with_cue} cue beats and "
        f"{len(offline.scheduled) - offline.clicks_with_cue} plain beats (rest and speech "
        f"between sets would add to it):"
    )
    for run in (naive, bare):
        overrun, spoken = run.overruns()
        parts = [
            f"{1000 * float(overrun[mask].mean()):.1f} ms (p95 "
            f"{1000 * percentile(overrun[mask], 95):.1f}) on {what} beats"
            for mask, what in ((spoken, "cue"), (~spoken, "plain"))
            if mask.any()
        ]
        errors = run.call_errors()
        span = run.scheduled_s[-1]
        print(
            f"     {run.label}: mean overrun {', '.join(parts)}; measured {errors[-1] / 48:,.0f} "
            f"ms late after {span:.0f} s of schedule (linear extrapolation to "
            f"{offline.audio_s / 60:.0f} min: {errors[-1] / 48000 * offline.audio_s / span:,.0f}"
            f" s)"
        )
    delays = offline.speech_delays
    print(
        f"  4. ours in the mixer: {int((delays == 0).sum())} of {len(delays)} cues due on a "
        f"click start on its exact sample (max {int(delays.max()) if len(delays) else 0} "
        f"samples), {offline.dropped_speech} dropped."
    )
    if ours is not None:
        print(
            f"     ours heard: {len(ours.speech_gaps_ms)} accented cues; the cue's clip found "
            f"in the recording, first sample above {ONSET_THRESHOLD} (-40 dBFS); the clip "
            f"keeps 5 ms before its first sound"
        )
    returns = [
        r - s
        for r, s in zip(cues.returns, cues.says, strict=False)
        if r is not None and s is not None
    ]
    print(
        f"     naive: {len(cues.plays)} cues said alone {CUE_SPACING_MS / 1000:g} s apart "
        f"(no clicks); speech = first sound above -40 dBFS after 10 ms of silence. Its click "
        f"would be heard {click_ms:.1f} ms after its play() call (median over the clicks "
        f"found above), so click -> speech = say() call -> audible minus that. "
        f"say()+runAndWait() returned after median {1000 * percentile(returns, 50):.0f} ms; "
        f"in the beat run it blocked the loop for median {1000 * median_block(naive):.0f} ms "
        f"per cue."
    )
    print(
        "     say() call -> audible places the recording on the monotonic clock by parec's "
        "read times (its 5 ms fragments: within ~5 ms)"
    )


def count_found(track: ClickTrack) -> str:
    return f"{sum(f is not None for f in track.found)}/{len(track.found)}"


def median_block(run: NaiveRun) -> float:
    return percentile(
        [
            r - s
            for r, s in zip(run.returns, run.says, strict=False)
            if r is not None and s is not None
        ],
        50,
    )


if __name__ == "__main__":
    raise SystemExit(main())
