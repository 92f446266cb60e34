"""Claims the posterior supports: how likely each channel is to be the best, and how to say it.

A chart title such as "Display returns the most pipeline per dollar: 4.6x" is a claim
about a *ranking*, and a point estimate cannot carry it: on the bundled B2B sample four
channels' intervals overlap and the channel with the highest mean is truly the second
worst. This module computes, from posterior draws, the probability that each channel is
the best (:func:`prob_best`) and turns it into wording that follows the evidence
(:class:`RankClaim`):

* a single winner is named only when its probability of being the best is at least
  :data:`CONFIDENT` (90%), and the sentence says the probability: "Google Search
  returns the most revenue per dollar: 3.1x ROAS (94% probability it is the highest)";
* otherwise the sentence names the channels the data cannot tell apart (each with at
  least :data:`TIE_FLOOR` chance of being the best) and their probabilities: "Meta and
  Google Search return the most revenue per dollar; the data cannot tell which is
  higher (Meta 55%, Google Search 41%)"; a leader at :data:`EVIDENCE_MODERATE` (75%) or
  more is called likely, with the channels the data cannot rule out: "LinkedIn likely
  contributes the most pipeline (86% probability it is the largest); the data cannot
  rule out Google Search 11%".

The same rule covers ROAS (:func:`roas_claim`), the headroom and the next dollar
(marginal ROAS at current spend: :func:`headroom_claim`, :func:`next_dollar_claim`),
the largest contribution (:func:`contribution_claim`), the longest-lasting effect
(:func:`carryover_claim`) and the best brand share of the budget (:func:`split_claim`).
Charts drawn from tables without draws use a probability column when the table has one
(``prob_highest_roas`` in :func:`mmm.analysis.channel_table`,
``prob_highest_marginal_roas`` added by :func:`annotate_curves`, ``prob_longest`` in
:func:`mmm.plots.carryover_table`) and otherwise hedge from the 90% intervals.

Example
-------
>>> import numpy as np
>>> draws = np.column_stack([np.full(100, 3.0), np.full(100, 1.0)])
>>> prob_best(draws).tolist()
[1.0, 0.0]
>>> rank_claim({"search": 0.94, "tv": 0.06}, ROAS_WORDING, value="3.1x ROAS").sentence
'Search returns the most revenue per dollar: 3.1x ROAS (94% probability it is the highest)'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm.kpi import kpi_kind

#: Name a single winner only when its posterior probability of being the best is at least this.
CONFIDENT = 0.9
#: Below :data:`CONFIDENT`, channels with at least this probability of being the best are the
#: ones the data cannot tell apart from the leader (the rest are ruled out with 90% probability).
TIE_FLOOR = 1.0 - CONFIDENT
#: Evidence words for a probability: at or above ``STRONG`` "strong", at or above ``MODERATE``
#: "moderate", below it "weak" (the plan's evidence uses the same cut-offs).
EVIDENCE_STRONG, EVIDENCE_MODERATE = 0.9, 0.75
#: At most this many channels are listed by name in a "cannot tell" sentence.
MAX_LISTED = 4


# ---------------------------------------------------------------------- probabilities


def prob_best(draws: Any, higher_is_better: bool = True) -> np.ndarray:
    """Share of posterior draws in which each channel is the best.

    Parameters
    ----------
    draws : array-like, shape (S, C)
        Posterior draws of a quantity per channel (ROAS, marginal ROAS, contribution ...).
    higher_is_better : bool
        ``False`` for costs (the lowest is the best).

    Returns
    -------
    numpy.ndarray, shape (C,)
        Probabilities summing to 1 (0 when no draw has a finite value). Ties within a draw
        share its credit equally; non-finite values (a channel without spend) never win.

    Examples
    --------
    >>> prob_best([[1.0, 2.0], [3.0, 0.5], [0.0, 4.0], [1.0, 1.0]]).tolist()
    [0.375, 0.625]
    """
    x = np.asarray(draws, dtype="float64")
    if x.ndim != 2:
        raise ValueError(f"draws must be a (draws, channels) array; got shape {x.shape}.")
    S, C = x.shape
    if S == 0 or C == 0:
        return np.zeros(C)
    x = x if higher_is_better else -x
    x = np.where(np.isfinite(x), x, -np.inf)
    top = x.max(axis=1, keepdims=True)
    is_top = (x == top) & np.isfinite(top)
    n = is_top.sum(axis=1, keepdims=True)
    return (is_top / np.maximum(n, 1)).sum(axis=0) / S


def prob_below(draws: Any, threshold: float) -> np.ndarray:
    """Share of draws in which each channel's value is below ``threshold`` (shape ``(C,)``)."""
    x = np.asarray(draws, dtype="float64")
    return np.mean(x < threshold, axis=0)


