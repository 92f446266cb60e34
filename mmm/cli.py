"""The ``mmm`` command line: init, validate, fit, plan, report, demo.

Exit codes scripts can rely on:

* 0 — done (and, for ``fit``, the model converged);
* 1 — unexpected internal error (please report it);
* 2 — bad input: missing file, bad YAML, unknown key, a data problem, infeasible plan;
* 3 — ``fit`` finished and wrote its outputs, but the model did not converge (do not
  trust the numbers; the message says what to try).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mmm.errors import MMMError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bayesian media mix modeling: fit, plan budgets, export deck-ready charts.")
console = Console(stderr=True)
out_console = Console()

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_NOT_CONVERGED = 0, 1, 2, 3


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]Error:[/bold red] {exc}")
    raise typer.Exit(EXIT_INPUT)


def _fail_os(exc: OSError, what: str = "writing the outputs") -> None:
    """Exit 2 with a one-line message for an OS error (disk full, permissions), never a traceback."""
    from mmm.atomic import os_error_message

    console.print(f"[bold red]Error:[/bold red] {escape(os_error_message(exc, what))}")
    raise typer.Exit(EXIT_INPUT)


def _quiet_warnings() -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*BLAS.*")


def _short(x: float) -> str:
    """``15.0k``, ``1.2M``, ``950``; below 1 in significant figures (``0.42``): never a non-zero 0."""
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:,.1f}{suf}"
    if 0 < abs(x) < 1:
        from mmm.kpi import compact
        return compact(x)
    return f"{x:,.0f}"


def _spend(x: float) -> str:
    """A spend in full (``12,345``); below 1 in significant figures (``0.42``), never 0 when it is not."""
    return _short(x) if 0 < abs(x) < 1 else f"{x:,.0f}"


def _amount(kind, x: float, currency: str, unit: bool = True) -> str:
    """A KPI amount on the console: ``22.1k USD`` (money; the bare number with ``unit=False``) or
    ``448 leads`` (a count, never followed by a currency)."""
    if kind.is_money:
        return f"{_short(x)} {currency}" if unit else _short(x)
    return kind.amount(x, currency, unit)


def _ratio(v: float) -> str:
    """A return ratio for the fit table: two decimals below 10 (``1.40``), one below 1,000 (``28.2``)."""
    return f"{v:.2f}" if abs(v) < 10 else (f"{v:.1f}" if abs(v) < 1000 else _short(v))


def _channel_table(df, fitted) -> Table:
    from mmm.kpi import kpi_kind

    kind, cur = kpi_kind(fitted.spec), fitted.spec.currency
    scale = f" (per 1,000 {cur} spent)" if kind.per_1k else ""
    table = Table(title=f"{kind.return_name} by channel{scale}, 90% HDI; spend in {cur}", show_edge=False)
    for col in ("channel", "role", "spend", kind.word, kind.return_name, "share", "data"):
        table.add_column(col, justify="left" if col in ("channel", "role") else "right", no_wrap=True)
    for r in df.sort_values("roas_mean", ascending=False).itertuples():
        informed = getattr(r, "data_informed", True)
        source = f"{max(getattr(r, 'prior_contraction', 1.0), 0):.0%}" + ("" if informed else "*")
        ret = (f"{_ratio(kind.return_value(r.roas_mean))} [{_ratio(kind.return_value(r.roas_hdi_low))}-"
               f"{_ratio(kind.return_value(r.roas_hdi_high))}]")
        table.add_row(r.channel, r.role, _short(r.spend),
                      _short(r.contribution_mean), ret, f"{r.share_of_kpi:.1%}",
                      source if informed else f"[yellow]{source}[/yellow]")
    table.caption = ("data: how much the data narrowed the prior on the return (prior contraction); "
                     "*: the number is mostly the prior")
    return table


def write_fit_outputs(fitted, out: Path, spec_file: Path | None = None,
                      data_file: Path | None = None) -> dict[str, Path]:
    """Write the fit's files into ``out`` (see :func:`mmm.outputs.write_fit_outputs`); print what was removed."""
    from mmm.outputs import write_fit_outputs as _write

    written = _write(fitted, out, spec_file=spec_file, data_file=data_file)
    if written.removed:
        names = sorted({p.name if p.parent == out else f"{p.parent.name}/" for p in written.removed})
        console.print(f"[yellow]Removed the previous model's plan and report ({', '.join(names)}): they no "
                      "longer match this model. Run `mmm plan` and `mmm report` again.[/yellow]")
    return {k: v for k, v in written.paths.items() if k != "manifest"}


