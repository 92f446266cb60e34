"""Which charts the report holds, and rendering each figure once for every output that wants it.

Each chart is drawn and laid out once (from :mod:`mmm.plots`, given the numbers it shows), at
the PNG's resolution, and saved as PNG (``PNG_DPI``, written by :func:`mmm.plots.png.write_png`)
and SVG into ``charts/`` with that layout: one rendering per file, the same pixels and SVG
``savefig`` gives. The deck's and the HTML report's image of a chart is the PNG's pixels with
the takeaway's band cut off (the slide's title carries it), averaged 2 x 2 towards
``DECK_DPI``; a chart with something beside its title, or without PNG files, is laid out again
for the slide's chart area instead. A format that is not asked for is not rendered.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np

from mmm.analysis import split_summary
from mmm.atomic import atomic_path
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
from mmm.plots.png import lay_out, save_png, write_png
from mmm.plots.style import Caution, caution_of, ensure_caution, hide_takeaway, takeaway_of

#: Resolution of the PNG files in ``charts/`` (and of the one-pager: ``ONEPAGER_DPI``).
PNG_DPI = 300
ONEPAGER_DPI = 150
#: Resolution of the chart images inside the deck and the HTML report.
DECK_DPI = 160
#: Chart area on a chart slide (inches): the figure is re-laid out to exactly this size.
CHART_BOX = (0.0, 1.2, 13.333, 6.2)


@dataclass
class ChartSpec:
    """One chart of the report: file stem, slide section and how to draw it."""

    name: str
    draw: Callable[[], Any]
    notes: str = ""
    appendix: bool = False


@dataclass
class RenderedChart:
    """A chart drawn once: its takeaway, the files written and (for the deck and HTML) a slide-sized PNG."""

    spec: ChartSpec
    takeaway: str
    files: dict[str, Path] = field(default_factory=dict)
    image: bytes | None = None
    size: tuple[float, float] = (0.0, 0.0)
    figure: Any = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def notes(self) -> str:
        return self.spec.notes

    @property
    def appendix(self) -> bool:
        return self.spec.appendix


def chart_list(fitted: Any, curves: Any, plan: Any, split: Any, weeks: int) -> list[ChartSpec]:
    """The report's charts, in order, for what is available (curves, plan and split may be ``None``)."""
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


def mediation_charts(mediated: Any) -> list[ChartSpec]:
    """The two extra charts of a brand-search mediation fit: direct vs total, and brand health."""
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


def funnel_charts(funnel: Any) -> list[ChartSpec]:
    """The two extra charts of a lead-gen funnel fit: what each channel's leads become, and the
    sales-cycle lag of every later stage."""
    from mmm.funnel import plot_channel_funnel, plot_lags

    return [
        ChartSpec("11_channel_funnel", lambda: plot_channel_funnel(funnel),
                  "Per channel: the last funnel stage its leads create (landed inside the data, darker, and "
                  "eventually), with 90% intervals, and its cost per unit. Plans and the brand split in this "
                  "report optimise leads."),
        ChartSpec("12_stage_lags", lambda: plot_lags(funnel),
                  "Weeks from one funnel stage to the next: the share landing each week after the earlier "
                  "stage, with 90% intervals and the mean lag marked."),
    ]


#: Set ``MMM_REPORT_WORKERS=1`` to render in this process only (default: one worker per core, up to 4).
WORKERS_ENV = "MMM_REPORT_WORKERS"


@dataclass(frozen=True)
class RenderJob:
    """One figure to draw and the files to save it as: ``folder/<name>.png`` at ``dpi`` (``png``),
    ``.svg`` (``svg``) and a slide-sized PNG kept in memory (``slides``)."""

    spec: ChartSpec
    folder: Path
    png: bool
    svg: bool
    slides: bool
    dpi: int = PNG_DPI


def chart_jobs(charts: list[ChartSpec], folder: Path, *, png: bool, svg: bool, slides: bool,
               dpi: int = PNG_DPI) -> list[RenderJob]:
    """The same saving options for every chart of ``charts``."""
    return [RenderJob(c, folder, png, svg, slides, dpi) for c in charts]


