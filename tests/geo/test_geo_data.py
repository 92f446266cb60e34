"""Loading a geo panel: the simulator's panel read back exactly, and each bad input named by geo and week."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mmm.data import load_data
from mmm.errors import DataError, DataWarning, SpecError
from mmm.geo.load import load_panel
from mmm.simulate.geo import geo_config, simulate_geo
from mmm.spec import spec_from_dict


@pytest.fixture(scope="module")
def sim():
    data, raw, truth = simulate_geo(geo_config(n_geos=4, weeks=60, n_channels=3, seed=3))
    return data, raw, truth


def spec_of(raw, **change):
    out = {**raw, **change}
    return spec_from_dict(out)


def test_simulated_panel_is_read_back_exactly(sim, tmp_path):
    data, raw, truth = sim
    path = tmp_path / "geo.csv"
    data.to_csv(path, index=False)
    panel = load_panel(spec_of(raw, data=str(path)))
    assert panel.geos == truth.geos and panel.channels == truth.channels
    assert (panel.dates == truth.dates).all()
    for name in ("spend", "kpi", "population", "controls", "events", "allocation"):
        np.testing.assert_allclose(getattr(panel, name), getattr(truth.panel, name), rtol=1e-12, err_msg=name)
    assert panel.national_channels == ("tv",)
    np.testing.assert_allclose(panel.allocation.sum(axis=0), 1.0)
    np.testing.assert_allclose(panel.national_spend()[:, 0], data.loc[data.geo == "geo_1", "tv_spend"])


def test_rows_in_any_order_and_national_figure_on_one_row(sim):
    data, raw, truth = sim
    shuffled = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    one_row = shuffled.copy()
    one_row.loc[one_row.geo != "geo_3", "tv_spend"] = np.nan       # the figure given once per week
    panel = load_panel(spec_of(raw), one_row)
    order = [shuffled.geo.iloc[0]] + [g for g in pd.unique(shuffled.geo) if g != shuffled.geo.iloc[0]]
    assert list(panel.geos) == order                                 # file order of first appearance
    idx = [truth.geos.index(g) for g in panel.geos]
    np.testing.assert_allclose(panel.spend, truth.spend[idx], rtol=1e-12)
    np.testing.assert_allclose(panel.kpi, truth.kpi[idx])


def test_missing_week_names_the_geo_and_the_week(sim):
    data, raw, _ = sim
    bad = data.drop(index=data.index[(data.geo == "geo_2") & (data.week == "2023-03-06")])
    with pytest.raises(DataError, match=r"Geo 'geo_2' \(column 'geo'\) has no row for the week of 2023-03-06"):
        load_panel(spec_of(raw), bad)


def test_repeated_geo_week_names_the_rows(sim):
    data, raw, _ = sim
    bad = pd.concat([data, data.iloc[[5]]], ignore_index=True)
    with pytest.raises(DataError, match=r"geo 'geo_1', 2023-02-06 \(rows 6, 241\)"):
        load_panel(spec_of(raw), bad)


def test_negative_spend_names_geo_week_and_column(sim):
    data, raw, _ = sim
    bad = data.copy()
    bad.loc[70, "meta_spend"] = -12.5
    with pytest.raises(DataError, match=r"Spend column 'meta_spend' has negative values in geo 'geo_2', "
                                        r"week 2023-03-13 \(row 71\): -12.5"):
        load_panel(spec_of(raw), bad)


def test_national_channel_that_differs_across_geos_is_refused(sim):
    data, raw, _ = sim
    bad = data.copy()
    bad.loc[(bad.geo == "geo_4") & (bad.week == "2023-01-09"), "tv_spend"] += 100.0
    with pytest.raises(DataError, match=r"Channel 'tv' is national \(level: national\), but column 'tv_spend' "
                                        r"differs across geos in the week of 2023-01-09"):
        load_panel(spec_of(raw), bad)
    empty = data.copy()
    empty.loc[empty.week == "2023-02-13", "tv_spend"] = np.nan
    with pytest.raises(DataError, match="is empty in every geo in the week of 2023-02-13"):
        load_panel(spec_of(raw), empty)


def test_population_must_be_constant_and_positive_per_geo(sim):
    data, raw, _ = sim
    bad = data.copy()
    bad.loc[bad.index[bad.geo == "geo_3"][10], "population"] += 1
    with pytest.raises(DataError, match="Column 'population' \\(population_column\\) must be the same in every "
                                        "week of a geo, but geo 'geo_3'"):
        load_panel(spec_of(raw), bad)
    zero = data.copy()
    zero.loc[zero.geo == "geo_4", "population"] = 0
    with pytest.raises(DataError, match="must be positive; geo 'geo_4' has 0"):
        load_panel(spec_of(raw), zero)


def test_geo_with_all_zero_kpi_and_empty_cells_are_named(sim):
    data, raw, _ = sim
    dead = data.copy()
    dead.loc[dead.geo == "geo_2", "revenue"] = 0.0
    with pytest.raises(DataError, match="is 0 in every week in geo 'geo_2'"):
        load_panel(spec_of(raw), dead)
    hole = data.copy()
    hole.loc[3, "revenue"] = np.nan
    with pytest.raises(DataError, match=r"Column 'revenue' is empty \(NaN\) in geo 'geo_1', week 2023-01-23"):
        load_panel(spec_of(raw), hole)
    nogeo = data.copy().astype({"geo": object})
    nogeo.loc[8, "geo"] = None
    with pytest.raises(DataError, match="Geo column 'geo' is empty in row 9"):
        load_panel(spec_of(raw), nogeo)


def test_events_are_national_and_controls_may_vary(sim):
    data, raw, _ = sim
    bad = data.copy()
    bad.loc[(bad.geo == "geo_1") & (bad.week == "2023-05-01"), "christmas"] = 1
    with pytest.raises(DataError, match="Event column 'christmas' differs across geos in the week of 2023-05-01"):
        load_panel(spec_of(raw), bad)
    panel = load_panel(spec_of(raw), data)
    k = panel.control_names.index("competitor_index")
    assert panel.controls[:, :, k].std(axis=0).min() > 0           # varies by geo
    p = panel.control_names.index("promo")
    assert np.ptp(panel.controls[:, :, p], axis=0).max() == 0     # national, repeated


def test_allocation_by_a_share_column_and_without_population(sim):
    data, raw, truth = sim
    shares = {"geo_1": 1.0, "geo_2": 1.0, "geo_3": 2.0, "geo_4": 0.0}
    df = data.assign(tv_share=data.geo.map(shares))
    channels = {**raw["channels"], "tv": {**raw["channels"]["tv"], "allocation": "tv_share"}}
    panel = load_panel(spec_of(raw, channels=channels), df)
    np.testing.assert_allclose(panel.allocation[:, 0], [0.25, 0.25, 0.5, 0.0])
    np.testing.assert_allclose(panel.spend[:, :, 0].sum(axis=0), panel.national_spend()[:, 0])
    np.testing.assert_allclose(panel.spend[2, :, 0], 0.5 * data.loc[data.geo == "geo_1", "tv_spend"])
    no_pop = {k: v for k, v in raw.items() if k != "population_column"}
    panel = load_panel(spec_from_dict(no_pop), data)
    kpi_share = truth.kpi.sum(axis=1) / truth.kpi.sum()
    np.testing.assert_allclose(panel.population, kpi_share)
    np.testing.assert_allclose(panel.allocation[:, 0], kpi_share)


def test_daily_panel_is_summed_to_weeks_per_geo():
    days = pd.date_range("2024-01-01", periods=7 * 40, freq="D")      # a Monday; 40 whole weeks
    rng = np.random.default_rng(0)
    rows = []
    for g, pop in (("north", 100.0), ("south", 300.0)):
        for d in days:
            rows.append({"day": d, "region": g, "pop": pop, "search": rng.uniform(0, 10),
                         "tv": 70.0 + d.dayofweek, "sales": rng.uniform(50, 60) * pop / 100})
    df = pd.DataFrame(rows)
    spec = spec_from_dict({"date_column": "day", "geo_column": "region", "population_column": "pop",
                           "kpi": {"column": "sales", "type": "revenue"},
                           "channels": {"search": "search", "tv": {"spend": "tv", "level": "national"}},
                           "model": {"yearly_seasonality": 0}})
    with pytest.raises(DataError, match="look daily"):
        load_panel(spec, df)
    panel = load_panel(spec, df, aggregate_daily=True)
    assert panel.n_weeks == 40 and panel.geos == ("north", "south")
    north = df[df.region == "north"]
    np.testing.assert_allclose(panel.kpi[0, 0], north.sales.iloc[:7].sum())
    np.testing.assert_allclose(panel.spend[:, 0, 1], np.array([0.25, 0.75]) * sum(70.0 + k for k in range(7)))


def test_a_national_spec_is_refused_and_aggregate_geo_still_sums(sim):
    data, raw, truth = sim
    national = {k: v for k, v in raw.items() if k not in ("geo_column", "population_column")}
    national["channels"] = {k: {kk: vv for kk, vv in v.items() if kk != "level"}
                            for k, v in raw["channels"].items()}
    with pytest.raises(SpecError, match="no 'geo_column'"):
        load_panel(spec_from_dict(national), data)
    with pytest.raises(DataError, match="set 'geo_column: geo' in the spec"):
        load_data(data, spec_from_dict(national))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ds = load_data(data, spec_from_dict(raw), aggregate_geo=True)   # the geo spec, summed to national
    np.testing.assert_allclose(ds.kpi, truth.kpi.sum(axis=0))
    np.testing.assert_allclose(ds.spend, truth.spend.sum(axis=0), rtol=1e-9)   # tv: the national figure once


# ---------------------------------------------------------------- mmm init and mmm validate on a panel


def tiny_panel() -> pd.DataFrame:
    """Three DMAs x 60 weeks: national TV repeated per row, search per DMA, a households column."""
    rng = np.random.default_rng(4)
    weeks = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    tv = np.where(rng.random(60) < 0.6, rng.gamma(3, 2000, 60), 0.0).round(2)
    rows = []
    for dma, hh in (("Boston", 2_500_000), ("Denver", 1_200_000), ("Austin", 900_000)):
        search = rng.gamma(3, hh / 3000, 60).round(2)
        sales = (hh / 100 + 2 * search + 0.3 * tv * hh / 4.6e6 + rng.normal(0, 300, 60)).round(2)
        rows.append(pd.DataFrame({"week": weeks, "dma": dma, "households": hh, "tv_spend": tv,
                                  "search_spend": search, "sales": sales}))
    return pd.concat(rows, ignore_index=True)


def test_init_writes_a_geo_spec_that_validates(tmp_path):
    from typer.testing import CliRunner

    from mmm.cli import app

    runner = CliRunner()
    path = tmp_path / "panel.csv"
    tiny_panel().to_csv(path, index=False)
    out = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "geo_column: dma" in text and "population_column: households" in text
    assert "tv: {spend: tv_spend, role: brand, level: national}" in text
    assert "search: {spend: search_spend, role: performance}" in text
    assert "get_dummies(df['dma']" not in text                    # the geo is not offered as an event
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 geos (column 'dma') x 60 weeks" in result.output
    assert "geo panel: 3 geos, 60 weeks, 1 geo and 1 national channels" in result.output
    # a bad panel fails validate with the geo and the week, exit 2
    bad = tiny_panel().drop(index=65)
    bad.to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 2
    assert "Geo 'Denver'" in result.output and "week of 2024-02-05" in result.output


def test_meridian_benchmark_spec_reads_the_public_data_set():
    from pathlib import Path

    from mmm.spec import load_spec

    here = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    panel = load_panel(load_spec(here / "meridian_geo.yaml"))
    assert (panel.n_geos, panel.n_weeks, len(panel.channels)) == (40, 156, 5)
    assert panel.national_channels == () and panel.control_names[:2] == ("competitor_sales_control",
                                                                         "sentiment_score_control")
    source = pd.read_csv(here / "meridian_geo_all_channels.csv", index_col=0)
    assert list(panel.geos) == list(pd.unique(source.geo))
    g = source[source.geo == "Geo7"].sort_values("time")
    i = panel.geos.index("Geo7")
    np.testing.assert_allclose(panel.kpi[i], g.conversions * g.revenue_per_conversion, rtol=1e-6)
    np.testing.assert_allclose(panel.spend[i, :, 3], g.Channel3_spend, rtol=1e-12)
    assert panel.population[i] == pytest.approx(g.population.iloc[0])


def test_validate_on_the_geo_sample_imports_no_modelling_stack():
    import json
    import subprocess
    import sys
    from pathlib import Path

    from mmm.samples import sample_path

    heavy = ("pymc", "pytensor", "jax", "numpyro", "arviz", "matplotlib", "scipy")
    code = ("import json, sys\nfrom typer.testing import CliRunner\nfrom mmm.cli import app\n"
            f"r = CliRunner().invoke(app, ['validate', {str(sample_path('geo'))!r}])\n"
            "assert r.exit_code == 0, r.output\nassert '20 geos' in r.output, r.output\n"
            f"print('HEAVY=' + json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr[-2000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("HEAVY="))
    assert json.loads(line[len("HEAVY="):]) == []


def test_a_lift_test_in_an_unknown_geo_is_named(sim):
    data, raw, _ = sim
    test = {"channel": "meta", "start": "2023-03-06", "end": "2023-03-27", "spend_change": 1000.0,
            "lift": 2500.0, "lift_se": 800.0}
    panel = load_panel(spec_of(raw, lift_tests=[{**test, "geos": ["geo_2", "geo_3"]}]), data)
    assert panel.n_geos == 4
    with pytest.raises(DataError, match=r"'lift_tests\[0\]\.geos' names 'geo_9', not a geo in column 'geo'"):
        load_panel(spec_of(raw, lift_tests=[{**test, "geos": ["geo_2", "geo_9"]}]), data)
