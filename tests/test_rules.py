"""Tests of loyaltylab.rules: one answer for dates, ids, quality rows, examples and time units.

Every expected value is worked out by hand from the rule in the module docstring.
"""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pandas as pd
import pytest

from loyaltylab import rules
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import (
    QUALITY_COLUMNS,
    TIME_UNIT_DAYS,
    QualityLog,
    as_day,
    as_timestamp,
    customer_ids,
    end_of_day,
    examples,
    parse_customer_ids,
    parse_timestamps,
    time_unit,
)

EASTERN = dt.timezone(dt.timedelta(hours=-5))
# The drift case of issue 8: 23:30 at UTC-5 is 04:30 the next day in UTC.
LATE_EVENING = "2024-12-31T23:30:00-05:00"


@pytest.mark.parametrize(
    "module", [rules.dates, rules.ids, rules.quality, rules.units], ids=lambda m: m.__name__
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------------------------------------
# dates


@pytest.mark.parametrize(
    ("value", "instant", "day"),
    [
        (LATE_EVENING, "2025-01-01 04:30", "2025-01-01"),
        ("2024-12-31", "2024-12-31", "2024-12-31"),
        ("20241231", "2024-12-31", "2024-12-31"),
        (20241231, "2024-12-31", "2024-12-31"),
        (" 2024-12-31 10:30 ", "2024-12-31 10:30", "2024-12-31"),
        ("2024-12-31 10:30Z", "2024-12-31 10:30", "2024-12-31"),
        (dt.datetime(2024, 12, 31, 23, 30, tzinfo=EASTERN), "2025-01-01 04:30", "2025-01-01"),
        (dt.datetime(2024, 12, 31, 23, 30), "2024-12-31 23:30", "2024-12-31"),
        (dt.date(2024, 12, 31), "2024-12-31", "2024-12-31"),
        (pd.Timestamp("2024-12-31 23:30", tz="America/New_York"), "2025-01-01 04:30", "2025-01-01"),
        (pd.Timestamp("2024-12-31 23:30"), "2024-12-31 23:30", "2024-12-31"),
        (np.datetime64("2024-12-31T23:30"), "2024-12-31 23:30", "2024-12-31"),
    ],
)
def test_as_timestamp_and_as_day_give_the_one_answer(value, instant, day):
    assert as_timestamp(value, "d") == pd.Timestamp(instant)
    assert as_day(value, "d") == pd.Timestamp(day)
    assert end_of_day(value, "d") == pd.Timestamp(day) + pd.Timedelta(days=1)


def test_a_parameter_and_a_column_never_disagree():
    values = [LATE_EVENING, "2024-12-31", "20241231", "2024-06-30 12:00:00+02:00"]
    column = parse_timestamps(pd.Series(values)).timestamps
    assert column.tolist() == [as_timestamp(value, "d") for value in values]
    assert column.dtype == "datetime64[ns]"


@pytest.mark.parametrize("value", [None, "", "  ", pd.NaT, float("nan")])
def test_empty_dates(value):
    assert as_day(value, "observation_start", optional=True) is None
    assert end_of_day(value, "observation_start", optional=True) is None
    with pytest.raises(ParameterError, match="'observation_start' needs a date"):
        as_day(value, "observation_start")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not a date", "is not a date"),
        ("12/31/2024", "is not a date"),  # no day/month guessing
        ("today", "is not a date"),  # not reproducible
        ("now", "is not a date"),
        ("2024-02-30", "is not a date"),
        (True, "is not a date: True \\(bool\\)"),
        (1.5, "is not a date: 1.5 \\(float\\)"),
        ([2024, 12, 31], "is not a date"),
        ("9999-12-31", "out of range"),
        ("1500-01-01", "out of range|is not a date"),
    ],
)
def test_bad_dates_name_the_parameter_and_the_accepted_forms(value, problem):
    with pytest.raises(ParameterError, match=f"'calibration_end' (is )?({problem})") as error:
        as_day(value, "calibration_end")
    if "out of range" not in str(error.value):
        assert "ISO 8601" in str(error.value)


