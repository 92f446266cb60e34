"""mmm: Bayesian media mix modeling for ecommerce revenue and B2B pipeline.

The names an analyst needs most::

    import mmm
    spec = mmm.load_spec("data/samples/ecommerce.yaml")
    fitted = mmm.Model(spec).fit()
    fitted.channel_summary()
"""

# Submodules an analyst reaches as mmm.<name>: planning, split, export, plots, analysis, ...
from mmm import analysis, export, funnel, mediation, planning, plots, simulate, split
from mmm.crm import deals_to_weekly
from mmm.data import Dataset, load_data
from mmm.errors import DataError, DataWarning, FitError, MMMError, PlanError, SpecError
from mmm.fitted import FittedModel, Model
from mmm.funnel import FunnelFit, Stage, fit_funnel
from mmm.mediation import MediatedFit, brand_health, fit_mediated
from mmm.persist import load_fit as load
from mmm.planning import compare_scenarios, optimize_budget, response_curves
from mmm.samples import sample_spec, sample_truth
from mmm.spec import Spec, load_spec, spec_from_dict
from mmm.split import brand_split

__version__ = "0.1.0"

__all__ = [
    "DataError", "DataWarning", "FitError", "MMMError", "PlanError", "SpecError",
    "Dataset", "FittedModel", "Model", "Spec",
    "deals_to_weekly", "load", "load_data", "load_spec", "sample_spec", "sample_truth", "spec_from_dict",
    "analysis", "export", "funnel", "mediation", "planning", "plots", "simulate", "split",
    "FunnelFit", "MediatedFit", "Stage", "brand_health", "brand_split", "compare_scenarios", "fit_funnel",
    "fit_mediated", "optimize_budget", "response_curves",
    "__version__",
]