def prob_text(p: float) -> str:
    """A probability as written in a claim: ``"94%"``, never "100%" or "0%", and never rounded
    up to the confident threshold (0.897 is "89%", not "90%").

    Examples
    --------
    >>> prob_text(0.9996), prob_text(0.897), prob_text(0.41)
    ('over 99%', '89%', '41%')
    """
    if p is None or not np.isfinite(p):
        return "n/a"
    if p >= 0.995:
        return "over 99%"
    if p < 0.005:
        return "under 1%"
    v = int(round(p * 100))
    if p < CONFIDENT and v >= round(CONFIDENT * 100):
        v = int(round(CONFIDENT * 100)) - 1
    return f"{v}%"


def evidence_word(p: float) -> str:
    """``"strong"``, ``"moderate"`` or ``"weak"`` for a probability (see :data:`EVIDENCE_STRONG`)."""
    if p is None or not np.isfinite(p):
        return "unknown"
    return "strong" if p >= EVIDENCE_STRONG else ("moderate" if p >= EVIDENCE_MODERATE else "weak")


# ---------------------------------------------------------------------- wording


@dataclass(frozen=True)
class Wording:
    """How a ranking is said.

    ``one``: the verb phrase for one channel ("returns the most revenue per dollar");
    ``many``: the same for several ("return the most revenue per dollar");
    ``superlative``: closes "(94% probability it is the highest)";
    ``comparative``: closes "the data cannot tell which is higher".
    """

    one: str
    many: str
    superlative: str = "highest"
    comparative: str = "higher"


#: ROAS of a revenue model.
ROAS_WORDING = Wording("returns the most revenue per dollar", "return the most revenue per dollar")


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _default_label(name: str) -> str:
    from mmm.format import label
    return label(name)


@dataclass(frozen=True)
class RankClaim:
    """A ranking claim and the evidence for it.

    Attributes
    ----------
    winner : str
        The channel most likely to be the best (by posterior probability; by point estimate
        when only intervals are known).
    probability : float
        Posterior probability that ``winner`` is the best (NaN when no draws were available).
    tied : tuple of str
        The channels the data cannot tell apart from the winner, winner first; just
        ``(winner,)`` when the claim is confident.
    sentence : str
        The claim as written on charts and slides.
    probs : dict
        Probability of being the best, per channel (empty without draws).
    confident : bool
        True when a single winner is named (probability at least :data:`CONFIDENT`, or, from
        intervals alone, the winner's 90% interval clear of every other channel's).
    """

    winner: str
    probability: float
    tied: tuple[str, ...]
    sentence: str
    probs: Mapping[str, float] = field(default_factory=dict)
    confident: bool = False

    @property
    def hedged(self) -> bool:
        """True when the sentence does not name a single winner."""
        return not self.confident

    def __str__(self) -> str:
        return self.sentence


