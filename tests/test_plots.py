"""Charts: every function returns a Figure with the expected artists, units and wording."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mmm import plots as P
from mmm.plots import style

matplotlib.use("Agg")


# ---------------------------------------------------------------------- synthetic planning outputs


def synthetic_curves(channels=(("tv", "brand", 1000.0), ("search", "performance", 1200.0)), weeks=13):
    rows = []
    for name, role, cur in channels:
        m = np.linspace(0, 2.5, 26)
        x = m * cur
        mean = 3000 * weeks * (1 - np.exp(-x / (1.5 * cur)))
        marg = 3000 / (1.5 * cur) * np.exp(-x / (1.5 * cur))
        rows.append(pd.DataFrame({
            "channel": name, "role": role, "weekly_spend": x, "multiplier": m, "expected_kpi_mean": mean,
            "expected_kpi_hdi_low": mean * 0.8, "expected_kpi_hdi_high": mean * 1.2,
            "roas_mean": np.where(x > 0, mean / np.maximum(x * weeks, 1e-9), np.nan),
            "marginal_roas_mean": marg, "marginal_roas_hdi_low": marg * 0.7, "marginal_roas_hdi_high": marg * 1.3,
            "is_current": np.isclose(m, 1.0)}))
    out = pd.concat(rows, ignore_index=True)
    out.attrs["weeks"] = weeks
    return out


def synthetic_plan():
    table = pd.DataFrame({"channel": ["tv", "search"], "role": ["brand", "performance"],
                          "current_weekly": [1000.0, 1200.0], "recommended_weekly": [1300.0, 900.0],
                          "change_pct": [30.0, -25.0], "expected_kpi_mean": [30000.0, 28000.0],
                          "expected_kpi_hdi_low": [20000.0, 21000.0], "expected_kpi_hdi_high": [40000.0, 35000.0]})
    summary = {"weeks": 13, "budget": 2200.0 * 13,
               "current": {"expected_kpi": {"mean": 55000.0, "hdi_low": 45000.0, "hdi_high": 65000.0}},
               "recommended": {"expected_kpi": {"mean": 58000.0, "hdi_low": 47000.0, "hdi_high": 69000.0}},
               "uplift": {"abs": {"mean": 3000.0, "hdi_low": 500.0, "hdi_high": 5500.0},
                          "pct": {"mean": 5.45, "hdi_low": 1.0, "hdi_high": 9.0}, "prob_positive": 0.97}}
    return dataclasses.make_dataclass("Plan", ["table", "summary"])(table, summary)


def synthetic_split():
    s = np.linspace(0, 1, 21)
    mean = 50000 + 8000 * s - 9000 * s ** 2
    table = pd.DataFrame({"brand_share": s, "expected_kpi_mean": mean, "expected_kpi_hdi_low": mean - 6000,
                          "expected_kpi_hdi_high": mean + 6000})
    summary = {"best_share": 0.44, "share_range": [0.3, 0.58], "current_share": 0.45,
               "norm": {"name": "b2c", "brand": 0.6},
               "norms": {"b2b": {"brand": 0.46}, "b2c": {"brand": 0.60}},
               "caveat": "A weekly model measures short-term effects only."}
    return dataclasses.make_dataclass("Split", ["table", "summary"])(table, summary)


def pipeline_variant(fitted):
    spec = fitted.spec.replace(kpi=dataclasses.replace(fitted.spec.kpi, type="pipeline"))
    return dataclasses.replace(fitted, spec=spec)


def leads_variant(fitted):
    spec = fitted.spec.replace(kpi=dataclasses.replace(fitted.spec.kpi, type="leads"))
    return dataclasses.replace(fitted, spec=spec)


def texts(fig: Figure) -> list[str]:
    """Every piece of text on a drawn figure."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]


def small_fonts(fig: Figure, minimum: float = 14) -> list[tuple[str, float]]:
    fig.canvas.draw()
    return [(t.get_text(), t.get_fontsize()) for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < minimum]


# ---------------------------------------------------------------------- style


