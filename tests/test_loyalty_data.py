"""Tests of loyaltylab.data.loyalty: members and points ledger, each validation case of issue 3.

Expected balances and counts are worked out by hand from the tiny tables in each test.
"""

import pandas as pd
import pytest

from loyaltylab.data.loyalty import (
    LEDGER_KINDS,
    QUALITY_COLUMNS,
    load_ledger,
    load_members,
    points_balances,
)
from loyaltylab.errors import DataValidationError, ParameterError

TIERS = ["base", "silver", "gold"]


def _members(**overrides):
    table = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "enrolled_at": ["2024-01-01", "2024-03-01", "2024-06-15"],
            "tier": ["base", "silver", "gold"],
            "channel": ["store", "app", "web"],
        }
    )
    for column, values in overrides.items():
        table[column] = values
    return table


def _ledger(rows=None):
    rows = rows or [
        ("1", "2024-01-05", "earn", 120.0, "o1"),
        ("1", "2024-02-01", "redeem", -100.0, None),
        ("2", "2024-03-05", "earn", 50.0, "o2"),
        ("2", "2024-04-05", "adjust", -5.0, None),
        ("2", "2025-03-05", "expire", -45.0, None),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "kind", "points", "order_id"])


def _error(call) -> str:
    with pytest.raises(DataValidationError) as info:
        call()
    return str(info.value)


# --- members -------------------------------------------------------------------------------


def test_members_load_to_the_canonical_frame():
    loaded = load_members(_members(), tiers=TIERS, observation_end="2024-12-31")
    frame = loaded.members
    assert list(frame.columns) == ["customer_id", "enrolled_at", "tier", "channel"]
    assert frame["enrolled_at"].dtype == "datetime64[ns]"
    assert frame["customer_id"].tolist() == ["1", "2", "3"]
    assert tuple(loaded.quality.columns) == QUALITY_COLUMNS
    assert set(loaded.quality["action"]) == {"none found"}
    assert loaded.summary()["members"].iloc[0] == 3


def test_members_map_user_column_names_and_read_csv(tmp_path):
    path = tmp_path / "members.csv"
    _members().rename(columns={"customer_id": "cust", "enrolled_at": "joined"}).to_csv(
        path, index=False
    )
    loaded = load_members(path, {"customer_id": "cust", "enrolled_at": "joined"})
    assert loaded.members["enrolled_at"].tolist()[1] == pd.Timestamp("2024-03-01")
    assert loaded.source == str(path)


def test_a_tier_not_in_the_configured_list_is_an_error():
    message = _error(lambda: load_members(_members(tier=["base", "platinum", "gold"]), tiers=TIERS))
    assert "1 row(s) with a tier not in the configured list" in message
    assert "'platinum'" in message and "column 'tier'" in message


def test_members_missing_columns_bad_dates_and_duplicates():
    message = _error(lambda: load_members(_members().drop(columns="enrolled_at")))
    assert "missing required column(s) ['enrolled_at']" in message
    message = _error(lambda: load_members(_members(enrolled_at=["2024-01-01", "soon", None])))
    assert "2 row(s) with a missing or unparseable date in column 'enrolled_at'" in message
    twice = _members(customer_id=["1", "1", "3"])
    assert "a customer listed more than once" in _error(lambda: load_members(twice))
    loaded = load_members(twice, duplicates="first")
    assert loaded.members["customer_id"].tolist() == ["1", "3"]
    assert loaded.members["enrolled_at"].iloc[0] == pd.Timestamp("2024-01-01")  # the earliest
    row = loaded.quality.set_index("check").loc["duplicate_member"]
    assert row["rows"] == 1 and row["action"].startswith("kept the earliest")


def test_members_enrolled_after_the_observation_end_is_an_error():
    message = _error(lambda: load_members(_members(), observation_end="2024-06-14"))
    assert "1 row(s) with an enrolment after observation_end 2024-06-14" in message


def test_members_without_tier_or_channel_load_and_say_so():
    loaded = load_members(_members().drop(columns=["tier", "channel"]))
    assert loaded.members["tier"].isna().all()
    quality = loaded.quality.set_index("check")
    assert quality.loc["tier_column", "rows"] == 3
    assert quality.loc["tier_column", "action"] == "left missing (optional column)"


# --- ledger ----------------------------------------------------------------------------------


