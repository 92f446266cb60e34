"""The compiled sampler (:mod:`mmm.compiled`): one compilation per model structure.

Counted, not timed: a refit of the same structure with new data and a new prior value compiles
nothing and gives a different posterior; a new structure compiles again; a fresh process loads
the program from the on-disk cache instead of compiling it and reproduces the same draws (and a refit
of the very same inputs runs from their record, without importing PyMC); the posterior has PyMC's
names and dims; and the data really are arguments (a conjugate model's
posterior mean follows the data and the prior value, as computed by hand).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import small_frame, small_spec

pytestmark = pytest.mark.filterwarnings("ignore")

DRAWS = {"draws": 150, "tune": 150, "chains": 2, "seed": 5}
NOISE = {"noise": {"distribution": "HalfNormal", "sigma": 0.2}}  # a prior *value* changed, same family


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A private on-disk program cache for this module (other tests' programs stay out)."""
    path = tmp_path_factory.mktemp("jax-cache")
    old = os.environ.get("MMM_JAX_CACHE")
    os.environ["MMM_JAX_CACHE"] = str(path)
    from mmm import compiled

    compiled.clear_cache()
    yield path
    compiled.clear_cache()
    if old is None:
        os.environ.pop("MMM_JAX_CACHE", None)
    else:
        os.environ["MMM_JAX_CACHE"] = old


def _fit(frame, **model):
    from mmm.fitted import Model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Model(small_spec(**model)).fit(frame, progressbar=False, **DRAWS)


@pytest.fixture(scope="module")
def two_fits(cache_dir):
    """Fit A, then fit B of the same structure on other data with another noise prior value."""
    from mmm import compiled

    before = compiled.cache_info()
    a = _fit(small_frame(seed=0)[0])
    after_a = compiled.cache_info()
    b = _fit(small_frame(seed=1)[0], priors=NOISE)
    after_b = compiled.cache_info()
    return a, b, before, after_a, after_b


def test_refit_of_same_structure_compiles_once(two_fits):
    a, b, before, after_a, after_b = two_fits
    assert after_a.compiles - before.compiles == 1
    assert after_b.compiles == after_a.compiles          # new data and prior value: no compilation
    assert after_b.hits == after_a.hits + 1              # ... the program compiled for A ran B
    # the same weeks and shapes: A's record ran with B's data and prior values, the model was not built
    assert after_a.recorded == before.recorded and after_b.recorded == after_a.recorded + 1
    assert b.idata.posterior.attrs["sampler_inputs"] == "recorded"
    kpi_b = small_frame(seed=1)[0]["revenue"].to_numpy()
    np.testing.assert_allclose(b.idata.observed_data["kpi"].values, kpi_b / b.scaling.kpi_scale)  # B's, not A's
    # the swap is real: B's posterior is B's, not A's
    assert not np.allclose(a.idata.posterior["mu"].values, b.idata.posterior["mu"].values)
    kpi_b = small_frame(seed=1)[0]["revenue"].to_numpy()
    fitted_b = b.components()["mean"].mean(axis=0)
    assert np.corrcoef(fitted_b, kpi_b)[0, 1] > 0.8       # B's fitted line follows B's KPI
    assert b.diagnostics.divergences == 0


def test_posterior_has_pymc_names_and_dims(two_fits):
    a = two_fits[0]
    from mmm.fitted import Model

    model, _, _ = Model(a.spec).build(a.dataset)
    post = a.idata.posterior
    expected = {v.name for v in model.free_RVs} | {v.name for v in model.deterministics}
    assert set(post.data_vars) == expected
    for name in expected:
        assert post[name].dims == ("chain", "draw", *model.named_vars_to_dims.get(name, ()))
    assert list(post["channel"].values) == ["tv", "search"]
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 150
    assert set(a.idata.groups()) == {"posterior", "sample_stats", "observed_data"}
    stats = a.idata.sample_stats
    assert {"diverging", "tree_depth", "n_steps", "energy", "lp", "step_size", "acceptance_rate"} <= set(stats)
    assert stats["diverging"].dtype == bool
    np.testing.assert_array_equal(stats["tree_depth"].values, np.log2(stats["n_steps"].values).astype(int) + 1)
    assert 0.5 < float(stats["acceptance_rate"].mean()) <= 1.0
    # constrained values: carryover in (0, 1), noise positive
    assert float(post["carryover"].min()) > 0 and float(post["carryover"].max()) < 1
    assert float(post["sigma"].min()) > 0


