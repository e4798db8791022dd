"""Check, before any notebook runs, that a run can write every place it will write.

A run writes into the reports folder (``index.html``, ``latest``, the lock file ``.lock``) and
into ``runs/`` (its own folder). :func:`check_reports_dir` creates what is missing and tries a
real write in each place (permission bits alone do not tell: an administrator, a read-only
mount or an access list may decide otherwise), so that a folder that cannot be written is one
clear :class:`~loyaltylab.errors.ReportError` up front, not a traceback after an hour of
notebooks and a run lost from the index.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from loyaltylab.errors import ReportError

__all__ = ["REPORTS_DIR_OPTION", "check_reports_dir"]

REPORTS_DIR_OPTION = "--reports-dir DIR (loyaltylab run) or reports_dir= (run_reports)"
"""How a user chooses another reports folder, as they type it."""


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.EROFS:
        return "read-only file system"
    if error.errno == errno.ENOSPC:
        return "no space left on the device"
    return error.strerror or type(error).__name__


def _fail(path: Path, what: str, problem: str) -> ReportError:
    return ReportError(
        f"cannot write {what} {path}: {problem}. Nothing was run. Make it writable, or choose "
        f"another folder with {REPORTS_DIR_OPTION}"
    )


def _make_folder(path: Path, what: str) -> None:
    if path.exists() and not path.is_dir():
        raise _fail(path, what, "it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), path)
        raise _fail(path, what, f"{blocker} is a file, not a folder") from None
    except OSError as error:
        raise _fail(path, what, f"cannot create it ({_reason(error)})") from None


def _probe(folder: Path, what: str, *, directory: bool, purpose: str = "") -> None:
    """Create and remove a file (or a folder) in ``folder``, as the run will."""
    try:
        if directory:
            os.rmdir(tempfile.mkdtemp(dir=folder, prefix=".write-check."))
        else:
            handle, name = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
            os.close(handle)
            os.unlink(name)
    except OSError as error:
        raise _fail(folder, what, _reason(error) + purpose) from None


def check_reports_dir(reports_dir: str | os.PathLike[str]) -> Path:
    """Make sure a run can write the reports folder, its lock, index, ``latest`` and ``runs/``.

    Missing folders are created. Each place is checked by a real write, so the answer holds for
    the user the run runs as.

    Parameters
    ----------
    reports_dir : path-like
        The folder that holds ``runs/``, ``index.html``, ``latest`` and ``.lock``.

    Returns
    -------
    pathlib.Path
        ``reports_dir``, resolved.

    Raises
    ------
    ReportError
        If any of these cannot be written; the message names the path and the reason.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "reports"
    >>> check_reports_dir(folder) == folder.resolve() and (folder / "runs").is_dir()
    True
    >>> (folder / "notes.txt").write_text("a file")
    6
    >>> check_reports_dir(folder / "notes.txt")
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ReportError: cannot write the reports folder ...: it is a file, ...
    """
    base = Path(reports_dir).resolve()
    _make_folder(base, "the reports folder")
    _probe(
        base,
        "the reports folder",
        directory=False,
        purpose=" (the runs index, latest and the lock file .lock are written there)",
    )
    for name, what in (("index.html", "the runs index"), ("latest", "the latest pointer")):
        target = base / name
        if target.is_dir() and not target.is_symlink():
            raise _fail(target, what, "it is a real folder; move it away")
    lock = base / ".lock"
    if lock.exists():
        if lock.is_dir():
            raise _fail(lock, "the lock file", "it is a folder; remove it")
        try:
            with open(lock, "a", encoding="utf-8"):
                pass
        except OSError as error:
            raise _fail(lock, "the lock file", _reason(error)) from None
    runs = base / "runs"
    _make_folder(runs, "the runs folder")
    _probe(runs, "the runs folder", directory=True, purpose=" (each run gets a folder there)")
    return base
