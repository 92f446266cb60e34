"""Save a fitted model to one NetCDF file and load it back, without pickle.

The file is ArviZ's NetCDF form of the posterior; the spec, the data, the scaling and
the diagnostics ride along as JSON text attributes of the posterior group. Loading
reads only arrays and JSON: no code is executed. (With ArviZ 1.x this module and
:mod:`mmm.sampling` are the only ones to change.)

A brand -> branded search -> KPI fit (:class:`~mmm.mediation.MediatedFit`) is saved the same
way, in one file: ``mmm_kind = "mediated"``, its settings as JSON, and the plain fit it is
compared with (when there is one) in the groups ``plain_posterior`` and ``plain_sample_stats``.
A geo fit (:class:`~mmm.geo.fit.GeoFit`) too: ``mmm_kind = "geo"``, the panel in the group
``geo_panel``, its per-geo scaling in ``mmm_geo``; ``mmm_data`` and ``mmm_scaling`` hold the
national sums (its national view).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mmm.atomic import atomic_path
from mmm.diagnostics import Diagnostics
from mmm.errors import FitError

if TYPE_CHECKING:
    import arviz as az

    from mmm.fitted import FittedModel
    from mmm.funnel import FunnelFit
    from mmm.mediation import MediatedFit

FORMAT = "mmm-fit/1"
#: ``mmm_kind`` of a file: a plain adstock-and-saturation fit, a brand-search mediation fit, or a
#: lead-gen funnel fit (the lead model, plus the stage model in ``stages_posterior``).
KIND_PLAIN, KIND_MEDIATED, KIND_FUNNEL = "plain", "mediated", "funnel"
#: a geo (panel) fit: the panel in the group ``geo_panel``, its scaling in ``mmm_geo``
KIND_GEO = "geo"


def _is_mediated(fitted: object) -> bool:
    return hasattr(fitted, "search_scale") and hasattr(fitted, "settings")


def _is_funnel(fitted: object) -> bool:
    return hasattr(fitted, "leads") and hasattr(fitted, "stages")


def _is_geo(fitted: object) -> bool:
    return hasattr(fitted, "panel") and hasattr(fitted, "geo_components")


def _panel_group(panel: Any) -> Any:
    """A geo panel as an xarray Dataset (geo, date, channel, control and event coordinates as text)."""
    import xarray as xr

    G, T, C = panel.spend.shape
    controls = panel.controls if panel.controls.ndim == 3 and panel.controls.shape[:2] == (G, T) \
        else np.zeros((G, T, 0))
    events = panel.events if panel.events.ndim == 2 and panel.events.shape[0] == T else np.zeros((T, 0))
    alloc = panel.allocation if np.shape(panel.allocation) == (G, C) else np.zeros((G, C))
    return xr.Dataset(
        {"spend": (("geo", "date", "channel"), np.asarray(panel.spend, dtype="float64")),
         "kpi": (("geo", "date"), np.asarray(panel.kpi, dtype="float64")),
         "population": (("geo",), np.asarray(panel.population, dtype="float64")),
         "controls": (("geo", "date", "control"), np.asarray(controls, dtype="float64")),
         "events": (("date", "event"), np.asarray(events, dtype="float64")),
         "allocation": (("geo", "channel"), np.asarray(alloc, dtype="float64")),
         "national_channel": (("channel",), np.array([c in panel.national_channels for c in panel.channels]))},
        coords={"geo": list(map(str, panel.geos)), "date": [str(d.date()) for d in panel.dates],
                "channel": list(panel.channels), "control": list(panel.control_names)[: controls.shape[2]],
                "event": list(panel.event_names)[: events.shape[1]]})


def _panel_from_group(ds: Any) -> Any:
    import pandas as pd

    from mmm.geo.panel import GeoPanel

    channels = tuple(map(str, ds["channel"].values))
    national = np.asarray(ds["national_channel"].values, dtype=bool)
    return GeoPanel(geos=tuple(map(str, ds["geo"].values)), dates=pd.DatetimeIndex(pd.to_datetime(
        list(map(str, ds["date"].values)))), channels=channels, spend=np.asarray(ds["spend"].values, dtype="float64"),
        kpi=np.asarray(ds["kpi"].values, dtype="float64"), population=np.asarray(ds["population"].values,
                                                                                 dtype="float64"),
        controls=np.asarray(ds["controls"].values, dtype="float64"),
        control_names=tuple(map(str, ds["control"].values)), events=np.asarray(ds["events"].values, dtype="float64"),
        event_names=tuple(map(str, ds["event"].values)),
        national_channels=tuple(c for c, n in zip(channels, national, strict=True) if n),
        allocation=np.asarray(ds["allocation"].values, dtype="float64"))


def _groups(idata: az.InferenceData, prefix: str = "") -> dict:
    out = {f"{prefix}posterior": idata.posterior.copy()}
    if "sample_stats" in idata.groups():
        out[f"{prefix}sample_stats"] = idata.sample_stats.copy()
    return out


def _mediation_record(fit: MediatedFit) -> dict:
    st = fit.settings
    return {"search_scale": float(fit.search_scale), "search_r2": fit.search_r2,
            "brand_channels": list(st.brand_channels), "paid_brand_search": st.paid_brand_search,
            "search_l_max": int(st.search_l_max),
            "priors": {k: (getattr(st, k).to_dict() if getattr(st, k) is not None else None)
                       for k in ("search_effect_prior", "search_to_kpi_prior", "search_per_spend_prior")},
            "plain": None if fit.plain is None else {
                "scaling": fit.plain.scaling.to_dict(), "diagnostics": fit.plain.diagnostics.to_dict(),
                "train_weeks": int(fit.plain.train_weeks)}}


def save_fit(fitted: FittedModel | MediatedFit | FunnelFit, path: str | Path) -> Path:
    """Write ``fitted`` (a plain, mediation or funnel fit) to ``path`` (NetCDF). Returns the path."""
    import arviz as az

    import mmm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    funnel = fitted if _is_funnel(fitted) else None
    if funnel is not None:  # the lead model is the file's main fit; the stage model rides along
        fitted = funnel.leads
    geo = fitted if _is_geo(fitted) else None
    if geo is not None:  # the national view carries the spec, sums and scaling every reader expects
        fitted = geo.total_view()
    mediated = _is_mediated(fitted)
    groups = _groups(fitted.idata)
    if geo is not None:
        groups["geo_panel"] = _panel_group(geo.panel)
    if funnel is not None:
        groups.update(_groups(funnel.idata, "stages_"))
    if mediated and fitted.plain is not None:
        groups.update(_groups(fitted.plain.idata, "plain_"))
    with warnings.catch_warnings():  # plain_* are groups of our own, outside ArviZ's list
        warnings.simplefilter("ignore", UserWarning)
        idata = az.InferenceData(**groups)
    idata.posterior.attrs.update({
        "mmm_format": FORMAT,
        "mmm_version": mmm.__version__,
        "mmm_kind": KIND_GEO if geo is not None else KIND_FUNNEL if funnel is not None
        else KIND_MEDIATED if mediated else KIND_PLAIN,
        "mmm_spec": json.dumps((geo or fitted).spec.to_dict()),
        "mmm_data": fitted.dataset.to_json(),
        "mmm_scaling": json.dumps(fitted.scaling.to_dict()),
        "mmm_diagnostics": json.dumps(fitted.diagnostics.to_dict()),
        "mmm_train_weeks": int(fitted.train_weeks),
    })
    table = _cached_channel_table(fitted) if geo is None and not mediated else None
    if table is not None:
        idata.posterior.attrs["mmm_channel_table"] = table
    if geo is not None:
        idata.posterior.attrs["mmm_geo"] = json.dumps({"scaling": geo.scaling.to_dict()})
    if mediated:
        idata.posterior.attrs["mmm_mediation"] = json.dumps(_mediation_record(fitted))
    if funnel is not None:
        idata.posterior.attrs["mmm_funnel"] = json.dumps({
            "spec": funnel.spec.replace(funnel=tuple(funnel.stages)).to_dict(), "diagnostics": funnel.diagnostics.to_dict(),
            "series": {k: [float(v) for v in np.asarray(x, dtype="float64")] for k, x in funnel.series.items()}})
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


#: Interval probability of the channel table a saved fit carries (the one every output uses).
TABLE_PROB = 0.9
#: Columns a saved channel table must have to be used as it is (else it is computed again).
TABLE_COLUMNS = ("channel", "role", "spend", "contribution_mean", "contribution_hdi_low", "contribution_hdi_high",
                 "roas_mean", "roas_hdi_low", "roas_hdi_high", "share_of_kpi", "cost_per_kpi_mean",
                 "prior_contraction", "prior_sensitivity", "data_informed", "prob_highest_roas")


def _cached_channel_table(fitted: Any) -> str | None:
    """The channel table the fit has already computed (:meth:`FittedModel.channel_summary` at 90%),
    as JSON, or None when it has not computed one: saving never computes it."""
    table = getattr(fitted, "_channel_tables", {}).get(TABLE_PROB)
    if table is None or not set(TABLE_COLUMNS) <= set(table.columns):
        return None
    return json.dumps({"prob": TABLE_PROB, "columns": list(map(str, table.columns)),
                       "rows": table.to_numpy(dtype=object).tolist()}, default=_json_scalar)


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else str(value)


def _restore_channel_table(fitted: Any, text: str | None) -> None:
    """Put a saved channel table back into the fit's cache, so that a report does not compute the
    table (and its power-scaling prior sensitivity, which needs ArviZ) again. A table that does not
    have the expected columns is ignored: the fit then computes it when asked."""
    if not text or not hasattr(fitted, "_channel_tables"):
        return
    import pandas as pd

    record = json.loads(text)
    table = pd.DataFrame(record["rows"], columns=record["columns"])
    if float(record.get("prob", -1)) != TABLE_PROB or not set(TABLE_COLUMNS) <= set(table.columns):
        return
    for col in table.columns:
        if col in ("channel", "role"):
            table[col] = table[col].astype(str)
        elif col == "data_informed":
            table[col] = table[col].astype(bool)
        else:
            table[col] = table[col].astype("float64")
    fitted._channel_tables[TABLE_PROB] = table


def content_digest(idata: Any) -> str:
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
    """The NetCDF4 file of ``idata`` (compressed groups, as ArviZ would write it), built in memory.

    Returns None where the installed xarray has no ``DataTree`` or h5netcdf is missing.
    """
    import io

    import xarray as xr

    if not hasattr(xr, "DataTree"):
        return None
    groups = {name: getattr(idata, name) for name in idata.groups()}
    # byte-shuffled, zlib level 1: the peer example's 6.1 MB file is 5.3 MB and writes in 0.20 s, not 0.27 s
    # (zlib's default level without the shuffle; posterior draws are floats whose low bytes do not compress)
    encoding = {f"/{name}": {var: {"zlib": True, "complevel": 1, "shuffle": True}
                             for var, values in ds.variables.items()
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


def load_fit(path: str | Path) -> FittedModel | MediatedFit:
    """Read a model saved by :meth:`FittedModel.save` (or a mediation fit's ``save``); results are
    identical, no refit. Returns the kind of fit that was saved.

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
        idata = _read_groups(path)  # every value read now: a damaged block must fail here, not later
        attrs = dict(idata.posterior.attrs)
    except Exception as exc:  # noqa: BLE001 - any reader failure means the same to the user
        raise FitError(f"'{path}' is not a readable model file ({type(exc).__name__}). "
                       "It may be corrupt or truncated: refit and save again.") from None
    if attrs.get("mmm_format") != FORMAT:
        raise FitError(f"'{path}' is a NetCDF file but not an mmm model (format tag "
                       f"{attrs.get('mmm_format')!r}, expected '{FORMAT}').")
    if "mmm_digest" in attrs and attrs["mmm_digest"] != content_digest(idata):  # files of older saves have none
        import contextlib

        with contextlib.suppress(Exception):  # read once more with xarray's own reader before calling it damaged
            idata = _read_groups(path, fast=False)
    if "mmm_digest" in attrs and attrs["mmm_digest"] != content_digest(idata):
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
    kind = attrs.get("mmm_kind", KIND_PLAIN)
    if kind in _READERS:  # a mediation or funnel fit: its own settings ride in one more attribute
        read, key, what = _READERS[kind]
        try:
            out = read(idata, json.loads(attrs[key]), spec, dataset, scaling, diagnostics, train_weeks)
        except (KeyError, ValueError, TypeError) as exc:
            raise FitError(f"'{path}' is an mmm {kind} model file but its {what} are damaged ({exc}); "
                           "refit.") from None
        if kind == KIND_FUNNEL:
            _restore_channel_table(out.leads, attrs.get("mmm_channel_table"))
        return out
    fitted = FittedModel(spec=spec, dataset=dataset, scaling=scaling, idata=_only(idata),
                         diagnostics=diagnostics, train_weeks=train_weeks)
    try:
        _restore_channel_table(fitted, attrs.get("mmm_channel_table"))
    except (KeyError, ValueError, TypeError) as exc:
        raise FitError(f"'{path}' is an mmm model file but its channel table is damaged ({exc}); refit.") from None
    if "health" not in diag:
        # saved before model-health checks existed: run them now rather than call the fit "ok"
        fitted.check_health()
    return fitted


class SavedPosterior:
    """The groups of a saved fit (``posterior``, ``sample_stats``) as xarray Datasets: what a fitted
    model reads from its posterior, read without importing ArviZ, so that loading a fit to plan or
    report on it stays quick. :meth:`to_arviz` gives ArviZ's ``InferenceData`` where one is needed.
    """

    def __init__(self, groups: dict[str, Any]):
        self._groups = dict(groups)

    def groups(self) -> list[str]:
        """Names of the groups, as ``InferenceData.groups()``."""
        return list(self._groups)

    def __getattr__(self, name: str) -> Any:
        groups = self.__dict__.get("_groups", {})
        if name in groups:
            return groups[name]
        raise AttributeError(name)

    def __contains__(self, name: str) -> bool:
        return name in self._groups

    def to_arviz(self) -> az.InferenceData:
        """The same groups as ArviZ's ``InferenceData``."""
        import arviz as az

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return az.InferenceData(**self._groups)


def _read_groups(path: Path, fast: bool = True) -> SavedPosterior:
    """Every group of the model file, fully read into memory (xarray, without ArviZ).

    ``fast``: read the groups with h5netcdf and decode them with :func:`xarray.decode_cf` (half
    the time of xarray's file backend, the same Datasets); any surprise in the file falls back
    to xarray's reader, and :func:`load_fit` re-reads with it when the checksum disagrees.
    """
    import xarray as xr

    _no_dask_probe(xr)
    if fast:
        try:
            return _read_groups_h5(path)
        except Exception:  # noqa: BLE001 - an unexpected layout: xarray's own reader decides
            pass
    if hasattr(xr, "open_datatree"):
        with xr.open_datatree(str(path), engine="h5netcdf") as tree:
            return SavedPosterior({name: node.to_dataset().load() for name, node in tree.children.items()})
    import arviz as az  # older xarray: ArviZ's reader

    idata = az.from_netcdf(str(path))
    return SavedPosterior({name: getattr(idata, name).load() for name in idata.groups()})


class _DaskArrayType:
    """Stands in for xarray's cached record of the ``dask`` duck-array module: its ``type`` is
    ``dask.array.Array`` once ``dask.array`` has been imported (by anyone), and empty before,
    when no dask array can exist. Every other attribute is the real record, built on first use."""

    def __init__(self, pycompat: Any):
        self._pycompat = pycompat

    @property
    def type(self) -> tuple[type, ...]:
        import sys

        array = sys.modules.get("dask.array")
        return (array.Array,) if array is not None and hasattr(array, "Array") else ()

    def __getattr__(self, name: str) -> Any:
        real = self._pycompat.DuckArrayModule("dask")
        self._pycompat._cached_duck_array_modules["dask"] = real
        return getattr(real, name)


def _no_dask_probe(xr: Any) -> None:
    """Keep xarray from importing dask (about 0.4 s) only to learn that the arrays of a model
    file are not dask arrays.

    With dask installed (the many-fit commands need it), xarray imports ``dask.array`` the
    first time it builds a variable, to have its type for an ``isinstance`` check, and
    ``dask`` to ask whether a NumPy array is a dask collection. A model file is read into NumPy
    arrays: the type is looked up lazily (:class:`_DaskArrayType`) and an object without
    ``__dask_graph__`` is answered ``False`` (dask's own answer) without importing dask. Nothing
    changes when ``dask.array`` is already imported, or when this xarray has no such hooks.
    """
    import sys

    if "dask.array" in sys.modules:
        return
    try:
        from xarray.namedarray import pycompat, utils
    except ImportError:  # pragma: no cover - another xarray layout: keep its behaviour
        return
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if isinstance(cache, dict) and "dask" not in cache and hasattr(pycompat, "DuckArrayModule"):
        cache["dask"] = _DaskArrayType(pycompat)
    probe = getattr(utils, "is_dask_collection", None)
    if callable(probe) and not getattr(probe, "_mmm_lazy", False):
        def is_dask_collection(x: object, _probe: Any = probe) -> bool:
            # dask's own answer for an object without ``__dask_graph__`` is False: no need to import it
            return hasattr(x, "__dask_graph__") and _probe(x)

        is_dask_collection._mmm_lazy = True  # type: ignore[attr-defined]
        utils.is_dask_collection = is_dask_collection


def _read_groups_h5(path: Path) -> SavedPosterior:
    """The groups of a model file (flat groups of NetCDF4 variables, as :func:`save_fit` writes)
    read with h5netcdf into memory and CF-decoded (fill values, times, booleans) by xarray."""
    import h5netcdf
    import xarray as xr

    groups = {}
    with h5netcdf.File(str(path), "r") as fh:
        if fh.variables:
            raise ValueError("variables at the root")
        for name, group in fh.groups.items():
            if group.groups:
                raise ValueError("nested groups")
            coords, data = {}, {}
            for var_name, var in group.variables.items():
                item = xr.Variable(var.dimensions, _text(var[...]), dict(var.attrs))
                (coords if var_name in group.dimensions else data)[var_name] = item
            groups[name] = xr.decode_cf(xr.Dataset(data, coords=coords, attrs=dict(group.attrs)))
    return SavedPosterior(groups)


def _text(values: np.ndarray) -> np.ndarray:
    """Variable-length text read as bytes, as text (what xarray's reader gives)."""
    if values.dtype.kind == "O" and values.size and isinstance(values.flat[0], bytes):
        return np.array([v.decode("utf-8") for v in values.ravel()]).reshape(values.shape)
    return values


def _only(idata: Any, prefix: str = "") -> SavedPosterior:
    """The ``posterior`` and ``sample_stats`` groups (of the fit named by ``prefix``)."""
    return SavedPosterior({name[len(prefix):]: getattr(idata, name) for name in idata.groups()
                           if name in (f"{prefix}posterior", f"{prefix}sample_stats")})


def _mediated(idata: Any, record: dict, spec, dataset, scaling, diagnostics,
              train_weeks: int) -> MediatedFit:
    from mmm.design import Scaling
    from mmm.fitted import FittedModel
    from mmm.mediation import MediatedFit, MediationSettings
    from mmm.spec import Prior

    priors = {k: (Prior.parse(k, v) if v is not None else None) for k, v in record["priors"].items()}
    settings = MediationSettings(tuple(record["brand_channels"]), record["paid_brand_search"],
                                 int(record["search_l_max"]), **priors)
    plain = None
    if record.get("plain") and "plain_posterior" in idata.groups():
        p = record["plain"]
        plain = FittedModel(spec=spec, dataset=dataset, scaling=Scaling.from_dict(p["scaling"]),
                            idata=_only(idata, "plain_"), diagnostics=Diagnostics(**p["diagnostics"]),
                            train_weeks=int(p["train_weeks"]))
    return MediatedFit(spec=spec, dataset=dataset, scaling=scaling, search_scale=float(record["search_scale"]),
                       settings=settings, idata=_only(idata), diagnostics=diagnostics, train_weeks=train_weeks,
                       plain=plain, search_r2=record.get("search_r2"))


def _funnel(idata: Any, record: dict, spec, dataset, scaling, diagnostics,
            train_weeks: int) -> FunnelFit:
    from mmm.fitted import FittedModel
    from mmm.funnel import FunnelFit
    from mmm.spec import spec_from_dict

    leads = FittedModel(spec=spec, dataset=dataset, scaling=scaling, idata=_only(idata),
                        diagnostics=diagnostics, train_weeks=train_weeks)
    funnel_spec = spec_from_dict(record["spec"])
    return FunnelFit(spec=funnel_spec, leads=leads, stages=tuple(funnel_spec.funnel),
                     series={k: np.asarray(v, dtype="float64") for k, v in record["series"].items()},
                     idata=_only(idata, "stages_"), diagnostics=Diagnostics(**record["diagnostics"]))


def _geo(idata: Any, record: dict, spec, dataset, scaling, diagnostics, train_weeks: int) -> Any:
    from mmm.geo.fit import GeoFit
    from mmm.geo.inputs import GeoScaling

    if "geo_panel" not in idata:
        raise KeyError("geo_panel")
    return GeoFit(spec=spec, panel=_panel_from_group(idata.geo_panel), scaling=GeoScaling.from_dict(record["scaling"]),
                  idata=_only(idata), diagnostics=diagnostics)


#: ``mmm_kind`` -> (reader, the attribute holding its settings, what they are called in messages)
_READERS = {KIND_FUNNEL: (_funnel, "mmm_funnel", "stages"), KIND_MEDIATED: (_mediated, "mmm_mediation", "settings"),
            KIND_GEO: (_geo, "mmm_geo", "geo panel and scaling")}
