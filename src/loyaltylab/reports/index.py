"""Index pages of report runs and the ``reports/latest`` pointer.

- :func:`write_run_index` writes ``reports/runs/<run-id>/index.html`` from the run's
  ``status.json``: the run's state, one row per report (scorecard first) with status, duration,
  the error of a failed report and links to the HTML, the executed notebook and the metrics
  files; while the run goes on, the report running now and the ones still to run.
- :func:`update_reports_index` rewrites ``reports/index.html`` (every run, newest first, with
  pass/fail counts) and points ``reports/latest`` at the newest complete run in which every report
  succeeded, under the lock file ``reports/.lock``. A run recorded as running whose runner
  process is gone is marked ``"interrupted"`` (:func:`loyaltylab.reports.liveness.effective_state`).

Each report's row shows its **headline numbers** (:data:`HEADLINES`: keys of the metrics
catalog, formatted by their catalog unit in the run's currency); times read as local time
(``1 Dec 2026, 14:03 UTC``), and a count is coloured only when it is not zero.

Pages are single files with inline CSS and no scripts; they open offline. Their templates are
``run_index.html.j2`` and ``reports_index.html.j2`` (:mod:`loyaltylab.reports.pages`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.errors import ReportError
from loyaltylab.files import write_text_atomic
from loyaltylab.reports.liveness import RunnerProcess, effective_state
from loyaltylab.reports.pages import render_page

__all__ = [
    "HEADLINES",
    "LATEST_NAME",
    "LOCK_NAME",
    "latest_run",
    "headline_numbers",
    "list_runs",
    "readable_time",
    "read_run_status",
    "update_reports_index",
    "write_run_index",
]

LATEST_NAME = "latest"
LOCK_NAME = ".lock"

HEADLINES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "01_customers": (
        ("active customers", "kpi.active_customers"),
        ("revenue", "kpi.revenue"),
        ("retention", "kpi.retention_rate"),
    ),
    "02_clv": (
        ("CLV of the base", "clv.total"),
        ("probably active", "customers.active_probable_share"),
    ),
    "03_experiment": (("recommendation", "recommendation"),),
    "04_reward_models": (
        ("best program", "best_program"),
        ("its incremental margin", "programs.{best_program}.incremental_margin"),
    ),
    "05_scorecard": (("targets on track", "n_on_track"), ("targets", "n_targets")),
    "00_decision": (("decision", "recommendation"), ("design", "design")),
    "06_feedback": (("NPS", "nps.value"), ("response rate", "response_rate")),
}
"""Headline numbers of each metrics file on the run index: ``(label, catalog key)``.

A key may name another key's value in braces (``programs.{best_program}.incremental_margin``).
Every key is a key of the metrics catalog (tests/test_reports.py checks it); the value is
formatted by the catalog unit.
"""


def readable_time(stamp: Any) -> str:
    """Return an ISO time as people read it, in the machine's local time zone.

    Parameters
    ----------
    stamp : str or None
        An ISO 8601 time (``2026-12-01T14:03:12.123456+00:00``).

    Returns
    -------
    str
        ``"1 Dec 2026, 14:03 UTC"`` (local zone name), or ``""`` for no time.

    Examples
    --------
    >>> readable_time(None), readable_time("")
    ('', '')
    >>> readable_time("not a time")
    'not a time'
    """
    if stamp in (None, "", "None"):
        return ""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    local = when.astimezone() if when.tzinfo is not None else when
    zone = local.tzname() or ""
    return f"{local.day} {local:%b %Y, %H:%M} {zone}".strip()


def headline_numbers(
    run_dir: str | os.PathLike[str], report: Mapping[str, Any], currency: str = ""
) -> list[tuple[str, str]]:
    """Return a report's headline numbers ``(label, text)`` from its metrics files.

    Parameters
    ----------
    run_dir : path-like
        The run folder.
    report : mapping
        The report's ``status.json`` entry (its ``metrics_files``).
    currency : str, default ""
        The run's currency symbol.

    Returns
    -------
    list of (str, str)
        Empty when the report wrote no metrics (or failed).
    """
    from loyaltylab.display import format_by_unit, format_value
    from loyaltylab.metrics import get_metric
    from loyaltylab.reports.catalog import metrics_catalog

    catalog = metrics_catalog()
    out: list[tuple[str, str]] = []
    for name in report.get("metrics_files", []) or []:
        topic = Path(str(name)).name.split(".")[0]
        wanted = HEADLINES.get(topic)
        if not wanted:
            continue
        try:
            metrics = json.loads((Path(run_dir) / str(name)).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for label, key in wanted:
            try:
                key = key.format(**{k: v for k, v in metrics.items() if isinstance(v, str)})
            except (KeyError, IndexError):
                continue
            value = get_metric(metrics, key)
            if value is None or isinstance(value, (dict, list)):
                continue
            if isinstance(value, str):
                text = value if len(value) <= 160 else value[:157].rsplit(" ", 1)[0] + " ..."
            else:
                try:
                    unit = catalog.lookup(topic, key).unit or ""
                except Exception:  # noqa: BLE001 - a key the catalog lacks is shown plain
                    unit = ""
                text = format_by_unit(value, unit, currency) if unit else format_value(value)
            out.append((label, text))
    return out


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

    Folders without a readable ``status.json`` are listed with state ``"unreadable"``; a run
    recorded as ``"running"`` whose runner process is gone with state ``"interrupted"``.

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
                    "state": effective_state(status),
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
    """Write ``index.html`` of one run from its ``status.json``; decision page, scorecards first.

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
    state = effective_state(status)
    first = {"decision": 0, "scorecard": 1}  # the decision page, then scorecards, then the rest
    reports = sorted(status["reports"], key=lambda r: first.get(str(r.get("role")), 2))
    passed = sum(1 for r in reports if r.get("status") == "ok")
    done = {str(report.get("name")) for report in reports}
    current = status.get("current") if isinstance(status.get("current"), str) else None
    waiting = [str(name) for name in status.get("selected", []) if str(name) not in done]
    runner = RunnerProcess.from_record(status.get("runner"))
    return _write_page(
        folder / "index.html",
        "run_index.html.j2",
        title=f"Loyalty Lab reports - run {status.get('run_id', folder.name)}",
        state=state,
        current=current,
        runner=f"pid {runner.pid} on {runner.host}" if runner else None,
        passed=passed,
        failed=len(reports) - passed,
        started_at=readable_time(status.get("started_at")),
        finished_at=readable_time(status.get("finished_at")),
        reports=[
            _report_row(report, folder, str(status.get("currency") or "")) for report in reports
        ]
        + [_waiting_row(name, current=name == current, state=state) for name in waiting],
        refresh_seconds=30 if state == "running" else None,
    )


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
        for run in runs[runs["state"] == "interrupted"].itertuples() if not runs.empty else ():
            _mark_interrupted(Path(str(run.path)))
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
        _write_page(
            folder / "index.html",
            "reports_index.html.j2",
            title="Loyalty Lab reports",
            latest=latest,
            runs=_run_rows(runs),
        )
    return latest


