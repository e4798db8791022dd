"""Parse the values of a transaction log: numbers, order-line amounts, return flags, options.

Numbers are text in a CSV: ``decimal`` and ``thousands`` say how they are written (``1.234,50``
with ``decimal=","``, ``thousands="."``). A line-level log without an amount column gets
``amount = quantity x unit_price``. A return flag is yes/no in any common spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.data.rows import RowProblems
from loyaltylab.errors import ParameterError
from loyaltylab.rules import na_id_tokens

__all__ = [
    "ceiling_above",
    "guess_date_format",
    "line_amounts",
    "number_format",
    "parse_amounts",
    "parse_flags",
    "positive_option",
    "text_option",
]

_TRUE = frozenset({"1", "true", "t", "yes", "y", "x", "c", "cancelled", "canceled", "return"})
_FALSE = frozenset({"0", "false", "f", "no", "n", ""})


def number_format(decimal: str, thousands: str | None) -> tuple[str, str | None]:
    """Return the checked ``(decimal, thousands)`` options of the number format."""
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise ParameterError(f"option 'decimal' must be one character such as ',', got {decimal!r}")
    if thousands is not None and (not isinstance(thousands, str) or len(thousands) > 1):
        raise ParameterError(
            f"option 'thousands' must be one character such as '.', got {thousands!r}"
        )
    if thousands == decimal:
        raise ParameterError(f"options 'decimal' and 'thousands' are both {decimal!r}")
    return decimal, thousands or None


def parse_amounts(
    values: pd.Series, decimal: str = ".", thousands: str | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (amounts as float, missing mask, non-numeric or infinite mask)."""
    if pd.api.types.is_bool_dtype(values):
        missing = values.isna()
        return values.astype(float), missing, ~missing
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        missing = numbers.isna()
        return numbers, missing, ~missing & ~np.isfinite(numbers.fillna(0.0))
    missing = values.isna()
    text = values.astype(object).where(~missing, "").astype(str).str.strip()
    # the same NA-like tokens as customer ids (loyaltylab.rules: one list for every loader)
    missing = missing | (text == "") | text.str.lower().isin(na_id_tokens())
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").astype("float64")
    bad = ~missing & (numbers.isna() | ~np.isfinite(numbers.fillna(0.0)))
    return numbers, missing, bad


def line_amounts(
    raw: pd.DataFrame, kept: Mapping[str, Any], number_format: tuple[str, str | None]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (quantity x unit_price, missing mask, non-numeric or infinite mask)."""
    quantity, q_missing, q_bad = parse_amounts(raw[kept["quantity"]], *number_format)
    price, p_missing, p_bad = parse_amounts(raw[kept["unit_price"]], *number_format)
    with np.errstate(over="ignore", invalid="ignore"):
        amounts = quantity * price
    missing = q_missing | p_missing
    bad = ~missing & (q_bad | p_bad | ~np.isfinite(amounts.fillna(0.0)))
    return amounts, missing, bad


def parse_flags(values: pd.Series, problems: RowProblems, source_col: Any) -> pd.Series:
    """Return a yes/no column as bool; a value that is neither raises naming the rows."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).astype(bool)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.lower()
    text = text.str.replace(r"\.0+$", "", regex=True)
    unknown = ~text.isin(_TRUE | _FALSE)
    if unknown.any():
        raise problems.error(
            f"a return flag that is not yes/no (true: {sorted(_TRUE)}; false: {sorted(_FALSE)})",
            "is_return",
            unknown,
            source_col=source_col,
        )
    return text.isin(_TRUE)


def ceiling_above(largest: float) -> float | None:
    """Return the next power of ten above ``largest``: the ``max_amount`` that would admit it.

    ``None`` from 1e15 on: a float sum of such amounts no longer holds cents, so no option
    should admit them.
    """
    if not np.isfinite(largest) or largest >= 1e15:
        return None
    return float(10 ** np.ceil(np.log10(largest) + 1e-12))


def text_option(value: Any, name: str) -> str:
    """Return a text option stripped (``None`` -> ``""``)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParameterError(f"option {name!r} must be text, got {value!r}")
    return value.strip()


def positive_option(value: Any, name: str) -> float:
    """Return a positive, finite number option (text such as ``"1e12"`` accepted)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParameterError(f"option {name!r} must be a positive number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"option {name!r} must be a positive number, got {value!r}") from None
    if not np.isfinite(number) or number <= 0:
        raise ParameterError(f"option {name!r} must be a positive finite number, got {value!r}")
    return number


_DAY_MONTH = r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(:\d{2})?)?\s*$"


def guess_date_format(values: pd.Series) -> str | None:
    """Return the ``date_format`` that reads text dates like ``12/13/2010 8:26``, if it is clear.

    Day-first or month-first is decided by a first or second field above 12; a log where both
    fields stay at 12 or below gets the day-first guess. ``None`` for other layouts.

    Examples
    --------
    >>> import pandas as pd
    >>> guess_date_format(pd.Series(["12/1/2010 8:26", "12/13/2010 9:02"]))
    '%m/%d/%Y %H:%M'
    >>> guess_date_format(pd.Series(["31.12.2024"]))
    '%d.%m.%Y'
    """
    text = values.dropna().astype(str).head(10_000)
    parts = text.str.extract(_DAY_MONTH)
    parts = parts.dropna(subset=[0])
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[2].astype(int)
    month_first = bool((second > 12).any()) and not bool((first > 12).any())
    sep = str(parts[1].iloc[0])
    year = "%Y" if len(str(parts[3].iloc[0])) == 4 else "%y"
    day = f"%m{sep}%d{sep}{year}" if month_first else f"%d{sep}%m{sep}{year}"
    if parts[4].notna().any():
        day += " %H:%M" + (":%S" if parts[6].notna().any() else "")
    return day
