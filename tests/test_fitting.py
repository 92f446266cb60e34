"""A mediation fit is first-class: chosen by the spec, fitted by `mmm fit`, saved in one NetCDF file,
loaded back as itself, planned and reported on its total (direct + indirect) effects."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import app
from mmm.mediation import MediatedFit
from mmm.persist import load_fit, save_fit
from mmm.simulate import d2c_mediation_config, simulate_mediation

runner = CliRunner()
CHANNELS = ("tv", "youtube", "meta", "brand_search")


@pytest.fixture(scope="module")
def mediated_dir(tmp_path_factory):
    data, truth = simulate_mediation(d2c_mediation_config(seed=5, weeks=80, channels=CHANNELS))
    folder = tmp_path_factory.mktemp("mediated")
    data.to_csv(folder / "weekly.csv", index=False)
    spec = {"data": "weekly.csv", "date_column": "week", "kpi": {"column": "revenue", "type": "revenue"},
            "branded_search": {"column": "branded_searches", "paid_brand_search": "brand_search"},
            "channels": {c: {"spend": f"{c}_spend", "role": truth["channels"][c]["role"]} for c in CHANNELS},
            "events": ["black_friday"],
            "fit": {"draws": 150, "tune": 150, "chains": 2, "seed": 2}}
    (folder / "mmm.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, ["fit", str(folder / "mmm.yaml"), "--out", str(folder / "out")])
    assert result.exit_code in (0, 3), result.output
    return folder / "out", result


def test_the_spec_picks_the_mediation_model_and_it_is_saved_and_loaded_as_itself(mediated_dir):
    out, result = mediated_dir
    assert "mediation model" in " ".join(result.output.split())
    fit = load_fit(out)
    assert isinstance(fit, MediatedFit)
    assert fit.settings.paid_brand_search == "brand_search"
    assert fit.plain is not None and fit.plain.idata.posterior.sizes["draw"] == 150
    effects = pd.read_csv(out / "effects.csv")
    channels = pd.read_csv(out / "channels.csv").set_index("channel")
    # channels.csv reports total (direct + indirect) effects, the same numbers as effects.csv
    np.testing.assert_allclose(channels.loc[effects["channel"], "contribution_mean"].to_numpy(),
                               effects["total_mean"].to_numpy(), rtol=1e-6)
    assert (effects.set_index("channel").loc[["tv", "youtube"], "indirect_mean"] > 0).all()
    assert "effects.csv" in json.loads((out / "outputs.json").read_text())["files"]["fit"]
    again = out.parent / "again.nc"
    save_fit(fit, again)
    back = load_fit(again)
    pd.testing.assert_frame_equal(back.effects(), fit.effects())
    assert json.loads(json.dumps(back.diagnostics.to_dict())) == json.loads(json.dumps(fit.diagnostics.to_dict()))
    assert fit.diagnostics.health in ("ok", "review", "do not use")


def test_plan_and_report_use_the_total_effects(mediated_dir):
    out, _ = mediated_dir
    result = runner.invoke(app, ["plan", str(out)])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out / "plan.csv")
    assert set(plan["channel"]) == set(CHANNELS)
    result = runner.invoke(app, ["report", str(out), "--format", "png"])
    assert result.exit_code == 0, result.output
    charts = {p.stem for p in (out / "charts").glob("*.png")}
    assert any("direct_vs_total" in c for c in charts), charts


# ---------------------------------------------------------------- the lead-gen funnel

FUNNEL_CHANNELS = ("linkedin", "google_search", "webinars")
FUNNEL_YAML = [{"name": "opportunities", "source": "leads", "kind": "count", "lag": "delayed", "max_lag": 8},
               {"name": "pipeline", "source": "opportunities", "kind": "value", "lag": 0}]


@pytest.fixture(scope="module")
def funnel_dir(tmp_path_factory):
    from mmm.simulate import b2b_funnel_config, simulate_funnel

    data, truth = simulate_funnel(b2b_funnel_config(seed=4, weeks=90, channels=FUNNEL_CHANNELS, adstock="geometric"))
    folder = tmp_path_factory.mktemp("funnel")
    data.to_csv(folder / "weekly.csv", index=False)
    spec = {"data": "weekly.csv", "date_column": "week", "kpi": {"column": "leads", "type": "leads"},
            "channels": {c: {"spend": f"{c}_spend", "role": truth["leads"]["channels"][c]["role"]}
                         for c in FUNNEL_CHANNELS},
            "model": {"adstock": "geometric", "l_max": 6},
            "fit": {"draws": 150, "tune": 150, "chains": 2, "seed": 1},
            "funnel": FUNNEL_YAML}
    (folder / "mmm.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assert runner.invoke(app, ["validate", str(folder / "mmm.yaml")]).exit_code == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, ["fit", str(folder / "mmm.yaml"), "--out", str(folder / "out")])
    assert result.exit_code in (0, 3), result.output
    return folder / "out", result


def test_the_spec_picks_the_funnel_and_it_is_saved_and_loaded_as_itself(funnel_dir, tmp_path):
    from mmm.funnel import FunnelFit

    out, result = funnel_dir
    fit = load_fit(out)
    assert isinstance(fit, FunnelFit)
    assert [s.name for s in fit.stages] == ["opportunities", "pipeline"]
    stages = pd.read_csv(out / "funnel_stages.csv")
    assert len(stages) == 2
    pd.testing.assert_frame_equal(stages, fit.conversion_table(), check_dtype=False)
    assert set(pd.read_csv(out / "funnel_channels.csv")["channel"]) == set(FUNNEL_CHANNELS)
    assert "funnel_stages" in json.loads((out / "diagnostics.json").read_text())
    save_fit(fit, tmp_path / "again.nc")
    back = load_fit(tmp_path / "again.nc")
    pd.testing.assert_frame_equal(back.channel_funnel(), fit.channel_funnel())


def test_funnel_plan_and_report_work_on_the_lead_model(funnel_dir):
    out, _ = funnel_dir
    result = runner.invoke(app, ["plan", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--format", "png"])
    assert result.exit_code == 0, result.output
    charts = {p.stem for p in (out / "charts").glob("*.png")}
    assert {"11_channel_funnel", "12_stage_lags", "08_budget_plan"} <= charts, charts


@pytest.mark.parametrize("bad, fragment", [
    ([{"name": "opps", "source": "lead"}], "not the lead stage"),
    ([{"name": "opps", "source": "leads", "kind": "amount"}], "kind must be one of"),
    ([{"name": "opps", "source": "leads", "lagg": 2}], "lagg"),
    ("opportunities", "must be a list of stages"),
])
def test_a_bad_funnel_section_is_a_spec_error_at_validate(bad, fragment):
    from mmm.errors import SpecError
    from mmm.spec import spec_from_dict

    base = {"date_column": "week", "kpi": {"column": "leads", "type": "leads"},
            "channels": {"linkedin": {"spend": "linkedin_spend"}}}
    with pytest.raises(SpecError, match=fragment):
        spec_from_dict({**base, "funnel": bad})
    spec = spec_from_dict({**base, "funnel": FUNNEL_YAML})
    assert spec_from_dict(spec.to_dict()) == spec
