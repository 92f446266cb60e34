"""An output folder and what is in it: the fit's files, and the plan and report made from them.

``mmm fit`` writes ``model.nc`` and its tables, then a manifest, ``outputs.json``, naming the
model by its SHA-256 together with the spec and data files it came from. ``mmm plan`` and
``mmm report`` add the files they write to it. That gives two guarantees:

* **A refit never leaves the previous model's plan, charts or deck behind.** Once the new model
  is safely in place, every file that ``plan`` or ``report`` wrote from the old one is removed
  (and the console says so), so nothing in the folder contradicts the model next to it.
* **``plan`` and ``report`` refuse a ``model.nc`` that is not the one the folder's outputs were
  written from** (copied in from another folder, or left by a fit interrupted between the model
  and its tables), with exit code 2 and what to do. When the spec or data file has changed since
  the fit, they say so: the numbers are the fitted model's, not the edited spec's.

A folder written before the manifest existed has none; it is used as it is, with a note.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mmm.atomic import atomic_path, write_text_atomic
from mmm.errors import MMMError

if TYPE_CHECKING:  # pragma: no cover
    from mmm.fitted import FittedModel
    from mmm.mediation import MediatedFit

MANIFEST_NAME = "outputs.json"
MANIFEST_FORMAT = "mmm-outputs/1"

#: Files ``mmm fit`` writes (``model.nc`` first).
FIT_FILES = ("model.nc", "channels.csv", "contributions.csv", "diagnostics.json")
#: A mediation fit also writes each channel's direct, indirect (via branded search) and total effect.
EFFECTS_FILE = "effects.csv"
#: A funnel fit also writes each stage's conversion rate and each channel's leads, opportunities,
#: pipeline and revenue with their costs.
FUNNEL_FILES = ("funnel_stages.csv", "funnel_channels.csv")
#: A geo fit also writes each geo's channel table and its weekly decomposition.
GEO_FILES = ("channels_by_geo.csv", "contributions_by_geo.csv")
#: What ``mmm plan`` and ``mmm report`` write, used to clean a folder that has no manifest yet.
DERIVED_FILES = ("plan.csv", "split.csv", "plan.json", "plan_by_geo.csv", "report.pptx", "report.html", "onepager.png",
                 "onepager.svg")
CHARTS_FOLDER = "charts"

CHANNEL_COLUMNS = ["channel", "role", "spend", "contribution_mean", "contribution_hdi_low",
                   "contribution_hdi_high", "roas_mean", "roas_hdi_low", "roas_hdi_high", "share_of_kpi",
                   "prior_contraction", "data_informed"]
VALUE_COLUMNS = ["value_mean", "value_hdi_low", "value_hdi_high", "value_roas_mean", "value_roas_hdi_low",
                 "value_roas_hdi_high"]


class StaleModelError(MMMError, ValueError):
    """``model.nc`` is not the model the folder's other outputs were written from."""


@dataclass(frozen=True)
class FitOutputs:
    """What ``write_fit_outputs`` wrote and what it removed.

    Attributes
    ----------
    paths : dict of str to Path
        ``model``, ``channels``, ``contributions``, ``diagnostics`` and ``manifest``.
    removed : tuple of Path
        Plan and report files of the previous model in this folder, removed because they no
        longer match the new model.
    """

    paths: dict[str, Path]
    removed: tuple[Path, ...]


@dataclass(frozen=True)
class FolderCheck:
    """The result of :func:`check_folder`.

    Attributes
    ----------
    model_sha256 : str
        SHA-256 of the folder's ``model.nc``.
    notes : tuple of str
        Plain-language notes for the user: an older folder without a manifest, or a spec or data
        file edited since the fit.
    """

    model_sha256: str
    notes: tuple[str, ...] = ()


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source(path: Path | None) -> dict | None:
    if path is None or not Path(path).is_file():
        return None
    path = Path(path).resolve()
    return {"path": str(path), "sha256": file_digest(path)}


def read_manifest(out: str | Path) -> dict | None:
    """The folder's manifest, or None when there is none (or it cannot be read)."""
    path = Path(out) / MANIFEST_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == MANIFEST_FORMAT else None


