"""Drives the session engine from the mixer's sample clock: the samples played are the clock.

`render_block(frames)` is the whole loop: apply commands that arrived, advance the engine to the
end of the block, hand its effects to the mixer at their exact sample positions, and mix. The
live output stream calls it from its callback; rendering to a file calls it in a plain loop,
so both run the very same code. Effects go out through `outbox` for the main thread to log and
print.

What the callback rule means in Python: `render_block` never blocks, does no I/O (no file, no
print, no logging), takes no lock and does work bounded by the block and the effects in it. It
copies prepared buffers and hands things over only through structures whose operations are C
code that never blocks: `collections.deque` append/popleft (thread-safe by the docs) and
`queue.SimpleQueue.put` (documented never to block; reentrant). It does allocate: the engine's
effects and a few block-sized arrays are small objects, accepted; what it must not do is wait.
tests/test_realtime_callback.py runs a whole workout under a guard that fails on any of these.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voice_coach.core.commands import Command
from voice_coach.core.effects import Click, Effect, Hush, Say, Sound, Yield
from voice_coach.core.engine import Session, Status
from voice_coach.core.yielding import Yielding
from voice_coach.sound.mixer import Mixer
from voice_coach.sound.reference_ring import ReferenceRing

LATE_SPEECH_MS = 2000


@dataclass(frozen=True)
class Heard:
    """A command as it reached the loop, before the engine decided on it."""

    at_ms: int
    command: str
    source: str  # keyboard, voice, ...
    text: str = ""  # what the recognizer heard, for voice commands
    confidence: float | None = None
    type: str = field(default="heard", init=False)


@dataclass(frozen=True)
class VoiceUnheeded:
    """Something the recognizer heard that was not acted on, and why (see the listener)."""

    at_ms: int
    text: str
    confidence: float | None
    reason: str
    type: str = field(default="unheeded", init=False)


@dataclass(frozen=True)
class VoiceBegan:
    """The person's voice began (over the coach or not): `at_ms` is where the microphone heard
    its first block, on the session clock. With the yields it tells how fast the coach
    turned itself down."""

    at_ms: int
    type: str = field(default="voice", init=False)


@dataclass(frozen=True)
class SpeechLate:
    """A cue whose speech was not ready in time and was dropped (printed instead)."""

    at_ms: int
    text: str
    type: str = field(default="speech_late", init=False)


@dataclass(frozen=True)
class SpeechPlayed:
    """Where a cue's speech really plays in the output (the mixer may hold it behind another
    cue), and for how long; `dropped` when the mixer refused it. Samples are exact: `sample`
    is the real start (None when dropped), `requested` where the cue asked to start."""

    at_ms: int
    text: str
    duration_ms: int
    dropped: bool
    sample: int | None
    requested: int
    length: int
    priority: int
    type: str = field(default="speech", init=False)


LoopEvent = Effect | Heard | VoiceUnheeded | VoiceBegan | SpeechLate | SpeechPlayed
SpeechLookup = Callable[[str], np.ndarray | None]


class CoachLoop:
    """One session, one mixer, one clock. Only `submit` may be called from other threads.

    `speech_lookup` returns a prepared clip or None when it is not ready yet (then
    `speech_request` is asked to prepare it and the cue plays when ready, if not too late);
    pass None as `speech_lookup` when there is no speech engine at all. Both are called from
    the audio thread, so both must only read memory and hand off (see the module docstring).
    """

    def __init__(
        self,
        session: Session,
        mixer: Mixer,
        speech_lookup: SpeechLookup | None,
        speech_request: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.session = session
        self.mixer = mixer
        self.reference = ReferenceRing(mixer.sample_rate)
        """Every block mixed, by session sample: what the echo canceller subtracts."""
        self._lookup = speech_lookup
        self._request = speech_request
        # Appended by any thread, emptied only by the rendering thread: no lock either side.
        self._commands: deque[tuple[Command, str, str, float | None]] = deque()
        self._voice_heard: deque[bool] = deque()
        self.yielding = Yielding()
        self.outbox: queue.SimpleQueue[LoopEvent] = queue.SimpleQueue()
        self._waiting_speech: list[Say] = []
        self._started = False
        self._done = False
        self.status: Status | None = None
        self.active_commands = frozenset[Command]()

    @property
    def now_ms(self) -> int:
        return self.mixer.position * 1000 // self.mixer.sample_rate

    @property
    def done(self) -> bool:
        """The session has finished and everything it said has been played.

        Set at the end of a block only, so another thread never sees the moment inside
        `render_block` where a stop has hushed the mixer before the summary is added."""
        return self._done

    def note_unheeded(self, text: str, confidence: float | None, reason: str) -> None:
        """Thread-safe: log a hypothesis that was let pass, at the session time reached."""
        self.outbox.put(VoiceUnheeded(self.now_ms, text, confidence, reason))

    def note_voice_began(self, at_ms: int) -> None:
        """Thread-safe: log where the person's voice began (session time)."""
        self.outbox.put(VoiceBegan(at_ms))

    def submit_voice(self) -> None:
        """Thread-safe: the person's voice is heard over the coach (see core/yielding.py)."""
        self._voice_heard.append(True)

    def submit(self, command: Command, source: str, text: str = "",
               confidence: float | None = None) -> None:
        """Thread-safe: the command is applied at the start of the next block."""
        self._commands.append((command, source, text, confidence))

    def render_block(self, frames: int) -> np.ndarray:
        start_ms = self.now_ms
        if not self._started:
            self._started = True
            self._apply(self.session.start(start_ms))
        while self._voice_heard:  # only this thread pops, so it cannot empty meanwhile
            self._voice_heard.popleft()
            self._apply(self.yielding.voice(start_ms))
        while self._commands:
            command, source, text, confidence = self._commands.popleft()
            self.outbox.put(Heard(start_ms, command.value, source, text, confidence))
            self._apply(self.yielding.command(start_ms))
            self._apply(self.session.handle(command, start_ms))
        last_ms = (self.mixer.position + frames - 1) * 1000 // self.mixer.sample_rate
        self._apply(self.yielding.advance(start_ms))
        self._apply(self.session.advance(last_ms))
        self._retry_waiting_speech()
        self.status = self.session.status()
        self.active_commands = self.session.active_commands()
        block = self.mixer.render(frames)
        self.reference.write(block)
        self._done = self.session.finished and self.mixer.idle and not self._waiting_speech
        return block

    def interrupt(self) -> None:
        """End the session now (Ctrl-C); call only when no block is being rendered."""
        self._apply(self.session.interrupt(self.now_ms))
        self._done = True

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            self.outbox.put(effect)
            if isinstance(effect, Click):
                self.mixer.add_click(self.mixer.sample_at(effect.at_ms), effect.accent)
            elif isinstance(effect, Sound):
                self.mixer.add_sound(self.mixer.sample_at(effect.at_ms), effect.name)
            elif isinstance(effect, Yield):
                at = self.mixer.sample_at(effect.at_ms)
                if effect.cut_speech:
                    self.mixer.cut_speech(at)
                gain = self.mixer.settings.yield_gain if effect.ducked else 1.0
                self.mixer.set_level(at, gain)
            elif isinstance(effect, Hush):
                self.mixer.hush(self.mixer.sample_at(effect.at_ms))
                self._waiting_speech.clear()
            elif isinstance(effect, Say):
                self._play_speech(effect)

    def _play_speech(self, say: Say) -> bool:
        if self._lookup is None:  # no speech engine: cues are printed by the main thread
            return True
        clip = self._lookup(say.text)
        if clip is None:
            if say not in self._waiting_speech:
                self._waiting_speech.append(say)
                self._request(say.text)
            return False
        mixer = self.mixer
        requested = mixer.sample_at(say.at_ms)
        start = mixer.add_speech(requested, clip, int(say.priority), say.text)
        at_ms = say.at_ms if start is None else start * 1000 // mixer.sample_rate
        self.outbox.put(SpeechPlayed(at_ms, say.text, len(clip) * 1000 // mixer.sample_rate,
                                     start is None, start, requested, len(clip),
                                     int(say.priority)))
        return True

    def _retry_waiting_speech(self) -> None:
        for say in list(self._waiting_speech):
            if self.now_ms - say.at_ms > LATE_SPEECH_MS:
                self._waiting_speech.remove(say)
                self.outbox.put(SpeechLate(say.at_ms, say.text))
            elif self._play_speech(say):
                self._waiting_speech.remove(say)
