"""One-command export: every chart as PNG (300 dpi) and SVG, a PowerPoint deck, a one-pager,
and an optional self-contained HTML report.

Example
-------
>>> from mmm.export import write_report
>>> out = write_report(fitted, "report/")                             # doctest: +SKIP
>>> out["pptx"], out["onepager"], sorted(out["charts"])               # doctest: +SKIP

Files written into ``outdir``::

    charts/01_fit.png, .svg              model fit with 90% band (holdout shaded)
    charts/02_contributions.png, .svg    stacked weekly contributions
    charts/03_waterfall.png, .svg        decomposition of the data period
    charts/04_roas.png, .svg             ROAS / pipeline ROI / cost per lead, 90% intervals
    charts/05_response_curves.png, .svg  response curves, current and recommended spend
    charts/06_marginal_roas.png, .svg    return on the next unit of spend
    charts/07_carryover.png, .svg        how long each channel's effect lasts
    charts/08_budget_plan.png, .svg      current vs recommended plan, expected KPI
    charts/09_brand_split.png, .svg      brand vs performance split curve
    charts/10_diagnostics.png, .svg      sampler trace plots (appendix)
    report.pptx                          title, executive summary, one chart per slide, appendix
    onepager.png                         fit, decomposition, ROAS, response curves, plan
    report.html                          (with ``"html"`` in formats) images embedded
"""

from __future__ import annotations

import base64
import datetime as _dt
import html as _html
import io
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmm.errors import MMMError
from mmm.plots import (
    plot_carryover,
    plot_contributions,
    plot_diagnostics,
    plot_fit,
    plot_marginal_roas,
    plot_onepager,
    plot_plan,
    plot_response_curves,
    plot_roas,
    plot_split,
    plot_waterfall,
)
from mmm.plots.contributions import period_text
from mmm.plots.plan import plan_totals
from mmm.plots.roas import return_table
from mmm.plots.split import split_summary
from mmm.plots.style import hide_takeaway, label, pct, takeaway_of, units_of

FORMATS = ("pptx", "png", "svg", "html")
#: Resolution of the PNG files in ``charts/`` (and of the one-pager: ``ONEPAGER_DPI``).
PNG_DPI = 300
ONEPAGER_DPI = 150
#: Resolution of the chart images inside the deck and the HTML report.
DECK_DPI = 160
SLIDE_W, SLIDE_H = 13.333, 7.5
#: Chart area on a chart slide (inches): the figure is re-laid out to exactly this size.
CHART_BOX = (0.0, 1.2, 13.333, 6.2)

APPROX_RED = (0xC6, 0x28, 0x28)
DARK = (0x11, 0x11, 0x11)
GREY = (0x55, 0x55, 0x55)
GREEN = (0x2E, 0x7D, 0x32)


class ReportError(MMMError, ValueError):
    """A report request that cannot be met (unknown format, unwritable folder, ...)."""


@dataclass
class ChartSpec:
    """One chart of the report: file stem, slide section and how to draw it."""

    name: str
    draw: Callable[[], Any]
    notes: str = ""
    appendix: bool = False


def _formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f for f in formats.replace(";", ",").split(",")]
    out = []
    for f in formats:
        f = str(f).strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise ReportError(f"Unknown report format '{f}'. Choose from: {', '.join(FORMATS)} "
                              "(e.g. --format pptx,png,svg,html).")
        if f not in out:
            out.append(f)
    if not out:
        raise ReportError(f"No report format given; choose from: {', '.join(FORMATS)}.")
    return tuple(out)


def default_budget(fitted: Any, weeks: int = 13) -> float:
    """Current spend over the planning period: mean weekly spend of the last ``weeks`` weeks x ``weeks``."""
    try:
        from mmm.planning import current_weekly_spend
        return float(current_weekly_spend(fitted, weeks).sum() * weeks)
    except ImportError:  # planning not installed
        spend = np.asarray(fitted.dataset.spend, dtype="float64")
        return float(spend[-min(weeks, len(spend)):].mean(axis=0).sum() * weeks)


