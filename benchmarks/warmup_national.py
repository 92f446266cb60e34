"""National fits: the two warm-up rules for the diagonal mass matrix side by side, over seeds.

For each spec and seed, the model is fitted twice in this process, once with numpyro's windows
(``mass_adaptation="windows"``) and once with the gradient rule (``"gradient"``, every fit's default,
:func:`mmm.compiled.gradient_mass_updates`). Each rule's program is compiled before the first timed
fit, so ``sampling_s`` is warm-up plus draws alone. Recorded per fit: sampling seconds, mean leapfrog
steps per kept draw, divergences, min bulk ESS over every sampled value and small deterministic, min
bulk ESS of the channels' ROAS, and max R-hat (ArviZ's rank-normalised, over the same values).

Usage::

    python benchmarks/warmup_national.py                                    # bundled samples, 2 x 500, seeds 0-9
    python benchmarks/warmup_national.py --specs data/samples/b2b.yaml --chains 4 --draws 1000 --seeds 1-4

Rows go to ``results/warmup_national.csv`` with the load average; the summary (medians per spec and rule)
is printed.
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
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "warmup_national.csv"
RULES = ("windows", "gradient")


def one_fit(model, fit, rule: str) -> dict:
    """Sample a built model with one warm-up rule; one row of measures."""
    import arviz as az

    from mmm.sampling import sample_compiled

    t0 = time.perf_counter()
    idata = sample_compiled(model, fit, mass_adaptation=rule)
    seconds = time.perf_counter() - t0
    post = idata.posterior.drop_vars([v for v in ("mu",) if v in idata.posterior])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ess, rhat = az.ess(post, method="bulk"), az.rhat(post)
    stats = idata.sample_stats
    return {"sampling_s": round(seconds, 3), "steps_per_draw": round(float(stats["n_steps"].mean()), 2),
            "divergences": int(stats["diverging"].sum()),
            "min_ess": round(min(float(ess[v].min()) for v in ess.data_vars), 1),
            "min_ess_roas": round(float(ess["roas"].min()), 1),
            "max_rhat": round(max(float(rhat[v].max()) for v in rhat.data_vars), 4),
            "worst": max(rhat.data_vars, key=lambda v: float(rhat[v].max()))}


def seeds_of(text: str) -> list[int]:
    """``0-9`` or ``1,3,5``."""
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--specs", nargs="+", default=["data/samples/ecommerce.yaml", "data/samples/b2b.yaml"])
    p.add_argument("--seeds", default="0-9")
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500, help="draws and warm-up draws per chain")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args()

    from mmm.fitted import Model
    from mmm.spec import load_spec

    rows = []
    for path in args.specs:
        spec = load_spec(ROOT / path if not Path(path).is_absolute() else path)
        spec = spec.with_fit(draws=args.draws, tune=args.draws, chains=args.chains)
        model_of = Model(spec)
        dataset = model_of.prepare()
        model, _, _ = model_of.build(dataset)
        for rule in RULES:  # compile both programs before timing anything
            one_fit(model, spec.with_fit(seed=10_000).fit, rule)
        for seed in seeds_of(args.seeds):
            for rule in RULES:
                load = os.getloadavg()[0]
                row = {"spec": Path(path).stem, "rule": rule, "seed": seed, "chains": args.chains,
                       "draws": args.draws, **one_fit(model, spec.with_fit(seed=seed).fit, rule),
                       "load_1m": round(load, 2), "when": time.strftime("%Y-%m-%d %H:%M")}
                rows.append(row)
                print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
    summary = frame.groupby(["spec", "rule"]).agg(
        fits=("seed", "size"), sampling_s=("sampling_s", "median"), steps=("steps_per_draw", "median"),
        min_ess=("min_ess", "median"), min_ess_roas=("min_ess_roas", "median"),
        rhat_over_1_01=("max_rhat", lambda r: int(np.sum(r > 1.01))), max_rhat=("max_rhat", "max"),
        divergences=("divergences", "sum"))
    summary["ess_per_s"] = (summary["min_ess"] / summary["sampling_s"]).round(0)
    print(summary.to_string())


if __name__ == "__main__":
    main()
