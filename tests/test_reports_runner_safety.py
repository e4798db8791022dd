"""A runner that never loses a run: folders it cannot write, a killed run, a quiet green run.

- Every place a run writes (the reports folder, its lock, ``index.html``, ``latest``, ``runs/``)
  is checked before any notebook runs: each case below is one clear error and exit status 2,
  and no run folder exists afterwards. Permissions are tested as an unprivileged user (an
  administrator may write anywhere), by a command without the capabilities that override
  permission bits when the tests run as one.
- A run killed with SIGKILL has its own page (written when it started) and the next run shows it
  as interrupted; the runner process is recognised by pid and process start time, not by time.
- The kernel's "TCP without encryption" warning and "KeyboardInterrupt caught" are not on the
  output of a green run, while what a kernel writes to its stderr otherwise stays visible.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import yaml

from loyaltylab.cli import main
from loyaltylab.reports import list_runs, read_run_status, update_reports_index
from loyaltylab.reports.kernel_output import filter_kernel_noise
from loyaltylab.reports.liveness import RunnerProcess, effective_state, process_start_token
from loyaltylab.reports.writable import check_reports_dir

FIXTURES = Path(__file__).parent / "notebooks"
CLI = [sys.executable, "-m", "loyaltylab.cli"]


def _write_config(folder: Path, reports: list[dict[str, str]], timeout: float = 10) -> Path:
    path = folder / "reports.yaml"
    payload = {"settings": {"timeout_minutes": timeout}, "reports": reports}
    path.write_text(yaml.safe_dump(payload, sort_keys=False), encoding="utf-8")
    return path


OK_REPORT = {"name": "ok", "title": "Fixture report", "notebook": str(FIXTURES / "ok.ipynb")}


def _run_folders(reports_dir: Path) -> list[Path]:
    runs = reports_dir / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


# --- places a run cannot write: one error, exit 2, before any notebook ----------------------


# Capabilities that let an administrator write where the permission bits say no
# (dac_override, dac_read_search, fowner); dropping them from the bounding set before the
# command starts makes it an ordinary user of the same files (PR_CAPBSET_DROP = 24).
_OVERRIDE_CAPABILITIES = (1, 2, 3)


def _without_override_capabilities() -> None:  # pragma: no cover - runs in the child process
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _OVERRIDE_CAPABILITIES:
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


# One child process runs the command line once per case (importing the runner takes seconds):
# it prints {case: [exit status, stdout, stderr]} as JSON.
_CHILD = """
import contextlib, io, json, sys
from loyaltylab.cli import main
results = {}
for case, arguments in json.loads(sys.argv[1]).items():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    results[case] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""

PERMISSION_CASES = {
    # case: (what is read-only, the path the error names)
    "reports read-only": "reports",
    "reports read-only, runs writable": "reports",
    "runs read-only": "reports/runs",
    "lock read-only": "reports/.lock",
    "parent read-only": "reports/nested",
}


def _layout(folder: Path, case: str) -> Path:
    """Build the reports folder of one case; return the folder to pass as --reports-dir."""
    reports = folder / "reports"
    reports.mkdir(parents=True)
    if case == "reports read-only":
        reports.chmod(0o555)
    elif case == "reports read-only, runs writable":
        (reports / "runs").mkdir()
        (reports / "runs").chmod(0o777)
        reports.chmod(0o555)
    elif case == "runs read-only":
        (reports / "runs").mkdir()
        (reports / "runs").chmod(0o555)
    elif case == "lock read-only":
        (reports / ".lock").write_text("", encoding="utf-8")
        (reports / ".lock").chmod(0o444)
        (reports / "runs").mkdir()
    elif case == "parent read-only":
        reports.chmod(0o555)
        return reports / "nested"
    return reports


@pytest.fixture(scope="module")
def permission_runs(tmp_path_factory) -> Iterator[dict[str, tuple[Path, list[object]]]]:
    """Run ``loyaltylab run`` on each read-only layout as a user the permission bits bind."""
    administrator = os.geteuid() == 0
    if administrator and not sys.platform.startswith("linux"):
        pytest.skip("permission bits do not bind an administrator here")
    root = tmp_path_factory.mktemp("permissions")
    config = _write_config(root, [OK_REPORT])
    folders = {case: root / f"case{number}" for number, case in enumerate(PERMISSION_CASES)}
    arguments = {
        case: [
            "run",
            "--config",
            str(config),
            "--reports-dir",
            str(_layout(folder, case)),
            "--no-progress",
        ]
        for case, folder in folders.items()
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(arguments)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            preexec_fn=_without_override_capabilities if administrator else None,  # noqa: PLW1509
        )
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot run as an ordinary user here: {error}")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    yield {case: (folders[case], results[case]) for case in PERMISSION_CASES}
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


