"""Ready-made national configurations: ecommerce, B2B pipeline and the PyMC-Marketing example."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm.simulate.config import (
    Baseline,
    ChannelTruth,
    Control,
    CountColumn,
    Event,
    SimulationConfig,
    SpendPattern,
)
from mmm.simulate.national import channel_scale
from mmm.simulate.series import spend_path

# ---------------------------------------------------------------- ready-made configs


def geo_logistic(name: str, role: str, alpha: float, lam: float, beta: float, l_max: int = 8) -> ChannelTruth:
    """A channel with geometric carryover and logistic saturation."""
    return ChannelTruth(name=name, role=role, adstock="geometric", l_max=l_max,
                        carryover_params={"carryover": alpha}, saturation="logistic",
                        saturation_params={"saturation_lambda": lam}, beta=beta)


def delayed_logistic(name: str, role: str, alpha: float, peak: float, lam: float, beta: float,
                     l_max: int = 13) -> ChannelTruth:
    """A channel with delayed carryover and logistic saturation."""
    return ChannelTruth(name=name, role=role, adstock="delayed", l_max=l_max,
                        carryover_params={"carryover": alpha, "peak_lag": peak}, saturation="logistic",
                        saturation_params={"saturation_lambda": lam}, beta=beta)


def ecommerce_config(seed: int = 7, weeks: int = 156) -> SimulationConfig:
    """D2C ecommerce revenue: five channels, promo control, Black Friday and Christmas.

    Weekly revenue around $1-2M, media about 30% of revenue, noise sd about 5% of the
    mean. Geometric carryover (l_max 8) and logistic saturation, as in the ``revenue``
    preset of :mod:`mmm.spec`.

    Parameters
    ----------
    seed : int
        Random seed (the shipped sample uses 7).
    weeks : int
        Number of weeks from 2023-01-02.

    Returns
    -------
    SimulationConfig
    """
    channels = [
        geo_logistic("tv", "brand", alpha=0.6, lam=1.0, beta=415_000.0),
        geo_logistic("youtube", "brand", alpha=0.4, lam=1.5, beta=95_000.0),
        geo_logistic("meta", "performance", alpha=0.3, lam=2.0, beta=240_000.0),
        geo_logistic("google_search", "performance", alpha=0.1, lam=1.5, beta=255_000.0),
        geo_logistic("tiktok", "performance", alpha=0.2, lam=1.2, beta=80_000.0),
    ]
    spend = {
        "tv": SpendPattern("flighted", level=160_000, noise=0.25, ar=0.3, burst=(3, 7), gap=(3, 9),
                           seasonal=0.2),
        "youtube": SpendPattern("always_on", level=55_000, noise=0.55, ar=0.3, zero_prob=0.15),
        "meta": SpendPattern("always_on", level=85_000, noise=0.5, ar=0.4, seasonal=0.15, growth=0.1),
        "google_search": SpendPattern("always_on", level=60_000, noise=0.55, ar=0.4, seasonal=0.4),
        "tiktok": SpendPattern("always_on", level=45_000, noise=0.5, ar=0.3, zero_prob=0.1,
                               start_week=min(40, weeks // 3)),
    }
    baseline = Baseline(
        intercept=1_050_000.0,
        trend=180_000.0,
        seasonality={"sin_1": -90_000.0, "cos_1": 110_000.0, "sin_2": -50_000.0, "cos_2": 30_000.0},
    )
    controls = [Control("promo", coef=45_000.0, kind="promo",
                        params={"prob": 0.15, "peak_prob": 0.5, "months": [1, 7, 11, 12]})]
    events = [Event("black_friday", 260_000.0, rule="black_friday"),
              Event("christmas", 140_000.0, rule="christmas")]
    return SimulationConfig(
        name="ecommerce", weeks=weeks, start="2023-01-02", channels=channels, spend=spend,
        baseline=baseline, noise_sd=70_000.0, controls=controls, events=events, seed=seed,
        kpi_column="revenue", kpi_type="revenue",
    )


def b2b_config(seed: int = 11, weeks: int = 156) -> SimulationConfig:
    """B2B lead generation: weekly pipeline ($) with delayed carryover for every channel.

    Weekly pipeline around $400k-800k, pipeline ROI between about 2 and 8, media about a
    third of pipeline. Delayed carryover over 13 weeks with logistic saturation, as in
    the ``pipeline`` preset of :mod:`mmm.spec`. Control ``sdr_headcount`` (a slowly
    growing team), event ``user_conference`` and an ``opportunities`` column (pipeline /
    $25k average deal size, Poisson).

    Parameters
    ----------
    seed : int
        Random seed (the shipped sample uses 11).
    weeks : int
        Number of weeks from 2023-01-02.

    Returns
    -------
    SimulationConfig
    """
    channels = [
        delayed_logistic("linkedin", "brand", alpha=0.85, peak=4.0, lam=1.2, beta=130_000.0),
        delayed_logistic("display", "brand", alpha=0.7, peak=3.0, lam=1.0, beta=61_000.0),
        delayed_logistic("webinars", "performance", alpha=0.6, peak=2.0, lam=1.5, beta=59_000.0),
        delayed_logistic("google_search", "performance", alpha=0.5, peak=1.0, lam=1.4, beta=90_000.0),
        delayed_logistic("capterra", "performance", alpha=0.3, peak=0.0, lam=1.8, beta=19_000.0),
    ]
    spend = {
        "linkedin": SpendPattern("always_on", level=16_000, noise=0.45, ar=0.6, growth=0.3, seasonal=0.15),
        "display": SpendPattern("flighted", level=11_000, noise=0.25, ar=0.4, burst=(4, 10), gap=(2, 6)),
        "webinars": SpendPattern("always_on", level=6_000, noise=0.4, ar=0.2, zero_prob=0.3),
        "google_search": SpendPattern("always_on", level=9_000, noise=0.5, ar=0.6, seasonal=0.3),
        "capterra": SpendPattern("always_on", level=4_500, noise=0.3, ar=0.6, zero_prob=0.1,
                                 start_week=min(20, weeks // 4)),
    }
    baseline = Baseline(
        intercept=380_000.0,
        trend=90_000.0,
        seasonality={"sin_1": 20_000.0, "cos_1": 25_000.0, "sin_2": -15_000.0, "cos_2": 20_000.0},
    )
    controls = [Control("sdr_headcount", coef=22_000.0, kind="headcount",
                        params={"start": 8, "hire_prob": 0.08, "leave_prob": 0.035})]
    start = pd.Timestamp("2023-01-02")
    years = range(start.year, (start + pd.Timedelta(weeks=weeks)).year + 1)
    events = [Event("user_conference", 90_000.0, rule="dates", dates=[f"{y}-10-18" for y in years])]
    return SimulationConfig(
        name="b2b", weeks=weeks, start=str(start.date()), channels=channels, spend=spend,
        baseline=baseline, noise_sd=40_000.0, controls=controls, events=events, seed=seed,
        kpi_column="pipeline", kpi_type="pipeline", count=CountColumn("opportunities", 25_000.0),
    )


#: PyMC-Marketing ``mmm_example``: carryover alpha, logistic lambda (on raw x) and beta.
PEER_TRUTH = {"x1": {"alpha": 0.4, "lam": 4.0, "beta": 3.0},
              "x2": {"alpha": 0.2, "lam": 3.0, "beta": 2.0}}


def peer_example_config(seed: int = 327, weeks: int = 179, amplitude: float = 1000.0) -> SimulationConfig:
    """Re-creation of PyMC-Marketing's ``mmm_example`` data-generating process.

    With the defaults it reproduces that notebook's ``mmm_example.csv`` (``seed =
    sum(map(ord, "mmm")) = 327``, 179 weeks from 2018-04-02, ``y`` to float precision):
    ``x1 = u`` if ``u > 0.9`` else ``u / 2``, ``x2 = u`` if ``u > 0.8`` else 0 (``u ~
    U(0, 1)``); geometric carryover (normalised, l_max 8) alpha 0.4 / 0.2; logistic
    saturation lambda 4 / 3 applied to the raw ``x``; beta 3 / 2; intercept 2; trend
    ``(50 t + 10)**0.25 - 1``; seasonality ``0.5 (cos(2 pi d / 365.5) - sin(4 pi d /
    365.5))`` with ``d`` the day of year; events on 2019-05-13 (+1.5) and 2020-09-14
    (+2.5); noise sd 0.25; everything times ``amplitude``.

    Units: our saturation takes spend divided by the **mean non-zero** spend, PyMC-
    Marketing's model divides by the **max**. So that the curve is the same, our lambda
    is ``lam_peer * scale_mean / scale_max``, where ``lam_peer = lam * scale_max`` is the
    lambda in PyMC-Marketing's max-scaled units, i.e. ``lam * scale_mean``. Betas are in
    KPI units: ``beta * amplitude``. The curved trend and day-of-year seasonality are
    the peer's and lie slightly outside our model family (linear or piecewise trend,
    Fourier on ``days / 365.25``).

    Parameters
    ----------
    seed : int
        Random seed (327 reproduces the peer's file).
    weeks : int
        Number of weeks from 2018-04-02.
    amplitude : float
        KPI multiplier (1000 in the peer's current notebook).

    Returns
    -------
    SimulationConfig
    """
    spend = {
        "x1": SpendPattern("uniform", level=1.0, threshold=0.9, below=0.5),
        "x2": SpendPattern("uniform", level=1.0, threshold=0.8, below=0.0),
    }
    # replay the spend draws to fix each channel's scale, hence its lambda in our units
    rng = np.random.default_rng(seed)
    channels = []
    for name in ("x1", "x2"):
        x = spend_path(spend[name], weeks, rng)
        p = PEER_TRUTH[name]
        lam_ours = p["lam"] * channel_scale(x)
        ch = geo_logistic(name, "performance", alpha=p["alpha"], lam=lam_ours, beta=p["beta"] * amplitude)
        ch.spend_column = name
        channels.append(ch)
    baseline = Baseline(
        intercept=2.0 * amplitude,
        trend=1.0 * amplitude,
        trend_kind="peer_power",
        seasonality={"cos_1": 0.5 * amplitude, "sin_2": -0.5 * amplitude},
        season_time="peer_dayofyear",
    )
    events = [Event("event_1", 1.5 * amplitude, dates=["2019-05-13"]),
              Event("event_2", 2.5 * amplitude, dates=["2020-09-14"])]
    return SimulationConfig(
        name="peer_example", weeks=weeks, start="2018-04-02", channels=channels, spend=spend,
        baseline=baseline, noise_sd=0.25 * amplitude, events=events, seed=seed,
        kpi_column="y", kpi_type="revenue", date_column="date_week",
        spend_decimals=None, kpi_decimals=None,
    )


def peer_units(truth: dict[str, Any], amplitude: float = 1000.0) -> dict[str, dict[str, float]]:
    """Express a :func:`peer_example_config` truth in PyMC-Marketing's units.

    Returns per channel ``lam_dgp`` (on raw x), ``lam_peer`` (on x / max, the units a
    PyMC-Marketing fit reports), ``lam_ours``, ``scale_mean``, ``scale_max``, ``alpha``
    and ``beta`` (before ``amplitude``).
    """
    out = {}
    for name, ch in truth["channels"].items():
        x = np.asarray(truth["weekly"]["spend"][name], dtype="float64")
        lam_ours = ch["saturation_params"]["saturation_lambda"]
        scale_mean, scale_max = ch["scale"], float(x.max())
        out[name] = {
            "alpha": ch["carryover_params"]["carryover"],
            "lam_ours": lam_ours,
            "lam_dgp": lam_ours / scale_mean,
            "lam_peer": lam_ours * scale_max / scale_mean,
            "scale_mean": scale_mean,
            "scale_max": scale_max,
            "beta": ch["beta"] / amplitude,
        }
    return out


# ---------------------------------------------------------------- sample files

