"""Spark column expressions for the loader's input rules (ids, timestamps, amounts).

Each parser returns Spark columns built by the rule of :mod:`loyaltylab.rules` that the pandas
loader applies (:func:`loyaltylab.rules.parse_customer_ids`, :func:`~loyaltylab.rules.
parse_timestamps`, ``loyaltylab.data.values.parse_amounts``), for the Spark type of the source
column; :mod:`loyaltylab.engine.spark_load` counts and applies them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loyaltylab.errors import ParameterError
from loyaltylab.rules.ids import na_id_tokens

if TYPE_CHECKING:
    from pyspark.sql import Column

__all__ = ["finite", "parse_amounts", "parse_ids", "parse_stamps", "strftime_to_spark"]

_FLOAT_ID = r"^[+-]?\d+\.0*$"
_EXACT_FLOAT_LIMIT = 2.0**53
_AWARE = r"(Z|[+-]\d{2}:?\d{2})$"
#: The range of pandas' datetime64[ns]; a timestamp outside it is unparseable, as in pandas.
_FIRST, _LAST = "1677-09-22 00:12:44", "2262-04-11 23:47:16"
_STRFTIME = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "M",
    "%d": "d",
    "%H": "H",
    "%I": "h",
    "%M": "m",
    "%S": "s",
    "%f": "SSSSSS",
    "%p": "a",
    "%b": "MMM",
    "%B": "MMMM",
    "%a": "EEE",
    "%A": "EEEE",
    "%z": "Z",
    "%%": "%",
}


def strftime_to_spark(date_format: str) -> str:
    """Translate a ``strftime`` format to a Spark datetime pattern (one- or two-digit fields).

    Examples
    --------
    >>> strftime_to_spark("%m/%d/%Y %H:%M")
    'M/d/yyyy H:m'
    >>> strftime_to_spark("%Y-%m-%dT%H:%M:%S")
    "yyyy-M-d'T'H:m:s"
    """
    out: list[str] = []
    i = 0
    while i < len(date_format):
        token = date_format[i : i + 2]
        if token in _STRFTIME:
            out.append(_STRFTIME[token])
            i += 2
            continue
        if token.startswith("%"):
            raise ParameterError(
                f"date_format {date_format!r}: {token!r} has no Spark equivalent; use "
                f"{sorted(_STRFTIME)}"
            )
        char = date_format[i]
        out.append(f"'{char}'" if char.isalpha() else char)
        i += 1
    return "".join(out).replace("''", "")


def finite(value: Column) -> Column:
    """Whether a double column is a finite number (not NaN, not infinite)."""
    from pyspark.sql import functions as F

    return ~F.isnan(value) & (F.abs(value) < F.lit(float("inf")))


def _strip(value: Column) -> Column:
    from pyspark.sql import functions as F

    return F.regexp_replace(value, r"^\s+|\s+$", "")


def parse_ids(
    value: Column, kind: str, na_ids: Sequence[str] | None
) -> tuple[Column, Column, Column, Column]:
    """(id text, missing, normalised, inexact) by the rule of :mod:`loyaltylab.rules.ids`."""
    from pyspark.sql import functions as F

    no = F.lit(False)
    whole_decimal = kind.startswith("decimal(") and kind.endswith(",0)")
    if kind in ("boolean", "tinyint", "smallint", "int", "bigint") or whole_decimal:
        missing = value.isNull()
        text = F.coalesce(value.cast("string"), F.lit(""))
        if kind == "boolean":
            text = F.when(value, "True").when(~value, "False").otherwise("")
        return text, missing, no, no
    if kind in ("float", "double") or kind.startswith("decimal("):
        number = value.cast("double")
        is_finite = number.isNotNull() & finite(number)
        whole = is_finite & (number == F.floor(number))
        exact = whole & (F.abs(number) <= _EXACT_FLOAT_LIMIT)
        inexact = is_finite & (F.abs(number) > _EXACT_FLOAT_LIMIT)
        text = (
            F.when(exact, number.cast("long").cast("string"))
            .when(is_finite & ~whole, number.cast("string"))
            .otherwise(F.lit(""))
        )
        return text, ~is_finite, F.coalesce(exact, no), F.coalesce(inexact, no)
    original = F.coalesce(value.cast("string"), F.lit(""))
    stripped = _strip(original)
    float_like = stripped.rlike(_FLOAT_ID)
    digits = F.regexp_replace(F.regexp_replace(stripped, r"\.0*$", ""), r"^\+", "")
    cleaned = F.when(float_like, digits).otherwise(stripped)
    tokens = sorted(na_id_tokens(na_ids))
    missing = value.isNull() | F.lower(cleaned).isin(tokens)
    normalised = ~missing & (cleaned != original)
    return F.when(missing, F.lit("")).otherwise(cleaned), missing, normalised, no


def parse_stamps(
    value: Column, kind: str, date_format: str | None
) -> tuple[Column, Column, Column]:
    """(timestamp, unparseable, timezone-aware) by the rule of :mod:`loyaltylab.rules.dates`."""
    from pyspark.sql import functions as F

    no = F.lit(False)
    if kind in ("timestamp", "timestamp_ntz", "date"):
        stamp = value.cast("timestamp_ntz" if kind != "timestamp" else "timestamp")
        aware = F.lit(kind == "timestamp") & value.isNotNull()
    elif kind in ("int", "bigint"):
        stamp = F.try_to_timestamp(value.cast("string"), F.lit("yyyyMMdd"))
        aware = no
    else:
        text = _strip(value.cast("string"))
        if date_format is not None:
            stamp = F.try_to_timestamp(text, F.lit(strftime_to_spark(date_format)))
            aware = F.lit("%z" in date_format) & text.isNotNull()
        else:
            stamp = F.try_to_timestamp(text)
            aware = F.coalesce(text.rlike(r"\d" + _AWARE) & text.rlike(r"\d[T ]\d"), no)
    stamp = stamp.cast("timestamp")
    inside = (stamp >= F.lit(_FIRST).cast("timestamp")) & (stamp < F.lit(_LAST).cast("timestamp"))
    bad = stamp.isNull() | ~F.coalesce(inside, no)
    return F.when(~bad, stamp), bad, F.coalesce(aware & ~bad, no)


def parse_amounts(
    value: Column, kind: str, number_format: tuple[str, str | None]
) -> tuple[Column, Column, Column]:
    """Return (amount, missing, not numeric or infinite) as ``data.values.parse_amounts``."""
    from pyspark.sql import functions as F

    if kind == "boolean":
        return value.cast("double"), value.isNull(), value.isNotNull()
    if kind != "string":
        number = value.cast("double")
        missing = number.isNull() | F.isnan(number)
        return number, missing, ~missing & ~finite(number)
    text = F.coalesce(_strip(value), F.lit(""))
    tokens = sorted(na_id_tokens())
    missing = (text == "") | F.lower(text).isin(tokens)
    decimal, thousands = number_format
    if thousands:
        text = F.regexp_replace(text, re.escape(thousands), "")
    if decimal != ".":
        text = F.regexp_replace(text, re.escape(decimal), ".")
    number = F.when(~missing, text.try_cast("double"))
    bad = ~missing & (number.isNull() | ~F.coalesce(finite(number), F.lit(False)))
    return number, missing, bad
