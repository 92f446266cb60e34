"""``mmm fit-many MANIFEST``: fit a portfolio of specs (one per market, brand or variant) into
one folder each, with ``summary.csv`` and a portfolio chart.

The manifest is YAML::

    defaults:                    # optional, laid under every fit
      spec: base.yaml            # a spec file each fit starts from
      fit: {draws: 500, chains: 2}
    fits:
      - {name: us, data: us.csv}
      - {name: uk, data: uk.csv, model: {adstock: delayed}}
      - {name: de, spec: de.yaml}

or CSV, one row per fit: ``name``, ``spec`` (the spec file; empty: the ``--spec`` default),
``data``, and any dotted spec key as a column (``model.adstock``, ``fit.draws``, ``kpi.column``);
an empty cell keeps the spec's own value, so the spec file holds the shared defaults.
Relative paths resolve against the manifest's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mmm.errors import SpecError
from mmm.many.specs import check_name, deep_merge, parse_value, set_dotted, spec_dict, task_spec
from mmm.many.tasks import FitSummary, FitTask, summary_frame

SUMMARY_FILE = "summary.csv"
PORTFOLIO_CHART = "portfolio.png"


@dataclass(frozen=True)
class ManifestEntry:
    """One fit of a manifest: its name and its spec as a plain dict (validated)."""

    name: str
    spec: dict


@dataclass(frozen=True)
class PortfolioResult:
    """What ``fit_many`` did.

    Attributes
    ----------
    summaries : list of FitSummary
        One per fit, in manifest order.
    table : DataFrame
        ``summary.csv``'s rows.
    paths : dict of str to Path
        ``summary`` and ``chart``.
    """

    summaries: list[FitSummary]
    table: pd.DataFrame
    paths: dict[str, Path]


def read_manifest(path: str | Path, default_spec: str | Path | None = None) -> list[ManifestEntry]:
    """Read a YAML or CSV manifest into validated entries (a :class:`SpecError` names the fit and key)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"Manifest '{path}' does not exist. Give a YAML (fits: [...]) or CSV (name, spec, data) file.")
    base = path.parent
    if path.suffix.lower() in (".csv", ".tsv"):
        rows, defaults = _csv_rows(path), {}
    elif path.suffix.lower() in (".yaml", ".yml"):
        rows, defaults = _yaml_rows(path)
    else:
        raise SpecError(f"Manifest '{path}' must be .yaml/.yml or .csv.")
    if default_spec is not None:
        defaults.setdefault("spec", str(default_spec))
    entries = []
    for i, row in enumerate(rows):
        where = f"{path.name}, fit {i + 1}"
        row = deep_merge(defaults, row)
        name = check_name(row.pop("name", None), where)
        where = f"{path.name}, fit '{name}'"
        spec_file = row.pop("spec", None)
        if spec_file is None:
            if "channels" not in row:
                raise SpecError(f"{where}: give a spec file (spec: FILE) or the spec's keys (channels, kpi, ...).")
            raw: dict[str, Any] = {}
        else:
            spec_path = Path(str(spec_file))
            spec_path = spec_path if spec_path.is_absolute() else base / spec_path
            try:
                raw = spec_dict(spec_path)
            except SpecError as exc:
                raise SpecError(f"{where}: {exc}") from None
        if row.get("data") is not None:
            data = Path(str(row["data"]))
            row["data"] = str((data if data.is_absolute() else base / data).resolve())
        entries.append(ManifestEntry(name, task_spec(deep_merge(raw, row), where)))
    names = [e.name for e in entries]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SpecError(f"{path.name}: fit names must be unique; {', '.join(dup)} appear more than once.")
    if not entries:
        raise SpecError(f"{path.name} lists no fits.")
    return entries


def _yaml_rows(path: Path) -> tuple[list[dict], dict]:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(f"'{path}' is not valid UTF-8 YAML: {str(exc)[:200]}") from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("fits"), list):
        raise SpecError(f"'{path}' must have a 'fits:' list (and optionally 'defaults:'), e.g. "
                        "fits: [{name: us, spec: us.yaml}].")
    unknown = sorted(set(doc) - {"fits", "defaults"})
    if unknown:
        raise SpecError(f"'{path}': unknown top-level key(s) {', '.join(unknown)}; only 'defaults' and 'fits'.")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise SpecError(f"'{path}': 'defaults' must be a mapping of spec keys.")
    rows = []
    for i, row in enumerate(doc["fits"]):
        if not isinstance(row, Mapping):
            raise SpecError(f"'{path}', fit {i + 1}: each fit must be a mapping with at least 'name'.")
        rows.append(dict(row))
    return rows, dict(defaults)


def _csv_rows(path: Path) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python")
    if "name" not in frame.columns:
        raise SpecError(f"'{path}' needs a 'name' column (and 'spec', 'data' or dotted spec keys such as "
                        "model.adstock); it has " + ", ".join(frame.columns[:10]) + ".")
    rows = []
    for _, rec in frame.iterrows():
        row: dict[str, Any] = {}
        for col, cell in rec.items():
            cell = cell.strip()
            if not cell:
                continue  # empty: the spec's own value (shared default)
            if col in ("name", "spec", "data"):
                row[col] = cell
            else:
                row = set_dotted(row, str(col), parse_value(cell))
        rows.append(row)
    return rows


def fit_many(manifest: str | Path | list[ManifestEntry], out: str | Path, *, scheduler: Any = None,
             workers: int | None = None, progress: bool = True, default_spec: str | Path | None = None,
             **settings: Any) -> PortfolioResult:
    """Fit every entry of ``manifest`` into ``out/<name>/``; write ``out/summary.csv`` and
    ``out/portfolio.png``.

    Parameters
    ----------
    manifest : path or list of ManifestEntry
        A YAML or CSV manifest (see the module docs), or entries already read.
    out : path
        The batch folder.
    scheduler, workers, progress
        As :func:`mmm.many.runner.run_fits`.
    default_spec : path, optional
        The spec file of entries that name none.
    **settings
        Fit settings for every fit (``draws``, ``tune``, ``chains``, ``seed``, ``sampler``),
        over each spec's ``fit:``.

    Returns
    -------
    PortfolioResult
    """
    from mmm.many.runner import run_fits

    entries = manifest if isinstance(manifest, list) else read_manifest(manifest, default_spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [FitTask(e.name, e.spec, str(out / e.name), settings=dict(settings)) for e in entries]
    summaries = run_fits(tasks, scheduler=scheduler, workers=workers, progress=progress)
    return write_portfolio(summaries, out, entries[0].spec)


def write_portfolio(summaries: list[FitSummary], out: Path, spec: dict) -> PortfolioResult:
    """Write ``summary.csv`` and the portfolio chart."""
    from mmm.atomic import atomic_path
    from mmm.kpi import kpi_kind
    from mmm.many.charts import plot_portfolio, save_chart

    table = summary_frame(summaries)
    paths = {"summary": out / SUMMARY_FILE}
    with atomic_path(paths["summary"]) as tmp:
        table.to_csv(tmp, index=False)
    fig = plot_portfolio(table, kpi_kind(spec["kpi"]["type"]).return_name)
    paths["chart"] = save_chart(fig, out / PORTFOLIO_CHART)[0]
    return PortfolioResult(summaries, table, paths)