def render_charts(charts: list[ChartSpec], folder: Path, *, caution: Caution | None, png: bool, svg: bool,
                  slides: bool, dpi: int = PNG_DPI, deck_dpi: int | None = None, keep_figures: bool = False,
                  skipped: dict[str, str] | None = None, workers: int | None = None) -> list[RenderedChart]:
    """Draw each chart once; save it as ``folder/<name>.png`` (``png``, at ``dpi``) and ``.svg`` (``svg``);
    with ``slides`` also keep a PNG of it laid out for the deck's chart area (``deck_dpi``).

    A chart that cannot be drawn (:class:`~mmm.errors.MMMError`, ``ValueError``, ``KeyError``)
    is left out with its reason in ``skipped``. Every chart carries the fit's watermark
    (``caution``). With ``keep_figures`` each result keeps its figure; otherwise it is dropped
    once saved. Charts are drawn in parallel worker processes where that is safe (see
    :func:`render_jobs`).
    """
    return render_jobs(chart_jobs(charts, folder, png=png, svg=svg, slides=slides, dpi=dpi), caution=caution,
                       deck_dpi=deck_dpi, keep_figures=keep_figures, skipped=skipped, workers=workers)


def render_jobs(jobs: list[RenderJob], *, caution: Caution | None, deck_dpi: int | None = None,
                keep_figures: bool = False, skipped: dict[str, str] | None = None,
                workers: int | None = None) -> list[RenderedChart]:
    """Render ``jobs`` (in order); see :func:`render_charts`.

    Drawing and saving a chart is single-threaded matplotlib work, so on a machine with several
    cores the jobs are shared among forked worker processes (``workers``, default one per core
    up to 4, or ``MMM_REPORT_WORKERS``); each worker writes its files and sends back the takeaway
    and the slide image. This happens only where forking is safe: on Linux, without
    ``keep_figures`` (figures stay in the process that drew them) and with no JAX runtime loaded
    (a notebook that has just fitted: JAX's threads make ``fork`` unsafe). Otherwise, and when a
    pool cannot be started, the jobs run here one after another: the same files either way.
    """
    skipped = {} if skipped is None else skipped
    deck_dpi = DECK_DPI if deck_dpi is None else deck_dpi
    n = _workers(workers, len(jobs), keep_figures)
    outcomes = None
    if n > 1:
        _warm_up()
        outcomes = _render_in_pool(jobs, caution, deck_dpi, n)
    if outcomes is None:
        outcomes = [_render(job, caution, deck_dpi, keep_figures) for job in jobs]
    out: list[RenderedChart] = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, str):
            skipped[job.spec.name] = outcome
            continue
        takeaway, files, image, size, figure = outcome
        out.append(RenderedChart(job.spec, takeaway, files=files, image=image, size=size, figure=figure))
    return out


def _workers(asked: int | None, n_jobs: int, keep_figures: bool) -> int:
    """How many worker processes to render ``n_jobs`` charts with (1: in this process)."""
    import os
    import sys

    if asked is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        asked = int(env) if env.isdigit() else min(os.cpu_count() or 1, 4)
    if keep_figures or sys.platform != "linux" or "jax" in sys.modules:
        return 1
    return max(1, min(asked, n_jobs))


def _warm_up() -> None:
    """Before forking: import the SVG backend and load the house fonts (regular and bold) in this
    process, so that every worker inherits them instead of loading them again."""
    import matplotlib.backends.backend_svg  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from mmm.plots.style import house_style

    with house_style():
        fig = Figure(figsize=(2, 1))
        ax = fig.add_subplot()
        ax.set_title("Warm-up 0.5", fontweight="bold")
        ax.set_xlabel("$1.2M")
        FigureCanvasAgg(fig).draw()


#: (jobs, caution, deck_dpi) of the pool being run: forked workers inherit it (charts are closures).
_POOL_JOBS: tuple[list[RenderJob], Caution | None, int] | None = None

