"""Reading and validating the weekly data set a model is fitted to.

:func:`load_data` reads a CSV / Parquet / Excel file (or takes a DataFrame), checks it
against a :class:`~mmm.spec.Spec` and returns a :class:`Dataset`: one row per week,
sorted, numeric, no gaps. Every problem the model cannot work around is a
:class:`~mmm.errors.DataError` whose message names the column and the rows (or dates) at
fault and says what to do; legal but risky data (a channel that is rarely on, two
channels that move together) gives a :class:`~mmm.errors.DataWarning`.

Nothing is ever filled in silently: an empty cell is an error, not a zero.

Row numbers in messages count data rows from 1 in the order of the input (the first row
under the header is row 1), and are followed by the row's date, e.g. ``row 14 (2024-04-08)``.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.errors import DataError, DataWarning, closest
from mmm.kpi import kpi_kind
from mmm.spec import Spec, _excerpt

__all__ = [
    "Dataset",
    "aggregate_to_weeks",
    "load_data",
    "min_weeks",
    "read_table",
]

#: Most offending rows / dates listed in one message before "and N more".
MAX_LISTED = 5

#: Suffixes :func:`read_table` understands.
SUFFIXES = (".csv", ".csv.gz", ".tsv", ".parquet", ".pq", ".xlsx", ".xls")

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

#: A channel active in fewer than this share of weeks draws a warning.
SPARSE_SHARE = 0.10
#: Spend correlation above which two channels draw a warning.
CORRELATION_LIMIT = 0.9


# --------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A validated weekly data set.

    Attributes
    ----------
    spec : Spec
        The specification the data was validated against.
    frame : pandas.DataFrame
        One row per week, sorted by date, index ``0..T-1``. Holds the date column
        (``datetime64[ns]``), the KPI column, every channel's spend column, the control
        and event columns and ``spec.branded_search`` if set; all numeric columns are
        ``float64``.
    """

    spec: Spec
    frame: pd.DataFrame
    #: spend of the weeks before the fitting window (``window.start``), ``(H, C)``: it still
    #: carries over into the window. Empty without a window.
    history: np.ndarray | None = None

    @property
    def spend_history(self) -> np.ndarray:
        """Spend of the weeks before the data's first week, ``(H, C)`` (``(0, C)`` if none)."""
        if self.history is None:
            return np.zeros((0, len(self.spec.channels)))
        return np.asarray(self.history, dtype="float64")

    def history_before(self, start: int, length: int) -> np.ndarray | None:
        """Up to ``length`` weeks of spend before row ``start`` (from the data, then the history)."""
        full = np.vstack([self.spend_history, self.spend])
        at = len(self.spend_history) + start
        if at <= 0 or length <= 0:
            return None
        return full[max(0, at - length):at]

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The week dates, ``(T,)``."""
        return pd.DatetimeIndex(self.frame[self.spec.date_column])

    @property
    def kpi(self) -> np.ndarray:
        """The KPI, ``(T,)`` float64."""
        return self.frame[self.spec.kpi.column].to_numpy(dtype=float)

    @property
    def spend(self) -> np.ndarray:
        """Channel spend, ``(T, C)`` float64, columns in ``spec.channels`` order."""
        return self._block([c.spend for c in self.spec.channels])

    @property
    def controls(self) -> np.ndarray:
        """Control variables, ``(T, K)`` in ``spec.controls`` order (``(T, 0)`` if none)."""
        return self._block(self.spec.controls)

    @property
    def events(self) -> np.ndarray:
        """Event indicators / values, ``(T, E)`` in ``spec.events`` order (``(T, 0)`` if none)."""
        return self._block(self.spec.events)

    @property
    def branded_search(self) -> np.ndarray | None:
        """The ``spec.branded_search`` column, ``(T,)``, or ``None`` if the spec has none."""
        if not self.spec.branded_search:
            return None
        return self.frame[self.spec.branded_search].to_numpy(dtype=float)

    @property
    def n_weeks(self) -> int:
        """Number of weeks ``T``."""
        return len(self.frame)

    def _block(self, columns: Sequence[str]) -> np.ndarray:
        if not columns:
            return np.zeros((len(self.frame), 0), dtype=float)
        return self.frame[list(columns)].to_numpy(dtype=float)

    def subset(self, start: int, stop: int) -> Dataset:
        """Rows ``[start, stop)`` as a new :class:`Dataset` (same spec, re-indexed, not re-validated).

        Parameters
        ----------
        start, stop : int
            Positional bounds, as in ``frame.iloc[start:stop]``.

        Returns
        -------
        Dataset
        """
        history = self.history_before(start, len(self.spend_history) + start)
        return Dataset(self.spec, self.frame.iloc[start:stop].reset_index(drop=True).copy(), history)

    def to_json(self) -> str:
        """Serialise the frame losslessly (ISO dates, full float precision) as JSON text.

        Returns
        -------
        str
            Text that :meth:`from_json` turns back into an identical frame.
        """
        date_col = self.spec.date_column
        payload = {
            "date_column": date_col,
            "columns": list(self.frame.columns),
            "dates": [d.isoformat() for d in pd.DatetimeIndex(self.frame[date_col])],
            "values": {
                c: [float(v) for v in self.frame[c].to_numpy(dtype=float)]
                for c in self.frame.columns
                if c != date_col
            },
        }
        if self.history is not None and len(self.history):
            payload["spend_history"] = self.spend_history.tolist()
        return json.dumps(payload)

    @classmethod
    def from_json(cls, spec: Spec, text: str) -> Dataset:
        """Rebuild a :class:`Dataset` written by :meth:`to_json` (no re-validation).

        Parameters
        ----------
        spec : Spec
            The specification to attach.
        text : str
            Output of :meth:`to_json`.

        Returns
        -------
        Dataset

        Raises
        ------
        DataError
            If ``text`` is not such output.
        """
        try:
            payload = json.loads(text)
            date_col = payload["date_column"]
            data = {}
            for c in payload["columns"]:
                if c == date_col:
                    data[c] = pd.to_datetime(pd.Series(payload["dates"], dtype=object)).astype(
                        "datetime64[ns]"
                    )
                else:
                    data[c] = pd.Series(payload["values"][c], dtype="float64")
            frame = pd.DataFrame(data, columns=payload["columns"])
            history = np.asarray(payload["spend_history"], dtype="float64") if "spend_history" in payload else None
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"Saved data could not be read back ({exc}); the file may be damaged.") from None
        if date_col != spec.date_column:
            raise DataError(f"Saved data has date column '{date_col}' but the spec says "
                            f"'{spec.date_column}'.")
        return cls(spec, frame.reset_index(drop=True), history)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def read_table(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table from a CSV, TSV, Parquet or Excel file, or copy a DataFrame.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        A file path whose suffix picks the reader (``.csv``, ``.csv.gz``, ``.tsv``,
        ``.parquet``/``.pq``, ``.xlsx``/``.xls``), or a DataFrame, which is copied. A CSV
        whose header is separated by semicolons (European exports) is read with ``;``, and
        with decimal commas (``1.234,56``) when its numbers use them.
    sheet : str or int, optional
        Excel only: the sheet's name or 0-based position (default: the first sheet).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        If the file does not exist, its suffix is not one of the above, it cannot be read,
        a semicolon CSV mixes decimal commas and points, or ``sheet`` is not in the workbook.
    """
    return _read(source, sheet)[0]


