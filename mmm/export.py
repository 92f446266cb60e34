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

from mmm.atomic import atomic_path, write_text_atomic
from mmm.claims import annotate_curves, plan_claim, prob_text, roas_claim, split_claim
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
from mmm.plots.style import (
    Caution,
    caution_of,
    ensure_caution,
    hide_takeaway,
    label,
    pct,
    takeaway_of,
    units_of,
)

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
REVIEW_AMBER = (0xB3, 0x58, 0x06)
NEGATIVE_RED = (0xB2, 0x3B, 0x2E)
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
              curves: Any, skipped: dict[str, str],
              plan_options: dict[str, Any] | None = None) -> tuple[Any, Any, Any, float | None]:
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
            plan = planning.optimize_budget(fitted, budget, weeks=weeks, bounds=bounds, **(plan_options or {}))
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
                horizon = (plan_options or {}).get("horizon")
                split = brand_split(fitted, budget, weeks=weeks, **({"horizon": horizon} if horizon else {}))
            except ImportError as exc:
                skipped["brand_split"] = f"split module unavailable ({exc})"
            except MMMError as exc:
                skipped["brand_split"] = str(exc)
    return curves, plan, split, budget


def _chart_list(fitted: Any, curves: Any, plan: Any, split: Any, weeks: int) -> list[ChartSpec]:
    caution = caution_of(fitted)
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
                                                             approximate=caution),
                                f"Expected KPI over {weeks} weeks at each weekly spend level (90% band). Dot: "
                                "current spend; diamond: recommended spend."))
        charts.append(ChartSpec("06_marginal_roas",
                                lambda: plot_marginal_roas(curves, units=fitted, approximate=caution),
                                "Return on the next unit of spend at current spend, with 90% interval."))
    charts.append(ChartSpec("07_carryover", lambda: plot_carryover(fitted),
                            "Share of a week's spend effect landing in each following week (median, 90% band)."))
    if plan is not None:
        charts.append(ChartSpec("08_budget_plan",
                                lambda: plot_plan(plan, units=fitted, weeks=weeks, approximate=caution),
                                "Current vs recommended weekly spend per channel and the expected KPI of both "
                                "plans with 90% intervals."))
    if split is not None:
        charts.append(ChartSpec("09_brand_split",
                                lambda: plot_split(split, units=fitted, approximate=caution),
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
                 split: Any = None, curves: Any = None, dpi: int = PNG_DPI, title: str | None = None,
                 plan_options: dict[str, Any] | None = None,
                 keep_figures: bool = False) -> dict:
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
    plan_options : dict, optional
        Further arguments of :func:`mmm.planning.optimize_budget` for the plan made here
        (``objective``, ``horizon``, ``win_rate``, ``avg_deal_size`` ...); ``horizon`` also
        applies to the brand split.
    keep_figures : bool
        Return the matplotlib figures too (``figures``: {chart name: Figure}, and
        ``"onepager"``), e.g. to inspect them; by default they are dropped once saved.

    Returns
    -------
    dict
        ``outdir``, ``charts`` ({name: {"png": path, "svg": path}}), ``titles`` ({name:
        takeaway}), ``pptx``, ``html``, ``onepager`` (paths or None), ``slides`` (slide
        titles in order), ``skipped`` ({part: reason}), ``plan``, ``split``, ``curves``
        (with the ranking probabilities of :func:`mmm.claims.annotate_curves`), ``budget``,
        ``watermark`` (the mark on every chart, slide and the one-pager, or None: see
        :func:`mmm.health.watermark_text`) and ``figures``.

    Notes
    -----
    Every takeaway and summary line is gated by the posterior (:mod:`mmm.claims`): a single
    best channel is named only with at least 90% probability, and otherwise the channels the
    data cannot tell apart are named. A fit that is not fit to present (not converged, FAST,
    APPROXIMATE, or health ``review`` / ``do not use``) carries its watermark on every chart,
    every slide and the one-pager, and the title slide shows the model health with its top
    warnings.
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
                                                split=split, curves=curves, skipped=skipped,
                                                plan_options=plan_options)
        if curves is not None and "prob_highest_marginal_roas" not in curves.columns:
            try:  # ranking probabilities from the posterior, so the curve charts' titles follow the evidence
                curves = annotate_curves(curves, fitted)
            except (MMMError, ValueError, KeyError) as exc:
                skipped["ranking_probabilities"] = f"{type(exc).__name__}: {exc}"
    caution = caution_of(fitted)
    result: dict[str, Any] = {"outdir": out, "charts": {}, "titles": {}, "pptx": None, "html": None,
                              "onepager": None, "slides": [], "skipped": skipped, "plan": plan, "split": split,
                              "curves": curves, "budget": budget, "figures": {},
                              "watermark": caution.mark if caution is not None else None}
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
        ensure_caution(fig, caution)  # every chart carries the fit's watermark, whatever drew it
        result["figures"][chart.name] = fig
        takeaway = takeaway_of(fig)
        result["titles"][chart.name] = takeaway
        paths = {}
        if "png" in fmts:
            paths["png"] = out / "charts" / f"{chart.name}.png"
            with atomic_path(paths["png"]) as tmp:
                fig.savefig(tmp, dpi=dpi, pil_kwargs={"compress_level": 3})
        if "svg" in fmts:
            paths["svg"] = out / "charts" / f"{chart.name}.svg"
            with atomic_path(paths["svg"]) as tmp:
                fig.savefig(tmp)
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
        if not keep_figures:
            del result["figures"][chart.name]
        del fig
    if "png" in fmts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            one = plot_onepager(fitted, curves=curves, plan=plan, weeks=weeks, approximate=caution)
            result["onepager"] = out / "onepager.png"
            if keep_figures:
                result["figures"]["onepager"] = one
            with atomic_path(result["onepager"]) as tmp:
                one.savefig(tmp, dpi=ONEPAGER_DPI, pil_kwargs={"compress_level": 3})
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
    headline number), ``interval`` (its 90% interval, e.g. "90%: -2.1% to +4.4%", or ""),
    ``caption`` (what it is, with the evidence for it), ``lines`` (short supporting lines)
    and ``tone``: ``"strong"`` only for a headline the posterior supports with at least 90%
    probability (drawn in the house green), else ``"neutral"`` (or ``"negative"`` for a plan
    that loses). Wording follows the KPI type (no "revenue" on a pipeline model), and every
    ranking is gated by the posterior (:mod:`mmm.claims`): a best channel is named only with
    at least 90% probability.
    """
    from mmm.analysis import total_media
    from mmm.claims import contribution_claim

    u = units_of(fitted)
    word = u.kpi_word
    cs = fitted.channel_summary()
    total_kpi = float(np.sum(fitted.train.kpi))
    tm = total_media(fitted)
    media_share = tm["mean"] / total_kpi if total_kpi else float("nan")
    top = cs.sort_values("contribution_mean", ascending=False).head(3)
    contrib = contribution_claim(fitted) if len(cs) > 1 else None
    dec = {"big": pct(media_share),
           "interval": f"90%: {pct(tm['hdi_low'] / total_kpi)} to {pct(tm['hdi_high'] / total_kpi)}"
           if total_kpi else "",
           "caption": f"of {word} came from paid media", "tone": "neutral",
           "lines": [f"{u.kpi(tm['mean'])} (90%: {u.kpi(tm['hdi_low'], unit=False)} to {u.kpi(tm['hdi_high'], unit=False)}), "
                     f"{period_text(fitted.train.dates)}"]
           + ([contrib.sentence] if contrib is not None else [])
           + ["Shares of " + word + ": " + ", ".join(f"{label(r.channel)} {pct(r.share_of_kpi)}"
                                                      for r in top.itertuples()),
              f"The rest ({pct(1 - media_share)}): baseline, seasonality, events, controls"]}

    # ---- returns: a best channel only with >= 90% probability
    rt = return_table(cs, u)
    claim = roas_claim(cs if "prob_highest_roas" in cs.columns else fitted, u)
    probs = claim.probs
    rows = rt.set_index("channel")
    shown = list(dict.fromkeys([*claim.tied, *rt["channel"]]))[:max(3, min(len(claim.tied), 4))]

    def fmt(v: float) -> str:
        return (u.money(v) if np.isfinite(v) else "n/a") if u.return_is_cost else u.ratio(v)

    best_word = "lowest" if u.return_is_cost else "highest"
    lines = []
    for c in shown:
        r = rows.loc[c]
        line = f"{label(c)}: {fmt(r.value)}{' per lead' if u.return_is_cost else ''} (90%: {fmt(r.low)} to {fmt(r.high)})"
        if c in probs:
            line += f", {prob_text(probs[c])} chance it is the {best_word}"
        lines.append(line)
    if "value_roas_mean" in cs.columns:
        worth = cs.set_index("channel")
        lines.append("Revenue ROAS (kpi.value_per_unit): " + ", ".join(
            f"{label(c)} {u.ratio(worth.loc[c, 'value_roas_mean'])}" for c in shown))
    per = "per lead" if u.return_is_cost else f"{word} per {u.per_unit}"
    if claim.confident and len(rt) > 1:
        r = rows.loc[claim.winner]
        sure = f" ({prob_text(claim.probability)} probability)" if np.isfinite(claim.probability) else ""
        ret = {"big": fmt(r.value), "interval": f"90%: {fmt(r.low)} to {fmt(r.high)}",
               "caption": f"{per} on {label(claim.winner)}, the {best_word}{sure}", "tone": "strong", "lines": lines}
    elif len(rt) > 1:
        vals = sorted(float(rows.loc[c, "value"]) for c in claim.tied)
        big = f"{fmt(vals[0])}-{fmt(vals[-1])}"
        names = _join_names([label(c) for c in claim.tied]) if len(claim.tied) <= 3 else f"{len(claim.tied)} channels"
        which = "lower" if u.return_is_cost and len(claim.tied) == 2 else (
            "higher" if len(claim.tied) == 2 else best_word)
        ret = {"big": big, "interval": "", "tone": "neutral", "lines": lines,
               "caption": f"{'cost per lead' if u.return_is_cost else per} on {names}: the data cannot tell which "
                          f"is {which}"}
    else:
        r = rt.iloc[0]
        ret = {"big": fmt(r.value), "interval": f"90%: {fmt(r.low)} to {fmt(r.high)}",
               "caption": f"{per} on {label(r.channel)}", "tone": "neutral", "lines": lines}

    # ---- plan: the uplift with its interval and the evidence for the new mix
    pl: dict[str, Any] = {"big": "n/a", "interval": "", "caption": "no budget plan in this report", "lines": [],
                          "tone": "neutral"}
    if plan is not None:
        t = plan_totals(plan)
        tab = getattr(plan, "table", plan)
        b = budget if budget is not None else t.get("budget")
        pc = plan_claim(plan)
        if t["uplift"] is not None and pc is not None:
            up = t["uplift"]
            pl["big"] = pc.big or f"{'+' if up[0] >= 0 else '-'}{u.kpi(abs(up[0]))}"
            pl["interval"] = pc.interval
            now = _current_spend(plan)
            if b is not None and np.isfinite(b) and np.isfinite(now) and abs(b - now) > 0.005 * max(now, 1.0):
                same = f"at {u.money(b)} vs today's {u.money(now)}"
            else:
                same = f"same budget ({u.money(b)})" if b is not None and np.isfinite(b) else "same budget"
            more = "more" if up[0] >= 0 else "less"
            if pc.evidence in ("strong", "moderate", "weak") and np.isfinite(pc.probability):
                ev_text = f"{pc.evidence} evidence: {prob_text(pc.probability)} chance it beats today's mix"
            else:
                ev_text = "the recommended mix is today's mix" if pc.evidence == "no change" else ""
            pl["caption"] = f"{more} {word}, {same}" + (f"; {ev_text}" if ev_text else "")
            pl["tone"] = "strong" if pc.confident else ("negative" if up[0] < 0 else "neutral")
            gain = f"{'+' if up[0] >= 0 else '-'}{u.kpi(abs(up[0]))}"
            if np.isfinite(up[1]) and np.isfinite(up[2]):
                gain += f" (90%: {u.kpi(up[1], unit=False)} to {u.kpi(up[2], unit=False)})"
            pl["lines"].append(f"Expected gain {gain}")
            ev = (getattr(plan, "summary", {}) or {}).get("evidence") or {}
            if ev.get("strength") in ("moderate", "weak") and ev.get("test_channels"):
                pl["lines"].append("Not settled: lift-test " + " and ".join(label(c) for c in ev["test_channels"])
                                   + " before moving budget")
        pl["lines"] += economics_lines(plan, u)
        d = tab.assign(delta=tab["recommended_weekly"] - tab["current_weekly"])
        ups = [f"{label(r.channel)} +{pct(r.delta / r.current_weekly)}" for r in
               d.sort_values("delta", ascending=False).itertuples() if r.delta > 0 and r.current_weekly > 0][:3]
        downs = [f"{label(r.channel)} -{pct(-r.delta / r.current_weekly)}" for r in
                 d.sort_values("delta").itertuples() if r.delta < 0 and r.current_weekly > 0][:3]
        if ups or downs:
            pl["lines"].append("Shift: " + ", ".join(ups + downs))

    # ---- brand split: the posterior range of the best share, and the direction of change
    sp: dict[str, Any] = {"big": "n/a", "interval": "", "caption": "no brand vs performance split in this report",
                          "lines": [], "tone": "neutral"}
    if split is not None:
        s = split_summary(split)
        sc = split_claim(split)
        rng = s["share_range"]
        if np.isfinite(sc.best):
            if sc.confident:
                where = "above" if sc.direction == "more brand" else "below"
                sure = (f"{prob_text(max(sc.prob_more_brand, 1 - sc.prob_more_brand))} probability it is {where} "
                        if np.isfinite(sc.prob_more_brand) else f"its 90% range is {where} ")
                sp.update(big=pct(sc.best), interval=sc.interval_text, tone="strong",
                          caption=f"best brand share of budget ({sc.interval_text}), {sure}today's {pct(sc.current)}")
            elif np.isfinite(sc.low):
                sp.update(big=f"{pct(sc.low)}-{pct(sc.high)}", interval="90%",
                          caption="best brand share: the data cannot tell it"
                                  + (f" from today's {pct(sc.current)}" if np.isfinite(sc.current) else ""))
            else:
                sp.update(big=pct(sc.best), caption="best brand share on the mean curve; the data cannot tell how "
                                                    "sure this is")
            mean_line = f"Mean curve peaks at {pct(sc.best)}"
            if rng:
                mean_line += f" (within {pct(s['tolerance']) if np.isfinite(s['tolerance']) else '2%'} of it: " \
                             f"{pct(rng[0])} to {pct(rng[1])})"
            if np.isfinite(s["current_share"]):
                mean_line += f"; today {pct(s['current_share'])}"
            sp["lines"].append(mean_line)
            if not sc.confident and np.isfinite(sc.prob_more_brand):
                sp["lines"].append(f"{prob_text(sc.prob_more_brand)} chance brand should get more than today")
        if s["norms"]:
            sp["lines"].append("Published norms: " + ", ".join(f"{k} {pct(v)}" for k, v in s["norms"].items()))
        sp["lines"].append("A weekly model misses brand's long-term effect: read this share as a lower bound.")
    return {"decomposition": dec, "returns": ret, "plan": pl, "split": sp}


def _current_spend(plan: Any) -> float:
    """Today's spend over the plan's period (its ``current`` block), or NaN."""
    cur = ((getattr(plan, "summary", None) or {}).get("current") or {})
    return float(cur.get("total_spend", float("nan")))


def economics_lines(plan: Any, units: Any) -> list[str]:
    """Lead-gen economics of the recommended plan (win rate, deal size), one short line each."""
    eco = (((getattr(plan, "summary", None) or {}).get("recommended") or {}).get("economics") or {})
    u = units_of(units)
    out = []
    if "expected_revenue" in eco and "win_rate" in eco:
        r = eco["expected_revenue"]
        out.append(f"At a {pct(eco['win_rate'])} win rate: expected revenue {u.money(r['mean'])} "
                   f"(90%: {u.money(r['hdi_low'])} to {u.money(r['hdi_high'])})")
    for key, what in (("cost_per_opportunity", "opportunity"), ("cost_per_deal_won", "deal won")):
        if key in eco:
            c = eco[key]
            out.append(f"Cost per {what}: {u.money(c['value'])} (90%: {u.money(c['low'])} to {u.money(c['high'])})")
    return out


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
    run.font.size = Pt(size if len(text) <= 70 else (size - 4 if len(text) <= 125 else size - 8))
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


def _runs_textbox(slide: Any, box: tuple[float, float, float, float], paragraphs: list[list[tuple[str, dict]]]) -> Any:
    """A text box whose paragraphs are made of runs of different sizes and colours."""
    from pptx.util import Inches, Pt
    tb = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = tb.text_frame
    tf.word_wrap = True
    for i, runs in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        for text, fmt in runs:
            run = p.add_run()
            run.text = text
            run.font.size = Pt(fmt.get("size", 16))
            run.font.bold = fmt.get("bold", False)
            run.font.color.rgb = _rgb(fmt.get("color", DARK))
    return tb


def _accent(slide: Any, x: float, y: float, w: float = 1.4) -> None:
    """A short green bar (the house accent) above a title."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(0.09))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(GREEN)
    bar.line.fill.background()


