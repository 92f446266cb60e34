"""Bundled sample data sets (simulated, with known truth): ``ecommerce``, ``b2b``,
``d2c_mediation`` (brand -> branded search -> revenue), ``b2b_funnel`` (lead stages) and
``geo`` (a panel of 20 geos, read with :func:`mmm.geo.load.load_panel`); plus the CRM export
``deals.csv`` (:func:`deals_path`).

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

SAMPLES = ("ecommerce", "b2b", "d2c_mediation", "b2b_funnel", "geo")


def samples_dir() -> Path:
    """Folder holding the sample files.

    An installed package carries them in ``mmm/sample_data/`` (copied there from
    ``data/samples/`` when the wheel is built, see ``setup.py``); a source checkout or an
    editable install (``pip install -e .``) reads ``data/samples/`` next to the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_data", here.parent / "data" / "samples"):
        if (candidate / "ecommerce.yaml").exists():
            return candidate
    raise MMMError("The bundled sample data was not found: neither mmm/sample_data/ (an installed "
                   "package) nor data/samples/ next to the package (a clone of the repository). "
                   "Reinstall mmm, or run scripts/make_samples.py in a clone.")


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
