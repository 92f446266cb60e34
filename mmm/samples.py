"""Bundled sample data sets (simulated, with known truth): ``ecommerce``, ``b2b``,
``d2c_mediation`` (brand -> branded search -> revenue) and ``b2b_funnel`` (lead stages);
plus the CRM export ``deals.csv`` (:func:`deals_path`).

Example
-------
>>> from mmm.samples import sample_spec
>>> sample_spec("b2b").kpi.type
'pipeline'
"""

from __future__ import annotations

import json
from pathlib import Path

from mmm.errors import MMMError
from mmm.spec import Spec, load_spec

SAMPLES = ("ecommerce", "b2b", "d2c_mediation", "b2b_funnel")


def samples_dir() -> Path:
    """Folder holding the sample files (``data/samples`` of the source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "data" / "samples", here / "samples"):
        if (candidate / "ecommerce.yaml").exists():
            return candidate
    raise MMMError("The bundled sample data was not found. Install mmm from a clone of the repository "
                   "(`pip install -e .`) so that data/samples/ sits next to the package.")


def sample_path(name: str, suffix: str = ".yaml") -> Path:
    """Path of a sample file, e.g. ``sample_path("b2b", ".csv")``."""
    if name not in SAMPLES:
        raise MMMError(f"Unknown sample '{name}'. Samples: {', '.join(SAMPLES)}.")
    return samples_dir() / f"{name}{suffix}"


def sample_spec(name: str) -> Spec:
    """The YAML spec of a sample set (its ``data:`` path points at the bundled CSV)."""
    return load_spec(sample_path(name))


def sample_truth(name: str) -> dict:
    """The simulator's ground truth for a sample set (parameters, contributions, ROAS)."""
    return json.loads(sample_path(name, "_truth.json").read_text())


def deals_path() -> Path:
    """The sample CRM opportunities export (one row per deal), for :func:`mmm.deals_to_weekly`."""
    return samples_dir() / "deals.csv"
