"""Errors raised by :mod:`mmm`.

Every error the package raises on purpose is a subclass of :class:`MMMError`, so a
notebook or script can catch one type. Messages name the column, row or setting at
fault and say what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class MMMError(Exception):
    """Base class of every error raised by ``mmm`` on purpose."""


class SpecError(MMMError, ValueError):
    """The model specification (YAML or Python) is invalid."""


class DataError(MMMError, ValueError):
    """The data set breaks a rule the model needs (missing weeks, NaN, negative spend, ...)."""


class FitError(MMMError, RuntimeError):
    """Fitting could not run, or a saved fit could not be read."""


class PlanError(MMMError, ValueError):
    """A budget plan request cannot be met (infeasible bounds, unknown channel, ...)."""


class DataWarning(UserWarning):
    """Legal but risky data (rarely active channel, highly correlated channels)."""


def closest(name: str, options: Iterable[str]) -> str:
    """Return a ``" Did you mean 'x'?"`` hint for ``name`` among ``options`` (or '')."""
    options = [str(o) for o in options]
    match = difflib.get_close_matches(str(name), options, n=1, cutoff=0.5)
    if not match:
        lowered = {o.lower(): o for o in options}
        match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.5)
        match = [lowered[m] for m in match]
    return f" Did you mean '{match[0]}'?" if match else ""
