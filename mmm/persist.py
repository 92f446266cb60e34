"""Save a fitted model to one NetCDF file and load it back, without pickle.

The file is ArviZ's NetCDF form of the posterior; the spec, the data, the scaling and
the diagnostics ride along as JSON text attributes of the posterior group. Loading
reads only arrays and JSON: no code is executed. (With ArviZ 1.x this module and
:mod:`mmm.sampling` are the only ones to change.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import arviz as az

from mmm.atomic import atomic_path
from mmm.errors import FitError
from mmm.sampling import Diagnostics

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

FORMAT = "mmm-fit/1"


def save_fit(fitted: FittedModel, path: str | Path) -> Path:
    """Write ``fitted`` to ``path`` (NetCDF). Returns the path."""
    import mmm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    groups = {"posterior": fitted.idata.posterior.copy()}
    if "sample_stats" in fitted.idata.groups():
        groups["sample_stats"] = fitted.idata.sample_stats.copy()
    idata = az.InferenceData(**groups)
    idata.posterior.attrs.update({
        "mmm_format": FORMAT,
        "mmm_version": mmm.__version__,
        "mmm_spec": json.dumps(fitted.spec.to_dict()),
        "mmm_data": fitted.dataset.to_json(),
        "mmm_scaling": json.dumps(fitted.scaling.to_dict()),
        "mmm_diagnostics": json.dumps(fitted.diagnostics.to_dict()),
        "mmm_train_weeks": int(fitted.train_weeks),
    })
    idata.posterior.attrs["mmm_digest"] = content_digest(idata)
    # Build the file in memory, then write it beside the target and rename it into place: a save
    # that fails (killed, disk full) never leaves a truncated model.nc where a good one was, and a
    # full disk is a plain OSError (HDF5 writing straight to a full disk raises RuntimeError and
    # can crash the interpreter when its half-closed file is freed). A temporary file left by a
    # save that was killed (SIGKILL cannot be cleaned up after) is removed by the next save.
    data = _netcdf_bytes(idata)
    with atomic_path(path) as tmp:
        if data is None:  # this xarray cannot build the file in memory
            idata.to_netcdf(str(tmp))
        else:
            _write_model(data, tmp)
    return path


def content_digest(idata: az.InferenceData) -> str:
    """SHA-256 of what a model file means: every array of every group and the ``mmm_*`` attributes.

    Stored in the file at save and checked at load, so damage that the NetCDF reader cannot see
    (a changed digit in the saved data or spec, a flipped bit in an uncompressed block) is refused
    instead of silently giving other numbers.
    """
    import hashlib

    import numpy as np

    h = hashlib.sha256()
    for name in sorted(idata.groups()):
        ds = getattr(idata, name)
        for var in sorted(map(str, ds.variables)):
            values = np.asarray(ds.variables[var].values)
            h.update(f"{name}/{var}:{values.shape}:".encode())
            if values.dtype.kind in "OUS":      # text comes back from NetCDF as another dtype
                h.update("\x00".join(map(str, values.ravel().tolist())).encode("utf-8", "surrogatepass"))
            else:
                h.update(values.dtype.str.encode())
                h.update(np.ascontiguousarray(values).tobytes())
    for key in sorted(k for k in idata.posterior.attrs if k.startswith("mmm_") and k != "mmm_digest"):
        h.update(f"{key}={idata.posterior.attrs[key]}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _netcdf_bytes(idata: az.InferenceData) -> bytes | None:
    """The NetCDF4 file ArviZ would write for ``idata`` (compressed groups), built in memory.

    Returns None where the installed xarray has no ``DataTree`` or h5netcdf is missing.
    """
    import io

    import xarray as xr

    if not hasattr(xr, "DataTree"):
        return None
    groups = {name: getattr(idata, name) for name in idata.groups()}
    encoding = {f"/{name}": {var: {"zlib": True} for var, values in ds.variables.items()
                             if values.dtype.kind in "biufcS"}
                for name, ds in groups.items()}
    buffer = io.BytesIO()
    try:
        xr.DataTree.from_dict(groups).to_netcdf(buffer, engine="h5netcdf", encoding=encoding)
    except ImportError:
        return None
    return buffer.getvalue()


def _write_model(data: bytes, tmp: Path) -> None:
    """Write the model file's bytes to ``tmp`` (the temporary file of an atomic save)."""
    with open(tmp, "wb") as fh:
        fh.write(data)


def load_fit(path: str | Path) -> FittedModel:
    """Read a model saved by :meth:`FittedModel.save`; results are identical, no refit.

    Raises
    ------
    FitError
        If the file is missing, unreadable, or not an ``mmm`` model file.
    """
    from mmm.data import Dataset
    from mmm.design import Scaling
    from mmm.fitted import FittedModel
    from mmm.spec import spec_from_dict

    path = Path(path)
    if path.is_dir():
        path = path / "model.nc"
    if not path.exists():
        raise FitError(f"No saved model at '{path}'. Fit one first: `mmm fit CONFIG.yaml --out DIR`.")
    try:
        idata = az.from_netcdf(str(path))
        for group in idata.groups():  # read every value now: a damaged block must fail here, not later
            getattr(idata, group).load()
        attrs = dict(idata.posterior.attrs)
    except Exception as exc:  # noqa: BLE001 - any reader failure means the same to the user
        raise FitError(f"'{path}' is not a readable model file ({type(exc).__name__}). "
                       "It may be corrupt or truncated: refit and save again.") from None
    if attrs.get("mmm_format") != FORMAT:
        raise FitError(f"'{path}' is a NetCDF file but not an mmm model (format tag "
                       f"{attrs.get('mmm_format')!r}, expected '{FORMAT}').")
    if "mmm_digest" in attrs and attrs["mmm_digest"] != content_digest(idata):  # files of older saves have none
        raise FitError(f"'{path}' is damaged: its content no longer matches the checksum written when it was "
                       "saved. Refit (`mmm fit CONFIG.yaml --out DIR`) or restore the file from a backup.")
    try:
        spec = spec_from_dict(json.loads(attrs["mmm_spec"]))
        dataset = Dataset.from_json(spec, attrs["mmm_data"])
        scaling = Scaling.from_dict(json.loads(attrs["mmm_scaling"]))
        diag = json.loads(attrs["mmm_diagnostics"])
        diagnostics = Diagnostics(**diag)
        train_weeks = int(attrs["mmm_train_weeks"])
    except (KeyError, ValueError, TypeError) as exc:
        raise FitError(f"'{path}' is an mmm model file but its metadata is damaged ({exc}); refit.") from None
    fitted = FittedModel(spec=spec, dataset=dataset, scaling=scaling, idata=idata,
                         diagnostics=diagnostics, train_weeks=train_weeks)
    if "health" not in diag:
        # saved before model-health checks existed: run them now rather than call the fit "ok"
        fitted.check_health()
    return fitted
