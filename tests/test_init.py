"""`mmm init` on realistic export headers: what each column is taken for, and a spec that loads.

The fixtures are generated here (seeded numpy) in the shapes real files come in: ad-platform
exports (Google Ads, Meta, LinkedIn), a CRM weekly roll-up, Robyn's and PyMC-Marketing's
sample data, and an MMM vendor's sample file.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import mmm
from mmm.cli import EXIT_INPUT, app
from mmm.columns import YAML_SPECIAL, channel_name, channel_role, classify, safe_identifier, tokens
from mmm.starter import build_starter

runner = CliRunner()


# --------------------------------------------------------------------------------------
# Fixtures: realistic exports
# --------------------------------------------------------------------------------------


def _dates(n: int, start: str = "2022-01-03") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="W-MON")


def _spend(rng: np.random.Generator, n: int, mean: float, active: float = 0.85) -> np.ndarray:
    """Weekly spend with some dark weeks, in cents."""
    return np.where(rng.random(n) < active, rng.gamma(3.0, mean / 3.0, n), 0.0).round(2)


def _exposure(rng: np.random.Generator, spend: np.ndarray, per_dollar: float) -> np.ndarray:
    return np.round(spend * per_dollar * rng.lognormal(0, 0.15, len(spend))).astype(int)


def google_ads(n: int = 104, seed: int = 1) -> pd.DataFrame:
    """Google Ads weekly campaign report (one account)."""
    rng = np.random.default_rng(seed)
    cost = _spend(rng, n, 12000, active=1.0)
    clicks = _exposure(rng, cost, 0.6)
    conversions = rng.poisson(clicks * 0.03)
    return pd.DataFrame({"Date": _dates(n).strftime("%Y-%m-%d"), "Cost": cost,
                         "Impressions": _exposure(rng, cost, 40), "Clicks": clicks,
                         "Conversions": conversions, "Conv. value": (conversions * rng.gamma(20, 4, n)).round(2)})


def meta_ads(n: int = 104, seed: int = 2) -> pd.DataFrame:
    """Meta Ads Manager weekly export: results are leads from lead forms."""
    rng = np.random.default_rng(seed)
    spent = _spend(rng, n, 8000, active=1.0)
    days = _dates(n)
    return pd.DataFrame({"Reporting starts": days.strftime("%Y-%m-%d"),
                         "Reporting ends": (days + pd.Timedelta(days=6)).strftime("%Y-%m-%d"),
                         "Amount spent (USD)": spent, "Impressions": _exposure(rng, spent, 90),
                         "Reach": _exposure(rng, spent, 55), "Link clicks": _exposure(rng, spent, 0.9),
                         "Results": rng.poisson(20 + spent / 150)})


def linkedin_ads(n: int = 104, seed: int = 3) -> pd.DataFrame:
    """LinkedIn Campaign Manager export: US-style dates, leads from lead-gen forms."""
    rng = np.random.default_rng(seed)
    spent = _spend(rng, n, 6000, active=0.95)
    return pd.DataFrame({"Start Date (in UTC)": [f"{d.month}/{d.day}/{d.year}" for d in _dates(n)],
                         "Total Spent": spent, "Impressions": _exposure(rng, spent, 25),
                         "Clicks": _exposure(rng, spent, 0.12), "Leads": rng.poisson(5 + spent / 400)})


def crm_weekly(n: int = 104, seed: int = 4) -> pd.DataFrame:
    """HubSpot / Salesforce weekly roll-up for a B2B pipeline model."""
    rng = np.random.default_rng(seed)
    linkedin, capterra = _spend(rng, n, 9000), _spend(rng, n, 3000)
    opps = rng.poisson(12 + linkedin / 2000 + capterra / 800)
    return pd.DataFrame({"week": _dates(n).strftime("%Y-%m-%d"), "pipeline_created": (opps * rng.gamma(8, 4000, n)).round(2),
                         "opportunities": opps, "linkedin_spend": linkedin, "capterra_cost": capterra,
                         "sdr_headcount": np.repeat([6, 7, 8, 9], n // 4 + 1)[:n]})


def robyn_demo(n: int = 156, seed: int = 5) -> pd.DataFrame:
    """Robyn's dt_simulated_weekly layout: _S spend, _I impressions, _P clicks, _B baseline."""
    rng = np.random.default_rng(seed)
    spend = {k: _spend(rng, n, m) for k, m in (("tv_S", 60000), ("ooh_S", 20000), ("print_S", 8000),
                                               ("search_S", 15000), ("facebook_S", 12000))}
    return pd.DataFrame({
        "DATE": _dates(n, "2015-11-23").strftime("%Y-%m-%d"),
        "revenue": (1.5e6 + sum(spend.values()) * 2 + rng.normal(0, 1e5, n)).round(1),
        "tv_S": spend["tv_S"], "ooh_S": spend["ooh_S"], "print_S": spend["print_S"],
        "facebook_I": _exposure(rng, spend["facebook_S"], 120),
        "search_clicks_P": _exposure(rng, spend["search_S"], 0.8),
        "search_S": spend["search_S"],
        "competitor_sales_B": rng.normal(5e6, 4e5, n).round(0).astype(int),
        "facebook_S": spend["facebook_S"],
        "events": rng.choice(["na", "event1", "event2"], n, p=[0.92, 0.04, 0.04]),
        "newsletter": rng.gamma(4, 5000, n).round(1),
    })


