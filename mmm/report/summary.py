"""The numbers and sentences the deck, the HTML report and the one-pager show.

Every number comes from the analysis layer (:mod:`mmm.analysis`) and every ranking or
claim is gated by the posterior (:mod:`mmm.claims`); this module turns them into the
executive summary's blocks, the model-health line and its warnings, the open questions
and the settings lines. Nothing here draws or writes files.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmm.analysis import (
    period_text,
    plan_totals,
    return_table,
    split_summary,
    total_media,
)
from mmm.analysis.summaries import plan_economics
from mmm.claims import contribution_claim, plan_claim, prob_text, roas_claim, split_claim
from mmm.planning.result import PlanResult
from mmm.plots.style import Caution, caution_of, label, pct, units_of


def summary_points(fitted: Any, *, plan: Any = None, split: Any = None, weeks: int = 13,
                   budget: float | None = None) -> dict[str, dict[str, Any]]:
    """The four blocks of the executive summary.

    Keys ``decomposition``, ``returns``, ``plan``, ``split``; each a dict with ``big`` (a
    headline number), ``interval`` (its 90% interval, e.g. "90%: -2.1% to +4.4%", or ""),
    ``caption`` (what it is, with the evidence for it), ``lines`` (short supporting lines)
    and ``tone``: ``"strong"`` only for a headline the posterior supports with at least 90%
    probability (drawn in the house green), else ``"neutral"`` (or ``"negative"`` for a plan
    that loses). Wording follows the KPI type (no "revenue" on a pipeline model), and every
    ranking is gated by the posterior (:mod:`mmm.claims`): a best channel is named only with
    at least 90% probability.
    """
    u = units_of(fitted)
    word = u.kpi_word
    cs = fitted.channel_summary()
    total_kpi = float(np.sum(fitted.train.kpi))
    tm = total_media(fitted)
    media_share = tm["mean"] / total_kpi if total_kpi else float("nan")
    top = cs.sort_values("contribution_mean", ascending=False).head(3)
    contrib = contribution_claim(fitted) if len(cs) > 1 else None
    dec = {"big": pct(media_share),
           "interval": f"90%: {pct(tm['hdi_low'] / total_kpi)} to {pct(tm['hdi_high'] / total_kpi)}"
           if total_kpi else "",
           "caption": f"of {word} came from paid media", "tone": "neutral",
           "lines": [f"{u.kpi(tm['mean'])} (90%: {u.kpi(tm['hdi_low'], unit=False)} to {u.kpi(tm['hdi_high'], unit=False)}), "
                     f"{period_text(fitted.train.dates)}"]
           + ([contrib.sentence] if contrib is not None else [])
           + ["Shares of " + word + ": " + ", ".join(f"{label(r.channel)} {pct(r.share_of_kpi)}"
                                                      for r in top.itertuples()),
              f"The rest ({pct(1 - media_share)}): baseline, seasonality, events, controls"]}

    # ---- returns: a best channel only with >= 90% probability
    rt = return_table(cs, u)
    claim = roas_claim(cs if "prob_highest_roas" in cs.columns else fitted, u)
    probs = claim.probs
    rows = rt.set_index("channel")
    shown = list(dict.fromkeys([*claim.tied, *rt["channel"]]))[:max(3, min(len(claim.tied), 4))]

    def fmt(v: float) -> str:
        return (u.money(v) if np.isfinite(v) else "n/a") if u.return_is_cost else u.ratio(v)

    best_word = "lowest" if u.return_is_cost else "highest"
    lines = []
    for c in shown:
        r = rows.loc[c]
        line = f"{label(c)}: {fmt(r.value)}{' per lead' if u.return_is_cost else ''} (90%: {fmt(r.low)} to {fmt(r.high)})"
        if c in probs:
            line += f", {prob_text(probs[c])} chance it is the {best_word}"
        lines.append(line)
    if "value_roas_mean" in cs.columns:
        worth = cs.set_index("channel")
        lines.append("Revenue ROAS (kpi.value_per_unit): " + ", ".join(
            f"{label(c)} {u.ratio(worth.loc[c, 'value_roas_mean'])}" for c in shown))
    per = "per lead" if u.return_is_cost else f"{word} per {u.per_unit}"
    if claim.confident and len(rt) > 1:
        r = rows.loc[claim.winner]
        sure = f" ({prob_text(claim.probability)} probability)" if np.isfinite(claim.probability) else ""
        ret = {"big": fmt(r.value), "interval": f"90%: {fmt(r.low)} to {fmt(r.high)}",
               "caption": f"{per} on {label(claim.winner)}, the {best_word}{sure}", "tone": "strong", "lines": lines}
    elif len(rt) > 1:
        vals = sorted(float(rows.loc[c, "value"]) for c in claim.tied)
        big = f"{fmt(vals[0])}-{fmt(vals[-1])}"
        names = join_names([label(c) for c in claim.tied]) if len(claim.tied) <= 3 else f"{len(claim.tied)} channels"
        which = "lower" if u.return_is_cost and len(claim.tied) == 2 else (
            "higher" if len(claim.tied) == 2 else best_word)
        ret = {"big": big, "interval": "", "tone": "neutral", "lines": lines,
               "caption": f"{'cost per lead' if u.return_is_cost else per} on {names}: the data cannot tell which "
                          f"is {which}"}
    else:
        r = rt.iloc[0]
        ret = {"big": fmt(r.value), "interval": f"90%: {fmt(r.low)} to {fmt(r.high)}",
               "caption": f"{per} on {label(r.channel)}", "tone": "neutral", "lines": lines}

    # ---- plan: the uplift with its interval and the evidence for the new mix
    pl: dict[str, Any] = {"big": "n/a", "interval": "", "caption": "no budget plan in this report", "lines": [],
                          "tone": "neutral"}
    if plan is not None:
        t = plan_totals(plan)
        tab = getattr(plan, "table", plan)
        b = budget if budget is not None else t.budget
        pc = plan_claim(plan)
        if t.uplift is not None and pc is not None:
            up = t.uplift
            pl["big"] = pc.big or f"{'+' if up.mean >= 0 else '-'}{u.kpi(abs(up.mean))}"
            pl["interval"] = pc.interval
            now = t.current_spend
            if b is not None and np.isfinite(b) and np.isfinite(now) and abs(b - now) > 0.005 * max(now, 1.0):
                same = f"at {u.money(b)} vs today's {u.money(now)}"
            else:
                same = f"same budget ({u.money(b)})" if b is not None and np.isfinite(b) else "same budget"
            more = "more" if up.mean >= 0 else "less"
            if pc.evidence in ("strong", "moderate", "weak") and np.isfinite(pc.probability):
                ev_text = f"{pc.evidence} evidence: {prob_text(pc.probability)} chance it beats today's mix"
            else:
                ev_text = "the recommended mix is today's mix" if pc.evidence == "no change" else ""
            pl["caption"] = f"{more} {word}, {same}" + (f"; {ev_text}" if ev_text else "")
            pl["tone"] = "strong" if pc.confident else ("negative" if up.mean < 0 else "neutral")
            gain = f"{'+' if up.mean >= 0 else '-'}{u.kpi(abs(up.mean))}"
            if np.isfinite(up.hdi_low) and np.isfinite(up.hdi_high):
                gain += f" (90%: {u.kpi(up.hdi_low, unit=False)} to {u.kpi(up.hdi_high, unit=False)})"
            pl["lines"].append(f"Expected gain {gain}")
            ev = t.evidence
            if ev is not None and ev.strength in ("moderate", "weak") and ev.test_channels:
                pl["lines"].append("Not settled: lift-test " + " and ".join(label(c) for c in ev.test_channels)
                                   + " before moving budget")
        pl["lines"] += economics_lines(plan, u)
        d = tab.assign(delta=tab["recommended_weekly"] - tab["current_weekly"])
        ups = [f"{label(r.channel)} +{pct(r.delta / r.current_weekly)}" for r in
               d.sort_values("delta", ascending=False).itertuples() if r.delta > 0 and r.current_weekly > 0][:3]
        downs = [f"{label(r.channel)} -{pct(-r.delta / r.current_weekly)}" for r in
                 d.sort_values("delta").itertuples() if r.delta < 0 and r.current_weekly > 0][:3]
        if ups or downs:
            pl["lines"].append("Shift: " + ", ".join(ups + downs))

    # ---- brand split: the posterior range of the best share, and the direction of change
    sp: dict[str, Any] = {"big": "n/a", "interval": "", "caption": "no brand vs performance split in this report",
                          "lines": [], "tone": "neutral"}
    if split is not None:
        s = split_summary(split)
        sc = split_claim(split)
        rng = s["share_range"]
        if np.isfinite(sc.best):
            if sc.confident:
                where = "above" if sc.direction == "more brand" else "below"
                sure = (f"{prob_text(max(sc.prob_more_brand, 1 - sc.prob_more_brand))} probability it is {where} "
                        if np.isfinite(sc.prob_more_brand) else f"its 90% range is {where} ")
                sp.update(big=pct(sc.best), interval=sc.interval_text, tone="strong",
                          caption=f"best brand share of budget ({sc.interval_text}), {sure}today's {pct(sc.current)}")
            elif np.isfinite(sc.low):
                sp.update(big=f"{pct(sc.low)}-{pct(sc.high)}", interval="90%",
                          caption="best brand share: the data cannot tell it"
                                  + (f" from today's {pct(sc.current)}" if np.isfinite(sc.current) else ""))
            else:
                sp.update(big=pct(sc.best), caption="best brand share on the mean curve; the data cannot tell how "
                                                    "sure this is")
            mean_line = f"Mean curve peaks at {pct(sc.best)}"
            if rng:
                mean_line += f" (within {pct(s['tolerance']) if np.isfinite(s['tolerance']) else '2%'} of it: " \
                             f"{pct(rng[0])} to {pct(rng[1])})"
            if np.isfinite(s["current_share"]):
                mean_line += f"; today {pct(s['current_share'])}"
            sp["lines"].append(mean_line)
            if not sc.confident and np.isfinite(sc.prob_more_brand):
                sp["lines"].append(f"{prob_text(sc.prob_more_brand)} chance brand should get more than today")
        if s["norms"]:
            sp["lines"].append("Published norms: " + ", ".join(f"{k} {pct(v)}" for k, v in s["norms"].items()))
        sp["lines"].append("A weekly model misses brand's long-term effect: read this share as a lower bound.")
    return {"decomposition": dec, "returns": ret, "plan": pl, "split": sp}


def economics_lines(plan: Any, units: Any) -> list[str]:
    """Lead-gen economics of the recommended plan (win rate, deal size), one short line each."""
    eco = plan_economics(plan)
    u = units_of(units)
    out = []
    if eco.expected_revenue is not None and eco.win_rate is not None:
        r = eco.expected_revenue
        out.append(f"At a {pct(eco.win_rate)} win rate: expected revenue {u.money(r.mean)} "
                   f"(90%: {u.money(r.hdi_low)} to {u.money(r.hdi_high)})")
    for key, what in (("cost_per_opportunity", "opportunity"), ("cost_per_deal_won", "deal won")):
        c = getattr(eco, key)
        if c is not None:
            out.append(f"Cost per {what}: {u.money(c.value)} (90%: {u.money(c.low)} to {u.money(c.high)})")
    return out


def join_names(names: list[str]) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summary_headings(fitted: Any, weeks: int = 13) -> dict[str, str]:
    """Headings of the executive summary blocks."""
    u = units_of(fitted)
    return {"decomposition": f"What drove {u.kpi_word}", "returns": f"Best returns ({u.return_name})",
            "plan": f"Budget plan, next {weeks} weeks", "split": "Brand vs performance"}


def health_summary(fitted: Any, caution: Caution | None = None, top: int = 3) -> tuple[str, list[str]]:
    """The model-health word for the title slide (``ok``, ``review``, ``do not use``) and its top warnings.

    A fit that is not converged, FAST or APPROXIMATE is ``do not use`` whatever its checks say.
    Warnings: the watermark's sentence, then error checks, then warning checks (messages from
    ``diagnostics.checks``), at most ``top`` of them.
    """
    d = fitted.diagnostics
    caution = caution_of(fitted) if caution is None else caution
    health = str(getattr(d, "health", None) or "ok")
    not_fit = caution is not None and caution.mark in ("APPROXIMATE", "FAST MODE", "DO NOT USE")
    if not_fit or not getattr(d, "converged", True):
        health = "do not use"
    elif caution is not None and caution.mark == "REVIEW" and health == "ok":
        health = "review"
    out: list[str] = []
    if caution is not None and caution.mark != "REVIEW":
        out.append(caution.note)
    if not getattr(d, "converged", True) and not getattr(d, "approximate", False):
        out.append(f"Sampling: {d.verdict}")
    checks = [c for c in getattr(d, "checks", None) or [] if isinstance(c, dict)]
    for level in ("error", "warning"):
        for c in checks:
            if c.get("level") == level and c.get("message"):
                out.append(str(c["message"]))
    seen: list[str] = []
    for line in out:
        if not any(line in earlier for earlier in seen):  # a check already quoted by the watermark's sentence
            seen.append(line)
    return health, [x if len(x) <= 240 else x[:237].rstrip() + "..." for x in seen[:top]]



def open_questions(fitted: Any, plan: Any = None, limit: int = 4) -> dict[str, list]:
    """What the data cannot tell yet, and the experiments that would settle it.

    Returns ``tests``: ``(sentence, lift_tests entry)`` per recommended lift test in the plan
    (``plan.summary["tests"]``, :mod:`mmm.experiment`), and ``limits``: the health checks
    (warnings and errors) about what the model cannot measure well, at most ``limit``.
    """
    tests: list[tuple[str, str]] = []
    summary = getattr(plan, "summary", None) or {}
    planned = plan.tests if isinstance(plan, PlanResult) else tuple(summary.get("tests") or ())
    if planned:
        from mmm.experiment import describe_test, lift_test_yaml

        tests = [(describe_test(t, summary), lift_test_yaml(t)) for t in planned]
    about_data = ("prior_dominated", "confounded_with_season", "collinear_control", "exposure_as_spend",
                  "sparse_channel", "roas_outside_prior", "media_share", "negative_fit", "holdout_gap", "poor_fit")
    checks = getattr(fitted.diagnostics, "checks", []) or []
    limits = [c["message"] for c in checks if c["level"] in ("warning", "error") and c["id"] in about_data]
    return {"tests": tests, "limits": limits[:limit]}


def settings_lines(fitted: Any, plan: Any, skipped: dict[str, str]) -> list[str]:
    """The analyst's lines of the settings slide: verdict, sampler, fit, holdout, plan request, parts left out."""
    d = fitted.diagnostics
    lines = [f"Verdict: {d.verdict}",
             f"Sampler: {d.sampler}, {d.chains} chains x {d.draws} draws ({d.tune} tune), {d.seconds:.0f} s"]
    if not fitted.approximate:
        lines.append(f"Max R-hat {d.max_rhat:.3f}; min bulk ESS {d.min_ess_bulk:.0f}; divergences {d.divergences}")
    if d.r2 is not None:
        lines.append(f"Fit: R² {d.r2:.3f}, MAPE {pct(d.mape, 1)}, 90% interval covers {pct(d.coverage_90)} of weeks")
    if d.holdout:
        h = d.holdout
        lines.append(f"Holdout ({h['weeks']} weeks): R² {h['r2']:.3f}, MAPE {pct(h['mape'], 1)}")
    lines.append(f"Training weeks: {fitted.train_weeks} of {fitted.dataset.n_weeks}")
    if hasattr(fitted, "forms_text"):  # a stacked fit (mmm.many.stacked_view): its forms and their weights
        lines.append(f"Stacked forms (carryover-saturation, weight): {fitted.forms_text()}; trace plots and the "
                     "spec shown are the heaviest form's")
    if isinstance(plan, PlanResult):
        st = plan.settings
        lines.append(f"Plan: {st.weeks} weeks, bounds {st.bounds}, horizon {st.horizon}, objective {st.objective}")
    elif plan is not None:
        s = getattr(plan, "summary", {}) or {}
        if s:
            lines.append(f"Plan: {s.get('weeks')} weeks, bounds {s.get('bounds')}, horizon {s.get('horizon')}, "
                         f"objective {s.get('objective')}")
    for k, v in skipped.items():
        lines.append(f"Not in this report: {k} ({v})")
    return lines
