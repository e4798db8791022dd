"""Tests of the ``data:`` section and its wiring into reports (issue 9), and of the one
column-mapping rule (``loyaltylab.rules.column_mapping``) it shares with the loaders.

Drift fixed and pinned here: ``data.<name>.columns`` mapped "your column -> canonical name", the
opposite of every notebook's ``columns`` and of ``load_transactions(columns=)``; it is now
canonical name -> your column everywhere (``test_columns_map_canonical_to_source_everywhere``).
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.config import DataSource, load_config
from loyaltylab.data import CANONICAL_COLUMNS, load_transactions
from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.reports.config import load_config as load_reports_config
from loyaltylab.reports.config import reword_for_report
from loyaltylab.reports.notebooks.sources import notebook_hint
from loyaltylab.rules import ColumnMappingError, LoadError, column_mapping

ROOT = Path(__file__).resolve().parents[1]
CLV = str(ROOT / "notebooks" / "02_clv.ipynb")
CUSTOMERS = str(ROOT / "notebooks" / "01_customers.ipynb")
EXPERIMENT = str(ROOT / "notebooks" / "03_experiment.ipynb")

SHOP = {
    "transactions": "data/shop.csv",
    "columns": {"customer_id": "cust", "timestamp": "ts", "amount": "value"},
    "load": {"invalid": "drop", "members": {"duplicates": "first"}},
    "members": "data/members.csv",
    "ledger": "data/ledger.csv",
}


def _config(*reports: dict, data: dict | None = None):
    return load_config({"data": data or {"shop": SHOP}, "reports": list(reports)}, root=ROOT)


# ----------------------------------------------------------------------------------------------
# the rule


def test_columns_map_canonical_to_source_everywhere():
    # issue 9 drift: data.<name>.columns was "your column -> canonical", the notebooks' and the
    # loader's the other way round; the old direction is now an unknown canonical name
    with pytest.raises(ConfigError, match=r"data.shop.columns: unknown canonical names \['cust'"):
        load_config(
            {"data": {"shop": {"transactions": "x.csv", "columns": {"cust": "customer_id"}}}}
        )
    source = DataSource.model_validate(
        {"transactions": "x.csv", "columns": {"customer_id": "cust"}}
    )
    assert source.columns == {"customer_id": "cust"}
    raw = pd.DataFrame({"cust": ["a", "b"], "timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]})
    assert list(load_transactions(raw, source.columns).transactions["customer_id"]) == ["a", "b"]


def test_a_random_mapping_is_accepted_exactly_when_each_source_column_serves_one_name():
    # generated mappings; the truth: an error exactly when two names share a source column,
    # counting the names read from a same-named column by default
    rng = random.Random(9)
    names = list(CANONICAL_COLUMNS)
    for _ in range(300):
        available = rng.sample([*names, "cust", "ts", "value", "sku", "qty"], rng.randint(3, 10))
        keys = rng.sample(names, rng.randint(0, 5))
        user = {key: rng.choice(available) for key in keys}
        implied = {n: n for n in names if n not in user and n in available}
        sources = list({**implied, **user}.values())
        shared = len(sources) != len(set(sources))
        if shared:
            with pytest.raises(ColumnMappingError, match="several canonical names"):
                column_mapping(user, canonical=names, available=available)
        else:
            mapping = column_mapping(user, canonical=names, available=available)
            assert mapping == {n: {**implied, **user}[n] for n in names if n in {**implied, **user}}


def test_the_rule_names_each_problem_and_the_parameter_as_the_caller_says_it():
    with pytest.raises(
        ParameterError, match=r"^columns of data.shop: .*\['customer_id', 'amount'\]"
    ):
        column_mapping(
            {"customer_id": "c", "amount": "c"},
            canonical=CANONICAL_COLUMNS,
            parameter="columns of data.shop",
        )
    with pytest.raises(ColumnMappingError, match=r"1 entries without a name \[\"'store': ' '\"\]"):
        column_mapping({"store": " "}, canonical=CANONICAL_COLUMNS)
    with pytest.raises(ColumnMappingError, match="must be a mapping of canonical name"):
        column_mapping(["customer_id"], canonical=CANONICAL_COLUMNS)  # type: ignore[arg-type]
    with pytest.raises(ColumnMappingError, match=r"unknown canonical names \['basket'\]"):
        column_mapping({"basket": "b"}, canonical=CANONICAL_COLUMNS, prefixes=("points_",))
    # a mapped name may displace the default: 'amount' read from 'customer_id' clashes with it
    with pytest.raises(ColumnMappingError, match=r"\['customer_id', 'amount'\] -> 'customer_id'"):
        column_mapping(
            {"amount": "customer_id"},
            canonical=CANONICAL_COLUMNS,
            available=["customer_id", "timestamp"],
        )
    # prefixed columns of the file map to themselves unless already used
    assert column_mapping(
        {"points_earned": "pts"},
        canonical=("customer_id",),
        prefixes=("points_",),
        available=["customer_id", "pts", "points_spent"],
    ) == {"customer_id": "customer_id", "points_earned": "pts", "points_spent": "points_spent"}


# ----------------------------------------------------------------------------------------------
# data: wiring


def test_a_named_source_becomes_the_notebooks_parameters():
    config = _config(
        {"name": "clv", "notebook": CLV, "data": "shop", "parameters": {"horizon": 26}},
        {"name": "customers", "notebook": CUSTOMERS, "data": "shop"},
    )
    clv, customers = config.reports
    # 02_clv reads no program tables: members/ledger and their load options are left out
    assert clv.parameters == {
        "horizon": 26,
        "transactions": "data/shop.csv",
        "columns": SHOP["columns"],
        "load": {"invalid": "drop"},
    }
    assert customers.parameters == {key: SHOP[key] for key in SHOP}
    assert clv.parameter_path("load") == "data.shop.load"
    assert clv.parameter_path("horizon") == "reports[0].parameters.horizon"
    assert customers.parameter_path("members") == "data.shop.members"


def test_a_report_may_give_its_own_source():
    config = _config({"name": "clv", "notebook": CLV, "data": {"transactions": "cdnow"}})
    spec = config.reports[0]
    assert spec.parameters == {"transactions": "cdnow"}
    # load is not set yet: it belongs to the report's own source
    assert spec.parameter_path("load") == "reports[0].data.load"
    assert config.data_source("shop").transactions == "data/shop.csv"


def test_data_wiring_errors_name_the_yaml_path():
    with pytest.raises(
        ConfigError,
        match=r"reports\[1\].data: unknown data source 'shoop'; it "
        r"defines \['other', 'shop'\]",
    ):
        _config(
            {"name": "a", "notebook": CLV, "data": "shop"},
            {"name": "b", "notebook": CLV, "data": "shoop"},
            data={"shop": SHOP, "other": {"transactions": "cdnow"}},
        )
    with pytest.raises(ConfigError, match=r"unknown data source 'shop'; reports.yaml has no data"):
        load_config({"reports": [{"name": "a", "notebook": CLV, "data": "shop"}]}, root=ROOT)
    with pytest.raises(
        ConfigError,
        match=r"reports\[0\].parameters: parameter\(s\) \['transactions'\] given both here and by "
        r"the report's data source \(data.shop.transactions\)",
    ):
        _config({"name": "a", "notebook": CLV, "data": "shop", "parameters": {"transactions": "x"}})
    with pytest.raises(
        ConfigError,
        match=r"reports\[0\].data: the data source reports\[0\].data sets \['transactions'\] but "
        r"notebook 03_experiment.ipynb declares no such",
    ):
        _config({"name": "a", "notebook": EXPERIMENT, "data": {"transactions": "x"}})
    with pytest.raises(ConfigError, match=r"reports\[0\].data.columns: one source column"):
        _config(
            {
                "name": "a",
                "notebook": CLV,
                "data": {"transactions": "x", "columns": {"customer_id": "c", "amount": "c"}},
            }
        )
    with pytest.raises(ConfigError, match=r"reports\[0\].data.colums: unknown key"):
        _config({"name": "a", "notebook": CLV, "data": {"transactions": "x", "colums": {}}})
    with pytest.raises(ConfigError, match=r"reports\[0\].data: 'data' must be the name"):
        _config({"name": "a", "notebook": CLV, "data": 3})


def test_a_command_line_override_wins_over_the_data_source():
    config = load_reports_config(
        {"data": {"shop": SHOP}, "reports": [{"name": "clv", "notebook": CLV, "data": "shop"}]},
        root=ROOT,
    )
    changed = config.with_overrides({"clv": {"transactions": "cdnow_sample"}})
    assert changed.report("clv").parameters["transactions"] == "cdnow_sample"
    assert changed.report("clv").parameter_path("load") == "data.shop.load"


def test_a_data_source_loads_its_transactions(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("cust,ts,value\na,2024-01-01,5\n,2024-01-02,3\nb,2024-01-03,2\n")
    source = DataSource.model_validate(
        {
            "transactions": str(path),
            "columns": {"customer_id": "cust", "timestamp": "ts", "amount": "value"},
            "load": {"invalid": "drop", "members": {"duplicates": "first"}},
        }
    )
    loaded = source.load_transactions()
    assert loaded.transactions["amount"].sum() == 7.0  # the row without a customer id dropped


# ----------------------------------------------------------------------------------------------
# hints named as the reports.yaml key


@pytest.mark.parametrize(
    ("report", "section", "expected"),
    [
        (
            {"data": "shop"},
            None,
            "set data.shop.load.invalid: drop or data.shop.load.date_format: ",
        ),
        ({"data": {"transactions": "x"}}, None, "set reports[0].data.load.invalid: drop or "),
        ({"parameters": {"transactions": "x"}}, None, "set reports[0].parameters.load.invalid: "),
        ({"data": "shop"}, "members", "set data.shop.load.members.invalid: drop or "),
    ],
)
def test_a_loader_hint_names_the_option_as_the_reports_yaml_key(report, section, expected):
    config = _config({"name": "customers", "notebook": CUSTOMERS, **report})
    error = LoadError(
        "3 rows have no customer id in column 'cust'",
        "to drop such rows",
        {"invalid": "drop"},
        ({"date_format": "%m/%d/%Y %H:%M"},),
    )
    raised = f"LoadError: {notebook_hint(error, section)} (in cell In [4])"
    worded = reword_for_report(config.reports[0], raised)
    assert expected in worded
    assert worded.startswith("LoadError: 3 rows have no customer id in column 'cust'; to drop")
    assert worded.endswith(' "%m/%d/%Y %H:%M" in reports.yaml (in cell In [4])')
    assert "notebook parameters" not in worded
    plain = "ParameterError: parameter 'horizon' must be positive"
    assert reword_for_report(config.reports[0], plain) == plain


def test_every_bundled_report_still_validates_with_the_data_wiring():
    config = load_reports_config()
    for spec in config.reports:
        assert set(spec.parameters) <= set(spec.declared_parameters)