_Outcome = tuple[str, dict[str, Path], bytes | None, tuple[float, float], Any] | str


def _render_in_pool(jobs: list[RenderJob], caution: Caution | None, deck_dpi: int,
                    n: int) -> list[_Outcome] | None:
    """Render ``jobs`` in ``n`` forked processes; ``None`` when no pool can be started."""
    import multiprocessing

    global _POOL_JOBS
    _POOL_JOBS = (jobs, caution, deck_dpi)
    try:
        # the slowest charts first, so that no worker is left with a long one at the end
        order = sorted(range(len(jobs)), key=lambda i: -_cost(jobs[i]))
        import gc

        gc.freeze()  # the workers' garbage collector leaves the inherited objects alone: fewer pages copied
        try:
            pool = multiprocessing.get_context("fork").Pool(n)
        except (OSError, ValueError):
            gc.unfreeze()
            return None
        try:
            with pool:
                done = pool.map(_render_at, order, chunksize=1)
        finally:
            gc.unfreeze()
        outcomes: list[_Outcome] = [""] * len(jobs)
        for i, outcome in zip(order, done, strict=True):
            outcomes[i] = outcome
        return outcomes
    finally:
        _POOL_JOBS = None


#: Rough relative cost of drawing and saving a chart, by a part of its name (others: 1); measured as CPU
#: seconds per chart on the ecommerce sample (a plain chart with its SVG and slide image: 1.5).
_COSTS = {"diagnostics": 2.6, "onepager": 3.9, "carryover": 1.8, "response_curves": 1.5, "contributions": 1.2}


def _cost(job: RenderJob) -> float:
    """A rough relative cost of rendering ``job`` (the trace plots, the one-pager and the small-multiple
    charts are the big ones), measured as CPU seconds per chart on the bundled samples."""
    name = job.spec.name
    base = next((c for part, c in _COSTS.items() if part in name), 1.0)
    return base * (1.0 + 0.4 * job.svg + 0.1 * job.slides)


def _render_at(index: int) -> _Outcome:
    """Worker side of :func:`_render_in_pool`: render job ``index`` of the inherited job list."""
    assert _POOL_JOBS is not None, "render workers must be forked from render_jobs"
    jobs, caution, deck_dpi = _POOL_JOBS
    return _render(jobs[index], caution, deck_dpi, keep_figure=False)


def _render(job: RenderJob, caution: Caution | None, deck_dpi: int, keep_figure: bool) -> _Outcome:
    """Draw one chart and save it as ``job`` says: (takeaway, files, slide image, its size, figure or
    None), or the reason it could not be drawn."""
    chart = job.spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fig = chart.draw()
        except (MMMError, ValueError, KeyError) as exc:
            return f"{type(exc).__name__}: {exc}"
        ensure_caution(fig, caution)  # every chart carries the fit's watermark, whatever drew it
        files: dict[str, Path] = {}
        engine = fig.get_layout_engine()
        pixels = None
        if job.png:
            files["png"] = job.folder / f"{chart.name}.png"
            # laid out once, at the PNG's resolution as savefig would: the PNG and the SVG are then drawn
            # once each with those positions (savefig would draw the figure once more for each file to
            # run the layout engine first)
            lay_out(fig, job.dpi)
            with atomic_path(files["png"]) as tmp:
                pixels = write_png(fig, tmp, job.dpi)
        if job.svg:
            files["svg"] = job.folder / f"{chart.name}.svg"
            with atomic_path(files["svg"]) as tmp, mpl.rc_context({"svg.hashsalt": chart.name}):
                fig.savefig(tmp, metadata={"Date": None})  # the same chart gives the same file
        image, size = None, (0.0, 0.0)
        takeaway = takeaway_of(fig)
        slide = None
        if job.slides and pixels is not None:
            slide = _slide_from_pixels(fig, pixels, job.dpi, deck_dpi)
        if engine is not None:
            fig.set_layout_engine(engine)
        if slide is not None:
            image, size = slide
        elif job.slides:
            hide_takeaway(fig)  # the slide's title carries it
            if fig.get_size_inches()[1] <= 9.8:  # a tall figure (diagnostics) keeps its shape
                fig.set_size_inches(CHART_BOX[2], CHART_BOX[3])
            buf = io.BytesIO()
            save_png(fig, buf, deck_dpi)
            image, size = buf.getvalue(), tuple(fig.get_size_inches())
    return takeaway, files, image, size, fig if keep_figure else None


