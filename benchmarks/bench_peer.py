"""Benchmark against PyMC-Marketing: same data, matched settings, one command.

    python benchmarks/bench_peer.py --runs 3                      # the full benchmark
    python benchmarks/bench_peer.py --runs 3 --datasets peer,ecommerce,b2b --runs-for b2b=2
    python benchmarks/bench_peer.py --quick --runs 1 --datasets peer --ours-only   # smoke test
    python benchmarks/bench_peer.py --report benchmarks/results/peer_<timestamp>.json  # tables again

Every fit runs in its own subprocess (:mod:`worker`): ours with this interpreter (the
project's venv), the peer with ``--peer-python`` (default ``/work/bench-venv/bin/python``,
or ``$MMM_PEER_PYTHON``; a venv made with ``pip install -e .[bench]``). If the peer is
not importable there, its rows are skipped with a message. Fits are interleaved
(ours, peer, ours, peer ...) so that the noise of a shared machine hits both.

Matched settings: geometric adstock (l_max 8), logistic saturation, yearly seasonality of
order 2, the same controls and events (the peer also gets a trend index ``t`` as a
control, as in its own example, since it has no built-in trend), 4 chains x 1000 tune x
1000 draws, each side's default target_accept (ours 0.9, the peer's 0.8 from PyMC).

Writes ``benchmarks/results/peer_<timestamp>.json`` (every fit plus medians) and prints
markdown tables: medians over runs, and the ratios ours / peer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
DEFAULT_PEER_PYTHON = os.environ.get("MMM_PEER_PYTHON", "/work/bench-venv/bin/python")

#: (label, side, sampler, variant)
OURS_NUMPYRO = ("ours numpyro (default)", "ours", "numpyro", "matched")
OURS_NUTPIE = ("ours nutpie", "ours", "nutpie", "matched")
OURS_PRESET = ("ours numpyro, pipeline preset (delayed, l_max 13)", "ours", "numpyro", "default")
PEER_NUMPYRO = ("peer numpyro", "peer", "numpyro", "matched")
PEER_NUTPIE = ("peer nutpie", "peer", "nutpie", "matched")


def peer_available(python: str) -> tuple[bool, str]:
    """Whether ``python`` can import PyMC-Marketing (and which version)."""
    if not Path(python).exists():
        return False, f"{python} does not exist"
    try:
        r = subprocess.run([python, "-c", "import pymc_marketing; print(pymc_marketing.__version__)"],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if r.returncode:
        return False, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "import failed"
    return True, r.stdout.strip()


def run_worker(python: str, side: str, dataset: str, sampler: str, variant: str, sizes: dict[str, int],
               seed: int, timeout: int, jax_cache: str | None = None) -> dict[str, Any]:
    """Run one fit in a subprocess; return its result dict (or an ``error`` dict).

    ``jax_cache``: ours only, the ``MMM_JAX_CACHE`` folder (compiled sampler programs) of the run.
    """
    cmd = [python, str(WORKER), "--side", side, "--dataset", dataset, "--sampler", sampler,
           "--variant", variant, "--draws", str(sizes["draws"]), "--tune", str(sizes["tune"]),
           "--chains", str(sizes["chains"]), "--seed", str(seed)]
    env = {**os.environ, **({"MMM_JAX_CACHE": jax_cache} if jax_cache else {})}
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s", "cmd": " ".join(cmd)}
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            out = json.loads(line[len("RESULT "):])
            out["process_s"] = time.perf_counter() - t0
            return out
    tail = (r.stderr or r.stdout).strip().splitlines()[-15:]
    return {"error": "\n".join(tail), "returncode": r.returncode, "cmd": " ".join(cmd)}


def _median(rows: list[dict[str, Any]], key: str) -> float:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return float(statistics.median(vals)) if vals else float("nan")


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs of one configuration."""
    keys = ("build_s", "compile_s", "sample_s", "post_s", "total_s", "min_ess_bulk", "min_ess_tail",
            "ess_per_s", "ess_per_s_sampling", "divergences", "peak_rss_mb")
    out: dict[str, Any] = {k: _median(rows, k) for k in keys}
    out["runs"] = len(rows)
    out["max_rhat"] = max(r["max_rhat"] for r in rows)
    out["divergences_max"] = max(r["divergences"] for r in rows)
    chans: dict[str, dict[str, float]] = {}
    for c in rows[0]["channels"]:
        chans[c] = {k: float(statistics.median(r["channels"][c][k] for r in rows))
                    for k in rows[0]["channels"][c]}
    out["channels"] = chans
    return out


