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
from typing import Any

import numpy as np

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


#: name -> (weight function, names of its parameters in order)
ADSTOCK_FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "geometric": (geometric_weights, ("carryover",)),
    "delayed": (delayed_weights, ("carryover", "peak_lag")),
    "weibull_cdf": (weibull_cdf_weights, ("weibull_shape", "weibull_scale")),
    "weibull_pdf": (weibull_pdf_weights, ("weibull_shape", "weibull_scale")),
}


def carryover_weights(kind: str, params: dict[str, Any], l_max: int, xp: Any = np) -> Any:
    """Normalised carryover weights of ``kind`` (see module doc) over ``l_max`` weeks."""
    fn, names = ADSTOCK_FUNCTIONS[kind]
    return normalize(fn(*[params[n] for n in names], l_max, xp=xp), xp)


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
    """Hill saturation ``x**slope / (x**slope + half**slope)``; equals 0.5 at ``x = half``."""
    xs = xp.power(xp.maximum(x, 0.0), slope)
    return xs / (xs + xp.power(half, slope))


def michaelis_menten_saturation(x: Any, half: Any, xp: Any = np) -> Any:
    """Michaelis-Menten saturation ``x / (x + half)``; equals 0.5 at ``x = half``."""
    return x / (x + half)


#: name -> names of its parameters in order (as stored in the posterior, per channel)
SATURATION_PARAMS: dict[str, tuple[str, ...]] = {
    "logistic": ("saturation_lambda",),
    "hill": ("half_saturation", "hill_slope"),
    "michaelis_menten": ("half_saturation",),
}


def saturation(kind: str, x: Any, params: dict[str, Any], xp: Any = np) -> Any:
    """Apply saturation ``kind`` to scaled spend ``x`` with ``params`` (broadcasting)."""
    if kind == "logistic":
        return logistic_saturation(x, params["saturation_lambda"], xp)
    if kind == "hill":
        return hill_saturation(x, params["half_saturation"], params["hill_slope"], xp)
    if kind == "michaelis_menten":
        return michaelis_menten_saturation(x, params["half_saturation"], xp)
    raise KeyError(kind)
