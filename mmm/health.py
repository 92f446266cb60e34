"""Model health: can these numbers be put in front of a director?

Sampling diagnostics (R-hat, ESS, divergences) say whether the sampler explored the
posterior. They do not say whether the posterior *answers the question*: a channel whose
spend never varies, a channel whose spend follows the season, a control that copies a
channel, an impressions column read as spend, a media share no business has. This module
runs those checks on a fitted model and combines them with the sampling verdict into one
word:

* ``ok``: nothing found that should stop you presenting the numbers;
* ``review``: warnings to read before you present (each says what to do);
* ``do not use``: the numbers are not fit to present (not converged, FAST or APPROXIMATE
  fit, or a check that makes the answer meaningless).

Each check is a :class:`Check` with a stable ``id`` (scripts and tests key on it), a
``level`` (``info``, ``warning``, ``error``), a ``subject`` (a channel, a control or
``"model"``) and a plain-language ``message`` that says what it means and what to do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: The three health levels, best first.
HEALTH_OK, HEALTH_REVIEW, HEALTH_DO_NOT_USE = "ok", "review", "do not use"
LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class Check:
    """One finding about a fit: a stable id, a level, what it is about, and what to do."""

    id: str
    level: str
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain dict for ``diagnostics.json``."""
        return asdict(self)


def health_of(checks: list[Check]) -> str:
    """``do not use`` if any check is an error, ``review`` if any is a warning, else ``ok``."""
    levels = {c.level for c in checks}
    if "error" in levels:
        return HEALTH_DO_NOT_USE
    if "warning" in levels:
        return HEALTH_REVIEW
    return HEALTH_OK


def watermark_text(fitted: Any) -> str | None:
    """The mark every chart, slide and the one-pager of this fit must carry, or ``None``.

    ``APPROXIMATE`` (ADVI), ``FAST MODE`` (``MMM_FAST``), ``DO NOT USE`` (not converged, or
    health ``do not use``), ``REVIEW`` (health ``review``); ``None`` for a healthy fit.
    """
    d = getattr(fitted, "diagnostics", None)
    if d is None:
        return None
    if getattr(d, "approximate", False):
        return "APPROXIMATE"
    if getattr(d, "fast", False) or str(getattr(d, "verdict", "")).startswith("FAST MODE"):
        return "FAST MODE"
    health = getattr(d, "health", HEALTH_OK)
    if not getattr(d, "converged", True) or health == HEALTH_DO_NOT_USE:
        return "DO NOT USE"
    if health == HEALTH_REVIEW:
        return "REVIEW"
    return None


def watermark_note(fitted: Any) -> str | None:
    """One plain sentence to go with the watermark (chart footers, slides), or ``None``."""
    mark = watermark_text(fitted)
    if mark is None:
        return None
    d = fitted.diagnostics
    if mark == "APPROXIMATE":
        return "APPROXIMATE FIT (ADVI): for iterating only; refit with NUTS before reporting."
    if mark == "FAST MODE":
        return "FAST MODE (few draws): for a quick look only; refit without MMM_FAST before reporting."
    checks = [c for c in getattr(d, "checks", []) if c.get("level") in ("warning", "error")]
    if mark == "DO NOT USE":
        errors = [c for c in checks if c.get("level") == "error"]
        why = errors[0]["message"] if errors else d.verdict
        return f"MODEL HEALTH: DO NOT USE. {why}"
    return (f"MODEL HEALTH: REVIEW. {len(checks)} warning{'s' if len(checks) != 1 else ''} to read before "
            "presenting (diagnostics.json, 'checks').")
