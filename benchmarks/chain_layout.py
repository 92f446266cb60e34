"""How chains map onto XLA devices: speed and peak memory of one fit per layout (issue 17).

    python benchmarks/chain_layout.py --spec data/samples/geo.yaml --draws 200 --tune 200
    python benchmarks/chain_layout.py --spec /tmp/peer.yaml --repeats 3      # a national spec, the defaults

Layouts (``mmm.compiled.SamplerSettings``): ``parallel`` (one device per chain: 4 devices for 4
chains, whatever the core count), ``grouped:D`` (D devices, the chains of one device one after another),
``vectorized`` (one device, all chains in lockstep). Each fit runs in its own process, so
``ru_maxrss`` is that fit's peak memory; the layouts are interleaved within each repeat, so load
from other processes falls on all of them alike. Rows go to ``benchmarks/results/chain_layout.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"


def one_fit(spec: str, layout: str, draws: int | None, tune: int | None, chains: int | None) -> dict:
    """Fit ``spec`` with the chains laid out as ``layout`` (in a child process)."""
    os.environ.pop("MMM_FAST", None)
    from mmm import sampling

    method, _, n = layout.partition(":")
    sampling.chain_layout = lambda c, *_: (method, int(n) if n else (c if method == "parallel" else 1))
    from mmm.fitting import fit_spec
    from mmm.spec import load_spec

    t0 = time.perf_counter()
    c0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = load_spec(spec).with_fit(draws=draws, tune=tune, chains=chains)
        fit = fit_spec(s, progressbar=False)
    d = fit.diagnostics
    steps = fit.idata.sample_stats["n_steps"].values
    return {"layout": layout, "seconds": round(time.perf_counter() - t0, 1), "sampling_seconds": d.seconds,
            "cpu_seconds": round(time.process_time() - c0, 1), "chains": d.chains, "draws": d.draws,
            "max_rhat": round(d.max_rhat, 4), "min_ess_bulk": round(d.min_ess_bulk),
            "steps_per_draw": round(float(steps.mean()), 1),
            "lockstep_steps": round(float(steps.max(axis=0).mean()), 1),
            "divergences": d.divergences, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True)
    p.add_argument("--layouts", default="parallel,grouped:2,vectorized")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--draws", type=int, default=None)
    p.add_argument("--tune", type=int, default=None)
    p.add_argument("--chains", type=int, default=None)
    p.add_argument("--out", type=Path, default=RESULTS / "chain_layout.csv")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one_fit(args.spec, args.one, args.draws, args.tune, args.chains), default=float))
        return
    extra = [a for k in ("draws", "tune", "chains") if getattr(args, k) is not None
             for a in (f"--{k}", str(getattr(args, k)))]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    rows = []
    for rep in range(1, args.repeats + 1):
        for layout in args.layouts.split(","):
            out = subprocess.run([sys.executable, __file__, "--spec", args.spec, "--one", layout, *extra],
                                 capture_output=True, text=True, cwd=ROOT)
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-3000:])
            rec = {"run": stamp, "spec": args.spec, "repeat": rep, **json.loads(out.stdout.strip().splitlines()[-1])}
            rows.append(rec)
            print(json.dumps(rec), flush=True)
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
    for layout, g in frame.groupby("layout", sort=False):
        print(f"{layout:>12}: median {statistics.median(g['seconds']):.1f} s ({statistics.median(g['cpu_seconds']):.1f} CPU s), "
              f"peak {g['peak_rss_mb'].max():.0f} MB, {statistics.median(g['steps_per_draw']):.0f} steps per draw "
              f"({statistics.median(g['lockstep_steps']):.0f} in lockstep), min ESS {g['min_ess_bulk'].min():.0f}")


if __name__ == "__main__":
    main()
