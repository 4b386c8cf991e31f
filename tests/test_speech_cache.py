"""SpeechCache with the real pyttsx3 synth: memory, disk, background requests, corruption."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.cache import SpeechCache, default_cache_dir
from voice_coach.speech.pcm import read_wav
from voice_coach.speech.synth import Pyttsx3Synth


@pytest.fixture(scope="module")
def synth() -> Iterator[Pyttsx3Synth]:
    with Pyttsx3Synth() as real_synth:
        yield real_synth


def test_second_clip_comes_from_memory(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    first = cache.clip("Lift.")
    assert cache.renders == 1
    again = cache.clip("Lift.")
    assert cache.renders == 1
    assert again is first
    assert first.dtype == np.float32 and first.size > 0
    assert not first.flags.writeable


def test_new_cache_on_same_dir_loads_from_disk(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    rendered = SpeechCache(synth, tmp_path).clip("Lower.")
    reloaded_cache = SpeechCache(synth, tmp_path)
    reloaded = reloaded_cache.clip("Lower.")
    assert reloaded_cache.renders == 0
    np.testing.assert_array_equal(reloaded, rendered)
    samples, rate = read_wav(reloaded_cache.path_for("Lower."))
    assert rate == 48000 and samples.size == rendered.size
    assert [path.suffix for path in tmp_path.iterdir()] == [".wav"], "no temp files left"


def test_key_depends_on_voice_rate_and_text(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    base_key = cache.key("Rest.")
    assert cache.key("Rest.") == base_key
    assert cache.key("Rest!") != base_key
    with Pyttsx3Synth(voice="en-us", rate_wpm=synth.rate_wpm) as other_voice:
        assert other_voice.voice != synth.voice
        assert SpeechCache(other_voice, tmp_path).key("Rest.") != base_key
    with Pyttsx3Synth(voice=synth.voice, rate_wpm=synth.rate_wpm + 20) as faster:
        assert faster.voice == synth.voice
        assert SpeechCache(faster, tmp_path).key("Rest.") != base_key


def test_request_renders_in_background(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    assert cache.get_ready("Switch legs.") is None
    cache.request("Switch legs.")
    cache.request("Switch legs.")  # a duplicate request is not rendered twice
    assert cache.wait_idle(timeout_s=30)
    ready = cache.get_ready("Switch legs.")
    assert ready is not None and ready.size > 0
    assert cache.renders == 1
    assert cache.last_error is None
    cache.close()


def test_get_ready_never_renders(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    SpeechCache(synth, tmp_path).clip("On disk only.")
    cache = SpeechCache(synth, tmp_path)
    assert cache.get_ready("On disk only.") is None, "memory only: not even a disk read"
    assert cache.renders == 0


def test_truncated_cache_file_is_rendered_again(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    original = SpeechCache(synth, tmp_path).clip("Breathe out.")
    path = SpeechCache(synth, tmp_path).path_for("Breathe out.")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    cache = SpeechCache(synth, tmp_path)
    repaired = cache.clip("Breathe out.")
    assert cache.renders == 1
    assert abs(repaired.size - original.size) < 0.01 * original.size
    assert read_wav(path)[0].size == repaired.size, "the file on disk is whole again"


def test_garbage_cache_file_is_rendered_again(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    cache.path_for("Hold.").write_bytes(b"not a wav file")
    assert cache.clip("Hold.").size > 0
    assert cache.renders == 1


def test_failed_write_leaves_no_half_file(
    synth: Pyttsx3Synth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    cache = SpeechCache(synth, tmp_path)
    assert cache.clip("Squeeze.").size > 0, "an unwritable cache still gives the clip"
    assert list(tmp_path.iterdir()) == []


def test_prepare_renders_each_distinct_text_once(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    calls: list[tuple[int, int]] = []
    cache.prepare(["Up.", "Down.", "Up.", "Down.", "Good."], progress=lambda *a: calls.append(a))
    assert cache.renders == 3
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert all(cache.get_ready(text) is not None for text in ("Up.", "Down.", "Good."))
    cache.prepare(["Up.", "Good."])
    assert cache.renders == 3


def test_duration_ms_exact_once_loaded_else_estimated(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    estimate = cache.duration_ms("Five more.")
    assert 300 < estimate < 3000
    exact = round(1000 * cache.clip("Five more.").size / 48000)
    assert cache.duration_ms("Five more.") == exact
    reloaded = SpeechCache(synth, tmp_path)
    assert reloaded.duration_ms("Five more.") == estimate, "memory only: not even a disk read"
    reloaded.clip("Five more.")
    assert reloaded.duration_ms("Five more.") == exact and reloaded.renders == 0  # from disk


def test_concurrent_clip_and_request_render_once(synth: Pyttsx3Synth, tmp_path: Path) -> None:
    cache = SpeechCache(synth, tmp_path)
    cache.request("Together.")
    threads = [threading.Thread(target=cache.clip, args=("Together.",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.wait_idle(timeout_s=30)
    assert cache.renders == 1


def test_default_cache_dir_is_per_user() -> None:
    assert default_cache_dir().parts[-2:] == ("voice-coach", "speech")


def test_a_killed_worker_is_restarted_for_the_next_request(tmp_path: Path) -> None:
    with Pyttsx3Synth() as own_synth:  # its own worker, so the module's synth is not harmed
        cache = SpeechCache(own_synth, tmp_path)
        cache.clip("Before.")
        pid = own_synth.worker_pid
        assert pid is not None
        os.kill(pid, 9)
        cache.request("After the worker died.")
        assert cache.wait_idle(timeout_s=30)
        ready = cache.get_ready("After the worker died.")
        assert ready is not None and ready.size > 0
        assert own_synth.worker_pid not in (None, pid)
        assert (cache.failures, cache.recoveries) == (0, 0)
        cache.close()


class FailingOnceSynth:
    """Fails its first synthesis, as a synthesizer whose engine broke would, then works."""

    engine_name = "failing-once"
    voice = "tone"
    rate_wpm = 165
    sample_rate = 48000

    def __init__(self) -> None:
        self.calls = 0

    def synthesize(self, text: str) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            raise TtsUnavailable("speech rendering failed: no voice")
        return np.full(480, 0.1, dtype=np.float32)


def test_background_failures_and_the_recovery_after_them_are_counted(tmp_path: Path) -> None:
    cache = SpeechCache(FailingOnceSynth(), tmp_path)  # type: ignore[arg-type]
    cache.request("First reply.")
    cache.request("Second reply.")
    cache.request("Third reply.")
    assert cache.wait_idle(timeout_s=10)
    assert cache.get_ready("First reply.") is None
    assert cache.get_ready("Second reply.") is not None
    assert (cache.failures, cache.recoveries) == (1, 1)
    assert str(cache.last_error) == "speech rendering failed: no voice"
    cache.close()