def rank_claim(probs: Mapping[str, float], wording: Wording, *, value: str = "",
               label: Callable[[str], str] | None = None) -> RankClaim:
    """The claim to make from each channel's probability of being the best.

    Parameters
    ----------
    probs : mapping
        ``{channel: probability of being the best}`` (e.g. from :func:`prob_best`).
    wording : Wording
        How the ranking is said.
    value : str
        The winner's number, written after a colon when a winner is named ("3.1x ROAS").
    label : callable, optional
        Channel name as written (default :func:`mmm.plots.style.label`).

    Returns
    -------
    RankClaim
    """
    if not probs:
        raise ValueError("rank_claim needs at least one channel.")
    lab = label or _default_label
    order = sorted(probs, key=lambda c: -float(probs[c]))
    win = order[0]
    p = float(probs[win])
    colon = f": {value}" if value else ""
    if len(order) == 1:
        return RankClaim(win, p, (win,), f"{lab(win)} {wording.one}{colon}", dict(probs), True)
    if p >= CONFIDENT:
        sentence = f"{lab(win)} {wording.one}{colon} ({prob_text(p)} probability it is the {wording.superlative})"
        return RankClaim(win, p, (win,), sentence, dict(probs), True)
    tied = [c for c in order if float(probs[c]) >= TIE_FLOOR]
    if len(tied) < 2:
        tied = order[:2]
    listed = ", ".join(f"{lab(c)} {prob_text(float(probs[c]))}" for c in tied[:MAX_LISTED])
    if p >= EVIDENCE_MODERATE:
        rest = ", ".join(f"{lab(c)} {prob_text(float(probs[c]))}" for c in tied[1:MAX_LISTED])
        sentence = (f"{lab(win)} likely {wording.one}{colon} ({prob_text(p)} probability it is the "
                    f"{wording.superlative}); the data cannot rule out {rest}")
    elif len(tied) <= 3:
        which = wording.comparative if len(tied) == 2 else wording.superlative
        sentence = f"{_join([lab(c) for c in tied])} {wording.many}; the data cannot tell which is {which} ({listed})"
    else:
        more = f", {len(tied) - MAX_LISTED} more" if len(tied) > MAX_LISTED else ""
        sentence = f"The data cannot tell which channel {wording.one} ({listed}{more})"
    return RankClaim(win, p, tuple(tied), sentence, dict(probs), False)


def interval_claim(channels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                   highs: Sequence[float], wording: Wording, *, value: str | Callable[[str], str] = "",
                   higher_is_better: bool = True, label: Callable[[str], str] | None = None) -> RankClaim:
    """The claim to make when only 90% intervals are known (a table without draws).

    The winner (best point estimate) is named only when its interval is clear of every
    other channel's; otherwise the channels whose intervals overlap the winner's are the
    ones the data cannot tell apart. ``probability`` is NaN.
    """
    lab = label or _default_label
    ch = [str(c) for c in channels]
    v, lo, hi = (np.asarray(a, dtype="float64") for a in (values, lows, highs))
    if not len(ch):
        raise ValueError("interval_claim needs at least one channel.")
    key = np.where(np.isfinite(v), v if higher_is_better else -v, -np.inf)
    order = [int(i) for i in np.argsort(-key, kind="stable")]
    w = order[0]
    val = value(ch[w]) if callable(value) else value
    colon = f": {val}" if val else ""
    if higher_is_better:
        overlap = [i for i in order[1:] if np.isfinite(v[i]) and not hi[i] < lo[w]]
    else:
        overlap = [i for i in order[1:] if np.isfinite(v[i]) and not lo[i] > hi[w]]
    if len(order) == 1 or not overlap:
        where = "above" if higher_is_better else "below"
        tail = f" (its 90% interval lies {where} every other channel's)" if len(order) > 1 else ""
        return RankClaim(ch[w], float("nan"), (ch[w],), f"{lab(ch[w])} {wording.one}{colon}{tail}", {}, True)
    tied = [ch[i] for i in [w, *overlap]]
    if len(tied) <= 3:
        which = wording.comparative if len(tied) == 2 else wording.superlative
        sentence = (f"{_join([lab(c) for c in tied])} {wording.many}; the data cannot tell which is {which} "
                    "(their 90% intervals overlap)")
    else:
        named = [lab(c) for c in tied[:MAX_LISTED]]
        if len(tied) > MAX_LISTED:
            named.append(f"{len(tied) - MAX_LISTED} more")
        sentence = f"The data cannot tell which channel {wording.one} (the 90% intervals of {_join(named)} overlap)"
    return RankClaim(ch[w], float("nan"), tuple(tied), sentence, {}, False)


def point_claim(channels: Sequence[str], values: Sequence[float], wording: Wording, *, higher_is_better: bool = True,
                label: Callable[[str], str] | None = None) -> RankClaim:
    """A hedged claim from point estimates alone (no draws, no intervals): never confident."""
    lab = label or _default_label
    v = np.asarray(values, dtype="float64")
    key = np.where(np.isfinite(v), v if higher_is_better else -v, -np.inf)
    order = [str(channels[int(i)]) for i in np.argsort(-key, kind="stable")]
    sentence = f"{lab(order[0])} {wording.one} on the point estimates (uncertainty not available)"
    return RankClaim(order[0], float("nan"), tuple(order), sentence, {}, len(order) == 1)


