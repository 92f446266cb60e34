"""Plan files (``plan.csv``, ``split.csv``, ``plan.json``) and plain-language plan text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmm.kpi import KINDS
from mmm.planning.brand_split import brand_split
from mmm.planning.engine import ResponseModel, response_model
from mmm.planning.plan import optimize_budget
from mmm.planning.request import money
from mmm.planning.result import Interval, PlanResult, jsonable
from mmm.planning.scenarios import compare_scenarios, default_scenarios

if TYPE_CHECKING:
    from mmm.fitted import FittedModel


def write_plan_outputs(fitted: FittedModel | ResponseModel, outdir: str | Path, *, budget: float, weeks: int = 13,
                       bounds: Any = "30%", fixed: Iterable[str] | str | None = (), objective: str = "mean",
                       risk_lambda: float = 1.0, risk_quantile: float | None = None, min_roas: float | None = None,
                       max_cost_per_kpi: float | None = None, horizon: str = "period+tail",
                       win_rate: float | None = None, avg_deal_size: float | None = None,
                       shares: Iterable[float] | None = None, tolerance: float = 0.02, draws: int = 500,
                       seed: int = 0, prob: float = 0.9, request: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``plan.csv``, ``split.csv`` and ``plan.json`` into ``outdir`` (what ``mmm plan`` does).

    * ``plan.csv``: ``channel, role, current_weekly, recommended_weekly, change_pct,
      expected_kpi_mean, expected_kpi_hdi_low, expected_kpi_hdi_high``;
    * ``split.csv``: ``brand_share, expected_kpi_mean, expected_kpi_hdi_low, expected_kpi_hdi_high``
      (the brand vs performance sweep: same budget, horizon and fixed channels; per-channel
      bounds are not applied to the sweep, which asks which share is best);
    * ``plan.json``: the plan summary (current vs recommended with intervals, uplift, carry-in,
      in-period vs tail, economics), the per-channel rows, and the split (best brand share,
      its range, the current share and the published norms), plus the scenario table and
      ``tests``: the lift tests that would settle the plan (:mod:`mmm.experiment`; an empty
      list when the evidence is strong and no channel the plan moves is prior-dominated).

    Parameters are those of :func:`optimize_budget` and :func:`mmm.split.brand_split`;
    ``request`` (what was asked, e.g. by ``mmm plan``) is stored as ``plan.json["request"]`` so
    that ``mmm report`` can show the same plan.

    Returns
    -------
    dict
        ``{"plan": Path, "split": Path, "json": Path}``.

    Examples
    --------
    >>> write_plan_outputs(fitted, "out", budget=1_000_000, bounds="30%")   # doctest: +SKIP
    """
    fitted = response_model(fitted)  # built once for the plan, the split and the scenarios
    plan = optimize_budget(fitted, budget, weeks=weeks, bounds=bounds, fixed=fixed, objective=objective,
                           risk_lambda=risk_lambda, risk_quantile=risk_quantile, min_roas=min_roas,
                           max_cost_per_kpi=max_cost_per_kpi, horizon=horizon, draws=draws, seed=seed, prob=prob,
                           win_rate=win_rate, avg_deal_size=avg_deal_size)
    kw = {} if shares is None else {"shares": shares}
    split = brand_split(fitted, budget, weeks=weeks, tolerance=tolerance, horizon=horizon, prob=prob,
                        fixed=fixed, draws=draws, seed=seed, **kw)
    scen = compare_scenarios(fitted, default_scenarios(fitted, weeks=weeks, recommended=plan), weeks=weeks,
                             horizon=horizon, prob=prob, seed=seed)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"plan": out / "plan.csv", "split": out / "split.csv", "json": out / "plan.json"}
    from mmm.atomic import atomic_path, write_text_atomic

    for key, table in (("plan", plan.table), ("split", split.table)):
        with atomic_path(paths[key]) as tmp:  # renamed into place: a failed write keeps the old file
            table.to_csv(tmp, index=False, lineterminator="\n")
    doc = {"plan": plan.summary, "channels": plan.table.to_dict(orient="records"), "split": split.summary,
           "scenarios": scen.to_dict(orient="records"), "tests": plan.summary.get("tests", []),
           "model_health": model_health(fitted), "request": request or {}}
    write_text_atomic(paths["json"], json.dumps(jsonable(doc), indent=2, allow_nan=False) + "\n")
    return paths


def model_health(fitted: FittedModel | ResponseModel) -> dict[str, Any]:
    """The fit's health as a plan should carry it: ``health``, ``converged``, ``verdict``, a
    plain ``note`` (empty when the fit is healthy) and its warnings and errors (:mod:`mmm.health`).

    A :class:`~mmm.planning.engine.ResponseModel` carries the health of the fit it came from;
    one built by hand has none (``health`` and ``converged`` are ``None``).
    """
    from mmm.health import watermark_note

    if isinstance(fitted, ResponseModel):
        fitted = fitted.fitted
    if fitted is None:
        return {"health": None, "converged": None, "verdict": "no fit: a response model built by hand", "note": "",
                "checks": []}
    d = fitted.diagnostics
    problems = [c for c in d.checks if c["level"] in ("warning", "error")]
    return {"health": d.health, "converged": bool(d.converged), "verdict": d.verdict,
            "note": watermark_note(fitted) or "", "checks": problems}


