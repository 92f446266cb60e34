"""Fit the geo model and hold the result: :func:`fit_geo` returns a :class:`GeoFit`.

A :class:`GeoFit` answers per geo (``channels_by_geo``, ``contributions_by_geo``) and nationally
through :meth:`GeoFit.total_view`: a :class:`GeoTotalView`, a :class:`~mmm.fitted.FittedModel`
whose components are the geo components summed over geos, so every national table, check, plan
and report reads a geo fit as it reads a national one (``channels.csv`` has the same columns;
national ROAS is total incremental KPI over all geos / total spend, per draw). Planning on the
view sees the sum of the geo responses (:mod:`mmm.geo.plan`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data import Dataset
from mmm.design import Design, Scaling
from mmm.diagnostics import Diagnostics
from mmm.errors import SpecError
from mmm.fitted import FittedModel, as_spec
from mmm.geo.panel import GeoPanel
from mmm.response import Layout, components, saturated_media
from mmm.spec import Spec
from mmm.stats import hdi

#: Spec fields that make a spec a geo spec; the national view's spec has them cleared.
GEO_FIELDS = ("geo_column", "population_column")


def is_geo_spec(spec: Spec) -> bool:
    """True when the spec names a geo column (a panel, fitted by the geo model)."""
    return bool(getattr(spec, "geo_column", None))


def national_spec(spec: Spec) -> Spec:
    """``spec`` without its geo fields: the spec of the national view."""
    names = {f.name for f in dataclasses.fields(spec)}
    return spec.replace(**{k: None for k in GEO_FIELDS if k in names})


def flat_posterior(posterior: Any) -> dict[str, np.ndarray]:
    """Every variable of a posterior group as ``{name: (draws, ...)}`` (chains stacked)."""
    out = {}
    for name in posterior.data_vars:
        arr = np.asarray(posterior[name].values, dtype="float64")
        out[str(name)] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
    return out


def national_dataset(spec: Spec, panel: GeoPanel) -> Dataset:
    """The panel summed over geos (KPI, spend) with controls averaged, as a national :class:`Dataset`."""
    nspec = national_spec(spec)
    frame = pd.DataFrame({nspec.date_column: pd.DatetimeIndex(panel.dates).astype("datetime64[ns]"),
                          nspec.kpi.column: panel.national_kpi()})
    spend = panel.national_spend()
    for c, ch in enumerate(nspec.channels):
        frame[ch.spend] = spend[:, c]
    from mmm.geo.inputs import panel_controls, panel_events

    controls, events = panel_controls(panel).mean(axis=0), panel_events(panel)
    for k, name in enumerate(nspec.controls[: controls.shape[1]]):
        frame[name] = controls[:, k]
    for e, name in enumerate(nspec.events[: events.shape[1]]):
        frame[name] = events[:, e]
    return Dataset(nspec, frame)


@dataclass
class GeoFit:
    """A fitted geo model: the spec, the panel, the scaling, the posterior and its diagnostics.

    Attributes
    ----------
    spec : Spec
        The geo spec.
    panel : GeoPanel
        The data, one row per geo and week.
    scaling : GeoScaling
        Scale factors (:class:`mmm.geo.model.GeoScaling`).
    idata : InferenceData or SavedPosterior
        The posterior (``posterior`` and ``sample_stats`` groups).
    diagnostics : Diagnostics
        Sampler diagnostics and verdict; fit checks and health of the national view.
    """

    spec: Spec
    panel: GeoPanel
    scaling: Any
    idata: Any
    diagnostics: Diagnostics
    _flat: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _national: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _media_totals: np.ndarray | None = field(default=None, repr=False)
    _view: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ internals
    @property
    def layout(self) -> Layout:
        """Per-channel carryover/saturation forms."""
        return Layout.from_spec(self.spec)

    @property
    def train_weeks(self) -> int:
        """Weeks fitted (a geo fit has no holdout)."""
        return self.panel.n_weeks

    @property
    def geos(self) -> tuple[str, ...]:
        """Geo names, in panel order."""
        return tuple(self.panel.geos)

    @property
    def draws(self) -> dict[str, np.ndarray]:
        """Every posterior variable as ``{name: (draws, ...)}``."""
        if self._flat is None:
            self._flat = flat_posterior(self.idata.posterior)
        return self._flat

    @property
    def approximate(self) -> bool:
        """True for ADVI fits."""
        return self.diagnostics.approximate

    def designs(self) -> list[Design]:
        """One scaled design per geo."""
        from mmm.geo.inputs import geo_designs

        return geo_designs(self.spec, self.panel, self.scaling)

    def geo_params(self, g: int) -> dict[str, np.ndarray]:
        """Geo ``g``'s parameters in the national model's names (``(draws, ...)``), for
        :func:`mmm.response.components`."""
        d = self.draws
        S = d["roas"].shape[0]
        out = {name: d[name] for name in d if name in _SHARED}
        out["media_beta"] = d["media_beta_geo"][:, g]
        out["intercept"] = d["intercept"][:, g]
        if "trend_slope_geo" in d:
            out["trend_slope"] = d["trend_slope_geo"][:, g]
        if "seasonality_geo" in d:
            out["seasonality"] = d["seasonality_geo"][:, g]
        if "sigma" in d:
            out["sigma"] = d["sigma"][:, g]
        out.setdefault("intercept", np.zeros(S))
        return out

    def geo_components(self, g: int, design: Design | None = None) -> dict[str, np.ndarray]:
        """Posterior draws of geo ``g``'s components in KPI units (as :meth:`FittedModel.components`)."""
        design = design if design is not None else self.designs()[g]
        parts = components(self.geo_params(g), design, self.layout, self.spec.model.trend)
        parts["mean"] = sum_parts(parts)
        k = float(self.scaling.kpi_scale[g])
        return {name: arr * k for name, arr in parts.items()}

    def national_components(self) -> dict[str, np.ndarray]:
        """Components summed over geos, KPI units, ``(draws, T, ...)`` (computed once)."""
        if self._national is None:
            total: dict[str, np.ndarray] = {}
            media = []
            for g, design in enumerate(self.designs()):
                parts = self.geo_components(g, design)
                media.append(parts["media"].sum(axis=1))
                for name, arr in parts.items():
                    total[name] = total[name] + arr if name in total else arr.copy()
            self._national = total
            self._media_totals = np.stack(media, axis=1)         # (S, G, C)
        return self._national

    def geo_contribution_draws(self) -> np.ndarray:
        """Each geo's total contribution per channel over the weeks, ``(draws, G, C)``, KPI units."""
        self.national_components()
        return self._media_totals

    # ------------------------------------------------------------------ public results
    def total_view(self) -> GeoTotalView:
        """The national view: a :class:`~mmm.fitted.FittedModel` of the geo sums."""
        if self._view is None:
            self._view = GeoTotalView.of(self)
        return self._view

    def channel_summary(self, prob: float = 0.9) -> pd.DataFrame:
        """National channel table (the columns of ``channels.csv``)."""
        return self.total_view().channel_summary(prob)

    def channels_by_geo(self, prob: float = 0.9) -> pd.DataFrame:
        """One row per geo and channel: ``geo, channel, spend, contribution_mean, contribution_hdi_low,
        contribution_hdi_high, roas_mean, roas_hdi_low, roas_hdi_high``."""
        contrib = self.geo_contribution_draws()                  # (S, G, C)
        spend = self.panel.spend.sum(axis=1)                     # (G, C)
        roas = contrib / np.where(spend > 0, spend, np.nan)[None]
        S, G, C = contrib.shape
        c_lo, c_hi = hdi(contrib.reshape(S, G * C), prob)
        with np.errstate(invalid="ignore"):
            r_lo, r_hi = hdi(roas.reshape(S, G * C), prob)
        return pd.DataFrame({
            "geo": np.repeat(self.geos, C), "channel": np.tile(self.spec.channel_names, G),
            "spend": spend.ravel(), "contribution_mean": contrib.mean(axis=0).ravel(),
            "contribution_hdi_low": c_lo, "contribution_hdi_high": c_hi,
            "roas_mean": roas.mean(axis=0).ravel(), "roas_hdi_low": r_lo, "roas_hdi_high": r_hi})

    def contributions_by_geo(self) -> pd.DataFrame:
        """Weekly decomposition per geo (posterior means, KPI units): ``geo, date, actual, fitted,
        baseline``, one column per channel and per control."""
        frames = []
        controls = list(self.spec.controls)
        for g, design in enumerate(self.designs()):
            parts = self.geo_components(g, design)
            out = pd.DataFrame({"geo": self.geos[g], "date": self.panel.dates, "actual": self.panel.kpi[g],
                                "fitted": parts["mean"].mean(axis=0)})
            base = parts["intercept"] + parts["trend"] + parts["seasonality"] + parts["events"].sum(axis=-1)
            out["baseline"] = base.mean(axis=0)
            media = parts["media"].mean(axis=0)
            for i, name in enumerate(self.spec.channel_names):
                out[name] = media[:, i]
            ctrl = parts["controls"].mean(axis=0)
            for i, name in enumerate(controls[: ctrl.shape[1]]):
                out[name] = ctrl[:, i]
            frames.append(out)
        return pd.concat(frames, ignore_index=True)

    def media_roas_by_geo(self, prob: float = 0.9) -> pd.DataFrame:
        """Each geo's return on all media together: ``geo, spend, roas_mean, roas_hdi_low, roas_hdi_high``."""
        spend = self.panel.spend.sum(axis=(1, 2))                # (G,)
        roas = self.geo_contribution_draws().sum(axis=2) / np.where(spend > 0, spend, np.nan)[None]
        lo, hi = hdi(roas, prob)
        return pd.DataFrame({"geo": list(self.geos), "spend": spend, "roas_mean": roas.mean(axis=0),
                             "roas_hdi_low": lo, "roas_hdi_high": hi})

    def plot_geo_roas(self, prob: float = 0.9, **kwargs: Any) -> Any:
        """The geo slide's chart (:func:`mmm.plots.geo.plot_geo_roas`)."""
        from mmm.plots.geo import plot_geo_roas

        return plot_geo_roas(self.channels_by_geo(prob), self.media_roas_by_geo(prob), self.channel_summary(prob),
                             prob=prob, approximate=self.total_view(), **kwargs)

    def lift_draws(self, test: Any) -> np.ndarray:
        """The lift a national test (:class:`mmm.geo.model.GeoLift`) should measure, per draw, in KPI units:
        each geo's extra KPI inside the window from its share of the spend change, summed over geos."""
        c, layout = test.channel_index, self.layout
        total = np.zeros(self.draws["roas"].shape[0])
        for g, design in enumerate(self.designs()):
            p = self.geo_params(g)
            before = saturated_media(p, design.lags, layout)[:, :, c]
            lags = design.lags.copy()
            lags[:, c, :] = lags[:, c, :] + test.delta_lags[g]
            after = saturated_media(p, lags, layout)[:, :, c]
            total += float(self.scaling.kpi_scale[g]) * p["media_beta"][:, c] * ((after - before) * test.window).sum(axis=1)
        return total

    def geo_roas_draws(self) -> np.ndarray:
        """Each geo's ROAS over the weeks, ``(draws, G, C)`` (NaN where a geo never spent)."""
        spend = self.panel.spend.sum(axis=1)
        return self.geo_contribution_draws() / np.where(spend > 0, spend, np.nan)[None]

    def check_fit(self) -> None:
        """R-squared, MAPE and 90% coverage of the national sums (see :meth:`FittedModel.check_fit`)."""
        self.total_view().check_fit()

    def check_health(self) -> list:
        """Model-health checks on the national view (:mod:`mmm.health`)."""
        return self.total_view().check_health()

    def save(self, path: str | Path) -> Path:
        """Save to one NetCDF file (no pickle); :func:`mmm.persist.load_fit` reads it back."""
        from mmm.persist import save_fit

        return save_fit(self, path)

    def summary_text(self) -> str:
        """The national summary, then how many geos and how much they differ."""
        text = self.total_view().summary_text()
        sd = self.draws.get("roas_geo_sd")
        spread = "" if sd is None else ("; how much geos' returns differ at equal spend per head (sd on the log scale): " + ", ".join(
            f"{c} {v:.2f}" for c, v in zip(self.spec.channel_names, sd.mean(axis=0), strict=True)))
        return text + f"\n\nGeo model: {self.panel.n_geos} geos x {self.panel.n_weeks} weeks{spread}."

    def __repr__(self) -> str:
        return (f"<GeoFit {self.spec.kpi.type} '{self.spec.kpi.column}', {self.panel.n_geos} geos: "
                f"{self.diagnostics.verdict}>")


