"""Barge-in on the corpus: commands said over the coach, through simulated rooms, heard only
once the coach's echo is cancelled, and never a command nobody said (the help list included).

Six cases of scripts/make_barge_in_corpus.py (voices of both splits, one case of the coach
alone reading its help list), run as scripts/bench_barge_in.py does. The corpus is the same
every run (the coach's cues come from the espeak-ng program, not pyttsx3's in-process espeak,
which gave other clips on one loaded CI run of four, and then a false command here). It runs
with the shipped recognizer (`auto`: the command net checked by PocketSphinx). The bounds are
what that corpus measured, one command of room over the coach for another libm or CPU: gate
0/18 over the coach, 8/8 elsewhere, 0 false; AEC 5/18, 8/8, 0 false; AEC with yielding 9/18,
8/8, 0 false (PocketSphinx alone: 0/18, 8/8, 2 false; 4/18, 8/8, 0; 3/18, 7/8, 0). The
recognizer is the limit now, and raising them belongs to its issue.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import bench_barge_in as bench  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("barge-in")
    subprocess.run([sys.executable, str(SCRIPTS / "make_barge_in_corpus.py"), "--out",
                    str(folder), "--cases", "6"], check=True, capture_output=True)
    return folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def tally(corpus: tuple[Path, list[dict]], condition: str) -> bench.Tally:
    folder, cases = corpus
    result = bench.Tally()
    for case in cases:
        heard, _, _ = bench.run_case(folder, case, condition)
        result.add(case, heard)
    return result


def test_the_corpus_has_commands_over_the_coach_and_the_help_list(corpus) -> None:
    _, cases = corpus
    assert {c["split"] for c in cases} == {"tune", "heldout", None}
    assert sum(e["over_coach_speech"] for c in cases for e in c["commands"]) >= 15
    assert any(t.startswith("You can say") for c in cases for _, _, t in c["coach_command_speech"])


def test_cancelling_the_echo_hears_commands_over_the_coach_and_none_nobody_said(corpus) -> None:
    gate, cancelled, yielding = (tally(corpus, name) for name in bench.CONDITIONS)
    assert gate.right[True] == 0  # today's gate ignores every word over the coach
    assert cancelled.right[True] >= 4 and yielding.right[True] >= 8
    assert cancelled.right[False] >= gate.right[False]
    assert yielding.right[False] >= gate.right[False] - 1
    assert cancelled.false == 0 and yielding.false == 0


def listen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voice_coach", "listen", "--json", "--aec", "on",
                           *args],
                          capture_output=True, text=True, timeout=300)


def test_listen_with_the_reference_hears_only_what_was_said(corpus) -> None:
    folder, cases = corpus
    for case in cases:
        done = listen("--input", str(folder / case["mic"]),
                      "--reference", str(folder / case["reference"]))
        assert done.returncode == 0, done.stderr
        assert "echo cancellation on" in done.stderr and "Traceback" not in done.stderr
        heard = [json.loads(line) for line in done.stdout.splitlines()]
        said = case["commands"]
        for command in heard:  # nothing nobody said, not even from the help list
            assert any(c["command"] == command["command"]
                       and c["start_s"] <= command["at"] <= c["end_s"] + 1.6 for c in said), (
                case["name"], command)


def test_a_reference_without_a_recording_or_a_broken_timeline_is_one_line(corpus,
                                                                          tmp_path) -> None:
    folder, cases = corpus
    alone = listen("--reference", str(folder / cases[0]["reference"]))
    assert alone.returncode == 2 and "--reference needs --input" in alone.stderr
    broken = tmp_path / "timeline.json"
    broken.write_text('{"events": [{"type": "say", "start": "soon"}]}', encoding="utf-8")
    done = listen("--input", str(folder / cases[0]["mic"]), "--reference",
                  str(folder / cases[0]["reference"]), "--timeline", str(broken))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{broken}: not a render timeline (event 1" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