def test_parse_timestamps_text_column():
    values = pd.Series([LATE_EVENING, "2024-12-31", None, "", "31/12/2024", "today"])
    parsed = parse_timestamps(values)
    assert parsed.timestamps.iloc[:2].tolist() == [
        pd.Timestamp("2025-01-01 04:30"),
        pd.Timestamp("2024-12-31"),
    ]
    assert parsed.unparseable.tolist() == [False, False, True, True, True, True]
    assert parsed.aware.tolist() == [True, False, False, False, False, False]
    assert parsed.mixed
    assert parsed.summary().set_index("outcome")["rows"].to_dict() == {
        "parsed": 2,
        "unparseable": 4,
        "out of range": 0,
        "converted from a time zone": 1,
    }


def test_parse_timestamps_date_format_and_a_bad_format():
    parsed = parse_timestamps(pd.Series(["31/12/2024", "2024-12-31"]), date_format="%d/%m/%Y")
    assert parsed.timestamps.iloc[0] == pd.Timestamp("2024-12-31")
    assert parsed.unparseable.tolist() == [False, True]
    with pytest.raises(ParameterError, match="'date_format' '%Q'"):
        parse_timestamps(pd.Series(["2024-12-31"]), date_format="%Q")


def test_parse_timestamps_numbers_datetimes_and_typed_columns():
    numbers = parse_timestamps(pd.Series([20241231, 19970101]))
    assert numbers.timestamps.tolist() == [pd.Timestamp("2024-12-31"), pd.Timestamp("1997-01-01")]
    floats = parse_timestamps(pd.Series([20241231.0, 2024.5, np.nan]))
    assert floats.timestamps.iloc[0] == pd.Timestamp("2024-12-31")
    assert floats.unparseable.tolist() == [False, True, True]
    objects = pd.Series(
        [dt.datetime(2024, 12, 31, 23, 30, tzinfo=EASTERN), dt.datetime(2024, 12, 31)],
        dtype=object,
    )
    mixed = parse_timestamps(objects)
    assert mixed.timestamps.tolist() == [
        pd.Timestamp("2025-01-01 04:30"),
        pd.Timestamp("2024-12-31"),
    ]
    assert mixed.aware.tolist() == [True, False] and mixed.mixed
    aware = parse_timestamps(pd.Series(pd.to_datetime([LATE_EVENING], utc=True)))
    assert aware.timestamps.tolist() == [pd.Timestamp("2025-01-01 04:30")]
    assert aware.aware.tolist() == [True] and not aware.mixed
    assert parse_timestamps(pd.Series([True])).unparseable.tolist() == [True]


def test_parse_timestamps_out_of_range_is_flagged_not_a_traceback():
    wide = pd.Series(np.array(["2024-12-31", "9999-12-31"], dtype="datetime64[s]"))
    parsed = parse_timestamps(wide)
    assert parsed.timestamps.dtype == "datetime64[ns]"
    assert parsed.timestamps.iloc[0] == pd.Timestamp("2024-12-31")
    assert parsed.unparseable.tolist() == [False, True]
    assert parsed.out_of_range.tolist() == [False, True]
    text = parse_timestamps(pd.Series(["9999-12-31"]))
    assert text.unparseable.tolist() == [True]


# ----------------------------------------------------------------------------------------------
# customer ids


def test_customer_ids_one_normalisation():
    assert customer_ids(pd.Series([1.0, 2.0, 1.5])).tolist() == ["1", "2", "1.5"]
    assert customer_ids(pd.Series(["00123", " 7 ", "123.0", "+5.00", "-4.0", "1.5"])).tolist() == [
        "00123",
        "7",
        "123",
        "5",
        "-4",
        "1.5",
    ]
    assert customer_ids(pd.Series([123, 4], dtype="int64")).tolist() == ["123", "4"]
    assert customer_ids(pd.Series([123, 4], dtype="Int64")).tolist() == ["123", "4"]
    # issue 9: a float id above 2**53 has lost digits already (1e20 stood for some 21-digit id);
    # it used to be written out as "100000000000000000000", now it is refused
    with pytest.raises(DataValidationError, match=r"above 2\*\*53.*store the ids as text"):
        customer_ids(pd.Series([1e20]))
    assert customer_ids(["a", 2]).tolist() == ["a", "2"]


def test_a_float_id_column_and_a_text_id_column_give_the_same_ids():
    floats = customer_ids(pd.Series([1.0, 20.0, 3.5]))
    text = customer_ids(pd.Series(["1.0", "20", "3.5"]))
    assert floats.tolist() == text.tolist() == ["1", "20", "3.5"]


