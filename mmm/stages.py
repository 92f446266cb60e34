"""A later stage of the lead-gen funnel (opportunities, pipeline, closed-won): its source, kind and
sales-cycle lag. A plain dataclass with no modelling code, so that a spec's ``funnel:`` section is
checked by ``mmm validate`` without loading the stage model (:mod:`mmm.funnel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmm.errors import SpecError
from mmm.spec import Prior
from mmm.transforms import CARRYOVER_PARAMS, CARRYOVERS

STAGE_KINDS = ("count", "value")


# ---------------------------------------------------------------------- stages


@dataclass(frozen=True)
class Stage:
    """A later funnel stage: ``E[stage_t] = rate * sum_l w[l] * source[t - l]``.

    Parameters
    ----------
    name : str
        Stage name (letters, digits, ``_``); also its column unless ``column`` is given.
    source : str
        The earlier stage: the lead column (the spec's KPI column, or ``"leads"``) or an
        earlier stage's name.
    kind : str
        ``count`` (SQLs, opportunities: negative-binomial) or ``value`` (pipeline $,
        closed-won $: normal).
    lag : str, int or sequence of float
        A carryover kind to **estimate** (``delayed``, ``geometric``, ``weibull_pdf``,
        ``weibull_cdf``), a **given** lag in whole weeks (``0`` = same week), or given
        weights over ``0..len-1`` weeks (normalised to sum to 1).
    max_lag : int
        Longest lag in weeks for an estimated lag (lags ``0..max_lag``).
    column : str, optional
        Data column (default ``name``).
    rate_prior : Prior, optional
        Prior of the rate (default: LogNormal centred on mean(stage) / mean(source), sigma 1).
    lag_priors : dict, optional
        Priors of the lag parameters by name (``carryover``, ``peak_lag``, ``weibull_shape``,
        ``weibull_scale``).
    unit : str, optional
        Unit for reports (default: ``currency`` for value stages, the name for counts).
    """

    name: str
    source: str
    kind: str = "count"
    lag: str | int | tuple[float, ...] = "delayed"
    max_lag: int = 12
    column: str | None = None
    rate_prior: Prior | None = None
    lag_priors: dict[str, Prior] = field(default_factory=dict)
    unit: str | None = None

    def __post_init__(self) -> None:
        if not self.name.replace("_", "").isalnum():
            raise SpecError(f"Stage name '{self.name}' must be letters, digits and '_' only.")
        if self.kind not in STAGE_KINDS:
            raise SpecError(f"Stage '{self.name}': kind must be one of {', '.join(STAGE_KINDS)}; got '{self.kind}'.")
        if isinstance(self.lag, str):
            if self.lag not in CARRYOVERS:
                raise SpecError(f"Stage '{self.name}': lag '{self.lag}' is not a lag kernel; use one of "
                                f"{', '.join(CARRYOVERS)}, a whole number of weeks, or a list of weights.")
            if not 1 <= int(self.max_lag) <= 104:
                raise SpecError(f"Stage '{self.name}': max_lag must be in [1, 104] weeks; got {self.max_lag}.")
        elif isinstance(self.lag, bool) or not isinstance(self.lag, int | Sequence | np.ndarray):
            raise SpecError(f"Stage '{self.name}': lag must be a kernel name, whole weeks or a list of weights.")
        elif isinstance(self.lag, int):
            if self.lag < 0:
                raise SpecError(f"Stage '{self.name}': a given lag must be >= 0 weeks; got {self.lag}.")
        else:
            w = np.asarray(self.lag, dtype="float64")
            if w.ndim != 1 or len(w) == 0 or np.any(w < 0) or w.sum() <= 0:
                raise SpecError(f"Stage '{self.name}': lag weights must be non-negative with a positive sum.")
            object.__setattr__(self, "lag", tuple(float(v) for v in w))
        unknown = set(self.lag_priors) - set(CARRYOVER_PARAMS)
        if unknown:
            raise SpecError(f"Stage '{self.name}': unknown lag prior(s) {sorted(unknown)}.")

    @property
    def estimated(self) -> bool:
        """True when the lag distribution is estimated."""
        return isinstance(self.lag, str)

    @property
    def n_lags(self) -> int:
        """Length of the lag distribution (``max_lag + 1`` weeks)."""
        if isinstance(self.lag, str):
            return int(self.max_lag) + 1
        if isinstance(self.lag, int):
            return self.lag + 1
        return len(self.lag)

    @property
    def col(self) -> str:
        """The data column."""
        return self.column or self.name

    def fixed_weights(self) -> np.ndarray:
        """The given lag distribution (only for a given lag)."""
        if isinstance(self.lag, int):
            w = np.zeros(self.lag + 1)
            w[-1] = 1.0
            return w
        w = np.asarray(self.lag, dtype="float64")
        return w / w.sum()

    def default_lag_priors(self) -> dict[str, Prior]:
        """Priors of the estimated lag's parameters (user's ``lag_priors`` first)."""
        m = float(self.max_lag)
        # sales cycles are seldom sharp: the delayed kernel's spread leans wide (Beta(2, 1), mean 0.67)
        defaults = {"carryover": Prior("Beta", {"alpha": 2.0, "beta": 1.0}),
                    "peak_lag": Prior("Gamma", {"mu": m / 3, "sigma": m / 4}),
                    "weibull_shape": Prior("Gamma", {"mu": 1.5, "sigma": 0.75}),
                    "weibull_scale": Prior("Gamma", {"mu": m / 3, "sigma": m / 6})}
        names = CARRYOVERS[str(self.lag)].params
        return {n: self.lag_priors.get(n, defaults[n]) for n in names}


def check_stages(stages: Sequence[Stage], lead_column: str) -> list[Stage]:
    """The stages in funnel order, each coming from the lead stage or an earlier stage (else SpecError)."""
    stages = list(stages)
    if not stages:
        raise SpecError("A funnel needs at least one later stage (e.g. Stage('opportunities', source='leads')).")
    known = {lead_column, "leads"}
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise SpecError(f"Stage names must be unique; got {names}.")
    for s in stages:
        if s.name in (lead_column, "leads"):
            raise SpecError(f"Stage '{s.name}' has the name of the lead stage; later stages need other names.")
        if s.source not in known:
            raise SpecError(f"Stage '{s.name}' comes from '{s.source}', which is not the lead stage "
                            f"('{lead_column}') or an earlier stage ({', '.join(names[:names.index(s.name)]) or '-'}). "
                            "List stages in funnel order.")
        known.add(s.name)
    return stages




#: Keys of one ``funnel:`` entry in a spec.
STAGE_KEYS = ("name", "source", "kind", "lag", "max_lag", "column", "rate_prior", "lag_priors", "unit")


def parse_stages(value: Any, lead_column: str) -> tuple[Stage, ...]:
    """Parse a spec's ``funnel:`` list (one mapping per later stage, in funnel order).

    Example (YAML)::

        funnel:
          - {name: opportunities, source: leads, kind: count, lag: delayed, max_lag: 12}
          - {name: pipeline, source: opportunities, kind: value, lag: 0}

    Raises
    ------
    SpecError
        Naming the entry and key at fault.
    """
    from mmm.spec import check_keys, excerpt

    if not isinstance(value, list) or not value:
        raise SpecError(f"'funnel' must be a list of stages, e.g. - {{name: opportunities, source: leads}}; "
              f"got {excerpt(value)}.")
    stages = []
    for i, raw in enumerate(value):
        where = f"funnel[{i}]"
        if not isinstance(raw, dict):
            raise SpecError(f"'{where}' must be a mapping {{name: ..., source: ..., kind: count|value, lag: ...}}; "
                  f"got {excerpt(raw)}.")
        check_keys(where, raw, STAGE_KEYS)
        for key in ("name", "source"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise SpecError(f"'{where}.{key}' must be a name (text); got {excerpt(raw.get(key))}.")
        lag = raw.get("lag", "delayed")
        if isinstance(lag, list):
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in lag):
                raise SpecError(f"'{where}.lag' as a list must be numbers (weights per week); got {excerpt(lag)}.")
            lag = tuple(float(v) for v in lag)
        elif isinstance(lag, bool) or not isinstance(lag, str | int):
            raise SpecError(f"'{where}.lag' must be a kernel name ({', '.join(CARRYOVERS)}), whole weeks or a list of "
                  f"weights; got {excerpt(lag)}.")
        max_lag = raw.get("max_lag", 12)
        if isinstance(max_lag, bool) or not isinstance(max_lag, int):
            raise SpecError(f"'{where}.max_lag' must be a whole number of weeks; got {excerpt(max_lag)}.")
        lag_priors = raw.get("lag_priors") or {}
        if not isinstance(lag_priors, dict):
            raise SpecError(f"'{where}.lag_priors' must be a mapping of lag parameter to prior; got {excerpt(lag_priors)}.")
        for key in ("column", "unit", "kind"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise SpecError(f"'{where}.{key}' must be text; got {excerpt(raw[key])}.")
        stages.append(Stage(
            name=raw["name"], source=raw["source"], kind=raw.get("kind", "count"), lag=lag, max_lag=max_lag,
            column=raw.get("column"),
            rate_prior=Prior.parse(f"{where}.rate_prior", raw["rate_prior"]) if raw.get("rate_prior") else None,
            lag_priors={k: Prior.parse(f"{where}.lag_priors.{k}", v) for k, v in lag_priors.items()},
            unit=raw.get("unit")))
    return tuple(check_stages(stages, lead_column))


def stage_to_dict(stage: Stage) -> dict[str, Any]:
    """A stage as its ``funnel:`` entry (only what differs from the defaults)."""
    out: dict[str, Any] = {"name": stage.name, "source": stage.source, "kind": stage.kind,
                           "lag": list(stage.lag) if isinstance(stage.lag, tuple) else stage.lag}
    if isinstance(stage.lag, str):
        out["max_lag"] = int(stage.max_lag)
    if stage.column:
        out["column"] = stage.column
    if stage.rate_prior is not None:
        out["rate_prior"] = stage.rate_prior.to_dict()
    if stage.lag_priors:
        out["lag_priors"] = {k: v.to_dict() for k, v in stage.lag_priors.items()}
    if stage.unit:
        out["unit"] = stage.unit
    return out
