"""Sampler diagnostics for the analyst (not the deck body): trace or rank plots of the free
media parameters, coloured by channel, with the convergence verdict as the title."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mmm.plots.style import (
    FIGSIZE,
    FONT,
    Caution,
    caution_of,
    channel_colors,
    finish,
    house_style,
    label,
    new_figure,
    resolve_caution,
    units_of,
)
from mmm.transforms import CARRYOVER_PARAMS, SATURATION_PARAM_NAMES

#: Free parameters shown, in this order, when present in the posterior.
DIAGNOSTIC_VARS = ("roas", *CARRYOVER_PARAMS, *SATURATION_PARAM_NAMES, "sigma", "nu", "nb_alpha")

PRETTY = {"roas": "ROAS (return per unit spend)", "carryover": "carryover (decay)", "peak_lag": "peak lag (weeks)",
          "saturation_lambda": "saturation (lambda)", "half_saturation": "half saturation",
          "hill_slope": "Hill slope", "weibull_shape": "Weibull shape", "weibull_scale": "Weibull scale",
          "sigma": "noise (sigma)", "nu": "Student-t nu", "nb_alpha": "neg. binomial alpha"}


def pretty_name(var: str, units: Any = None) -> str:
    """A parameter's name on the panel; the return parameter is named after the KPI type (no "ROAS" on a
    pipeline or leads model): ``"leads per USD spent (return per unit spend)"``."""
    if var != "roas" or units is None:
        return PRETTY.get(var, var)
    u = units_of(units)
    kind = u.kind
    name = kind.return_name if kind.return_scale == 1 else f"{kind.word} per {u.currency} spent"
    return f"{name} (return per unit spend)"


def diagnostics_takeaway(d: Any) -> str:
    """Plain-language verdict of a :class:`mmm.sampling.Diagnostics`."""
    if d is None:
        return "Sampler diagnostics"
    if getattr(d, "approximate", False):
        return "Approximate fit (ADVI): no convergence checks; refit with NUTS before reporting"
    msg = (f"max R-hat {d.max_rhat:.3f}, min ESS {d.min_ess_bulk:.0f}, {d.divergences} "
           f"divergence{'' if d.divergences == 1 else 's'}")
    return f"Converged: {msg}" if d.converged else f"Do not trust yet: {msg}"


def plot_diagnostics(data: Any, *, kind: str = "trace", var_names: list[str] | None = None,
                     title: str | bool | None = None, approximate: bool | str | Caution | None = None,
                     colors: dict[str, str] | None = None, diagnostics: Any = None) -> Figure:
    """Trace (density + chain traces) or rank plots of the free media parameters, coloured by channel.

    Parameters
    ----------
    data : FittedModel or InferenceData
        The fitted model (posterior, spec for colours, diagnostics for the title) or its
        ``idata``.
    kind : "trace" or "rank"
        Trace plot (compact, one row per parameter: each chain's density per channel and its draws,
        as ArviZ's ``plot_trace``, drawn here without ArviZ) or ArviZ's ``plot_rank``.
    var_names : list of str, optional
        Parameters to show (default: those of :data:`DIAGNOSTIC_VARS` present).
    """
    if kind not in ("trace", "rank"):
        raise ValueError(f"kind must be 'trace' or 'rank'; got {kind!r}.")
    idata = getattr(data, "idata", data)
    if kind == "rank" and hasattr(idata, "to_arviz"):  # a fit read from model.nc: ArviZ's InferenceData
        idata = idata.to_arviz()
    if hasattr(data, "spec"):
        colors = colors or channel_colors(data.spec)
        diagnostics = diagnostics or data.diagnostics
        approximate = resolve_caution(approximate, data)
    colors = colors or {}
    units = getattr(data, "spec", None)
    post = idata.posterior
    names = [v for v in (var_names or DIAGNOSTIC_VARS) if v in post.data_vars]
    if not names:
        raise ValueError(f"None of {list(var_names or DIAGNOSTIC_VARS)} is in the posterior "
                         f"({', '.join(post.data_vars)}).")
    used: dict[str, str] = {}
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "trace":
            fig, axes = new_figure(len(names), 2, figsize=(FIGSIZE[0], max(FIGSIZE[1], 1.15 * len(names) + 1.8)),
                                   width_ratios=[1, 2.2])
            axes = np.atleast_2d(axes)
            for i, v in enumerate(names):
                coords = _channel_coords(post[v])
                cols = [colors.get(c, "#555555") for c in coords] if coords else ["#555555"]
                used.update({c: colors.get(c, "#555555") for c in coords})
                _trace_row(post[v], axes[i, 0], axes[i, 1], cols)
                axes[i, 0].set_title(pretty_name(v, units), loc="left", fontsize=FONT["legend"], color="#333333")
                axes[i, 1].set_title("")
                for a in axes[i]:
                    a.tick_params(labelsize=FONT["legend"])
                    a.grid(False)
                    a.spines[["top", "right"]].set_visible(False)
                axes[i, 0].set_yticks([])
                if i < len(names) - 1:
                    axes[i, 1].set_xticklabels([])
            axes[-1, 1].set_xlabel("Draw (line style = chain)", fontsize=FONT["legend"])
        else:
            panels = sum(max(1, int(np.prod([post[v].sizes[d] for d in post[v].dims[2:]]))) for v in names)
            ncols = 5 if panels > 12 else 4
            nrows = int(np.ceil(panels / ncols))
            fig, axes = new_figure(nrows, ncols, figsize=(FIGSIZE[0], max(FIGSIZE[1], 2.2 * nrows + 1)))
            axes = np.atleast_1d(axes).ravel()
            import arviz as az

            az.plot_rank(idata, var_names=names, ax=axes[:panels], show=False)
            for a in axes[panels:]:
                a.set_axis_off()
            for a in axes[:panels]:
                if units is not None and a.get_title().startswith("roas"):
                    a.set_title(a.get_title().replace("roas", pretty_name("roas", units).split(" (")[0], 1))
                a.title.set_fontsize(FONT["legend"])
                a.tick_params(labelsize=FONT["legend"])
                a.set_xlabel("")
                a.set_ylabel("")
        if used:
            fig.legend(handles=[Line2D([], [], color=c, lw=3, label=label(n)) for n, c in used.items()],
                       **({"loc": "outside right upper", "ncols": 1} if caution_of(approximate) else
                          {"loc": "outside lower center", "ncols": min(len(used), 6)}),
                       fontsize=FONT["legend"])  # the footer of a watermarked chart takes the bottom edge
    return finish(fig, title=title, auto=diagnostics_takeaway(diagnostics), approximate=approximate,
                  standalone=True)


#: Line style of each chain (the colour is the channel's).
CHAIN_STYLES = ("-", "--", ":", "-.")


def _trace_row(da: Any, dens_ax: Any, trace_ax: Any, colors: list[str]) -> None:
    """One parameter's row of the trace plot (ArviZ's compact ``plot_trace`` drawn with NumPy): on the
    left the density of every chain's draws per channel, on the right the draws in order.

    ``da``: the parameter's draws, ``(chain, draw)`` or ``(chain, draw, channel)``; ``colors``: one
    per channel (or one for a scalar parameter).
    """
    values = np.asarray(da.values, dtype="float64")
    values = values.reshape(values.shape[0], values.shape[1], -1)           # (chain, draw, k)
    draws = np.arange(values.shape[1])
    for k in range(values.shape[2]):
        color = colors[k % len(colors)]
        for chain in range(values.shape[0]):
            style = CHAIN_STYLES[chain % len(CHAIN_STYLES)]
            x = values[chain, :, k]
            grid, density = kde(x)
            if grid.size:
                dens_ax.plot(grid, density, color=color, linestyle=style, linewidth=2)
            trace_ax.plot(draws, x, color=color, linestyle=style, linewidth=0.8, alpha=0.8)
    trace_ax.set_xlim(0, max(len(draws) - 1, 1))


def kde(x: np.ndarray, points: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian kernel density of ``x`` on ``points`` grid points over the range of the draws.

    Binned (linear binning onto the grid, then a Gaussian convolution), with Silverman's rule
    for the bandwidth and the mass that would fall outside the range reflected back at both ends,
    as ArviZ's default density does. Returns the grid and the density (integrating to about 1);
    empty arrays for fewer than two finite draws.
    """
    x = np.asarray(x, dtype="float64")
    x = x[np.isfinite(x)]
    if x.size < 2:
        return np.empty(0), np.empty(0)
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.array([lo]), np.array([1.0])
    iqr = float(np.subtract(*np.percentile(x, [75, 25])))
    spread = min(float(x.std(ddof=1)), iqr / 1.349) if iqr > 0 else float(x.std(ddof=1))
    bw = 0.9 * spread * x.size ** -0.2 if spread > 0 else (hi - lo) / 10
    grid = np.linspace(lo, hi, points)
    step = grid[1] - grid[0]
    pos = (x - lo) / step                                                   # linear binning onto the grid
    left = np.clip(np.floor(pos).astype(int), 0, points - 2)
    frac = pos - left
    counts = np.bincount(left, 1 - frac, points) + np.bincount(left + 1, frac, points)
    half = int(np.ceil(4 * bw / step))
    offsets = np.arange(-half, half + 1) * step
    kernel = np.exp(-0.5 * (offsets / bw) ** 2)
    padded = np.concatenate([counts[half:0:-1], counts, counts[-2:-half - 2:-1]]) if half < points else counts
    if half >= points:  # a kernel wider than the range: reflect the whole range repeatedly
        reps = int(np.ceil(half / (points - 1))) + 1
        mirrored = np.concatenate([counts[::-1][:-1], counts])
        padded = np.concatenate([np.tile(mirrored, reps)[-(half + 1):-1], counts,
                                 np.tile(mirrored[::-1], reps)[1:half + 1]])
    density = np.convolve(padded, kernel, mode="valid")
    density /= density.sum() * step
    return grid, density


def _channel_coords(da: Any) -> list[str]:
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    if not dims:
        return []
    return [str(v) for v in da.coords[dims[0]].values]
