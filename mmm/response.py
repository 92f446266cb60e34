"""The one forward path: from per-channel parameters and spend to the KPI's parts.

Written once for NumPy (posterior draws: contributions, holdout prediction, planning) and
PyTensor (inside the PyMC model, :mod:`mmm.model`): pass ``xp=numpy`` (the default) or
``xp=pytensor.tensor``; parameters always carry a leading draw axis. This module does not
import PyMC or PyTensor, so reading a saved fit, planning and reporting never load them.

Also here, because they are plain data: the :class:`Layout` of carryover and saturation forms,
the documented default priors, lift-test arrays, and flattening a posterior into draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmm.design import Design
from mmm.spec import Prior, Spec
from mmm.transforms import (
    CARRYOVER_PARAMS,
    CARRYOVERS,
    SATURATION_PARAM_NAMES,
    SATURATIONS,
    carryover_weights,
    param_kinds,
    saturation,
)

#: per-channel parameter -> the adstock/saturation kinds that use it (from the transform registry)
PARAM_USERS: dict[str, tuple[str, ...]] = {p: param_kinds(p) for p in CARRYOVER_PARAMS + SATURATION_PARAM_NAMES}


@dataclass(frozen=True)
class Layout:
    """Which channel uses which carryover and saturation form, and where its parameters sit."""

    channels: tuple[str, ...]
    adstock: tuple[str, ...]
    saturation: tuple[str, ...]
    l_max: tuple[int, ...]

    @classmethod
    def from_spec(cls, spec: Spec) -> Layout:
        """Resolve per-channel overrides against the model defaults."""
        names = tuple(spec.channel_names)
        return cls(names,
                   tuple(spec.channel_setting(n, "adstock") for n in names),
                   tuple(spec.channel_setting(n, "saturation") for n in names),
                   tuple(int(spec.channel_setting(n, "l_max")) for n in names))

    @property
    def max_l(self) -> int:
        """Longest carryover window over channels."""
        return max(self.l_max)

    def users(self, param: str) -> list[str]:
        """Channels (in spec order) that have parameter ``param``."""
        kinds = PARAM_USERS[param]
        forms = self.adstock if param in CARRYOVER_PARAMS else self.saturation
        return [c for c, k in zip(self.channels, forms, strict=True) if k in kinds]

    def lag_mask(self) -> np.ndarray:
        """(C, L) mask: 1 where a lag is within the channel's own ``l_max``."""
        mask = np.zeros((len(self.channels), self.max_l))
        for i, lm in enumerate(self.l_max):
            mask[i, :lm] = 1.0
        return mask


# ---------------------------------------------------------------------- the mean function


def _take(params: dict[str, Any], layout: Layout, param: str, chans: list[str]) -> Any:
    users = layout.users(param)
    return params[param][:, [users.index(c) for c in chans]]


def _concat(parts: list[Any], order: list[int], axis: int, xp: Any) -> Any:
    """Concatenate per-kind blocks and put channels back in spec order."""
    if xp is np:
        out = np.concatenate(parts, axis=axis)
    else:
        out = xp.concatenate(parts, axis=axis) if len(parts) > 1 else parts[0]
    inverse = list(np.argsort(order))
    if inverse == list(range(len(order))):
        return out
    return out[:, inverse] if axis == 1 else out[:, :, inverse]


def carryover_matrix(params: dict[str, Any], layout: Layout, xp: Any = np) -> Any:
    """Normalised carryover weights of every channel, shape ``(draws, C, L)``.

    ``params`` that hold the weights themselves as ``carryover_weights`` (a mixture of carryover
    forms, :class:`mmm.many.stacked_view.StackedView`) are returned as they are.
    """
    if "carryover_weights" in params:
        return params["carryover_weights"]
    parts, order = [], []
    mask = layout.lag_mask()
    for kind, form in CARRYOVERS.items():
        chans = [c for c, k in zip(layout.channels, layout.adstock, strict=True) if k == kind]
        if not chans:
            continue
        idx = [layout.channels.index(c) for c in chans]
        p = {n: _take(params, layout, n, chans) for n in form.params}
        w = carryover_weights(kind, p, layout.max_l, xp) * mask[idx]
        parts.append(w / xp.sum(w, axis=-1, keepdims=True))
        order += idx
    return _concat(parts, order, axis=1, xp=xp)


