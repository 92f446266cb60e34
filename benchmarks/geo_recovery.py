"""Geo model against the truth, several seeds: coverage of national ROAS, and how much sharper than national.

For each seed, simulate ``geo_config(n_geos, weeks, n_channels, seed)`` (:mod:`mmm.simulate.geo`: national
TV plus channels bought per geo, lognormal geo deviations of the effect), fit the geo model
(:func:`mmm.geo.fit.fit_geo`) and the plain national model on the same data summed over geos, and record
per channel: the true national ROAS, both models' posterior mean and 90% HDI, whether each HDI covers the
truth, the width ratio (geo / national), and the correlation of the estimated geo ROAS with the true ones;
per fit: max R-hat, min bulk ESS, divergences, leapfrog steps per draw and seconds. Per channel also the
posterior sd of the national ROAS and the z-score ``(mean - truth) / sd`` of both models (calibrated: mean 0,
sd 1 per channel over seeds), and the logistic ``lambda``: the truth on the geo model's scale (spend per head
divided by the model's typical spend per head) and both models' posterior mean and sd.

``--prior NAME=JSON`` overrides a default prior in both models (``model: priors:`` of the spec), e.g.
``--prior 'saturation_lambda={"distribution": "Gamma", "alpha": 3, "beta": 2}'``; ``--label`` names the run
in the CSV (``label`` column).

Usage::

    python benchmarks/geo_recovery.py                                   # seeds 0-4, 20 geos x 156 weeks x 5
    python benchmarks/geo_recovery.py --seeds 0-2 --geos 10 --weeks 104 --draws 500 --tune 500 --chains 2
    python benchmarks/geo_recovery.py --report benchmarks/results/geo_recovery.csv
    python benchmarks/geo_recovery.py --seeds 1 --geos 10 --weeks 104 --channels 4 --draws 1000 --tune 1000 \
        --chains 2 --prior 'saturation_lambda={"distribution": "Gamma", "alpha": 3, "beta": 2}' --label gamma32

Rows are appended to the CSV as each seed finishes (a killed run keeps what it did).
"""

from __future__ import annotations

import argparse
import json
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
    if args.prior:
        spec_dict.setdefault("model", {}).setdefault("priors", {}).update(args.prior)
    if args.lambda_at_truth:  # a diagnostic: each channel's lambda pinned (1%) to the truth on the geo model's scale
        for ch, lam in zip(truth.channels, true_lambda(truth), strict=True):
            spec_dict["channels"][ch].setdefault("priors", {})["saturation_lambda"] = {"distribution": "LogNormal",
                                                                   "mu": float(np.log(lam)), "sigma": 0.01}
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
    geo_roas, nat_roas = (_draws(f.idata.posterior, "roas") for f in (geo, nat))
    geo_lam, nat_lam = (_draws(f.idata.posterior, "saturation_lambda") for f in (geo, nat))
    lams = true_lambda(truth)
    rows = []
    for c, ch in enumerate(truth.channels):
        true = truth.national_roas[ch]
        rows.append({
            "label": args.label, "seed": seed, "geos": args.geos, "weeks": args.weeks, "channel": ch,
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
            "geo_sd": geo_roas[:, c].std(), "nat_sd": nat_roas[:, c].std(),
            "geo_z": (geo_roas[:, c].mean() - true) / geo_roas[:, c].std(),
            "nat_z": (nat_roas[:, c].mean() - true) / nat_roas[:, c].std(),
            "true_lambda": lams[c],
            "geo_lambda": geo_lam[:, c].mean(), "geo_lambda_sd": geo_lam[:, c].std(),
            "nat_lambda": nat_lam[:, c].mean(), "nat_lambda_sd": nat_lam[:, c].std(),
            "geo_rhat": geo.diagnostics.max_rhat, "geo_ess": geo.diagnostics.min_ess_bulk,
            "geo_div": geo.diagnostics.divergences, "geo_seconds": round(geo_s, 1),
            "geo_steps": float(np.asarray(geo.idata.sample_stats.n_steps).mean()),
            "geo_lp": float(np.asarray(geo.idata.sample_stats.lp).mean()),
            "nat_lp": float(np.asarray(nat.idata.sample_stats.lp).mean()),
            "nat_rhat": nat.diagnostics.max_rhat, "nat_div": nat.diagnostics.divergences,
            "nat_seconds": round(nat_s, 1), "draws": args.draws, "tune": args.tune, "chains": args.chains,
            "load": os.getloadavg()[0]})
    return pd.DataFrame(rows)