def plan_text(plan: PlanResult, split: Any = None) -> str:
    """A few plain-language lines about a plan (and a brand split), for the command line.

    Examples
    --------
    >>> print(plan_text(plan, split))                               # doctest: +SKIP
    """
    s = plan.settings
    w, cur = s.words, s.currency
    pct = int(round(100 * s.prob))
    lines = []
    if s.approximate:
        lines.append("APPROXIMATE FIT (ADVI): for iterating only, not for reporting.")
    lines.append(f"Plan for {s.weeks} weeks, budget {money(s.budget, cur)} "
                 f"({money(s.weekly_budget, cur)} a week); bounds: {s.bounds}; horizon: {s.horizon}.")
    for c in plan.channels:
        lines.append(f"  {c.channel:<16} {c.role:<11} {money(c.current_weekly, cur):>12} -> "
                     f"{money(c.recommended_weekly, cur):>12} /week ({c.change_pct:+.0f}%)")
    r = plan.recommended_totals
    now, up = plan.current_totals.expected_kpi, plan.uplift

    def fmt(iv: Interval) -> str:
        return f"{iv.mean:,.0f} [{iv.hdi_low:,.0f}, {iv.hdi_high:,.0f}]"

    lines.append(f"Expected {w['kpi']} from the plan's spend ({pct}% HDI): recommended {fmt(r.expected_kpi)}; "
                 f"current {fmt(now)}.")
    if up.pct.mean is not None:
        lines.append(f"Uplift: {up.absolute.mean:+,.0f} {w['kpi']} ({up.pct.mean:+.1f}%, "
                     f"{pct}% HDI {up.pct.hdi_low:+.1f}% to {up.pct.hdi_high:+.1f}%); "
                     f"probability of a gain {up.prob_positive:.0%}.")
    lines.append(f"Of which inside the period {r.in_period.mean:,.0f}, after it (tail) {r.tail.mean:,.0f}; "
                 f"carry-in from earlier spend {plan.carry_in.expected_kpi.mean:,.0f} {w['kpi']} inside the period.")
    econ = r.kpi_economics
    for key, label in (("roas", "ROAS"), ("pipeline_roi", "pipeline ROI"), ("revenue_roi", "revenue ROI"),
                       ("leads_per_1k", f"{KINDS['leads'].return_name} ({cur} spent)")):
        iv = getattr(econ, key)
        if iv is not None:
            lines.append(f"{label} of the recommended plan: {iv.mean:.2f}")
    for key, label in (("cost_per_lead", "cost per lead"), ("cost_per_opportunity", "cost per opportunity"),
                       ("cost_per_deal_won", "cost per deal won")):
        cost = getattr(econ, key)
        if cost is not None and cost.value is not None:
            lines.append(f"{label}: {money(cost.value, cur)}")
    if econ.expected_revenue is not None:
        lines.append(f"expected revenue (at the given win rate): {money(econ.expected_revenue.mean, cur)}")
    if split is not None:
        ss = split.summary if hasattr(split, "summary") else split
        if "brand_channels" in ss and not (ss["brand_channels"] and ss.get("performance_channels")):
            role = "brand" if ss.get("brand_channels") else "performance"
            lines.append(f"Brand share: not computed: every channel is {role}; set role: brand / performance on "
                         "the channels to compare the two.")
        elif ss.get("best_share") is not None:
            lo, hi = ss["share_range"]
            lines.append(f"Brand share: best {ss['best_share']:.0%} (within {ss['tolerance']:.0%} of the best: "
                         f"{lo:.0%}-{hi:.0%}); current {ss['current_share']:.0%}; norm "
                         f"{ss['norm']['brand']:.0%} ({ss['norm']['name']}).")
    lines += plan.notes
    if plan.tests:
        from mmm.experiment import tests_lines
        lines += tests_lines(plan.tests, plan.summary)
    return "\n".join(lines)


def read_plan_outputs(outdir: str | Path) -> tuple[PlanResult, Any]:
    """The plan and brand split :func:`write_plan_outputs` wrote into ``outdir``, read back without
    re-optimising (what ``mmm report`` shows when ``mmm plan`` ran on the same model).

    Returns
    -------
    (PlanResult, SplitResult)
        The split's ``allocations`` (weekly spend at each swept share) are not saved, so they are
        ``None``.
    """
    import pandas as pd

    from mmm.planning.brand_split import SplitResult

    out = Path(outdir)
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    plan = PlanResult.from_files(out / "plan.json", out / "plan.csv")
    split = SplitResult(table=pd.read_csv(out / "split.csv"), summary=doc["split"])
    return plan, split
