"""Faults a careless or unlucky user meets: nothing they do may lose a good model."""

from __future__ import annotations

import pytest

import mmm


def test_a_failed_save_keeps_the_previous_model(small_fit, tmp_path, monkeypatch):
    """The save writes beside the file and renames: a crash mid-write leaves the old model intact."""
    path = small_fit.save(tmp_path / "model.nc")
    before = path.read_bytes()

    def crash(data, filename):
        with open(filename, "wb") as fh:
            fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("mmm.persist._write_model", crash)  # where the file's bytes reach the disk
    with pytest.raises(OSError):
        small_fit.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.nc"]          # no temporary file left behind
    monkeypatch.undo()
    assert mmm.load(path).diagnostics.health == small_fit.diagnostics.health


# --- the command line: bad input and OS faults exit 2 with a message, never a traceback ------------------------

import errno  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import yaml  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from mmm.atomic import LOCK_NAME, atomic_path, write_text_atomic  # noqa: E402
from mmm.cli import EXIT_INPUT, app  # noqa: E402
from mmm.errors import FitError  # noqa: E402
from tests.conftest import small_frame, small_spec  # noqa: E402

runner = CliRunner()


def _case(tmp_path, **extra) -> os.PathLike:
    """A valid spec and its data in ``tmp_path``; ``extra`` updates the spec's top level."""
    df, _ = small_frame()
    df.to_csv(tmp_path / "weekly.csv", index=False)
    raw = small_spec().to_dict()
    raw["data"] = "weekly.csv"
    raw.update(extra)
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return tmp_path / "mmm.yaml"


def _no_sampling(monkeypatch):
    """Make any fit fail the test: the checks under test must come before the sampling."""
    def fit(self, *args, **kwargs):
        raise AssertionError("sampling started")
    monkeypatch.setattr("mmm.fitted.Model.fit", fit)


def _fails_cleanly(result, *fragments):
    assert result.exit_code == EXIT_INPUT, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())  # rich wraps long lines
    for fragment in fragments:
        assert fragment in text, result.output


@pytest.fixture()
def saved_dir(small_fit, tmp_path):
    """A folder holding the small fit's model.nc (no sampling)."""
    small_fit.save(tmp_path / "out" / "model.nc")
    return tmp_path / "out"


def test_atomic_helpers_keep_the_old_file_on_failure(tmp_path):
    path = write_text_atomic(tmp_path / "a.csv", "old")
    with pytest.raises(OSError), atomic_path(path) as tmp:
        assert tmp.parent == path.parent and tmp.suffix == ".csv"
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
    write_text_atomic(path, "new")
    assert path.read_text() == "new"


def test_fit_out_under_a_file_fails_before_sampling(tmp_path, monkeypatch):
    config = _case(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    _no_sampling(monkeypatch)
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(tmp_path / "notes.txt" / "out")]),
                   "is under", "which is a file")
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(tmp_path / "notes.txt")]), "is a file")


def test_fit_out_not_writable_fails_before_sampling(tmp_path, monkeypatch):
    config = _case(tmp_path)
    _no_sampling(monkeypatch)

    def denied(folder):
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))
    monkeypatch.setattr("mmm.atomic._probe_write", denied)
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(tmp_path / "out")]), "not writable")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_fit_into_a_read_only_folder_fails_before_sampling(tmp_path, monkeypatch):
    config = _case(tmp_path)
    _no_sampling(monkeypatch)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(ro)]), "not writable")
    finally:
        ro.chmod(0o700)


def test_a_second_fit_into_a_locked_folder_fails_at_once(tmp_path, monkeypatch):
    config = _case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _no_sampling(monkeypatch)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])  # a live fit elsewhere
    try:
        (out / LOCK_NAME).write_text(f"{other.pid}\n")
        _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(out)]),
                       "another fit is writing to", f"pid {other.pid}")
        assert (out / LOCK_NAME).read_text().strip() == str(other.pid)  # not ours to remove
    finally:
        other.kill()
        other.wait()


def test_a_stale_lock_is_taken_over_and_released_on_error(tmp_path, monkeypatch):
    config = _case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (out / LOCK_NAME).write_text(f"{gone.pid}\n")
    seen = []

    def fit(self, *args, **kwargs):
        seen.append((out / LOCK_NAME).read_text().strip())
        raise FitError("sampler stopped")
    monkeypatch.setattr("mmm.fitted.Model.fit", fit)
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(out)]), "sampler stopped")
    assert seen == [str(os.getpid())]                       # the lock held this process while fitting
    assert not (out / LOCK_NAME).exists()                   # and was removed on the error