#: Space (inches) kept above the highest artist when a slide image is cut below the takeaway.
SLIDE_TOP_PAD = 0.12


def _slide_from_pixels(fig: Any, pixels: Any, dpi: int, deck_dpi: int) -> tuple[bytes, tuple[float, float]] | None:
    """The slide image of a chart from the pixels of its PNG file (``pixels`` at ``dpi``): the band of
    the takeaway title cut off (the slide's title carries it) and the rest scaled down by a whole factor
    towards ``deck_dpi`` (2 for 300 -> 150 dpi; averaging each 2 x 2 block), so no second rendering.

    Returns PNG bytes and the image's size in inches, or ``None`` when the chart has no takeaway or
    something else reaches into its band (a legend beside the title): that chart is laid out again
    for the slide instead.
    """
    from PIL import Image

    from mmm.plots.png import measured_at, png_bytes

    title = getattr(fig, "_suptitle", None)
    if title is None or not title.get_visible() or not title.get_text().strip():
        return None
    h_in = float(fig.get_size_inches()[1])
    # measured at the PNG's resolution with the renderer that drew it (its text sizes are cached there;
    # a renderer at another resolution gives text extents off by the ratio of the two)
    with measured_at(fig, dpi) as renderer:
        title_bottom = title.get_window_extent(renderer).y0 / dpi  # inches from the bottom
        title.set_visible(False)
        try:
            top = fig.get_tightbbox(renderer).y1  # the highest other artist (the watermark does not count)
        finally:
            title.set_visible(True)
    if top > title_bottom + 0.05:
        return None
    cut = int(max(0.0, h_in - min(h_in, top + SLIDE_TOP_PAD)) * dpi)
    part = pixels[cut:]
    img = Image.fromarray(part)
    if int(part[:, :, 3].min()) == 255:  # opaque (a chart's white face): average the colours only, 5x faster
        img = img.convert("RGB")
    factor = max(1, round(dpi / max(deck_dpi, 1)))
    if factor > 1:
        img = img.reduce(factor)
    out_dpi = dpi / factor
    return png_bytes(np.asarray(img), out_dpi), (img.width / out_dpi, img.height / out_dpi)


def onepager_job(fitted: Any, folder: Path, *, curves: Any, plan: Any, weeks: int, caution: Caution | None,
                 dpi: int | None = None) -> RenderJob:
    """The one-pager as a render job: ``folder/onepager.png`` at ``dpi`` (``ONEPAGER_DPI``), so that it
    is drawn alongside the charts (:func:`render_jobs`)."""
    spec = ChartSpec("onepager", lambda: plot_onepager(fitted, curves=curves, plan=plan, weeks=weeks,
                                                       approximate=caution))
    return RenderJob(spec, folder, png=True, svg=False, slides=False, dpi=ONEPAGER_DPI if dpi is None else dpi)


def write_onepager(fitted: Any, path: Path, *, curves: Any, plan: Any, weeks: int, caution: Caution | None,
                   dpi: int | None = None) -> Any:
    """Draw the one-pager (:func:`mmm.plots.plot_onepager`) and save it as PNG at ``dpi``
    (``ONEPAGER_DPI``); returns the figure."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = plot_onepager(fitted, curves=curves, plan=plan, weeks=weeks, approximate=caution)
        with atomic_path(path) as tmp:
            save_png(one, tmp, ONEPAGER_DPI if dpi is None else dpi)
    return one
