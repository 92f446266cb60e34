"""Turn a CRM opportunities export into a weekly pipeline KPI.

B2B marketing is judged on the pipeline it creates. A CRM (Salesforce, HubSpot, ...)
exports one row per opportunity: when it was created, its amount, its stage and often
its lead source. :func:`deals_to_weekly` sums that into the weekly series a
``kpi.type: pipeline`` model is fitted to.

Week convention
---------------
A deal belongs to the week that starts on the last ``week_start`` day on or before its
created date. With the default ``week_start="MON"`` that is the Monday of the deal's ISO
week: a deal created on Sunday 2024-01-07 is in week ``2024-01-01``; one created on
Monday 2024-01-08 is in week ``2024-01-08``. Label your spend data the same way (weeks
starting on Monday) so the rows line up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.data import MAX_LISTED, _coerce_dates, _hint, _week_start_of, read_table
from mmm.errors import DataError

__all__ = ["deals_to_weekly"]


def _rows_text(rows: np.ndarray, values: pd.Series | None = None) -> str:
    """``row 3 '-10', row 9 'abc' and 4 more`` (rows counted from 1, as in the file)."""
    idx = np.flatnonzero(rows)
    items = []
    for i in idx[:MAX_LISTED]:
        text = f"row {i + 1}"
        if values is not None:
            text += f" {values.iloc[i]!r}"
        items.append(text)
    rest = len(idx) - len(items)
    return ", ".join(items) + (f" and {rest} more" if rest > 0 else "")


def _slug(value: object) -> str:
    """``'Google Search'`` -> ``'google_search'``; empty -> ``'unknown'``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "unknown"
    text = re.sub(r"[^0-9a-z]+", "_", str(value).strip().lower()).strip("_")
    return text or "unknown"


