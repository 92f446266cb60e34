"""One compiled NUTS sampler per model *structure*, reused across refits in the same process.

``pm.sample(nuts_sampler="numpyro")`` bakes the data and the prior values into the JAX graph
as constants, evaluates the initial point op by op (about a hundred tiny XLA compilations),
and jits a second function for the deterministics: a refit of the same model with new data
or a changed prior value converts, traces and compiles everything again.

Here the log density is taken from the built PyMC model once per structure, with every
floating-point constant of the graph (observed KPI, design arrays, lift-test arrays, prior
parameters, scale factors) **lifted into an argument**. What is left - the graph's operations,
the shapes, integer constants such as indices, the sampler settings - is the *structure key*.
For each key one function is traced and compiled ahead of time
(``jax.jit(...).lower(...).compile()``): jittered start, NUTS warm-up and draws
(numpyro's ``hmc`` kernel), and the constrained values and deterministics of every draw, all
in one XLA program. It is kept in a small in-process LRU cache: a refit of the same structure
(a notebook changing a prior value or the data) runs the compiled program on the new arguments
and compiles nothing. The compiled program is also written to ``MMM_JAX_CACHE/programs``
(JAX's executable serialisation; ``MMM_JAX_CACHE=off`` disables it), named by a digest of the
structure key and the library versions, so a new process (``mmm fit`` again) reads it instead
of converting, tracing and compiling: the program no longer contains the data.

A different structure (another saturation form, a channel more, other sampler settings, a
prior of another family or a per-channel prior where there was one shared) compiles anew. In
models that pass prior values as plain numbers, so does a value that PyTensor types differently
(a float32-exact value such as 0.25 is a float32 constant) or that PyMC merges with an equal
constant elsewhere in the graph; the national model passes them as named float64 shared
variables (:mod:`mmm.prior_plan`), which are lifted under their names (:attr:`LiftedGraph.arg_names`):
a record of a fit (:func:`load_record`) can then be rerun with other prior values without the model.
What is *not* lifted: integer constants that index or shape (they are structure) and
constant subgraphs PyTensor would have folded (data-only expressions; here they are cheap:
the design arrays are already computed in NumPy by :mod:`mmm.design`).

The national model is also written directly in JAX (:mod:`mmm.native`, checked against the PyMC model by
``tests/test_native.py``): its log density, start point and outputs come as JAX functions of the sampled
values and the named inputs, with no PyMC graph to build, lift or convert (:func:`sample_graph`). The
program, the on-disk cache and the records are the same for both.

:func:`compile_count` and :func:`cache_info` say how many programs were compiled, reused and
loaded (tests count compilations, not seconds).
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Compiled samplers kept per process (the notebook case: a few model variants side by side); each is held
#: under its structure key and under its file's name
CACHE_SIZE = 8
#: Compiled samplers kept on disk (3-4 MB each), the most recently written first.
DISK_PROGRAMS = 32


@dataclass(frozen=True)
class SamplerSettings:
    """The sampler settings that are part of a compiled program (a change recompiles)."""

    draws: int
    tune: int
    chains: int
    target_accept: float
    #: ``vectorized`` (one program runs all chains in lockstep on one device), ``parallel`` (one device
    #: per chain) or ``grouped`` (``devices`` devices, each running ``chains / devices`` chains one after another)
    chain_method: str
    #: NUTS mass matrix: ``False`` diagonal (the default), ``True`` dense over every sampled value, or
    #: blocks of sampled-variable names (numpyro's structured form, e.g. ``(("roas_log__", "carryover_logodds__"),)``):
    #: dense within each block, diagonal elsewhere
    dense_mass: bool | tuple[tuple[str, ...], ...] = False
    #: devices a ``grouped`` program runs on (a divisor of ``chains``); ignored by the other methods
    devices: int = 1
    #: how warm-up learns a diagonal mass matrix: ``gradient`` (the default: the variance of the draws over the
    #: variance of their gradients, from the gradient at the start onwards; see :func:`gradient_mass_updates`)
    #: or ``windows`` (numpyro's: the variance of the draws in Stan's doubling windows, identity until the first
    #: window ends at draw 100). Measured on the bundled national samples (benchmarks/warmup_national.py): sampling
    #: 2.0-2.7x faster, min bulk ESS 0-13% lower, R-hat as often over 1.01; on geo panels 2-3.5x faster
    mass_adaptation: str = "gradient"

    def n_devices(self) -> int:
        """How many devices the program runs on."""
        if self.chain_method == "parallel":
            return self.chains
        if self.chain_method == "grouped":
            return self.devices
        return 1


@dataclass(frozen=True)
class CacheInfo:
    """Counts of the in-process sampler cache."""

    compiles: int   #: programs traced and compiled (each is one miss of both caches)
    hits: int       #: fits that reused a program held in this process
    loaded: int     #: programs read from the on-disk cache (compiled by an earlier process)
    size: int       #: programs held now
    persistent_hits: int  #: XLA compilations JAX's own on-disk cache answered
    recorded: int = 0     #: fits run from a record of their inputs, without building the PyMC model


@dataclass
class LiftedGraph:
    """A model's graphs with floating-point constants replaced by inputs."""

    key: tuple                 #: structure key: equal keys give the same program
    value_names: list[str]     #: sampled (transformed) variables, in the program's order
    out_names: list[str]       #: posterior variables: constrained free variables, then deterministics
    inputs: list[Any]          #: the value variables, then the lifted constants' placeholders
    args: list[np.ndarray]     #: the lifted constants' values (this model's data and priors)
    logp: Any                  #: joint log density (a scalar graph)
    start: list[Any]           #: transformed initial point of each value variable
    outs: list[Any]            #: graphs of ``out_names``
    #: per lifted argument, the name of the shared variable it was (a named model input such as a prior's
    #: parameter, which a record may be rerun with another value of: :func:`sample_recorded`), or None
    arg_names: list[str | None] = field(default_factory=list)
    #: named shared variables the graph holds as constants of its structure (integers that index or shape): a
    #: record cannot take another value of these
    baked_names: list[str] = field(default_factory=list)