def embed(sentence: str) -> str:
    """A claim sentence placed after a semicolon: its leading "The data ..." lower-cased."""
    return sentence[0].lower() + sentence[1:] if sentence.startswith("The data") else sentence


# ---------------------------------------------------------------------- draws


def _units(units: Any) -> Any:
    from mmm.format import units_of
    return units_of(units)


def _is_fitted(obj: Any) -> bool:
    return hasattr(obj, "spec") and hasattr(obj, "params") and hasattr(obj, "dataset")


def marginal_roas_draws(fitted: Any, *, weeks: int = 13, horizon: str = "period+tail", draws: int | None = None,
                        seed: int = 0) -> tuple[tuple[str, ...], np.ndarray]:
    """Posterior draws of each channel's marginal ROAS at its current spend.

    The same quantity (and, with the defaults, the same draws) as the ``is_current`` rows
    of :func:`mmm.planning.response_curves`: the KPI over ``horizon`` of the next unit of
    weekly spend, per unit of spend.

    Returns
    -------
    (channels, draws)
        ``draws`` has shape ``(S, C)``; channels currently without spend are NaN.
    """
    from mmm import planning as mp

    n = mp.REPORT_DRAWS if draws is None else draws
    eng = mp.build_engine(fitted, weeks, horizon, n, seed)
    cols = []
    for c in range(len(eng.channels)):
        cur = float(eng.current[c])
        if cur <= 0:
            cols.append(np.full(eng.n_draws, np.nan))
            continue
        _, g = eng.channel_curve(c, np.array([cur]), grad=True)
        cols.append(g[0] / weeks)
    return tuple(eng.channels), np.column_stack(cols)


def annotate_curves(curves: pd.DataFrame, fitted: Any, *, breakeven: float | None = None) -> pd.DataFrame:
    """Response curves with ranking probabilities from the posterior, for charts drawn from the table.

    Adds ``prob_highest_marginal_roas`` (probability that the channel's marginal ROAS at
    current spend is the highest) and, when a break-even return applies (``breakeven``, or
    1.0 for revenue models), ``prob_below_breakeven`` (probability it is below break-even),
    the same value on every row of a channel. The curves' ``weeks`` and ``horizon`` attrs
    are used.
    """
    weeks = int(curves.attrs.get("weeks") or 13)
    horizon = str(curves.attrs.get("horizon") or "period+tail")
    names, g = marginal_roas_draws(fitted, weeks=weeks, horizon=horizon)
    pb = dict(zip(names, prob_best(g), strict=True))
    out = curves.copy()
    out["prob_highest_marginal_roas"] = out["channel"].map(pb).astype(float)
    default = kpi_kind(fitted).break_even  # revenue 1.0; pipeline and leads need business numbers
    be = breakeven if breakeven is not None else (default if math.isfinite(default) else None)
    if be is not None:
        below = dict(zip(names, prob_below(g, be), strict=True))
        out["prob_below_breakeven"] = out["channel"].map(below).astype(float)
        out.attrs["breakeven"] = float(be)
    return out


def effect_length_draws(weights: Any, share: float = 0.9) -> np.ndarray:
    """Weeks (fractional) until ``share`` of each channel's carryover effect has landed, per draw.

    Parameters
    ----------
    weights : array-like, shape (S, C, L)
        Normalised carryover weights (:func:`mmm.model.carryover_matrix`).

    Returns
    -------
    numpy.ndarray, shape (S, C)
        1.0 means the share lands within the week of spend; interpolated between weeks so
        that channels can be ranked without ties.
    """
    w = np.asarray(weights, dtype="float64")
    w = w / np.maximum(w.sum(axis=-1, keepdims=True), 1e-300)
    cum = np.cumsum(w, axis=-1)
    k = np.argmax(cum >= share - 1e-12, axis=-1)                  # first week reaching the share
    c_k = np.take_along_axis(cum, k[..., None], axis=-1)[..., 0]
    prev = np.where(k > 0, np.take_along_axis(cum, np.maximum(k - 1, 0)[..., None], axis=-1)[..., 0], 0.0)
    frac = np.where(c_k > prev, (share - prev) / np.maximum(c_k - prev, 1e-300), 1.0)
    return k + np.clip(frac, 0.0, 1.0)