def test_other_structure_compiles_again(two_fits):
    from mmm import compiled

    n = compiled.cache_info().compiles
    _conjugate_draws(np.zeros(20), prior_mu=0.0)   # another model: a new program
    assert compiled.cache_info().compiles == n + 1


def _conjugate_model(y, prior_mu):
    import pymc as pm

    with pm.Model() as model:
        mu = pm.Normal("mu", mu=prior_mu, sigma=2.0)
        pm.Normal("y", mu=mu, sigma=1.0, observed=y)
    return model


def _conjugate_draws(y, prior_mu):
    from mmm import compiled

    settings = compiled.SamplerSettings(draws=400, tune=200, chains=2, target_accept=0.8,
                                        chain_method="parallel")
    return compiled.sample(_conjugate_model(y, prior_mu), settings, seed=1).posterior["mu"]


def test_data_and_prior_values_are_arguments(two_fits):
    """Normal-Normal model: posterior mean (mu0 / s0^2 + sum y) / (1 / s0^2 + n), by hand."""
    from mmm import compiled

    rng = np.random.default_rng(0)
    _conjugate_draws(np.zeros(20), prior_mu=0.0)           # compiled (or held) already
    n = compiled.cache_info().compiles
    for shift, prior_mu in ((3.0, 0.0), (-2.0, 5.0)):
        y = rng.normal(shift, 1.0, 20)
        draws = _conjugate_draws(y, prior_mu)
        exact = (prior_mu / 4.0 + y.sum()) / (1 / 4.0 + 20)
        assert abs(draws.mean() - exact) < 0.06             # posterior sd 0.22, about 600 effective draws
        assert abs(draws.std() - (1 / 4.0 + 20) ** -0.5) < 0.04
    assert compiled.cache_info().compiles == n             # both ran on the same program


FRESH = textwrap.dedent("""
    import json, shutil, sys, warnings
    sys.path.insert(0, {root!r})
    warnings.simplefilter("ignore")
    if {without_records!r}:
        shutil.rmtree({records!r}, ignore_errors=True)
    from tests.conftest import small_frame, small_spec
    from mmm.fitted import Model
    from mmm import compiled
    spec = small_spec(priors={noise!r})
    frame = small_frame(seed=1)[0]
    frame.loc[:9, "revenue"] *= {bump!r}                 # corrected data: the same weeks, other values
    fit = Model(spec).fit(frame, progressbar=False, **{draws!r})
    info = compiled.cache_info()
    print("RESULT " + json.dumps({{"mu": fit.idata.posterior["mu"].values.mean(axis=(0, 1)).tolist(),
                                   "compiles": info.compiles, "loaded": info.loaded, "recorded": info.recorded,
                                   "pymc": "pymc" in sys.modules, "inputs": fit.idata.posterior.attrs["sampler_inputs"],
                                   "log_density": fit.idata.posterior.attrs["log_density"],
                                   "build_seconds": fit.diagnostics.build_seconds,
                                   "observed": fit.idata.observed_data["kpi"].values.tolist()}}))
""")


def _fresh_refit(cache_dir, without_records: bool, priors: dict = NOISE, bump: float = 1.0) -> dict:
    root = str(Path(__file__).resolve().parents[1])
    code = FRESH.format(root=root, noise=priors, draws=DRAWS, records=str(cache_dir / "records"),
                        without_records=without_records, bump=bump)
    env = {**os.environ, "MMM_JAX_CACHE": str(cache_dir), "PYTHONWARNINGS": "ignore"}
    env.pop("MMM_FAST", None)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, cwd=root)
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, r.stderr[-2000:]
    return json.loads(line[0][len("RESULT "):])


