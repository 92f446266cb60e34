"""Geo model: NUTS mass matrix (diagonal / dense over the shared parameters / dense) against leapfrog steps,
ESS per second, R-hat and the recovery of the true national ROAS.

For each design and each mass matrix (:data:`mmm.geo.model.MASS_MATRICES`) one fit of the simulated panel
``geo_config(n_geos, weeks, n_channels, seed)``; the sampler program is compiled first and timed apart, so
``sample_s`` is sampling alone and ``ess_per_s`` is min bulk ESS / ``sample_s``. Rows go to
``results/geo_mass.csv`` with the load average.

Usage::

    python benchmarks/geo_mass.py                                    # the test design and the recovery design
    python benchmarks/geo_mass.py --designs 10x104x4:0 --mass diagonal global --draws 500
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
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "geo_mass.csv"
#: ``GEOSxWEEKSxCHANNELS:SEED``: the test design of tests/geo/test_geo_model.py, the recovery design
DESIGNS = ("8x104x3:5", "10x104x4:0")


def one_fit(design: str, mass: str, args: argparse.Namespace) -> dict:
    """Compile, then fit one design with one mass matrix; one row."""
    from mmm import compiled
    from mmm.geo.fit import fit_geo
    from mmm.geo.model import build_geo_model, geo_designs, geo_scaling, mass_matrix_setting
    from mmm.sampling import chain_method
    from mmm.simulate.geo import geo_config, simulate_geo
    from mmm.spec import spec_from_dict

    shape, seed = design.split(":")
    G, T, C = (int(x) for x in shape.split("x"))
    _, spec_dict, truth = simulate_geo(geo_config(n_geos=G, weeks=T, n_channels=C, seed=int(seed)))
    spec = spec_from_dict(spec_dict).with_fit(draws=args.draws, tune=args.tune, chains=args.chains, seed=int(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaling = geo_scaling(truth.panel)
        model = build_geo_model(spec, truth.panel, scaling, geo_designs(spec, truth.panel, scaling))
        settings = compiled.SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                                            target_accept=float(spec.fit.target_accept),
                                            chain_method=chain_method(args.chains),
                                            dense_mass=mass_matrix_setting(model, mass))
        t0 = time.perf_counter()
        compiled.program_for(compiled.lift_model(model), settings)
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        fit = fit_geo(spec, truth.panel, progressbar=False, mass_matrix=mass)
        total_s = time.perf_counter() - t0
    stats = fit.idata.sample_stats
    dg = fit.diagnostics
    table = fit.channel_summary(0.9).set_index("channel")
    covered = sum(table.loc[c, "roas_hdi_low"] <= r <= table.loc[c, "roas_hdi_high"]
                  for c, r in truth.national_roas.items())
    return {"design": design, "mass": mass, "draws": args.draws, "tune": args.tune, "chains": args.chains,
            "steps_per_draw": float(np.asarray(stats.n_steps).mean()),
            "max_tree_depth": int(np.asarray(stats.tree_depth).max()),
            "step_size": float(np.asarray(stats.step_size).mean()),
            "compile_s": round(compile_s, 1), "sample_s": round(dg.seconds, 1), "fit_s": round(total_s, 1),
            "max_rhat": dg.max_rhat, "min_ess_bulk": dg.min_ess_bulk, "ess_per_s": dg.min_ess_bulk / dg.seconds,
            "divergences": dg.divergences, "covered": f"{covered}/{len(truth.national_roas)}",
            "load": round(os.getloadavg()[0], 1)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--designs", nargs="+", default=list(DESIGNS))
    p.add_argument("--mass", nargs="+", default=["diagonal", "global", "dense"])
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for design in args.designs:
        for mass in args.mass:
            row = pd.DataFrame([one_fit(design, mass, args)])
            row.to_csv(args.out, mode="a", header=not args.out.exists(), index=False)
            print(row.to_string(index=False), flush=True)


if __name__ == "__main__":
    main()
