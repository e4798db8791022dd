"""Tests of the notebooks' one call per table (loyaltylab.reports.notebooks.loading).

Issue 9: "Every loader option wherever a user is ... Every error hint names the option as the user
types it where they are (the notebook parameter or the reports.yaml key), not a Python keyword."
Each notebook reads its purchase log with ``params.load_transactions()``, its member base and
ledger with ``params.load_members()`` / ``params.load_ledger(members)`` and (03) its experiment
table with ``params.load_data()``. The files below are written by hand; the truth of each (the
amounts and ids a correct read gives) is stated beside it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.data import load_transactions
from loyaltylab.errors import ParameterError
from loyaltylab.reports.notebooks.clv import CLVParameters
from loyaltylab.reports.notebooks.customers import CustomersParameters
from loyaltylab.reports.notebooks.experiment import ExperimentParameters
from loyaltylab.reports.notebooks.loading import TRANSACTION_LOAD_OPTIONS, TransactionParameters
from loyaltylab.reports.notebooks.scorecard import ScorecardParameters
from loyaltylab.rules import LoadError

NOTEBOOK_MODELS = (CustomersParameters, CLVParameters, ScorecardParameters)

# name -> (file bytes, load options, the amounts a correct read gives, customer ids)
FILES: dict[str, tuple[bytes, dict, list[float], list[str]]] = {
    "delimiter": (
        b"customer_id;timestamp;amount\n1;2024-01-01;5\n2;2024-01-02;6\n",
        {"delimiter": ";"},
        [5.0, 6.0],
        ["1", "2"],
    ),
    "decimal_thousands": (
        b"customer_id;timestamp;amount\n1;2024-01-01;1.234,50\n2;2024-01-02;6,25\n",
        {"delimiter": ";", "decimal": ",", "thousands": "."},
        [1234.5, 6.25],
        ["1", "2"],
    ),
    "encoding": (
        "customer_id,timestamp,amount\nMüller,2024-01-01,5\n2,2024-01-02,6\n".encode("latin-1"),
        {"encoding": "latin-1"},
        [6.0, 5.0],
        ["2", "Müller"],
    ),
    "na_ids": (  # this export writes a guest checkout as "unknown"
        b"customer_id,timestamp,amount\nunknown,2024-01-01,5\n2,2024-01-02,6\n",
        {"na_ids": ["unknown"], "invalid": "drop"},
        [6.0],
        ["2"],
    ),
    "max_amount": (  # a wholesale log: one order of 5 bn is real
        b"customer_id,timestamp,amount\n1,2024-01-01,5000000000\n2,2024-01-02,6\n",
        {"max_amount": 1e10},
        [5e9, 6.0],
        ["1", "2"],
    ),
    "us_dates": (
        b"customer_id,timestamp,amount\n1,12/1/2023 8:26,5\n2,12/13/2023 9:00,6\n",
        {"date_format": "%m/%d/%Y %H:%M"},
        [5.0, 6.0],
        ["1", "2"],
    ),
}


def _params(model: type[TransactionParameters], tmp_path: Path, **values: object):
    defaults: dict[str, object] = {"observation_end": "2024-12-31"}
    if model is ScorecardParameters:  # its defaults are the bundled program tables
        defaults.update(members="", ledger="")
    return model.from_namespace({"output_dir": str(tmp_path / "out"), **defaults, **values})


def test_the_new_loader_options_are_load_options():
    # the option lists are read from the loader's signature; these came with issue 9
    new = {"cancellation_prefix", "na_ids", "max_amount", "delimiter", "decimal", "thousands"}
    assert new | {"encoding", "date_format", "invalid"} <= set(TRANSACTION_LOAD_OPTIONS)


@pytest.mark.parametrize("model", NOTEBOOK_MODELS, ids=lambda model: model.notebook)
@pytest.mark.parametrize("case", sorted(FILES))
def test_each_option_passes_through_load(tmp_path, model, case):
    content, options, amounts, ids = FILES[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(content)
    loaded = _params(model, tmp_path, transactions=str(path), load=options).load_transactions()
    assert loaded.transactions["amount"].tolist() == amounts
    assert loaded.transactions["customer_id"].tolist() == ids
    direct = load_transactions(path, observation_end="2024-12-31", **options)
    pd.testing.assert_frame_equal(loaded.transactions, direct.transactions)
    pd.testing.assert_frame_equal(loaded.quality, direct.quality)
    assert (loaded.reconcile().set_index("step").loc["unexplained", ["rows", "amount"]] == 0).all()


@pytest.mark.parametrize(
    ("case", "given", "named"),
    [
        ("delimiter", {}, '`load: {delimiter: ";"}`'),
        ("decimal_thousands", {"delimiter": ";"}, '`load: {decimal: ",", thousands: "."}`'),
        ("encoding", {}, "`load: {encoding: latin-1}`"),
        ("max_amount", {}, "`load: {max_amount: "),
        ("us_dates", {}, '`load: {date_format: "%m/%d/%Y %H:%M"}`'),
    ],
)
def test_without_the_option_the_error_names_it_as_the_notebook_parameter(
    tmp_path, case, given, named
):
    path = tmp_path / f"{case}.csv"
    path.write_bytes(FILES[case][0])
    params = _params(CLVParameters, tmp_path, transactions=str(path), load=given)
    with pytest.raises(LoadError) as raised:
        params.load_transactions()
    message = str(raised.value)
    assert named in message, message
    assert "in the notebook parameters" in message and "reports.yaml" in message
    option = named.removeprefix("`load: {").split(":")[0]
    assert f"{option}=" not in message  # not a Python keyword


def test_cancellation_prefix_reaches_the_loader(tmp_path):
    # truth: O1 bought 10, R1 (the shop's own cancellation prefix) took 4 back
    path = tmp_path / "lines.csv"
    path.write_text(
        "customer_id,timestamp,amount,order_id\n1,2024-01-01,10,O1\n1,2024-01-03,-4,R1\n"
        "2,2024-01-02,6,O2\n"
    )
    params = _params(CustomersParameters, tmp_path, transactions=str(path))
    params = params.model_copy(update={"load": {"cancellation_prefix": "R"}})
    loaded = params.load_transactions()
    assert loaded.policy["cancellation_prefix"] == "R"
    assert loaded.transactions["amount"].sum() == 12.0  # 10 - 4 + 6
    with pytest.raises(ParameterError, match="cancellation_prefix"):
        _params(CLVParameters, tmp_path, load={"cancellation_prefix": 3}).load_transactions()


def test_a_missing_id_names_load_invalid_drop_and_drop_loads(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("cust,day,sales\n,2024-01-01,5\n2,2024-01-02,6\n")
    columns = {"customer_id": "cust", "timestamp": "day", "amount": "sales"}
    params = _params(CustomersParameters, tmp_path, transactions=str(path), columns=columns)
    with pytest.raises(LoadError) as raised:
        params.load_transactions()
    assert "set `load: {invalid: drop}` in the notebook parameters" in str(raised.value)
    assert "invalid='drop'" not in str(raised.value)
    fixed = _params(
        CustomersParameters,
        tmp_path,
        transactions=str(path),
        columns=columns,
        load=raised.value.fix,
    ).load_transactions()
    assert fixed.transactions["amount"].tolist() == [6.0]
    quality = fixed.quality.set_index("check")
    assert quality.loc["customer_id_missing", ["rows", "amount"]].tolist() == [1, 5.0]


def test_members_and_ledger_are_read_with_their_section(tmp_path):
    members = tmp_path / "members.csv"
    members.write_text("customer_id;enrolled_at\n1;2024-01-01\n2;2024-01-02\n")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("customer_id;timestamp;kind;points\n1;2024-01-03;earn;10\n")
    values = {"members": str(members), "ledger": str(ledger)}
    params = _params(CustomersParameters, tmp_path, **values)
    with pytest.raises(LoadError, match=r"`load: \{members: \{delimiter: \";\"\}\}`"):
        params.load_members()
    both = {"members": {"delimiter": ";"}, "ledger": {"delimiter": ";"}}
    params = _params(CustomersParameters, tmp_path, **values, load={"members": {"delimiter": ";"}})
    loaded_members = params.load_members()
    assert loaded_members is not None
    assert loaded_members.members["customer_id"].tolist() == ["1", "2"]
    with pytest.raises(LoadError, match=r"`load: \{ledger: \{delimiter: \";\"\}\}`"):
        params.load_ledger(loaded_members)
    params = _params(CustomersParameters, tmp_path, **values, load=both)
    loaded_ledger = params.load_ledger(params.load_members())
    assert loaded_ledger is not None and loaded_ledger.ledger["points"].tolist() == [10.0]


def test_without_program_data_there_is_nothing_to_read(tmp_path):
    params = _params(CustomersParameters, tmp_path)
    assert params.load_members() is None and params.load_ledger(None) is None


def test_the_scorecard_reads_the_loyalty_purchases_by_the_programs_name(tmp_path):
    params = _params(
        ScorecardParameters,
        tmp_path,
        transactions="synthetic_loyalty",
        members="synthetic_loyalty",
        ledger="synthetic_loyalty",
        observation_end="2025-12-31",
    )
    loaded = params.load_transactions()
    assert loaded.source == "synthetic_loyalty" and len(loaded.transactions) > 0
    loaded_members = params.load_members()
    loaded_ledger = params.load_ledger(loaded_members)
    assert loaded_members is not None and loaded_ledger is not None
    assert set(loaded_ledger.ledger["customer_id"]) <= set(loaded_members.members["customer_id"])


def test_experiment_reader_options_are_named_as_the_load_parameter(tmp_path):
    path = tmp_path / "campaign.csv"
    path.write_text("arm;spend\ncontrol;1\noffer;2\n")
    base = {"data": str(path), "output_dir": str(tmp_path / "out")}
    params = ExperimentParameters.from_namespace({**base, "load": {"read_options": {"sepp": ";"}}})
    with pytest.raises(ParameterError) as raised:
        params.load_data()
    message = str(raised.value)
    assert message.startswith("`load: {read_options: {sepp: ...}}` does not fit the reader of")
    assert "in the notebook parameters" in message and "reports.yaml" in message
    assert "parameter 'read_options'" not in message
    params = ExperimentParameters.from_namespace({**base, "load": {"read_options": {"sep": ";"}}})
    assert params.load_data().frame["spend"].tolist() == [1, 2]
