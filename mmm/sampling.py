"""Run the sampler on a built PyMC model, and judge convergence.

The ArviZ-facing code of the package lives here and in :mod:`mmm.persist` (reading
and writing the posterior), so a move to ArviZ 1.x / DataTree is a change in two
small modules.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from mmm.diagnostics import Diagnostics  # noqa: F401 - re-exported
from mmm.errors import FitError
from mmm.spec import FitSettings

if TYPE_CHECKING:  # pragma: no cover - PyMC is imported when a model is built, not before
    import arviz as az
    import pymc as pm

    #: a built model, or a function that builds it (called only when the fit cannot be rerun from a record)
    ModelOrBuilder = pm.Model | Callable[[], pm.Model]

# JAX runs chains in parallel only over as many devices as it sees; on a CPU it sees
# one unless told before it starts. Set it here, before anything imports JAX.
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + f" --xla_force_host_platform_device_count={max(os.cpu_count() or 1, 4)}").strip()
# XLA's older CPU kernel emitters: the sampler program of the peer example compiles in 3.2 s instead of 4.3 s
# (XLA's part of a cold fit), with the same draws and the same speed per gradient (a 10-geo panel: 0.195 ms
# either way); see benchmarks/README.md, "Compiling the sampler". Put first: PyMC's JAX module drops every flag
# after the device count when it is imported before JAX starts.
if "xla_cpu_use_fusion_emitters" not in os.environ["XLA_FLAGS"]:
    os.environ["XLA_FLAGS"] = "--xla_cpu_use_fusion_emitters=false " + os.environ["XLA_FLAGS"]

def _enable_jax_cache() -> None:
    """Persist JAX compilations across processes (kept for callers of the old name)."""
    from mmm.compiled import enable_persistent_cache

    enable_persistent_cache()


#: Observed values from which a fit counts as large: its chains then share devices (``grouped``) on a CPU with
#: fewer cores than chains. Measured (``benchmarks/chain_layout.py``, 2 cores, 4 chains): the bundled geo sample
#: (3,120 observations) peaked at 4.4 GB with a device per chain and 2.0 GB grouped, at the same 127 leapfrog
#: steps per draw; the national peer example (179) took 11.0 s parallel against 13.9 s grouped when a device's
#: chains ran in lockstep (21 steps per pair of chains against 15 per chain) at under 0.9 GB either way. Since a
#: device runs its chains one after another, Meridian's 40-geo data (4 chains) took 173 s grouped (1.2 GB) and
#: 170 s with a device each (6.7 GB), against 282 s in lockstep.
LARGE_FIT_OBSERVATIONS = 2000


def chain_layout(chains: int, observations: int = 0) -> tuple[str, int]:
    """How the compiled sampler maps ``chains`` onto devices: ``(chain_method, devices)``.

    On a CPU: ``parallel`` (one XLA device per chain: fastest for a small model) when there are devices
    enough and the fit is small; for a large fit (``observations`` >= :data:`LARGE_FIT_OBSERVATIONS`, e.g. a
    geo panel) with more chains than cores, ``grouped``: the chains split over one device per core, those of
    one device one after another, because each device costs its own working memory (a 4-chain fit of 40 geos
    peaked at 6.7-14 GB with a device per chain on 2 cores, 1.2 GB grouped) and devices beyond the cores buy
    no speed there.
    On an accelerator, ``vectorized``: all chains in one program on its one device (chains run one after
    another there are latency-bound: several times slower).
    """
    import jax

    if jax.default_backend() != "cpu":
        return "vectorized", 1
    cores = max(1, min(os.cpu_count() or 1, jax.local_device_count()))
    if chains > cores and observations >= LARGE_FIT_OBSERVATIONS:
        devices = max(d for d in range(1, cores + 1) if chains % d == 0)
        return ("grouped", devices) if devices > 1 else ("vectorized", 1)
    if chains <= jax.local_device_count():
        return "parallel", chains
    return "vectorized", 1


def chain_method(chains: int) -> str:
    """The ``chain_method`` of :func:`chain_layout` (kept for callers of the old name)."""
    return chain_layout(chains)[0]


def sample_compiled(model: pm.Model, fit: FitSettings, *, dense_mass: bool | tuple = False,
                    mass_adaptation: str | None = None, inputs: str | None = None) -> az.InferenceData:
    """NUTS through :mod:`mmm.compiled`: one compiled program per model structure, reused by refits.

    ``dense_mass``: the mass matrix (:class:`mmm.compiled.SamplerSettings`; diagonal by default);
    ``mass_adaptation``: how warm-up learns a diagonal one (``gradient`` or numpyro's ``windows``; None:
    :class:`mmm.compiled.SamplerSettings`' default, ``gradient``); ``inputs``: the digest of what the model
    was built from (:func:`mmm.compiled.inputs_digest`): the fit is recorded under it, and
    :func:`sample_recorded` reruns the same inputs without building the model.

    The InferenceData has the groups, names, dims and coordinates ``pm.sample(nuts_sampler="numpyro")``
    gives: ``posterior`` (free variables and deterministics), ``sample_stats`` and ``observed_data``.
    """
    from pymc.backends.arviz import coords_and_dims_for_inferencedata, find_observations

    from mmm import compiled

    observed = find_observations(model)
    n_observed = sum(int(np.size(v)) for v in observed.values())
    settings = _settings(fit, n_observed, dense_mass, mass_adaptation)
    coords, dims = coords_and_dims_for_inferencedata(model)
    record = _record(inputs, observed, coords, dims, n_observed) if inputs else None
    start = time.perf_counter()
    draws = compiled.sample(model, settings, seed=int(fit.seed) if fit.seed is not None else 0, record=record)
    return _inference_data(draws, fit, observed, coords, dims, time.perf_counter() - start, "built")


def import_in_background(*modules: str) -> threading.Thread:
    """Import ``modules`` in a thread: started when the sampler's program starts compiling or loading, the
    imports that only the steps after the draws need (ArviZ, for the InferenceData and the convergence
    checks: 1.2 s of a cold ``mmm fit``, with matplotlib and SciPy) run while XLA compiles, which releases
    the interpreter. JAX and numpyro are imported first, here: the thread then imports none of the modules
    the compiler's caller imports. Importing a module the thread is importing waits for it."""
    import importlib

    import jax  # noqa: F401
    import numpyro.infer.hmc  # noqa: F401

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the main thread's own import reports it
                return

    thread = threading.Thread(target=run, name="mmm-imports", daemon=True)
    thread.start()
    return thread


def sample_native(graph: Any, fit: FitSettings, *, mass_adaptation: str | None = None,
                  inputs: str | None = None) -> az.InferenceData:
    """:func:`sample_compiled` for a model written in JAX (:class:`mmm.native.NativeGraph`): the same program,
    posterior, names, dims and record, without PyMC."""
    from mmm import compiled

    n_observed = sum(int(np.size(v)) for v in graph.observed.values())
    settings = _settings(fit, n_observed, False, mass_adaptation)
    record = _record(inputs, graph.observed, graph.coords, graph.dims, n_observed) if inputs else None
    start = time.perf_counter()
    import_in_background("arviz")
    draws = compiled.sample_graph(graph, settings, seed=int(fit.seed) if fit.seed is not None else 0, record=record)
    return _inference_data(draws, fit, graph.observed, graph.coords, graph.dims, time.perf_counter() - start, "built",
                           log_density="mmm")


def sample_recorded(inputs: str | None, fit: FitSettings, *, dense_mass: bool | tuple = False,
                    mass_adaptation: str | None = None,
                    input_values: dict[str, np.ndarray] | None = None) -> az.InferenceData | None:
    """The fit recorded under the digest ``inputs`` by :func:`sample_compiled`, run again without PyMC: the
    same posterior (same draws for the same seed), or None when there is no usable record (the model is
    then built): none saved, or saved with other sampler settings (fits with a dense mass matrix are never
    recorded, :func:`mmm.compiled.sample`). ``input_values``: the values of the model's named inputs that the
    digest leaves out (prior parameters, :mod:`mmm.prior_plan`; data, :mod:`mmm.data_inputs`); the record runs
    with them, and the observed data are then the current ones."""
    from mmm import compiled

    rec = compiled.load_record(inputs)
    if rec is None:
        return None
    from mmm.data_inputs import DATA_INPUT

    observed = {name[len("observed:"):]: a for name, a in rec.arrays.items() if name.startswith("observed:")}
    if any(k.startswith(DATA_INPUT) for k in input_values or {}):
        # the data are inputs of the run: the observed data are the current ones (an observed variable's data
        # are the input named after it, mmm.data_inputs), never the record's
        if not all(DATA_INPUT + name in input_values for name in observed):
            return None
        observed = {name: np.asarray(input_values[DATA_INPUT + name]) for name in observed}
    notes = rec.notes
    settings = _settings(fit, int(notes["observations"]), dense_mass, mass_adaptation)
    start = time.perf_counter()
    import_in_background("arviz")
    draws = compiled.sample_recorded(rec, settings, seed=int(fit.seed) if fit.seed is not None else 0,
                                     values=input_values)
    if draws is None:
        return None
    coords = {name[len("coord:"):]: a for name, a in rec.arrays.items() if name.startswith("coord:")}
    return _inference_data(draws, fit, observed, coords, notes["dims"], time.perf_counter() - start, "recorded")


def _settings(fit: FitSettings, n_observed: int, dense_mass: bool | tuple, mass_adaptation: str | None) -> Any:
    from mmm import compiled

    method, devices = chain_layout(fit.chains, n_observed)
    return compiled.SamplerSettings(draws=fit.draws, tune=fit.tune, chains=fit.chains,
                                    target_accept=float(fit.target_accept),
                                    chain_method=method, devices=devices, dense_mass=dense_mass,
                                    **({"mass_adaptation": mass_adaptation} if mass_adaptation else {}))


def _record(inputs: str, observed: dict, coords: dict, dims: dict, n_observed: int) -> Any:
    """What :func:`sample_recorded` needs besides the program: observed data, coordinates, dims."""
    from mmm import compiled

    arrays = {f"observed:{k}": np.asarray(v) for k, v in observed.items()}
    for k, v in coords.items():
        arrays[f"coord:{k}"] = _plain_array(v)
    return compiled.Record(inputs, arrays, {"dims": {k: list(v) for k, v in dims.items()},
                                            "observations": n_observed})


def _plain_array(values: Any) -> np.ndarray:
    """Coordinate values as an array NumPy saves without pickling: text labels as fixed-width strings,
    weeks (naive timestamps) as ``datetime64``; anything else stays an object array (then not recorded)."""
    import pandas as pd

    a = np.asarray(values)
    if a.dtype != object or a.size == 0:
        return a
    items = list(values)
    if all(isinstance(x, str) for x in items):
        return np.asarray(items, dtype=str)
    if all(isinstance(x, pd.Timestamp) and x.tz is None for x in items):
        return np.asarray(pd.DatetimeIndex(items))
    return a


def _inference_data(draws: Any, fit: FitSettings, observed: dict, coords: dict, dims: dict, seconds: float,
                    inputs: str, log_density: str = "pymc") -> az.InferenceData:
    """``log_density``: who wrote the model's log density, ``pymc`` (a PyMC model, lifted) or ``mmm`` (in JAX,
    :mod:`mmm.native`); a rerun of a record (``inputs`` = ``recorded``) says ``recorded``."""
    attrs = {"inference_library": "numpyro", "sampling_time": round(seconds, 6),
             "tuning_steps": fit.tune, "sampler_program": draws.program, "sampler_inputs": inputs,
             "log_density": "recorded" if inputs == "recorded" else log_density}
    import arviz as az

    idata = az.from_dict(posterior=draws.posterior, sample_stats=draws.sample_stats,
                         observed_data=observed, coords=coords, dims=dims)
    idata.posterior.attrs.update(attrs)
    return idata


#: Free-parameter names checked for convergence (deterministics and per-week ``mu`` excluded).
CHECK_EXCLUDE = ("mu", "media_beta")


def run_sampler(model: ModelOrBuilder, fit: FitSettings, *, progressbar: bool = True,
                dense_mass: bool | tuple = False, mass_adaptation: str | None = None,
                inputs: str | None = None,
                input_values: dict[str, np.ndarray] | None = None,
                native: Callable[[], Any] | None = None) -> tuple[az.InferenceData, float, float]:
    """Sample ``model`` with the settings in ``fit``; return the posterior, the seconds sampling took and the
    seconds building the model took (0 for a built one).

    ``fit.sampler``: ``numpyro`` (JAX, the default: fastest measured on 2-core CPUs, and
    runs on GPU; through :mod:`mmm.compiled`, which compiles one program per model structure
    and reuses it for refits), ``nutpie`` (Rust NUTS with a Numba-compiled model), ``pymc``
    (PyMC's own NUTS) or ``advi`` (mean-field variational inference: fast but **approximate**).
    ``dense_mass``: numpyro's mass matrix (:class:`mmm.compiled.SamplerSettings`; diagonal by
    default); the other samplers ignore it.
    ``model`` may be a function that builds the model, and ``inputs`` the digest of what it builds it from
    (:func:`mmm.compiled.inputs_digest`): a numpyro fit of inputs fitted before (a refit in a new process)
    then runs from its record (:func:`sample_recorded`, with ``input_values``), without PyMC; the model is
    built only when needed.
    ``native``: a function giving the model written in JAX (:func:`mmm.native.native_graph`, or None where
    that path does not write it): a numpyro fit with a diagonal mass matrix samples it, and PyMC is not loaded.
    """
    start = time.perf_counter()
    if fit.sampler == "numpyro" and inputs:
        idata = sample_recorded(inputs, fit, dense_mass=dense_mass, mass_adaptation=mass_adaptation,
                                input_values=input_values)
        if idata is not None:
            return idata, time.perf_counter() - start, 0.0
    if fit.sampler == "numpyro" and native is not None and not dense_mass:
        graph = native()
        if graph is not None:
            built = time.perf_counter() - start
            start = time.perf_counter()
            idata = sample_native(graph, fit, mass_adaptation=mass_adaptation, inputs=inputs)
            return idata, time.perf_counter() - start, built
    build_seconds = 0.0
    if callable(model):
        model = model()
        build_seconds = time.perf_counter() - start
        start = time.perf_counter()
    import pymc as pm

    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        try:
            if fit.sampler == "advi":
                approx = pm.fit(n=30_000, method="advi", random_seed=fit.seed, progressbar=progressbar,
                                callbacks=[pm.callbacks.CheckParametersConvergence(tolerance=1e-3)])
                idata = approx.sample(fit.draws * fit.chains, random_seed=fit.seed)
                # one pseudo-chain per requested chain so shapes match NUTS output
                idata.posterior = idata.posterior.isel(chain=0).assign_coords(
                    draw=np.arange(fit.draws * fit.chains)).expand_dims("chain")
            elif fit.sampler == "numpyro":
                try:
                    idata = sample_compiled(model, fit, dense_mass=dense_mass, mass_adaptation=mass_adaptation,
                                            inputs=inputs)
                except NotImplementedError:  # an operation with no JAX form in mmm.compiled's path
                    idata = pm.sample(draws=fit.draws, tune=fit.tune, chains=fit.chains, random_seed=fit.seed,
                                      target_accept=fit.target_accept, nuts_sampler="numpyro",
                                      progressbar=progressbar, compute_convergence_checks=False,
                                      nuts_sampler_kwargs={"chain_method": "parallel"})
            elif fit.sampler == "nutpie":
                idata = pm.sample(draws=fit.draws, tune=fit.tune, chains=fit.chains, random_seed=fit.seed,
                                  target_accept=fit.target_accept, nuts_sampler="nutpie",
                                  progressbar=progressbar, compute_convergence_checks=False)
            else:
                idata = pm.sample(draws=fit.draws, tune=fit.tune, chains=fit.chains, random_seed=fit.seed,
                                  target_accept=fit.target_accept, cores=min(fit.chains, os.cpu_count() or 1),
                                  progressbar=progressbar, compute_convergence_checks=False)
        except (ValueError, FloatingPointError, RuntimeError) as exc:
            raise FitError(f"The {fit.sampler} sampler failed to start: {exc}. Check the data for extreme "
                           "values, or try `sampler: pymc`.") from exc
    return idata, time.perf_counter() - start, build_seconds


def fast_mode(spec: Any) -> Any:
    """With ``MMM_FAST`` set (CI, a quick look at a notebook): at most 200 draws, 200 tuning steps and
    2 chains. Every fit (plain, mediation, funnel) goes through here; its verdict then says FAST MODE."""
    if not os.environ.get("MMM_FAST"):
        return spec
    return spec.with_fit(draws=min(spec.fit.draws, 200), tune=min(spec.fit.tune, 200),
                         chains=min(spec.fit.chains, 2))


def sample_and_judge(model: ModelOrBuilder, fit: FitSettings, *, progressbar: bool = True,
                     build_seconds: float = 0.0, dense_mass: bool | tuple = False,
                     mass_adaptation: str | None = None, inputs: str | None = None,
                     input_values: dict[str, np.ndarray] | None = None,
                     native: Callable[[], Any] | None = None) -> tuple[az.InferenceData, Diagnostics]:
    """Sample a model and judge it: the one path every fit takes from graph to verdict.

    ``model``: a built model, or a function that builds it; ``inputs``: the digest of what it is built from,
    and ``input_values`` the values of its named inputs, to rerun a recorded fit without building it
    (:func:`run_sampler`); ``native``: a function giving the model written in JAX (:mod:`mmm.native`), sampled
    without PyMC where it gives one. Returns the posterior and its
    :class:`Diagnostics` (timing, R-hat, ESS, divergences, the verdict, and FAST MODE when ``MMM_FAST`` is set).
    """
    idata, seconds, built = run_sampler(model, fit, progressbar=progressbar, dense_mass=dense_mass,
                                        mass_adaptation=mass_adaptation, inputs=inputs, input_values=input_values,
                                        native=native)
    diagnostics = judge(idata, fit, seconds)
    diagnostics.build_seconds = round(build_seconds + built, 2)
    if os.environ.get("MMM_FAST"):
        diagnostics.verdict = "FAST MODE (MMM_FAST set, few draws): " + diagnostics.verdict
        diagnostics.fast = True
    return idata, diagnostics


@contextmanager
def _without_numba() -> Iterator[None]:
    """ArviZ's NumPy code paths for R-hat and ESS: on a few dozen parameters they are faster than
    compiling ArviZ's Numba kernels, which a fresh process (every ``mmm fit``) would do first
    (about 1 s). The same numbers either way."""
    import arviz as az

    numba = getattr(az, "Numba", None)
    was = bool(getattr(numba, "numba_flag", False))
    if was:
        numba.disable_numba()
    try:
        yield
    finally:
        if was:
            numba.enable_numba()


def judge(idata: az.InferenceData, fit: FitSettings, seconds: float) -> Diagnostics:
    """R-hat, ESS and divergences over the free parameters, with a verdict.

    Converged means: max R-hat <= 1.01, min bulk ESS >= 100 per chain, and no
    divergent transitions. ADVI fits are labelled approximate and never "converged".
    """
    import arviz as az

    post = idata.posterior
    names = [v for v in post.data_vars if v not in CHECK_EXCLUDE]
    approximate = fit.sampler == "advi"
    if approximate:
        return Diagnostics(fit.sampler, fit.draws, fit.chains, 0, seconds, float("nan"), float("nan"),
                           float("nan"), 0, False,
                           "APPROXIMATE (ADVI): fine for iterating on the spec; refit with NUTS "
                           "(sampler: numpyro) before you report numbers.", approximate=True)
    with warnings.catch_warnings(), _without_numba():
        warnings.simplefilter("ignore")
        rhat = az.rhat(post, var_names=names)
        ess_b = az.ess(post, var_names=names, method="bulk")
        ess_t = az.ess(post, var_names=names, method="tail")
    max_rhat = float(max(np.nanmax(rhat[v].values) for v in names))
    min_b = float(min(np.nanmin(ess_b[v].values) for v in names))
    min_t = float(min(np.nanmin(ess_t[v].values) for v in names))
    div = int(idata.sample_stats["diverging"].values.sum()) if "diverging" in idata.sample_stats else 0
    need_ess = 100 * fit.chains
    problems = []
    if div:
        problems.append(f"{div} divergent transitions (raise fit.target_accept to 0.95, or tighten the "
                        "carryover/saturation priors)")
    if max_rhat > 1.01:
        problems.append(f"max R-hat {max_rhat:.3f} > 1.01 (chains disagree: run more tune/draws)")
    if min_b < need_ess:
        problems.append(f"min bulk ESS {min_b:.0f} < {need_ess} (run more draws)")
    converged = not problems
    verdict = "converged" if converged else "do not trust: " + "; ".join(problems)
    return Diagnostics(fit.sampler, fit.draws, fit.chains, fit.tune, round(seconds, 2), max_rhat, min_b, min_t,
                       div, converged, verdict)
