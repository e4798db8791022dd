"""The malformed-input class of issue 9: each case one clear error or a counted policy.

Each test builds the input the way it turns up in the wild and states what a user must see:
an error naming the problem, the column or file, a count, example rows and the load option that
fixes it (``error.fix``), or a load whose quality table counts what was done.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltylab.data import load_ledger, load_members, load_transactions
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.reports.notebooks.sources import (
    call_with_notebook_hints,
    load_transactions_for_notebook,
)
from loyaltylab.rules import NA_ID_TOKENS, LoadError

CSV = "customer_id,timestamp,amount\n1,2024-01-01,5\n2,2024-01-02,6\n"
MEMBERS = "customer_id,enrolled_at\n1,2024-01-01\n2,2024-01-02\n"
LEDGER = "customer_id,timestamp,kind,points\n1,2024-01-01,earn,10\n2,2024-01-02,earn,5\n"


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("token", NA_ID_TOKENS)
def test_na_like_ids_are_missing_in_every_loader(token):
    # issue 9: "NA", "null", "None" ... (R/SQL exports) became real customers and members
    tx = pd.DataFrame(
        {"customer_id": [token, "1"], "timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]}
    )
    with pytest.raises(LoadError, match="customer id is missing") as caught:
        load_transactions(tx)
    assert caught.value.fix == {"invalid": "drop"}
    loaded = load_transactions(tx, invalid="drop")
    assert loaded.transactions["customer_id"].tolist() == ["1"]
    assert loaded.quality.set_index("check").loc["customer_id_missing", "rows"] == 1
    members = pd.DataFrame({"customer_id": [token, "1"], "enrolled_at": ["2024-01-01"] * 2})
    with pytest.raises(DataValidationError, match="missing customer id"):
        load_members(members)
    ledger = pd.DataFrame(
        {
            "customer_id": ["1", token],
            "timestamp": ["2024-01-01"] * 2,
            "kind": ["earn"] * 2,
            "points": [1, 2],
        }
    )
    with pytest.raises(DataValidationError, match="missing customer id"):
        load_ledger(ledger)


def test_na_ids_option_is_configurable():
    tx = pd.DataFrame(
        {"customer_id": ["NA", "unknown"], "timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]}
    )
    loaded = load_transactions(tx, na_ids=["unknown"], invalid="drop")
    assert loaded.transactions["customer_id"].tolist() == ["NA"]  # "NA" is an id here
    members = pd.DataFrame({"customer_id": ["NA"], "enrolled_at": ["2024-01-01"]})
    assert load_members(members, na_ids=[]).members["customer_id"].tolist() == ["NA"]


def test_parquet_float_ids_above_2_53_are_refused_not_merged(tmp_path):
    # issue 9: three Parquet float ids >= 2**63 all became "-9223372036854775808"
    path = tmp_path / "ids.parquet"
    pd.DataFrame(
        {
            "customer_id": [2.0**63, 2.0**64, 1e19, 17.0],
            "timestamp": pd.to_datetime(["2024-01-01"] * 4),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    ).to_parquet(path)
    with pytest.raises(LoadError, match=r"3 customer id\(s\) are floats above 2\*\*53.*as text"):
        load_transactions(path)
    members = pd.DataFrame({"customer_id": [2.0**60], "enrolled_at": ["2024-01-01"]})
    with pytest.raises(DataValidationError, match="above 2"):
        load_members(members)
    # the same ids stored as text are exact and distinct
    text = pd.DataFrame(
        {
            "customer_id": ["9223372036854775808", "18446744073709551616"],
            "timestamp": ["2024-01-01"] * 2,
            "amount": [1.0, 2.0],
        }
    )
    assert load_transactions(text).transactions["customer_id"].nunique() == 2


@pytest.mark.parametrize("value", [1e308, 1e300, 5e9])
def test_implausible_amounts_are_an_error_naming_rows(value):
    # issue 9: amounts of 1e308 gave NaN/inf revenue in a notebook that "succeeded"
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "timestamp": ["2024-01-01"] * 3,
            "amount": [value, value, 3.0],
        }
    )
    with pytest.raises(LoadError, match=r"above max_amount.*in 2 of 3 rows.*index 0") as caught:
        load_transactions(tx)
    if value < 1e300:
        assert caught.value.fix["max_amount"] > value
        assert len(load_transactions(tx, max_amount=1e10).transactions) == 3


def test_an_order_over_the_ceiling_is_an_error_and_non_finite_amounts_are_invalid():
    lines = pd.DataFrame(
        {
            "customer_id": ["1"] * 3,
            "timestamp": ["2024-01-01"] * 3,
            "amount": [6e8, 6e8, 1.0],
            "product": ["x", "y", "z"],  # two lines of one order, not duplicates
            "order_id": ["A", "A", "B"],
        }
    )
    with pytest.raises(LoadError, match="orders totalling more than max_amount"):
        load_transactions(lines)
    inf = pd.DataFrame(
        {"customer_id": ["1", "2"], "timestamp": ["2024-01-01"] * 2, "amount": ["inf", "1e999"]}
    )
    loaded = load_transactions(inf.assign(amount=["inf", "2"]), invalid="drop")
    assert loaded.quality.set_index("check").loc["amount_not_numeric", "rows"] == 1
    with pytest.raises(LoadError, match="not a finite number"):
        load_transactions(inf)


def test_one_source_column_for_two_canonical_names_is_an_error():
    # issue 9: customer_id and amount both mapped to `cust` summed the ids as revenue
    raw = pd.DataFrame({"cust": [1, 2], "timestamp": ["2024-01-01"] * 2})
    with pytest.raises(ParameterError, match=r"\['customer_id', 'amount'\] -> 'cust'"):
        load_transactions(raw, {"customer_id": "cust", "amount": "cust"})
    members = pd.DataFrame({"c": ["1"], "enrolled_at": ["2024-01-01"]})
    with pytest.raises(ParameterError, match="several canonical names"):
        load_members(members, {"customer_id": "c", "tier": "c"})


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2300-01-01"])
def test_out_of_range_timestamps_in_every_loader(day, tmp_path):
    # issue 9: OutOfBoundsDatetime tracebacks with no column or row
    tx = pd.DataFrame(
        {"customer_id": ["1", "2"], "timestamp": ["2024-01-01", day], "amount": [1.0, 2.0]}
    )
    with pytest.raises(LoadError, match=r"out of range in 1 of 2 rows.*index 1"):
        load_transactions(tx)
    with pytest.raises(LoadError, match="out of range"):
        load_transactions(tx, date_format="%Y-%m-%d")
    path = tmp_path / "far.parquet"
    far = pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "amount": [1.0, 2.0],
            "timestamp": np.array(["2024-01-01", day], dtype="datetime64[s]"),
        }
    )
    far.to_parquet(path)
    loaded = load_transactions(path, invalid="drop")
    assert loaded.quality.set_index("check").loc["timestamp_unparseable", "rows"] == 1
    members = _write(tmp_path / "m.csv", MEMBERS.replace("2024-01-02", day))
    with pytest.raises(DataValidationError, match="out of range.*enrolled_at"):
        load_members(members)
    ledger = _write(tmp_path / "l.csv", LEDGER.replace("2024-01-02", day))
    with pytest.raises(DataValidationError, match="out of range.*timestamp"):
        load_ledger(ledger)


_COMPRESSORS = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
}


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz"])
def test_plain_csv_named_compressed_is_read_by_its_content(suffix, tmp_path):
    # issue 9: BadGzipFile / OSError / BadZipFile / LZMAError tracebacks
    for loader, text in ((load_transactions, CSV), (load_members, MEMBERS), (load_ledger, LEDGER)):
        path = _write(tmp_path / f"{loader.__name__}{suffix}", text)
        loaded = loader(path)
        assert (
            len(
                getattr(loaded, "transactions", getattr(loaded, "members", None))
                if not hasattr(loaded, "ledger")
                else loaded.ledger
            )
            == 2
        )
    loaded = load_transactions(tmp_path / f"load_transactions{suffix}")
    assert any("plain text" in note for note in loaded.notes)


@pytest.mark.parametrize("kind", [".gz", ".bz2", ".xz", ".zip"])
def test_compressed_csv_named_csv_is_decompressed(kind, tmp_path):
    # issue 9: a gzip file named .csv gave "'utf-8' codec can't decode byte 0x8b"
    path = tmp_path / "data.csv"
    if kind == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.csv", CSV)
    else:
        path.write_bytes(_COMPRESSORS[kind](CSV.encode()))
    loaded = load_transactions(path)
    assert loaded.transactions["amount"].sum() == 11.0
    assert any("compressed" in note for note in loaded.notes)


def test_trailing_comma_on_data_rows_only_is_read_and_noted(tmp_path):
    # issue 9: pandas took the first column as the index and the error blamed the timestamps
    text = "customer_id,timestamp,amount\n1,2024-01-01,5,\n2,2024-01-02,6,\n"
    loaded = load_transactions(_write(tmp_path / "t.csv", text))
    assert loaded.transactions["customer_id"].tolist() == ["1", "2"]
    assert any("trailing delimiter" in note for note in loaded.notes)
    assert len(load_members(_write(tmp_path / "m.csv", MEMBERS.replace("\n1", ",\n1"))).members)
    filled = "customer_id,timestamp,amount\n1,2024-01-01,5,x\n2,2024-01-02,6,y\n"
    with pytest.raises(DataValidationError, match="more fields than the header.*line 2"):
        load_transactions(_write(tmp_path / "f.csv", filled))


def test_a_folder_is_a_clear_error_or_a_parquet_dataset(tmp_path):
    # issue 9: a directory given as the path said "file not found"
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "readme.txt").write_text("hi")
    with pytest.raises(DataValidationError, match=r"is a folder, not a file.*readme\.txt"):
        load_transactions(folder)
    with pytest.raises(DataValidationError, match="is a folder"):
        load_members(folder)
    parts = tmp_path / "parts"
    parts.mkdir()
    frame = pd.read_csv(pd.io.common.StringIO(CSV), dtype=str)
    frame.iloc[:1].to_parquet(parts / "a.parquet")
    frame.iloc[1:].to_parquet(parts / "b.parquet")
    loaded = load_transactions(parts)
    assert sorted(loaded.transactions["customer_id"]) == ["1", "2"]


@pytest.mark.parametrize(("sep", "shown"), [(";", '";"'), ("\t", '"\\t"'), ("|", '"|"')])
def test_other_delimiters_get_an_error_suggesting_the_option(sep, shown, tmp_path):
    # issue 9: a semicolon-separated file was not recognised as such
    path = _write(tmp_path / "semi.csv", CSV.replace(",", sep))
    with pytest.raises(LoadError, match="probably separated") as caught:
        load_transactions(path)
    assert caught.value.fix == {"delimiter": sep}
    assert f"load option {{delimiter: {shown}}}" in str(caught.value)
    assert len(load_transactions(path, delimiter=sep).transactions) == 2
    with pytest.raises(LoadError, match="probably separated"):
        load_members(_write(tmp_path / "m.csv", MEMBERS.replace(",", sep)))


def test_decimal_comma_thousands_and_encoding_options(tmp_path):
    text = "customer_id;timestamp;amount\nJosé;2024-01-01;1.234,50\nRenée;2024-01-02;6,25\n"
    path = tmp_path / "european.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(LoadError, match="UTF-8") as caught:
        load_transactions(path, delimiter=";")
    assert caught.value.fix == {"encoding": "latin-1"}
    with pytest.raises(LoadError, match="not a finite number") as caught:
        load_transactions(path, delimiter=";", encoding="latin-1")
    assert {"decimal": ",", "thousands": "."} in caught.value.option_sets()
    loaded = load_transactions(path, delimiter=";", encoding="latin-1", decimal=",", thousands=".")
    assert loaded.transactions["amount"].tolist() == [1234.5, 6.25]
    assert loaded.transactions["customer_id"].tolist() == ["José", "Renée"]


def test_notebook_layer_words_the_fix_as_the_load_parameter():
    # issue 9: errors said "pass invalid='drop'" and papermill refused an `invalid` parameter
    raw = pd.DataFrame(
        {"customer_id": ["NA", "1"], "timestamp": ["2024-01-01"] * 2, "amount": [1.0, 2.0]}
    )
    with pytest.raises(LoadError) as caught:
        load_transactions_for_notebook(raw)
    message = str(caught.value)
    assert "set `load: {invalid: drop}` in the notebook parameters" in message
    assert "reports.yaml" in message and "invalid='drop'" not in message
    assert caught.value.fix == {"invalid": "drop"}
    loaded = load_transactions_for_notebook(raw, load={"invalid": "drop"})
    assert loaded.transactions["customer_id"].tolist() == ["1"]
    members = pd.DataFrame({"customer_id": ["1"], "enrolled_at": ["12/31/2024"]})
    with pytest.raises(DataValidationError):
        call_with_notebook_hints(load_members, members, section="members")


def test_member_and_ledger_errors_for_a_delimiter_name_the_section(tmp_path):
    path = _write(tmp_path / "m.csv", MEMBERS.replace(",", ";"))
    with pytest.raises(LoadError, match=r"`load: \{members: \{delimiter: \";\"\}\}`"):
        call_with_notebook_hints(load_members, path, section="members")


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        # issue 9 follow-up: a decimal comma made the data rows split on "," and the error blamed
        # the header ("add the missing name"); the sniffed delimiter is suggested instead
        (
            "customer_id;timestamp;amount\n1;2024-01-01;12,50\n2;2024-01-02;3,75\n",
            {"delimiter": ";", "decimal": ","},
        ),
        ("customer_id;timestamp;amount\n1;2024-01-01;12\n2;2024-01-02;3\n", {"delimiter": ";"}),
        (
            "customer_id\ttimestamp\tamount\n1\t2024-01-01\t1,5\n",
            {"delimiter": "\t", "decimal": ","},
        ),
        ("customer_id|timestamp|amount\n1|2024-01-01|1.5\n", {"delimiter": "|"}),
    ],
)
def test_the_sniffed_delimiter_and_decimal_comma_are_suggested(
    text: str, fix: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "semi.csv", text)
    with pytest.raises(LoadError, match="probably separated") as caught:
        load_transactions(path)
    assert caught.value.fix == fix
    assert "missing name" not in str(caught.value)
    loaded = load_transactions(path, **fix)
    assert len(loaded.transactions) == text.count("\n") - 1
    # a comma-separated file read with a wrong delimiter gets the comma suggested
    comma = _write(tmp_path / "comma.csv", "customer_id,timestamp,amount\n1,2024-01-01,2\n")
    with pytest.raises(LoadError) as caught:
        load_transactions(comma, delimiter=";")
    assert caught.value.fix == {"delimiter": ","}
