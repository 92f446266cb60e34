"""Coverage of the mediation model's 90% intervals across seeds of the mediation sample design.

For each seed, simulate ``d2c_mediation_config(seed)`` (the design of the shipped
``data/samples/d2c_mediation`` sample: 156 weeks, TV and YouTube building branded search,
Meta, generic search and branded paid search), fit :func:`mmm.mediation.fit_mediated` with
the sample's spec and ``paid_brand_search="brand_search"`` (the spec's default ``fit:``
settings unless ``--draws/--tune/--chains`` say otherwise), and record per channel the
true value, posterior mean, 90% HDI and whether the HDI covers the truth for the
**indirect share** (brand channels), the **direct contribution** and the **total ROAS**;
plus R-hat max, divergences and seconds per fit.

Usage::

    python benchmarks/mediation_coverage.py                       # seeds 0-9, default settings
    python benchmarks/mediation_coverage.py --seeds 10-19 --out benchmarks/results/mediation_coverage_heldout.csv
    python benchmarks/mediation_coverage.py --draws 500 --tune 500 --chains 2   # quicker

Rows are appended to the CSV as each seed finishes (a killed run keeps what it did);
``--report CSV`` prints the summary of an existing file.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mmm.simulate import d2c_mediation_config, mediation_spec_yaml, season_time, simulate_mediation  # noqa: E402

PBS = "brand_search"
PROB = 0.9


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"0,3,5"`` or ``"0-4,10"``."""
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part.strip():
            out.append(int(part))
    return out


#: Designs: the shipped sample's (156 weeks, 5 channels) and tests/test_mediation.py's smaller one.
DESIGNS = {"sample": {"weeks": 156, "channels": ("tv", "youtube", "meta", "generic_search", "brand_search")},
           "test": {"weeks": 104, "channels": ("tv", "youtube", "meta", "brand_search")}}


def fit_one(seed: int, draws: int | None, tune: int | None, chains: int | None,
            fit_seed: int | None, design: str = "sample", prior: str = "default") -> list[dict]:
    """Simulate one seed, fit it, and return one row per channel."""
    import yaml

    from mmm.mediation import SEARCH_EFFECT_PRIOR, fit_mediated
    from mmm.spec import spec_from_dict

    cfg = d2c_mediation_config(seed=seed, **DESIGNS[design])
    data, truth = simulate_mediation(cfg)
    raw = yaml.safe_load(mediation_spec_yaml(cfg))
    raw.pop("data", None)
    spec = spec_from_dict(raw)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_mediated(spec, data, paid_brand_search=PBS, compare_plain=False, draws=draws, tune=tune,
                           chains=chains, seed=fit_seed, progressbar=False,
                           search_effect_prior=SEARCH_EFFECT_PRIOR if prior == "theta" else None)
    seconds = time.perf_counter() - t0
    e = fit.effects(PROB).set_index("channel")
    d = fit.diagnostics
    rows = []
    for c, t in truth["channels"].items():
        r = e.loc[c]
        row = {"design": design, "prior": prior, "seed": seed, "channel": c, "role": t["role"], "drives_branded_search": t["drives_branded_search"]}
        for name, true in (("indirect_share", t["indirect_share"]), ("direct", t["contribution"]),
                           ("total_roas", t["total_roas"])):
            lo, hi = float(r[f"{name}_hdi_low"]), float(r[f"{name}_hdi_high"])
            row.update({f"{name}_true": true, f"{name}_mean": float(r[f"{name}_mean"]), f"{name}_low": lo,
                        f"{name}_high": hi, f"{name}_covered": bool(lo <= true <= hi)})
        row.update({"max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences,
                    "draws": d.draws, "tune": d.tune, "chains": d.chains, "fit_seed": fit.spec.fit.seed,
                    "seconds": round(seconds, 1)})
        rows.append(row)
    return rows


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    r = y - x @ coef
    return coef, r @ r / (len(y) - x.shape[1]) * np.linalg.inv(x.T @ x)


def oracle_one(seed: int, design: str = "sample", n_sim: int = 4000) -> list[dict]:
    """The best any model can do on this data: least squares with the **true** saturation curves
    (search on the brand curves; KPI on every curve and search; the model's baseline: intercept,
    linear trend, yearly Fourier order 2, the event), and a 90% interval of each indirect share
    from the coefficients' normal sampling distributions (no prior, no curve uncertainty)."""
    cfg = d2c_mediation_config(seed=seed, **DESIGNS[design])
    data, truth = simulate_mediation(cfg)
    n = len(data)
    u = season_time(pd.DatetimeIndex(data[cfg.date_column]))
    base = np.column_stack([np.ones(n), np.arange(n) / (n - 1)] + [data[e.name] for e in cfg.events]
                           + [f(2 * np.pi * k * u) for k in (1, 2) for f in (np.sin, np.cos)])
    names = [c.name for c in cfg.channels]
    brand = [c for c in names if truth["channels"][c]["drives_branded_search"]]
    curve = {c: np.asarray(truth["weekly"]["direct"][c]) / truth["channels"][c]["beta"] for c in names}
    search = data[cfg.search_column].to_numpy(float)
    cs, vs = _ols(np.column_stack([base] + [curve[c] for c in brand]), search)
    ck, vk = _ols(np.column_stack([base] + [curve[c] for c in names] + [search]), data[cfg.kpi_column].to_numpy())
    rng = np.random.default_rng(seed)
    ds, dk = rng.multivariate_normal(cs, vs, n_sim), rng.multivariate_normal(ck, vk, n_sim)
    rows = []
    for j, c in enumerate(brand):
        col = base.shape[1] + names.index(c)
        theta, beta, gamma = ds[:, base.shape[1] + j], dk[:, col], dk[:, -1]
        share = gamma * theta / (beta + gamma * theta)
        lo, hi = np.quantile(share, [(1 - PROB) / 2, (1 + PROB) / 2])
        point = ck[-1] * cs[base.shape[1] + j] / (ck[col] + ck[-1] * cs[base.shape[1] + j])
        true = truth["channels"][c]["indirect_share"]
        rows.append({"design": design, "seed": seed, "channel": c, "indirect_share_true": true,
                     "oracle_share": point, "oracle_low": lo, "oracle_high": hi,
                     "oracle_covered": bool(lo <= true <= hi), "gamma_z": (ck[-1] - truth["mediation"][
                         "revenue_per_search"]) / np.sqrt(vk[-1, -1])})
    return rows


