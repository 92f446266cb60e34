"""Commands that fit many models at once (``backtest``, ``compare``, ``fit-many``), and
``mmm fit --forms auto``.

:func:`register` adds them to the ``mmm`` app. Nothing heavy is imported at module level
(``mmm --help`` must stay fast): each command imports what it needs when it runs. Every command
runs its fits as tasks on Dask: an embedded local cluster by default (``--workers``), or an
existing one (``--scheduler tcp://HOST:8786``).

Exit codes as ``mmm fit``: 0 all fits converged; 2 bad input (and any fit that failed, after
the others finished and the summary was written); 3 some fit did not converge.
"""


from pathlib import Path
from typing import Annotated, Any


def _settings(draws: int | None, tune: int | None, chains: int | None, seed: int | None,
              sampler: str | None) -> dict[str, Any]:
    return {k: v for k, v in (("draws", draws), ("tune", tune), ("chains", chains), ("seed", seed),
                              ("sampler", sampler)) if v is not None}


def _exit_for(summaries: list) -> None:
    """Exit 2 when a fit failed, 3 when one did not converge (after everything was written)."""
    import typer

    from mmm.cli import EXIT_INPUT, EXIT_NOT_CONVERGED, console

    failed = [s.name for s in summaries if not s.ok]
    if failed:
        console.print(f"[bold red]{len(failed)} fit(s) failed:[/bold red] {', '.join(failed)}; their errors are "
                      "in the summary. The other fits are written.")
        raise typer.Exit(EXIT_INPUT)
    shaky = [s.name for s in summaries if not s.converged]
    if shaky:
        console.print(f"[bold yellow]Not converged:[/bold yellow] {', '.join(shaky)}; see each fit's "
                      "diagnostics.json for what to try.")
        raise typer.Exit(EXIT_NOT_CONVERGED)


def _guard(run):
    """Run ``run()``; bad input exits 2 with one line, never a traceback."""
    from mmm.cli import _fail, _fail_os, _quiet_warnings
    from mmm.errors import MMMError

    _quiet_warnings()
    try:
        return run()
    except MMMError as exc:
        _fail(exc)
    except OSError as exc:
        _fail_os(exc)


def _print_frame(frame, title: str, columns: list[str]) -> None:
    from rich.table import Table

    from mmm.cli import out_console

    table = Table(title=title, show_edge=False)
    for c in columns:
        table.add_column(c, justify="left" if frame[c].dtype == object else "right", overflow="fold")
    for _, row in frame.iterrows():
        table.add_row(*[(f"{v:.3g}" if isinstance(v, float) else str(v)) for v in row[columns]])
    out_console.print(table)


def forms_requested(config: Path, forms: str | None) -> bool:
    """True when ``mmm fit`` should stack forms: ``--forms auto`` or ``fit: {forms: auto}`` in the spec.

    A spec that cannot be read answers False here; ``mmm fit`` then reports its error as usual.
    """
    from mmm.errors import MMMError, SpecError

    if forms is not None and forms not in ("auto", "preset"):
        raise SpecError(f"--forms must be auto or preset; got '{forms}'.")
    if forms is not None:
        return forms == "auto"
    from mmm.spec import load_spec

    try:
        return load_spec(config).fit.forms == "auto"
    except MMMError:
        return False