def test_units_and_formatters():
    u = style.units_of("revenue")
    assert u.money(1_234_567) == "$1.2M" and u.money(45_000) == "$45k" and u.money(950) == "$950"
    assert u.money(-2_500) == "-$2.5k"
    assert style.units_of("leads").kpi(1500) == "1.5k leads"
    assert style.Units("pipeline", "EUR").money(2e6) == "€2M"
    assert style.units_of("pipeline").return_name == "pipeline ROI"
    assert style.units_of("leads").return_name == "cost per lead"
    assert style.pct(-0.0001) == "0%" and style.pct(0.456) == "46%"
    f = style.money_formatter(u)
    f.set_locs([0, 250_000, 500_000, 750_000, 1_000_000])
    assert [f(v) for v in (0, 250_000, 1_000_000)] == ["$0", "$0.25M", "$1M"]
    f.set_locs([0, 500, 1000, 1500])
    assert [f(v) for v in (500, 1500)] == ["$500", "$1,500"]  # no "k" below 10k on axes
    f.set_locs([0, 5000, 10000, 15000])
    assert [f(v) for v in (5000, 15000)] == ["$5k", "$15k"]
    assert u.money(1040) == "$1.04k"
    assert style.label("google_search") == "Google Search" and style.label("tv") == "TV"


def test_channel_colours_grouped_by_role_and_stable(small_fit):
    col = style.channel_colors(small_fit.spec)
    assert col["tv"] in style.BRAND_COLORS and col["search"] in style.PERFORMANCE_COLORS
    table = small_fit.channel_summary()
    assert style.channel_colors(table) == style.channel_colors(table.iloc[::-1])
    many = style.channel_colors([f"c{i}" for i in range(9)], ["brand"] * 9)
    assert len(set(many.values())) >= 9


# ---------------------------------------------------------------------- each chart


def test_fit_chart(small_fit):
    fig = P.plot_fit(small_fit)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.lines) >= 2 and ax.collections  # model, actual, band
    assert "R²" in style.takeaway_of(fig)
    assert any("$" in t for t in texts(fig))  # currency ticks
    assert not small_fonts(fig)
    table = small_fit.fit_table()
    table.loc[table.index[-10:], "holdout"] = True
    fig = P.plot_fit(table, units=small_fit)
    assert "unseen weeks" in style.takeaway_of(fig)
    assert "Holdout" in " ".join(texts(fig))


def test_contributions_and_waterfall(small_fit):
    fig = P.plot_contributions(small_fit)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "Actual" and any("TV" in t for t in legend) and "Baseline" in legend
    assert len(ax.collections) == 1 + 1 + 2  # baseline, controls, two channels
    w = P.waterfall_table(small_fit.contributions(), units=small_fit)
    assert w["kind"].iloc[-1] == "total"
    assert np.isclose(w["value"].iloc[:-1].sum(), w["value"].iloc[-1])
    fig = P.plot_waterfall(small_fit)
    assert len(fig.axes[0].patches) == len(w)
    assert "Paid media added" in style.takeaway_of(fig)
    dates = small_fit.contributions()["date"]
    part = P.waterfall_table(small_fit.contributions(), units=small_fit, start=dates.iloc[-13])
    assert part["value"].iloc[-1] < w["value"].iloc[-1]
    assert not small_fonts(fig)


def test_roas_one_bar_per_channel_sorted(small_fit):
    fig = P.plot_roas(small_fit)
    ax = fig.axes[0]
    assert len(ax.patches) == len(small_fit.spec.channels)
    widths = [p.get_width() for p in sorted(ax.patches, key=lambda p: -p.get_y())]
    assert widths == sorted(widths, reverse=True)  # best on top
    title = style.takeaway_of(fig)
    assert "ROAS" in title and "per dollar" in title
    assert not small_fonts(fig)


def test_pipeline_and_leads_wording(small_fit):
    pipe = pipeline_variant(small_fit)
    for fig in (P.plot_roas(pipe), P.plot_fit(pipe), P.plot_contributions(pipe), P.plot_waterfall(pipe),
                P.plot_marginal_roas(synthetic_curves(), units=pipe),
                P.plot_response_curves(synthetic_curves(), units=pipe),
                P.plot_plan(synthetic_plan(), units=pipe), P.plot_split(synthetic_split(), units=pipe)):
        words = " ".join(texts(fig)).lower()
        assert "revenue" not in words and "roas" not in words, style.takeaway_of(fig)
    assert "pipeline" in style.takeaway_of(P.plot_roas(pipe))
    leads = leads_variant(small_fit)
    fig = P.plot_roas(leads)
    assert "cost per lead" in style.takeaway_of(fig)
    bars = sorted(fig.axes[0].patches, key=lambda p: -p.get_y())
    assert [b.get_width() for b in bars] == sorted(b.get_width() for b in bars)  # cheapest on top


