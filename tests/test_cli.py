"""The `loyaltylab` command: run, list, exit codes and the `N passed, M failed` line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from loyaltylab.cli import main
from loyaltylab.metrics import read_run_metrics
from loyaltylab.reports import read_run_status

FIXTURES = Path(__file__).parent / "notebooks"


@pytest.fixture
def config(tmp_path) -> Path:
    payload = {
        "settings": {"timeout_minutes": 10},
        "reports": [
            {"name": "ok", "title": "Fixture report", "notebook": str(FIXTURES / "ok.ipynb")},
            {"name": "fail", "title": "Failing", "notebook": str(FIXTURES / "fail.ipynb")},
        ],
    }
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(payload), encoding="utf-8")
    return path


def _run_dirs(reports_dir: Path) -> list[Path]:
    runs = reports_dir / "runs"
    return sorted(runs.iterdir()) if runs.is_dir() else []


def test_run_with_a_failing_report_exits_1_and_prints_counts(config, tmp_path, capsys):
    reports_dir = tmp_path / "reports"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--reports-dir",
            str(reports_dir),
            "--no-progress",
            "--timeout",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "1 passed, 1 failed" in out.splitlines()
    assert "ValueError: deliberate failure in the fixture notebook" in out
    (run_dir,) = _run_dirs(reports_dir)
    status = read_run_status(run_dir)
    assert status["timeout_minutes"] == 5.0  # --timeout overrides settings.timeout_minutes
    assert not (reports_dir / "latest").exists()


def test_only_and_typed_parameter_overrides(config, tmp_path, capsys, monkeypatch):
    # run from another folder with a relative --reports-dir: the notebook (whose kernel runs in
    # the config's folder) must still write into the run folder under the working directory
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    reports_dir = elsewhere / "out"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--reports-dir",
            "out",
            "--no-progress",
            "--only",
            "ok",
            "-p",
            "ok.n_points=3",
            "-p",
            "ok.label=[a, b]",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == "1 passed, 0 failed"
    (run_dir,) = _run_dirs(reports_dir)
    metrics = read_run_metrics(run_dir)
    assert list(metrics) == ["ok"]  # --only: the failing report did not run
    # -p typed as YAML: int 3 (sum of squares 0+1+4 = 5) and a list, not strings
    assert metrics["ok"]["n_points"] == 3 and metrics["ok"]["sum_of_squares"] == 5
    assert metrics["ok"]["label"] == ["a", "b"]
    # a --only run is partial: it does not become reports/latest
    assert not (reports_dir / "latest").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--only", "nope"], "unknown report(s) ['nope']"),
        (["-p", "nope.x=1"], "unknown report 'nope'"),
        (["-p", "ok.n_pionts=1"], "declares no parameter 'n_pionts'"),
        (["-p", "ok.n_points"], "expected NAME.KEY=VALUE"),
        (["--only", "fail", "-p", "ok.n_points=3"], "--only does not select them"),
        (["--timeout", "0"], "--timeout must be a positive number"),
    ],
)
def test_invalid_command_lines_exit_2_before_anything_runs(
    config, tmp_path, capsys, extra, message
):
    reports_dir = tmp_path / "reports"
    code = main(
        ["run", "--config", str(config), "--reports-dir", str(reports_dir), "--no-progress", *extra]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert _run_dirs(reports_dir) == []


def test_invalid_config_exits_2(tmp_path, capsys):
    path = tmp_path / "reports.yaml"
    path.write_text("reports:\n  - name: x\n    notebook: missing.ipynb\n", encoding="utf-8")
    assert main(["run", "--config", str(path), "--no-progress"]) == 2
    assert "reports[0].notebook: notebook missing.ipynb does not exist" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_list_shows_reports_and_parameters(config, capsys):
    assert main(["list", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "ok: Fixture report" in out and "fail: Failing" in out
    assert "n_points = 5" in out and "transactions = 'fixture_sample'" in out


@pytest.mark.parametrize(("flag", "expected"), [([], None), (["--no-progress"], False)])
def test_progress_bar_flag(config, monkeypatch, flag, expected):
    seen = {}

    def fake_run_reports(*args, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr("loyaltylab.reports.runner.run_reports", fake_run_reports)
    with pytest.raises(SystemExit):
        main(["run", "--config", str(config), *flag])
    # None lets the runner decide: a bar only when stderr is a terminal
    assert seen["progress"] is expected


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "loyaltylab"
    if not script.exists():
        pytest.skip(f"console script not installed beside {sys.executable}")
    done = subprocess.run(
        [str(script), "run", "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0
    for option in ("--config", "--only", "--parameter", "--timeout", "--no-progress"):
        assert option in done.stdout


def test_two_runners_at_the_same_time_do_not_clobber_each_other(tmp_path):
    script = Path(sys.executable).parent / "loyaltylab"
    if not script.exists():
        pytest.skip(f"console script not installed beside {sys.executable}")
    path = tmp_path / "reports.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "reports": [
                    {
                        "name": "ok",
                        "title": "Fixture report",
                        "notebook": str(FIXTURES / "ok.ipynb"),
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    reports_dir = tmp_path / "reports"
    command = [
        str(script),
        "run",
        "--config",
        str(path),
        "--reports-dir",
        str(reports_dir),
        "--no-progress",
    ]
    runners = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(2)
    ]
    outputs = [runner.communicate(timeout=300)[0] for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0]
    assert all("1 passed, 0 failed" in out.splitlines() for out in outputs)
    run_dirs = _run_dirs(reports_dir)
    assert len(run_dirs) == 2  # each runner got its own folder, even in the same second
    for run_dir in run_dirs:
        assert read_run_metrics(run_dir)["ok"]["sum_of_squares"] == 30  # 0+1+4+9+16, n=5
        assert read_run_status(run_dir)["state"] == "finished"
    page = (reports_dir / "index.html").read_text(encoding="utf-8")
    assert all(f"runs/{run_dir.name}/index.html" in page for run_dir in run_dirs)
    assert (reports_dir / "latest").resolve() in {run_dir.resolve() for run_dir in run_dirs}
