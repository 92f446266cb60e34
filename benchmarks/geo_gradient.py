"""The geo model's log density and gradient: PyMC's graph converted to JAX against the model written in JAX.

For each panel size (``geo_config(G, 156 weeks, 5 channels, seed=1)``) both log densities are compiled with
their gradient and run ``--evaluations`` times inside one compiled loop (as the sampler runs them, without
Python's call overhead), alternating the two paths ``--repeats`` times; the table gives the median
milliseconds per evaluation of each and XLA's cost analysis (floating-point operations, bytes accessed).

    python benchmarks/geo_gradient.py --geos 10 40 100 --repeats 5
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
import warnings
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def _paths(geos: int) -> dict:
    """``{path: (logp function, start point, arguments)}`` for the PyMC and the JAX geo model."""
    from mmm import compiled
    from mmm.fitted import as_spec
    from mmm.geo.inputs import geo_designs, geo_lift_data, geo_scaling
    from mmm.geo.model import build_geo_model
    from mmm.geo.native import geo_native_graph
    from mmm.simulate.geo import geo_config, simulate_geo

    _, spec_dict, truth = simulate_geo(geo_config(n_geos=geos, weeks=156, n_channels=5, seed=1))
    spec, panel = as_spec(spec_dict), truth.panel
    scaling = geo_scaling(panel)
    designs, lift = geo_designs(spec, panel, scaling), geo_lift_data(spec, panel, scaling)
    lifted = compiled.lift_model(build_geo_model(spec, panel, scaling, designs, lift=lift))
    native = geo_native_graph(spec, panel, scaling, designs, lift)
    p_logp, p_start, _ = compiled._graph_functions(lifted)
    start = list(p_start(*lifted.args))
    return {"pymc": (p_logp, start, lifted.args), "jax": (native.functions[0], start, native.args)}


def _loop(logp, evaluations: int):
    import jax

    grad = jax.value_and_grad(lambda xs, *a: logp(*xs, *a)[0])

    @jax.jit
    def run(xs, *args):
        def step(_, xs):
            _, g = grad(xs, *args)
            return [x + 1e-12 * d for x, d in zip(xs, g, strict=True)]  # each evaluation depends on the last
        return jax.lax.fori_loop(0, evaluations, step, xs)

    return run, jax.jit(grad)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--geos", type=int, nargs="+", default=[10, 40, 100])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--evaluations", type=int, default=200)
    p.add_argument("--out", type=Path, default=RESULTS / "geo_gradient.csv")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    import jax

    jax.config.update("jax_enable_x64", True)
    rows = []
    for geos in args.geos:
        paths = _paths(geos)
        loops = {}
        for name, (logp, start, a) in paths.items():
            run, grad = _loop(logp, args.evaluations)
            jax.block_until_ready(run(start, *a))
            cost = grad.lower(start, *a).compile().cost_analysis()
            cost = cost[0] if isinstance(cost, list) else cost
            loops[name] = (run, start, a, cost)
        times: dict[str, list[float]] = {name: [] for name in loops}
        for _ in range(args.repeats):
            for name, (run, start, a, _) in loops.items():
                t = time.perf_counter()
                jax.block_until_ready(run(start, *a))
                times[name].append((time.perf_counter() - t) / args.evaluations * 1e3)
        load = os.getloadavg()[0]
        for name, (_, start, _, cost) in loops.items():
            rows.append({"geos": geos, "path": name, "values": sum(int(x.size) for x in start),
                         "ms_median": round(statistics.median(times[name]), 4),
                         "ms_all": " ".join(f"{t:.3f}" for t in times[name]),
                         "mflop": round(cost.get("flops", 0) / 1e6, 2),
                         "mb_accessed": round(cost.get("bytes accessed", 0) / 1e6, 2), "load": round(load, 2)})
            print(rows[-1], flush=True)
    new = not args.out.exists()
    with args.out.open("a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
