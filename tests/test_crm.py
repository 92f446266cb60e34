"""Tests for :mod:`mmm.crm` (CRM opportunities -> weekly pipeline).

The sample export ``data/samples/deals.csv`` is written by :func:`mmm.simulate.deals.generate_deals`
(pure-Python ``random.Random`` with a fixed seed, so it is the same on every machine);
``test_sample_file_matches_generator`` checks the shipped file is exactly its output. Rewrite it
with ``python scripts/make_samples.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.crm import deals_to_weekly
from mmm.errors import DataError
from mmm.simulate.deals import QUIET_WEEKS, SOURCES, write_deals

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "deals.csv"


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "deals.csv"

def _recompute(path: Path) -> dict[dt.date, dict[str, float]]:
    """Independent weekly totals with a plain loop over the CSV rows."""
    out: dict[dt.date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with path.open() as fh:
        for row in csv.DictReader(fh):
            d = dt.date.fromisoformat(row["created_date"])
            monday = d - dt.timedelta(days=d.weekday())
            amt = float(row["amount"])
            w = out[monday]
            w["pipeline"] += amt
            w["opportunities"] += 1
            if row["stage"] == "closed_won":
                w["won_revenue"] += amt
                w["won_deals"] += 1
            w[f"pipeline_{row['source']}"] += amt
    return out


def test_sample_file_matches_generator(tmp_path):
    target = tmp_path / "deals.csv"
    write_deals(target)
    assert target.read_text() == SAMPLE.read_text()
    n = len(pd.read_csv(SAMPLE))
    assert 300 <= n <= 600


def test_sample_weekly_matches_plain_loop():
    weekly = deals_to_weekly(SAMPLE, source_column="source", by_source=True)
    expected = _recompute(SAMPLE)
    assert list(weekly.columns[:5]) == ["week", "pipeline", "opportunities", "won_revenue", "won_deals"]
    assert {f"pipeline_{s}" for s in SOURCES} <= set(weekly.columns)
    for _, row in weekly.iterrows():
        week = row["week"].date()
        exp = expected.get(week, {})
        for col in weekly.columns[1:]:
            assert row[col] == pytest.approx(exp.get(col, 0.0)), (week, col)
    # every week with deals is in the output
    assert set(expected) <= {w.date() for w in weekly["week"]}


def test_week_convention_is_iso_monday():
    weekly = deals_to_weekly(SAMPLE)
    assert (weekly["week"].dt.dayofweek == 0).all()
    assert (weekly["week"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert weekly["week"].iloc[0] == pd.Timestamp("2024-01-01")
    # Sunday belongs to the week of the Monday before; Monday starts a new week
    df = pd.DataFrame({"created_date": ["2024-01-07", "2024-01-08", "2024-01-14"],
                       "amount": [100, 200, 400]})
    w = deals_to_weekly(df, stage_column=None)
    assert w["week"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert w["pipeline"].tolist() == [100.0, 600.0]
    assert "won_revenue" not in w.columns


def test_week_start_sunday():
    df = pd.DataFrame({"created_date": ["2024-01-06", "2024-01-07"], "amount": [1, 2]})
    w = deals_to_weekly(df, stage_column=None, week_start="SUN")
    assert w["week"].tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-01-07")]


def test_zero_weeks_present():
    weekly = deals_to_weekly(SAMPLE)
    for monday in QUIET_WEEKS:
        row = weekly[weekly["week"] == pd.Timestamp(monday)]
        assert len(row) == 1
        assert row["pipeline"].item() == 0.0 and row["opportunities"].item() == 0
    assert len(weekly) == 53  # 2024-01-01 .. 2024-12-30, no week skipped


def test_totals_equal():
    raw = pd.read_csv(SAMPLE)
    weekly = deals_to_weekly(SAMPLE, source_column="source", by_source=True)
    assert weekly["pipeline"].sum() == raw["amount"].sum()
    assert weekly["opportunities"].sum() == len(raw)
    assert weekly["won_revenue"].sum() == raw.loc[raw["stage"] == "closed_won", "amount"].sum()
    src = [c for c in weekly.columns if c.startswith("pipeline_")]
    assert np.allclose(weekly[src].sum(axis=1), weekly["pipeline"])


def test_lost_included_by_default_and_excludable():
    raw = pd.read_csv(SAMPLE)
    lost = raw["stage"] == "closed_lost"
    assert lost.any()
    excl = deals_to_weekly(SAMPLE, exclude_stages=("closed_lost",))
    assert excl["pipeline"].sum() == raw.loc[~lost, "amount"].sum()
    assert excl["opportunities"].sum() == (~lost).sum()


def test_stage_names_case_insensitive():
    df = pd.DataFrame({"created_date": ["2024-03-04"] * 4, "amount": [10, 20, 40, 80],
                       "stage": ["Closed Won", "WON", "closed-lost", "Open"]})
    w = deals_to_weekly(df, exclude_stages=("Closed_Lost",))
    assert w["won_revenue"].item() == 30.0
    assert w["won_deals"].item() == 2
    assert w["pipeline"].item() == 110.0
    assert w["opportunities"].item() == 3


def test_start_end_pad_and_clip():
    df = pd.DataFrame({"created_date": ["2024-02-07", "2024-02-21", "2024-04-01"],
                       "amount": [5, 7, 11]})
    w = deals_to_weekly(df, stage_column=None, start="2024-01-31", end="2024-03-01")
    assert w["week"].iloc[0] == pd.Timestamp("2024-01-29")
    assert w["week"].iloc[-1] == pd.Timestamp("2024-02-26")
    assert w["pipeline"].tolist() == [0.0, 5.0, 0.0, 7.0, 0.0]


def test_by_source_slugs_names():
    df = pd.DataFrame({"created_date": ["2024-03-04", "2024-03-05", "2024-03-12"],
                       "amount": [1, 2, 4], "Lead Source": ["Google Search", None, "google search"]})
    w = deals_to_weekly(df, stage_column=None, source_column="Lead Source", by_source=True)
    assert w["pipeline_google_search"].tolist() == [1.0, 4.0]
    assert w["pipeline_unknown"].tolist() == [2.0, 0.0]


def test_by_source_needs_source_column():
    with pytest.raises(DataError, match="source_column"):
        deals_to_weekly(SAMPLE, by_source=True)


def test_missing_column_suggests():
    df = pd.DataFrame({"created": ["2024-01-01"], "amount": [1], "stage": ["open"]})
    with pytest.raises(DataError, match=r"created_date.*Did you mean 'created'"):
        deals_to_weekly(df)


def test_unparseable_date_names_row():
    df = pd.DataFrame({"created_date": ["2024-01-01", "2024-01-02", "yesterday"], "amount": [1, 2, 3]})
    with pytest.raises(DataError, match=r"created_date.*row 3 'yesterday'"):
        deals_to_weekly(df, stage_column=None)


def test_empty_date_names_row():
    df = pd.DataFrame({"created_date": ["2024-01-01", None], "amount": [1, 2]})
    with pytest.raises(DataError, match=r"created_date.*empty in row 2"):
        deals_to_weekly(df, stage_column=None)


def test_negative_amount_names_rows():
    df = pd.DataFrame({"created_date": ["2024-01-01"] * 3, "amount": [1, -5, 3]})
    with pytest.raises(DataError, match=r"amount.*negative.*row 2"):
        deals_to_weekly(df, stage_column=None)


def test_non_numeric_amount_names_rows(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("created_date,amount\n2024-01-01,100\n2024-01-02,\"$1,200\"\n")
    with pytest.raises(DataError, match=r"amount.*not numbers.*row 2 '\$1,200'"):
        deals_to_weekly(path, stage_column=None)


def test_empty_amount_is_error_unless_filled():
    df = pd.DataFrame({"created_date": ["2024-01-01", "2024-01-02"], "amount": [1.0, np.nan]})
    with pytest.raises(DataError, match=r"amount.*empty in row 2.*fill_missing_amount"):
        deals_to_weekly(df, stage_column=None)
    w = deals_to_weekly(df, stage_column=None, fill_missing_amount=0)
    assert w["pipeline"].item() == 1.0 and w["opportunities"].item() == 2