#: Posterior variables shared by every geo, passed to the forward path under their own names.
_SHARED = ("carryover", "peak_lag", "weibull_shape", "weibull_scale", "saturation_lambda", "half_saturation",
           "hill_slope", "trend_delta", "control_effect", "event_effect", "nu", "nb_alpha")


def sum_parts(parts: dict[str, np.ndarray]) -> np.ndarray:
    """Sum of components, ``(draws, T)`` (as :func:`mmm.response.total_mean`)."""
    from mmm.response import total_mean

    return total_mean(parts)


@dataclass
class GeoTotalView(FittedModel):
    """A geo fit seen nationally: a :class:`~mmm.fitted.FittedModel` whose components are the geo
    components summed over geos.

    Its ``dataset`` is the panel summed over geos and its ``scaling`` that of the sums; its
    ``params`` hold the shared carryover and saturation parameters, national ROAS per draw
    (``roas``) and a national-equivalent ``media_beta`` (the geo effects summed, expressed on the
    summed spend: exact for the fitted weeks, an approximation elsewhere). Planning reads
    :meth:`response_model`, the exact sum of the geo responses.
    """

    geo_fit: Any = field(default=None, repr=False)

    @classmethod
    def of(cls, fit: GeoFit) -> GeoTotalView:
        """The national view of ``fit``."""
        from mmm.geo.inputs import national_scaling

        dataset = national_dataset(fit.spec, fit.panel)
        view = cls(spec=dataset.spec, dataset=dataset, scaling=national_scaling(fit.panel), idata=fit.idata,
                   diagnostics=fit.diagnostics, train_weeks=fit.panel.n_weeks, geo_fit=fit)
        view._params = view._national_params()
        return view

    def _national_params(self) -> dict[str, np.ndarray]:
        fit = self.geo_fit
        d = fit.draws
        out = {name: d[name] for name in d if name in _SHARED}
        contrib = fit.geo_contribution_draws().sum(axis=1)                   # (S, C)
        spend = self.train.spend.sum(axis=0)
        out["roas"] = contrib / np.where(spend > 0, spend, np.nan)
        sat = saturated_media(out, self.design(0, self.train_weeks).lags, self.layout).sum(axis=1)   # (S, C)
        out["media_beta"] = contrib / (self.scaling.kpi_scale * np.where(sat > 0, sat, np.nan))
        out["media_beta"] = np.nan_to_num(out["media_beta"])
        out["intercept"] = np.zeros(contrib.shape[0])
        return out

    def components(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Posterior draws of the national components (geo components summed), KPI units."""
        stop = self.dataset.n_weeks if stop is None else stop
        return {name: arr[:, start:stop] for name, arr in self.geo_fit.national_components().items()}

    def predictive(self, mean: np.ndarray, seed: int = 0) -> np.ndarray:
        """National predictive draws: the mean plus the geo noises summed (independent across geos)."""
        rng = np.random.default_rng(seed)
        d = self.geo_fit.draws
        k = np.asarray(self.geo_fit.scaling.kpi_scale)
        if "sigma" not in d:  # negative binomial: sum of per-geo counts, approximated by its normal
            return mean + rng.standard_normal(mean.shape) * np.sqrt(np.maximum(mean, 0.0))
        sd = np.sqrt(((d["sigma"] * k[None, :]) ** 2).sum(axis=1))          # (S,)
        if self.spec.model.likelihood == "student_t":
            return mean + rng.standard_t(d["nu"][:, None], mean.shape) * sd[:, None]
        return mean + rng.standard_normal(mean.shape) * sd[:, None]

    def response_model(self) -> Any:
        """What planning reads: the sum of the geo responses (:class:`mmm.geo.plan.GeoResponseModel`)."""
        from mmm.geo.plan import GeoResponseModel

        return GeoResponseModel.of(self)

    def save(self, path: str | Path) -> Path:
        """Saves the geo fit it views."""
        return self.geo_fit.save(path)


def fit_geo(spec: Spec | str | Path | dict, data: Any = None, *, draws: int | None = None, tune: int | None = None,
            chains: int | None = None, sampler: str | None = None, seed: int | None = None,
            target_accept: float | None = None, holdout_weeks: int | None = None, progressbar: bool = True,
            aggregate_daily: bool = False, mass_matrix: str = "diagonal") -> GeoFit:
    """Fit the hierarchical geo model (:mod:`mmm.geo.model`) to a panel.

    Parameters
    ----------
    spec : Spec, dict or path
        A spec with ``geo_column``.
    data : path, DataFrame or GeoPanel, optional
        The long-format panel (default: the spec's ``data:``), or a :class:`GeoPanel` as is.
    draws, tune, chains, sampler, seed, target_accept, progressbar
        Override the spec's ``fit:`` section, as :meth:`mmm.fitted.Model.fit`.
    holdout_weeks : int, optional
        Not available for geo fits (a clear error if set).
    aggregate_daily : bool
        Sum daily rows into Monday-starting weeks per geo (:func:`mmm.geo.load.load_panel`).
    mass_matrix : str
        NUTS mass matrix of the numpyro sampler (:data:`mmm.geo.model.MASS_MATRICES`): ``diagonal``
        (learnt in warm-up from the draws and their gradients), ``dense``, or ``global`` (dense over the
        parameters every geo shares).

    Returns
    -------
    GeoFit
    """
    from mmm.sampling import fast_mode, sample_and_judge

    if holdout_weeks:
        raise SpecError("Geo fits have no holdout yet: leave 'fit.holdout_weeks' / --holdout-weeks out, "
                        "or sum the geos (--aggregate-geo) to fit a national model with a holdout.")
    spec = as_spec(spec).with_fit(draws=draws, tune=tune, chains=chains, sampler=sampler, seed=seed,
                                  target_accept=target_accept)
    spec = fast_mode(spec)
    if spec.fit.holdout_weeks:
        raise SpecError("Geo fits have no holdout yet: set 'fit.holdout_weeks: 0'.")
    if isinstance(data, GeoPanel):
        panel = data
    else:
        from mmm.geo.load import load_panel

        panel = load_panel(spec, data, aggregate_daily=aggregate_daily)
    from mmm.geo.inputs import geo_designs, geo_lift_data, geo_scaling

    t0 = time.perf_counter()
    scaling = geo_scaling(panel)
    designs, lift = geo_designs(spec, panel, scaling), geo_lift_data(spec, panel, scaling)

    def build() -> Any:
        from mmm.geo.model import build_geo_model

        return build_geo_model(spec, panel, scaling, designs, lift=lift)

    def native() -> Any:
        from mmm.geo.native import geo_native_graph

        return geo_native_graph(spec, panel, scaling, designs, lift)

    # the diagonal mass matrix (the default) samples the model written in JAX (mmm.geo.native: the same model,
    # without PyMC, and a gradient 1.2-1.7x cheaper); a dense or global one needs the PyMC model's variables
    model: Any = build
    dense_mass: bool | tuple = False
    if mass_matrix != "diagonal":
        from mmm.geo.model import mass_matrix_setting

        model = build()
        dense_mass = mass_matrix_setting(model, mass_matrix)
    build_seconds = time.perf_counter() - t0
    # warm-up learns the diagonal mass from draws and gradients (mmm.compiled.gradient_mass_updates, every fit's
    # default): a panel's scales differ ten-thousandfold, and numpyro's windows kept the identity for 100 draws of
    # 1,023 leapfrog steps each (10 geos, 2 chains: sampling 57 s -> 26-30 s, the same posterior; benchmarks/README.md)
    idata, diagnostics = sample_and_judge(model, spec.fit, progressbar=progressbar, build_seconds=build_seconds,
                                          dense_mass=dense_mass, native=native)
    fit = GeoFit(spec=spec, panel=panel, scaling=scaling, idata=idata, diagnostics=diagnostics)
    fit.check_fit()
    fit.check_health()
    return fit


__all__ = ["GeoFit", "GeoTotalView", "Scaling", "fit_geo", "flat_posterior", "is_geo_spec", "national_dataset",
           "national_spec"]
