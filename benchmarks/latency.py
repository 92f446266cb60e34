"""Wall time of each ``mmm`` command as a user runs it (issue 16, "Interactive speed").

    python benchmarks/latency.py                          # every command, 3 repeats
    python benchmarks/latency.py --repeats 5 --commands help,validate
    python benchmarks/latency.py --quick                  # skip the fits and the report (seconds, not minutes)
    python benchmarks/latency.py --commands plan,report --plan-fit default   # on a default (4 x 1000) fit
    python benchmarks/latency.py --commands plan,report --plan-fit default --before /tmp/old   # before/after

Every command runs as its own subprocess through the installed ``mmm`` console script,
on a bundled sample (``data/samples/ecommerce.yaml`` by default, ``--dataset b2b`` for the
other) copied into a temporary folder, or ``--dataset peer``: PyMC-Marketing's example data
(179 weeks, 2 channels) written there as ``peer.csv`` with the benchmark's matched settings
in ``peer.yaml``:

* ``help``      ``mmm --help``
* ``validate``  ``mmm validate CONFIG``
* ``fit``       ``mmm fit CONFIG --out D`` with the default settings (a cold cache: each
  repeat gets a fresh ``MMM_JAX_CACHE`` folder, so the sampler program is compiled)
* ``refit``     the same fit again (same spec and data: :mod:`mmm.compiled` reads the program
  ``fit`` compiled from that folder instead of compiling it)
* ``refit_prior``  the same fit with the noise prior's value changed (HalfNormal sigma 0.2; same
  structure, new prior values: the record ``fit`` left runs with them, the program read from the
  folder ``fit`` compiled it into; the PyMC model is built only when the record cannot be used)
* ``refit_data``  the same fit on corrected data: the first ten weeks' KPI values raised 5% (same weeks and
  shapes, new values: the record ``fit`` left runs with them; the PyMC model is built only when the record
  cannot be used)
* ``fit_fast``  the same fit with ``MMM_FAST=1`` (few draws; ``--fast`` when ``mmm fit`` has it)
* ``notebook_refit``  in one Python process: ``Model(spec).fit()``, then the noise prior's
  value changed and ``fit()`` again; the time of the second fit (the notebook case: one
  compiled sampler reused across refits). ``CPU s`` is the whole process's.
* ``plan``      ``mmm plan D``
* ``report``    ``mmm report D`` (default formats)

``plan`` and ``report`` need a fitted folder: when ``fit`` is not among the commands, one
fit is made first (not timed; ``MMM_FAST``, or the default draws with ``--plan-fit default``)
and each repeat plans and reports on a fresh copy of it. Their notes name the heavy libraries
their code path imports (one more untimed run).

The table gives the median, min and max wall time over ``--repeats`` and notes with a
per-phase breakdown where one is available: for ``help`` the import time of ``mmm.cli``
(``python -X importtime``, median over the repeats) and the heavy libraries it pulls in;
for ``validate`` the heavy libraries its code path imports; for the fits the phases the
fit records in ``diagnostics.json`` (``build_seconds`` = building the PyMC model,
``seconds`` = the sampler call, i.e. compilation + tuning + draws; the rest is Python
start-up, imports, loading the data, the convergence checks and writing the outputs),
and how the fit got its sampler program (``compiled`` / ``loaded``, from ``model.nc``).
Machine load (``os.getloadavg()``) before and after, and the core count, go into the
output: on a shared machine the seconds are upper bounds. ``CPU s`` is the median user +
system time of the command's processes: close to the wall time a quiet machine gives for
the single-threaded commands (help, validate, plan, report), and less sensitive to load
(the fits run chains in parallel, so theirs can exceed the wall time).

``--before DIR`` (``help``, ``validate``, ``plan``, ``report`` only) also runs each command with
the ``mmm`` package in ``DIR`` (``PYTHONPATH``; e.g. ``git archive <commit> mmm | tar -x -C DIR``)
right before the current one, on its own copy of the same fitted folder, and gives its median
wall and CPU seconds beside them: on a shared machine the two then see the same load.

Writes ``benchmarks/results/latency.csv`` (``--csv`` to change), one row per command.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "data" / "samples"
COMMANDS = ("help", "validate", "fit", "refit", "refit_prior", "refit_data", "fit_fast", "notebook_refit", "plan",
            "report")
#: Commands ``--before`` can compare (the fits would compile and sample twice per repeat).
BEFORE_COMMANDS = ("help", "validate", "plan", "report")
QUICK_SKIP = ("fit", "refit", "refit_prior", "refit_data", "fit_fast", "notebook_refit", "report")
#: ``notebook_refit``: fit, change a prior value, fit again in the same process; the second fit is timed.
NOTEBOOK_REFIT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from mmm.fitted import Model
from mmm.spec import load_spec, spec_from_dict
from mmm import compiled
spec = load_spec(sys.argv[1])
Model(spec).fit(progressbar=False)
raw = spec.to_dict()
raw.setdefault("model", {}).setdefault("priors", {})["noise"] = {"distribution": "HalfNormal", "sigma": 0.2}
t0 = time.perf_counter()
fit = Model(spec_from_dict(raw)).fit(progressbar=False)
seconds = time.perf_counter() - t0
print("NOTEBOOK_REFIT " + json.dumps({"seconds": seconds, "program": fit.idata.posterior.attrs.get("sampler_program"),
                                      "compiles": compiled.compile_count()}))
"""
#: Heavy libraries named in the notes: `mmm --help` and `mmm validate` should need none of them, `mmm plan`
#: and `mmm report` none of the sampler stack (pymc, pytensor, jax, numpyro, arviz) nor dask.
HEAVY = ("pymc", "pytensor", "jax", "jaxlib", "numpyro", "arviz", "matplotlib", "scipy", "xarray", "numba", "nutpie",
         "dask")