def _mark_interrupted(run_dir: Path) -> None:
    """Record in a run whose runner is gone that it was interrupted, and rewrite its page."""
    try:
        status = read_run_status(run_dir)
        if status.get("state") != "running":
            return
        runner = RunnerProcess.from_record(status.get("runner"))
        status["state"] = "interrupted"
        who = f"pid {runner.pid} on {runner.host}" if runner else "not recorded"
        status["note"] = (
            f"the runner process ({who}) was gone when a later run looked: killed, out of "
            "memory or the machine restarted"
        )
        text = json.dumps(status, indent=2, allow_nan=False)
        write_text_atomic(run_dir / "status.json", text + "\n")
        write_run_index(run_dir)
    except (OSError, ReportError, TypeError, ValueError):
        return  # another user's run folder, or a broken record: the index still says interrupted


def _waiting_row(name: str, *, current: bool, state: str) -> dict[str, Any]:
    """Return the row of a selected report that has no outcome (yet)."""
    if current:
        status = "running" if state == "running" else "interrupted"
    else:
        status = "pending" if state == "running" else "not run"
    return {
        "title": name,
        "name": name,
        "html": None,
        "scorecard": False,
        "status": status,
        "error": None,
        "duration_seconds": None,
        "files": [],
        "headlines": [],
    }


def _report_row(report: dict[str, Any], run_dir: Path, currency: str = "") -> dict[str, Any]:
    """Return what ``run_index.html.j2`` shows of one ``status.json`` entry (unescaped)."""
    ok = report.get("status") == "ok"
    return {
        "headlines": headline_numbers(run_dir, report, currency) if ok else [],
        "title": str(report.get("title") or report.get("name")),
        "name": str(report.get("name")),
        "html": report.get("html") or None,
        "scorecard": report.get("role") == "scorecard",
        "status": str(report.get("status", "failed")),
        "error": str(report["error"]) if report.get("error") else None,
        "duration_seconds": float(report.get("duration_seconds") or 0),
        "files": [
            (path, Path(path).name)
            for path in [
                report.get("notebook"),
                *report.get("metrics_files", []),
                report.get("kernel_log"),
            ]
            if path
        ],
    }


def _run_rows(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """Return what ``reports_index.html.j2`` shows of each run (finished with a failure: failed)."""
    rows = []
    for run in runs.itertuples(index=False):
        if run.state == "finished":
            state = "failed" if run.failed else "ok"
        else:
            state = str(run.state)
        rows.append(
            {
                "run_id": str(run.run_id),
                "started_at": readable_time(run.started_at),
                "state": state,
                "passed": run.passed,
                "failed": run.failed,
                "complete": bool(run.complete),
            }
        )
    return rows


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


def _write_page(path: Path, template_name: str, **context: Any) -> Path:
    """Render an index page template and write it atomically, ending in a newline."""
    return write_text_atomic(path, render_page(template_name, **context) + "\n")


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