# ---------------------------------------------------------------------- the claims charts make


def roas_wording(units: Any = None) -> Wording:
    """Wording of "returns the most per dollar" for the KPI type (cost per lead for leads)."""
    u = _units(units)
    if u.return_is_cost:
        return Wording("has the lowest cost per lead", "have the lowest cost per lead", "lowest", "lower")
    return Wording(f"returns the most {u.kpi_word} per {u.per_unit}", f"return the most {u.kpi_word} per {u.per_unit}")


def _roas_value(u: Any, roas: float) -> str:
    if u.return_is_cost:
        return u.money(1.0 / roas, 1) if roas > 0 else "n/a"
    label = kpi_kind(u.kpi_type).ratio_label
    return u.ratio(roas) + (f" {label}" if label else "")


def roas_claim(source: Any, units: Any = None) -> RankClaim:
    """Which channel returns the most per unit of spend (the cheapest lead for leads models).

    Parameters
    ----------
    source : FittedModel or DataFrame
        A fitted model (posterior draws), or :meth:`FittedModel.channel_summary` (its
        ``prob_highest_roas`` column when present, else the 90% intervals).
    units : optional
        Units / wording (default: from the fitted model).
    """
    if _is_fitted(source):
        from mmm.analysis import channel_draws

        units = source if units is None else units
        d = channel_draws(source)
        u = _units(units)
        means = dict(zip(d.channels, np.nanmean(d.roas, axis=0), strict=True))
        probs = dict(zip(d.channels, prob_best(d.roas), strict=True))
        win = max(probs, key=lambda c: probs[c])
        return rank_claim(probs, roas_wording(u), value=_roas_value(u, means[win]))
    u = _units(units)
    t = source
    if "prob_highest_roas" in t.columns and t["prob_highest_roas"].notna().all():
        probs = dict(zip(t["channel"], t["prob_highest_roas"].astype(float), strict=True))
        win = max(probs, key=lambda c: probs[c])
        roas = float(t.loc[t["channel"] == win, "roas_mean"].iloc[0])
        if u.return_is_cost and "cost_per_kpi_mean" in t.columns:
            value = u.money(float(t.loc[t["channel"] == win, "cost_per_kpi_mean"].iloc[0]), 1)
        else:
            value = _roas_value(u, roas)
        return rank_claim(probs, roas_wording(u), value=value)
    r = t.set_index("channel")
    return interval_claim(list(r.index), r["roas_mean"], r["roas_hdi_low"], r["roas_hdi_high"], roas_wording(u),
                          value=lambda c: _roas_value(u, float(r.loc[c, "roas_mean"])))


def headroom_wording(units: Any = None) -> Wording:
    """Wording of "has the most headroom"."""
    return Wording("has the most headroom", "have the most headroom")


def next_dollar_wording(units: Any = None) -> Wording:
    """Wording of "returns the most on the next dollar" (the cheapest next lead for leads models)."""
    u = _units(units)
    if u.return_is_cost:
        return Wording("has the cheapest next lead", "have the cheapest next lead", "lowest", "lower")
    return Wording(f"returns the most on the next {u.per_unit}", f"return the most on the next {u.per_unit}")


def _current(curves: pd.DataFrame) -> pd.DataFrame:
    return curves[curves["is_current"].astype(bool)].drop_duplicates("channel").set_index("channel")


