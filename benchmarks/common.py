"""Shared pieces of the benchmarks: data sets, matched model settings, timing probes.

Imported by :mod:`worker` in both virtual environments (ours: ``/work/main/.venv``;
the peer: ``/work/bench-venv`` with ``pip install -e .[bench]``), so it needs only
NumPy, pandas and :mod:`mmm.simulate` / the bundled sample files - never PyMC-Marketing
or the fitting side of :mod:`mmm`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DATASETS = ("peer", "ecommerce", "b2b")

#: The matched model settings (issue 7): geometric adstock over 8 weeks, logistic
#: saturation, yearly seasonality of order 2, linear trend, same controls and events.
MATCHED_MODEL = {"adstock": "geometric", "l_max": 8, "saturation": "logistic",
                 "yearly_seasonality": 2, "trend": "linear"}


# ---------------------------------------------------------------- data sets


def load_dataset(name: str) -> dict[str, Any]:
    """One benchmark data set: the frame, the truth and the column roles.

    ``name`` is ``peer`` (PyMC-Marketing's ``mmm_example`` DGP re-created with
    :func:`mmm.simulate.peer_example_config`), ``ecommerce`` or ``b2b`` (the bundled
    samples), or ``sim:weeks=W,channels=C[,seed=S]`` (a scaling data set).

    Returns a dict with ``df``, ``truth``, ``date``, ``kpi``, ``kpi_type``, ``channels``
    (name -> spend column), ``controls`` and ``events`` (column lists).
    """
    if name == "peer":
        from mmm.simulate import peer_example_config, simulate
        df, truth = simulate(peer_example_config())
        return {"df": df, "truth": truth, "date": "date_week", "kpi": "y", "kpi_type": "revenue",
                "channels": {"x1": "x1", "x2": "x2"}, "controls": [], "events": ["event_1", "event_2"]}
    if name in ("ecommerce", "b2b"):
        truth = json.loads((SAMPLES / f"{name}_truth.json").read_text())
        df = pd.read_csv(SAMPLES / f"{name}.csv", parse_dates=[truth["date_column"]])
        controls = {"ecommerce": ["promo"], "b2b": ["sdr_headcount"]}[name]
        events = {"ecommerce": ["black_friday", "christmas"], "b2b": ["user_conference"]}[name]
        return {"df": df, "truth": truth, "date": truth["date_column"], "kpi": truth["kpi"]["column"],
                "kpi_type": truth["kpi"]["type"],
                "channels": {c: ch["spend_column"] for c, ch in truth["channels"].items()},
                "controls": controls, "events": events}
    if name.startswith("sim:"):
        opts = dict(kv.split("=") for kv in name[4:].split(","))
        return scaling_dataset(int(opts["weeks"]), int(opts["channels"]), int(opts.get("seed", 1)))
    raise ValueError(f"unknown data set {name!r}; use one of {DATASETS} or sim:weeks=W,channels=C")


def scaling_dataset(weeks: int, channels: int, seed: int = 1) -> dict[str, Any]:
    """A simulated ecommerce-like data set with ``channels`` geometric/logistic channels."""
    from mmm.simulate import (
        Baseline,
        ChannelTruth,
        Control,
        Event,
        SimulationConfig,
        SpendPattern,
        simulate,
    )
    rng = np.random.default_rng(1000 + channels)
    chans, spend = [], {}
    for i in range(channels):
        name = f"ch{i + 1:02d}"
        chans.append(ChannelTruth(name=name, role="performance" if i % 2 else "brand", adstock="geometric",
                                  l_max=8, carryover_params={"carryover": float(rng.uniform(0.1, 0.6))},
                                  saturation="logistic",
                                  saturation_params={"saturation_lambda": float(rng.uniform(0.8, 2.5))},
                                  beta=float(rng.uniform(0.3, 1.0)) * 800_000.0 / channels))
        spend[name] = SpendPattern("always_on", level=float(rng.uniform(20_000, 120_000)) / channels * 5,
                                   noise=0.4, ar=0.4, seasonal=0.2, zero_prob=0.05)
    config = SimulationConfig(
        name=f"sim_{weeks}w_{channels}c", weeks=weeks, start="2015-01-05", channels=chans, spend=spend,
        baseline=Baseline(intercept=1_000_000.0, trend=150_000.0,
                          seasonality={"sin_1": -80_000.0, "cos_1": 100_000.0}),
        noise_sd=60_000.0, controls=[Control("promo", coef=40_000.0, kind="promo", params={"prob": 0.15})],
        events=[Event("black_friday", 250_000.0, rule="black_friday")], seed=seed)
    df, truth = simulate(config)
    return {"df": df, "truth": truth, "date": "week", "kpi": "revenue", "kpi_type": "revenue",
            "channels": {c.name: c.column for c in chans}, "controls": ["promo"], "events": ["black_friday"]}


def ours_spec(ds: dict[str, Any], variant: str = "matched") -> dict[str, Any]:
    """Our spec dict: ``matched`` (the benchmark settings) or ``default`` (the KPI type's preset)."""
    spec = {"date_column": ds["date"], "kpi": {"column": ds["kpi"], "type": ds["kpi_type"]},
            "channels": {c: {"spend": col} for c, col in ds["channels"].items()},
            "controls": list(ds["controls"]), "events": list(ds["events"])}
    if variant == "matched":
        spec["model"] = dict(MATCHED_MODEL)
    elif variant != "default":
        raise ValueError(f"variant must be matched or default, got {variant!r}")
    return spec


def peer_frame(ds: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series, list[str], list[str]]:
    """``X, y, channel_columns, control_columns`` for PyMC-Marketing's MMM.

    As in the peer's own example, events and a trend index ``t`` are control columns
    (the peer's MMM has no built-in trend); our controls are passed as they are.
    """
    df = ds["df"]
    X = df[[ds["date"], *ds["channels"].values(), *ds["controls"], *ds["events"]]].copy()
    X["t"] = np.arange(len(df), dtype="float64")
    controls = [*ds["controls"], *ds["events"], "t"]
    return X, df[ds["kpi"]].astype("float64"), list(ds["channels"].values()), controls


def truth_table(ds: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per channel: true ROAS, contribution, carryover alpha and logistic lambda in the
    peer's units (spend / max spend) and ours (spend / mean non-zero spend)."""
    out = {}
    truth = ds["truth"]
    for c, ch in truth["channels"].items():
        x = np.asarray(truth["weekly"]["spend"][c], dtype="float64")
        lam_ours = ch["saturation_params"].get("saturation_lambda", float("nan"))
        out[c] = {"roas": ch["roas"], "contribution": ch["contribution"],
                  "alpha": ch["carryover_params"].get("carryover", float("nan")),
                  "adstock": ch["adstock"], "lam_ours": lam_ours,
                  "lam_peer": lam_ours * float(x.max()) / ch["scale"],
                  "scale_mean": ch["scale"], "scale_max": float(x.max())}
    return out


# ---------------------------------------------------------------- timing probes


class CompileClock:
    """Wall time spent compiling inside ``pm.sample``, measured the same way for both sides.

    Collects time spans of (a) PyTensor -> JAX conversion (``get_jaxified_logp`` /
    ``get_jaxified_graph``, which include PyTensor's graph rewrites), (b) JAX tracing,
    lowering and XLA compilation (``jax.monitoring`` time-span events, nested spans
    merged), (c) nutpie's ``compile_pymc_model`` (PyTensor -> Numba/JAX) and (d) ours:
    :func:`mmm.compiled.lift_model` and :func:`mmm.compiled.program_for` (the data lifted
    out of the graph; the sampler program compiled, or read from the on-disk cache), and
    reports the length of their union. The sampler call's wall time minus this is the
    time spent running the sampler (tuning + draws) and moving the draws.
    """

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []

    def install(self) -> CompileClock:
        import jax.monitoring
        import pymc.sampling.jax as pjax

        def on_span(event: str, start: float, end: float, **_: Any) -> None:
            if event.startswith("/jax/core/compile"):
                self.spans.append((start, end))

        jax.monitoring.register_event_time_span_listener(on_span)
        for fn_name in ("get_jaxified_logp", "get_jaxified_graph"):
            setattr(pjax, fn_name, self._wrap(getattr(pjax, fn_name)))
        try:
            import nutpie
            nutpie.compile_pymc_model = self._wrap(nutpie.compile_pymc_model)
        except ImportError:  # pragma: no cover - nutpie is a dependency of ours
            pass
        try:  # ours: lifting the data out of the graph, and the program (compiled, or read from disk)
            import mmm.compiled as compiled
            compiled.lift_model = self._wrap(compiled.lift_model)
            compiled.program_for = self._wrap(compiled.program_for)
        except ImportError:  # pragma: no cover - an older mmm
            pass
        return self

    def _wrap(self, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spans.append((t0, time.time()))
        return timed

    def seconds(self) -> float:
        """Length of the union of the recorded spans."""
        total, end = 0.0, -np.inf
        for a, b in sorted(self.spans):
            if b <= end:
                continue
            total += b - max(a, end)
            end = b
        return total


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    import resource
    import sys
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024
