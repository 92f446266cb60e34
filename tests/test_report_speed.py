"""What makes `mmm plan` and `mmm report` quick (issue 16) keeps their results the same: PNGs written by
mmm.plots.png are matplotlib's pixels, a saved fit carries its channel table, and reading a model file
imports neither dask nor ArviZ. Timings are measured in benchmarks/latency.py, not here."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mmm.plots.png import png_bytes, save_png


def test_png_bytes_decode_to_the_same_pixels():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    rgba[10:20] = rgba[9]                      # runs of equal rows, as in a chart
    img = Image.open(io.BytesIO(png_bytes(rgba, 300, software="test")))
    assert img.mode == "RGBA" and img.size == (53, 37)
    assert np.array_equal(np.asarray(img), rgba)
    assert img.info["Software"] == "test" and img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    rgb = Image.open(io.BytesIO(png_bytes(rgba[..., :3], 300)))     # an opaque image as an RGB PNG
    assert rgb.mode == "RGB" and np.array_equal(np.asarray(rgb), rgba[..., :3])
    with pytest.raises(ValueError, match="RGBA"):
        png_bytes(rgba[..., :2])


def test_save_png_gives_matplotlibs_image():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.1, 1.7))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [2, 0, 1], lw=3)
    ax.set_title("a title with text")
    ours, theirs = io.BytesIO(), io.BytesIO()
    save_png(fig, ours, 97)
    fig.savefig(theirs, format="png", dpi=97)
    a, b = (np.asarray(Image.open(io.BytesIO(x.getvalue()))) for x in (ours, theirs))
    assert a.shape == b.shape == (int(1.7 * 97), int(3.1 * 97), 4)
    assert np.array_equal(a, b)


def test_saved_fit_carries_its_channel_table(small_fit, tmp_path):
    from mmm.persist import load_fit, save_fit

    fresh = small_fit.channel_summary()          # computed (and cached on the fit) before saving
    loaded = load_fit(save_fit(small_fit, tmp_path / "model.nc"))
    assert 0.9 in loaded._channel_tables          # read from the file, not computed
    pd.testing.assert_frame_equal(loaded.channel_summary(), fresh, check_exact=True)
    loaded._channel_tables.clear()                # computed again from the posterior: the same table
    pd.testing.assert_frame_equal(loaded.channel_summary(), fresh, check_exact=True)


PROBE = textwrap.dedent("""
    import json, sys
    from mmm.persist import load_fit
    fit = load_fit(sys.argv[1])
    fit.channel_summary()
    print(json.dumps({"heavy": sorted(m for m in ("dask", "dask.array", "arviz", "pymc", "jax") if m in sys.modules),
                      "dates": str(fit.idata.posterior["date"].values[0]),
                      "channels": [str(c) for c in fit.idata.posterior["channel"].values],
                      "diverging": str(fit.idata.sample_stats["diverging"].dtype)}))
""")


def test_reading_a_model_imports_no_dask_or_arviz(small_fit, tmp_path):
    from mmm.persist import save_fit

    small_fit.channel_summary()
    path = save_fit(small_fit, tmp_path / "model.nc")
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["heavy"] == []
    # the file's text, times and booleans come back decoded, as xarray's own reader gives them
    assert out["dates"].startswith(str(small_fit.dataset.dates[0].date()))
    assert out["channels"] == list(small_fit.spec.channel_names)
    assert out["diverging"] == "bool"


def test_slide_image_is_the_png_without_its_title_band(tmp_path):
    from mmm.plots.style import finish, new_figure
    from mmm.report.charts import ChartSpec, render_charts

    def draw():
        fig, ax = new_figure(figsize=(6.0, 4.0))
        ax.plot([0, 1, 2], [1, 3, 2])
        return finish(fig, title="A takeaway long enough to need its own band at the top", auto="")

    # above the figure's own 100 dpi, as the report's 300: the title band is measured in the PNG's pixels (a
    # renderer left at another resolution measured the title 3x too tall, so no chart was cut from its PNG)
    (chart,) = render_charts([ChartSpec("x", draw)], tmp_path, caution=None, png=True, svg=False, slides=True,
                             dpi=240, deck_dpi=120, workers=1)
    png = np.asarray(Image.open(chart.files["png"]))
    slide = np.asarray(Image.open(io.BytesIO(chart.image)))
    assert slide.shape[1] == png.shape[1] // 2                  # 2 x 2 blocks of the PNG's pixels
    assert slide.shape[0] < png.shape[0] // 2 - 5               # the title band is cut off
    assert chart.size == pytest.approx((slide.shape[1] / 120, slide.shape[0] / 120))
    # the rest is the PNG's bottom part, averaged: the same picture
    bottom = Image.fromarray(png[png.shape[0] - 2 * slide.shape[0]:]).reduce(2)
    assert np.abs(np.asarray(bottom)[..., :3].astype(int) - slide[..., :3].astype(int)).mean() < 1.0
