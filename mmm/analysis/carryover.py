"""Carryover (adstock) per channel: how a week's spend spreads its effect over the following weeks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def carryover_table(fitted: Any, prob: float = 0.9) -> pd.DataFrame:
    """Carryover weights per channel and week after spend (normalised to sum to 1).

    Columns: ``channel, role, week, weight_median, weight_low, weight_high`` (central
    ``prob`` interval over posterior draws), for weeks ``0 .. l_max - 1`` of each channel, and
    ``prob_longest``: the posterior probability that the channel's effect lasts longest (weeks
    until 90% of it has landed, see :func:`mmm.claims.effect_length_draws`).
    """
    from mmm.claims import effect_length_draws, prob_best
    from mmm.response import carryover_matrix

    w = np.asarray(carryover_matrix(fitted.params, fitted.layout))  # (S, C, L)
    longest = prob_best(effect_length_draws(w))
    lo_q, hi_q = (1 - prob) / 2, (1 + prob) / 2
    med = np.median(w, axis=0)
    lo, hi = np.quantile(w, [lo_q, hi_q], axis=0)
    rows = []
    roles = {c.name: c.role for c in fitted.spec.channels}
    for i, (name, lm) in enumerate(zip(fitted.layout.channels, fitted.layout.l_max, strict=True)):
        for k in range(lm):
            rows.append((name, roles.get(name, "performance"), k, med[i, k], lo[i, k], hi[i, k], longest[i]))
    return pd.DataFrame(rows, columns=["channel", "role", "week", "weight_median", "weight_low", "weight_high",
                                       "prob_longest"])


def effect_weeks(table: pd.DataFrame, share: float = 0.9) -> pd.DataFrame:
    """Per channel: the peak week and how many weeks hold ``share`` of the effect (median weights).

    Columns: ``channel, role, peak_week, weeks_to_share`` (weeks counted from the week of
    spend: 1 means all within the same week).
    """
    out = []
    for c, g in table.groupby("channel", sort=False):
        g = g.sort_values("week")
        w = g["weight_median"].to_numpy(float)
        w = w / w.sum() if w.sum() > 0 else w
        cum = np.cumsum(w)
        n = int(np.searchsorted(cum, share - 1e-9) + 1)
        out.append((c, g["role"].iloc[0], int(g["week"].iloc[int(np.argmax(w))]), min(n, len(w))))
    return pd.DataFrame(out, columns=["channel", "role", "peak_week", "weeks_to_share"])
