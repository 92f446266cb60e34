"""House style shared by every chart: sizes, fonts, channel colours, unit formatters, titles.

Charts are built for slides: a 16:9 figure (13.33 x 7.5 in, the size of a widescreen
PowerPoint slide) with fonts of 14 pt and up, a short *takeaway* title in bold at the top
left ("Search returns the most per dollar: 3.1x"), and the descriptive title of each
panel underneath it in grey.

Colours are fixed per channel across all charts: brand channels take cool colours (blues
and purples), performance channels warm ones (oranges, reds, golds), so the two groups
read as groups on every chart. The colour of a channel depends only on its role and its
position among the channels of that role in the spec, so pass the spec (``units=spec``)
or the fitted model to every chart to get matching colours.

Units follow the KPI type: revenue and pipeline are money ("$1.2M"), leads are counts
("1.2k leads"); the return metric is ROAS for revenue, pipeline ROI for pipeline and cost
per lead for leads. Never "revenue" on a pipeline model.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from mmm.format import (  # noqa: F401 - re-exported: charts and older code import them from here
    CURRENCY_SYMBOLS,
    KNOWN_LABELS,
    Units,
    compact,
    label,
    pct,
    trim_zeros,
    units_of,
)

#: Widescreen slide size in inches (16:9).
FIGSIZE = (13.33, 7.5)
#: The size of the one-pager image in inches (16:9, printed larger).
ONEPAGER_SIZE = (24.0, 13.5)

#: Base font sizes in points; nothing on a chart is smaller than 14 pt.
FONT = {"base": 16, "tick": 15, "legend": 14, "panel_title": 17, "takeaway": 24, "note": 14}

#: Cool colours for brand channels, in the order brand channels appear in the spec.
BRAND_COLORS = ("#1F4E9A", "#6FA8DC", "#6A3D9A", "#A48AD3", "#0B2545", "#4F7CAC")
#: Warm colours for performance channels, in the order they appear in the spec.
PERFORMANCE_COLORS = ("#E8702A", "#C23B22", "#F2B134", "#8C4A2F", "#F49A8B", "#B8860B")

#: Colours of the non-media parts and of model lines.
BASELINE_COLOR = "#CFCFCF"
CONTROLS_COLOR = "#9E9E9E"
ACTUAL_COLOR = "#1A1A1A"
MODEL_COLOR = "#2E7D32"      # fitted line, expected KPI, the recommended choice
CURRENT_COLOR = "#444444"    # the current plan / current spend
RECOMMENDED_COLOR = MODEL_COLOR
NORM_COLOR = "#7A7A7A"
APPROX_COLOR = "#C62828"     # watermark of fits not fit to present (APPROXIMATE, FAST MODE, DO NOT USE)
REVIEW_COLOR = "#B35806"     # watermark of fits whose health is "review"
GRID_COLOR = "#E6E6E6"
TEXT_GREY = "#555555"

RC = {
    "font.family": "DejaVu Sans",
    "font.size": FONT["base"],
    "axes.titlesize": FONT["panel_title"],
    "axes.titlelocation": "left",
    "axes.titlecolor": TEXT_GREY,
    "axes.titlepad": 10,
    "axes.labelsize": FONT["base"],
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#888888",
    "axes.linewidth": 1.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": GRID_COLOR,
    "grid.linewidth": 1.0,
    "xtick.labelsize": FONT["tick"],
    "ytick.labelsize": FONT["tick"],
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": FONT["legend"],
    "legend.frameon": False,
    "figure.titlesize": FONT["takeaway"],
    "figure.titleweight": "bold",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "lines.linewidth": 2.5,
    "svg.fonttype": "none",
    "text.parse_math": False,
}


@contextmanager
def house_style():
    """Context in which charts are drawn with the house style (fonts, spines, grid)."""
    with mpl.rc_context(RC):
        yield


# ---------------------------------------------------------------------- units and wording


class CompactFormatter(Formatter):
    """Tick formatter writing ``$1.2M`` / ``45k`` with as many decimals as the ticks need.

    The decimals and the scale are worked out once per set of ticks (:meth:`set_locs`), not
    once per label.
    """

    def __init__(self, prefix: str = "", suffix: str = ""):
        self.prefix, self.suffix = prefix, suffix
        self._ticks: list[float] = []
        self._digits_top: tuple[int, float] = (1, 0.0)

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        self._ticks = [float(v) for v in locs if np.isfinite(v)]
        self._digits_top = (self._count_digits(self._ticks), max((abs(v) for v in self._ticks), default=0.0))

    @staticmethod
    def _div(top: float) -> float:
        return next((d for d in (1e9, 1e6, 1e3) if top >= (d if d > 1e3 else 1e4)), 1.0)

    @classmethod
    def _count_digits(cls, locs: list[float]) -> int:
        if not locs:
            return 1
        top = max(abs(v) for v in locs)
        div = cls._div(top)
        for d in range(4):
            if all(abs(round(v / div, d) - v / div) < 1e-6 * max(1.0, abs(v / div)) for v in locs):
                return d
        return 3

    def _digits(self) -> int:
        return self._digits_top[0]

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == 0:
            return f"{self.prefix}0{self.suffix}"
        sign = "-" if x < 0 else ""
        a = abs(x)
        digits = self._digits()
        div = self._div(max(self._top(), a))
        suf = {1e9: "B", 1e6: "M", 1e3: "k"}.get(div, "")
        return f"{sign}{self.prefix}{trim_zeros(f'{a / div:,.{digits}f}')}{suf}{self.suffix}"

    def _top(self) -> float:
        return self._digits_top[1]


def money_formatter(units: Units) -> Formatter:
    """Axis formatter for currency amounts."""
    return CompactFormatter(prefix=units.symbol)


def kpi_formatter(units: Units) -> Formatter:
    """Axis formatter for KPI amounts (money for revenue/pipeline, counts for leads)."""
    return CompactFormatter(prefix=units.symbol if units.is_money_kpi else "")


def ratio_formatter() -> Formatter:
    """Axis formatter for return ratios: ``2x``, ``2.5x``."""
    return CompactFormatter(suffix="x")


def percent_formatter(decimals: int = 0) -> Formatter:
    """Axis formatter for shares in [0, 1]: ``46%``."""
    from matplotlib.ticker import PercentFormatter
    return PercentFormatter(1.0, decimals=decimals)


# ---------------------------------------------------------------------- channels and colours


def wrap_label(name: str, width: int = 10) -> str:
    """:func:`label` wrapped over lines of about ``width`` characters (for bar tick labels)."""
    return "\n".join(textwrap.wrap(label(name), width=width, break_long_words=False)) or label(name)


def _palette(base: Sequence[str], n: int, cmap: str) -> list[str]:
    if n <= len(base):
        return list(base[:n])
    extra = mpl.colormaps[cmap](np.linspace(0.35, 0.9, n - len(base)))
    return list(base) + [mpl.colors.to_hex(c) for c in extra]


def channel_colors(channels: Any, roles: Iterable[str] | None = None) -> dict[str, str]:
    """Fixed colour per channel: brand channels cool, performance channels warm.

    Parameters
    ----------
    channels : Spec, FittedModel, DataFrame with ``channel``/``role`` columns, or list of names
        The spec (or fitted model) gives the canonical order; with a table or a list the
        channels are ordered by name within each role, so any ordering of rows gives the
        same colours.
    roles : list of str, optional
        Roles of ``channels`` when it is a list of names (default: performance).
    """
    spec = getattr(channels, "spec", channels)
    if hasattr(spec, "channels") and hasattr(spec, "kpi"):
        pairs = [(c.name, c.role) for c in spec.channels]
    elif hasattr(channels, "columns") and "channel" in channels.columns:
        df = channels.drop_duplicates("channel")
        roles_col = df["role"] if "role" in df.columns else ["performance"] * len(df)
        pairs = sorted(zip(df["channel"], roles_col, strict=True), key=lambda p: str(p[0]))
    else:
        names = list(channels)
        rl = list(roles) if roles is not None else ["performance"] * len(names)
        pairs = sorted(zip(names, rl, strict=True), key=lambda p: str(p[0]))
    brand = [n for n, r in pairs if r == "brand"]
    perf = [n for n, r in pairs if r != "brand"]
    out = dict(zip(brand, _palette(BRAND_COLORS, len(brand), "Blues"), strict=True))
    out.update(zip(perf, _palette(PERFORMANCE_COLORS, len(perf), "Oranges"), strict=True))
    out.setdefault("baseline", BASELINE_COLOR)
    out.setdefault("controls", CONTROLS_COLOR)
    return out


def colors_for(df: Any, colors: dict[str, str] | None, units_source: Any = None) -> dict[str, str]:
    """The colour map to use: ``colors`` if given, else from the spec in ``units_source``, else from ``df``."""
    if colors is not None:
        return colors
    spec = getattr(units_source, "spec", units_source)
    if hasattr(spec, "channels") and hasattr(spec, "kpi"):
        return channel_colors(spec)
    return channel_colors(df)


def role_order(df: Any, colors: dict[str, str] | None = None) -> list[str]:
    """Channels of a table grouped brand first then performance, in colour-map order."""
    names = list(dict.fromkeys(df["channel"]))
    roles = dict(zip(df["channel"], df["role"], strict=False)) if "role" in df.columns else {}
    order = list(colors) if colors else sorted(names)
    pos = {n: i for i, n in enumerate(order)}
    return sorted(names, key=lambda n: (roles.get(n, "performance") != "brand", pos.get(n, 1e9), n))


def lighten(color: str, amount: float = 0.55) -> str:
    """``color`` mixed with white (``amount`` = share of white)."""
    r, g, b = mpl.colors.to_rgb(color)
    return mpl.colors.to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def text_color_on(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = mpl.colors.to_rgb(color)
    return "#1A1A1A" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


# ---------------------------------------------------------------------- figures and titles


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] = FIGSIZE,
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """A house-style figure (not attached to pyplot: it never pops up, never leaks) and its axes."""
    with house_style():
        fig = Figure(figsize=figsize, layout="constrained")
        fig.get_layout_engine().set(h_pad=0.12, w_pad=0.12, hspace=0.06, wspace=0.04)
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    return fig, axes


def wrap_title(text: str, width: int = 62) -> str:
    """Wrap a takeaway title over at most two balanced lines (no one-word orphan line)."""
    if len(text) <= width:
        return text
    for w in range(math.ceil(len(text) / 2), width + 1):
        lines = textwrap.wrap(text, width=w)
        if len(lines) <= 2:
            return "\n".join(lines)
    return "\n".join(textwrap.wrap(text, width=int(width * 1.15)))


def text_width(text: str, size: float, bold: bool = True) -> float:
    """Width in inches of one line of ``text`` in the house font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=RC["font.family"], weight="bold" if bold else "normal", size=size)
    w, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(w) / 72.0


