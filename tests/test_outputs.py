"""The output folder: a refit removes the previous model's plan and report; plan and report
refuse a model.nc that is not the one the folder's outputs came from."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import EXIT_INPUT, app
from mmm.outputs import MANIFEST_NAME, check_folder, read_manifest, write_fit_outputs
from tests.conftest import small_frame, small_spec

runner = CliRunner()


def _other(fitted):
    """A different model (its saved bytes differ) without sampling again."""
    diag = dataclasses.replace(fitted.diagnostics, seconds=fitted.diagnostics.seconds + 1.0)
    return dataclasses.replace(fitted, diagnostics=diag)


def _text(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture()
def fit_dir(small_fit, tmp_path):
    """A folder as `mmm fit` leaves it, spec and data included."""
    df, _ = small_frame()
    df.to_csv(tmp_path / "weekly.csv", index=False)
    raw = small_spec().to_dict()
    raw["data"] = "weekly.csv"
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "out"
    write_fit_outputs(small_fit, out, spec_file=tmp_path / "mmm.yaml", data_file=tmp_path / "weekly.csv")
    return out


def test_the_manifest_names_the_model_and_its_sources(fit_dir):
    doc = read_manifest(fit_dir)
    assert doc is not None
    assert doc["files"]["fit"][0] == "model.nc"
    assert doc["spec_file"]["path"].endswith("mmm.yaml") and len(doc["spec_file"]["sha256"]) == 64
    assert doc["data_file"]["path"].endswith("weekly.csv")
    assert check_folder(fit_dir).model_sha256 == doc["model_sha256"]
    assert check_folder(fit_dir).notes == ()


def test_a_refit_removes_the_previous_plan_and_report(small_fit, fit_dir, monkeypatch):
    assert runner.invoke(app, ["plan", str(fit_dir)]).exit_code == 0
    result = runner.invoke(app, ["report", str(fit_dir), "--format", "png"])
    assert result.exit_code == 0, result.output
    charts = sorted((fit_dir / "charts").glob("*.png"))
    assert charts and (fit_dir / "plan.json").is_file()
    recorded = read_manifest(fit_dir)["files"]
    assert "plan.json" in recorded["plan"] and any(n.startswith("charts/") for n in recorded["report"])
    (fit_dir / "notes.txt").write_text("the analyst's own file")

    monkeypatch.setattr("mmm.fitted.Model.fit", lambda self, *a, **k: _other(small_fit))
    spec = fit_dir.parent / "mmm.yaml"
    result = runner.invoke(app, ["fit", str(spec), "--out", str(fit_dir)])
    # 3 (written, not converged) is as good as 0 here: what is checked is the cleaning, not the sampler
    assert result.exit_code in (0, 3), result.output
    assert "Removed the previous model's plan and report" in _text(result)
    for name in ("plan.json", "plan.csv", "split.csv"):
        assert not (fit_dir / name).exists(), name
    assert not list((fit_dir / "charts").glob("*.png"))
    assert (fit_dir / "notes.txt").is_file()  # not ours: left alone
    assert read_manifest(fit_dir)["files"] == {"fit": ["model.nc", "channels.csv", "contributions.csv",
                                                       "diagnostics.json"]}


def test_plan_refuses_a_model_copied_in_from_elsewhere(small_fit, fit_dir, tmp_path):
    other = tmp_path / "other"
    write_fit_outputs(_other(small_fit), other)
    shutil.copy(other / "model.nc", fit_dir / "model.nc")
    for command in (["plan", str(fit_dir)], ["report", str(fit_dir), "--format", "png"]):
        result = runner.invoke(app, command)
        assert result.exit_code == EXIT_INPUT, result.output
        assert "is not the model that" in _text(result) and "Refit into this folder" in _text(result)
        assert "Traceback" not in result.output
    assert not (fit_dir / "plan.json").exists()


def test_a_fit_stopped_before_its_manifest_is_refused(small_fit, fit_dir, monkeypatch):
    """The new model.nc is in place but the tables and manifest still describe the old one."""
    _other(small_fit).save(fit_dir / "model.nc")
    result = runner.invoke(app, ["plan", str(fit_dir)])
    assert result.exit_code == EXIT_INPUT and "stopped while writing" in _text(result)


def test_an_edited_spec_is_named_but_the_plan_still_runs(fit_dir):
    spec = fit_dir.parent / "mmm.yaml"
    spec.write_text(spec.read_text() + "\n# edited after the fit\n")
    result = runner.invoke(app, ["plan", str(fit_dir)])
    assert result.exit_code == 0, result.output
    assert "changed after this model was fitted" in _text(result) and "mmm.yaml" in _text(result)


def test_a_folder_from_an_older_version_still_plans_with_a_note(saved_dir):
    assert not (saved_dir / MANIFEST_NAME).exists()
    result = runner.invoke(app, ["plan", str(saved_dir)])
    assert result.exit_code == 0, result.output
    assert f"has no {MANIFEST_NAME}" in _text(result)


def test_plan_waits_for_no_one_while_a_fit_holds_the_folder(fit_dir):
    from mmm.atomic import output_lock

    with output_lock(fit_dir):
        result = runner.invoke(app, ["plan", str(fit_dir)])
    assert result.exit_code == EXIT_INPUT and "is writing to" in _text(result)
    assert not (fit_dir / "plan.json").exists()
    assert json.loads((fit_dir / MANIFEST_NAME).read_text())["files"].get("plan") is None


@pytest.fixture()
def saved_dir(small_fit, tmp_path):
    small_fit.save(tmp_path / "old" / "model.nc")
    return tmp_path / "old"
