"""The scale-out benchmarks run as written, on tiny sizes, and agree with themselves.

They are run by hand (``make bench``) for the figures; this keeps them working when the code they
time changes (the Spark benchmark once imported a name the DuckDB one had dropped). Timings are
not checked here; the printed agreement lines are (the same CLV total on both engines).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from loyaltylab.paths import project_root

pytestmark = pytest.mark.slow


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(project_root() / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=project_root(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_scale_benchmark_prints_its_ratios():
    out = _run("scale.py", "--rows", "2e4", "--repeats", "1", "--large", "0")
    for step in ("summary", "window KPIs", "monthly KPIs"):
        assert re.search(rf"{step}\s+[\d.]+ s vs\s+[\d.]+ s\s+ratio [\d.]+", out), out


def test_spark_benchmark_gives_the_same_clv_on_both_engines():
    pytest.importorskip("pyspark")
    out = _run("scale_spark.py", "--rows", "5e4")
    found = re.search(r"CLV total DuckDB/pandas ([\d,.]+), Spark ([\d,.]+)", out)
    assert found, out
    assert found.group(1) == found.group(2)