def _marginal_claim(source: Any, units: Any, wording: Callable[[Any], Wording],
                    value: Callable[[Any, float], str], weeks: int = 13) -> RankClaim:
    if _is_fitted(source):
        units = source if units is None else units
        names, g = marginal_roas_draws(source, weeks=weeks)
        u = _units(units)
        probs = dict(zip(names, prob_best(g), strict=True))
        means = dict(zip(names, np.nanmean(g, axis=0), strict=True))
        win = max(probs, key=lambda c: probs[c])
        return rank_claim(probs, wording(u), value=value(u, float(means[win])))
    u = _units(units)
    cur = _current(source)
    if "prob_highest_marginal_roas" in cur.columns and cur["prob_highest_marginal_roas"].notna().all():
        probs = cur["prob_highest_marginal_roas"].astype(float).to_dict()
        win = max(probs, key=lambda c: probs[c])
        return rank_claim(probs, wording(u), value=value(u, float(cur.loc[win, "marginal_roas_mean"])))
    if {"marginal_roas_hdi_low", "marginal_roas_hdi_high"} <= set(cur.columns):
        return interval_claim(list(cur.index), cur["marginal_roas_mean"], cur["marginal_roas_hdi_low"],
                              cur["marginal_roas_hdi_high"], wording(u),
                              value=lambda c: value(u, float(cur.loc[c, "marginal_roas_mean"])))
    return point_claim(list(cur.index), cur["marginal_roas_mean"], wording(u))


def _headroom_value(u: Any, m: float) -> str:
    if u.return_is_cost:
        return f"the next lead costs {u.money(1.0 / m, 1)}" if m > 0 else "n/a"
    return f"{u.ratio(m)} {u.kpi_word} per extra {u.per_unit}"


def _next_value(u: Any, m: float) -> str:
    if u.return_is_cost:
        return u.money(1.0 / m, 1) if m > 0 else "n/a"
    return f"{u.ratio(m)} {u.kpi_word}"


def headroom_claim(source: Any, units: Any = None, *, weeks: int = 13) -> RankClaim:
    """Which channel has the most headroom: the highest marginal ROAS at current spend.

    ``source``: a fitted model (draws), or response curves (``prob_highest_marginal_roas``
    when present, see :func:`annotate_curves`; else the marginal ROAS intervals).
    """
    return _marginal_claim(source, units, headroom_wording, _headroom_value, weeks)


def next_dollar_claim(source: Any, units: Any = None, *, weeks: int = 13) -> RankClaim:
    """Where the next dollar returns the most (marginal ROAS at current spend); as :func:`headroom_claim`."""
    return _marginal_claim(source, units, next_dollar_wording, _next_value, weeks)


def payback_text(curves: pd.DataFrame, breakeven: float, units: Any = None) -> str:
    """ "Meta no longer pays back (97% probability)": channels whose marginal return is below
    break-even with probability at least :data:`CONFIDENT` (from ``prob_below_breakeven``
    when it was computed for this break-even, else those whose whole 90% interval is below
    it). Empty when none is."""
    cur = _current(curves)
    if cur.empty or not np.isfinite(breakeven):
        return ""
    same = "prob_below_breakeven" in cur.columns and np.isclose(curves.attrs.get("breakeven", np.nan), breakeven)
    from mmm.format import label
    if same:
        p = cur["prob_below_breakeven"].astype(float)
        below = [c for c in p.sort_values(ascending=False).index if p[c] >= CONFIDENT]
        if not below or len(below) == len(cur):
            return ""
        names = _join([label(c) for c in below[:3]])
        probs = ", ".join(prob_text(float(p[c])) for c in below[:3])
        verb = "pays" if len(below[:3]) == 1 else "pay"
        return f"{names} no longer {verb} back ({probs} probability)"
    hi = cur.get("marginal_roas_hdi_high", cur["marginal_roas_mean"]).astype(float)
    below = [c for c in cur.index if hi[c] < breakeven]
    if not below or len(below) == len(cur):
        return ""
    verb = "pays" if len(below[:3]) == 1 else "pay"
    return f"{_join([label(c) for c in below[:3]])} no longer {verb} back (90% interval below break-even)"


def contribution_wording(units: Any = None) -> Wording:
    """Wording of "contributes the most <KPI>"."""
    u = _units(units)
    return Wording(f"contributes the most {u.kpi_word}", f"contribute the most {u.kpi_word}", "largest", "larger")