def _planning(fitted: Any, *, budget: float | None, weeks: int, bounds: Any, plan: Any, split: Any,
              curves: Any, skipped: dict[str, str]) -> tuple[Any, Any, Any, float | None]:
    """Response curves, plan and split: the ones given, else computed (reasons kept when not possible)."""
    try:
        from mmm import planning
    except ImportError as exc:  # pragma: no cover - planning ships with the package
        for k in ("response_curves", "budget_plan", "brand_split"):
            skipped.setdefault(k, f"planning is unavailable ({exc})")
        return curves, plan, split, budget
    if budget is None:
        budget = default_budget(fitted, weeks)
    if curves is None:
        try:
            curves = planning.response_curves(fitted, weeks=weeks)
        except MMMError as exc:
            skipped["response_curves"] = str(exc)
    if plan is None:
        try:
            plan = planning.optimize_budget(fitted, budget, weeks=weeks, bounds=bounds)
        except MMMError as exc:
            skipped["budget_plan"] = str(exc)
    roles = {c.role for c in fitted.spec.channels}
    if split is None:
        if roles != {"brand", "performance"}:
            skipped["brand_split"] = ("all channels have the same role; set role: brand / performance on the "
                                      "channels to compare the two")
        else:
            try:
                from mmm.split import brand_split
                split = brand_split(fitted, budget, weeks=weeks)
            except ImportError as exc:
                skipped["brand_split"] = f"split module unavailable ({exc})"
            except MMMError as exc:
                skipped["brand_split"] = str(exc)
    return curves, plan, split, budget


def _chart_list(fitted: Any, curves: Any, plan: Any, split: Any, weeks: int) -> list[ChartSpec]:
    charts = [
        ChartSpec("01_fit", lambda: plot_fit(fitted),
                  "Weekly actual KPI (dots) against the model (line) with its 90% predictive interval. "
                  "Weeks shaded as holdout were not used to fit."),
        ChartSpec("02_contributions", lambda: plot_contributions(fitted),
                  "Stacked weekly contributions (posterior means): baseline (trend, seasonality, events), "
                  "controls, and each channel."),
        ChartSpec("03_waterfall", lambda: plot_waterfall(fitted),
                  "Decomposition of the KPI over the data period, with each part's share of the total."),
        ChartSpec("04_roas", lambda: plot_roas(fitted),
                  "Return per channel over the data period with 90% highest-density intervals."),
    ]
    if curves is not None:
        charts.append(ChartSpec("05_response_curves",
                                lambda: plot_response_curves(curves, plan=plan, units=fitted, weeks=weeks,
                                                             approximate=fitted.approximate),
                                f"Expected KPI over {weeks} weeks at each weekly spend level (90% band). Dot: "
                                "current spend; diamond: recommended spend."))
        charts.append(ChartSpec("06_marginal_roas",
                                lambda: plot_marginal_roas(curves, units=fitted, approximate=fitted.approximate),
                                "Return on the next unit of spend at current spend, with 90% interval."))
    charts.append(ChartSpec("07_carryover", lambda: plot_carryover(fitted),
                            "Share of a week's spend effect landing in each following week (median, 90% band)."))
    if plan is not None:
        charts.append(ChartSpec("08_budget_plan",
                                lambda: plot_plan(plan, units=fitted, weeks=weeks, approximate=fitted.approximate),
                                "Current vs recommended weekly spend per channel and the expected KPI of both "
                                "plans with 90% intervals."))
    if split is not None:
        charts.append(ChartSpec("09_brand_split",
                                lambda: plot_split(split, units=fitted, approximate=fitted.approximate),
                                str(split_summary(split).get("caveat") or "")))
    charts.append(ChartSpec("10_diagnostics", lambda: plot_diagnostics(fitted), appendix=True,
                            notes="Trace plots of the free media parameters: chains (line styles) should overlap "
                                  "and mix; densities should agree across chains."))
    return charts


def _mediation_charts(mediated: Any) -> list[ChartSpec]:
    from mmm.mediation import plot_brand_health, plot_effects

    return [
        ChartSpec("11_direct_vs_total", lambda: plot_effects(mediated),
                  "Each channel's direct effect plus its effect through branded search (stacked: the bar's end "
                  "is the total), 90% intervals; diamonds: what a model without the search link says. Plans and "
                  "the brand split in this report use the total effects."),
        ChartSpec("12_brand_health", lambda: plot_brand_health(mediated),
                  "Paid media spend and branded searches over time: healthy programs grow branded search "
                  "alongside paid volume."),
    ]


