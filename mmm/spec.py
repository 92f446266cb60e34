"""The model specification: small frozen dataclasses that a YAML file maps onto one to one.

A spec says *what* to model (which columns are the KPI, the channels and the controls)
and *how* (carryover, saturation, baseline, likelihood, priors, sampler). It is data,
not code: :func:`load_spec` reads YAML, :func:`spec_from_dict` reads a plain dict (as a
notebook would write it), :meth:`Spec.to_dict` writes it back. Unknown keys are errors
that name the key and the closest valid one. Keys left out take the preset of the KPI
type (see :data:`PRESETS`).

Example
-------
>>> spec = spec_from_dict({
...     "date_column": "week",
...     "kpi": {"column": "revenue", "type": "revenue"},
...     "channels": {"tv": {"spend": "tv_spend", "role": "brand"}},
... })
>>> spec.model.adstock
'geometric'
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mmm import transforms
from mmm.errors import SpecError, closest
from mmm.kpi import KINDS as KPI_KINDS

KPI_TYPES = ("revenue", "pipeline", "leads")
ROLES = ("brand", "performance")
#: Where a channel's spend is bought in a geo panel: per geo, or nationally (allocated to geos).
LEVELS = ("geo", "national")
ADSTOCKS = tuple(transforms.CARRYOVERS)  # the transform registry is the one list of kinds
SATURATIONS = tuple(sorted(transforms.SATURATIONS))
TRENDS = ("none", "linear", "piecewise")
LIKELIHOODS = ("normal", "student_t", "negative_binomial")
SAMPLERS = ("numpyro", "nutpie", "pymc", "advi")
DISTRIBUTIONS = ("Normal", "HalfNormal", "LogNormal", "Beta", "Gamma", "StudentT", "Laplace", "TruncatedNormal")

#: Model and sampler defaults per KPI type: views of :attr:`mmm.kpi.KpiKind.preset` and
#: :attr:`mmm.kpi.KpiKind.fit_preset`, where each KPI fact is written once.
PRESETS: dict[str, dict[str, Any]] = {name: dict(kind.preset) for name, kind in KPI_KINDS.items()}
FIT_PRESETS: dict[str, dict[str, Any]] = {name: dict(kind.fit_preset) for name, kind in KPI_KINDS.items()
                                          if kind.fit_preset}

#: Units in which each KPI type is reported, and the words used for its return metric: a view
#: of :data:`mmm.kpi.KINDS`, the one place for each KPI fact (``kpi``, ``return``, ``cost_per``).
KPI_WORDS: dict[str, dict[str, str]] = {name: kind.words() for name, kind in KPI_KINDS.items()}


def _fail(msg: str) -> None:
    raise SpecError(msg)


#: Longest excerpt of a user's value that a message quotes.
EXCERPT_LIMIT = 80


def _excerpt(value: Any, limit: int = EXCERPT_LIMIT) -> str:
    """A short, safe description of ``value`` for a message: never its full expansion.

    Text is quoted and cut at ``limit`` characters (``'abc...' (12,345 characters)``);
    a mapping or list is described by its shape (``a list of 9 items``), so a YAML alias
    bomb or a huge cell is never expanded into a message; other values are their ``repr``,
    cut at ``limit``.
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    if isinstance(value, dict):
        n = len(value)
        return f"a mapping of {n:,} key{'s' * (n != 1)}"
    if isinstance(value, list | tuple | set | frozenset):
        n = len(value)
        return f"a {type(value).__name__} of {n:,} item{'s' * (n != 1)}"
    if isinstance(value, bytes | bytearray):
        return f"{len(value):,} bytes of binary data"
    try:
        text = repr(value)
    except (ValueError, TypeError, RecursionError):     # e.g. an int too long to print
        return "a number too large to show"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _check_keys(where: str, given: dict, allowed: tuple[str, ...]) -> None:
    if not isinstance(given, dict):
        _fail(f"'{where}' must be a mapping (key: value), got {type(given).__name__}: {_excerpt(given)}.")
    for key in given:
        if key not in allowed:
            hint = closest(key, allowed) if isinstance(key, str) and len(key) <= 200 else ""
            _fail(
                f"Unknown key {_excerpt(key)} in {where}.{hint} "
                f"Valid keys: {', '.join(allowed)}."
            )


#: Public names for modules that parse a section of the spec (e.g. :mod:`mmm.stages`).
excerpt = _excerpt
check_keys = _check_keys


def _name(where: str, value: Any) -> str:
    """A column or channel name: any string (numbers are taken as text); never a YAML boolean or null."""
    if isinstance(value, bool) or value is None:
        word = {True: "on/yes/true", False: "off/no/false", None: "null/~ or nothing"}[value]
        _fail(f"'{where}' is {value!r}: YAML reads the unquoted words {word} as {value!r}, not as a name. "
              "Quote the name, e.g. \"on\" or 'yes'.")
    if isinstance(value, dict | list | tuple):
        _fail(f"'{where}' must be a name (a column or channel); got {_excerpt(value)}.")
    return str(value)


