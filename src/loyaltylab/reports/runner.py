"""Run the reports of ``reports.yaml`` with papermill into a new run folder.

Layout of one run (``reports/runs/<run-id>/``)::

    <name>.ipynb      the executed notebook (kept for failed reports too, error visible)
    <name>.html       stakeholder HTML: no code, header with run id, data source, parameters
    <name>/           the report's ``output_dir`` (``<NN_topic>.metrics.json``, figures, tables)
    <name>.kernel.log what the report's kernel wrote to stderr, when more than known noise
    status.json       the run's state and runner process; per report: ok/failed, duration,
                      parameters, error message, paths
    index.html        the run's reports, scorecard first; written when the run starts and after
                      each report, so a run in progress (or killed) has a page

Beside the runs the runner keeps ``reports/index.html`` (every run, newest first, with pass/fail
counts) and ``reports/latest`` (a symlink to the newest complete run in which every report
succeeded; a text file naming it where symlinks are not available).

A run never writes into an existing folder: the run id is the UTC start time
(``2026-11-23T203000Z``), with ``-2``, ``-3``, ... appended if that folder already exists, and
the folder is created atomically. The shared files (``reports/index.html``, ``reports/latest``)
are rewritten under the lock file ``reports/.lock``, so two runners at the same time do not
clobber each other.

Before any notebook runs, every place the run writes is checked by a real write
(:func:`~loyaltylab.reports.writable.check_reports_dir`): a reports folder that is a file or
cannot be written is one :class:`~loyaltylab.errors.ReportError` (``loyaltylab run`` exits 2).
``status.json`` records the runner's pid, host and process start time; a later run shows a run
whose process is gone (``kill -9``) as ``"interrupted"`` (:mod:`loyaltylab.reports.liveness`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from loyaltylab.display import CURRENCY_ENV
from loyaltylab.errors import ConfigError, ReportError
from loyaltylab.files import write_text_atomic
from loyaltylab.metrics import METRICS_SUFFIX, RUN_STATUS_FILE, to_jsonable
from loyaltylab.reports.config import ReportsConfig, ReportSpec, load_config, parse_overrides
from loyaltylab.reports.html import export_html
from loyaltylab.reports.index import update_reports_index, write_run_index
from loyaltylab.reports.kernel_output import capturing_kernel_manager, filter_kernel_noise
from loyaltylab.reports.liveness import RunnerProcess
from loyaltylab.reports.writable import check_reports_dir

__all__ = [
    "ReportOutcome",
    "RunResult",
    "create_run_dir",
    "run_reports",
]

STATUS_FILE = RUN_STATUS_FILE
NOTE_TAG = "loyaltylab-error-note"
KERNEL_LINES_SHOWN = 12
"""Lines of a kernel's stderr the runner prints; the whole of it is in ``<name>.kernel.log``."""


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one report in a run.

    Attributes
    ----------
    name, title : str
        From ``reports.yaml``.
    role : str or None
        ``"scorecard"`` or ``None``.
    status : {"ok", "failed"}
        Outcome.
    started_at : str
        ISO time (UTC) the report started.
    duration_seconds : float
        Wall time of execution and HTML export.
    parameters : dict
        Parameters passed to papermill, including the injected ``output_dir`` (and ``run_dir``).
    error : str or None
        One-paragraph error message of a failed report.
    error_type : str or None
        Exception class name (``PapermillExecutionError``, ``CellTimeoutError``, ...).
    notebook, html, output_dir : str or None
        Paths relative to the run folder (``None`` where no file was written).
    metrics_files : tuple of str
        Metrics files the report wrote, relative to the run folder.
    kernel_log : str or None
        ``<name>.kernel.log`` when the kernel wrote more than known noise to its stderr.
    """

    name: str
    title: str
    role: str | None
    status: str
    started_at: str
    duration_seconds: float
    parameters: dict[str, Any]
    error: str | None = None
    error_type: str | None = None
    notebook: str | None = None
    html: str | None = None
    output_dir: str | None = None
    metrics_files: tuple[str, ...] = ()
    kernel_log: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the report succeeded."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready record written to ``status.json``."""
        record = asdict(self)
        record["metrics_files"] = list(self.metrics_files)
        return {key: to_jsonable(value) for key, value in record.items()}


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`run_reports`.

    Attributes
    ----------
    run_id : str
        Name of the run folder.
    run_dir : pathlib.Path
        ``reports/runs/<run-id>``.
    reports_dir : pathlib.Path
        The ``reports`` folder holding ``runs/``, ``index.html`` and ``latest``.
    started_at, finished_at : str
        ISO times (UTC).
    complete : bool
        Whether every report of the config was selected (no ``--only``); only complete runs in
        which every report succeeded become ``reports/latest``.
    reports : tuple of ReportOutcome
        In execution order (scorecards last).
    latest : str or None
        Run id ``reports/latest`` points at after this run.
    """

    run_id: str
    run_dir: Path
    reports_dir: Path
    started_at: str
    finished_at: str
    complete: bool
    reports: tuple[ReportOutcome, ...] = field(default_factory=tuple)
    latest: str | None = None

    @property
    def n_passed(self) -> int:
        """Number of reports that succeeded."""
        return sum(report.ok for report in self.reports)

    @property
    def n_failed(self) -> int:
        """Number of reports that failed."""
        return len(self.reports) - self.n_passed

    @property
    def ok(self) -> bool:
        """Whether every report succeeded."""
        return self.n_failed == 0

    @property
    def counts(self) -> str:
        """The line the command prints: ``"N passed, M failed"``."""
        return f"{self.n_passed} passed, {self.n_failed} failed"

    def summary(self) -> pd.DataFrame:
        """Return one row per report: name, status, duration, error and HTML path.

        Returns
        -------
        pandas.DataFrame
        """
        columns = ["name", "title", "role", "status", "duration_seconds", "error", "html"]
        rows = [{key: getattr(report, key) for key in columns} for report in self.reports]
        return pd.DataFrame(rows, columns=columns)


def run_reports(
    config: ReportsConfig | str | os.PathLike[str] | None = None,
    *,
    only: Iterable[str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | Iterable[str] | None = None,
    reports_dir: str | os.PathLike[str] | None = None,
    timeout_minutes: float | None = None,
    progress: bool | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RunResult:
    """Execute reports into a new run folder and refresh the run index and ``latest``.

    Configuration problems (unknown report or parameter, missing notebook, ...) raise one
    :class:`~loyaltylab.errors.ConfigError` and a reports folder that cannot be written one
    :class:`~loyaltylab.errors.ReportError`, before anything runs. A report that fails (an
    exception in a cell, a timeout, a dead kernel, a failed HTML export) is recorded as failed
    and the remaining reports still run; its executed notebook and HTML are kept with the error
    visible.

    Parameters
    ----------
    config : ReportsConfig or path-like, optional
        A loaded config or the path of ``reports.yaml`` (default: the project's).
    only : iterable of str, optional
        Report names to run (comma-separated lists allowed); default all.
    overrides : mapping or iterable of str, optional
        ``{name: {parameter: value}}`` or ``["NAME.KEY=VALUE", ...]`` (values typed as YAML).
    reports_dir : path-like, optional
        Folder for ``runs/``, ``index.html`` and ``latest`` (default: ``reports/`` beside
        ``reports.yaml``).
    timeout_minutes : float, optional
        Time limit per notebook (default: ``settings.timeout_minutes``).
    progress : bool, optional
        Show a tqdm progress bar (default: when stderr is a terminal).
    clock : callable, optional
        Returns the current UTC time (for tests of run-id collisions).

    Returns
    -------
    RunResult

    Examples
    --------
    >>> result = run_reports(only=["clv_cdnow"])  # doctest: +SKIP
    >>> print(result.counts)  # doctest: +SKIP
    1 passed, 0 failed
    """
    from tqdm.auto import tqdm

    if not isinstance(config, ReportsConfig):
        config = load_config(config)
    if overrides is not None and not isinstance(overrides, Mapping):
        overrides = parse_overrides(overrides)
    selected = config.select(only)
    if overrides:
        chosen = {spec.name for spec in selected}
        skipped = [name for name in overrides if name in config.names and name not in chosen]
        config = config.with_overrides(overrides)
        if skipped:
            raise ConfigError(
                f"-p sets parameters of {skipped} but --only does not select them; "
                f"selected: {[spec.name for spec in selected]}"
            )
        selected = config.select(only)
    if not selected:
        raise ReportError(f"no reports to run: {config.path or 'the config'} lists none")
    limit = timeout_minutes if timeout_minutes is not None else config.settings.timeout_minutes
    if not limit > 0:
        raise ReportError(f"timeout must be a positive number of minutes, got {limit!r}")
    now = clock or (lambda: datetime.now(UTC))
    base = check_reports_dir(
        Path(reports_dir) if reports_dir is not None else config.root / "reports"
    )
    run_dir = create_run_dir(base / "runs", now())
    state: dict[str, Any] = {
        "run_id": run_dir.name,
        "state": "running",
        "started_at": _iso(now()),
        "finished_at": None,
        "config": str(config.path) if config.path else None,
        "complete": len(selected) == len(config.reports),
        "selected": [spec.name for spec in selected],
        "timeout_minutes": limit,
        "currency": config.settings.currency,
        "runner": RunnerProcess.current().to_dict(),
        "current": None,
        "passed": 0,
        "failed": 0,
        "reports": [],
    }
    _record(run_dir, state)
    update_reports_index(base)  # the run is listed, with a page, from its start
    outcomes: list[ReportOutcome] = []
    show = progress if progress is not None else sys.stderr.isatty()
    try:
        with tqdm(total=len(selected), unit="report", disable=not show, file=sys.stderr) as bar:
            for spec in selected:
                bar.set_postfix_str(spec.name)
                state["current"] = spec.name
                _record(run_dir, state)
                outcome = _run_one(spec, config, run_dir, limit, now)
                outcomes.append(outcome)
                state["current"] = None
                state["reports"] = [item.to_dict() for item in outcomes]
                state["passed"] = sum(item.ok for item in outcomes)
                state["failed"] = len(outcomes) - state["passed"]
                _record(run_dir, state)
                bar.update(1)
    except KeyboardInterrupt:
        # Ctrl-C: leave a readable, finished-looking record, never a candidate for latest
        state["state"] = "interrupted"
        state["finished_at"] = _iso(now())
        _record(run_dir, state)
        update_reports_index(base)
        raise
    state["state"] = "finished"
    state["finished_at"] = _iso(now())
    _record(run_dir, state)
    try:
        latest = update_reports_index(base)
    except OSError as error:
        raise ReportError(
            f"the run finished ({state['passed']} passed, {state['failed']} failed) and is kept "
            f"in {run_dir}, but the runs index in {base} could not be updated: {error}"
        ) from None
    return RunResult(
        run_id=run_dir.name,
        run_dir=run_dir,
        reports_dir=base,
        started_at=state["started_at"],
        finished_at=state["finished_at"],
        complete=state["complete"],
        reports=tuple(outcomes),
        latest=latest,
    )


def create_run_dir(runs_dir: str | os.PathLike[str], when: datetime) -> Path:
    """Create a new, empty run folder named after ``when`` (UTC) and return it.

    The name is ``YYYY-MM-DDTHHMMSSZ``; if that folder exists, ``-2``, ``-3``, ... is appended.
    Creation is atomic (``mkdir`` without ``exist_ok``), so two runners never share a folder.

    Parameters
    ----------
    runs_dir : path-like
        ``reports/runs``; created if missing.
    when : datetime.datetime
        Start time of the run (naive values are taken as UTC).

    Returns
    -------
    pathlib.Path
    """
    folder = Path(runs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    base = stamp.strftime("%Y-%m-%dT%H%M%SZ")
    for attempt in range(1, 1000):
        candidate = folder / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise ReportError(f"cannot create a run folder for {base} in {folder}: 999 already exist")


def _run_one(
    spec: ReportSpec,
    config: ReportsConfig,
    run_dir: Path,
    limit_minutes: float,
    now: Callable[[], datetime],
) -> ReportOutcome:
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    started = time.monotonic()
    started_at = _iso(now())
    output_dir = run_dir / spec.name
    output_dir.mkdir()
    parameters: dict[str, Any] = {**spec.parameters, "output_dir": str(output_dir)}
    if "run_dir" in spec.declared_parameters:
        parameters["run_dir"] = str(run_dir)
    currency = str(spec.parameters.get("currency", config.settings.currency))
    if "currency" in spec.declared_parameters:
        parameters.setdefault("currency", currency)
    executed = run_dir / f"{spec.name}.ipynb"
    html_path = run_dir / f"{spec.name}.html"
    kernel_log = run_dir / f"{spec.name}.kernel.log"
    deadline = started + limit_minutes * 60.0
    error: str | None = None
    error_type: str | None = None
    try:
        papermill.execute_notebook(
            str(spec.notebook),
            str(executed),
            parameters=parameters,
            kernel_name=config.settings.kernel_name,
            progress_bar=False,
            cwd=str(config.root),
            start_timeout=config.settings.start_timeout_seconds,
            timeout_func=lambda cell: max(0.1, deadline - time.monotonic()),
            kernel_manager_class=capturing_kernel_manager(
                kernel_log, env={CURRENCY_ENV: currency}
            ),
        )
    except papermill.PapermillExecutionError as exc:
        error_type = type(exc).__name__
        error = f"{exc.ename}: {exc.evalue} (in cell In [{exc.exec_count}])"
        # a loader's hint names the notebook's `load` parameter; in a run it is a reports.yaml key
        error = config.reword_error(spec.name, error)
    except (CellTimeoutError, DeadKernelError) as exc:
        error_type = type(exc).__name__
        if isinstance(exc, CellTimeoutError):
            error = (
                f"stopped: the notebook ran longer than its time limit of {limit_minutes:g} "
                f"minute(s) (settings.timeout_minutes or --timeout)"
            )
        else:
            error = f"the notebook's kernel died (out of memory?): {_first_line(exc)}"
        _add_note(executed, spec.notebook, error, error_type)
    except Exception as exc:  # noqa: BLE001 - one failing report must not stop the others
        error_type = type(exc).__name__
        error = f"{error_type}: {_first_line(exc)}"
        _add_note(executed, spec.notebook, error, error_type)
    shown = {**spec.parameter_defaults, **parameters}
    html_written: str | None = None
    try:
        export_html(
            executed,
            html_path,
            title=spec.title,
            run_id=run_dir.name,
            status="failed" if error else "ok",
            error=error,
            parameters=shown,
            report_name=spec.name,
        )
        html_written = html_path.name
    except Exception as exc:  # noqa: BLE001 - an export failure fails this report only
        if error is None:
            error_type = type(exc).__name__
            error = f"HTML export failed: {_first_line(exc)}"
    metrics = sorted(
        str(path.relative_to(run_dir)) for path in output_dir.rglob(f"*{METRICS_SUFFIX}")
    )
    kept_log = _keep_kernel_log(kernel_log, spec.name)
    return ReportOutcome(
        name=spec.name,
        title=spec.title,
        role=spec.role,
        status="failed" if error else "ok",
        started_at=started_at,
        duration_seconds=round(time.monotonic() - started, 3),
        parameters=parameters,
        error=error,
        error_type=error_type,
        notebook=executed.name if executed.exists() else None,
        html=html_written,
        output_dir=spec.name,
        metrics_files=tuple(metrics),
        kernel_log=kept_log,
    )


def _keep_kernel_log(path: Path, name: str) -> str | None:
    """Print what the kernel wrote to stderr beyond known noise; keep the log only then."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    remaining = filter_kernel_noise(text)
    if not remaining:
        path.unlink(missing_ok=True)
        return None
    lines = remaining.splitlines()
    shown = "\n".join(lines[:KERNEL_LINES_SHOWN])
    if len(lines) > KERNEL_LINES_SHOWN:
        shown += f"\n... {len(lines) - KERNEL_LINES_SHOWN} more line(s) in {path}"
    print(f"report {name}: its kernel wrote to stderr:\n{shown}", file=sys.stderr)
    return path.name


def _add_note(executed: Path, source: Path, message: str, kind: str) -> None:
    """Put a visible note at the top of an executed notebook that stopped without a banner."""
    try:
        notebook = nbformat.read(str(executed if executed.exists() else source), as_version=4)
    except (OSError, ValueError):
        notebook = nbformat.v4.new_notebook()
    note = nbformat.v4.new_markdown_cell(
        '<span style="color:red; font-size:1.5em;">This report did not finish '
        f"({kind}).</span>\n\n{message}. Results below the last completed cell are missing."
    )
    note.metadata["tags"] = [NOTE_TAG]
    notebook.cells.insert(0, note)
    nbformat.write(notebook, str(executed))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _record(run_dir: Path, state: Mapping[str, Any]) -> None:
    """Write the run's ``status.json`` and its index page from it."""
    _write_json(run_dir / STATUS_FILE, state)
    write_run_index(run_dir)


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    text = json.dumps(to_jsonable(payload), indent=2, allow_nan=False)
    write_text_atomic(path, text + "\n")
