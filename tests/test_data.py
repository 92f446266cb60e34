"""Tests for :mod:`mmm.data`: reading, validating and serialising the weekly data set."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from mmm.data import Dataset, aggregate_to_weeks, load_data, min_weeks, read_table
from mmm.errors import DataError, DataWarning
from mmm.spec import spec_from_dict


def make_spec(**changes):
    raw = {
        "date_column": "week",
        "kpi": {"column": "revenue", "type": "revenue"},
        "channels": {
            "tv": {"spend": "tv_spend", "role": "brand"},
            "search": {"spend": "search_spend"},
            "social": {"spend": "social_spend"},
        },
        "controls": ["price"],
        "events": ["promo"],
        "model": {"l_max": 8, "yearly_seasonality": 2},
    }
    raw.update(changes)
    return spec_from_dict(raw)


def make_frame(n: int = 60, seed: int = 0, start: str = "2023-01-02") -> pd.DataFrame:
    """``n`` Monday weeks of independent random spend, a price control and a promo flag."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "week": pd.date_range(start, periods=n, freq="7D").strftime("%Y-%m-%d"),
        "tv_spend": rng.uniform(0, 10_000, n).round(2),
        "search_spend": rng.uniform(1_000, 5_000, n).round(2),
        "social_spend": rng.uniform(0, 3_000, n).round(2),
        "price": rng.normal(20, 1, n).round(3),
        "promo": (rng.uniform(size=n) < 0.1).astype(int),
        "revenue": rng.uniform(50_000, 90_000, n).round(2),
        "notes": "x",
    })
    return df


def date_of(df: pd.DataFrame, i: int) -> str:
    return pd.Timestamp(df["week"].iloc[i]).strftime("%Y-%m-%d")


