"""The geo slide of a report on a geo fit: returns by geo (:func:`mmm.plots.geo.plot_geo_roas`)."""

from __future__ import annotations

from typing import Any

from mmm.report.charts import ChartSpec


def geo_charts(geo: Any) -> list[ChartSpec]:
    """The extra chart of a geo fit's report: media returns by geo, top and bottom geos with intervals,
    and each channel's geo returns around its national return."""
    return [ChartSpec("11_roas_by_geo", lambda: geo.plot_geo_roas(),
                      f"Return on media by geo ({geo.panel.n_geos} geos): the geos with the highest and lowest "
                      "return on all media with 90% intervals, and each channel's return in every geo (dots) "
                      "around its national return. Every other chart of this report is national: the geos "
                      "summed. The plan splits each channel's budget across geos with `mmm plan --by-geo`.")]
