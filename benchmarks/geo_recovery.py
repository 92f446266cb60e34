"""Geo model against the truth, several seeds: coverage of national ROAS, and how much sharper than national.

For each seed, simulate ``geo_config(n_geos, weeks, n_channels, seed)`` (:mod:`mmm.simulate.geo`: national
TV plus channels bought per geo, lognormal geo deviations of the effect), fit the geo model
(:func:`mmm.geo.fit.fit_geo`) and the plain national model on the same data summed over geos, and record
per channel: the true national ROAS, both models' posterior mean and 90% HDI, whether each HDI covers the
truth, the width ratio (geo / national), and the correlation of the estimated geo ROAS with the true ones;
per fit: max R-hat, min bulk ESS, divergences, leapfrog steps per draw and seconds.

Usage::

    python benchmarks/geo_recovery.py                                   # seeds 0-4, 20 geos x 156 weeks x 5
    python benchmarks/geo_recovery.py --seeds 0-2 --geos 10 --weeks 104 --draws 500 --tune 500 --chains 2
    python benchmarks/geo_recovery.py --report benchmarks/results/geo_recovery.csv

Rows are appended to the CSV as each seed finishes (a killed run keeps what it did).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "geo_recovery.csv"


def seeds_of(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"1,5"`` -> [1, 5]."""
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def one_seed(seed: int, args: argparse.Namespace) -> pd.DataFrame:
    """Fit both models on one simulated panel; one row per channel."""
    from mmm.fitted import Model
    from mmm.geo.fit import fit_geo, national_dataset, national_spec
    from mmm.simulate.geo import geo_config, simulate_geo
    from mmm.spec import spec_from_dict

    _, spec_dict, truth = simulate_geo(geo_config(n_geos=args.geos, weeks=args.weeks, n_channels=args.channels,
                                                  seed=seed))
    spec = spec_from_dict(spec_dict)
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": seed, "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        geo = fit_geo(spec, truth.panel, **settings)
        geo_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        nat = Model(national_spec(spec)).fit(national_dataset(spec, truth.panel).frame, **settings)
        nat_s = time.perf_counter() - t0
    g = geo.channel_summary(0.9).set_index("channel")
    n = nat.channel_summary(0.9).set_index("channel")
    est = geo.geo_roas_draws().mean(axis=0)
    rows = []
    for c, ch in enumerate(truth.channels):
        true = truth.national_roas[ch]
        rows.append({
            "seed": seed, "geos": args.geos, "weeks": args.weeks, "channel": ch,
            "level": "national" if ch in truth.national_channels else "geo", "true_roas": true,
            "geo_mean": g.loc[ch, "roas_mean"], "geo_low": g.loc[ch, "roas_hdi_low"],
            "geo_high": g.loc[ch, "roas_hdi_high"],
            "geo_covers": bool(g.loc[ch, "roas_hdi_low"] <= true <= g.loc[ch, "roas_hdi_high"]),
            "nat_mean": n.loc[ch, "roas_mean"], "nat_low": n.loc[ch, "roas_hdi_low"],
            "nat_high": n.loc[ch, "roas_hdi_high"],
            "nat_covers": bool(n.loc[ch, "roas_hdi_low"] <= true <= n.loc[ch, "roas_hdi_high"]),
            "width_ratio": (g.loc[ch, "roas_hdi_high"] - g.loc[ch, "roas_hdi_low"])
            / (n.loc[ch, "roas_hdi_high"] - n.loc[ch, "roas_hdi_low"]),
            "geo_corr": float(np.corrcoef(est[:, c], truth.geo_roas[:, c])[0, 1]),
            "geo_rhat": geo.diagnostics.max_rhat, "geo_ess": geo.diagnostics.min_ess_bulk,
            "geo_div": geo.diagnostics.divergences, "geo_seconds": round(geo_s, 1),
            "geo_steps": float(np.asarray(geo.idata.sample_stats.n_steps).mean()),
            "nat_rhat": nat.diagnostics.max_rhat, "nat_div": nat.diagnostics.divergences,
            "nat_seconds": round(nat_s, 1), "draws": args.draws, "tune": args.tune, "chains": args.chains,
            "load": os.getloadavg()[0]})
    return pd.DataFrame(rows)


def report(table: pd.DataFrame) -> str:
    """The summary printed and quoted in ``benchmarks/README.md``."""
    fits = table.drop_duplicates("seed")
    lines = [f"{table.seed.nunique()} seeds, {len(table)} channel fits "
             f"({int(fits.geos.iloc[0])} geos x {int(fits.weeks.iloc[0])} weeks, {fits.chains.iloc[0]} chains x "
             f"{fits.draws.iloc[0]} draws after {fits.tune.iloc[0]} tuning)",
             f"geo model: national ROAS inside the 90% HDI for {table.geo_covers.mean():.0%} of channels "
             f"({int(table.geo_covers.sum())}/{len(table)}); national model on the sums: {table.nat_covers.mean():.0%}",
             f"90% HDI width, geo / national: median {table.width_ratio.median():.2f}, mean "
             f"{table.width_ratio.mean():.2f} (per channel: "
             + ", ".join(f"{c} {v:.2f}" for c, v in table.groupby('channel').width_ratio.median().items()) + ")",
             f"geo ROAS correlation with the truth: median {table.geo_corr.median():.2f} "
             f"(min {table.geo_corr.min():.2f})",
             f"geo fits: max R-hat {fits.geo_rhat.max():.3f}, min bulk ESS {fits.geo_ess.min():.0f}, divergences "
             f"{int(fits.geo_div.sum())}; median {fits.geo_seconds.median():.0f} s per fit (national "
             f"{fits.nat_seconds.median():.0f} s); load average during the runs {fits.load.min():.1f}-"
             f"{fits.load.max():.1f}"
             + (f"; leapfrog steps per draw median {fits.geo_steps.median():.0f}" if "geo_steps" in fits else "")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0-4")
    p.add_argument("--geos", type=int, default=20)
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--channels", type=int, default=5)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--report", type=Path, default=None, help="Print the summary of an existing CSV and stop.")
    args = p.parse_args(argv)
    if args.report is not None:
        print(report(pd.read_csv(args.report)))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds_of(args.seeds):
        rows = one_seed(seed, args)
        rows.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
        print(rows[["seed", "channel", "true_roas", "geo_low", "geo_high", "geo_covers", "width_ratio",
                    "geo_corr"]].to_string(index=False), flush=True)
    print(report(pd.read_csv(args.out)))


if __name__ == "__main__":
    main()