def load_quiet(df, spec=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return load_data(df, spec or make_spec(), **kw)


# ---------------------------------------------------------------- happy path and reading


def test_happy_path_shapes_and_types():
    df = make_frame()
    shuffled = df.sample(frac=1, random_state=1)
    ds = load_quiet(shuffled)
    assert isinstance(ds, Dataset)
    assert ds.n_weeks == 60
    assert ds.spend.shape == (60, 3) and ds.spend.dtype == np.float64
    assert ds.controls.shape == (60, 1)
    assert ds.events.shape == (60, 1)
    assert ds.kpi.shape == (60,)
    assert isinstance(ds.dates, pd.DatetimeIndex) and ds.dates.is_monotonic_increasing
    assert isinstance(ds.frame.index, pd.RangeIndex) and ds.frame.index[0] == 0
    assert ds.frame["week"].dtype.kind == "M"
    assert "notes" not in ds.frame.columns
    assert all(ds.frame[c].dtype == np.float64 for c in ds.frame.columns if c != "week")
    # sorted back into date order, channels in spec order
    np.testing.assert_array_equal(ds.spend[:, 1], df["search_spend"].to_numpy())
    np.testing.assert_array_equal(ds.kpi, df["revenue"].to_numpy())
    assert ds.branded_search is None


def test_no_controls_or_events_gives_empty_blocks():
    spec = make_spec(controls=[], events=[])
    ds = load_quiet(make_frame(), spec)
    assert ds.controls.shape == (60, 0) and ds.events.shape == (60, 0)


def test_branded_search_column_kept():
    df = make_frame()
    df["brand_queries"] = np.arange(60.0)
    ds = load_quiet(df, make_spec(branded_search="brand_queries"))
    np.testing.assert_array_equal(ds.branded_search, np.arange(60.0))
    assert "brand_queries" in ds.frame.columns


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_reads_files(tmp_path, suffix):
    df = make_frame()
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
    ds = load_quiet(path)
    assert ds.n_weeks == 60
    np.testing.assert_allclose(ds.spend[:, 0], df["tv_spend"].to_numpy())
    assert len(read_table(str(path))) == 60


def test_source_none_reads_spec_data(tmp_path):
    path = tmp_path / "weekly.csv"
    make_frame().to_csv(path, index=False)
    spec = make_spec(data=str(path))
    assert load_quiet(None, spec).n_weeks == 60


def test_source_none_without_spec_data():
    with pytest.raises(DataError, match="No data"):
        load_data(None, make_spec())


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv.*does not exist"):
        read_table(tmp_path / "nope.csv")


def test_unknown_suffix(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}")
    with pytest.raises(DataError, match=r"data\.json.*\.json.*\.csv"):
        read_table(path)


def test_read_table_copies_frame():
    df = make_frame(5)
    out = read_table(df)
    out.loc[0, "tv_spend"] = -1
    assert df.loc[0, "tv_spend"] != -1


# ---------------------------------------------------------------- errors


def test_missing_columns_named_with_hint():
    df = make_frame().rename(columns={"tv_spend": "tv_spnd", "price": "avg_price"})
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert "'tv_spend'" in msg and "Did you mean 'tv_spnd'" in msg
    assert "'price'" in msg and "channels.tv.spend" in msg


def test_missing_column_hint_ignores_case_and_spaces():
    df = make_frame().rename(columns={"tv_spend": "TV Spend"})
    with pytest.raises(DataError, match="Did you mean 'TV Spend'"):
        load_data(df, make_spec())


def test_day_first_dates_read():
    df = make_frame()
    df["week"] = pd.to_datetime(df["week"]).dt.strftime("%d/%m/%Y")
    ds = load_quiet(df)
    assert ds.dates[2] == pd.Timestamp("2023-01-16")


def test_unparseable_date_names_row_and_value():
    df = make_frame()
    df.loc[13, "week"] = "2023-13-45"
    with pytest.raises(DataError, match=r"'week'.*row 14 '2023-13-45'"):
        load_data(df, make_spec())


def test_empty_date_named():
    df = make_frame()
    df.loc[4, "week"] = None
    with pytest.raises(DataError, match=r"'week' is empty in row 5"):
        load_data(df, make_spec())


def test_duplicated_weeks_named():
    df = make_frame()
    df.loc[10, "week"] = df.loc[9, "week"]
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert "repeats" in msg and date_of(df, 9) in msg and "rows 10, 11" in msg


def test_daily_data_needs_flag():
    df = make_frame(120)
    df["week"] = pd.date_range("2023-01-02", periods=120, freq="D").strftime("%Y-%m-%d")
    with pytest.raises(DataError, match=r"daily.*aggregate_daily=True.*--aggregate-daily"):
        load_data(df, make_spec())


def test_daily_aggregation_sums_and_averages():
    days = pd.date_range("2023-01-04", periods=7 * 45, freq="D")  # a Wednesday: partial first week
    rng = np.random.default_rng(3)
    n = len(days)
    df = pd.DataFrame({
        "week": days, "tv_spend": rng.uniform(0, 100, n), "search_spend": rng.uniform(0, 100, n),
        "social_spend": rng.uniform(0, 100, n), "price": rng.normal(20, 1, n),
        "promo": (rng.uniform(size=n) < 0.1).astype(int), "revenue": rng.uniform(500, 900, n),
    })
    spec = make_spec(model={"l_max": 8, "yearly_seasonality": 0})
    with pytest.warns(DataWarning, match=r"incomplete week.*2023-01-02 \(5 of 7 days\)"):
        ds = load_data(df, spec, aggregate_daily=True)
    assert (ds.dates.dayofweek == 0).all()
    assert ds.dates[0] == pd.Timestamp("2023-01-09")
    # the last week (starting 2023-11-13) has 2 of 7 days and is dropped too
    assert ds.n_weeks == 44
    week = days - pd.to_timedelta(days.dayofweek, unit="D")
    mask = week == pd.Timestamp("2023-01-16")
    row = ds.frame.loc[ds.frame["week"] == pd.Timestamp("2023-01-16")].iloc[0]
    assert row["tv_spend"] == pytest.approx(df.loc[mask, "tv_spend"].sum())
    assert row["revenue"] == pytest.approx(df.loc[mask, "revenue"].sum())
    assert row["promo"] == df.loc[mask, "promo"].sum()
    assert row["price"] == pytest.approx(df.loc[mask, "price"].mean())


def test_daily_missing_days_named():
    days = pd.date_range("2023-01-02", periods=7 * 40, freq="D")
    df = make_frame(len(days))
    df["week"] = days.strftime("%Y-%m-%d")
    df = df.drop(index=[50]).reset_index(drop=True)
    with pytest.raises(DataError, match=r"missing 1 day.*2023-02-21"):
        load_data(df, make_spec(), aggregate_daily=True)


def test_daily_nan_checked_before_summing():
    days = pd.date_range("2023-01-02", periods=7 * 40, freq="D")
    df = make_frame(len(days))
    df["week"] = days.strftime("%Y-%m-%d")
    df.loc[20, "search_spend"] = np.nan
    with pytest.raises(DataError, match=r"'search_spend' is empty.*row 21 \(2023-01-22\)"):
        load_data(df, make_spec(), aggregate_daily=True)


def test_irregular_gaps_named():
    df = make_frame()
    df.loc[20, "week"] = (pd.Timestamp(df.loc[20, "week"]) + pd.Timedelta(days=2)).strftime("%Y-%m-%d")
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert "not one week apart" in msg
    assert f"{date_of(df, 19)} -> {date_of(df, 20)} (9 days)" in msg


def test_monthly_data_named():
    df = make_frame(40)
    df["week"] = pd.date_range("2020-01-01", periods=40, freq="MS").strftime("%Y-%m-%d")
    with pytest.raises(DataError, match="monthly"):
        load_data(df, make_spec())


def test_missing_weeks_named():
    df = make_frame()
    missing = [date_of(df, 30), date_of(df, 31)]
    df = df.drop(index=[30, 31]).reset_index(drop=True)
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert "2 weeks are missing" in msg and all(d in msg for d in missing)


@pytest.mark.parametrize("column", ["revenue", "tv_spend", "price", "promo"])
def test_non_numeric_values_named(column):
    df = make_frame()
    df[column] = df[column].astype(object)
    df.loc[7, column] = "n/a"
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert f"'{column}'" in msg and "not numbers" in msg
    assert f"row 8 ({date_of(df, 7)}): 'n/a'" in msg


def test_non_numeric_from_csv(tmp_path):
    df = make_frame()
    df["tv_spend"] = df["tv_spend"].map(lambda v: f"{v:.2f}")
    df.loc[2, "tv_spend"] = "$1,200.00"
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"'tv_spend'.*row 3 \(2023-01-16\): '\$1,200\.00'.*currency"):
        load_data(path, make_spec())


