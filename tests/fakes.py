"""Shared test fakes: speech (clips, or a synthesizer for the real speech cache), a speaker, a
microphone with canned blocks, a scripted recognizer, a keyboard, and the `Devices` factory that
hands them to a live workout (the session harness is tests/scenario.py).

None needs a sound card, a TTS engine or a speech model, and all are deterministic: the fake
speaker renders as fast as it can and gives the workout's commands at exact session times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import TracebackType

import numpy as np

from voice_coach.app.devices import Keyboard, LiveSpeech, MicrophoneInput, Submit
from voice_coach.core.commands import Command
from voice_coach.core.engine import estimate_speech_ms
from voice_coach.recognition.base import Hypothesis, Recognizer, RecognizerUnavailable
from voice_coach.recognition.echo_canceller import EchoCanceller
from voice_coach.settings import (
    EchoSettings,
    MicrophoneSettings,
    OutputSettings,
    RecognizerSettings,
    SpeechSettings,
)
from voice_coach.sound.output import Output, OutputUnavailable, Render
from voice_coach.speech.base import TtsUnavailable

SAMPLE_RATE = 48000


class FakeSpeech:
    """Speech clips whose length is the engine's estimate: a quiet tone, one per text."""

    rate_wpm = 165

    def __init__(self, sample_rate: int = SAMPLE_RATE, level: float = 0.2) -> None:
        self.sample_rate = sample_rate
        self.level = level
        self.rendered: list[str] = []

    def duration_ms(self, text: str) -> int:
        return estimate_speech_ms(text)

    def clip(self, text: str) -> np.ndarray:
        self.rendered.append(text)
        n = self.duration_ms(text) * self.sample_rate // 1000
        t = np.arange(n) / self.sample_rate
        return (self.level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


class FakeSynth:
    """A `SpeechSynth` of FakeSpeech's tones, for the real `SpeechCache` without a TTS engine."""

    engine_name = "fake-tone"
    voice = "tone"
    rate_wpm = FakeSpeech.rate_wpm
    sample_rate = SAMPLE_RATE

    def __init__(self) -> None:
        self._tones = FakeSpeech(self.sample_rate)

    def synthesize(self, text: str) -> np.ndarray:
        return self._tones.clip(text)


class FakeLiveSpeech(FakeSpeech):
    """FakeSpeech with the live cache's memory: `request` renders at once, `get_ready` reads.
    The first `failing_requests` requests of a new text fail as the cache's would."""

    def __init__(self, failing_requests: int = 0) -> None:
        super().__init__()
        self.memory: dict[str, np.ndarray] = {}
        self.closed = False
        self.failing_requests = failing_requests
        self.failures = 0
        self.recoveries = 0
        self.last_error: Exception | None = None

    def clip(self, text: str) -> np.ndarray:
        if text not in self.memory:
            self.memory[text] = super().clip(text)
        return self.memory[text]

    def get_ready(self, text: str) -> np.ndarray | None:
        return self.memory.get(text)

    def request(self, text: str) -> None:
        if text not in self.memory and self.failing_requests > 0:
            self.failing_requests -= 1
            self.failures += 1
            self.last_error = TtsUnavailable("the speech worker exited (code -9)")
            return
        if self.failures > self.recoveries and text not in self.memory:
            self.recoveries += 1
        self.clip(text)

    def close(self) -> None:
        self.closed = True


def click_clip(length: int = 240, level: float = 0.5) -> np.ndarray:
    """A click whose first sample is its loudest, so onsets are exact."""
    return (level * np.exp(-np.arange(length) / 30.0)).astype(np.float32)


class SubtractingEchoCanceller:
    """A perfect echo canceller for a microphone that hears exactly the reference: it
    subtracts it (`recognition.echo_canceller.EchoCanceller`)."""

    name = "subtracting"

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self.calls = 0

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        self.calls += 1
        return (mic.astype(np.int32) - reference).clip(-32768, 32767).astype(np.int16)


class ScriptedRecognizer:
    """A fake engine that returns prepared hypotheses at given block numbers and records input;
    reset() forgets the utterance in progress, i.e. the rest of the script. At block
    `fails_at` it fails once, as a recognizer child process that died."""

    name = "scripted"
    dropped_phrases: tuple[str, ...] = ()

    def __init__(self, script: dict[int, list[Hypothesis]], sample_rate: int = 16000,
                 fails_at: int | None = None) -> None:
        self.sample_rate = sample_rate
        self.fails_at = fails_at
        self.script = script
        self.blocks_fed: list[np.ndarray] = []
        self.resets = 0
        self.phrases: list[str] = []
        self.closed = False

    def set_phrases(self, phrases: Sequence[str]) -> None:
        self.phrases = list(phrases)

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        self.blocks_fed.append(block.copy())
        if self.fails_at is not None and len(self.blocks_fed) > self.fails_at:
            self.fails_at = None
            raise RecognizerUnavailable("the speech recognizer process stopped (exit code -9)")
        return self.script.get(len(self.blocks_fed) - 1, [])

    def reset(self) -> None:
        self.resets += 1
        self.script = {}

    def close(self) -> None:
        self.closed = True


class FakeMicrophone:
    """Canned blocks, one per `read`, then silence in real time as a quiet room gives, or
    (`stall`) nothing, as a stream on a killed audio server; no ADC times (0.0). `drained` is
    set once the last canned block has been read."""

    def __init__(self, blocks: Sequence[np.ndarray], sample_rate: int = 16000,
                 stall: bool = False) -> None:
        self.sample_rate = sample_rate
        self._stall = stall
        self._silence = np.zeros(len(blocks[-1]) if blocks else sample_rate // 10, np.int16)
        self._blocks = list(blocks)
        self._next = 0
        self._closed = threading.Event()
        self.drained = threading.Event()

    def __enter__(self) -> FakeMicrophone:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._closed.set()

    def read(self, timeout: float | None = None) -> tuple[np.ndarray, float] | None:
        if self._next >= len(self._blocks):
            self.drained.set()
            if self._stall:
                self._closed.wait(timeout)
                return None
            if self._closed.wait(len(self._silence) / self.sample_rate):
                return None
            return self._silence, 0.0
        block = self._blocks[self._next]
        self._next += 1
        return block, 0.0


class FakeKeyboard:
    """Submits `commands` as soon as it starts, as a pipe into stdin does."""

    interactive = False

    def __init__(self, submit: Submit, commands: Sequence[Command]) -> None:
        self._submit = submit
        self._commands = list(commands)
        self.stopped = False

    def start(self) -> None:
        for command in self._commands:
            self._submit(command)

    def stop(self) -> None:
        self.stopped = True


class FakeOutput:
    """Renders blocks in a thread as fast as it can, so a workout takes seconds. Before each
    block it calls `before_block(ms)` with the time its own blocks reached; at `fail_at_ms` it
    stops rendering, with an error as an unplugged headset does, or (`stall`) silently as a
    stream on a killed audio server does."""

    name = "fake speaker"

    def __init__(self, render: Render, sample_rate: int, block_frames: int = 512,
                 before_block: Callable[[int], None] = lambda ms: None,
                 fail_at_ms: int | None = None, stall: bool = False,
                 real_time_from_ms: int | None = None,
                 until: threading.Event | None = None) -> None:
        self._render = render
        self._stall = stall
        self._real_time_from_ms = real_time_from_ms
        self._until = until
        self._sample_rate = sample_rate
        self._block_frames = block_frames
        self._before_block = before_block
        self._fail_at_ms = fail_at_ms
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.underflows = 0
        self.blocks = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-output", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def stream_time_of(self, sample: int) -> float | None:
        return None  # it runs far ahead of the microphone: their clocks have nothing in common

    def _run(self) -> None:
        while not self._stopping.is_set():
            now_ms = self.blocks * self._block_frames * 1000 // self._sample_rate
            if self._fail_at_ms is not None and now_ms >= self._fail_at_ms:
                if not self._stall:
                    self.error = OSError("device unplugged")
                return
            self._before_block(now_ms)
            self._render(self._block_frames)
            self.blocks += 1
            if self._paced(now_ms):
                self._stopping.wait(self._block_frames / self._sample_rate)
            elif self.blocks % 64 == 0:
                self._stopping.wait(0.0005)  # let the main thread pump events now and then

    def _paced(self, now_ms: int) -> bool:
        """In real time from `real_time_from_ms` until `until` is set: time for a device
        keeper to notice something, while the speaker itself stays healthy."""
        start, until = self._real_time_from_ms, self._until
        return start is not None and now_ms >= start and until is not None and (
            not until.is_set())


class UnavailableOutput:
    """A speaker that cannot open, as while the audio server is gone."""

    name = "gone"
    error: BaseException | None = None
    underflows = 0

    def start(self) -> None:
        raise OutputUnavailable("cannot open the default output device (no server)")

    def stop(self) -> None:
        pass

    def stream_time_of(self, sample: int) -> float | None:
        return None


class FakeDevices:
    """A `Devices` factory of fakes. `commands_at` (session ms -> command) are typed at those
    exact times; `keyboard` commands as the keyboard starts; without a `recognizer` voice
    control is unavailable, as with no model. With `hear_all_by_ms` the speaker waits at that
    session time until the microphone's blocks have all been heard. The first speaker fails at
    `fail_output_at_ms` (see FakeOutput; `stall_output`); after that, the next
    `output_gone_for` speakers cannot open, and later ones work: `outputs` are all it made.
    The first microphone stalls after its blocks with `stall_microphone`; `real_time_from_ms`
    makes the speaker keep real time from then until `release` is set. The first
    `failing_speech_requests` replies rendered mid-workout fail. The first
    `output_missing_at_start` speakers cannot open (none yet when the workout starts)."""

    def __init__(self, commands_at: dict[int, Command] | None = None,
                 keyboard: Sequence[Command] = (), recognizer: Recognizer | None = None,
                 microphone_blocks: Sequence[np.ndarray] = (),
                 fail_output_at_ms: int | None = None, stall_output: bool = False,
                 output_gone_for: int = 0, stall_microphone: bool = False,
                 real_time_from_ms: int | None = None,
                 hear_all_by_ms: int | None = None, failing_speech_requests: int = 0,
                 output_missing_at_start: int = 0,
                 echo_canceller: EchoCanceller | None = None) -> None:
        self.echo_canceller = echo_canceller
        self._output_missing_at_start = output_missing_at_start
        self.speech = FakeLiveSpeech(failing_speech_requests)
        self.output: FakeOutput | None = None
        self.recognizer = recognizer
        self._microphone_blocks = microphone_blocks
        self._keyboard_commands = keyboard
        self._pending = sorted((commands_at or {}).items())
        self._fail_output_at_ms = fail_output_at_ms
        self._stall_output = stall_output
        self._output_gone_for = output_gone_for
        self.outputs: list[FakeOutput] = []
        self._stall_microphone = stall_microphone
        self.microphones: list[FakeMicrophone] = []
        self._real_time_from_ms = real_time_from_ms
        self.release = threading.Event()
        self.output_attempts = 0
        self._hear_all_by_ms = hear_all_by_ms
        self.microphone: FakeMicrophone | None = None
        self._submit: Submit | None = None
        self.recognizer_settings: list[RecognizerSettings] = []

    def make_speech(self, settings: SpeechSettings) -> LiveSpeech:
        return self.speech

    def make_output(self, render: Render, settings: OutputSettings) -> Output:
        self.output_attempts += 1
        if self._output_missing_at_start > 0:
            self._output_missing_at_start -= 1
            return UnavailableOutput()
        if self.outputs and self._output_gone_for > 0:
            self._output_gone_for -= 1
            return UnavailableOutput()
        first = not self.outputs
        self.output = FakeOutput(render, SAMPLE_RATE, before_block=self._type_due,
                                 fail_at_ms=self._fail_output_at_ms if first else None,
                                 stall=self._stall_output,
                                 real_time_from_ms=self._real_time_from_ms, until=self.release)
        self.outputs.append(self.output)
        return self.output

    def make_microphone(self, settings: MicrophoneSettings, sample_rate: int,
                        block_ms: int) -> MicrophoneInput:
        first = not self.microphones
        self.microphone = FakeMicrophone(self._microphone_blocks, sample_rate,
                                         stall=self._stall_microphone and first)
        self.microphones.append(self.microphone)
        return self.microphone

    def make_recognizer(self, settings: RecognizerSettings) -> Recognizer:
        self.recognizer_settings.append(settings)
        if self.recognizer is None:
            raise RecognizerUnavailable("no recognizer in this test")
        return self.recognizer

    def make_echo_canceller(self, settings: EchoSettings,
                            sample_rate: int) -> tuple[EchoCanceller | None, str]:
        if self.echo_canceller is None:
            return None, "echo cancellation off (none in this test)"
        return self.echo_canceller, f"echo cancellation on ({self.echo_canceller.name})"

    def make_keyboard(self, submit: Submit, is_paused: Callable[[], bool],
                      on_unknown: Callable[[str], None]) -> Keyboard:
        self._submit = submit
        return FakeKeyboard(submit, self._keyboard_commands)

    def _type_due(self, now_ms: int) -> None:
        hold = self._hear_all_by_ms
        if hold is not None and now_ms >= hold and self.microphone is not None:
            self.microphone.drained.wait(timeout=10)
            self._hear_all_by_ms = None
        while self._pending and self._pending[0][0] <= now_ms and self._submit is not None:
            self._submit(self._pending.pop(0)[1])
