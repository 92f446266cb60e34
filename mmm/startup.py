"""Start-up savings for the ``mmm`` command-line process (not for ``import mmm`` in a notebook).

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
from typing import Any


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