def test_negative_spend_named():
    df = make_frame()
    df.loc[[4, 9], "social_spend"] = [-10.0, -2.5]
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert "'social_spend'" in msg and "negative" in msg
    assert f"row 5 ({date_of(df, 4)}): -10" in msg and f"row 10 ({date_of(df, 9)}): -2.5" in msg


@pytest.mark.parametrize("column", ["revenue", "search_spend", "price", "promo"])
def test_nan_named_never_filled(column):
    df = make_frame()
    df.loc[[3, 11], column] = np.nan
    with pytest.raises(DataError) as info:
        load_data(df, make_spec())
    msg = str(info.value)
    assert f"'{column}' is empty (NaN)" in msg
    assert f"row 4 ({date_of(df, 3)})" in msg and f"row 12 ({date_of(df, 11)})" in msg
    assert "Fill" in msg


def test_long_listing_truncated():
    df = make_frame()
    df.loc[0:19, "tv_spend"] = np.nan
    with pytest.raises(DataError, match=r"row 5 \(2023-01-30\) and 15 more"):
        load_data(df, make_spec())


def test_all_zero_channel():
    df = make_frame()
    df["social_spend"] = 0.0
    with pytest.raises(DataError, match=r"'social'.*'social_spend'.*zero spend.*remove it from the spec"):
        load_data(df, make_spec())


