"""Rendering the report's charts in forked worker processes gives the same files as one process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

SCRIPT = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from mmm.persist import load_fit
    from mmm.plots.style import caution_of
    from mmm.report import charts as C

    fitted = load_fit(sys.argv[1])
    assert "jax" not in sys.modules  # loading a saved fit needs no JAX: forking is safe
    pids = Path(sys.argv[2]) / "pids"
    pids.mkdir(parents=True, exist_ok=True)

    def traced(spec):
        def draw():
            (pids / f"{spec.name}-{os.getpid()}").touch()
            return spec.draw()
        return C.ChartSpec(spec.name, draw, spec.notes, spec.appendix)

    specs = [traced(s) for s in C.chart_list(fitted, None, None, None, 13)]
    out = {}
    for workers in (1, 2):
        folder = Path(sys.argv[2]) / f"w{workers}"
        folder.mkdir()
        skipped = {}
        done = C.render_charts(specs, folder, caution=caution_of(fitted), png=True, svg=True, slides=True,
                               dpi=60, deck_dpi=40, skipped=skipped, workers=workers)
        out[workers] = {"names": [c.name for c in done], "titles": [c.takeaway for c in done],
                        "images": [len(c.image or b"") for c in done], "skipped": skipped,
                        "files": [sorted(str(p) for p in c.files.values()) for c in done]}
    out["parent"] = os.getpid()
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def rendered(small_fit, tmp_path_factory):
    base = tmp_path_factory.mktemp("render")
    model = small_fit.save(base / "model.nc")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(model), str(base)], capture_output=True, text=True,
                          timeout=600, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return base, json.loads(proc.stdout.strip().splitlines()[-1])


def test_workers_render_the_same_charts_in_the_same_order(rendered):
    _, out = rendered
    one, two = out["1"], out["2"]
    assert one["names"] == two["names"] and len(one["names"]) >= 5
    assert one["titles"] == two["titles"] and all(one["titles"])
    assert one["images"] == two["images"] and all(n > 0 for n in one["images"])
    assert one["skipped"] == two["skipped"] == {}


def test_worker_files_are_identical_to_one_process(rendered):
    base, out = rendered
    for name in out["1"]["names"]:
        a = np.asarray(Image.open(base / "w1" / f"{name}.png"))
        b = np.asarray(Image.open(base / "w2" / f"{name}.png"))
        assert a.shape == b.shape and (a == b).all(), name
        assert (base / "w1" / f"{name}.svg").read_bytes() == (base / "w2" / f"{name}.svg").read_bytes(), name


def test_two_workers_really_draw_in_other_processes(rendered):
    base, out = rendered
    pids = {p.name.rsplit("-", 1)[1] for p in (base / "pids").iterdir()}
    assert str(out["parent"]) in pids                 # workers=1 drew here
    assert pids - {str(out["parent"])}                # workers=2 drew in forked processes


def test_no_pool_where_forking_is_unsafe(monkeypatch):
    from mmm.report import charts as C

    monkeypatch.setitem(sys.modules, "jax", sys.modules.get("jax") or object())
    assert C._workers(4, 10, keep_figures=False) == 1          # JAX's threads: render here
    monkeypatch.delitem(sys.modules, "jax")
    assert C._workers(4, 10, keep_figures=True) == 1           # figures must stay in this process
    assert C._workers(4, 3, keep_figures=False) == (3 if sys.platform == "linux" else 1)
    monkeypatch.setenv(C.WORKERS_ENV, "1")
    assert C._workers(None, 10, keep_figures=False) == 1
