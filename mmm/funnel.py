"""The lead-gen funnel: channels -> leads -> opportunities -> pipeline -> closed-won, with lags.

B2B marketing is judged on pipeline and revenue that arrive weeks or months after the
lead. :func:`fit_funnel` keeps the media model where the signal is strongest, on the
**early stage** (leads: the spec's KPI, ``kpi.type: leads``, negative-binomial or normal
likelihood as the spec says, fitted by :class:`mmm.fitted.Model`), and models each
**later stage** as its source stage times a **stage conversion rate**, spread over a
**sales-cycle lag**::

    E[stage_t] = rate * sum over l = 0..max_lag of  w[l] * source[t - l]

where ``source`` is the *observed* earlier stage and ``w`` a discrete lag distribution
over ``0..max_lag`` weeks (summing to 1): **estimated** with a carryover kernel of
:mod:`mmm.transforms` (``delayed``: peaks ``peak_lag`` weeks after the source;
``geometric``; ``weibull_pdf`` / ``weibull_cdf``) or **given** by the user (a fixed
lag in weeks, e.g. 0 for pipeline created the week the opportunity is, or a list of
weights). ``rate`` is a conversion (opportunities per lead, won $ per pipeline $) or a
value per unit (pipeline $ per opportunity: the average deal size). Count stages use a
negative-binomial likelihood, value stages a normal one (on the stage divided by its
mean). Weeks whose lag window reaches before the data starts are left out of a stage's
likelihood.

Because every stage is conditioned on the observed earlier stage, the stage model and the
lead model have independent posteriors; combining their draws propagates both
uncertainties into per-channel results: each channel's leads (from the lead model) pass
through the chain of rates and lags, giving its opportunities, pipeline and revenue,
**in the data window** (what has landed) and **eventually** (rate chain x leads), its
cost per qualified lead / opportunity, and the weeks from spend to each stage
(:meth:`FunnelFit.channel_funnel`).

Example
-------
>>> from mmm.funnel import Stage, fit_funnel                                     # doctest: +SKIP
>>> stages = [Stage("opportunities", source="leads", kind="count", lag="delayed", max_lag=12),
...           Stage("pipeline", source="opportunities", kind="value", lag=0),
...           Stage("closed_won", source="pipeline", kind="value", lag="delayed", max_lag=20)]
>>> fit = fit_funnel("data/samples/b2b_funnel.yaml", stages=stages, draws=500)  # doctest: +SKIP
>>> fit.conversion_table()                                                      # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from mmm.data import read_table
from mmm.errors import DataError, SpecError
from mmm.fitted import FittedModel, Model, as_spec
from mmm.kpi import money
from mmm.model import carryover_matrix, prior_variable
from mmm.sampling import Diagnostics, fast_mode, sample_and_judge
from mmm.spec import Prior, Spec
from mmm.stages import STAGE_KINDS, Stage, check_stages  # noqa: F401 - Stage is imported from here too
from mmm.stats import summarise
from mmm.transforms import CARRYOVERS, carryover_weights, convolve_lags, lag_matrix


def _words(name: str) -> str:
    """A stage name for text: ``closed_won -> closed won``."""
    return name.replace("_", " ")


def _singular(name: str) -> str:
    """``opportunities -> opportunity``, ``sqls -> sql``, ``closed_won -> closed won`` (for sentences)."""
    word = name.replace("_", " ")
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _stage_frame(source: Any, spec: Spec, dates: pd.DatetimeIndex, stages: list[Stage]) -> pd.DataFrame:
    """The stage columns on the lead model's weeks, validated."""
    raw = read_table(source if source is not None else spec.data)
    if spec.date_column not in raw.columns:
        raise DataError(f"Date column '{spec.date_column}' is missing from the funnel data.")
    missing = [s.col for s in stages if s.col not in raw.columns]
    if missing:
        raise DataError(f"Funnel stage column(s) {missing} are missing from the data; columns: {list(raw.columns)}.")
    frame = raw[[spec.date_column, *[s.col for s in stages]]].copy()
    frame[spec.date_column] = pd.to_datetime(frame[spec.date_column])
    frame = frame.set_index(spec.date_column).reindex(dates)
    for s in stages:
        v = pd.to_numeric(frame[s.col], errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isfinite(v)
        if bad.any():
            raise DataError(f"Stage column '{s.col}' is empty or not a number in {int(bad.sum())} week(s), e.g. "
                            f"{dates[np.flatnonzero(bad)[0]].date()}. Fill them in (0 only if nothing happened).")
        if np.any(v < 0):
            raise DataError(f"Stage column '{s.col}' has negative values; stages are counts or amounts >= 0.")
        if s.kind == "count" and np.any(np.abs(v - np.round(v)) > 1e-9):
            raise DataError(f"Stage '{s.name}' is a count stage but column '{s.col}' has fractions; use "
                            "kind='value' for amounts.")
        frame[s.col] = v
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------------- the stage model


def build_stage_model(stages: Sequence[Stage], series: dict[str, np.ndarray]) -> pm.Model:
    """PyMC model of the later stages given the observed earlier ones.

    ``series`` maps each stage name (and the lead stage's name) to its weekly values.
    Variables per stage ``s``: ``s_rate``, the lag parameters ``s_<param>`` (estimated
    lags), ``s_lag_weights`` (deterministic), ``s_nb_alpha`` (count) or ``s_sigma`` (value).
    """
    with pm.Model() as model:
        for st in stages:
            x = np.asarray(series[st.source], dtype="float64")
            y = np.asarray(series[st.name], dtype="float64")
            L = st.n_lags
            first = L - 1
            if len(y) - first < 8:
                raise DataError(f"Stage '{st.name}': only {len(y) - first} weeks have a full {L - 1}-week lag "
                                "window; use a shorter max_lag or more data.")
            X = lag_matrix(x, L)[first:]
            yy = y[first:]
            ratio = max(float(yy.mean()), 1e-9) / max(float(x.mean()), 1e-9)
            rate_prior = st.rate_prior or Prior("LogNormal", {"mu": math.log(ratio), "sigma": 1.0})
            rate = prior_variable(f"{st.name}_rate", rate_prior, f"{st.name}.rate_prior")
            if st.estimated:
                p = {n: prior_variable(f"{st.name}_{n}", prior, f"{st.name}.lag_priors.{n}")
                     for n, prior in st.default_lag_priors().items()}
                w = pm.Deterministic(f"{st.name}_lag_weights", carryover_weights(str(st.lag), p, L, pt))
            else:
                w = pt.as_tensor_variable(st.fixed_weights())
            mu = rate * pt.dot(X, w)
            if st.kind == "count":
                alpha = prior_variable(f"{st.name}_nb_alpha", Prior("Gamma", {"alpha": 2.0, "beta": 0.1}), "nb_alpha")
                pm.NegativeBinomial(f"{st.name}_obs", mu=mu + 1e-6, alpha=alpha, observed=yy.round().astype("int64"))
            else:
                scale = max(float(yy.mean()), 1e-9)
                sigma = prior_variable(f"{st.name}_sigma", Prior("HalfNormal", {"sigma": 0.3}), "noise")
                pm.Normal(f"{st.name}_obs", mu=mu / scale, sigma=sigma, observed=yy / scale)
    return model


def fit_stages(stages: Sequence[Stage], series: dict[str, np.ndarray], fit: Any,
               progressbar: bool = True) -> tuple[Any, Diagnostics]:
    """Sample :func:`build_stage_model` with the spec's ``fit:`` settings; returns (idata, diagnostics)."""
    model = build_stage_model(stages, series)
    return sample_and_judge(model, fit, progressbar=progressbar)


def fit_funnel(spec: Spec | str | Path | dict, data: Any = None, *, stages: Sequence[Stage],
               draws: int | None = None, tune: int | None = None, chains: int | None = None,
               sampler: str | None = None, seed: int | None = None, target_accept: float | None = None,
               progressbar: bool = True, leads: FittedModel | None = None) -> FunnelFit:
    """Fit channels against leads (the spec's KPI) and the later stages with their lags.

    Parameters
    ----------
    spec : Spec, dict or path
        The lead model: ``kpi.column`` is the early stage (``kpi.type: leads``).
    data : path or DataFrame, optional
        Weekly data holding the lead column, the spend columns and the stage columns
        (default: the spec's ``data:``). Daily data is not supported here.
    stages : sequence of Stage
        The later stages in funnel order.
    draws, tune, chains, sampler, seed, target_accept
        Override the spec's ``fit:`` section, for both models.
    leads : FittedModel, optional
        An existing fit of the lead model to reuse (skips refitting it).

    Returns
    -------
    FunnelFit
    """
    spec = as_spec(spec).with_fit(draws=draws, tune=tune, chains=chains, sampler=sampler, seed=seed,
                                   target_accept=target_accept, holdout_weeks=0)
    spec = fast_mode(spec)
    stages = check_stages(stages, spec.kpi.column)
    if leads is None:
        leads = Model(spec).fit(data, progressbar=progressbar)
    dataset = leads.dataset
    frame = _stage_frame(data, spec, dataset.dates, stages)
    series = {spec.kpi.column: dataset.kpi, "leads": dataset.kpi}
    series.update({s.name: frame[s.col].to_numpy() for s in stages})
    idata, diagnostics = fit_stages(stages, series, spec.fit, progressbar)
    return FunnelFit(spec=spec, leads=leads, stages=tuple(stages), series=series, idata=idata,
                     diagnostics=diagnostics)


# ---------------------------------------------------------------------- results


@dataclass
class FunnelFit:
    """A fitted funnel: the lead model (a FittedModel) and the stage model's posterior."""

    spec: Spec
    leads: FittedModel
    stages: tuple[Stage, ...]
    series: dict[str, np.ndarray]
    idata: Any
    diagnostics: Diagnostics

    def _flat(self, name: str) -> np.ndarray:
        arr = np.asarray(self.idata.posterior[name].values, dtype="float64")
        return arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        for s in self.stages:
            if s.name == name:
                return s
        raise SpecError(f"Unknown stage '{name}'; stages: {', '.join(s.name for s in self.stages)}.")

    def stage_draws(self, name: str) -> dict[str, np.ndarray]:
        """Posterior draws of a stage: ``rate`` (draws,), ``lag_weights`` (draws, L),
        ``mean_lag`` and ``mode_lag`` (the week with the largest weight) (draws,), and the
        lag kernel's parameters (e.g. ``carryover`` and ``peak_lag`` of ``delayed``)."""
        st = self.stage(name)
        rate = self._flat(f"{name}_rate")
        if st.estimated:
            w = self._flat(f"{name}_lag_weights")
        else:
            w = np.broadcast_to(st.fixed_weights(), (len(rate), st.n_lags))
        out = {"rate": rate, "lag_weights": w, "mean_lag": w @ np.arange(w.shape[1]),
               "mode_lag": np.argmax(w, axis=1).astype("float64")}
        if st.estimated:
            for p in CARRYOVERS[str(st.lag)].params:
                out[p] = self._flat(f"{name}_{p}")
        return out

    def unit(self, stage: Stage) -> str:
        """Reporting unit of a stage."""
        return stage.unit or (self.spec.currency if stage.kind == "value" else stage.name)

    def conversion_table(self, prob: float = 0.9) -> pd.DataFrame:
        """One row per later stage: rate, mean lag and most likely lag (weeks) with ``prob`` HDIs.

        Columns: ``stage, source, kind, rate_meaning, lag, max_lag``, then ``rate_*``,
        ``mean_lag_*`` and ``mode_lag_*`` (the week with the largest weight) as ``_mean,
        _hdi_low, _hdi_high``.
        """
        rows = []
        kinds = {s.name: s.kind for s in self.stages}
        kinds[self.spec.kpi.column] = kinds["leads"] = "count"
        for st in self.stages:
            d = self.stage_draws(st.name)
            src_kind = kinds[st.source]
            meaning = (f"{self.unit(st)} per {_singular(st.source)}" if src_kind == "count" and st.kind == "value"
                       else f"share of {st.source} that becomes {st.name}")
            row = {"stage": st.name, "source": st.source, "kind": st.kind, "rate_meaning": meaning,
                   "lag": st.lag if st.estimated else "given", "max_lag": st.n_lags - 1}
            for key in ("rate", "mean_lag", "mode_lag"):
                m, lo, hi = summarise(d[key], prob)
                row.update({f"{key}_mean": float(m), f"{key}_hdi_low": float(lo), f"{key}_hdi_high": float(hi)})
            rows.append(row)
        return pd.DataFrame(rows)

    def lag_table(self, prob: float = 0.9) -> pd.DataFrame:
        """Long table of the lag distributions: ``stage, lag_weeks, weight_mean, weight_hdi_low,
        weight_hdi_high, cumulative_mean`` (share landed by that week)."""
        rows = []
        for st in self.stages:
            w = self.stage_draws(st.name)["lag_weights"]
            m, lo, hi = summarise(w, prob)
            cum = np.cumsum(w, axis=1).mean(axis=0)
            for lag in range(w.shape[1]):
                rows.append({"stage": st.name, "lag_weeks": lag, "weight_mean": float(m[lag]),
                             "weight_hdi_low": float(lo[lag]), "weight_hdi_high": float(hi[lag]),
                             "cumulative_mean": float(cum[lag])})
        return pd.DataFrame(rows)

    def _paired(self) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
        """Lead contributions (n, T, C) and stage draws, paired draw by draw (independent posteriors)."""
        leads = self.leads.components(0, self.leads.train_weeks)["media"]
        draws = {s.name: self.stage_draws(s.name) for s in self.stages}
        n = min(leads.shape[0], *(len(d["rate"]) for d in draws.values()))
        rng = np.random.default_rng(0)
        li = rng.permutation(leads.shape[0])[:n]
        out = {}
        for name, d in draws.items():
            si = rng.permutation(len(d["rate"]))[:n]
            out[name] = {k: v[si] for k, v in d.items()}
        return leads[li], out

    def channel_stage_draws(self) -> dict[str, dict[str, np.ndarray]]:
        """Per stage (``leads`` first) ``weekly`` (draws, T, C) volume landing in the data window
        and ``eventual`` (draws, C) volume whenever it lands, from each channel's leads."""
        leads, draws = self._paired()
        out = {"leads": {"weekly": leads, "eventual": leads.sum(axis=1)}}
        out[self.spec.kpi.column] = out["leads"]
        for st in self.stages:
            src = out[st.source]
            d = draws[st.name]
            weekly = d["rate"][:, None, None] * convolve_lags(src["weekly"], d["lag_weights"])
            out[st.name] = {"weekly": weekly, "eventual": d["rate"][:, None] * src["eventual"]}
        return out

    def channel_funnel(self, prob: float = 0.9) -> pd.DataFrame:
        """One row per channel: spend; leads, cost per lead; for every later stage its volume
        from the channel's leads (``<stage>_*``: eventual, with HDI; ``<stage>_in_window_mean``:
        landed inside the data), ``cost_per_<stage>_*`` (count stages) or ``<stage>_per_spend_*``
        (value stages: pipeline / revenue per currency unit), and ``spend_to_<stage>_weeks``:
        the mean weeks from spend to that stage (the channel's carryover lag + the stage lags)."""
        vol = self.channel_stage_draws()
        fit = self.leads
        spend = fit.train.spend.sum(axis=0)
        safe = np.where(spend > 0, spend, np.nan)
        out = pd.DataFrame({"channel": fit.spec.channel_names, "role": [c.role for c in fit.spec.channels],
                            "spend": spend})
        w = carryover_matrix(fit.params, fit.layout)                       # (S, C, L)
        lag_weeks = (w @ np.arange(w.shape[-1])).mean(axis=0)              # (C,)

        def put(name: str, draws: np.ndarray) -> None:
            m, lo, hi = summarise(draws, prob)
            out[f"{name}_mean"], out[f"{name}_hdi_low"], out[f"{name}_hdi_high"] = m, lo, hi

        put("leads", vol["leads"]["eventual"])
        put("cost_per_lead", spend / vol["leads"]["eventual"])
        out["spend_to_leads_weeks"] = lag_weeks
        cum_lag = {"leads": lag_weeks, self.spec.kpi.column: lag_weeks}
        for st in self.stages:
            v = vol[st.name]
            put(st.name, v["eventual"])
            out[f"{st.name}_in_window_mean"] = v["weekly"].sum(axis=1).mean(axis=0)
            if st.kind == "count":
                put(f"cost_per_{st.name}", spend / v["eventual"])
            else:
                put(f"{st.name}_per_spend", v["eventual"] / safe)
            cum_lag[st.name] = cum_lag[st.source] + self.stage_draws(st.name)["mean_lag"].mean()
            out[f"spend_to_{st.name}_weeks"] = cum_lag[st.name]
        return out

    def summary_text(self, prob: float = 0.9) -> str:
        """Plain-language lines: stage rates and lags, then per channel cost per stage and lag."""
        cur = self.spec.currency
        lines = [f"Lead model: {self.leads.diagnostics.verdict}. Stage model: {self.diagnostics.verdict}."]
        for r in self.conversion_table(prob).itertuples():
            st = self.stage(r.stage)
            rate = (money(r.rate_mean, cur) if st.kind == "value" and r.rate_mean > 1 else f"{r.rate_mean:.1%}")
            lo = money(r.rate_hdi_low, cur) if st.kind == "value" and r.rate_mean > 1 else f"{r.rate_hdi_low:.1%}"
            hi = money(r.rate_hdi_high, cur) if st.kind == "value" and r.rate_mean > 1 else f"{r.rate_hdi_high:.1%}"
            lag = (f"lag {r.mean_lag_mean:.1f} weeks on average ({r.mean_lag_hdi_low:.1f} to {r.mean_lag_hdi_high:.1f})"
                   if st.estimated else f"given lag {r.mean_lag_mean:.0f} weeks")
            lines.append(f"{r.source} -> {r.stage}: {rate} ({lo} to {hi}; {r.rate_meaning}), {lag}.")
        table = self.channel_funnel(prob)
        last = self.stages[-1].name
        counts = [s for s in self.stages if s.kind == "count"]
        for r in table.itertuples():
            d = r._asdict()
            parts = [f"{r.channel}: {d['leads_mean']:,.0f} leads at {money(d['cost_per_lead_mean'], cur)} each"]
            for s in counts:
                parts.append(f"{d[f'{s.name}_mean']:,.0f} {s.name} at {money(d[f'cost_per_{s.name}_mean'], cur)} "
                             f"({money(d[f'cost_per_{s.name}_hdi_low'], cur)} to "
                             f"{money(d[f'cost_per_{s.name}_hdi_high'], cur)})")
            lv = d[f"{last}_mean"]
            last_txt = money(lv, cur) if self.stage(last).kind == "value" else f"{lv:,.0f}"
            parts.append(f"{last_txt} {last} about {d[f'spend_to_{last}_weeks']:.0f} weeks after the spend, "
                         f"{d[f'{last}_in_window_mean'] / max(lv, 1e-12):.0%} of it inside the data")
            lines.append("; ".join(parts) + ".")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<FunnelFit leads '{self.spec.kpi.column}' -> {' -> '.join(s.name for s in self.stages)}: "
                f"lead model {self.leads.diagnostics.verdict}; stages {self.diagnostics.verdict}>")


