"""Builders of small, structurally valid Vosk model folders and zips for the model-store tests."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from voice_coach.recognition.model_layout import (
    IVECTOR_FILES,
    LOOKAHEAD_GRAPH,
    REQUIRED_FILES,
    model_problem,
    supports_grammar,
)

MODEL_FILES: tuple[str, ...] = (
    *REQUIRED_FILES,
    *LOOKAHEAD_GRAPH,
    "graph/phones/word_boundary.int",
    *IVECTOR_FILES,
    "README",
)


def model_entries(top: str, version: str = "v1") -> dict[str, bytes]:
    """Archive member name -> content for a fake model whose files all say `version`."""
    return {f"{top}/{name}": f"{version} {name}\n".encode() for name in MODEL_FILES}


def write_zip(
    path: Path, entries: dict[str, bytes], symlinks: dict[str, str] | None = None
) -> Path:
    """A zip with the given file members (names used verbatim) and optional symlink members."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
        for name, link_target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, link_target)
    return path


def model_zip(path: Path, top: str = "vosk-model-test", version: str = "v1") -> Path:
    return write_zip(path, model_entries(top, version))


def model_folder(root: Path, version: str = "v1") -> Path:
    """A fake model folder at `root` (what `model_zip` extracts to)."""
    for name in MODEL_FILES:
        file = root / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"{version} {name}\n")
    return root


def version_of(model: Path) -> str:
    return (model / "am/final.mdl").read_text().split()[0]


def test_fake_model_folder_passes_the_structural_check(tmp_path: Path) -> None:
    folder = model_folder(tmp_path / "m")
    assert model_problem(folder) is None
    assert supports_grammar(folder)


def test_each_missing_required_part_is_named(tmp_path: Path) -> None:
    for name in (*REQUIRED_FILES, "graph/Gr.fst", "ivector/final.mat"):
        folder = model_folder(tmp_path / name.replace("/", "_"))
        (folder / name).unlink()
        problem = model_problem(folder)
        assert problem is not None
        assert name in problem or "graph" in problem


def test_static_graph_replaces_the_lookahead_pair(tmp_path: Path) -> None:
    folder = model_folder(tmp_path / "m")
    for name in LOOKAHEAD_GRAPH:
        (folder / name).unlink()
    assert model_problem(folder) is not None
    (folder / "graph/HCLG.fst").write_text("static graph")
    assert model_problem(folder) is None
    assert not supports_grammar(folder)


def test_non_folders_are_explained(tmp_path: Path) -> None:
    assert model_problem(tmp_path / "absent") == "no such folder"
    (tmp_path / "file").write_text("x")
    assert model_problem(tmp_path / "file") == "not a folder"
    assert "not a Vosk model" in str(model_problem(tmp_path))