def test_constant_kpi():
    df = make_frame()
    df["revenue"] = 1000.0
    with pytest.raises(DataError, match=r"'revenue'.*same value"):
        load_data(df, make_spec())


def test_too_few_weeks():
    spec = make_spec()
    need = min_weeks(spec)
    with pytest.raises(DataError, match=rf"has {need - 1} weeks.*at least {need}"):
        load_data(make_frame(need - 1), spec)
    assert load_quiet(make_frame(need), spec).n_weeks == need


def _leads_spec():
    return make_spec(kpi={"column": "leads", "type": "leads"})


def test_leads_must_be_whole_numbers():
    df = make_frame()
    df["leads"] = np.random.default_rng(1).integers(10, 100, len(df)).astype(float)
    assert load_quiet(df, _leads_spec()).kpi.sum() == df["leads"].sum()
    df.loc[6, "leads"] = 12.5
    with pytest.raises(DataError, match=rf"'leads'.*whole numbers.*row 7 \({date_of(df, 6)}\): 12.5"):
        load_data(df, _leads_spec())


def test_leads_must_be_non_negative():
    df = make_frame()
    df["leads"] = np.random.default_rng(1).integers(10, 100, len(df)).astype(float)
    df.loc[2, "leads"] = -3
    with pytest.raises(DataError, match=r"'leads'.*negative.*row 3"):
        load_data(df, _leads_spec())


# ---------------------------------------------------------------- warnings


def test_negative_revenue_warns():
    df = make_frame()
    df.loc[5, "revenue"] = -100.0
    with pytest.warns(DataWarning, match=rf"'revenue'.*negative.*row 6 \({date_of(df, 5)}\)"):
        load_data(df, make_spec())


def test_sparse_channel_warns():
    df = make_frame()
    df["social_spend"] = 0.0
    df.loc[[3, 40], "social_spend"] = 500.0
    with pytest.warns(DataWarning, match=r"'social' has spend in only 2 of 60 weeks"):
        load_data(df, make_spec())


def test_correlated_channels_warn():
    df = make_frame()
    df["social_spend"] = (df["tv_spend"] * 0.3 + 5).round(2)
    with pytest.warns(DataWarning) as record:
        load_data(df, make_spec())
    msgs = [str(w.message) for w in record]
    assert any(re.search(r"'tv' and 'social'.*r = 1\.00.*struggle to separate", m) for m in msgs)


def test_good_data_no_warnings():
    load_quiet(make_frame())


# ---------------------------------------------------------------- Dataset helpers


def test_json_round_trip_exact():
    df = make_frame()
    df["tv_spend"] = df["tv_spend"] / 3  # full-precision floats
    ds = load_quiet(df)
    back = Dataset.from_json(ds.spec, ds.to_json())
    pd.testing.assert_frame_equal(back.frame, ds.frame, check_exact=True)
    np.testing.assert_array_equal(back.spend, ds.spend)
    assert back.dates.equals(ds.dates)


def test_from_json_rejects_garbage():
    with pytest.raises(DataError):
        Dataset.from_json(make_spec(), "not json")


def test_subset():
    ds = load_quiet(make_frame())
    part = ds.subset(10, 20)
    assert part.n_weeks == 10 and part.spec is ds.spec
    assert isinstance(part.frame.index, pd.RangeIndex) and part.frame.index[0] == 0
    assert part.dates[0] == ds.dates[10]
    np.testing.assert_array_equal(part.spend, ds.spend[10:20])