def _norm_stage(value: object) -> str:
    """Stage names compare case-insensitively, with spaces and hyphens as underscores."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def deals_to_weekly(
    deals: pd.DataFrame | str | Path,
    *,
    date_column: str = "created_date",
    amount_column: str = "amount",
    stage_column: str | None = "stage",
    source_column: str | None = None,
    won_stages: Iterable[str] = ("closed_won", "won"),
    exclude_stages: Iterable[str] = (),
    by_source: bool = False,
    fill_missing_amount: float | None = None,
    week_start: str = "MON",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Sum CRM opportunities into weekly created pipeline.

    Each opportunity counts in the week it was **created** (see the module docstring for
    the week convention: with ``week_start="MON"``, the Monday of its ISO week).

    By default every opportunity is pipeline, whatever its stage today, closed-lost
    included: when it was created it *was* pipeline, and marketing's effect is on
    creating it. Dropping lost deals would also make old weeks (whose deals have had time
    to be lost) look worse than recent ones (still open). Pass
    ``exclude_stages=("closed_lost",)`` to leave some stages out of every column.

    Parameters
    ----------
    deals : pandas.DataFrame, str or Path
        The export (CSV / Parquet / Excel path, or a DataFrame): one row per opportunity.
    date_column : str, default "created_date"
        When the opportunity was created.
    amount_column : str, default "amount"
        Its value (non-negative number).
    stage_column : str or None, default "stage"
        Its current stage; ``None`` if the export has none (no ``won_*`` columns then).
    source_column : str or None, default None
        Its lead source / channel; needed for ``by_source``.
    won_stages : iterable of str, default ("closed_won", "won")
        Stages that count as won. Stage names match case-insensitively, with spaces and
        hyphens read as underscores (``"Closed Won"`` matches ``closed_won``).
    exclude_stages : iterable of str, default ()
        Stages left out entirely (e.g. ``("closed_lost",)``, or junk / duplicate stages).
    by_source : bool, default False
        Add a ``pipeline_<source>`` column per source (lower-case, non-alphanumerics as
        ``_``; an empty source is ``unknown``).
    fill_missing_amount : float or None, default None
        Amount for opportunities whose amount is empty. ``None`` (default): empty amounts
        are an error, never silently 0.
    week_start : str, default "MON"
        First day of the week, ``MON`` .. ``SUN``.
    start, end : date-like, optional
        First and last week to report (any date inside the week). Deals outside are left
        out; weeks up to ``start`` / ``end`` with no deals appear with 0. By default the
        weeks of the first and last deal.

    Returns
    -------
    pandas.DataFrame
        One row per week, consecutive, sorted, with columns ``week`` (week start date),
        ``pipeline`` (sum of amount), ``opportunities`` (count), and, with a stage column,
        ``won_revenue`` (sum of amount of won deals) and ``won_deals`` (their count), then
        ``pipeline_<source>`` columns if ``by_source``. A week without deals is a row of
        zeros: a real zero (nothing was created that week), not missing data.

    Raises
    ------
    DataError
        A missing column (with a "Did you mean" hint), an unreadable or empty created date,
        a non-numeric, negative or empty amount (naming the rows; rows count from 1 as in
        the file), ``by_source`` without ``source_column``, or no deals left to count.

    Examples
    --------
    >>> weekly = deals_to_weekly("data/samples/deals.csv", source_column="source")
    >>> list(weekly.columns)[:3]
    ['week', 'pipeline', 'opportunities']
    """
    df = read_table(deals).reset_index(drop=True)
    if by_source and source_column is None:
        raise DataError("by_source=True needs source_column: the column holding each "
                        "opportunity's lead source.")
    wanted = [("date_column", date_column), ("amount_column", amount_column)]
    if stage_column is not None:
        wanted.append(("stage_column", stage_column))
    if source_column is not None:
        wanted.append(("source_column", source_column))
    present = [str(c) for c in df.columns]
    for arg, col in wanted:
        if col not in df.columns:
            raise DataError(f"The deals have no column '{col}' ({arg}).{_hint(col, present)} "
                            f"Columns: {', '.join(present[:20])}{', ...' if len(present) > 20 else ''}.")

    if len(df) == 0:
        raise DataError("The deals table has no rows.")

    # dates
    raw_dates = df[date_column]
    dates = _coerce_dates(raw_dates)
    bad = dates.isna().to_numpy()
    if bad.any():
        empty = raw_dates.isna().to_numpy()
        if (bad & ~empty).any():
            raise DataError(f"Column '{date_column}' has values that cannot be read as dates: "
                            f"{_rows_text(bad & ~empty, raw_dates)}. Use one date format "
                            "throughout, ideally ISO (2024-01-31).")
        raise DataError(f"Column '{date_column}' is empty in {_rows_text(bad)}. Every opportunity "
                        "needs a created date; fill them in or drop those rows.")

    # amounts
    raw_amount = df[amount_column]
    if pd.api.types.is_numeric_dtype(raw_amount) and not pd.api.types.is_bool_dtype(raw_amount):
        amount = raw_amount.astype(float)
    else:
        amount = pd.to_numeric(raw_amount, errors="coerce").astype(float)
        bad = amount.isna().to_numpy() & raw_amount.notna().to_numpy()
        if bad.any():
            raise DataError(f"Column '{amount_column}' has values that are not numbers: "
                            f"{_rows_text(bad, raw_amount)}. Remove currency symbols, thousands "
                            "separators and text.")
    empty = amount.isna().to_numpy()
    if empty.any():
        if fill_missing_amount is None:
            raise DataError(f"Column '{amount_column}' is empty in {_rows_text(empty)}. Fill them in, "
                            "drop those rows, or pass fill_missing_amount=0 to count them as 0.")
        amount = amount.fillna(float(fill_missing_amount))
    bad = (amount < 0).to_numpy() | np.isinf(amount.to_numpy())
    if bad.any():
        raise DataError(f"Column '{amount_column}' has negative or infinite values: "
                        f"{_rows_text(bad, raw_amount)}. Opportunity amounts must be >= 0.")

    stage = (df[stage_column].map(_norm_stage) if stage_column is not None
             else pd.Series([""] * len(df)))
    keep = ~stage.isin({_norm_stage(s) for s in exclude_stages}).to_numpy()
    won = stage.isin({_norm_stage(s) for s in won_stages}).to_numpy()

    week = _week_start_of(dates, week_start).astype("datetime64[ns]")
    lo = week[keep].min() if start is None else _week_start_of(pd.Series([pd.Timestamp(start)]), week_start)[0]
    hi = week[keep].max() if end is None else _week_start_of(pd.Series([pd.Timestamp(end)]), week_start)[0]
    if pd.isna(lo) or pd.isna(hi):
        raise DataError("No opportunities left to count after exclude_stages.")
    if lo > hi:
        raise DataError(f"start ({start}) is after end ({end}).")
    keep &= ((week >= lo) & (week <= hi)).to_numpy()

    weeks = pd.date_range(lo, hi, freq="7D").astype("datetime64[ns]")
    frame = pd.DataFrame({"week": week[keep].to_numpy(), "amount": amount[keep].to_numpy(),
                          "won": won[keep]})
    grouped = frame.groupby("week")
    out = pd.DataFrame({"week": weeks})
    out["pipeline"] = grouped["amount"].sum().reindex(weeks, fill_value=0.0).to_numpy(dtype=float)
    out["opportunities"] = grouped.size().reindex(weeks, fill_value=0).to_numpy(dtype=int)
    if stage_column is not None:
        won_frame = frame[frame["won"]].groupby("week")
        out["won_revenue"] = won_frame["amount"].sum().reindex(weeks, fill_value=0.0).to_numpy(dtype=float)
        out["won_deals"] = won_frame.size().reindex(weeks, fill_value=0).to_numpy(dtype=int)
    if by_source:
        frame["source"] = df[source_column][keep].map(_slug).to_numpy()
        table = frame.pivot_table(index="week", columns="source", values="amount", aggfunc="sum",
                                  fill_value=0.0)
        for src in sorted(table.columns):
            out[f"pipeline_{src}"] = table[src].reindex(weeks, fill_value=0.0).to_numpy(dtype=float)
    return out