@pytest.mark.parametrize("case", list(PERMISSION_CASES))
def test_a_folder_the_run_cannot_write_is_exit_2_before_any_notebook(permission_runs, case):
    folder, (code, out, err) = permission_runs[case]
    assert code == 2, err
    assert "Traceback" not in err
    (message,) = str(err).strip().splitlines()
    assert message.startswith("loyaltylab run: error: cannot write ")
    assert f"{folder / PERMISSION_CASES[case]}:" in message
    assert "permission denied" in message
    assert "Nothing was run" in message and "--reports-dir" in message
    assert out == ""  # no notebook ran, no run folder was printed
    assert _run_folders(folder / "reports") == []
    assert not (folder / "reports" / "index.html").exists()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        ("reports dir is a file", "it is a file, not a folder"),
        ("runs is a file", "it is a file, not a folder"),
        ("under a file", "is a file, not a folder"),
        ("index.html is a folder", "it is a real folder; move it away"),
        ("latest is a folder", "it is a real folder; move it away"),
        ("lock is a folder", "it is a folder; remove it"),
    ],
)
def test_a_file_where_a_folder_belongs_is_exit_2_before_any_notebook(
    tmp_path, capsys, make, problem
):
    config = _write_config(tmp_path, [OK_REPORT])
    reports_dir = tmp_path / "reports"
    if make == "reports dir is a file":
        reports_dir.write_text("not a folder", encoding="utf-8")
    elif make == "under a file":
        reports_dir.write_text("not a folder", encoding="utf-8")
        reports_dir = reports_dir / "sub"
    else:
        reports_dir.mkdir()
        name = {"runs": "runs", "index.html": "index.html", "latest": "latest", "lock": ".lock"}
        target = reports_dir / name[make.split(" ")[0]]
        if make.endswith("a file"):
            target.write_text("not a folder", encoding="utf-8")
        else:
            target.mkdir()
    code = main(
        ["run", "--config", str(config), "--reports-dir", str(reports_dir), "--no-progress"]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert problem in captured.err and "Nothing was run" in captured.err
    assert captured.out == ""
    runs = tmp_path / "reports" / "runs"
    assert not runs.is_dir() or not any(runs.iterdir())


def test_check_reports_dir_creates_what_is_missing_and_leaves_nothing_else(tmp_path):
    base = check_reports_dir(tmp_path / "a" / "b")
    assert base == (tmp_path / "a" / "b").resolve() and (base / "runs").is_dir()
    assert [p.name for p in base.rglob("*")] == ["runs"]  # the write checks clean up


# --- a run killed with SIGKILL ----------------------------------------------------------------


def _wait_for(condition, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _current_report(reports_dir: Path) -> str | None:
    folders = _run_folders(reports_dir)
    if not folders or not (folders[0] / "status.json").is_file():
        return None
    try:
        return json.loads((folders[0] / "status.json").read_text(encoding="utf-8"))["current"]
    except (json.JSONDecodeError, KeyError):
        return None


@pytest.mark.slow
def test_a_killed_run_has_its_page_and_the_next_run_shows_it_interrupted(tmp_path):
    reports = [
        OK_REPORT,
        {"name": "slow", "title": "Slow report", "notebook": str(FIXTURES / "sleep.ipynb")},
        {"name": "after", "title": "Never reached", "notebook": str(FIXTURES / "ok.ipynb")},
    ]
    config = _write_config(tmp_path, reports)
    reports_dir = tmp_path / "reports"
    runner = subprocess.Popen(
        [*CLI, "run", "--config", str(config), "--reports-dir", str(reports_dir), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its kernels are in its process group: kill them all
    )
    try:
        _wait_for(lambda: _current_report(reports_dir) == "slow")
        (run_dir,) = _run_folders(reports_dir)
        # while it runs: listed in the index with a page of its own
        page = (run_dir / "index.html").read_text(encoding="utf-8")
        assert '<span class="running">running</span>: now slow' in page
        assert '<td class="pending">pending</td>' in page
        assert 'http-equiv="refresh"' in page
        index = (reports_dir / "index.html").read_text(encoding="utf-8")
        assert f'href="runs/{run_dir.name}/index.html"' in index
        assert list(list_runs(reports_dir)["state"]) == ["running"]
        status = read_run_status(run_dir)
        assert status["runner"]["pid"] == runner.pid
    finally:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(timeout=30)
    assert runner.returncode == -signal.SIGKILL
    # the process is gone: the run is interrupted, by pid and start time, not by elapsed time
    assert list(list_runs(reports_dir)["state"]) == ["interrupted"]
    update_reports_index(reports_dir)  # what the next run does first
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    assert '<td class="interrupted">interrupted</td>' in index
    status = read_run_status(run_dir)
    assert status["state"] == "interrupted" and status["current"] == "slow"
    assert f"pid {runner.pid}" in status["note"]
    assert [report["name"] for report in status["reports"]] == ["ok"]
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "the run stopped while slow ran" in page
    assert '<td class="interrupted">interrupted</td>' in page  # the report it was running
    assert '<td class="not-run">not run</td>' in page  # the one it never reached
    assert 'href="ok.html"' in page and (run_dir / "ok.html").is_file()
    assert 'http-equiv="refresh"' not in page
    assert (reports_dir / "latest").exists() is False


def _status(runner: dict[str, object] | None, state: str = "running") -> dict[str, object]:
    record: dict[str, object] = {"state": state, "reports": []}
    if runner is not None:
        record["runner"] = runner
    return record


def test_a_run_is_running_while_its_own_process_lives():
    me = RunnerProcess.current()
    assert effective_state(_status(me.to_dict())) == "running"
    assert effective_state(_status(me.to_dict(), state="finished")) == "finished"


def test_a_reused_pid_is_not_the_runner():
    if process_start_token(os.getpid()) is None:
        pytest.skip("process start times cannot be read on this system")
    me = RunnerProcess.current()
    reused = {**me.to_dict(), "process_started": "another boot:1"}
    assert effective_state(_status(reused)) == "interrupted"


def test_a_runner_whose_process_exited_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    gone = {"pid": child.pid, "host": socket.gethostname(), "process_started": None}
    assert effective_state(_status(gone)) == "interrupted"


def test_a_run_on_another_host_or_without_a_record_stays_running():
    elsewhere = {"pid": 0, "host": socket.gethostname() + "-elsewhere", "process_started": None}
    assert effective_state(_status(elsewhere)) == "running"
    assert effective_state(_status(None)) == "running"  # written before runners were recorded
    assert effective_state(_status({"pid": "12", "host": 3})) == "running"  # malformed


# --- a green run is quiet; real kernel errors stay visible --------------------------------------


def _notebook_writing_to_stderr(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('output_dir: str = ""  # folder for outputs')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Writes to the kernel's stderr"),
        parameters,
        nbformat.v4.new_code_cell(
            "import os\nos.write(2, b'library warning: cache folder is full\\n')"
        ),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "stderr.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_a_green_run_prints_no_kernel_noise_and_keeps_real_kernel_output(tmp_path):
    noisy = {
        "name": "noisy",
        "title": "Stderr",
        "notebook": str(_notebook_writing_to_stderr(tmp_path)),
    }
    config = _write_config(tmp_path, [OK_REPORT, noisy])
    reports_dir = tmp_path / "reports"
    done = subprocess.run(
        [*CLI, "run", "--config", str(config), "--reports-dir", str(reports_dir), "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "2 passed, 0 failed" in done.stdout.splitlines()
    assert "without encryption" not in output
    assert "KeyboardInterrupt" not in output
    # a real message from a kernel is shown, named by report, and kept beside the notebook
    assert "report noisy: its kernel wrote to stderr:\nlibrary warning: cache folder is full" in (
        done.stderr
    )
    assert "report ok:" not in done.stderr
    (run_dir,) = _run_folders(reports_dir)
    assert not (run_dir / "ok.kernel.log").exists()
    log = (run_dir / "noisy.kernel.log").read_text(encoding="utf-8")
    assert "library warning: cache folder is full" in log
    by_name = {report["name"]: report for report in read_run_status(run_dir)["reports"]}
    assert by_name["noisy"]["kernel_log"] == "noisy.kernel.log"
    assert by_name["ok"]["kernel_log"] is None
    assert 'href="noisy.kernel.log"' in (run_dir / "index.html").read_text(encoding="utf-8")


def test_filter_kernel_noise_keeps_everything_but_the_known_noise():
    log = "\n".join(
        [
            "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All "
            "communication (including code and outputs) is sent in plain text.",
            "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.",
            "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel",
            "0.00s - Debugger warning: It seems that frozen modules are being used, which may",
            "0.00s - make the debugger miss breakpoints. Please pass -Xfrozen_modules=off",
            "0.00s - to python to disable frozen modules.",
            "0.00s - Note: Debugging will proceed. Set PYDEVD_DISABLE_FILE_VALIDATION=1 to "
            "disable this validation.",
            "",
            "[IPKernelApp] ERROR | Exception in message handler:",
            "Traceback (most recent call last):",
            "MemoryError",
        ]
    )
    assert filter_kernel_noise(log) == (
        "[IPKernelApp] ERROR | Exception in message handler:\n"
        "Traceback (most recent call last):\nMemoryError"
    )
    assert filter_kernel_noise("") == ""


def test_a_long_kernel_log_is_cut_on_screen_and_kept_whole(tmp_path, capsys):
    from loyaltylab.reports.runner import KERNEL_LINES_SHOWN, _keep_kernel_log

    log = tmp_path / "x.kernel.log"
    lines = [f"traceback line {number}" for number in range(30)]
    log.write_text("[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n" + "\n".join(lines))
    assert _keep_kernel_log(log, "x") == "x.kernel.log"
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "report x: its kernel wrote to stderr:"
    assert err[1 : KERNEL_LINES_SHOWN + 1] == lines[:KERNEL_LINES_SHOWN]
    assert err[-1] == f"... {30 - KERNEL_LINES_SHOWN} more line(s) in {log}"
    assert log.read_text().count("traceback line") == 30
    quiet = tmp_path / "y.kernel.log"
    quiet.write_text("[IPKernelApp] WARNING | Kernel is running over TCP without encryption.\n")
    assert _keep_kernel_log(quiet, "y") is None and not quiet.exists()
    assert capsys.readouterr().err == ""
