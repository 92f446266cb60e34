"""Guess a starter spec from a data file's columns (for ``mmm init``)."""

from __future__ import annotations

import re

import pandas as pd

from mmm.errors import DataError

BRAND_HINTS = ("tv", "ctv", "ott", "youtube", "video", "linkedin", "display", "ooh", "radio", "podcast",
               "brand", "sponsor", "print", "audio")
PERFORMANCE_HINTS = ("search", "sem", "ppc", "google", "bing", "meta", "facebook", "instagram", "tiktok",
                     "affiliate", "capterra", "g2", "retarget", "shopping", "email", "webinar")
KPI_HINTS = {"pipeline": "pipeline", "revenue": "revenue", "sales": "revenue", "gmv": "revenue",
             "leads": "leads", "signups": "leads", "mql": "leads", "sql": "leads", "opportunities": "leads",
             "conversions": "leads"}
SPEND_RE = re.compile(r"(.*?)[_ ]?(spend|cost|budget|investment)$", re.IGNORECASE)


def _is_dates(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if pd.api.types.is_numeric_dtype(s):
        return False
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    return parsed.notna().mean() > 0.9


def starter_yaml(frame: pd.DataFrame, *, data_path: str) -> str:
    """A commented YAML spec guessed from ``frame``'s columns.

    Channels are columns named like ``*_spend`` / ``*_cost`` or known media names;
    roles are guessed from names (TV, YouTube, LinkedIn, display → brand; search,
    Meta, TikTok → performance). The analyst must check every guess.
    """
    cols = list(frame.columns)
    date_col = next((c for c in cols if _is_dates(frame[c])), None)
    if date_col is None:
        raise DataError(f"No date column found among {cols}. Add a column of week start dates (e.g. 'week').")
    kpi_col, kpi_type = None, "revenue"
    for c in cols:
        key = str(c).lower()
        for hint, typ in KPI_HINTS.items():
            if hint in key and not SPEND_RE.match(key):
                kpi_col, kpi_type = c, typ
                break
        if kpi_col:
            break
    channels = []
    used = {date_col, kpi_col}
    for c in cols:
        if c in used or not pd.api.types.is_numeric_dtype(frame[c]):
            continue
        m = SPEND_RE.match(str(c))
        name = (m.group(1) if m else str(c)).strip("_ ").lower().replace(" ", "_")
        key = str(c).lower()
        brand = any(h in key for h in BRAND_HINTS)
        perf = any(h in key for h in PERFORMANCE_HINTS)
        if m or brand or perf:
            channels.append((name or str(c), c, "brand" if brand and not perf else "performance"))
            used.add(c)
    others = [c for c in cols if c not in used and pd.api.types.is_numeric_dtype(frame[c])]
    if kpi_col is None:
        kpi_col = others.pop(0) if others else "REPLACE_WITH_KPI_COLUMN"
    events = [c for c in others if set(pd.unique(frame[c].dropna())) <= {0, 1}]
    controls = [c for c in others if c not in events]
    lines = [
        "# Starter spec written by `mmm init`: check every guess below, then run `mmm validate`.",
        f"data: {data_path}",
        f"date_column: {date_col}                 # one row per week (Monday start recommended)",
        f"kpi: {{column: {kpi_col}, type: {kpi_type}}}   # type: revenue | pipeline | leads",
        "currency: USD",
        "channels:                         # role: brand (builds demand slowly) | performance (captures it)",
    ]
    if not channels:
        lines.append("  # no spend columns recognised; add e.g.  tv: {spend: tv_spend, role: brand}")
    for name, col, role in channels:
        lines.append(f"  {name}: {{spend: {col}, role: {role}}}")
    lines.append(f"controls: [{', '.join(map(str, controls))}]   # non-media drivers (price, promotions, headcount)")
    lines.append(f"events: [{', '.join(map(str, events))}]   # 0/1 columns for holidays and one-off events")
    lines += [
        "# model:                         # omitted keys take the preset for the KPI type",
        "#   adstock: geometric           # geometric | delayed | weibull_cdf | weibull_pdf",
        "#   l_max: 8                     # weeks of carryover considered (pipeline preset: 13)",
        "#   saturation: logistic         # hill | logistic | michaelis_menten",
        "#   yearly_seasonality: 2        # Fourier order; 0 turns it off",
        "#   trend: linear                # none | linear | piecewise",
        "# fit: {draws: 1000, tune: 1000, chains: 4, sampler: numpyro, seed: 1}",
    ]
    return "\n".join(lines) + "\n"
