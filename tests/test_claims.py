"""Claims gated by the posterior: ranking probabilities, their wording, and the acceptance test that no
title, summary line or one-pager statement of the sample decks contradicts the known truth with confidence."""

from __future__ import annotations

import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from mmm import claims as C
from mmm.plots.style import label

matplotlib.use("Agg")


# ---------------------------------------------------------------------- prob_best and the rule


def test_prob_best_clear_winner_is_named_with_its_probability():
    rng = np.random.default_rng(0)
    draws = np.column_stack([rng.normal(3.1, 0.3, 4000), rng.normal(1.5, 0.3, 4000), rng.normal(1.0, 0.4, 4000)])
    p = C.prob_best(draws)
    assert p.shape == (3,) and p.sum() == pytest.approx(1.0)
    assert p[0] >= C.CONFIDENT
    claim = C.rank_claim(dict(zip(["google_search", "meta", "tv"], p, strict=True)), C.roas_wording("revenue"),
                         value="3.1x ROAS")
    assert claim.confident and claim.winner == "google_search" and claim.tied == ("google_search",)
    assert claim.sentence.startswith("Google Search returns the most revenue per dollar: 3.1x ROAS (")
    assert "probability it is the highest" in claim.sentence and "cannot" not in claim.sentence


def test_prob_best_overlapping_channels_cannot_be_told_apart():
    rng = np.random.default_rng(1)
    draws = np.column_stack([rng.normal(2.3, 0.6, 4000), rng.normal(2.2, 0.4, 4000), rng.normal(0.8, 0.2, 4000)])
    p = C.prob_best(draws)
    assert max(p) < C.CONFIDENT and p[2] < 0.01
    claim = C.rank_claim(dict(zip(["meta", "google_search", "tiktok"], p, strict=True)), C.roas_wording("revenue"))
    assert not claim.confident and set(claim.tied) == {"meta", "google_search"}
    s = claim.sentence
    assert "Meta" in s and "Google Search" in s and "TikTok" not in s
    assert "return the most revenue per dollar; the data cannot tell which is higher" in s
    assert re.search(r"Meta \d+%, Google Search \d+%|Google Search \d+%, Meta \d+%", s)


def test_prob_best_ties_missing_values_and_costs():
    assert C.prob_best([[1.0, 1.0], [2.0, 1.0]]).tolist() == [0.75, 0.25]       # a tie shares the draw
    assert C.prob_best([[np.nan, 1.0], [np.nan, 0.5]]).tolist() == [0.0, 1.0]   # no spend never wins
    assert C.prob_best([[1.0, 2.0]], higher_is_better=False).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError):
        C.prob_best([1.0, 2.0])


