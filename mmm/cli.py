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
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
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


def _quiet_warnings() -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*BLAS.*")


def _channel_table(df, fitted) -> Table:
    words = fitted.spec.words
    table = Table(title=f"{words['return']} by channel (90% HDI)", show_lines=False)
    for col in ("channel", "role", "spend", "contribution", words["return"], "share"):
        table.add_column(col, justify="right" if col not in ("channel", "role") else "left")
    for r in df.sort_values("roas_mean", ascending=False).itertuples():
        table.add_row(r.channel, r.role, f"{r.spend:,.0f}", f"{r.contribution_mean:,.0f}",
                      f"{r.roas_mean:.2f} [{r.roas_hdi_low:.2f}, {r.roas_hdi_high:.2f}]", f"{r.share_of_kpi:.1%}")
    return table


def write_fit_outputs(fitted, out: Path) -> dict[str, Path]:
    """Write model.nc, channels.csv, contributions.csv and diagnostics.json into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"model": out / "model.nc", "channels": out / "channels.csv",
             "contributions": out / "contributions.csv", "diagnostics": out / "diagnostics.json"}
    fitted.save(paths["model"])
    cols = ["channel", "role", "spend", "contribution_mean", "contribution_hdi_low", "contribution_hdi_high",
            "roas_mean", "roas_hdi_low", "roas_hdi_high", "share_of_kpi"]
    fitted.channel_summary()[cols].to_csv(paths["channels"], index=False)
    contrib = fitted.contributions()
    contrib["date"] = contrib["date"].dt.strftime("%Y-%m-%d")
    contrib.to_csv(paths["contributions"], index=False)
    d = fitted.diagnostics
    diag = {"sampler": d.sampler, "draws": d.draws, "chains": d.chains, "seconds": d.seconds,
            "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences,
            "verdict": d.verdict, "r2": d.r2, "mape": d.mape,
            "converged": d.converged, "approximate": d.approximate, "tune": d.tune,
            "min_ess_tail": d.min_ess_tail, "coverage_90": d.coverage_90, "holdout": d.holdout,
            "build_seconds": d.build_seconds}
    paths["diagnostics"].write_text(json.dumps(diag, indent=2, default=float))
    return paths


def _run_fit(config: Path, out: Path, *, draws, tune, chains, seed, sampler, holdout_weeks, aggregate_daily,
             data: Path | None = None):
    from mmm.fitted import Model
    from mmm.spec import load_spec

    spec = load_spec(config)
    model = Model(spec)
    console.print(f"Fitting [bold]{spec.kpi.type}[/bold] model of '{spec.kpi.column}' on "
                  f"{len(spec.channels)} channels ...")
    fitted = model.fit(data, draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                       holdout_weeks=holdout_weeks, aggregate_daily=aggregate_daily, progressbar=True)
    paths = write_fit_outputs(fitted, out)
    return fitted, paths


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
) -> None:
    """Fit the model in CONFIG and write its outputs to --out.

    A fit that does not converge still writes its outputs; the exit code is then 3 and
    the verdict says what to try.
    """
    _quiet_warnings()
    try:
        fitted, paths = _run_fit(config, out, draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                                 holdout_weeks=holdout_weeks, aggregate_daily=aggregate_daily, data=data)
    except MMMError as exc:
        _fail(exc)
    out_console.print(_channel_table(fitted.channel_summary(), fitted))
    out_console.print(fitted.summary_text().split("\n")[0:4] and "\n".join(fitted.summary_text().split("\n")[:4]))
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    if not fitted.diagnostics.converged:
        console.print(f"[bold yellow]Not converged:[/bold yellow] {fitted.diagnostics.verdict}")
        raise typer.Exit(EXIT_NOT_CONVERGED)


@app.command()
def validate(
    config: Annotated[Path, typer.Argument(help="Model spec YAML.")],
    aggregate_daily: Annotated[bool, typer.Option("--aggregate-daily", help="Sum daily rows into weeks.")] = False,
    data: Annotated[Path | None, typer.Option(help="Data file, overriding the spec's `data:`.")] = None,
) -> None:
    """Check a spec and its data without fitting; print a short data summary."""
    from mmm.data import load_data, min_weeks
    from mmm.spec import load_spec

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            spec = load_spec(config)
            ds = load_data(data, spec, aggregate_daily=aggregate_daily)
        except MMMError as exc:
            _fail(exc)
    for w in caught:
        if w.category.__name__ == "DataWarning":
            console.print(f"[yellow]Warning:[/yellow] {w.message}")
    table = Table(title=f"{ds.n_weeks} weeks, {ds.dates[0].date()} to {ds.dates[-1].date()} "
                        f"(model needs at least {min_weeks(spec)})")
    table.add_column("channel")
    table.add_column("role")
    table.add_column("total spend", justify="right")
    table.add_column("weeks active", justify="right")
    for i, ch in enumerate(spec.channels):
        s = ds.spend[:, i]
        table.add_row(ch.name, ch.role, f"{s.sum():,.0f} {spec.currency}", f"{(s > 0).mean():.0%}")
    out_console.print(table)
    out_console.print(f"[green]OK[/green]: {config} is valid ({spec.kpi.type} KPI '{spec.kpi.column}', "
                      f"total {ds.kpi.sum():,.0f}).")


@app.command()
def init(
    data: Annotated[Path, typer.Argument(help="Weekly data file (CSV, Parquet or Excel).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the starter spec.")] = Path("mmm.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter spec by inspecting DATA's columns (guesses channels and roles)."""
    from mmm.data import read_table
    from mmm.starter import starter_yaml

    if out.exists() and not force:
        _fail(MMMError(f"'{out}' exists; pass --force to overwrite it."))
    try:
        frame = read_table(data)
        text = starter_yaml(frame, data_path=str(data))
    except MMMError as exc:
        _fail(exc)
    out.write_text(text)
    out_console.print(f"Wrote {out}. Check the guessed KPI, channels and roles, then run `mmm validate {out}`.")


def main() -> None:  # pragma: no cover - console-script entry
    """Entry point that maps unexpected errors to exit code 1 with a short message."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001
        console.print(f"[bold red]Internal error[/bold red] ({type(exc).__name__}): {exc}")
        sys.exit(EXIT_INTERNAL)


if os.environ.get("MMM_CLI_DEBUG"):  # pragma: no cover
    warnings.simplefilter("default")
