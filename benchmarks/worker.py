"""One timed fit in a fresh process; prints one JSON line (prefixed ``RESULT``).

Run by :mod:`bench_peer` and :mod:`bench_scaling`, ours in ``/work/main/.venv`` and
the peer (PyMC-Marketing) in ``/work/bench-venv``, so their imports never mix::

    python benchmarks/worker.py --side ours --dataset peer --sampler numpyro --draws 1000 --tune 1000 --chains 4
    /work/bench-venv/bin/python benchmarks/worker.py --side peer --dataset peer --sampler numpyro

Timed from "data frame in memory" to "posterior with convergence diagnostics":

* ``build_s``: building the PyMC model (ours: ``Model.build``; the peer: ``MMM.build_model``);
* ``compile_s``: compilation inside ``pm.sample`` (see :class:`common.CompileClock`);
* ``sample_s``: the rest of ``pm.sample`` (tuning + draws + collecting the draws);
* ``post_s``: after sampling (ours: R-hat/ESS verdict and fit checks; the peer:
  ``compute_deterministics``, its fit data and the same R-hat/ESS computation);
* ``total_s``: all of it = time to result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

# Both sides run their 4 chains in parallel: JAX must see several CPU "devices" before it
# starts (ours sets this in mmm.sampling too; the peer gets the same flag here).
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + f" --xla_force_host_platform_device_count={max(os.cpu_count() or 1, 4)}").strip()

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import CompileClock, load_dataset, ours_spec, peak_rss_mb, peer_frame, truth_table  # noqa: E402


class SampleClock:
    """Wall time of the sampler calls: ``pymc.sample`` (the peer; ours for nutpie and pymc) and
    ``mmm.sampling.sample_compiled`` / ``sample_native`` (ours for numpyro: :mod:`mmm.compiled`)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def _wrap(self, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0
        return timed

    def install(self) -> SampleClock:
        import pymc
        pymc.sample = self._wrap(pymc.sample)
        try:
            import mmm.sampling as sampling
            for name in ("sample_compiled", "sample_native"):  # the PyMC model's program, or the model in JAX
                if hasattr(sampling, name):
                    setattr(sampling, name, self._wrap(getattr(sampling, name)))
        except ImportError:  # the peer's venv without mmm
            pass
        return self


def versions(side: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    names = ["pymc", "pytensor", "numpyro", "jax", "nutpie", "numba", "arviz", "numpy"]
    names += ["pymc-marketing"] if side == "peer" else ["mmm"]
    out = {"python": sys.version.split()[0]}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "not installed"
    return out


def min_ess_max_rhat(posterior: Any, names: list[str]) -> tuple[float, float, float]:
    import arviz as az
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhat = az.rhat(posterior, var_names=names)
        ess_b = az.ess(posterior, var_names=names, method="bulk")
        ess_t = az.ess(posterior, var_names=names, method="tail")
    return (float(min(np.nanmin(ess_b[v].values) for v in names)),
            float(min(np.nanmin(ess_t[v].values) for v in names)),
            float(max(np.nanmax(rhat[v].values) for v in names)))


def run_ours(args: argparse.Namespace, ds: dict[str, Any]) -> dict[str, Any]:
    from mmm.fitted import Model
    compile_clock = CompileClock().install()
    sample_clock = SampleClock().install()
    spec = ours_spec(ds, args.variant)
    t0 = time.perf_counter()
    fitted = Model(spec).fit(ds["df"], draws=args.draws, tune=args.tune, chains=args.chains,
                                 sampler=args.sampler, seed=args.seed, progressbar=False)
    total = time.perf_counter() - t0
    d = fitted.diagnostics
    compile_s = compile_clock.seconds()
    summary = fitted.channel_summary().set_index("channel")
    params = fitted.params
    layout = fitted.layout
    truth = truth_table(ds)
    channels = {}
    for i, c in enumerate(layout.channels):
        row: dict[str, Any] = {"roas_mean": float(summary.loc[c, "roas_mean"]),
                               "contribution_mean": float(summary.loc[c, "contribution_mean"])}
        if c in layout.users("carryover"):
            row["alpha_mean"] = float(params["carryover"][:, layout.users("carryover").index(c)].mean())
        if c in layout.users("saturation_lambda"):
            lam = params["saturation_lambda"][:, layout.users("saturation_lambda").index(c)]
            t = truth[c]
            row["lam_ours_mean"] = float(lam.mean())
            # our lambda acts on spend / mean non-zero spend; the peer's on spend / max spend
            row["lam_peer_units_mean"] = float(lam.mean() * t["scale_max"] / fitted.scaling.spend_scale[i])
        channels[c] = row
    return {"build_s": d.build_seconds, "compile_s": compile_s,
            "sample_s": sample_clock.seconds - compile_s,
            "post_s": total - d.build_seconds - sample_clock.seconds, "total_s": total,
            "min_ess_bulk": d.min_ess_bulk, "min_ess_tail": d.min_ess_tail, "max_rhat": d.max_rhat,
            "divergences": d.divergences, "target_accept": fitted.spec.fit.target_accept,
            "adstock": sorted(set(layout.adstock)), "l_max": layout.max_l, "channels": channels,
            "r2": d.r2}


def run_peer(args: argparse.Namespace, ds: dict[str, Any]) -> dict[str, Any]:
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation
    compile_clock = CompileClock().install()
    sample_clock = SampleClock().install()
    X, y, chans, controls = peer_frame(ds)
    t0 = time.perf_counter()
    model = MMM(date_column=ds["date"], channel_columns=chans, control_columns=controls,
                adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation(), yearly_seasonality=2)
    model.build_model(X, y)
    build = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = model.fit(X, y, draws=args.draws, tune=args.tune, chains=args.chains,
                          nuts_sampler=args.sampler, random_seed=args.seed, progressbar=False)
    names = [v.name for v in model.model.free_RVs]
    ess_b, ess_t, rhat = min_ess_max_rhat(idata.posterior, names)
    total = time.perf_counter() - t0
    compile_s = compile_clock.seconds()
    post = idata.posterior
    div = int(idata.sample_stats["diverging"].values.sum()) if "diverging" in idata.sample_stats else 0
    truth = truth_table(ds)
    contrib = post["channel_contribution_original_scale"].sum("date").mean(("chain", "draw"))
    alpha = post["adstock_alpha"].mean(("chain", "draw"))
    lam = post["saturation_lam"].mean(("chain", "draw"))
    channels = {}
    for c, col in ds["channels"].items():
        spend = float(ds["df"][col].sum())
        cc = float(contrib.sel(channel=col))
        lam_peer = float(lam.sel(channel=col))
        channels[c] = {"roas_mean": cc / spend, "contribution_mean": cc,
                       "alpha_mean": float(alpha.sel(channel=col)),
                       "lam_peer_units_mean": lam_peer,
                       "lam_ours_mean": lam_peer * truth[c]["scale_mean"] / truth[c]["scale_max"]}
    return {"build_s": build, "compile_s": compile_s, "sample_s": sample_clock.seconds - compile_s,
            "post_s": total - build - sample_clock.seconds, "total_s": total,
            "min_ess_bulk": ess_b, "min_ess_tail": ess_t, "max_rhat": rhat, "divergences": div,
            "target_accept": 0.8, "adstock": ["geometric"], "l_max": 8, "channels": channels}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", choices=("ours", "peer"), required=True)
    p.add_argument("--dataset", required=True, help="peer, ecommerce, b2b or sim:weeks=W,channels=C")
    p.add_argument("--sampler", default="numpyro", choices=("numpyro", "nutpie", "pymc"))
    p.add_argument("--variant", default="matched", choices=("matched", "default"),
                   help="ours only: matched benchmark settings or the KPI type's preset")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    ds = load_dataset(args.dataset)
    out = run_ours(args, ds) if args.side == "ours" else run_peer(args, ds)
    draws_total = args.draws * args.chains
    out = {"side": args.side, "dataset": args.dataset, "sampler": args.sampler,
           "variant": args.variant if args.side == "ours" else "matched",
           "draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": args.seed,
           "weeks": len(ds["df"]), "n_channels": len(ds["channels"]), **out,
           "ess_per_s": out["min_ess_bulk"] / out["total_s"],
           "ess_per_s_sampling": out["min_ess_bulk"] / max(out["sample_s"], 1e-9),
           "ess_per_draw": out["min_ess_bulk"] / draws_total,
           "truth": truth_table(ds), "peak_rss_mb": peak_rss_mb(), "versions": versions(args.side)}
    print("RESULT " + json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
