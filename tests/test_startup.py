"""The command-line process imports ArviZ without compiling its Numba ufuncs (mmm.startup)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
{hook}
import arviz
from arviz.stats import ecdf_utils
kind = type(ecdf_utils._binom_pmf).__module__.split(".")[0]
import numba
print(kind, arviz.utils.Numba.numba_flag, callable(numba.njit))
"""


def _probe(hook: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(hook=hook)], capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.split()


def test_arviz_imports_without_numba_and_numba_stays_importable() -> None:
    plain = _probe("")
    assert plain[0] == "numba" and plain[1] == "True"     # the ufunc ArviZ compiles at import by default
    hooked = _probe("from mmm.startup import arviz_without_numba; arviz_without_numba()")
    assert hooked == ["builtins", "False", "True"]       # a plain function, NumPy paths, Numba still usable
