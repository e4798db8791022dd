"""Tests of loyaltylab.reports.notebooks.parameters: the base typed notebook parameter model and
its field types read parameters as papermill and reports.yaml give them (strings, YAML, JSON).
Each notebook's own model is tested in tests/test_reports_notebooks_<topic>.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pydantic import Field

from loyaltylab.errors import LoyaltyLabError, ParameterError
from loyaltylab.reports.notebooks.parameters import (
    NameList,
    NotebookParameters,
    OptionalDay,
    ParameterMapping,
    read_mapping,
    read_names,
)


class DemoParameters(NotebookParameters):
    notebook = "99_demo"
    horizon: int = Field(52, ge=1)
    models: NameList = ["bgnbd"]
    columns: ParameterMapping = {}
    calibration_end: OptionalDay = None


def _validate(tmp_path: Path, **values: object) -> DemoParameters:
    return DemoParameters.from_namespace({"output_dir": str(tmp_path), **values})


def test_whole_numbers_bounds_and_strings(tmp_path):
    assert _validate(tmp_path, horizon="26").horizon == 26
    assert _validate(tmp_path, horizon=26.0).horizon == 26
    with pytest.raises(ParameterError, match="parameter horizon: .*integer"):
        _validate(tmp_path, horizon="2.5")
    with pytest.raises(ParameterError, match="parameter horizon: .*greater than or equal to 1"):
        _validate(tmp_path, horizon=0)


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
def test_name_lists_are_read_in_every_spelling(tmp_path, raw, expected):
    assert _validate(tmp_path, models=raw).models == expected
    assert read_names(raw) == expected


def test_name_lists_reject_what_is_not_a_list_of_names(tmp_path):
    with pytest.raises(ParameterError, match=r"parameter models\[1\]: .*at least 1 character"):
        _validate(tmp_path, models=["bgnbd", " "])
    with pytest.raises(ParameterError, match=r"models\[0\]: Input should be a valid string"):
        _validate(tmp_path, models=[1, 2])
    with pytest.raises(LoyaltyLabError):
        read_names("[a, b")


def test_mappings_are_read_from_json_yaml_and_empty(tmp_path):
    for raw in ({"customer_id": "cust"}, '{"customer_id": "cust"}', "customer_id: cust"):
        assert _validate(tmp_path, columns=raw).columns == {"customer_id": "cust"}
        assert read_mapping(raw) == {"customer_id": "cust"}
    assert _validate(tmp_path, columns="").columns == {}
    assert _validate(tmp_path, columns=None).columns == {}
    with pytest.raises(ParameterError, match="parameter columns: "):
        _validate(tmp_path, columns="[1, 2]")


def test_days_follow_the_one_date_rule(tmp_path):
    def day(value: object) -> pd.Timestamp | None:
        return _validate(tmp_path, calibration_end=value).calibration_end

    assert day("1997-09-30") == pd.Timestamp("1997-09-30")
    # issue 8 drift fix: the one date rule (loyaltylab.rules) converts to UTC, then takes the day
    assert day("2024-01-01T10:00:00+02:00") == pd.Timestamp("2024-01-01")
    assert day("2024-12-31T23:30:00-05:00") == pd.Timestamp("2025-01-01")
    assert day("1997-09-30 18:00") == pd.Timestamp("1997-09-30")
    assert day("") is None
    with pytest.raises(ParameterError, match="parameter calibration_end: "):
        day("not a date")


def test_output_dirs_are_created(tmp_path: Path, monkeypatch):
    target = tmp_path / "a" / "b"
    assert _validate(target).output_dir == target and target.is_dir()
    (tmp_path / "reports.yaml").write_text("reports: []\n")
    monkeypatch.chdir(tmp_path)
    scratch = DemoParameters.from_namespace({"output_dir": ""}).output_dir
    assert scratch == tmp_path / "reports" / "scratch" / "99_demo" and scratch.is_dir()
    with pytest.raises(ParameterError, match="parameter output_dir: "):
        DemoParameters.from_namespace({"output_dir": 3})


def test_parameter_error_is_a_loyaltylab_error():
    assert issubclass(ParameterError, LoyaltyLabError)
