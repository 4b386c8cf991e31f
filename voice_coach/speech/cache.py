"""Speech clips cached in memory and on disk, rendered on demand or ahead of time.

Disk files are 16-bit WAVs named by a hash of everything that shapes the audio, written
atomically; an unreadable file is rendered again. The audio thread may call `get_ready`,
`request` and `duration_ms`: they only read memory and hand off, without a lock or the disk;
the background thread does the loading and rendering that `request` asks for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from voice_coach import paths
from voice_coach.core.engine import estimate_speech_ms
from voice_coach.speech.base import SpeechSynth
from voice_coach.speech.pcm import (
    WavFormatError,
    from_int16,
    read_wav,
    to_int16,
    write_wav_atomic,
)

# Bump when rendering changes in a way the other key parts do not show (trimming, resampling,
# the worker's voice/rate handling), so clips rendered the old way are not reused.
CACHE_FORMAT = 3


def default_cache_dir() -> Path:
    return paths.cache_dir() / "speech"


class SpeechCache:
    """Clips for texts spoken by `synth`: memory first, then `cache_dir`, then a render."""

    def __init__(self, synth: SpeechSynth, cache_dir: Path | None = None) -> None:
        self.synth = synth
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.renders = 0
        """Clips rendered by the synthesizer (not read from memory or disk)."""
        self.failures = 0
        """Background requests that failed."""
        self.recoveries = 0
        """Background requests that succeeded right after one that failed."""
        self.last_error: Exception | None = None
        """Why the last failed background request failed."""
        self._memory: dict[str, np.ndarray] = {}
        self._load_lock = threading.Lock()
        # A text to load, an event to set once everything before it is done, or None to stop.
        # SimpleQueue.put never blocks and takes no Python lock, so the audio thread may call
        # `request`; the worker starts here because starting a thread there would block.
        self._requests: queue.SimpleQueue[str | threading.Event | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = threading.Thread(
            target=self._serve_requests, name="speech-cache", daemon=True)
        self._worker.start()

    @property
    def rate_wpm(self) -> int:
        """The synthesizer's speaking rate, for estimating texts not rendered yet."""
        return self.synth.rate_wpm

    def key(self, text: str) -> str:
        """sha256 of the cache format, engine, engine version, voice, rate, sample rate, text."""
        parts = [
            CACHE_FORMAT,
            self.synth.engine_name,
            getattr(self.synth, "engine_version", ""),
            self.synth.voice,
            self.synth.rate_wpm,
            self.synth.sample_rate,
            text,
        ]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()

    def path_for(self, text: str) -> Path:
        return self.cache_dir / f"{self.key(text)}.wav"

    def clip(self, text: str) -> np.ndarray:
        """The clip for `text` (read-only float32), rendering it now if needed (blocking)."""
        ready = self._memory.get(text)
        if ready is not None:
            return ready
        with self._load_lock:
            ready = self._memory.get(text)
            if ready is not None:
                return ready
            samples = self._read_disk(text)
            if samples is None:
                samples = self._render(text)
            samples.setflags(write=False)
            self._memory[text] = samples
            return samples

    def get_ready(self, text: str) -> np.ndarray | None:
        """The clip if it is already in memory, else None. Never renders, never blocks."""
        return self._memory.get(text)

    def prepare(
        self, texts: Iterable[str], progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Load or render every distinct text not yet in memory, in this thread.

        `progress(done, total)` is called after each one.
        """
        missing = [text for text in dict.fromkeys(texts) if text not in self._memory]
        for done, text in enumerate(missing, start=1):
            self.clip(text)
            if progress is not None:
                progress(done, len(missing))

    def request(self, text: str) -> None:
        """Load or render `text` in the background; afterwards `get_ready(text)` returns it.

        Safe in an audio callback: a dictionary lookup and a put on a SimpleQueue. A text
        requested twice is loaded once (the second finds it in memory)."""
        if text not in self._memory:
            self._requests.put(text)

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Wait until every text requested before this call is done; False if `timeout_s` ran
        out first. A closed cache served everything requested before `close`."""
        if self._worker is None:
            return True
        done = threading.Event()
        self._requests.put(done)  # the worker reaches it after every earlier request
        return done.wait(timeout_s)

    def duration_ms(self, text: str) -> int:
        """Exact once `clip` (or a request) has loaded the text, else an estimate from the
        speaking rate. Memory only: never the disk, so the engine may ask from the audio
        thread."""
        ready = self._memory.get(text)
        if ready is not None:
            return round(1000 * ready.size / self.synth.sample_rate)
        return estimate_speech_ms(text, self.rate_wpm)

    def close(self) -> None:
        """Stop the background thread after the requests already queued; later requests are
        not served."""
        if self._worker is not None:
            self._requests.put(None)
            self._worker.join()
            self._worker = None

    def _serve_requests(self) -> None:
        failing = False
        while (request := self._requests.get()) is not None:
            if isinstance(request, threading.Event):
                request.set()
                continue
            try:
                self.clip(request)
            except Exception as error:  # counted for the supervisor, never raised here
                self.last_error = error
                self.failures += 1
                failing = True
            else:
                if failing:
                    self.recoveries += 1
                failing = False

    def _read_disk(self, text: str) -> np.ndarray | None:
        path = self.path_for(text)
        try:
            samples, rate = read_wav(path)
        except FileNotFoundError:
            return None
        except (OSError, WavFormatError):
            return None  # corrupt or unreadable: render again and overwrite
        if rate != self.synth.sample_rate:
            return None
        return samples

    def _render(self, text: str) -> np.ndarray:
        samples = self.synth.synthesize(text)
        self.renders += 1
        # Keep exactly what the disk holds, so a clip sounds the same before and after a restart.
        pcm = to_int16(samples)
        with contextlib.suppress(OSError):  # an unwritable cache only costs a render next time
            write_wav_atomic(self.path_for(text), from_int16(pcm), self.synth.sample_rate)
        return from_int16(pcm)