def write_report(fitted: Any, outdir: str | Path, *, formats: Iterable[str] | str = ("pptx", "png", "svg"),
                 budget: float | None = None, weeks: int = 13, bounds: Any = "30%", plan: Any = None,
                 split: Any = None, curves: Any = None, dpi: int = PNG_DPI, title: str | None = None) -> dict:
    """Write every chart, the deck, the one-pager and (optionally) an HTML report into ``outdir``.

    Parameters
    ----------
    fitted : FittedModel or MediatedFit
        A :class:`~mmm.mediation.MediatedFit` is reported on its total (direct + indirect)
        effects, with two extra slides: direct vs total, and brand health.
    outdir : path
        Output folder (created if missing; files in it are overwritten).
    formats : iterable or comma-separated str
        Any of ``pptx``, ``png``, ``svg``, ``html``. ``png`` also writes ``onepager.png``.
    budget : float, optional
        Total budget of the planning period; default: current spend (mean weekly spend over
        the last ``weeks`` weeks) x ``weeks``.
    weeks : int
        Planning period in weeks (13 = a quarter).
    bounds : str, dict or DataFrame
        Per-channel bounds for the budget plan (see :func:`mmm.planning.optimize_budget`).
    plan, split, curves : optional
        A :class:`~mmm.planning.PlanResult`, :class:`~mmm.split.SplitResult` and response
        curves already computed; otherwise computed here.
    dpi : int
        Resolution of the PNG files in ``charts/`` (default 300).
    title : str, optional
        Title of the deck (default: "Media mix model: <kpi>").

    Returns
    -------
    dict
        ``outdir``, ``charts`` ({name: {"png": path, "svg": path}}), ``titles`` ({name:
        takeaway}), ``pptx``, ``html``, ``onepager`` (paths or None), ``slides`` (slide
        titles in order), ``skipped`` ({part: reason}), ``plan``, ``split``, ``curves``,
        ``budget``.
    """
    fmts = _formats(formats)
    out = Path(outdir)
    try:
        (out / "charts").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"Cannot create the report folder '{out}': {exc.strerror or exc}.") from None
    skipped: dict[str, str] = {}
    mediated = None
    if hasattr(fitted, "as_fitted"):
        # A brand-search mediation fit: plan, split and charts use TOTAL (direct + indirect)
        # effects; extra slides show direct vs total and the brand health signal.
        mediated, fitted = fitted, fitted.as_fitted("total")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curves, plan, split, budget = _planning(fitted, budget=budget, weeks=weeks, bounds=bounds, plan=plan,
                                                split=split, curves=curves, skipped=skipped)
    result: dict[str, Any] = {"outdir": out, "charts": {}, "titles": {}, "pptx": None, "html": None,
                              "onepager": None, "slides": [], "skipped": skipped, "plan": plan, "split": split,
                              "curves": curves, "budget": budget}
    deck_images: list[tuple[ChartSpec, str, bytes, tuple[float, float]]] = []
    need_deck = "pptx" in fmts or "html" in fmts
    charts = _chart_list(fitted, curves, plan, split, weeks)
    if mediated is not None:
        charts[-1:-1] = _mediation_charts(mediated)
    for chart in charts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fig = chart.draw()
            except (MMMError, ValueError, KeyError) as exc:
                skipped[chart.name] = f"{type(exc).__name__}: {exc}"
                continue
        takeaway = takeaway_of(fig)
        result["titles"][chart.name] = takeaway
        paths = {}
        if "png" in fmts:
            paths["png"] = out / "charts" / f"{chart.name}.png"
            fig.savefig(paths["png"], dpi=dpi, pil_kwargs={"compress_level": 3})
        if "svg" in fmts:
            paths["svg"] = out / "charts" / f"{chart.name}.svg"
            fig.savefig(paths["svg"])
        result["charts"][chart.name] = paths
        if need_deck:
            hide_takeaway(fig)
            w, h = fig.get_size_inches()
            box_w, box_h = CHART_BOX[2], CHART_BOX[3]
            if h <= 9.8:
                fig.set_size_inches(box_w, box_h)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=DECK_DPI, pil_kwargs={"compress_level": 3})
            deck_images.append((chart, takeaway, buf.getvalue(), tuple(fig.get_size_inches())))
        del fig
    if "png" in fmts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            one = plot_onepager(fitted, curves=curves, plan=plan, weeks=weeks)
            result["onepager"] = out / "onepager.png"
            one.savefig(result["onepager"], dpi=ONEPAGER_DPI, pil_kwargs={"compress_level": 3})
    if "pptx" in fmts:
        result["pptx"], result["slides"] = _write_deck(fitted, out / "report.pptx", deck_images, plan=plan,
                                                       split=split, weeks=weeks, budget=budget, title=title,
                                                       skipped=skipped)
    if "html" in fmts:
        result["html"] = _write_html(fitted, out / "report.html", deck_images, plan=plan, split=split, weeks=weeks,
                                     budget=budget, title=title)
    return result


