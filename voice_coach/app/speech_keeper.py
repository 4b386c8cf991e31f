"""Notices the speech synthesizer failing mid-workout, and working again.

Every phrase known in advance is prepared before the session, so only replies whose words
depend on what the person did ("how many", the summary after a stop) are rendered during it,
in the speech cache's background thread. When one fails (the TTS worker gone, its engine
broken), the reply is printed as every cue is, and the next one tries again: the synthesizer
starts a fresh worker for it. One line says speech is lost, one that it is back.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.app.device_health import DeviceChange, first_line, log_change
from voice_coach.app.devices import LiveSpeech
from voice_coach.sound.coach_loop import CoachLoop

Notice = Callable[[str], None]


class SpeechKeeper:
    """Watches one live speech engine's counts from the main thread."""

    def __init__(self, speech: LiveSpeech, loop: CoachLoop, notice: Notice) -> None:
        self._speech = speech
        self._loop = loop
        self._notice = notice
        self._failures_seen = speech.failures
        self._recoveries_seen = speech.recoveries
        self.lost = False

    def check(self) -> None:
        """Both lines in one call when a reply failed and the next worked since the last."""
        speech = self._speech
        failures, recoveries = speech.failures, speech.recoveries
        if not self.lost and failures > self._failures_seen:
            self.lost = True
            error = speech.last_error
            reason = first_line(error) if error is not None else "a reply could not be rendered"
            log_change(self._loop, DeviceChange(self._loop.now_ms, "speech", "lost", reason))
            self._notice(f"speech lost ({reason}); replies are printed, and the next one starts "
                         "the synthesizer again")
        if self.lost and recoveries > self._recoveries_seen:
            self.lost = False
            log_change(self._loop, DeviceChange(self._loop.now_ms, "speech", "back", ""))
            self._notice("speech is back; replies are spoken again")
        self._failures_seen, self._recoveries_seen = failures, recoveries
