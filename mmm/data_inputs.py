"""The data of the national model as named inputs, computed without PyMC.

:func:`data_inputs` names every array of data the national model (:func:`mmm.model.build_model`) reads:
the scaled design, the spend totals and KPI scale of the ROAS parametrisation, the observed KPI, and each
lift test's arrays. The model takes them as shared variables under these names (``data:<name>``), as it
takes prior values (:mod:`mmm.prior_plan`), so the compiled sampler receives them as named arguments: a
refit on new data of the same weeks and shapes reruns the recorded program with the new values, without
building the model (:meth:`mmm.fitted.ModelInputs.input_values`). Which weeks, which shapes and which lift
tests on which channels stay structure (:func:`data_structure`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmm.design import Design
from mmm.response import LiftData

#: the prefix of a shared variable that carries data into the model
DATA_INPUT = "data:"


def data_inputs(design: Design, scaling: Any, kpi_scaled: np.ndarray, counts: np.ndarray | None,
                lift: list[LiftData]) -> dict[str, np.ndarray]:
    """Every array of data the national model reads, by the name of the model input carrying it.

    The observed KPI is ``data:kpi`` (the integer counts for a negative-binomial likelihood) and a lift test's
    measured lift ``data:lift_test_<i>``: an observed variable's data are named after it.
    """
    out: dict[str, Any] = {
        "lags": design.lags, "time": design.time, "fourier": design.fourier, "controls": design.controls,
        "events": design.events, "changepoints": design.changepoints,
        "spend_total": np.asarray(scaling.train_spend, dtype="float64"),
        "kpi_scale": np.asarray(scaling.kpi_scale, dtype="float64"),
        "kpi": counts if counts is not None else kpi_scaled,
    }
    for i, test in enumerate(lift):
        out[f"lift_{i}.delta_lags"] = test.delta_lags
        out[f"lift_{i}.window"] = test.window
        out[f"lift_{i}.se"] = np.asarray(test.se_scaled, dtype="float64")
        out[f"lift_test_{i}"] = np.asarray(test.lift_scaled, dtype="float64")
    return {DATA_INPUT + k: np.asarray(v) for k, v in out.items()}


def data_structure(inputs: dict[str, np.ndarray], lift: list[LiftData]) -> tuple:
    """What of the data is structure: each input's name, dtype and shape, and each lift test's channel."""
    return (tuple((k, v.dtype.str, v.shape) for k, v in inputs.items()),
            tuple(test.channel_index for test in lift))