def _show_warnings(caught) -> None:
    """Data notes as one tidy line each; any other warning passed on as it came."""
    seen = set()
    for w in caught:
        if w.category.__name__ == "DataWarning":
            if str(w.message) not in seen:
                console.print(f"[yellow]Warning:[/yellow] {escape(str(w.message))}")
                seen.add(str(w.message))
        elif not issubclass(w.category, DeprecationWarning | FutureWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _run_fit(config: Path, out: Path, *, draws, tune, chains, seed, sampler, holdout_weeks, aggregate_daily,
             data: Path | None = None, aggregate_geo: bool = False):
    from mmm.atomic import check_writable_dir, output_lock
    from mmm.fitting import fit_spec
    from mmm.spec import load_spec

    spec = load_spec(config)
    check_writable_dir(out)  # before the sampling, not after it
    with output_lock(out):  # a second fit into the same folder fails at once
        what = (f"brand -> branded search ('{spec.branded_search}') -> {spec.kpi.type} mediation model"
                if spec.branded_search else f"[bold]{spec.kpi.type}[/bold] model")
        if spec.geo_column and not aggregate_geo:
            what = f"[bold]{spec.kpi.type}[/bold] geo model (one per '{spec.geo_column}', pooled)"
        console.print(f"Fitting {what} of '{spec.kpi.column}' on {len(spec.channels)} channels ...")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fitted = fit_spec(spec, data, draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                              holdout_weeks=holdout_weeks, aggregate_daily=aggregate_daily,
                              aggregate_geo=aggregate_geo, progressbar=True)
        _show_warnings(caught)
        paths = write_fit_outputs(fitted, out, spec_file=config, data_file=data)
    from mmm.fitting import is_funnel, is_mediated, total_view

    if is_mediated(fitted) and fitted.plain is not None:
        out_console.print(fitted.reattribution_text())
    if is_funnel(fitted):
        out_console.print(fitted.summary_text())
        if not fitted.diagnostics.converged:  # the stage model: exit 3 as for the lead model
            view = total_view(fitted)
            view.diagnostics.converged = False
            view.diagnostics.verdict = f"Funnel stages: {fitted.diagnostics.verdict}"
            return view, paths
    return total_view(fitted), paths


@app.command()
def fit(
    config: Annotated[Path, typer.Argument(help="Model spec YAML (see `mmm init`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for model.nc, channels.csv, "
                                      "contributions.csv, diagnostics.json.")] = Path("mmm-out"),
    draws: Annotated[int | None, typer.Option(help="Posterior draws per chain (default: spec, else 1000).")] = None,
    tune: Annotated[int | None, typer.Option(help="Tuning steps per chain (default: spec, else 1000).")] = None,
    chains: Annotated[int | None, typer.Option(help="Number of chains (default: spec, else 4).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed: the same seed gives the same results.")] = None,
    sampler: Annotated[str | None, typer.Option(help="numpyro (default, fastest measured) | nutpie | pymc | "
                                                "advi (fast, APPROXIMATE).")] = None,
    holdout_weeks: Annotated[int | None, typer.Option("--holdout-weeks", help="Hold out the last N weeks and "
                                                      "report out-of-sample MAPE / R².")] = None,
    aggregate_daily: Annotated[bool, typer.Option("--aggregate-daily", help="Sum daily rows into Monday-"
                                                  "starting weeks before fitting.")] = False,
    data: Annotated[Path | None, typer.Option(help="Data file, overriding the spec's `data:`.")] = None,
    aggregate_geo: Annotated[bool, typer.Option("--aggregate-geo", help="Panel data (one row per geo and week): "
                                                "sum the geos into national weeks.")] = False,
    forms: Annotated[str | None, typer.Option(help="auto: fit the plausible carryover x saturation forms in "
                                              "parallel and stack them (also `fit: {forms: auto}`).")] = None,
) -> None:
    """Fit the model in CONFIG and write its outputs to --out.

    A fit that does not converge still writes its outputs; the exit code is then 3 and
    the verdict says what to try.
    """
    _quiet_warnings()
    from mmm.cli_many import fit_forms_command, forms_requested  # stacked forms: mmm.many.stacking

    try:
        stack = forms_requested(config, forms)
    except MMMError as exc:
        _fail(exc)
    if stack:
        return fit_forms_command(config, out, data=data, scheduler=None, workers=None, draws=draws, tune=tune,
                                 chains=chains, seed=seed, sampler=sampler, holdout_weeks=holdout_weeks,
                                 aggregate_daily=aggregate_daily, aggregate_geo=aggregate_geo)
    from mmm.startup import dask_hidden

    try:
        with dask_hidden():  # one model: xarray would import Dask only to find no Dask arrays (0.3 s)
            fitted, paths = _run_fit(config, out, draws=draws, tune=tune, chains=chains, seed=seed,
                                     sampler=sampler, holdout_weeks=holdout_weeks, aggregate_daily=aggregate_daily,
                                     data=data, aggregate_geo=aggregate_geo)
    except MMMError as exc:
        _fail(exc)
    except OSError as exc:
        _fail_os(exc)
    out_console.print(_channel_table(fitted.channel_summary(), fitted))
    head = fitted.summary_text().split("\n\n")[0].split("\n")  # verdict and fit; the table is printed above
    out_console.print("\n".join(line for line in head if not line.startswith("Model health")))
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    _print_health(fitted.diagnostics)
    if not fitted.diagnostics.converged:
        console.print(f"[bold yellow]Not converged:[/bold yellow] {fitted.diagnostics.verdict}")
        raise typer.Exit(EXIT_NOT_CONVERGED)


def _print_health(diagnostics) -> None:
    """The model-health word and every warning and error, coloured by level."""
    from mmm.health import HEALTH_OK, HEALTH_REVIEW

    colour = {HEALTH_OK: "green", HEALTH_REVIEW: "yellow"}.get(diagnostics.health, "red")
    out_console.print(f"[bold {colour}]Model health: {diagnostics.health.upper()}[/bold {colour}]"
                      + ("" if diagnostics.health == HEALTH_OK else
                         " (read these before presenting any number)"))
    for c in diagnostics.checks:
        if c["level"] in ("warning", "error"):
            tag = "[red]error[/red]" if c["level"] == "error" else "[yellow]warning[/yellow]"
            out_console.print(f"  {tag} {escape(c['message'])}")


def _print_columns(spec, data: Path | None) -> None:
    """Every column of the data file: its role in the spec, or what `mmm init` makes of an unused one."""
    from rich.text import Text

    from mmm.columns import classify
    from mmm.data import read_table

    try:
        with warnings.catch_warnings():  # load_data already said how the file was read
            warnings.simplefilter("ignore")
            frame = read_table(data if data is not None else spec.data, sheet=None if data is not None else spec.sheet)
    except (MMMError, OSError, ValueError):
        return
    roles = {spec.date_column: "date", spec.kpi.column: f"KPI ({spec.kpi.type})"}
    roles.update({c.spend: f"spend of {c.name} ({c.role})" for c in spec.channels})
    roles.update({c: "control" for c in spec.controls})
    roles.update({e: "event" for e in spec.events})
    if spec.branded_search:
        roles[spec.branded_search] = "branded search"
    if isinstance(spec.kpi.value_per_unit, str):
        roles[spec.kpi.value_per_unit] = "value per KPI unit"
    guesses = {g.column: g for g in classify(frame, file_hint=str(data or spec.data or "")).columns}
    table = Table(title="Columns in the data", title_justify="left")
    for col in ("column", "in this spec", "what mmm init makes of it"):
        table.add_column(col, overflow="fold")
    for column in frame.columns:
        g = guesses.get(str(column))
        guess = f"{g.role}: {g.reason}" if g is not None else ""
        table.add_row(Text(str(column)), Text(roles.get(str(column), "not used")), Text(guess))
    out_console.print(table)


@app.command()
def validate(
    config: Annotated[Path, typer.Argument(help="Model spec YAML.")],
    aggregate_daily: Annotated[bool, typer.Option("--aggregate-daily", help="Sum daily rows into weeks.")] = False,
    data: Annotated[Path | None, typer.Option(help="Data file, overriding the spec's `data:`.")] = None,
    aggregate_geo: Annotated[bool, typer.Option("--aggregate-geo", help="Panel data: sum the geos into national "
                                                "weeks.")] = False,
) -> None:
    """Check a spec and its data without fitting; print a short data summary."""
    from mmm.data import load_data, min_weeks
    from mmm.kpi import kpi_kind
    from mmm.spec import load_spec

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            spec = load_spec(config)
            if spec.is_geo and not aggregate_geo:  # a panel: validated per geo (mmm.geo.load)
                from mmm.geo.load import load_panel, panel_overview

                panel = load_panel(spec, data, aggregate_daily=aggregate_daily)
            else:
                ds = load_data(data, spec, aggregate_daily=aggregate_daily, aggregate_geo=aggregate_geo)
        except MMMError as exc:
            _fail(exc)
    for w in caught:
        if w.category.__name__ == "DataWarning":
            console.print(f"[yellow]Warning:[/yellow] {w.message}")
    if spec.is_geo and not aggregate_geo:
        table = Table(title=f"Geo panel: {panel.n_geos} geos (column '{spec.geo_column}') x {panel.n_weeks} weeks, "
                            f"{panel.dates[0].date()} to {panel.dates[-1].date()} (model needs at least "
                            f"{min_weeks(spec)} weeks)")
        for col, just in (("channel", "left"), ("level", "left"), ("total spend", "right"),
                          ("weeks active", "right"), ("geos with spend", "right")):
            table.add_column(col, justify=just)
        for r in panel_overview(panel).itertuples():
            table.add_row(r.channel, r.level, f"{_spend(r.spend)} {spec.currency}", f"{r.weeks_active:.0%}",
                          f"{r.geos_active} of {panel.n_geos}")
        out_console.print(table)
        n_nat = len(panel.national_channels)
        out_console.print(f"[green]OK[/green]: {config} is valid (geo panel: {panel.n_geos} geos, {panel.n_weeks} "
                          f"weeks, {len(panel.channels) - n_nat} geo and {n_nat} national channels; "
                          f"{spec.kpi.type} KPI '{spec.kpi.column}', total "
                          f"{kpi_kind(spec).amount(float(panel.kpi.sum()), spec.currency)}).")
        return
    from mmm.health import data_checks

    checks = [c for c in data_checks(ds) if c.id != "sparse_channel"]  # sparse: warned while loading
    for c in checks:
        tag = "[red]Problem:[/red]" if c.level == "error" else "[yellow]Warning:[/yellow]"
        console.print(f"{tag} {escape(c.message)}")
    table = Table(title=f"{ds.n_weeks} weeks, {ds.dates[0].date()} to {ds.dates[-1].date()} "
                        f"(model needs at least {min_weeks(spec)})")
    table.add_column("channel")
    table.add_column("role")
    table.add_column("total spend", justify="right")
    table.add_column("weeks active", justify="right")
    for i, ch in enumerate(spec.channels):
        s = ds.spend[:, i]
        table.add_row(ch.name, ch.role, f"{_spend(s.sum())} {spec.currency}", f"{(s > 0).mean():.0%}")
    out_console.print(table)
    _print_columns(spec, data)
    errors = [c for c in checks if c.level == "error"]
    if errors:
        console.print(f"[bold red]Not valid:[/bold red] {len(errors)} problem{'s' * (len(errors) > 1)} above would "
                      "make the fit meaningless; fix the spec or the data.")
        raise typer.Exit(EXIT_INPUT)
    out_console.print(f"[green]OK[/green]: {config} is valid ({spec.kpi.type} KPI '{spec.kpi.column}', "
                      f"total {kpi_kind(spec).amount(float(ds.kpi.sum()), spec.currency)}).")


def _weekly_sheet(data: Path):
    """The table ``mmm init`` reads: a workbook's first sheet that has a date column (and its name,
    when that is not simply the only sheet); any other file as it is."""
    from mmm.columns import classify
    from mmm.data import read_table

    if data.suffix.lower() not in (".xlsx", ".xls", ".xlsm"):
        return read_table(data), None
    import pandas as pd

    try:
        names = pd.ExcelFile(data).sheet_names
    except Exception:  # noqa: BLE001 - a damaged workbook: read_table says what is wrong
        return read_table(data), None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            frame = read_table(data, sheet=name)
            if classify(frame, file_hint=str(data)).first("date") is not None:
                return frame, (name if len(names) > 1 else None)
    return read_table(data), None


@app.command()
def init(
    data: Annotated[Path, typer.Argument(help="Weekly data file (CSV, Parquet or Excel).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the starter spec.")] = Path("mmm.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter spec by inspecting DATA's columns (names and values).

    Prints what each column was taken for and why (date, KPI, spend, exposure, control,
    event, skipped). Exits 2 after writing the spec when it has no channel or no KPI yet,
    saying which lines to uncomment or fill in.
    """
    from mmm.starter import build_starter, classification_table

    if out.is_dir():
        _fail(MMMError(f"--out '{out}' is a folder; give the spec file to write, e.g. {out / 'mmm.yaml'}."))
    if out.exists() and not force:
        _fail(MMMError(f"'{out}' exists; pass --force to overwrite it."))
    try:
        data_path = os.path.relpath(data.resolve(), out.resolve().parent)
    except ValueError:  # another drive on Windows
        data_path = str(data.resolve())
    try:
        frame, sheet = _weekly_sheet(data)
        starter = build_starter(frame, data_path=data_path, sheet=sheet)
    except MMMError as exc:
        _fail(exc)
    if sheet is not None:
        out_console.print(f"Read sheet '{sheet}' of {data}: the first with a date column (written as `sheet:`).")
    out_console.print(classification_table(starter.classification))
    from mmm.atomic import write_text_atomic

    try:
        write_text_atomic(out, starter.text)
    except OSError as exc:
        _fail_os(exc, f"writing {out}")
    if starter.problems:
        console.print(f"[bold yellow]Wrote {escape(str(out))}, but it cannot be used yet:[/bold yellow]")
        for problem in starter.problems:
            console.print(f"- {escape(problem)}")
        console.print(f"Then run `mmm validate {escape(str(out))}`.")
        raise typer.Exit(EXIT_INPUT)
    out_console.print(f"Wrote {out}. Check the guessed KPI, channels and roles, then run `mmm validate {out}`.")


def _parse_bounds(bounds: str):
    """``30%`` stays a string; anything else must be a CSV file with channel,min,max columns.

    The file is read by the planner, which turns an empty, binary or malformed file into a
    :class:`~mmm.errors.PlanError` (exit 2).
    """
    if bounds.strip().endswith("%"):
        return bounds.strip()
    path = Path(bounds)
    if not path.exists():
        raise MMMError(f"--bounds '{bounds}' is neither a percentage like 30% nor an existing CSV file "
                       "with columns channel,min,max (weekly spend).")
    if not path.is_file():
        raise MMMError(f"--bounds '{bounds}' is a folder, not a CSV file with columns channel,min,max "
                       "(weekly spend).")
    return str(path)


@app.command()
def plan(
    outdir: Annotated[Path, typer.Argument(help="Folder holding a fitted model.nc (from `mmm fit`), or a stacked "
                                          "fit's folder (`mmm fit --forms auto`).")],
    budget: Annotated[float | None, typer.Option(help="TOTAL budget for the period in the spec's currency "
                                                 "(default: current spend over the period).")] = None,
    weeks: Annotated[int, typer.Option(help="Planning period in weeks (13 = a quarter).")] = 13,
    bounds: Annotated[str, typer.Option(help="'30%' keeps every channel within +/-30% of its current weekly "
                                        "spend; or a CSV with columns channel,min,max (weekly spend).")] = "30%",
    objective: Annotated[str, typer.Option(help="mean (expected KPI) | risk (mean minus 1 sd: prefers "
                                           "channels the model is sure about).")] = "mean",
    horizon: Annotated[str, typer.Option(help="period+tail (count the carryover after the period) | period.")]
    = "period+tail",
    win_rate: Annotated[float | None, typer.Option("--win-rate", help="Pipeline models: expected win rate "
                                                   "(0-1), for revenue and break-even.")] = None,
    avg_deal_size: Annotated[float | None, typer.Option("--avg-deal-size", help="Pipeline models: average deal "
                                                        "size, for cost per opportunity.")] = None,
    by_geo: Annotated[bool, typer.Option("--by-geo", help="Geo fits: also split each channel's planned budget "
                                         "across geos (plan_by_geo.csv).")] = False,
) -> None:
    """Recommend a budget plan and a brand vs performance split; writes plan.csv, split.csv, plan.json."""
    _quiet_warnings()
    from mmm.atomic import output_lock
    from mmm.outputs import record_outputs
    from mmm.planning import write_plan_outputs

    try:
        fitted, check = _load_checked(outdir)
        from mmm.fitting import total_view

        fitted = total_view(fitted)  # a mediation fit plans on each channel's total effect
        if budget is None:
            from mmm.analysis import default_budget
            budget = default_budget(fitted, weeks)
        extra = {k: v for k, v in (("win_rate", win_rate), ("avg_deal_size", avg_deal_size)) if v is not None}
        request = {"budget": budget, "weeks": weeks, "bounds": bounds, "objective": objective, "horizon": horizon,
                   **extra, "model_sha256": check.model_sha256}
        with output_lock(outdir):
            paths = write_plan_outputs(fitted, outdir, budget=budget, weeks=weeks, bounds=_parse_bounds(bounds),
                                       objective=objective, horizon=horizon, request=request, **extra)
            if by_geo:
                from mmm.geo.outputs import write_plan_by_geo
                paths["by_geo"] = write_plan_by_geo(fitted, outdir, paths["plan"], weeks=weeks, horizon=horizon)
            record_outputs(outdir, "plan", paths.values())
    except MMMError as exc:
        _fail(exc)
    except OSError as exc:
        _fail_os(exc)
    from mmm.planning import PlanResult

    summary = json.loads(Path(paths["json"]).read_text())
    plan = PlanResult.from_files(paths["json"], paths["plan"])  # the plan as written (as `mmm report` reads it)
    health = summary.get("model_health") or {}
    if health.get("note"):
        console.print(f"[bold yellow]{escape(health['note'])}[/bold yellow]")
    t = Table(title=f"Recommended weekly spend ({weeks} weeks, {fitted.spec.currency})")
    for col in ("channel", "role", "current", "recommended", "change"):
        t.add_column(col, justify="left" if col in ("channel", "role") else "right")
    for r in plan.channels:
        t.add_row(r.channel, r.role, _spend(r.current_weekly), _spend(r.recommended_weekly), f"{r.change_pct:+.1f}%")
    out_console.print(t)
    out_console.print(_plan_answer(plan, fitted.spec), highlight=False)
    from mmm.kpi import kpi_kind

    kind = kpi_kind(fitted.spec)
    up, split = plan.uplift_vs_current_mix, summary["split"]
    out_console.print(f"Expected {kind.word} uplift vs the current mix at this budget: "
                      f"{up.pct.mean:+.1f}% (90% HDI {up.pct.hdi_low:+.1f}% to {up.pct.hdi_high:+.1f}%), "
                      f"{'+' if up.absolute.mean >= 0 else ''}{_amount(kind, up.absolute.mean, fitted.spec.currency)}.",
                      highlight=False)
    evidence = plan.evidence
    if evidence.strength in ("moderate", "weak"):
        out_console.print(evidence.message)
    if plan.tests:
        from mmm.experiment import tests_lines
        for line in tests_lines(plan.tests, plan.summary):
            out_console.print(line, markup=False, highlight=False)
    if "brand_channels" in split and not (split["brand_channels"] and split.get("performance_channels")):
        role = "brand" if split.get("brand_channels") else "performance"
        out_console.print(f"Brand share: not computed: every channel is {role}; set role: brand / performance on "
                          "the channels to compare the two.", markup=False, highlight=False)
    elif split.get("best_share") is not None:
        from mmm.claims import split_claim
        out_console.print(f"Brand share: {split_claim(split)}; norm {split['norm']['brand']:.0%} "
                          f"({split['norm']['name'].upper()}).", markup=False, highlight=False)
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")


def _load_checked(outdir: Path):
    """Load the folder's model.nc and check it is the model its other outputs came from.

    Prints the check's notes (an older folder without a manifest, a spec or data file edited
    since the fit); a replaced model.nc raises :class:`mmm.outputs.StaleModelError` (exit 2).
    """
    if (outdir / "forms.csv").is_file() and not (outdir / "model.nc").exists():
        # `mmm fit --forms auto`: the stacked mixture of the forms' fits (mmm.many.stacked_view)
        from mmm.many.stacked_view import load_stacked, stacked_digest
        from mmm.outputs import FolderCheck

        fitted = load_stacked(outdir)
        console.print(f"Stacked fit: planning and reporting on the mixture of {fitted.forms_text()}.")
        return fitted, FolderCheck(stacked_digest(outdir))
    from mmm.outputs import check_folder
    from mmm.persist import load_fit

    fitted = load_fit(outdir)
    check = check_folder(outdir)
    for note in check.notes:
        console.print(f"[yellow]Note:[/yellow] {escape(note)}")
    return fitted, check


def _plan_answer(plan, spec) -> str:
    """The answer to the question asked: the KPI the plan's spend brings at the requested budget vs
    today's spend, with intervals; then the plan's economics (win rate, deal size) when given.
    ``plan``: a :class:`~mmm.planning.PlanResult` (its typed attributes)."""
    from mmm.kpi import kpi_kind

    cur, rec, up, s = plan.current_totals, plan.recommended_totals, plan.uplift, plan.settings
    kind, c = kpi_kind(spec), spec.currency
    k, kc = rec.expected_kpi, cur.expected_kpi
    lines = [f"Expected {kind.word} from the {s.weeks}-week plan's spend ({s.horizon}): "
             f"{_amount(kind, k.mean, c)} (90%: {_amount(kind, k.hdi_low, c, False)} to "
             f"{_amount(kind, k.hdi_high, c, False)}) at a budget of {_short(rec.total_spend)} {c}, vs "
             f"{_amount(kind, kc.mean, c)} (90%: {_amount(kind, kc.hdi_low, c, False)} to "
             f"{_amount(kind, kc.hdi_high, c, False)}) at today's spend of "
             f"{_short(cur.total_spend)} {c}: "
             f"{up.pct.mean:+.1f}% (90%: {up.pct.hdi_low:+.1f}% to {up.pct.hdi_high:+.1f}%), "
             f"{up.prob_positive:.0%} chance it is higher."]
    eco = rec.kpi_economics
    if eco.expected_revenue is not None:
        r = eco.expected_revenue
        lines.append(f"At a {eco.win_rate:.0%} win rate: expected revenue {_short(r.mean)} {c} "
                     f"(90%: {_short(r.hdi_low)} to {_short(r.hdi_high)}).")
    for key, what in (("cost_per_opportunity", "opportunity"), ("cost_per_deal_won", "deal won"),
                      ("cost_per_lead", "lead")):
        v = getattr(eco, key)
        if v is not None:
            lines.append(f"Cost per {what}: {_short(v.value)} {c} (90%: {_short(v.low)} to "
                         f"{_short(v.high)}).")
    return "\n".join(lines)


def _saved_plan(outdir: Path, model_sha256: str) -> tuple[dict | None, str]:
    """The request of the plan saved in OUTDIR/plan.json, if it was made from this folder's model."""
    path = outdir / "plan.json"
    if not path.is_file():
        return None, "no saved plan (run `mmm plan` first to choose the budget)"
    try:
        request = json.loads(path.read_text(encoding="utf-8")).get("request") or {}
    except (OSError, ValueError, AttributeError):
        return None, "plan.json could not be read"
    if not request.get("budget"):
        return None, "plan.json holds no plan request (made by an older version)"
    if request.get("model_sha256") != model_sha256:
        return None, "plan.json was made from a different model.nc (refit since?); run `mmm plan` again"
    return request, "plan.json"


def _report_files(result: dict) -> list[Path]:
    """Every file ``write_report`` wrote, from its result."""
    files = [p for paths in result.get("charts", {}).values() for p in paths.values()]
    return files + [result[k] for k in ("pptx", "onepager", "html") if result.get(k)]


@app.command()
def report(
    outdir: Annotated[Path, typer.Argument(help="Folder holding a fitted model.nc; the report is written here.")],
    format: Annotated[str, typer.Option("--format", help="Comma-separated: pptx,png,svg,html.")] = "pptx,png,svg",
    budget: Annotated[float | None, typer.Option(help="TOTAL budget for the plan slides (default: the plan "
                                                 "saved by `mmm plan`, else current spend).")] = None,
    weeks: Annotated[int | None, typer.Option(help="Planning period in weeks (default: the saved plan's, "
                                              "else 13).")] = None,
    bounds: Annotated[str | None, typer.Option(help="Plan bounds: '30%' or a CSV channel,min,max (default: the "
                                               "saved plan's, else 30%).")] = None,
) -> None:
    """Write every chart (PNG 300 dpi + SVG) to OUTDIR/charts/, OUTDIR/report.pptx and a one-pager.

    The plan slides show the plan saved by `mmm plan` in the same folder (same budget, weeks,
    bounds, objective, horizon and economics) when it was made from this model; giving
    --budget, --weeks or --bounds plans afresh.
    """
    _quiet_warnings()
    from mmm.atomic import output_lock
    from mmm.export import write_report
    from mmm.outputs import record_outputs

    try:
        fitted, check = _load_checked(outdir)
        saved, why = (_saved_plan(outdir, check.model_sha256) if (budget, weeks, bounds) == (None, None, None)
                      else (None, ""))
        options: dict = {}
        if saved is not None:
            budget, weeks, bounds = saved["budget"], int(saved["weeks"]), str(saved["bounds"])
            options = {k: saved[k] for k in ("objective", "horizon", "win_rate", "avg_deal_size") if k in saved}
            out_console.print(f"Using the plan saved in {outdir / 'plan.json'}: budget {_short(budget)} "
                              f"{fitted.spec.currency} over {weeks} weeks, bounds {bounds}.")
        elif why:
            out_console.print(f"Planning at today's spend: {why}.")
        weeks = 13 if weeks is None else weeks
        bounds = "30%" if bounds is None else bounds
        made: dict = {}
        if saved is not None:  # the plan `mmm plan` made from this model: shown as saved, not re-optimised
            from mmm.planning.outputs import read_plan_outputs
            saved_plan, saved_split = read_plan_outputs(outdir)
            made = {"plan": saved_plan}
            if saved_split.summary.get("brand_channels") and saved_split.summary.get("performance_channels"):
                made["split"] = saved_split  # else no split was made: the report says why, as without a plan
        with output_lock(outdir), console.status("Rendering charts and the deck ..."):
            result = write_report(fitted, outdir, formats=format, budget=budget, weeks=weeks,
                                  bounds=_parse_bounds(bounds), plan_options=options, **made)
            record_outputs(outdir, "report", _report_files(result))
    except MMMError as exc:
        _fail(exc)
    except OSError as exc:
        _fail_os(exc)
    n = len(result.get("charts", {}))
    out_console.print(f"Wrote {n} charts to {outdir / 'charts'}"
                      + (f", deck {result['pptx']}" if result.get("pptx") else "")
                      + (f", one-pager {result['onepager']}" if result.get("onepager") else "")
                      + (f", {result['html']}" if result.get("html") else ""))
    for part, why in (result.get("skipped") or {}).items():
        console.print(f"[yellow]Skipped {part}:[/yellow] {why}")
    from mmm.fitting import total_view
    from mmm.health import watermark_note
    note = watermark_note(total_view(fitted))
    if note:
        console.print(f"[bold yellow]Every chart and slide is marked: {escape(note)}[/bold yellow]")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("mmm-demo"),
    sample: Annotated[str, typer.Option(help="ecommerce (D2C revenue) | b2b (lead-gen pipeline).")] = "ecommerce",
    draws: Annotated[int | None, typer.Option(help="Draws per chain (default 1000; fewer is faster).")] = None,
    chains: Annotated[int | None, typer.Option(help="Chains (default 4).")] = None,
) -> None:
    """Run the whole flow on a bundled sample: validate, fit, plan, report, into --out."""
    _quiet_warnings()
    from mmm.samples import sample_path

    try:
        config = sample_path(sample)
    except MMMError as exc:
        _fail(exc)
    out_console.print(f"[bold]mmm demo[/bold] on the {sample} sample ({config}) -> {out}/")
    validate(config, aggregate_daily=False, data=None, aggregate_geo=False)
    try:
        fitted, _ = _run_fit(config, out, draws=draws, tune=None, chains=chains, seed=None, sampler=None,
                             holdout_weeks=None, aggregate_daily=False)
    except MMMError as exc:
        _fail(exc)
    except OSError as exc:
        _fail_os(exc)
    out_console.print(_channel_table(fitted.channel_summary(), fitted))
    out_console.print(fitted.diagnostics.verdict)
    _print_health(fitted.diagnostics)
    plan(out, budget=None, weeks=13, bounds="30%", objective="mean", horizon="period+tail",
         win_rate=None, avg_deal_size=None)
    report(out, format="pptx,png,svg,html", budget=None, weeks=None, bounds=None)
    out_console.print(f"[green]Done.[/green] Open {out / 'report.pptx'} or {out / 'onepager.png'}.")


# Commands that fit many models live in mmm.cli_many (it imports nothing heavy up front).
from mmm.cli_many import register as _register_many  # noqa: E402

_register_many(app)


def main() -> None:  # pragma: no cover - console-script entry
    """Entry point that maps unexpected errors to exit code 1 with a short message."""
    from mmm.startup import arviz_without_numba, console_process, end_process

    console_process()
    arviz_without_numba()
    try:
        app()
    except SystemExit as exc:  # every command ends here (typer's standalone mode)
        end_process(exc.code)
    except Exception as exc:  # noqa: BLE001
        console.print(f"[bold red]Internal error[/bold red] ({type(exc).__name__}): {exc}")
        end_process(EXIT_INTERNAL)
    end_process(0)


if os.environ.get("MMM_CLI_DEBUG"):  # pragma: no cover
    warnings.simplefilter("default")
