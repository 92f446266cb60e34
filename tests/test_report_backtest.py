"""The deck's appendix shows the backtest of `mmm backtest` when its tables are in the fit folder (issue 18)."""

from __future__ import annotations

import pandas as pd
import pytest
from pptx import Presentation

from mmm.errors import DataError
from mmm.report import charts as report_charts
from mmm.report import write_report
from mmm.report.backtest import find_backtest, read_backtest, summarize_backtest

FOLDS = pd.DataFrame({"fold": [1, 2, 3, 4], "origin": ["2024-01-07", "2024-04-07", "2024-07-07", "2024-10-06"],
                      "horizon": [13, 13, 13, 10], "mape": [0.05, 0.10, float("nan"), 0.09],
                      "crps": [1.0, 2.0, float("nan"), 1.5], "coverage_90": [1.0, 12 / 13, float("nan"), 0.8]})


def _roas(channels: list[str]) -> pd.DataFrame:
    rows = []
    for fold in (1, 2, 4):
        for i, ch in enumerate(channels):
            lo, hi = (1.0, 2.0) if i == 0 else ((0.5, 0.9) if fold == 1 else (1.0, 1.4))  # the second moves away
            rows.append({"fold": fold, "channel": ch, "roas_mean": (lo + hi) / 2, "roas_hdi_low": lo,
                         "roas_hdi_high": hi})
    return pd.DataFrame(rows)


def _write(folder, channels):
    folder.mkdir(parents=True, exist_ok=True)
    FOLDS.to_csv(folder / "backtest.csv", index=False)
    _roas(channels).to_csv(folder / "backtest_roas.csv", index=False)
    return folder / "backtest.csv"


def test_summary_numbers_come_from_the_tables(tmp_path):
    folds, roas = read_backtest(_write(tmp_path, ["tv", "search"]))
    s = summarize_backtest(folds, roas)
    # coverage over all held-out weeks: (13 + 12 + 8) / (13 + 13 + 10); the failed fold 3 is left out
    assert s.coverage_90 == pytest.approx(33 / 36)
    assert s.mape_mean == pytest.approx(0.08) and (s.mape_min, s.mape_max) == (0.05, 0.10)
    assert (s.folds, s.failed, s.horizons) == (4, 1, (10, 13))
    # tv's intervals are the same every fold; search's fold-1 interval [0.5, 0.9] misses [1.0, 1.4]
    assert s.stable == ("tv",) and s.unstable == ("search",)
    assert s.sentence == ("Backtest, 3 folds of 10-13-week forecasts: 92% of held-out weeks inside the 90% "
                          "intervals (about 90% is right), MAPE 8.0% (5.0% to 10.0%); ROAS not stable across "
                          "folds for Search, stable for TV; 1 of 4 folds failed")


def test_where_the_report_looks(tmp_path):
    assert find_backtest(tmp_path) is None
    _write(tmp_path, ["tv"])
    assert find_backtest(tmp_path) == tmp_path / "backtest.csv"
    _write(tmp_path / "backtest", ["tv"])  # `mmm backtest CONFIG --out OUT/backtest` comes first
    assert find_backtest(tmp_path) == tmp_path / "backtest" / "backtest.csv"
    (tmp_path / "bad.csv").write_text("fold,mape\n1,0.1\n")
    with pytest.raises(DataError, match="no column origin, horizon, crps, coverage_90"):
        read_backtest(tmp_path / "bad.csv")


@pytest.fixture()
def one_chart(monkeypatch, small_fit):
    """The report reduced to its fit chart (the backtest chart is added after the list), slides at low dpi."""
    from mmm.plots import plot_fit

    monkeypatch.setattr("mmm.report.chart_list",
                        lambda fitted, *a: [report_charts.ChartSpec("01_fit", lambda: plot_fit(fitted))])
    monkeypatch.setattr("mmm.report.charts.DECK_DPI", 40)
    return small_fit


def _titles(path) -> list[str]:
    return [s.shapes.title.text_frame.text for s in Presentation(str(path)).slides if s.shapes.title is not None]


def test_deck_has_the_backtest_slide_only_with_a_backtest(one_chart, tmp_path):
    fitted = one_chart
    channels = list(fitted.spec.channel_names)
    plain = write_report(fitted, tmp_path / "plain", formats="pptx")
    assert "13_backtest" not in plain["charts"] and "backtest" not in plain["skipped"]
    assert not any(t.startswith("Backtest") for t in _titles(plain["pptx"]))

    out = tmp_path / "with"
    source = _write(out / "backtest", channels)
    res = write_report(fitted, out, formats="pptx,png")
    titles = _titles(res["pptx"])
    expected = summarize_backtest(*read_backtest(source)).sentence
    assert titles.index(expected) > titles.index("Appendix")          # in the appendix, titled by its summary
    assert (out / "charts" / "13_backtest.png").is_file()

    # a backtest of other channels is not this model's: no slide, and the report says why
    other = tmp_path / "other"
    _write(other, ["not_a_channel"])
    res = write_report(fitted, other, formats="pptx")
    assert "not_a_channel" in res["skipped"]["backtest"]
    assert not any(t.startswith("Backtest") for t in _titles(res["pptx"]))
