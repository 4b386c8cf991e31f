"""Where the mixed audio goes: the one sounddevice output stream, or a wall clock when there is
no output device.

Both call `render(frames)` block by block; the stream from its audio callback (which only
copies the rendered block out), the wall clock from a thread paced by the monotonic clock so
that the workout keeps time with cues printed instead of heard.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from voice_coach.settings import OutputSettings
from voice_coach.sound.portaudio import has_device, load_sounddevice, no_device_line

Render = Callable[[int], np.ndarray]
# 10.7 ms at 48 kHz: a command takes effect at the next block, so smaller blocks answer sooner
# (1024 frames: ~25 ms more from a spoken word to its earcon, no fewer underruns).
BLOCK_FRAMES = 512
# A block whose DAC time is this far from where the last anchor puts it (an underrun, drift)
# starts a new anchor; older samples keep the anchor they were played under.
ANCHOR_SLACK_S = 0.002
MAX_ANCHORS = 64


class OutputUnavailable(Exception):
    """No usable output device; the message is one line saying what and how to fix it."""


class Output(Protocol):
    """Calls the render function block by block once started; `error` is set (never raised)
    when it fails, and `underflows` counts the times the sound ran dry."""

    name: str
    error: BaseException | None
    underflows: int

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def stream_time_of(self, sample: int) -> float | None:
        """When output sample `sample` is heard on the stream clock; None when unknown."""
        ...


class StreamClock:
    """Maps output samples onto PortAudio's stream clock from the DAC times of played blocks.

    It keeps an anchor (first sample of a block, its DAC time) wherever the mapping changed: a
    block more than ANCHOR_SLACK_S from where the last anchor puts it (an underrun, drift)
    starts a new one, and older samples keep the anchor they were played under."""

    def __init__(self, sample_rate: int) -> None:
        self._sample_rate = sample_rate
        # Replaced whole by the audio callback, so readers in other threads always see a
        # consistent tuple.
        self._anchors: tuple[tuple[int, float], ...] = ()

    def place_block(self, first_sample: int, dac_time: float) -> None:
        """A block starting at output sample `first_sample` is heard at `dac_time`."""
        anchors = self._anchors
        if anchors:
            first, anchor_time = anchors[-1]
            expected = anchor_time + (first_sample - first) / self._sample_rate
            if abs(dac_time - expected) <= ANCHOR_SLACK_S:
                return
        self._anchors = (*anchors[-MAX_ANCHORS + 1 :], (first_sample, dac_time))

    def time_of(self, sample: int) -> float | None:
        """When output sample `sample` reaches the speaker; None before the first block."""
        anchors = self._anchors
        if not anchors:
            return None
        first, dac_time = anchors[0]
        for anchor in reversed(anchors):
            if anchor[0] <= sample:
                first, dac_time = anchor
                break
        return dac_time + (sample - first) / self._sample_rate


class SpeakerOutput:
    """A sounddevice OutputStream at the mixer's rate whose callback renders the coach loop."""

    def __init__(self, render: Render, sample_rate: int, settings: OutputSettings | None = None,
                 block_frames: int = BLOCK_FRAMES) -> None:
        self._render = render
        self._sample_rate = sample_rate
        self._settings = settings or OutputSettings()
        self._block_frames = block_frames
        self._stream: Any = None
        self.error: BaseException | None = None
        self.underflows = 0
        self.name = "speaker"
        self._frames_rendered = 0
        self.clock = StreamClock(sample_rate)

    def start(self) -> None:
        try:
            sd = load_sounddevice()
        except OSError as error:  # PortAudio library missing
            raise OutputUnavailable(
                f"no audio output: {error}; install it with 'apt-get install libportaudio2'"
            ) from None
        try:
            self._stream = sd.OutputStream(
                samplerate=self._sample_rate, blocksize=self._block_frames, channels=1,
                dtype="float32", device=self._settings.device, callback=self._callback,
                latency=self._settings.latency_s,
            )
            self.name = str(sd.query_devices(self._stream.device)["name"])
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            self._stream = None
            raise OutputUnavailable(self._why_not(sd, error)) from None

    def _why_not(self, sd: Any, error: BaseException) -> str:
        """One line for a stream that would not open."""
        device = self._settings.device
        if device is None and not has_device(sd, "output"):
            return no_device_line("output")
        what = f"output device {device!r}" if device is not None else "the default output device"
        return (f"cannot open {what} ({_first_line(error)}); list devices with "
                "'voice-coach devices' and pick one with --output-device")

    @property
    def latency_s(self) -> float | None:
        """The stream's reported output latency (rendered block -> heard), once it is open."""
        return None if self._stream is None else float(self._stream.latency)

    def stream_time_of(self, sample: int) -> float | None:
        """When output sample `sample` reaches the speaker, on PortAudio's stream clock (the
        clock microphone timestamps use); None before the first block. A sample already
        played keeps the time it played at even if an underrun delayed later ones."""
        return self.clock.time_of(sample)

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status.output_underflow:
            self.underflows += 1
        if time_info.outputBufferDacTime:
            self.clock.place_block(self._frames_rendered, float(time_info.outputBufferDacTime))
        self._frames_rendered += frames
        try:
            outdata[:, 0] = self._render(frames)
        except Exception as error:  # reported by the main thread, never lost
            outdata.fill(0)
            self.error = error
            import sounddevice as sd

            raise sd.CallbackAbort from error


class WallClockOutput:
    """No speaker: render blocks in real time and discard them, so timing still runs."""

    def __init__(self, render: Render, sample_rate: int, block_frames: int = BLOCK_FRAMES) -> None:
        self._render = render
        self._sample_rate = sample_rate
        self._block_frames = block_frames
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.name = "none (text cues)"
        self.underflows = 0  # nothing is played, so nothing can run dry

    def stream_time_of(self, sample: int) -> float | None:
        """Unknown: no stream, so the listener cannot place the coach's sounds."""
        return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wall-clock-output", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        block_s = self._block_frames / self._sample_rate
        next_block = time.monotonic()
        try:
            while not self._stopping.is_set():
                self._render(self._block_frames)
                next_block += block_s
                self._stopping.wait(max(0.0, next_block - time.monotonic()))
        except Exception as error:  # reported by the main thread
            self.error = error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