def test_ledger_loads_with_members_and_balances_by_hand():
    members = load_members(_members(), tiers=TIERS)
    loaded = load_ledger(_ledger(), members=members, observation_end="2025-12-31")
    frame = loaded.ledger
    assert list(frame.columns) == ["customer_id", "timestamp", "kind", "points", "order_id"]
    assert frame["points"].dtype == float
    assert set(loaded.quality["action"]) == {"none found"}
    balances = points_balances(frame).set_index("customer_id")
    # customer 1: 120 earned - 100 redeemed = 20; customer 2: 50 - 5 adjusted - 45 expired = 0
    assert balances.loc["1", "balance"] == 20.0 and balances.loc["1", "redeemed"] == 100.0
    assert balances.loc["2", "expired"] == 45.0 and balances.loc["2", "balance"] == 0.0
    summary = loaded.summary().iloc[0]
    assert summary["points_earn"] == 170.0 and summary["points_outstanding"] == 20.0
    # as of 2024-12-31 the expiry of customer 2 has not happened yet: 50 - 5 = 45
    assert (
        points_balances(frame, as_of="2024-12-31").set_index("customer_id").loc["2", "balance"]
        == 45.0
    )


def test_a_redemption_larger_than_the_balance_is_an_error():
    rows = [("1", "2024-01-05", "earn", 50.0, None), ("1", "2024-02-01", "redeem", -80.0, None)]
    message = _error(lambda: load_ledger(_ledger(rows)))
    assert (
        "1 row(s) with a redemption, expiry or negative adjustment larger than the balance"
        in message
    )
    assert "-30" in message  # balance after the redemption: 50 - 80
    loaded = load_ledger(_ledger(rows), overdraft="keep")
    assert loaded.quality.set_index("check").loc["overdraft", "rows"] == 1


def test_same_timestamp_earn_is_applied_before_the_redemption():
    rows = [("1", "2024-01-05", "redeem", -50.0, None), ("1", "2024-01-05", "earn", 50.0, None)]
    assert load_ledger(_ledger(rows)).ledger["kind"].tolist() == ["earn", "redeem"]


def test_a_ledger_row_for_an_unknown_member_is_an_error_or_dropped():
    ledger = pd.concat([_ledger(), _ledger([("9", "2024-05-01", "earn", 10.0, None)])])
    members = load_members(_members())
    message = _error(lambda: load_ledger(ledger, members=members))
    assert "1 row(s) with a customer who is not in the member table" in message
    loaded = load_ledger(ledger, members=members, unknown_member="drop")
    assert "9" not in set(loaded.ledger["customer_id"])
    row = loaded.quality.set_index("check").loc["unknown_member"]
    assert row["rows"] == 1 and row["amount"] == 10.0 and row["action"] == "dropped"


def test_points_dated_before_enrolment_are_an_error_or_handled():
    # customer 3 enrolled on 2024-06-15
    early = _ledger(
        [("3", "2024-06-01", "earn", 10.0, None), ("3", "2024-07-01", "earn", 5.0, None)]
    )
    members = load_members(_members())
    message = _error(lambda: load_ledger(early, members=members))
    assert "1 row(s) with points dated before the member's enrolment" in message
    assert "2024-06-15" in message  # the enrolment date is shown beside the example row
    dropped = load_ledger(early, members=members, before_enrolment="drop")
    assert dropped.ledger["points"].tolist() == [5.0]
    kept = load_ledger(early, members=members, before_enrolment="keep")
    assert len(kept.ledger) == 2
    assert kept.quality.set_index("check").loc["before_enrolment", "action"] == "kept"


def test_ledger_missing_columns_bad_dates_unknown_kind_and_non_numeric_points():
    message = _error(lambda: load_ledger(_ledger().drop(columns="kind")))
    assert "missing required column(s) ['kind']" in message
    bad_date = _ledger()
    bad_date.loc[1, "timestamp"] = "31/02/2024"
    assert "1 row(s) with a missing or unparseable date in column 'timestamp'" in _error(
        lambda: load_ledger(bad_date)
    )
    bad_kind = _ledger()
    bad_kind.loc[[0, 2], "kind"] = ["bonus", "Bonus"]
    message = _error(lambda: load_ledger(bad_kind))
    assert "2 row(s) with an unknown kind ['Bonus', 'bonus']" in message
    assert str(list(LEDGER_KINDS)) in message
    bad_points = _ledger()
    bad_points["points"] = bad_points["points"].astype(object)
    bad_points.loc[0, "points"] = "lots"
    message = _error(lambda: load_ledger(bad_points))
    assert "1 row(s) with a missing, non-numeric or infinite value in column 'points'" in message
    assert "lots" in message


