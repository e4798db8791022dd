"""Tests of loyaltylab.params: notebook parameters arrive as papermill/YAML give them."""

from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.errors import LoyaltyLabError, ParameterError
from loyaltylab.params import (
    as_bool,
    as_choice,
    as_date,
    as_float,
    as_int,
    as_mapping,
    as_output_dir,
    as_str_list,
    resolve_output_dir,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("no", False),
        ("Yes", True),
        ("false", False),
        (1, True),
        ("0", False),
    ],
)
def test_as_bool_accepts_papermill_strings(raw, expected):
    # papermill passes `-p flag no` as the string "no" (reference/notebooks.md §2)
    assert as_bool(raw, "flag") is expected


def test_as_bool_rejects_other_values_naming_the_parameter():
    with pytest.raises(ParameterError, match="'show_plots'"):
        as_bool("maybe", "show_plots")


def test_as_int_and_float_bounds_and_strings():
    assert as_int("26", "horizon") == 26
    assert as_int(26.0, "horizon") == 26
    assert as_float("1e3", "x") == 1000.0
    with pytest.raises(ParameterError, match="whole number"):
        as_int("2.5", "horizon")
    with pytest.raises(ParameterError, match=">= 0"):
        as_float(-0.1, "discount_rate", minimum=0)
    with pytest.raises(ParameterError, match="finite"):
        as_float("nan", "discount_rate")
    with pytest.raises(ParameterError):
        as_int(True, "horizon")


def test_as_choice_is_case_insensitive_and_returns_canonical_spelling():
    assert as_choice("w", "time_unit", ["D", "W"]) == "W"
    with pytest.raises(ParameterError, match=r"one of \['D', 'W'\]"):
        as_choice("fortnight", "time_unit", ["D", "W"])


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
    assert as_output_dir(str(target)) == target and target.is_dir()
    (tmp_path / "reports.yaml").write_text("reports: []\n")
    monkeypatch.chdir(tmp_path)
    scratch = resolve_output_dir("", "02_clv")
    assert scratch == tmp_path / "reports" / "scratch" / "02_clv" and scratch.is_dir()
    with pytest.raises(ParameterError):
        as_output_dir(3)


def test_parameter_error_is_a_loyaltylab_error():
    assert issubclass(ParameterError, LoyaltyLabError)