def pymc_example(n: int = 179, seed: int = 6) -> pd.DataFrame:
    """PyMC-Marketing's example layout, saved with its pandas index (-> 'Unnamed: 0')."""
    rng = np.random.default_rng(seed)
    days = _dates(n, "2018-04-02")
    x1, x2 = rng.beta(2, 5, n).round(4), np.where(rng.random(n) < 0.6, rng.beta(3, 3, n), 0).round(4)
    event_1, event_2 = np.zeros(n, int), np.zeros(n, int)
    event_1[30], event_2[120] = 1, 1
    return pd.DataFrame({"date_week": days.strftime("%Y-%m-%d"), "y": (5000 + 3000 * x1 + 2000 * x2
                                                                       + rng.normal(0, 300, n)).round(3),
                         "x1": x1, "x2": x2, "event_1": event_1, "event_2": event_2,
                         "dayofyear": days.dayofyear, "t": np.arange(n)})


def vendor_sample(n: int = 156, seed: int = 7, with_date: bool = True) -> pd.DataFrame:
    """An MMM vendor's sample file: year/week numbers next to the date, competitor control."""
    rng = np.random.default_rng(seed)
    days = _dates(n, "2021-01-04")
    tv, radio = _spend(rng, n, 40000), _spend(rng, n, 9000)
    frame = pd.DataFrame({
        "wk_strt_dt": days.strftime("%Y-%m-%d"), "yr_nbr": days.isocalendar().year.to_numpy(int),
        "wk_nbr": days.isocalendar().week.to_numpy(int),
        "sales": (2e5 + 1.8 * tv + 2.5 * radio + rng.normal(0, 2e4, n)).round(2),
        "tv_spend": tv, "radio_spend": radio, "Facebook Impressions": rng.integers(200_000, 900_000, n),
        "sessions": rng.integers(20_000, 60_000, n),
        "competitor_sales_control": rng.normal(8e5, 5e4, n).round(2),
        "conversions": rng.poisson(1500, n),
    })
    return frame if with_date else frame.drop(columns="wk_strt_dt")


@dataclass(frozen=True)
class Expected:
    """What an analyst would make of a file."""

    kpi: str | None
    kpi_type: str | None
    channels: dict[str, tuple[str, str]]            # channel -> (spend column, role)
    exposure: set[str] = field(default_factory=set)
    controls: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    event_categorical: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)  # index + calendar
    outcomes: set[str] = field(default_factory=set)
    candidates: set[str] = field(default_factory=set)
    date: str = "Date"


