"""Keeps the coach loop rendering whatever happens to the speaker.

The speaker renders through a lane of the render baton. A stream error, or no block for
STALL_S (a killed audio server stops the callbacks without any error), hands the baton to a
wall clock at once: the session goes on from the very sample reached, with printed cues.
Every RETRY_S the chosen device is opened again; a new stream first renders silence, and once
its blocks flow the baton passes back at the next phase boundary, with one spoken line.

Measured on PortAudio 19.6 (ALSA plugin onto PulseAudio), for the retry: after SIGKILL of the
server the stream's callbacks stop (it reports itself finished, no error); `abort()`/`close()`
return at once; opening fails in under 1 ms while the server is gone, and a new stream on the
same device opens without `sounddevice._terminate()/_initialize()` once it is back (its blocks
flowed about 1 s later on a freshly started server). Re-initialising would close every other
stream, the microphone's too, so it is not done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from voice_coach.app.device_health import (
    DeviceChange,
    Heartbeat,
    RecoveryTiming,
    first_line,
    log_change,
)
from voice_coach.app.devices import Devices
from voice_coach.core.effects import Priority
from voice_coach.settings import OutputSettings
from voice_coach.sound.coach_loop import CoachLoop, SpeechPlayed
from voice_coach.sound.coach_mixer import SAMPLE_RATE
from voice_coach.sound.output import Output, OutputUnavailable, WallClockOutput
from voice_coach.sound.render_baton import Lane, RenderBaton

SOUND_BACK = "Sound is back."
"""Spoken when the speaker returns (by the app, not the engine: prepared with the workout)."""

Notice = Callable[[str], None]


class LaneHeartbeat(Heartbeat):
    """The heartbeat of an output: the frames its lane was asked for. A new stream first asks
    for its whole buffer at once (`latency_s` of audio) and may then wait a second, so it
    counts as flowing only once it asked for `flowing_frames` beyond that."""

    def __init__(self, lane: Lane, timing: RecoveryTiming, settings: OutputSettings) -> None:
        buffer_frames = round(settings.latency_s * SAMPLE_RATE)
        super().__init__(lambda: lane.frames, buffer_frames + timing.flowing_frames, timing)
        self.lane = lane


class OutputKeeper:
    """The speaker of one coach loop, the wall clock in its place, and the way back."""

    def __init__(self, devices: Devices, loop: CoachLoop, notice: Notice,
                 timing: RecoveryTiming, sound_back: np.ndarray | None = None) -> None:
        self._devices = devices
        self._loop = loop
        self._notice = notice
        self._timing = timing
        self._sound_back = sound_back
        self._baton = RenderBaton(loop.render_block, lambda: loop.mixer.position)
        self._baton.on_handover = self._on_handover
        self._settings = OutputSettings()
        self.output: Output | None = None
        self._speaker: tuple[Output, LaneHeartbeat] | None = None  # rendering, or None: wall clock
        self._candidate: tuple[Output, LaneHeartbeat] | None = None
        self._retrying = False
        self._next_retry = 0.0
        self._underflows_before = 0

    @property
    def underflows(self) -> int:
        return self._underflows_before + (self.output.underflows if self.output else 0)

    def open(self, settings: OutputSettings) -> str | None:
        """The speaker, or the wall clock (and the reason) when it cannot open; then the
        speaker is tried again every `retry_s`."""
        self._settings = settings
        lane = self._baton.lane()
        self._baton.give(lane)
        speaker = self._devices.make_output(lane.render, settings)
        try:
            speaker.start()
        except OutputUnavailable as error:
            # Headphones not yet connected, or the audio server still starting: the speaker is
            # tried again as one lost mid-set is.
            self._start_wall_clock()
            self._retrying = True
            self._next_retry = time.monotonic() + self._timing.retry_s
            return str(error)
        self.output = speaker
        self._speaker = (speaker, LaneHeartbeat(lane, self._timing, settings))
        return None

    def stream_time_of(self, sample: int) -> float | None:
        """Where session sample `sample` is heard on the speaker's stream clock; None on the
        wall clock."""
        speaker = self._speaker
        if speaker is None:
            return None
        output, heartbeat = speaker
        return output.stream_time_of(heartbeat.lane.stream_frame_of(sample))

    def check(self) -> None:
        """Notice a lost speaker, retry a lost one, and take back one that is flowing."""
        if self._speaker is not None:
            output, heartbeat = self._speaker
            if output.error is not None or heartbeat.stalled():
                self._lose(output, heartbeat)
            return
        if not self._retrying:
            return
        if self._candidate is None:
            if time.monotonic() >= self._next_retry:
                self._try_reopen()
            return
        candidate, heartbeat = self._candidate
        if self._baton.holder is heartbeat.lane:
            self._back(candidate, heartbeat)
        elif candidate.error is not None or heartbeat.stalled():
            self._baton.cancel_handover()
            if self._baton.holder is heartbeat.lane:  # it took over just now: lose it as such
                self._back(candidate, heartbeat)
                return
            self._candidate = None
            _stop_in_background(candidate)
            self._next_retry = time.monotonic() + self._timing.retry_s
        elif self._baton.pending is None and heartbeat.flowing:
            self._baton.hand_over_at(heartbeat.lane, self._boundary_test())

    def stop(self) -> None:
        candidate = self._candidate
        if candidate is not None and self._baton.holder is candidate[1].lane:
            self._back(*candidate)  # it took over just before the end: say so all the same
        if self._candidate is not None:
            self._candidate[0].stop()
            self._candidate = None
        if self.output is not None:
            self.output.stop()

    def _lose(self, output: Output, heartbeat: LaneHeartbeat) -> None:
        reason = first_line(output.error) if output.error else (
            f"no sound for {self._timing.stall_s:g} s")
        self._baton.give(None)  # from here until the wall clock starts, nothing renders
        log_change(self._loop, DeviceChange(self._loop.now_ms, "output", "lost", reason))
        self._start_wall_clock()
        self._underflows_before += output.underflows
        _stop_in_background(output)
        self._retrying = True
        self._next_retry = time.monotonic() + self._timing.retry_s
        self._notice(f"audio output lost ({reason}); cues are printed and timing runs on the "
                     f"clock; trying the speaker again every {self._timing.retry_s:g} s")

    def _try_reopen(self) -> None:
        lane = self._baton.lane()
        candidate = self._devices.make_output(lane.render, self._settings)
        try:
            candidate.start()
        except OutputUnavailable:
            self._next_retry = time.monotonic() + self._timing.retry_s
            return
        self._candidate = (candidate, LaneHeartbeat(lane, self._timing, self._settings))

    def _back(self, candidate: Output, heartbeat: LaneHeartbeat) -> None:
        wall = self.output
        self.output, self._speaker, self._candidate = candidate, (candidate, heartbeat), None
        self._retrying = False
        if wall is not None:
            wall.stop()
        self._notice(f"audio output is back ({candidate.name}); cues are spoken again")

    def _on_handover(self, lane: Lane) -> None:
        """In the rendering thread, between the wall clock's last block and the speaker's
        first: the one moment the mixer may be given the spoken line."""
        loop = self._loop
        candidate = self._candidate
        name = candidate[0].name if candidate is not None else ""
        log_change(loop, DeviceChange(loop.now_ms, "output", "back", name))
        clip = self._sound_back
        if clip is None:
            return
        mixer = loop.mixer
        requested = mixer.position
        # An instruction: it replaces a cue that began in the wall clock's last block (that
        # cue was printed), so the first thing heard again says why the sound was gone.
        start = mixer.add_speech(requested, clip, int(Priority.INSTRUCTION), SOUND_BACK)
        at_ms = loop.now_ms if start is None else start * 1000 // mixer.sample_rate
        loop.outbox.put(SpeechPlayed(at_ms, SOUND_BACK, len(clip) * 1000 // mixer.sample_rate,
                                     start is None, start, requested, len(clip),
                                     int(Priority.INSTRUCTION)))

    def _boundary_test(self) -> Callable[[], bool]:
        """True once the session moved to another phase, rep or state, or right away when
        nothing is timed now (a rest, a pause) and nothing is sounding."""
        loop = self._loop

        def where() -> tuple[object, ...]:
            status = loop.status
            if status is None:
                return ()
            return (status.state, status.block, status.set_number, status.rep, status.phase)

        started = where()

        def is_boundary() -> bool:
            status = loop.status
            if status is not None and status.phase is None and loop.mixer.idle:
                return True
            return where() != started

        return is_boundary

    def _start_wall_clock(self) -> None:
        lane = self._baton.lane()
        self._baton.give(lane)
        self._speaker = None
        self.output = WallClockOutput(lane.render, SAMPLE_RATE)
        self.output.start()


def _stop_in_background(output: Output) -> None:
    """A stream on a vanished server may take its time to close; nothing waits for it."""
    threading.Thread(target=output.stop, name="close-lost-output", daemon=True).start()
