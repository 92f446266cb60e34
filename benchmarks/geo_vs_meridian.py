"""``mmm`` against Meridian on the same geo panel, in the same run (issue 17's speed bar).

For each repeat, on one panel written to disk once, run back to back, each in its own process:

* ``mmm``: :func:`mmm.geo.fit.fit_geo` on the panel's spec and CSV at our defaults (4 chains x 1000
  draws after 1000 tuning unless ``--draws/--tune/--chains``);
* Meridian 2.1.0 (``benchmarks/meridian_worker.py`` with Meridian's own interpreter, ``--meridian-python``):
  its default priors and model, the issue's reference sampler (4 chains x 500 adaptation + 500 burn-in +
  1,000 kept), 500 prior draws, and ``--knots`` baseline knots (its geo default of one knot per week
  refuses the simulated panels' national channel and controls: ``benchmarks/meridian.md``).

Recorded per fit: time to result (data in, posterior, convergence and ROI/ROAS out; the JAX compile
included, the import of JAX and the library not), max R-hat, min bulk ESS over the sampled
parameters, min bulk ESS of the channels' ROI (ours: ``roas``; Meridian's: ``roi_m``), divergences,
peak RSS, and coverage of the true national ROAS. **Equal effective sample size** is compared as ESS
per second of time to result (the time each would need for the same ESS), on the ROI and over all
parameters, as ratios ours / Meridian within the same repeat; the median over repeats is reported.

Usage::

    python benchmarks/geo_vs_meridian.py                          # 10 geos x 156 weeks x 5 channels, seed 1
    python benchmarks/geo_vs_meridian.py --geos 40 --repeats 1
    python benchmarks/geo_vs_meridian.py --report benchmarks/results/geo_vs_meridian.csv

Rows are appended to ``benchmarks/results/geo_vs_meridian.csv``, with the load average at the start
and end of each fit (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
MERIDIAN_PYTHON = "/work/meridian-venv/bin/python"


def write_panel(folder: Path, geos: int, weeks: int, channels: int, seed: int) -> tuple[Path, Path]:
    """The simulated panel as a CSV, its ``mmm`` spec and its truth (``truth.json``); returns (spec, truth)."""
    import yaml

    from mmm.simulate.geo import geo_config, simulate_geo

    frame, spec, truth = simulate_geo(geo_config(n_geos=geos, weeks=weeks, n_channels=channels, seed=seed))
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "panel.csv", index=False, date_format="%Y-%m-%d", lineterminator="\n")
    (folder / "panel.yaml").write_text(yaml.safe_dump({**spec, "data": "panel.csv"}, sort_keys=False))
    (folder / "truth.json").write_text(json.dumps(truth.to_dict(), indent=1))
    return folder / "panel.yaml", folder / "truth.json"


def fit_ours(spec_path: str, truth_path: str, draws: int | None, tune: int | None, chains: int | None) -> dict:
    """One ``mmm`` geo fit of the panel (run in a child process): the record's numbers."""
    import numpy as np

    load_start = os.getloadavg()[0]
    import arviz as az

    from mmm.geo.fit import fit_geo  # imported before the clock starts, as Meridian's worker does

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_geo(spec_path, draws=draws, tune=tune, chains=chains, seed=1, progressbar=False)
        table = fit.channel_summary(0.9).set_index("channel")
    seconds = time.perf_counter() - t0
    truth = {c: v["national_roas"] for c, v in json.loads(Path(truth_path).read_text())["channels"].items()}
    inside = sum(float(table.loc[c, "roas_hdi_low"]) <= v <= float(table.loc[c, "roas_hdi_high"])
                 for c, v in truth.items())
    roas = np.asarray(fit.idata.posterior["roas"].values)           # (chain, draw, channel)
    d = fit.diagnostics
    steps = float(fit.idata.sample_stats["n_steps"].values.mean())
    return {"tool": "mmm", "steps_per_draw": round(steps, 1), "seconds_to_result": round(seconds, 1), "sampling_seconds": d.seconds,
            "chains": d.chains, "draws": d.draws, "tune": d.tune, "max_rhat": d.max_rhat,
            "min_ess_bulk": d.min_ess_bulk, "min_ess_bulk_roi": float(min(az.ess(roas[..., i], method="bulk")
                                                                          for i in range(roas.shape[-1]))),
            "divergences": d.divergences, "covered": f"{inside}/{len(truth)}",
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2)}