# ---------------------------------------------------------------------- charts (house style)


def plot_lags(fit: FunnelFit, prob: float = 0.9, *, title: str | bool | None = None) -> Any:
    """The sales-cycle lag of every later stage: share landing each week after the earlier
    stage, with ``prob`` HDI whiskers and the mean lag marked (one panel per stage).
    Returns a matplotlib Figure (house style of :mod:`mmm.plots`)."""
    from mmm.plots.style import FIGSIZE, FONT, finish, house_style, new_figure, percent_formatter

    table = fit.lag_table(prob)
    conv = fit.conversion_table(prob).set_index("stage")
    stages = list(fit.stages)
    max_l = max(max(s.n_lags - 1 for s in stages), 1)
    fig, axes = new_figure(len(stages), 1, figsize=(FIGSIZE[0], max(FIGSIZE[1], 2.9 * len(stages))))
    axes = np.atleast_1d(axes)
    with house_style():
        for ax, st in zip(axes, stages, strict=True):
            t = table[table.stage == st.name]
            c = conv.loc[st.name]
            ax.bar(t.lag_weeks, t.weight_mean, color="#1F4E9A" if st.estimated else "#9E9E9E", width=0.72)
            ax.errorbar(t.lag_weeks, t.weight_mean, yerr=[np.maximum(t.weight_mean - t.weight_hdi_low, 0),
                                                          np.maximum(t.weight_hdi_high - t.weight_mean, 0)],
                        fmt="none", ecolor="#222222", capsize=3, elinewidth=1.5)
            if st.estimated:
                ax.axvline(c.mean_lag_mean, color="#E8702A", lw=3, ls="--")
                ax.text(c.mean_lag_mean, 0.97, f"  mean {c.mean_lag_mean:.1f} weeks", color="#E8702A",
                        transform=ax.get_xaxis_transform(), va="top", fontsize=FONT["legend"], fontweight="bold")
                how = (f"estimated: mean lag {c.mean_lag_mean:.1f} weeks [{c.mean_lag_hdi_low:.1f}, "
                       f"{c.mean_lag_hdi_high:.1f}], {prob:.0%} intervals")
            else:
                how = f"given: {c.mean_lag_mean:.0f} weeks"
            ax.set_title(f"{_words(st.source)} → {_words(st.name)} ({how})", loc="left",
                         fontsize=FONT["panel_title"])
            ax.yaxis.set_major_formatter(percent_formatter())
            ax.set_ylabel(f"Share of {_words(st.name)}")
            ax.set_xticks(range(max_l + 1))
            ax.set_xlim(-0.6, max_l + 0.6)
        axes[-1].set_xlabel("Weeks after the earlier stage")
    est = [s for s in stages if s.estimated]
    if est:
        last = conv.loc[est[-1].name]
        auto = (f"{_words(est[-1].name).capitalize()} arrives {last.mean_lag_mean:.0f} weeks after "
                f"{_words(est[-1].source)} on average ({prob:.0%}: {last.mean_lag_hdi_low:.0f} to "
                f"{last.mean_lag_hdi_high:.0f} weeks)")
    else:
        auto = "Stage lags (given)"
    return finish(fig, title=title, auto=auto, approximate=fit.leads.approximate, standalone=True)


