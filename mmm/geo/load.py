"""Reading and validating a geo panel: one row per geo and week, checked as strictly as national data.

:func:`load_panel` reads the file a geo spec names (or a DataFrame) with the readers of
:mod:`mmm.data`, runs the same value checks (dates, numbers, empty cells, True/False
flags, KPI type) and adds the checks a panel needs, each naming the geo, the week and the
column at fault:

* every geo has every week (a missing week names the geo and the week);
* one row per geo and week (a repeated pair names the rows);
* spend is never negative;
* the population column is constant within each geo and positive;
* no geo has a KPI of zero in every week;
* an event is national: the same in every geo on a week (a geo-varying flag is a control);
* a lift test's ``geos`` are geos of the panel;
* a channel with ``level: national`` holds the **national** weekly figure. Write it either
  repeated on every geo's row, or on one row per week with the other geos' cells left
  empty. Values that differ across geos on a week are an error (a 0 is a value, not an
  empty cell). It is split over geos by ``allocation``: ``population`` (each geo's share
  of the population column; without one, its share of the KPI) or a column holding each
  geo's share (constant within a geo; shares are normalised to sum to 1).

Controls may vary by geo or repeat a national value. Daily rows are summed into
Monday-starting weeks per geo with ``aggregate_daily=True`` (as :func:`mmm.data.load_data`).
A ``window:`` keeps its weeks; spend before it is not carried over (the panel has no
history).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mmm import data as D
from mmm.errors import DataError, DataWarning, SpecError
from mmm.geo.panel import GeoPanel
from mmm.spec import Spec

__all__ = ["load_panel", "panel_from_frame", "panel_overview"]

#: Internal column names added to the table while it is checked.
_ROW, _DATE, _GEO = "_row", "_date", "_geo"


def load_panel(spec: Spec, data: str | Path | pd.DataFrame | None = None, *,
               aggregate_daily: bool = False) -> GeoPanel:
    """Read and validate a geo panel for ``spec``.

    Parameters
    ----------
    spec : Spec
        A geo spec (it names a ``geo_column``).
    data : str, Path or pandas.DataFrame, optional
        A CSV / TSV / Parquet / Excel file or a DataFrame in long format (one row per geo
        and week); ``None`` reads ``spec.data``.
    aggregate_daily : bool, default False
        Daily rows are summed into Monday-starting weeks per geo (controls averaged); without
        it daily data is an error.

    Returns
    -------
    GeoPanel
        Geos in order of first appearance, weeks sorted, channels in spec order; national
        channels allocated to geos.

    Raises
    ------
    SpecError
        If the spec names no ``geo_column``.
    DataError
        If the data breaks a rule of :func:`mmm.data.load_data` or of the panel (see the
        module doc). Messages name the column, the geo and the week.
    """
    if not spec.is_geo:
        raise SpecError("This spec has no 'geo_column', so it describes national data. Add 'geo_column: <the "
                        "region column>' to read a panel, or use mmm.data.load_data.")
    if data is None:
        if spec.data is None:
            raise DataError("No data given: pass a file or DataFrame, or set 'data:' in the spec to the data "
                            "file's path.")
        data = spec.data
    return panel_from_frame(D.read_table(data, sheet=spec.sheet), spec, aggregate_daily=aggregate_daily)


def panel_from_frame(df: pd.DataFrame, spec: Spec, *, aggregate_daily: bool = False) -> GeoPanel:
    """:func:`load_panel` on a table already read (the table is not modified)."""
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    if len(df) == 0:
        raise DataError("The data has no rows.")
    df, spec = D.expand_categorical_events(df, spec)
    columns = D.check_columns(df, spec)
    sizes = _size_columns(spec)
    _check_present(df, spec, sizes)
    frame = df[list(dict.fromkeys([*columns, spec.geo_column, *sizes]))].reset_index(drop=True)
    frame[_ROW] = np.arange(1, len(frame) + 1)
    frame[_DATE] = D.parse_dates(frame, spec.date_column)
    frame[_GEO] = _geo_names(frame, spec.geo_column)

    values = [c for c in columns if c != spec.date_column]
    D.refuse_flags(frame, spec)
    for c in dict.fromkeys([*values, *sizes]):
        frame[c] = D.numeric(frame, c)
    _national_figures(frame, spec)
    _no_empty_cells(frame, spec, [*values, *sizes])
    _no_negative_spend(frame, spec)
    _one_row_per_geo_and_week(frame, spec)
    per_geo = {c: _constant_per_geo(frame, c, what) for c, what in sizes.items()}
    D.check_kpi_type(frame, spec)

    if _looks_daily(frame):
        if not aggregate_daily:
            raise DataError(f"The dates in '{spec.date_column}' look daily (one day apart within each geo). The "
                            "model needs weekly data: pass aggregate_daily=True (CLI: --aggregate-daily) to sum "
                            "each geo's days into weeks, or aggregate them yourself.")
        frame = _daily_to_weeks(frame, spec, values)
    geos = tuple(pd.unique(frame[_GEO]))
    _lift_test_geos(spec, geos)
    dates = _week_grid(frame, spec, geos)
    frame, dates = _window(frame, spec, dates)

    G, T = len(geos), len(dates)
    gi = pd.Index(geos).get_indexer(frame[_GEO])
    ti = dates.get_indexer(frame[_DATE])

    def grid(column: str) -> np.ndarray:
        out = np.zeros((G, T))
        out[gi, ti] = frame[column].to_numpy(dtype="float64")
        return out

    kpi = grid(spec.kpi.column)
    dead = [g for g, row in zip(geos, kpi, strict=True) if not np.any(row != 0)]
    if dead:
        raise DataError(f"KPI column '{spec.kpi.column}' is 0 in every week in geo{'s' * (len(dead) > 1)} "
                        f"{D.listing([repr(g) for g in dead])} (column '{spec.geo_column}'). A geo without "
                        "outcome tells the model nothing: drop it, or check it is the right KPI column.")
    if spec.population_column is not None:
        population = np.array([per_geo[spec.population_column][g] for g in geos])
    else:
        population = kpi.sum(axis=1) / kpi.sum()
    spend = np.stack([grid(c.spend) for c in spec.channels], axis=-1)
    allocation = _allocate(spend, spec, geos, population, per_geo)
    controls = (np.stack([grid(c) for c in spec.controls], axis=-1) if spec.controls else np.zeros((G, T, 0)))
    events = _national_events(frame, spec, grid, dates)
    _check_national_content(spend, kpi, spec, dates)
    needed = D.min_weeks(spec)
    if len(dates) < needed:
        raise DataError(f"The panel has {T} weeks; this model needs at least {needed} (see mmm.data.min_weeks). "
                        "Add more history, or simplify the spec (fewer channels, controls or seasonality terms, "
                        "shorter l_max).")
    return GeoPanel(
        geos=tuple(str(g) for g in geos), dates=dates, channels=tuple(spec.channel_names), spend=spend, kpi=kpi,
        population=np.asarray(population, dtype="float64"), controls=controls,
        control_names=tuple(spec.controls), events=events, event_names=tuple(spec.events),
        national_channels=tuple(spec.national_channels), allocation=allocation,
    )


# ---------------------------------------------------------------- messages


def _where(frame: pd.DataFrame, mask: np.ndarray, column: str | None = None) -> str:
    """``geo 'north', week 2024-01-08 (row 12): -5, ...`` for the rows where ``mask`` holds."""
    sub = frame.loc[np.asarray(mask, dtype=bool)]
    items = []
    for _, r in sub.iloc[:D.MAX_LISTED].iterrows():
        text = f"geo '{r[_GEO]}', week {D.date_text(r[_DATE])} (row {int(r[_ROW])})"
        if column is not None:
            text += f": {float(r[column]):g}"
        items.append(text)
    rest = len(sub) - len(items)
    return "; ".join(items) + (f" and {rest} more" if rest > 0 else "")


# ---------------------------------------------------------------- checks


def _size_columns(spec: Spec) -> dict[str, str]:
    """Columns constant within each geo: the population column and allocation share columns."""
    out: dict[str, str] = {}
    if spec.population_column is not None:
        out[spec.population_column] = "population_column"
    for ch in spec.channels:
        if ch.level == "national" and ch.allocation not in ("population", spec.population_column):
            out.setdefault(ch.allocation, f"channels.{ch.name}.allocation")
    return out


def _check_present(df: pd.DataFrame, spec: Spec, sizes: dict[str, str]) -> None:
    wanted = {spec.geo_column: "geo_column", **sizes}
    present = list(df.columns)
    missing = [f"'{c}' (from {where}).{D.column_hint(c, present)}" for c, where in wanted.items()
               if c not in df.columns]
    if missing:
        raise DataError(f"The data has no column {'; '.join(missing)} Columns in the data: "
                        f"{', '.join(present[:20])}{', ...' if len(present) > 20 else ''}. Fix the spec or "
                        "rename the column.")


def _geo_names(frame: pd.DataFrame, column: str) -> pd.Series:
    raw = frame[column]
    empty = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if empty.any():
        rows = [f"row {int(r)}" for r in frame.loc[empty, _ROW]]
        raise DataError(f"Geo column '{column}' is empty in {D.listing(rows)}. Every row needs its geo; fill it "
                        "in or drop those rows.")
    if pd.api.types.is_float_dtype(raw) and np.all(raw.to_numpy() == np.round(raw.to_numpy())):
        raw = raw.astype("int64")            # DMA codes read as 501.0 are the geo '501'
    return raw.astype(str).str.strip()


def _national_figures(frame: pd.DataFrame, spec: Spec) -> None:
    """Each national channel: one figure per week (repeated, or on one row with the rest empty)."""
    for ch in spec.channels:
        if ch.level != "national":
            continue
        c = ch.spend
        by_week = frame.groupby(_DATE)[c]
        spread = by_week.nunique(dropna=True)
        bad = spread[spread > 1]
        if len(bad):
            week = bad.index[0]
            rows = frame.loc[(frame[_DATE] == week).to_numpy() & frame[c].notna().to_numpy()]
            shown = D.listing([f"geo '{g}' {v:g}" for g, v in zip(rows[_GEO], rows[c], strict=True)])
            raise DataError(
                f"Channel '{ch.name}' is national (level: national), but column '{c}' differs across geos in the "
                f"week of {D.date_text(week)}: {shown}{f' ({len(bad)} weeks differ)' if len(bad) > 1 else ''}. A "
                "national channel's column holds the national weekly figure: repeat it on every geo's row, or "
                "give it on one row and leave the other geos' cells empty. If it is bought per geo, remove "
                "'level: national'.")
        empty = spread[spread == 0]
        if len(empty):
            raise DataError(f"Channel '{ch.name}' (level: national, column '{c}') is empty in every geo in the "
                            f"week{'s' * (len(empty) > 1)} of {D.listing([D.date_text(d) for d in empty.index])}. "
                            "Give the national figure on at least one row of each week (0 if there was no spend).")
        frame[c] = by_week.transform("first")


def _no_empty_cells(frame: pd.DataFrame, spec: Spec, columns: list[str]) -> None:
    for c in dict.fromkeys(columns):
        nan = frame[c].isna().to_numpy()
        if nan.any():
            spend = c in {ch.spend for ch in spec.channels}
            what = ("Fill them in (0 only if there truly was no spend); empty cells are never treated as 0."
                    if spend else "Fill them in or drop those rows; empty cells are never treated as 0.")
            raise DataError(f"Column '{c}' is empty (NaN) in {_where(frame, nan)}. {what}")


def _no_negative_spend(frame: pd.DataFrame, spec: Spec) -> None:
    for ch in spec.channels:
        neg = frame[ch.spend].to_numpy() < 0
        if neg.any():
            raise DataError(f"Spend column '{ch.spend}' has negative values in {_where(frame, neg, ch.spend)}. "
                            "Spend cannot be negative; fix those rows (refunds belong in a later week's spend, "
                            "netted to >= 0).")


def _one_row_per_geo_and_week(frame: pd.DataFrame, spec: Spec) -> None:
    dup = frame.duplicated([_GEO, _DATE], keep=False).to_numpy()
    if not dup.any():
        return
    rows = frame.loc[dup].sort_values([_GEO, _DATE, _ROW])
    detail = D.listing([f"geo '{g}', {D.date_text(d)} (rows {', '.join(str(int(r)) for r in part[_ROW])})"
                        for (g, d), part in rows.groupby([_GEO, _DATE], sort=False)])
    raise DataError(f"Geo and week repeat (columns '{spec.geo_column}' and '{spec.date_column}'): {detail}. Keep "
                    "one row per geo and week (sum or remove the duplicates).")


def _constant_per_geo(frame: pd.DataFrame, column: str, where: str) -> dict[str, float]:
    """The one value of ``column`` in each geo; an error naming a geo where it changes or is not positive."""
    by_geo = frame.groupby(_GEO, sort=False)[column]
    lo, hi = by_geo.min(), by_geo.max()
    changing = lo.index[(lo != hi).to_numpy()]
    if len(changing):
        g = changing[0]
        raise DataError(f"Column '{column}' ({where}) must be the same in every week of a geo, but geo '{g}' has "
                        f"{lo[g]:g} and {hi[g]:g}{f' ({len(changing)} geos change)' if len(changing) > 1 else ''}. "
                        "Give each geo one value (e.g. its population in the middle of the period).")
    positive = where == "population_column"
    bad = lo.index[(lo <= 0).to_numpy()] if positive else lo.index[(lo < 0).to_numpy()]
    if len(bad):
        need = "positive" if positive else "zero or more"
        raise DataError(f"Column '{column}' ({where}) must be {need}; geo{'s' * (len(bad) > 1)} "
                        f"{D.listing([repr(g) for g in bad])} {'have' if len(bad) > 1 else 'has'} "
                        f"{lo[bad[0]]:g}.")
    return {str(g): float(v) for g, v in lo.items()}


def _lift_test_geos(spec: Spec, geos: tuple[str, ...]) -> None:
    """Each geo a lift test names is a geo of the panel."""
    for i, test in enumerate(spec.lift_tests):
        unknown = [g for g in test.geos if g not in geos]
        if unknown:
            raise DataError(f"'lift_tests[{i}].geos' names {D.listing([repr(g) for g in unknown])}, not a geo in "
                            f"column '{spec.geo_column}'.{D.column_hint(unknown[0], list(geos))} Geos: "
                            f"{D.listing([repr(g) for g in geos])}.")


def _looks_daily(frame: pd.DataFrame) -> bool:
    gaps = frame.sort_values([_GEO, _DATE]).groupby(_GEO, sort=False)[_DATE].diff().dt.days.dropna()
    return bool(len(gaps)) and float(np.median(gaps)) == 1


def _daily_to_weeks(frame: pd.DataFrame, spec: Spec, values: list[str]) -> pd.DataFrame:
    """Each geo's days summed into Monday-starting weeks (controls averaged), by mmm.data's rules."""
    parts = []
    notes: list[str] = []
    for g, rows in frame.groupby(_GEO, sort=False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            try:
                weekly = D.aggregate_daily_rows(rows.sort_values(_DATE), spec, spec.date_column, values)
            except DataError as exc:
                raise DataError(f"Geo '{g}' (column '{spec.geo_column}'): {exc}") from None
        notes += [f"geo '{g}': {w.message}" for w in caught]
        weekly[_GEO] = g
        parts.append(weekly)
    if notes:
        warnings.warn(f"{notes[0]}{f' (and {len(notes) - 1} more geos)' if len(notes) > 1 else ''}",
                      DataWarning, stacklevel=4)
    return pd.concat(parts, ignore_index=True)


def _week_grid(frame: pd.DataFrame, spec: Spec, geos: tuple[str, ...]) -> pd.DatetimeIndex:
    """The weeks of the panel; every geo must have each one."""
    dates = pd.DatetimeIndex(np.sort(frame[_DATE].unique()))
    D.check_grid(pd.Series(dates), spec.date_column)
    have = frame.groupby(_GEO, sort=False)[_DATE].nunique()
    short = [g for g in geos if have[g] < len(dates)]
    if short:
        g = short[0]
        missing = dates.difference(pd.DatetimeIndex(frame.loc[frame[_GEO] == g, _DATE]))
        others = f" ({len(short)} geos have missing weeks: {D.listing([repr(s) for s in short])})" if len(short) > 1 else ""
        raise DataError(f"Geo '{g}' (column '{spec.geo_column}') has no row for the week{'s' * (len(missing) > 1)} "
                        f"of {D.listing([D.date_text(d) for d in missing])}{others}. Every geo needs every week: "
                        "add the missing rows (0 spend if there was none; the KPI must be filled in) or drop the geo.")
    return dates


def _window(frame: pd.DataFrame, spec: Spec, dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    if spec.window is None:
        return frame, dates
    start = pd.Timestamp(spec.window.start) if spec.window.start else dates.min()
    end = pd.Timestamp(spec.window.end) if spec.window.end else dates.max()
    keep = dates[(dates >= start) & (dates <= end)]
    if len(keep) == 0:
        raise DataError(f"'window' ({spec.window.start or 'start'} to {spec.window.end or 'end'}) holds no week of "
                        f"the data ({D.date_text(dates.min())} to {D.date_text(dates.max())}).")
    return frame.loc[frame[_DATE].isin(keep).to_numpy()].reset_index(drop=True), keep


def _allocate(spend: np.ndarray, spec: Spec, geos: tuple[str, ...], population: np.ndarray,
              per_geo: dict[str, dict[str, float]]) -> np.ndarray:
    """Split national channels over geos (in place in ``spend``); each geo's share of each channel."""
    G, _, C = spend.shape
    allocation = np.zeros((G, C))
    for i, ch in enumerate(spec.channels):
        if ch.level == "national":
            if ch.allocation in ("population", spec.population_column):
                share = population / population.sum()
            else:
                raw = np.array([per_geo[ch.allocation][g] for g in geos])
                if raw.sum() <= 0:
                    raise DataError(f"Column '{ch.allocation}' (channels.{ch.name}.allocation) is 0 in every geo; "
                                    "it must give each geo's share of the national spend.")
                share = raw / raw.sum()
            spend[:, :, i] = share[:, None] * spend[0, :, i][None, :]   # every row holds the national figure
            allocation[:, i] = share
        else:
            total = spend[:, :, i].sum()
            allocation[:, i] = spend[:, :, i].sum(axis=1) / total if total > 0 else 0.0
    return allocation