def test_response_curves_panels_and_markers():
    curves = synthetic_curves()
    fig = P.plot_response_curves(curves, plan=synthetic_plan(), weeks=13)
    assert len([a for a in fig.axes if a.axison]) == 2
    ax = fig.axes[0]
    markers = [ln.get_marker() for ln in ax.lines]
    assert "o" in markers and "D" in markers  # current and recommended spend
    assert any(t.startswith("Next $1 returns") for t in texts(fig))
    assert "headroom" in style.takeaway_of(fig)
    assert not small_fonts(fig)
    five = synthetic_curves(tuple((f"c{i}", "brand" if i < 2 else "performance", 500.0 * (i + 1)) for i in range(5)))
    fig = P.plot_response_curves(five)
    assert len([a for a in fig.axes if a.axison]) == 5
    fig, ax = style.new_figure()
    out = P.plot_response_curves(curves, ax=ax)
    assert out is fig and len(ax.lines) >= 2


def test_marginal_roas_chart():
    fig = P.plot_marginal_roas(synthetic_curves())
    assert len(fig.axes[0].patches) == 2
    assert "next dollar" in style.takeaway_of(fig).lower()


def test_carryover(small_fit):
    t = P.carryover_table(small_fit)
    assert set(t["channel"]) == {"tv", "search"}
    sums = t.groupby("channel")["weight_median"].sum()
    assert np.all(sums > 0.8) and np.all(sums < 1.2)
    fig = P.plot_carryover(small_fit)
    assert len([a for a in fig.axes if a.axison]) == 2
    assert len(fig.axes[0].patches) == small_fit.layout.l_max[0]
    ew = P.effect_weeks(t)
    assert ew["weeks_to_share"].between(1, small_fit.layout.max_l).all()
    assert not small_fonts(fig)


def test_plan_chart():
    plan = synthetic_plan()
    totals = P.plan_totals(plan)
    assert totals["uplift"][0] == 3000.0 and np.isclose(totals["uplift_pct"], 0.0545)
    fig = P.plot_plan(plan)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].patches) == 4  # current + recommended per channel
    title = style.takeaway_of(fig)
    assert "5.5%" in title and "TV" in title
    assert not small_fonts(fig)
    fig = P.plot_plan(plan.table)  # table only: per-channel expected KPI
    assert len(fig.axes) == 2


def test_split_chart():
    split = synthetic_split()
    s = P.split_summary(split)
    assert s["norms"] == {"B2B norm": 0.46, "B2C norm": 0.6} and s["main_norm"] == "B2C norm"
    fig = P.plot_split(split)
    words = " ".join(texts(fig))
    for needle in ("Best 44%", "Now 45%", "B2B norm 46%", "B2C norm 60%", "30%-58%"):
        assert needle in words
    assert "44%" in style.takeaway_of(fig) and "brand" in style.takeaway_of(fig)
    assert not small_fonts(fig)


def test_diagnostics(small_fit):
    fig = P.plot_diagnostics(small_fit)
    names = [v for v in ("roas", "carryover", "saturation_lambda", "sigma") if v in small_fit.idata.posterior]
    assert len(fig.axes) == 2 * len(names)
    assert "R-hat" in style.takeaway_of(fig)
    fig = P.plot_diagnostics(small_fit, kind="rank", var_names=["roas"])
    assert len([a for a in fig.axes if a.axison]) == 2
    with pytest.raises(ValueError):
        P.plot_diagnostics(small_fit, kind="pairs")


def test_titles_options_and_approximate(small_fit):
    assert P.plot_roas(small_fit, title="Search wins").get_suptitle() == "Search wins"
    assert P.plot_roas(small_fit, title=False).get_suptitle() == ""
    fig = P.plot_roas(small_fit, approximate=True)
    words = texts(fig)
    assert "APPROXIMATE" in words and any(w.startswith("APPROXIMATE FIT") for w in words)
    fig, ax = style.new_figure()
    assert P.plot_roas(small_fit, ax=ax) is fig
    assert ax.get_title(loc="left").startswith("Search") or ax.get_title(loc="left").startswith("TV")


