"""Tests of loyaltylab.params: the coercers the runner's test notebooks still call read
parameters as papermill/YAML give them. The report notebooks' typed models are tested in
tests/test_reports_notebooks_*.py (booleans, numbers and choices moved there)."""

from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.errors import LoyaltyLabError, ParameterError
from loyaltylab.params import as_date, as_int, as_mapping, as_str_list, resolve_output_dir


def test_as_int_bounds_and_strings():
    assert as_int("26", "horizon") == 26
    assert as_int(26.0, "horizon") == 26
    with pytest.raises(ParameterError, match="whole number"):
        as_int("2.5", "horizon")
    with pytest.raises(ParameterError, match=">= 1"):
        as_int(0, "horizon", minimum=1)
    with pytest.raises(ParameterError):
        as_int(True, "horizon")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["bgnbd", "pareto_nbd"], ["bgnbd", "pareto_nbd"]),
        ("bgnbd, pareto_nbd", ["bgnbd", "pareto_nbd"]),
        ("[bgnbd, pareto_nbd]", ["bgnbd", "pareto_nbd"]),
        ("bgnbd", ["bgnbd"]),
        ("", []),
        (None, []),
    ],
)
def test_as_str_list_reads_lists_in_every_spelling(raw, expected):
    assert as_str_list(raw, "models") == expected


def test_as_str_list_checks_choices_and_emptiness():
    assert as_str_list("BGNBD", "models", choices=["bgnbd"]) == ["bgnbd"]
    with pytest.raises(ParameterError, match="'models'"):
        as_str_list(["nope"], "models", choices=["bgnbd"])
    with pytest.raises(ParameterError, match="at least one"):
        as_str_list([], "models", allow_empty=False)
    with pytest.raises(ParameterError):
        as_str_list([1, 2], "models")
    with pytest.raises(ParameterError, match=r"one of \['D', 'W'\]"):
        as_str_list("fortnight", "time_unit", choices=["D", "W"])
    with pytest.raises(ParameterError, match="cannot read list"):
        as_str_list("[a, b", "models")


def test_as_mapping_reads_json_yaml_and_empty():
    assert as_mapping({"customer_id": "cust"}, "columns") == {"customer_id": "cust"}
    assert as_mapping('{"customer_id": "cust"}', "columns") == {"customer_id": "cust"}
    assert as_mapping("customer_id: cust", "columns") == {"customer_id": "cust"}
    assert as_mapping("", "columns") == {}
    with pytest.raises(ParameterError, match="'columns'"):
        as_mapping("[1, 2]", "columns")


def test_as_date_parses_and_drops_timezone():
    assert as_date("1997-09-30", "calibration_end") == pd.Timestamp("1997-09-30")
    # issue 8 drift fix: the one date rule (loyaltylab.rules) converts to UTC, then takes the day
    assert as_date("2024-01-01T10:00:00+02:00", "d") == pd.Timestamp("2024-01-01")
    assert as_date("2024-12-31T23:30:00-05:00", "d") == pd.Timestamp("2025-01-01")
    assert as_date("1997-09-30 18:00", "d") == pd.Timestamp("1997-09-30")
    assert as_date("", "d", optional=True) is None
    with pytest.raises(ParameterError, match="'calibration_end'"):
        as_date("not a date", "calibration_end")
    with pytest.raises(ParameterError, match="needs a date"):
        as_date(None, "calibration_end")


def test_output_dirs_are_created(tmp_path: Path, monkeypatch):
    target = tmp_path / "a" / "b"
    assert resolve_output_dir(str(target), "02_clv") == target and target.is_dir()
    (tmp_path / "reports.yaml").write_text("reports: []\n")
    monkeypatch.chdir(tmp_path)
    scratch = resolve_output_dir("", "02_clv")
    assert scratch == tmp_path / "reports" / "scratch" / "02_clv" and scratch.is_dir()
    with pytest.raises(ParameterError):
        resolve_output_dir(3, "02_clv")


def test_parameter_error_is_a_loyaltylab_error():
    assert issubclass(ParameterError, LoyaltyLabError)
