"""Write a commented starter spec from a data file's columns (for ``mmm init``).

:func:`mmm.columns.classify` decides what each column is; this module turns that into
YAML. Every name is written by a real YAML emitter (``yaml.safe_dump``), so a column
called ``on``, ``Cost: total`` or ``spend #2`` reads back as exactly that string, and the
comment on each line says why the column went there. Columns it could not place are
written as commented lines to uncomment, never dropped silently.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import pandas as pd
import yaml
from rich.table import Table
from rich.text import Text

from mmm.columns import Classification, ColumnGuess, classify, tokens
from mmm.data import find_geo_column
from mmm.errors import DataError

KPI_PLACEHOLDER = "REPLACE_WITH_KPI_COLUMN"
MODEL_COMMENTS = (
    "# model:                         # omitted keys take the preset for the KPI type",
    "#   adstock: geometric           # geometric | delayed | weibull_cdf | weibull_pdf",
    "#   l_max: 8                     # weeks of carryover considered (pipeline preset: 13)",
    "#   saturation: logistic         # hill | logistic | michaelis_menten",
    "#   yearly_seasonality: 2        # Fourier order; 0 turns it off",
    "#   trend: linear                # none | linear | piecewise",
    "# fit: {draws: 1000, tune: 1000, chains: 4, sampler: numpyro, seed: 1}",
)
SKIPPED_ROLES = ("index", "calendar", "skipped_text")
#: Name words of a geo panel's size column (constant within each geo).
POPULATION_WORDS = frozenset({"population", "pop", "households", "hh", "inhabitants", "residents", "people",
                              "tam", "audience"})


@dataclass(frozen=True)
class Starter:
    """A written starter spec and what it is based on.

    Attributes
    ----------
    text : str
        The commented YAML.
    classification : Classification
        What each column was taken for, and why.
    problems : tuple of str
        Why the spec cannot be used as written (no channel, no KPI); empty when it can.
    """

    text: str
    classification: Classification
    problems: tuple[str, ...] = ()

    @property
    def candidates(self) -> list[ColumnGuess]:
        """Numeric columns offered as commented spend or control lines."""
        return [c for c in self.classification.of("unknown_numeric") if c.candidate]


# --------------------------------------------------------------------------------------
# YAML pieces
# --------------------------------------------------------------------------------------


def yaml_value(value: object) -> str:
    """``value`` as one line of YAML from the emitter (quoted where YAML needs it).

    >>> yaml_value("on"), yaml_value("tv_S"), yaml_value({"spend": "Cost: total", "role": "brand"})
    ("'on'", 'tv_S', "{spend: 'Cost: total', role: brand}")
    """
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True, sort_keys=False)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    return text


def _line(body: str, why: str = "", *, indent: int = 0, commented: bool = False) -> str:
    """One YAML line, optionally commented out, with the reason as a trailing comment."""
    pad = " " * indent
    text = f"{pad}# {body}" if commented else f"{pad}{body}"
    return f"{text}   # {' '.join(why.split())}" if why else text


def _note(text: str, indent: int = 0) -> str:
    return f"{' ' * indent}# {' '.join(text.splitlines())}"


def _channel_line(g: ColumnGuess, *, commented: bool = False, national: bool = False) -> str:
    role = g.channel_role or "performance"
    value = {"spend": g.column, "role": role, **({"level": "national"} if national else {})}
    why = f"{yaml_value(g.column)}: {g.reason}"
    if national:
        why += "; the same figure in every geo each week: bought nationally, split over geos by population"
    return _line(f"{yaml_value(g.channel)}: {yaml_value(value)}", why, indent=2, commented=commented)


def _kpi_lines(kpi: ColumnGuess | None) -> list[str]:
    if kpi is None:
        body = f"kpi: {yaml_value({'column': KPI_PLACEHOLDER, 'type': 'revenue'})}"
        return [_line(body, "no outcome column recognised (revenue, sales, pipeline, conversions, leads, "
                            "...): put yours here; type: revenue | pipeline | leads")]
    body = f"kpi: {yaml_value({'column': kpi.column, 'type': kpi.kpi_type})}"
    return [_line(body, f"{kpi.reason}; type: revenue | pipeline | leads")]


def _channel_lines(c: Classification, national: frozenset[str] = frozenset()) -> list[str]:
    lines = ["channels:   # role: brand (builds demand slowly) | performance (captures it)"]
    spend = c.of("spend")
    lines += [_channel_line(g, national=g.column in national) for g in spend]
    candidates = [g for g in c.of("unknown_numeric") if g.candidate == "spend"]
    lines += [_channel_line(g, commented=True) for g in candidates]
    if not spend:
        lines.append(_note("no spend column recognised (a name with spend, cost, budget, or Robyn's _S "
                           "suffix): uncomment the lines above that are spend, or add one per channel, "
                           "e.g.  tv: {spend: tv_spend, role: brand}", indent=2))
    return lines


def _exposure_lines(c: Classification) -> list[str]:
    exposure = c.of("exposure")
    if not exposure:
        return []
    spend_of = {g.channel: g.column for g in c.of("spend")}
    lines = [_note("Exposure columns (impressions, clicks, sessions, reach, GRPs) are never spend, so they "
                   "are not channels; the model needs each channel's spend:")]
    for g in exposure:
        if g.channel is None:
            where = ""
        elif g.channel in spend_of:
            where = f"; channel {g.channel} uses its spend, {yaml_value(spend_of[g.channel])}"
        else:
            where = "; no matching spend column here: add that channel's weekly spend to model it"
        lines.append(_note(f"  {yaml_value(g.column)}: {g.reason}{where}"))
    return lines


def _outcome_lines(c: Classification) -> list[str]:
    outcomes = c.of("outcome")
    if not outcomes:
        return []
    lines = [_note("Other outcome columns: media drives them, so they are not controls; put one in "
                   "kpi.column to model it instead:")]
    return lines + [_note(f"  {yaml_value(g.column)}: {g.reason}") for g in outcomes]


def _list_lines(key: str, active: list[ColumnGuess], commented: list[ColumnGuess],
                notes: list[str]) -> list[str]:
    if not (active or commented or notes):
        return [f"{key}: []"]
    lines = [f"{key}:"]
    lines += [_line(f"- {yaml_value(g.column)}", g.reason, indent=2) for g in active]
    lines += [_line(f"- {yaml_value(g.column)}", g.reason, indent=2, commented=True) for g in commented]
    return lines + [_note(n, indent=2) for n in notes]


def _dummy_advice(g: ColumnGuess) -> str:
    col = g.column.replace("'", "\\'")
    base = g.levels[0]
    code = (f"pd.get_dummies(df['{col}'], dtype=int)" if base == "(blank)" else
            f"pd.get_dummies(df['{col}'], dtype=int).drop(columns='{base}')")
    return (f"{yaml_value(g.column)} is text with {len(g.levels)} levels ({', '.join(g.levels)}): an event "
            f"column must be 0/1, so add one 0/1 column per level except the baseline '{base}' "
            f"(pandas: {code}) and list those columns here")


def _skipped_lines(c: Classification) -> list[str]:
    skipped = [g for g in c.columns if g.role in SKIPPED_ROLES
               or (g.role == "unknown_numeric" and not g.candidate)]
    if not skipped:
        return []
    return [_note("Left out:")] + [_note(f"  {yaml_value(g.column)}: {g.reason}") for g in skipped]


def _date_error(c: Classification) -> DataError:
    calendar = [g.column for g in c.of("calendar")]
    hint = ""
    if calendar:
        hint = (f" Columns {', '.join(repr(x) for x in calendar)} look like calendar numbers: build a "
                "week-start date from them, e.g. pandas: df['week'] = pd.to_datetime(df['yr_nbr'].astype(str) "
                "+ '-W' + df['wk_nbr'].astype(str).str.zfill(2) + '-1', format='%G-W%V-%u').")
    names = ", ".join(repr(g.column) for g in c.columns)
    return DataError(f"No date column found among the columns {names}. Add a column of "
                     f"week start dates (e.g. 'week', values like 2024-01-01).{hint}")


def _problems(c: Classification) -> tuple[str, ...]:
    problems = []
    if not c.of("spend"):
        cands = [g for g in c.of("unknown_numeric") if g.candidate == "spend"]
        listed = "; ".join(f"{g.column} ({g.reason})" for g in cands)
        problems.append("No column was recognised as spend (a name with spend, cost, budget, investment or "
                        "Robyn's _S suffix), so the spec has no channel yet. "
                        + (f"Candidates, written as commented lines under channels: {listed}. "
                           "Uncomment the ones that are weekly spend" if cands else
                           "Add one line per channel under channels:, e.g. tv: {spend: tv_spend, role: brand}")
                        + ", or rename the spend columns (e.g. tv_spend) and run `mmm init --force` again.")
    if c.first("kpi") is None:
        problems.append(f"No KPI column recognised (revenue, sales, pipeline, conversions, orders, leads, ...): "
                        f"replace {KPI_PLACEHOLDER} in kpi.column with the outcome column.")
    return tuple(problems)


# --------------------------------------------------------------------------------------
# Geo panels
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelGuess:
    """What makes a table a geo panel: its geo column, a size column, spend given nationally."""

    geo: ColumnGuess
    population: ColumnGuess | None
    national: frozenset[str]


def _panel(frame: pd.DataFrame, c: Classification, date: ColumnGuess) -> tuple[Classification, PanelGuess | None]:
    """Whether ``frame`` is a panel (dates repeat, one row per geo and week): its geo and population columns
    (taken out of the other roles) and the spend columns holding one national figure per week."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dates = pd.to_datetime(frame[date.column], errors="coerce")
    if not dates.duplicated().any():
        return c, None
    used = [date.column, *(g.column for g in c.of("spend")), *(g.column for g in c.of("kpi"))]
    geo = find_geo_column(frame.set_axis([str(x) for x in frame.columns], axis=1), dates, used)
    if geo is None:
        return c, None
    geos = frame[geo].astype(str)
    pop = None
    for g in c.columns:
        if g.column in (geo, date.column) or not POPULATION_WORDS & set(tokens(g.column)):
            continue
        values = pd.to_numeric(frame[g.column], errors="coerce")
        by_geo = values.groupby(geos)
        if values.notna().all() and (values > 0).all() and (by_geo.nunique() == 1).all():
            pop = g.column
            break
    national = frozenset(g.column for g in c.of("spend")
                         if frame[g.column].groupby(dates).nunique(dropna=True).max() <= 1)
    n = geos.nunique()
    new = {geo: ColumnGuess(geo, "geo", f"with the date, tells {n} geos apart: one row per geo and week")}
    if pop is not None:
        new[pop] = ColumnGuess(pop, "population", "the same in every week of a geo: its size (scales "
                               "saturation, splits national spend)")
    columns = tuple(new.get(g.column, g) for g in c.columns)
    return replace(c, columns=columns), PanelGuess(new[geo], new.get(pop) if pop else None, national)


