"""Keeps voice control going: a microphone that stops delivering blocks, or a recognizer child
that fails, costs one line; keyboard commands work meanwhile (when stdin allows), voice control
is opened again every RETRY_S with the same settings (a new recognizer child, the same model),
and its return costs one line more. Reopening runs in a thread of its own, as starting a
recognizer takes a while and the main thread must go on watching the speaker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from voice_coach.app.device_health import (
    DeviceChange,
    Heartbeat,
    RecoveryTiming,
    first_line,
    log_change,
)
from voice_coach.app.voice_control import VoiceControl
from voice_coach.sound.coach_loop import CoachLoop

OpenVoice = Callable[[], tuple[VoiceControl, str]]
"""Opens voice control with the workout's settings; raises VoiceUnavailable."""


class VoiceKeeper:
    """The running voice control of one coach loop, and its reopening once lost."""

    def __init__(self, open_voice: OpenVoice, loop: CoachLoop, notice: Callable[[str], None],
                 timing: RecoveryTiming, meanwhile: Callable[[], str]) -> None:
        self._open_voice = open_voice
        self._loop = loop
        self._notice = notice
        self._timing = timing
        self._meanwhile = meanwhile  # what the user can do without voice, in a few words
        self.voice: VoiceControl | None = None
        self._heartbeat: Heartbeat | None = None
        self._lost: str | None = None  # the device lost: microphone or recognizer
        self._next_retry = 0.0
        self._reopening: threading.Thread | None = None
        self._reopened: VoiceControl | None = None
        self._reopened_heartbeat: Heartbeat | None = None

    def open(self) -> str:
        """Starts voice control and returns its description; raises VoiceUnavailable."""
        voice, description = self._open_voice()
        self._watch(voice)
        return description

    @property
    def lost(self) -> bool:
        return self._lost is not None

    def check(self) -> None:
        voice, heartbeat = self.voice, self._heartbeat
        if voice is not None and heartbeat is not None:
            if voice.error is not None:
                self._lose(voice, "recognizer", first_line(voice.error))
            elif heartbeat.stalled():
                self._lose(voice, "microphone", f"no sound from it for {self._timing.stall_s:g} s")
            return
        if self._lost is None:
            return
        if self._reopened is not None:
            self._judge_reopened(self._reopened)
        elif self._reopening is None and time.monotonic() >= self._next_retry:
            self._reopening = threading.Thread(target=self._reopen, name="reopen-voice",
                                               daemon=True)
            self._reopening.start()

    def stop(self) -> None:
        if self._reopening is not None:
            self._reopening.join(timeout=10)
        for voice in (self.voice, self._reopened):
            if voice is not None:
                voice.stop()
        self.voice = self._reopened = None

    def _watch(self, voice: VoiceControl) -> None:
        self.voice = voice
        self._heartbeat = self._heartbeat_of(voice)

    def _heartbeat_of(self, voice: VoiceControl) -> Heartbeat:
        return Heartbeat(lambda: voice.blocks, self._timing.flowing_blocks, self._timing)

    def _lose(self, voice: VoiceControl, device: str, reason: str) -> None:
        self.voice = self._heartbeat = None
        self._lost = device
        threading.Thread(target=voice.stop, name="stop-lost-voice", daemon=True).start()
        log_change(self._loop, DeviceChange(self._loop.now_ms, device, "lost", reason))
        self._next_retry = time.monotonic() + self._timing.retry_s
        what = "the microphone" if device == "microphone" else "the voice recognizer"
        self._notice(f"{device} lost ({reason}); {self._meanwhile()}; trying {what} again "
                     f"every {self._timing.retry_s:g} s")

    def _reopen(self) -> None:
        from voice_coach.app.voice_setup import VoiceUnavailable

        try:
            voice, _ = self._open_voice()
        except VoiceUnavailable:
            voice = None
        # Read by the main thread only after this thread ended (`_reopening` is None).
        self._next_retry = time.monotonic() + self._timing.retry_s
        self._reopened = voice
        self._reopening = None

    def _judge_reopened(self, voice: VoiceControl) -> None:
        """Back once its blocks flow; dropped (and retried later) if it fails first."""
        if self._reopened_heartbeat is None:
            self._reopened_heartbeat = self._heartbeat_of(voice)
        heartbeat = self._reopened_heartbeat
        if voice.error is not None or heartbeat.stalled():
            self._reopened = self._reopened_heartbeat = None
            threading.Thread(target=voice.stop, name="stop-lost-voice", daemon=True).start()
            self._next_retry = time.monotonic() + self._timing.retry_s
        elif heartbeat.flowing:
            self._reopened_heartbeat = None
            self._back(voice)

    def _back(self, voice: VoiceControl) -> None:
        device = self._lost or "microphone"
        self._reopened, self._lost = None, None
        self._watch(voice)
        log_change(self._loop, DeviceChange(self._loop.now_ms, device, "back", ""))
        self._notice(f"{device} is back; listening for commands again")
