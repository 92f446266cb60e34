"""Model health: can these numbers be put in front of a director?

Sampling diagnostics (R-hat, ESS, divergences) say whether the sampler explored the
posterior. They do not say whether the posterior *answers the question*: a channel whose
spend never varies, a channel whose spend follows the season, a control that copies a
channel, an impressions column read as spend, a media share no business has. This module
runs those checks on a fitted model and combines them with the sampling verdict into one
word:

* ``ok``: nothing found that should stop you presenting the numbers;
* ``review``: warnings to read before you present (each says what to do);
* ``do not use``: the numbers are not fit to present (not converged, FAST or APPROXIMATE
  fit, or a check that makes the answer meaningless).

Each check is a :class:`Check` with a stable ``id`` (scripts and tests key on it), a
``level`` (``info``, ``warning``, ``error``), a ``subject`` (a channel, a control or
``"model"``) and a plain-language ``message`` that says what it means and what to do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm.kpi import kpi_kind

#: The three health levels, best first.
HEALTH_OK, HEALTH_REVIEW, HEALTH_DO_NOT_USE = "ok", "review", "do not use"
LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class Check:
    """One finding about a fit: a stable id, a level, what it is about, and what to do."""

    id: str
    level: str
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain dict for ``diagnostics.json``."""
        return asdict(self)


def health_of(checks: list[Check]) -> str:
    """``do not use`` if any check is an error, ``review`` if any is a warning, else ``ok``."""
    levels = {c.level for c in checks}
    if "error" in levels:
        return HEALTH_DO_NOT_USE
    if "warning" in levels:
        return HEALTH_REVIEW
    return HEALTH_OK


def watermark_text(fitted: Any) -> str | None:
    """The mark every chart, slide and the one-pager of this fit must carry, or ``None``.

    ``APPROXIMATE`` (ADVI), ``FAST MODE`` (``MMM_FAST``), ``DO NOT USE`` (not converged, or
    health ``do not use``), ``REVIEW`` (health ``review``); ``None`` for a healthy fit.
    """
    d = getattr(fitted, "diagnostics", None)
    if d is None:
        return None
    if getattr(d, "approximate", False):
        return "APPROXIMATE"
    if getattr(d, "fast", False) or str(getattr(d, "verdict", "")).startswith("FAST MODE"):
        return "FAST MODE"
    health = getattr(d, "health", HEALTH_OK)
    if not getattr(d, "converged", True) or health == HEALTH_DO_NOT_USE:
        return "DO NOT USE"
    if health == HEALTH_REVIEW:
        return "REVIEW"
    return None


def watermark_note(fitted: Any) -> str | None:
    """One plain sentence to go with the watermark (chart footers, slides), or ``None``."""
    mark = watermark_text(fitted)
    if mark is None:
        return None
    d = fitted.diagnostics
    if mark == "APPROXIMATE":
        return "APPROXIMATE FIT (ADVI): for iterating only; refit with NUTS before reporting."
    if mark == "FAST MODE":
        return "FAST MODE (few draws): for a quick look only; refit without MMM_FAST before reporting."
    checks = [c for c in getattr(d, "checks", []) if c.get("level") in ("warning", "error")]
    if mark == "DO NOT USE":
        errors = [c for c in checks if c.get("level") == "error"]
        why = errors[0]["message"] if errors else d.verdict
        return f"MODEL HEALTH: DO NOT USE. {why}"
    shown = "; ".join(dict.fromkeys(short_text(c) for c in checks[:3]))
    more = f" and {len(checks) - 3} more" if len(checks) > 3 else ""
    return f"MODEL HEALTH: REVIEW. {shown}{more}. Read the checks (diagnostics.json) before presenting."


#: A few words per check id, for footers and one-liners (``{s}``: the subject).
SHORT = {
    "prior_dominated": "{s}: return is mostly the prior",
    "roas_outside_prior": "{s}: return implausibly far from the prior",
    "media_share": "paid media's share of the KPI is implausibly high",
    "confounded_with_season": "{s}: spend follows the season",
    "collinear_control": "{s} moves with a channel's spend",
    "exposure_as_spend": "{s}: spend column looks like impressions or clicks",
    "negative_fit": "fit or baseline below zero in some weeks",
    "sparse_channel": "{s}: too few weeks with spend",
    "holdout_gap": "predicts new weeks far worse than past ones",
    "poor_fit": "the model fits the KPI poorly",
    "outlier_week": "{s}: a week far outside the rest",
}


