"""Per-channel weekly spend bounds of a plan: percentages, tables, dicts, fixed channels, feasibility."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.errors import PlanError, closest
from mmm.planning.engine import Engine, ResponseModel, build_engine
from mmm.planning.request import check_weeks, money

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

_SYMMETRIC = re.compile(r"^\s*(?:±|\+-|\+/-)?\s*(\d+(?:\.\d*)?)\s*%\s*$")
_ASYMMETRIC = re.compile(r"^\s*-\s*(\d+(?:\.\d*)?)\s*%\s*[,/:;]\s*\+?\s*(\d+(?:\.\d*)?)\s*%\s*$")


_SYMMETRIC = re.compile(r"^\s*(?:±|\+-|\+/-)?\s*(\d+(?:\.\d*)?)\s*%\s*$")
_ASYMMETRIC = re.compile(r"^\s*-\s*(\d+(?:\.\d*)?)\s*%\s*[,/:;]\s*\+?\s*(\d+(?:\.\d*)?)\s*%\s*$")


def channel_index(name: Any, channels: tuple[str, ...], where: str) -> int:
    if name not in channels:
        raise PlanError(f"Unknown channel '{name}' in {where}.{closest(str(name), channels)} "
                        f"Channels: {', '.join(channels)}.")
    return channels.index(name)


def bound_value(v: Any, where: str) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise PlanError(f"{where} must be a weekly spend amount; got {v!r}.") from None
    if math.isnan(f):
        return None
    if f < 0:
        raise PlanError(f"{where} is negative ({f:,.2f}); weekly spend bounds must be >= 0.")
    return f


def _table_bounds(frame: pd.DataFrame, channels: tuple[str, ...], where: str) -> dict[str, tuple]:
    """``{channel: (min, max)}`` from a bounds table (a CSV file or a DataFrame): one row per channel.

    Columns ``channel`` and ``min`` and/or ``max`` (weekly spend). An empty ``min`` or ``max``
    cell means no limit on that side (``min`` 0, ``max`` unlimited), so ``tv,,`` leaves
    ``tv`` free. Every channel of the model must have a row: a channel left out, a channel
    the model does not have, a row without a channel name or a channel given twice is a
    :class:`PlanError` naming it (a left-out channel would otherwise be unbounded unnoticed).
    """
    cols = [str(c).strip().lower() for c in frame.columns]
    frame = frame.set_axis(cols, axis=1)
    if "channel" not in cols:
        raise PlanError(f"Bounds {where} needs a 'channel' column (and 'min' and/or 'max' weekly spend); "
                        f"got columns {list(frame.columns)}.")
    extra = [c for c in cols if c not in ("channel", "min", "max")]
    if extra:
        raise PlanError(f"Bounds {where} has unknown column(s) {extra}.{closest(extra[0], ('min', 'max'))} "
                        "Columns: channel, min, max (weekly spend).")
    if "min" not in cols and "max" not in cols:
        raise PlanError(f"Bounds {where} needs a 'min' and/or 'max' column (weekly spend).")
    out: dict[str, tuple] = {}
    for i, r in enumerate(frame.itertuples(index=False), start=1):
        if r.channel is None or (isinstance(r.channel, float) and math.isnan(r.channel)) or not str(r.channel).strip():
            raise PlanError(f"Row {i} of bounds {where} has no channel name. Fill it in (one of: "
                            f"{', '.join(channels)}) or delete the row.")
        name = str(r.channel).strip()
        if name in out:
            raise PlanError(f"Channel '{name}' appears twice in bounds {where}; give one row per channel.")
        channel_index(name, channels, f"bounds {where}")
        out[name] = (getattr(r, "min", None), getattr(r, "max", None))
    missing = [c for c in channels if c not in out]
    if missing:
        raise PlanError(f"Bounds {where} has no row for channel{'s' * (len(missing) > 1)} {', '.join(missing)}. "
                        "Give every channel a row (channel,min,max); an empty min or max means no limit on that "
                        f"side, so a row '{missing[0]},,' leaves {missing[0]} unbounded.")
    return out


def parse_bounds(bounds: Any, eng: Engine) -> tuple[np.ndarray, np.ndarray, str]:
    """Per-channel weekly (min, max) from ``bounds``; ``max`` may be ``inf``.

    A CSV file or DataFrame must list every channel (see :func:`_table_bounds`; an empty
    ``min`` / ``max`` cell means no limit on that side); a dict may list only some channels,
    the others unbounded.
    """
    C = len(eng.channels)
    lo, hi = np.zeros(C), np.full(C, np.inf)
    if bounds is None:
        return lo, hi, "none (any weekly spend >= 0)"
    if isinstance(bounds, str | Path):
        text = str(bounds)
        m = _SYMMETRIC.match(text)
        if m:
            pct = float(m.group(1))
            return np.maximum(eng.current * (1 - pct / 100), 0.0), eng.current * (1 + pct / 100), \
                f"within ±{pct:g}% of current weekly spend"
        m = _ASYMMETRIC.match(text)
        if m:
            down, up = float(m.group(1)), float(m.group(2))
            return np.maximum(eng.current * (1 - down / 100), 0.0), eng.current * (1 + up / 100), \
                f"from -{down:g}% to +{up:g}% of current weekly spend"
        path = Path(text)
        if path.suffix.lower() == ".csv" or path.exists():
            if not path.exists():
                raise PlanError(f"Bounds file '{text}' not found. Give a CSV with columns channel,min,max "
                                "(weekly spend) or a percentage such as '30%'.")
            try:
                frame = pd.read_csv(path)
            except Exception as exc:  # noqa: BLE001 - any parse error is reported the same way
                raise PlanError(f"Could not read bounds file '{text}' as CSV ({exc}).") from None
            table = _table_bounds(frame, eng.channels, f"file '{path.name}'")
            desc = f"per channel from {path.name}"
        else:
            raise PlanError(f"bounds must be a percentage such as '30%' (each channel within ±30% of its current "
                            f"weekly spend), '-20%,+50%', or a CSV file with columns channel,min,max; got {text!r}.")
    elif isinstance(bounds, pd.DataFrame):
        table = _table_bounds(bounds, eng.channels, "table")
        desc = "per channel (table)"
    elif isinstance(bounds, Mapping):
        table = {}
        for name, v in bounds.items():
            if isinstance(v, Mapping):
                unknown = [k for k in v if k not in ("min", "max")]
                if unknown:
                    raise PlanError(f"Bounds of '{name}' has unknown key(s) {unknown}; use 'min' and 'max'.")
                table[name] = (v.get("min"), v.get("max"))
            elif isinstance(v, list | tuple) and len(v) == 2:
                table[name] = (v[0], v[1])
            else:
                raise PlanError(f"Bounds of '{name}' must be (min, max) or {{'min': .., 'max': ..}} weekly spend; "
                                f"got {v!r}.")
        desc = "per channel (dict)"
    else:
        raise PlanError(f"bounds must be None, a percentage string like '30%', a dict, a DataFrame or a CSV path; "
                        f"got {type(bounds).__name__}.")
    for name, (mn, mx) in table.items():
        c = channel_index(name, eng.channels, "bounds")
        mn = bound_value(mn, f"The min of '{name}'")
        mx = bound_value(mx, f"The max of '{name}'")
        if mn is not None:
            lo[c] = mn
        if mx is not None:
            hi[c] = mx
        if lo[c] > hi[c]:
            raise PlanError(f"Bounds of '{name}': min {lo[c]:,.2f} is above max {hi[c]:,.2f} (weekly spend). "
                            "Swap them or fix the row.")
    return lo, hi, desc


def engine_bounds(eng: Engine, bounds: Any, fixed: Iterable[str] | str | None) -> tuple[np.ndarray, np.ndarray,
                                                                                             str, list[str]]:
    lo, hi, desc = parse_bounds(bounds, eng)
    if fixed is None:
        fixed = ()
    if isinstance(fixed, str):
        fixed = [fixed]
    fixed = list(dict.fromkeys(fixed))
    for name in fixed:
        c = channel_index(name, eng.channels, "fixed")
        lo[c] = hi[c] = eng.current[c]
    return lo, hi, desc, fixed


def check_feasible(lo: np.ndarray, hi: np.ndarray, weekly: float, weeks: int, channels: tuple[str, ...],
                    fixed: list[str], currency: str, what: str = "the budget") -> None:
    tol = 1e-9 * max(weekly, 1.0)
    smin, smax = float(lo.sum()), float(hi.sum())
    if smin > weekly + tol:
        top = ", ".join(f"{channels[i]} {money(lo[i], currency)}" for i in np.argsort(-lo)[:3] if lo[i] > 0)
        raise PlanError(
            f"Infeasible plan: the channel minimums add up to {money(smin, currency)} per week "
            f"({money(smin * weeks, currency)} over {weeks} weeks), {money((smin - weekly) * weeks, currency)} more "
            f"than {what} of {money(weekly * weeks, currency)}. Raise {what} to at least "
            f"{money(smin * weeks, currency)}, or lower the minimums (largest: {top})"
            + (f" or unfix channels ({', '.join(fixed)})" if fixed else "")
            + ".")
    if smax < weekly - tol:
        raise PlanError(
            f"Infeasible plan: the channel maximums add up to {money(smax, currency)} per week "
            f"({money(smax * weeks, currency)} over {weeks} weeks), {money((weekly - smax) * weeks, currency)} less "
            f"than {what} of {money(weekly * weeks, currency)}. Lower {what} to at most "
            f"{money(smax * weeks, currency)}, or raise the maximums"
            + (f" or unfix channels ({', '.join(fixed)})" if fixed else "")
            + ".")


def resolve_bounds(fitted: FittedModel | ResponseModel, *, weeks: int = 13, bounds: Any = "30%",
                   fixed: Iterable[str] | str | None = ()) -> pd.DataFrame:
    """The per-channel weekly spend bounds a plan request means.

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    weeks : int
        Planning period (sets "current" spend: the mean of the last ``weeks`` weeks).
    bounds : str, dict, DataFrame or None
        ``"30%"`` (each channel within ±30% of its current weekly spend), ``"-20%,+50%"``,
        a path to a CSV with columns ``channel,min,max`` (weekly spend; an empty cell means no
        limit on that side) that has a row for every channel (a channel left out is an error),
        a DataFrame like the CSV, a dict ``{channel: (min, max)}`` or
        ``{channel: {"min": .., "max": ..}}`` (channels not in the dict are unbounded), or None
        (any weekly spend >= 0).
    fixed : iterable of str
        Channels held at their current weekly spend.

    Returns
    -------
    pandas.DataFrame
        ``channel, role, current_weekly, min, max, fixed`` (``max`` may be ``inf``).

    Examples
    --------
    >>> resolve_bounds(fitted, bounds="30%")                        # doctest: +SKIP
    """
    weeks = check_weeks(weeks)
    eng = build_engine(fitted, weeks, "period", draws=10)
    lo, hi, _, fixed = engine_bounds(eng, bounds, fixed)
    return pd.DataFrame({"channel": eng.channels, "role": eng.roles, "current_weekly": eng.current,
                         "min": lo, "max": hi, "fixed": [c in fixed for c in eng.channels]})