def _panel_lines(panel: PanelGuess | None) -> list[str]:
    if panel is None:
        return []
    lines = [_line(f"geo_column: {yaml_value(panel.geo.column)}", panel.geo.reason)]
    if panel.population is not None:
        lines.append(_line(f"population_column: {yaml_value(panel.population.column)}", panel.population.reason))
    else:
        lines.append(_note("population_column: <each geo's population>   # none recognised: without it geos "
                           "are sized by their share of the KPI"))
    return lines


# --------------------------------------------------------------------------------------
# The spec
# --------------------------------------------------------------------------------------


def build_starter(frame: pd.DataFrame, *, data_path: str, currency: str = "USD",
                  sheet: str | int | None = None) -> Starter:
    """Classify ``frame``'s columns and write the commented starter spec.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file.
    data_path : str
        Written as ``data:``; relative paths are read from the spec file's folder. Its
        file name also names a channel whose spend column does not (``Cost`` in
        ``google_ads.csv`` becomes channel ``google``).
    currency : str, default "USD"
    sheet : str or int, optional
        The workbook sheet ``frame`` was read from, written as ``sheet:`` (Excel files of
        several sheets; leave it out for the first sheet of a workbook or any other file).

    Returns
    -------
    Starter
        The YAML text, the column classification and any problems that stop the spec
        from being used as written (no spend column recognised, no KPI).

    Raises
    ------
    DataError
        If no column holds dates (the message says how to build one from year and week
        numbers when the file has them).
    """
    c = classify(frame, file_hint=data_path)
    date = c.first("date")
    if date is None:
        raise _date_error(c)
    c, panel = _panel(frame, c, date)
    events = [g for g in c.of("event_categorical")]
    lines = [
        "# Starter spec written by `mmm init`: check every guess below, then run `mmm validate` on this file.",
        "# The comment on each line says why that column went there; commented-out lines are",
        "# alternatives: uncomment the ones that are right.",
        f"data: {yaml_value(data_path)}",
        *([_line(f"sheet: {yaml_value(sheet) if isinstance(sheet, str) else sheet}",
                 "the workbook's sheet holding the weekly data")] if sheet is not None else []),
        _line(f"date_column: {yaml_value(date.column)}",
              f"{date.reason}; one row per {'geo and ' * (panel is not None)}week (Monday start recommended)"),
        *_panel_lines(panel),
        *_kpi_lines(c.first("kpi")),
        f"currency: {yaml_value(currency)}",
        *_channel_lines(c, panel.national if panel is not None else frozenset()),
        *_exposure_lines(c),
        *_outcome_lines(c),
        *_list_lines("controls", c.of("control"),
                     [g for g in c.of("unknown_numeric") if g.candidate == "control"], []),
        *_list_lines("events", c.of("event"), [], [_dummy_advice(g) for g in events]),
        *_skipped_lines(c),
        *MODEL_COMMENTS,
    ]
    return Starter("\n".join(lines) + "\n", c, _problems(c))


def starter_yaml(frame: pd.DataFrame, *, data_path: str) -> str:
    """The commented YAML spec guessed from ``frame``'s columns (see :func:`build_starter`)."""
    return build_starter(frame, data_path=data_path).text


def _role_text(g: ColumnGuess) -> str:
    if g.role == "spend":
        return f"spend → {g.channel} ({g.channel_role})"
    if g.role in ("kpi", "outcome"):
        return f"{g.role} ({g.kpi_type})"
    if g.role == "unknown_numeric" and g.candidate:
        return f"{g.candidate}?"
    return g.role.replace("_", " ")


def classification_table(c: Classification, *, title: str = "What mmm init made of each column") -> Table:
    """A rich table: column, role, why (what ``mmm init`` prints)."""
    table = Table(title=title, title_justify="left")
    table.add_column("column", overflow="fold")
    table.add_column("role", overflow="fold")
    table.add_column("why", overflow="fold")
    for g in c.columns:
        table.add_row(Text(g.column), Text(_role_text(g)), Text(g.reason))
    return table
