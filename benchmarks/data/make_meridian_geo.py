"""Write ``meridian_geo_revenue.csv``: Meridian's ``geo_all_channels.csv`` with its KPI as revenue.

Meridian's demo models ``conversions`` with ``revenue_per_conversion`` (``kpi_type='non_revenue'``
plus ``revenue_per_kpi``), so its ROI is revenue per unit of spend. An ``mmm`` spec names one KPI
column, so this script adds ``revenue = conversions * revenue_per_conversion`` and keeps the columns
``meridian_geo.yaml`` uses (the source file is left byte for byte as downloaded).

Usage::

    python benchmarks/data/make_meridian_geo.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "meridian_geo_all_channels.csv"
TARGET = HERE / "meridian_geo_revenue.csv"
CHANNELS = [f"Channel{i}" for i in range(5)]
KEEP = ["time", "geo", "population", *(f"{c}_spend" for c in CHANNELS), "revenue",
        "competitor_sales_control", "sentiment_score_control", "Promo", "Organic_channel0_impression"]


def main() -> Path:
    """Write the revenue table next to the source; returns its path."""
    df = pd.read_csv(SOURCE, index_col=0)
    df["revenue"] = (df["conversions"] * df["revenue_per_conversion"]).round(4)
    df[KEEP].to_csv(TARGET, index=False, lineterminator="\n")
    return TARGET


if __name__ == "__main__":
    print(main())
