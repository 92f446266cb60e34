"""Smoke test of the peer benchmark script, our side only (the peer is not installed in CI).

No timing assertions: only that the script runs end to end with tiny draws and writes a
result JSON with the expected keys and sane values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_peer.py"

FIT_KEYS = {"build_s", "compile_s", "sample_s", "post_s", "total_s", "min_ess_bulk", "max_rhat",
            "divergences", "ess_per_s", "ess_per_s_sampling", "peak_rss_mb", "channels", "truth", "versions"}
SUMMARY_KEYS = {"runs", "build_s", "compile_s", "sample_s", "post_s", "total_s", "min_ess_bulk", "ess_per_s",
                "max_rhat", "divergences", "channels"}


@pytest.mark.slow
def test_bench_peer_ours_only_smoke(tmp_path: Path) -> None:
    cmd = [sys.executable, str(SCRIPT), "--quick", "--runs", "1", "--datasets", "peer", "--ours-only",
           "--nutpie-runs", "0", "--chains", "1", "--tune", "40", "--draws", "40", "--out-dir", str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "PyMC-Marketing not run" in r.stdout          # the peer is skipped with a clear message
    files = list(tmp_path.glob("peer_*.json"))
    assert len(files) == 1
    result = json.loads(files[0].read_text())
    assert result["settings"] == {"chains": 1, "tune": 40, "draws": 40}
    assert result["peer"]["available"] is False
    peer = result["datasets"]["peer"]
    assert not peer["errors"]
    assert peer["comparison"] is None                   # nothing to compare against
    (fit,) = peer["fits"]["ours numpyro (default)"]
    assert set(fit) >= FIT_KEYS
    assert fit["min_ess_bulk"] > 0 and fit["ess_per_s"] > 0
    for key in ("build_s", "compile_s", "sample_s", "total_s", "peak_rss_mb"):
        assert fit[key] > 0, key
    assert fit["total_s"] >= fit["compile_s"] + fit["sample_s"]
    assert set(fit["channels"]) == {"x1", "x2"} == set(fit["truth"])
    for ch in fit["channels"].values():
        assert ch["roas_mean"] > 0 and 0 < ch["alpha_mean"] < 1 and ch["lam_peer_units_mean"] > 0
    summary = peer["summary"]["ours numpyro (default)"]
    assert set(summary) >= SUMMARY_KEYS and summary["runs"] == 1
    assert "| peer | ours numpyro (default) | 1 |" in r.stdout   # the markdown table