# ---------------------------------------------------------------------- executive summary


def summary_points(fitted: Any, *, plan: Any = None, split: Any = None, weeks: int = 13,
                   budget: float | None = None) -> dict[str, dict[str, Any]]:
    """The four blocks of the executive summary.

    Keys ``decomposition``, ``returns``, ``plan``, ``split``; each a dict with ``big`` (a
    headline number), ``caption`` (what it is) and ``lines`` (short supporting lines).
    Wording follows the KPI type (no "revenue" on a pipeline model).
    """
    from mmm.analysis import total_media

    u = units_of(fitted)
    word = u.kpi_word
    cs = fitted.channel_summary()
    total_kpi = float(np.sum(fitted.train.kpi))
    tm = total_media(fitted)
    media_share = tm["mean"] / total_kpi if total_kpi else float("nan")
    top = cs.sort_values("contribution_mean", ascending=False).head(3)
    dec = {"big": pct(media_share), "caption": f"of {word} came from paid media",
           "lines": [f"{u.kpi(tm['mean'])} (90%: {u.kpi(tm['hdi_low'])} to {u.kpi(tm['hdi_high'])}), "
                     f"{period_text(fitted.train.dates)}",
                     "Largest: " + ", ".join(f"{label(r.channel)} {pct(r.share_of_kpi)}" for r in top.itertuples()),
                     f"The rest ({pct(1 - media_share)}): baseline, seasonality, events, controls"]}
    rt = return_table(cs, u).head(3)
    lines = []
    for r in rt.itertuples():
        if u.return_is_cost:
            hi = "n/a" if not np.isfinite(r.high) else u.money(r.high)
            lines.append(f"{label(r.channel)}: {u.money(r.value)} per lead (90%: {u.money(r.low)} to {hi})")
        else:
            lines.append(f"{label(r.channel)}: {u.ratio(r.value)} (90%: {u.ratio(r.low)} to {u.ratio(r.high)})")
    best = rt.iloc[0]
    if u.return_is_cost:
        ret = {"big": u.money(best.value), "caption": f"per lead on {label(best.channel)}, the cheapest",
               "lines": lines}
    else:
        per = f"{word} per {u.per_unit}"
        ret = {"big": u.ratio(best.value), "caption": f"{per} on {label(best.channel)}, the best", "lines": lines}
    pl: dict[str, Any] = {"big": "n/a", "caption": "no budget plan in this report", "lines": []}
    if plan is not None:
        t = plan_totals(plan)
        tab = getattr(plan, "table", plan)
        b = budget if budget is not None else t.get("budget")
        if t["uplift"] is not None:
            up = t["uplift"]
            sign = "+" if up[0] >= 0 else "-"
            pl["big"] = f"{sign}{pct(abs(t['uplift_pct']), 1)}"
            same = f"same budget ({u.money(b)})" if b is not None and np.isfinite(b) else "same budget"
            pl["caption"] = f"more {word}, {same}"
            gain = f"{sign}{u.kpi(abs(up[0]))}"
            if np.isfinite(up[1]) and np.isfinite(up[2]):
                gain += f" (90%: {u.kpi(up[1])} to {u.kpi(up[2])})"
            pl["lines"].append(f"Expected gain {gain}")
            prob = ((getattr(plan, "summary", {}) or {}).get("uplift") or {}).get("prob_positive")
            if prob is not None:
                pl["lines"].append(f"Chance it beats the current plan: {pct(prob)}")
            ev = (getattr(plan, "summary", {}) or {}).get("evidence") or {}
            if ev.get("strength") in ("moderate", "weak") and ev.get("prob_gain_from_mix") is not None:
                test = f"; test {' and '.join(label(c) for c in ev['test_channels'])}" if ev.get("test_channels") else ""
                pl["lines"].append(f"Evidence for the new mix: {ev['strength']} "
                                   f"({pct(ev['prob_gain_from_mix'])} it beats today's mix){test}")
        d = tab.assign(delta=tab["recommended_weekly"] - tab["current_weekly"])
        ups = [f"{label(r.channel)} +{pct(r.delta / r.current_weekly)}" for r in
               d.sort_values("delta", ascending=False).itertuples() if r.delta > 0 and r.current_weekly > 0][:3]
        downs = [f"{label(r.channel)} -{pct(-r.delta / r.current_weekly)}" for r in
                 d.sort_values("delta").itertuples() if r.delta < 0 and r.current_weekly > 0][:3]
        if ups or downs:
            pl["lines"].append("Shift: " + ", ".join(ups + downs))
    sp: dict[str, Any] = {"big": "n/a", "caption": "no brand vs performance split in this report", "lines": []}
    if split is not None:
        s = split_summary(split)
        if np.isfinite(s["best_share"]):
            rng = s["share_range"]
            sp["big"] = pct(s["best_share"])
            sp["caption"] = "best brand share of budget"
            if rng:
                sp["lines"].append(f"Good range {pct(rng[0])} to {pct(rng[1])}; today {pct(s['current_share'])}")
        if s["norms"]:
            sp["lines"].append("Published norms: " + ", ".join(f"{k} {pct(v)}" for k, v in s["norms"].items()))
        sp["lines"].append("A weekly model misses brand's long-term effect: read this share as a lower bound.")
    return {"decomposition": dec, "returns": ret, "plan": pl, "split": sp}