@dataclass
class _Program:
    run: Any                   #: compiled: (chain keys, *args) -> (outs, stats)
    value_names: list[str]
    out_names: list[str]
    #: how the last fit got it: ``compiled`` here, ``loaded`` from disk, ``reused`` from this process
    source: str = "compiled"
    path: Any = None           #: its file in the on-disk cache, if any


_lock = threading.Lock()
_cache: OrderedDict[tuple, _Program] = OrderedDict()
_counts = {"compiles": 0, "hits": 0, "loaded": 0, "persistent_hits": 0, "recorded": 0}
_listening = False


def compile_count() -> int:
    """How many sampler programs this process has compiled (each one a cache miss)."""
    return _counts["compiles"]


def cache_info() -> CacheInfo:
    """Compilations, reuses and size of the in-process sampler cache, and persistent-cache hits."""
    return CacheInfo(_counts["compiles"], _counts["hits"], _counts["loaded"], len({id(p) for p in _cache.values()}),
                     _counts["persistent_hits"], _counts["recorded"])


def clear_cache() -> None:
    """Drop every compiled sampler (the counts stay)."""
    with _lock:
        _cache.clear()


def enable_persistent_cache() -> None:
    """Persist JAX compilations across processes in ``MMM_JAX_CACHE`` (default ``~/.cache/mmm/jax``;
    ``off`` disables it). Count its hits in :func:`cache_info`."""
    global _listening
    try:
        import jax
        import jax.monitoring

        if not _listening:
            def on_event(event: str, **_: Any) -> None:
                if event == "/jax/compilation_cache/cache_hits":
                    _counts["persistent_hits"] += 1

            jax.monitoring.register_event_listener(on_event)
            _listening = True
        # JAX's own persistent cache stays off: on CPU it gave back executables that failed to run
        # ("Function ... not found"); the sampler program has its own on-disk cache (_store_program)
        jax.config.update("jax_enable_compilation_cache", False)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a requirement
        pass


