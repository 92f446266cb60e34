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


DASK_PROBE = """
import io, sys
{hook}
from mmm.startup import dask_hidden
import numpy as np
with dask_hidden():
    import xarray as xr
    ds = xr.Dataset({{"roas": (("chain", "draw"), np.arange(12.0).reshape(3, 4))}})
    buffer = io.BytesIO()
    xr.DataTree.from_dict({{"posterior": ds}}).to_netcdf(buffer, engine="h5netcdf")
    loaded_inside = "dask" in sys.modules and sys.modules["dask"] is not None
import dask
back = xr.open_datatree(io.BytesIO(buffer.getvalue()), engine="h5netcdf")["posterior"]["roas"].values
print(loaded_inside, "distributed" in sys.modules, callable(dask.delayed), bool((back == ds["roas"].values).all()))
"""


def test_one_model_commands_write_model_files_without_dask() -> None:
    """xarray imports Dask and ``distributed`` to write a NetCDF file (0.3 s of every `mmm fit`): in the console
    script's process a one-model command hides it, the file reads back the same, and Dask stays importable.
    Anywhere else (a notebook, a test process) the block changes nothing."""
    def run(hook: str) -> list[str]:
        out = subprocess.run([sys.executable, "-c", DASK_PROBE.format(hook=hook)], capture_output=True, text=True,
                             check=True, timeout=120)
        return out.stdout.split()

    assert run("from mmm.startup import console_process; console_process()") == ["False", "False", "True", "True"]
    assert run("")[0] == "True"                    # not the console script: xarray finds and imports Dask
