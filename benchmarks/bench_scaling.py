"""Scaling of our time to result and peak memory with weeks and channels.

    python benchmarks/bench_scaling.py                      # 2 chains x 500 tune x 500 draws
    python benchmarks/bench_scaling.py --chains 2 --tune 300 --draws 300 --weeks 52,104 --channels 2,5

Each point is one fit of ours (default sampler, numpyro) in its own subprocess
(:mod:`worker`) on a simulated ecommerce-like data set (:func:`common.scaling_dataset`:
geometric carryover l_max 8, logistic saturation, a promo control and one event).
Weeks vary with 5 channels; channels vary with 156 weeks. Peak memory is the
``ru_maxrss`` of the fitting process. Fewer draws than the peer benchmark (say so when
you quote these numbers): the point is the shape of the curve, not the level.

Writes ``benchmarks/results/scaling_<timestamp>.json`` and ``benchmarks/scaling.png``.
The model has no geo (panel) level, so there is no geo panel.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_peer import git_state, machine, run_worker  # noqa: E402


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result["settings"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    for col, (key, xlabel, fixed) in enumerate([
            ("weeks", "weeks of data (5 channels)", "5 channels"),
            ("channels", "number of channels (156 weeks)", "156 weeks")]):
        pts = [p for p in result["points"] if p["axis"] == key and "error" not in p]
        pts.sort(key=lambda p: p["x"])
        x = [p["x"] for p in pts]
        ax = axes[0, col]
        ax.plot(x, [p["total_s"] for p in pts], "o-", label="time to result (total)")
        ax.plot(x, [p["compile_s"] for p in pts], "s--", label="compile (inside pm.sample)")
        ax.plot(x, [p["sample_s"] for p in pts], "^--", label="sampling (tune + draws)")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("wall time (s)")
        ax.set_title(f"Time to result vs {key} ({fixed})")
        ax.set_xticks(x)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax2 = axes[1, col]
        ax2.plot(x, [p["peak_rss_mb"] for p in pts], "o-", color="tab:purple", label="peak RSS")
        ax2.set_xlabel(xlabel)
        ax2.set_ylabel("peak memory of the fit process (MB)")
        ax2.set_title(f"Peak memory vs {key}")
        ax2.set_xticks(x)
        ax2.grid(alpha=0.3)
        for p in pts:
            ax2.annotate(f"ESS {p['min_ess_bulk']:.0f}", (p["x"], p["peak_rss_mb"]), fontsize=7,
                         textcoords="offset points", xytext=(0, 6), ha="center")
    fig.suptitle(f"mmm (numpyro, {s['chains']} chains x {s['tune']} tune x {s['draws']} draws) on a "
                 f"{result['machine'].get('cpus')}-core CPU-only shared machine; one fit per point",
                 fontsize=11)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description="Time to result and peak memory as weeks and channels grow.")
    p.add_argument("--weeks", default="52,104,156,260,520")
    p.add_argument("--channels", default="2,5,10,20")
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--sampler", default="numpyro")
    p.add_argument("--out-dir", default=str(HERE / "results"))
    p.add_argument("--plot", default=str(HERE / "scaling.png"))
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("--resume", metavar="JSON", help="keep the points of an earlier scaling file, fit the rest")
    args = p.parse_args(argv)
    sizes = {"chains": args.chains, "tune": args.tune, "draws": args.draws}
    plan = [("weeks", int(w), f"sim:weeks={w},channels=5") for w in args.weeks.split(",")]
    plan += [("channels", int(c), f"sim:weeks=156,channels={c}") for c in args.channels.split(",")]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / f"scaling_{time.strftime('%Y%m%d-%H%M%S')}.json"
    result: dict[str, Any] = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "settings": sizes,
                              "sampler": args.sampler, "machine": machine(), "git": git_state(),
                              "geo": "not supported by the model (no geo/panel level)", "points": []}
    done: dict[str, dict[str, Any]] = {}
    if args.resume:
        old = json.loads(Path(args.resume).read_text())
        if old["settings"] != sizes:
            raise SystemExit(f"--resume: {args.resume} used {old['settings']}, not {sizes}")
        done = {pt["dataset"]: pt for pt in old["points"] if "error" not in pt}
        result["resumed_from"] = str(args.resume)
    for axis, x, dataset in plan:
        print(f"[{axis}={x}] ...", end=" ", flush=True)
        point = {"axis": axis, "x": x, "dataset": dataset}
        if dataset in done:      # e.g. 156 weeks x 5 channels is on both axes: fitted once
            point.update({k: v for k, v in done[dataset].items() if k not in point})
            point["reused"] = True
            print(f"reused: {point['total_s']:.1f} s", flush=True)
            result["points"].append(point)
            continue
        r = run_worker(sys.executable, "ours", dataset, args.sampler, "matched", sizes, seed=1,
                       timeout=args.timeout)
        if "error" in r:
            print(f"FAILED: {r['error']}", flush=True)
            point["error"] = r["error"]
        else:
            keep = ("build_s", "compile_s", "sample_s", "post_s", "total_s", "min_ess_bulk", "max_rhat",
                    "divergences", "ess_per_s", "peak_rss_mb", "weeks", "n_channels", "versions")
            point.update({k: r[k] for k in keep})
            print(f"{r['total_s']:.1f} s (compile {r['compile_s']:.1f}), ESS {r['min_ess_bulk']:.0f}, "
                  f"{r['peak_rss_mb']:.0f} MB", flush=True)
            point["finished"] = time.strftime("%H:%M:%S")
            done[dataset] = point
        result["points"].append(point)
        out_path.write_text(json.dumps(result, indent=1))
    plot(result, Path(args.plot))
    print("\n| axis | value | build s | compile s | sampling s | post s | time to result s | min ESS "
          "| ESS/s | divergences | max R-hat | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for pt in result["points"]:
        if "error" in pt:
            print(f"| {pt['axis']} | {pt['x']} | failed | | | | | | | | | |")
            continue
        print(f"| {pt['axis']} | {pt['x']} | {pt['build_s']:.1f} | {pt['compile_s']:.1f} | {pt['sample_s']:.1f} "
              f"| {pt['post_s']:.1f} | {pt['total_s']:.1f} | {pt['min_ess_bulk']:.0f} | {pt['ess_per_s']:.1f} "
              f"| {pt['divergences']} | {pt['max_rhat']:.3f} | {pt['peak_rss_mb']:.0f} |")
    print(f"\nWrote {out_path} and {args.plot}")
    return result


if __name__ == "__main__":
    main()