CORPUS: dict[str, tuple[str, pd.DataFrame, Expected]] = {
    "google_ads": ("google_ads_campaign_report.csv", google_ads(), Expected(
        kpi="Conv. value", kpi_type="revenue", channels={"google": ("Cost", "performance")},
        exposure={"Impressions", "Clicks"}, outcomes={"Conversions"})),
    "meta": ("meta_ads_weekly_export.csv", meta_ads(), Expected(
        kpi="Results", kpi_type="leads", channels={"meta": ("Amount spent (USD)", "performance")},
        exposure={"Impressions", "Reach", "Link clicks"}, skipped={"Reporting ends"}, date="Reporting starts")),
    "linkedin": ("linkedin_campaign_performance.csv", linkedin_ads(), Expected(
        kpi="Leads", kpi_type="leads", channels={"linkedin": ("Total Spent", "brand")},
        exposure={"Impressions", "Clicks"}, date="Start Date (in UTC)")),
    "crm": ("crm_weekly.csv", crm_weekly(), Expected(
        kpi="pipeline_created", kpi_type="pipeline",
        channels={"linkedin": ("linkedin_spend", "brand"), "capterra": ("capterra_cost", "performance")},
        controls=("sdr_headcount",), outcomes={"opportunities"}, date="week")),
    "robyn": ("dt_simulated_weekly.csv", robyn_demo(), Expected(
        kpi="revenue", kpi_type="revenue",
        channels={"tv": ("tv_S", "brand"), "ooh": ("ooh_S", "brand"), "print": ("print_S", "brand"),
                  "search": ("search_S", "performance"), "facebook": ("facebook_S", "performance")},
        exposure={"facebook_I", "search_clicks_P"}, controls=("competitor_sales_B", "newsletter"),
        event_categorical={"events"}, date="DATE")),
    "pymc": ("mmm_example.csv", pymc_example(), Expected(
        kpi="y", kpi_type="revenue", channels={}, events=("event_1", "event_2"),
        skipped={"Unnamed: 0", "dayofyear", "t"}, candidates={"x1", "x2"}, date="date_week")),
    "vendor": ("vendor_weekly_sample.csv", vendor_sample(), Expected(
        kpi="sales", kpi_type="revenue",
        channels={"tv": ("tv_spend", "brand"), "radio": ("radio_spend", "brand")},
        exposure={"Facebook Impressions", "sessions"}, controls=("competitor_sales_control",),
        skipped={"yr_nbr", "wk_nbr"}, outcomes={"conversions"}, date="wk_strt_dt")),
}


def _write(tmp_path: Path, name: str) -> Path:
    file_name, frame, _ = CORPUS[name]
    path = tmp_path / file_name
    frame.to_csv(path, index=name == "pymc")     # PyMC's file carries its saved index
    return path


def _roles(guesses, role: str) -> set[str]:
    return {g.column for g in guesses.of(role)}


def _load(config: Path):
    spec = mmm.load_spec(config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mmm.DataWarning)
        return spec, mmm.load_data(None, spec)


# --------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_classification(tmp_path, name):
    path = _write(tmp_path, name)
    exp = CORPUS[name][2]
    c = classify(pd.read_csv(path), file_hint=str(path))
    assert [g.column for g in c.of("date")] == [exp.date]
    kpi = c.first("kpi")
    assert (kpi.column, kpi.kpi_type) == (exp.kpi, exp.kpi_type)
    assert {g.channel: (g.column, g.channel_role) for g in c.of("spend")} == exp.channels
    assert _roles(c, "exposure") == exp.exposure
    assert not _roles(c, "exposure") & _roles(c, "spend")
    assert tuple(g.column for g in c.of("control")) == exp.controls
    assert tuple(g.column for g in c.of("event")) == exp.events
    assert _roles(c, "event_categorical") == exp.event_categorical
    assert _roles(c, "index") | _roles(c, "calendar") == exp.skipped
    assert _roles(c, "outcome") == exp.outcomes
    assert {g.column for g in c.of("unknown_numeric") if g.candidate == "spend"} == exp.candidates
    assert all(g.reason for g in c.columns)


@pytest.mark.parametrize("name", sorted(n for n in CORPUS if CORPUS[n][2].channels))
def test_corpus_init_writes_a_spec_that_validates(tmp_path, name):
    path = _write(tmp_path, name)
    exp = CORPUS[name][2]
    out = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "role" in result.output and "why" in result.output    # the classification table
    spec, ds = _load(out)
    assert (spec.kpi.column, spec.kpi.type, spec.date_column) == (exp.kpi, exp.kpi_type, exp.date)
    assert {c.name: (c.spend, c.role) for c in spec.channels} == exp.channels
    assert not {c.spend for c in spec.channels} & exp.exposure
    assert spec.controls == exp.controls and spec.events == exp.events
    assert len(ds.frame) == len(CORPUS[name][1])
    text = out.read_text()
    for col in exp.exposure | exp.skipped | exp.outcomes:   # listed, with a reason, as comments
        assert re.search(rf"^#.*{re.escape(col)}'?: \S", text, flags=re.M), col


