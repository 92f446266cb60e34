"""The national model written in JAX (:mod:`mmm.native`) is PyMC's model, exactly.

For model forms that together use every carryover and saturation kind, trend, likelihood, per-channel
priors, a lift test, an event, and every prior family and parameter set the native path writes: the same
sampled variables, posterior variables, dims and coordinates as the PyMC model; the same start point; and at
random points the same log density, gradient and posterior outputs as PyMC's graph converted to JAX (to
1e-9 relative). A prior the native path does not write falls back to the PyMC model; a fit through the
native path never imports PyMC and still recovers the truth.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from tests.conftest import small_frame, small_spec

pytestmark = pytest.mark.filterwarnings("ignore")

LIFT = {"channel": "search", "start": "2023-06-05", "end": "2023-07-31", "spend_change": 500.0,
        "lift": 9000.0, "lift_se": 2500.0}

FORMS = {
    "geometric-logistic-linear": ({"adstock": "geometric", "saturation": "logistic", "trend": "linear"}, {}, {}),
    "delayed-hill-piecewise-student_t": (
        {"adstock": "delayed", "saturation": "hill", "trend": "piecewise", "changepoints": 3,
         "likelihood": "student_t",
         "priors": {"noise": {"distribution": "HalfNormal", "tau": 9.0},
                    "student_t_nu": {"distribution": "Gamma", "mu": 20.0, "sigma": 10.0},
                    "changepoints": {"distribution": "Laplace", "mu": 0.0, "b": 0.1},
                    "level": {"distribution": "StudentT", "nu": 5.0, "mu": 1.0, "lam": 16.0},
                    "trend": {"distribution": "Normal", "tau": 4.0}}},
        # per-channel priors of one family with other parameter sets (one vector variable, mmm.prior_plan), and
        # of other families (one variable per channel)
        {"tv": {"carryover": {"distribution": "Beta", "mu": 0.6, "sigma": 0.15},
                "roas": {"distribution": "LogNormal", "mu": 0.5, "tau": 2.0}},
         "search": {"carryover": {"distribution": "Beta", "mu": 0.5, "nu": 8.0},
                    "roas": {"distribution": "Gamma", "mu": 2.0, "sigma": 1.0}}},
        {"lift": True}),
    "weibull-mm-none-negative_binomial": (
        {"adstock": "weibull_pdf", "saturation": "michaelis_menten", "trend": "none",
         "likelihood": "negative_binomial",
         "priors": {"seasonality": {"distribution": "Laplace", "mu": 0.0, "b": 0.2},
                    "controls": {"distribution": "StudentT", "nu": 4.0, "sigma": 0.3}}},
        # per-channel values of one family and parameter set: one vector variable with vector parameters
        {"tv": {"roas": {"distribution": "Gamma", "alpha": 3.0, "beta": 1.0}},
         "search": {"roas": {"distribution": "Gamma", "alpha": 2.0, "beta": 0.5}}},
        {"event": True}),
    "mixed-channel-forms": (
        {"adstock": "weibull_cdf", "saturation": "logistic", "trend": "linear", "yearly_seasonality": 0},
        {"search": {"adstock": "geometric", "saturation": "hill"}},
        {"lift": True, "event": True}),
}


def _inputs(name: str):
    from mmm.data import load_data
    from mmm.fitted import Model
    from mmm.spec import spec_from_dict

    model, channel_settings, extra = FORMS[name]
    frame = small_frame(seed=4)[0]
    d = small_spec(**{k: v for k, v in model.items() if k not in ("priors", "likelihood")}).to_dict()
    d["model"]["priors"] = model.get("priors", {})
    if "likelihood" in model:
        d["model"]["likelihood"] = model["likelihood"]
    if model.get("likelihood") == "negative_binomial":  # a count likelihood: a count KPI
        d["kpi"]["type"] = "leads"
        d.pop("currency", None)
    for channel, settings in channel_settings.items():
        for key, value in settings.items():
            if isinstance(value, dict):
                d["channels"][channel].setdefault("priors", {})[key] = value
            else:
                d["channels"][channel][key] = value
    if model.get("likelihood") == "negative_binomial":
        frame = frame.assign(revenue=frame["revenue"].round())
    if extra.get("event"):
        frame = frame.assign(launch=(np.arange(len(frame)) % 26 == 5).astype(float))
        d["events"] = ["launch"]
    if extra.get("lift"):
        d["lift_tests"] = [LIFT]
    m = Model(spec_from_dict(d))
    return m.model_inputs(load_data(frame, m.spec))


@pytest.mark.parametrize("name", list(FORMS))
def test_native_model_equals_the_pymc_model(name):
    import jax
    from pymc.backends.arviz import coords_and_dims_for_inferencedata, find_observations

    from mmm import compiled

    inputs = _inputs(name)
    native = inputs.native_graph()
    assert native is not None
    model = inputs.build()
    lifted = compiled.lift_model(model)
    assert native.value_names == lifted.value_names
    assert native.out_names == lifted.out_names
    coords, dims = coords_and_dims_for_inferencedata(model)
    assert native.dims == {k: list(v) for k, v in dims.items()}
    assert set(native.coords) == set(coords)
    assert all(list(native.coords[k]) == list(coords[k]) for k in coords)
    observed = find_observations(model)
    assert set(native.observed) == set(observed)
    assert all(np.array_equal(native.observed[k], observed[k]) for k in observed)

    compiled._start_jax()
    n_logp, n_start, n_outs = native.functions
    p_logp, p_start, p_outs = compiled._graph_functions(lifted)
    start = [np.asarray(x) for x in p_start(*lifted.args)]
    assert all(np.allclose(a, b, rtol=1e-12, atol=1e-12) for a, b in zip(n_start(*native.args), start, strict=True))

    def n_f(*z):
        return n_logp(*z, *native.args)[0]

    def p_f(*z):
        return p_logp(*z, *lifted.args)[0]

    n_grad = jax.grad(n_f, argnums=tuple(range(len(start))))
    p_grad = jax.grad(p_f, argnums=tuple(range(len(start))))
    rng = np.random.default_rng(7)
    for _ in range(4):
        z = [x + rng.normal(0, 0.7, np.shape(x)) for x in start]
        a, b = float(n_f(*z)), float(p_f(*z))
        assert np.isfinite(b) and a == pytest.approx(b, rel=1e-9, abs=1e-9)
        for ga, gb in zip(n_grad(*z), p_grad(*z), strict=True):
            np.testing.assert_allclose(ga, gb, rtol=1e-8, atol=1e-8)
        for oa, ob in zip(n_outs(*z, *native.args), p_outs(*z, *lifted.args), strict=True):
            np.testing.assert_allclose(oa, ob, rtol=1e-9, atol=1e-12)


def test_native_structure_key_follows_structure_not_values():
    """Prior and data values are arguments: changing them keeps the program's key; another form changes it."""
    from mmm.data import load_data
    from mmm.fitted import Model

    frame = small_frame(seed=4)[0]
    keys = []
    for sigma, scale, form in ((0.3, 1.0, "geometric"), (0.2, 1.1, "geometric"), (0.3, 1.0, "delayed")):
        m = Model(small_spec(adstock=form, priors={"noise": {"distribution": "HalfNormal", "sigma": sigma}}))
        data = frame.assign(revenue=frame["revenue"] * scale)
        graph = m.model_inputs(load_data(data, m.spec)).native_graph()
        keys.append(graph.key)
        assert graph.args[graph.arg_names.index("prior:sigma.sigma")] == sigma
    assert keys[0] == keys[1] != keys[2]
    # a shorter carryover window on one channel: the same variables and shapes, another program
    from mmm.spec import spec_from_dict

    d = small_spec().to_dict()
    d["channels"]["search"]["l_max"] = 4
    m = Model(spec_from_dict(d))
    other = m.model_inputs(load_data(frame, m.spec)).native_graph()
    assert other.value_names == Model(small_spec()).model_inputs(load_data(frame, small_spec())).native_graph().value_names
    assert other.key != keys[0]


