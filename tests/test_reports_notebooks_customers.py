"""Tests of loyaltylab.reports.notebooks.customers (and the shared loading parameters): the typed
parameters of notebook 01_customers, the load options of the three loaders, the report's metrics."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from loyaltylab import kpi, segments
from loyaltylab.data import load_ledger, load_members, load_transactions
from loyaltylab.datasets import resolve_ledger, resolve_members
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.metrics import flatten_metrics, to_jsonable
from loyaltylab.paths import project_root
from loyaltylab.reports.catalog import metrics_catalog
from loyaltylab.reports.notebooks.customers import CustomersParameters, to_metrics
from loyaltylab.reports.notebooks.loading import (
    LEDGER_LOAD_OPTIONS,
    MEMBER_LOAD_OPTIONS,
    TRANSACTION_LOAD_OPTIONS,
    loader_options,
)

NOTEBOOK = project_root() / "notebooks" / "01_customers.ipynb"


def _validate(tmp_path, **values):
    return CustomersParameters.from_namespace({"output_dir": str(tmp_path), **values})


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_defaults_are_the_notebooks_parameters_cell(tmp_path):
    cell = _cells()[1]
    assert cell.metadata["tags"] == ["parameters"]
    namespace: dict = {}
    exec(cell.source, namespace)  # literal defaults only
    declared = {name for name in namespace if not name.startswith("__")}
    assert declared == set(CustomersParameters.model_fields)
    from_cell = CustomersParameters.from_namespace({**namespace, "output_dir": str(tmp_path)})
    assert from_cell == _validate(tmp_path)


def test_the_validation_cell_is_one_call_and_every_loader_gets_its_options():
    cells = _cells()
    cell = cells[2]
    assert cell.metadata["tags"] == ["remove-cell"]
    statements = [line for line in cell.source.splitlines() if line and not line[0].isspace()]
    calls = [line for line in statements if not line.startswith(("import ", "from ", ")"))]
    assert calls == ["params = CustomersParameters.from_namespace(globals())"]
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    # issue 9: each table is read by one call on the parameter model, which passes its `load`
    # options and words a loader's fix as the notebook's `load` parameter
    for call in (
        "loaded = params.load_transactions()",
        "loaded_members = params.load_members()",
        "loaded_ledger = params.load_ledger(loaded_members)",
    ):
        assert code.count(call) == 1, call
    assert "resolve_" not in code  # no loader called around the parameter model
    assert 'where_numbers_come_from("01_customers", metrics)' in cells[-1].source


def test_papermill_strings_are_coerced(tmp_path):
    params = _validate(
        tmp_path,
        columns="customer_id: cust",
        load='{"returns": "drop", "ledger": {"signs": "unsigned"}, "members": "duplicates: drop"}',
        observation_end="2024-03-31T23:30:00",
        members=" synthetic_loyalty ",
        ledger="synthetic_loyalty",
        point_value="0.02",
        active_days="30",
        period="q",
        top_n="5",
        with_clv="no",
        clv_horizon_weeks="26",
    )
    assert params.columns == {"customer_id": "cust"}
    assert params.transaction_options == {"returns": "drop"}
    assert params.member_options == {"duplicates": "drop"}
    assert params.ledger_options == {"signs": "unsigned"}
    assert params.observation_end == pd.Timestamp("2024-03-31")
    assert (params.members, params.ledger, params.program_data) == (
        "synthetic_loyalty",
        "synthetic_loyalty",
        True,
    )
    assert (params.point_value, params.active_days, params.period, params.top_n) == (
        0.02,
        30,
        "Q",
        5,
    )
    assert params.with_clv is False and params.clv_horizon_weeks == 26.0
    assert _validate(tmp_path, with_clv="Yes").with_clv is True
    assert _validate(tmp_path).program_data is False
    assert _validate(tmp_path).member_options == {} == _validate(tmp_path).ledger_options


@pytest.mark.parametrize(
    ("change", "parameter", "message"),
    [
        ({"members": "synthetic_loyalty"}, "ledger", "'members' is given but 'ledger' is empty"),
        ({"ledger": "ledger.csv"}, "ledger", "'ledger' is given but 'members' is empty"),
        ({"members": 3, "ledger": "x"}, "members", "data set name or a path"),
        ({"observation_end": "31/03/2024"}, "observation_end", "is not a date"),
        ({"point_value": -0.01}, "point_value", "greater than or equal to 0"),
        ({"point_value": "nan"}, "point_value", "finite"),
        ({"active_days": 0}, "active_days", "greater than or equal to 1"),
        ({"active_days": "1.5"}, "active_days", "valid integer"),
        ({"period": "Y"}, "period", r"one of \['W', 'M', 'Q'\]"),
        ({"top_n": "0"}, "top_n", "greater than or equal to 1"),
        ({"top_n": True}, "top_n", "must be a number"),
        ({"with_clv": "maybe"}, "with_clv", "valid boolean"),
        ({"clv_horizon_weeks": "0"}, "clv_horizon_weeks", "greater than or equal to 1"),
        ({"columns": "[1, 2]"}, "columns", "dictionary"),
        ({"load": {"sep": ";"}}, "load", r"\['sep'\] of load_transactions .*'read_options'"),
        ({"load": {"tiers": ["gold"]}}, "load", "options go under 'members'/'ledger'"),
        ({"load": {"members": {"signs": "x"}}}, "load", r'of load_members in load\["members"\]'),
        (
            {"load": {"ledger": {"tiers": []}}},
            "load",
            r'load_ledger in load\["ledger"\].*overdraft',
        ),
        ({"load": {"ledger": [1]}}, "load", "must be a mapping of options"),
    ],
)
def test_each_bad_parameter_gives_one_error_naming_it(tmp_path, change, parameter, message):
    with pytest.raises(ParameterError) as raised:
        _validate(tmp_path, **change)
    text = str(raised.value)
    assert text.startswith(f"notebook 01_customers: parameter {parameter}"), text
    assert "problems" not in text.splitlines()[0]  # one problem, not a list
    assert re.search(message, text), text
    assert "reports.yaml" in text  # where to set it


def test_load_options_are_the_loaders_keywords():
    # DESIGN.md: every loader option is reachable through `load`; what the notebook sets from
    # its own parameters (observation_end, the ledger's members) is not an option.
    assert set(TRANSACTION_LOAD_OPTIONS) == set(loader_options(load_transactions)) - {
        "observation_end",
        "source_name",
    }
    assert set(MEMBER_LOAD_OPTIONS) == set(loader_options(load_members)) - {"observation_end"}
    assert {"tiers", "duplicates"} <= set(MEMBER_LOAD_OPTIONS)
    assert "members" not in LEDGER_LOAD_OPTIONS and "overdraft" in LEDGER_LOAD_OPTIONS
    assert set(LEDGER_LOAD_OPTIONS) == set(loader_options(load_ledger)) - {
        "members",
        "observation_end",
    }


def test_member_and_ledger_options_are_passed_through(tmp_path):
    members = pd.DataFrame(
        {"customer_id": ["a", "a", "b"], "enrolled_at": ["2024-01-01"] * 3, "tier": ["base"] * 3}
    )
    ledger = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": ["2024-01-02", "2024-02-10"],
            "kind": ["earn", "redeem"],
            "points": [15.0, 10.0],  # unsigned: the redemption is a magnitude
        }
    )
    with pytest.raises(DataValidationError):
        resolve_members(members)  # duplicate member rows are an error by default
    params = _validate(
        tmp_path,
        members="members.csv",
        ledger="ledger.csv",
        load={"members": {"duplicates": "first"}, "ledger": {"signs": "unsigned"}},
    )
    loaded_members = resolve_members(members, **params.member_options)
    assert loaded_members.members["customer_id"].tolist() == ["a", "b"]
    loaded_ledger = resolve_ledger(ledger, members=loaded_members.members, **params.ledger_options)
    assert loaded_ledger.ledger["points"].tolist() == [15.0, -10.0]


def test_metrics_are_the_reports_keys_and_all_in_the_catalog(tmp_path):
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c"],
            "timestamp": ["2024-01-02", "2024-02-10", "2024-01-15", "2024-03-20", "2024-02-01"],
            "amount": [10.0, 20.0, 100.0, 50.0, 40.0],
        }
    )
    loaded = load_transactions(raw, observation_end="2024-03-31")
    tx = loaded.transactions
    kpis = kpi.customer_kpis(tx, observation_end="2024-03-31")
    by_period = kpi.kpis_by_period(tx, "M", observation_end="2024-03-31")
    rfm = segments.rfm_segments(tx, observation_end="2024-03-31")
    cohorts = kpi.cohort_retention(tx, observation_end="2024-03-31")
    metrics = to_metrics(loaded, kpis, None, by_period, rfm, None, cohorts)
    assert metrics["data"] == {
        "source": "DataFrame",
        "rows": 5,
        "customers": 3,
        "observation_start": kpis.observation_start,
        "observation_end": kpis.observation_end,
    }
    assert metrics["kpi"] == kpis.to_metrics()  # no program KPIs without program data
    assert metrics["value_risk"] == {}
    assert metrics["segments"] == rfm.to_metrics()
    flat = flatten_metrics(to_jsonable(metrics))
    assert metrics_catalog().missing("01_customers", flat) == []


def test_answer_states_the_base_the_trend_and_concentration_by_hand():
    from loyaltylab.reports.notebooks.answers import quality_line
    from loyaltylab.reports.notebooks.customers import answer

    # 4 customers in January (a: 2 orders), a and b again in February, a in March:
    # active 4 -> 2 -> 1 (fell 75.0 %), retention Jan->Feb 2/4, Feb->Mar 1/2; 8 orders of 100.
    rows = [("a", "2024-01-03"), ("a", "2024-01-20"), ("b", "2024-01-05"), ("c", "2024-01-07"),
            ("d", "2024-01-09"), ("a", "2024-02-04"), ("b", "2024-02-05"), ("a", "2024-03-06")]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp"]).assign(amount=100.0)
    loaded = load_transactions(tx, observation_end="2024-03-31")
    kpis = kpi.customer_kpis(loaded.transactions, observation_end="2024-03-31",
                             retention_period="M")
    by_period = kpi.kpis_by_period(loaded.transactions, "M", observation_end="2024-03-31")
    text = answer(kpis, by_period, currency="$")
    assert 3 <= len(text) <= 5
    assert text[0].startswith("**4 customers** placed 8 orders worth **$800** between")
    assert "50.0 % of them ordered more than once" in text[0]  # a (4 orders) and b (2): 2 of 4
    assert "fell 75.0 % from 4 to 1 (Jan 2024 to Mar 2024)" in text[1]
    assert "no new customers joined in Mar 2024" in text[1]
    # retention over the last three complete periods: mean(2/4, 1/2) = 50.0 % (January has none)
    assert "**50.0 %**" in text[2]
    assert "8 rows read, 8 used (0 removed); no row removed" in quality_line(loaded)
