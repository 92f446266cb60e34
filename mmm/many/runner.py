"""Run a list of fits as tasks on ``dask.distributed``.

* **Where**: an embedded :class:`~dask.distributed.LocalCluster` sized to the machine, one
  process per worker with one thread each (the BLAS, OpenMP and XLA thread pools of every worker
  are limited to one thread, so N workers use N cores, not N x N); or an existing cluster given
  by its scheduler address (``tcp://HOST:8786``: Kubernetes, YARN, HPC via dask-jobqueue,
  Coiled), used unchanged; or a :class:`~dask.distributed.Client` you already hold.
* **What comes back**: each worker fits, writes the fit's folder (shared storage on a cluster)
  and returns a small :class:`~mmm.many.tasks.FitSummary`; the posterior stays on disk.
* **Failures**: a fit that raises becomes a ``failed`` row with its error; the others go on.
* **Resume**: a task whose folder holds a finished fit of the same inputs (content hash of spec
  + data + settings) is not fitted again; its saved summary is returned with status ``skipped``.
* **Progress**: a bar over fits (``rich``), on the console's standard error.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mmm.errors import SpecError
from mmm.many.tasks import DONE, FAILED, FitSummary, FitTask, finished_summary, write_record

#: Environment of worker processes: one thread per pool, so workers do not oversubscribe the cores.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "PYTENSOR_FLAGS": "blas__ldflags=",
}


def default_workers() -> int:
    """Workers of the embedded cluster: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler: Any = None, workers: int | None = None):
    """A Dask client: ``scheduler`` as it is when it is a Client, a connection to the scheduler at
    that address when it is a string, else an embedded :class:`LocalCluster` of ``workers``
    single-threaded processes (default :func:`default_workers`), closed on exit."""
    from dask.distributed import Client

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if isinstance(scheduler, str):
        if "://" not in scheduler:
            raise SpecError(f"--scheduler '{scheduler}' is not a scheduler address; give it as tcp://HOST:8786.")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise SpecError(f"Could not reach the Dask scheduler at {scheduler} ({exc}). Check the address and "
                            "that the scheduler is running, or leave --scheduler out to use this machine.") from None
        try:
            yield client
        finally:
            client.close()
        return
    client = local_client(workers or default_workers())
    try:
        yield client
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