def mmm_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point via ``-c``."""
    script = Path(sys.executable).parent / "mmm"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from mmm.cli import main; sys.argv[0] = 'mmm'; main()"]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall seconds, CPU seconds (user + system), exit code, last lines of stderr)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    tail = " | ".join((r.stderr or r.stdout).strip().splitlines()[-3:])
    return wall, cpu, r.returncode, tail


def import_time(module: str, cwd: Path, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """``python -X importtime -c 'import MODULE'``: total seconds and cumulative seconds per top package.

    Run from ``cwd`` outside the repository, as the timed commands are (``-c`` puts the
    working folder first on ``sys.path``).
    """
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=300)
    total, per_pkg = 0.0, {}
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, raw_name = line[len("import time:"):].split("|", 2)
        try:
            cumulative = int(cum) / 1e6
        except ValueError:  # the header line
            continue
        name = raw_name.strip()
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2  # importtime indents nested imports by 2
        if depth == 0:  # a top-level import of this run: its cumulative time counts once
            total += cumulative
            top = name.split(".")[0]
            per_pkg[top] = per_pkg.get(top, 0.0) + cumulative
        elif name in HEAVY:  # a heavy package imported by something else: keep its own cumulative time
            per_pkg[name] = max(per_pkg.get(name, 0.0), cumulative)
    return total, per_pkg


def heavy_after(code: str, cwd: Path, env: dict[str, str]) -> list[str]:
    """Heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (code + "\nimport sys, json\n"
             f"print('HEAVY=' + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=300)
    for line in r.stdout.splitlines():
        if line.startswith("HEAVY="):
            return json.loads(line[len("HEAVY="):])
    return ["?probe failed: " + " | ".join(r.stderr.strip().splitlines()[-2:])]


def fit_has_fast_flag(env: dict[str, str]) -> bool:
    r = subprocess.run([*mmm_command(), "fit", "--help"], env=env, capture_output=True, text=True, timeout=120)
    return "--fast" in r.stdout


def diagnostics_phases(outdir: Path) -> dict[str, float]:
    try:
        d = json.loads((outdir / "diagnostics.json").read_text())
    except (OSError, ValueError):
        return {}
    return {"build": float(d.get("build_seconds") or 0.0), "sampler": float(d.get("seconds") or 0.0),
            "chains": d.get("chains"), "draws": d.get("draws"), "tune": d.get("tune")}


def sampler_program(outdir: Path) -> str | None:
    """How the fit got its sampler program (``compiled``, ``loaded`` from the on-disk cache,
    ``reused``), from ``model.nc``, with ``+record`` when it ran from the record of its inputs
    (no PyMC model built); None for older fits and other samplers."""
    try:
        import h5py

        with h5py.File(outdir / "model.nc", "r") as fh:
            value = fh["posterior"].attrs.get("sampler_program")
            inputs = fh["posterior"].attrs.get("sampler_inputs")
    except (ImportError, OSError, KeyError):
        return None
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else str(value)
    inputs = inputs.decode() if isinstance(inputs, bytes) else inputs
    return text + ("+record" if inputs == "recorded" else "")


def write_prior_variant(config: Path) -> Path:
    """A copy of the spec ``config`` with the noise prior's value changed (same structure, new inputs)."""
    import yaml

    from mmm.spec import load_spec

    raw = load_spec(config).to_dict()
    raw.setdefault("model", {}).setdefault("priors", {})["noise"] = {"distribution": "HalfNormal", "sigma": 0.2}
    out = config.with_name(config.stem + "_prior.yaml")
    out.write_text(yaml.safe_dump(raw, sort_keys=False))
    return out


def write_data_variant(config: Path) -> Path:
    """A copy of the spec ``config`` and its data with the first ten weeks' KPI raised 5% (same weeks, new values)."""
    import pandas as pd
    import yaml

    from mmm.spec import load_spec

    spec = load_spec(config)
    raw = spec.to_dict()
    data = pd.read_csv(config.parent / spec.data)
    data.loc[:9, spec.kpi.column] = data.loc[:9, spec.kpi.column] * 1.05
    csv = config.with_name(config.stem + "_corrected.csv")
    data.to_csv(csv, index=False)
    raw["data"] = csv.name
    out = config.with_name(config.stem + "_corrected.yaml")
    out.write_text(yaml.safe_dump(raw, sort_keys=False))
    return out


def plan_phases(outdir: Path) -> dict[str, float]:
    """The optimizer's and the brand split's own seconds, from ``plan.json``."""
    try:
        info = json.loads((outdir / "plan.json").read_text())
    except (OSError, ValueError):
        return {}
    opt = (info.get("plan") or {}).get("optimizer") or {}
    out = {}
    if isinstance(opt.get("seconds_total", opt.get("seconds")), (int, float)):
        out["optimizer"] = float(opt.get("seconds_total", opt.get("seconds")))
    if isinstance((info.get("split") or {}).get("seconds"), (int, float)):
        out["split"] = float(info["split"]["seconds"])
    return out


def write_peer_example(folder: Path) -> None:
    """``peer.csv`` and ``peer.yaml`` in ``folder``: PyMC-Marketing's example data (179 weeks, 2
    channels) with the benchmark's matched model settings (:mod:`common`)."""
    import yaml

    sys.path.insert(0, str(HERE))
    from common import load_dataset, ours_spec

    ds = load_dataset("peer")
    ds["df"].to_csv(folder / "peer.csv", index=False)
    spec = {"data": "peer.csv", **ours_spec(ds, "matched")}
    (folder / "peer.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


def notebook_refit(config: str, cwd: Path, env: dict[str, str], timeout: float) -> tuple[float, float, int, str]:
    """The notebook case: fit, change the noise prior's value, fit again in the same process.

    Returns (seconds of the second ``Model.fit``, CPU seconds of the whole process, exit code,
    how the second fit got its sampler program, or the error).
    """
    c0 = _children_cpu()
    r = subprocess.run([sys.executable, "-c", NOTEBOOK_REFIT, config], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=timeout)
    cpu = _children_cpu() - c0
    for line in r.stdout.splitlines():
        if line.startswith("NOTEBOOK_REFIT "):
            info = json.loads(line[len("NOTEBOOK_REFIT "):])
            return float(info["seconds"]), cpu, 0, str(info.get("program"))
    return float("nan"), cpu, r.returncode or 1, " | ".join((r.stderr or r.stdout).strip().splitlines()[-3:])


def _med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def run(commands: list[str], repeats: int, dataset: str, timeout: float, plan_fit: str = "fast",
        before: Path | None = None) -> dict[str, Any]:
    base_env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1", "COLUMNS": "120"}
    base_env.pop("MMM_FAST", None)
    mmm = mmm_command()
    fast_flag = "fit_fast" in commands and fit_has_fast_flag(base_env)
    walls: dict[str, list[float]] = {c: [] for c in commands}
    cpus: dict[str, list[float]] = {c: [] for c in commands}
    codes: dict[str, list[int]] = {c: [] for c in commands}
    notes: dict[str, list[str]] = {c: [] for c in commands}
    phases: dict[str, list[dict[str, float]]] = {c: [] for c in commands}
    programs: dict[str, list[str]] = {c: [] for c in commands}
    tails: dict[str, str] = {}
    before_walls: dict[str, list[float]] = {c: [] for c in commands}
    before_cpus: dict[str, list[float]] = {c: [] for c in commands}
    load_before = os.getloadavg()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="mmm-latency-") as tmp_s:
        tmp = Path(tmp_s)
        if dataset == "peer":
            write_peer_example(tmp)
        for f in SAMPLES.glob(f"{dataset}*"):
            shutil.copy(f, tmp / f.name)
        config = f"{dataset}.yaml"
        if "refit_prior" in commands:
            prior_config = write_prior_variant(tmp / config).name
        if "refit_data" in commands:
            data_config = write_data_variant(tmp / config).name
        for rep in range(repeats):
            env = {**base_env, "MMM_JAX_CACHE": str(tmp / f"jax-cache-{rep}")}  # cold for `fit`, warm for `refit`
            out = tmp / f"out-{rep}"
            fast_out = tmp / f"out-fast-{rep}"
            if any(c in commands for c in ("plan", "report")) and "fit" not in commands:
                fitted = tmp / "fitted"
                if not fitted.exists():  # one untimed fit; each repeat plans and reports on a fresh copy of it
                    fit_env = {**env, "MMM_FAST": "1"} if plan_fit == "fast" else env
                    subprocess.run([*mmm, "fit", config, "--out", str(fitted)], cwd=tmp, env=fit_env,
                                   capture_output=True, timeout=timeout)
                shutil.copytree(fitted, out, dirs_exist_ok=True)
                if before is not None:
                    shutil.copytree(fitted, tmp / f"out-before-{rep}", dirs_exist_ok=True)
            for cmd in commands:
                run_env, argv = env, None
                if cmd == "help":
                    argv = [*mmm, "--help"]
                elif cmd == "validate":
                    argv = [*mmm, "validate", config]
                elif cmd in ("fit", "refit"):
                    argv = [*mmm, "fit", config, "--out", str(out)]
                elif cmd == "refit_prior":
                    argv = [*mmm, "fit", prior_config, "--out", str(tmp / f"out-prior-{rep}")]
                elif cmd == "refit_data":
                    argv = [*mmm, "fit", data_config, "--out", str(tmp / f"out-data-{rep}")]
                elif cmd == "fit_fast":
                    argv = [*mmm, "fit", config, "--out", str(fast_out)] + (["--fast"] if fast_flag else [])
                    if not fast_flag:
                        run_env = {**env, "MMM_FAST": "1"}
                elif cmd == "plan":
                    argv = [*mmm, "plan", str(out)]
                elif cmd == "report":
                    argv = [*mmm, "report", str(out)]
                if cmd == "notebook_refit":
                    wall, cpu, code, note = notebook_refit(config, tmp, env, timeout)
                    walls[cmd].append(wall)
                    cpus[cmd].append(cpu)
                    codes[cmd].append(code)
                    if code:
                        tails[cmd] = note
                    else:
                        programs[cmd].append(note)
                    print(f"  repeat {rep + 1}/{repeats} {cmd:9s} {wall:7.2f} s  (second fit in one process)  "
                          f"exit {code}", file=sys.stderr, flush=True)
                    continue
                if before is not None and cmd in BEFORE_COMMANDS:
                    old_env = {**run_env, "PYTHONPATH": str(before)}
                    old_argv = [str(tmp / f"out-before-{rep}") if a == str(out) else a for a in argv]
                    try:
                        b_wall, b_cpu, b_code, _ = timed(old_argv, tmp, old_env, timeout)
                    except subprocess.TimeoutExpired:
                        b_wall, b_cpu, b_code = float("nan"), float("nan"), -1
                    before_walls[cmd].append(b_wall if b_code in (0, 3) else float("nan"))
                    before_cpus[cmd].append(b_cpu if b_code in (0, 3) else float("nan"))
                    print(f"  repeat {rep + 1}/{repeats} {cmd:9s} {b_wall:7.2f} s  cpu {b_cpu:7.2f} s  exit {b_code}"
                          "  (before)", file=sys.stderr, flush=True)
                try:
                    wall, cpu, code, tail = timed(argv, tmp, run_env, timeout)
                except subprocess.TimeoutExpired:
                    wall, cpu, code, tail = float("nan"), float("nan"), -1, f"timed out after {timeout:.0f} s"
                walls[cmd].append(wall)
                cpus[cmd].append(cpu)
                codes[cmd].append(code)
                if code not in (0, 3):
                    tails[cmd] = tail
                if cmd in ("fit", "refit", "refit_prior", "refit_data", "fit_fast"):
                    fit_out = {"fit_fast": fast_out, "refit_prior": tmp / f"out-prior-{rep}",
                               "refit_data": tmp / f"out-data-{rep}"}.get(cmd, out)
                    ph = diagnostics_phases(fit_out)
                    source = sampler_program(fit_out)
                    if source:
                        programs[cmd].append(source)
                    if ph:
                        ph["rest"] = wall - ph["build"] - ph["sampler"]
                        phases[cmd].append(ph)
                elif cmd == "plan":
                    ph = plan_phases(out)
                    if ph:
                        phases[cmd].append(ph)
                print(f"  repeat {rep + 1}/{repeats} {cmd:9s} {wall:7.2f} s  cpu {cpu:7.2f} s  exit {code}", file=sys.stderr,
                      flush=True)
        # per-phase probes (not part of the timed runs)
        if "help" in commands:
            imports = sorted((import_time("mmm.cli", tmp, base_env) for _ in range(repeats)), key=lambda x: x[0])
            tot, pk = imports[len(imports) // 2]  # the median run, with its own breakdown
            top = sorted(((v, k) for k, v in pk.items() if k in HEAVY or v > 0.1), reverse=True)[:6]
            notes["help"].append(f"import mmm.cli {tot:.2f} s (" + ", ".join(f"{k} {v:.2f}" for v, k in top) + ")")
            heavy = heavy_after("import mmm.cli", tmp, base_env)
            notes["help"].append("heavy imported: " + (", ".join(heavy) or "none"))
        if "validate" in commands:
            code = ("from typer.testing import CliRunner\nfrom mmm.cli import app\n"
                    f"r = CliRunner().invoke(app, ['validate', {config!r}])\nassert r.exit_code == 0, r.output")
            heavy = heavy_after(code, tmp, base_env)
            notes["validate"].append("heavy imported: " + (", ".join(heavy) or "none"))
        for cmd in ("plan", "report"):  # what their code path imports, run once more on the last folder
            if cmd in commands and (tmp / f"out-{repeats - 1}" / "model.nc").exists():
                code = ("from typer.testing import CliRunner\nfrom mmm.cli import app\n"
                        f"r = CliRunner().invoke(app, [{cmd!r}, {str(tmp / f'out-{repeats - 1}')!r}])\n"
                        "assert r.exit_code in (0, 3), r.output")
                heavy = heavy_after(code, tmp, base_env)
                notes[cmd].append("heavy imported: " + (", ".join(heavy) or "none"))
    for cmd in commands:
        if phases[cmd]:
            keys = [k for k in phases[cmd][0] if k not in ("chains", "draws", "tune")]
            med = {k: _med([p[k] for p in phases[cmd] if k in p]) for k in keys}
            p0 = phases[cmd][0]
            shape = f"{p0['chains']}x{p0['draws']} draws, {p0['tune']} tune; " if "chains" in p0 else ""
            fmt = "{:.2f}" if cmd == "plan" else "{:.1f}"
            notes[cmd].insert(0, shape + ", ".join(f"{k} {fmt.format(v)} s" for k, v in med.items()))
        if cmd == "fit_fast":
            notes[cmd].append("--fast" if fast_flag else "MMM_FAST=1")
        if cmd in ("refit", "refit_prior", "refit_data"):
            notes[cmd].append("warm JAX cache")
        if cmd == "fit":
            notes[cmd].append("cold JAX cache")
        if programs[cmd]:
            notes[cmd].append("sampler program " + "/".join(programs[cmd]))
        bad = [c for c in codes[cmd] if c not in (0, 3)]
        if bad:
            notes[cmd].append(f"FAILED exit {bad[0]}: {tails.get(cmd, '')}")
        elif 3 in codes[cmd]:
            notes[cmd].append("exit 3 (not converged)")
    rows = []
    for cmd in commands:
        xs = [w for w in walls[cmd] if w == w]
        bw = [w for w in before_walls[cmd] if w == w]
        bc = [c for c in before_cpus[cmd] if c == c]
        rows.append({"command": cmd, "median_s": round(_med(xs), 2), "min_s": round(min(xs), 2) if xs else None,
                     "max_s": round(max(xs), 2) if xs else None, "repeats": len(walls[cmd]),
                     "cpu_s": round(_med([c for c in cpus[cmd] if c == c]), 2),
                     "before_median_s": round(_med(bw), 2) if bw else None,
                     "before_cpu_s": round(_med(bc), 2) if bc else None,
                     "notes": "; ".join(notes[cmd])})
    return {"rows": rows, "load_before": load_before, "load_after": os.getloadavg(),
            "cores": os.cpu_count(), "dataset": dataset, "repeats": repeats,
            "when": _dt.datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M"),
            "elapsed_s": round(time.time() - started, 1), "python": platform.python_version(),
            "before": str(before) if before is not None else None}


def table(result: dict[str, Any]) -> str:
    la, lb = result["load_before"], result["load_after"]
    lines = [f"{result['when']}, dataset {result['dataset']}, {result['repeats']} repeats, "
             f"{result['cores']} cores, Python {result['python']}, load average (1/5/15 min) "
             f"{la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} before, {lb[0]:.2f}/{lb[1]:.2f}/{lb[2]:.2f} after, "
             f"{result['elapsed_s']:.0f} s in all",
             ""]
    if result.get("before"):
        lines += [f"before: the mmm package in {result['before']}, run right before each timed command", "",
                  "| command | before: median s | before: CPU s | median s | min | max | CPU s | notes |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in result["rows"]:
            b = (f"{r['before_median_s']:.2f} | {r['before_cpu_s']:.2f}" if r["before_median_s"] is not None
                 else " | ")
            lines.append(f"| {r['command']} | {b} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} | "
                         f"{r['cpu_s']:.2f} | {r['notes']} |")
        return "\n".join(lines)
    lines += ["| command | median s | min | max | CPU s | notes |",
              "|---|---:|---:|---:|---:|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['command']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} | "
                     f"{r['cpu_s']:.2f} | {r['notes']} |")
    return "\n".join(lines)


def write_csv(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    la, lb = result["load_before"], result["load_after"]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["command", "median_s", "min_s", "max_s", "cpu_s", "repeats", "notes", "dataset", "cores",
                    "load_before_1m", "load_after_1m", "when", "before_median_s", "before_cpu_s", "before"])
        for r in result["rows"]:
            w.writerow([r["command"], r["median_s"], r["min_s"], r["max_s"], r["cpu_s"], r["repeats"], r["notes"],
                        result["dataset"], result["cores"], round(la[0], 2), round(lb[0], 2), result["when"],
                        r.get("before_median_s"), r.get("before_cpu_s"), result.get("before") or ""])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--commands", default=",".join(COMMANDS), help=f"comma-separated subset of {','.join(COMMANDS)}")
    p.add_argument("--quick", action="store_true", help=f"skip {', '.join(QUICK_SKIP)}")
    p.add_argument("--dataset", default="ecommerce", choices=("ecommerce", "b2b", "peer"),
                   help="a bundled sample, or peer: PyMC-Marketing's example data with the matched settings")
    p.add_argument("--timeout", type=float, default=1200, help="seconds per command")
    p.add_argument("--plan-fit", default="fast", choices=("fast", "default"),
                   help="the untimed fit plan and report run on when fit is not timed: MMM_FAST, or the "
                        "default draws (4 x 1000, what a user reports on)")
    p.add_argument("--before", type=Path, default=None,
                   help="a folder holding an earlier mmm package: each of help, validate, plan, report also runs "
                        "with it (PYTHONPATH) right before the current one")
    p.add_argument("--csv", type=Path, default=HERE / "results" / "latency.csv")
    args = p.parse_args(argv)
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = [c for c in commands if c not in COMMANDS]
    if unknown:
        p.error(f"unknown command(s) {', '.join(unknown)}; choose from {', '.join(COMMANDS)}")
    if args.quick:
        commands = [c for c in commands if c not in QUICK_SKIP]
    if args.before is not None:
        if not (args.before / "mmm" / "__init__.py").is_file():
            p.error(f"--before {args.before}: no mmm package there (expected {args.before / 'mmm' / '__init__.py'})")
        if any(c not in BEFORE_COMMANDS for c in commands):
            p.error(f"--before compares only {', '.join(BEFORE_COMMANDS)}")
        args.before = args.before.resolve()
    result = run(commands, max(1, args.repeats), args.dataset, args.timeout, args.plan_fit, args.before)
    print("\n" + table(result))
    write_csv(result, args.csv)
    print(f"\nwrote {args.csv}")
    return 1 if any("FAILED" in r["notes"] for r in result["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