def contribution_claim(source: Any, units: Any = None) -> RankClaim:
    """Which channel contributes the most KPI over the data period.

    ``source``: a fitted model (draws), or a channel summary (``contribution_hdi_low`` /
    ``_high``), or a contributions table (weekly means: a hedged claim).
    """
    if _is_fitted(source):
        from mmm.analysis import channel_draws

        units = source if units is None else units
        d = channel_draws(source)
        probs = dict(zip(d.channels, prob_best(d.contribution), strict=True))
        return rank_claim(probs, contribution_wording(units))
    t = source
    if "contribution_hdi_low" in t.columns:
        return interval_claim(list(t["channel"]), t["contribution_mean"], t["contribution_hdi_low"],
                              t["contribution_hdi_high"], contribution_wording(units))
    chans = [c for c in t.columns if c not in ("date", "actual", "fitted", "baseline")]
    return point_claim(chans, [float(t[c].sum()) for c in chans], contribution_wording(units))


def carryover_wording() -> Wording:
    """Wording of "has the longest-lasting effect"."""
    return Wording("has the longest-lasting effect", "have the longest-lasting effects", "longest", "longer")


def carryover_claim(source: Any, share: float = 0.9) -> RankClaim:
    """Which channel's carryover lasts longest (weeks until ``share`` of its effect has landed).

    ``source``: a fitted model (draws), or :func:`mmm.plots.carryover_table` (its
    ``prob_longest`` column when present, else a hedged claim from the median weights).
    """
    if _is_fitted(source):
        from mmm.response import carryover_matrix

        lengths = effect_length_draws(carryover_matrix(source.params, source.layout), share)
        probs = dict(zip(source.layout.channels, prob_best(lengths), strict=True))
        return rank_claim(probs, carryover_wording())
    t = source
    if "prob_longest" in t.columns and t["prob_longest"].notna().all():
        probs = t.drop_duplicates("channel").set_index("channel")["prob_longest"].astype(float).to_dict()
        return rank_claim(probs, carryover_wording())
    from mmm.analysis import effect_weeks
    ew = effect_weeks(t, share)
    return point_claim(list(ew["channel"]), ew["weeks_to_share"], carryover_wording())


# ---------------------------------------------------------------------- the brand split


@dataclass(frozen=True)
class SplitClaim:
    """The best brand share of the budget and how sure the model is about it.

    Attributes
    ----------
    best : float
        Best share on the mean curve.
    low, high : float
        Central 90% interval of the best share over posterior draws (NaN when unknown).
    current : float
        Today's brand share (NaN when unknown).
    prob_more_brand : float
        Probability that the best share is above today's (NaN when unknown).
    direction : str
        ``"more brand"``, ``"less brand"`` or ``"unclear"``.
    evidence : str
        ``strong`` / ``moderate`` / ``weak`` for the direction, ``unknown`` without draws.
    confident : bool
        True when the direction of change has probability at least :data:`CONFIDENT`.
    sentence : str
        The takeaway as written on the chart and slides.
    """

    best: float
    low: float
    high: float
    current: float
    prob_more_brand: float
    direction: str
    evidence: str
    confident: bool
    sentence: str

    @property
    def interval_text(self) -> str:
        """ "90%: 34% to 62%", or "" when unknown."""
        from mmm.format import pct
        return f"90%: {pct(self.low)} to {pct(self.high)}" if np.isfinite(self.low) and np.isfinite(self.high) else ""

    def __str__(self) -> str:
        return self.sentence