def saturated_media(params: dict[str, Any], lags: np.ndarray, layout: Layout, xp: Any = np) -> Any:
    """Saturation of carried-over scaled spend, shape ``(draws, T, C)``."""
    weights = carryover_matrix(params, layout, xp)
    # one contraction over the lags, a dot_general in JAX: summing a broadcast product instead made the 40-geo
    # model's gradient 15-30% slower (benchmarks/README.md). PyTensor: a batched matrix product per channel (its
    # einsum op compares by identity, so two builds of one model would not share a compiled program)
    if getattr(xp, "__name__", "").startswith("pytensor"):
        lags_t = xp.as_tensor_variable(lags)
        carried = xp.matmul(lags_t.dimshuffle(1, 0, 2), weights.dimshuffle(1, 2, 0)).dimshuffle(2, 1, 0)
    else:
        carried = xp.einsum("tcl,scl->stc", lags, weights)
    parts, order = [], []
    for kind, form in SATURATIONS.items():
        chans = [c for c, k in zip(layout.channels, layout.saturation, strict=True) if k == kind]
        if not chans:
            continue
        idx = [layout.channels.index(c) for c in chans]
        p = {n: _take(params, layout, n, chans)[:, None, :] for n in form.params}
        # NumPy (every posterior draw's contributions): the form's faster NumPy function, the same values (the
        # logistic's exp(-lam x) falls to subnormal numbers on strongly saturated weeks, which the CPU computes
        # slowly: 0.38 s of the b2b sample's fit checks; its tanh form does not, 0.03 s)
        parts.append(form.fast_value(carried[:, :, idx], p) if xp is np else saturation(kind, carried[:, :, idx], p, xp))
        order += idx
    return _concat(parts, order, axis=2, xp=xp)


def saturate_channels_first(params: dict[str, Any], carried: Any, layout: Layout, xp: Any = np) -> Any:
    """Saturation of carried-over scaled spend held channels first, ``(C, ...)`` (one draw's parameters,
    leading axis of 1); the geo model's layout (:mod:`mmm.geo.native`), where each channel's geo-weeks are
    contiguous."""
    parts, order = [], []
    for kind, form in SATURATIONS.items():
        chans = [c for c, k in zip(layout.channels, layout.saturation, strict=True) if k == kind]
        if not chans:
            continue
        idx = [layout.channels.index(c) for c in chans]
        trailing = (1,) * (carried.ndim - 1)
        p = {n: _take(params, layout, n, chans)[0].reshape((len(chans), *trailing)) for n in form.params}
        part = carried if idx == list(range(len(layout.channels))) else carried[np.asarray(idx)]
        parts.append(saturation(kind, part, p, xp))
        order += idx
    out = xp.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
    inverse = np.argsort(order)
    return out if list(inverse) == list(range(len(order))) else out[inverse]


def baseline_parts(params: dict[str, Any], design: Design, trend: str, xp: Any = np) -> dict[str, Any]:
    """Intercept, trend, seasonality (``(draws, T)``), controls and events (``(draws, T, K)``)."""
    S = params["intercept"].shape[0]
    T = design.n_weeks
    zeros = xp.zeros((S, T))
    out = {"intercept": params["intercept"][:, None] + zeros}
    if trend == "none":
        out["trend"] = zeros
    else:
        tr = params["trend_slope"][:, None] * design.time[None, :]
        if trend == "piecewise":
            hinge = xp.maximum(design.time[:, None] - design.changepoints[None, :], 0.0)  # (T, P)
            tr = tr + xp.dot(params["trend_delta"], hinge.T)
        out["trend"] = tr
    out["seasonality"] = xp.dot(params["seasonality"], design.fourier.T) if _columns(design.fourier) else zeros
    out["controls"] = params["control_effect"][:, None, :] * design.controls[None] if _columns(design.controls) \
        else xp.zeros((S, T, 0))
    out["events"] = params["event_effect"][:, None, :] * design.events[None] if _columns(design.events) \
        else xp.zeros((S, T, 0))
    return out


def _columns(x: Any) -> int:
    """The number of columns of a design array: a NumPy array, or a tensor of static shape (the national
    model's named data inputs, :mod:`mmm.data_inputs`)."""
    shape = x.type.shape if hasattr(x, "type") else np.shape(x)
    return int(shape[1])


