"""Index pages of report runs and the ``reports/latest`` pointer.

- :func:`write_run_index` writes ``reports/runs/<run-id>/index.html`` from the run's
  ``status.json``: one row per report (scorecard first) with status, duration, the error of a
  failed report and links to the HTML, the executed notebook and the metrics files.
- :func:`update_reports_index` rewrites ``reports/index.html`` (every run, newest first, with
  pass/fail counts) and points ``reports/latest`` at the newest complete run in which every report
  succeeded, under the lock file ``reports/.lock``.

Pages are single files with inline CSS and no scripts; they open offline.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.errors import ReportError
from loyaltylab.files import write_text_atomic

__all__ = [
    "LATEST_NAME",
    "LOCK_NAME",
    "latest_run",
    "list_runs",
    "read_run_status",
    "update_reports_index",
    "write_run_index",
]

LATEST_NAME = "latest"
LOCK_NAME = ".lock"

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
  max-width: 1100px; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.6em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.45em 0.6em; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #cf222e; font-weight: 600; }
.running { color: #9a6700; font-weight: 600; }
.error { color: #cf222e; font-size: 0.9em; white-space: pre-wrap; }
.muted { color: #57606a; font-size: 0.9em; }
.latest { background: #dafbe1; border-radius: 4px; padding: 0 0.4em; font-size: 0.85em; }
"""


def read_run_status(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``status.json`` of a run folder.

    Parameters
    ----------
    run_dir : path-like
        ``reports/runs/<run-id>``.

    Returns
    -------
    dict
    """
    path = Path(run_dir) / "status.json"
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"cannot read run status {path}: {error}") from None
    if not isinstance(status, dict) or "reports" not in status:
        raise ReportError(f"{path} is not a run status file (no 'reports' key)")
    return status


def list_runs(reports_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Return every run under ``reports_dir/runs``, newest first.

    Folders without a readable ``status.json`` are listed with state ``"unreadable"``.

    Parameters
    ----------
    reports_dir : path-like
        The ``reports`` folder.

    Returns
    -------
    pandas.DataFrame
        Columns run_id, started_at, state, complete, passed, failed, path.
    """
    columns = ["run_id", "started_at", "state", "complete", "passed", "failed", "path"]
    runs_dir = Path(reports_dir) / "runs"
    rows: list[dict[str, Any]] = []
    if runs_dir.is_dir():
        for folder in runs_dir.iterdir():
            if not folder.is_dir():
                continue
            try:
                status = read_run_status(folder)
            except ReportError:
                status = {"state": "unreadable", "started_at": "", "reports": []}
            reports = status.get("reports", [])
            passed = sum(1 for r in reports if r.get("status") == "ok")
            rows.append(
                {
                    "run_id": folder.name,
                    "started_at": str(status.get("started_at") or ""),
                    "state": status.get("state", "unreadable"),
                    "complete": bool(status.get("complete", False)),
                    "passed": passed,
                    "failed": len(reports) - passed,
                    "path": folder,
                }
            )
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    return frame.sort_values(["started_at", "run_id"], ascending=False, ignore_index=True)


def latest_run(reports_dir: str | os.PathLike[str]) -> Path | None:
    """Return the run folder ``reports/latest`` points at, or ``None``.

    Parameters
    ----------
    reports_dir : path-like
        The ``reports`` folder.

    Returns
    -------
    pathlib.Path or None
    """
    pointer = Path(reports_dir) / LATEST_NAME
    if pointer.is_symlink():
        return pointer.resolve()
    if pointer.is_file():
        target = (Path(reports_dir) / pointer.read_text(encoding="utf-8").strip()).resolve()
        return target if target.is_dir() else None
    return None


def write_run_index(run_dir: str | os.PathLike[str]) -> Path:
    """Write ``index.html`` of one run from its ``status.json``; scorecards are listed first.

    Parameters
    ----------
    run_dir : path-like
        ``reports/runs/<run-id>``.

    Returns
    -------
    pathlib.Path
        The page written.
    """
    folder = Path(run_dir)
    status = read_run_status(folder)
    reports = sorted(status["reports"], key=lambda r: r.get("role") != "scorecard")
    rows = "\n".join(_report_row(report) for report in reports)
    passed = sum(1 for r in reports if r.get("status") == "ok")
    title = f"Loyalty Lab reports - run {status.get('run_id', folder.name)}"
    body = (
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p><span class="ok">{passed} passed</span>, '
        f'<span class="failed">{len(reports) - passed} failed</span>'
        f' &middot; <span class="muted">started {html.escape(str(status.get("started_at")))}'
        f", finished {html.escape(str(status.get('finished_at')))}</span>"
        f' &middot; <a href="../../index.html">all runs</a></p>\n'
        "<table>\n<tr><th>Report</th><th>Status</th><th>Duration</th><th>Files</th></tr>\n"
        f"{rows}\n</table>"
    )
    return _write_page(folder / "index.html", title, body)


def update_reports_index(reports_dir: str | os.PathLike[str]) -> str | None:
    """Rewrite ``reports/index.html`` and ``reports/latest`` under ``reports/.lock``.

    ``latest`` points at the newest finished, complete run (every report of the config selected)
    in which every report succeeded; failed or partial runs never become ``latest``.

    Parameters
    ----------
    reports_dir : path-like
        The ``reports`` folder.

    Returns
    -------
    str or None
        The run id ``latest`` points at.
    """
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / LOCK_NAME):
        runs = list_runs(folder)
        good = (
            runs[
                (runs["state"] == "finished")
                & runs["complete"]
                & (runs["failed"] == 0)
                & (runs["passed"] > 0)
            ]
            if not runs.empty
            else runs
        )
        latest = str(good.iloc[0]["run_id"]) if not good.empty else None
        if latest is not None:
            _point_latest(folder, latest)
        _write_page(folder / "index.html", "Loyalty Lab reports", _runs_body(runs, latest))
    return latest