def test_claim_tiers_and_probability_text():
    w = C.contribution_wording("pipeline")
    likely = C.rank_claim({"linkedin": 0.86, "google_search": 0.11, "display": 0.03}, w)
    assert not likely.confident and likely.tied == ("linkedin", "google_search")
    assert likely.sentence == ("LinkedIn likely contributes the most pipeline (86% probability it is the largest); "
                               "the data cannot rule out Google Search 11%")
    many = C.rank_claim({"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.15, "e": 0.1}, C.roas_wording("pipeline"))
    assert many.sentence.startswith("The data cannot tell which channel returns the most pipeline per dollar (")
    assert len(many.tied) == 5 and "1 more" in many.sentence
    assert C.prob_text(0.897) == "89%" and C.prob_text(0.9) == "90%" and C.prob_text(0.9991) == "over 99%"
    assert C.prob_text(0.001) == "under 1%"
    lead = C.rank_claim({"a": 0.9, "b": 0.1}, C.roas_wording("leads"), value="$85")
    assert lead.confident and lead.sentence == "A has the lowest cost per lead: $85 (90% probability it is the lowest)"


def test_interval_claim_without_draws():
    w = C.roas_wording("revenue")
    clear = C.interval_claim(["a", "b"], [3.0, 1.0], [2.5, 0.5], [3.5, 1.5], w)
    assert clear.confident and "lies above every other channel's" in clear.sentence and np.isnan(clear.probability)
    overlap = C.interval_claim(["a", "b", "c"], [3.0, 2.5, 1.0], [2.0, 1.8, 0.5], [4.0, 3.0, 1.2], w)
    assert not overlap.confident and overlap.tied == ("a", "b") and "cannot tell which is higher" in overlap.sentence


def test_tables_with_probability_columns_follow_the_posterior(small_fit):
    table = small_fit.channel_summary()
    assert "prob_highest_roas" in table and table["prob_highest_roas"].sum() == pytest.approx(1.0)
    assert C.roas_claim(table, small_fit).sentence == C.roas_claim(small_fit).sentence
    from mmm.planning import response_curves
    curves = C.annotate_curves(response_curves(small_fit), small_fit)
    cur = curves[curves.is_current]
    assert cur["prob_highest_marginal_roas"].sum() == pytest.approx(1.0)
    assert cur["prob_below_breakeven"].between(0, 1).all()
    assert C.headroom_claim(curves, small_fit).sentence == C.headroom_claim(small_fit).sentence


def test_split_claim_states_the_posterior_range_or_says_it_cannot_tell():
    base = {"best_share": 0.78, "share_range": [0.61, 0.93], "current_share": 0.66}
    weak = C.split_claim({**base, "best_share_uncertainty": {"low": 0.3, "high": 1.0, "prob_above_current": 0.7,
                                                             "prob_below_current": 0.25}})
    assert not weak.confident and weak.sentence.startswith("The data cannot tell the best brand share: 30% to 100%")
    strong = C.split_claim({**base, "best_share": 0.52, "current_share": 0.33,
                            "best_share_uncertainty": {"low": 0.34, "high": 0.62, "prob_above_current": 0.96,
                                                       "prob_below_current": 0.0}})
    assert strong.confident and strong.direction == "more brand" and strong.evidence == "strong"
    assert strong.sentence == ("Best brand share of budget: 52% (90%: 34% to 62%); 96% probability it is above "
                               "today's 33%")
    bare = C.split_claim(base)
    assert not bare.confident and "cannot tell" in bare.sentence


def test_plan_claim_carries_interval_and_evidence():
    summary = {"current": {"expected_kpi": {"mean": 100.0}}, "recommended": {"expected_kpi": {"mean": 101.3}},
               "uplift": {"abs": {"mean": 1.3, "hdi_low": -2.9, "hdi_high": 5.7},
                          "pct": {"mean": 1.3, "hdi_low": -2.9, "hdi_high": 5.7}, "prob_positive": 0.7},
               "evidence": {"strength": "weak", "prob_gain_from_mix": 0.7}}
    c = C.plan_claim(summary)
    assert c.big == "+1.3%" and c.interval == "90%: -2.9% to +5.7%" and not c.confident
    assert c.sentence == "+1.3% (90%: -2.9% to +5.7%), weak evidence: 70% chance it beats today's mix"
    summary["evidence"] = {"strength": "strong", "prob_gain_from_mix": 0.97}
    assert C.plan_claim(summary).confident


# ---------------------------------------------------------------------- the claim checker

#: Phrases that make a statement a hedge rather than a claim.
HEDGES = ("cannot tell", "cannot rule out", "uncertainty not available", "may add")
PROB = re.compile(r"(over |under )?(\d+)% (?:probability|chance)")


def statements(text: str) -> list[str]:
    """A text split into statements at semicolons, keeping the clauses that qualify the one before them
    ("the data cannot ...", "96% probability it is above today's 33%") with it."""
    out: list[str] = []
    for part in re.split(r";\s*", " ".join(text.split())):   # wrapped lines joined first
        if not part:
            continue
        if out and (part.startswith("the data cannot") or re.match(r"(over )?\d+% probability it is", part)):
            out[-1] += "; " + part
        else:
            out.append(part)
    return out


def stated_probability(s: str) -> float | None:
    m = PROB.search(s)
    if not m:
        return None
    v = float(m.group(2)) / 100
    return v + 0.005 if m.group(1) == "over " else (v - 0.005 if m.group(1) == "under " else v)


def hedged(s: str) -> bool:
    p = stated_probability(s)
    return any(h in s for h in HEDGES) or (p is not None and p < C.CONFIDENT)


KINDS = (  # (kind, pattern): the first that matches decides what a statement ranks
    ("marginal", re.compile(r"headroom|next dollar|next lead|works hardest|marginal", re.I)),
    ("payback", re.compile(r"no longer pays? back", re.I)),
    ("split", re.compile(r"best brand share|brand share[^.;]*\bbest\b", re.I)),
    ("contribution", re.compile(r"contributes? the most|led by|\blargest\b", re.I)),
    ("carryover", re.compile(r"longest", re.I)),
    ("roas", re.compile(r"per dollar|per lead|\b(the most|the best|highest|cheapest|lowest)\b", re.I)),
)


def claims_in(texts: list[str], channels: list[str]) -> list[dict]:
    """Every ranking claim in ``texts``: its kind, the channels it names (in order), and whether it is hedged."""
    names = {label(c): c for c in channels}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    found = []
    for text in texts:
        for s in statements(text):
            kind = next((k for k, rx in KINDS if rx.search(s)), None)
            if kind is None:
                continue
            named = [names[m.group(0)] for m in pattern.finditer(s)]
            if kind != "split" and not named:
                continue
            if kind == "roas" and not re.search(r"\b(most|best|highest|cheapest|lowest)\b", s, re.I):
                continue
            found.append({"kind": kind, "text": s, "named": named, "hedged": hedged(s)})
    return found


def violations(found: list[dict], truth: dict) -> list[str]:
    """Claims that contradict the truth with confidence (an unhedged claim that is false)."""
    bad = []
    for c in found:
        s, kind = c["text"], c["kind"]
        if kind == "split":
            if "cannot tell" in s:
                continue
            rng = re.search(r"(\d+)%\s*(?:to|-|–)\s*(\d+)%", s)
            if not rng or not (int(rng.group(1)) - 1 <= 100 * truth["split_best"] <= int(rng.group(2)) + 1):
                bad.append(f"best brand share without a range holding the truth ({truth['split_best']:.0%}): {s}")
            elif "above today" in s and truth["split_best"] <= truth["split_current"]:
                bad.append(f"says more brand than today, truth says not: {s}")
            elif "below today" in s and truth["split_best"] >= truth["split_current"]:
                bad.append(f"says less brand than today, truth says not: {s}")
            continue
        if c["hedged"]:
            continue
        if kind == "payback":
            before = s[:s.lower().index("no longer")]
            wrong = [ch for ch in c["named"] if label(ch) in before and ch not in truth["not_paying"]]
            if wrong:
                bad.append(f"says {wrong} no longer pay back; the truth says they do: {s}")
            continue
        winner = c["named"][0]
        if winner != truth[kind]:
            bad.append(f"names {winner} ({kind}) with confidence; the truth is {truth[kind]}: {s}")
    return bad


def truth_from_file(name: str) -> dict:
    """The truth a deck's claims are checked against that needs no fitted model."""
    from mmm import sample_truth

    t = sample_truth(name)
    ch = t["channels"]
    lengths = {c: float(C.effect_length_draws(np.asarray(v["carryover_weights"])[None, None, :])[0, 0])
               for c, v in ch.items()}
    return {"roas": max(ch, key=lambda c: ch[c]["roas"]), "contribution": max(ch, key=lambda c: ch[c]["contribution"]),
            "carryover": max(lengths, key=lengths.get), "marginal": max(ch, key=lambda c: ch[c]["marginal_roas"]),
            "not_paying": {c for c, v in ch.items() if v["marginal_roas"] < 1.0}}


def test_checker_fails_on_the_old_wording():
    """The wording the decks had before claims were gated, from issue 12: each is caught."""
    b2b = {**truth_from_file("b2b"), "split_best": 0.42, "split_current": 0.66}
    old_b2b = ["Display returns the most pipeline per dollar: 4.6x", "Display has the most headroom: 4.1x pipeline "
               "per extra dollar", "The next dollar works hardest on Display: 4.1x pipeline",
               "Best brand share of budget: 78% (good range 61%-93%); brand gets 66% today",
               "best brand share of budget", "pipeline per dollar on Display, the best"]
    channels = list(b2b_channels())
    for text in old_b2b:
        found = claims_in([text], channels)
        assert found and violations(found, b2b), text
    eco = {**truth_from_file("ecommerce"), "split_best": 0.51, "split_current": 0.33}
    found = claims_in(["Meta returns the most per dollar: 2.3x ROAS"], ["tv", "youtube", "meta", "google_search",
                                                                      "tiktok"])
    assert violations(found, eco)
    # and the gated wording passes
    ok = ["The data cannot tell which channel returns the most pipeline per dollar (Display 38%, LinkedIn 23%, "
          "Webinars 18%, Google Search 18%)",
          "LinkedIn likely contributes the most pipeline (89% probability it is the largest); the data cannot rule out "
          "Google Search 8%",
          "The data cannot tell the best brand share: 30% to 100% (90%); today 66%, 70% chance the best is above it"]
    found = claims_in(ok, channels)
    assert len(found) == 3 and not violations(found, b2b)


def b2b_channels() -> tuple[str, ...]:
    return ("linkedin", "display", "webinars", "google_search", "capterra")


# ---------------------------------------------------------------------- acceptance: the sample decks


def _fit_and_report(name: str, outdir):
    from mmm import Model, sample_spec
    from mmm.export import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # 2 x 1000: at 2 x 500 the b2b sample's max R-hat was above 1.01 in 10 of 28 seeds (either XLA CPU
        # emitter), so whether the deck was tested at all came down to the seed
        fitted = Model(sample_spec(name)).fit(draws=1000, tune=1000, chains=2, progressbar=False)
        report = write_report(fitted, outdir, formats="pptx,png", dpi=40, keep_figures=True)
    return fitted, report


def _truth(name: str, fitted, report) -> dict:
    """Truth for every kind of claim: ROAS, contribution and carryover from the truth file; marginal ROAS at
    current spend, the best brand share and the plan's true gain from the simulator's parameters."""
    from mmm import planning as mp
    from mmm import sample_truth
    from mmm.split import brand_split
    from mmm.truth import true_plan_kpi, truth_as_fitted

    truth = sample_truth(name)
    true_fit = truth_as_fitted(fitted, truth)
    out = truth_from_file(name)
    m = mp.marginal_roas(true_fit, draws=None).set_index("channel")["marginal_roas_mean"]
    out["marginal"] = str(m.idxmax())
    out["not_paying"] = {c for c in m.index if m[c] < 1.0}
    budget = report["budget"]
    out["split_best"] = brand_split(true_fit, budget, draws=None).summary["best_share"]
    out["split_current"] = report["split"].summary["current_share"]
    data = pd.read_csv(fitted.spec.data)
    names = list(fitted.spec.channel_names)
    cols = [fitted.spec.channel(c).spend for c in names]
    plan = report["plan"].table
    out["plan_gain"] = (true_plan_kpi(truth, data, names, cols, plan["recommended_weekly"].to_numpy())
                        > true_plan_kpi(truth, data, names, cols, plan["current_weekly"].to_numpy()))
    return out


def _deck_and_onepager_texts(report) -> list[str]:
    from pptx import Presentation

    texts = []
    for slide in Presentation(str(report["pptx"])).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts += [p.text for p in shape.text_frame.paragraphs]
    one = report["figures"]["onepager"]
    one.canvas.draw()
    texts += [t.get_text() for t in one.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    return texts


@pytest.fixture(scope="module", params=["b2b", "ecommerce"])
def sample_report(request, tmp_path_factory):
    fitted, report = _fit_and_report(request.param, tmp_path_factory.mktemp(f"claims_{request.param}"))
    return request.param, fitted, report


@pytest.mark.slow
def test_sample_decks_make_no_confident_false_claim(sample_report):
    """Issue 12's bar: every ranking claim in the deck's text frames and the one-pager's text either agrees with
    the simulator's truth or is hedged with its probability (or "cannot tell")."""
    name, fitted, report = sample_report
    assert fitted.diagnostics.converged, fitted.diagnostics.verdict
    truth = _truth(name, fitted, report)
    texts = _deck_and_onepager_texts(report)
    found = claims_in(texts, list(fitted.spec.channel_names))
    kinds = {c["kind"] for c in found}
    assert {"roas", "marginal", "contribution", "split"} <= kinds, kinds   # the checker sees the claims
    bad = violations(found, truth)
    assert not bad, "\n".join(bad)
    for text in (" ".join(t.split()) for t in texts):   # a plan said to add KPI without a hedge must truly add it
        if "Shifting budget" in text and " adds " in text:
            assert truth["plan_gain"], text
    if name == "b2b":
        # the shipped b2b plan truly loses: its headline must not be a sure gain
        summary = [" ".join(t.split()) for t in texts if "chance it beats today's mix" in " ".join(t.split())]
        assert summary and all(("weak evidence" in t or "moderate evidence" in t) for t in summary), summary


@pytest.mark.slow
def test_sample_summary_headlines_carry_intervals(sample_report):
    from mmm.export import summary_points

    name, fitted, report = sample_report
    pts = summary_points(fitted, plan=report["plan"], split=report["split"], budget=report["budget"])
    assert pts["decomposition"]["interval"].startswith("90%: ")
    plan = pts["plan"]
    assert plan["interval"].startswith("90%: ") and "evidence" in plan["caption"]
    if name == "b2b":
        assert plan["tone"] != "strong"   # the weak-evidence gain is not a big green number
        assert "cannot tell" in pts["split"]["caption"] and "cannot tell" in pts["returns"]["caption"]


@pytest.mark.slow
def test_sample_decks_say_what_the_data_cannot_tell_and_which_test_settles_it(sample_report):
    """When the plan's evidence is not strong, the deck has a slide with the recommended lift test (channel,
    spend change, weeks, expected lift) and the lift_tests: entry to feed its result back; prior-dominated
    channels are named there too."""
    from pptx import Presentation

    name, fitted, report = sample_report
    tests = report["plan"].summary["tests"]
    slides = {s.shapes.title.text: s for s in Presentation(str(report["pptx"])).slides if s.shapes.title}
    page = [s for t, s in slides.items() if t.startswith("What the data cannot tell yet")]
    weak = report["plan"].summary["evidence"]["strength"] in ("weak", "moderate")
    prior_dominated = [c["subject"] for c in fitted.diagnostics.checks if c["id"] == "prior_dominated"]
    if weak or prior_dominated:
        assert len(page) == 1
        text = " ".join(" ".join(sh.text_frame.text.split()) for sh in page[0].shapes if sh.has_text_frame)
        for t in tests:
            assert f"Test {t['channel']}" in text and f"for {t['weeks']} weeks" in text
            assert f"{{channel: {t['channel']}, start: {t['start']}" in text     # the entry to feed back
        for ch in prior_dominated:
            assert f"about {ch}" in text
    if name == "b2b":
        assert weak and tests, "the shipped b2b plan is not settled: the deck must recommend a test"
