"""Statistical acceptance of issue 18, with known truth (full draws by default).

Three checks, each on a 2-worker local Dask cluster (``--workers``):

* ``backtest``: a 6-fold, 13-week rolling-origin backtest of the well-specified ecommerce design;
  acceptance: out-of-sample 90% interval coverage within 80-98% across folds.
* ``compare``: on the B2B design (every channel delayed), ``compare`` of geometric vs delayed
  carryover, per seed; acceptance: delayed ranks first (seeded).
* ``stacking``: on the B2B design with paid search immediate + Hill, the pipeline preset's single
  form (delayed, logistic) vs the stack of the four plausible forms, per seed; each channel's
  true ROAS inside the 90% HDI is counted. Acceptance: stacked coverage >= 85% of channel-seeds.

Writes ``benchmarks/results/many_<check>.csv`` and prints a summary with the machine load.

Usage::

    python benchmarks/many_stats.py backtest compare stacking [--seeds 1 2 3] [--draws 1000 --tune 1000 --chains 4]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_common import delayed_design, machine_load, search_hill_design, well_specified  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path("/tmp/mmm-bench-many")


def run_backtest(args, client) -> pd.DataFrame:
    from mmm.many import backtest

    df, spec, _ = well_specified(args.seeds[0])
    result = backtest(spec, df, WORK / "backtest", folds=6, horizon=13, scheduler=client, **args.settings)
    table = result.folds.assign(seed=args.seeds[0])
    print(table.to_string(index=False))
    print(f"coverage over all folds: {result.coverage_90:.1%} (acceptance 80-98%)")
    return table


def run_compare(args, client) -> pd.DataFrame:
    from mmm.many import compare

    rows = []
    for seed in args.seeds:
        df, spec, _ = delayed_design(seed)
        r = compare(spec, {"model.adstock": ["geometric", "delayed"]}, df, WORK / f"compare_{seed}",
                    scheduler=client, **args.settings)
        t = r.table
        rows.append({"seed": seed, "best": r.best, "elpd_diff": float(t.loc[1, "elpd_diff"]),
                     "diff_se": float(t.loc[1, "diff_se"]), "distinguishable": bool(t.loc[1, "distinguishable"]),
                     "weight_delayed": float(t.set_index("variant").loc["adstock=delayed", "weight"])})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def run_stacking(args, client) -> pd.DataFrame:
    from mmm.many import fit_forms

    rows = []
    for seed in args.seeds:
        df, spec, truth = search_hill_design(seed)
        if args.restack:  # re-stack the fits already in WORK (e.g. after a change of the stacking rule)
            import json

            from mmm.many import FitSummary
            from mmm.many.stacking import stack_folders
            folders = sorted((WORK / f"stack_{seed}" / "forms").iterdir())
            summaries = [FitSummary.from_record(json.loads((f / "fit_task.json").read_text())["summary"])
                         for f in folders]
            stacked = stack_folders(summaries, WORK / f"stack_{seed}", seed=seed)
        else:
            stacked = fit_forms(spec, df, WORK / f"stack_{seed}", scheduler=client, mix_seed=seed, **args.settings)
        single = pd.read_csv(WORK / f"stack_{seed}" / "forms" / "delayed-logistic" / "channels.csv")
        for kind, table in (("single (preset delayed-logistic)", single), ("stacked", stacked.channels)):
            for r in table.itertuples():
                true = truth["channels"][r.channel]["roas"]
                rows.append({"seed": seed, "fit": kind, "channel": r.channel, "true_roas": true,
                             "roas_mean": r.roas_mean, "roas_hdi_low": r.roas_hdi_low, "roas_hdi_high": r.roas_hdi_high,
                             "covered": bool(r.roas_hdi_low <= true <= r.roas_hdi_high)})
        w = stacked.forms.set_index("form")["weight"].round(3).to_dict()
        print(f"seed {seed}: weights {w}", flush=True)
    out = pd.DataFrame(rows)
    print(out.groupby("fit")["covered"].agg(["sum", "count", "mean"]))
    print(out[out["channel"] == "google_search"].groupby("fit")["covered"].agg(["sum", "count"]))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checks", nargs="+", choices=["backtest", "compare", "stacking"])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--suffix", default="")
    p.add_argument("--restack", action="store_true", help="stacking: re-stack the fits already made, no refit")
    args = p.parse_args()
    args.settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": 1}
    warnings.simplefilter("ignore")
    from mmm.many.runner import local_client

    RESULTS.mkdir(exist_ok=True)
    client = local_client(args.workers)
    try:
        for check in args.checks:
            start = time.perf_counter()
            print(f"== {check}: {args.settings}, {args.workers} workers; load before: {machine_load()}", flush=True)
            table = {"backtest": run_backtest, "compare": run_compare, "stacking": run_stacking}[check](args, client)
            table.to_csv(RESULTS / f"many_{check}{args.suffix}.csv", index=False)
            print(f"== {check} took {time.perf_counter() - start:.0f} s; load after: {machine_load()}", flush=True)
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
