"""Throughput of many fits on Dask (issue 18): fits per hour with 1, 2 (and N) workers on this
machine, a 6-fold backtest against 6 independent fits of the whole data, and a paper estimate of a
200-fit portfolio on a 20-node cluster from the measured cost per fit.

Every fit is the ecommerce design (156 weeks, 5 channels), a different seed each (so no fit reuses
another's compiled graph through JAX's persistent cache, whose key includes the data). Each batch
runs on a fresh local cluster; the cluster's start is timed apart from the fits. The machine's load
is printed before and after: on a shared machine the numbers move with it.

Usage::

    python benchmarks/many_throughput.py [--fits 4] [--workers 1 2] [--draws 1000 --tune 1000 --chains 4]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_common import machine_load, well_specified  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path("/tmp/mmm-bench-throughput")


def batch(n_fits: int, workers: int, settings: dict, first_seed: int) -> dict:
    """Wall time of ``n_fits`` independent fits on a fresh cluster of ``workers``."""
    from mmm.many import FitTask, run_fits
    from mmm.many.runner import local_client

    tasks = []
    for k in range(n_fits):
        df, spec, _ = well_specified(first_seed + k)
        tasks.append(FitTask(f"fit_{first_seed + k}", spec, str(WORK / f"w{workers}_{first_seed + k}"), df,
                             dict(settings)))
    t0 = time.perf_counter()
    client = local_client(workers)
    started = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        summaries = run_fits(tasks, scheduler=client, progress=False)
        wall = time.perf_counter() - t1
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    secs = [s.seconds for s in summaries if s.ok]
    return {"workers": workers, "fits": n_fits, "cluster_start_s": round(started, 1), "wall_s": round(wall, 1),
            "fits_per_hour": round(3600 * n_fits / wall, 1), "median_fit_s": round(median(secs), 1) if secs else None,
            "failed": [s.error for s in summaries if not s.ok]}


def backtest_vs_independent(settings: dict, workers: int) -> dict:
    """A 6-fold backtest with expanding windows (each fold its own structure), the same with a
    sliding 78-week window (``train_weeks``: one structure, compiled once per worker), and 6
    independent whole-data fits (one structure), each on a fresh cluster."""
    from mmm.many import backtest
    from mmm.many.runner import local_client

    df, spec, _ = well_specified(100)
    out = {}
    for label, train_weeks in (("expanding", None), ("sliding_78", 78)):
        client = local_client(workers)
        try:
            t0 = time.perf_counter()
            r = backtest(spec, df, WORK / f"backtest_{label}", folds=6, horizon=13, train_weeks=train_weeks,
                         scheduler=client, progress=False, **settings)
            out[f"backtest_{label}_s"] = round(time.perf_counter() - t0, 1)
            out[f"backtest_{label}_median_fold_s"] = round(median(s.seconds for s in r.summaries if s.ok), 1)
            out[f"backtest_{label}_coverage_90"] = round(r.coverage_90, 3)
        finally:
            cluster = client.cluster
            client.close()
            cluster.close()
    ind = batch(6, workers, settings, 200)
    out.update(independent_6_fits_s=ind["wall_s"], independent_median_fit_s=ind["median_fit_s"])
    return out


def paper_estimate(per_fit_s: float, fits: int = 200, nodes: int = 20, cores_per_node: int = 8,
                   startup_s: float = 60.0) -> dict:
    """Wall time of ``fits`` on ``nodes`` x ``cores_per_node`` single-thread workers: waves of one fit
    per worker, plus the cluster's start; shared storage and scheduling assumed not to bind."""
    slots = nodes * cores_per_node
    waves = math.ceil(fits / slots)
    return {"fits": fits, "nodes": nodes, "cores_per_node": cores_per_node, "per_fit_s": round(per_fit_s, 1),
            "waves": waves, "wall_min": round((waves * per_fit_s + startup_s) / 60, 1),
            "one_core_hours": round(fits * per_fit_s / 3600, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fits", type=int, default=4)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--skip-backtest", action="store_true")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": 1}
    result = {"settings": settings, "load_before": machine_load(), "batches": []}
    print(result["load_before"], flush=True)
    for i, w in enumerate(args.workers):
        result["batches"].append(batch(args.fits, w, settings, 10 + 100 * i))
        print(result["batches"][-1], machine_load(), flush=True)
    if not args.skip_backtest:
        result["backtest"] = backtest_vs_independent(settings, max(args.workers))
        print(result["backtest"], flush=True)
    one = next((b for b in result["batches"] if b["workers"] == 1), result["batches"][0])
    per_fit = one["wall_s"] / one["fits"] * one["workers"]
    result["paper"] = [paper_estimate(per_fit, cores_per_node=c) for c in (2, 8)]
    result["load_after"] = machine_load()
    print(json.dumps(result["paper"], indent=1), result["load_after"], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "many_throughput.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