def fit_meridian(python: str, spec_path: Path, truth_path: Path, knots: int, sampler: list[str]) -> dict:
    """One Meridian fit of the same panel through its worker, in Meridian's own interpreter."""
    cmd = [python, str(ROOT / "benchmarks" / "meridian_worker.py"), "--spec", str(spec_path),
           "--truth", str(truth_path), "--knots", str(knots), *sampler]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise RuntimeError(out.stderr[-3000:])
    rec = json.loads(line[-1][len("RESULT "):])
    truth = rec.get("truth", {}).get("channels", {})
    n_in = sum(bool(v["inside_90"]) for v in truth.values()) if truth else None
    return {"tool": "meridian", "seconds_to_result": rec["seconds"]["total_s"],
            "sampling_seconds": rec["seconds"]["posterior_s"], "chains": rec["sampler"]["chains"],
            "draws": rec["sampler"]["keep"], "tune": rec["sampler"]["adapt"] + rec["sampler"]["burnin"],
            "max_rhat": rec["max_rhat"], "min_ess_bulk": rec["min_ess_bulk"],
            "min_ess_bulk_roi": rec.get("min_ess_bulk_roi"), "divergences": rec["divergences"],
            "covered": f"{n_in}/{len(rec['roi'])}" if n_in is not None else "",
            "peak_rss_mb": rec["peak_rss_mb"], "load_start": rec["machine"]["loadavg_at_start"][0],
            "load_end": rec["machine"]["loadavg_at_end"][0]}


def report(rows: pd.DataFrame) -> str:
    """Per repeat, ours / Meridian: time to result, ESS per second (ROI and all), and the medians."""
    lines = ["| repeat | tool | time to result (s) | max R-hat | min ESS (ROI) | min ESS (all) | divergences "
             "| covered | peak RSS (MB) | load |", "|---|---|---:|---:|---:|---:|---:|---|---:|---|"]
    ratios = []
    for rep, g in rows.groupby("repeat"):
        by = {r.tool: r for r in g.itertuples()}
        for r in g.itertuples():
            lines.append(f"| {rep} | {r.tool} | {r.seconds_to_result:.0f} | {r.max_rhat:.3f} | "
                         f"{r.min_ess_bulk_roi:.0f} | {r.min_ess_bulk:.0f} | {r.divergences} | {r.covered} | "
                         f"{r.peak_rss_mb:.0f} | {r.load_start} -> {r.load_end} |")
        if {"mmm", "meridian"} <= set(by):
            o, m = by["mmm"], by["meridian"]
            ratios.append((m.seconds_to_result / o.seconds_to_result,
                           (o.min_ess_bulk_roi / o.seconds_to_result) / (m.min_ess_bulk_roi / m.seconds_to_result),
                           (o.min_ess_bulk / o.seconds_to_result) / (m.min_ess_bulk / m.seconds_to_result)))
    if ratios:
        t, roi, everything = (statistics.median(x) for x in zip(*ratios, strict=True))
        lines.append(f"\nMedian over {len(ratios)} repeat(s), ours / Meridian: time to result {t:.1f}x faster; "
                     f"ESS per second {roi:.1f}x on the ROI, {everything:.1f}x over all parameters.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--geos", type=int, default=10)
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--channels", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--draws", type=int, default=None, help="ours (default: the spec's, 1000)")
    p.add_argument("--tune", type=int, default=None)
    p.add_argument("--chains", type=int, default=None)
    p.add_argument("--knots", type=int, default=12, help="Meridian's baseline knots")
    p.add_argument("--meridian-sampler", default="--chains 4 --adapt 500 --burnin 500 --keep 1000",
                   help="Meridian worker's sampler flags (default: the issue's reference)")
    p.add_argument("--meridian-python", default=MERIDIAN_PYTHON)
    p.add_argument("--out", type=Path, default=RESULTS / "geo_vs_meridian_v2.csv")
    p.add_argument("--report", type=Path, default=None, help="print the table of a results CSV and stop")
    p.add_argument("--one", nargs=2, default=None, help=argparse.SUPPRESS)  # the child process: spec, truth
    args = p.parse_args(argv)
    if args.report:
        print(report(pd.read_csv(args.report)))
        return
    if args.one:
        print(json.dumps(fit_ours(*args.one, args.draws, args.tune, args.chains), default=float))
        return
    folder = Path(tempfile.gettempdir()) / "mmm_geo_vs_meridian" / f"g{args.geos}w{args.weeks}c{args.channels}s{args.seed}"
    spec_path, truth_path = write_panel(folder, args.geos, args.weeks, args.channels, args.seed)
    extra = [a for k in ("draws", "tune", "chains") if getattr(args, k) is not None
             for a in (f"--{k}", str(getattr(args, k)))]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for rep in range(1, args.repeats + 1):
        out = subprocess.run([sys.executable, __file__, "--one", str(spec_path), str(truth_path), *extra],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-3000:])
        recs = [json.loads(out.stdout.strip().splitlines()[-1])]
        recs.append(fit_meridian(args.meridian_python, spec_path, truth_path, args.knots, args.meridian_sampler.split()))
        rows = pd.DataFrame([{"run": stamp, "repeat": rep, "geos": args.geos, "weeks": args.weeks,
                              "channels": args.channels, "seed": args.seed, **r} for r in recs])
        args.out.parent.mkdir(parents=True, exist_ok=True)
        rows.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
        print(rows.to_string(index=False), flush=True)
    all_rows = pd.read_csv(args.out)
    print(report(all_rows[all_rows["run"] == stamp]))


if __name__ == "__main__":
    main()
