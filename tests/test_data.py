"""loyaltylab.data.load_transactions: every input problem gets one clear error or a counted policy.

Expected values are computed by hand from the small inputs written in each test.
"""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltylab.data import QUALITY_COLUMNS, LoadedTransactions, load_transactions
from loyaltylab.errors import DataValidationError, LoyaltyLabError, ParameterError

MAPPING = {"customer_id": "cust", "timestamp": "date", "amount": "sales"}


def _write(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _quality(loaded: LoadedTransactions, check: str) -> pd.Series:
    rows = loaded.quality.loc[loaded.quality["check"] == check]
    assert len(rows) == 1, check
    return rows.iloc[0]


def _frame(**overrides):
    base = {
        "cust": ["a", "a", "b", "c"],
        "date": ["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-05"],
        "sales": [10.0, 20.0, 5.0, 7.5],
    }
    base.update(overrides)
    return pd.DataFrame(base)


# ---------------------------------------------------------------- reading and mapping


def test_csv_with_column_mapping_gives_canonical_frame(tmp_path):
    path = _write(
        tmp_path,
        "cust,date,sales,note\n002,2024-01-03,20.5,x\n001,2024-01-01 10:30,10,y\n",
    )
    loaded = load_transactions(path, MAPPING)
    tx = loaded.transactions
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    assert tx["customer_id"].tolist() == ["001", "002"]  # sorted, leading zeros kept
    assert tx["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01 10:30"),
        pd.Timestamp("2024-01-03"),
    ]
    assert tx["amount"].tolist() == [10.0, 20.5]
    assert tx["timestamp"].dtype == "datetime64[ns]"
    assert tx["amount"].dtype == "float64"
    assert pd.api.types.is_string_dtype(tx["customer_id"])
    assert loaded.ignored_columns == ("note",)
    assert loaded.rows_read == 2 and loaded.source == str(path)
    assert list(loaded.quality.columns) == list(QUALITY_COLUMNS)
    summary = loaded.summary().set_index("metric")["value"]
    assert summary["rows loaded"] == 2 and summary["customers"] == 2
    assert summary["total amount"] == pytest.approx(30.5)


def test_optional_columns_are_kept_and_unknown_mapping_keys_rejected():
    raw = _frame(order="o1 o2 o3 o4".split(), shop=list("wxyz"))
    loaded = load_transactions(raw, {**MAPPING, "order_id": "order", "store": "shop"})
    assert list(loaded.transactions.columns) == [
        "customer_id",
        "timestamp",
        "amount",
        "order_id",
        "store",
    ]
    with pytest.raises(ParameterError, match="unknown canonical names"):
        load_transactions(raw, {**MAPPING, "basket": "order"})


def test_missing_column_names_the_column_and_the_available_ones():
    raw = _frame().rename(columns={"sales": "revenue"})
    with pytest.raises(DataValidationError) as info:
        load_transactions(raw, MAPPING)
    message = str(info.value)
    assert "'amount'" in message and "'sales'" in message and "revenue" in message
    assert "1 required column" in message


def test_parquet_source(tmp_path):
    raw = _frame(cust=[1, 1, 2, 3])  # integer ids in Parquet
    path = tmp_path / "tx.parquet"
    raw.to_parquet(path)
    loaded = load_transactions(path, MAPPING)
    assert loaded.transactions["customer_id"].tolist() == ["1", "1", "2", "3"]
    assert loaded.transactions["amount"].sum() == pytest.approx(42.5)


def test_empty_file_and_header_only_file_raise(tmp_path):
    empty = _write(tmp_path, "", "empty.csv")
    with pytest.raises(DataValidationError, match="empty"):
        load_transactions(empty)
    header = _write(tmp_path, "customer_id,timestamp,amount\n", "header.csv")
    with pytest.raises(DataValidationError, match="no rows"):
        load_transactions(header)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DataValidationError, match="not found"):
        load_transactions(tmp_path / "nope.csv")
    odd = _write(tmp_path, "x", "tx.xlsx")
    with pytest.raises(ParameterError, match="format"):
        load_transactions(odd)


def test_policy_values_are_checked():
    with pytest.raises(ParameterError, match="returns"):
        load_transactions(_frame(), MAPPING, returns="ignore")
    with pytest.raises(ParameterError, match="observation_end"):
        load_transactions(_frame(), MAPPING, observation_end="not a date")


# ---------------------------------------------------------------- customer ids