def short_text(check: dict[str, str]) -> str:
    """A few words for one check (``{"id", "subject", ...}``), e.g. "webinars: return is mostly the prior"."""
    subject = "total media" if check.get("subject") == "model" else check.get("subject", "")
    return SHORT.get(check.get("id", ""), check.get("id", "").replace("_", " ")).format(s=subject)


# ---------------------------------------------------------------------- data checks (no fit needed)

#: Words in a spend column's name that say it counts exposure, not money.
EXPOSURE_WORDS = ("impression", "impr", "imps", "click", "session", "visit", "view", "reach", "grp", "trp",
                  "frequency", "opens", "sends", "emails_sent", "followers", "likes", "engagement")
#: Words that say a column is money after all ("cost_per_click" is money).
MONEY_WORDS = ("spend", "cost", "budget", "cpm", "cpc", "invest", "usd", "eur", "gbp", "amount", "media_")
#: Fewer active weeks than this (or than SPARSE_SHARE of the weeks) make a channel sparse.
SPARSE_WEEKS = 8
SPARSE_SHARE = 0.10


def _pos(name: str) -> str:
    """Possessive of a channel name: "tv's", "webinars'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _tokens(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")


def _looks_like_exposure(column: str) -> bool:
    n = _tokens(column)
    return any(w in n for w in EXPOSURE_WORDS) and not any(w in n for w in MONEY_WORDS)


def _season_basis(dates: Any, order: int = 3) -> np.ndarray:
    """Intercept, linear and quadratic trend, and yearly Fourier terms up to ``order``."""
    days = (dates - dates[0]).days.to_numpy(dtype="float64")
    t = days / max(days[-1], 1.0)
    u = 2 * np.pi * (dates - pd.Timestamp("1970-01-01")).days.to_numpy(dtype="float64") / 365.25
    cols = [np.ones_like(t), t, t**2]
    for k in range(1, order + 1):
        cols += [np.sin(k * u), np.cos(k * u)]
    return np.column_stack(cols)


def season_r2(dates: Any, series: np.ndarray) -> float:
    """Share of ``series``' variance explained by a smooth trend and yearly seasonality."""
    y = np.asarray(series, dtype="float64")
    if len(y) < 20 or np.ptp(y) == 0:
        return 0.0
    X = _season_basis(pd.DatetimeIndex(dates))
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return float(1.0 - resid.var() / y.var())