def summary_headings(fitted: Any, weeks: int = 13) -> dict[str, str]:
    """Headings of the executive summary blocks."""
    u = units_of(fitted)
    return {"decomposition": f"What drove {u.kpi_word}", "returns": f"Best returns ({u.return_name})",
            "plan": f"Budget plan, next {weeks} weeks", "split": "Brand vs performance"}


# ---------------------------------------------------------------------- the deck


def _rgb(c: tuple[int, int, int]) -> Any:
    from pptx.dml.color import RGBColor
    return RGBColor(*c)


def _style_title(shape: Any, text: str, *, size: int = 28, color: tuple[int, int, int] = DARK,
                 box: tuple[float, float, float, float] = (0.45, 0.25, 12.4, 0.95)) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt
    shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in box)
    tf = shape.text_frame
    tf.clear()
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    run = p.add_run()
    run.text = text
    run.font.size = Pt(size if len(text) <= 70 else size - 4)
    run.font.bold = True
    run.font.color.rgb = _rgb(color)


def _textbox(slide: Any, box: tuple[float, float, float, float], lines: list[tuple[str, dict]]) -> Any:
    from pptx.util import Inches, Pt
    tb = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = tb.text_frame
    tf.word_wrap = True
    for i, (text, fmt) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(fmt.get("size", 16))
        run.font.bold = fmt.get("bold", False)
        if fmt.get("mono"):
            run.font.name = "Courier New"
        run.font.color.rgb = _rgb(fmt.get("color", DARK))
        if fmt.get("space"):
            p.space_before = Pt(fmt["space"])
    return tb


