"""Profile one model (ours or the peer's): graph size, cost of one gradient, compile times.

    python benchmarks/profile_model.py --side ours --dataset peer
    /work/bench-venv/bin/python benchmarks/profile_model.py --side peer --dataset peer
    python benchmarks/profile_model.py --side ours --dataset peer --nutpie-backends numba,jax

Prints one ``RESULT`` JSON line with:

* ``logp_dlogp_nodes``: apply nodes in the compiled (PyTensor, C backend) logp+gradient;
* ``jax_grad_compile_s`` and ``jax_grad_us``: JIT compile time of logp+gradient in JAX and
  the time of one evaluation (median of repeated timings) - sampling time is roughly
  (gradients per draw) x (this) x (draws + tune) x chains / cores;
* with ``--tree``: mean leapfrog steps per draw, step size and tree depth from a short
  numpyro run (the other factor of sampling time);
* with ``--nutpie-backends``: nutpie ``compile_pymc_model`` time per backend and the
  draws/s of a short nutpie run with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + f" --xla_force_host_platform_device_count={max(os.cpu_count() or 1, 4)}").strip()
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import load_dataset, ours_spec, peer_frame  # noqa: E402


def build(side: str, ds: dict[str, Any], variant: str) -> Any:
    if side == "ours":
        from mmm.fitted import Model
        m = Model(ours_spec(ds, variant))
        model, _, _ = m.build(m.prepare(ds["df"]))
        return model
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation
    X, y, chans, controls = peer_frame(ds)
    mmm = MMM(date_column=ds["date"], channel_columns=chans, control_columns=controls,
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation(), yearly_seasonality=2)
    mmm.build_model(X, y)
    return mmm.model


def jax_gradient(model: Any, reps: int) -> dict[str, float]:
    import jax
    from pymc.sampling.jax import get_jaxified_logp
    t0 = time.perf_counter()
    logp = get_jaxified_logp(model, negative_logp=False)
    convert = time.perf_counter() - t0
    ip = model.initial_point()
    x = [np.asarray(ip[v.name]) for v in model.value_vars]
    fn = jax.jit(jax.value_and_grad(logp))
    t0 = time.perf_counter()
    compiled = fn.lower(x).compile()
    compile_s = time.perf_counter() - t0
    jax.block_until_ready(compiled(x))
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            out = compiled(x)
        jax.block_until_ready(out)
        times.append((time.perf_counter() - t0) / reps * 1e6)
    return {"pytensor_to_jax_s": convert, "jax_grad_compile_s": compile_s, "jax_grad_us": statistics.median(times),
            "n_free_params": int(sum(np.size(v) for v in x))}


def tree_stats(model: Any, chains: int, tune: int, draws: int) -> dict[str, float]:
    import pymc as pm
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        idata = pm.sample(draws=draws, tune=tune, chains=chains, nuts_sampler="numpyro", progressbar=False,
                          random_seed=1, compute_convergence_checks=False,
                          target_accept=float(os.environ.get("TARGET_ACCEPT", "0.8")))
        wall = time.perf_counter() - t0
    st = idata.sample_stats
    return {"numpyro_wall_s": wall, "mean_leapfrog_steps": float(st["n_steps"].mean()),
            "mean_tree_depth": float(st["tree_depth"].mean()) if "tree_depth" in st else float("nan"),
            "step_size": float(st["step_size"].mean()), "divergences": int(st["diverging"].sum()),
            "target_accept": float(os.environ.get("TARGET_ACCEPT", "0.8"))}


def nutpie_backend(model: Any, backend: str, draws: int) -> dict[str, float]:
    import nutpie
    t0 = time.perf_counter()
    if backend == "jax":
        compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
    else:
        compiled = nutpie.compile_pymc_model(model, backend=backend)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tr = nutpie.sample(compiled, draws=draws, tune=draws, chains=2, seed=1, progress_bar=False)
    sample_s = time.perf_counter() - t0
    steps = float(tr.sample_stats["n_steps"].mean()) if "n_steps" in tr.sample_stats else float("nan")
    return {"compile_s": compile_s, "sample_s": sample_s, "draws_per_s": 2 * 2 * draws / sample_s,
            "mean_leapfrog_steps": steps}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", choices=("ours", "peer"), default="ours")
    p.add_argument("--dataset", default="peer")
    p.add_argument("--variant", default="matched")
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--tree", default="", help="CHAINS,TUNE,DRAWS for a short numpyro run, e.g. 2,500,500")
    p.add_argument("--nutpie-backends", default="", help="comma-separated: numba,jax")
    p.add_argument("--nutpie-draws", type=int, default=300)
    p.add_argument("--dprint", action="store_true", help="print pytensor.dprint of the logp graph")
    args = p.parse_args()
    ds = load_dataset(args.dataset)
    t0 = time.perf_counter()
    model = build(args.side, ds, args.variant)
    out: dict[str, Any] = {"side": args.side, "dataset": args.dataset, "variant": args.variant,
                           "build_s": time.perf_counter() - t0}
    f = model.compile_logp(jacobian=True)
    out["logp_nodes"] = len(f.f.maker.fgraph.apply_nodes) if hasattr(f, "f") else None
    g = model.compile_dlogp()
    out["dlogp_nodes"] = len(g.f.maker.fgraph.apply_nodes) if hasattr(g, "f") else None
    if args.dprint:
        import pytensor
        pytensor.dprint(g.f)
    out.update(jax_gradient(model, args.reps))
    if args.tree:
        c, t, d = (int(v) for v in args.tree.split(","))
        out["tree"] = tree_stats(model, c, t, d)
    for backend in filter(None, args.nutpie_backends.split(",")):
        out[f"nutpie_{backend}"] = nutpie_backend(model, backend, args.nutpie_draws)
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