def test_robyn_text_events_get_dummy_column_advice(tmp_path):
    path = _write(tmp_path, "robyn")
    starter = build_starter(pd.read_csv(path), data_path=str(path))
    (events,) = starter.classification.of("event_categorical")
    assert events.levels[0] == "na" and set(events.levels) == {"na", "event1", "event2"}
    assert "pd.get_dummies(df['events'], dtype=int).drop(columns='na')" in starter.text
    assert "remove currency symbols" not in starter.text.lower()
    assert ("facebook_I: impressions (Robyn's _I suffix), an exposure measure: never spend; channel facebook "
            "uses its spend, facebook_S") in starter.text


def test_no_spend_recognised_writes_candidates_and_exits_2(tmp_path):
    path = _write(tmp_path, "pymc")
    out = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT
    flat = " ".join(result.output.split())
    assert "x1 (numeric, 179 weeks, looks like spend? uncomment to use)" in flat
    assert "x2 (numeric, 179 weeks" in flat and "Uncomment the ones that are weekly spend" in flat
    text = out.read_text()
    assert "  # x1: {spend: x1, role: performance}   # x1: numeric, 179 weeks, looks like spend?" in text
    with pytest.raises(mmm.SpecError, match="at least one channel"):
        mmm.load_spec(out)
    # uncommenting the candidate lines gives a spec that validates
    out.write_text(re.sub(r"^  # (x\d: )", r"  \1", text, flags=re.M))
    spec, _ = _load(out)
    assert [(c.name, c.spend) for c in spec.channels] == [("x1", "x1"), ("x2", "x2")]
    assert spec.events == ("event_1", "event_2") and spec.controls == ()


def test_no_date_column_says_how_to_build_one_from_year_and_week(tmp_path):
    path = tmp_path / "vendor_no_date.csv"
    vendor_sample(with_date=False).to_csv(path, index=False)
    result = runner.invoke(app, ["init", str(path), "--out", str(tmp_path / "mmm.yaml")])
    assert result.exit_code == EXIT_INPUT
    flat = " ".join(result.output.split())
    assert "No date column" in flat and "'yr_nbr', 'wk_nbr'" in flat and "%G-W%V-%u" in flat
    assert not (tmp_path / "mmm.yaml").exists()


# --------------------------------------------------------------------------------------
# Single rules
# --------------------------------------------------------------------------------------


def _weekly(n: int = 60, **columns) -> pd.DataFrame:
    return pd.DataFrame({"week": _dates(n).strftime("%Y-%m-%d"), **columns})


def test_kpi_by_whole_token_never_competitor_or_target():
    rng = np.random.default_rng(0)
    frame = _weekly(competitor_sales_control=rng.normal(1e5, 1e4, 60), sales_target=rng.normal(1e5, 1e3, 60),
                    wholesale_price=rng.normal(10, 1, 60), salesforce_id=rng.normal(9, 1, 60),
                    conversions=rng.poisson(300, 60), tv_spend=rng.gamma(2, 1000, 60))
    c = classify(frame)
    assert c.first("kpi").column == "conversions" and c.first("kpi").kpi_type == "leads"
    assert [g.column for g in c.of("control")] == ["competitor_sales_control", "wholesale_price"]
    assert "sales_target" not in _roles(c, "outcome") and "salesforce_id" not in _roles(c, "outcome")


def test_leads_never_set_on_non_integer_values():
    rng = np.random.default_rng(1)
    amounts = classify(_weekly(conversions=rng.gamma(5, 100.3, 60), cost=rng.gamma(2, 10, 60))).first("kpi")
    counts = classify(_weekly(conversions=rng.poisson(40, 60), cost=rng.gamma(2, 10, 60))).first("kpi")
    assert amounts.kpi_type == "revenue" and "non-integer" in amounts.reason
    assert counts.kpi_type == "leads"


def test_kpi_ranking_prefers_revenue_then_pipeline_then_counts():
    rng = np.random.default_rng(2)
    frame = _weekly(leads=rng.poisson(50, 60), pipeline=rng.gamma(5, 1e4, 60), won_revenue=rng.gamma(5, 1e3, 60))
    c = classify(frame)
    assert c.first("kpi").column == "won_revenue"
    assert {(g.column, g.kpi_type) for g in c.of("outcome")} == {("leads", "leads"), ("pipeline", "pipeline")}


