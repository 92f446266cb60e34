"""The command line through typer's runner: each command's happy path and its errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import EXIT_INPUT, EXIT_NOT_CONVERGED, app
from tests.conftest import small_frame, small_spec

runner = CliRunner()


def _write_case(tmp_path, **fit):
    df, _ = small_frame()
    df.to_csv(tmp_path / "weekly.csv", index=False)
    raw = small_spec().to_dict()
    raw["data"] = "weekly.csv"
    raw["fit"].update(fit)
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return tmp_path / "mmm.yaml"


@pytest.fixture(scope="module")
def fitted_dir(tmp_path_factory):
    """One converged CLI fit, reused by the plan and report tests."""
    tmp = tmp_path_factory.mktemp("cli")
    config = _write_case(tmp)
    result = runner.invoke(app, ["fit", str(config), "--out", str(tmp / "out"), "--draws", "500", "--tune", "500",
                                 "--chains", "4", "--seed", "3"])
    return tmp / "out", result


def test_fit_writes_the_contract_files(fitted_dir):
    out, result = fitted_dir
    assert result.exit_code == 0, result.output
    channels = pd.read_csv(out / "channels.csv")
    assert list(channels.columns) == ["channel", "role", "spend", "contribution_mean", "contribution_hdi_low",
                                      "contribution_hdi_high", "roas_mean", "roas_hdi_low", "roas_hdi_high",
                                      "share_of_kpi", "prior_contraction", "data_informed"]
    assert channels["prior_contraction"].between(-0.5, 1).all()
    assert channels["data_informed"].dtype == bool
    assert set(channels["channel"]) == {"tv", "search"}
    contrib = pd.read_csv(out / "contributions.csv")
    assert list(contrib.columns[:4]) == ["date", "actual", "fitted", "baseline"]
    assert {"tv", "search", "promo"} <= set(contrib.columns)
    diag = json.loads((out / "diagnostics.json").read_text())
    for key in ("sampler", "draws", "chains", "seconds", "max_rhat", "min_ess_bulk", "divergences", "verdict",
                "r2", "mape"):
        assert key in diag
    assert diag["verdict"] == "converged" and diag["draws"] == 500 and diag["chains"] == 4
    assert diag["health"] in ("ok", "review", "do not use")
    for check in diag["checks"]:
        assert set(check) == {"id", "level", "subject", "message"}
        assert check["level"] in ("info", "warning", "error")
    assert f"Model health: {diag['health'].upper()}" in " ".join(result.output.split())
    assert (out / "model.nc").exists()


def test_plan_writes_plan_split_and_json(fitted_dir):
    out, _ = fitted_dir
    result = runner.invoke(app, ["plan", str(out), "--budget", "16000", "--weeks", "13", "--bounds", "30%"])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out / "plan.csv")
    assert list(plan.columns) == ["channel", "role", "current_weekly", "recommended_weekly", "change_pct",
                                  "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
    assert plan["recommended_weekly"].sum() * 13 == pytest.approx(16000, rel=1e-6)
    split = pd.read_csv(out / "split.csv")
    assert list(split.columns) == ["brand_share", "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
    doc = json.loads((out / "plan.json").read_text())["plan"]
    assert "uplift" in doc
    ev = doc["evidence"]
    assert ev["strength"] in ("strong", "moderate", "weak", "no change")
    # the console says it exactly when the evidence for the new mix is not strong
    assert (ev["message"].split(":")[0] in result.output) == (ev["strength"] in ("moderate", "weak"))
    health = json.loads((out / "plan.json").read_text())["model_health"]
    assert health["converged"] and health["health"] in ("ok", "review")
    assert (health["note"] == "") == (health["health"] == "ok")


def test_plan_errors_are_clear(fitted_dir, tmp_path):
    out, _ = fitted_dir
    bad = runner.invoke(app, ["plan", str(out), "--budget", "-5"])
    assert bad.exit_code == EXIT_INPUT and "budget" in bad.output.lower()
    bounds = tmp_path / "b.csv"
    pd.DataFrame({"channel": ["tv", "search"], "min": [50000, 50000], "max": [60000, 60000]}).to_csv(bounds, index=False)
    infeasible = runner.invoke(app, ["plan", str(out), "--budget", "130000", "--bounds", str(bounds)])
    assert infeasible.exit_code == EXIT_INPUT and "infeasible" in infeasible.output.lower()
    missing = runner.invoke(app, ["plan", str(tmp_path / "nowhere")])
    assert missing.exit_code == EXIT_INPUT and "mmm fit" in missing.output


def test_report_writes_deck_and_charts(fitted_dir):
    out, _ = fitted_dir
    result = runner.invoke(app, ["report", str(out), "--format", "pptx,png"])
    assert result.exit_code == 0, result.output
    assert (out / "report.pptx").exists()
    assert len(list((out / "charts").glob("*.png"))) >= 8


def _deck_text(path) -> str:
    from pptx import Presentation

    return " ".join(" ".join(sh.text_frame.text.split()) for slide in Presentation(str(path)).slides
                    for sh in slide.shapes if sh.has_text_frame)


def test_report_shows_the_plan_just_made(fitted_dir):
    """`mmm plan --budget X` then `mmm report`: the deck shows plan X, not a re-plan at today's spend."""
    out, _ = fitted_dir
    result = runner.invoke(app, ["plan", str(out), "--budget", "15000", "--weeks", "10", "--bounds", "50%"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "at a budget of 15.0k USD" in text and "at today's spend of" in text   # the answer to the question
    request = json.loads((out / "plan.json").read_text())["request"]
    assert request["budget"] == 15000 and request["weeks"] == 10 and request["bounds"] == "50%"
    result = runner.invoke(app, ["report", str(out), "--format", "pptx"])
    assert result.exit_code == 0, result.output
    assert "Using the plan saved in" in " ".join(result.output.split())
    deck = _deck_text(out / "report.pptx")
    assert "Budget plan, next 10 weeks" in deck and "at $15k vs today's" in deck
    assert "A budget of $15k (today " in deck          # the plan chart's title says it too
    # a plan made from another model is not used
    doc = json.loads((out / "plan.json").read_text())
    doc["request"]["model_sha256"] = "0" * 64
    (out / "plan.json").write_text(json.dumps(doc))
    result = runner.invoke(app, ["report", str(out), "--format", "pptx"])
    assert result.exit_code == 0, result.output
    assert "different model.nc" in " ".join(result.output.split())
    assert "Budget plan, next 13 weeks" in _deck_text(out / "report.pptx")


def test_report_reads_the_saved_plan_without_re_optimising(fitted_dir, monkeypatch):
    """After `mmm plan`, `mmm report` shows the saved plan and split as written: neither optimiser runs."""
    out, _ = fitted_dir
    assert runner.invoke(app, ["plan", str(out), "--budget", "12000"]).exit_code == 0

    def refuse(*_a, **_k):
        raise AssertionError("the report re-optimised a plan that was saved for this model")

    monkeypatch.setattr("mmm.analysis.plans.plan_for", refuse)
    monkeypatch.setattr("mmm.analysis.plans.split_for", refuse)
    result = runner.invoke(app, ["report", str(out), "--format", "pptx"])
    assert result.exit_code == 0, result.output
    deck = _deck_text(out / "report.pptx")
    assert "at $12k vs today's" in deck and "Brand vs performance" in deck


def test_fit_that_does_not_converge_exits_3_and_still_writes(tmp_path):
    config = _write_case(tmp_path)
    result = runner.invoke(app, ["fit", str(config), "--out", str(tmp_path / "o"), "--draws", "15", "--tune", "10",
                                 "--chains", "2"])
    assert result.exit_code == EXIT_NOT_CONVERGED, result.output
    assert "do not trust" in result.output
    assert (tmp_path / "o" / "channels.csv").exists()


@pytest.mark.parametrize("text,fragment", [
    (None, "does not exist"),
    ("date_column: week\nkpi: {column: revenue\n", "not valid YAML"),
    ("date_column: week\nkpi: revenue\nchanels: {}\n", "Did you mean 'channels'"),
])
def test_validate_and_fit_report_spec_errors(tmp_path, text, fragment):
    path = tmp_path / "mmm.yaml"
    if text is not None:
        path.write_text(text)
    for cmd in (["validate", str(path)], ["fit", str(path), "--out", str(tmp_path / "o")]):
        result = runner.invoke(app, cmd)
        assert result.exit_code == EXIT_INPUT, result.output
        assert fragment in " ".join(result.output.split())


def test_validate_reports_data_problem_with_column_and_row(tmp_path):
    config = _write_case(tmp_path)
    df = pd.read_csv(tmp_path / "weekly.csv")
    df.loc[13, "tv_spend"] = -5
    df.to_csv(tmp_path / "weekly.csv", index=False)
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == EXIT_INPUT
    assert "tv_spend" in result.output and "negative" in result.output.lower()


def test_validate_refuses_a_control_that_copies_a_channel(tmp_path):
    config = _write_case(tmp_path)
    df = pd.read_csv(tmp_path / "weekly.csv")
    df["tv_grps"] = df["tv_spend"] / 100
    df.to_csv(tmp_path / "weekly.csv", index=False)
    raw = yaml.safe_load(config.read_text())
    raw["controls"] = ["promo", "tv_grps"]
    config.write_text(yaml.safe_dump(raw))
    result = runner.invoke(app, ["validate", str(config)])
    text = " ".join(result.output.split())
    assert result.exit_code == EXIT_INPUT, result.output
    assert "'tv_grps' is a copy of tv's spend" in text


def test_validate_happy_path(tmp_path):
    config = _write_case(tmp_path)
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "104 weeks" in result.output
    text = " ".join(result.output.split())
    assert "Columns in the data" in text and "spend of tv (brand)" in text   # what each column is in the spec


def test_init_guesses_channels_and_roles(tmp_path):
    df = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=5, freq="W-MON"), "revenue": range(5),
                       "TV Spend": range(5), "google_search_spend": range(5), "price": range(5)})
    df.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(tmp_path / "d.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    spec = yaml.safe_load(out.read_text())
    assert spec["kpi"]["column"] == "revenue" and spec["date_column"] == "week"
    assert spec["channels"]["tv"]["role"] == "brand"
    assert spec["channels"]["google_search"]["role"] == "performance"
    assert spec["controls"] == ["price"]
    again = runner.invoke(app, ["init", str(tmp_path / "d.csv"), "--out", str(out)])
    assert again.exit_code == EXIT_INPUT and "--force" in again.output


def test_every_command_has_help():
    for cmd in ("fit", "plan", "report", "validate", "init", "demo"):
        result = runner.invoke(app, [cmd, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.slow
def test_readme_demo_command_runs_end_to_end(tmp_path, monkeypatch):
    """`mmm demo` (the README's first command) in fast mode: fit, plan and deck on the bundled sample."""
    monkeypatch.setenv("MMM_FAST", "1")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    for name in ("model.nc", "channels.csv", "plan.csv", "split.csv", "plan.json", "report.pptx", "onepager.png"):
        assert (tmp_path / "demo" / name).exists(), name
    assert "FAST MODE" in json.loads((tmp_path / "demo" / "diagnostics.json").read_text())["verdict"]
    # a plan on a fit not fit to present says so, in its output and in plan.json
    health = json.loads((tmp_path / "demo" / "plan.json").read_text())["model_health"]
    assert health["health"] == "do not use" and "FAST MODE" in health["note"]
    assert "FAST MODE (few draws): for a quick look only" in " ".join(result.output.split())


def test_validate_names_panel_data_and_aggregates_it(tmp_path):
    from tests.test_data import _panel

    config = _write_case(tmp_path)
    _, panel = _panel(40)
    panel.to_csv(tmp_path / "weekly.csv", index=False)
    result = runner.invoke(app, ["validate", str(config)])
    text = " ".join(result.output.split())
    assert result.exit_code == EXIT_INPUT and "panel data: 40 geos in column 'region'" in text
    assert len(result.output) < 1000                    # not 1.3 kB of repeated row numbers
    result = runner.invoke(app, ["validate", str(config), "--aggregate-geo"])
    assert result.exit_code == 0, result.output
    assert "104 weeks" in result.output