def _read(source: str | Path | pd.DataFrame, sheet: str | int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`read_table`, and the notes on how the file was read (sheet, separator) for the user."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), []
    if not isinstance(source, str | Path):
        raise DataError(f"Data must be a file path or a pandas DataFrame; got {type(source).__name__}.")
    path = Path(source)
    if not path.exists():
        raise DataError(f"Data file '{path}' does not exist. Check the path (relative paths are "
                        f"read from {Path.cwd()}).")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a data file.")
    name = path.name.lower()
    suffix = next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)
    if suffix is None:
        raise DataError(f"Cannot read '{path.name}': unknown file type '{path.suffix or '(none)'}'. "
                        f"Save it as one of {', '.join(SUFFIXES)}.")
    if sheet is not None and suffix not in (".xlsx", ".xls"):
        raise DataError(f"The spec sets 'sheet: {_excerpt(sheet, 40)}', but '{path.name}' is a {suffix} file, not an "
                        "Excel workbook. Remove 'sheet:' from the spec, or point 'data:' at the workbook.")
    try:
        if suffix in (".csv", ".csv.gz"):
            if _semicolon_header(path, suffix):
                return _read_semicolon(path)
            return pd.read_csv(path), []
        if suffix == ".tsv":
            return pd.read_csv(path, sep="\t"), []
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path), []
        return _read_excel(path, sheet)
    except pd.errors.EmptyDataError:
        raise DataError(f"Data file '{path}' is empty.") from None
    except (ValueError, OSError, ImportError, pd.errors.ParserError, zipfile.BadZipFile, KeyError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"Could not read '{path}' as {suffix} ({exc}). Check the file opens "
                        "and is not password protected or corrupted.") from None


def _read_excel(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, list[str]]:
    """One sheet of a workbook: ``sheet`` (name or 0-based position), else the first; a note if there are more."""
    with pd.ExcelFile(path) as book:
        names = [str(n) for n in book.sheet_names]
        listed = _listing([f"'{n}'" for n in names])
        if sheet is None:
            chosen = names[0]
        elif isinstance(sheet, int):
            if sheet >= len(names):
                raise DataError(f"The spec sets 'sheet: {sheet}', but '{path.name}' has {len(names)} "
                                f"sheet{'s' * (len(names) > 1)} (positions 0 to {len(names) - 1}): {listed}. "
                                "Set 'sheet:' to one of those names or positions.")
            chosen = names[sheet]
        elif sheet in names:
            chosen = sheet
        else:
            raise DataError(f"The spec sets 'sheet: {_excerpt(sheet, 60)}', but '{path.name}' has no such sheet."
                            f"{_hint(sheet, names)} Its sheets: {listed}. Set 'sheet:' to one of those names "
                            "(or a position counting from 0).")
        frame = pd.read_excel(book, sheet_name=chosen)
    notes = []
    if len(names) > 1:
        how = "set by 'sheet:' in the spec" if sheet is not None else "the first; set 'sheet:' in the spec to read another"
        notes.append(f"Read sheet '{chosen}' of '{path.name}' ({how}). The workbook has {len(names)} sheets: {listed}.")
    return frame, notes


#: Cell shapes of a semicolon CSV's numbers: whole, decimal comma, dots grouping thousands, decimal point.
_WHOLE = re.compile(r"[+-]?\d+")
_COMMA = re.compile(r"[+-]?\d*,\d+")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?")
_POINT = re.compile(r"[+-]?\d*\.\d+")
_FLAG_WORDS = frozenset({"true", "false"})


def _semicolon_header(path: Path, suffix: str) -> bool:
    """Whether the file's first line is separated by semicolons rather than commas."""
    opener = gzip.open if suffix == ".csv.gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline(100_000)
    except (OSError, EOFError):
        return False
    return header.count(";") >= 1 and header.count(";") > header.count(",")


