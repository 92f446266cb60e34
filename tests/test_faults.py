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
                       "is writing to", f"pid {other.pid}")
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


# --- faults as real processes: killed saves, a real full disk, two fits at once, damaged files ---------------

import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _same_model(a, b) -> None:
    """``a`` holds the same posterior, spec, data and diagnostics as ``b``."""
    import numpy as np
    import xarray as xr

    xr.testing.assert_equal(a.idata.posterior, b.idata.posterior)
    assert a.spec.to_dict() == b.spec.to_dict()
    assert np.array_equal(a.dataset.kpi, b.dataset.kpi) and np.array_equal(a.dataset.spend, b.dataset.spend)
    assert a.diagnostics.to_dict() == b.diagnostics.to_dict()


def _env() -> dict:
    """Environment of a child interpreter: this checkout first on the path, no line wrapping."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "COLUMNS": "400", "NO_COLOR": "1", "MMM_JAX_CACHE": "off"}


def _watchdog(proc: subprocess.Popen, seconds: float) -> threading.Timer:
    """Kill ``proc`` after ``seconds``: a hung child fails the test instead of hanging the suite."""
    timer = threading.Timer(seconds, proc.kill)
    timer.daemon = True
    timer.start()
    return timer


# A child interpreter loads a model once, then for each folder read from stdin forks a process that
# saves the model into that folder over and over until the test kills it with SIGKILL. "slow" reuses
# the file's bytes built once and writes them in small pieces (a slow disk), so that nearly all of
# its time is spent writing and the kill lands inside the write.
_SAVER = r"""
import os, sys, time
import mmm, mmm.persist
fitted = mmm.load(sys.argv[1])
real_write, real_bytes = mmm.persist._write_model, mmm.persist._netcdf_bytes
built = []
def cached_bytes(idata):
    if not built:
        built.append(real_bytes(idata))
    return built[0]
mmm.persist._netcdf_bytes = cached_bytes
fitted.save(sys.argv[2])
mmm.persist._netcdf_bytes = real_bytes
def slow_write(data, tmp):
    with open(tmp, "wb") as fh:
        for i in range(0, len(data), 4096):
            fh.write(data[i:i + 4096])
            fh.flush()
            time.sleep(0.002)
print("ready", flush=True)
for line in sys.stdin:
    folder, mode = line.split()
    mmm.persist._write_model = slow_write if mode == "slow" else real_write
    mmm.persist._netcdf_bytes = cached_bytes if mode == "slow" else real_bytes
    pid = os.fork()
    if pid == 0:
        try:
            while True:
                fitted.save(os.path.join(folder, "model.nc"))
        finally:
            os._exit(0)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1, flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() and SIGKILL")
def test_a_save_killed_at_any_moment_leaves_the_good_model(saved_dir, small_fit, tmp_path):
    """SIGKILL at 0.05-1 s into a loop of saves: model.nc always loads and equals the good model; the
    killed save's temporary file is hidden, ignored by load and removed by the next save."""
    good = saved_dir / "model.nc"
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(good), str(tmp_path / "scratch.nc")],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    timer = _watchdog(proc, 90)
    trials = [(0.05, "real"), (0.6, "real"), (0.05, "slow"), (0.3, "slow"), (1.0, "slow")]
    stray = {"real": 0, "slow": 0}
    try:
        assert proc.stdout.readline().strip() == "ready"
        for i, (delay, mode) in enumerate(trials):
            folder = tmp_path / f"kill{i}"
            folder.mkdir()
            shutil.copy(good, folder / "model.nc")
            proc.stdin.write(f"{folder} {mode}\n")
            proc.stdin.flush()
            pid = int(proc.stdout.readline())
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
            assert proc.stdout.readline().strip() == str(int(signal.SIGKILL))     # killed while saving
            names = sorted(p.name for p in folder.iterdir())
            temps = [n for n in names if n != "model.nc"]
            assert "model.nc" in names, names
            assert all(n.startswith(".model.") and ".tmp" in n for n in temps), names   # hidden temp files only
            stray[mode] += len(temps)
            _same_model(mmm.load(folder), small_fit)
            small_fit.save(folder / "model.nc")             # the next save removes what the killed one left
            assert sorted(p.name for p in folder.iterdir()) == ["model.nc"]
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
    assert stray["slow"] > 0, "no kill landed inside a write: the test tested nothing"