def test_onepager(small_fit):
    fig = P.plot_onepager(small_fit, curves=synthetic_curves(), plan=synthetic_plan())
    assert len([a for a in fig.axes if a.axison]) == 5
    assert tuple(fig.get_size_inches()) == style.ONEPAGER_SIZE


def test_plan_takeaway_hedges_when_the_evidence_is_weak():
    from mmm.plots.plan import plan_takeaway

    table = pd.DataFrame({"channel": ["display", "webinars"], "current_weekly": [100.0, 100.0],
                          "recommended_weekly": [130.0, 70.0]})
    totals = {"uplift": (30_000.0, -70_000.0, 130_000.0), "uplift_pct": 0.013}
    sure = plan_takeaway(table, {**totals, "evidence": {"strength": "strong", "prob_gain_from_mix": 0.97}})
    weak = plan_takeaway(table, {**totals, "evidence": {"strength": "weak", "prob_gain_from_mix": 0.69}})
    assert " adds " in sure and "chance" not in sure
    assert "may add" in weak and "weak evidence" in weak and "69%" in weak


# ---------------------------------------------------------------------- watermarks and gated titles


def test_caution_of_reads_flags_words_and_fits(small_fit):
    assert style.caution_of(None) is None and style.caution_of(False) is None
    assert style.caution_of(True).mark == "APPROXIMATE"
    fast = style.caution_of("fast mode")
    assert fast.mark == "FAST MODE" and "MMM_FAST" in fast.note and fast.color == style.APPROX_COLOR
    assert style.caution_of("REVIEW").color == style.REVIEW_COLOR
    fitted = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, fast=True))
    assert style.caution_of(fitted).mark == "FAST MODE"
    broken = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, converged=False))
    assert style.caution_of(broken).mark == "DO NOT USE"


def test_charts_from_tables_take_a_mark(small_fit):
    for fig in (P.plot_plan(synthetic_plan(), approximate="DO NOT USE"),
                P.plot_split(synthetic_split(), approximate="DO NOT USE"),
                P.plot_response_curves(synthetic_curves(), approximate="DO NOT USE"),
                P.plot_marginal_roas(synthetic_curves(), approximate="DO NOT USE")):
        assert style.watermark_of(fig) == "DO NOT USE"
        words = " ".join(texts(fig))
        assert "MODEL HEALTH: DO NOT USE" in words
    fig = P.plot_split(synthetic_split(), approximate="REVIEW")
    assert style.watermark_of(fig) == "REVIEW"
    assert "A weekly model" in " ".join(texts(fig))            # the chart's own note stays, under the caution
    fitted = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, fast=True))
    assert style.watermark_of(P.plot_fit(fitted)) == "FAST MODE"           # resolved from the fitted model
    assert style.watermark_of(P.plot_fit(fitted, approximate=False)) is None
    fig, ax = style.new_figure()
    P.plot_roas(fitted, ax=ax)
    assert "FAST MODE" in [t.get_text() for t in ax.texts]                 # a panel gets the small mark


def test_long_titles_fit_the_slide():
    names = ["brand_awareness_video_programmatic", "google_search_non_brand_exact", "linkedin_thought_leader_ads",
             "capterra_and_g2_reviews_sites"]
    table = pd.DataFrame({"channel": names, "role": ["brand", "performance", "brand", "performance"],
                          "roas_mean": [3.0, 2.9, 2.8, 2.7], "roas_hdi_low": [1.0] * 4, "roas_hdi_high": [5.0] * 4,
                          "prob_highest_roas": [0.3, 0.27, 0.23, 0.2]})
    fig = P.plot_roas(table, units="pipeline")
    title = style.takeaway_of(fig)
    assert title.startswith("The data cannot tell which channel returns the most pipeline per dollar")
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.x1 <= fig.bbox.x1 and fig._suptitle.get_text().count("\n") <= 2
    text, size = style.fit_title("x " * 75, 13.0)  # 150 characters: two lines at 18 pt or more
    assert text.count("\n") <= 1 and size >= 18


