"""Does the recommended lift test, run and fed back, move the plan toward the truth? A multi-seed study.

For each seed of the B2B sample design (:func:`mmm.simulate.b2b_config`):

1. simulate the data, fit it as ``mmm fit`` does by default, and plan the quarter
   (+/-30% bounds, the current budget);
2. take the plan's first recommended lift test (``plan.summary["tests"]``). When the plan
   recommends none (strong evidence, no prior-dominated channel it moves), design one anyway
   for the channels the plan moves (``triggered`` is then false);
3. "run" it in the simulator on the last ``weeks`` weeks of the data, so that the
   ``lift_tests:`` entry falls inside the data. With ``--placement steady`` (default) those
   weeks become weeks at the channel's usual spend (the test's ``current_weekly``; the KPI
   moves by the true response to that change, the noise stays), the data are refitted
   without the test ("before"), and the test runs exactly as designed. With ``--placement
   history`` the test goes on the real spend history (for a cut, the latest window with
   spend to cut), and the first fit is "before"; ``lift_tests:`` takes one weekly change
   and spend cannot go below zero, so a cut is capped at the leanest week's spend, and when
   that is under half the designed cut (flighted spend) the test becomes an increase of the
   designed size (column ``placed``). The measured lift is the true lift (from the
   simulation's true parameters, :func:`mmm.simulate.true_contribution`) plus normal noise
   with the test's ``expected_se``; ``lift_se`` is that ``expected_se``;
4. refit with that entry under ``lift_tests:``, plan again, and score both plans against the
   truth with :func:`mmm.truth.plan_truth_report`: the share of the truly optimal uplift the
   plan earns (1 = the true optimum, 0 = no better than the current plan).

Usage::

    python benchmarks/lift_test_value.py --seeds 1-12                      # ~1.5 min a seed on 2 cores
    python benchmarks/lift_test_value.py --seeds 1-18 --placement history \
        --out benchmarks/results/lift_test_value_history.csv

Writes ``benchmarks/results/lift_test_value.csv`` (one row per seed, written after each
seed) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.analysis import predicted_lift
from mmm.experiment import recommend_tests
from mmm.fitted import FittedModel, Model
from mmm.planning import current_weekly_spend, optimize_budget
from mmm.simulate import b2b_config, simulate, spec_yaml, true_contribution
from mmm.spec import Spec, load_spec, spec_from_dict
from mmm.truth import plan_truth_report

RESULTS = Path(__file__).resolve().parent / "results"
OUT = RESULTS / "lift_test_value.csv"


def parse_seeds(text: str) -> list[int]:
    """``"1-10"`` or ``"1,4,7"`` -> list of seeds."""
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def simulated(seed: int, tmp: Path) -> tuple[pd.DataFrame, dict[str, Any], Spec]:
    """Data, truth (JSON-normalised) and spec of one seed of the B2B design."""
    config = b2b_config(seed=seed)
    data, truth = simulate(config)
    truth = json.loads(json.dumps(truth, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))
    data.to_csv(tmp / "b2b.csv", index=False, date_format="%Y-%m-%d")
    (tmp / "b2b.yaml").write_text(spec_yaml(config, truth))
    return data, truth, load_spec(tmp / "b2b.yaml")


def place_window(spend: np.ndarray, weeks: int, change: float) -> tuple[int, float, str]:
    """First week of the test window inside the data, the weekly change that fits there, and how.

    An increase goes on the last ``weeks`` weeks ("as designed"). A cut goes on the latest
    window where the channel spends at least the cut every week ("as designed"); failing
    that, on the window with the most spend in its leanest week, capped at that spend
    ("capped cut"). When that cap is under half the designed cut (a flighted channel has
    weeks without spend in every window), an increase of the designed size goes on the last
    ``weeks`` weeks instead ("increase instead").
    """
    T = len(spend)
    if change >= 0:
        return T - weeks, change, "as designed"
    mins = np.array([spend[s:s + weeks].min() for s in range(T - weeks + 1)])
    ok = np.nonzero(mins >= -change)[0]
    if len(ok):
        return int(ok[-1]), change, "as designed"
    s = int(np.argmax(mins))
    if mins[s] >= -0.5 * change:
        return s, -float(np.floor(mins[s])), "capped cut"
    return T - weeks, -change, "increase instead"


def steady_window(data: pd.DataFrame, truth: dict[str, Any], spec: Spec, test: dict[str, Any]) -> pd.DataFrame:
    """The data as if the tested channel had spent its usual weekly spend over the last ``weeks`` weeks.

    The usual spend is the test's ``current_weekly`` (for "go dark", exactly the spend it
    switches off). The KPI changes by the true response to that spend path (noise, baseline
    and the other channels stay), so the test then runs exactly as designed on those weeks.
    """
    ch, weeks = test["channel"], int(test["weeks"])
    col = spec.channel(ch).spend
    old = data[col].to_numpy(dtype="float64")
    usual = -float(test["spend_change_weekly"]) if test["action"] == "go dark" else float(test["current_weekly"])
    new = old.copy()
    new[-weeks:] = usual
    out = data.copy()
    out[col] = new
    out[spec.kpi.column] = data[spec.kpi.column] + true_contribution(truth, ch, new) - true_contribution(truth, ch, old)
    return out


def run_test(test: dict[str, Any], data: pd.DataFrame, truth: dict[str, Any], spec: Spec,
             rng: np.random.Generator, placement: str) -> dict[str, Any]:
    """The ``lift_tests:`` entry of the test run in the simulator, with its true lift."""
    ch, weeks = test["channel"], int(test["weeks"])
    spend = data[spec.channel(ch).spend].to_numpy(dtype="float64")
    if placement == "steady":
        start, change, placed = len(spend) - weeks, float(test["spend_change_weekly"]), "as designed"
    else:
        start, change, placed = place_window(spend, weeks, float(test["spend_change_weekly"]))
    inside = np.zeros(len(spend), dtype=bool)
    inside[start:start + weeks] = True
    true_lift = float(((true_contribution(truth, ch, spend + np.where(inside, change, 0.0))
                        - true_contribution(truth, ch, spend)) * inside).sum())
    se = float(test["expected_se"])
    dates = pd.to_datetime(data[spec.date_column])
    return {"channel": ch, "start": str(dates[inside].iloc[0].date()), "end": str(dates[inside].iloc[-1].date()),
            "spend_change": round(change, 2), "lift": true_lift + se * float(rng.standard_normal()),
            "lift_se": se, "_true_lift": true_lift, "_placed": placed}


def fit(spec: Spec, data: pd.DataFrame, draws: int) -> tuple[FittedModel, float]:
    """Fit as ``mmm fit`` does by default (4 chains), seeded; returns the fit and its seconds."""
    t0 = time.perf_counter()
    fitted = Model(spec).fit(data, draws=draws, tune=draws, seed=1, progressbar=False)
    return fitted, time.perf_counter() - t0


#: Budget of the quarter's plan as a multiple of current spend (``--budget-mult``).
BUDGET_MULT = [1.0]


def plan_and_score(fitted: FittedModel, truth: dict[str, Any], data: pd.DataFrame) -> tuple[Any, dict[str, Any]]:
    """The quarter's plan (+/-30%, current budget x ``--budget-mult``) and its score against the truth."""
    mult = BUDGET_MULT[0]
    budget = float(current_weekly_spend(fitted, 13).sum()) * 13 * mult
    plan = optimize_budget(fitted, budget, bounds="30%")
    return plan, plan_truth_report(fitted, truth, data, bounds="30%", budget_mult=mult)