#: Colour of a summary block's headline number by its tone (see :func:`summary_points`).
TONE_COLORS = {"strong": GREEN, "neutral": DARK, "negative": NEGATIVE_RED}
#: Colour of the model-health word on the title slide.
HEALTH_COLORS = {"ok": GREEN, "review": REVIEW_AMBER, "do not use": APPROX_RED}


def _caution_rgb(caution: Caution) -> tuple[int, int, int]:
    h = caution.color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _set_alpha(run: Any, alpha: float) -> None:
    """Make a text run's solid colour translucent (python-pptx has no API for it)."""
    from pptx.oxml.ns import qn

    rpr = run._r.get_or_add_rPr()
    clr = rpr.find(qn("a:solidFill")).find(qn("a:srgbClr"))
    el = clr.makeelement(qn("a:alpha"), {"val": str(int(round(alpha * 100000)))})
    clr.append(el)


def _caution_tag(slide: Any, caution: Caution) -> None:
    """The mark as a small filled label in the slide's top right corner (every slide)."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    w = 0.3 + 0.12 * len(caution.mark)
    tag = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(SLIDE_W - w - 0.25), Inches(0.02), Inches(w),
                                 Inches(0.26))
    tag.name = "mmm watermark tag"
    tag.fill.solid()
    tag.fill.fore_color.rgb = _rgb(_caution_rgb(caution))
    tag.line.fill.background()
    tf = tag.text_frame
    tf.margin_top = tf.margin_bottom = Inches(0.02)
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.CENTER
    run = p.add_run()
    run.text = caution.mark
    run.font.size = Pt(11)
    run.font.bold = True
    run.font.color.rgb = _rgb((0xFF, 0xFF, 0xFF))


def _caution_mark(slide: Any, caution: Caution) -> None:
    """A large faint diagonal mark across the slide, as on the charts."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    tb = slide.shapes.add_textbox(Inches(0.4), Inches(2.45), Inches(SLIDE_W - 0.8), Inches(2.6))
    tb.name = "mmm watermark"
    tb.rotation = -25.0
    tf = tb.text_frame
    tf.word_wrap = False
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.CENTER
    run = p.add_run()
    run.text = caution.mark
    run.font.size = Pt(min(110, int(760 / max(len(caution.mark), 6))))
    run.font.bold = True
    run.font.color.rgb = _rgb(_caution_rgb(caution))
    _set_alpha(run, 0.13)


