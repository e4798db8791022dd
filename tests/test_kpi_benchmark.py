"""The DuckDB KPIs agree with the independent plain-pandas implementation of benchmarks/kpi.py.

The pandas code there is written from the KPI definitions separately from the SQL of
loyaltylab.kpi; on a generated log (BG/NBD purchasing, seeded) both must give the same numbers
for every KPI, period, segment and cohort cell.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from loyaltylab import kpi
from loyaltylab.paths import project_root


@pytest.fixture(scope="module")
def bench():
    path = project_root() / "benchmarks" / "kpi.py"
    spec = importlib.util.spec_from_file_location("benchmark_kpi", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_kpi"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tx(bench) -> pd.DataFrame:
    return bench.make_transactions(30_000, seed=5, pilot_customers=4_000)


def test_whole_window_agrees(bench, tx: pd.DataFrame) -> None:
    bench.compare("whole", kpi.customer_kpis(tx), bench.pandas_customer_kpis(tx))


@pytest.mark.parametrize("period", ["W", "M", "Q"])
def test_periods_agree(bench, tx: pd.DataFrame, period: str) -> None:
    ours = kpi.kpis_by_period(tx, period)
    bench.compare(period, ours, bench.pandas_kpis_by_period(tx, period))
    assert ours["retention_rate"].notna().sum() > 3


def test_segments_and_cohorts_agree(bench, tx: pd.DataFrame) -> None:
    customers = tx["customer_id"].unique()
    labels = pd.Series(np.random.default_rng(1).choice(list("xyz"), len(customers)), customers)
    bench.compare(
        "segment", kpi.kpis_by_segment(tx, labels), bench.pandas_kpis_by_segment(tx, labels)
    )
    bench.compare("cohort", kpi.cohort_retention(tx), bench.pandas_cohort_matrix(tx))


def test_compare_detects_a_difference(bench, tx: pd.DataFrame) -> None:
    plain = bench.pandas_customer_kpis(tx)
    plain["aov"] *= 1.001
    with pytest.raises(AssertionError):
        bench.compare("whole", kpi.customer_kpis(tx), plain)
