"""Simulated designs with known truth for the ``many_*`` benchmarks (issue 18), and the spec of each.

* :func:`well_specified`: the ecommerce design (geometric carryover, logistic saturation), fitted
  with the revenue preset, which is its true form;
* :func:`delayed_design`: the B2B pipeline design, every channel with delayed carryover;
* :func:`search_hill_design`: the B2B design of issue 18's stacking question: paid search with an
  immediate, short carryover (geometric, 0.1) and Hill-shaped saturation, the other channels
  delayed and logistic, fitted under the pipeline preset (delayed, logistic).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from typing import Any

import pandas as pd

from mmm.simulate import ChannelTruth, SimulationConfig, b2b_config, ecommerce_config, simulate


def spec_of(config: SimulationConfig) -> dict[str, Any]:
    """The spec of a simulated data set: its columns, roles and the KPI type's preset forms."""
    return {
        "date_column": config.date_column,
        "kpi": {"column": config.kpi_column, "type": config.kpi_type},
        "currency": config.currency,
        "channels": {c.name: {"spend": c.column, "role": c.role} for c in config.channels},
        "controls": [c.name for c in config.controls],
        "events": [e.name for e in config.events],
    }


def well_specified(seed: int) -> tuple[pd.DataFrame, dict, dict]:
    """Ecommerce design, seed ``seed``: (data, spec, truth)."""
    config = ecommerce_config(seed=seed)
    df, truth = simulate(config)
    return df, spec_of(config), truth


def delayed_design(seed: int) -> tuple[pd.DataFrame, dict, dict]:
    """B2B pipeline design (all channels delayed), seed ``seed``: (data, spec, truth)."""
    config = b2b_config(seed=seed)
    df, truth = simulate(config)
    return df, spec_of(config), truth


def search_hill_design(seed: int) -> tuple[pd.DataFrame, dict, dict]:
    """B2B design with paid search immediate (geometric 0.1) and Hill (half 1.0, slope 2.0)."""
    config = b2b_config(seed=seed)
    channels = []
    for ch in config.channels:
        if ch.name == "google_search":
            ch = ChannelTruth(name=ch.name, role=ch.role, adstock="geometric", l_max=13,
                              carryover_params={"carryover": 0.1}, saturation="hill",
                              saturation_params={"half_saturation": 1.0, "hill_slope": 2.0}, beta=ch.beta * 1.6)
        channels.append(ch)
    config = dataclasses.replace(config, channels=channels, name="b2b_search_hill")
    df, truth = simulate(config)
    return df, spec_of(config), truth


def machine_load() -> str:
    """``uptime``'s load averages and the core count, to print next to every number."""
    try:
        up = subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except OSError:
        up = "uptime unavailable"
    return f"{up} ({os.cpu_count()} cores)"
