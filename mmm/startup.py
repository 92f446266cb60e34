"""Start-up (and shut-down) savings for the ``mmm`` command-line process (not for ``import mmm`` in a notebook).

Three of them: ArviZ imported without Numba (below), one-model commands run without Dask
(:func:`dask_hidden`), and the process ended without the interpreter's teardown (:func:`end_process`).

ArviZ 0.23 compiles a Numba ufunc (its ECDF bands, ``arviz.stats.ecdf_utils``) while it is being
imported: about 0.6 CPU seconds in every ``mmm fit``, ``plan`` and ``report`` for a function no
command calls. :func:`arviz_without_numba` makes ArviZ import as if Numba were absent, so it uses
its NumPy code paths (the ones :func:`mmm.sampling.judge` already uses for R-hat and ESS), and
leaves Numba importable for everything else (nutpie's Numba backend still works).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn


class _ArvizWithoutNumba(importlib.abc.MetaPathFinder):
    """Finds ``arviz`` as usual, and runs its import with ``numba`` unavailable."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "arviz":
            return None
        sys.meta_path.remove(self)  # once: its submodules and later imports resolve normally
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            missing = object()
            saved = sys.modules.get("numba", missing)
            sys.modules["numba"] = None  # type: ignore[assignment] - "import numba" raises ImportError
            try:
                run(module)
            finally:
                if saved is missing:
                    sys.modules.pop("numba", None)
                else:
                    sys.modules["numba"] = saved

        spec.loader.exec_module = exec_module
        return spec


def arviz_without_numba() -> None:
    """Import ArviZ, when something first does, without its Numba ufuncs (see the module docs).

    Does nothing when ArviZ is already imported.
    """
    if "arviz" not in sys.modules and not any(isinstance(f, _ArvizWithoutNumba) for f in sys.meta_path):
        sys.meta_path.insert(0, _ArvizWithoutNumba())


#: set by the console script's entry point (:func:`console_process`): a process that runs one command and ends
_CONSOLE = {"process": False}


def console_process() -> None:
    """Mark this process as the ``mmm`` console script's: one command, then the process ends."""
    _CONSOLE["process"] = True


@contextmanager
def dask_hidden() -> Iterator[None]:
    """Run a one-model command with Dask unavailable: in the console script's process, before xarray is imported.

    xarray imports Dask (and, to write a NetCDF file, ``distributed``) to ask whether an array is a Dask
    array or which scheduler is running: 0.3 s of every ``mmm fit``, whose arrays never are. Inside this
    block ``import dask`` raises ImportError, so xarray, imported inside it, takes its no-Dask paths for the
    rest of the process (the same model file). Anywhere else (a notebook, a test, Dask already or xarray
    already imported) it does nothing: xarray decides once per process whether Dask is there.
    """
    if not _CONSOLE["process"] or "dask" in sys.modules or "xarray" in sys.modules:
        yield
        return
    sys.modules["dask"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "dask" in sys.modules and sys.modules["dask"] is None:
            del sys.modules["dask"]


def end_process(code: Any) -> NoReturn:
    """End the console script's process with exit status ``code`` (``SystemExit``'s: None, a number or a
    message), without the interpreter's teardown.

    Tearing down the modules a fit loads (JAX, ArviZ with SciPy and matplotlib, xarray: about 1,900) took
    0.6-0.8 s after the last output was written, measured on a 2-core machine: about a tenth of a cold
    ``mmm fit`` and more of a refit. Exit handlers still run (``atexit``: log handlers flushed, temporary
    folders removed) and the standard streams are flushed; then the process ends. Where a thread other than
    a daemon is still alive (a pool of workers), or a profiler or tracer is on (``python -m cProfile``,
    coverage), the process ends the usual way.
    """
    import atexit
    import contextlib
    import os
    import threading

    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        code = 1
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or a coverage tracer writes its results after the script returns
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be written anyway
            stream.flush()
    os._exit(code)
