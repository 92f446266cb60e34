"""One fit of a batch (:class:`FitTask`), what it came to (:class:`FitSummary`), and the record
each finished fit leaves in its folder so that a re-run skips it.

A task is identified by the **content hash** of what decides its result: the spec (without the
path of its data file), the data (the file's SHA-256, or a hash of the DataFrame's values), the
fit settings and the scores asked for. A folder whose ``fit_task.json`` carries the same hash,
and whose ``outputs.json`` names the same ``model.nc``, is a finished fit of the same inputs:
``run_fits`` returns its summary without fitting again, which is how an interrupted batch
resumes. Nothing here imports PyMC or Dask.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

#: The per-fit record written beside ``outputs.json``.
TASK_RECORD = "fit_task.json"
TASK_FORMAT = "mmm-fit-task/1"

#: Statuses of a :class:`FitSummary`.
DONE, SKIPPED, FAILED = "done", "skipped", "failed"

#: Scores a worker can compute from the fit it holds in memory (see :mod:`mmm.many.scores`).
SCORES = ("holdout", "loo")


@dataclass(frozen=True)
class FitTask:
    """One fit to run on a worker.

    Attributes
    ----------
    name : str
        The fit's name (a market, a brand, ``fold_3``, ``geometric-hill``); its folder is
        ``out``.
    spec : dict
        The spec as a plain dict (:meth:`mmm.spec.Spec.to_dict`); ``data`` an absolute path
        when the data is a file.
    out : str
        The folder the worker writes the fit's files into (shared storage on a cluster).
    data : DataFrame, optional
        The data, when it is not the spec's ``data:`` file.
    settings : dict
        Fit settings overriding the spec's ``fit:`` section (``draws``, ``tune``, ``chains``,
        ``seed``, ``sampler``, ``holdout_weeks``).
    scores : tuple of str
        Extra numbers the worker computes from the fit: ``holdout`` (forecast scores of the
        held-out weeks and each channel's ROAS) and ``loo`` (PSIS-LOO).
    """

    name: str
    spec: dict
    out: str
    data: pd.DataFrame | None = None
    settings: dict = field(default_factory=dict)
    scores: tuple[str, ...] = ()

    def content_hash(self) -> str:
        """SHA-256 of everything that decides the fit's result (not its name or folder).

        The versions of ``mmm`` and of the libraries that sample (PyMC, PyTensor, numpyro, JAX)
        are part of it: an upgrade refits rather than resuming from a fit the old code made.
        """
        spec = {k: v for k, v in self.spec.items() if k != "data"}
        payload = {"spec": spec, "versions": library_versions(), "data": data_digest(self.data if self.data is not None else self.spec.get("data")),
                   "settings": {k: v for k, v in sorted(self.settings.items()) if v is not None},
                   "scores": sorted(self.scores)}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def library_versions() -> dict[str, str]:
    """Installed versions of ``mmm`` and the libraries that decide a fit's draws."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("mmm", "pymc", "pytensor", "numpyro", "jax"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass(frozen=True)
class FitSummary:
    """What one fit of a batch came to: a row of ``summary.csv``.

    Attributes
    ----------
    name : str
        The fit's name.
    status : str
        ``done`` (fitted now), ``skipped`` (its inputs had not changed since a finished fit in
        its folder) or ``failed`` (see ``error``).
    verdict : str
        The sampler's verdict, or empty for a failed fit.
    health : str
        ``ok``, ``review`` or ``do not use``; empty for a failed fit.
    converged : bool
        The sampler's convergence judgement.
    seconds : float
        Wall time of the fit on its worker (sampling, checks and writing the folder).
    r2 : float
        In-sample R-squared.
    total_media_roas : float
        All paid media's contribution over all media spend (training weeks), posterior mean.
    error : str
        Why the fit failed (empty otherwise).
    folder : str
        The fit's folder.
    content_hash : str
        :meth:`FitTask.content_hash`.
    scores : dict
        The scores asked for (JSON-able; see :mod:`mmm.many.scores`).
    """

    name: str
    status: str
    verdict: str = ""
    health: str = ""
    converged: bool = False
    seconds: float = float("nan")
    r2: float = float("nan")
    total_media_roas: float = float("nan")
    error: str = ""
    folder: str = ""
    content_hash: str = ""
    scores: dict = field(default_factory=dict, repr=False)

    #: The columns of ``summary.csv``, in order.
    COLUMNS = ("name", "status", "verdict", "health", "converged", "seconds", "r2", "total_media_roas", "error",
               "folder")

    @property
    def ok(self) -> bool:
        """True when the fit finished (now or before), whatever its verdict."""
        return self.status in (DONE, SKIPPED)

    def to_record(self) -> dict[str, Any]:
        """The summary as plain JSON-able values."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FitSummary:
        """A summary from :meth:`to_record`'s output (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in record.items() if k in names})


def summary_frame(summaries: list[FitSummary]) -> pd.DataFrame:
    """``summary.csv``'s table: one row per fit, columns :attr:`FitSummary.COLUMNS`."""
    return pd.DataFrame([{c: getattr(s, c) for c in FitSummary.COLUMNS} for s in summaries],
                        columns=list(FitSummary.COLUMNS))


def data_digest(data: pd.DataFrame | str | Path | None) -> str:
    """SHA-256 of a data file's bytes, or of a DataFrame's columns, types and values."""
    if data is None:
        return ""
    if isinstance(data, pd.DataFrame):
        h = hashlib.sha256()
        h.update(json.dumps([str(c) for c in data.columns]).encode())
        h.update(json.dumps([str(t) for t in data.dtypes]).encode())
        h.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        return h.hexdigest()
    path = Path(data)
    if not path.is_file():
        return f"missing:{path}"
    from mmm.outputs import file_digest
    return file_digest(path)


def write_record(folder: str | Path, summary: FitSummary, model_sha256: str) -> Path:
    """Write the fit's :data:`TASK_RECORD` (atomically), after its outputs and manifest."""
    from mmm.atomic import write_text_atomic

    doc = {"format": TASK_FORMAT, "content_hash": summary.content_hash, "model_sha256": model_sha256,
           "summary": summary.to_record()}
    return write_text_atomic(Path(folder) / TASK_RECORD, json.dumps(doc, indent=2, default=_jsonable) + "\n")


def finished_summary(task: FitTask, content_hash: str) -> FitSummary | None:
    """The summary of a finished fit of the same inputs in ``task.out``, or None.

    A fit counts as finished when its record has ``content_hash``, it did not fail, and the
    folder's manifest (``outputs.json``) names the same ``model.nc`` the record was written with.
    """
    from mmm.outputs import read_manifest

    path = Path(task.out) / TASK_RECORD
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != TASK_FORMAT or doc.get("content_hash") != content_hash:
        return None
    manifest = read_manifest(task.out)
    if manifest is None or manifest.get("model_sha256") != doc.get("model_sha256"):
        return None
    summary = FitSummary.from_record(doc.get("summary") or {})
    if summary.status == FAILED:
        return None
    return FitSummary.from_record({**summary.to_record(), "status": SKIPPED, "folder": str(task.out)})


def _jsonable(v: Any) -> Any:
    """NumPy scalars and arrays as plain numbers and lists."""
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)