def _caution_footer(slide: Any, caution: Caution) -> None:
    tb = _textbox(slide, (0.45, 7.02, 12.4, 0.42), [(caution.note, {"size": 12, "bold": True,
                                                                    "color": _caution_rgb(caution)})])
    tb.name = "mmm watermark note"


def _mark_slide(slide: Any, caution: Caution | None, *, picture: bool = False) -> None:
    """The fit's watermark on a slide: a tag on every slide; on slides without a chart image
    (which carries its own diagonal mark and footer) also the diagonal mark and the footer note."""
    if caution is None:
        return
    if not picture:
        _caution_mark(slide, caution)
        _caution_footer(slide, caution)
    _caution_tag(slide, caution)


def health_summary(fitted: Any, caution: Caution | None = None, top: int = 3) -> tuple[str, list[str]]:
    """The model-health word for the title slide (``ok``, ``review``, ``do not use``) and its top warnings.

    A fit that is not converged, FAST or APPROXIMATE is ``do not use`` whatever its checks say.
    Warnings: the watermark's sentence, then error checks, then warning checks (messages from
    ``diagnostics.checks``), at most ``top`` of them.
    """
    d = fitted.diagnostics
    caution = caution_of(fitted) if caution is None else caution
    health = str(getattr(d, "health", None) or "ok")
    not_fit = caution is not None and caution.mark in ("APPROXIMATE", "FAST MODE", "DO NOT USE")
    if not_fit or not getattr(d, "converged", True):
        health = "do not use"
    elif caution is not None and caution.mark == "REVIEW" and health == "ok":
        health = "review"
    out: list[str] = []
    if caution is not None and caution.mark != "REVIEW":
        out.append(caution.note)
    if not getattr(d, "converged", True) and not getattr(d, "approximate", False):
        out.append(f"Sampling: {d.verdict}")
    checks = [c for c in getattr(d, "checks", None) or [] if isinstance(c, dict)]
    for level in ("error", "warning"):
        for c in checks:
            if c.get("level") == level and c.get("message"):
                out.append(str(c["message"]))
    seen: list[str] = []
    for line in out:
        if not any(line in earlier for earlier in seen):  # a check already quoted by the watermark's sentence
            seen.append(line)
    return health, [x if len(x) <= 240 else x[:237].rstrip() + "..." for x in seen[:top]]


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

    caution = caution_of(fitted)
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    # 1. title slide: what was modelled, how it was fitted, and the model health in one word
    s = prs.slides.add_slide(prs.slide_layouts[0])
    main = title or f"Media mix model: {u.kpi_word}"
    _style_title(s.shapes.title, main, size=40, box=(0.8, 1.15, 11.7, 1.4))
    _accent(s, 0.8, 1.0)
    sub = s.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(2.65), Inches(11.7), Inches(1.3)
    sub.text_frame.clear()
    verdict = "approximate (ADVI)" if fitted.approximate else ("converged" if d.converged else "not converged")
    column = fitted.spec.kpi.column
    what = column if column.lower() == u.kpi_word else f"{column} ({u.kpi_word})"
    info = [f"Weekly {what}, {period}; {len(fitted.spec.channels)} channels",
            f"Bayesian MMM, {d.sampler} sampler {d.chains} x {d.draws} draws: {verdict}",
            f"Generated {_dt.date.today().isoformat()}"]
    for i, line in enumerate(info):
        p = sub.text_frame.paragraphs[0] if i == 0 else sub.text_frame.add_paragraph()
        p.alignment = PP_ALIGN.LEFT
        r = p.add_run()
        r.text = line
        r.font.size = Pt(18)
        r.font.color.rgb = _rgb(GREY)
    health, warns = health_summary(fitted, caution)
    h_lines = [(f"Model health: {health.upper()}", {"size": 28, "bold": True,
                                                    "color": HEALTH_COLORS.get(health, APPROX_RED)})]
    if health == "ok" and not warns:
        h_lines.append(("No check found a reason to hold these numbers back.", {"size": 15, "color": GREY,
                                                                                 "space": 4}))
    h_lines += [(f"• {w}", {"size": 14, "space": 4, "color": DARK}) for w in warns]
    _textbox(s, (0.8, 4.15, 11.7, 2.8), h_lines).name = "mmm model health"
    _mark_slide(s, caution)
    titles.append(main)

    # 2. executive summary: every headline with its 90% interval and the evidence for it
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _style_title(s.shapes.title, "Executive summary")
    titles.append("Executive summary")
    pts = summary_points(fitted, plan=plan, split=split, weeks=weeks, budget=budget)
    heads = summary_headings(fitted, weeks)
    boxes = {"decomposition": (0.5, 1.25), "returns": (6.85, 1.25), "plan": (0.5, 4.1), "split": (6.85, 4.1)}
    for key, (x, y) in boxes.items():
        block = pts[key]
        _textbox(s, (x, y, 6.0, 0.45), [(heads[key], {"size": 17, "bold": True, "color": GREY})])
        big = [(block["big"], {"size": 36, "bold": True, "color": TONE_COLORS.get(block.get("tone"), DARK)})]
        if block.get("interval"):
            big.append((f"  ({block['interval']})", {"size": 16, "bold": True, "color": GREY}))
        _runs_textbox(s, (x, y + 0.38, 6.0, 0.7), [big])
        _textbox(s, (x, y + 1.05, 6.0, 0.55), [(block["caption"], {"size": 14, "bold": True})])
        _textbox(s, (x, y + 1.62, 6.0, 1.2), [(t, {"size": 12, "space": 2}) for t in block["lines"]])
    _mark_slide(s, caution)
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
        _mark_slide(s, caution, picture=True)
        if chart.notes:
            s.notes_slide.notes_text_frame.text = chart.notes
        titles.append(text)

    for chart, takeaway, png, size in images:
        if not chart.appendix:
            chart_slide(chart, takeaway, png, size)

    # 4. what the data cannot tell yet, and the experiment that would settle it
    open_lines = open_questions(fitted, plan)
    if open_lines["tests"] or open_lines["limits"]:
        s = prs.slides.add_slide(prs.slide_layouts[5])
        head = ("What the data cannot tell yet, and the test that would settle it" if open_lines["tests"]
                else "What the data cannot tell yet")
        _style_title(s.shapes.title, head)
        titles.append(head)
        body: list[tuple[str, dict]] = []
        if open_lines["tests"]:
            body.append(("Recommended lift test" + ("s" if len(open_lines["tests"]) > 1 else ""),
                         {"size": 17, "bold": True, "color": GREY}))
            for sentence, entry in open_lines["tests"]:
                body.append((f"• {sentence}", {"size": 14, "space": 6}))
                body.append((f"  Afterwards add under lift_tests: {entry}", {"size": 11, "mono": True,
                                                                              "color": (0x33, 0x33, 0x33),
                                                                              "space": 2}))
        if open_lines["limits"]:
            body.append(("What the model cannot measure well from these data", {"size": 17, "bold": True,
                                                                                 "color": GREY, "space": 14}))
            body += [(f"• {t}", {"size": 13, "space": 4}) for t in open_lines["limits"]]
        _textbox(s, (0.5, 1.3, 12.3, 5.7), body).name = "mmm open questions"
        _mark_slide(s, caution)

    # 5. appendix
    s = prs.slides.add_slide(prs.slide_layouts[2])
    _style_title(s.shapes.title, "Appendix", size=40, box=(0.8, 2.6, 11.7, 1.2))
    _accent(s, 0.8, 2.45)
    body = s.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.8), Inches(3.9), Inches(11.7), Inches(1.2)
    body.text = "Sampler diagnostics and model settings, for the analyst"
    _mark_slide(s, caution)
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
    _mark_slide(s, caution)
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
    return path, titles