def worker_env() -> dict[str, str]:
    """:data:`WORKER_ENV`, and a compilation cache of the workers' own.

    Programs compiled under the single-thread XLA flags cannot be run by a process with the default
    flags and the other way round (XLA then fails with ``Function ... not found``), so the workers
    keep their compiled samplers in ``MMM_JAX_CACHE/workers-1-thread`` (unless the cache is off).
    """
    env = dict(WORKER_ENV)
    base = os.environ.get("MMM_JAX_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "mmm", "jax"))
    env["MMM_JAX_CACHE"] = base if base.lower() in ("off", "0", "none", "") else os.path.join(base, "workers-1-thread")
    return env


def local_client(workers: int):
    """A client of a new :class:`LocalCluster`: ``workers`` processes with one thread each and
    :func:`worker_env` set before each worker starts."""
    import logging

    import dask
    from dask.distributed import Client, LocalCluster

    if workers < 1:
        raise SpecError(f"--workers must be at least 1; got {workers}.")
    env = worker_env()
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env, "distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR, env=env)
    return Client(cluster)


def run_fits(tasks: Sequence[FitTask], *, scheduler: Any = None, workers: int | None = None,
             progress: bool = True, on_result: Callable[[FitSummary], None] | None = None) -> list[FitSummary]:
    """Fit every task on Dask and return one summary per task, in the tasks' order.

    Parameters
    ----------
    tasks : sequence of FitTask
        The fits. Names must be unique and folders distinct.
    scheduler : str or Client, optional
        ``tcp://HOST:8786`` of an existing cluster, or a Client; default: an embedded
        LocalCluster (started only when some task needs fitting).
    workers : int, optional
        Workers of the embedded cluster (default: one per core).
    progress : bool
        Show a progress bar over fits.
    on_result : callable, optional
        Called with each summary as it arrives (skipped fits first).

    Returns
    -------
    list of FitSummary
        ``done``, ``skipped`` (unchanged inputs, finished before) or ``failed`` (with ``error``).
    """
    names = [t.name for t in tasks]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SpecError(f"Fit names must be unique; {', '.join(dup)} appear more than once.")
    folders = [str(Path(t.out).resolve()) for t in tasks]
    if len(set(folders)) < len(folders):
        raise SpecError("Two fits would write into the same folder; give each fit its own name or folder.")
    results: dict[str, FitSummary] = {}
    todo: list[tuple[FitTask, str]] = []
    for task in tasks:
        digest = task.content_hash()
        done = finished_summary(task, digest)
        if done is not None:
            results[task.name] = done
            if on_result:
                on_result(done)
        else:
            todo.append((task, digest))
    if todo:
        with dask_client(scheduler, workers) as client, _progress(progress, len(tasks), len(results)) as advance:
            from dask.distributed import as_completed

            futures = {client.submit(run_task, task, digest, key=f"mmm-fit-{task.name}-{digest[:12]}",
                                     pure=False): task for task, digest in todo}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    summary = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker: that fit fails, the batch goes on
                    summary = FitSummary(name=task.name, status=FAILED, error=f"{type(exc).__name__}: {exc}",
                                         folder=str(task.out))
                results[task.name] = summary
                advance(summary)
                if on_result:
                    on_result(summary)
    return [results[t.name] for t in tasks]


@contextmanager
def _progress(show: bool, total: int, completed: int):
    """A rich progress bar over fits; yields ``advance(summary)``."""
    if not show:
        yield lambda summary: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("fits"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=Console(stderr=True), transient=False) as bar:
        job = bar.add_task("", total=total, completed=completed)

        def advance(summary: FitSummary) -> None:
            mark = "failed" if summary.status == FAILED else summary.verdict.split(":")[0][:40]
            bar.update(job, advance=1, description=f"{summary.name}: {mark}")

        yield advance


def run_task(task: FitTask, digest: str | None = None) -> FitSummary:
    """Fit one task, write its folder and record, and return its summary (runs on a worker).

    Never raises for a problem of the fit itself (bad spec, bad data, a sampler failure, a full
    disk): that becomes a ``failed`` summary with the error in one line.
    """
    import warnings

    digest = digest or task.content_hash()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), _no_distributed_io():
            warnings.simplefilter("ignore")
            summary = _fit_and_write(task, digest, start)
    except Exception as exc:  # noqa: BLE001 - one failing fit never stops the batch
        from mmm.errors import MMMError

        detail = str(exc) if isinstance(exc, MMMError) else \
            f"{type(exc).__name__}: {exc} ({traceback.extract_tb(exc.__traceback__)[-1].name})"
        summary = FitSummary(name=task.name, status=FAILED, error=detail.replace("\n", " ")[:500],
                             seconds=round(time.perf_counter() - start, 2), folder=str(task.out),
                             content_hash=digest)
        try:
            Path(task.out).mkdir(parents=True, exist_ok=True)
            write_record(task.out, summary, "")
        except OSError:
            pass
    return summary


@contextmanager
def _no_distributed_io():
    """Inside a Dask worker, xarray would take a cluster-wide lock to write ``model.nc`` (and fails
    on the in-memory file the model is written through): the fit's own I/O runs locally."""
    try:
        import dask
    except ImportError:  # pragma: no cover - dask is a dependency
        yield
        return
    with dask.config.set(scheduler="synchronous"):
        yield


def _fit_and_write(task: FitTask, digest: str, start: float) -> FitSummary:
    from mmm.atomic import check_writable_dir, output_lock
    from mmm.fitting import fit_spec, total_view
    from mmm.many.scores import holdout_scores, loo_scores, total_media_roas
    from mmm.outputs import read_manifest, write_fit_outputs
    from mmm.spec import spec_from_dict

    spec = spec_from_dict(task.spec)
    settings = {k: v for k, v in task.settings.items() if v is not None}
    if task.scores and (spec.branded_search or spec.funnel):  # scores need the plain model's posterior
        raise SpecError(f"{task.name}: backtests, comparisons and stacking take the plain model; this spec "
                        "has branded_search: or funnel:. Leave those out for this command.")
    check_writable_dir(task.out)
    with output_lock(task.out):  # never two fits into one folder, even from two batches
        fitted = fit_spec(spec, task.data, progressbar=False, **settings)
        written = write_fit_outputs(fitted, task.out, data_file=spec.data if task.data is None else None)
    view = total_view(fitted)
    scores: dict[str, Any] = {}
    if "holdout" in task.scores:
        scores["holdout"] = holdout_scores(view, seed=spec.fit.seed)
    if "loo" in task.scores:
        scores["loo"] = loo_scores(view)
    d = view.diagnostics
    summary = FitSummary(name=task.name, status=DONE, verdict=d.verdict, health=d.health or "",
                         converged=bool(d.converged), seconds=round(time.perf_counter() - start, 2),
                         r2=float(d.r2) if d.r2 is not None else float("nan"),
                         total_media_roas=total_media_roas(view), folder=str(task.out), content_hash=digest,
                         scores=scores)
    manifest = read_manifest(written.paths["manifest"].parent) or {}
    write_record(task.out, summary, manifest.get("model_sha256", ""))
    return summary
