"""Files of a geo fit beyond the national ones: the plan split by geo (``plan_by_geo.csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mmm.atomic import atomic_path
from mmm.errors import PlanError

PLAN_BY_GEO = "plan_by_geo.csv"


def write_plan_by_geo(fitted: Any, outdir: str | Path, plan_csv: str | Path, *, weeks: int = 13,
                      horizon: str = "period+tail", seed: int = 0) -> Path:
    """Split the national plan in ``plan_csv`` (its ``recommended_weekly``) across geos and write
    ``plan_by_geo.csv`` (``geo, channel, current_spend, planned_spend``: weekly spend) into ``outdir``.

    Raises
    ------
    PlanError
        When ``fitted`` is not a geo fit (or its national view).
    """
    from mmm.geo.plan import plan_by_geo

    if not (hasattr(fitted, "geo_fit") or hasattr(fitted, "total_view")):
        raise PlanError("--by-geo needs a geo fit (a spec with geo_column, fitted on a panel); this folder holds "
                        "a national model. Drop --by-geo, or refit from a geo spec.")
    plan = pd.read_csv(plan_csv)
    planned = dict(zip(plan["channel"], plan["recommended_weekly"], strict=True))
    split = plan_by_geo(fitted, planned, weeks=weeks, horizon=horizon, seed=seed)
    path = Path(outdir) / PLAN_BY_GEO
    with atomic_path(path) as tmp:
        split.table.to_csv(tmp, index=False)
    return path
