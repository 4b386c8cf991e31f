"""Live voice control: microphone blocks through the listener into the coach loop.

A thread reads microphone blocks of the listener's size, tells the listener when the coach
itself was audible (the mixer reports every click and speech clip; the speaker maps its samples
onto the stream clock the microphone's timestamps use), keeps the listener to the commands the
session accepts now, and submits what it hears. Nothing here runs in an audio callback.

Measured on PulseAudio (ALSA plugin): output DAC times and microphone ADC times share one clock
(a click played straight into the microphone lands within 1 ms of where `stream_time_of` puts
it), but single ADC times jump by about 15 ms and the first blocks' by 0.2-0.5 s, so block
times are smoothed over the sample count; the way from speaker to microphone (a room, or a
loopback) adds some tens of milliseconds, so coach speech is marked that much longer.

Clicks are marked too, and the gate turns them down rather than zeroing them: zeroing 65 ms
cost words with a click inside (flite "pause"/"resume"/"stop": 33/48 recognized against 48/48
with the click left in), while scaling down costs almost nothing (67/72 against 68/72 left in,
over clicks from 0.2 s before to the end of the word). Marking them still matters: a click
left in just before a word can stretch the word's start back into the tail of a cue, and then
the word is void; 120 s of clicks alone gave no command either way.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from voice_coach.app.devices import MicrophoneInput
from voice_coach.recognition.echo_path import REFERENCE_LEAD_S
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.played_audio import CoachInterval
from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.mixer import Audible, AudioKind, latest_audible
from voice_coach.sound.reference_ring import ReferenceRing

SampleClock = Callable[[int], float | None]  # output sample -> stream time (s), None if unknown
READ_TIMEOUT_S = 0.25
# Speaker-to-microphone delay the gate must cover beyond the output stream's own latency: the
# PulseAudio loopback measured 6-21 ms, a room a few ms plus its echo.
ECHO_DELAY_S = 0.03
LEAD_S = 0.01  # timestamp jitter: start blanking this much early
ADC_WINDOW = 5  # blocks whose ADC times vote on the timeline
REMEMBER_S = 20.0  # coach sounds that ended longer ago than this no longer matter


def as_heard(start_s: float, end_s: float, kind: AudioKind, text: str = "") -> CoachInterval:
    """A coach sound played from `start_s` to `end_s` (stream seconds) as the listener must
    treat it: a little early, and speech (or a chime, an earcon) with the room's echo after
    it; a click's own margin in the gate covers its echo. `listen --reference` marks the
    coach's sounds the same way."""
    if kind is AudioKind.CLICK:
        return (start_s - LEAD_S, end_s, AudioKind.CLICK, "")
    return (start_s - LEAD_S, end_s + ECHO_DELAY_S, AudioKind.SPEECH, text)


class BlockTimeline:
    """Steady stream times for consecutive microphone blocks.

    The sample count fixes the spacing; the median of the last few blocks' ADC times minus
    their count fixes the origin, so a single jumpy timestamp moves nothing and a real gap
    (dropped input) is followed within a few blocks. Without ADC times, the count alone.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._samples = 0
        self._origins: deque[float] = deque(maxlen=ADC_WINDOW)

    def place(self, frames: int, adc_time: float | None) -> float:
        """The stream time of the first sample of the next block (`frames` long)."""
        counted = self._samples / self.sample_rate
        self._samples += frames
        if adc_time:
            self._origins.append(adc_time - counted)
        if not self._origins:
            return counted
        return counted + statistics.median(self._origins)


class VoiceControl:
    """Runs `listener` on `microphone` blocks and submits accepted commands to `loop`."""

    def __init__(
        self,
        listener: CommandListener,
        microphone: MicrophoneInput,
        loop: CoachLoop,
        sample_clock: SampleClock,
        blank_clicks: bool = True,
    ) -> None:
        self.listener = listener
        self.blank_clicks = blank_clicks
        self.microphone = microphone
        self.loop = loop
        self._sample_clock = sample_clock
        # Starts with what the mixer played already: the welcome may have begun before this.
        self._audible = loop.mixer.subscribe_audible()
        self._recent: list[Audible] = []
        self._timeline = BlockTimeline(microphone.sample_rate)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.blocks = 0
        """Microphone blocks read so far: its heartbeat (a stream on a vanished audio server
        just stops delivering)."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="voice-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.microphone.__exit__(None, None, None)
        self.listener.recognizer.close()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                block = self.microphone.read(READ_TIMEOUT_S)
                if block is None:
                    continue
                samples, adc_time = block
                self.blocks += 1
                start_s = self._timeline.place(len(samples), adc_time)
                self._mark_coach_audio()
                self.listener.set_active(self.loop.active_commands)
                reference = self._reference_for(start_s, len(samples))
                was_speaking = self.listener.user_speaking
                heard_now = self.listener.push(samples, start_s, reference)
                if self.listener.user_speaking:
                    self.loop.submit_voice()
                    if not was_speaking:
                        self.loop.note_voice_began(self._session_ms(start_s))
                for heard in heard_now:
                    self.loop.submit(heard.command, "voice", heard.text, heard.confidence)
                for unheeded in self.listener.take_unheeded():
                    self.loop.note_unheeded(unheeded.text, unheeded.confidence, unheeded.reason)
        except Exception as error:  # reported by the main thread; keyboard still works
            self.error = error

    def _mark_coach_audio(self) -> None:
        """Tell the listener where every recent coach sound is on the stream clock, placed anew
        each block: once a sound has played its times are final, even across an underrun."""
        while self._audible:  # this thread is the feed's only reader
            self._recent.append(self._audible.popleft())
        rate = self.loop.mixer.sample_rate
        keep_from = self.loop.mixer.position - round(REMEMBER_S * rate)
        self._recent = [a for a in latest_audible(self._recent) if a.end >= keep_from]
        intervals: list[CoachInterval] = []
        for audible in self._recent:
            if audible.kind is AudioKind.CLICK and not self.blank_clicks:
                continue
            start_s, end_s = self._sample_clock(audible.start), self._sample_clock(audible.end)
            if start_s is None or end_s is None:
                continue
            intervals.append(as_heard(start_s, end_s, audible.kind, audible.text))
        self.listener.set_self_audio(intervals)

    def _reference_for(self, start_s: float, count: int) -> np.ndarray | None:
        """What the speaker played over the microphone block starting at stream time
        `start_s`, at the microphone's rate; None without a canceller or a speaker clock
        (the wall clock plays nothing)."""
        if self.listener.echo is None:
            return None
        ring: ReferenceRing = self.loop.reference
        first = self._output_sample_at(start_s + REFERENCE_LEAD_S)
        if first is None:
            return None
        factor = ring.sample_rate // self.microphone.sample_rate
        return ring.read_decimated(first, count, factor)

    def _output_sample_at(self, stream_s: float) -> int | None:
        """The output sample heard at stream time `stream_s`, from where the newest one mixed
        is heard; None before any is mixed or without a speaker clock."""
        ring: ReferenceRing = self.loop.reference
        newest = ring.written - 1
        heard_at = self._sample_clock(newest) if newest >= 0 else None
        if heard_at is None:
            return None
        return newest + round((stream_s - heard_at) * ring.sample_rate)

    def _session_ms(self, stream_s: float) -> int:
        """Stream time as session time; where the mixer is now when that is unknown."""
        sample = self._output_sample_at(stream_s)
        if sample is None:
            return self.loop.now_ms
        return max(0, sample) * 1000 // self.loop.reference.sample_rate