def test_index_calendar_and_sequences_are_skipped():
    rng = np.random.default_rng(3)
    n = 60
    frame = _weekly(n, **{"Unnamed: 0": np.arange(n), "index": np.arange(n) + 5, "obs": np.arange(1, n + 1),
                          "year": np.full(n, 2024) + np.arange(n) // 52, "week_number": np.arange(n) % 52 + 1,
                          "month": _dates(n).month, "trend": np.arange(n) * 0.5, "tick": 100 + 7 * np.arange(n),
                          "revenue": rng.gamma(5, 1e3, n), "tv_spend": rng.gamma(2, 1e3, n)})
    c = classify(frame)
    assert _roles(c, "index") == {"Unnamed: 0", "index", "obs"}
    assert _roles(c, "calendar") == {"year", "week_number", "month", "trend", "tick"}
    assert not c.of("control") and not c.of("unknown_numeric")


def test_exposure_is_never_spend():
    rng = np.random.default_rng(4)
    names = ["facebook_I", "search_clicks_P", "Facebook Impressions", "tiktok_impression", "yt_views",
             "tv_grps", "TV GRPs", "website_sessions", "display_imps", "ReachTotal", "Link clicks"]
    frame = _weekly(revenue=rng.gamma(5, 1e3, 60), **{k: rng.integers(1, 10**6, 60) for k in names})
    c = classify(frame)
    assert _roles(c, "exposure") == set(names) and not c.of("spend")


def test_spend_words_and_suffixes_name_channels():
    rng = np.random.default_rng(5)
    names = {"tv_S": "tv", "TV Spend": "tv_2", "google_search_cost": "google_search", "LinkedInSpend": "linkedin",
             "podcast_budget": "podcast", "affiliate_investment": "affiliate", "x_spend": "x"}
    frame = _weekly(revenue=rng.gamma(5, 1e3, 60), **{k: rng.gamma(2, 100, 60) for k in names})
    got = {g.column: g.channel for g in classify(frame).of("spend")}
    assert got == names


def test_binary_columns_are_events_and_text_levels_are_categorical():
    n = 60
    frame = _weekly(n, revenue=np.arange(n) * 3.0 + 100, black_friday=(np.arange(n) % 52 == 47).astype(int),
                    holiday=np.arange(n) % 9 == 0, promo_type=np.where(np.arange(n) % 5 == 0, "bogo", "none"),
                    campaign_name=[f"campaign {i}" for i in range(n)],
                    net_sales_text=[f"${1000 + i:,}.00" for i in range(n)])
    c = classify(frame)
    assert [g.column for g in c.of("event")] == ["black_friday", "holiday"]
    (cat,) = c.of("event_categorical")
    assert cat.column == "promo_type" and cat.levels == ("none", "bogo")
    skipped = {g.column: g.reason for g in c.of("skipped_text")}
    assert set(skipped) == {"campaign_name", "net_sales_text"}
    assert "numbers stored as text" in skipped["net_sales_text"]


@pytest.mark.parametrize("channel", ["tv", "youtube", "display", "linkedin", "podcast", "ooh", "radio",
                                     "video", "ctv", "facebook_video", "linkedin_brand"])
def test_brand_channels(channel):
    assert channel_role(channel)[0] == "brand"


@pytest.mark.parametrize("channel", ["search", "google_ads", "sem", "shopping", "capterra", "affiliate",
                                     "email", "retargeting", "linkedin_retargeting", "meta", "tiktok",
                                     "webinars"])
def test_performance_channels(channel):
    assert channel_role(channel)[0] == "performance"


def test_unknown_channel_is_performance_and_says_so():
    role, why = channel_role("acme_network")
    assert role == "performance" and "by default" in why


# --------------------------------------------------------------------------------------
# YAML safety
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["on", "On Spend", "off_S", "yes", "No", "TRUE", "null", "Y", "3rd party cost",
                                 "TV: spend", "Search #1, cost", "Ümlaut Spend", "   ", "_S"])
def test_channel_names_are_safe_identifiers(raw):
    name = channel_name(raw)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
    assert name not in YAML_SPECIAL
    assert list(yaml.safe_load(f"{name}: 1")) == [name]


def test_tokens_split_camel_case_and_punctuation():
    assert tokens("LinkedInSpend") == ["linkedin", "spend"] and tokens("YouTube_Cost") == ["youtube", "cost"]
    assert tokens("competitor_sales_control") == ["competitor", "sales", "control"]
    assert tokens("TVSpend") == ["tv", "spend"] and tokens("GRPs") == ["grps"]
    assert tokens("Sign-ups") == ["signups"] and tokens("Conv. value") == ["conversion_value"]
    assert safe_identifier("on") == "channel_on"


