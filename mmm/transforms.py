"""Carryover (adstock) and diminishing-returns (saturation) functions.

Pure functions that work on NumPy arrays and on PyTensor tensors alike: pass
``xp=numpy`` (the default) or ``xp=pytensor.tensor``. The model builds its graph with
them; analysis and planning evaluate the same functions on posterior draws with NumPy.
Parameters broadcast, so a vector of draws gives a matrix of weights.

Carryover weights are **normalised to sum to 1** over ``l_max`` weeks: carryover moves
spend in time but never creates or destroys it, so a channel's effect size and its
ROAS stay separate from how long the effect lasts.

Conventions
-----------
``lag`` is ``0, 1, ..., l_max - 1`` weeks after the spend.

* ``geometric``: ``w[l] = alpha**l`` (effect peaks the week of spend and decays).
* ``delayed``: ``w[l] = alpha**((l - peak_lag)**2)`` (Jin et al. 2017): peaks ``peak_lag``
  weeks after the spend; ``alpha`` near 1 gives a wide, long effect.
* ``weibull_cdf``: ``w[l] = exp(-(l / scale)**shape)`` (the Weibull survival function):
  flexible decay, slow at first for ``shape > 1``.
* ``weibull_pdf``: ``w[l]`` proportional to the Weibull density at ``l + 1`` (peak after a lag).

Saturation takes spend already divided by the channel's typical weekly spend (so
``x = 1`` is a typical week) and returns a value in ``[0, 1)``:

* ``logistic``: ``(1 - exp(-lam x)) / (1 + exp(-lam x))``
* ``hill``: ``x**slope / (x**slope + half**slope)`` (0.5 at ``x = half``)
* ``michaelis_menten``: ``x / (x + half)`` (0.5 at ``x = half``)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - the spec imports this module's names; priors are built on demand
    from mmm.spec import Prior

# ---------------------------------------------------------------- carryover weights


def geometric_weights(alpha: Any, l_max: int, xp: Any = np) -> Any:
    """Unnormalised geometric carryover weights ``alpha**lag``; shape ``alpha.shape + (l_max,)``."""
    lag = np.arange(l_max, dtype="float64")
    return xp.power(_expand(alpha, xp), lag)


def delayed_weights(alpha: Any, peak_lag: Any, l_max: int, xp: Any = np) -> Any:
    """Unnormalised delayed carryover weights ``alpha**((lag - peak_lag)**2)``."""
    lag = np.arange(l_max, dtype="float64")
    a = _expand(alpha, xp)
    t = _expand(peak_lag, xp)
    return xp.power(a, (lag - t) ** 2)


def weibull_cdf_weights(shape: Any, scale: Any, l_max: int, xp: Any = np) -> Any:
    """Unnormalised Weibull-survival carryover weights ``exp(-(lag/scale)**shape)``."""
    lag = np.arange(l_max, dtype="float64")
    k = _expand(shape, xp)
    lam = _expand(scale, xp)
    return xp.exp(-xp.power(lag / lam, k))


def weibull_pdf_weights(shape: Any, scale: Any, l_max: int, xp: Any = np) -> Any:
    """Unnormalised Weibull-density carryover weights at ``lag + 1`` (a peak after a lag)."""
    x = np.arange(1, l_max + 1, dtype="float64")
    k = _expand(shape, xp)
    lam = _expand(scale, xp)
    z = x / lam
    return (k / lam) * xp.power(z, k - 1) * xp.exp(-xp.power(z, k))


def _expand(v: Any, xp: Any) -> Any:
    return np.asarray(v, dtype="float64")[..., None] if xp is np else v[..., None]


def normalize(weights: Any, xp: Any = np) -> Any:
    """Scale weights to sum to one over the last axis."""
    return weights / xp.sum(weights, axis=-1, keepdims=True)


def carryover_weights(kind: str, params: dict[str, Any], l_max: int, xp: Any = np) -> Any:
    """Normalised carryover weights of ``kind`` (see module doc) over ``l_max`` weeks."""
    form = CARRYOVERS[kind]
    return normalize(form.weights(*[params[n] for n in form.params], l_max, xp=xp), xp)


# ---------------------------------------------------------------- applying carryover


def lag_matrix(x: np.ndarray, l_max: int, history: np.ndarray | None = None) -> np.ndarray:
    """Stack lagged copies of a spend series: ``out[t, l] = x[t - l]``.

    ``x`` has shape ``(T,)`` or ``(T, C)``; the result has shape ``(T, l_max)`` or
    ``(T, C, l_max)``. Weeks before the start come from ``history`` (the spend of the
    weeks just before ``x``, oldest first) or are zero. Carryover is then a matrix
    product with the weights, which is much faster to sample than a loop or a scan.
    """
    x = np.asarray(x, dtype="float64")
    squeeze = x.ndim == 1
    if squeeze:
        x = x[:, None]
    T, C = x.shape
    pad = np.zeros((l_max - 1, C))
    if history is not None:
        h = np.asarray(history, dtype="float64").reshape(-1, C)[-(l_max - 1):] if l_max > 1 else np.zeros((0, C))
        pad[len(pad) - len(h):] = h
    full = np.concatenate([pad, x], axis=0)
    out = np.stack([full[l_max - 1 - lag: l_max - 1 - lag + T] for lag in range(l_max)], axis=-1)
    return out[:, 0, :] if squeeze else out


def adstock(x: np.ndarray, weights: np.ndarray, history: np.ndarray | None = None) -> np.ndarray:
    """Apply normalised carryover ``weights`` (``(..., l_max)``) to a spend series ``x`` (``(T,)``).

    Returns ``(..., T)``: ``y[t] = sum_l weights[l] * x[t - l]``.
    """
    weights = np.asarray(weights, dtype="float64")
    lags = lag_matrix(x, weights.shape[-1], history)  # (T, L)
    return np.einsum("tl,...l->...t", lags, weights)


# ---------------------------------------------------------------- saturation


def logistic_saturation(x: Any, lam: Any, xp: Any = np) -> Any:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))``; 0 at 0, tends to 1."""
    e = xp.exp(-lam * x)
    return (1 - e) / (1 + e)