def the_test(fitted: FittedModel, plan: Any, actions: tuple[str, ...] | None = None) -> tuple[dict[str, Any], bool]:
    """The plan's first recommended test (of ``actions`` only, when given), or one designed for
    the channels it moves when the plan recommends none."""
    tests = plan.summary["tests"] if actions is None else \
        [t.to_dict() for t in recommend_tests(fitted, plan, max_tests=1, actions=actions)]
    if tests:
        return tests[0], True
    moved = [r.channel for r in plan.table.itertuples() if abs(r.change_pct) > 1.0] or list(plan.table.channel)
    kw = {} if actions is None else {"actions": actions}
    return recommend_tests(fitted, plan, channels=moved, max_tests=1, **kw)[0].to_dict(), False


def roas_row(fitted: FittedModel, channel: str) -> tuple[float, float]:
    """Posterior-mean ROAS of ``channel`` and the width of its 90% HDI."""
    r = fitted.roas().set_index("channel").loc[channel]
    return float(r["roas_mean"]), float(r["roas_hdi_high"] - r["roas_hdi_low"])


#: How many of the plan's recommended tests are run and fed back together (``--tests``).
N_TESTS = [1]


def one_seed(seed: int, draws: int, tmp: Path, placement: str = "steady",
             actions: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Simulate, fit, plan, run the recommended test in the simulator, refit, replan, score.

    ``placement="steady"``: the test's weeks become the last weeks of the data at the
    channel's usual spend (:func:`steady_window`), refitted without the test ("before") and
    with it ("after"): three fits. ``"history"``: the test goes on the real spend history
    (:func:`place_window`), the first fit is "before": two fits.
    """
    data, truth, spec = simulated(seed, tmp)
    fitted, s1 = fit(spec, data, draws)
    plan, before = plan_and_score(fitted, truth, data)
    test, triggered = the_test(fitted, plan, actions)
    extra = [t for t in plan.summary["tests"] if t["channel"] != test["channel"]][:N_TESTS[0] - 1]
    if placement == "steady":
        for t in [test, *extra]:
            data = steady_window(data, truth, spec, t)
        fitted, s0 = fit(spec, data, draws)
        _, before = plan_and_score(fitted, truth, data)
        s1 += s0
    entry = run_test(test, data, truth, spec, np.random.default_rng(1000 + seed), placement)
    true_lift, placed = entry.pop("_true_lift"), entry.pop("_placed")
    entries = [entry]
    for k, t in enumerate(extra):
        more = run_test(t, data, truth, spec, np.random.default_rng(2000 + 100 * k + seed), placement)
        more.pop("_true_lift"), more.pop("_placed")
        entries.append(more)
    ch = entry["channel"]
    model_said = predicted_lift(fitted, ch, entry["start"], entry["end"], entry["spend_change"])
    raw = spec.to_dict()
    raw["lift_tests"] = entries
    refitted, s2 = fit(spec_from_dict(raw), data, draws)
    _, after = plan_and_score(refitted, truth, data)
    (m0, w0), (m1, w1) = roas_row(fitted, ch), roas_row(refitted, ch)
    return {
        "seed": seed, "triggered": triggered, "evidence_before": before["strength"],
        "prob_gain_before": round(before["prob_gain_from_mix"] or float("nan"), 3),
        "channel": ch, "action": test["action"], "weeks": test["weeks"], "placed": placed,
        "spend_change": entry["spend_change"],
        "prob_decides": round(test["prob_decides"], 3), "narrowing_expected": test["narrowing"],
        "expected_se": round(test["expected_se"]), "predicted_lift": round(model_said["mean"]),
        "predicted_low": round(model_said["hdi_low"]), "predicted_high": round(model_said["hdi_high"]),
        "true_lift": round(true_lift), "measured_lift": round(entry["lift"]),
        "true_roas": round(truth["channels"][ch]["roas"], 3), "roas_before": round(m0, 3), "roas_after": round(m1, 3),
        "roas_width_before": round(w0, 3), "roas_width_after": round(w1, 3),
        "share_before": round(before["share"], 3), "share_after": round(after["share"], 3),
        "toward_truth": bool(after["share"] > before["share"]),
        "evidence_after": after["strength"], "prob_gain_after": round(after["prob_gain_from_mix"] or float("nan"), 3),
        "tests_run": len(entries), "other_channels": ",".join(e["channel"] for e in entries[1:]),
        "converged": bool(fitted.diagnostics.converged and refitted.diagnostics.converged),
        "fit_s": round(s1 + s2, 1),
    }


#: A change in truth share smaller than this counts as "unchanged".
SAME = 0.01


def summary(table: pd.DataFrame) -> str:
    """The rate and medians in one paragraph."""
    n = len(table)
    delta = table.share_after - table.share_before
    up, down = int((delta > SAME).sum()), int((delta < -SAME).sum())
    trig = table[table.triggered]
    closer = ((table.roas_after - table.true_roas).abs() < (table.roas_before - table.true_roas).abs()).sum()
    return (f"{n} seeds: the test moves the plan toward the truth in {up} of {n}, away from it in {down}, and "
            f"leaves it within {SAME} in {n - up - down}; median truth share {table.share_before.median():.2f} -> "
            f"{table.share_after.median():.2f} (mean {table.share_before.mean():.2f} -> {table.share_after.mean():.2f})."
            f" The plan recommended a test itself in {len(trig)} of {n} (toward the truth in "
            f"{int((trig.share_after - trig.share_before > SAME).sum())} of those). The tested channel's ROAS "
            f"interval narrowed in {int((table.roas_width_after < table.roas_width_before).sum())} of {n} and its "
            f"posterior-mean ROAS moved closer to the truth in {int(closer)} of {n}.")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Run the study and write the CSV; returns the table."""
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="1-10", help="e.g. 1-10 or 1,4,7 (the shipped b2b sample is seed 11)")
    p.add_argument("--draws", type=int, default=1000, help="draws and tuning steps per chain (4 chains)")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--placement", choices=("steady", "history"), default="steady",
                   help="steady: the test's weeks at the usual spend (runs as designed); history: on the real spend")
    p.add_argument("--actions", default=None, help="e.g. increase,cut: only these spend changes (default: as "
                   "the plan recommends: increase, cut or go dark)")
    p.add_argument("--budget-mult", type=float, default=1.0, help="plan at this multiple of current spend "
                   "(1.2: 20%% more budget, where plans gain most)")
    p.add_argument("--report", action="store_true", help="only summarise an existing --out CSV")
    p.add_argument("--tests", type=int, default=1, help="run this many of the plan's recommended tests together "
                   "(each on its own channel) and feed them all back")
    args = p.parse_args(argv)
    BUDGET_MULT[0] = args.budget_mult
    N_TESTS[0] = args.tests
    if args.report:
        table = pd.read_csv(args.out)
        print(summary(table))
        return table
    warnings.simplefilter("ignore")
    rows = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for seed in parse_seeds(args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            actions = tuple(args.actions.split(",")) if args.actions else None
            rows.append(one_seed(seed, args.draws, Path(tmp), args.placement, actions))
        print(json.dumps(rows[-1]), flush=True)
        pd.DataFrame(rows).to_csv(args.out, index=False)
    table = pd.DataFrame(rows)
    print("\n" + summary(table))
    print(f"wrote {args.out}")
    return table


if __name__ == "__main__":
    main()