def fastest(summaries: dict[str, dict[str, Any]], side: str) -> str | None:
    """Label of the matched configuration of ``side`` with the shortest median time to result."""
    labels = [lb for lb in summaries if lb.startswith(side) and "preset" not in lb]
    return min(labels, key=lambda lb: summaries[lb]["total_s"]) if labels else None


def compare(summaries: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Ours (default sampler) against the peer's fastest sampler."""
    ours = summaries.get(OURS_NUMPYRO[0])
    peer_label = fastest(summaries, "peer")
    if ours is None or peer_label is None:
        return None
    peer = summaries[peer_label]
    speedup = peer["total_s"] / ours["total_s"]
    ess_ratio = ours["ess_per_s"] / peer["ess_per_s"]
    return {"ours": OURS_NUMPYRO[0], "peer": peer_label,
            "time_ratio_ours_over_peer": ours["total_s"] / peer["total_s"],
            "speedup": speedup, "ess_per_s_ratio": ess_ratio,
            "ess_per_s_sampling_ratio": ours["ess_per_s_sampling"] / peer["ess_per_s_sampling"],
            "goal_time_2x": speedup >= 2.0, "goal_time_4x": speedup >= 4.0, "goal_ess_3x": ess_ratio >= 3.0}


def markdown(result: dict[str, Any]) -> str:
    """The tables of the README from a result dict."""
    lines = []
    s = result["settings"]
    lines.append(f"{s['chains']} chains x {s['tune']} tune x {s['draws']} draws; medians over runs "
                 "(times in seconds; ESS = min bulk ESS over the free parameters; "
                 "ESS/s = min bulk ESS / time to result).\n")
    lines.append("| data set | configuration | runs | build | compile | sampling | post | **time to result** "
                 "| min ESS | **ESS/s** | ESS/s (sampling only) | divergences (median / max) | max R-hat |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, d in result["datasets"].items():
        for label, m in d["summary"].items():
            lines.append(
                f"| {name} | {label} | {m['runs']} | {m['build_s']:.1f} | {m['compile_s']:.1f} "
                f"| {m['sample_s']:.1f} | {m['post_s']:.1f} | **{m['total_s']:.1f}** | {m['min_ess_bulk']:.0f} "
                f"| **{m['ess_per_s']:.1f}** | {m['ess_per_s_sampling']:.1f} "
                f"| {m['divergences']:.0f} / {m['divergences_max']} | {m['max_rhat']:.3f} |")
    lines.append("")
    lines.append("Ours (default sampler) against the peer's fastest sampler:\n")
    lines.append("| data set | peer's fastest | time to result ours / peer | speed-up | ESS/s ours / peer "
                 "| ESS/s (sampling only) ours / peer | goal >= 2x faster | goal >= 4x faster (issue 16) "
                 "| goal >= 3x ESS/s |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for name, d in result["datasets"].items():
        c = d.get("comparison")
        if not c:
            lines.append(f"| {name} | (peer not run) | | | | | | |")
            continue
        lines.append(f"| {name} | {c['peer']} | {c['time_ratio_ours_over_peer']:.2f} | {c['speedup']:.2f}x "
                     f"| {c['ess_per_s_ratio']:.2f} | {c['ess_per_s_sampling_ratio']:.2f} "
                     f"| {'met' if c['goal_time_2x'] else 'NOT met'} "
                     f"| {'met' if c.get('goal_time_4x') else 'NOT met'} "
                     f"| {'met' if c['goal_ess_3x'] else 'NOT met'} |")
    lines.append("")
    lines.append("Posterior means (medians over runs) next to the truth. ROAS = contribution / spend over "
                 "the data; alpha = geometric carryover; lambda in the peer's units (spend / max spend).\n")
    lines.append("| data set | channel | configuration | ROAS (truth) | alpha (truth) | lambda, peer units (truth) |")
    lines.append("|---|---|---|---|---|---|")
    for name, d in result["datasets"].items():
        truth = d["truth"]
        for c, t in truth.items():
            for label, m in d["summary"].items():
                ch = m["channels"].get(c, {})
                alpha = f"{ch['alpha_mean']:.2f}" if "alpha_mean" in ch else "-"
                if "preset" in label:
                    alpha += " (delayed)"
                lam = f"{ch['lam_peer_units_mean']:.2f}" if "lam_peer_units_mean" in ch else "-"
                t_alpha = f"{t['alpha']:.2f}" + ("" if t["adstock"] == "geometric" else f" ({t['adstock']})")
                lines.append(f"| {name} | {c} | {label} | {ch.get('roas_mean', float('nan')):.2f} "
                             f"({t['roas']:.2f}) | {alpha} ({t_alpha}) | {lam} ({t['lam_peer']:.2f}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description="Benchmark ours against PyMC-Marketing on the same data.")
    p.add_argument("--runs", type=int, default=3, help="runs per configuration (medians are reported)")
    p.add_argument("--runs-for", action="append", default=[], metavar="DATASET=N",
                   help="fewer/more runs for one data set, e.g. b2b=2")
    p.add_argument("--datasets", default="peer,ecommerce,b2b")
    p.add_argument("--quick", action="store_true", help="2 chains x 150 tune x 150 draws (smoke test)")
    p.add_argument("--draws", type=int)
    p.add_argument("--tune", type=int)
    p.add_argument("--chains", type=int)
    p.add_argument("--ours-only", action="store_true", help="skip the peer (it is not installed in CI)")
    p.add_argument("--nutpie-runs", type=int, default=None,
                   help="runs of ours with nutpie per data set (default: --runs; 0 to skip)")
    p.add_argument("--peer-nutpie-runs", type=int, default=1,
                   help="runs of the peer with nutpie (0 to skip); numpyro is its fastest")
    p.add_argument("--peer-nutpie-datasets", default="peer",
                   help="data sets on which the peer is also timed with nutpie")
    p.add_argument("--peer-python", default=DEFAULT_PEER_PYTHON)
    p.add_argument("--out-dir", default=str(HERE / "results"))
    p.add_argument("--timeout", type=int, default=900, help="seconds per fit")
    p.add_argument("--ours-cache", choices=("cold", "warm"), default="cold",
                   help="ours: cold = every run compiles its sampler program (a fresh MMM_JAX_CACHE per "
                        "run); warm = the runs share one cache folder, so runs after the first read the "
                        "program compiled by the first (a refit of the same structure)")
    p.add_argument("--report", metavar="JSON", nargs="+",
                   help="only print the tables of earlier results files (data sets merged, later files win)")
    args = p.parse_args(argv)
    if args.report:
        result = json.loads(Path(args.report[0]).read_text())
        for extra in args.report[1:]:
            result["datasets"].update(json.loads(Path(extra).read_text())["datasets"])
        print(markdown(result))
        return result

    sizes = {"chains": 2, "tune": 150, "draws": 150} if args.quick else {"chains": 4, "tune": 1000, "draws": 1000}
    for k in sizes:
        if getattr(args, k) is not None:
            sizes[k] = getattr(args, k)
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    runs_for = {k: int(v) for k, v in (x.split("=") for x in args.runs_for)}

    peer_ok, peer_info = (False, "skipped (--ours-only)") if args.ours_only else peer_available(args.peer_python)
    if not peer_ok:
        print(f"PyMC-Marketing not run: {peer_info}. Install it in a separate venv "
              "(python -m venv /work/bench-venv && /work/bench-venv/bin/pip install -e .[bench]) "
              "or pass --peer-python.", flush=True)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / f"peer_{stamp}.json"
    result: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "settings": sizes, "machine": machine(), "git": git_state(),
        "peer": {"python": args.peer_python, "available": peer_ok, "info": peer_info}, "datasets": {}}

    import tempfile
    cache_root = Path(tempfile.mkdtemp(prefix="mmm-bench-jax-"))
    result["ours_cache"] = args.ours_cache
    for name in datasets:
        n_runs = runs_for.get(name, args.runs)
        configs = [OURS_NUMPYRO]
        if peer_ok:
            configs.append(PEER_NUMPYRO)
        if name == "b2b":
            configs.append(OURS_PRESET)
        rows: dict[str, list[dict[str, Any]]] = {c[0]: [] for c in configs}
        errors: list[dict[str, Any]] = []
        for run in range(n_runs):
            todo = list(configs)
            nutpie_runs = n_runs if args.nutpie_runs is None else args.nutpie_runs
            if run < nutpie_runs:
                todo.insert(2 if peer_ok else 1, OURS_NUTPIE)
                rows.setdefault(OURS_NUTPIE[0], [])
            if peer_ok and run < args.peer_nutpie_runs and name in args.peer_nutpie_datasets.split(","):
                todo.append(PEER_NUTPIE)
                rows.setdefault(PEER_NUTPIE[0], [])
            for label, side, sampler, variant in todo:
                python = args.peer_python if side == "peer" else sys.executable
                print(f"[{name} run {run + 1}/{n_runs}] {label} ...", end=" ", flush=True)
                cache = None
                if side == "ours":
                    cache = str(cache_root / (f"run-{name}-{run}-{sampler}" if args.ours_cache == "cold"
                                              else "shared"))
                r = run_worker(python, side, name, sampler, variant, sizes, seed=run + 1, timeout=args.timeout,
                               jax_cache=cache)
                if "error" in r:
                    print(f"FAILED: {r['error']}", flush=True)
                    errors.append({"label": label, "run": run, **r})
                    continue
                r["label"], r["run"] = label, run
                rows[label].append(r)
                print(f"{r['total_s']:.1f} s, min ESS {r['min_ess_bulk']:.0f}, {r['ess_per_s']:.1f} ESS/s, "
                      f"{r['divergences']} div, R-hat {r['max_rhat']:.3f}", flush=True)
                truth = r["truth"]
                summary = {lb: summarise(rs) for lb, rs in rows.items() if rs}
                result["datasets"][name] = {"truth": truth, "summary": summary, "comparison": compare(summary),
                                            "fits": rows, "errors": errors}
                out_path.write_text(json.dumps(result, indent=1))
        if name in result["datasets"]:
            result["datasets"][name]["errors"] = errors
    import shutil
    shutil.rmtree(cache_root, ignore_errors=True)  # the compiled programs of this run (a few MB each)
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    out_path.write_text(json.dumps(result, indent=1))
    print()
    print(markdown(result))
    print(f"\nWrote {out_path}")
    return result


def machine() -> dict[str, Any]:
    import platform
    info: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                            "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        load = Path("/proc/loadavg").read_text().split()[:3]
        info["loadavg_at_start"] = [float(x) for x in load]
    except OSError:
        pass
    return info


def git_state() -> dict[str, Any]:
    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], capture_output=True, text=True, cwd=HERE.parent)
        return r.stdout.strip()
    return {"commit": git("rev-parse", "HEAD"), "dirty_mmm": bool(git("status", "--porcelain", "mmm"))}


if __name__ == "__main__":
    main()
