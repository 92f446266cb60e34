"""Bad input to the many-fit commands exits 2 with a line naming what to fix, before any fit; the
manifest and --vary readers build the specs they describe (no sampling here)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import app
from mmm.cli_many import forms_requested
from mmm.errors import SpecError
from mmm.many import read_manifest
from mmm.many.specs import parse_vary, variants
from tests.conftest import small_frame, small_spec


@pytest.fixture()
def spec_file(tmp_path):
    df, _ = small_frame(70)
    df.to_csv(tmp_path / "a.csv", index=False)
    raw = small_spec().to_dict()
    raw["data"] = "a.csv"
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path / "base.yaml"


def _run(args: list[str]):
    return CliRunner().invoke(app, args)


def test_forms_flag_and_spec_key(spec_file, tmp_path) -> None:
    assert forms_requested(spec_file, "auto") and not forms_requested(spec_file, "preset")
    assert not forms_requested(spec_file, None)
    raw = yaml.safe_load(spec_file.read_text())
    raw["fit"]["forms"] = "auto"
    (tmp_path / "auto.yaml").write_text(yaml.safe_dump(raw))
    assert forms_requested(tmp_path / "auto.yaml", None)
    r = _run(["fit", str(spec_file), "--forms", "atuo", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--forms must be auto or preset" in r.output
    r = _run(["fit", str(spec_file), "--forms", "auto", "--holdout-weeks", "8", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--holdout-weeks" in r.output
    raw["fit"]["forms"] = "all"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(raw))
    r = _run(["validate", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 2 and "fit.forms" in r.output


def test_vary_options(spec_file) -> None:
    assert parse_vary(["model.adstock=geometric,delayed", "model.l_max=8,13"]) == {
        "model.adstock": ["geometric", "delayed"], "model.l_max": [8, 13]}
    combos = variants(yaml.safe_load(spec_file.read_text()), parse_vary(["model.adstock=geometric,delayed",
                                                                         "model.saturation=logistic,hill"]))
    assert [c[0] for c in combos] == ["adstock=geometric_saturation=logistic", "adstock=geometric_saturation=hill",
                                      "adstock=delayed_saturation=logistic", "adstock=delayed_saturation=hill"]
    assert combos[3][2]["model"]["saturation"] == "hill" and combos[3][2]["model"]["adstock"] == "delayed"
    for bad, msg in ((["model.adstock"], "KEY=VALUE"), (["model.adstock=a,a"], "repeats"), ([], "at least one")):
        with pytest.raises(SpecError, match=msg):
            parse_vary(bad)
    r = _run(["compare", str(spec_file), "--vary", "model.adstock=geometric"])
    assert r.exit_code == 2 and "at least two variants" in r.output
    r = _run(["compare", str(spec_file), "--vary", "model.adstok=geometric,delayed"])
    assert r.exit_code == 2 and "adstok" in r.output and "adstock" in r.output   # unknown key, with a hint


def test_backtest_refuses_folds_that_do_not_fit(spec_file, tmp_path) -> None:
    r = _run(["backtest", str(spec_file), "--horizon", "50", "--out", str(tmp_path / "bt")])
    assert r.exit_code == 2 and "needs at least" in r.output and "70" in r.output
    r = _run(["backtest", str(spec_file), "--folds", "2", "--horizon", "8", "--train-weeks", "5"])
    assert r.exit_code == 2 and "--train-weeks 5" in r.output


def test_yaml_manifest_with_defaults(spec_file, tmp_path) -> None:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({
        "defaults": {"spec": "base.yaml", "fit": {"draws": 300}},
        "fits": [{"name": "us"}, {"name": "uk", "model": {"adstock": "delayed"}, "fit": {"chains": 3}}]}))
    us, uk = read_manifest(tmp_path / "m.yaml")
    assert (us.name, uk.name) == ("us", "uk")
    assert us.spec["fit"]["draws"] == 300 and uk.spec["fit"]["draws"] == 300 and uk.spec["fit"]["chains"] == 3
    assert us.spec["model"]["adstock"] == "geometric" and uk.spec["model"]["adstock"] == "delayed"
    assert us.spec["data"] == str((tmp_path / "a.csv").resolve())


def test_csv_manifest_with_dotted_columns(spec_file, tmp_path) -> None:
    pd.DataFrame({"name": ["a", "b"], "spec": ["base.yaml", "base.yaml"], "model.l_max": ["", "12"],
                  "fit.draws": ["250", ""]}).to_csv(tmp_path / "m.csv", index=False)
    a, b = read_manifest(tmp_path / "m.csv")
    assert a.spec["model"]["l_max"] == 8 and b.spec["model"]["l_max"] == 12   # empty cell: the spec's value
    assert a.spec["fit"]["draws"] == 250 and b.spec["fit"]["draws"] == small_spec().fit.draws


@pytest.mark.parametrize(("fits", "message"), [
    ([{"name": "a"}, {"name": "a"}], "unique"),
    ([{"name": "a b"}], "fit name 'a b'"),
    ([{"name": "x", "model": {"adstok": "delayed"}}], "fit 'x'"),
    ([{"name": "x", "spec": "missing.yaml"}], "missing.yaml"),
])
def test_bad_manifest_names_the_fit(spec_file, tmp_path, fits, message) -> None:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"defaults": {"spec": "base.yaml"}, "fits": fits}))
    r = _run(["fit-many", str(tmp_path / "m.yaml"), "--out", str(tmp_path / "o")])
    # the console wraps a long path mid-name at its width (80 here)
    assert r.exit_code == 2 and message in r.output.replace("\n", ""), r.output


def test_resume_hash_follows_library_versions(monkeypatch) -> None:
    """A fit made by another version of mmm or of the samplers is not resumed: its hash differs."""
    from mmm.many import tasks
    from mmm.many.tasks import FitTask

    df, _ = small_frame(40)
    task = FitTask("a", small_spec().to_dict(), "out", df, {"draws": 10})
    before = task.content_hash()
    assert task.content_hash() == before  # same inputs, same versions: resumed
    real = tasks.library_versions()
    monkeypatch.setattr(tasks, "library_versions", lambda: {**real, "mmm": real["mmm"] + ".post1"})
    assert task.content_hash() != before
    monkeypatch.setattr(tasks, "library_versions", lambda: {**real, "pymc": "0.0"})
    assert task.content_hash() != before


def test_forms_auto_refuses_a_geo_spec(tmp_path) -> None:
    """A geo panel spec with --forms auto exits 2 naming geo_column, before any fit."""
    from mmm.samples import sample_path

    raw = yaml.safe_load(sample_path("geo").read_text())
    raw["data"] = str(sample_path("geo", ".csv"))
    (tmp_path / "geo.yaml").write_text(yaml.safe_dump(raw))
    r = _run(["fit", str(tmp_path / "geo.yaml"), "--forms", "auto", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "geo_column" in r.output
    assert not (tmp_path / "o" / "forms.csv").exists()
