"""The result of a budget plan."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class PlanResult:
    """A recommended budget plan.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel, the columns of ``plan.csv``: ``channel, role, current_weekly,
        recommended_weekly, change_pct, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high`` (the KPI each channel's recommended spend brings over the horizon).
    summary : dict
        Budget, weeks, horizon, objective, bounds; expected KPI of the current and the
        recommended plan with intervals (over the horizon, and split into in-period and
        tail), the uplift (absolute and %, computed per draw), the carry-in from spend
        before the period, economics in the KPI's own terms, wording, the approximate flag,
        the ``evidence`` for the new mix and ``tests``: the lift tests that would settle it
        (:func:`mmm.experiment.recommend_tests`, as dicts).
    """

    table: pd.DataFrame
    summary: dict[str, Any]

    @property
    def recommended(self) -> pd.Series:
        """Recommended weekly spend by channel."""
        return self.table.set_index("channel")["recommended_weekly"]

    def to_dict(self) -> dict[str, Any]:
        """Summary plus the table as records (JSON-ready)."""
        return {**self.summary, "channels": jsonable(self.table.to_dict(orient="records"))}

    def to_json(self) -> str:
        """The plan as JSON text (NaN and inf written as null)."""
        return json.dumps(jsonable(self.to_dict()), indent=2, allow_nan=False)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<PlanResult {s['weeks']} weeks, budget {s['budget']:,.0f}: expected {s['words']['kpi']} "
                f"{s['recommended']['expected_kpi']['mean']:,.0f} vs {s['current']['expected_kpi']['mean']:,.0f} "
                f"now ({s['uplift']['pct']['mean']:+.1f}%)>")


def jsonable(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    return v