def test_fresh_process_loads_the_program_and_reproduces_the_draws(two_fits, cache_dir):
    """B's model built anew in a new process (its record removed): the program comes from disk."""
    b = two_fits[1]
    out = _fresh_refit(cache_dir, without_records=True)
    assert out["compiles"] == 0 and out["loaded"] == 1     # the program came from disk
    # built: written in JAX (mmm.native), so PyMC is not imported either
    assert out["recorded"] == 0 and out["inputs"] == "built" and out["log_density"] == "mmm" and not out["pymc"]
    np.testing.assert_allclose(out["mu"], b.idata.posterior["mu"].values.mean(axis=(0, 1)), rtol=1e-9)


def test_a_refit_of_the_same_inputs_runs_from_their_record_without_pymc(two_fits, cache_dir):
    """``mmm fit`` again on the same spec and data (or a notebook rerun after a restart): the lifted arguments
    saved with B's fit run B's program in a new process that never imports PyMC, and give B's draws exactly."""
    b = two_fits[1]
    _fresh_refit(cache_dir, without_records=False)          # B's record, written by this module's code
    out = _fresh_refit(cache_dir, without_records=False)
    assert out["compiles"] == 0 and out["loaded"] == 1 and out["recorded"] == 1
    assert out["inputs"] == "recorded" and not out["pymc"]  # the model was never built
    # what is left is preparing the inputs (0.00 s here, 0.01 s on CI's slower machine), not a model build
    assert out["build_seconds"] < 0.25
    np.testing.assert_array_equal(out["mu"], b.idata.posterior["mu"].values.mean(axis=(0, 1)))


def test_a_refit_with_other_prior_values_runs_from_the_record_with_them(two_fits, cache_dir):
    """The analyst's loop: change prior values (not their families), refit. A new process runs B's record with
    the new values, never imports PyMC, and gives exactly the draws of a model built with those priors."""
    b = two_fits[1]
    other = {"noise": {"distribution": "HalfNormal", "sigma": 0.5},
             "level": {"distribution": "Normal", "mu": 1.1, "sigma": 0.1},
             "roas": {"distribution": "LogNormal", "mu": 0.5, "sigma": 0.4}}
    _fresh_refit(cache_dir, without_records=False)          # B's record, written by this module's code
    rerun = _fresh_refit(cache_dir, without_records=False, priors=other)
    assert rerun["inputs"] == "recorded" and not rerun["pymc"] and rerun["compiles"] == 0
    built = _fresh_refit(cache_dir, without_records=True, priors=other)
    assert built["inputs"] == "built" and built["log_density"] == "mmm" and not built["pymc"]
    np.testing.assert_array_equal(rerun["mu"], built["mu"])
    # and the new priors did change the posterior (the ROAS prior is centred 10x lower than the default)
    assert np.max(np.abs(np.asarray(rerun["mu"]) - b.idata.posterior["mu"].values.mean(axis=(0, 1)))) > 1e-3


def test_record_values_go_in_by_name_shape_and_dtype_only():
    """A named value replaces every argument of its name; a name the program holds as structure, or another
    shape or dtype, refuses the record (the model is then built); a name the graph does not use is ignored; the
    record's own arrays are never modified."""
    from mmm import compiled

    args = [np.zeros(3), np.asarray(0.5), np.asarray(0.5), np.ones((2, 2))]
    rec = compiled.Recorded(args, [], [], "p.xla", None, {}, {}, None,
                            [None, "prior:s.sigma", "prior:s.sigma", "prior:r.mu"], ["data:index"])
    out = compiled._with_values(rec, {"prior:s.sigma": np.asarray(0.2)})
    assert [float(out[1]), float(out[2])] == [0.2, 0.2] and out[0] is args[0] and float(args[1]) == 0.5
    assert compiled._with_values(rec, {"data:unused": np.zeros((5, 0))}) is not None     # not in the graph
    assert compiled._with_values(rec, {"data:index": np.asarray(3)}) is None              # structure
    assert compiled._with_values(rec, {"prior:r.mu": np.ones(2)}) is None                  # another shape
    assert compiled._with_values(rec, {"prior:s.sigma": np.asarray(1, dtype="int64")}) is None   # another dtype
    assert compiled._with_values(rec, {})[3] is args[3]