def test_numeric_id_file_and_string_id_file_give_identical_ids(tmp_path):
    numeric = _write(tmp_path, "cust,date,sales\n123,2024-01-01,1\n45,2024-01-02,2\n", "n.csv")
    floats = _write(tmp_path, "cust,date,sales\n123.0,2024-01-01,1\n45.0,2024-01-02,2\n", "f.csv")
    quoted = _write(tmp_path, 'cust,date,sales\n"123",2024-01-01,1\n" 45 ",2024-01-02,2\n', "s.csv")
    frame = pd.DataFrame(
        {"cust": [123.0, 45.0], "date": ["2024-01-01", "2024-01-02"], "sales": [1, 2]}
    )
    results = [
        load_transactions(source, MAPPING).transactions["customer_id"].tolist()
        for source in (numeric, floats, quoted, frame, frame.astype({"cust": "int64"}))
    ]
    assert all(ids == ["123", "45"] for ids in results), results
    normalised = _quality(load_transactions(floats, MAPPING), "customer_id_normalised")
    assert normalised["rows"] == 2 and normalised["action"] == "normalised"


def test_leading_zeros_are_kept_and_fractional_ids_stay_distinct(tmp_path):
    path = _write(tmp_path, "cust,date,sales\n00123,2024-01-01,1\n123,2024-01-01,2\n")
    assert load_transactions(path, MAPPING).transactions["customer_id"].tolist() == ["00123", "123"]
    frame = _frame(cust=[1.5, 1.0, 2.0, 2.0])
    ids = load_transactions(frame, MAPPING).transactions["customer_id"].tolist()
    assert ids == ["1", "1.5", "2", "2"]


def test_missing_customer_id_raises_or_is_dropped():
    raw = _frame(cust=["a", None, "b", "  "])
    with pytest.raises(DataValidationError) as info:
        load_transactions(raw, MAPPING)
    message = str(info.value)
    assert "'customer_id'" in message and "2 of 4 rows" in message and "index 1" in message
    loaded = load_transactions(raw, MAPPING, invalid="drop")
    check = _quality(loaded, "customer_id_missing")
    assert (check["rows"], check["amount"], check["action"]) == (2, 27.5, "dropped")
    assert len(loaded.transactions) == 2


# ---------------------------------------------------------------- timestamps


def test_unparseable_dates_raise_with_column_count_and_examples(tmp_path):
    path = _write(
        tmp_path,
        "cust,date,sales\na,2024-01-01,1\nb,31/12/2024,2\nc,yesterday,3\nd,,4\n",
    )
    with pytest.raises(DataValidationError) as info:
        load_transactions(path, MAPPING)
    message = str(info.value)
    assert "'timestamp'" in message and "'date'" in message
    assert "3 of 4 rows" in message
    assert "line 3" in message and "31/12/2024" in message and "yesterday" in message
    assert "date_format" in message
    dropped = load_transactions(path, MAPPING, invalid="drop")
    check = _quality(dropped, "timestamp_unparseable")
    assert (check["rows"], check["amount"]) == (3, 9.0)
    assert dropped.transactions["customer_id"].tolist() == ["a"]


def test_date_format_parameter_reads_day_first_dates():
    raw = _frame(date=["31/12/2023", "01/01/2024", "02/01/2024", "03/01/2024"])
    loaded = load_transactions(raw, MAPPING, date_format="%d/%m/%Y")
    assert loaded.transactions["timestamp"].min() == pd.Timestamp("2023-12-31")


def test_compact_dates_and_datetime_columns_are_accepted():
    compact = load_transactions(_frame(date=[19970101, 19970102, 19970103, 19970104]), MAPPING)
    assert compact.transactions["timestamp"].max() == pd.Timestamp("1997-01-04")
    typed = _frame(date=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]))
    assert load_transactions(typed, MAPPING).transactions["timestamp"].dtype == "datetime64[ns]"


