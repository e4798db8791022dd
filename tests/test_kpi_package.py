"""Tests for the kpi package's parts: definitions, input validation and the DuckDB engine.

The KPI numbers themselves are pinned by hand-computed cases in tests/test_kpi.py; here each part
of loyaltylab.kpi is checked on its own, and that the rules it uses have one home.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import loyaltylab.kpi
from loyaltylab import kpi
from loyaltylab.data import REQUIRED_COLUMNS, load_ledger
from loyaltylab.data.loyalty import LEDGER_KINDS, LEDGER_SIGNS
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.kpi.definitions import (
    CUSTOMER_KPIS,
    KPI_DEFINITIONS,
    KPI_FORMULAS,
    KPI_UNITS,
    PROGRAM_KPIS,
    kpi_summary,
)
from loyaltylab.kpi.engine import (
    Window,
    as_period,
    complete_periods,
    observation_window,
    period_floor,
    period_starts,
    ratio,
)
from loyaltylab.kpi.validation import validate_ledger, validate_members, validate_transactions


@pytest.fixture
def tx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", 7.0],
            "timestamp": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-01-20", "2024-03-02"]),
            "amount": [10, 20, 30, 40],
        }
    )


# --------------------------------------------------------------------------- definitions


def test_every_exported_kpi_is_defined_once() -> None:
    names = [name for name, _, _ in KPI_DEFINITIONS]
    assert len(names) == len(set(names))
    # hand: the metrics keys of both results plus the two CLV KPIs are the whole table
    assert set(CUSTOMER_KPIS) | set(PROGRAM_KPIS) | {"clv_mean", "clv_total"} == set(names)
    assert set(KPI_UNITS) == set(KPI_FORMULAS) == set(names)


def test_kpi_summary_takes_unit_and_formula_from_the_table() -> None:
    table = kpi_summary({"aov": 12.5, "breakage_rate": 0.1})
    assert table.columns.tolist() == ["kpi", "value", "unit", "formula"]
    assert table["unit"].tolist() == ["currency per order", "share 0-1"]
    assert table.loc[1, "formula"] == KPI_FORMULAS["breakage_rate"]


def test_package_exports_and_module_sizes() -> None:
    for name in loyaltylab.kpi.__all__:
        assert hasattr(kpi, name), name
    # issue 8: no module in src over 700 lines
    folder = Path(loyaltylab.kpi.__file__).parent
    sizes = {path.name: len(path.read_text().splitlines()) for path in folder.glob("*.py")}
    assert max(sizes.values()) <= 700, sizes


# --------------------------------------------------------------------------- validation


def test_transactions_need_the_loaders_required_columns(tx: pd.DataFrame) -> None:
    out = validate_transactions(tx)
    assert out.columns.tolist() == list(REQUIRED_COLUMNS)
    assert out["customer_id"].tolist() == ["a", "a", "b", "7"]  # one id rule: 7.0 -> "7"
    assert out["amount"].dtype == float
    with pytest.raises(DataValidationError, match=r"missing column\(s\) \['timestamp'\]"):
        validate_transactions(tx.drop(columns="timestamp"))
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        validate_transactions(tx.to_dict())


def test_ledger_kinds_are_the_loaders_kinds() -> None:
    ledger = pd.DataFrame(
        {
            "customer_id": ["a"] * len(LEDGER_KINDS),
            "timestamp": pd.to_datetime(["2024-01-05"] * len(LEDGER_KINDS)),
            "kind": list(LEDGER_KINDS),
            "points": [10.0 if kind in ("earn", "adjust") else -1.0 for kind in LEDGER_KINDS],
        }
    )
    assert validate_ledger(ledger)["kind"].tolist() == list(LEDGER_KINDS)
    with pytest.raises(DataValidationError, match=r"outside \[.*'adjust'.*\]") as error:
        validate_ledger(ledger.assign(kind=["earn", "bonus", "redeem", "expire"]))
    assert "bonus" in str(error.value)  # the example row is shown


def test_ledger_signs_are_the_loaders_signs() -> None:
    # one sign rule (loyaltylab.data.loyalty.LEDGER_SIGNS) for the loader and the KPI check
    assert dict(LEDGER_SIGNS) == {"earn": 1.0, "redeem": -1.0, "expire": -1.0}
    rows = pd.DataFrame(
        {
            "customer_id": ["a"] * 5,
            "timestamp": pd.to_datetime(["2024-01-05"] * 5),
            "kind": ["earn", "adjust", "adjust", "redeem", "expire"],
            "points": [10.0, 3.0, -2.0, -4.0, -1.0],
        }
    )
    assert len(validate_ledger(rows)) == 5  # an adjustment takes either sign
    for kind, sign in LEDGER_SIGNS.items():
        wrong = rows[rows["kind"] == kind].assign(points=-sign * 5.0)
        with pytest.raises(DataValidationError, match=r"1 value\(s\) with the wrong sign"):
            validate_ledger(wrong)
        zero = rows[rows["kind"] == kind].assign(points=0.0)
        with pytest.raises(DataValidationError, match="wrong sign"):
            validate_ledger(zero)


def test_a_ledger_from_the_loader_passes_kpi_validation() -> None:
    raw = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "timestamp": ["2024-01-05", "2024-02-01", "2024-01-09", "2024-03-09"],
            "kind": ["earn", "redeem", "earn", "expire"],
            "points": [100, -40, 10, -5],
        }
    )
    loaded = load_ledger(raw)
    checked = validate_ledger(loaded.ledger)
    assert checked["customer_id"].tolist() == loaded.ledger["customer_id"].tolist()


def test_members_refuse_a_customer_twice() -> None:
    members = pd.DataFrame(
        {"customer_id": ["a", "a"], "enrolled_at": pd.to_datetime(["2024-01-01", "2024-02-01"])}
    )
    with pytest.raises(DataValidationError, match=r"1 duplicated customer_id\(s\)"):
        validate_members(members)


# --------------------------------------------------------------------------- engine


def test_period_floors_and_codes() -> None:
    stamp = pd.Timestamp("2024-05-17 13:45")  # a Friday
    assert period_floor(stamp, "W") == pd.Timestamp("2024-05-13")
    assert period_floor(stamp, "M") == pd.Timestamp("2024-05-01")
    assert period_floor(stamp, "Q") == pd.Timestamp("2024-04-01")
    assert as_period("q") == "Q"
    with pytest.raises(ParameterError, match="'period' must be one of"):
        as_period("Y")


def test_one_period_rule_for_the_kpi_functions_and_the_notebook_parameters(tmp_path) -> None:
    # Drift fixed in issue 8: the notebook parameter models read " m " as "M" with their own copy
    # of the rule while the KPI functions refused it, and a bad retention_period was reported as
    # 'period'. Now both call loyaltylab.kpi.as_period.
    from loyaltylab.reports.notebooks.customers import CustomersParameters

    assert kpi.as_period is as_period
    assert as_period(" m ") == "M"
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-02-07", "2024-02-09"]),
            "amount": [10.0, 20.0, 5.0],
        }
    )
    spaced = kpi.customer_kpis(tx, retention_period=" m ").summary()
    pd.testing.assert_frame_equal(spaced, kpi.customer_kpis(tx).summary())
    params = CustomersParameters.from_namespace({"period": " q ", "output_dir": str(tmp_path)})
    assert params.period == as_period(" q ") == "Q"
    with pytest.raises(ParameterError, match="parameter 'retention_period' must be one of"):
        kpi.customer_kpis(tx, retention_period="Y")


def test_window_defaults_and_complete_periods(tx: pd.DataFrame) -> None:
    window = observation_window(validate_transactions(tx), None, "2024-03-15", "M")
    # hand: starts at the month of the first purchase, ends on the day given
    assert window == Window(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-15"), "M")
    assert window.end_exclusive == pd.Timestamp("2024-03-16")
    assert period_starts(window).tolist() == list(pd.date_range("2024-01-01", periods=3, freq="MS"))
    # hand: March is only half observed
    assert complete_periods(window).tolist() == list(
        pd.date_range("2024-01-01", periods=2, freq="MS")
    )
    with pytest.raises(ParameterError, match="is after observation_end"):
        observation_window(validate_transactions(tx), "2024-04-01", "2024-03-01", "M")


def test_ratio_is_nan_without_a_denominator() -> None:
    assert ratio(3, 4) == 0.75
    assert pd.isna(ratio(1, 0))
    assert ratio([1, 2], [2, 0])[0] == 0.5
