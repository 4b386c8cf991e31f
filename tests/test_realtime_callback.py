"""The audio callback only copies and hands off: a whole live workout, every block rendered under
a guard that fails on file-system access, locks, blocking queues, logging and printing; and the
guard itself, shown to catch each of those."""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from tests.fakes import FakeDevices, FakeSynth
from tests.realtime_guard import RealtimeGuard, RealtimeViolation
from voice_coach.app.keyboard import KeyboardMode
from voice_coach.app.workout import LiveWorkout, RunOptions
from voice_coach.core.commands import Command
from voice_coach.core.routine import Block, Routine
from voice_coach.settings import OutputSettings, SpeechSettings
from voice_coach.sound.output import Output, Render, SpeakerOutput
from voice_coach.speech.cache import SpeechCache

ROUTINE = Routine("realtime", "", (Block("standard", sets=2, reps=4),))
# How many (a reply never prepared), a variation change, pause and resume, and a stop whose
# summary was never prepared either.
COMMANDS_AT = {
    30_000: Command.HOW_MANY,
    36_000: Command.HARDER,
    50_000: Command.PAUSE,
    53_000: Command.RESUME,
    70_000: Command.STOP,
}
WAIT_FOR_SPEECH_S = 10


class RequestLog(SpeechCache):
    """The real speech cache (on tones), noting which texts the coach loop asked for."""

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(FakeSynth(), cache_dir)
        self.requested: list[str] = []

    def request(self, text: str) -> None:
        self.requested.append(text)
        super().request(text)


class GuardedDevices(FakeDevices):
    """Fake devices with the real speech cache, whose speaker renders each block under `guard`.

    Before each block, outside the guard, the speaker waits for the speech thread to finish
    what the loop requested: the fake speaker runs far faster than real time, and a real one
    would play several blocks while a reply renders (about 20 ms)."""

    def __init__(self, guard: RealtimeGuard, speech: SpeechCache,
                 commands_at: dict[int, Command]) -> None:
        super().__init__(commands_at=commands_at)
        self.guard = guard
        self.cache = speech

    def make_speech(self, settings: SpeechSettings) -> SpeechCache:
        return self.cache

    def make_output(self, render: Render, settings: OutputSettings) -> Output:
        def render_guarded(frames: int) -> np.ndarray:
            # Not an assert: it would end the speaker's thread and hang the workout; a reply
            # not ready in time shows as speech_late, which the test checks.
            self.cache.wait_idle(WAIT_FOR_SPEECH_S)
            with self.guard.recording():
                return render(frames)

        return super().make_output(render_guarded, settings)


def run_guarded(speech: SpeechCache, tmp_path: Path) -> tuple[RealtimeGuard, int, list[dict]]:
    guard = RealtimeGuard()
    devices = GuardedDevices(guard, speech, COMMANDS_AT)
    events = tmp_path / "events.jsonl"
    workout = LiveWorkout(RunOptions(ROUTINE, keyboard=KeyboardMode.ON, events_path=events),
                          out=io.StringIO(), err=io.StringIO(), devices=devices)
    code = workout.run()
    return guard, code, [json.loads(line) for line in events.read_text().splitlines()]


def test_a_whole_workout_renders_without_io_locks_or_logging(tmp_path: Path) -> None:
    speech = RequestLog(tmp_path / "speech")
    guard, code, log = run_guarded(speech, tmp_path)
    assert code == 0
    guard.check()
    assert guard.calls > 6000  # every block of the 70 s, 512 frames each, was watched
    heard = [e["command"] for e in log if e["type"] == "heard"]
    assert heard == ["how_many", "harder", "pause", "resume", "stop"]
    # The replies nobody could prepare were requested from the audio thread and then played.
    assert any(text.endswith("left in this set, then one more set.") for text in speech.requested)
    assert any(text.startswith("Workout stopped.") for text in speech.requested)
    played = {e["text"] for e in log if e["type"] == "speech" and not e["dropped"]}
    assert set(speech.requested) <= played
    assert not [e for e in log if e["type"] == "speech_late"]


class CapturedStream:
    """Stands in for sounddevice's OutputStream: keeps the callback instead of playing."""

    streams: ClassVar[list[CapturedStream]] = []
    device = 0
    latency = 0.01

    def __init__(self, callback: Any, **settings: object) -> None:
        self.callback = callback
        CapturedStream.streams.append(self)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


def captured_speaker(monkeypatch: pytest.MonkeyPatch, render: Render) -> tuple[SpeakerOutput, Any]:
    """A started SpeakerOutput on no device, and the callback it gave the stream."""
    import sounddevice

    monkeypatch.setattr(sounddevice, "OutputStream", CapturedStream)
    monkeypatch.setattr(sounddevice, "query_devices", lambda device: {"name": "captured"})
    speaker = SpeakerOutput(render, 48000)
    speaker.start()
    return speaker, CapturedStream.streams[-1].callback