def _national_events(frame: pd.DataFrame, spec: Spec, grid, dates: pd.DatetimeIndex) -> np.ndarray:
    if not spec.events:
        return np.zeros((len(dates), 0))
    out = np.zeros((len(dates), len(spec.events)))
    for k, e in enumerate(spec.events):
        values = grid(e)
        differs = np.flatnonzero(np.ptp(values, axis=0) > 0)
        if len(differs):
            raise DataError(f"Event column '{e}' differs across geos in the week of "
                            f"{D.date_text(dates[differs[0]])}{f' ({len(differs)} weeks)' if len(differs) > 1 else ''}."
                            " Events are national (the same in every geo); list a flag that varies by geo under "
                            "controls instead.")
        out[:, k] = values[0]
    return out


def _check_national_content(spend: np.ndarray, kpi: np.ndarray, spec: Spec, dates: pd.DatetimeIndex) -> None:
    """mmm.data's checks on the national series: a channel with no spend, a constant KPI, warnings."""
    national = pd.DataFrame(spend.sum(axis=0), columns=[c.spend for c in spec.channels])
    national[spec.kpi.column] = kpi.sum(axis=0)
    national[_DATE] = dates
    national[_ROW] = np.arange(1, len(dates) + 1)
    D.check_content(national, spec)


def panel_overview(panel: GeoPanel) -> pd.DataFrame:
    """One row per channel for a summary (``mmm validate``): ``channel, level, spend, weeks_active,
    geos_active`` (weeks with national spend; geos with any spend)."""
    national = panel.national_spend()
    by_geo = panel.spend.sum(axis=1)
    return pd.DataFrame({
        "channel": list(panel.channels),
        "level": ["national" if c in panel.national_channels else "geo" for c in panel.channels],
        "spend": national.sum(axis=0),
        "weeks_active": (national > 0).mean(axis=0),
        "geos_active": (by_geo > 0).sum(axis=0),
    })