def test_customer_ids_of_an_index_keep_its_name_and_a_series_its_index():
    index = customer_ids(pd.Index([1.0, 2.0], name="customer_id"))
    assert isinstance(index, pd.Index)
    assert index.tolist() == ["1", "2"] and index.name == "customer_id"
    series = customer_ids(pd.Series([1.0, 2.0], index=[10, 11]))
    assert series.index.tolist() == [10, 11]


def test_parse_customer_ids_flags_missing_and_normalised():
    parsed = parse_customer_ids(pd.Series([7.0, np.nan, 8.0]))
    assert parsed.ids.tolist() == ["7", "", "8"]
    assert parsed.missing.tolist() == [False, True, False]
    assert parsed.normalised.tolist() == [True, False, True]
    text = parse_customer_ids(pd.Series(["a", "  ", None, " b", "c"], dtype=object))
    assert text.ids.tolist() == ["a", "", "", "b", "c"]
    assert text.missing.tolist() == [False, True, True, False, False]
    assert text.normalised.tolist() == [False, False, False, True, False]
    assert text.summary().set_index("outcome")["rows"].to_dict() == {
        "kept": 2,
        "normalised": 1,
        "missing": 2,
    }
    nullable = parse_customer_ids(pd.Series([1, None], dtype="Int64"))
    assert nullable.ids.tolist() == ["1", ""] and nullable.missing.tolist() == [False, True]


def test_customer_ids_refuse_a_missing_id_with_count_and_rows():
    with pytest.raises(DataValidationError, match=r"customer_id: 2 of 3 .*rows \[1, 2\]"):
        customer_ids(pd.Series(["a", None, ""], dtype=object))


# ----------------------------------------------------------------------------------------------
# quality log and examples


def test_quality_log_rows():
    log = QualityLog()
    amounts = pd.Series([10.0, -2.0, np.nan, 5.0])
    log.add("returns", "negative amount", "amount", amounts < 0, "dropped", amounts)
    log.add("invalid", "missing amount", "amount", amounts.isna(), "dropped", amounts)
    log.add("duplicates", "duplicate", "all columns", np.zeros(4, dtype=bool), "dropped")
    log.add("after_end", "late", "timestamp")
    log.add(
        "after_end2",
        "late",
        "timestamp",
        pd.Series(False, index=amounts.index),
        "not checked (no observation_end given)",
        amounts,
    )
    table = log.frame()
    assert tuple(table.columns) == QUALITY_COLUMNS
    assert table["rows"].tolist() == [1, 1, 0, 0, 0]
    assert table["amount"].tolist() == [-2.0, 0.0, 0.0, 0.0, 0.0]
    assert table["action"].tolist() == [
        "dropped",
        "dropped",
        "none found",
        "not checked",
        "not checked (no observation_end given)",
    ]
    assert table.dtypes["rows"] == "int64" and table.dtypes["amount"] == "float64"
    pd.testing.assert_frame_equal(log.summary(), table)


def test_quality_log_aligns_a_mask_and_amounts_by_label():
    log = QualityLog()
    mask = pd.Series([True, False], index=[5, 3])
    amounts = pd.Series([100.0, 1.0], index=[3, 5])
    log.add("check", "reason", "amount", mask, "dropped", amounts)
    assert log.frame()["amount"].tolist() == [1.0]