def summary(df: pd.DataFrame) -> str:
    """Coverage counts: indirect shares per channel x seed, direct and total ROAS over all channels."""
    brand = df[df.drives_branded_search.astype(bool)]
    seeds = sorted(df.seed.unique())
    design = df.design.iloc[0] if "design" in df else "sample"
    lines = [f"design {design}: {len(seeds)} seeds ({seeds[0]}..{seeds[-1]}), {PROB:.0%} HDIs"]
    per_seed = brand.groupby("seed").indirect_share_covered.all()
    lines.append(f"indirect share: all brand channels covered in {int(per_seed.sum())}/{len(per_seed)} seeds; "
                 f"{int(brand.indirect_share_covered.sum())}/{len(brand)} channel x seed intervals")
    for c, g in brand.groupby("channel", sort=False):
        err = (g.indirect_share_mean - g.indirect_share_true)
        lines.append(f"  {c:8s} covered {int(g.indirect_share_covered.sum())}/{len(g)}  true "
                     f"{g.indirect_share_true.iloc[0]:.3f}  mean error {err.mean():+.3f}  "
                     f"rmse {np.sqrt((err ** 2).mean()):.3f}  mean width "
                     f"{(g.indirect_share_high - g.indirect_share_low).mean():.3f}")
    for name in ("direct", "total_roas"):
        per = df.groupby("channel", sort=False)[f"{name}_covered"].sum()
        lines.append(f"{name}: {int(df[f'{name}_covered'].sum())}/{len(df)} covered ("
                     + ", ".join(f"{c} {int(v)}/{len(seeds)}" for c, v in per.items()) + ")")
    fits = df.groupby("seed").first()
    lines.append(f"R-hat max {fits.max_rhat.max():.3f}, divergences {int(fits.divergences.sum())} in all, "
                 f"{fits.seconds.mean():.0f} s per fit; draws {int(fits.draws.iloc[0])} x chains "
                 f"{int(fits.chains.iloc[0])}, tune {int(fits.tune.iloc[0])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0-9", help="simulator seeds: 0-9, 10-19, 0,3,5 (default 0-9)")
    ap.add_argument("--draws", type=int, default=None, help="posterior draws per chain (default: the spec's, 1000)")
    ap.add_argument("--tune", type=int, default=None, help="tuning steps (default: the spec's, 1000)")
    ap.add_argument("--chains", type=int, default=None, help="chains (default: the spec's, 4)")
    ap.add_argument("--design", choices=sorted(DESIGNS), default="sample",
                    help="sample: the shipped d2c_mediation design (156 weeks, 5 channels; default); "
                         "test: tests/test_mediation.py's (104 weeks, tv/youtube/meta/brand_search)")
    ap.add_argument("--prior", choices=("default", "theta"), default="default",
                    help="default: the search effect parametrised by searches per unit of spend; theta: the "
                         "old default, HalfNormal(0.5) on theta at full saturation (search_effect_prior=)")
    ap.add_argument("--fit-seed", type=int, default=None, help="sampler seed (default: the spec's, 1)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "mediation_coverage.csv"))
    ap.add_argument("--append", action="store_true", help="add to an existing CSV instead of replacing it")
    ap.add_argument("--report", default=None, help="only print the summary of this CSV")
    ap.add_argument("--oracle", action="store_true",
                    help="no fits: least squares with the true curves and its 90%% intervals (seconds)")
    args = ap.parse_args(argv)
    if args.report:
        print(summary(pd.read_csv(args.report)))
        return 0
    if args.oracle:
        frame = pd.DataFrame([r for seed in parse_seeds(args.seeds) for r in oracle_one(seed, args.design)])
        frame.to_csv(args.out, index=False)
        per_seed = frame.groupby("seed").oracle_covered.all()
        print(frame.round(3).to_string(index=False))
        print(f"oracle ({args.design}): all brand channels covered in {int(per_seed.sum())}/{len(per_seed)} seeds; "
              f"{int(frame.oracle_covered.sum())}/{len(frame)} intervals")
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not args.append:
        out.unlink()
    print(f"load average {os.getloadavg()} on {os.cpu_count()} CPUs", flush=True)
    for seed in parse_seeds(args.seeds):
        rows = fit_one(seed, args.draws, args.tune, args.chains, args.fit_seed, args.design, args.prior)
        frame = pd.DataFrame(rows)
        frame.to_csv(out, mode="a", header=not out.exists(), index=False)
        b = frame[frame.drives_branded_search]
        print(f"seed {seed}: " + "; ".join(
            f"{r.channel} share {r.indirect_share_true:.3f} in [{r.indirect_share_low:.3f}, "
            f"{r.indirect_share_high:.3f}] mean {r.indirect_share_mean:.3f} {'ok' if r.indirect_share_covered else 'MISS'}"
            for r in b.itertuples()) + f" | rhat {frame.max_rhat.iloc[0]:.3f} div {frame.divergences.iloc[0]} "
            f"{frame.seconds.iloc[0]:.0f}s", flush=True)
    print(summary(pd.read_csv(out)))
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
