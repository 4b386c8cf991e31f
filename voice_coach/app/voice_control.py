"""Live voice control: microphone blocks through the listener into the coach loop.

A thread reads 100 ms microphone blocks, tells the listener when the coach itself was audible
(the mixer reports every click and speech clip; the speaker maps its samples onto the stream
clock the microphone's timestamps use), keeps the listener to the commands the session accepts
now, and submits what it hears. Nothing here runs in an audio callback.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.microphone import Microphone
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.mixer import Audible

SampleClock = Callable[[int], float | None]  # output sample -> stream time (s), None if unknown
READ_TIMEOUT_S = 0.25


class VoiceControl:
    """Runs `listener` on `microphone` blocks and submits accepted commands to `loop`."""

    def __init__(self, listener: CommandListener, microphone: Microphone, loop: CoachLoop,
                 sample_clock: SampleClock) -> None:
        self.listener = listener
        self.microphone = microphone
        self.loop = loop
        self._sample_clock = sample_clock
        self._audible: queue.SimpleQueue[Audible] = queue.SimpleQueue()
        loop.mixer.audible_feed = self._audible
        self._unplaced: list[Audible] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="voice-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.microphone.__exit__(None, None, None)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                block = self.microphone.read(READ_TIMEOUT_S)
                if block is None:
                    continue
                samples, adc_time = block
                self._mark_coach_audio()
                self.listener.set_active(self.loop.active_commands)
                for heard in self.listener.push(samples, adc_time):
                    self.loop.submit(heard.command, "voice", heard.text, heard.confidence)
        except Exception as error:  # reported by the main thread; keyboard still works
            self.error = error

    def _mark_coach_audio(self) -> None:
        """Hand the listener every coach sound whose stream time is known by now."""
        while True:
            try:
                self._unplaced.append(self._audible.get_nowait())
            except queue.Empty:
                break
        rate = self.loop.mixer.sample_rate
        waiting = []
        for audible in self._unplaced:
            start_s = self._sample_clock(audible.start)
            if start_s is None:
                waiting.append(audible)
                continue
            end_s = start_s + (audible.end - audible.start) / rate
            kind = "speech" if audible.kind in ("speech", "sound") else "click"
            self.listener.mark_coach_audio(start_s, end_s, kind)
        self._unplaced = waiting[-256:]