def data_checks(dataset: Any) -> list[Check]:
    """Checks on the data alone (``mmm validate`` runs them before any fit).

    ``exposure_as_spend``, ``sparse_channel``, ``confounded_with_season`` and
    ``collinear_control``; thresholds from the spec's ``checks:`` section.
    """
    spec = dataset.spec
    cfg = spec.checks
    frame = dataset.frame
    dates = dataset.dates
    n = len(frame)
    kpi_total = float(np.nansum(dataset.kpi))
    out: list[Check] = []
    spend = dataset.spend
    for i, ch in enumerate(spec.channels):
        s = spend[:, i]
        if _looks_like_exposure(ch.spend):
            out.append(Check("exposure_as_spend", "warning", ch.name,
                             f"'{ch.spend}' looks like an exposure count (impressions, clicks, sessions), not "
                             f"money. {_pos(ch.name)} ROAS would then be KPI per impression or click. Use the "
                             "channel's spend column; keep exposure out of the model or as a control."))
        elif kpi_kind(spec).is_money and kpi_total > 0 and s.sum() > 3 * kpi_total:
            out.append(Check("exposure_as_spend", "warning", ch.name,
                             f"{_pos(ch.name)} '{ch.spend}' adds up to {s.sum() / kpi_total:.0f}x the whole "
                             f"{spec.kpi.column}. Spend that large is more likely impressions or clicks than "
                             "money: check the column."))
        active = int((s != 0).sum())
        if active < max(SPARSE_WEEKS, SPARSE_SHARE * n):
            out.append(Check("sparse_channel", "warning", ch.name,
                             f"{ch.name} has spend in only {active} of {n} weeks: too few to measure its effect. "
                             "Merge it with a similar channel, or give it a ROAS prior from experience."))
        r2 = season_r2(dates, s)
        if r2 > cfg.season_r2_max:
            out.append(Check("confounded_with_season", "warning", ch.name,
                             f"{_pos(ch.name)} spend follows the season and trend ({r2:.0%} of its week-to-week "
                             f"variation). The model cannot tell {_pos(ch.name)} effect from the season's: its return "
                             "may be over- or under-stated. Vary its spend against the season (a lift test), or "
                             "give it a ROAS prior from experience."))
    out += outlier_checks(dataset)
    others = [(name, "control", dataset.frame[name].to_numpy(dtype=float)) for name in spec.controls]
    others += [(name, "event", dataset.frame[name].to_numpy(dtype=float)) for name in spec.events]
    for name, kind, x in others:
        if np.ptp(x) == 0:
            continue
        for i, ch in enumerate(spec.channels):
            s = spend[:, i]
            if np.ptp(s) == 0:
                continue
            r = float(np.corrcoef(x, s)[0, 1])
            if abs(r) >= 0.99:
                out.append(Check("collinear_control", "error", name,
                                 f"The {kind} '{name}' is a copy of {_pos(ch.name)} spend (correlation {r:.2f}). The "
                                 f"model cannot split the effect between them, so {_pos(ch.name)} return is "
                                 f"meaningless. Remove '{name}' from {kind}s (or the channel)."))
            elif abs(r) > cfg.collinearity_max:
                out.append(Check("collinear_control", "warning", name,
                                 f"The {kind} '{name}' moves with {_pos(ch.name)} spend (correlation {r:.2f}). The "
                                 f"model will struggle to separate them; {_pos(ch.name)} return is uncertain. Drop "
                                 f"'{name}' if it is itself driven by {ch.name}."))
    return out


#: Robust z-score (distance from the median in MADs, scaled to sd units) above which a week is an outlier.
OUTLIER_Z = 8.0
#: The same for spend, on the log scale (a week typed x100 is about 8 log-MADs out).
OUTLIER_Z_LOG = 6.0


def outlier_checks(dataset: Any) -> list[Check]:
    """``outlier_week``: KPI or spend weeks far outside the rest (a mistyped week, a unit change)."""
    spec = dataset.spec
    out = []
    series = [(spec.kpi.column, spec.kpi.column, dataset.kpi)]
    series += [(ch.name, ch.spend, dataset.spend[:, i]) for i, ch in enumerate(spec.channels)]
    for subject, column, x in series:
        x = np.asarray(x, dtype="float64")
        is_kpi = subject == spec.kpi.column
        # spend is skewed (flights, bursts): judge it on the log scale, its non-zero weeks only
        y = x if is_kpi else np.log(np.where(x > 0, x, np.nan))
        ok = np.isfinite(y)
        if ok.sum() < 8:
            continue
        med = np.median(y[ok])
        mad = 1.4826 * np.median(np.abs(y[ok] - med))
        if mad <= 0:
            continue
        z = np.where(ok, (y - med) / mad, 0.0)
        # the KPI either way; spend only upwards (tiny weeks are real, a week typed x100 is not)
        far = np.flatnonzero(np.abs(z) > OUTLIER_Z) if is_kpi else np.flatnonzero(z > OUTLIER_Z_LOG)
        med = med if is_kpi else float(np.exp(med))
        if len(far):
            weeks = ", ".join(f"{dataset.dates[i].date()} ({x[i]:,.4g})" for i in far[:3])
            more = f" and {len(far) - 3} more" if len(far) > 3 else ""
            out.append(Check("outlier_week", "warning", subject,
                             f"'{column}' has {len(far)} week{'s' * (len(far) > 1)} far outside the rest: {weeks}"
                             f"{more}; the typical week is about {med:,.4g}. Check for a typo or a unit change; "
                             "an outlier this size bends every estimate."))
    return out


