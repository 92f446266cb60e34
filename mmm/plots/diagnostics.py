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
        ArviZ ``plot_trace`` (compact, one row per parameter) or ``plot_rank``.
    var_names : list of str, optional
        Parameters to show (default: those of :data:`DIAGNOSTIC_VARS` present).
    """
    import arviz as az

    if kind not in ("trace", "rank"):
        raise ValueError(f"kind must be 'trace' or 'rank'; got {kind!r}.")
    idata = getattr(data, "idata", data)
    if hasattr(idata, "to_arviz"):  # a fit read from model.nc: its groups as ArviZ's InferenceData
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
                az.plot_trace(idata, var_names=[v], axes=axes[i:i + 1, :], compact=True,
                              compact_prop={"color": cols}, chain_prop={"linestyle": ["-", "--", ":", "-."]},
                              trace_kwargs={"linewidth": 0.8, "alpha": 0.8}, plot_kwargs={"linewidth": 2},
                              backend_kwargs=None, show=False)
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


def _channel_coords(da: Any) -> list[str]:
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    if not dims:
        return []
    return [str(v) for v in da.coords[dims[0]].values]