def fit_title(text: str, width_in: float, sizes: Sequence[float] = (24, 22, 20, 18), max_lines: int = 2) -> tuple[str, float]:
    """Wrap ``text`` into balanced lines that fit ``width_in`` inches, shrinking the font if it must.

    Tries each font size of ``sizes`` in turn for at most ``max_lines`` lines (balanced, so
    no one-word orphan line; widths measured in the house font, bold); the last size takes
    as many lines as needed. Returns the wrapped text and the font size.
    """
    for i, size in enumerate(sizes):
        if text_width(text, size) <= width_in:
            return text, size
        limit = max_lines if i < len(sizes) - 1 else max(max_lines, 12)
        for n in range(2, limit + 1):
            for w in range(math.ceil(len(text) / n), len(text) + 1):
                lines = textwrap.wrap(text, width=w, break_long_words=False)
                if len(lines) > n:
                    continue
                if all(text_width(x, size) <= width_in for x in lines):
                    return "\n".join(lines), size
                break  # wider lines only get longer
    return text, sizes[-1]


@dataclass(frozen=True)
class Caution:
    """The mark a chart of a fit that is not fit to present carries, and the sentence that goes with it.

    ``mark`` is one of :data:`CAUTION_NOTES`' keys (``APPROXIMATE``, ``FAST MODE``,
    ``DO NOT USE``, ``REVIEW``) or any short word; ``note`` is the footer sentence.
    Build with :func:`caution_of`.
    """

    mark: str
    note: str

    @property
    def color(self) -> str:
        """Red for marks that say "not for reporting", amber for REVIEW."""
        return REVIEW_COLOR if self.mark == "REVIEW" else APPROX_COLOR