def test_examples_show_at_most_limit_rows_with_their_labels():
    frame = pd.DataFrame({"customer_id": list("abcdefg"), "amount": range(7), "x": 0})
    text = examples(frame, frame["amount"] >= 1, ["customer_id", "amount", "customer_id", "nope"])
    lines = text.splitlines()
    assert lines[0].split() == ["customer_id", "amount"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4", "5"]
    assert len(examples(frame, np.ones(7, dtype=bool), limit=2).splitlines()) == 3
    assert "x" in examples(frame, np.ones(7, dtype=bool)).splitlines()[0]
    assert examples(frame, np.zeros(7, dtype=bool)) == "(no rows)"


# ----------------------------------------------------------------------------------------------
# time units


def test_time_units():
    assert dict(TIME_UNIT_DAYS) == {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
    assert time_unit("w") == "W" and time_unit(" M ") == "M"
    with pytest.raises(ParameterError, match=r"'time_unit' must be one of \['D', 'W', 'M'\]"):
        time_unit("Y")
    with pytest.raises(ParameterError, match="'unit'"):
        time_unit(7, "unit")
    with pytest.raises(TypeError):
        TIME_UNIT_DAYS["Y"] = 365.25  # type: ignore[index]


def test_rules_import_only_errors_numpy_pandas_pyarrow():
    import ast
    from pathlib import Path

    allowed = {"loyaltylab.errors", "loyaltylab.rules", "numpy", "pandas", "pyarrow"}
    standard = {
        "__future__", "collections", "dataclasses", "datetime", "json", "re", "types", "typing"
    }
    root = Path(rules.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                top = name.split(".")[0]
                assert top in standard or any(
                    name == ok or name.startswith(ok + ".") for ok in allowed
                ), (path.name, name)


# ----------------------------------------------------------------------------------------------
# issue 8 drift fixes: every former copy now gives the one answer


DRIFT_DATES = [
    (LATE_EVENING, "2025-01-01"),
    ("2024-12-31", "2024-12-31"),
    ("20241231", "2024-12-31"),
    (dt.datetime(2024, 12, 31, 23, 30, tzinfo=EASTERN), "2025-01-01"),
    (dt.datetime(2024, 12, 31, 23, 30), "2024-12-31"),
    (pd.Timestamp("2024-12-31 23:30", tz="America/New_York"), "2025-01-01"),
    (pd.Timestamp("2024-12-31 23:30"), "2024-12-31"),
]


def _drift_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["1", "1", "2"],
            "timestamp": pd.to_datetime(["2024-06-01", "2024-09-01", "2024-07-01"]),
            "amount": [10.0, 20.0, 30.0],
        }
    )


@pytest.mark.parametrize(("value", "day"), DRIFT_DATES, ids=lambda v: repr(v)[:30])
def test_every_date_entry_point_gives_the_same_day(value, day):
    from loyaltylab.customers import split_calibration_holdout, summarize_customers
    from loyaltylab.data import load_ledger, load_members, load_transactions
    from loyaltylab.data.loyalty import points_balances
    from loyaltylab.datasets.synthetic import generate_transactions
    from loyaltylab.kpi import customer_kpis

    expected = pd.Timestamp(day)
    log = _drift_log()
    assert as_day(value, "d") == expected
    assert customer_kpis(log, observation_end=value).observation_end == expected
    split = split_calibration_holdout(log, "2024-08-01", value)
    assert split.observation_end == expected
    t_days = summarize_customers(log, value, time_unit="D").set_index("customer_id")["T"]
    assert t_days["1"] == (expected - pd.Timestamp("2024-06-01")).days
    assert load_transactions(log, observation_end=value).observation_end == expected
    truth = generate_transactions(5, seed=1, start="2024-01-01", end=value).truth
    assert truth["end"] == day
    # the loyalty loaders and balances: a movement late on the expected day is inside the window,
    # one on the next day is after it
    inside = expected + pd.Timedelta(hours=23)
    members = pd.DataFrame({"customer_id": ["1"], "enrolled_at": [inside]})
    load_members(members, observation_end=value)
    with pytest.raises(DataValidationError, match="after observation_end"):
        load_members(
            members.assign(enrolled_at=inside + pd.Timedelta(hours=2)), observation_end=value
        )
    ledger = pd.DataFrame(
        {
            "customer_id": ["1", "1"],
            "timestamp": [inside, inside + pd.Timedelta(hours=2)],
            "kind": ["earn", "earn"],
            "points": [5.0, 7.0],
        }
    )
    kept = load_ledger(ledger, observation_end=value, after_end="drop").ledger
    assert kept["points"].tolist() == [5.0]
    assert points_balances(ledger, as_of=value)["balance"].tolist() == [5.0]


def test_float_ids_give_the_same_ids_in_kpi_and_customer_tables():
    from loyaltylab.customers import summarize_customers
    from loyaltylab.kpi import customer_orders

    log = _drift_log().assign(customer_id=[1.0, 1.0, 2.0])
    orders = customer_orders(log, observation_end="2024-12-31")
    summary = summarize_customers(log, "2024-12-31")
    assert orders["customer_id"].tolist() == summary["customer_id"].tolist() == ["1", "2"]
    joined = orders.merge(summary, on="customer_id", how="outer", indicator=True)
    assert (joined["_merge"] == "both").all()
    assert joined.set_index("customer_id")["frequency"].to_dict() == {"1": 1, "2": 0}


def test_old_names_of_the_time_unit_table_are_the_one_table():
    from loyaltylab import clv, customers

    assert customers.TIME_UNIT_DAYS is TIME_UNIT_DAYS
    assert clv.TIME_UNIT_DAYS is TIME_UNIT_DAYS
