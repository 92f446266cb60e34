"""One timed Meridian fit in a fresh process; prints one line ``RESULT {json}``.

Runs with Meridian's own interpreter, never the project's (the two stacks never mix)::

    python3 -m venv /work/meridian-venv
    /work/meridian-venv/bin/pip install google-meridian==2.1.0 pyyaml

    M=/work/meridian-venv/bin/python
    # Meridian's simulated geo data, mapped as in its ROI demo notebook (impressions as media,
    # conversions as KPI, revenue_per_conversion, the two controls); reference sampler settings
    $M benchmarks/meridian_worker.py --preset meridian_demo \
        --csv benchmarks/data/meridian_geo_all_channels.csv --name demo40
    # ... the same data summed over geos (Meridian's national model)
    $M benchmarks/meridian_worker.py --preset meridian_demo \
        --csv benchmarks/data/meridian_geo_all_channels.csv --national --name demo40_national
    # any panel that mmm.simulate.geo writes, read through its mmm spec (spend as media;
    # ``level: national`` channels allocated to geos by population, as mmm.geo.load does; such a
    # channel needs fewer knots than Meridian's geo default of one per week: --knots N or --aks)
    $M benchmarks/meridian_worker.py --spec /tmp/geo10.yaml --truth /tmp/geo10_truth.json --knots 12 \
        --chains 2 --adapt 200 --burnin 200 --keep 500 --name sim10
    # or name the columns by hand
    $M benchmarks/meridian_worker.py --csv data.csv --time week --kpi revenue --kpi-type revenue \
        --spend tv_spend,meta_spend --national-spend tv_spend --controls promo

Stages timed separately (wall clock, seconds): ``import_s`` (JAX + Meridian), ``load_s``
(CSV to Meridian ``InputData``), ``build_s`` (``model.Meridian(...)``), ``prior_s``
(``sample_prior``), ``posterior_s`` (``sample_posterior``: adaptation, burn-in, kept draws,
JIT compilation included), ``diagnostics_s`` (R-hat, bulk ESS with ArviZ), ``roi_s``
(``Analyzer.roi``); ``total_s`` = load + build + prior + posterior + diagnostics + roi, the
time to result. ``peak_rss_mb`` is ``resource.getrusage`` maxrss of this process.

Convergence: ``max_rhat`` and ``min_ess_bulk`` over every element of every variable in the
posterior group (``arviz.rhat`` / ``arviz.ess(method="bulk")``), the variable where each is
reached, and the number of divergent transitions among the kept draws (Meridian's
``sample_stats.diverging``). ROI: ``Analyzer(...).roi()`` (revenue per unit spend when the
data have revenue, as in ``summary_metrics``), mean, median and the 90% interval from the
5% and 95% quantiles over all chains and draws (Meridian's ``get_central_tendency_and_ci``).
With ``--name`` the record is also written to
``benchmarks/results/meridian_<name>_<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

#: Meridian's ROI demo notebook (benchmarks/data/README.md): impressions with their spend.
MERIDIAN_DEMO = {
    "time": "time", "geo": "geo", "population": "population", "kpi": "conversions",
    "kpi_type": "non_revenue", "revenue_per_kpi": "revenue_per_conversion",
    "media": [f"Channel{i}_impression" for i in range(5)],
    "spend": [f"Channel{i}_spend" for i in range(5)],
    "controls": ["competitor_sales_control", "sentiment_score_control"],
}


@dataclass
class ColumnMap:
    """Which CSV column plays which part in Meridian's ``InputData``.

    Attributes
    ----------
    time, geo, population, kpi : str
        Single columns (``geo`` and ``population`` are unused with ``--national``).
    kpi_type : str
        ``revenue`` or ``non_revenue`` (Meridian's names).
    revenue_per_kpi : str or None
        Revenue per KPI unit (``non_revenue`` KPIs); ROI is then in revenue.
    spend : list of str
        One spend column per paid channel.
    media : list of str
        Media units per channel in the order of ``spend``; empty: the spend is the media.
    national_spend : list of str
        Spend columns holding the national figure repeated on every geo's row; each geo gets
        its population share.
    controls : list of str
        Controls (per geo or national), passed to Meridian as controls.
    channel_names : list of str
        Channel names in the order of ``spend``.
    dropped_controls : list of str
        Controls left out of a geo model because they do not vary across geos: Meridian's
        geo model has a time effect per week (``knots = n_times``) and refuses them as
        collinear with it, advising to drop them (what this worker does, and records).
    """

    time: str = "time"
    geo: str = "geo"
    population: str = "population"
    kpi: str = "kpi"
    kpi_type: str = "revenue"
    revenue_per_kpi: str | None = None
    spend: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    national_spend: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    channel_names: list[str] = field(default_factory=list)
    dropped_controls: list[str] = field(default_factory=list)


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def columns_from_spec(path: Path) -> tuple[Path, ColumnMap]:
    """Read an ``mmm`` geo spec (YAML) into a column map; returns the data path and the map.

    Spend columns are the channels' ``spend``; ``level: national`` channels are allocated by
    population; controls and events are Meridian controls.
    """
    import yaml

    spec = yaml.safe_load(path.read_text())
    if not isinstance(spec, dict) or "channels" not in spec or "kpi" not in spec:
        raise SystemExit(f"{path}: not an mmm spec (needs 'channels' and 'kpi').")
    kpi = spec["kpi"] if isinstance(spec["kpi"], dict) else {"column": spec["kpi"]}
    channels = spec["channels"]
    cmap = ColumnMap(
        time=spec.get("date_column", "date"), geo=spec.get("geo_column", "geo"),
        population=spec.get("population_column", "population"), kpi=kpi["column"],
        kpi_type="revenue" if kpi.get("type", "revenue") == "revenue" else "non_revenue",
        spend=[c["spend"] for c in channels.values()], channel_names=list(channels),
        national_spend=[c["spend"] for c in channels.values() if c.get("level") == "national"],
        controls=[*spec.get("controls", []), *spec.get("events", [])],
    )
    data = Path(spec.get("data", ""))
    return (data if data.is_absolute() else path.parent / data), cmap


def read_frame(csv: Path, cmap: ColumnMap, national: bool, knot_per_week: bool = True) -> tuple[Any, ColumnMap]:
    """The CSV as the data frame Meridian's ``DataFrameDataLoader`` reads.

    National spend columns are split over geos by population; when the spend is the media,
    it is copied to ``<spend>__media`` columns. With ``national`` the geos are summed (KPI,
    media, spend), revenue per KPI is the KPI-weighted mean and controls the
    population-weighted mean, per week. With ``knot_per_week`` (Meridian's geo default) controls
    that are the same in every geo are dropped (see :class:`ColumnMap`).
    """
    import numpy as np
    import pandas as pd

    df = pd.read_csv(csv)
    needed = [cmap.time, cmap.kpi, *cmap.spend, *cmap.media, *cmap.controls]
    if not national or cmap.national_spend:
        needed += [cmap.geo, cmap.population]
    if cmap.revenue_per_kpi:
        needed.append(cmap.revenue_per_kpi)
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        raise SystemExit(f"{csv}: column(s) {missing} not found; columns are {list(df.columns)}.")
    if cmap.media and len(cmap.media) != len(cmap.spend):
        raise SystemExit(f"--media names {len(cmap.media)} columns but --spend {len(cmap.spend)}.")
    df[cmap.time] = pd.to_datetime(df[cmap.time]).dt.strftime("%Y-%m-%d")
    if cmap.geo in df.columns:
        df[cmap.geo] = df[cmap.geo].astype(str)
    if cmap.national_spend:  # each geo's population share of the national figure
        share = df[cmap.population] / df.groupby(cmap.time)[cmap.population].transform("sum")
        for col in cmap.national_spend:
            df[col] = df[col] * share
    if not cmap.media:
        for col in cmap.spend:
            df[f"{col}__media"] = df[col]
        cmap = replace(cmap, media=[f"{c}__media" for c in cmap.spend])
    if not national and knot_per_week:  # Meridian refuses controls that are the same in every geo (see ColumnMap)
        same = [c for c in cmap.controls if df.groupby(cmap.time)[c].nunique().max() <= 1]
        cmap = replace(cmap, controls=[c for c in cmap.controls if c not in same], dropped_controls=same)
    if national:
        weight = df[cmap.population] if cmap.population in df.columns else pd.Series(1.0, index=df.index)
        agg = df.groupby(cmap.time, sort=True)
        out = agg[[cmap.kpi, *cmap.media, *cmap.spend]].sum()
        if cmap.revenue_per_kpi:
            rev = (df[cmap.kpi] * df[cmap.revenue_per_kpi]).groupby(df[cmap.time]).sum()
            out[cmap.revenue_per_kpi] = rev / out[cmap.kpi]
        for col in cmap.controls:
            out[col] = (df[col] * weight).groupby(df[cmap.time]).sum() / weight.groupby(df[cmap.time]).sum()
        df = out.reset_index()
    df = df.replace([np.inf, -np.inf], np.nan)
    return df, cmap


def load_input_data(df: Any, cmap: ColumnMap, national: bool) -> Any:
    """Meridian ``InputData`` via ``load.DataFrameDataLoader`` and ``load.CoordToColumns``."""
    from meridian.data import load

    names = cmap.channel_names or [c.removesuffix("_spend") for c in cmap.spend]
    coords = dict(time=cmap.time, kpi=cmap.kpi, media=list(cmap.media), media_spend=list(cmap.spend),
                  controls=list(cmap.controls) or None, revenue_per_kpi=cmap.revenue_per_kpi)
    if not national:
        coords.update(geo=cmap.geo, population=cmap.population)
    loader = load.DataFrameDataLoader(
        df=df, coord_to_columns=load.CoordToColumns(**coords), kpi_type=cmap.kpi_type,
        media_to_channel=dict(zip(cmap.media, names, strict=True)),
        media_spend_to_channel=dict(zip(cmap.spend, names, strict=True)),
    )
    return loader.load()


def convergence(idata: Any) -> dict[str, Any]:
    """Max R-hat, min bulk ESS (with the variables where reached) and divergences."""
    import arviz as az
    import numpy as np

    post = idata.posterior
    rhat, ess = az.rhat(post), az.ess(post, method="bulk")
    worst_r = max(((float(np.nanmax(rhat[v].values)), v) for v in rhat.data_vars if rhat[v].size), default=(np.nan, ""))
    worst_e = min(((float(np.nanmin(ess[v].values)), v) for v in ess.data_vars if ess[v].size), default=(np.nan, ""))
    div = int(idata.sample_stats["diverging"].values.sum()) if "diverging" in idata.sample_stats else None
    # the quantity a comparison is about: each channel's ROI (Meridian samples it as ``roi_m``)
    roi_ess = float(np.nanmin(ess["roi_m"].values)) if "roi_m" in ess.data_vars else float("nan")
    return {"max_rhat": worst_r[0], "max_rhat_var": worst_r[1], "min_ess_bulk": worst_e[0],
            "min_ess_var": worst_e[1], "min_ess_bulk_roi": roi_ess, "divergences": div,
            "n_draws_total": int(post.sizes["chain"] * post.sizes["draw"])}


def roi_table(mmm: Any, channels: list[str]) -> dict[str, dict[str, float]]:
    """Posterior ROI per channel: mean, median, 90% interval (5% and 95% quantiles)."""
    import numpy as np
    from meridian.analysis import analyzer

    draws = np.asarray(analyzer.Analyzer(model_context=mmm.model_context, inference_data=mmm.inference_data).roi(
        use_posterior=True))  # (chain, draw, channel)
    draws = draws.reshape(-1, draws.shape[-1])
    return {c: {"mean": float(draws[:, i].mean()), "median": float(np.median(draws[:, i])),
                "ci90_lo": float(np.quantile(draws[:, i], 0.05)),
                "ci90_hi": float(np.quantile(draws[:, i], 0.95)),
                "sd": float(draws[:, i].std())}
            for i, c in enumerate(channels)}


def coverage(roi: dict[str, dict[str, float]], truth_path: Path) -> dict[str, Any]:
    """Whether each channel's true national ROAS (an ``mmm`` ``*_truth.json``) lies in the 90% interval."""
    truth = json.loads(truth_path.read_text())["channels"]
    rows = {c: {"true": float(truth[c]["national_roas"]),
                "inside_90": bool(roi[c]["ci90_lo"] <= truth[c]["national_roas"] <= roi[c]["ci90_hi"])}
            for c in roi if c in truth}
    return {"channels": rows, "share_inside_90": sum(r["inside_90"] for r in rows.values()) / max(len(rows), 1)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_argument_group("data")
    src.add_argument("--csv", type=Path, help="long geo CSV (one row per geo and week)")
    src.add_argument("--spec", type=Path, help="an mmm geo spec (YAML); gives the CSV and the columns")
    src.add_argument("--preset", choices=["meridian_demo"], help="column map of Meridian's ROI demo")
    src.add_argument("--time"), src.add_argument("--geo"), src.add_argument("--population")
    src.add_argument("--kpi"), src.add_argument("--kpi-type", choices=["revenue", "non_revenue"])
    src.add_argument("--revenue-per-kpi")
    src.add_argument("--spend", help="comma-separated spend columns, one per channel")
    src.add_argument("--media", help="comma-separated media columns in the order of --spend (default: spend)")
    src.add_argument("--national-spend", help="spend columns repeated nationally on each geo row")
    src.add_argument("--controls", help="comma-separated control columns")
    src.add_argument("--national", action="store_true", help="sum the geos: Meridian's national model")
    mdl = p.add_argument_group("model (default: Meridian's defaults, spec.ModelSpec())")
    mdl.add_argument("--knots", type=int, help="number of baseline knots (geo default: one per week)")
    mdl.add_argument("--aks", action="store_true", help="Meridian's automatic knot selection (enable_aks)")
    smp = p.add_argument_group("sampler (default: the issue's reference, 4 x 500 + 500 + 1000)")
    smp.add_argument("--chains", type=int, default=4)
    smp.add_argument("--adapt", type=int, default=500)
    smp.add_argument("--burnin", type=int, default=500)
    smp.add_argument("--keep", type=int, default=1000)
    smp.add_argument("--prior-draws", type=int, default=500, help="sample_prior draws (0: skip)")
    smp.add_argument("--seed", type=int, default=0)
    out = p.add_argument_group("output")
    out.add_argument("--truth", type=Path, help="an mmm *_truth.json: report coverage of the true ROAS")
    out.add_argument("--name", help="write benchmarks/results/meridian_<name>_<timestamp>.json")
    return p.parse_args(argv)


def column_map(args: argparse.Namespace) -> tuple[Path, ColumnMap]:
    """The CSV path and column map from ``--spec`` / ``--preset`` and explicit column options."""
    csv, cmap = (columns_from_spec(args.spec) if args.spec else (args.csv, ColumnMap()))
    if args.preset == "meridian_demo":
        cmap = ColumnMap(**MERIDIAN_DEMO)
    if args.csv:
        csv = args.csv
    if csv is None:
        raise SystemExit("give --csv or --spec.")
    for name in ("time", "geo", "population", "kpi", "kpi_type", "revenue_per_kpi"):
        if getattr(args, name) is not None:
            cmap = replace(cmap, **{name: getattr(args, name)})
    for name in ("spend", "media", "national_spend", "controls"):
        if getattr(args, name) is not None:
            cmap = replace(cmap, **{name: _split(getattr(args, name))})
    if not cmap.spend:
        raise SystemExit("no spend columns: give --spend, --spec or --preset.")
    return csv, cmap


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    csv, cmap = column_map(args)
    t0 = time.perf_counter()
    import numpy as np
    from meridian import version as mversion
    from meridian.model import model, spec
    t_import = time.perf_counter() - t0

    clock: dict[str, float] = {"import_s": t_import}
    t = time.perf_counter()
    df, cmap = read_frame(csv, cmap, args.national, knot_per_week=args.knots is None and not args.aks)
    data = load_input_data(df, cmap, args.national)
    clock["load_s"] = time.perf_counter() - t

    t = time.perf_counter()
    mmm = model.Meridian(input_data=data, model_spec=spec.ModelSpec(knots=args.knots, enable_aks=args.aks))
    clock["build_s"] = time.perf_counter() - t

    t = time.perf_counter()
    if args.prior_draws > 0:
        mmm.sample_prior(args.prior_draws, seed=args.seed)
    clock["prior_s"] = time.perf_counter() - t

    t = time.perf_counter()
    mmm.sample_posterior(n_chains=args.chains, n_adapt=args.adapt, n_burnin=args.burnin,
                         n_keep=args.keep, seed=args.seed)
    clock["posterior_s"] = time.perf_counter() - t

    t = time.perf_counter()
    conv = convergence(mmm.inference_data)
    clock["diagnostics_s"] = time.perf_counter() - t

    t = time.perf_counter()
    channels = [str(c) for c in data.media_channel.values]
    try:  # a failure here must not lose the sampling figures
        roi, roi_error = roi_table(mmm, channels), None
    except Exception as exc:  # noqa: BLE001 - recorded in the result
        roi, roi_error = {}, f"{type(exc).__name__}: {exc}"
    clock["roi_s"] = time.perf_counter() - t
    clock["total_s"] = sum(v for k, v in clock.items() if k != "import_s")

    ess = conv["min_ess_bulk"]
    record: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "tool": f"google-meridian {mversion.__version__}",
        "backend": os.environ.get("MERIDIAN_BACKEND", "jax (default)"),
        "data": {"csv": str(csv), "sha256": hashlib.sha256(Path(csv).read_bytes()).hexdigest(),
                 "national": args.national, "n_geos": int(mmm.n_geos), "n_times": int(mmm.n_times),
                 "channels": channels, "columns": asdict(cmap)},
        "model": {"knots": args.knots, "enable_aks": args.aks, "n_knots": int(mmm.knot_info.n_knots)},
        "sampler": {"chains": args.chains, "adapt": args.adapt, "burnin": args.burnin,
                    "keep": args.keep, "prior_draws": args.prior_draws, "seed": args.seed},
        "seconds": {k: round(v, 2) for k, v in clock.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **conv,
        "ess_per_s_posterior": round(ess / clock["posterior_s"], 3) if np.isfinite(ess) else None,
        "ess_per_s_total": round(ess / clock["total_s"], 3) if np.isfinite(ess) else None,
        "roi": roi,
        "roi_error": roi_error,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_at_start": None, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
    }
    if args.truth and roi:
        record["truth"] = coverage(roi, args.truth)
    return record


def _finite(value: Any) -> Any:
    """NaN and infinities as ``None`` (strict JSON; R-hat is NaN with one chain)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


if __name__ == "__main__":
    load_start = [round(x, 2) for x in os.getloadavg()]
    rec = _finite(main())
    rec["machine"]["loadavg_at_start"] = load_start
    rec["command"] = " ".join(["meridian_worker.py", *sys.argv[1:]])
    if "--name" in sys.argv:
        name = sys.argv[sys.argv.index("--name") + 1]
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"meridian_{name}_{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
        path.write_text(json.dumps(rec, indent=1) + "\n")
        rec["saved"] = str(path)
    print("RESULT " + json.dumps(rec), flush=True)

