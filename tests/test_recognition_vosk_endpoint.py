"""Short endpoint rules for Vosk through a view of the model folder; the model is untouched."""

from __future__ import annotations

from pathlib import Path

from voice_coach.recognition.vosk_endpoint import SHORT_RULES, short_endpoint_view, shortened_conf

CONF = (
    "--beam=10.0\n"
    "--endpoint.rule2.min-trailing-silence=0.5\n"
    "--endpoint.rule3.min-trailing-silence=1.0\n"
)


def fake_model(root: Path) -> Path:
    for folder in ("am", "conf", "graph", "ivector"):
        (root / folder).mkdir(parents=True)
    (root / "am" / "final.mdl").write_bytes(b"model")
    (root / "conf" / "model.conf").write_text(CONF)
    (root / "conf" / "mfcc.conf").write_text("--use-energy=false\n")
    return root


def test_rules_are_replaced_once_and_others_kept() -> None:
    text = shortened_conf(CONF)
    assert "--beam=10.0" in text
    for rule, seconds in SHORT_RULES.items():
        lines = [line for line in text.splitlines() if f"endpoint.{rule}." in line]
        assert lines == [f"--endpoint.{rule}.min-trailing-silence={seconds}"]


def test_view_links_the_model_and_is_reused(tmp_path: Path, private_dirs) -> None:
    model = fake_model(tmp_path / "model")
    view = short_endpoint_view(model)
    assert view != model and short_endpoint_view(model) == view
    assert (view / "am").resolve() == (model / "am").resolve()
    assert (view / "conf" / "mfcc.conf").read_text() == "--use-energy=false\n"
    assert "rule2.min-trailing-silence=0.25" in (view / "conf" / "model.conf").read_text()
    assert (model / "conf" / "model.conf").read_text() == CONF


def test_a_model_without_conf_is_used_as_it_is(tmp_path: Path, private_dirs) -> None:
    model = fake_model(tmp_path / "model")
    (model / "conf" / "model.conf").unlink()
    assert short_endpoint_view(model) == model
