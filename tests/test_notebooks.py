"""Every notebook in ``notebooks/`` runs top to bottom, and is stored without outputs.

Each notebook is executed with nbclient in fast mode (``MMM_FAST=1``: every fit uses at
most 200 draws, 200 tuning steps and 2 chains), in ``notebooks/`` as its working
directory (outputs go to ``notebooks/output/``), on a kernel that runs this very Python
interpreter (a temporary ``python3`` kernelspec put first on ``JUPYTER_PATH``), so a
notebook that breaks fails CI. Beyond "no cell raised", the checks below make sure key
cells produced what a reader expects (a table, a chart, files on disk).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell

#: Notebooks that must exist (05_full_funnel is run when present).
REQUIRED = ("01_quickstart_ecommerce", "02_b2b_pipeline", "03_quarterly_budget_plan", "04_calibration")

HTML, PNG = "text/html", "image/png"

#: Per notebook: (text in a code cell's source, what that cell must produce). What is either a
#: MIME type of a display output, or ``("stdout", text)`` for printed text containing ``text``.
EXPECTED: dict[str, list[tuple[str, object]]] = {
    "01_quickstart_ecommerce": [
        ("df.head()", HTML),
        ("mmm.Model(spec).fit(", HTML),                   # the fitted model's rich summary
        ("print(fitted.summary_text())", ("stdout", "FAST MODE")),
        ("plot_diagnostics(fitted)", PNG),
        ("plot_fit(fitted)", PNG),
        ("fitted.contributions()", HTML),
        ("plot_contributions(fitted)", PNG),
        ("plot_waterfall(fitted)", PNG),
        ("fitted.roas()", HTML),
        ("plot_roas(fitted)", PNG),
        ("truth inside interval", HTML),
        ("Model ROAS vs the simulated truth", PNG),
        ("write_report(", ("stdout", "report.pptx")),
        ('report["onepager"]', PNG),
        ("mmm.load(path)", ("stdout", "same ROAS")),
    ],
    "02_b2b_pipeline": [
        ("mmm.deals_to_weekly(deals_path", HTML),
        ("mmm.deals_to_weekly(two_deals)", HTML),
        ("Weekly pipeline created, by lead source", PNG),
        ("win_rate =", ("stdout", "Win rate")),
        ("print(fitted.summary_text())", ("stdout", "FAST MODE")),
        ("print(fitted.summary_text())", ("stdout", "pipeline ROI")),
        ("plot_carryover(fitted)", PNG),
        ("effect_weeks(weights)", HTML),
        ("plot_roas(fitted, breakeven=", PNG),
        ('"after 4 weeks (truth)"', HTML),
        ("after an attribution window closes", PNG),
    ],
    "03_quarterly_budget_plan": [
        ("print(fitted.summary_text())", ("stdout", "FAST MODE")),
        ("mp.response_curves(fitted", PNG),
        ("mp.marginal_roas(fitted", HTML),
        ("plot_marginal_roas(", PNG),
        ("mp.optimize_budget(", HTML),
        ("mp.plan_text(plan)", ("stdout", "Uplift")),
        ("plot_plan(plan", PNG),
        ("mp.compare_scenarios(", HTML),
        ("true_contribution(", HTML),
        ("Scenarios: expected revenue", PNG),
        ("brand_split(fitted", ("stdout", "Best brand share")),
        ("plot_split(split", PNG),
        ('s["caveat"]', ("stdout", "lower bound")),
        ("write_report(", ("stdout", "report.pptx")),
        ('report["charts"]["08_budget_plan"]', PNG),
    ],
    "04_calibration": [
        ("uncalibrated = mmm.Model(spec).fit(", ("stdout", "FAST MODE")),
        ("with_priors = mmm.Model(spec_priors).fit(", HTML),
        ("MEASURED, SE =", ("stdout", "Measured lift")),
        ("with_lift = mmm.Model(spec_lift).fit(", ("stdout", "lift_se=50000.0")),
        ("lifts = pd.DataFrame(", HTML),
        ("side = pd.concat(", HTML),
        ("Calibration moves the answer", PNG),
        ("mp.optimize_budget(", HTML),
    ],
}

#: Files each notebook writes under notebooks/ (checked to be written by this run).
EXPECTED_FILES: dict[str, list[str]] = {
    "01_quickstart_ecommerce": ["output/01/report.pptx", "output/01/onepager.png", "output/01/charts/04_roas.png",
                                "output/01/ecommerce_fit.nc"],
    "02_b2b_pipeline": ["output/02/effect_after_4_weeks.png", "output/02/carryover.png"],
    "03_quarterly_budget_plan": ["output/03/report.pptx", "output/03/plan.json", "output/03/plan.csv",
                                 "output/03/charts/09_brand_split.png"],
    "04_calibration": ["output/04/roas_side_by_side.png"],
}


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec that runs this interpreter, and fast mode, for the kernels started.

    Module-scoped so that ``MMM_FAST`` is unset again before other test modules run.
    """
    spec_dir = tmp_path_factory.mktemp("jupyter") / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (mmm tests)", "language": "python",
    }))
    with pytest.MonkeyPatch.context() as mp:
        jupyter_path = os.environ.get("JUPYTER_PATH")
        mp.setenv("JUPYTER_PATH", str(spec_dir.parent.parent) + (os.pathsep + jupyter_path if jupyter_path else ""))
        mp.setenv("MMM_FAST", "1")
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugpy's frozen-modules warning
        yield


def _run(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(NB_DIR)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    return nb


def _cell(nb, needle: str):
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell
    raise AssertionError(f"no code cell contains {needle!r}")


def _has(cell, what) -> bool:
    if isinstance(what, tuple):
        stream, text = what
        return any(o.output_type == "stream" and o.name == stream and text in o.text for o in cell.outputs)
    return any(what in o.get("data", {}) for o in cell.outputs if o.output_type in ("display_data", "execute_result"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, kernel_env):
    started = time.time()
    nb = _run(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: error outputs {[(e.ename, e.evalue) for e in errors]}"
    code_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code_cells and all(c.execution_count is not None for c in code_cells), "not every cell ran"
    assert any(_has(c, PNG) for c in code_cells), f"{path.name} shows no chart"

    missing = [f"{needle!r} -> {what}" for needle, what in EXPECTED.get(path.stem, [])
               if not _has(_cell(nb, needle), what)]
    assert not missing, f"{path.name}: cells without the expected output: {missing}"

    for rel in EXPECTED_FILES.get(path.stem, []):
        f = NB_DIR / rel
        assert f.exists() and f.stat().st_size > 0, f"{path.name} did not write {rel}"
        assert f.stat().st_mtime >= started - 1, f"{rel} is left over from an earlier run"
    if path.stem == "03_quarterly_budget_plan":
        plan = json.loads((NB_DIR / "output/03/plan.json").read_text())
        assert abs(sum(c["recommended_weekly"] for c in plan["channels"]) - plan["weekly_budget"]) < 1.0


def test_required_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert set(REQUIRED) <= names, f"missing notebooks: {sorted(set(REQUIRED) - names)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before committing "
                       f"(e.g. `jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}`)")