# ---------------------------------------------------------------------- fit checks


def sampling_checks(diagnostics: Any) -> list[Check]:
    """The sampler's own verdict as checks: ``approximate``, ``fast_mode``, ``divergences``,
    ``rhat``, ``ess`` (all errors: the numbers are not fit to present)."""
    d = diagnostics
    if d.approximate:
        return [Check("approximate", "error", "model",
                      "APPROXIMATE fit (ADVI): fine for iterating on the spec, not for reporting. Refit with "
                      "NUTS (sampler: numpyro).")]
    out = []
    if d.fast:
        out.append(Check("fast_mode", "error", "model",
                         f"FAST MODE (MMM_FAST set): {d.chains} chains x {d.draws} draws, for a quick look only. "
                         "Unset MMM_FAST and refit before reporting."))
    if d.divergences:
        out.append(Check("divergences", "error", "model",
                         f"{d.divergences} divergent transitions: the sampler missed part of the posterior. Raise "
                         "fit.target_accept to 0.95 or 0.99, or tighten the carryover and saturation priors."))
    if np.isfinite(d.max_rhat) and d.max_rhat > 1.01:
        out.append(Check("rhat", "error", "model",
                         f"Max R-hat {d.max_rhat:.3f} > 1.01: the chains disagree. Run more tune and draws."))
    if np.isfinite(d.min_ess_bulk) and d.min_ess_bulk < 100 * d.chains:
        out.append(Check("ess", "error", "model",
                         f"Min bulk ESS {d.min_ess_bulk:.0f} < {100 * d.chains}: too few independent draws. "
                         "Run more draws."))
    return out


def identification_checks(fitted: Any) -> list[Check]:
    """``prior_dominated`` per channel (and for total media) and ``roas_outside_prior``."""
    from mmm.identification import prior_influence

    spec = fitted.spec
    words = spec.words
    kind = kpi_kind(spec)
    out = []
    for p in prior_influence(fitted):
        if p.subject == "total media":
            if not p.data_informed:
                out.append(Check("prior_dominated", "warning", "model",
                                 f"The data say little about paid media's total effect (the data narrowed the "
                                 f"prior by only {max(p.prior_contraction, 0):.0%}). The total is mostly the "
                                 "default prior. Add lift tests or ROAS priors from experience."))
            continue
        own = spec.channel_prior(p.subject, "roas") is not None
        value = (f"{kind.cost_name} of {1 / p.posterior_mean:,.2f} {spec.currency}"
                 if kind.cost_is_headline and p.posterior_mean > 0 else f"{words['return']} of {p.posterior_mean:.2f}")
        if not p.data_informed:
            whose = "the ROAS prior you gave" if own else "the default prior"
            todo = ("Only a lift test will tell more." if own else
                    f"Add a lift test, or a ROAS prior from experience (channels.{p.subject}.priors.roas: "
                    "[low, high]).")
            out.append(Check("prior_dominated", "info" if own else "warning", p.subject,
                             f"The data say little about {_pos(p.subject)} return; its {value} is mostly {whose} "
                             f"(the data narrowed it by only {max(p.prior_contraction, 0):.0%}). {todo}"))
        elif not own and not (p.prior_low / 3 <= p.posterior_mean <= p.prior_high * 3):
            out.append(Check("roas_outside_prior", "warning", p.subject,
                             f"{_pos(p.subject)} {value} is far outside the range the default prior thought plausible "
                             f"({p.prior_low:.2f} to {p.prior_high:.2f}). Check its spend column and whether it "
                             "is absorbing a seasonal peak, a trend or an event the model lacks."))
    return out