def test_a_float32_exact_prior_value_is_the_same_structure():
    """0.25 and 0.5 are exact in float32, so PyTensor typed them float32 as plain numbers (another program than
    0.3's); as named float64 inputs they give the same program and the same record digest."""
    from mmm import compiled
    from mmm.data import load_data
    from mmm.fitted import Model

    frame = small_frame(seed=2)[0]
    seen = set()
    for sigma in (0.3, 0.25, 0.5):
        m = Model(small_spec(priors={"noise": {"distribution": "HalfNormal", "sigma": sigma}}))
        inputs = m.model_inputs(load_data(frame, m.spec))
        graph = compiled.lift_model(inputs.build())
        assert graph.args[graph.arg_names.index("prior:sigma.sigma")] == sigma
        seen.add((compiled._canonical(graph.key), inputs.digest()))
    assert len(seen) == 1


def _perturbed(prior) -> dict:
    return {"distribution": prior.distribution, **{k: float(np.max(v)) * 1.1 + 0.01 for k, v in prior.params.items()}}


@pytest.mark.parametrize("form", [
    {"adstock": "geometric", "saturation": "logistic", "trend": "linear"},
    {"adstock": "delayed", "saturation": "hill", "trend": "piecewise", "changepoints": 3, "likelihood": "student_t"},
    {"adstock": "weibull_pdf", "saturation": "michaelis_menten", "trend": "none"},
])
def test_prior_values_reach_the_model_only_as_named_inputs(form, cache_dir):
    """Every prior value of the national model is a named input of its compiled program and nothing else is:
    with every prior's values changed (families kept), the program's structure, the record's digest and every
    other argument are the same, and each named argument is the new value. (A prior value used anywhere else
    would be a stale constant in a record rerun with new values.)"""
    from mmm import compiled
    from mmm.data import load_data
    from mmm.fitted import Model
    from mmm.prior_plan import PRIOR_INPUT, channel_priors, prior_defaults
    from mmm.response import PARAM_USERS, Layout
    from mmm.spec import spec_from_dict

    frame = small_frame(seed=2)[0]
    base = Model(small_spec(**form))
    inputs_a = base.model_inputs(load_data(frame, base.spec))
    plan = inputs_a.priors()
    # every prior changed: per channel for the media parameters, model-wide for the rest
    layout = Layout.from_spec(base.spec)
    defaults, pr = prior_defaults(base.spec, inputs_a.kpi_scaled, inputs_a.scaling, layout)
    d = small_spec(**form, priors={name: _perturbed(pr[name]) for name in (
        "level", "trend", "changepoints", "seasonality", "controls", "noise", "student_t_nu")}).to_dict()
    for param in (*PARAM_USERS, "roas"):
        for c in (layout.users(param) if param != "roas" else layout.channels):
            prior = channel_priors(param, [c], base.spec, defaults, layout)[param]
            d["channels"][c].setdefault("priors", {})[param] = _perturbed(prior)
    other = Model(spec_from_dict(d))
    inputs_b = other.model_inputs(load_data(frame, other.spec))
    values_a, values_b = inputs_a.prior_values(), inputs_b.prior_values()
    assert set(values_a) == set(values_b)
    assert len(values_a) >= len(plan) >= 6
    assert all(not np.array_equal(values_a[k], values_b[k]) for k in values_a)   # every value changed
    assert inputs_a.digest() == inputs_b.digest()

    graph_a, graph_b = compiled.lift_model(inputs_a.build()), compiled.lift_model(inputs_b.build())
    assert graph_a.key == graph_b.key and graph_a.arg_names == graph_b.arg_names
    named = {n for n in graph_a.arg_names if n and n.startswith(PRIOR_INPUT)}
    assert named == set(values_a)
    for name, x, y in zip(graph_a.arg_names, graph_a.args, graph_b.args, strict=True):
        if name is None or not name.startswith(PRIOR_INPUT):
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(x, values_a[name])
            np.testing.assert_array_equal(y, values_b[name])