def _write_manifest(out: Path, doc: dict) -> Path:
    return write_text_atomic(out / MANIFEST_NAME, json.dumps(doc, indent=2) + "\n")


def _derived(out: Path, manifest: dict | None) -> list[Path]:
    """Files in ``out`` made from the folder's model by ``plan`` or ``report``."""
    names: set[str] = set(DERIVED_FILES)
    for command in ("plan", "report"):
        names.update((manifest or {}).get("files", {}).get(command, []))
    found = [out / n for n in sorted(names) if (out / n).is_file()]
    charts = out / CHARTS_FOLDER
    if charts.is_dir():
        found += sorted(p for p in charts.iterdir() if p.is_file() and p.suffix.lower() in (".png", ".svg"))
    return found


def write_fit_outputs(fitted: FittedModel | MediatedFit, out: str | Path, *, spec_file: str | Path | None = None,
                      data_file: str | Path | None = None) -> FitOutputs:
    """Write ``model.nc``, ``channels.csv``, ``contributions.csv`` and ``diagnostics.json``, each atomically,
    then remove the previous model's plan and report and write the manifest.

    Parameters
    ----------
    fitted : FittedModel
        The fit to save.
    out : str or Path
        The output folder (created if needed).
    spec_file, data_file : str or Path, optional
        The spec and data files the fit came from, recorded by SHA-256 so that ``plan`` and
        ``report`` can say when they were edited after the fit. ``data_file`` defaults to the
        spec's ``data:``.

    Returns
    -------
    FitOutputs
        The paths written and the stale files removed.

    Notes
    -----
    The order keeps every state of the folder honest: the previous model and its outputs stay
    untouched until the new ``model.nc`` is renamed into place; the manifest is written last, so
    a fit interrupted in between leaves a ``model.nc`` that ``plan`` and ``report`` refuse (its
    digest is not the manifest's) rather than one they silently pair with the old tables.
    """
    from mmm.fitting import is_funnel, is_geo, is_mediated, total_view
    from mmm.persist import save_fit

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out)
    paths = {"model": out / "model.nc", "channels": out / "channels.csv",
             "contributions": out / "contributions.csv", "diagnostics": out / "diagnostics.json"}
    mediated = fitted if is_mediated(fitted) else None
    funnel = fitted if is_funnel(fitted) else None
    geo = fitted if is_geo(fitted) else None
    saved = fitted
    fitted = total_view(fitted)  # a mediation fit reports total effects
    table = fitted.channel_summary()  # before saving: a plain (or funnel) fit's model.nc keeps it for the report
    save_fit(saved, paths["model"])
    cols = CHANNEL_COLUMNS + [c for c in VALUE_COLUMNS if c in table.columns]
    with atomic_path(paths["channels"]) as tmp:
        table[cols].to_csv(tmp, index=False)
    contrib = fitted.contributions()
    contrib["date"] = contrib["date"].dt.strftime("%Y-%m-%d")
    with atomic_path(paths["contributions"]) as tmp:
        contrib.to_csv(tmp, index=False)
    record = diagnostics_record(fitted)
    if funnel is not None:
        d = funnel.diagnostics
        record["funnel_stages"] = {"verdict": d.verdict, "converged": d.converged, "max_rhat": d.max_rhat,
                                   "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences}
    write_text_atomic(paths["diagnostics"], json.dumps(record, indent=2, default=float))
    files = list(FIT_FILES)
    if mediated:
        paths["effects"] = out / EFFECTS_FILE
        with atomic_path(paths["effects"]) as tmp:
            mediated.effects().to_csv(tmp, index=False)
        files.append(EFFECTS_FILE)
    if funnel is not None:
        for key, name, table in (("funnel_stages", FUNNEL_FILES[0], funnel.conversion_table()),
                                 ("funnel_channels", FUNNEL_FILES[1], funnel.channel_funnel())):
            paths[key] = out / name
            with atomic_path(paths[key]) as tmp:
                table.to_csv(tmp, index=False)
            files.append(name)
    if geo is not None:
        for key, name, table in (("channels_by_geo", GEO_FILES[0], geo.channels_by_geo()),
                                 ("contributions_by_geo", GEO_FILES[1], geo.contributions_by_geo())):
            paths[key] = out / name
            if "date" in table:
                table["date"] = table["date"].dt.strftime("%Y-%m-%d")
            with atomic_path(paths[key]) as tmp:
                table.to_csv(tmp, index=False)
            files.append(name)
    for name in (EFFECTS_FILE, *FUNNEL_FILES, *GEO_FILES):  # another kind of fit's, from before: not this model's
        if name not in files and (out / name).is_file():
            (out / name).unlink()
    removed = []
    for path in _derived(out, previous):
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    if data_file is None and getattr(fitted.spec, "data", None):
        data_file = Path(fitted.spec.data)
    doc = {"format": MANIFEST_FORMAT, "model_sha256": file_digest(paths["model"]),
           "fitted_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "spec_file": _source(Path(spec_file) if spec_file else None),
           "data_file": _source(Path(data_file) if data_file else None),
           "files": {"fit": files}}
    paths["manifest"] = _write_manifest(out, doc)
    return FitOutputs(paths=paths, removed=tuple(removed))


def diagnostics_record(fitted: FittedModel) -> dict:
    """The fields of ``diagnostics.json`` (stable names scripts read)."""
    d = fitted.diagnostics
    return {"sampler": d.sampler, "draws": d.draws, "chains": d.chains, "seconds": d.seconds,
            "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences,
            "verdict": d.verdict, "r2": d.r2, "mape": d.mape,
            "converged": d.converged, "approximate": d.approximate, "tune": d.tune,
            "min_ess_tail": d.min_ess_tail, "coverage_90": d.coverage_90, "holdout": d.holdout,
            "build_seconds": d.build_seconds, "fast": d.fast, "health": d.health, "checks": d.checks}


def check_folder(out: str | Path) -> FolderCheck:
    """Check that ``out/model.nc`` is the model the folder's outputs were written from.

    Parameters
    ----------
    out : str or Path
        A folder written by ``mmm fit`` (or a path to its ``model.nc``).

    Returns
    -------
    FolderCheck
        The model's digest and notes to show the user.

    Raises
    ------
    StaleModelError
        When the folder's manifest names a different model: ``model.nc`` was replaced after the
        fit, or the fit stopped between writing the model and its tables.
    """
    out = Path(out)
    folder = out.parent if out.is_file() else out
    model = out if out.is_file() else out / "model.nc"
    digest = file_digest(model)
    manifest = read_manifest(folder)
    if manifest is None:
        return FolderCheck(digest, (f"{folder} has no {MANIFEST_NAME} (written by an older version of mmm): "
                                    "the folder's files cannot be checked against model.nc.",))
    if manifest.get("model_sha256") != digest:
        raise StaleModelError(
            f"{model} is not the model that {folder}'s other outputs (channels.csv, diagnostics.json, "
            f"{MANIFEST_NAME}) were written from: it was replaced or copied in after `mmm fit`, or a fit "
            f"stopped while writing. Refit into this folder (`mmm fit SPEC --out {folder}`), or run the "
            "command on the folder the model came from.")
    notes = []
    for key, what in (("spec_file", "spec"), ("data_file", "data")):
        source = manifest.get(key) or {}
        path = Path(source["path"]) if source.get("path") else None
        if path is not None and path.is_file() and file_digest(path) != source.get("sha256"):
            notes.append(f"The {what} file {path} changed after this model was fitted "
                         f"({manifest.get('fitted_at', 'unknown time')}); these numbers are the fitted "
                         f"model's. Refit (`mmm fit`) to use the changes.")
    return FolderCheck(digest, tuple(notes))


def record_outputs(out: str | Path, command: str, paths: Iterable[str | Path]) -> None:
    """Add the files a command wrote to the folder's manifest (no-op when it has none).

    Parameters
    ----------
    out : str or Path
        The output folder.
    command : {"plan", "report"}
        The command that wrote them.
    paths : iterable of str or Path
        Files inside ``out`` (others are ignored).
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        return
    names = set(manifest.setdefault("files", {}).get(command, []))
    for p in paths:
        p = Path(p)
        try:
            names.add(str(p.resolve().relative_to(out.resolve())))
        except ValueError:
            continue
    manifest["files"][command] = sorted(names)
    _write_manifest(out, manifest)