def test_a_prior_the_native_path_does_not_write_builds_the_pymc_model(monkeypatch):
    from mmm.data import load_data
    from mmm.fitted import Model

    frame = small_frame(seed=4)[0]
    m = Model(small_spec(priors={"level": {"distribution": "TruncatedNormal", "mu": 1.0, "sigma": 0.2,
                                           "lower": 0.0, "upper": 2.0}}))
    assert m.model_inputs(load_data(frame, m.spec)).native_graph() is None
    plain = Model(small_spec())
    assert plain.model_inputs(load_data(frame, plain.spec)).native_graph() is not None
    monkeypatch.setenv("MMM_PYMC_GRAPH", "1")
    assert plain.model_inputs(load_data(frame, plain.spec)).native_graph() is None


def test_a_fit_through_the_native_path_never_imports_pymc(tmp_path):
    """A fresh process fits without PyMC or PyTensor, and the posterior recovers the simulated truth: each
    channel's true carryover inside its 94% interval, and the fit converged."""
    script = textwrap.dedent("""
        import json, sys, warnings
        import numpy as np
        warnings.simplefilter("ignore")
        from tests.conftest import small_frame, small_spec
        from mmm.fitted import Model
        frame, truth = small_frame()
        fit = Model(small_spec()).fit(frame, progressbar=False, draws=400, tune=400, chains=2, seed=2)
        post = fit.idata.posterior
        lo, hi = np.quantile(post["carryover"].values.reshape(-1, 2), [0.03, 0.97], axis=0)
        print(json.dumps({"pymc": "pymc" in sys.modules, "pytensor": "pytensor" in sys.modules,
                          "log_density": post.attrs["log_density"], "rhat": fit.diagnostics.max_rhat,
                          "divergences": fit.diagnostics.divergences,
                          "covered": [bool(lo[i] <= truth[c]["carryover"] <= hi[i])
                                      for i, c in enumerate(["tv", "search"])]}))
    """)
    env = {**os.environ, "MMM_JAX_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["log_density"] == "mmm"
    assert not result["pymc"] and not result["pytensor"]
    assert result["rhat"] <= 1.02 and result["divergences"] == 0
    assert all(result["covered"])


def test_native_and_pymc_fits_agree(tmp_path, monkeypatch):
    """The same data fitted through both paths: every channel's posterior mean ROAS within 3 Monte Carlo
    standard errors plus 2% of each other (the draws differ: the programs round differently)."""
    from mmm.fitted import Model

    frame = small_frame(seed=1)[0]
    fits = {}
    for path in ("mmm", "pymc"):
        monkeypatch.setenv("MMM_JAX_CACHE", str(tmp_path / path))  # no record of the other path's fit
        if path == "pymc":
            monkeypatch.setenv("MMM_PYMC_GRAPH", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[path] = Model(small_spec()).fit(frame, progressbar=False, draws=500, tune=500, chains=2, seed=4)
        assert fits[path].idata.posterior.attrs["log_density"] == path
    import arviz as az

    a, b = (fits[p].idata.posterior["roas"] for p in ("mmm", "pymc"))
    mcse = np.hypot(az.mcse(a.to_dataset())["roas"].values, az.mcse(b.to_dataset())["roas"].values)
    diff = np.abs(a.mean(("chain", "draw")).values - b.mean(("chain", "draw")).values)
    assert np.all(diff <= 3 * mcse + 0.02 * np.abs(b.mean(("chain", "draw")).values))


@pytest.mark.parametrize("prior", [
    {"distribution": "Gamma", "mu": 3.5, "sigma": 1.5}, {"distribution": "Beta", "mu": 0.3, "sigma": 0.1},
    {"distribution": "Beta", "mu": 0.6, "nu": 12.0}, {"distribution": "Normal", "tau": 4.0},
    {"distribution": "LogNormal", "mu": 0.2}, {"distribution": "HalfNormal", "tau": 25.0},
    {"distribution": "StudentT", "nu": 3.0, "lam": 9.0}, {"distribution": "Gamma", "alpha": 2.0, "beta": 0.5},
    {"distribution": "Laplace", "mu": 0.5, "b": 2.0},
])
def test_one_parameter_set_per_family_is_the_same_distribution(prior):
    """Per-channel priors of one family under other parameter sets become one vector variable under one set
    (:func:`mmm.prior_plan.canonical_parameters`), and the models written in JAX convert their priors with it:
    the converted prior has PyMC's density of the prior as given, everywhere."""
    import jax
    import pymc as pm

    from mmm.native import distribution
    from mmm.prior_plan import _canonical
    from mmm.spec import Prior

    jax.config.update("jax_enable_x64", True)
    given = Prior(prior["distribution"], {k: v for k, v in prior.items() if k != "distribution"})
    converted = _canonical(given)
    assert converted is not None and converted.distribution == given.distribution
    x = np.array([0.05, 0.3, 0.55, 0.9]) if given.distribution == "Beta" else np.array([0.1, 0.7, 2.0, 5.5])
    # float64 parameters: PyTensor holds a Python float that float32 represents exactly as a float32 constant
    params = {k: np.float64(v) for k, v in given.params.items()}
    pymc_logp = pm.logp(getattr(pm, given.distribution).dist(**params), x).eval()
    for p in (given, converted):
        np.testing.assert_allclose(np.asarray(distribution(p.distribution, p.params).log_prob(x)), pymc_logp,
                                   rtol=1e-10)
    assert _canonical(Prior("Beta", {"mu": 0.3})) is None   # not a parameter set PyMC takes