def test_a_refit_on_corrected_data_runs_from_the_record_with_them(two_fits, cache_dir):
    """Corrected data (the same weeks, ten KPI values changed): a new process runs B's record with the new data,
    never imports PyMC, gives exactly a built model's draws, and its observed data are the corrected ones."""
    _fresh_refit(cache_dir, without_records=False)          # B's record, written by this module's code
    rerun = _fresh_refit(cache_dir, without_records=False, bump=1.25)
    assert rerun["inputs"] == "recorded" and not rerun["pymc"] and rerun["compiles"] == 0
    built = _fresh_refit(cache_dir, without_records=True, bump=1.25)
    assert built["inputs"] == "built" and built["log_density"] == "mmm" and not built["pymc"]
    np.testing.assert_array_equal(rerun["mu"], built["mu"])
    np.testing.assert_array_equal(rerun["observed"], built["observed"])
    b_observed = two_fits[1].idata.observed_data["kpi"].values
    assert not np.allclose(rerun["observed"], b_observed)    # the corrected weeks, not the record's


@pytest.mark.parametrize("form", [
    {"adstock": "geometric", "saturation": "logistic", "trend": "linear"},
    {"adstock": "delayed", "saturation": "hill", "trend": "piecewise", "changepoints": 3, "likelihood": "student_t"},
    {"adstock": "weibull_pdf", "saturation": "michaelis_menten", "trend": "none"},
])
def test_data_values_reach_the_model_only_as_named_inputs(form, cache_dir):
    """Every array of data the national model reads is a named input of its compiled program: with the KPI,
    spend, a control, an event and a lift test's numbers all changed (the same weeks), the program's structure,
    the record's digest and every unnamed argument are the same, and each named argument is the new value. (A
    value computed from the data anywhere else would be a stale constant in a record rerun with new data.)"""
    from mmm import compiled
    from mmm.data import load_data
    from mmm.fitted import Model
    from mmm.spec import spec_from_dict

    frame = small_frame(seed=2)[0]
    n = len(frame)
    frame["launch"] = (np.arange(n) % 26 == 3).astype(float)
    d = small_spec(**form).to_dict()
    d["events"] = ["launch"]
    d["lift_tests"] = [{"channel": "search", "start": "2023-06-05", "end": "2023-07-03", "spend_change": 300.0,
                        "lift": 4000.0, "lift_se": 1500.0}]
    spec = spec_from_dict(d)
    rng = np.random.default_rng(7)
    other = frame.copy()
    other["revenue"] = other["revenue"] * rng.uniform(0.9, 1.1, n)
    other["tv_spend"] = other["tv_spend"] * rng.uniform(0.8, 1.2, n)
    other["search_spend"] = other["search_spend"] * 1.1
    other["promo"] = rng.random(n)
    other["launch"] = (np.arange(n) % 26 == 5).astype(float)
    inputs_a = Model(spec).model_inputs(load_data(frame, spec))
    inputs_b = Model(spec).model_inputs(load_data(other, spec))
    assert inputs_a.digest() == inputs_b.digest()
    graph_a, graph_b = compiled.lift_model(inputs_a.build()), compiled.lift_model(inputs_b.build())
    assert graph_a.key == graph_b.key and graph_a.arg_names == graph_b.arg_names
    # held as structure: only the dimensions' lengths (PyMC's coordinates), never a data or prior input
    assert not [n for n in graph_a.baked_names + graph_b.baked_names if n.startswith(("data:", "prior:"))]
    values_b = inputs_b.input_values()
    changed = set()
    for name, x, y in zip(graph_a.arg_names, graph_a.args, graph_b.args, strict=True):
        if name is None:
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(y, values_b[name])
            if not np.array_equal(x, y):
                changed.add(name)
    assert {"data:kpi", "data:lags", "data:controls", "data:events", "data:spend_total", "data:kpi_scale",
            "data:lift_0.delta_lags"} <= changed