def _read_semicolon(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """A semicolon-separated CSV; numbers with decimal commas (``1.234,56``) when the file uses them.

    Every cell is read as text first, then each column whose cells are all numbers becomes
    numeric. A file with both decimal commas (``12,5``) and decimal points (``3.75``), or
    whose only separators are dots in groups of three (``1.234``: a thousand or one?), is
    ambiguous: a :class:`DataError` rather than a guess.
    """
    text = pd.read_csv(path, sep=";", dtype=str, skipinitialspace=True)
    numeric: list[str] = []
    comma, point, grouped = [], [], []
    for c in text.columns:
        cells = text[c].dropna().str.strip()
        cells = cells[cells != ""]
        if not len(cells):
            continue
        kinds = []
        for v in cells:
            if _WHOLE.fullmatch(v):
                kinds.append("whole")
            elif _COMMA.fullmatch(v):
                kinds.append("comma")
            elif _GROUPED.fullmatch(v):
                kinds.append("comma" if "," in v else "grouped")
            elif _POINT.fullmatch(v):
                kinds.append("point")
            else:
                break
        else:
            numeric.append(c)
            for kind, v in zip(kinds, cells, strict=True):
                {"comma": comma, "point": point, "grouped": grouped}.get(kind, []).append((c, v))
    name = path.name
    if comma and point:
        raise DataError(
            f"'{name}' is separated by semicolons (;) but mixes decimal commas and decimal points: column "
            f"'{comma[0][0]}' has {comma[0][1]!r}, column '{point[0][0]}' has {point[0][1]!r}. Export it again with "
            "one decimal separator (or as a comma-separated CSV with decimal points) so no number is misread.")
    if grouped and not comma and not point:
        raise DataError(
            f"'{name}' is separated by semicolons (;) and has numbers such as {grouped[0][1]!r} (column "
            f"'{grouped[0][0]}') that could mean {grouped[0][1].replace('.', '')} or {grouped[0][1]}. Export it again "
            "without thousands separators (or as a comma-separated CSV with decimal points).")
    decimal_comma = bool(comma)
    frame = text.copy()
    for c in text.columns:
        cells = text[c].str.strip()
        if c in numeric:
            if decimal_comma:
                cells = cells.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            frame[c] = pd.to_numeric(cells.replace("", np.nan))
        elif cells.dropna().str.lower().isin(_FLAG_WORDS).all() and cells.notna().any():
            frame[c] = cells.str.lower().map({"true": True, "false": False})
        else:
            frame[c] = cells
    how = "decimal commas (12,5 = 12.5; dots group thousands)" if decimal_comma else "decimal points"
    return frame, [f"Read '{name}' as a semicolon-separated (;) CSV with {how}."]


# --------------------------------------------------------------------------------------
# Helpers for messages
# --------------------------------------------------------------------------------------


def _date_text(value: object) -> str:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    if pd.isna(ts):
        return "no date"
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()


def _listing(items: Sequence[str]) -> str:
    """``'a, b, c, d, e and 3 more'``."""
    items = list(items)
    shown = ", ".join(items[:MAX_LISTED])
    rest = len(items) - MAX_LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown


def _rows(frame: pd.DataFrame, mask: np.ndarray | pd.Series, *, column: str | None = None,
          show_value: bool = False) -> str:
    """Describe the rows where ``mask`` holds, e.g. ``row 3 (2024-01-15) 'abc', ...``."""
    mask = np.asarray(mask, dtype=bool)
    sub = frame.loc[mask]
    items = []
    for _, r in sub.iloc[:MAX_LISTED].iterrows():
        text = f"row {int(r['_row'])}"
        if "_date" in sub.columns:
            text += f" ({_date_text(r['_date'])})"
        if show_value and column is not None:
            value = r[column]
            if isinstance(value, np.generic):
                value = value.item()
            text += f": {value:g}" if isinstance(value, float) else f": {_excerpt(value)}"
        items.append(text)
    rest = int(mask.sum()) - len(items)
    out = ", ".join(items)
    return f"{out} and {rest} more" if rest > 0 else out


def _norm_name(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _hint(name: str, options: Sequence[str]) -> str:
    """``closest()``, but first a match ignoring case, spaces and punctuation."""
    same = [o for o in options if _norm_name(o) == _norm_name(name)]
    return f" Did you mean '{same[0]}'?" if same else closest(name, options)


def _weeks_text(dates: Iterable[object]) -> str:
    return _listing([_date_text(d) for d in dates])


# --------------------------------------------------------------------------------------
# Weekly aggregation
# --------------------------------------------------------------------------------------


def _week_start_of(dates: pd.Series, week_start: str) -> pd.Series:
    key = str(week_start).upper()[:3]
    if key not in _WEEKDAYS:
        raise DataError(f"week_start must be one of {', '.join(_WEEKDAYS)}; got '{week_start}'."
                        f"{closest(str(week_start).upper(), _WEEKDAYS)}")
    start = _WEEKDAYS.index(key)
    dates = pd.to_datetime(dates).dt.normalize()
    offset = (dates.dt.dayofweek - start) % 7
    return dates - pd.to_timedelta(offset, unit="D")


def aggregate_to_weeks(
    df: pd.DataFrame,
    date_column: str,
    *,
    week_start: str = "MON",
    sum_columns: Sequence[str] | None = None,
    mean_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Aggregate daily (or any finer-than-weekly) rows into weeks.

    Each row goes to the week that starts on the last ``week_start`` day on or before its
    date (with ``"MON"``, the Monday of its ISO week); that start date labels the week.
    Only weeks with at least one row appear (no week is invented), so gaps stay visible.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows with a date column.
    date_column : str
        The date column; it becomes the week start date in the output.
    week_start : str, default "MON"
        First day of the week: ``MON`` .. ``SUN``.
    sum_columns : sequence of str, optional
        Columns summed within a week (spend, KPI, events). Default: every numeric column
        not in ``mean_columns``.
    mean_columns : sequence of str, optional
        Columns averaged within a week (controls such as price or temperature).

    Returns
    -------
    pandas.DataFrame
        One row per week, sorted, with ``date_column`` then the summed and averaged columns.
        A week holding an empty (NaN) value gets NaN, never a silent 0.

    Raises
    ------
    DataError
        If a named column is absent or the dates cannot be parsed.
    """
    mean_columns = list(mean_columns or [])
    if sum_columns is None:
        sum_columns = [c for c in df.columns
                       if c != date_column and c not in mean_columns
                       and pd.api.types.is_numeric_dtype(df[c])]
    sum_columns = [c for c in sum_columns if c not in mean_columns]
    for c in [date_column, *sum_columns, *mean_columns]:
        if c not in df.columns:
            raise DataError(f"Column '{c}' is not in the data.{closest(c, df.columns)}")
    dates = pd.to_datetime(df[date_column], errors="coerce")
    if dates.isna().any():
        bad = np.flatnonzero(dates.isna().to_numpy())
        raise DataError(f"Column '{date_column}' has values that are not dates: "
                        + _listing([f"row {i + 1} {_excerpt(df[date_column].iloc[i])}" for i in bad]) + ".")
    week = _week_start_of(dates, week_start).to_numpy()
    out = pd.DataFrame({date_column: week}).join(
        df[[*sum_columns, *mean_columns]].reset_index(drop=True).astype(float))
    grouped = out.groupby(date_column, sort=True)
    parts = []
    if sum_columns:
        parts.append(grouped[list(sum_columns)].sum(skipna=False))
    if mean_columns:
        parts.append(grouped[list(mean_columns)].mean(skipna=False))
    result = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=grouped.size().index)
    result = result.reset_index()
    result[date_column] = result[date_column].astype("datetime64[ns]")
    return result


# --------------------------------------------------------------------------------------
# Minimum length
# --------------------------------------------------------------------------------------


def _n_parameters(spec: Spec) -> int:
    trend = {"none": 0, "linear": 1, "piecewise": spec.model.changepoints + 1}[spec.model.trend]
    return (3 * len(spec.channels)              # effect size, carryover, saturation per channel
            + 2 * spec.model.yearly_seasonality  # a sine and a cosine per Fourier order
            + len(spec.controls) + len(spec.events)
            + trend
            + 2)                                # intercept and noise


def min_weeks(spec: Spec) -> int:
    """Fewest weeks of data the model accepts for ``spec``.

    The rule: ``max(26, 2 * L, 2 * P)`` where ``L`` is the longest carryover window
    (``l_max``, over the model and any channel override) and ``P`` counts the main
    parameters: 3 per channel (effect, carryover, saturation), 2 per yearly seasonality
    order, 1 per control and event, the trend (0 none, 1 linear, changepoints + 1
    piecewise), and 2 (intercept, noise). So: at least half a year, at least two
    carryover windows, and at least two weeks per parameter. This is a floor, not a
    recommendation: two to three years of weekly data is what a media mix model wants.

    Examples: 3 channels, ``l_max`` 8, seasonality 2, one control and a linear trend
    need 34 weeks; without seasonality, 26.

    Parameters
    ----------
    spec : Spec

    Returns
    -------
    int
    """
    longest = max([spec.model.l_max, *[c.l_max for c in spec.channels if c.l_max is not None]])
    return int(max(26, 2 * longest, 2 * _n_parameters(spec)))


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


#: A text event column with at most this many levels is expanded into 0/1 columns.
MAX_EVENT_LEVELS = 20
#: Levels that read as "no event" and are preferred as the baseline (no column of their own).
NO_EVENT_LEVELS = ("na", "n/a", "none", "no", "no_event", "0", "", "-", "off", "false")


def _text_levels(raw: pd.Series) -> list[str] | None:
    """The levels of a text column that is not numbers, or ``None`` if it is numeric."""
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        return None
    values = pd.to_numeric(raw, errors="coerce")
    text = values.isna() & raw.notna()
    if not text.any() or text.sum() < 0.5 * raw.notna().sum():
        return None          # numbers with a stray text cell: an error that names the cell, not levels
    return sorted({str(v).strip() for v in raw.dropna()})


def expand_categorical_events(df: pd.DataFrame, spec: Spec) -> tuple[pd.DataFrame, Spec]:
    """Expand each text column listed under ``events:`` into one 0/1 column per level.

    The baseline level gets no column: a "no event" level (``na``, ``none``, ``0`` ...) if
    there is one, else the most frequent level. New columns are named ``<column>_<level>``
    and replace the text column in the returned spec's ``events``. Empty cells count as the
    baseline. A text event column with more than :data:`MAX_EVENT_LEVELS` levels is an error.
    """
    events: list[str] = []
    changed = False
    for name in spec.events:
        raw = df[name] if name in df.columns else None
        levels = _text_levels(raw) if raw is not None else None
        if levels is None:
            events.append(name)
            continue
        if len(levels) > MAX_EVENT_LEVELS:
            raise DataError(f"Event column '{name}' is text with {len(levels)} different values; an event column "
                            f"must be 0/1 or a short list of event names (at most {MAX_EVENT_LEVELS}).")
        text = raw.fillna("").astype(str).str.strip()
        quiet = [lv for lv in levels if lv.lower() in NO_EVENT_LEVELS]
        baseline = quiet[0] if quiet else text.value_counts().index[0]
        df = df.copy()
        for level in levels:
            if level == baseline or (not level and baseline.lower() in NO_EVENT_LEVELS):
                continue
            col = f"{name}_{level}"
            if col in df.columns:
                raise DataError(f"Event column '{name}' has the level '{level}', but a column '{col}' already "
                                "exists; rename one of them.")
            df[col] = (text == level).astype(float)
            events.append(col)
        changed = True
    if not changed:
        return df, spec
    return df, spec.replace(events=tuple(events))


def _is_flag(raw: pd.Series) -> bool:
    """Whether a column holds only yes/no values: booleans, or the words true/false (any case)."""
    if pd.api.types.is_bool_dtype(raw):
        return True
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_datetime64_any_dtype(raw):
        return False
    cells = raw.dropna()
    if not len(cells):
        return False
    return all(isinstance(v, bool | np.bool_) or (isinstance(v, str) and v.strip().lower() in _FLAG_WORDS)
               for v in cells)


def _refuse_flags(frame: pd.DataFrame, spec: Spec) -> None:
    """A spend or KPI column of True/False is a flag in the wrong place, not 0/1 money."""
    roles = [(c.spend, f"channels.{c.name}.spend", "spend") for c in spec.channels]
    roles.append((spec.kpi.column, "kpi.column", "KPI values"))
    for column, setting, what in roles:
        if _is_flag(frame[column]):
            raise DataError(
                f"Column '{column}' ({setting}) holds only True/False values: it looks like a yes/no flag, not "
                f"weekly {what}. Flags belong under events/controls (listed there they count as 0/1); set "
                f"{setting} to a column of weekly {what}.")


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as float64; a DataError naming the non-numeric cells otherwise."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
    else:
        values = pd.to_numeric(raw, errors="coerce").astype(float)
        bad = values.isna().to_numpy() & raw.notna().to_numpy()
        levels = sorted({str(v).strip() for v in raw[bad]})
        money = all(re.fullmatch(r"[\s$€£¥()+-]*[\d.,\s]+[\s%$€£kKmM]*", v) for v in levels)
        if bad.any() and len(levels) <= MAX_EVENT_LEVELS and bad.mean() > 0.5 and not money:
            raise DataError(
                f"Column '{column}' holds text, not numbers: {len(levels)} different values "
                f"({', '.join(_excerpt(v, 40) for v in levels[:5])}{', ...' if len(levels) > 5 else ''}). If it marks "
                "events, list it under events: and it becomes one 0/1 column per value; otherwise make "
                "dummy (0/1) columns from it.")
        if bad.any():
            raise DataError(
                f"Column '{column}' has values that are not numbers: "
                f"{_rows(frame, bad, column=column, show_value=True)}. "
                "Remove currency symbols, thousands separators and text, so each cell is a plain number."
            )
    inf = np.isinf(values.to_numpy())
    if inf.any():
        raise DataError(f"Column '{column}' has infinite values: {_rows(frame, inf)}. "
                        "Replace them with real numbers.")
    return values


def _check_columns(df: pd.DataFrame, spec: Spec) -> list[str]:
    wanted: list[tuple[str, str]] = [(spec.date_column, "date_column"), (spec.kpi.column, "kpi.column")]
    wanted += [(c.spend, f"channels.{c.name}.spend") for c in spec.channels]
    wanted += [(c, "controls") for c in spec.controls]
    wanted += [(c, "events") for c in spec.events]
    if spec.branded_search:
        wanted.append((spec.branded_search, "branded_search"))
    if isinstance(spec.kpi.value_per_unit, str):
        wanted.append((spec.kpi.value_per_unit, "kpi.value_per_unit"))
    present = [str(c) for c in df.columns]
    missing = [(col, where) for col, where in wanted if col not in df.columns]
    if missing:
        lines = [f"'{col}' (from {where}).{_hint(col, present)}" for col, where in missing]
        raise DataError(
            f"The data has no column{'s' if len(missing) > 1 else ''} "
            + "; ".join(lines)
            + f" Columns in the data: {', '.join(present[:20])}{', ...' if len(present) > 20 else ''}."
            " Fix the spec or rename the column."
        )
    columns: list[str] = []
    for col, _ in wanted:
        if col not in columns:
            columns.append(col)
    return columns


def _coerce_dates(raw: pd.Series) -> pd.Series:
    """Parse a column of dates, NaT where a value cannot be read.

    Tries, in order, pandas' inferred format, day-first (``31/01/2024``), a per-value
    format and each value's own wall clock, and keeps the first that reads every non-empty
    value (else the first try). Time zones are dropped: the local wall time is kept, so
    timestamps whose UTC offset changes with daylight saving (``+01:00`` in winter,
    ``+02:00`` in summer) keep their calendar date.
    """
    if pd.api.types.is_datetime64_any_dtype(raw):
        dates = raw
    else:
        filled = raw.notna().to_numpy()
        tries = ({}, {"dayfirst": True}, {"format": "mixed"})
        dates = None
        for kw in tries:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    parsed = pd.to_datetime(raw, errors="coerce", **kw)
            except (ValueError, TypeError, OverflowError):
                continue
            if dates is None:
                dates = parsed
            if not (parsed.isna().to_numpy() & filled).any():
                dates = parsed
                break
        if dates is None or (dates.isna().to_numpy() & filled).any():
            local = _wall_clock(raw)
            if dates is None or local.isna().sum() < dates.isna().sum():
                dates = local
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates


def _wall_clock(raw: pd.Series) -> pd.Series:
    """Each value parsed on its own, a UTC offset dropped (the local date and time kept); NaT if unreadable."""
    out = []
    for v in raw.to_numpy(dtype=object):
        ts = pd.NaT
        if not (v is None or (isinstance(v, float) and np.isnan(v))):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    ts = pd.Timestamp(v if isinstance(v, _dt.datetime | _dt.date) else str(v).strip())
            except (ValueError, TypeError, OverflowError):
                ts = pd.NaT
            if not pd.isna(ts) and ts.tzinfo is not None:
                ts = ts.tz_localize(None)
        out.append(ts)
    return pd.Series(pd.DatetimeIndex(out, dtype="datetime64[ns]"), index=raw.index)


#: Excel's day numbers: day 0 is 1899-12-30 (so 45292 is 2024-01-01).
EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
#: Day numbers read as Excel dates: 20000 (1954-10-03) to 80000 (2119-01-10).
EXCEL_SERIALS = (20_000, 80_000)


def _is_number(v: object) -> bool:
    return (isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
            and not (isinstance(v, float | np.floating) and np.isnan(v)))


def _excel_dates(frame: pd.DataFrame, date_column: str) -> pd.Series | None:
    """The date column's numeric cells as Excel day numbers (``None`` if it has none).

    Every number must be a whole day in :data:`EXCEL_SERIALS`; otherwise a :class:`DataError`
    naming the rows. Cells that are already dates (a workbook mixing date-formatted and
    number-formatted cells) are read as dates.
    """
    raw = frame[date_column]
    if pd.api.types.is_datetime64_any_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        return None
    values = raw.to_numpy(dtype=object)
    is_num = np.fromiter((_is_number(v) for v in values), dtype=bool, count=len(values))
    if not is_num.any():
        return None
    nums = values[is_num].astype(float)
    low, high = EXCEL_SERIALS
    ok = np.isfinite(nums) & (np.abs(nums - np.round(nums)) < 1e-6) & (nums >= low) & (nums <= high)
    if not ok.all():
        bad = is_num.copy()
        bad[is_num] = ~ok
        raise DataError(
            f"Date column '{date_column}' holds numbers, not dates: {_rows(frame, bad, column=date_column, show_value=True)}"
            f". Expected dates such as 2024-01-01 (any one format), or Excel day numbers (whole numbers from "
            f"{low} to {high}, 1954 to 2119). Format the column as dates in the spreadsheet and save it again.")
    dates = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    dates[is_num] = (EXCEL_ORIGIN + pd.to_timedelta(np.round(nums), unit="D")).to_numpy()
    if (~is_num).any():
        rest = _coerce_dates(raw[~is_num])
        dates[~is_num] = rest.to_numpy(dtype="datetime64[ns]")
    first = int(np.round(nums[0]))
    warnings.warn(f"Column '{date_column}' holds Excel day numbers (e.g. {first} = "
                  f"{_date_text(EXCEL_ORIGIN + pd.Timedelta(days=first))}); read them as dates from "
                  f"{_date_text(dates.min())} to {_date_text(dates.max())}.", DataWarning, stacklevel=4)
    return dates


def _parse_dates(frame: pd.DataFrame, date_column: str) -> pd.Series:
    raw = frame[date_column]
    dates = _excel_dates(frame, date_column)
    if dates is None:
        dates = _coerce_dates(raw)
    bad = dates.isna().to_numpy()
    if bad.any():
        empty = raw.isna().to_numpy()
        if (bad & ~empty).any():
            which = bad & ~empty
            items = [f"row {int(r)} {_excerpt(v, 40)}" for r, v in zip(frame.loc[which, "_row"], raw[which], strict=True)]
            raise DataError(
                f"Date column '{date_column}' has values that cannot be read as dates: "
                f"{_listing(items)}. Use one format throughout, ideally ISO (2024-01-01)."
            )
        rows = [f"row {int(r)}" for r in frame.loc[bad, "_row"]]
        raise DataError(f"Date column '{date_column}' is empty in {_listing(rows)}. "
                        "Fill in the week's date or drop those rows.")
    try:
        return dates.dt.normalize().astype("datetime64[ns]")
    except (pd.errors.OutOfBoundsDatetime, OverflowError, ValueError):
        years = np.array([getattr(d, "year", 0) for d in dates])
        which = (years < 1678) | (years > 2261)
        items = [f"row {int(r)} {_excerpt(v, 40)}" for r, v in zip(frame.loc[which, "_row"], raw[which], strict=True)]
        raise DataError(f"Date column '{date_column}' has values that cannot be read as dates of weekly data: "
                        f"{_listing(items) if items else 'a date outside the years 1678-2261'}. Use one format "
                        "throughout, ideally ISO (2024-01-01).") from None


def _check_daily_gaps(dates: pd.Series) -> None:
    days = pd.DatetimeIndex(dates.sort_values().unique())
    full = pd.date_range(days.min(), days.max(), freq="D")
    missing = full.difference(days)
    if len(missing):
        raise DataError(
            f"The daily data is missing {len(missing)} day{'s' if len(missing) > 1 else ''} "
            f"({_weeks_text(missing)}); weekly totals would be too low. Add those days "
            "(with 0 spend if there truly was none) before aggregating."
        )


def _check_grid(dates: pd.Series, date_column: str) -> None:
    """Dates are sorted and unique: require a 7-day step throughout."""
    if len(dates) < 2:
        return
    gaps = dates.diff().dt.days.to_numpy()[1:]
    median = float(np.median(gaps))
    if 27 <= median <= 31:
        raise DataError(f"Column '{date_column}' looks monthly (median gap {median:g} days). "
                        "The model needs weekly data: one row per week.")
    if np.all(gaps == 7):
        return
    multiples = (gaps % 7 == 0) & (gaps > 7)
    odd = gaps % 7 != 0
    if odd.any():
        idx = np.flatnonzero(odd)
        pairs = [f"{_date_text(dates.iloc[i])} -> {_date_text(dates.iloc[i + 1])} ({int(gaps[i])} days)"
                 for i in idx]
        raise DataError(
            f"Dates in '{date_column}' are not one week apart: {_listing(pairs)}. "
            "Every row must be the same weekday, 7 days after the previous one "
            "(e.g. all Mondays)."
        )
    if multiples.any():
        missing: list[pd.Timestamp] = []
        for i in np.flatnonzero(multiples):
            missing += list(pd.date_range(dates.iloc[i], dates.iloc[i + 1], freq="7D")[1:-1])
        raise DataError(
            f"{len(missing)} week{'s are' if len(missing) > 1 else ' is'} missing from "
            f"'{date_column}': {_weeks_text(missing)}. Add a row for each week "
            "(0 spend if there was none; the KPI must be filled in)."
        )


def _warn_or_fail_kpi_type(frame: pd.DataFrame, spec: Spec) -> None:
    col = spec.kpi.column
    kpi = frame[col].to_numpy(dtype=float)
    if not kpi_kind(spec).is_money:  # a count KPI (leads): whole and never negative
        neg = kpi < 0
        if neg.any():
            raise DataError(f"KPI column '{col}' (leads) has negative values: "
                            f"{_rows(frame, neg, column=col, show_value=True)}. "
                            "Leads are counts and cannot be negative.")
        frac = np.abs(kpi - np.round(kpi)) > 1e-9
        if frac.any():
            raise DataError(f"KPI column '{col}' (leads) has values that are not whole numbers: "
                            f"{_rows(frame, frac, column=col, show_value=True)}. "
                            "Leads must be counts; use kpi.type revenue or pipeline for amounts.")
    else:
        neg = kpi < 0
        if neg.any():
            warnings.warn(
                f"KPI column '{col}' ({spec.kpi.type}) is negative in "
                f"{_rows(frame, neg)}. Refunds or corrections can do this, "
                "but check these weeks are right.",
                DataWarning, stacklevel=4,
            )


def load_data(
    source: str | Path | pd.DataFrame | None,
    spec: Spec,
    *,
    aggregate_daily: bool = False,
    aggregate_geo: bool = False,
) -> Dataset:
    """Read and validate the data for ``spec``.

    Parameters
    ----------
    source : str, Path, pandas.DataFrame or None
        A CSV / TSV / Parquet / Excel file or a DataFrame; ``None`` reads ``spec.data``.
        An Excel file is read at ``spec.sheet`` (default: its first sheet).
    spec : Spec
        The model specification naming the columns.
    aggregate_daily : bool, default False
        If the data is daily, sum it to Monday-starting weeks (spend, KPI, events and
        branded search summed; controls averaged). Incomplete weeks at the start or end
        are dropped with a :class:`DataWarning`. Without it, daily data is an error.
    aggregate_geo : bool, default False
        If the data is a panel (one row per geo and week, told apart by a geo-like column
        that is not in the spec: ``geo``, ``region``, ``dma``, ``state`` ...), sum spend, KPI
        and branded search over geos and average controls and events, into national weeks.
        Every geo must have every week. Without it, panel data is an error that says so.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        If the data breaks a rule the model needs: a missing column, an unreadable or
        repeated date, a gap in the weeks, dates not one week apart, a non-numeric,
        empty (NaN) or infinite value, negative spend, a spend or KPI column of True/False
        flags, a date column of numbers that are not Excel day numbers, a channel with no
        spend, a constant KPI, a leads KPI that is not whole non-negative counts, or fewer
        weeks than :func:`min_weeks`. Messages name the column and the rows or dates (and,
        for a workbook of several sheets, the sheet read).

    Warns
    -----
    DataWarning
        A channel with spend in fewer than 10% of weeks; two channels whose spend
        correlates above 0.9; a negative revenue or pipeline KPI; partial weeks dropped
        when aggregating daily data. Notes on how the file was read: which sheet of a
        workbook of several sheets, a semicolon-separated CSV (and decimal commas), Excel
        day numbers read as dates.
    """
    if source is None:
        if spec.data is None:
            raise DataError("No data given: pass a file or DataFrame, or set 'data:' in the spec "
                            "to the data file's path.")
        source = spec.data
    df, notes = _read(source, spec.sheet)
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    sheet_note = next((n for n in notes if n.startswith("Read sheet ")), None)
    try:
        return _load(df, spec, aggregate_daily=aggregate_daily, aggregate_geo=aggregate_geo)
    except DataError as exc:
        if sheet_note is None:
            raise
        raise DataError(f"{exc} ({sheet_note})") from None


def _load(df: pd.DataFrame, spec: Spec, *, aggregate_daily: bool, aggregate_geo: bool) -> Dataset:
    """:func:`load_data` on the table as read."""
    df.columns = [str(c) if not isinstance(c, str) else c for c in df.columns]
    if len(df) == 0:
        raise DataError("The data has no rows.")
    df, spec = expand_categorical_events(df, spec)
    columns = _check_columns(df, spec)
    date_col = spec.date_column
    frame = df[columns].reset_index(drop=True).copy()
    frame["_row"] = np.arange(1, len(frame) + 1)
    frame["_date"] = _parse_dates(frame, date_col)

    # values, checked on the rows as given (before any aggregation)
    value_columns = [c for c in columns if c != date_col]
    spend_cols = [c.spend for c in spec.channels]
    _refuse_flags(frame, spec)
    for c in value_columns:
        frame[c] = _numeric(frame, c)
    for c in value_columns:
        nan = frame[c].isna().to_numpy()
        if nan.any():
            if c == spec.kpi.column:
                what = "Fill in the KPI for those rows, or drop them if they are at the start or end."
            elif c in spend_cols:
                what = ("Fill them in (0 only if there truly was no spend) or drop those rows; "
                        "empty cells are never treated as 0.")
            else:
                what = "Fill them in or drop those rows; empty cells are never treated as 0."
            raise DataError(f"Column '{c}' is empty (NaN) in {_rows(frame, nan)}. {what}")
    for c in spend_cols:
        neg = frame[c].to_numpy() < 0
        if neg.any():
            raise DataError(f"Spend column '{c}' has negative values in "
                            f"{_rows(frame, neg, column=c, show_value=True)}. "
                            "Spend cannot be negative; fix those rows (refunds belong in a "
                            "later week's spend, netted to >= 0).")
    if isinstance(spec.kpi.value_per_unit, str):
        bad = frame[spec.kpi.value_per_unit].to_numpy() < 0
        if bad.any():
            raise DataError(f"Column '{spec.kpi.value_per_unit}' (kpi.value_per_unit) is negative in "
                            f"{_rows(frame, bad, column=spec.kpi.value_per_unit, show_value=True)}; a unit of the "
                            "KPI cannot be worth less than nothing.")
    dup = frame["_date"].duplicated(keep=False).to_numpy()
    named = spec.geo_column if spec.geo_column in df.columns else None
    geo = (named or _geo_column(df, frame["_date"], columns)) if dup.any() else None
    if geo is not None:
        if not aggregate_geo:
            n_geos = df[geo].nunique()
            raise DataError(
                f"This is panel data: {n_geos} geos in column '{geo}', one row per geo and week "
                f"({frame['_date'].nunique()} weeks). The model fits one national series: sum the geos into "
                "national weeks with --aggregate-geo (Python: aggregate_geo=True), or aggregate them yourself; "
                + ("this spec is a geo panel: read it with mmm.geo.load.load_panel." if spec.is_geo else
                   f"or fit a geo model: set 'geo_column: {geo}' in the spec (mmm.geo.load.load_panel reads it)."))
        frame = _aggregate_geos(frame, df[geo].to_numpy(), geo, spec, value_columns)
        dup = np.zeros(len(frame), dtype=bool)
    if dup.any():
        dates = frame.loc[dup, "_date"].drop_duplicates().sort_values()
        rows = frame.loc[dup].sort_values(["_date", "_row"])
        detail = _listing([f"{_date_text(d)} (rows {_listing([str(int(r)) for r in g['_row']])})"
                           for d, g in rows.groupby("_date")])
        raise DataError(f"Column '{date_col}' repeats {len(dates)} date{'s' if len(dates) > 1 else ''}: "
                        f"{detail}. Keep one row per week (sum or remove the duplicates).")

    frame = frame.sort_values("_date", kind="stable").reset_index(drop=True)

    # weekly grid (or daily -> weekly)
    gaps = frame["_date"].diff().dt.days.to_numpy()[1:]
    if len(gaps) and float(np.median(gaps)) == 1:
        if not aggregate_daily:
            raise DataError(
                f"The dates in '{date_col}' look daily (one day apart). The model needs weekly "
                "data: pass aggregate_daily=True (CLI: --aggregate-daily) to sum it into weeks, "
                "or aggregate it yourself."
            )
        frame = _aggregate(frame, spec, date_col, value_columns)
    frame = frame.reset_index(drop=True)
    _check_grid(frame["_date"], date_col)

    frame[date_col] = frame["_date"].astype("datetime64[ns]")
    frame, history = _apply_window(frame, spec, date_col)
    _check_content(frame, spec)

    needed = min_weeks(spec)
    if len(frame) < needed:
        raise DataError(
            f"The data has {len(frame)} weeks; this model needs at least {needed} "
            f"(see mmm.data.min_weeks). Add more history, or simplify the spec (fewer channels, "
            "controls or seasonality terms, shorter l_max)."
        )

    out = frame[columns].copy()
    for c in value_columns:
        out[c] = out[c].astype("float64")
    return Dataset(spec, out.reset_index(drop=True), history)


def _apply_window(frame: pd.DataFrame, spec: Spec, date_col: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Keep the weeks of ``spec.window``; the spend of the weeks before it becomes carryover history."""
    if spec.window is None:
        return frame, None
    dates = frame["_date"]
    start = pd.Timestamp(spec.window.start) if spec.window.start else dates.min()
    end = pd.Timestamp(spec.window.end) if spec.window.end else dates.max()
    inside = ((dates >= start) & (dates <= end)).to_numpy()
    if not inside.any():
        raise DataError(f"'window' ({spec.window.start or 'start'} to {spec.window.end or 'end'}) holds no week of "
                        f"the data ({_date_text(dates.min())} to {_date_text(dates.max())}).")
    before = (dates < start).to_numpy()
    history = frame.loc[before, [c.spend for c in spec.channels]].to_numpy(dtype="float64") if before.any() else None
    return frame.loc[inside].reset_index(drop=True), history


#: Name words of a column that tells geos apart in panel data.
GEO_WORDS = ("geo", "region", "dma", "state", "country", "market", "territory", "city", "store", "zip", "area",
             "province", "county", "location")


def _geo_column(df: pd.DataFrame, dates: pd.Series, used: Sequence[str]) -> str | None:
    """The column (not used by the spec) that, with the date, makes every row unique: a geo."""
    best: tuple[int, str] | None = None
    date_values = dates.to_numpy()
    for c in df.columns:
        if c in used:
            continue
        values = df[c].to_numpy()
        levels = pd.Series(values).nunique(dropna=True)
        if levels < 2 or levels > len(df) // 2:
            continue
        if pd.DataFrame({"d": date_values, "g": values}).duplicated().any():
            continue
        name = str(c).lower()
        score = 2 * any(w in name for w in GEO_WORDS) + (not pd.api.types.is_numeric_dtype(df[c]))
        if best is None or score > best[0]:
            best = (score, c)
    return None if best is None else best[1]


def _aggregate_geos(frame: pd.DataFrame, geos: np.ndarray, geo: str, spec: Spec,
                    value_columns: list[str]) -> pd.DataFrame:
    """Panel rows (validated value by value) to national weeks: sums, and means for controls/events."""
    levels = pd.unique(geos)
    per_date = pd.Series(geos).groupby(frame["_date"].to_numpy()).nunique()
    short = per_date[per_date < len(levels)]
    if len(short):
        d = short.index[0]
        have = set(geos[(frame["_date"] == d).to_numpy()])
        missing = [str(g) for g in levels if g not in have]
        raise DataError(f"Geo '{missing[0]}' (column '{geo}') has no row for the week of {_date_text(d)}"
                        f"{f' ({len(short)} weeks are incomplete)' if len(short) > 1 else ''}. Summing the geos "
                        "would understate those weeks: fill in the missing rows (0 spend if none) or drop the geo.")
    national = {ch.spend for ch in spec.channels if ch.level == "national"}  # the figure repeated per geo
    mean_cols = [c for c in value_columns if c in spec.controls or c in spec.events
                 or c == spec.kpi.value_per_unit or c in national]
    sum_cols = [c for c in value_columns if c not in mean_cols]
    grouped = frame.groupby("_date", sort=True)
    weekly = pd.concat([grouped[sum_cols].sum(), grouped[mean_cols].mean()], axis=1).reset_index()
    weekly["_row"] = grouped["_row"].min().to_numpy()
    warnings.warn(f"Summed {len(levels)} geos (column '{geo}') into {len(weekly)} national weeks.",
                  DataWarning, stacklevel=3)
    return weekly[["_date", *value_columns, "_row"]]


def _aggregate(frame: pd.DataFrame, spec: Spec, date_col: str, value_columns: list[str]) -> pd.DataFrame:
    """Daily rows (already validated value by value) to whole weeks."""
    _check_daily_gaps(frame["_date"])
    mean_cols = [c for c in value_columns if c in spec.controls or c == spec.kpi.value_per_unit]
    sum_cols = [c for c in value_columns if c not in mean_cols]
    src = frame[["_date", *value_columns]]
    weekly = aggregate_to_weeks(src, "_date", sum_columns=sum_cols, mean_columns=mean_cols)
    counts = _week_start_of(frame["_date"], "MON").value_counts()
    n_days = weekly["_date"].map(counts).to_numpy()
    partial = n_days < 7
    if partial.any():
        dropped = [f"{_date_text(d)} ({int(n)} of 7 days)"
                   for d, n in zip(weekly.loc[partial, "_date"], n_days[partial], strict=True)]
        warnings.warn(f"Dropped incomplete week{'s' if partial.sum() > 1 else ''} when summing daily "
                      f"data into weeks: {_listing(dropped)}.", DataWarning, stacklevel=3)
        weekly = weekly.loc[~partial]
    if len(weekly) == 0:
        raise DataError("The daily data does not cover one whole Monday-to-Sunday week.")
    weekly = weekly.reset_index(drop=True)
    weekly["_row"] = np.arange(1, len(weekly) + 1)
    return weekly


def _check_content(frame: pd.DataFrame, spec: Spec) -> None:
    """Checks on the weekly series: zero channels, constant KPI, KPI type; warnings."""
    n = len(frame)
    for ch in spec.channels:
        s = frame[ch.spend].to_numpy()
        if not (s != 0).any():
            raise DataError(f"Channel '{ch.name}' (column '{ch.spend}') has zero spend in every week. "
                            "The model cannot learn anything about it: remove it from the spec.")
    kpi = frame[spec.kpi.column].to_numpy()
    if n > 1 and np.ptp(kpi) == 0:
        raise DataError(f"KPI column '{spec.kpi.column}' has the same value ({kpi[0]:g}) in every week; "
                        "there is nothing to explain. Check the column is the right one.")
    _warn_or_fail_kpi_type(frame, spec)

    for ch in spec.channels:
        active = int((frame[ch.spend].to_numpy() != 0).sum())
        if active < SPARSE_SHARE * n:
            warnings.warn(
                f"Channel '{ch.name}' has spend in only {active} of {n} weeks. Its effect will be "
                "uncertain; consider merging it with a similar channel.",
                DataWarning, stacklevel=3,
            )
    chans = list(spec.channels)
    spend = frame[[c.spend for c in chans]].to_numpy(dtype=float)
    sd = spend.std(axis=0)
    for i in range(len(chans)):
        for j in range(i + 1, len(chans)):
            if sd[i] == 0 or sd[j] == 0:
                continue
            r = float(np.corrcoef(spend[:, i], spend[:, j])[0, 1])
            if abs(r) > CORRELATION_LIMIT:
                warnings.warn(
                    f"Spend of channels '{chans[i].name}' and '{chans[j].name}' is highly correlated "
                    f"(r = {r:.2f}). The model will struggle to separate their effects; consider "
                    "combining them, or calibrating one with a lift test.",
                    DataWarning, stacklevel=3,
                )


# Public names for the geo panel loader (:mod:`mmm.geo.load`), which runs the same checks per geo.
check_columns = _check_columns
parse_dates = _parse_dates
numeric = _numeric
refuse_flags = _refuse_flags
check_grid = _check_grid
check_content = _check_content
check_kpi_type = _warn_or_fail_kpi_type
aggregate_daily_rows = _aggregate
date_text = _date_text
listing = _listing
column_hint = _hint
find_geo_column = _geo_column