def true_lambda(truth) -> np.ndarray:
    """Each channel's true logistic ``lambda`` on the geo model's scale, ``(C,)``.

    The simulator saturates spend per capita / ``truth.scale`` (the national mean weekly spend per capita);
    the model spend per head / its own typical spend per head (:class:`mmm.geo.model.GeoScaling`, the mean
    over geos and non-zero weeks, unweighted), so ``lambda_model = lambda_sim * model scale / sim scale``.
    """
    from mmm.geo.model import geo_scaling

    per_head = np.asarray(geo_scaling(truth.panel).spend_scale) / float(np.mean(truth.population))
    lam = np.array([truth.params[ch]["saturation_params"].get("saturation_lambda", np.nan) for ch in truth.channels])
    return lam * per_head / np.asarray(truth.scale)


def _draws(posterior, name: str) -> np.ndarray:
    """``(draws, channels)`` of a per-channel posterior variable, chains stacked."""
    v = np.asarray(posterior[name])
    return v.reshape(-1, v.shape[-1])


def prior_override(text: str) -> tuple[str, dict]:
    """``'saturation_lambda={"distribution": "Gamma", ...}'`` -> ``("saturation_lambda", {...})``."""
    name, _, value = text.partition("=")
    return name.strip(), json.loads(value)


def report(table: pd.DataFrame) -> str:
    """The summary printed and quoted in ``benchmarks/README.md``, one block per ``label`` (run)."""
    if "label" in table and table.label.nunique() > 1:
        return "\n\n".join(f"[{label}]\n" + report(t.drop(columns="label"))
                             for label, t in table.groupby("label", sort=False))
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
    if "geo_z" in table:
        lines.append("z = (mean - truth) / sd per channel, mean (sd) over seeds; geo | national; lambda: truth on the "
                     "geo model's scale, geo and national posterior means:")
        for ch, t in table.groupby("channel", sort=False):
            lines.append(f"  {ch:14s} geo {t.geo_z.mean():+.2f} ({t.geo_z.std():.2f}) covered "
                         f"{int(t.geo_covers.sum())}/{len(t)} | national {t.nat_z.mean():+.2f} ({t.nat_z.std():.2f}) "
                         f"covered {int(t.nat_covers.sum())}/{len(t)} | lambda {t.true_lambda.mean():.2f}, "
                         f"{t.geo_lambda.mean():.2f}, {t.nat_lambda.mean():.2f}")
        lines.append(f"  all channels   geo {table.geo_z.mean():+.2f} ({table.geo_z.std():.2f}) | national "
                     f"{table.nat_z.mean():+.2f} ({table.nat_z.std():.2f})")
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
    p.add_argument("--prior", action="append", default=[], type=prior_override,
                   help="NAME=JSON prior override for both models (repeatable).")
    p.add_argument("--label", default="default", help="Name of this run in the CSV's label column.")
    p.add_argument("--lambda-at-truth", action="store_true",
                   help="Diagnostic: pin each channel's lambda to the truth (LogNormal, sd 1%%).")
    p.add_argument("--report", type=Path, default=None, help="Print the summary of an existing CSV and stop.")
    args = p.parse_args(argv)
    args.prior = dict(args.prior)
    if args.report is not None:
        print(report(pd.read_csv(args.report)))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds_of(args.seeds):
        rows = one_seed(seed, args)
        rows.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
        print(rows[["seed", "channel", "true_roas", "geo_low", "geo_high", "geo_covers", "width_ratio",
                    "geo_corr"]].to_string(index=False), flush=True)
    table = pd.read_csv(args.out)
    print(report(table[table.label == args.label] if "label" in table else table))


if __name__ == "__main__":
    main()
