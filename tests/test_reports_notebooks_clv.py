"""Tests of loyaltylab.reports.notebooks.clv: the typed parameters of notebook 02_clv, the load
options passed through to the loader, and the report's metrics and CLV table."""

from __future__ import annotations

import inspect
import re

import nbformat
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.customers import split_calibration_holdout, summarize_customers
from loyaltylab.data import load_transactions
from loyaltylab.errors import ParameterError
from loyaltylab.paths import project_root
from loyaltylab.reports.catalog import metrics_catalog
from loyaltylab.reports.notebooks.clv import CLVParameters, clv_table, to_metrics
from loyaltylab.reports.notebooks.loading import TRANSACTION_LOAD_OPTIONS

NOTEBOOK = project_root() / "notebooks" / "02_clv.ipynb"


def _validate(tmp_path, **values):
    return CLVParameters.from_namespace({"output_dir": str(tmp_path), **values})


def test_defaults_are_the_notebooks_parameters_cell(tmp_path):
    cell = nbformat.read(NOTEBOOK, as_version=4).cells[1]
    assert cell.metadata["tags"] == ["parameters"]
    namespace: dict = {}
    exec(cell.source, namespace)  # literal defaults only
    declared = {name for name in namespace if not name.startswith("__")}
    assert declared == set(CLVParameters.model_fields)
    from_cell = CLVParameters.from_namespace({**namespace, "output_dir": str(tmp_path)})
    assert from_cell == _validate(tmp_path)


def test_the_validation_cell_is_one_call(tmp_path):
    cell = nbformat.read(NOTEBOOK, as_version=4).cells[2]
    assert cell.metadata["tags"] == ["remove-cell"]
    statements = [line for line in cell.source.splitlines() if line and not line[0].isspace()]
    calls = [line for line in statements if not line.startswith(("import ", "from ", ")"))]
    assert calls == ["params = CLVParameters.from_namespace(globals())"]


def test_papermill_strings_are_coerced(tmp_path):
    params = _validate(
        tmp_path,
        columns='{"customer_id": "cust"}',
        load="returns: drop",
        calibration_end="1997-09-30",
        observation_end="1998-06-30T10:00:00",
        time_unit=" d ",
        models="BGNBD, mbgnbd",
        horizon="26",
        discount_rate="0.05",
        n_draws="50",
        interval_level="0.8",
        seed="3",
    )
    assert params.columns == {"customer_id": "cust"}
    assert params.load == {"returns": "drop"}
    assert params.calibration_end == pd.Timestamp("1997-09-30")
    assert params.observation_end == pd.Timestamp("1998-06-30")
    assert (params.time_unit, params.unit_name) == ("D", "days")
    assert params.models == ["bgnbd", "mbgnbd"]  # the registered spelling
    assert (params.horizon, params.discount_rate, params.interval_level) == (26.0, 0.05, 0.8)
    assert (params.n_draws, params.seed) == (50, 3)
    assert params.output_dir == tmp_path
    assert _validate(tmp_path, models="[pareto_nbd]").models == ["pareto_nbd"]


@pytest.mark.parametrize(
    ("change", "parameter", "message"),
    [
        ({"models": ["nope"]}, "models", r"unknown model\(s\) \['nope'\]; registered: .*bgnbd"),
        ({"models": ""}, "models", "at least one"),
        ({"models": ["bgnbd", " "]}, r"models\[1\]", "at least 1 character"),
        ({"time_unit": "fortnight"}, "time_unit", r"one of \['D', 'W', 'M'\]"),
        ({"calibration_end": "not a date"}, "calibration_end", "is not a date"),
        ({"observation_end": ""}, "observation_end", "date"),
        ({"horizon": "0.5"}, "horizon", "greater than or equal to 1"),
        ({"horizon": "inf"}, "horizon", "finite"),
        ({"horizon": True}, "horizon", "must be a number"),
        ({"discount_rate": -0.1}, "discount_rate", "greater than or equal to 0"),
        ({"discount_rate": 1.5}, "discount_rate", "less than or equal to 1"),
        ({"n_draws": "10"}, "n_draws", "greater than or equal to 20"),
        ({"n_draws": "2.5"}, "n_draws", "valid integer"),
        ({"interval_level": 0.4}, "interval_level", "greater than or equal to 0.5"),
        ({"interval_level": 0.995}, "interval_level", "less than or equal to 0.99"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"seed": True}, "seed", "must be a number"),
        ({"columns": "[1, 2]"}, "columns", "dictionary"),
        ({"load": {"sep": ";"}}, "load", r"unknown option\(s\) \['sep'\].*'read_options'"),
        ({"load": '{"returns": "net", "returns": "drop"}'}, "load", "written twice"),
    ],
)
def test_each_bad_parameter_gives_one_error_naming_it(tmp_path, change, parameter, message):
    with pytest.raises(ParameterError) as raised:
        _validate(tmp_path, **change)
    text = str(raised.value)
    assert text.startswith(f"notebook 02_clv: parameter {parameter.replace(chr(92), '')}"), text
    assert "problems" not in text.splitlines()[0]  # one problem, not a list
    assert re.search(message, text), text
    assert "reports.yaml" in text  # where to set it