def test_timezone_aware_timestamps_are_converted_to_utc_naive():
    raw = _frame(
        date=[
            "2024-01-01T23:30:00+02:00",
            "2024-01-03T00:30:00-05:00",
            "2024-01-02 10:00Z",
            "2024-01-05 10:00:00+0000",
        ]
    )
    loaded = load_transactions(raw, MAPPING)
    stamps = loaded.transactions.set_index("amount")["timestamp"]
    assert stamps[10.0] == pd.Timestamp("2024-01-01 21:30")
    assert stamps[20.0] == pd.Timestamp("2024-01-03 05:30")
    assert stamps[5.0] == pd.Timestamp("2024-01-02 10:00")
    check = _quality(loaded, "timestamp_timezone")
    assert check["rows"] == 4 and "UTC" in check["action"]
    tz_typed = _frame(date=pd.to_datetime(raw["date"], format="ISO8601", utc=True))
    typed = load_transactions(
        tz_typed.assign(date=tz_typed["date"].dt.tz_convert("Europe/Berlin")), MAPPING
    )
    assert typed.transactions["timestamp"].tolist() == loaded.transactions["timestamp"].tolist()


def test_mixed_aware_and_naive_timestamps_raise_or_follow_the_utc_policy():
    raw = _frame(date=["2024-01-01T10:00:00+02:00", "2024-01-02", "2024-01-03 08:00", "2024-01-04"])
    with pytest.raises(DataValidationError) as info:
        load_transactions(raw, MAPPING)
    message = str(info.value)
    assert "'timestamp'" in message and "1 of 4 rows" in message and "3 naive" in message
    assert "+02:00" in message and "mixed_timezones" in message
    loaded = load_transactions(raw, MAPPING, mixed_timezones="utc")
    assert loaded.transactions["timestamp"].min() == pd.Timestamp("2024-01-01 08:00")
    assert _quality(loaded, "timestamp_timezone")["rows"] == 1


