"""mmm: Bayesian media mix modeling for ecommerce revenue and B2B pipeline.

The names an analyst needs most::

    import mmm
    spec = mmm.load_spec("data/samples/ecommerce.yaml")
    fitted = mmm.Model(spec).fit()
    fitted.channel_summary()
"""

from mmm.crm import deals_to_weekly
from mmm.data import Dataset, load_data
from mmm.errors import DataError, DataWarning, FitError, MMMError, PlanError, SpecError
from mmm.fitted import FittedModel, Model
from mmm.persist import load_fit as load
from mmm.samples import sample_spec, sample_truth
from mmm.spec import Spec, load_spec, spec_from_dict

__version__ = "0.1.0"

__all__ = [
    "DataError", "DataWarning", "FitError", "MMMError", "PlanError", "SpecError",
    "Dataset", "FittedModel", "Model", "Spec",
    "deals_to_weekly", "load", "load_data", "load_spec", "sample_spec", "sample_truth", "spec_from_dict",
    "__version__",
]