def test_every_loader_option_is_a_load_option():
    # DESIGN.md: every loader option is reachable through `load`; observation_end is a
    # parameter of its own and source_name is set by the resolver. A new option of the loader
    # is a load option without a change here.
    keywords = inspect.signature(load_transactions).parameters
    expected = [name for name in keywords if name not in ("source", "columns")]
    expected = [name for name in expected if name not in ("observation_end", "source_name")]
    assert list(TRANSACTION_LOAD_OPTIONS) == expected
    assert {"returns", "duplicates", "after_end", "invalid", "date_format", "read_options"} <= set(
        TRANSACTION_LOAD_OPTIONS
    )


def test_load_options_are_passed_through_to_the_loader(tmp_path):
    raw = pd.DataFrame(
        {
            "cust": ["a", "a", "b", "b"],
            "day": ["01/02/2024", "01/02/2024", "03/02/2024", "05/02/2024"],
            "sales": [10.0, -4.0, 5.0, 5.0],
        }
    )
    path = tmp_path / "log.csv"
    raw.to_csv(path, sep=";", index=False)
    params = _validate(
        tmp_path,
        transactions=str(path),
        columns={"customer_id": "cust", "timestamp": "day", "amount": "sales"},
        load={"returns": "drop", "date_format": "%d/%m/%Y", "read_options": {"sep": ";"}},
        observation_end="2024-02-29",
    )
    loaded = params.load_transactions()  # the notebook's one call
    tx = loaded.transactions
    assert tx["amount"].tolist() == [10.0, 5.0, 5.0]  # the return dropped, not netted
    assert tx["timestamp"].dt.month.unique().tolist() == [2]  # day first


@pytest.fixture(scope="module")
def small_analysis(cdnow_sample):
    tx = cdnow_sample
    split = split_calibration_holdout(tx, "1997-09-30", "1998-06-30")
    comparison = clv.evaluate_models(split, tx, ["bgnbd", "pareto_nbd"])
    calibration_spend = clv.fit_spend_model(clv.calibration_summary(split))
    summary = summarize_customers(tx, "1998-06-30")
    final_fit = clv.fit_transaction_model(summary, comparison.default_model)
    final_spend = clv.fit_spend_model(summary)
    result = clv.customer_lifetime_value(final_fit, final_spend, summary, horizon=52)
    intervals = clv.clv_intervals(final_fit, final_spend, summary, point=result, n_draws=20)
    return comparison, calibration_spend, final_fit, final_spend, result, intervals


def test_metrics_hold_the_numbers_of_the_analysis_and_are_all_in_the_catalog(small_analysis):
    comparison, calibration_spend, final_fit, final_spend, result, intervals = small_analysis
    metrics = to_metrics(*small_analysis)
    per_customer = result.per_customer
    assert metrics["n_customers"] == len(per_customer) == 2357
    assert metrics["default_model"] == comparison.default_model == final_fit.model
    assert metrics["clv"]["total"] == pytest.approx(per_customer["clv"].sum(), rel=1e-12)
    assert (metrics["clv"]["total_low"], metrics["clv"]["total_high"]) == (
        intervals.total_low,
        intervals.total_high,
    )
    top = per_customer["clv"].nlargest(24).sum() / per_customer["clv"].sum()  # ceil(1 % of 2357)
    assert metrics["clv"]["top_1pct_share"] == pytest.approx(top, rel=1e-12)
    active = (per_customer["probability_alive"] >= 0.5).sum()
    assert metrics["customers"]["active_probable"] == active
    assert to_metrics(*small_analysis, active_threshold=1.01)["customers"]["active_probable"] == 0
    assert metrics["holdout"]["actual"] == 1882  # ref §3 holdout (reference/clv.md)
    assert set(metrics["models"]) == {"bgnbd", "pareto_nbd"}
    from loyaltylab.metrics import flatten_metrics, to_jsonable

    assert metrics_catalog().missing("02_clv", flatten_metrics(to_jsonable(metrics))) == []


def test_clv_table_is_sorted_with_intervals(small_analysis):
    *_, result, intervals = small_analysis
    table = clv_table(result, intervals)
    assert table["clv"].is_monotonic_decreasing
    assert {"clv_low", "clv_high"} <= set(table.columns)
    assert (table["clv_low"] <= table["clv_high"]).all()
    by_id = table.set_index("customer_id")
    one = result.per_customer.iloc[0]
    assert by_id.loc[one["customer_id"], "clv"] == one["clv"]
    assert "clv_low" not in clv_table(result).columns


def test_a_column_mapped_twice_is_rejected(tmp_path):
    # Drift fixed in issue 8: the old reader of the notebooks (params.as_mapping, json.loads)
    # kept the last of two equal keys, so a column mapped twice silently used the second one.
    text = '{"customer_id": "cust", "customer_id": "client"}'
    with pytest.raises(
        ParameterError, match=r"parameter columns: .*'customer_id' is written twice"
    ):
        _validate(tmp_path, columns=text)