def test_records_fall_back_to_the_model_when_they_cannot_be_used(two_fits, cache_dir):
    """In one process: the same inputs rerun from the record (exactly B's draws); other sampler settings, a
    damaged record, or a record whose program is gone: the model is built and the draws are still right."""
    from mmm import compiled

    b = two_fits[1]
    frame = small_frame(seed=1)[0]
    again = _fit(frame, priors=NOISE)
    assert again.idata.posterior.attrs["sampler_inputs"] == "recorded"
    np.testing.assert_array_equal(again.idata.posterior["mu"].values, b.idata.posterior["mu"].values)

    from mmm.fitted import Model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        longer = Model(small_spec(priors=NOISE)).fit(frame, progressbar=False, **{**DRAWS, "draws": 160})
    assert longer.idata.posterior.attrs["sampler_inputs"] == "built"   # the record's settings were 150 draws
    assert longer.idata.posterior.sizes["draw"] == 160

    records = sorted((cache_dir / "records").glob("*.npz"))
    assert records
    for rec in records:
        rec.write_bytes(b"not a record")
    n = compiled.cache_info().recorded
    damaged = _fit(frame, priors=NOISE)
    assert damaged.idata.posterior.attrs["sampler_inputs"] == "built" and compiled.cache_info().recorded == n
    np.testing.assert_array_equal(damaged.idata.posterior["mu"].values, b.idata.posterior["mu"].values)

    compiled.clear_cache()                       # the record is rewritten above; now its program goes
    for prog in (cache_dir / "programs").glob("*.xla"):
        prog.unlink()
    rebuilt = _fit(frame, priors=NOISE)
    assert rebuilt.idata.posterior.attrs["sampler_inputs"] == "built"
    assert rebuilt.idata.posterior.attrs["sampler_program"] == "compiled"
    np.testing.assert_allclose(rebuilt.idata.posterior["mu"].values, b.idata.posterior["mu"].values, rtol=1e-9)


def test_chain_keys_are_jaxs_own():
    """The chains' random keys computed in NumPy are the ones JAX's ``split(PRNGKey(seed), n)`` gives, bit for bit
    (so a seed gives the same draws as before), for small, large and 64-bit seeds."""
    import jax

    from mmm import compiled, sampling  # noqa: F401 - sampling sets XLA's flags before JAX starts

    jax.config.update("jax_enable_x64", True)  # as the sampler runs (a 64-bit seed needs it)
    for seed in (0, 1, 5, 2024, 123456789, 2**32 - 1, 2**40 + 3):
        for n in (1, 2, 4, 7):
            want = np.asarray(jax.random.split(jax.random.PRNGKey(seed), n))
            np.testing.assert_array_equal(compiled.chain_keys(seed, n), want)


def test_the_inputs_digest_follows_every_input(monkeypatch, tmp_path):
    """Equal inputs give equal digests; a changed value, a changed shape or another package source give others;
    an object with no stable text (an address in its repr) gives none, and so does a disabled cache."""
    from mmm import compiled

    monkeypatch.setenv("MMM_JAX_CACHE", str(tmp_path))
    spec = small_spec(priors=NOISE)
    kpi = np.arange(6.0)
    d = compiled.inputs_digest("national", spec, kpi)
    assert d == compiled.inputs_digest("national", small_spec(priors=NOISE), np.arange(6.0))
    assert d != compiled.inputs_digest("national", small_spec(), kpi)
    assert d != compiled.inputs_digest("national", spec, kpi + 1e-12)
    assert d != compiled.inputs_digest("national", spec, kpi.reshape(2, 3))
    assert compiled.inputs_digest("national", spec, object()) is None
    monkeypatch.setattr(compiled, "_package_digest", lambda: "other code")
    assert compiled.inputs_digest("national", spec, kpi) != d
    monkeypatch.setenv("MMM_JAX_CACHE", "off")
    assert compiled.inputs_digest("national", spec, kpi) is None