#: The footer sentence of each watermark, used when no fitted model gives a more specific one.
CAUTION_NOTES = {
    "APPROXIMATE": "APPROXIMATE FIT (ADVI): for iterating only; refit with NUTS before reporting.",
    "FAST MODE": "FAST MODE (few draws): for a quick look only; refit without MMM_FAST before reporting.",
    "DO NOT USE": "MODEL HEALTH: DO NOT USE. These numbers are not fit to present; see the checks in "
                  "diagnostics.json.",
    "REVIEW": "MODEL HEALTH: REVIEW. Read the warnings in diagnostics.json ('checks') before presenting.",
}


def caution_of(source: Any) -> Caution | None:
    """The watermark to put on a chart, or ``None``.

    Parameters
    ----------
    source : None, bool, str, Caution or fitted model
        ``None`` / ``False``: none; ``True``: ``APPROXIMATE`` (the historic meaning of
        ``approximate=True``); a string: that mark (``"FAST MODE"``, ``"DO NOT USE"``,
        ``"REVIEW"``, ...); a fitted model: :func:`mmm.health.watermark_text` and
        :func:`mmm.health.watermark_note` of it.
    """
    if source is None or isinstance(source, Caution):
        return source
    if isinstance(source, bool | np.bool_):
        return Caution("APPROXIMATE", CAUTION_NOTES["APPROXIMATE"]) if source else None
    if isinstance(source, str):
        mark = source.strip().upper()
        return Caution(mark, CAUTION_NOTES.get(mark, f"{mark}: not for reporting.")) if mark else None
    if hasattr(source, "diagnostics"):
        from mmm.health import watermark_note, watermark_text
        mark = watermark_text(source)
        if mark is None:
            return None
        return Caution(mark, watermark_note(source) or CAUTION_NOTES.get(mark, mark))
    return None


