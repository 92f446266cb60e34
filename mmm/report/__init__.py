"""The report: every chart as PNG (300 dpi) and SVG, a PowerPoint deck, a one-pager, and an
optional self-contained HTML report, in one call (:func:`write_report`).

The package is split by job: :mod:`mmm.report.charts` (which charts; each drawn once and
saved for every format asked for), :mod:`mmm.report.summary` (the numbers and sentences the
deck and the HTML report show, from :mod:`mmm.analysis` and :mod:`mmm.claims`),
:mod:`mmm.report.deck` (PPTX) and :mod:`mmm.report.html`. The curves, plan and split come
from :func:`mmm.analysis.plan_inputs` unless given. :mod:`mmm.export` is the old name of this
package and keeps working.

Example
-------
>>> from mmm.report import write_report
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
    charts/13_backtest.png, .svg         out-of-sample accuracy and ROAS per fold (appendix; only with the
                                         results of `mmm backtest` in outdir/backtest/ or outdir/)
    report.pptx                          title, executive summary, one chart per slide, appendix
    onepager.png                         fit, decomposition, ROAS, response curves, plan
    report.html                          (with ``"html"`` in formats) images embedded
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mmm.analysis import default_budget, plan_inputs
from mmm.errors import MMMError
from mmm.plots.style import caution_of
from mmm.report import charts
from mmm.report.charts import (
    CHART_BOX,
    DECK_DPI,
    ONEPAGER_DPI,
    PNG_DPI,
    ChartSpec,
    RenderedChart,
    chart_list,
    funnel_charts,
    mediation_charts,
    render_charts,
    write_onepager,
)
from mmm.report.deck import HEALTH_COLORS, SLIDE_H, SLIDE_W, TONE_COLORS, write_deck
from mmm.report.html import write_html
from mmm.report.summary import (
    economics_lines,
    health_summary,
    open_questions,
    settings_lines,
    summary_headings,
    summary_points,
)

__all__ = [
    "CHART_BOX", "DECK_DPI", "FORMATS", "HEALTH_COLORS", "ONEPAGER_DPI", "PNG_DPI", "SLIDE_H", "SLIDE_W",
    "TONE_COLORS", "ChartSpec", "RenderedChart", "ReportError", "chart_list", "default_budget", "economics_lines",
    "funnel_charts", "health_summary", "mediation_charts", "open_questions", "parse_formats", "render_charts", "settings_lines",
    "summary_headings", "summary_points", "write_deck", "write_html", "write_onepager", "write_report",
]

FORMATS = ("pptx", "png", "svg", "html")


class ReportError(MMMError, ValueError):
    """A report request that cannot be met (unknown format, unwritable folder, ...)."""


def parse_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """The report formats asked for, in order, without repeats: ``"png,svg"`` -> ``("png", "svg")``.

    Raises
    ------
    ReportError
        For an unknown format, or none.
    """
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


def write_report(fitted: Any, outdir: str | Path, *, formats: Iterable[str] | str = ("pptx", "png", "svg"),
                 budget: float | None = None, weeks: int = 13, bounds: Any = "30%", plan: Any = None,
                 split: Any = None, curves: Any = None, dpi: int = PNG_DPI, title: str | None = None,
                 plan_options: dict[str, Any] | None = None,
                 keep_figures: bool = False, backtest: str | Path | bool | None = None) -> dict:
    """Write every chart, the deck, the one-pager and (optionally) an HTML report into ``outdir``.

    Parameters
    ----------
    fitted : FittedModel, MediatedFit or FunnelFit
        A :class:`~mmm.mediation.MediatedFit` is reported on its total (direct + indirect)
        effects, with two extra slides: direct vs total, and brand health. A
        :class:`~mmm.funnel.FunnelFit` is reported on its lead model, with two extra slides:
        what each channel's leads become, and the stage lags.
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
    backtest : path or bool, optional
        Results of ``mmm backtest`` to show in the appendix (:mod:`mmm.report.backtest`): a
        ``backtest.csv`` or the folder holding it. Default: ``outdir/backtest/backtest.csv``, else
        ``outdir/backtest.csv``, when there is one; ``False``: none.

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
    fmts = parse_formats(formats)
    out = Path(outdir)
    try:
        (out / "charts").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"Cannot create the report folder '{out}': {exc.strerror or exc}.") from None
    skipped: dict[str, str] = {}
    mediated = funnel = geo = None
    if hasattr(fitted, "leads") and hasattr(fitted, "stages"):
        # A lead-gen funnel fit: the lead model is planned and charted; extra slides show what each
        # channel's leads become and the sales-cycle lags.
        funnel, fitted = fitted, fitted.leads
    elif hasattr(fitted, "as_fitted"):
        # A brand-search mediation fit: plan, split and charts use TOTAL (direct + indirect)
        # effects; extra slides show direct vs total and the brand health signal.
        mediated, fitted = fitted, fitted.as_fitted("total")
    elif hasattr(fitted, "total_view") and hasattr(fitted, "panel"):
        # A geo (panel) fit: reported nationally (the geos summed), with a slide of returns by geo.
        geo, fitted = fitted, fitted.total_view()
    inputs = plan_inputs(fitted, budget=budget, weeks=weeks, bounds=bounds, plan=plan, split=split, curves=curves,
                         plan_options=plan_options, skipped=skipped)
    curves, plan, split, budget = inputs["curves"], inputs["plan"], inputs["split"], inputs["budget"]
    caution = caution_of(fitted)
    result: dict[str, Any] = {"outdir": out, "charts": {}, "titles": {}, "pptx": None, "html": None,
                              "onepager": None, "slides": [], "skipped": skipped, "plan": plan, "split": split,
                              "curves": curves, "budget": budget, "figures": {},
                              "watermark": caution.mark if caution is not None else None}
    specs = chart_list(fitted, curves, plan, split, weeks)
    if mediated is not None:
        specs[-1:-1] = mediation_charts(mediated)
    if funnel is not None:
        specs[-1:-1] = funnel_charts(funnel)
    if geo is not None:
        from mmm.report.geo import geo_charts
        specs[-1:-1] = geo_charts(geo)
    specs += _backtest_charts(fitted, out, backtest, skipped)
    fitted.channel_summary()  # cached on the fit before the chart workers fork: they and the deck share it
    fitted.components()  # the weekly decomposition, likewise: the fit, contribution and waterfall charts and
    # the one-pager all read it, and each worker would otherwise compute it again
    # each chart drawn once: PNG and SVG files, and a slide-sized image only when a deck or HTML is asked for;
    # the one-pager is drawn alongside them (in parallel where that is safe: see render_jobs)
    jobs = charts.chart_jobs(specs, out / "charts", png="png" in fmts, svg="svg" in fmts,
                             slides="pptx" in fmts or "html" in fmts, dpi=dpi)
    onepager = "png" in fmts and not keep_figures
    if onepager:
        jobs.append(charts.onepager_job(fitted, out, curves=curves, plan=plan, weeks=weeks, caution=caution))
    rendered = charts.render_jobs(jobs, caution=caution, deck_dpi=charts.DECK_DPI, keep_figures=keep_figures,
                                  skipped=skipped)
    if onepager and rendered and rendered[-1].name == "onepager":
        result["onepager"] = rendered.pop().files["png"]
    for chart in rendered:
        result["titles"][chart.name] = chart.takeaway
        result["charts"][chart.name] = chart.files
        if keep_figures:
            result["figures"][chart.name] = chart.figure
    if "png" in fmts and keep_figures:
        result["onepager"] = out / "onepager.png"
        one = write_onepager(fitted, result["onepager"], curves=curves, plan=plan, weeks=weeks, caution=caution,
                             dpi=charts.ONEPAGER_DPI)
        result["figures"]["onepager"] = one
    if "pptx" in fmts:
        result["pptx"], result["slides"] = write_deck(fitted, out / "report.pptx", rendered, plan=plan, split=split,
                                                      weeks=weeks, budget=budget, title=title, skipped=skipped)
    if "html" in fmts:
        result["html"] = write_html(fitted, out / "report.html", rendered, plan=plan, split=split, weeks=weeks,
                                    budget=budget, title=title)
    return result


def _backtest_charts(fitted: Any, out: Path, backtest: str | Path | bool | None,
                     skipped: dict[str, str]) -> list[ChartSpec]:
    """The backtest's appendix chart when its results are found (see ``write_report``'s ``backtest``);
    a table that cannot be shown is named in ``skipped``."""
    from mmm.report.backtest import FOLDS_FILE, backtest_charts, find_backtest

    if backtest is False:
        return []
    if backtest is None or backtest is True:
        source = find_backtest(out)
        if source is None:
            return []
    else:
        source = Path(backtest)
        source = source / FOLDS_FILE if source.is_dir() else source
    try:
        return backtest_charts(fitted, source)
    except (MMMError, OSError, ValueError) as exc:
        skipped["backtest"] = str(exc)
        return []
