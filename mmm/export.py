"""The old name of :mod:`mmm.report` (the report package); every public name still imports from here.

>>> from mmm.export import write_report, default_budget                # doctest: +SKIP
"""

from __future__ import annotations

from mmm.report import (
    CHART_BOX,
    DECK_DPI,
    FORMATS,
    HEALTH_COLORS,
    ONEPAGER_DPI,
    PNG_DPI,
    SLIDE_H,
    SLIDE_W,
    TONE_COLORS,
    ChartSpec,
    ReportError,
    default_budget,
    economics_lines,
    health_summary,
    open_questions,
    summary_headings,
    summary_points,
    write_report,
)
from mmm.report.deck import APPROX_RED, DARK, GREEN, GREY, NEGATIVE_RED, REVIEW_AMBER

__all__ = [
    "APPROX_RED", "CHART_BOX", "DARK", "DECK_DPI", "FORMATS", "GREEN", "GREY", "HEALTH_COLORS", "NEGATIVE_RED",
    "ONEPAGER_DPI", "PNG_DPI", "REVIEW_AMBER", "SLIDE_H", "SLIDE_W", "TONE_COLORS", "ChartSpec", "ReportError",
    "default_budget", "economics_lines", "health_summary", "open_questions", "summary_headings", "summary_points",
    "write_report",
]
