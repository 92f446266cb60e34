"""fit-many, backtest and compare on a 2-worker LocalCluster with tiny draws and tiny data.

One cluster serves the module (the commands reach it by ``--scheduler``); each fit is 1 chain of
40 draws, so verdicts are 'do not trust': these tests check the plumbing and the invariants
(failed fits reported, resume by content hash, no future data in a fold, LOO arithmetic), not
the statistics, which ``benchmarks/many_*.py`` measure with full draws.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import app
from tests.conftest import small_frame, small_spec

pytestmark = pytest.mark.slow

WEEKS = 70
TINY = {"draws": 40, "tune": 40, "chains": 1, "seed": 1}
TINY_ARGS = ["--draws", "40", "--tune", "40", "--chains", "1", "--seed", "1"]


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker LocalCluster shared by this module's tests."""
    from mmm.many.runner import local_client

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = local_client(2)
    yield client
    cluster = client.cluster
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The small data set as CSV and a spec YAML pointing at it."""
    root = tmp_path_factory.mktemp("many")
    df, _ = small_frame(WEEKS)
    df.to_csv(root / "a.csv", index=False)
    df.assign(revenue=df["revenue"] * 1.1).to_csv(root / "b.csv", index=False)
    raw = small_spec().to_dict()
    raw["data"] = "a.csv"
    (root / "base.yaml").write_text(yaml.safe_dump(raw))
    return root, df


def _invoke(args: list[str]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CliRunner().invoke(app, args)


def test_fit_many_reports_a_failed_fit_and_resumes(cluster, files) -> None:
    root, _ = files
    address = cluster.cluster.scheduler_address
    fits = [{"name": "a"}, {"name": "broken", "kpi": {"column": "sales"}}]
    (root / "first.yaml").write_text(yaml.safe_dump({"defaults": {"spec": "base.yaml"}, "fits": fits}))
    out = root / "portfolio"
    # the first run stands for a batch interrupted before market b was fitted
    r = _invoke(["fit-many", str(root / "first.yaml"), "--out", str(out), "--scheduler", address, *TINY_ARGS])
    assert r.exit_code == 2, r.output                   # a failed fit: bad input, after the others finished
    first = pd.read_csv(out / "summary.csv").set_index("name")
    assert first.loc["a", "status"] == "done"
    assert first.loc["broken", "status"] == "failed"
    assert "sales" in first.loc["broken", "error"]       # the error names the missing column
    assert (out / "portfolio.png").is_file()
    assert json.loads((out / "a" / "fit_task.json").read_text())["summary"]["status"] == "done"

    fits.insert(1, {"name": "b", "data": "b.csv"})
    (root / "full.yaml").write_text(yaml.safe_dump({"defaults": {"spec": "base.yaml"}, "fits": fits}))
    r = _invoke(["fit-many", str(root / "full.yaml"), "--out", str(out), "--scheduler", address, *TINY_ARGS])
    assert r.exit_code == 2, r.output
    second = pd.read_csv(out / "summary.csv").set_index("name")
    assert list(second.index) == ["a", "b", "broken"]
    assert second.loc["a", "status"] == "skipped"        # unchanged spec + data: not fitted again
    assert second.loc["b", "status"] == "done"
    assert second.loc["broken", "status"] == "failed"    # failed fits are retried, and fail again
    assert second.loc["a", "total_media_roas"] == pytest.approx(first.loc["a", "total_media_roas"])
    # the R² and total media ROAS of a fit are its own folder's numbers
    diag = json.loads((out / "b" / "diagnostics.json").read_text())
    assert second.loc["b", "r2"] == pytest.approx(diag["r2"])
    channels = pd.read_csv(out / "b" / "channels.csv")
    assert second.loc["b", "total_media_roas"] == pytest.approx(
        channels["contribution_mean"].sum() / channels["spend"].sum(), rel=1e-6)


@pytest.fixture(scope="module")
def backtested(cluster, files):
    from mmm.many import backtest

    root, df = files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a sliding 40-week training window: both folds share one model structure (one compile per worker)
        return backtest(small_spec(), df, root / "bt", folds=2, horizon=8, train_weeks=40, scheduler=cluster,
                        progress=False, **TINY)


def test_backtest_writes_folds_and_scores(backtested, files) -> None:
    root, df = files
    folds = pd.read_csv(root / "bt" / "backtest.csv")
    assert list(folds.columns) == ["fold", "origin", "horizon", "mape", "crps", "coverage_90"]
    assert list(folds["origin"]) == [str(df["week"][54].date()), str(df["week"][62].date())]
    assert folds["mape"].between(0, 1).all() and folds["crps"].gt(0).all()
    assert folds["coverage_90"].between(0, 1).all()
    roas = pd.read_csv(root / "bt" / "backtest_roas.csv")
    assert list(roas.columns) == ["fold", "channel", "roas_mean", "roas_hdi_low", "roas_hdi_high"]
    assert len(roas) == 4 and (roas["roas_hdi_low"] <= roas["roas_mean"]).all()
    assert (root / "bt" / "backtest.png").is_file()
    for f, origin in ((1, 54), (2, 62)):                 # each fold trained on the 40 weeks before its origin
        diag = json.loads((root / "bt" / "folds" / f"fold_{f}" / "diagnostics.json").read_text())
        assert diag["holdout"]["weeks"] == 8
        contrib = pd.read_csv(root / "bt" / "folds" / f"fold_{f}" / "contributions.csv")
        assert len(contrib) == 48                        # 40 training + 8 test weeks, nothing after them
        assert contrib["date"].iloc[0] == str(df["week"][origin - 40].date())
        assert contrib["date"].iloc[-1] == str(df["week"][origin + 7].date())


def test_backtest_fold_never_sees_data_after_its_origin(backtested, cluster, files) -> None:
    """Changing the KPI (and spend) after fold 1's origin leaves fold 1's fit unchanged."""
    from mmm.many.backtest import fold_tasks
    from mmm.many.runner import run_fits
    from mmm.persist import load_fit

    root, df = files
    future = df.copy()
    future.loc[54:, "revenue"] *= 3.0
    future.loc[54:, "tv_spend"] *= 0.5
    _, tasks = fold_tasks(small_spec(), future, root / "bt_future", 2, 8, TINY, train_weeks=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (changed,) = run_fits(tasks[:1], scheduler=cluster, progress=False)
    assert changed.status == "done", changed.error
    before = load_fit(root / "bt" / "folds" / "fold_1" / "model.nc").idata.posterior
    after = load_fit(root / "bt_future" / "fold_1" / "model.nc").idata.posterior
    for name in ("roas", "level", "sigma"):
        np.testing.assert_array_equal(before[name].values, after[name].values)
    # ...while its forecast of the changed weeks does change (they are scored, not fitted)
    assert changed.scores["holdout"]["mape"] != backtested.summaries[0].scores["holdout"]["mape"]


@pytest.fixture(scope="module")
def compared(cluster, files):
    root, _ = files
    r = _invoke(["compare", str(root / "base.yaml"), "--vary", "model.adstock=geometric,delayed",
                 "--out", str(root / "cmp"), "--scheduler", cluster.cluster.scheduler_address, *TINY_ARGS])
    assert r.exit_code in (0, 3), r.output               # 3: tiny draws do not converge
    return root / "cmp", r.output


def test_compare_ranks_by_loo(compared) -> None:
    out, output = compared
    table = pd.read_csv(out / "compare.csv")
    assert set(table["variant"]) == {"adstock=geometric", "adstock=delayed"}
    assert list(table["rank"]) == [1, 2]
    assert table["elpd_loo"].is_monotonic_decreasing
    assert table.loc[0, "elpd_diff"] == 0 and table.loc[1, "elpd_diff"] == pytest.approx(
        table.loc[0, "elpd_loo"] - table.loc[1, "elpd_loo"])
    assert table["weight"].sum() == pytest.approx(1.0)
    second = table.loc[1]
    assert bool(second["distinguishable"]) == (second["elpd_diff"] >= 2 * second["diff_se"])
    assert (table["model.adstock"] == table["variant"].str.split("=").str[1]).all()
    assert "Best by LOO" in output and (out / "compare.png").is_file()


def test_loo_log_likelihood_matches_pymc(compared) -> None:
    """The NumPy pointwise log-likelihood equals PyMC's own for the saved posterior."""
    import pymc as pm

    from mmm.fitted import Model
    from mmm.many.scores import pointwise_loglik
    from mmm.persist import load_fit

    out, _ = compared
    fit = load_fit(out / "variants" / "adstock=geometric" / "model.nc")
    model, _, _ = Model(fit.spec).build(fit.dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pm.compute_log_likelihood(fit.idata.to_arviz() if hasattr(fit.idata, "to_arviz") else fit.idata,
                                        model=model, var_names=["kpi"], progressbar=False, extend_inferencedata=False)
    np.testing.assert_allclose(pointwise_loglik(fit), ref["kpi"].values, rtol=1e-6, atol=1e-6)


@pytest.fixture(scope="module")
def stacked(compared):
    """The two compared variants stacked into ``cmp/stacked`` (forms.csv, channels.csv)."""
    from mmm.many.stacking import stack_folders
    from mmm.many.tasks import FitSummary

    out, _ = compared
    summaries = [FitSummary.from_record(json.loads((p / "fit_task.json").read_text())["summary"])
                 for p in sorted((out / "variants").iterdir())]
    return stack_folders(summaries, out / "stacked", seed=0), summaries, out / "stacked"


def test_stacking_two_compared_fits(stacked) -> None:
    """Stacked channel table of the two variants: its ROAS mean is the weighted mean of theirs."""
    result, summaries, out = stacked
    w = result.forms.set_index("form")["weight"]
    assert w.sum() == pytest.approx(1.0)
    mixed = sum(w[s.name] * pd.read_csv(Path(s.folder) / "channels.csv").set_index("channel")["roas_mean"]
                for s in summaries)
    got = result.channels.set_index("channel")["roas_mean"]
    assert got.to_numpy() == pytest.approx(mixed.loc[got.index].to_numpy(), rel=0.05)
    from mmm.outputs import CHANNEL_COLUMNS
    assert list(pd.read_csv(out / "channels.csv").columns) == CHANNEL_COLUMNS


def test_plan_and_report_on_a_stacked_folder(stacked) -> None:
    """`mmm plan` and `mmm report` read a stacked folder as the mixture of its forms: the plan's
    expected KPI at today's mix is the weighted mean of the forms' own, and the report shows the
    plan just saved and names the forms."""
    from pptx import Presentation

    from mmm.many.stacked_view import load_stacked, stacked_digest
    from mmm.planning import optimize_budget

    result, summaries, out = stacked
    r = _invoke(["plan", str(out), "--bounds", "20%"])
    assert r.exit_code == 0, r.output
    assert "Stacked fit: planning and reporting on the mixture" in r.output
    doc = json.loads((out / "plan.json").read_text())
    assert doc["request"]["model_sha256"] == stacked_digest(out)
    assert set(pd.read_csv(out / "plan.csv")["channel"]) == {"tv", "search"}
    view = load_stacked(out)
    w = dict(zip(view.form_names, view.weights, strict=True))
    budget = doc["request"]["budget"]
    at_mix = [optimize_budget(f, budget, bounds="0%", draws=None).summary["recommended"]["expected_kpi"]["mean"]
              for f in view.forms]
    mixed = optimize_budget(view, budget, bounds="0%", draws=None).summary["recommended"]["expected_kpi"]["mean"]
    assert mixed == pytest.approx(sum(w[n] * k for n, k in zip(view.form_names, at_mix, strict=True)), rel=0.03)
    r = _invoke(["report", str(out), "--format", "pptx"])
    assert r.exit_code == 0, r.output
    assert "Using the plan saved" in r.output
    text = [sh.text_frame.text for s in Presentation(str(out / "report.pptx")).slides for sh in s.shapes
            if sh.has_text_frame]
    assert any("Stacked forms" in t and view.form_names[0] in t for t in text)


def test_stacked_view_draws_line_up_with_its_planning_draws(stacked) -> None:
    """Draw i of the stacked view's parameters is draw i of its planning engine (the lift-test
    recommendations pair them draw by draw), on every subsample planning takes."""
    from mmm.many.stacked_view import load_stacked
    from mmm.planning import build_engine, draw_index

    _, _, out = stacked
    view = load_stacked(out)
    rm = view.response_model()
    n = view.params["media_beta"].shape[0]
    assert rm.n_draws == n == view.components(0, 5)["mean"].shape[0]
    for draws in (None, 25):
        eng = build_engine(view, 13, "period+tail", draws, seed=2)
        idx = draw_index(n, draws, 2)
        beta = np.concatenate([p.beta for p in eng.parts], axis=0)
        np.testing.assert_allclose(beta, view.params["media_beta"][idx] * view.scaling.kpi_scale, rtol=1e-12)
