"""Plans from a stacked fit against the truth: does planning on the mixture of forms pay?

For each seed of the stacking design (``many_common.search_hill_design``: B2B, paid search with an
immediate carryover and Hill saturation, the pipeline preset delayed-logistic), this reads the
fits ``many_stats.py stacking`` left in ``/tmp/mmm-bench-many/stack_<seed>`` and plans a quarter at
today's budget, +/-30% per channel, three ways:

* the preset's single form (``forms/delayed-logistic``),
* the stacked mixture (``mmm.many.stacked_view.load_stacked``: what ``mmm plan`` does on the folder),
* the truth (a one-draw response model with the simulator's own forms and parameters).

Each plan's **true** extra pipeline is computed by the simulator (``mmm.truth.true_plan_kpi``), and the
score is the share of the truly optimal uplift over today's mix: 1 is perfect, 0 no better than today,
negative worse. It also records the model's own probability that its plan beats today's mix.

Usage::

    python benchmarks/many_stats.py stacking --seeds 1 2 3 4 5 6 --draws 500 --tune 500 --chains 2
    python benchmarks/many_stack_plans.py --seeds 1 2 3 4 5 6

Writes ``benchmarks/results/many_stack_plans.csv``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from many_common import machine_load, search_hill_design  # noqa: E402

from mmm import planning as mp  # noqa: E402
from mmm.model import Layout  # noqa: E402
from mmm.truth import true_plan_kpi  # noqa: E402

WORK = Path("/tmp/mmm-bench-many")
WEEKS = 13


def truth_model(truth: dict, data: pd.DataFrame, names: list[str], roles: tuple[str, ...]) -> mp.ResponseModel:
    """The simulator's response as a one-draw ResponseModel in the truth's own forms and scales."""
    ch = [truth["channels"][n] for n in names]
    layout = Layout(tuple(names), tuple(c["adstock"] for c in ch), tuple(c["saturation"] for c in ch),
                    tuple(int(c["l_max"]) for c in ch))
    params = {n: {k: np.array([float(v)]) for k, v in {**c["carryover_params"], **c["saturation_params"]}.items()}
              for n, c in zip(names, ch, strict=True)}
    return mp.ResponseModel(layout, params, media_beta=np.array([[c["beta"] for c in ch]]),
                            spend_scale=[c["scale"] for c in ch], kpi_scale=1.0,
                            spend_history=data[[c["spend_column"] for c in ch]].to_numpy(dtype="float64"),
                            roles=roles, kpi_type="pipeline")


def score(seed: int) -> list[dict]:
    from mmm.many.stacked_view import load_stacked
    from mmm.persist import load_fit

    df, _, truth = search_hill_design(seed)
    folder = WORK / f"stack_{seed}"
    fits = {"single (preset delayed-logistic)": load_fit(folder / "forms" / "delayed-logistic" / "model.nc"),
            "stacked": load_stacked(folder, seed=seed)}
    single = fits["single (preset delayed-logistic)"]
    names = list(single.spec.channel_names)
    cols = [single.spec.channel(n).spend for n in names]
    current = mp.current_weekly_spend(single, WEEKS)
    budget = float(current.sum()) * WEEKS
    b = mp.resolve_bounds(single, bounds="30%", weeks=WEEKS)
    bounds = pd.DataFrame({"channel": names, "min": b["min"], "max": b["max"]})
    truth_rm = truth_model(truth, df, names, tuple(single.spec.channel(n).role for n in names))
    best = mp.optimize_budget(truth_rm, budget, weeks=WEEKS, bounds=bounds, draws=None)

    def true_kpi(x) -> float:
        return true_plan_kpi(truth, df, names, cols, np.asarray(x, dtype="float64"), WEEKS)

    # the engine on the truth must agree with the simulator (else the "best" plan is not the truth's)
    x_best = np.array([c.recommended_weekly for c in best.channels])
    engine_kpi = mp.build_engine(truth_rm, WEEKS, "period+tail", None).totals_grad(x_best, grad=False)[0].sum()
    engine_cur = mp.build_engine(truth_rm, WEEKS, "period+tail", None).totals_grad(current.to_numpy(), grad=False)[0].sum()
    check = (engine_kpi - engine_cur) / (true_kpi(x_best) - true_kpi(current.to_numpy()))
    t_cur, t_best = true_kpi(current.to_numpy()), true_kpi(x_best)
    rows = []
    for kind, fit in fits.items():
        plan = mp.optimize_budget(fit, budget, weeks=WEEKS, bounds=bounds)
        t_rec = true_kpi([c.recommended_weekly for c in plan.channels])
        up = plan.summary["uplift_vs_current_mix"]["pct"]
        rows.append({"seed": seed, "fit": kind, "share_of_true_uplift": (t_rec - t_cur) / (t_best - t_cur),
                     "true_uplift_pct": 100 * (t_rec - t_cur) / t_cur, "best_uplift_pct": 100 * (t_best - t_cur) / t_cur,
                     "model_uplift_pct": up["mean"], "model_uplift_low": up["hdi_low"],
                     "model_uplift_high": up["hdi_high"],
                     "true_inside_interval": bool(up["hdi_low"] <= 100 * (t_rec - t_cur) / t_cur <= up["hdi_high"]),
                     "prob_gain": plan.evidence.prob_gain_from_mix, "engine_check": check,
                     "forms": fit.forms_text() if hasattr(fit, "forms_text") else "delayed-logistic 100%"})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    args = p.parse_args()
    print("load before:", machine_load(), flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pd.DataFrame([r for s in args.seeds for r in score(s)])
    out = ROOT / "benchmarks" / "results" / "many_stack_plans.csv"
    table.to_csv(out, index=False)
    summary = table.groupby("fit").agg(median_share=("share_of_true_uplift", "median"),
                                       min_share=("share_of_true_uplift", "min"),
                                       beats_today=("true_uplift_pct", lambda v: int((v > 0).sum())),
                                       interval_covers_truth=("true_inside_interval", "sum"), seeds=("seed", "count"))
    print(summary.to_string())
    print("load after:", machine_load())


if __name__ == "__main__":
    main()
