"""A validated geo panel: one row per geo and week, as arrays the geo model reads.

This is the contract between loading (:func:`mmm.geo.load.load_panel`, from a long-format
file) and the geo model (:mod:`mmm.geo.model`), the simulator (:mod:`mmm.simulate.geo`) and
the outputs. Arrays are float64, geos in file order of first appearance, weeks sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class GeoPanel:
    """Weekly spend, KPI and controls per geo.

    Attributes
    ----------
    geos : tuple of str
        Geo names (``G``).
    dates : DatetimeIndex
        The weeks (``T``), sorted, one grid shared by every geo.
    channels : tuple of str
        Channel names (``C``), in spec order.
    spend : ndarray
        Spend per geo, week and channel, ``(G, T, C)``. A channel bought nationally
        (``level: national``) is already allocated to geos (see ``allocation``).
    kpi : ndarray
        The KPI per geo and week, ``(G, T)``.
    population : ndarray
        Size of each geo, ``(G,)``: the population column if the data has one, else the geo's
        mean KPI share (summing to 1 either way is not required; the model normalises).
    controls : ndarray
        Control variables per geo and week, ``(G, T, K)`` (a national control repeated).
    control_names : tuple of str
        Names of the ``K`` controls.
    events : ndarray
        Event indicators, national, ``(T, E)``.
    event_names : tuple of str
        Names of the ``E`` events.
    national_channels : tuple of str
        Channels whose spend exists only nationally and was allocated to geos.
    allocation : ndarray
        Each geo's share of each channel's national spend, ``(G, C)``; rows of geo-level
        channels hold the observed share (informational), columns sum to 1.
    """

    geos: tuple[str, ...]
    dates: pd.DatetimeIndex
    channels: tuple[str, ...]
    spend: np.ndarray
    kpi: np.ndarray
    population: np.ndarray
    controls: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    control_names: tuple[str, ...] = ()
    events: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    event_names: tuple[str, ...] = ()
    national_channels: tuple[str, ...] = ()
    allocation: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def n_geos(self) -> int:
        """Number of geos ``G``."""
        return len(self.geos)

    @property
    def n_weeks(self) -> int:
        """Number of weeks ``T``."""
        return len(self.dates)

    def national_spend(self) -> np.ndarray:
        """Spend summed over geos, ``(T, C)``."""
        return self.spend.sum(axis=0)

    def national_kpi(self) -> np.ndarray:
        """KPI summed over geos, ``(T,)``."""
        return self.kpi.sum(axis=0)