AWKWARD = {
    "date": "Week: start",
    "kpi": "Sales: total #1, net",
    "spend": {"TV: spend": "tv", "Search #1, cost": "search_1", "radio, local spend": "radio_local",
              "On Spend": "channel_on", "off_S": "channel_off"},
    "events": ("on", "yes", "no", "true", "null", "False"),
    "controls": ("price: list #2",),
}


def _awkward_frame(n: int = 104) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    frame = {AWKWARD["date"]: _dates(n).strftime("%Y-%m-%d"), AWKWARD["kpi"]: rng.gamma(5, 2e3, n).round(2)}
    frame |= {col: _spend(rng, n, 1000) for col in AWKWARD["spend"]}
    frame |= {col: (rng.random(n) < 0.1).astype(int) for col in AWKWARD["events"]}
    frame |= {col: rng.normal(20, 2, n).round(2) for col in AWKWARD["controls"]}
    return pd.DataFrame(frame)


def test_awkward_column_names_round_trip_through_the_written_spec(tmp_path):
    path = tmp_path / "awkward export.csv"
    _awkward_frame().to_csv(path, index=False)
    out = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load(out.read_text())
    assert all(isinstance(k, str) for k in raw["channels"])
    assert all(isinstance(v, str) for v in raw["events"] + raw["controls"])
    spec, ds = _load(out)
    assert spec.date_column == AWKWARD["date"] and spec.kpi.column == AWKWARD["kpi"]
    assert {c.spend: c.name for c in spec.channels} == AWKWARD["spend"]
    assert spec.events == AWKWARD["events"] and spec.controls == AWKWARD["controls"]
    assert spec.data == str(path)
    assert list(ds.frame.columns)[:2] == [AWKWARD["date"], AWKWARD["kpi"]]


def test_on_never_becomes_true(tmp_path):
    rng = np.random.default_rng(9)
    frame = _weekly(104, revenue=rng.gamma(5, 1e3, 104), on_spend=rng.gamma(2, 100, 104),
                    yes_S=rng.gamma(2, 100, 104), on=(rng.random(104) < 0.2).astype(int))
    text = build_starter(frame, data_path="d.csv").text
    raw = yaml.safe_load(text)
    assert True not in raw["channels"] and set(raw["channels"]) == {"channel_on", "channel_yes"}
    assert raw["events"] == ["on"]
    assert "  channel_on: {spend: on_spend, role: performance}" in text


# --------------------------------------------------------------------------------------
# Files as they come out of Excel and European locales (issue 15)
# --------------------------------------------------------------------------------------


def test_init_reads_excel_day_numbers_and_semicolon_csvs(tmp_path):
    frame = _awkward_frame()
    date = AWKWARD["date"]
    serial = frame.copy()
    serial[date] = (pd.to_datetime(serial[date]) - pd.Timestamp("1899-12-30")).dt.days   # 44564 = 2022-01-03
    serial.to_csv(tmp_path / "serial.csv", index=False)
    frame.to_csv(tmp_path / "semi.csv", index=False, sep=";", decimal=",")
    for name in ("serial.csv", "semi.csv"):
        out = tmp_path / f"{name}.yaml"
        result = runner.invoke(app, ["init", str(tmp_path / name), "--out", str(out)])
        assert result.exit_code == 0, result.output
        spec, ds = _load(out)
        assert spec.date_column == date and ds.dates[0] == pd.Timestamp("2022-01-03")
        assert {c.spend for c in spec.channels} == set(AWKWARD["spend"])
    assert "Excel day numbers (44564 = 2022-01-03)" in (tmp_path / "serial.csv.yaml").read_text()


def test_starter_writes_the_sheet_it_was_read_from(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"read me": ["the data is on the next sheet"]}).to_excel(xl, sheet_name="Notes", index=False)
        _awkward_frame().to_excel(xl, sheet_name="Weekly", index=False)
    text = build_starter(pd.read_excel(path, sheet_name="Weekly"), data_path="book.xlsx", sheet="Weekly").text
    assert "sheet: Weekly" in text
    (tmp_path / "mmm.yaml").write_text(text)
    spec, ds = _load(tmp_path / "mmm.yaml")
    assert spec.sheet == "Weekly" and ds.n_weeks == 104