def test_the_speaker_callback_copies_the_block_and_nothing_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    speaker, callback = captured_speaker(monkeypatch, lambda frames: np.full(frames, 0.25,
                                                                             np.float32))
    guard = RealtimeGuard()
    outdata = np.zeros((512, 1), np.float32)
    for block in range(200):  # an underrun halfway, so a new clock anchor too
        status = SimpleNamespace(output_underflow=block == 100)
        late_s = 0.05 if block >= 100 else 0.0
        dac = SimpleNamespace(outputBufferDacTime=1.0 + block * 512 / 48000 + late_s)
        with guard.recording():
            callback(outdata, 512, dac, status)
    speaker.stop()
    guard.check()
    assert guard.calls == 200 and speaker.underflows == 1
    assert np.all(outdata == 0.25)
    assert speaker.stream_time_of(100 * 512) == pytest.approx(1.05 + 100 * 512 / 48000)


def test_a_failing_render_aborts_the_stream_safely_and_keeps_the_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice

    def render(frames: int) -> np.ndarray:
        raise ValueError("broken block")

    speaker, callback = captured_speaker(monkeypatch, render)
    outdata = np.ones((512, 1), np.float32)
    guard = RealtimeGuard()
    with pytest.raises(sounddevice.CallbackAbort), guard.recording():
        callback(outdata, 512, SimpleNamespace(outputBufferDacTime=0.0),
                 SimpleNamespace(output_underflow=False))
    guard.check()
    assert isinstance(speaker.error, ValueError) and not outdata.any()


class LockingCache(RequestLog):
    """A speech cache whose request takes a lock, as a careless one would."""

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(cache_dir)
        self._guard_lock = threading.Lock()

    def request(self, text: str) -> None:
        with self._guard_lock:
            super().request(text)


class DiskPeekingCache(RequestLog):
    """A speech cache that looks on disk for clips that are not in memory yet."""

    def get_ready(self, text: str) -> np.ndarray | None:
        self.path_for(text).is_file()
        return super().get_ready(text)


@pytest.mark.parametrize(("cache_type", "violation"),
                         [(LockingCache, "lock.__exit__"), (DiskPeekingCache, "os.stat")])
def test_the_workout_scenario_catches_an_unsafe_speech_cache(
        tmp_path: Path, cache_type: type[RequestLog], violation: str) -> None:
    guard, code, _ = run_guarded(cache_type(tmp_path / "speech"), tmp_path)
    assert code == 0
    with pytest.raises(RealtimeViolation, match=violation):
        guard.check()


def render_with(action: object) -> np.ndarray:
    """One guarded block whose render does `action()` first."""
    def render(frames: int) -> np.ndarray:
        action()  # type: ignore[operator]
        return np.zeros(frames, np.float32)

    return RealtimeGuard().wrap(render)(512)


def test_the_guard_fails_a_render_that_opens_a_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(RealtimeViolation, match=r"open .*clip\.wav"):
        render_with(path.read_bytes)


def test_the_guard_fails_a_render_that_stats_a_file(tmp_path: Path) -> None:
    with pytest.raises(RealtimeViolation, match=r"os\.stat"):
        render_with(lambda: (tmp_path / "clip.wav").is_file())


def test_the_guard_fails_a_render_that_takes_a_lock() -> None:
    lock = threading.Lock()

    def with_lock() -> None:
        with lock:
            pass

    with pytest.raises(RealtimeViolation, match=r"lock\.__exit__"):
        render_with(with_lock)
    with pytest.raises(RealtimeViolation, match=r"lock\.acquire"):
        render_with(lambda: lock.acquire(blocking=False) and lock.release())


def test_the_guard_fails_blocking_queues_events_and_threads() -> None:
    with pytest.raises(RealtimeViolation, match=r"queue\.Queue\.put"):
        render_with(lambda: queue.Queue().put(1))
    with pytest.raises(RealtimeViolation, match=r"threading\.Event\.set"):
        render_with(threading.Event().set)


def test_the_guard_fails_logging_and_printing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RealtimeViolation, match=r"logging\.Logger\.warning"):
        render_with(lambda: logging.getLogger("voice_coach.test").warning("late"))
    with pytest.raises(RealtimeViolation, match=r"print"):
        render_with(lambda: print("block"))
    assert capsys.readouterr().out == "block\n"


def test_the_guard_passes_copies_and_lock_free_handoffs() -> None:
    handoff: deque[int] = deque(maxlen=4)
    outbox: queue.SimpleQueue[int] = queue.SimpleQueue()
    clip = np.ones(2048, np.float32)

    def copy_and_hand_off() -> None:
        block = clip[:512] * 0.5
        handoff.append(int(block.size))
        handoff.popleft()
        outbox.put(1)
        outbox.put_nowait(2)

    assert render_with(copy_and_hand_off).size == 512
    assert [outbox.get_nowait(), outbox.get_nowait()] == [1, 2]


def test_other_threads_are_not_watched(tmp_path: Path) -> None:
    """The speech worker writes clips while the audio thread renders; only the latter counts."""
    written = tmp_path / "worker.wav"
    go: list[bool] = []
    done: list[bool] = []

    def worker() -> None:
        while not go:
            time.sleep(0.001)
        written.write_bytes(b"RIFF")
        os.stat(written)
        done.append(True)

    def render(frames: int) -> np.ndarray:
        go.append(True)
        deadline = time.monotonic() + 10
        while not done and time.monotonic() < deadline:
            pass  # spin: waiting on the thread would itself break the rule
        return np.zeros(frames, np.float32)

    thread = threading.Thread(target=worker)
    thread.start()
    guard = RealtimeGuard()
    guard.wrap(render)(512)
    thread.join()
    assert done == [True] and guard.calls == 1
    guard.check()