def test_date_only_strings_ending_in_digits_are_not_mistaken_for_offsets():
    loaded = load_transactions(
        _frame(date=["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]), MAPPING
    )
    assert _quality(loaded, "timestamp_timezone")["rows"] == 0


# ---------------------------------------------------------------- amounts


def test_non_numeric_and_nan_amounts_raise_separately(tmp_path):
    path = _write(tmp_path, "cust,date,sales\na,2024-01-01,1\nb,2024-01-01,$2\nc,2024-01-01,inf\n")
    with pytest.raises(DataValidationError) as info:
        load_transactions(path, MAPPING)
    assert "'amount'" in str(info.value) and "2 of 3 rows" in str(info.value)
    assert "$2" in str(info.value)
    nan = _frame(sales=[1.0, np.nan, 2.0, np.nan])
    with pytest.raises(DataValidationError, match=r"missing.*2 of 4 rows"):
        load_transactions(nan, MAPPING)
    loaded = load_transactions(nan, MAPPING, invalid="drop")
    assert _quality(loaded, "amount_missing")["rows"] == 2
    assert loaded.transactions["amount"].tolist() == [1.0, 2.0]


def test_error_is_one_loyaltylab_error_and_a_value_error():
    with pytest.raises(LoyaltyLabError):
        load_transactions(_frame(sales=["x", "1", "2", "3"]), MAPPING)
    with pytest.raises(ValueError):
        load_transactions(_frame(sales=["x", "1", "2", "3"]), MAPPING)


# ---------------------------------------------------------------- duplicates and late rows


def test_exact_duplicates_are_dropped_by_default_and_counted():
    raw = pd.concat([_frame(), _frame().iloc[[0, 0, 2]]], ignore_index=True)
    loaded = load_transactions(raw, MAPPING)
    check = _quality(loaded, "duplicate_rows")
    assert (check["rows"], check["amount"]) == (3, 25.0)  # 10 + 10 + 5
    assert len(loaded.transactions) == 4
    assert len(load_transactions(raw, MAPPING, duplicates="keep").transactions) == 7
    with pytest.raises(DataValidationError, match="3 of 7 rows"):
        load_transactions(raw, MAPPING, duplicates="error")


def test_rows_after_observation_end_raise_or_are_dropped():
    raw = _frame(date=["2024-01-01", "2024-01-31 23:59", "2024-02-01", "2024-03-01"])
    with pytest.raises(DataValidationError) as info:
        load_transactions(raw, MAPPING, observation_end="2024-01-31")
    assert "2 of 4 rows" in str(info.value) and "2024-01-31" in str(info.value)
    loaded = load_transactions(raw, MAPPING, observation_end="2024-01-31", after_end="drop")
    check = _quality(loaded, "after_observation_end")
    assert (check["rows"], check["amount"]) == (2, 12.5)
    assert loaded.transactions["timestamp"].max() == pd.Timestamp("2024-01-31 23:59")
    assert loaded.observation_end == pd.Timestamp("2024-01-31")


# ---------------------------------------------------------------- returns


def test_returns_net_against_the_same_day_purchases_pro_rata():
    raw = pd.DataFrame(
        {
            "cust": ["a", "a", "a", "b", "b", "c", "d"],
            "date": [
                "2024-01-01 09:00",
                "2024-01-01 10:00",
                "2024-01-01 18:00",  # a: 30 + 10 - 8 = 32 on the day
                "2024-01-02",
                "2024-01-02",  # b: 5 - 5 = 0, fully returned
                "2024-01-03",  # c: return without purchase that day
                "2024-01-04",
            ],
            "sales": [30.0, 10.0, -8.0, 5.0, -5.0, -4.0, 12.0],
        }
    )
    loaded = load_transactions(raw, MAPPING)
    tx = loaded.transactions
    assert tx["customer_id"].tolist() == ["a", "a", "d"]
    assert tx["amount"].tolist() == pytest.approx([24.0, 8.0, 12.0])  # 30*32/40, 10*32/40
    netted = _quality(loaded, "returns_netted")
    assert (netted["rows"], netted["amount"]) == (1, -8.0)
    assert "2 purchase rows" in netted["action"]
    full = _quality(loaded, "returns_exceed_purchases")
    assert (full["rows"], full["amount"]) == (2, 0.0)
    unmatched = _quality(loaded, "returns_unmatched")
    assert (unmatched["rows"], unmatched["amount"]) == (1, -4.0)
    assert loaded.rows_removed == 4


def test_returns_net_by_order_id_across_days():
    raw = pd.DataFrame(
        {
            "cust": ["a", "a", "a"],
            "date": ["2024-01-01", "2024-01-09", "2024-01-09"],
            "sales": [50.0, -20.0, 15.0],
            "order": ["o1", "o1", "o2"],
        }
    )
    loaded = load_transactions(raw, {**MAPPING, "order_id": "order"})
    tx = loaded.transactions
    assert tx["amount"].tolist() == [30.0, 15.0]
    assert tx["timestamp"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-09")]


def test_returns_drop_and_error_policies():
    raw = _frame(sales=[10.0, -3.0, 5.0, -1.0])
    dropped = load_transactions(raw, MAPPING, returns="drop")
    check = _quality(dropped, "returns")
    assert (check["rows"], check["amount"], check["action"]) == (2, -4.0, "dropped")
    with pytest.raises(DataValidationError) as info:
        load_transactions(raw, MAPPING, returns="error")
    assert "2 of 4 rows" in str(info.value) and "-3.0" in str(info.value)


def test_zero_amounts_are_purchases_not_returns():
    loaded = load_transactions(_frame(sales=[0.0, 1.0, 2.0, 3.0]), MAPPING)
    assert len(loaded.transactions) == 4


# ---------------------------------------------------------------- nothing silently dropped


def test_every_removed_row_is_counted_in_the_quality_table():
    rng = np.random.default_rng(7)
    n = 400
    raw = pd.DataFrame(
        {
            "cust": rng.integers(0, 40, n).astype(str),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "sales": np.round(rng.normal(20, 15, n), 0),
        }
    )
    raw = pd.concat([raw, raw.sample(30, random_state=1)], ignore_index=True)
    raw.loc[rng.choice(len(raw), 10, replace=False), "sales"] = np.nan
    loaded = load_transactions(
        raw, MAPPING, invalid="drop", observation_end="2024-02-15", after_end="drop"
    )
    quality = loaded.quality.set_index("check")
    removing = [
        "customer_id_missing",
        "timestamp_unparseable",
        "amount_missing",
        "amount_not_numeric",
        "duplicate_rows",
        "after_observation_end",
        "returns_exceed_purchases",
        "returns_unmatched",
        "returns_netted",
    ]
    assert quality.loc[removing, "rows"].sum() == loaded.rows_removed > 0
    # amounts: what is left = what was read - what the dropping checks took away (netted returns
    # move their amount into the purchases they reduce, so they do not change the total)
    read_total = raw["sales"].sum()
    dropping = [check for check in removing if check != "returns_netted"]
    assert quality.loc["returns_netted", "rows"] > 0
    assert loaded.transactions["amount"].sum() == pytest.approx(
        read_total - quality.loc[dropping, "amount"].sum()
    )


def test_input_frame_is_not_modified():
    raw = _frame(sales=[10.0, -3.0, 5.0, 7.0])
    before = raw.copy()
    load_transactions(raw, MAPPING)
    pd.testing.assert_frame_equal(raw, before)


def test_data_package_imports_only_errors_and_rules_from_loyaltylab():
    # DESIGN.md: `data` imports nothing of ours except the errors and the input rules
    root = Path(__file__).resolve().parents[1] / "src" / "loyaltylab" / "data"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("loyaltylab")
            ):
                assert node.module in ("loyaltylab.errors", "loyaltylab.rules") or (
                    node.module.startswith("loyaltylab.data")
                ), (path.name, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("loyaltylab"), (path.name, alias.name)


def test_duplicate_index_labels_and_all_invalid_rows():
    raw = _frame(sales=["1", "x", "2", "3"])
    raw.index = [5, 5, 6, 6]
    with pytest.raises(DataValidationError, match="index 5"):
        load_transactions(raw, MAPPING)
    loaded = load_transactions(raw, MAPPING, invalid="drop")
    assert loaded.transactions["amount"].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(DataValidationError, match="no transactions left"):
        load_transactions(_frame(sales=["x"] * 4), MAPPING, invalid="drop")


def test_parquet_with_timezone_aware_timestamps(tmp_path):
    stamps = pd.to_datetime(["2024-03-01 01:00", "2024-03-02 12:00"]).tz_localize("Asia/Tokyo")
    raw = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": stamps, "amount": [1.0, 2.0]})
    path = tmp_path / "tz.parquet"
    raw.to_parquet(path)
    loaded = load_transactions(path)
    assert loaded.transactions["timestamp"].tolist() == [
        pd.Timestamp("2024-02-29 16:00"),
        pd.Timestamp("2024-03-02 03:00"),
    ]
    assert loaded.quality.set_index("check").loc["timestamp_timezone", "rows"] == 2


def test_semicolon_csv_via_read_options_and_compressed_file(tmp_path):
    path = tmp_path / "tx.csv.gz"
    pd.DataFrame(
        {"cust": ["x", "y"], "date": ["2024-01-01", "2024-01-02"], "sales": [1, 2]}
    ).to_csv(path, sep=";", index=False)
    loaded = load_transactions(path, MAPPING, read_options={"sep": ";"})
    assert loaded.transactions["customer_id"].tolist() == ["x", "y"]


def test_returns_without_order_id_fall_back_to_the_same_day():
    raw = pd.DataFrame(
        {
            "cust": ["a", "a", "a"],
            "date": ["2024-01-01", "2024-01-01", "2024-01-02"],
            "sales": [40.0, -10.0, 25.0],
            "order": [None, None, "o9"],
        }
    )
    loaded = load_transactions(raw, {**MAPPING, "order_id": "order"})
    assert loaded.transactions["amount"].tolist() == [30.0, 25.0]
    assert _quality(loaded, "returns_netted")["rows"] == 1


def test_out_of_range_and_relative_timestamps_are_unparseable_not_a_traceback():
    # issue 8: one date rule (loyaltylab.rules); 9999-12-31 does not fit datetime64[ns] and used
    # to fail with a raw out-of-bounds traceback; "today" used to parse as the current time
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": np.array(
                ["2024-01-01", "9999-12-31", "2024-01-02"], dtype="datetime64[s]"
            ),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(DataValidationError, match=r"out of range in 1 of 3 rows.*index 1"):
        load_transactions(raw)
    loaded = load_transactions(raw, invalid="drop")
    assert loaded.transactions["customer_id"].tolist() == ["a", "c"]
    assert loaded.transactions["timestamp"].dtype == "datetime64[ns]"
    quality = loaded.quality.set_index("check")
    assert quality.loc["timestamp_unparseable", "rows"] == 1
    assert quality.loc["timestamp_unparseable", "amount"] == 2.0
    relative = raw.assign(timestamp=["today", "2024-01-01", "now"])
    with pytest.raises(DataValidationError, match="in 2 of 3 rows"):
        load_transactions(relative)


def test_negative_float_ids_read_the_same_from_numbers_and_text():
    numbers = pd.DataFrame(
        {"customer_id": [-4.0, 5.0], "timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]}
    )
    text = numbers.assign(customer_id=["-4.0", "5"])
    assert (
        load_transactions(numbers).transactions["customer_id"].tolist()
        == load_transactions(text).transactions["customer_id"].tolist()
        == ["-4", "5"]
    )