def test_a_program_compiled_under_other_xla_flags_has_its_own_file(cache_dir, monkeypatch):
    """A Dask worker runs XLA single-threaded: a program compiled under other flags fails to load there, so the
    flags are part of the on-disk name (the host device count is already in it and left out)."""
    from mmm import compiled

    graph = compiled.lift_model(_conjugate_model(np.array([0.5, 1.5, 1.0]), 0.0))
    settings = compiled.SamplerSettings(draws=10, tune=10, chains=1, target_accept=0.8, chain_method="vectorized")
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
    plain = compiled._program_path(graph, settings)
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
    assert compiled._program_path(graph, settings) == plain
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false --xla_force_host_platform_device_count=4")
    assert compiled._program_path(graph, settings) != plain


def test_grouped_chains_split_over_devices_give_the_exact_posterior(cache_dir):
    """``grouped``: 4 chains on 2 devices, 2 one after another on each. Normal-Normal posterior by hand; the draws
    come back as (chain, draw) with four different chains, each the same as with a device per chain; its program
    has its own name on disk."""
    import jax

    from mmm import compiled, sampling  # noqa: F401 - sampling asks XLA for one CPU device per core (at least 4)

    if jax.local_device_count() < 2:
        pytest.skip("JAX was started with one device before mmm.sampling could ask for more")
    y = np.random.default_rng(3).normal(1.5, 1.0, 20)
    settings = compiled.SamplerSettings(draws=300, tune=200, chains=4, target_accept=0.8,
                                        chain_method="grouped", devices=2)
    draws = compiled.sample(_conjugate_model(y, 0.0), settings, seed=2)
    mu = draws.posterior["mu"]
    assert mu.shape == (4, 300) and draws.sample_stats["diverging"].shape == (4, 300)
    exact = y.sum() / (1 / 4.0 + 20)
    assert abs(mu.mean() - exact) < 0.06                    # posterior sd 0.22, about 1,000 effective draws
    assert abs(mu.std() - (1 / 4.0 + 20) ** -0.5) < 0.04
    assert len({round(float(c.mean()), 9) for c in mu}) == 4  # every chain its own draws
    if jax.local_device_count() >= 4:                        # chain for chain what a device each gives
        alone = compiled.sample(_conjugate_model(y, 0.0), compiled.SamplerSettings(
            **{**vars(settings), "chain_method": "parallel", "devices": 1}), seed=2)
        np.testing.assert_allclose(mu, alone.posterior["mu"], rtol=1e-9, atol=1e-12)
    graph = compiled.lift_model(_conjugate_model(y, 0.0))
    two = compiled._program_path(graph, settings)
    assert two != compiled._program_path(graph, compiled.SamplerSettings(**{**vars(settings), "devices": 1}))
    assert two != compiled._program_path(graph, compiled.SamplerSettings(**{**vars(settings), "chain_method": "parallel"}))


def test_large_fits_share_devices_and_small_fits_get_one_each(monkeypatch):
    """The layout rule by hand on a CPU: 4 chains on 2 cores are grouped 2 + 2 for a geo-sized fit, a device per
    chain for a national one; chains that fit on the cores always get a device each."""
    import jax

    from mmm import sampling

    if jax.default_backend() != "cpu" or jax.local_device_count() < 4:
        pytest.skip("needs JAX on a CPU with at least 4 host devices (mmm.sampling asks for them)")
    monkeypatch.setattr(sampling.os, "cpu_count", lambda: 2)
    big, small = sampling.LARGE_FIT_OBSERVATIONS, 179
    assert sampling.chain_layout(4, big) == ("grouped", 2)
    assert sampling.chain_layout(4, small) == ("parallel", 4)
    assert sampling.chain_layout(2, big) == ("parallel", 2)
    assert sampling.chain_layout(3, big) == ("vectorized", 1)   # 3 chains do not split over 2 devices
    monkeypatch.setattr(sampling.os, "cpu_count", lambda: 16)
    assert sampling.chain_layout(4, big) == ("parallel", 4)