def _choice(where: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        hint = closest(value, options) if isinstance(value, str) and len(value) <= 200 else ""
        _fail(f"'{where}' must be one of {', '.join(options)}; got {_excerpt(value)}.{hint}")
    return value


def _int(where: str, value: Any, low: int, high: int | None = None) -> int:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value)) or int(value) != value):
        _fail(f"'{where}' must be a whole number; got {_excerpt(value)}.")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f"[{low}, {high}]" if high is not None else f"[{low}, inf)"
        _fail(f"'{where}' must be an int in {rng}. Got {value} instead.")
    return value


@dataclass(frozen=True)
class Prior:
    """A prior distribution by PyMC name and parameters, e.g. ``Prior("Beta", {"alpha": 2, "beta": 3})``.

    In YAML write ``{distribution: Beta, alpha: 2, beta: 3}``. A ROAS prior may also be
    written as a two-number list ``[low, high]``: a LogNormal whose 90% interval is that range.
    """

    distribution: str
    params: dict[str, float]

    @classmethod
    def parse(cls, where: str, value: Any) -> Prior:
        """Parse a YAML/dict value into a :class:`Prior`, failing with a message naming ``where``."""
        if isinstance(value, Prior):
            return value
        if isinstance(value, list | tuple):
            if len(value) != 2 or not all(isinstance(v, int | float) for v in value) or not 0 < value[0] < value[1]:
                _fail(f"'{where}' as a range must be two positive numbers [low, high] with low < high; "
                      f"got {_excerpt(list(value)) if len(value) != 2 else _excerpt(value[0]) + ', ' + _excerpt(value[1])}.")
            return cls.from_interval(float(value[0]), float(value[1]))
        if not isinstance(value, dict) or "distribution" not in value:
            _fail(f"'{where}' must be {{distribution: Name, param: value, ...}} or a [low, high] range; "
                  f"got {_excerpt(value)}.")
        dist = _choice(f"{where}.distribution", value["distribution"], DISTRIBUTIONS)
        allowed = {"Normal": ("mu", "sigma", "tau"), "HalfNormal": ("sigma", "tau"),
                   "LogNormal": ("mu", "sigma", "tau"), "Beta": ("alpha", "beta", "mu", "sigma", "nu"),
                   "Gamma": ("alpha", "beta", "mu", "sigma"), "StudentT": ("nu", "mu", "sigma", "lam"),
                   "Laplace": ("mu", "b"), "TruncatedNormal": ("mu", "sigma", "tau", "lower", "upper")}[dist]
        params = {}
        for k, v in value.items():
            if k == "distribution":
                continue
            if k not in allowed:  # PyMC's parameter names for this distribution
                _fail(f"'{where}' has unknown parameter {_excerpt(k)} for {dist}.{closest(str(k)[:200], allowed)} "
                      f"{dist} takes: {', '.join(allowed)}.")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                _fail(f"'{where}.{k}' must be a finite number; got {_excerpt(v)}.")
            params[k] = float(v)
        return cls(dist, params)

    @classmethod
    def from_interval(cls, low: float, high: float) -> Prior:
        """LogNormal prior whose central 90% interval is ``[low, high]``."""
        z = 1.6448536269514722
        mu = (math.log(low) + math.log(high)) / 2
        sigma = (math.log(high) - math.log(low)) / (2 * z)
        return cls("LogNormal", {"mu": mu, "sigma": sigma})

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML."""
        return {"distribution": self.distribution, **self.params}


#: Prior names an analyst can override in ``model.priors`` (all channels) or in a
#: channel's ``priors`` (that channel only). Media priors are per channel.
CHANNEL_PRIOR_NAMES = ("roas", *transforms.CARRYOVER_PARAMS, *transforms.SATURATION_PARAM_NAMES)
#: How much geos differ, in a geo panel's model (``mmm.geo.model.GEO_PRIORS`` has their defaults).
GEO_PRIOR_NAMES = ("roas_geo_sd", "trend_geo_sd", "seasonality_geo_sd", "noise_geo_sd")
MODEL_PRIOR_NAMES = CHANNEL_PRIOR_NAMES + ("level", "trend", "changepoints", "seasonality",
                                           "controls", "events", "noise", "student_t_nu",
                                           "nb_alpha") + GEO_PRIOR_NAMES


def _parse_priors(where: str, value: Any, names: tuple[str, ...]) -> dict[str, Prior]:
    if value is None:
        return {}
    _check_keys(where, value, names)
    return {k: Prior.parse(f"{where}.{k}", v) for k, v in value.items()}


@dataclass(frozen=True)
class KPI:
    """The business outcome: its column and type (``revenue``, ``pipeline`` or ``leads``).

    ``value_per_unit`` (leads and pipeline models): what one unit of the KPI is worth in
    currency, as a number (revenue per conversion, average deal value x win rate) or the
    name of a column holding it week by week. Outputs then add the revenue each channel
    brought and its revenue ROAS next to the KPI's own metric (as Meridian's
    ``revenue_per_kpi``).
    """

    column: str
    type: str = "revenue"
    value_per_unit: float | str | None = None

    KEYS = ("column", "type", "value_per_unit")

    @classmethod
    def parse(cls, value: Any) -> KPI:
        """Parse the ``kpi:`` section."""
        if isinstance(value, str):
            return cls(column=value)
        if not isinstance(value, dict):
            _fail(f"'kpi' must be a column name or {{column: ..., type: ...}}; got a {type(value).__name__}.")
        _check_keys("kpi", value, cls.KEYS)
        if "column" not in value:
            _fail("'kpi.column' is required: the column holding the weekly outcome (e.g. revenue or pipeline).")
        kind = _choice("kpi.type", value.get("type", "revenue"), KPI_TYPES)
        vpu = value.get("value_per_unit")
        if vpu is not None:
            if not KPI_KINDS[kind].deal_economics:  # revenue: an amount of revenue already
                _fail("'kpi.value_per_unit' is for leads and pipeline models (what one lead or one pipeline "
                      "dollar is worth); a revenue KPI is worth itself. Remove it.")
            if isinstance(vpu, int | float) and not isinstance(vpu, bool):
                if not (math.isfinite(vpu) and vpu > 0):
                    _fail(f"'kpi.value_per_unit' must be a positive number or a column name; got {_excerpt(vpu)}.")
                vpu = float(vpu)
            else:
                vpu = _name("kpi.value_per_unit", vpu)
        return cls(column=_name("kpi.column", value["column"]), type=kind, value_per_unit=vpu)


@dataclass(frozen=True)
class Channel:
    """One paid channel: its spend column, role and optional per-channel model overrides.

    In a geo panel (a spec with ``geo_column``), ``level: national`` marks a channel bought
    only nationally (e.g. national TV): its column holds the national weekly figure and
    ``allocation`` says how it is split over geos: ``population`` (the default; each geo's
    share of the population, or of the KPI when the panel has no population column) or the
    name of a column holding each geo's share.
    """

    name: str
    spend: str
    role: str = "performance"
    adstock: str | None = None
    l_max: int | None = None
    saturation: str | None = None
    priors: dict[str, Prior] = field(default_factory=dict)
    level: str = "geo"
    allocation: str = "population"

    KEYS = ("spend", "role", "level", "allocation", "adstock", "l_max", "saturation", "priors")

    @classmethod
    def parse(cls, name: str, value: Any) -> Channel:
        """Parse one entry of the ``channels:`` section."""
        where = f"channels.{name}"
        if isinstance(value, str):
            value = {"spend": value}
        _check_keys(where, value, cls.KEYS)
        if "spend" not in value:
            _fail(f"'{where}.spend' is required: the column holding this channel's weekly spend.")
        level = _choice(f"{where}.level", value.get("level", "geo"), LEVELS)
        allocation = _name(f"{where}.allocation", value.get("allocation", "population"))
        if "allocation" in value and level != "national":
            _fail(f"'{where}.allocation' splits a national channel's spend over geos; this channel is bought "
                  "per geo. Add 'level: national' or remove 'allocation'.")
        return cls(
            name=_name(f"channels.{name} (the channel's name)", name),
            spend=_name(f"{where}.spend", value["spend"]),
            role=_choice(f"{where}.role", value.get("role", "performance"), ROLES),
            adstock=_choice(f"{where}.adstock", value["adstock"], ADSTOCKS) if value.get("adstock") else None,
            l_max=_int(f"{where}.l_max", value["l_max"], 1, 104) if value.get("l_max") is not None else None,
            saturation=(_choice(f"{where}.saturation", value["saturation"], SATURATIONS)
                        if value.get("saturation") else None),
            priors=_parse_priors(f"{where}.priors", value.get("priors"), CHANNEL_PRIOR_NAMES),
            level=level,
            allocation=allocation,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML (only the keys that were set)."""
        out: dict[str, Any] = {"spend": self.spend, "role": self.role}
        if self.level != "geo":
            out["level"] = self.level
        if self.allocation != "population":
            out["allocation"] = self.allocation
        for key in ("adstock", "l_max", "saturation"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.priors:
            out["priors"] = {k: p.to_dict() for k, p in self.priors.items()}
        return out


@dataclass(frozen=True)
class ModelSettings:
    """The ``model:`` section: carryover, saturation, baseline, likelihood and priors."""

    adstock: str = "geometric"
    l_max: int = 8
    saturation: str = "logistic"
    yearly_seasonality: int = 2
    trend: str = "linear"
    changepoints: int = 4
    likelihood: str = "normal"
    priors: dict[str, Prior] = field(default_factory=dict)

    KEYS = ("adstock", "l_max", "saturation", "yearly_seasonality", "trend", "changepoints",
            "likelihood", "priors")

    @classmethod
    def parse(cls, value: Any, kpi_type: str) -> ModelSettings:
        """Parse the ``model:`` section; omitted keys take the preset of ``kpi_type``."""
        value = value or {}
        _check_keys("model", value, cls.KEYS)
        merged = {**PRESETS[kpi_type], **{k: v for k, v in value.items() if v is not None}}
        likelihood = _choice("model.likelihood", merged["likelihood"], LIKELIHOODS)
        if likelihood == "negative_binomial" and KPI_KINDS[kpi_type].is_money:
            _fail("'model.likelihood: negative_binomial' is a count likelihood and needs 'kpi.type: leads'; "
                  f"this spec has kpi.type '{kpi_type}'. Use normal or student_t.")
        return cls(
            adstock=_choice("model.adstock", merged["adstock"], ADSTOCKS),
            l_max=_int("model.l_max", merged["l_max"], 1, 104),
            saturation=_choice("model.saturation", merged["saturation"], SATURATIONS),
            yearly_seasonality=_int("model.yearly_seasonality", merged["yearly_seasonality"], 0, 10),
            trend=_choice("model.trend", merged["trend"], TRENDS),
            changepoints=_int("model.changepoints", merged.get("changepoints", 4), 1, 20),
            likelihood=likelihood,
            priors=_parse_priors("model.priors", value.get("priors"), MODEL_PRIOR_NAMES),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "priors"}
        if self.priors:
            out["priors"] = {k: p.to_dict() for k, p in self.priors.items()}
        return out


@dataclass(frozen=True)
class FitSettings:
    """The ``fit:`` section: sampler and its sizes. ``sampler: advi`` is a fast *approximate* fit."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    sampler: str = "numpyro"
    seed: int = 1
    target_accept: float = 0.9
    holdout_weeks: int = 0
    #: ``preset``: fit the carryover and saturation forms of ``model:``; ``auto``: fit the plausible
    #: forms for the KPI type and combine them by Bayesian stacking (:mod:`mmm.many.stacking`)
    forms: str = "preset"

    KEYS = ("draws", "tune", "chains", "sampler", "seed", "target_accept", "holdout_weeks", "forms")
    FORMS = ("preset", "auto")

    @classmethod
    def parse(cls, value: Any, kpi_type: str = "revenue") -> FitSettings:
        """Parse the ``fit:`` section; an omitted ``target_accept`` takes the KPI type's preset
        (0.95 for pipeline and leads, whose delayed carryover has a more curved posterior)."""
        value = value or {}
        _check_keys("fit", value, cls.KEYS)
        d = cls()
        ta = value.get("target_accept", FIT_PRESETS.get(kpi_type, {}).get("target_accept", d.target_accept))
        if isinstance(ta, bool) or not isinstance(ta, int | float) or not 0.5 <= ta < 1:
            _fail(f"'fit.target_accept' must be a number in [0.5, 1); got {_excerpt(ta)}.")
        return cls(
            draws=_int("fit.draws", value.get("draws", d.draws), 10),
            tune=_int("fit.tune", value.get("tune", d.tune), 0),
            chains=_int("fit.chains", value.get("chains", d.chains), 1, 64),
            sampler=_choice("fit.sampler", value.get("sampler", d.sampler), SAMPLERS),
            seed=_int("fit.seed", value.get("seed", d.seed), 0),
            target_accept=float(ta),
            holdout_weeks=_int("fit.holdout_weeks", value.get("holdout_weeks", 0), 0),
            forms=_choice("fit.forms", value.get("forms", d.forms), cls.FORMS),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML (``forms`` only when it is not the default)."""
        out = dataclasses.asdict(self)
        if self.forms == "preset":
            out.pop("forms")
        return out


@dataclass(frozen=True)
class CheckSettings:
    """The ``checks:`` section: thresholds of the model-health checks (:mod:`mmm.health`).

    ``media_share_max``: paid media's share of the KPI above which the fit is flagged as
    implausible (default 0.5). ``prior_contraction_min``: how much of the prior's spread on
    log ROAS the data must remove before a channel's return counts as data-informed
    (default 0.3). ``season_r2_max``: share of a channel's spend variation explained by
    trend and season above which the channel is flagged as confounded with them (default
    0.7). ``collinearity_max``: correlation between a control or event and a channel's
    spend above which they are flagged as inseparable (default 0.9).
    """

    media_share_max: float = 0.5
    prior_contraction_min: float = 0.3
    season_r2_max: float = 0.7
    collinearity_max: float = 0.9

    KEYS = ("media_share_max", "prior_contraction_min", "season_r2_max", "collinearity_max")

    @classmethod
    def parse(cls, value: Any) -> CheckSettings:
        """Parse the ``checks:`` section; every value is a number in (0, 1]."""
        value = value or {}
        if not isinstance(value, dict):
            _fail(f"'checks' must be a mapping such as {{media_share_max: 0.5}}; got {_excerpt(value)}.")
        _check_keys("checks", value, cls.KEYS)
        out = {}
        for key in cls.KEYS:
            v = value.get(key, getattr(cls, key))
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
                _fail(f"'checks.{key}' must be a number in (0, 1]; got {_excerpt(v)}.")
            out[key] = float(v)
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Window:
    """The ``window:`` section: fit on the weeks from ``start`` to ``end`` (ISO dates, both
    optional, inclusive). Spend before ``start`` still counts as carryover into the window
    (as Robyn's ``window_start``); weeks after ``end`` are left out."""

    start: str | None = None
    end: str | None = None

    KEYS = ("start", "end")

    @classmethod
    def parse(cls, value: Any) -> Window | None:
        """Parse the ``window:`` section (``None`` when absent)."""
        if value is None:
            return None
        if not isinstance(value, dict):
            _fail(f"'window' must be {{start: YYYY-MM-DD, end: YYYY-MM-DD}}; got a {type(value).__name__}.")
        _check_keys("window", value, cls.KEYS)
        out = {}
        for key in cls.KEYS:
            v = value.get(key)
            if v is None:
                out[key] = None
                continue
            try:
                if isinstance(v, dict | list | tuple | bool | int | float):
                    raise ValueError(v)
                out[key] = _dt.date.fromisoformat(str(v)[:10]).isoformat()
            except ValueError:
                _fail(f"'window.{key}' must be a date like 2024-01-01; got {_excerpt(v, 40)}.")
        if out["start"] and out["end"] and out["start"] > out["end"]:
            _fail(f"'window.start' ({out['start']}) is after 'window.end' ({out['end']}).")
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML (only the keys that are set)."""
        return {k: v for k, v in (("start", self.start), ("end", self.end)) if v is not None}


@dataclass(frozen=True)
class Mediation:
    """The mapping form of ``branded_search:``: fit brand -> branded search -> KPI.

    ``branded_search: COLUMN`` names the weekly branded search series; the mapping form
    ``branded_search: {column: COLUMN, brand_channels: [...], paid_brand_search: NAME,
    search_l_max: 2, compare_plain: true}`` also chooses how the mediation model is set up
    (see :func:`mmm.mediation.fit_mediated`). With either form, ``mmm fit`` fits the
    mediation model.
    """

    brand_channels: tuple[str, ...] | None = None
    paid_brand_search: str | None = None
    search_l_max: int = 1
    compare_plain: bool = True

    KEYS = ("column", "brand_channels", "paid_brand_search", "search_l_max", "compare_plain")

    @classmethod
    def parse(cls, value: Any) -> tuple[str, Mediation]:
        """Parse ``branded_search:`` into (the column, the settings)."""
        if not isinstance(value, dict):
            return _name("branded_search", value), cls()
        _check_keys("branded_search", value, cls.KEYS)
        if value.get("column") is None:
            _fail("'branded_search' as a mapping needs 'column': the weekly branded search series.")
        brand = value.get("brand_channels")
        l_max = value.get("search_l_max", 1)
        if isinstance(l_max, bool) or not isinstance(l_max, int) or not 1 <= l_max <= 52:
            _fail(f"'branded_search.search_l_max' must be a whole number of weeks from 1 to 52; "
                  f"got {_excerpt(l_max, 40)}.")
        plain = value.get("compare_plain", True)
        if not isinstance(plain, bool):
            _fail(f"'branded_search.compare_plain' must be true or false; got {_excerpt(plain, 40)}.")
        paid = value.get("paid_brand_search")
        return _name("branded_search.column", value["column"]), cls(
            None if brand is None else _str_list("branded_search.brand_channels", brand),
            None if paid is None else _name("branded_search.paid_brand_search", paid), l_max, plain)

    def to_dict(self, column: str) -> str | dict[str, Any]:
        """The YAML value: the plain column name when every setting is the default."""
        if self == Mediation():
            return column
        out: dict[str, Any] = {"column": column}
        if self.brand_channels is not None:
            out["brand_channels"] = list(self.brand_channels)
        if self.paid_brand_search is not None:
            out["paid_brand_search"] = self.paid_brand_search
        if self.search_l_max != 1:
            out["search_l_max"] = self.search_l_max
        if not self.compare_plain:
            out["compare_plain"] = False
        return out


@dataclass(frozen=True)
class LiftTest:
    """A lift test (geo or conversion-lift experiment) used to calibrate one channel.

    During ``start``..``end`` (inclusive dates) the channel's weekly spend was changed by
    ``spend_change`` (per week, in currency; negative for a hold-out/go-dark test), and the
    experiment measured ``lift`` incremental KPI in total over that window, with standard
    error ``lift_se``.

    In a geo panel, ``geos`` (optional) names the geos where the spend changed and the lift
    was measured (a geo experiment's treatment geos); ``spend_change`` and ``lift`` are then
    totals over those geos. Without it the test is national.
    """

    channel: str
    start: str
    end: str
    spend_change: float
    lift: float
    lift_se: float
    geos: tuple[str, ...] = ()

    KEYS = ("channel", "start", "end", "spend_change", "lift", "lift_se", "geos")
    REQUIRED = ("channel", "start", "end", "spend_change", "lift", "lift_se")

    @classmethod
    def parse(cls, i: int, value: Any) -> LiftTest:
        """Parse entry ``i`` of the ``lift_tests:`` list."""
        where = f"lift_tests[{i}]"
        _check_keys(where, value, cls.KEYS)
        missing = [k for k in cls.REQUIRED if k not in value]
        if missing:
            _fail(f"'{where}' is missing {', '.join(missing)}. A lift test needs: {', '.join(cls.REQUIRED)}.")
        for k in ("spend_change", "lift", "lift_se"):
            if isinstance(value[k], bool) or not isinstance(value[k], int | float) or not math.isfinite(value[k]):
                _fail(f"'{where}.{k}' must be a finite number; got {_excerpt(value[k])}.")
        import pandas as pd

        dates = {}
        for k in ("start", "end"):
            if isinstance(value[k], bool | int | float | dict | list | tuple):
                dates[k] = pd.NaT
            else:
                try:
                    dates[k] = pd.Timestamp(str(value[k]))
                except (ValueError, TypeError, OverflowError):
                    dates[k] = pd.NaT
            if pd.isna(dates[k]):
                _fail(f"'{where}.{k}' must be a date such as 2024-03-04; got {_excerpt(value[k], 40)}.")
        if dates["end"] < dates["start"]:
            _fail(f"'{where}': end {value['end']} is before start {value['start']}.")
        if value["lift_se"] <= 0:
            _fail(f"'{where}.lift_se' must be > 0 (the experiment's standard error); got {value['lift_se']}.")
        if value["spend_change"] == 0:
            _fail(f"'{where}.spend_change' is 0: a lift test needs a change in spend to measure.")
        geos = _str_list(f"{where}.geos", value.get("geos"))
        if "geos" in value and not geos:
            _fail(f"'{where}.geos' is empty: name the geos of the experiment, or remove 'geos' for a national test.")
        return cls(_name(f"{where}.channel", value["channel"]), str(value["start"]), str(value["end"]),
                   float(value["spend_change"]), float(value["lift"]), float(value["lift_se"]), geos)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict as written in YAML (``geos`` only for a test in some geos)."""
        out = dataclasses.asdict(self)
        geos = out.pop("geos")
        if geos:
            out["geos"] = list(geos)
        return out


@dataclass(frozen=True)
class Spec:
    """A whole model specification. Build with :func:`spec_from_dict` or :func:`load_spec`."""

    date_column: str
    kpi: KPI
    channels: tuple[Channel, ...]
    controls: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    currency: str = "USD"
    data: str | None = None
    model: ModelSettings = field(default_factory=ModelSettings)
    fit: FitSettings = field(default_factory=FitSettings)
    lift_tests: tuple[LiftTest, ...] = ()
    branded_search: str | None = None
    checks: CheckSettings = field(default_factory=CheckSettings)
    #: how the brand -> branded search -> KPI model is set up (``branded_search:`` as a mapping)
    mediation: Mediation = field(default_factory=Mediation)
    #: the lead-gen funnel's later stages (``funnel:``, :class:`mmm.stages.Stage`), in funnel order
    funnel: tuple = ()
    window: Window | None = None
    #: which sheet of an Excel workbook ``data`` is: a sheet name or a 0-based position (default: the first)
    sheet: str | int | None = None
    #: a geo panel's region column (one row per geo and week; :mod:`mmm.geo`); ``None``: national data
    geo_column: str | None = None
    #: a geo panel's population (size) column, constant within each geo; optional
    population_column: str | None = None

    KEYS = ("data", "sheet", "date_column", "geo_column", "population_column", "kpi", "currency", "channels",
            "controls", "events", "model", "fit", "lift_tests", "branded_search", "checks", "window", "funnel")

    @property
    def is_geo(self) -> bool:
        """Whether the spec describes a geo panel (it names a ``geo_column``)."""
        return self.geo_column is not None

    @property
    def national_channels(self) -> list[str]:
        """Channels bought nationally (``level: national``), in spec order."""
        return [c.name for c in self.channels if c.level == "national"]

    @property
    def channel_names(self) -> list[str]:
        """Channel names in spec order."""
        return [c.name for c in self.channels]

    def channel(self, name: str) -> Channel:
        """The channel called ``name``; a :class:`SpecError` naming the options if absent."""
        for c in self.channels:
            if c.name == name:
                return c
        raise SpecError(f"Unknown channel '{name}'.{closest(name, self.channel_names)} "
                        f"Channels: {', '.join(self.channel_names)}.")

    def channel_setting(self, name: str, key: str) -> Any:
        """A channel's ``adstock`` / ``l_max`` / ``saturation``: its override, else the model's."""
        value = getattr(self.channel(name), key)
        return getattr(self.model, key) if value is None else value

    def channel_prior(self, name: str, prior_name: str) -> Prior | None:
        """The prior a user set for ``prior_name`` on channel ``name`` (channel first, then model)."""
        ch = self.channel(name)
        return ch.priors.get(prior_name) or self.model.priors.get(prior_name)

    @property
    def words(self) -> dict[str, str]:
        """Wording for outputs that follows the KPI type (no 'revenue' on a pipeline model)."""
        return KPI_WORDS[self.kpi.type]

    def replace(self, **changes: Any) -> Spec:
        """A copy with some fields changed (e.g. ``spec.replace(fit=FitSettings(draws=200))``)."""
        return dataclasses.replace(self, **changes)

    def with_fit(self, **changes: Any) -> Spec:
        """A copy with some ``fit:`` settings changed, validated (``None`` values are ignored)."""
        merged = {**self.fit.to_dict(), **{k: v for k, v in changes.items() if v is not None}}
        return self.replace(fit=FitSettings.parse(merged))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict that :func:`spec_from_dict` maps back onto an equal spec."""
        out: dict[str, Any] = {}
        if self.data is not None:
            out["data"] = self.data
        if self.sheet is not None:
            out["sheet"] = self.sheet
        out["date_column"] = self.date_column
        if self.geo_column is not None:
            out["geo_column"] = self.geo_column
        if self.population_column is not None:
            out["population_column"] = self.population_column
        out.update({
            "kpi": {"column": self.kpi.column, "type": self.kpi.type,
                    **({"value_per_unit": self.kpi.value_per_unit} if self.kpi.value_per_unit is not None else {})},
            "currency": self.currency,
            "channels": {c.name: c.to_dict() for c in self.channels},
            "controls": list(self.controls),
            "events": list(self.events),
            "model": self.model.to_dict(),
            "fit": self.fit.to_dict(),
        })
        if self.lift_tests:
            out["lift_tests"] = [t.to_dict() for t in self.lift_tests]
        if self.branded_search:
            out["branded_search"] = self.mediation.to_dict(self.branded_search)
        if self.checks != CheckSettings():
            out["checks"] = self.checks.to_dict()
        if self.window is not None:
            out["window"] = self.window.to_dict()
        if self.funnel:
            from mmm.stages import stage_to_dict
            out["funnel"] = [stage_to_dict(s) for s in self.funnel]
        return out

    def to_yaml(self) -> str:
        """The spec as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        _fail(f"'{where}' must be a list of column names; got {_excerpt(value)}.")
    return tuple(_name(f"{where}[{i}]", v) for i, v in enumerate(value))


def _sheet(value: Any) -> str | int | None:
    """The ``sheet:`` key: a sheet name (text) or a 0-based sheet position; ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, bool | float | dict | list | tuple) or (
            isinstance(value, int) and value < 0):
        _fail(f"'sheet' must be the name of a sheet in the Excel workbook (e.g. sheet: Weekly) or its position "
              f"counting from 0 (sheet: 0 is the first); got {_excerpt(value)}.")
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.strip():
        _fail("'sheet' is empty: give the name of the sheet to read (e.g. sheet: Weekly) or its position from 0.")
    return text


def spec_from_dict(raw: dict[str, Any], *, base_dir: str | Path | None = None) -> Spec:
    """Build and validate a :class:`Spec` from a plain dict (the YAML structure).

    Parameters
    ----------
    raw : dict
        Keys as in the YAML file: ``data``, ``sheet``, ``date_column``, ``geo_column``,
        ``population_column``, ``kpi``, ``currency``,
        ``channels``, ``controls``, ``events``, ``model``, ``fit``, ``lift_tests``,
        ``branded_search``, ``checks``, ``window``, ``funnel``.
    base_dir : path, optional
        Directory a relative ``data:`` path is resolved against (the YAML file's folder).

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        With the key at fault and what to do.
    """
    if not isinstance(raw, dict):
        _fail(f"A spec must be a mapping of keys (date_column, kpi, channels, ...); got {type(raw).__name__}.")
    _check_keys("the spec", raw, Spec.KEYS)
    for required in ("date_column", "kpi", "channels"):
        if required not in raw:
            _fail(f"'{required}' is required in the spec.")
    kpi = KPI.parse(raw["kpi"])
    channels_raw = raw["channels"]
    if not isinstance(channels_raw, dict) or not channels_raw:
        _fail("'channels' must map each channel name to {spend: column, role: brand|performance}; "
              "at least one channel is needed.")
    channels = tuple(Channel.parse(name, v) for name, v in channels_raw.items())
    spend_cols = [c.spend for c in channels]
    dup = {s for s in spend_cols if spend_cols.count(s) > 1}
    if dup:
        _fail(f"Spend column(s) {sorted(dup)} are used by more than one channel; each channel needs its own.")
    data = raw.get("data")
    if data is not None and (isinstance(data, bool | dict | list | tuple) or not str(data).strip()):
        _fail(f"'data' must be the path of the data file (CSV, Parquet or Excel); got {_excerpt(data)}.")
    sheet = _sheet(raw.get("sheet"))
    currency = raw.get("currency", "USD")
    if isinstance(currency, bool | dict | list | tuple) or currency is None or not str(currency).strip():
        _fail(f"'currency' must be a currency code such as USD or EUR; got {_excerpt(currency)}.")
    if data is not None and base_dir is not None and not Path(str(data)).is_absolute():
        data = str(Path(base_dir) / str(data))
    model = ModelSettings.parse(raw.get("model"), kpi.type)
    lift_raw = raw.get("lift_tests") or []
    if not isinstance(lift_raw, list):
        _fail("'lift_tests' must be a list of experiments.")
    lift_tests = tuple(LiftTest.parse(i, t) for i, t in enumerate(lift_raw))
    names = [c.name for c in channels]
    mediation = Mediation.parse(raw["branded_search"]) if raw.get("branded_search") is not None else None
    if mediation:
        for where, name in [("brand_channels", n) for n in mediation[1].brand_channels or ()] + \
                [("paid_brand_search", mediation[1].paid_brand_search)] * bool(mediation[1].paid_brand_search):
            if name not in names:
                _fail(f"'branded_search.{where}' names '{name}', not a channel of this spec.{closest(name, names)}")
    for i, t in enumerate(lift_tests):
        if t.channel not in names:
            _fail(f"'lift_tests[{i}].channel' is '{t.channel}', not a channel of this spec."
                  f"{closest(t.channel, names)}")
    spec = Spec(
        data=None if data is None else str(data),
        sheet=sheet,
        date_column=_name("date_column", raw["date_column"]),
        kpi=kpi,
        currency=str(currency),
        channels=channels,
        controls=_str_list("controls", raw.get("controls")),
        events=_str_list("events", raw.get("events")),
        model=model,
        fit=FitSettings.parse(raw.get("fit"), kpi.type),
        lift_tests=lift_tests,
        branded_search=mediation[0] if mediation else None,
        mediation=mediation[1] if mediation else Mediation(),
        checks=CheckSettings.parse(raw.get("checks")),
        window=Window.parse(raw.get("window")),
        funnel=_funnel(raw.get("funnel"), kpi.column),
        **_geo_keys(raw, channels, lift_tests),
    )
    geo_priors = [k for k in model.priors if k in GEO_PRIOR_NAMES]
    if geo_priors and spec.geo_column is None:
        _fail(f"'model.priors.{geo_priors[0]}' sets how much geos differ; this spec has no 'geo_column'. Add "
              "'geo_column: <the region column>' or remove the prior.")
    _check_roles(spec)
    return spec


def _geo_keys(raw: dict[str, Any], channels: tuple[Channel, ...],
              lift_tests: tuple[LiftTest, ...]) -> dict[str, str | None]:
    """``geo_column`` and ``population_column``; national channels and lift tests in geos need a panel."""
    geo = None if raw.get("geo_column") is None else _name("geo_column", raw["geo_column"])
    pop = None if raw.get("population_column") is None else _name("population_column", raw["population_column"])
    if geo is None:
        if pop is not None:
            _fail("'population_column' sizes the geos of a panel; this spec has no 'geo_column'. Add "
                  "'geo_column: <the region column>' or remove 'population_column'.")
        national = [c.name for c in channels if c.level == "national"]
        if national:
            _fail(f"'channels.{national[0]}.level: national' splits national spend over geos; this spec has no "
                  "'geo_column'. Add 'geo_column: <the region column>' or remove 'level'.")
        in_geos = [i for i, t in enumerate(lift_tests) if t.geos]
        if in_geos:
            _fail(f"'lift_tests[{in_geos[0]}].geos' names geos of a panel; this spec has no 'geo_column'. Add "
                  "'geo_column: <the region column>' or remove 'geos' (a national test).")
    return {"geo_column": geo, "population_column": pop}


def _funnel(value: Any, lead_column: str) -> tuple:
    """The ``funnel:`` section as stages (an empty tuple when absent)."""
    if value is None:
        return ()
    # a stage is plain data: validate never loads the funnel model
    from mmm.stages import parse_stages

    return parse_stages(value, lead_column)


def _check_roles(spec: Spec) -> None:
    """No column may play two roles (date, KPI, a channel's spend, control, event, branded search)."""
    roles: dict[str, list[str]] = {}
    pairs = [(spec.date_column, "date_column"), (spec.kpi.column, "kpi.column")]
    pairs += [(col, key) for col, key in ((spec.geo_column, "geo_column"),
                                           (spec.population_column, "population_column")) if col is not None]
    pairs += [(col, "a national channel's allocation") for col in
              dict.fromkeys(c.allocation for c in spec.channels if c.level == "national")
              if col not in ("population", spec.population_column)]
    pairs += [(c.spend, f"channels.{c.name}.spend") for c in spec.channels]
    pairs += [(c, "controls") for c in spec.controls] + [(e, "events") for e in spec.events]
    if spec.branded_search:
        pairs.append((spec.branded_search, "branded_search"))
    if isinstance(spec.kpi.value_per_unit, str):
        pairs.append((spec.kpi.value_per_unit, "kpi.value_per_unit"))
    pairs += [(s.col, f"funnel stage {s.name}") for s in spec.funnel]
    for column, role in pairs:
        roles.setdefault(column, []).append(role)
    for column, where in roles.items():
        if len(where) > 1:
            what = "is listed twice under" if len(set(where)) == 1 else "plays two roles:"
            _fail(f"Column '{column}' {what} {' and '.join(dict.fromkeys(where))}. Each column has one role; "
                  "remove it from all but one.")


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML would keep the last)."""


def _no_duplicate_keys(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise SpecError(f"The key '{str(key)[:60]}' appears twice in the same section (lines {seen[key]} and "
                            f"{line}); YAML would silently keep only the last. Remove or rename one.")
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def load_spec(path: str | Path) -> Spec:
    """Read a YAML spec file; relative ``data:`` paths resolve against the file's folder.

    Raises
    ------
    SpecError
        If the file is missing, is not valid YAML, has a key twice in one section, or breaks
        a spec rule.
    """
    path = Path(path)
    if not path.exists():
        raise SpecError(f"Spec file '{path}' does not exist. Create one with `mmm init DATA.csv`.")
    if path.is_dir():
        raise SpecError(f"'{path}' is a folder, not a spec file. Give the path of the YAML file.")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise SpecError(f"'{path}' is not UTF-8 text. Save the spec as UTF-8 (plain text).") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"'{path}' is not valid YAML{where}: {getattr(exc, 'problem', exc)}. "
                        "Check indentation and that every 'key: value' has a space after the colon.") from None
    return spec_from_dict(raw, base_dir=path.parent)
