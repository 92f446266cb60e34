"""Fit both bundled sample sets exactly as `mmm fit` does by default and compare with the truth.

Usage: python benchmarks/fit_samples.py [ecommerce b2b]   (MMM_JAX_CACHE=off for a cold start)

Prints, per sample: wall time (build + compile + sampling + checks), sampling seconds, the
verdict, max R-hat, min bulk ESS, divergences, and each channel's true ROAS against its 90% HDI.
"""

from __future__ import annotations

import sys
import time
import warnings

import mmm


def main(names: list[str]) -> None:
    """Fit each sample with the CLI defaults (4 chains x 1000 tune x 1000 draws, numpyro, seed 1)."""
    warnings.filterwarnings("ignore")
    for name in names:
        spec, truth = mmm.sample_spec(name), mmm.sample_truth(name)["channels"]
        start = time.perf_counter()
        fitted = mmm.Model(spec).fit(progressbar=False)
        wall = time.perf_counter() - start
        d = fitted.diagnostics
        table = fitted.channel_summary().set_index("channel")
        inside = sum(table.loc[c, "roas_hdi_low"] <= truth[c]["roas"] <= table.loc[c, "roas_hdi_high"] for c in truth)
        media_err = table["contribution_mean"].sum() / sum(truth[c]["contribution"] for c in truth) - 1
        print(f"{name}: wall {wall:.1f} s, sampling {d.seconds:.1f} s, {d.verdict}; max R-hat {d.max_rhat:.3f}, "
              f"min bulk ESS {d.min_ess_bulk:.0f}, divergences {d.divergences}; R² {d.r2:.3f}; "
              f"true ROAS inside 90% HDI {inside}/{len(truth)}; total media {media_err:+.1%}")
        for c in truth:
            r = table.loc[c]
            print(f"  {c:15s} true {truth[c]['roas']:5.2f}  est {r.roas_mean:5.2f} "
                  f"[{r.roas_hdi_low:5.2f}, {r.roas_hdi_high:5.2f}]")


if __name__ == "__main__":
    main(sys.argv[1:] or ["ecommerce", "b2b"])