def test_fit_outputs_disk_full_keeps_previous_files(small_fit, tmp_path, monkeypatch):
    import pandas as pd

    config = _case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "channels.csv").write_text("old")
    monkeypatch.setattr("mmm.fitted.Model.fit", lambda self, *a, **k: small_fit)

    def full(self, path, *args, **kwargs):
        with open(path, "w") as fh:
            fh.write("part")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(out)]), "No space left on device",
                   "Free some disk space")
    assert (out / "channels.csv").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == ["channels.csv", "model.nc"]   # no temp files, no lock


def test_plan_and_report_on_an_unwritable_folder_exit_2(saved_dir, monkeypatch):
    (saved_dir / "plan.csv").write_text("old plan")

    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))
    monkeypatch.setattr(os, "replace", denied)
    _fails_cleanly(runner.invoke(app, ["plan", str(saved_dir), "--weeks", "4"]), "Permission denied")
    _fails_cleanly(runner.invoke(app, ["report", str(saved_dir), "--format", "png"]), "Permission denied")
    monkeypatch.undo()
    assert (saved_dir / "plan.csv").read_text() == "old plan"
    assert not [p.name for p in saved_dir.rglob("*.tmp*")]


@pytest.mark.parametrize("kind", ["empty", "binary", "folder"])
def test_bad_bounds_files_exit_2(saved_dir, kind):
    path = saved_dir / "bounds.csv"
    if kind == "empty":
        path.write_text("")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    else:
        path.mkdir()
    fragment = "is a folder" if kind == "folder" else "Could not read bounds file"
    _fails_cleanly(runner.invoke(app, ["plan", str(saved_dir), "--weeks", "4", "--bounds", str(path)]), fragment)


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped"])
def test_a_damaged_model_file_exits_2(saved_dir, damage):
    path = saved_dir / "model.nc"
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        start = len(data) // 2
        data[start:start + 4096] = bytes(b ^ 0xFF for b in data[start:start + 4096])
    path.write_bytes(bytes(data))
    for command in (["plan", str(saved_dir), "--weeks", "4"], ["report", str(saved_dir), "--format", "png"]):
        _fails_cleanly(runner.invoke(app, command), "not a readable model file")


@pytest.mark.parametrize("prior, fragment", [
    ({"distribution": "Normal", "mu": float("nan"), "sigma": 1}, "finite number"),
    ({"distribution": "Normal", "mu": 1, "sigma": float("inf")}, "finite number"),
    ({"distribution": "Beta", "alpah": 2, "beta": 2}, "Did you mean 'alpha'"),
])
def test_bad_prior_parameters_exit_2_at_validate(tmp_path, prior, fragment):
    config = _case(tmp_path)
    raw = yaml.safe_load(config.read_text())
    raw["channels"]["tv"]["priors"] = {"carryover": prior}
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    _fails_cleanly(runner.invoke(app, ["validate", str(config)]), fragment)


@pytest.mark.parametrize("change, fragment", [
    ({"start": "not a date"}, "must be a date"),
    ({"end": "2023-13-45"}, "must be a date"),
    ({"lift": float("nan")}, "finite number"),
    ({"spend_change": float("inf")}, "finite number"),
    ({"start": "2023-06-05", "end": "2023-05-01"}, "before start"),
])
def test_bad_lift_tests_exit_2_at_validate(tmp_path, change, fragment):
    test = {"channel": "tv", "start": "2023-05-01", "end": "2023-06-05", "spend_change": 500, "lift": 4000,
            "lift_se": 1000, **change}
    config = _case(tmp_path, lift_tests=[test])
    _fails_cleanly(runner.invoke(app, ["validate", str(config)]), fragment)


def test_init_out_a_folder_exits_2(tmp_path):
    _case(tmp_path)
    (tmp_path / "specs").mkdir()
    _fails_cleanly(runner.invoke(app, ["init", str(tmp_path / "weekly.csv"), "--out", str(tmp_path / "specs"),
                                       "--force"]), "is a folder")


def test_plan_weeks_beyond_a_year_is_refused_as_the_message_says(small_fit):
    from mmm.errors import PlanError
    from mmm.planning import optimize_budget

    with pytest.raises(PlanError, match="Use at most 52"):
        optimize_budget(small_fit, 100_000, weeks=260)
    from mmm.planning import current_weekly_spend

    budget = float(current_weekly_spend(small_fit, 52).sum()) * 52
    assert optimize_budget(small_fit, budget, weeks=52).summary["weeks"] == 52