def _accent(slide: Any, x: float, y: float, w: float = 1.4) -> None:
    """A short green bar (the house accent) above a title."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(0.09))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(GREEN)
    bar.line.fill.background()


def _approx_flag(slide: Any) -> None:
    _textbox(slide, (8.3, 7.05, 4.9, 0.4), [("APPROXIMATE FIT (ADVI): not for reporting",
                                            {"size": 14, "bold": True, "color": APPROX_RED})])


def _write_deck(fitted: Any, path: Path, images: list, *, plan: Any, split: Any, weeks: int, budget: float | None,
                title: str | None, skipped: dict[str, str]) -> tuple[Path, list[str]]:
    from pptx import Presentation
    from pptx.util import Inches

    u = units_of(fitted)
    d = fitted.diagnostics
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    titles: list[str] = []
    period = period_text(fitted.dataset.dates)

    # 1. title slide
    s = prs.slides.add_slide(prs.slide_layouts[0])
    main = title or f"Media mix model: {u.kpi_word}"
    _style_title(s.shapes.title, main, size=40, box=(0.8, 2.2, 11.7, 1.4))
    _accent(s, 0.8, 2.05)
    sub = s.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(3.7), Inches(11.7), Inches(1.6)
    sub.text_frame.clear()
    verdict = "approximate (ADVI)" if fitted.approximate else ("converged" if d.converged else "not converged")
    column = fitted.spec.kpi.column
    what = column if column.lower() == u.kpi_word else f"{column} ({u.kpi_word})"
    info = [f"Weekly {what}, {period}; {len(fitted.spec.channels)} channels",
            f"Bayesian MMM, {d.sampler} sampler {d.chains} x {d.draws} draws: {verdict}",
            f"Generated {_dt.date.today().isoformat()}"]
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt
    for i, line in enumerate(info):
        p = sub.text_frame.paragraphs[0] if i == 0 else sub.text_frame.add_paragraph()
        p.alignment = PP_ALIGN.LEFT
        r = p.add_run()
        r.text = line
        r.font.size = Pt(20)
        r.font.color.rgb = _rgb(GREY)
    if fitted.approximate:
        _textbox(s, (0.8, 5.5, 11.7, 0.8), [("APPROXIMATE FIT (ADVI): for iterating on the model only. "
                                             "Refit with NUTS before reporting these numbers.",
                                             {"size": 20, "bold": True, "color": APPROX_RED})])
    titles.append(main)

    # 2. executive summary
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _style_title(s.shapes.title, "Executive summary")
    titles.append("Executive summary")
    pts = summary_points(fitted, plan=plan, split=split, weeks=weeks, budget=budget)
    heads = summary_headings(fitted, weeks)
    boxes = {"decomposition": (0.5, 1.35), "returns": (6.85, 1.35), "plan": (0.5, 4.3), "split": (6.85, 4.3)}
    for key, (x, y) in boxes.items():
        block = pts[key]
        _textbox(s, (x, y, 6.0, 0.5), [(heads[key], {"size": 18, "bold": True, "color": GREY})])
        _textbox(s, (x, y + 0.45, 6.0, 0.9), [(block["big"], {"size": 40, "bold": True, "color": GREEN}),
                                              (block["caption"], {"size": 16, "bold": True})])
        _textbox(s, (x, y + 1.65, 6.0, 1.3), [(t, {"size": 14, "space": 3}) for t in block["lines"]])
    if fitted.approximate:
        _approx_flag(s)
    notes = s.notes_slide.notes_text_frame
    notes.text = fitted.summary_text()

    # 3. one chart per slide
    def chart_slide(chart: Any, takeaway: str, png: bytes, size: tuple[float, float]) -> None:
        s = prs.slides.add_slide(prs.slide_layouts[5])
        text = takeaway or chart.name
        _style_title(s.shapes.title, text)
        x, y, bw, bh = CHART_BOX
        w, h = size
        scale = min(bw / w, bh / h)
        pw, ph = w * scale, h * scale
        s.shapes.add_picture(io.BytesIO(png), Inches(x + (bw - pw) / 2), Inches(y + (bh - ph) / 2),
                             Inches(pw), Inches(ph))
        if fitted.approximate:
            _approx_flag(s)
        if chart.notes:
            s.notes_slide.notes_text_frame.text = chart.notes
        titles.append(text)

    for chart, takeaway, png, size in images:
        if not chart.appendix:
            chart_slide(chart, takeaway, png, size)

    # 4. appendix
    s = prs.slides.add_slide(prs.slide_layouts[2])
    _style_title(s.shapes.title, "Appendix", size=40, box=(0.8, 2.6, 11.7, 1.2))
    _accent(s, 0.8, 2.45)
    body = s.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.8), Inches(3.9), Inches(11.7), Inches(1.2)
    body.text = "Sampler diagnostics and model settings, for the analyst"
    titles.append("Appendix")
    for chart, takeaway, png, size in images:
        if chart.appendix:
            chart_slide(chart, takeaway, png, size)
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _style_title(s.shapes.title, "Model settings")
    titles.append("Model settings")
    _textbox(s, (0.5, 1.3, 4.6, 5.9), [(line, {"size": 14, "space": 3}) for line in _settings_lines(fitted, plan,
                                                                                                  skipped)])
    spec = fitted.spec
    if spec.data:
        spec = spec.replace(data=Path(spec.data).name)
    yaml_lines = spec.to_yaml().splitlines()
    half = (len(yaml_lines) + 1) // 2 if len(yaml_lines) > 34 else len(yaml_lines)
    cols = [yaml_lines[:half], yaml_lines[half:]] if half < len(yaml_lines) else [yaml_lines]
    size = max(8, min(12, int(400 / (1.25 * max(len(c) for c in cols)))))
    for i, col in enumerate(cols):
        _textbox(s, (5.3 + i * 4.0, 1.3, 3.9 if len(cols) > 1 else 7.8, 5.9),
                 [(line or " ", {"size": size, "mono": True, "color": (0x33, 0x33, 0x33)}) for line in col])
    if fitted.approximate:
        _approx_flag(s)
    prs.save(str(path))
    return path, titles


def _settings_lines(fitted: Any, plan: Any, skipped: dict[str, str]) -> list[str]:
    d = fitted.diagnostics
    lines = [f"Verdict: {d.verdict}",
             f"Sampler: {d.sampler}, {d.chains} chains x {d.draws} draws ({d.tune} tune), {d.seconds:.0f} s"]
    if not fitted.approximate:
        lines.append(f"Max R-hat {d.max_rhat:.3f}; min bulk ESS {d.min_ess_bulk:.0f}; divergences {d.divergences}")
    if d.r2 is not None:
        lines.append(f"Fit: R² {d.r2:.3f}, MAPE {pct(d.mape, 1)}, 90% interval covers {pct(d.coverage_90)} of weeks")
    if d.holdout:
        h = d.holdout
        lines.append(f"Holdout ({h['weeks']} weeks): R² {h['r2']:.3f}, MAPE {pct(h['mape'], 1)}")
    lines.append(f"Training weeks: {fitted.train_weeks} of {fitted.dataset.n_weeks}")
    if plan is not None:
        s = getattr(plan, "summary", {}) or {}
        if s:
            lines.append(f"Plan: {s.get('weeks')} weeks, bounds {s.get('bounds')}, horizon {s.get('horizon')}, "
                         f"objective {s.get('objective')}")
    for k, v in skipped.items():
        lines.append(f"Not in this report: {k} ({v})")
    return lines


# ---------------------------------------------------------------------- HTML


def _write_html(fitted: Any, path: Path, images: list, *, plan: Any, split: Any, weeks: int, budget: float | None,
                title: str | None) -> Path:
    u = units_of(fitted)
    esc = _html.escape
    main = title or f"Media mix model: {u.kpi_word}"
    pts = summary_points(fitted, plan=plan, split=split, weeks=weeks, budget=budget)
    heads = summary_headings(fitted, weeks)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(main)}</title>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;"
             "color:#111}h1{font-size:2em}h2{margin-top:1.6em}img{width:100%;height:auto;border:1px solid #eee}"
             ".grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}.box{background:#f7f7f7;padding:0.8em 1em;"
             "border-radius:6px}.box h3{color:#555;margin:0.2em 0}.big{font-size:2.2em;font-weight:bold;color:#2e7d32}.approx{color:#c62828;font-weight:bold}"
             "pre{background:#f7f7f7;padding:1em;overflow:auto}table{border-collapse:collapse}"
             "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}</style></head><body>",
             f"<h1>{esc(main)}</h1>",
             f"<p>{esc(fitted.spec.kpi.column)} ({esc(u.kpi_word)}), {esc(period_text(fitted.dataset.dates))}. "
             f"Generated {_dt.date.today().isoformat()}.</p>"]
    if fitted.approximate:
        parts.append("<p class='approx'>APPROXIMATE FIT (ADVI): for iterating only; refit with NUTS before "
                     "reporting.</p>")
    parts.append("<h2>Executive summary</h2><div class='grid'>")
    for key in ("decomposition", "returns", "plan", "split"):
        block = pts[key]
        items = "".join(f"<li>{esc(t)}</li>" for t in block["lines"])
        parts.append(f"<div class='box'><h3>{esc(heads[key])}</h3><p><span class='big'>{esc(block['big'])}</span> "
                     f"{esc(block['caption'])}</p><ul>{items}</ul></div>")
    parts.append("</div>")
    for chart, takeaway, png, _ in images:
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{esc(takeaway)}</h2><img alt='{esc(takeaway)}' src='data:image/png;base64,{b64}'>")
        if chart.notes:
            parts.append(f"<p>{esc(chart.notes)}</p>")
    table = fitted.channel_summary().round(3).to_html(index=False, border=0)
    parts.append(f"<h2>Channel summary</h2>{table}")
    if plan is not None:
        parts.append(f"<h2>Budget plan</h2>{getattr(plan, 'table', plan).round(2).to_html(index=False, border=0)}")
    parts.append(f"<h2>Model settings</h2><pre>{esc(fitted.summary_text())}</pre>"
                 f"<pre>{esc(fitted.spec.to_yaml())}</pre></body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path
