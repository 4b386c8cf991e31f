"""The microphone as a queue of fixed 16 kHz mono int16 blocks (the callback only copies)."""

from __future__ import annotations

import queue
from types import TracebackType

import numpy as np

from voice_coach.sound.portaudio import has_device, load_sounddevice, no_device_line

FIX_HINT = "list devices with 'voice-coach devices' and pick one with --input-device"


class MicrophoneUnavailable(Exception):
    """No usable input device; the message is one line saying how to fix it."""


class Microphone:
    """`with Microphone() as mic: block, adc_time = mic.read(1.0)`."""

    def __init__(
        self, device: str | int | None = None, sample_rate: int = 16000, block_ms: int = 100
    ) -> None:
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.sample_rate = sample_rate
        self.block_samples = sample_rate * block_ms // 1000
        self.overflows = 0
        self._blocks: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(maxsize=600)
        self._stream = None

    def __enter__(self) -> Microphone:
        try:
            sounddevice = load_sounddevice()
        except (ImportError, OSError) as error:
            raise MicrophoneUnavailable(
                f"audio input is unavailable ({error}); install PortAudio (libportaudio2)"
            ) from None
        try:
            self._stream = sounddevice.InputStream(
                samplerate=self.sample_rate,
                blocksize=self.block_samples,
                device=self.device,
                channels=1,
                dtype="int16",
                callback=self._callback,
            )
            self._stream.start()
        except (sounddevice.PortAudioError, ValueError) as error:
            self._stream = None
            if self.device is None and not has_device(sounddevice, "input"):
                raise MicrophoneUnavailable(no_device_line("input")) from None
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise MicrophoneUnavailable(
                f"cannot open the microphone ({message}); {FIX_HINT}"
            ) from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _callback(self, indata: np.ndarray, frames: int, time, status) -> None:
        try:
            self._blocks.put_nowait((indata[:, 0].copy(), time.inputBufferAdcTime))
        except queue.Full:
            self.overflows += 1

    def read(self, timeout: float | None = None) -> tuple[np.ndarray, float] | None:
        """The next block and its ADC time, or None if none arrived within `timeout` seconds."""
        try:
            return self._blocks.get(timeout=timeout)
        except queue.Empty:
            return None