def fit_forms_command(config: Path, out: Path, *, data: Path | None, scheduler: str | None, workers: int | None,
                      **settings: Any) -> None:
    """``mmm fit --forms auto``: fit the plausible forms on Dask, stack them, write ``OUT``."""
    import typer

    from mmm.cli import EXIT_NOT_CONVERGED, console, out_console

    def run():
        from mmm.atomic import check_writable_dir
        from mmm.errors import SpecError
        from mmm.many.stacking import fit_forms
        from mmm.spec import load_spec

        unsupported = [f"--{k.replace('_', '-')}" for k in ("holdout_weeks", "aggregate_daily", "aggregate_geo")
                       if settings.pop(k, None)]
        if unsupported:
            raise SpecError(f"--forms auto stacks national weekly fits on all weeks; leave out {', '.join(unsupported)} "
                            "(backtest a form with `mmm backtest` instead of --holdout-weeks).")
        spec = load_spec(config)
        check_writable_dir(out)
        console.print(f"Fitting the plausible carryover x saturation forms of a {spec.kpi.type} model and "
                      "stacking them ...")
        return fit_forms(spec, data, out, scheduler=scheduler, workers=workers,
                         **{k: v for k, v in settings.items() if v is not None})

    stacked = _guard(run)
    _print_frame(stacked.forms, "Forms, weighted by stacking (Yao et al. 2018)",
                 ["form", "weight", "elpd_loo", "se", "elpd_diff", "diff_se", "n_high_k", "health"])
    _print_frame(stacked.channels, "Stacked channel returns (90% HDI, model-form uncertainty included)",
                 ["channel", "role", "spend", "contribution_mean", "roas_mean", "roas_hdi_low", "roas_hdi_high"])
    out_console.print(f"Wrote {', '.join(str(p) for p in stacked.paths.values())}, and each form's fit in "
                      f"{out / 'forms'}. `mmm plan {out}` and `mmm report {out}` plan and report on the stacked "
                      "mixture (model-form uncertainty included).")
    used = [s for s in stacked.summaries if s.name in set(stacked.forms[stacked.forms['weight'] > 0]['form'])]
    if any(not s.converged for s in used):
        console.print("[bold yellow]Not converged:[/bold yellow] a form with weight did not converge; see its "
                      "diagnostics.json.")
        raise typer.Exit(EXIT_NOT_CONVERGED)


