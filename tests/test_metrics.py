"""Tests of loyaltylab.metrics: the key-number files every report writes."""

import json

import numpy as np
import pandas as pd
import pytest

from loyaltylab.errors import ParameterError, ReportError
from loyaltylab.metrics import (
    flatten_metrics,
    get_metric,
    read_metrics,
    read_run_metrics,
    to_jsonable,
    write_metrics,
)


def test_write_and_read_round_trip_with_numpy_values(tmp_path):
    metrics = {
        "n_customers": np.int64(2357),
        "models": {"bgnbd": {"params": {"r": np.float64(0.2426)}}},
        "flags": [np.bool_(True)],
        "missing": float("nan"),
        "when": pd.Timestamp("1997-09-30"),
    }
    path = write_metrics(tmp_path / "out", "02_clv", metrics)
    assert path.name == "02_clv.metrics.json"
    loaded = read_metrics(path)
    assert loaded == {
        "n_customers": 2357,
        "models": {"bgnbd": {"params": {"r": 0.2426}}},
        "flags": [True],
        "missing": None,
        "when": "1997-09-30T00:00:00",
    }
    # strict JSON: NaN must never be written
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    write_metrics(tmp_path, "x", {"a": 1})
    write_metrics(tmp_path, "x", {"a": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.metrics.json"]
    assert read_metrics(tmp_path / "x.metrics.json") == {"a": 2}


def test_read_run_metrics_keys_by_report_folder(tmp_path):
    write_metrics(tmp_path / "customers_cdnow", "01_customers", {"kpi": {"aov": 1.0}})
    write_metrics(tmp_path / "customers_loyalty", "01_customers", {"kpi": {"aov": 2.0}})
    write_metrics(tmp_path, "loose", {"b": 3})
    found = read_run_metrics(tmp_path)
    assert found == {
        "customers_cdnow": {"kpi": {"aov": 1.0}},
        "customers_loyalty": {"kpi": {"aov": 2.0}},
        "loose": {"b": 3},
    }


def test_read_metrics_reports_a_broken_file(tmp_path):
    bad = tmp_path / "bad.metrics.json"
    bad.write_text("{not json")
    with pytest.raises(ReportError, match="bad.metrics.json"):
        read_metrics(bad)


def test_read_metrics_rejects_a_file_that_is_not_an_object(tmp_path):
    listed = tmp_path / "listed.metrics.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ReportError, match="listed.metrics.json holds a JSON list"):
        read_metrics(listed)


def test_flatten_and_get_metric():
    nested = {"clv": {"total": 10.0, "total_low": 8.0}, "n": 3}
    assert flatten_metrics(nested) == {"clv.total": 10.0, "clv.total_low": 8.0, "n": 3}
    assert get_metric(nested, "clv.total") == 10.0
    assert get_metric(nested, "clv.nope", default=-1) == -1
    assert get_metric(nested, "n.deeper") is None


def test_to_jsonable_handles_series_and_arrays():
    assert to_jsonable(pd.Series({"a": np.float32(1.5)})) == {"a": 1.5}
    assert to_jsonable(np.array([1, 2])) == [1, 2]
    assert to_jsonable(pd.NaT) is None


def test_written_files_are_world_readable_for_publishing(tmp_path):
    # report folders are served by web servers; mkstemp alone would leave files 0600
    path = write_metrics(tmp_path, "x", {"a": 1})
    assert path.stat().st_mode & 0o777 == 0o644


def test_read_run_reads_other_reports_and_their_status(tmp_path):
    from loyaltylab.metrics import RUN_STATUS_FILE, read_run

    write_metrics(tmp_path / "clv", "02_clv", {"clv": {"total": 1.0}})
    write_metrics(tmp_path / "card", "05_scorecard", {"n_targets": 1})
    status = {"reports": [{"name": "clv", "status": "ok"}, {"name": "kpi", "status": "failed"}]}
    (tmp_path / RUN_STATUS_FILE).write_text(json.dumps(status))
    run = read_run(tmp_path, output_dir=tmp_path / "card")
    assert set(run.metrics) == {"clv"}  # the scorecard's own earlier metrics are left out
    assert run.ran == ("clv", "kpi") and run.failed == ("kpi",)
    assert list(run.summary()["status"]) == ["ok", "failed"]
    assert read_run("").metrics == {}
    with pytest.raises(ParameterError, match="not a folder"):
        read_run(tmp_path / "absent")