def hill_saturation(x: Any, half: Any, slope: Any, xp: Any = np) -> Any:
    """Hill saturation ``x**slope / (x**slope + half**slope)``; equals 0.5 at ``x = half``.

    Written as the logistic function of ``slope * (log x - log half)`` (through ``tanh``, which
    cannot overflow) with weeks of no spend set to 0 by a mask: ``x**slope`` itself has a gradient
    in ``slope`` of ``x**slope * log x``, which is ``0 * -inf = NaN`` at ``x = 0``, and one week
    without spend then made every NUTS step diverge.
    """
    positive = x > 0
    safe = xp.where(positive, x, 1.0)
    value = 0.5 * (1.0 + xp.tanh(0.5 * slope * (xp.log(safe) - xp.log(half))))
    return xp.where(positive, value, 0.0)


def michaelis_menten_saturation(x: Any, half: Any, xp: Any = np) -> Any:
    """Michaelis-Menten saturation ``x / (x + half)``; equals 0.5 at ``x = half``."""
    return x / (x + half)


def logistic_slope(x: Any, lam: Any) -> Any:
    """Derivative of :func:`logistic_saturation` with respect to ``x`` (NumPy)."""
    t = np.tanh(0.5 * lam * x)
    return 0.5 * lam * (1.0 - t * t)


def hill_slope(x: Any, half: Any, slope: Any) -> Any:
    """Derivative of :func:`hill_saturation` with respect to ``x`` (NumPy)."""
    x = np.maximum(x, 1e-12)
    xn = np.power(x, slope)
    hn = np.power(half, slope)
    return slope * xn / x * hn / (xn + hn) ** 2