def split_claim(split: Any) -> SplitClaim:
    """The brand-share claim a split supports.

    Uses ``best_share_uncertainty`` of :func:`mmm.split.brand_split` (its 90% interval and
    ``prob_above_current``): the best share is stated with its interval, and the direction
    of change from today's share with its probability when that is at least
    :data:`CONFIDENT`; otherwise the sentence says the data cannot tell the best share.
    """
    from mmm.analysis import split_summary
    from mmm.format import pct

    s = split_summary(split)
    raw = dict(getattr(split, "summary", None) or (split if isinstance(split, dict) else {}) or {})
    unc = raw.get("best_share_uncertainty") or {}
    best, cur = float(s["best_share"]), float(s["current_share"])
    lo = float(unc.get("low", np.nan)) if unc else float("nan")
    hi = float(unc.get("high", np.nan)) if unc else float("nan")
    p_more = unc.get("prob_above_current") if unc else None
    p_less = unc.get("prob_below_current") if unc else None
    p_more = float(p_more) if p_more is not None else float("nan")
    p_less = float(p_less) if p_less is not None else (1.0 - p_more if np.isfinite(p_more) else float("nan"))
    now = f"today {pct(cur)}" if np.isfinite(cur) else ""
    if np.isfinite(p_more) and np.isfinite(cur):
        if p_more >= p_less:
            direction, p_dir, where = "more brand", p_more, "above"
        else:
            direction, p_dir, where = "less brand", p_less, "below"
        evidence = evidence_word(p_dir)
        confident = p_dir >= CONFIDENT
    elif np.isfinite(lo) and np.isfinite(cur):
        # an interval without the per-draw probability: clear only when today's share is outside it
        where = "above" if lo > cur else ("below" if hi < cur else "")
        direction = {"above": "more brand", "below": "less brand"}.get(where, "unclear")
        p_dir, evidence, confident = float("nan"), "unknown", bool(where)
    else:
        direction, p_dir, where, evidence, confident = "unclear", float("nan"), "", "unknown", False
    rng = f"90%: {pct(lo)} to {pct(hi)}" if np.isfinite(lo) and np.isfinite(hi) else ""
    if confident:
        prob = f"{prob_text(p_dir)} probability it is {where}" if np.isfinite(p_dir) else f"its 90% interval is {where}"
        sentence = f"Best brand share of budget: {pct(best)} ({rng}); {prob} today's {pct(cur)}"
    elif rng:
        sentence = f"The data cannot tell the best brand share: {pct(lo)} to {pct(hi)} (90%)"
        if np.isfinite(p_dir):
            sentence += f"; today {pct(cur)}, {prob_text(p_dir)} chance the best is {where} it"
        elif now:
            sentence += f"; {now}"
    else:
        sentence = (f"Best brand share on the mean curve: {pct(best)}" + (f"; {now}" if now else "")
                    + "; the data cannot tell how sure this is (no posterior range)")
    return SplitClaim(best, lo, hi, cur, p_more, direction if confident else "unclear", evidence, confident, sentence)


# ---------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlanClaim:
    """The budget plan's headline: the uplift with its interval and the evidence for the new mix.

    ``big`` ("+1.3%"), ``interval`` ("90%: -2.1% to +4.4%"), ``evidence`` (strong / moderate
    / weak / no change / unknown), ``probability`` (that the new mix beats today's),
    ``confident`` (strong evidence and a gain), ``sentence`` (one line for slides).
    """

    big: str
    interval: str
    evidence: str
    probability: float
    confident: bool
    sentence: str


def _signed_pct(x: float, decimals: int = 1) -> str:
    from mmm.format import pct
    return f"{'+' if x >= 0 else '-'}{pct(abs(x), decimals)}"


def plan_claim(plan: Any) -> PlanClaim | None:
    """The headline of a plan (``None`` when the plan has no uplift to report).

    Reads :func:`mmm.analysis.plan_totals` (a typed :class:`~mmm.analysis.summaries.PlanHeadline`):
    the uplift's percentage interval and the ``evidence`` (probability that the recommended mix beats today's mix).
    """
    from mmm.analysis import plan_totals

    t = plan_totals(plan)
    if t.uplift is None or not np.isfinite(t.uplift.mean):
        return None
    upct = t.uplift_pct
    big = _signed_pct(upct) if np.isfinite(upct) else ""
    pct_iv = t.uplift_pct_interval
    lo, hi = (None, None) if pct_iv is None else (pct_iv.hdi_low, pct_iv.hdi_high)
    interval = ""
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        interval = f"90%: {_signed_pct(lo / 100)} to {_signed_pct(hi / 100)}"
    ev = t.evidence
    p = None if ev is None else ev.prob_gain_from_mix
    prob = float(p) if p is not None else t.prob_uplift
    strength = (ev.strength if ev is not None else "") or (evidence_word(prob) if np.isfinite(prob) else "unknown")
    confident = strength == "strong" and t.uplift.mean >= 0
    head = big + (f" ({interval})" if interval else "")
    if strength == "no change":
        sentence = f"{head}: the recommended mix is today's mix"
    elif np.isfinite(prob):
        sentence = f"{head}, {strength} evidence: {prob_text(prob)} chance it beats today's mix"
    else:
        sentence = f"{head}; the evidence for the new mix is not available"
    return PlanClaim(big, interval, strength, prob, confident, sentence)