def test_gradient_mass_updates_follow_the_warm_up_windows():
    """Update points by hand: two inside the 75-draw initial buffer, then the ends of Stan's windows
    (25, 50, 100, 200, then the last one stretched to 50 draws before the end)."""
    from mmm import compiled

    assert compiled.gradient_mass_updates(1000) == (25, 50, 75, 100, 150, 250, 450, 950)
    assert compiled.gradient_mass_updates(200) == (25, 50, 75, 100, 150)
    assert compiled.gradient_mass_updates(10) == ()      # too short to learn a mass matrix


def test_mass_from_a_window_is_the_posterior_variance():
    """For a normal posterior the gradient of -log p is (z - mean) / var, so var(z) / var(gradient) = var^2:
    the estimate is each coordinate's variance, at scales 1e-6 to 1e2 apart, from 200 draws."""
    import jax
    import jax.numpy as jnp

    from mmm import compiled, sampling  # noqa: F401 - sampling sets XLA's flags before JAX starts

    jax.config.update("jax_enable_x64", True)  # as the sampler's program runs

    rng = np.random.default_rng(4)
    var = np.array([1e-6, 1e-2, 1.0, 1e2])
    z = rng.normal(0.0, np.sqrt(var), size=(200, 4)) + 3.0
    sums = compiled._empty_window(jnp.zeros(4))
    for row in z:
        sums = compiled._add_to_window(sums, [jnp.asarray(row)], [jnp.asarray((row - 3.0) / var)])

    class _State:  # only the previous mass is read, as a fallback
        class adapt_state:  # noqa: N801
            inverse_mass_matrix = jnp.ones(4)

    est = np.asarray(compiled._mass_from_window(sums, _State))
    assert np.allclose(est, var, rtol=0.02)   # exact here: the gradient is a linear function of the draw
    last = np.asarray(compiled._mass_from_window(sums, _State, positions_only=True))   # the last window's rule
    assert np.allclose(last, 200 / 205 * z.var(axis=0, ddof=1) + 1e-3 * 5 / 205, rtol=1e-9)  # numpyro's shrinkage
    flat = compiled._add_to_window(compiled._empty_window(jnp.zeros(4)), [jnp.ones(4)], [jnp.zeros(4)])
    assert np.allclose(np.asarray(compiled._mass_from_window(flat, _State)), 1.0)  # no variation: kept


def test_gradient_adaptation_samples_a_badly_scaled_posterior_exactly(cache_dir):
    """Two independent normals 10,000 times apart in scale (sd 0.001 and 10), known exactly: with the gradient
    adaptation (and with numpyro's windows, for comparison) the draws match both means and sds, with no
    divergences, after a warm-up of 300 draws."""
    import pymc as pm

    from mmm import compiled, sampling  # noqa: F401 - sampling sets XLA's flags before JAX starts

    with pm.Model() as model:
        pm.Normal("small", mu=1.0, sigma=0.001)
        pm.Normal("large", mu=-5.0, sigma=10.0)
    for how in ("gradient", "windows"):
        settings = compiled.SamplerSettings(draws=500, tune=300, chains=2, target_accept=0.8,
                                            chain_method="vectorized", mass_adaptation=how)
        draws = compiled.sample(model, settings, seed=3)
        small, large = draws.posterior["small"], draws.posterior["large"]
        assert abs(small.mean() - 1.0) < 2e-4 and abs(small.std() - 0.001) < 2e-4, how  # ~500+ effective draws
        assert abs(large.mean() + 5.0) < 2.0 and abs(large.std() - 10.0) < 2.0, how
        assert not draws.sample_stats["diverging"].any(), how


def test_a_program_built_by_other_code_has_its_own_file(cache_dir, monkeypatch):
    """The on-disk name covers the code that builds the program: a change to :mod:`mmm.compiled` (another
    warm-up rule) must not read back a program the old code compiled for the same model and settings."""
    from mmm import compiled

    graph = compiled.lift_model(_conjugate_model(np.zeros(5), 0.0))
    settings = compiled.SamplerSettings(draws=10, tune=10, chains=1, target_accept=0.8, chain_method="vectorized")
    now = compiled._program_path(graph, settings)
    monkeypatch.setattr(compiled, "_source_digest", lambda: "another-build")
    assert compiled._program_path(graph, settings) != now