def register(app: Any) -> None:
    """Add the many-fit commands to the typer ``app``."""
    import typer

    Scheduler = Annotated[str | None, typer.Option(help="Address of an existing Dask scheduler "
                                                   "(tcp://HOST:8786); default: a local cluster on this machine.")]
    Workers = Annotated[int | None, typer.Option(help="Workers of the local cluster (default: one per core).")]
    Draws = Annotated[int | None, typer.Option(help="Posterior draws per chain (default: the spec's).")]
    Tune = Annotated[int | None, typer.Option(help="Tuning steps per chain (default: the spec's).")]
    Chains = Annotated[int | None, typer.Option(help="Chains per fit (default: the spec's).")]
    Seed = Annotated[int | None, typer.Option(help="Random seed of every fit.")]
    Sampler = Annotated[str | None, typer.Option(help="numpyro | nutpie | pymc | advi.")]
    Data = Annotated[Path | None, typer.Option(help="Data file, overriding the spec's `data:`.")]

    @app.command("fit-many")
    def fit_many_command(
        manifest: Annotated[Path, typer.Argument(help="YAML (defaults:, fits: [...]) or CSV (name, spec, data, "
                                                 "dotted spec keys) listing the fits.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Batch folder: one subfolder per fit, "
                                          "summary.csv, portfolio.png.")] = Path("mmm-many"),
        spec: Annotated[Path | None, typer.Option(help="Spec file of fits that name none.")] = None,
        scheduler: Scheduler = None, workers: Workers = None, draws: Draws = None, tune: Tune = None,
        chains: Chains = None, seed: Seed = None, sampler: Sampler = None,
    ) -> None:
        """Fit every spec of MANIFEST (one per market, brand or variant) on Dask, one folder each.

        Re-running skips fits whose spec and data have not changed, so an interrupted batch resumes.
        """
        from mmm.cli import out_console

        def run():
            from mmm.many.fit_many import fit_many
            return fit_many(manifest, out, scheduler=scheduler, workers=workers, default_spec=spec,
                            **_settings(draws, tune, chains, seed, sampler))

        result = _guard(run)
        _print_frame(result.table, f"{len(result.table)} fits", ["name", "status", "health", "seconds", "r2",
                                                                  "total_media_roas", "error"])
        out_console.print(f"Wrote {result.paths['summary']} and {result.paths['chart']}")
        _exit_for(result.summaries)

    @app.command("backtest")
    def backtest_command(
        config: Annotated[Path, typer.Argument(help="Model spec YAML.")],
        folds: Annotated[int, typer.Option(help="Number of rolling origins.")] = 6,
        horizon: Annotated[int, typer.Option(help="Weeks predicted after each origin.")] = 13,
        train_weeks: Annotated[int | None, typer.Option("--train-weeks", help="Train every fold on the N weeks "
                                                        "before its origin (folds then share one compiled "
                                                        "sampler); default: all weeks before it.")] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder for backtest.csv, backtest_roas.csv, "
                                          "backtest.png and folds/.")] = Path("mmm-backtest"),
        data: Data = None, scheduler: Scheduler = None, workers: Workers = None, draws: Draws = None,
        tune: Tune = None, chains: Chains = None, seed: Seed = None, sampler: Sampler = None,
    ) -> None:
        """Rolling-origin backtest: refit up to each origin, predict the next --horizon weeks (spend before
        the origin carries over), score MAPE, CRPS and 90% coverage, and each channel's ROAS per fold."""
        from mmm.cli import out_console

        def run():
            from mmm.many.backtest import backtest
            return backtest(config, data, out, folds=folds, horizon=horizon, train_weeks=train_weeks,
                            scheduler=scheduler, workers=workers,
                            **_settings(draws, tune, chains, seed, sampler))

        result = _guard(run)
        _print_frame(result.folds, "Out-of-sample scores per fold",
                     ["fold", "origin", "horizon", "mape", "crps", "coverage_90"])
        out_console.print(f"90% interval coverage over all folds: {result.coverage_90:.0%} (about 90% is right). "
                          f"Wrote {', '.join(str(p) for p in result.paths.values())}")
        _exit_for(result.summaries)

    @app.command("compare")
    def compare_command(
        config: Annotated[Path, typer.Argument(help="Model spec YAML.")],
        vary: Annotated[list[str], typer.Option(help="KEY=VALUE,VALUE to vary, e.g. model.adstock=geometric,delayed "
                                                "(repeat for more keys; every combination is fitted).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder for compare.csv, compare.png and "
                                          "variants/.")] = Path("mmm-compare"),
        backtest_folds: Annotated[int | None, typer.Option("--backtest-folds", help="Also backtest each variant "
                                                           "with N folds and rank by out-of-sample error.")] = None,
        horizon: Annotated[int, typer.Option(help="Weeks predicted per backtest fold.")] = 13,
        data: Data = None, scheduler: Scheduler = None, workers: Workers = None, draws: Draws = None,
        tune: Tune = None, chains: Chains = None, seed: Seed = None, sampler: Sampler = None,
    ) -> None:
        """Fit every combination of the --vary values and rank them by PSIS-LOO (with standard errors and
        Pareto-k warnings), saying which the data cannot tell apart."""
        from mmm.cli import out_console

        def run():
            from mmm.many.compare import compare
            from mmm.many.specs import parse_vary
            return compare(config, parse_vary(vary), data, out, backtest_folds=backtest_folds, horizon=horizon,
                           scheduler=scheduler, workers=workers, **_settings(draws, tune, chains, seed, sampler))

        result = _guard(run)
        cols = ["rank", "variant", "elpd_loo", "se", "elpd_diff", "diff_se", "n_high_k", "weight", "health"]
        cols += [c for c in ("backtest_mape", "backtest_crps", "backtest_coverage_90") if c in result.table]
        _print_frame(result.table, "Variants ranked by LOO", cols)
        out_console.print(result.verdict)
        out_console.print(f"Wrote {', '.join(str(p) for p in result.paths.values())}")
        _exit_for(result.summaries)
