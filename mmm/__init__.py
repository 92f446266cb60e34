"""mmm: Bayesian media mix modeling for ecommerce revenue and B2B pipeline."""

from mmm.errors import DataError, FitError, MMMError, PlanError, SpecError
from mmm.spec import Spec, load_spec, spec_from_dict

__version__ = "0.1.0"

__all__ = [
    "DataError", "FitError", "MMMError", "PlanError", "SpecError",
    "Spec", "load_spec", "spec_from_dict", "__version__",
]
