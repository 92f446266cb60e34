"""A fit's sampler diagnostics and verdict, as plain data (no PyMC or ArviZ), so that loading a saved
fit, planning and reporting never import the sampler stack. Filled by :func:`mmm.sampling.judge`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Diagnostics:
    """Sampler diagnostics and a plain-language verdict."""

    sampler: str
    draws: int
    chains: int
    tune: int
    seconds: float
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    converged: bool
    verdict: str
    approximate: bool = False
    build_seconds: float = 0.0
    r2: float | None = None
    mape: float | None = None
    coverage_90: float | None = None
    holdout: dict[str, float] = field(default_factory=dict)
    #: model health: "ok", "review" (warnings to read) or "do not use" (see :mod:`mmm.health`)
    health: str = "ok"
    #: health checks: ``{"id", "level", "subject", "message"}`` dicts (see :mod:`mmm.health`)
    checks: list[dict[str, str]] = field(default_factory=list)
    #: True for a fit made with MMM_FAST set (few draws): not for reporting
    fast: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for ``diagnostics.json``)."""
        return asdict(self)