def test_aggregate_to_weeks_keeps_nan_and_week_start():
    df = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=14, freq="D"),
                       "x": np.arange(14.0), "c": np.arange(14.0)})
    df.loc[3, "x"] = np.nan
    out = aggregate_to_weeks(df, "d", mean_columns=["c"])
    assert out["d"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert np.isnan(out["x"].iloc[0]) and out["x"].iloc[1] == sum(range(7, 14))
    assert out["c"].tolist() == [3.0, 10.0]
    sun = aggregate_to_weeks(df, "d", week_start="SUN", sum_columns=["x"])
    assert sun["d"].iloc[0] == pd.Timestamp("2023-12-31")
    assert list(sun.columns) == ["d", "x"]


# ---------------------------------------------------------------- min_weeks


def test_min_weeks_bounds():
    assert min_weeks(make_spec()) <= 60  # 3 channels, l_max 8, seasonality 2, one control
    assert min_weeks(make_spec(controls=["price"], events=[])) == 34
    assert min_weeks(make_spec(model={"l_max": 8, "yearly_seasonality": 0})) <= 40
    assert min_weeks(make_spec(model={"l_max": 4, "yearly_seasonality": 0}, controls=[], events=[])) == 26
    # a long carryover window raises the floor
    assert min_weeks(make_spec(model={"l_max": 52, "yearly_seasonality": 0})) == 104


# ---------------------------------------------------------------------- panel (geo) data


def _panel(n_geos: int = 3):
    from tests.conftest import small_frame

    df, _ = small_frame()
    parts = []
    for g in range(n_geos):
        part = df.copy()
        scale = 1.0 + 0.5 * g
        for c in ("revenue", "tv_spend", "search_spend"):
            part[c] = part[c] * scale / n_geos
        part["region"] = f"R{g + 1}"
        parts.append(part)
    return df, pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=0)


def test_panel_data_is_named_as_such_with_the_way_forward():
    from tests.conftest import small_spec

    _, panel = _panel()
    with pytest.raises(DataError) as err:
        load_data(panel, small_spec())
    msg = str(err.value)
    assert "panel data: 3 geos in column 'region'" in msg and "--aggregate-geo" in msg
    assert len(msg) < 400          # one clear sentence, not a list of every repeated row


def test_aggregate_geo_sums_geos_into_national_weeks():
    from tests.conftest import small_spec

    national, panel = _panel()
    with pytest.warns(DataWarning, match="Summed 3 geos"):
        ds = load_data(panel, small_spec(), aggregate_geo=True)
    assert ds.n_weeks == len(national)
    scale = sum(1.0 + 0.5 * g for g in range(3)) / 3
    np.testing.assert_allclose(ds.kpi, national["revenue"].to_numpy() * scale)
    np.testing.assert_allclose(ds.spend[:, 0], national["tv_spend"].to_numpy() * scale)
    np.testing.assert_allclose(ds.frame["promo"], national["promo"])     # controls are averaged, not summed


def test_aggregate_geo_refuses_a_geo_with_a_missing_week():
    from tests.conftest import small_spec

    _, panel = _panel()
    week = panel["week"].sort_values().iloc[40 * 3]
    holed = panel[~((panel["region"] == "R2") & (panel["week"] == week))]
    with pytest.raises(DataError, match=r"Geo 'R2' \(column 'region'\) has no row for the week of"):
        load_data(holed, small_spec(), aggregate_geo=True)


# ---------------------------------------------------------------------- text event columns


def test_text_event_column_becomes_one_dummy_per_level():
    from tests.conftest import small_frame, small_spec

    df, _ = small_frame()
    levels = np.array(["na", "event1", "event2"])[np.random.default_rng(0).choice(3, len(df), p=[0.8, 0.1, 0.1])]
    df["events"] = levels
    spec = small_spec().replace(events=("events",))
    ds = load_data(df, spec)
    assert ds.spec.events == ("events_event1", "events_event2")       # "na" is the baseline: no column
    np.testing.assert_array_equal(ds.events[:, 0], (levels == "event1").astype(float))
    np.testing.assert_array_equal(ds.events[:, 1], (levels == "event2").astype(float))