def resolve_caution(approximate: Any, data: Any) -> Any:
    """``approximate`` as given, or, when it is ``None``, the caution of ``data`` (a fitted model)."""
    return caution_of(data) if approximate is None else approximate


def finish(fig: Figure, *, title: str | bool | None, auto: str, approximate: bool | str | Caution | None = False,
           ax: Any = None, standalone: bool = True, note: str | None = None) -> Figure:
    """Put the takeaway title on a chart, and the watermark on a fit that is not fit to present.

    ``title``: ``None`` -> the automatic takeaway ``auto``; a string -> that title;
    ``False`` or ``""`` -> no takeaway. On a figure the chart drew itself (``standalone``)
    the takeaway is the figure's title (read it back with ``fig.get_suptitle()``); on an
    ``ax`` the caller passed in it is the panel title.

    ``approximate``: anything :func:`caution_of` reads (``True`` for an ADVI fit, a mark
    such as ``"FAST MODE"``, a :class:`Caution`). A standalone chart then carries a large
    faint diagonal mark and the caution's sentence as a coloured footer; a panel drawn on
    the caller's ``ax`` carries the mark in its top right corner.
    """
    caution = caution_of(approximate)
    text = auto if title is None else (title or "")
    with house_style():
        if standalone:
            if text:
                wrapped, size = fit_title(text, fig.get_figwidth() * 0.97 - 0.15 - _right_legends_width(fig),
                                          tuple(FONT["takeaway"] - d for d in (0, 2, 4, 6)))
                fig.suptitle(wrapped, x=0.01, ha="left", fontsize=size, fontweight="bold", color="#111111")
            _footer(fig, caution, note)
            if caution is not None:
                watermark(fig, caution.mark, color=caution.color)
        elif ax is not None:
            if text:
                width_in = 0.92 * ax.get_position().width * fig.get_figwidth()
                wrapped, size = fit_title(text, width_in, (FONT["panel_title"] + 1, FONT["panel_title"] - 1,
                                                           FONT["note"]), max_lines=3)
                ax.set_title(wrapped, loc="left", fontsize=size, fontweight="bold", color="#111111")
            if caution is not None:
                ax.text(0.99, 0.98, caution.mark, transform=ax.transAxes, ha="right", va="top",
                        color=caution.color, fontsize=FONT["note"], fontweight="bold", zorder=20)
    fig.mmm_takeaway = text  # read by the exporter (slide titles)
    if caution is not None and standalone:
        fig.mmm_caution = caution
    return fig


def _right_legends_width(fig: Figure) -> float:
    """Width (inches) of figure legends placed outside on the right, which the title must not run into."""
    legends = [leg for leg in fig.legends if "right" in str(getattr(leg, "_outside_loc", "") or "")]
    if not legends:
        return 0.0
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        return 2.5
    return sum(leg.get_window_extent(renderer).width for leg in legends) / fig.dpi + 0.1


