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


END_PROBE = """
import atexit, sys, threading, time
from pathlib import Path
from mmm.startup import end_process
atexit.register(lambda: Path({marker!r}).write_text("exit handlers ran"))
print("last line", end="")                     # buffered, no newline: must still reach the pipe
if {worker!r}:
    def late():
        time.sleep(0.3)
        Path({marker!r}).with_suffix(".worker").write_text("worker finished")
    threading.Thread(target=late).start()      # not a daemon: the process must wait for it
end_process({code!r})
raise AssertionError("end_process returned")
"""


def _end(tmp_path, code, worker=False):
    marker = tmp_path / f"marker-{code}-{worker}.txt"
    out = subprocess.run([sys.executable, "-c", END_PROBE.format(marker=str(marker), code=code, worker=worker)],
                         capture_output=True, text=True, timeout=120)
    return out, marker


def test_end_process_keeps_exit_status_output_and_exit_handlers(tmp_path) -> None:
    """The console script ends without the interpreter's teardown, but with everything a user sees: the exit
    status (None -> 0, a number, a message -> 1 with the message on stderr), buffered output flushed, exit
    handlers run; and a live worker thread makes it end the usual way, after the worker."""
    for code, status in ((None, 0), (0, 0), (2, 2), ("Spec error: bad", 1)):
        out, marker = _end(tmp_path, code)
        assert out.returncode == status, out.stderr
        assert out.stdout == "last line"
        assert marker.read_text() == "exit handlers ran"
        assert ("Spec error: bad" in out.stderr) == (code == "Spec error: bad")
    out, marker = _end(tmp_path, 2, worker=True)
    assert out.returncode == 2 and out.stdout == "last line"
    assert marker.with_suffix(".worker").read_text() == "worker finished"
    assert marker.read_text() == "exit handlers ran"
