"""Train the command head: synthetic voices, rooms and beds -> speech vectors -> a small network.

    python scripts/train_commands.py [--work out/train-commands] [--seed 11] [--quick]

Writes `voice_coach/data/models/command-head.npz` and its checksum. The data recipe is in
`command_training_data.py` and in the RECIPE below, whose numbers are stored in the head; every
random choice comes from one seeded generator (synthesized clips are cached in --work, so a
second run is faster). About 16 minutes here for the shipped head, on a loaded machine.

Each clip is placed in a 3.2 s canvas, heard as `command_training_data.heard` describes, and
embedded once; every 80 ms window of it is a training example. A window is a phrase when it holds
the whole phrase and ends 0.08-0.45 s after it (when the live coach decides); it is "no command"
when it holds no phrase or misses part of one (so "make it" is not yet "make it harder"), and
left out in between. The threshold is chosen by running the live spotter over the validation
voices' canvases.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import command_training_data as data
import numpy as np

from voice_coach.recognition.command_head import (
    REJECT,
    WINDOW_SAMPLES,
    WINDOW_VECTORS,
    CommandHead,
    shipped_head,
)
from voice_coach.recognition.phrase_spotter import PhraseSpotter
from voice_coach.recognition.speech_embedding import (
    FIRST_VECTOR_SAMPLES,
    HOP_SAMPLES,
    SpeechEmbedding,
)
from voice_coach.recognition.speech_embedding import (
    SAMPLE_RATE as EMBEDDING_RATE,
)

RATE = data.RATE
CANVAS = round(3.2 * RATE)
RECIPE = {
    "renditions_per_phrase": 60, "dictionary_words": 5000, "talk_runs": 1500,
    "canvases_per_clip": 2, "reject_windows_per_canvas": 10, "rooms": 24, "flite_share": 0.12,
    "hidden": 128,
    "epochs": 30, "batch": 256, "learning_rate": 2e-3, "weight_decay": 1e-4,
    "target_false_per_canvas": 0.004,
}


def utterances(rng: np.random.Generator, quick: bool) -> tuple[list, list]:
    """(training, validation) utterances, split by voice variant."""
    variants = data.espeak_variants()
    train_variants = ["", *[v for v in variants if v not in data.VALIDATION_VARIANTS]]
    per_phrase = RECIPE["renditions_per_phrase"] // (6 if quick else 1)
    words = RECIPE["dictionary_words"] // (10 if quick else 1)
    phrases = data.command_phrases()
    negatives = data.negative_texts(rng, words, RECIPE["talk_runs"] // (10 if quick else 1))
    split: tuple[list, list] = ([], [])
    for chosen, variants_of, share in ((split[0], train_variants, RECIPE["flite_share"]),
                                        (split[1], list(data.VALIDATION_VARIANTS), 0.0)):
        count = per_phrase if chosen is split[0] else max(4, per_phrase // 5)
        for phrase in phrases:
            for _ in range(count):
                voice = data.random_voice(rng, variants_of, share)
                chosen.append(data.Utterance(phrase, phrase, voice))
        # Every fifth text is only said by validation voices: false commands are counted on
        # words the head never heard as well as voices it never heard.
        texts = [t for k, t in enumerate(negatives) if (k % 5 == 0) == (chosen is split[1])]
        for text in texts:
            chosen.append(data.Utterance(text, None, data.random_voice(rng, variants_of, share)))
    return split


def canvases(items: list, work: Path, rng: np.random.Generator, rooms: list, echo: list,
             copies: int):
    """(canvas, phrase or None, speech start, speech end) for each heard copy of each item."""
    for item in items:
        speech = data.cached_speech(work / "speech", item.voice, item.text)
        speech = speech[: CANVAS - RATE // 2]
        for _ in range(copies):
            latest = CANVAS - speech.size - round(0.5 * RATE)
            at = int(rng.integers(round(0.1 * RATE), max(round(0.1 * RATE) + 1, latest)))
            canvas = data.heard(speech, rng, rooms, echo, CANVAS, at)
            yield canvas, item.phrase, at, at + speech.size


def window_labels(phrase: str | None, start: int, end: int, count: int) -> list[str | None]:
    """Per window of a canvas: its phrase, REJECT, or None (left out)."""
    labels: list[str | None] = []
    for k in range(count):
        window_end = FIRST_VECTOR_SAMPLES + (k + WINDOW_VECTORS - 1) * HOP_SAMPLES
        window_start = window_end - WINDOW_SAMPLES
        if phrase is None:
            labels.append(REJECT)
        elif window_start <= start and end + 0.08 * RATE <= window_end <= end + 0.45 * RATE:
            labels.append(phrase)
        elif window_end < end - 0.1 * RATE or window_start > start + 0.1 * RATE:
            labels.append(REJECT)
        else:
            labels.append(None)
    return labels


def featurize(stream, embedding: SpeechEmbedding, classes: tuple[str, ...],
              rng: np.random.Generator, keep_rejects: int | None):
    """(windows [N, W, 96], class ids [N], canvas ids [N], per canvas (phrase, end hop))."""
    windows, labels, owners, truth = [], [], [], []
    batch: list = []

    def flush() -> None:
        vectors = embedding.embed_batch(np.stack([b[0] for b in batch]))
        for (_, phrase, start, end), seq in zip(batch, vectors, strict=True):
            count = seq.shape[0] - WINDOW_VECTORS + 1
            marks = window_labels(phrase, start, end, count)
            rejects = [k for k, m in enumerate(marks) if m == REJECT]
            if keep_rejects is not None and len(rejects) > keep_rejects:
                rejects = list(rng.choice(rejects, keep_rejects, replace=False))
            chosen = [k for k, m in enumerate(marks) if m not in (None, REJECT)] + rejects
            owner = len(truth)
            truth.append((phrase, end))
            for k in sorted(chosen):
                windows.append(seq[k : k + WINDOW_VECTORS])
                labels.append(classes.index(marks[k]))
                owners.append(owner)
        batch.clear()

    for item in stream:
        batch.append(item)
        if len(batch) == 64:
            flush()
    if batch:
        flush()
    return (np.array(windows, np.float32), np.array(labels), np.array(owners), truth)


def train(x: np.ndarray, y: np.ndarray, classes: int, rng: np.random.Generator) -> dict:
    """A two-layer network by Adam on cross-entropy, classes weighted to balance phrases and
    "no command"."""
    flat = x.reshape(len(x), -1)
    mean, scale = flat.mean(0), flat.std(0) + 1e-3
    flat = (flat - mean) / scale
    hidden = RECIPE["hidden"]
    params = {"w1": rng.normal(0, np.sqrt(2 / flat.shape[1]), (flat.shape[1], hidden)),
              "b1": np.zeros(hidden), "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, classes)),
              "b2": np.zeros(classes)}
    params = {k: v.astype(np.float32) for k, v in params.items()}
    counts = np.bincount(y, minlength=classes).astype(np.float32)
    weight = (counts.sum() / np.maximum(counts, 1) / classes) ** 0.5
    moments = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in params.items()}
    step = 0
    for epoch in range(RECIPE["epochs"]):
        rate = RECIPE["learning_rate"] * 0.5 * (1 + np.cos(np.pi * epoch / RECIPE["epochs"]))
        order = rng.permutation(len(flat))
        total = 0.0
        for first in range(0, len(order), RECIPE["batch"]):
            rows = order[first : first + RECIPE["batch"]]
            xb, yb = flat[rows], y[rows]
            h = np.maximum(0, xb @ params["w1"] + params["b1"])
            logits = h @ params["w2"] + params["b2"]
            logits -= logits.max(1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(1, keepdims=True)
            w = weight[yb][:, None]
            total += float(-(np.log(p[np.arange(len(yb)), yb] + 1e-9) * w[:, 0]).sum())
            grad = p.copy()
            grad[np.arange(len(yb)), yb] -= 1
            grad *= w / len(yb)
            grads = {"w2": h.T @ grad, "b2": grad.sum(0)}
            dh = (grad @ params["w2"].T) * (h > 0)
            grads |= {"w1": xb.T @ dh, "b1": dh.sum(0)}
            step += 1
            for key, g in grads.items():
                g = g + RECIPE["weight_decay"] * params[key]
                m, v = moments[key]
                m[:] = 0.9 * m + 0.1 * g
                v[:] = 0.999 * v + 0.001 * g * g
                corrected = m / (1 - 0.9**step) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
                params[key] -= rate * corrected.astype(np.float32)
        print(f"  epoch {epoch + 1}: loss {total / len(flat):.4f}", flush=True)
    return {"mean": mean, "scale": scale, **params}


def spot(head: CommandHead, x: np.ndarray, owners: np.ndarray, truth: list, threshold: float):
    """Run the live spotter over each validation canvas: (right, missed+wrong, false) counts."""
    spotter = PhraseSpotter(head.classes, threshold)
    probabilities = head.probabilities(x)
    right = wrong = false = 0
    for owner, (phrase, _) in enumerate(truth):
        spotter.reset()
        found = [s.phrase for s in map(spotter.push, probabilities[owners == owner]) if s]
        if phrase is None:
            false += len(found)
        elif found[:1] == [phrase] and len(found) == 1:
            right += 1
        else:
            wrong += 1
    return right, wrong, false


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("out/train-commands"))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="a sixth of the data, to try things")
    parser.add_argument("--output", type=Path, default=shipped_head())
    args = parser.parse_args()
    assert RATE == EMBEDDING_RATE
    rng = np.random.default_rng(args.seed)
    started = time.time()
    training, validation = utterances(rng, args.quick)
    print(f"{len(training)} training and {len(validation)} validation utterances", flush=True)
    rooms = data.room_responses(RECIPE["rooms"], rng)
    coach = data.COACH_VOICE
    echo = [data.cached_speech(args.work / "speech", coach, t) for t in data.coach_phrases()]
    classes = (REJECT, *data.command_phrases())
    embedding = SpeechEmbedding()
    copies = RECIPE["canvases_per_clip"]
    x, y, _, _ = featurize(canvases(training, args.work, rng, rooms, echo, copies), embedding,
                           classes, rng, RECIPE["reject_windows_per_canvas"])
    vx, _, vowners, vtruth = featurize(canvases(validation, args.work, rng, rooms, echo, 1),
                                       embedding, classes, rng, None)
    print(f"{len(x)} training windows ({(y > 0).sum()} phrases), {len(vx)} validation windows;"
          f" {time.time() - started:.0f} s", flush=True)
    params = train(x, y, len(classes), rng)
    recipe = json.dumps({**RECIPE, "seed": args.seed, "quick": args.quick,
                         "window_vectors": WINDOW_VECTORS, "voices": "see command_training_data"})
    head = CommandHead(classes, params["mean"], params["scale"], params["w1"], params["b1"],
                       params["w2"], params["b2"], 0.5, recipe)
    negatives = sum(1 for phrase, _ in vtruth if phrase is None)
    thresholds = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)
    chosen = None
    for threshold in thresholds:
        right, wrong, false = spot(head, vx, vowners, vtruth, threshold)
        print(f"  threshold {threshold}: {right}/{right + wrong} phrases right, "
              f"{false} false on {negatives} no-command canvases")
        if chosen is None and false <= RECIPE["target_false_per_canvas"] * negatives:
            chosen = threshold
    chosen = chosen or thresholds[-1]
    head = CommandHead(*[getattr(head, f) for f in ("classes", "mean", "scale", "hidden_weights",
                       "hidden_bias", "output_weights", "output_bias")], chosen, recipe)
    checksum = head.save(args.output)
    print(f"wrote {args.output} (threshold {chosen}, sha256 {checksum[:16]}…) in "
          f"{time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