def test_text_control_says_make_dummies_not_remove_currency_symbols():
    from tests.conftest import small_frame, small_spec

    df, _ = small_frame()
    df["promo"] = np.where(np.arange(len(df)) % 5 == 0, "event1", "na")
    with pytest.raises(DataError) as err:
        load_data(df, small_spec())
    msg = str(err.value)
    assert "holds text, not numbers: 2 different values" in msg and "list it under events:" in msg
    assert "currency" not in msg
    df["promo"] = [f"${v:,.0f}" for v in 1000 + np.arange(len(df))]      # money as text: the old advice
    with pytest.raises(DataError, match="Remove currency symbols"):
        load_data(df, small_spec())


def test_a_fit_with_a_text_event_column_saves_and_loads(tmp_path):
    import mmm
    from tests.conftest import small_frame, small_spec

    df, _ = small_frame()
    df["events"] = np.where(np.arange(len(df)) % 13 == 0, "sale", "na")
    spec = small_spec().replace(events=("events",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = mmm.Model(spec).fit(df, draws=30, tune=30, chains=1, progressbar=False)
    assert fitted.spec.events == ("events_sale",)
    assert fitted.components()["events"].shape[-1] == 1
    back = mmm.load(fitted.save(tmp_path / "m.nc"))
    assert back.spec.events == ("events_sale",)
    np.testing.assert_allclose(back.dataset.events, fitted.dataset.events)


# ---------------------------------------------------------------------- fitting window


def test_window_keeps_its_weeks_and_earlier_spend_as_carryover():
    import mmm
    from tests.conftest import small_frame, small_spec

    df, _ = small_frame()
    spec = small_spec().replace(window=mmm.spec.Window(start="2023-07-03", end="2024-09-30"))
    ds = load_data(df, spec)
    assert ds.dates[0] == pd.Timestamp("2023-07-03") and ds.dates[-1] == pd.Timestamp("2024-09-30")
    before = df[df["week"] < pd.Timestamp("2023-07-03")]
    np.testing.assert_allclose(ds.spend_history, before[["tv_spend", "search_spend"]].to_numpy())
    # the first window week carries over the spend of the weeks before it
    model, scaling, design = mmm.Model(spec).build(ds)
    L = design.lags.shape[-1]
    np.testing.assert_allclose(design.lags[0, :, 1:],
                               (before[["tv_spend", "search_spend"]].to_numpy()[::-1][:L - 1] / scaling.spend_scale).T)
    # without a window the first week has no carryover
    plain = load_data(df, small_spec())
    assert plain.spend_history.shape == (0, 2)
    assert not mmm.Model(small_spec()).build(plain)[2].lags[0, :, 1:].any()
    # saved with the model
    back = type(ds).from_json(spec, ds.to_json())
    np.testing.assert_allclose(back.spend_history, ds.spend_history)


def test_window_is_validated():
    import mmm
    from tests.conftest import small_frame, small_spec

    base = small_spec().to_dict()
    with pytest.raises(mmm.errors.SpecError, match="window.start"):
        spec_from_dict({**base, "window": {"start": "July"}})
    with pytest.raises(mmm.errors.SpecError, match="is after"):
        spec_from_dict({**base, "window": {"start": "2024-01-01", "end": "2023-01-01"}})
    spec = spec_from_dict({**base, "window": {"start": "2030-01-07"}})
    assert spec_from_dict(spec.to_dict()).window == spec.window
    with pytest.raises(DataError, match="holds no week of the data"):
        load_data(small_frame()[0], spec)


def test_value_per_unit_column_is_loaded_and_checked():
    import mmm
    from tests.conftest import small_frame, small_spec

    df, _ = small_frame()
    df["deal_value"] = 0.3
    kpi = mmm.spec.KPI("revenue", "pipeline", "deal_value")
    spec = small_spec().replace(kpi=kpi)
    assert "deal_value" in load_data(df, spec).frame.columns
    df.loc[5, "deal_value"] = -1.0
    with pytest.raises(DataError, match=r"'deal_value' \(kpi.value_per_unit\) is negative"):
        load_data(df, spec)
    with pytest.raises(DataError, match="kpi.value_per_unit"):
        load_data(df.drop(columns="deal_value"), spec)
