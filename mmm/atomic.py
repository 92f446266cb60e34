"""Safe output files: atomic writes, a writable-folder check and a lock on a fit's output folder.

Every file a command writes goes to a temporary file in the same folder and is renamed into
place with :func:`os.replace`, so a write that fails (killed, disk full, no permission) never
leaves a half-written file where a good one was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

from mmm.errors import MMMError

LOCK_NAME = ".mmm-fit.lock"


def _temp_name(path: Path) -> Path:
    """A hidden sibling of ``path`` that keeps its suffix (writers pick the format from it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def _temp_pid(name: str, path: Path) -> int | None:
    """The writer's process id if ``name`` is a temporary sibling of ``path`` (this module's or persist's)."""
    for head, tail in ((f".{path.stem}.", f".tmp{path.suffix}"), (f".{path.name}.", ".tmp")):
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
            middle = name[len(head):len(name) - len(tail)]
            if middle.isdigit():
                return int(middle)
    return None


def clean_stale_temps(path: str | Path) -> list[Path]:
    """Remove temporary siblings of ``path`` left by writers that were killed mid-write.

    A write killed by ``SIGKILL`` (or a power cut) cannot remove its temporary file. Such a
    file is hidden, never read, and removed here by the next write of the same file; temporary
    files of writers that are still running are left alone.

    Parameters
    ----------
    path : str or Path
        The file about to be (re)written.

    Returns
    -------
    list of Path
        The files removed.
    """
    path = Path(path)
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        pid = _temp_pid(name, path)
        if pid is None or pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            (path.parent / name).unlink()
            removed.append(path.parent / name)
        except OSError:  # gone already, or not ours to remove: harmless
            pass
    return removed


def _fsync(path: Path, folder: bool = False) -> None:
    """Flush ``path`` to the disk. A file that cannot be flushed raises; a folder is best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if folder:  # folders cannot be opened on some systems (Windows)
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    Parameters
    ----------
    path : str or Path
        The file to (re)write.

    Yields
    ------
    Path
        Where to write; same folder and suffix as ``path``.

    Notes
    -----
    On any exception the temporary file is removed and ``path`` is left as it was. Temporary
    files of earlier writers of ``path`` that were killed are removed first
    (:func:`clean_stale_temps`).
    """
    path = Path(path)
    clean_stale_temps(path)
    tmp = _temp_name(path)
    try:
        yield tmp
        _fsync(tmp)  # the bytes reach the disk before the name does: a power cut leaves old or new
        os.replace(tmp, path)
        _fsync(path.parent, folder=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        The file to write.
    text : str
        Its content.
    encoding : str, optional
        Text encoding, UTF-8 by default.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def os_error_message(exc: OSError, what: str = "writing the outputs") -> str:
    """A one-line, user-facing description of an OS error (disk full, permissions, ...).

    Parameters
    ----------
    exc : OSError
        The error.
    what : str, optional
        What was being done.

    Returns
    -------
    str
        E.g. ``"Could not finish writing the outputs: out/plan.csv: No space left on device ..."``.
    """
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = {errno.ENOSPC: " Free some disk space and run it again.",
            errno.EACCES: " Check the folder's permissions, or choose another folder.",
            errno.EROFS: " The folder is on a read-only file system; choose another folder."}.get(exc.errno, "")
    return f"Could not finish {what}: {where}{reason}.{hint} Files already there were left as they were."


def _probe_write(folder: Path) -> None:
    """Create and remove a small file in ``folder``; raises :class:`OSError` if that is impossible."""
    probe = folder / f".mmm-write-test.{os.getpid()}"
    fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    probe.unlink()


def check_writable_dir(out: str | Path) -> Path:
    """Make sure ``out`` is (or can be made) a folder we can write in, before any long work.

    Parameters
    ----------
    out : str or Path
        The output folder; created if missing.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    MMMError
        If ``out`` or one of its parents is a file, or the folder cannot be created or written.
    """
    out = Path(out)
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                where = "is a file" if p == out else f"is under '{p}', which is a file"
                raise MMMError(f"--out '{out}' {where}, not a folder; choose another --out.")
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
        _probe_write(out)
    except OSError as exc:
        raise MMMError(f"--out '{out}' is not writable ({exc.strerror or exc}); "
                       "choose a folder you can write to.") from None
    return out


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _create_lock(lock: Path) -> bool:
    """Create ``lock`` holding this process id, all at once; False if it exists already.

    The id is written to a private file first and hard-linked into place, so another process never
    sees the lock empty (and takes it for stale). Where hard links are impossible, the lock is
    created exclusively and then written. If the id cannot be written (disk full), no lock is left.
    """
    text = f"{os.getpid()}\n".encode()
    private = lock.with_name(f"{lock.name}.{os.getpid()}.new")
    try:
        with open(private, "wb") as fh:
            fh.write(text)
        try:
            os.link(private, lock)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system: fall through
            pass
    finally:
        private.unlink(missing_ok=True)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, text)
    except BaseException:
        os.close(fd)
        lock.unlink(missing_ok=True)
        raise
    os.close(fd)
    return True


def _lock_owner(lock: Path) -> int | None:
    """The process id written in ``lock``; 0 if unreadable or empty for a while; None if gone."""
    try:
        text = lock.read_text().strip()
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return 0
    if not text and age < 5:  # being created (no hard links here): give its writer a moment
        time.sleep(0.2)
        return _lock_owner(lock)
    try:
        return int(text or "0")
    except ValueError:
        return 0


@contextlib.contextmanager
def output_lock(out: str | Path) -> Iterator[Path]:
    """Hold ``out/.mmm-fit.lock`` (holding this process id) for the duration of the block.

    Parameters
    ----------
    out : str or Path
        The output folder (must exist).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    MMMError
        If a live process holds the lock. A lock left by a process that is gone is taken over.
    OSError
        If the lock cannot be written (disk full, permissions); no lock is left behind then.

    Notes
    -----
    Two processes that find the same stale lock cannot both take it over: each first renames it to
    a private name, which only one of them can do, and checks that what it renamed is still stale.
    """
    lock = Path(out) / LOCK_NAME
    for _ in range(5):
        if _create_lock(lock):
            break
        pid = _lock_owner(lock)
        if pid is None:  # released meanwhile: try again
            continue
        if _pid_alive(pid):
            raise MMMError(f"another mmm command (fit, plan or report) is writing to {out} (pid {pid}); wait "
                           f"for it to finish or use another folder (if none is running, remove {lock}).") from None
        # stale: its process is gone. Rename it away (atomic: one taker wins), then make sure it was
        # the stale lock that was renamed and not a fresh one that replaced it meanwhile
        taken = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
        try:
            os.replace(lock, taken)
        except FileNotFoundError:
            continue
        owner = _lock_owner(taken)
        if owner and owner != pid and _pid_alive(owner):
            with contextlib.suppress(OSError):
                os.link(taken, lock)  # a live fit's lock: put it back
            taken.unlink(missing_ok=True)
            raise MMMError(f"another mmm command (fit, plan or report) is writing to {out} (pid {owner}); wait "
                           "for it to finish or use another folder.") from None
        taken.unlink(missing_ok=True)
    else:  # pragma: no cover - lost the race five times
        raise MMMError(f"another mmm command (fit, plan or report) is writing to {out}; could not take its "
                       f"lock {lock}.")
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)