def michaelis_menten_slope(x: Any, half: Any) -> Any:
    """Derivative of :func:`michaelis_menten_saturation` with respect to ``x`` (NumPy)."""
    return half / (x + half) ** 2


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class CarryoverForm:
    """One carryover kind: its parameters, its weights and its default priors.

    Attributes
    ----------
    kind : str
        Name used in specs (``adstock: geometric``).
    params : tuple of str
        Its parameters, in the order ``weights`` takes them (as stored in the posterior).
    weights : callable
        ``weights(*params, l_max, xp=np)``: unnormalised weights over ``l_max`` weeks.
    priors : callable
        ``priors(role, mean_l_max)``: the default prior of each parameter for a channel of
        ``role`` (``"brand"`` or ``"performance"``), given the mean carryover window.
    """

    kind: str
    params: tuple[str, ...]
    weights: Callable[..., Any]
    priors: Callable[[str, float], dict[str, Prior]]


@dataclass(frozen=True)
class SaturationForm:
    """One saturation kind: its parameters, its function, its slope and its default priors.

    Attributes
    ----------
    kind : str
        Name used in specs (``saturation: hill``).
    params : tuple of str
        Its parameters, in the order ``function`` and ``slope`` take them.
    function : callable
        ``function(x, *params, xp=np)`` on scaled carried-over spend; in ``[0, 1)``.
    slope : callable
        ``slope(x, *params)``: the derivative with respect to ``x`` (NumPy), for marginal
        returns and the budget optimizer's gradients.
    priors : callable
        ``priors()``: the default prior of each parameter.
    fast : callable, optional
        A faster NumPy form of ``function`` with the same values (planning evaluates it
        millions of times).
    """

    kind: str
    params: tuple[str, ...]
    function: Callable[..., Any]
    slope: Callable[..., Any]
    priors: Callable[[], dict[str, Prior]]
    fast: Callable[..., Any] | None = None

    def __call__(self, x: Any, params: dict[str, Any], xp: Any = np) -> Any:
        """The saturation of ``x`` with ``params`` given by name (broadcasting)."""
        return self.function(x, *[params[n] for n in self.params], xp=xp)

    def fast_value(self, x: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same values as calling the form, by its faster NumPy form when it has one."""
        args = [params[n] for n in self.params]
        return self.fast(x, *args) if self.fast is not None else self.function(x, *args)

    def derivative(self, x: Any, params: dict[str, Any]) -> Any:
        """The slope at ``x`` with ``params`` given by name (NumPy)."""
        return self.slope(x, *[params[n] for n in self.params])


def _geometric_priors(role: str, mean_l: float) -> dict[str, Prior]:
    from mmm.spec import Prior

    # decay per week: brand builds demand slowly, performance captures it quickly
    return {"carryover": Prior("Beta", {"alpha": 3.0, "beta": 3.0}) if role == "brand"
            else Prior("Beta", {"alpha": 2.0, "beta": 4.0})}


def _delayed_priors(role: str, mean_l: float) -> dict[str, Prior]:
    from mmm.spec import Prior

    # carryover: width of the bump around its peak (near 1 = long and flat)
    if role == "brand":
        return {"carryover": Prior("Beta", {"alpha": 5.0, "beta": 2.0}),
                "peak_lag": Prior("Gamma", {"mu": 3.5, "sigma": 1.5})}
    return {"carryover": Prior("Beta", {"alpha": 6.0, "beta": 3.0}),
            "peak_lag": Prior("Gamma", {"alpha": 2.0, "beta": 2.0})}


def _weibull_priors(role: str, mean_l: float) -> dict[str, Prior]:
    from mmm.spec import Prior

    return {"weibull_shape": Prior("Gamma", {"mu": 1.5, "sigma": 0.75}),
            "weibull_scale": Prior("Gamma", {"mu": mean_l / 3, "sigma": mean_l / 6})}


#: Every carryover kind, by name (the one place its parameters and defaults are written).
CARRYOVERS: dict[str, CarryoverForm] = {f.kind: f for f in (
    CarryoverForm("geometric", ("carryover",), geometric_weights, _geometric_priors),
    CarryoverForm("delayed", ("carryover", "peak_lag"), delayed_weights, _delayed_priors),
    CarryoverForm("weibull_cdf", ("weibull_shape", "weibull_scale"), weibull_cdf_weights, _weibull_priors),
    CarryoverForm("weibull_pdf", ("weibull_shape", "weibull_scale"), weibull_pdf_weights, _weibull_priors),
)}

def _prior(distribution: str, **params: float) -> Callable[[], dict[str, Prior]]:
    """Not a prior yet: a function building it (the spec module imports this one)."""
    def build() -> Prior:
        from mmm.spec import Prior

        return Prior(distribution, dict(params))
    return build


def _priors(**builders: Callable[[], Prior]) -> Callable[[], dict[str, Prior]]:
    return lambda: {name: build() for name, build in builders.items()}


_HALF = _prior("LogNormal", mu=0.0, sigma=0.6)

#: Every saturation kind, by name.
SATURATIONS: dict[str, SaturationForm] = {f.kind: f for f in (
    SaturationForm("logistic", ("saturation_lambda",), logistic_saturation, logistic_slope,
                   _priors(saturation_lambda=_prior("Gamma", alpha=2.0, beta=2.0)),
                   fast=lambda x, lam: np.tanh(0.5 * lam * x)),  # the same function, written as a tanh
    SaturationForm("hill", ("half_saturation", "hill_slope"), hill_saturation, hill_slope,
                   _priors(half_saturation=_HALF, hill_slope=_prior("Gamma", mu=1.5, sigma=0.3))),
    SaturationForm("michaelis_menten", ("half_saturation",), michaelis_menten_saturation,
                   michaelis_menten_slope, _priors(half_saturation=_HALF)),
)}

#: Per-channel carryover parameters and saturation parameters, each once, in a stable order.
CARRYOVER_PARAMS: tuple[str, ...] = tuple(dict.fromkeys(p for f in CARRYOVERS.values() for p in f.params))
SATURATION_PARAM_NAMES: tuple[str, ...] = tuple(dict.fromkeys(p for f in SATURATIONS.values() for p in f.params))

#: name -> (weight function, names of its parameters in order); kept for code written against it.
ADSTOCK_FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    k: (f.weights, f.params) for k, f in CARRYOVERS.items()}
#: name -> names of its parameters in order (as stored in the posterior, per channel).
SATURATION_PARAMS: dict[str, tuple[str, ...]] = {k: f.params for k, f in SATURATIONS.items()}


def param_kinds(param: str) -> tuple[str, ...]:
    """The carryover or saturation kinds that have parameter ``param``."""
    forms = CARRYOVERS if param in CARRYOVER_PARAMS else SATURATIONS
    return tuple(k for k, f in forms.items() if param in f.params)


def saturation(kind: str, x: Any, params: dict[str, Any], xp: Any = np) -> Any:
    """Apply saturation ``kind`` to scaled spend ``x`` with ``params`` (broadcasting)."""
    return SATURATIONS[kind](x, params, xp)


def saturation_slope(kind: str, x: Any, params: dict[str, Any]) -> Any:
    """Derivative of saturation ``kind`` at ``x`` (NumPy)."""
    return SATURATIONS[kind].derivative(x, params)


def convolve_lags(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per-draw lag convolution: ``out[s, t, ...] = sum_l w[s, l] * x[s, t - l, ...]`` (zero before week 0).

    ``x`` is ``(draws, T, ...)``, ``w`` is ``(draws, L)`` lag weights (e.g. a sales-cycle lag).
    """
    out = np.zeros_like(x)
    T = x.shape[1]
    extra = (None,) * (x.ndim - 1)
    for lag in range(min(w.shape[1], T)):
        out[:, lag:] += w[(slice(None), lag, *extra)] * x[:, : T - lag]
    return out