def fit_checks(fitted: Any) -> list[Check]:
    """``media_share``, ``negative_fit``, ``holdout_gap`` and ``poor_fit`` on a fitted model."""
    spec = fitted.spec
    cfg = spec.checks
    d = fitted.diagnostics
    out: list[Check] = []
    T = fitted.train_weeks
    parts = fitted.components(0, T)
    kpi = fitted.train.kpi
    total_kpi = float(kpi.sum())
    media = parts["media"].sum(axis=(1, 2))
    if total_kpi > 0:
        share = media / total_kpi
        mean_share = float(share.mean())
        if mean_share > cfg.media_share_max:
            level = "error" if float(np.quantile(share, 0.05)) > 1.0 else "warning"
            out.append(Check("media_share", level, "model",
                             f"Paid media explains {mean_share:.0%} of {spec.kpi.column} in this fit, above the "
                             f"{cfg.media_share_max:.0%} that is plausible for most businesses (checks."
                             "media_share_max). Channels are probably absorbing a seasonal peak, a trend or a "
                             "missing driver: add seasonality, events or controls, or ROAS priors."))
    fitted_mean = parts["mean"].mean(axis=0)
    base = (parts["intercept"] + parts["trend"] + parts["seasonality"] + parts["events"].sum(axis=-1)).mean(axis=0)
    neg_fit, neg_base = int((fitted_mean < 0).sum()), int((base < 0).sum())
    if neg_fit or neg_base:
        what = []
        if neg_fit:
            what.append(f"the fitted {spec.kpi.column} is below zero in {neg_fit} week{'s' * (neg_fit > 1)}")
        if neg_base:
            what.append(f"the baseline (without media) is below zero in {neg_base} week{'s' * (neg_base > 1)}")
        out.append(Check("negative_fit", "warning", "model",
                         f"{'; '.join(what).capitalize()} of {T}. The model gives media more than all of the "
                         f"{spec.kpi.column} there. Check for outliers and missing controls; tighter ROAS priors help."))
    if d.holdout:
        h = d.holdout
        if d.mape is not None and h["mape"] > max(2 * d.mape, d.mape + 0.05):
            out.append(Check("holdout_gap", "warning", "model",
                             f"Out-of-sample error ({h['mape']:.1%} MAPE over the last {h['weeks']} weeks) is far "
                             f"above in-sample error ({d.mape:.1%}): the model fits the past better than it "
                             "predicts. It may be over-fitting or missing a driver that changed; treat its "
                             "channel returns with caution."))
    if d.r2 is not None and d.r2 < 0.5:
        out.append(Check("poor_fit", "error" if d.r2 < 0.1 else "warning", "model",
                         f"The model explains only {d.r2:.0%} of the week-to-week variation in "
                         f"{spec.kpi.column} (R² {d.r2:.2f}, MAPE {d.mape:.0%}). Look for mistyped weeks, "
                         "outliers or missing drivers (controls, events) before reading channel returns."))
    elif d.coverage_90 is not None and d.coverage_90 < 0.7:
        out.append(Check("poor_fit", "warning", "model",
                         f"Only {d.coverage_90:.0%} of weeks fall inside the model's 90% interval: its intervals "
                         "are too narrow. Consider a student_t likelihood, more controls, or another carryover form."))
    return out


def assess(fitted: Any) -> list[Check]:
    """Every check on a fitted model: sampling, data, identification and fit; sets
    ``fitted.diagnostics.health`` and ``.checks`` and returns the checks."""
    checks = sampling_checks(fitted.diagnostics)
    checks += data_checks(fitted.train)
    checks += identification_checks(fitted)
    checks += fit_checks(fitted)
    order = {lvl: i for i, lvl in enumerate(reversed(LEVELS))}
    checks.sort(key=lambda c: order[c.level])
    fitted.diagnostics.checks = [c.to_dict() for c in checks]
    fitted.diagnostics.health = health_of(checks)
    return checks


def health_lines(diagnostics: Any, limit: int = 8) -> list[str]:
    """Plain lines for the console: the health word, then each warning and error."""
    d = diagnostics
    lines = [f"Model health: {d.health.upper()}"]
    shown = [c for c in d.checks if c["level"] in ("error", "warning")]
    for c in shown[:limit]:
        lines.append(f"  [{c['level']}] {c['message']}")
    if len(shown) > limit:
        lines.append(f"  ... and {len(shown) - limit} more in diagnostics.json")
    return lines
