"""mmm: Bayesian media mix modeling for ecommerce revenue and B2B pipeline.

The names an analyst needs most::

    import mmm
    spec = mmm.load_spec("data/samples/ecommerce.yaml")
    fitted = mmm.Model(spec).fit()
    fitted.channel_summary()
    fit = mmm.fit_spec("data/samples/d2c_mediation.yaml")  # the model the spec describes (plain,
                                                           # brand-search mediation or funnel)

``import mmm`` is cheap: every name below (and every submodule, ``mmm.planning``,
``mmm.plots`` ...) is imported on first use (PEP 562), so the command line's ``--help``
and ``validate`` never load PyMC, JAX or matplotlib.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute); attribute None = the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    # Submodules an analyst reaches as mmm.<name>: planning, split, export, plots, analysis, ...
    **{m: (f"mmm.{m}", None) for m in ("analysis", "export", "funnel", "mediation", "planning", "plots",
                                        "simulate", "split")},
    "deals_to_weekly": ("mmm.crm", "deals_to_weekly"),
    "Dataset": ("mmm.data", "Dataset"),
    "load_data": ("mmm.data", "load_data"),
    **{e: ("mmm.errors", e) for e in ("DataError", "DataWarning", "FitError", "MMMError", "PlanError",
                                      "SpecError")},
    "FittedModel": ("mmm.fitted", "FittedModel"),
    "Model": ("mmm.fitted", "Model"),
    "fit_spec": ("mmm.fitting", "fit_spec"),
    "FunnelFit": ("mmm.funnel", "FunnelFit"),
    "Stage": ("mmm.stages", "Stage"),
    "fit_funnel": ("mmm.funnel", "fit_funnel"),
    "MediatedFit": ("mmm.mediation", "MediatedFit"),
    "brand_health": ("mmm.mediation", "brand_health"),
    "fit_mediated": ("mmm.mediation", "fit_mediated"),
    "load": ("mmm.persist", "load_fit"),
    "compare_scenarios": ("mmm.planning", "compare_scenarios"),
    "optimize_budget": ("mmm.planning", "optimize_budget"),
    "response_curves": ("mmm.planning", "response_curves"),
    "sample_spec": ("mmm.samples", "sample_spec"),
    "sample_truth": ("mmm.samples", "sample_truth"),
    "Spec": ("mmm.spec", "Spec"),
    "load_spec": ("mmm.spec", "load_spec"),
    "spec_from_dict": ("mmm.spec", "spec_from_dict"),
    "brand_split": ("mmm.split", "brand_split"),
}

__all__ = [
    "DataError", "DataWarning", "FitError", "MMMError", "PlanError", "SpecError",
    "Dataset", "FittedModel", "Model", "Spec",
    "deals_to_weekly", "fit_spec", "load", "load_data", "load_spec", "sample_spec", "sample_truth", "spec_from_dict",
    "analysis", "export", "funnel", "mediation", "planning", "plots", "simulate", "split",
    "FunnelFit", "MediatedFit", "Stage", "brand_health", "brand_split", "compare_scenarios", "fit_funnel",
    "fit_mediated", "optimize_budget", "response_curves",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import a public name (or any submodule, ``mmm.health``, ``mmm.transforms`` ...) on first use."""
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = importlib.import_module(module)
        if attr is not None:
            value = getattr(value, attr)
    elif not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the names as if imported eagerly
    from mmm import analysis, export, funnel, mediation, planning, plots, simulate, split  # noqa: F401
    from mmm.crm import deals_to_weekly  # noqa: F401
    from mmm.data import Dataset, load_data  # noqa: F401
    from mmm.errors import DataError, DataWarning, FitError, MMMError, PlanError, SpecError  # noqa: F401
    from mmm.fitted import FittedModel, Model  # noqa: F401
    from mmm.fitting import fit_spec  # noqa: F401
    from mmm.funnel import FunnelFit, fit_funnel  # noqa: F401
    from mmm.mediation import MediatedFit, brand_health, fit_mediated  # noqa: F401
    from mmm.persist import load_fit as load  # noqa: F401
    from mmm.planning import compare_scenarios, optimize_budget, response_curves  # noqa: F401
    from mmm.samples import sample_spec, sample_truth  # noqa: F401
    from mmm.spec import Spec, load_spec, spec_from_dict  # noqa: F401
    from mmm.split import brand_split  # noqa: F401
    from mmm.stages import Stage  # noqa: F401