def _funnel_claim(fit: FunnelFit, table: pd.DataFrame, st: Stage, u: Any) -> str:
    """The chart's takeaway, gated by the posterior (:mod:`mmm.claims`): a channel is named the best
    only when it is in at least 90% of the draws; otherwise the channels the data cannot tell apart."""
    from mmm.claims import Wording, prob_best, rank_claim
    from mmm.plots.style import label

    n = st.name
    spend = table.set_index("channel")["spend"].reindex(list(fit.spec.channel_names)).to_numpy(dtype=float)
    per_spend = fit.channel_stage_draws()[n]["eventual"] / np.where(spend > 0, spend, np.nan)
    probs = dict(zip(fit.spec.channel_names, prob_best(per_spend), strict=True))
    best = table.set_index("channel").loc[max(probs, key=probs.get)]
    if st.kind == "count":
        wording = Wording(f"brings the cheapest {_words(n)}", f"bring the cheapest {_words(n)}", "cheapest",
                          "cheaper")
        value = f"{u.money(best[f'cost_per_{n}_mean'])} each"
    else:
        wording = Wording(f"returns the most {_words(n)} per dollar", f"return the most {_words(n)} per dollar")
        value = (f"{u.ratio(best[f'{n}_per_spend_mean'])}, ~{best[f'spend_to_{n}_weeks']:.0f} weeks after "
                 "the spend")
    return str(rank_claim(probs, wording, value=value, label=label))