def _report_row(report: dict[str, Any]) -> str:
    status = str(report.get("status", "failed"))
    title = html.escape(str(report.get("title") or report.get("name")))
    link = (
        f'<a href="{html.escape(report["html"], quote=True)}">{title}</a>'
        if report.get("html")
        else title
    )
    role = ' <span class="muted">(scorecard)</span>' if report.get("role") == "scorecard" else ""
    error = (
        f'<div class="error">{html.escape(str(report["error"]))}</div>'
        if report.get("error")
        else ""
    )
    files = [
        f'<a href="{html.escape(path, quote=True)}">{html.escape(Path(path).name)}</a>'
        for path in [report.get("notebook"), *report.get("metrics_files", [])]
        if path
    ]
    return (
        f'<tr><td>{link}{role}<div class="muted">{html.escape(str(report.get("name")))}'
        f'</div>{error}</td><td class="{html.escape(status)}">{html.escape(status)}</td>'
        f"<td>{float(report.get('duration_seconds') or 0):.1f} s</td>"
        f"<td>{'<br>'.join(files)}</td></tr>"
    )


def _runs_body(runs: pd.DataFrame, latest: str | None) -> str:
    rows = []
    for run in runs.itertuples(index=False):
        if run.state == "finished":
            state = "failed" if run.failed else "ok"
        else:
            state = str(run.state)
        badge = ' <span class="latest">latest</span>' if run.run_id == latest else ""
        scope = "all reports" if run.complete else "selected reports"
        rows.append(
            f'<tr><td><a href="runs/{html.escape(run.run_id, quote=True)}/index.html">'
            f"{html.escape(run.run_id)}</a>{badge}</td>"
            f"<td>{html.escape(str(run.started_at))}</td>"
            f'<td class="{html.escape(state)}">{html.escape(state)}</td>'
            f'<td><span class="ok">{run.passed} passed</span>, '
            f'<span class="failed">{run.failed} failed</span></td>'
            f'<td class="muted">{scope}</td></tr>'
        )
    latest_line = (
        f'<p>Latest complete run: <a href="runs/{html.escape(latest, quote=True)}/index.html">'
        f"{html.escape(latest)}</a></p>"
        if latest
        else "<p>No complete run in which every report succeeded yet.</p>"
    )
    return (
        "<h1>Loyalty Lab reports</h1>\n"
        f"{latest_line}\n<table>\n<tr><th>Run</th><th>Started (UTC)</th><th>State</th>"
        f"<th>Reports</th><th>Scope</th></tr>\n" + "\n".join(rows) + "\n</table>"
    )


def _point_latest(folder: Path, run_id: str) -> None:
    pointer = folder / LATEST_NAME
    target = f"runs/{run_id}"
    tmp = folder / f".{LATEST_NAME}.{os.getpid()}.tmp"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp, target_is_directory=True)
        os.replace(tmp, pointer)
    except (OSError, NotImplementedError):
        if tmp.is_symlink():
            tmp.unlink()
        if pointer.is_dir() and not pointer.is_symlink():
            raise ReportError(
                f"{pointer} is a real folder; move it away to let latest point at {target}"
            ) from None
        tmp.write_text(target + "\n", encoding="utf-8")
        os.replace(tmp, pointer)


def _write_page(path: Path, title: str, body: str) -> Path:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    return write_text_atomic(path, page)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