def _footer(fig: Figure, caution: Caution | None, note: str | None) -> None:
    """The footer: the caution's sentence in its colour (bold), then ``note`` in grey, both wrapped
    to the figure's width. The space for both is reserved by the layout (``supxlabel``)."""
    width = fig.get_figwidth() - 0.4

    def wrap(text: str, bold: bool) -> list[str]:
        per_char = text_width(text, FONT["note"], bold) / max(len(text), 1)
        return textwrap.wrap(text, max(40, int(0.97 * width / max(per_char, 1e-6))))

    cau = wrap(caution.note, True) if caution is not None else []
    rest = wrap(note, False) if note else []
    if not cau and not rest:
        return
    if not cau:
        fig.supxlabel("\n".join(rest), x=0.01, ha="left", fontsize=FONT["note"], color=TEXT_GREY)
        return
    # one label holds the caution and blank lines the height of the note; the note is drawn over them in grey
    label_ = fig.supxlabel("\n".join(cau + [" "] * len(rest)), x=0.01, ha="left", fontsize=FONT["note"],
                           color=caution.color, fontweight="bold")
    if rest:
        from matplotlib.text import Annotation
        grey = Annotation("\n".join(rest), xy=(0, 0), xycoords=label_, ha="left", va="bottom",
                          fontsize=FONT["note"], color=TEXT_GREY)
        grey.set_in_layout(False)
        fig.add_artist(grey)


def watermark(fig: Figure, text: str = "APPROXIMATE", *, color: str = APPROX_COLOR, alpha: float = 0.12) -> Any:
    """A large faint diagonal mark across the figure (replaces an earlier one); returns the text artist.

    The size follows the figure's width and the length of the mark, so "DO NOT USE" and
    "APPROXIMATE" span the same share of a slide and of the one-pager.
    """
    old = getattr(fig, "_mmm_watermark", None)
    if old is not None:
        old.remove()
    width = fig.get_figwidth()
    size = min(110 * width / FIGSIZE[0], 0.78 * width * 72 / (0.68 * max(len(text), 6)))
    art = fig.text(0.5, 0.5, text, ha="center", va="center", rotation=25, fontsize=size, fontweight="bold",
                   color=color, alpha=alpha, zorder=0.5, in_layout=False)
    art.set_gid("mmm-watermark")
    fig._mmm_watermark = art
    return art


def watermark_of(fig: Figure) -> str | None:
    """The diagonal watermark text of a figure made by :mod:`mmm.plots`, or ``None``."""
    art = getattr(fig, "_mmm_watermark", None)
    return art.get_text() if art is not None else None


def ensure_caution(fig: Figure, approximate: Any) -> Figure:
    """Give a finished figure the watermark and footer of ``approximate`` if it does not carry them yet.

    For charts drawn by other code (the exporter calls it on every chart, so that each one
    carries the mark whatever drew it).
    """
    caution = caution_of(approximate)
    if caution is None or watermark_of(fig) == caution.mark:
        return fig
    with house_style():
        watermark(fig, caution.mark, color=caution.color)
        label_ = getattr(fig, "_supxlabel", None)
        existing = label_.get_text() if label_ is not None else ""
        if caution.note.split()[0] not in existing:
            _footer(fig, caution, " ".join(existing.split()) or None)
    fig.mmm_caution = caution
    return fig


def takeaway_of(fig: Figure) -> str:
    """The takeaway title of a chart made by :mod:`mmm.plots` (one line), or ``""``."""
    text = getattr(fig, "mmm_takeaway", None)
    if text is None:
        text = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    return " ".join(str(text).split())


def hide_takeaway(fig: Figure) -> None:
    """Remove the figure title (the slide carries it instead) and free its space."""
    st = getattr(fig, "_suptitle", None)
    if st is not None:
        st.set_visible(False)
        st.set_in_layout(False)


def root_figure(ax: Any) -> Figure:
    """The top-level figure of ``ax`` (also inside a subfigure)."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10
        fig = ax.figure
        while hasattr(fig, "figure") and fig.figure is not fig and fig.figure is not None:
            fig = fig.figure
        return fig


def panel(ax: Any, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Any, bool]:
    """``(figure, axes, standalone)``: the caller's ``ax`` or a new house-style figure."""
    if ax is not None:
        return root_figure(ax), ax, False
    fig, new_ax = new_figure(figsize=figsize)
    return fig, new_ax, True


def subtitle(ax: Any, text: str, *, standalone: bool) -> None:
    """The grey descriptive title of a panel (skipped on a caller's ``ax``, which gets the takeaway)."""
    if standalone and text:
        with house_style():
            ax.set_title(text, loc="left", color=TEXT_GREY, fontsize=FONT["panel_title"])


def date_axis(ax: Any) -> None:
    """Readable month/year ticks on a weekly date axis."""
    import matplotlib.dates as mdates
    loc = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
    for t in ax.get_xticklabels():
        t.set_fontsize(FONT["tick"])
