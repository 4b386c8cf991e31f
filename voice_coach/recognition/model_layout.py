"""Structural check of a Vosk model folder, so a bad path is explained before Kaldi sees it."""

from __future__ import annotations

from pathlib import Path

# The layout every model on the Vosk model page has used since 2020 ("v2": am/, conf/, graph/).
REQUIRED_FILES: tuple[str, ...] = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf")
# Kaldi reads these as text options; a few hundred bytes in every published model.
TEXT_FILES: tuple[str, ...] = ("conf/model.conf", "conf/mfcc.conf")
TEXT_FILE_MAX_BYTES = 64 * 1024
# A model decodes either with a static graph, or with a lookahead pair that allows a grammar.
STATIC_GRAPH = "graph/HCLG.fst"
LOOKAHEAD_GRAPH: tuple[str, ...] = ("graph/HCLr.fst", "graph/Gr.fst", "graph/disambig_tid.int")
# Vosk loads an i-vector extractor when ivector/final.ie exists; then it needs all of these.
IVECTOR_FILES: tuple[str, ...] = (
    "ivector/final.ie",
    "ivector/final.mat",
    "ivector/final.dubm",
    "ivector/global_cmvn.stats",
    "ivector/online_cmvn.conf",
    "ivector/splice.conf",
)


def _is_nonempty_file(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def _is_text_file(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            data = file.read(TEXT_FILE_MAX_BYTES + 1)
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return len(data) <= TEXT_FILE_MAX_BYTES and b"\0" not in data


def model_problem(folder: Path | str) -> str | None:
    """Why `folder` is unusable as a Vosk model (a short phrase), or None when it looks whole."""
    root = Path(folder)
    if not root.exists():
        return "no such folder"
    if not root.is_dir():
        return "not a folder"
    if not (root / "am").is_dir() and not (root / "conf").is_dir():
        return "not a Vosk model folder (no am/ or conf/ inside)"
    for name in REQUIRED_FILES:
        if not _is_nonempty_file(root / name):
            return f"{name} is missing or empty"
    for name in TEXT_FILES:
        if not _is_text_file(root / name):
            return f"{name} is not a text file of options (damaged?)"
    has_static = _is_nonempty_file(root / STATIC_GRAPH)
    lookahead_missing = [n for n in LOOKAHEAD_GRAPH if not _is_nonempty_file(root / n)]
    if not has_static and lookahead_missing:
        return f"no decoding graph ({STATIC_GRAPH}, or {' + '.join(LOOKAHEAD_GRAPH)})"
    if (root / IVECTOR_FILES[0]).exists():
        for name in IVECTOR_FILES:
            if not _is_nonempty_file(root / name):
                return f"{name} is missing or empty"
    return None


def supports_grammar(folder: Path | str) -> bool:
    """Whether the model has a lookahead graph, which is what lets Vosk take a phrase list."""
    root = Path(folder)
    return all(_is_nonempty_file(root / n) for n in LOOKAHEAD_GRAPH)
