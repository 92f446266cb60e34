"""`mmm --help` and `mmm validate` stay light: they never import the modelling stack (issue 16).

Each check runs in a fresh interpreter (the test session itself has PyMC loaded) and looks
at ``sys.modules`` afterwards. No timing here: ``benchmarks/latency.py`` measures that.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

#: Libraries the command line must not import before a command needs them.
HEAVY = ("pymc", "pytensor", "jax", "jaxlib", "numpyro", "arviz", "matplotlib", "scipy")


def _heavy_after(code: str, cwd: Path = ROOT) -> list[str]:
    probe = (code + "\nimport json, sys\n"
             f"print('HEAVY=' + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    line = next(x for x in r.stdout.splitlines() if x.startswith("HEAVY="))
    return json.loads(line[len("HEAVY="):])


def test_import_mmm_and_cli_is_light() -> None:
    assert _heavy_after("import mmm, mmm.cli") == []


def test_help_is_light() -> None:
    code = ("from typer.testing import CliRunner\nfrom mmm.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output")
    assert _heavy_after(code) == []


def test_validate_is_light() -> None:
    code = ("from typer.testing import CliRunner\nfrom mmm.cli import app\n"
            f"r = CliRunner().invoke(app, ['validate', {str(SAMPLES / 'ecommerce.yaml')!r}])\n"
            "assert r.exit_code == 0, r.output\nassert 'is valid' in r.output, r.output")
    assert _heavy_after(code) == []


def test_every_public_name_still_imports() -> None:
    """The lazy ``mmm`` package still gives every name in ``__all__`` (and submodules as attributes)."""
    code = ("import mmm\nfor n in mmm.__all__:\n    assert getattr(mmm, n) is not None, n\n"
            "from mmm import Model, load, plots, simulate as sim, transforms\n"
            "import mmm.persist\nassert mmm.load is mmm.persist.load_fit\n"
            "assert mmm.simulate is sim and callable(sim.simulate)\n"
            "assert mmm.health.data_checks and transforms.saturation\n"
            "assert 'Model' in dir(mmm)\n"
            "from mmm.plots import plot_fit\nassert plot_fit is plots.plot_fit\n"
            "try:\n    mmm.no_such_name\nexcept AttributeError:\n    pass\nelse:\n    raise AssertionError\n")
    assert "pymc" in _heavy_after(code)


def test_reading_a_fit_and_planning_never_load_the_sampler_stack(small_fit, tmp_path):
    """mmm.response is the forward path without PyMC, and model.nc is read with xarray: loading a saved
    fit and planning on it run without PyMC, PyTensor, JAX, numpyro or ArviZ (only a new fit needs them)."""
    small_fit.save(tmp_path / "model.nc")
    code = ("import sys; from mmm.persist import load_fit; from mmm.fitting import total_view; "
            "from mmm.planning import optimize_budget, current_weekly_spend; "
            f"fit = total_view(load_fit({str(tmp_path / 'model.nc')!r})); "
            "plan = optimize_budget(fit, float(current_weekly_spend(fit, 13).sum() * 13), weeks=13, draws=50); "
            "assert plan.summary['budget'] > 0; "
            "print(sorted(m for m in ('pymc', 'pytensor', 'jax', 'numpyro', 'arviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