def _mount_tmpfs(where: Path, size: int) -> None:
    """Mount a ``size``-byte tmpfs at ``where``; skip the test where that is impossible."""
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real small file system needs root on Linux (mount -t tmpfs)")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")


@pytest.fixture()
def tiny_disk(small_fit, tmp_path):
    """A real file system with room for one model.nc and a little more, but not for a second copy."""
    probe = small_fit.save(tmp_path / "probe.nc").stat().st_size
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, (probe * 3 // 2 // 4096 + 1) * 4096)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(folder: Path) -> None:
    """Fill the file system under ``folder`` up to the last byte."""
    try:
        with open(folder / "filler", "wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
    except OSError as exc:
        assert exc.errno == errno.ENOSPC


def test_a_real_full_disk_keeps_the_previous_model(small_fit, tiny_disk, tmp_path, monkeypatch):
    """On a real full file system: save raises OSError (not HDF5's RuntimeError, not a crash), `mmm fit`
    and `mmm plan` exit 2 saying the disk is full, and the model already there still loads."""
    path = small_fit.save(tiny_disk / "model.nc")                          # one copy fits
    before = path.read_bytes()
    with pytest.raises(OSError) as info:
        small_fit.save(path)                                                  # a second (temporary) one not
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and sorted(p.name for p in tiny_disk.iterdir()) == ["model.nc"]

    config = _case(tmp_path)
    monkeypatch.setattr("mmm.fitted.Model.fit", lambda self, *a, **k: small_fit)
    _fails_cleanly(runner.invoke(app, ["fit", str(config), "--out", str(tiny_disk)]),
                   "No space left on device", "Free some disk space")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["model.nc"]                 # no temp file, no lock
    monkeypatch.undo()

    _fill(tiny_disk)
    _fails_cleanly(runner.invoke(app, ["plan", str(tiny_disk), "--weeks", "4"]), "No space left on device")
    (tiny_disk / "filler").unlink()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["model.nc"]
    _same_model(mmm.load(tiny_disk), small_fit)


# Two real `mmm fit` processes (the console entry, mmm.cli:main) into one folder. The sampling is
# replaced by loading a saved model, and it waits for the file `go`: the test creates it once one
# of the two has exited, so the two really overlap. The lock, the checks and the outputs are real.
_FIT = r"""
import os, sys, time
import mmm, mmm.fitted
from mmm.cli import main
model_dir, go = sys.argv[1], sys.argv[2]
def fit(self, *args, **kwargs):
    deadline = time.time() + 150
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.02)
    return mmm.load(model_dir)
mmm.fitted.Model.fit = fit
sys.argv = ["mmm", "fit", *sys.argv[3:]]
main()
"""


def test_two_fits_started_at_once_into_one_folder(saved_dir, small_fit, tmp_path):
    """Exactly one fit wins the folder (exit 0 or 3); the other exits 2 at once, naming the folder and
    the lock; afterwards model.nc loads and no lock is left."""
    config = _case(tmp_path)
    out, go = tmp_path / "both", tmp_path / "go"
    cmd = [sys.executable, "-c", _FIT, str(saved_dir), str(go), str(config), "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                              env=_env()) for _ in range(2)]
    timers = [_watchdog(p, 180) for p in procs]
    try:
        deadline = time.time() + 120                 # only reached if neither gives up: both took the lock
        while all(p.poll() is None for p in procs) and time.time() < deadline:
            time.sleep(0.05)
        go.touch()                                    # let the winner (if there is one) finish
        outputs = [p.communicate()[0] for p in procs]
    finally:
        for p, t in zip(procs, timers, strict=True):
            t.cancel()
            p.kill()
            p.wait()
    codes = [p.returncode for p in procs]
    won = [i for i, c in enumerate(codes) if c in (0, 3)]
    lost = [i for i, c in enumerate(codes) if c == EXIT_INPUT]
    assert len(won) == 1 and len(lost) == 1, (codes, outputs)
    text = " ".join(outputs[lost[0]].split())
    assert "is writing to" in text and str(out) in text and "Traceback" not in text, text
    assert "Traceback" not in outputs[won[0]], outputs[won[0]]
    assert not (out / LOCK_NAME).exists()
    assert {"model.nc", "channels.csv", "contributions.csv", "diagnostics.json"} <= {p.name for p in out.iterdir()}
    _same_model(mmm.load(out), small_fit)


def _damaged_copies(data: bytes, seed: int, n: int) -> list[tuple[str, bytes]]:
    """``n`` seeded damages of a file: single bit flips, runs of random bytes and truncations."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        b = bytearray(data)
        if i % 3 == 0:
            cut = rng.randrange(len(b))
            out.append((f"truncated at {cut}", bytes(b[:cut])))
            continue
        at = rng.randrange(len(b))
        if i % 3 == 1:
            b[at] ^= 1 << rng.randrange(8)
            out.append((f"bit flip at {at}", bytes(b)))
        else:
            length = rng.randint(1, 64)
            b[at:at + length] = bytes(rng.randrange(256) for _ in range(length))[: len(b) - at]
            out.append((f"{length} random bytes at {at}", bytes(b)))
    # damage a digit of the data saved in the file: the NetCDF reader cannot see it, the checksum can
    digits = [i for i in range(data.find(b'"dates"'), len(data) - 1) if chr(data[i]).isdigit()][100:]
    for at in rng.sample(digits, 2):
        b = bytearray(data)
        b[at] = ord("7") if b[at] != ord("7") else ord("2")
        out.append((f"digit changed at {at}", bytes(b)))
    return out


def test_randomly_damaged_model_files_are_refused_or_unchanged(saved_dir, small_fit):
    """Seeded bit flips, random bytes and truncations: `mmm.load` either refuses the file (then `mmm plan`
    and `mmm report` exit 2 saying it is damaged and to refit) or returns exactly the saved model."""
    from mmm.errors import FitError

    path = saved_dir / "model.nc"
    data = path.read_bytes()
    refused = 0
    commands = (["plan", str(saved_dir), "--weeks", "4"], ["report", str(saved_dir), "--format", "png"])
    for what, damaged in _damaged_copies(data, seed=15, n=15):
        path.write_bytes(damaged)
        try:
            back = mmm.load(path)
        except FitError:
            refused += 1
        else:
            _same_model(back, small_fit)            # damage in bytes the file does not use: harmless
            continue
        command = commands[refused % 2]             # plan and report in turn (each costs a load)
        result = runner.invoke(app, command)
        assert result.exit_code == EXIT_INPUT, (what, command[0], result.output)
        text = " ".join(result.output.split())
        assert "Traceback" not in text and "refit" in text.lower(), (what, text)
        assert "damaged" in text or "corrupt" in text or "not a readable model file" in text, (what, text)
    assert refused >= 7, refused      # the 5 truncations and the 2 changed digits at least


def test_temp_files_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    """Hidden temp files of dead writers (both name forms) go at the next write of the same file; those of
    live writers and of other files stay."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    live = os.getppid()
    names = [f".plan.{gone.pid}.tmp.csv", f".model.nc.{gone.pid}.tmp", f".plan.{live}.tmp.csv",
             f".split.{gone.pid}.tmp.csv", ".plan.x.tmp.csv"]
    for name in names:
        (tmp_path / name).write_text("half")
    write_text_atomic(tmp_path / "plan.csv", "new")
    small = tmp_path / "model.nc"
    write_text_atomic(small, "not a model, only its name")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["plan.csv", "model.nc", f".plan.{live}.tmp.csv", f".split.{gone.pid}.tmp.csv", ".plan.x.tmp.csv"])


def test_a_lock_that_cannot_be_written_is_not_left_behind(tmp_path, monkeypatch):
    """Disk full while writing the lock's process id (also where hard links are impossible): an OSError, and
    no lock file is left to block the next fit."""
    from mmm.atomic import output_lock

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", lambda *a: (_ for _ in ()).throw(OSError(errno.EPERM, "no hard links")))
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError), output_lock(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    with output_lock(tmp_path) as lock:
        assert lock.read_text().strip() == str(os.getpid())
        assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME]
    assert list(tmp_path.iterdir()) == []