def plot_channel_funnel(fit: FunnelFit, stage: str | None = None, prob: float = 0.9, *,
                        title: str | bool | None = None, ax: Any = None) -> Any:
    """Per channel: the ``stage`` volume its leads create (default: the last stage) with
    ``prob`` HDI whiskers, the part already landed inside the data darker, and the cost per
    unit (count stage) or return per currency unit (value stage) and the weeks from spend as
    a label. Returns a matplotlib Figure (house style of :mod:`mmm.plots`)."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    from mmm.plots.style import (
        FONT,
        channel_colors,
        compact,
        finish,
        house_style,
        label,
        lighten,
        money_formatter,
        panel,
        subtitle,
        units_of,
    )

    st = fit.stage(stage or fit.stages[-1].name)
    t = fit.channel_funnel(prob)
    u = units_of(fit.spec)
    colors = channel_colors(fit.spec)
    n = st.name
    fig, ax, standalone = panel(ax)
    with house_style():
        y = np.arange(len(t))[::-1]
        for yi, r in zip(y, t.to_dict("records"), strict=True):
            c = colors.get(r["channel"], "#888888")
            ax.barh(yi, r[f"{n}_mean"], height=0.62, color=lighten(c, 0.6))
            ax.barh(yi, r[f"{n}_in_window_mean"], height=0.62, color=c)
            ax.errorbar(r[f"{n}_mean"], yi, xerr=[[max(r[f"{n}_mean"] - r[f"{n}_hdi_low"], 0)],
                                                  [max(r[f"{n}_hdi_high"] - r[f"{n}_mean"], 0)]],
                        fmt="none", ecolor="#222222", capsize=5, elinewidth=1.8)
            if st.kind == "count":
                txt = f"  {u.money(r[f'cost_per_{n}_mean'])} per {_singular(n)}"
            else:
                txt = f"  returns {u.ratio(r[f'{n}_per_spend_mean'])} spend"
            txt += f", ~{r[f'spend_to_{n}_weeks']:.0f} weeks after spend"
            ax.text(r[f"{n}_hdi_high"], yi, txt, va="center", fontsize=FONT["legend"], fontweight="bold")
        ax.set_yticks(y, [label(c) for c in t.channel])
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        if st.kind == "value":
            ax.xaxis.set_major_formatter(money_formatter(u))
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
        ax.set_xlim(0, float(t[f"{n}_hdi_high"].max()) * 2.0)
        unit = f" ({u.symbol.strip()})" if st.kind == "value" else ""
        ax.set_xlabel(f"{_words(n).capitalize()}{unit} created by each channel's leads")
        ax.legend(handles=[Patch(color="#777777", label="landed inside the data"),
                           Patch(color=lighten("#777777", 0.6), label="eventually (whenever it lands)")],
                  loc="lower right")
        subtitle(ax, f"{_words(n).capitalize()} per channel through the funnel, {prob:.0%} intervals",
                 standalone=standalone)
    auto = _funnel_claim(fit, t, st, u)
    return finish(fig, title=title, auto=auto, approximate=fit.leads.approximate, ax=ax, standalone=standalone)