def open_questions(fitted: Any, plan: Any = None, limit: int = 4) -> dict[str, list]:
    """What the data cannot tell yet, and the experiments that would settle it.

    Returns ``tests``: ``(sentence, lift_tests entry)`` per recommended lift test in the plan
    (``plan.summary["tests"]``, :mod:`mmm.experiment`), and ``limits``: the health checks
    (warnings and errors) about what the model cannot measure well, at most ``limit``.
    """
    tests: list[tuple[str, str]] = []
    summary = getattr(plan, "summary", None) or {}
    if summary.get("tests"):
        from mmm.experiment import describe_test, lift_test_yaml

        tests = [(describe_test(t, summary), lift_test_yaml(t)) for t in summary["tests"]]
    about_data = ("prior_dominated", "confounded_with_season", "collinear_control", "exposure_as_spend",
                  "sparse_channel", "roas_outside_prior", "media_share", "negative_fit", "holdout_gap", "poor_fit")
    checks = getattr(fitted.diagnostics, "checks", []) or []
    limits = [c["message"] for c in checks if c["level"] in ("warning", "error") and c["id"] in about_data]
    return {"tests": tests, "limits": limits[:limit]}


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
             "border-radius:6px}.box h3{color:#555;margin:0.2em 0}.big{font-size:2.2em;font-weight:bold;color:#111}"
             ".big.strong{color:#2e7d32}.big.negative{color:#b23b2e}.iv{color:#555;font-weight:bold}"
             ".approx{font-weight:bold}.health{font-size:1.4em;font-weight:bold}"
             ".mark{position:fixed;top:40%;left:0;width:100%;text-align:center;transform:rotate(-25deg);"
             "font-size:9vw;font-weight:bold;opacity:0.12;pointer-events:none;z-index:10}"
             "pre{background:#f7f7f7;padding:1em;overflow:auto}table{border-collapse:collapse}"
             "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}</style></head><body>",
             f"<h1>{esc(main)}</h1>",
             f"<p>{esc(fitted.spec.kpi.column)} ({esc(u.kpi_word)}), {esc(period_text(fitted.dataset.dates))}. "
             f"Generated {_dt.date.today().isoformat()}.</p>"]
    caution = caution_of(fitted)
    if caution is not None:
        parts.append(f"<div class='mark' style='color:{caution.color}'>{esc(caution.mark)}</div>"
                     f"<p class='approx' style='color:{caution.color}'>{esc(caution.note)}</p>")
    health, warns = health_summary(fitted, caution)
    colour = "#{:02x}{:02x}{:02x}".format(*HEALTH_COLORS.get(health, APPROX_RED))
    parts.append(f"<p class='health' style='color:{colour}'>Model health: {esc(health.upper())}</p>")
    if warns:
        parts.append("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in warns) + "</ul>")
    parts.append("<h2>Executive summary</h2><div class='grid'>")
    for key in ("decomposition", "returns", "plan", "split"):
        block = pts[key]
        items = "".join(f"<li>{esc(t)}</li>" for t in block["lines"])
        iv = f" <span class='iv'>({esc(block['interval'])})</span>" if block.get("interval") else ""
        tone = esc(str(block.get("tone", "neutral")))
        parts.append(f"<div class='box'><h3>{esc(heads[key])}</h3><p><span class='big {tone}'>{esc(block['big'])}"
                     f"</span>{iv}<br>{esc(block['caption'])}</p><ul>{items}</ul></div>")
    parts.append("</div>")
    for chart, takeaway, png, _ in images:
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{esc(takeaway)}</h2><img alt='{esc(takeaway)}' src='data:image/png;base64,{b64}'>")
        if chart.notes:
            parts.append(f"<p>{esc(chart.notes)}</p>")
    questions = open_questions(fitted, plan)
    if questions["tests"] or questions["limits"]:
        parts.append("<h2>What the data cannot tell yet" + (", and the test that would settle it"
                                                           if questions["tests"] else "") + "</h2><ul>")
        parts += [f"<li>{esc(sentence)}<br><code>lift_tests: {esc(entry)}</code></li>"
                  for sentence, entry in questions["tests"]]
        parts += [f"<li>{esc(t)}</li>" for t in questions["limits"]]
        parts.append("</ul>")
    table = fitted.channel_summary().round(3).to_html(index=False, border=0)
    parts.append(f"<h2>Channel summary</h2>{table}")
    if plan is not None:
        parts.append(f"<h2>Budget plan</h2>{getattr(plan, 'table', plan).round(2).to_html(index=False, border=0)}")
    parts.append(f"<h2>Model settings</h2><pre>{esc(fitted.summary_text())}</pre>"
                 f"<pre>{esc(fitted.spec.to_yaml())}</pre></body></html>")
    write_text_atomic(path, "".join(parts))
    return path