def components(params: dict[str, Any], design: Design, layout: Layout, trend: str, xp: Any = np) -> dict[str, Any]:
    """All parts of the scaled mean: baseline parts plus ``media`` ``(draws, T, C)``.

    ``params`` must hold ``media_beta`` (draws, C) besides the transform and baseline
    parameters. Multiply by ``kpi_scale`` for KPI units.
    """
    out = baseline_parts(params, design, trend, xp)
    out["media"] = saturated_media(params, design.lags, layout, xp) * params["media_beta"][:, None, :]
    return out


def total_mean(parts: dict[str, Any], xp: Any = np) -> Any:
    """Sum of components, shape ``(draws, T)``."""
    return (parts["intercept"] + parts["trend"] + parts["seasonality"]
            + xp.sum(parts["controls"], axis=-1) + xp.sum(parts["events"], axis=-1)
            + xp.sum(parts["media"], axis=-1))


# ---------------------------------------------------------------------- priors


def default_priors(spec: Spec, kpi_total: float, spend_total: float, layout: Layout) -> dict[str, Prior]:
    """The documented default priors (before user overrides), on the scaled model.

    Carryover and saturation defaults come from the transform registry
    (:data:`mmm.transforms.CARRYOVERS`, :data:`mmm.transforms.SATURATIONS`): carryover priors
    depend on the channel's ``role`` (brand channels build demand slowly: longer, later
    carryover; performance channels capture it quickly) and are keyed
    ``param@kind@role`` here. See the README's "Priors" section for the reasoning behind each.
    """
    roas_median = max(0.25 * kpi_total / max(spend_total, 1e-12), 1e-9)
    mean_l = float(np.mean(layout.l_max))
    transforms = {f"{name}@{kind}@{role}": prior for kind, form in CARRYOVERS.items()
                  for role in ("brand", "performance") for name, prior in form.priors(role, mean_l).items()}
    for form in SATURATIONS.values():
        transforms.update(form.priors())
    return {
        "roas": Prior("LogNormal", {"mu": math.log(roas_median), "sigma": 1.0}),
        **transforms,
        "level": Prior("Normal", {"mu": 1.0, "sigma": 0.25}),
        "trend": Prior("Normal", {"mu": 0.0, "sigma": 0.5}),
        "changepoints": Prior("Laplace", {"mu": 0.0, "b": 0.2}),
        "seasonality": Prior("Normal", {"mu": 0.0, "sigma": 0.2}),
        "controls": Prior("Normal", {"mu": 0.0, "sigma": 0.2}),
        "events": Prior("Normal", {"mu": 0.0, "sigma": 0.5}),
        "noise": Prior("HalfNormal", {"sigma": 0.3}),
        "student_t_nu": Prior("Gamma", {"alpha": 2.0, "beta": 0.1}),
        "nb_alpha": Prior("Gamma", {"alpha": 2.0, "beta": 0.1}),
    }


def channel_default(name: str, channel: str, spec: Spec, defaults: dict[str, Prior], layout: Layout) -> Prior:
    """The default prior of parameter ``name`` for ``channel`` (role- and form-aware)."""
    role = spec.channel(channel).role
    kind = layout.adstock[layout.channels.index(channel)]
    for key in (f"{name}@{kind}@{role}", f"{name}@{role}", name):
        if key in defaults:
            return defaults[key]
    raise KeyError(name)


@dataclass(frozen=True)
class LiftData:
    """Arrays for one lift test inside the model (scaled)."""

    channel_index: int
    delta_lags: np.ndarray   # (T, L) scaled spend change, lagged
    window: np.ndarray       # (T,) 1 inside the measurement window
    lift_scaled: float
    se_scaled: float


def posterior_params(posterior: Any, layout: Layout) -> dict[str, np.ndarray]:
    """Flatten an ArviZ posterior group into ``{name: (draws, ...)}`` NumPy arrays."""
    out = {}
    names = list(PARAM_USERS) + ["roas", "media_beta", "intercept", "trend_slope", "trend_delta",
                                 "seasonality", "control_effect", "event_effect", "sigma", "nu", "nb_alpha"]
    for name in names:
        if name in posterior:
            arr = np.asarray(posterior[name].values, dtype="float64")
            out[name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
    return out