def test_titles_without_draws_hedge_from_intervals():
    curves = synthetic_curves()                    # overlapping marginal intervals, no probabilities
    title = style.takeaway_of(P.plot_marginal_roas(curves))
    assert "cannot tell" in title and "intervals overlap" in title
    table = pd.DataFrame({"channel": ["a", "b"], "role": ["performance"] * 2, "roas_mean": [3.0, 1.0],
                          "roas_hdi_low": [2.5, 0.5], "roas_hdi_high": [3.5, 1.5]})
    assert "interval lies above every other channel's" in style.takeaway_of(P.plot_roas(table))


def test_split_chart_shows_the_posterior_range_of_the_best_share():
    split = synthetic_split()
    split.summary.update(best_share_uncertainty={"low": 0.2, "high": 0.9, "prob_above_current": 0.4,
                                                 "prob_below_current": 0.45})
    fig = P.plot_split(split)
    words = " ".join(texts(fig))
    assert "90% posterior range 20%-90%" in words
    title = style.takeaway_of(fig)
    assert title.startswith("The data cannot tell the best brand share: 20% to 90%")


def test_weak_plan_gain_is_not_green():
    plan = synthetic_plan()
    plan.summary["evidence"] = {"strength": "weak", "prob_gain_from_mix": 0.67}
    fig = P.plot_plan(plan)
    fig.canvas.draw()
    label_ = next(t for t in fig.axes[1].texts if "evidence" in t.get_text())
    assert "weak evidence (67%)" in label_.get_text()
    assert matplotlib.colors.to_hex(label_.get_color()) != style.RECOMMENDED_COLOR.lower()


# ---------------------------------------------------------------------- layering (issue 14.4)


def _imports(folder):
    """{module file: set of absolute module names it imports (top level and inside functions)}."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "mmm" / folder
    out = {}
    for path in sorted(root.glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        out[path.name] = names
    return out


def test_imports_point_one_way():
    """report -> plots -> analysis -> planning: charts never plan or import the report, and the
    analysis layer never draws."""
    banned = ("mmm.planning", "mmm.split", "mmm.report", "mmm.export")
    for name, mods in _imports("plots").items():
        bad = sorted(m for m in mods if m.startswith(banned))
        assert not bad, (f"plots/{name}", bad)
    for name, mods in _imports("analysis").items():
        bad = sorted(m for m in mods if m.startswith(("mmm.plots", "mmm.report", "mmm.export", "matplotlib")))
        assert not bad, (f"analysis/{name}", bad)


def test_chart_numbers_come_from_the_analysis_layer():
    import mmm.analysis as A
    from mmm.plots import carryover, contributions, plan, roas, split

    assert P.plan_totals is A.plan_totals and plan.plan_totals is A.plan_totals
    assert P.return_table is A.return_table and roas.return_table is A.return_table
    assert P.split_summary is A.split_summary and split.split_summary is A.split_summary
    assert contributions.period_text is A.period_text and P.waterfall_table is A.waterfall_table
    assert carryover.carryover_table is A.carryover_table and P.effect_weeks is A.effect_weeks
    # a leads model's return metric is cost per lead whatever names the units (type name, Units, None)
    tab = pd.DataFrame({"channel": ["a", "b"], "roas_mean": [0.02, 0.01], "roas_hdi_low": [0.01, 0.005],
                        "roas_hdi_high": [0.03, 0.02]})
    for units in ("leads", style.units_of("leads")):
        assert list(A.return_table(tab, units)["channel"]) == ["a", "b"]
        assert A.return_table(tab, units)["value"].iloc[0] == pytest.approx(50.0)
    assert A.return_table(tab)["value"].iloc[0] == pytest.approx(0.02)


def test_plot_from_a_fitted_model_plans_once_at_the_top(small_fit, monkeypatch):
    """plot_plan(fitted) makes its plan through one analysis call, then only draws."""
    import mmm.plots.plan as plan_mod

    calls = []
    table = synthetic_plan()

    def fake_plan_for(fitted, budget=None, *, weeks=13, bounds="30%", **options):
        calls.append((budget, weeks, bounds))
        return table

    monkeypatch.setattr(plan_mod, "plan_for", fake_plan_for)
    fig = P.plot_plan(small_fit, weeks=8, bounds="20%")
    assert isinstance(fig, Figure) and calls == [(None, 8, "20%")]