def test_signs_are_checked_or_derived_from_the_kind():
    wrong = _ledger()
    wrong.loc[1, "points"] = 100.0  # a positive redemption
    message = _error(lambda: load_ledger(wrong))
    assert "1 row(s) with a sign that contradicts the kind" in message
    unsigned = _ledger()
    unsigned["points"] = unsigned["points"].abs()
    unsigned.loc[3, "points"] = -5.0  # adjust keeps its sign
    loaded = load_ledger(unsigned, signs="unsigned")
    assert loaded.ledger["points"].tolist() == [120.0, -100.0, 50.0, -5.0, -45.0]
    zero = _ledger()
    zero.loc[0, "points"] = 0.0
    assert "zero points" in _error(lambda: load_ledger(zero))


def test_ledger_duplicates_and_rows_after_the_end_follow_the_policies():
    doubled = pd.concat([_ledger(), _ledger().iloc[[0]]])
    loaded = load_ledger(doubled)
    row = loaded.quality.set_index("check").loc["duplicate_rows"]
    assert len(loaded.ledger) == 5 and row["rows"] == 1 and row["amount"] == 120.0
    assert "exact duplicate row" in _error(lambda: load_ledger(doubled, duplicates="error"))
    message = _error(lambda: load_ledger(_ledger(), observation_end="2024-12-31"))
    assert "1 row(s) with a movement after observation_end 2024-12-31" in message
    trimmed = load_ledger(_ledger(), observation_end="2024-12-31", after_end="drop")
    assert trimmed.ledger["timestamp"].max() == pd.Timestamp("2024-04-05")
    assert trimmed.quality.set_index("check").loc["after_end", "amount"] == -45.0


def test_bad_policies_and_sources_raise_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="'overdraft'"):
        load_ledger(_ledger(), overdraft="ignore")
    with pytest.raises(ParameterError, match="must be a CSV/Parquet path or a DataFrame"):
        load_ledger(42)
    assert "file not found" in _error(lambda: load_ledger(tmp_path / "nope.csv"))
    assert "has no rows" in _error(lambda: load_ledger(_ledger().iloc[:0]))


def test_ledger_reads_parquet(tmp_path):
    path = tmp_path / "ledger.parquet"
    frame = _ledger()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame.to_parquet(path)
    assert load_ledger(path).summary()["points_redeem"].iloc[0] == -100.0


def test_customer_ids_are_normalised_like_the_transactions_ids():
    # loyaltylab.data.load_transactions reads 123.0 as "123" and keeps leading zeros; the
    # members and the ledger must give the same ids or they would not join
    from loyaltylab.data import load_transactions

    tx = load_transactions(
        pd.DataFrame(
            {"customer_id": [123.0, 7.0], "timestamp": ["2024-02-01"] * 2, "amount": [5.0] * 2}
        )
    ).transactions
    members = load_members(_members(customer_id=[123.0, 7.0, 8.0]))
    assert set(tx["customer_id"]) <= set(members.members["customer_id"])
    assert members.quality.set_index("check").loc["customer_id_normalised", "rows"] == 3
    ledger = load_ledger(_ledger([("00123", "2024-01-05", "earn", 1.0, None)]))
    assert ledger.ledger["customer_id"].tolist() == ["00123"]
    missing = _members(customer_id=["1", None, " "])
    assert "2 row(s) with a missing customer id" in _error(lambda: load_members(missing))


def test_dates_are_iso_8601_and_offsets_become_utc():
    # same rule as the transactions: no day/month guessing, aware times converted to UTC
    table = _members(enrolled_at=["2024-01-05", "20240201", "2024-03-01T10:00:00+02:00"])
    frame = load_members(table).members.set_index("customer_id")
    assert frame.loc["2", "enrolled_at"] == pd.Timestamp("2024-02-01")
    assert frame.loc["3", "enrolled_at"] == pd.Timestamp("2024-03-01 08:00")
    ambiguous = _members(enrolled_at=["01/02/2024", "2024-03-01", "2024-06-15"])
    assert "1 row(s) with a missing or unparseable date" in _error(lambda: load_members(ambiguous))
