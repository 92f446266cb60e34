"""Geo model: time to result and peak memory as geos and channels grow, and Meridian's geo data set.

Each point runs in its own process (so ``ru_maxrss`` is that fit's peak memory): simulate
``geo_config(n_geos, weeks, n_channels, seed=1)``, fit :func:`mmm.geo.fit.fit_geo`, and record the
seconds to result (data in, posterior and verdict out; the build and the JAX compile included),
the sampling seconds, max R-hat, min bulk ESS, ESS per second, divergences and peak RSS.

``--meridian`` fits Meridian's simulated geo data set (``benchmarks/data/meridian_geo.yaml``: 40 geos x
156 weeks, 5 channels) at our defaults and prints its ROI intervals next to Meridian's published
demo figures (``benchmarks/data/README.md``; Meridian's numbers are theirs, not measured here).

Usage::

    python benchmarks/geo_scaling.py                                   # 10, 40, 100 geos x 156 weeks x 5 and 10
    python benchmarks/geo_scaling.py --points 10x5,40x5 --draws 500 --tune 500 --chains 2
    python benchmarks/geo_scaling.py --meridian [--draws 1000 --tune 1000 --chains 4]

Results are appended to ``benchmarks/results/geo_scaling.csv`` (``geo_meridian.csv`` for ``--meridian``),
with the load average when each point ran: other processes share the CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"

#: Meridian's published demo ROI (benchmarks/data/README.md): mean, 90% CI low, high.
MERIDIAN_DEMO = {"Channel0": (1.587, 0.432, 3.156), "Channel1": (0.937, 0.262, 1.977),
                 "Channel2": (1.419, 0.544, 2.552), "Channel3": (0.877, 0.298, 1.710),
                 "Channel4": (1.621, 0.406, 3.292)}


def fit_point(geos: int, channels: int, weeks: int, draws: int, tune: int, chains: int) -> dict:
    """One simulated panel, fitted; what the record needs (run in a child process)."""
    t0 = time.perf_counter()
    from mmm.geo.fit import fit_geo
    from mmm.simulate.geo import geo_config, simulate_geo
    from mmm.spec import spec_from_dict

    _, spec_dict, truth = simulate_geo(geo_config(n_geos=geos, weeks=weeks, n_channels=channels, seed=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_geo(spec_from_dict(spec_dict), truth.panel, draws=draws, tune=tune, chains=chains, seed=1,
                      progressbar=False)
        covered = fit.channel_summary(0.9).set_index("channel")
    d = fit.diagnostics
    inside = sum(covered.loc[c, "roas_hdi_low"] <= v <= covered.loc[c, "roas_hdi_high"]
                 for c, v in truth.national_roas.items())
    seconds = time.perf_counter() - t0
    return {"geos": geos, "weeks": weeks, "channels": channels, "draws": draws, "tune": tune, "chains": chains,
            "seconds_to_result": round(seconds, 1), "sampling_seconds": d.seconds, "build_seconds": d.build_seconds,
            "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "ess_per_s": d.min_ess_bulk / max(d.seconds, 1e-9),
            "divergences": d.divergences, "covered": f"{inside}/{len(truth.national_roas)}",
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": os.getloadavg()[0]}


def fit_meridian(draws: int | None, tune: int | None, chains: int | None) -> dict:
    """Meridian's geo data set at our defaults (or the draws given)."""
    t0 = time.perf_counter()
    from mmm.geo.fit import fit_geo
    from mmm.spec import load_spec

    spec = load_spec(ROOT / "benchmarks" / "data" / "meridian_geo.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_geo(spec, draws=draws, tune=tune, chains=chains, seed=1, progressbar=False)
        table = fit.channel_summary(0.9).set_index("channel")
    d = fit.diagnostics
    seconds = time.perf_counter() - t0
    rows = {c: {"roas_mean": float(table.loc[c, "roas_mean"]), "roas_hdi_low": float(table.loc[c, "roas_hdi_low"]),
                "roas_hdi_high": float(table.loc[c, "roas_hdi_high"]),
                "meridian_mean": m[0], "meridian_low": m[1], "meridian_high": m[2],
                "overlap": bool(table.loc[c, "roas_hdi_low"] <= m[2] and m[1] <= table.loc[c, "roas_hdi_high"])}
            for c, m in MERIDIAN_DEMO.items()}
    return {"seconds_to_result": round(seconds, 1), "sampling_seconds": d.seconds, "draws": d.draws,
            "tune": d.tune, "chains": d.chains, "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk,
            "divergences": d.divergences, "verdict": d.verdict, "channels": rows,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": os.getloadavg()[0]}


def run_child(args: list[str]) -> dict:
    """Run this script with ``args`` in a fresh process; its last line is the JSON record."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--points", default="10x5,40x5,100x5,10x10,40x10",
                   help="GEOSxCHANNELS, comma separated (156 weeks each unless --weeks)")
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--draws", type=int, default=None)
    p.add_argument("--tune", type=int, default=None)
    p.add_argument("--chains", type=int, default=None)
    p.add_argument("--meridian", action="store_true", help="Fit Meridian's geo data set at our defaults.")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)           # the child process
    args = p.parse_args(argv)
    if args.one == "meridian":
        print(json.dumps(fit_meridian(args.draws, args.tune, args.chains), default=float))
        return
    if args.one:
        g, c = map(int, args.one.split("x"))
        print(json.dumps(fit_point(g, c, args.weeks, args.draws or 1000, args.tune or 1000, args.chains or 4),
                         default=float))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    extra = [a for k in ("draws", "tune", "chains") if getattr(args, k) is not None
             for a in (f"--{k}", str(getattr(args, k)))]
    if args.meridian:
        rec = run_child(["--one", "meridian", *extra])
        rows = pd.DataFrame([{"channel": c, **v} for c, v in rec["channels"].items()])
        for k in ("seconds_to_result", "sampling_seconds", "draws", "tune", "chains", "max_rhat", "min_ess_bulk",
                  "divergences", "peak_rss_mb", "load"):
            rows[k] = rec[k]
        path = RESULTS / "geo_meridian.csv"
        rows.to_csv(path, mode="a", header=not path.exists(), index=False)
        print(rows.to_string(index=False))
        print(f"verdict: {rec['verdict']}")
        return
    path = RESULTS / "geo_scaling.csv"
    for point in args.points.split(","):
        rec = run_child(["--one", point, "--weeks", str(args.weeks), *extra])
        pd.DataFrame([rec]).to_csv(path, mode="a", header=not path.exists(), index=False)
        print(json.dumps(rec, default=float), flush=True)


if __name__ == "__main__":
    main()
