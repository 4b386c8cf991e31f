"""Hands-free enrollment: the coach says each command and the person says it back, three times.

Each take is listened for after the prompt has played (and its echo died down), ends once the
word is followed by AFTER_WORD_S of quiet, and is checked (`voice_takes.take_problem`); a bad one
is asked for again, up to TRIES times, with the reason said aloud. Without a speaker the prompts
are printed. The kept takes replace any earlier ones only once every command has been tried.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TextIO

import numpy as np

from voice_coach.app.devices import Devices, LiveSpeech, MicrophoneInput
from voice_coach.recognition.microphone import MicrophoneUnavailable
from voice_coach.recognition.voice_takes import (
    SAMPLE_RATE,
    TAKES_PER_PHRASE,
    find_word,
    take_problem,
)
from voice_coach.settings import MicrophoneSettings, OutputSettings, SpeechSettings
from voice_coach.sound.coach_mixer import build_mixer
from voice_coach.sound.mixer import Mixer
from voice_coach.sound.output import Output, OutputUnavailable
from voice_coach.speech.base import TtsUnavailable

BLOCK_MS = 50
PROMPT_TAIL_S = 0.4  # the room's echo of a prompt is not listened to
LISTEN_S = 6.0
AFTER_WORD_S = 0.7
TRIES = 4
READ_S = 0.5
SILENT_S = 3.0
PROMPT_SLACK_S = 1.0
ASK = ("Say: {phrase}.", "Again: {phrase}.", "Once more: {phrase}.")
WELCOME = ("Let's learn your voice. After each command I say, say it back to me. "
           "Three times each.")
THANKS = "Thank you. I know your voice now."


class PromptPlayer:
    """Prompts through one output stream. The rendering thread alone touches the mixer: `say`
    only hands a clip over."""

    def __init__(self, mixer: Mixer) -> None:
        self.mixer = mixer
        self._handed: deque[np.ndarray] = deque()
        self._ends_at = 0

    def render(self, frames: int) -> np.ndarray:
        while self._handed:
            clip = self._handed.popleft()
            at = self.mixer.add_speech(self.mixer.position, clip, priority=1)
            if at is not None:
                self._ends_at = at + len(clip)
        return self.mixer.render(frames)

    def say(self, clip: np.ndarray) -> None:
        self._ends_at = self.mixer.position + len(clip)  # until the thread has placed it
        self._handed.append(clip)

    @property
    def busy(self) -> bool:
        return bool(self._handed) or self.mixer.position < self._ends_at


class Enrollment:
    """One enrollment on `devices`; `run` returns the takes kept, per phrase."""

    def __init__(self, devices: Devices, speech: SpeechSettings, output: OutputSettings,
                 microphone: MicrophoneSettings, out: TextIO) -> None:
        self.devices = devices
        self.out = out
        self._speech_settings, self._output_settings = speech, output
        self._microphone_settings = microphone
        self._speech: LiveSpeech | None = None
        self._player: PromptPlayer | None = None
        self._output: Output | None = None

    def run(self, phrases: Sequence[str]) -> dict[str, list[np.ndarray]]:
        self._open_speaker()
        microphone = self.devices.make_microphone(self._microphone_settings, SAMPLE_RATE,
                                                  BLOCK_MS)
        takes: dict[str, list[np.ndarray]] = {}
        try:
            with microphone:
                self._say(WELCOME, microphone)
                for phrase in phrases:
                    takes[phrase] = self._takes_of(phrase, microphone)
                self._say(THANKS, microphone)
        finally:
            if self._output is not None:
                self._output.stop()
            if self._speech is not None:
                self._speech.close()
        return takes

    def _takes_of(self, phrase: str, microphone: MicrophoneInput) -> list[np.ndarray]:
        kept: list[np.ndarray] = []
        tries = 0
        while len(kept) < TAKES_PER_PHRASE and tries < TRIES * TAKES_PER_PHRASE:
            tries += 1
            self._say(ASK[len(kept)].format(phrase=phrase), microphone)
            recording = self._listen(microphone)
            problem = take_problem(recording, find_word(recording))
            if problem is None:
                kept.append(recording)
                continue
            self.out.write(f"  {phrase!r}: {problem}\n")
            self._say(f"Sorry, {problem}.", microphone)
        if len(kept) < TAKES_PER_PHRASE:
            self.out.write(f"  {phrase!r}: {len(kept)} of {TAKES_PER_PHRASE} takes kept\n")
        return kept

    def _listen(self, microphone: MicrophoneInput) -> np.ndarray:
        """Microphone blocks until a word is followed by quiet, or LISTEN_S pass."""
        blocks: list[np.ndarray] = []
        heard = 0
        while heard < LISTEN_S * SAMPLE_RATE:
            block = self._read(microphone)
            blocks.append(block)
            heard += len(block)
            recording = np.concatenate(blocks)
            span = find_word(recording)
            if span is not None and len(recording) - span[1] >= AFTER_WORD_S * SAMPLE_RATE:
                return recording
        return np.concatenate(blocks) if blocks else np.zeros(0, np.int16)

    def _open_speaker(self) -> None:
        try:
            self._speech = self.devices.make_speech(self._speech_settings)
            player = PromptPlayer(build_mixer())
            self._output = self.devices.make_output(player.render, self._output_settings)
            self._output.start()
            self._player = player
        except (TtsUnavailable, OutputUnavailable) as error:
            self.out.write(f"voice-coach: {error}; the prompts are printed instead\n")
            self._output = None

    def _say(self, text: str, microphone: MicrophoneInput) -> None:
        """Say `text` (print it without a speaker), then drop what the microphone heard
        meanwhile: the prompt itself."""
        self.out.write(f"  {text}\n")
        self.out.flush()
        player = self._player
        if player is not None and self._speech is not None:
            clip = self._speech.clip(text)
            player.say(clip)
            # A speaker that stopped playing must not hold the enrollment up.
            longest = (len(clip) / player.mixer.sample_rate + PROMPT_SLACK_S) * SAMPLE_RATE
            heard = 0
            while player.busy and heard < longest:
                heard += len(self._read(microphone))
        dropped = 0  # counted on the microphone's clock: its blocks come in real time
        while dropped < PROMPT_TAIL_S * SAMPLE_RATE:
            dropped += len(self._read(microphone))

    @staticmethod
    def _read(microphone: MicrophoneInput) -> np.ndarray:
        """The next block; raises MicrophoneUnavailable when none has come for SILENT_S."""
        for _ in range(round(SILENT_S / READ_S)):
            block = microphone.read(READ_S)
            if block is not None:
                return block[0]
        raise MicrophoneUnavailable(f"the microphone gave no sound for {SILENT_S:.0f} s")