def _cache_dir() -> str | None:
    """``MMM_JAX_CACHE`` (default ``~/.cache/mmm/jax``), or None when it is ``off``."""
    cache = os.environ.get("MMM_JAX_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "mmm", "jax"))
    return None if cache.lower() in ("off", "0", "none", "") else cache


# ---------------------------------------------------------------------- graph side (PyTensor)


def _liftable(var: Any, clients: dict[Any, list[Any]]) -> bool:
    """A constant that is data, not structure: any float, or an integer array only fed to elementwise
    ops (observed counts), never an index or a shape."""
    from pytensor.tensor.elemwise import Elemwise
    from pytensor.tensor.variable import TensorConstant

    if not isinstance(var, TensorConstant):
        return False
    dtype = var.type.dtype
    if dtype.startswith("float"):
        return True
    if dtype.startswith(("int", "uint")) and var.type.ndim >= 1:
        users = clients.get(var, [])
        return bool(users) and all(isinstance(node.op, Elemwise) for node in users)
    return False


def _constant_ref(var: Any) -> tuple:
    """A constant left in the graph, by type and value (slices and other non-arrays by their repr)."""
    data = getattr(var, "data", None)
    if isinstance(data, np.ndarray) and data.dtype != object:
        return ("const", str(var.type), data.tobytes())
    return ("const", str(var.type), repr(data))


def lift_model(model: Any) -> LiftedGraph:
    """The log density, start point and posterior outputs of ``model`` with data lifted into inputs."""
    import pytensor.tensor as pt
    from pymc.initial_point import make_initial_point_expression
    from pymc.util import get_default_varnames
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant

    try:  # PyTensor 2.3x moved the graph walks (the old names warn, and will be removed)
        from pytensor.graph.traversal import graph_inputs, io_toposort
    except ImportError:  # pragma: no cover - older PyTensor
        from pytensor.graph.basic import graph_inputs, io_toposort
    from pytensor.graph.replace import clone_replace

    value_vars = list(model.value_vars)
    logp = model.logp()
    start = make_initial_point_expression(free_rvs=model.free_RVs, rvs_to_transforms=model.rvs_to_transforms,
                                          initval_strategies=model.rvs_to_initial_values, jitter_rvs=set(),
                                          return_transformed=True)
    posterior = list(get_default_varnames(model.unobserved_value_vars, include_transformed=False))
    outputs = [logp, *start, *posterior]
    # shared variables: dimension lengths (integers) are structure and become constants; floats
    # (pm.Data) are lifted below like float constants
    shared = [v for v in graph_inputs(outputs) if isinstance(v, SharedVariable)]
    constants = {v: pt.constant(v.get_value(borrow=True)) for v in shared}
    if shared:
        outputs = clone_replace(outputs, replace=list(constants.items()))
    names_of = {c: v.name for v, c in constants.items() if isinstance(v.name, str)}
    nodes = io_toposort(value_vars, outputs)
    clients: dict[Any, list[Any]] = {}
    for node in nodes:
        for inp in node.inputs:
            clients.setdefault(inp, []).append(node)
    lifted: dict[Any, Any] = {}
    for node in nodes:
        for inp in node.inputs:
            if inp not in lifted and _liftable(inp, clients):
                lifted[inp] = pt.tensor(dtype=inp.type.dtype, shape=inp.type.shape, name=f"data_{len(lifted)}")
    baked = sorted({names_of[inp] for node in nodes for inp in node.inputs if inp in names_of and inp not in lifted})
    new = clone_replace(outputs, replace=lifted) if lifted else outputs
    placeholders = list(lifted.values())
    inputs = [*value_vars, *placeholders]
    # structure key: every operation, how it is wired, and the values of the constants left in
    ids: dict[Any, Any] = {v: ("in", i) for i, v in enumerate(inputs)}
    key: list[Any] = []
    for n, node in enumerate(io_toposort(inputs, new)):
        refs = []
        for inp in node.inputs:
            if inp in ids:
                refs.append(ids[inp])
            elif isinstance(inp, Constant):
                refs.append(_constant_ref(inp))
            else:  # a variable the graph does not own (would make the key unsafe)
                refs.append(("other", id(inp)))
        key.append((node.op, tuple(refs)))
        for j, out in enumerate(node.outputs):
            ids[out] = ("node", n, j)
    out_refs = tuple(ids[v] if v in ids else _constant_ref(v) for v in new)
    value_names = [v.name for v in value_vars]
    out_names = [v.name for v in posterior]
    shapes = tuple((str(p.type.dtype), p.type.shape) for p in placeholders)
    full_key = (tuple(key), out_refs, tuple(value_names), tuple(out_names), shapes)
    args = [np.asarray(c.data) for c in lifted]
    n_start = len(start)
    return LiftedGraph(full_key, value_names, out_names, inputs, args, new[0], new[1:1 + n_start], new[1 + n_start:],
                       [names_of.get(c) for c in lifted], baked)


def _jax_function(inputs: list[Any], outputs: list[Any]) -> Any:
    """A JAX function of ``inputs`` computing ``outputs`` (PyTensor's JAX rewrites applied)."""
    import pymc.sampling.jax  # noqa: F401 - registers JAX forms of PyMC's own ops (parameter checks)
    from pytensor.compile.mode import JAX
    from pytensor.graph.fg import FunctionGraph
    from pytensor.link.jax.dispatch import jax_funcify

    fgraph = FunctionGraph(inputs=inputs, outputs=outputs, clone=True)
    # without the sparse-matrix rewrite ``local_usmm``: our graphs have no sparse matrices, and its pattern check
    # reads PyTensor's BLAS linker flags, whose first reading searches the system's libraries (0.42 s of a cold
    # fit's 0.73 s rewriting the peer example's log density; the rewritten graph is the same, node for node)
    JAX.excluding("local_usmm").optimizer.rewrite(fgraph)
    return jax_funcify(fgraph)


# ---------------------------------------------------------------------- sampler side (JAX)


def _graph_functions(graph: Any) -> tuple[Any, Any, Any]:
    """``(logp, start, outputs)`` as JAX functions: PyTensor's JAX forms of a :class:`LiftedGraph`'s graphs, or
    the functions a graph written in JAX holds (:class:`mmm.native.NativeGraph`)."""
    if not isinstance(graph, LiftedGraph):
        return graph.functions
    n_values = len(graph.value_names)
    return (_jax_function(graph.inputs, [graph.logp]), _jax_function(graph.inputs[n_values:], graph.start),
            _jax_function(graph.inputs, graph.outs))


def _build_program(graph: LiftedGraph, settings: SamplerSettings) -> _Program:
    """Trace and compile the whole fit for ``graph``'s structure: start, warm-up, draws, outputs."""
    import jax
    import jax.numpy as jnp
    from jax import lax, random
    from jax.flatten_util import ravel_pytree
    from numpyro.infer.hmc import hmc
    from numpyro.infer.util import ParamInfo

    logp_fn, start_fn, out_fn = _graph_functions(graph)
    tune, draws = settings.tune, settings.draws

    # a structured (block) mass matrix names its blocks by variable, so the sampler's position is then a
    # dict by value name; otherwise the plain list (the order the national programs have always used)
    blocks = settings.dense_mass if isinstance(settings.dense_mass, tuple) else None
    names = list(graph.value_names)
    if settings.mass_adaptation not in ("windows", "gradient"):
        raise ValueError(f"mass_adaptation '{settings.mass_adaptation}' is not 'windows' or 'gradient'")
    # the warm-up draws after which the gradient adaptation resets the mass (none: numpyro's windows)
    updates = gradient_mass_updates(tune) if settings.mass_adaptation == "gradient" and not settings.dense_mass else ()
    gradient_mass = bool(updates)

    def one_chain(key: Any, *data: Any) -> tuple[Any, Any]:
        k_start, k_run = random.split(key)
        centre = [jnp.asarray(x) for x in start_fn(*data)]

        def jitter(k: Any) -> list[Any]:
            ks = random.split(k, len(centre))
            return [c + random.uniform(kk, jnp.shape(c), minval=-1.0, maxval=1.0, dtype=c.dtype)
                    for c, kk in zip(centre, ks, strict=True)]

        if blocks is not None:
            def position(zs: list[Any]) -> Any:
                return dict(zip(names, zs, strict=True))

            def values(z: Any) -> list[Any]:
                return [z[n] for n in names]
        else:
            # one flat vector, not a list of arrays: every operation of the NUTS tree (leapfrog, momentum, U-turn
            # check) is then one array operation instead of one per sampled variable
            _, values = ravel_pytree(centre)

            def position(zs: list[Any]) -> Any:
                return ravel_pytree(zs)[0]

        @jax.jit
        def potential_of(z: Any, *data: Any) -> Any:
            return -logp_fn(*values(z), *data)[0]

        def potential_gen(*data: Any) -> Any:
            def potential(z: Any) -> Any:
                return potential_of(z, *data)
            return potential

        energy_and_gradient = jax.value_and_grad(potential_gen(*data))

        # a jittered start, drawn again (at most 10 times) while the log density there is not finite; the
        # energy and gradient of the start found are handed to NUTS, so the program holds one copy of the
        # model's gradient for the start (XLA compiles each copy: a forward-only check here and the gradient
        # in NUTS' initialisation were two)
        k0, k1 = random.split(k_start)

        def again(state: Any) -> Any:
            i, _, _, energy, _ = state
            return (i == 0) | ((i <= 10) & ~jnp.isfinite(energy))

        def draw_start(state: Any) -> Any:
            i, k, z, _, _ = state
            k_next, sub = random.split(k)
            first = i == 0  # the first start is drawn from k1, the retries from k0's stream
            sub, k_next = jnp.where(first, k1, sub), jnp.where(first, k, k_next)
            z = position(jitter(sub))
            energy, grad = energy_and_gradient(z)
            return i + 1, k_next, z, energy, grad

        z_empty = position(centre)
        empty = (jnp.zeros((), jnp.int32), k0, z_empty, jnp.asarray(jnp.nan, dtype=jnp.result_type(float)),
                 jax.tree_util.tree_map(jnp.zeros_like, z_empty))
        _, _, z0, energy0, grad0 = lax.while_loop(again, draw_start, empty)

        init_kernel, sample_kernel = hmc(potential_fn_gen=potential_gen, algo="NUTS")
        state = init_kernel(ParamInfo(z0, energy0, grad0), num_warmup=tune, target_accept_prob=settings.target_accept,
                            adapt_step_size=True, adapt_mass_matrix=not gradient_mass,
                            dense_mass=[tuple(b) for b in blocks] if blocks is not None else bool(settings.dense_mass),
                            model_args=data, rng_key=k_run)

        def record(s: Any) -> tuple[Any, Any]:
            stats = (s.diverging, s.num_steps, s.potential_energy, s.energy, s.adapt_state.step_size,
                     s.accept_prob)  # the order of _STATS
            return values(s.z), stats

        if gradient_mass:
            state = _set_mass(state, _mass_from_start(state.z_grad))
            ends = jnp.asarray(updates, dtype=jnp.int32)

            def new_mass(carry: Any) -> tuple[Any, Any]:
                s, sums, last = carry
                return _set_mass(s, _mass_from_window(sums, s, positions_only=last)), _empty_window(sums[1]), last

            def step(carry: Any, i: Any) -> tuple[Any, Any]:
                s, sums = carry
                s = sample_kernel(s, model_args=data)
                sums = _add_to_window(sums, s.z, s.z_grad)
                is_last = i + 1 == updates[-1]  # the last window keeps the draws' own variance
                s, sums, _ = lax.cond(jnp.any(ends == i + 1), new_mass, lambda c: c, (s, sums, is_last))
                return (s, sums), record(s)

            _, (zs, stats) = lax.scan(step, (state, _empty_window(_flat(state.z))), jnp.arange(tune + draws))
        else:
            def step(s: Any, _: Any) -> tuple[Any, Any]:
                s = sample_kernel(s, model_args=data)
                return s, record(s)

            _, (zs, stats) = lax.scan(step, state, None, length=tune + draws)
        zs = [z[tune:] for z in zs]
        stats = tuple(x[tune:] for x in stats)
        # the deterministics of 100 draws at a time: all draws at once held every intermediate of every draw
        # (XLA's temporary memory per chain of the bundled geo sample's program: 250 MB, now 27 MB)
        outs = lax.map(lambda z: tuple(out_fn(*z, *data)), tuple(zs), batch_size=min(draws, 100))
        return tuple(outs), stats

    keys = jax.ShapeDtypeStruct((settings.chains, 2), jnp.uint32)
    data_shapes = [jax.ShapeDtypeStruct(np.shape(a), a.dtype) for a in graph.args]
    shared = (None,) * len(graph.args)
    if settings.chain_method == "parallel":
        mapped = jax.pmap(one_chain, in_axes=(0, *shared))
    elif settings.chain_method == "grouped":
        # chains split over devices, those of one device one after another: the speed of a device per core
        # without a device's working memory per chain (a 4-chain, 40-geo fit: 7-14 GB with one device per
        # chain). In sequence, not in lockstep (vmap): lockstep pays for the longer of two trees at every draw
        # (Meridian's 40-geo data, 4 chains on 2 cores: 282 s in lockstep, 173 s in sequence, 170 s a device each)
        n_dev = settings.devices
        if n_dev < 1 or settings.chains % n_dev:
            raise ValueError(f"grouped chains: {settings.chains} chains do not split over {n_dev} devices")
        keys = jax.ShapeDtypeStruct((n_dev, settings.chains // n_dev, 2), jnp.uint32)

        def in_sequence(chain_keys: Any, *data: Any) -> tuple[Any, Any]:
            return lax.map(lambda k: one_chain(k, *data), chain_keys)

        mapped = jax.pmap(in_sequence, in_axes=(0, *shared))
    else:
        mapped = jax.jit(jax.vmap(one_chain, in_axes=(0, *shared)))
    run = mapped.lower(keys, *data_shapes).compile()
    return _Program(run, graph.value_names, graph.out_names)


def gradient_mass_updates(tune: int) -> tuple[int, ...]:
    """The warm-up draws after which the ``gradient`` mass adaptation sets the mass matrix anew.

    Three early updates in the first 75 draws (the ``windows`` adaptation keeps the identity there, and a
    geo model's scales differ ten-thousandfold: its step size fell to 4e-4 and every draw took 1,023
    leapfrog steps), then at the ends of Stan's doubling windows, which numpyro's adaptation follows
    (for 1,000 warm-up draws: 25, 50, 75, 100, 150, 250, 450, 950). Each update uses the draws since the
    one before (the last one the draws' variance, :func:`_mass_from_window`); the last 50 draws (10% of a
    short warm-up) tune the step size alone.
    """
    from numpyro.infer.hmc_util import build_adaptation_schedule

    if tune < 20:
        return ()
    windows = build_adaptation_schedule(tune)
    first = windows[0].end + 1  # the initial buffer, where the windows adaptation learns nothing
    early = tuple(first * k // 3 for k in (1, 2)) if first >= 30 else ()
    return tuple(sorted({*early, *(w.end + 1 for w in windows[:-1])}))


def _flat(tree: Any) -> Any:
    from jax.flatten_util import ravel_pytree

    return ravel_pytree(tree)[0]


def _empty_window(like: Any) -> tuple[Any, ...]:
    """Running sums of one adaptation window: count, positions, their squares, gradients, their squares."""
    import jax.numpy as jnp

    zero = jnp.zeros_like(like)
    return (jnp.zeros((), like.dtype), zero, zero, zero, zero)


def _add_to_window(sums: tuple[Any, ...], z: Any, grad: Any) -> tuple[Any, ...]:
    n, sz, szz, sg, sgg = sums
    z, g = _flat(z), _flat(grad)
    return (n + 1, sz + z, szz + z * z, sg + g, sgg + g * g)


def _mass_from_start(grad: Any) -> Any:
    """A first inverse mass matrix (diagonal) from the gradient at the start: ``1 / |gradient|``."""
    import jax.numpy as jnp

    return 1.0 / jnp.clip(jnp.abs(_flat(grad)), 1e-3, 1e6)


def _mass_from_window(sums: tuple[Any, ...], state: Any, positions_only: Any = False) -> Any:
    """The inverse mass matrix (diagonal) from one window's draws.

    ``sqrt(var(position) / var(gradient))``: for a normal posterior both give its variance, and the ratio is
    steady in a window of 25 draws (nutpie's estimator; a coordinate whose gradient did not vary keeps its
    previous value). With ``positions_only`` (a traced boolean): the draws' variance, shrunk towards 1e-3 as
    numpyro's windows do; used for the last window, whose mass the draws keep: the ratio there gave a third
    fewer leapfrog steps per draw but the slowest parameters (geo spreads) mixed worse (10-geo panel, 2 x 1000,
    seed 0: min ESS 148 and R-hat 1.030 against 264 and 1.020).
    """
    import jax.numpy as jnp

    n, sz, szz, sg, sgg = sums
    n = jnp.maximum(n, 2.0)
    var_z = jnp.maximum(szz / n - (sz / n) ** 2, 0.0)
    var_g = jnp.maximum(sgg / n - (sg / n) ** 2, 0.0)
    old = state.adapt_state.inverse_mass_matrix
    new = jnp.sqrt(var_z / jnp.where(var_g > 0, var_g, 1.0))
    ok = (var_g > 0) & (var_z > 0) & jnp.isfinite(new)
    ratio = jnp.clip(jnp.where(ok, new, old), 1e-10, 1e10)
    welford = (n / (n + 5.0)) * var_z * n / (n - 1.0) + 1e-3 * (5.0 / (n + 5.0))
    return jnp.where(positions_only, welford, ratio)


def _set_mass(state: Any, inverse_mass: Any) -> Any:
    """``state`` with a new diagonal inverse mass matrix, and step-size averaging restarted from its step."""
    import jax.numpy as jnp
    from numpyro.infer.hmc_util import dual_averaging

    adapt = state.adapt_state
    ss_init, _ = dual_averaging()
    adapt = adapt._replace(inverse_mass_matrix=inverse_mass, mass_matrix_sqrt=1.0 / jnp.sqrt(inverse_mass),
                           mass_matrix_sqrt_inv=jnp.sqrt(inverse_mass),
                           ss_state=ss_init(jnp.log(10 * adapt.step_size)))
    return state._replace(adapt_state=adapt)


#: sample statistics the program returns per draw, in order
_STATS = ("diverging", "num_steps", "potential_energy", "energy", "step_size", "accept_prob")


def _canonical(obj: Any) -> str:
    """A text form of a structure key that is the same in every process (no ids, no addresses)."""
    import sys

    # a graph written in JAX (mmm.native) has no PyTensor operations: PyTensor is not imported for it
    Op = sys.modules["pytensor.graph.op"].Op if "pytensor.graph.op" in sys.modules else ()
    if Op and isinstance(obj, Op):
        props = getattr(obj, "__props__", None)
        name = f"{type(obj).__module__}.{type(obj).__qualname__}"
        if props is None:
            return f"{name}<{obj}>"
        return name + "(" + ",".join(f"{p}={_canonical(getattr(obj, p))}" for p in props) + ")"
    if isinstance(obj, (tuple, list)):
        return "(" + ",".join(_canonical(x) for x in obj) + ")"
    if isinstance(obj, bytes):
        return obj.hex()
    if isinstance(obj, np.ndarray):
        return f"{obj.dtype}{obj.shape}{obj.tobytes().hex()}"
    return repr(obj)


def _program_path(graph: LiftedGraph, settings: SamplerSettings) -> Any:
    """Where the compiled program of this structure is kept on disk, or None (no cache dir, or a key
    whose text form is not stable across processes)."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    import jax

    root = _cache_dir()
    if root is None or settings.dense_mass:
        # a dense mass matrix calls LAPACK (Cholesky): such a program read back by a new process crashed
        # it (a segmentation fault, measured on CPU), so it is compiled in each process and kept in memory only
        return None
    # the default mass matrix is left out of the text: programs cached before the setting existed keep their names
    # settings at their defaults (diagonal mass, no grouping) are left out of the text: programs cached
    # before those settings existed keep their names
    text = _canonical((graph.key, tuple((k, v) for k, v in vars(settings).items()
                                        if (k != "dense_mass" or v) and (k != "devices" or settings.chain_method == "grouped")
                                        and (k != "mass_adaptation" or v != "windows"))))
    if " at 0x" in text or "('other'," in text:
        return None
    versions = tuple(version(p) for p in ("jax", "jaxlib", "numpyro", "pymc", "pytensor")) + (
        # this module's own code: a program built by an earlier mmm (another warm-up, other outputs) is not reused
        _source_digest(),
        jax.default_backend(), jax.local_device_count(), str(jax.devices()[0].device_kind),
        # a program compiled under other XLA flags (e.g. a Dask worker's single-thread ones) fails to load
        tuple(sorted(f for f in os.environ.get("XLA_FLAGS", "").split()
                     if not f.startswith("--xla_force_host_platform_device_count"))))
    digest = hashlib.sha256((repr(versions) + text).encode()).hexdigest()[:32]
    return Path(root) / "programs" / f"{digest}.xla"


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """A digest of this module's source, which builds every program."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _trees(n_args: int, n_outs: int) -> tuple[Any, Any]:
    """Argument and result tree structures of a program (rebuilt, never pickled)."""
    from jax.tree_util import tree_structure

    return (tree_structure(((0,) * (1 + n_args), {})),
            tree_structure((tuple(range(n_outs)), tuple(range(len(_STATS))))))


def _devices(settings: SamplerSettings) -> list[Any]:
    """The devices a program runs on: one per chain (``parallel``), ``devices`` (``grouped``), else the first."""
    import jax

    return jax.local_devices()[:settings.n_devices()]


def _load_program(path: Any, n_args: int, value_names: list[str], out_names: list[str],
                  settings: SamplerSettings) -> _Program | None:
    """A compiled program read back from ``path`` (None if absent or unreadable)."""
    if path is None or not path.exists():
        return None
    try:
        from jax.experimental.serialize_executable import deserialize_and_load

        in_tree, out_tree = _trees(n_args, len(out_names))
        run = deserialize_and_load(path.read_bytes(), in_tree, out_tree, execution_devices=_devices(settings))
        os.utime(path)  # recently used: the last to be dropped
    except Exception:  # noqa: BLE001 - a stale or damaged entry is compiled again
        return None
    return _Program(run, list(value_names), list(out_names))


def _store_program(path: Any, prog: _Program) -> None:
    """Write a compiled program to ``path`` (atomically; failures are ignored: it is a cache)."""
    if path is None:
        return
    try:
        from jax.experimental.serialize_executable import serialize

        payload, _, _ = serialize(prog.run)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("*.xla"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[DISK_PROGRAMS:]:  # a few MB each: keep the most recent ones
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001
        pass


def program_for(graph: LiftedGraph, settings: SamplerSettings) -> _Program:
    """The compiled program of ``graph``'s structure with ``settings``: from the in-process cache,
    else from the on-disk cache (a program compiled by an earlier process), else compiled."""
    key = (graph.key, settings)
    with _lock:
        prog = _cache.get(key)
        if prog is not None:
            _cache.move_to_end(key)
            _counts["hits"] += 1
            prog.source = "reused"
            return prog
        path = _program_path(graph, settings)
        prog = _load_program(path, len(graph.args), graph.value_names, graph.out_names, settings)
        if prog is not None:
            _counts["loaded"] += 1
            prog.source = "loaded"
        else:
            jax_hits = _counts["persistent_hits"]
            prog = _build_program(graph, settings)
            _counts["compiles"] += 1
            if _counts["persistent_hits"] == jax_hits:  # an executable JAX's own cache gave back may be
                _store_program(path, prog)               # incomplete when serialised again: keep fresh ones only
        prog.path = path
        _remember(key, prog)
        return prog


def _remember(key: tuple, prog: _Program) -> None:
    """Hold ``prog`` under ``key`` in the in-process cache, and under its file's name when it has one
    (a fit recorded by its inputs finds it there: :func:`sample_recorded`). Call with the lock held."""
    _cache[key] = prog
    _cache.move_to_end(key)
    if prog.path is not None:
        _cache[("file", prog.path.name)] = prog
        _cache.move_to_end(("file", prog.path.name))
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


@dataclass
class Draws:
    """What one compiled run returns, as NumPy arrays with a leading ``(chain, draw)``."""

    posterior: dict[str, np.ndarray]
    sample_stats: dict[str, np.ndarray]
    program: str = "compiled"  #: ``compiled``, ``loaded`` (on-disk cache) or ``reused`` (in-process cache)


def sample(model: Any, settings: SamplerSettings, seed: int, *, record: Record | None = None) -> Draws:
    """Run NUTS on ``model`` with the compiled program of its structure (compiling it if new).

    Returns the posterior (constrained free variables and deterministics) and the sample
    statistics under PyMC's names (``diverging``, ``n_steps``, ``tree_depth``, ``lp``,
    ``energy``, ``step_size``, ``acceptance_rate``). With ``record`` (the digest of what the model
    was built from, and the caller's arrays and notes), the lifted arguments and the program's file
    are saved under that digest: :func:`sample_recorded` reruns the same inputs without the model.
    """
    return sample_graph(lift_model(model), settings, seed, record=record)


def sample_graph(graph: Any, settings: SamplerSettings, seed: int, *, record: Record | None = None) -> Draws:
    """:func:`sample` for a model already lifted (:class:`LiftedGraph`) or written in JAX
    (:class:`mmm.native.NativeGraph`): the compiled program of its structure, run on its arguments."""
    _start_jax()
    prog = program_for(graph, settings)
    try:
        draws = _run(prog, graph.args, settings, seed)
    except Exception:
        if prog.source != "loaded":
            raise
        # a program read from disk that does not run (written by another build of the libraries,
        # or incomplete): drop it and compile this structure afresh
        _forget(prog, (graph.key, settings))
        prog = program_for(graph, settings)
        draws = _run(prog, graph.args, settings, seed)
    if record is not None and prog.path is not None:
        _save_record(record, graph, settings, prog.path.name)
    return draws


def _start_jax() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)  # as PyTensor's JAX backend sets it: the program is float64
    enable_persistent_cache()


def _forget(prog: _Program, key: tuple) -> None:
    """Drop a program that failed to run, from this process and from disk."""
    with _lock:
        _cache.pop(key, None)
        if prog.path is not None:
            _cache.pop(("file", prog.path.name), None)
    if prog.path is not None:
        prog.path.unlink(missing_ok=True)


def _run(prog: _Program, args: list[np.ndarray], settings: SamplerSettings, seed: int) -> Draws:
    """Run a compiled program on ``args``: the draws of every chain as NumPy arrays."""
    import jax

    keys = chain_keys(seed, settings.chains)
    if settings.chain_method == "grouped":
        keys = keys.reshape(settings.devices, settings.chains // settings.devices, *keys.shape[1:])
    outs, stats = jax.block_until_ready(prog.run(keys, *args))  # errors surface here, not later
    if settings.chain_method == "grouped":  # (device, chain within it, draw, ...) -> (chain, draw, ...)
        outs = [np.asarray(x).reshape(settings.chains, *np.shape(x)[2:]) for x in outs]
        stats = [np.asarray(x).reshape(settings.chains, *np.shape(x)[2:]) for x in stats]
    posterior = {name: np.asarray(x) for name, x in zip(prog.out_names, outs, strict=True)}
    diverging, n_steps, potential, energy, step_size, accept = (np.asarray(x) for x in stats)
    sample_stats = {"diverging": diverging.astype(bool), "n_steps": n_steps,
                    "tree_depth": np.log2(np.maximum(n_steps, 1)).astype(int) + 1, "lp": potential,
                    "energy": energy, "step_size": step_size, "acceptance_rate": accept}
    return Draws(posterior, sample_stats, prog.source)


def chain_keys(seed: int, chains: int) -> np.ndarray:
    """``jax.random.split(jax.random.PRNGKey(seed), chains)``, computed in NumPy.

    The same keys, bit for bit (JAX's default Threefry-2x32 generator with its "partitionable" split), without
    the two small XLA compilations JAX's own functions cost a new process (0.1-0.15 s of a refit). Under another
    generator setting JAX's functions are used.
    """
    import jax

    if not (jax.config.jax_threefry_partitionable and jax.config.jax_default_prng_impl == "threefry2x32"):
        return np.asarray(jax.random.split(jax.random.PRNGKey(seed), chains))
    seed = int(seed)
    with np.errstate(over="ignore"):
        hi, lo = _threefry2x32((seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF,
                               np.zeros(chains, np.uint32), np.arange(chains, dtype=np.uint32))
    return np.stack([hi, lo], axis=1)


def _threefry2x32(k1: int, k2: int, x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Threefry-2x32 block cipher, 20 rounds (Salmon et al. 2011), on uint32 arrays, as JAX computes it."""
    def rotate(x: np.ndarray, r: int) -> np.ndarray:
        return (x << np.uint32(r)) | (x >> np.uint32(32 - r))

    ks = (np.uint32(k1), np.uint32(k2), np.uint32(k1) ^ np.uint32(k2) ^ np.uint32(0x1BD11BDA))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for i in range(5):
        for r in ((13, 15, 26, 6), (17, 29, 16, 24))[i % 2]:
            x0 = x0 + x1
            x1 = rotate(x1, r) ^ x0
        x0, x1 = x0 + ks[(i + 1) % 3], x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


# ---------------------------------------------------------------------- fits recorded by their inputs
#
# A refit of the same spec and data in a new process (``mmm fit`` again, a notebook run top to bottom
# after a restart) would build the PyMC model and lift its graph only to find the program on disk: on
# the peer example that is importing PyMC and building and lifting its graph, about 1 s of a 6 s refit.
# The lifted arguments are a function of what the model was built from, so they are saved under a
# digest of those inputs (with this package's source and the libraries' versions) next to the
# program's file name. NumPy's ``.npz`` without object arrays, read with ``allow_pickle=False``.

#: Records kept on disk (the lifted arguments: kilobytes for a national model), the most recent first.
DISK_RECORDS = 64


@dataclass(frozen=True)
class Record:
    """What a caller saves with a fit so that the same inputs can be rerun without the model."""

    digest: str                                   #: :func:`inputs_digest` of what the model was built from
    arrays: dict[str, np.ndarray]                 #: the caller's arrays (observed data, coordinates)
    notes: dict[str, Any]                         #: the caller's JSON-able notes (dims, counts)


@dataclass
class Recorded:
    """A record read back: the lifted arguments, the program's file and settings, the caller's part."""

    args: list[np.ndarray]
    value_names: list[str]
    out_names: list[str]
    program: str                                  #: the program's file name in ``programs/``
    settings: SamplerSettings
    arrays: dict[str, np.ndarray]
    notes: dict[str, Any]
    path: Any                                     #: the record's own file
    arg_names: list[str | None]                   #: :attr:`LiftedGraph.arg_names`
    baked_names: list[str] = field(default_factory=list)  #: :attr:`LiftedGraph.baked_names`


def inputs_digest(*parts: Any) -> str | None:
    """A digest of everything a model is built from, with this package's source and the versions of
    the libraries that build, lift and compile it; None when a part has no stable text form (then
    nothing is recorded) or the on-disk cache is off."""
    import hashlib

    if _cache_dir() is None:
        return None
    h = hashlib.sha256()
    h.update(repr((_package_digest(), _versions())).encode())
    for part in parts:
        if not _feed(h, part):
            return None
    return h.hexdigest()[:32]


def _feed(h: Any, obj: Any) -> bool:
    """Add ``obj`` to the digest ``h``; False for an object with no stable text form."""
    import dataclasses

    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
        return True
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            h.update(f"objects{obj.shape};".encode())
            return all(_feed(h, x) for x in obj.ravel().tolist())
        h.update(f"{obj.dtype.str}{obj.shape};".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
        return True
    if isinstance(obj, np.generic):
        return _feed(h, np.asarray(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(f"{type(obj).__module__}.{type(obj).__qualname__}(".encode())
        return all(_feed(h, f.name) and _feed(h, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        h.update(f"dict{len(obj)};".encode())
        return all(_feed(h, k) and _feed(h, v) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}{len(obj)};".encode())
        return all(_feed(h, x) for x in obj)
    if isinstance(obj, (set, frozenset)):
        return _feed(h, sorted(repr(x) for x in obj))
    module = type(obj).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return _feed(h, ("frame", list(obj.columns), obj.index, [obj[c].to_numpy() for c in obj.columns]))
        if isinstance(obj, pd.Series):
            return _feed(h, ("series", obj.name, obj.index, obj.to_numpy()))
        if isinstance(obj, pd.Index):
            return _feed(h, ("index", str(obj.dtype), np.asarray(obj.astype(str) if obj.dtype == object else obj)))
    text = repr(obj)
    if " at 0x" in text:
        return False
    h.update(f"{module}.{type(obj).__qualname__}:{text};".encode())
    return True


@functools.lru_cache(maxsize=1)
def _package_digest() -> str:
    """A digest of every module of this package (the model, the design and the lifting all live in it)."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[str, ...]:
    from importlib.metadata import version

    return tuple(version(p) for p in ("pymc", "pytensor", "jax", "jaxlib", "numpyro", "numpy"))


def _record_path(digest: str) -> Any:
    from pathlib import Path

    root = _cache_dir()
    return None if root is None else Path(root) / "records" / f"{digest}.npz"


def _save_record(record: Record, graph: LiftedGraph, settings: SamplerSettings, program: str) -> None:
    """Save ``graph``'s lifted arguments and ``record``'s part under ``record.digest`` (atomically;
    failures are ignored: it is a cache)."""
    import json

    path = _record_path(record.digest)
    if path is None or settings.dense_mass:  # such programs are never on disk (_program_path)
        return
    try:
        if any(np.asarray(a).dtype == object for a in (*graph.args, *record.arrays.values())):
            return
        head = {"value_names": graph.value_names, "out_names": graph.out_names, "program": program,
                "settings": {k: v for k, v in vars(settings).items() if k != "dense_mass"},
                "arrays": list(record.arrays), "notes": record.notes, "n_args": len(graph.args),
                "arg_names": graph.arg_names or [None] * len(graph.args), "baked_names": graph.baked_names}
        payload = {"head": np.asarray(json.dumps(head)),
                   **{f"arg_{i}": np.asarray(a) for i, a in enumerate(graph.args)},
                   **{f"array_{i}": np.asarray(a) for i, a in enumerate(record.arrays.values())}}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **payload)
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("*.npz"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[DISK_RECORDS:]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001
        pass


def load_record(digest: str | None) -> Recorded | None:
    """The record saved under ``digest`` (None if there is none, or it cannot be read)."""
    import json

    path = _record_path(digest) if digest else None
    if path is None or not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            head = json.loads(str(f["head"]))
            args = [f[f"arg_{i}"] for i in range(head["n_args"])]
            arrays = {name: f[f"array_{i}"] for i, name in enumerate(head["arrays"])}
        settings = SamplerSettings(**head["settings"])
        arg_names = head.get("arg_names") or [None] * len(args)
        if len(arg_names) != len(args):
            return None
        return Recorded(args, head["value_names"], head["out_names"], head["program"], settings, arrays,
                        head["notes"], path, arg_names, list(head.get("baked_names", [])))
    except Exception:  # noqa: BLE001 - a damaged record: the model is built as if there were none
        return None


def sample_recorded(rec: Recorded, settings: SamplerSettings, seed: int,
                    values: dict[str, np.ndarray] | None = None) -> Draws | None:
    """Run a recorded fit's program on its saved arguments: the draws the model's own path gives, without
    the model. None when the record does not fit ``settings`` or its program is gone or fails to run (the
    caller then builds the model).

    ``values``: the current values of named model inputs (:attr:`LiftedGraph.arg_names`, e.g. prior
    parameters), which replace the recorded ones: the draws a model built with these values gives. Each
    must name a recorded argument of the same shape (else None).
    """
    if rec.settings != settings:
        return None
    args = _with_values(rec, values or {})
    if args is None:
        return None
    root = _cache_dir()
    if root is None:
        return None
    from pathlib import Path

    _start_jax()
    path = Path(root) / "programs" / rec.program
    with _lock:
        prog = _cache.get(("file", rec.program))
        if prog is not None:
            _cache.move_to_end(("file", rec.program))
            prog.source = "reused"
        else:
            prog = _load_program(path, len(rec.args), rec.value_names, rec.out_names, settings)
            if prog is None:
                return None
            prog.source, prog.path = "loaded", path
            _counts["loaded"] += 1
            _remember(("file", rec.program), prog)
    if prog.out_names != rec.out_names:
        return None
    try:
        draws = _run(prog, args, settings, seed)
    except Exception:  # noqa: BLE001 - the model's own path compiles afresh
        _forget(prog, ("file", rec.program))
        rec.path.unlink(missing_ok=True)
        return None
    _counts["recorded"] += 1
    if prog.source == "reused":
        _counts["hits"] += 1
    return draws


def _with_values(rec: Recorded, values: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    """The record's arguments with the named ones set to ``values``. A name the program holds as a constant
    of its structure (:attr:`LiftedGraph.baked_names`), or an argument of another dtype or shape, refuses the
    record (None: the model is built); a name the graph does not use at all (an empty design array, a trend
    the model has none of) is ignored."""
    args = list(rec.args)
    for name, value in values.items():
        where = [i for i, n in enumerate(rec.arg_names) if n == name]
        value = np.asarray(value)
        if name in rec.baked_names:
            return None
        if any(args[i].dtype != value.dtype or args[i].shape != value.shape for i in where):
            return None
        for i in where:
            args[i] = value
    return args
