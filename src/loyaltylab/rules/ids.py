"""The one rule for customer ids, used by every loader and every table keyed by customer.

Customer ids are **strings**, normalised the same way wherever they come from, so that tables of
the same customers always join (transactions, members, the points ledger, KPI and CLV tables):

* whitespace around an id is stripped; leading zeros are kept (``"00123"`` stays ``"00123"``);
* an id written as a whole-number float - from a float column (``123.0``) or as text
  (``"123.0"``, a CSV written from a float column) - becomes ``"123"``; integers become their
  digits (``123`` -> ``"123"``); a numeric-id file and a string-id file give identical ids;
* a **non-integral float** (``1.5``) is not a whole number, so it is kept as it reads
  (``"1.5"``), the same id as the text ``"1.5"``; it is not rounded or refused;
* a **missing** id (``None``, ``NaN``, ``""`` or only spaces) has no string: it is flagged in
  :attr:`ParsedCustomerIds.missing` (its slot holds ``""``) for the loader's policy to refuse or
  drop, and :func:`customer_ids` refuses it.

Examples
--------
>>> import pandas as pd
>>> customer_ids(pd.Series([1.0, 2.0, 1.5])).tolist()
['1', '2', '1.5']
>>> customer_ids(pd.Series([" 00123", "123.0", "-4.00"])).tolist()
['00123', '123', '-4']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError

__all__ = ["ParsedCustomerIds", "customer_ids", "parse_customer_ids"]

_FLOAT_ID = r"^[+-]?\d+\.0*$"
_EXACT_INT_LIMIT = 2.0**63


@dataclass(frozen=True)
class ParsedCustomerIds:
    """Customer ids normalised by the rule of this module, with what the rule changed.

    Attributes
    ----------
    ids : pandas.Series
        The ids as strings (``""`` where missing).
    missing : pandas.Series
        Bool: the id is missing or empty.
    normalised : pandas.Series
        Bool: the id was changed (a whole-number float written as an integer, or spaces
        stripped).
    """

    ids: pd.Series
    missing: pd.Series
    normalised: pd.Series

    def summary(self) -> pd.DataFrame:
        """Count of ids per outcome (``outcome``, ``rows``).

        Returns
        -------
        pandas.DataFrame
        """
        rows = [
            ("kept", int((~self.missing & ~self.normalised).sum())),
            ("normalised", int(self.normalised.sum())),
            ("missing", int(self.missing.sum())),
        ]
        return pd.DataFrame(rows, columns=["outcome", "rows"])


def parse_customer_ids(values: pd.Series) -> ParsedCustomerIds:
    """Normalise a column of customer ids and flag the missing and the changed ones.

    Parameters
    ----------
    values : pandas.Series
        Ids of any dtype (strings, integers, floats, booleans).

    Returns
    -------
    ParsedCustomerIds

    Examples
    --------
    >>> import pandas as pd
    >>> parsed = parse_customer_ids(pd.Series([7.0, None, "8"], dtype=object))
    >>> parsed.ids.tolist(), parsed.missing.tolist(), parsed.normalised.tolist()
    (['7', '', '8'], [False, True, False], [True, False, False])
    """
    index = values.index
    none = pd.Series(False, index=index)
    missing = values.isna()
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        if pd.api.types.is_integer_dtype(values.dtype):
            values = values.astype("Int64")
        text = values.astype(object).where(~missing, "").astype(str)
        return ParsedCustomerIds(ids=text, missing=missing, normalised=none)
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.astype("float64")
        finite = numbers.notna() & np.isfinite(numbers)
        whole = finite & (numbers == np.floor(numbers))
        small = whole & (numbers.abs() < _EXACT_INT_LIMIT)
        text = pd.Series("", index=index, dtype=object)
        text[small] = numbers[small].astype("int64").astype(str)
        text[whole & ~small] = numbers[whole & ~small].map("{:.0f}".format)
        fractional = numbers.notna() & ~whole
        text[fractional] = numbers[fractional].astype(str)
        return ParsedCustomerIds(ids=text.astype(str), missing=missing, normalised=whole)
    if isinstance(values.dtype, pd.StringDtype):
        text = values.fillna("")  # already strings: no round trip through Python objects
    else:
        text = values.astype(object).where(~missing, "").astype(str)
    stripped = text.str.strip()
    float_like = stripped.str.contains(".", regex=False, na=False)
    if float_like.any():
        float_like &= stripped.str.match(_FLOAT_ID, na=False)
    cleaned = stripped
    if float_like.any():
        digits = stripped[float_like].str.replace(r"\.0*$", "", regex=True).str.lstrip("+")
        cleaned = stripped.where(~float_like, digits)
    missing = (missing | (cleaned == "")).astype(bool)
    normalised = (~missing & (cleaned != text)).astype(bool)
    return ParsedCustomerIds(ids=cleaned.astype(str), missing=missing, normalised=normalised)


@overload
def customer_ids(values: pd.Index, *, name: str = ...) -> pd.Index: ...
@overload
def customer_ids(values: pd.Series | Sequence[object], *, name: str = ...) -> pd.Series: ...
def customer_ids(
    values: pd.Series | pd.Index | Sequence[object], *, name: str = "customer_id"
) -> pd.Series | pd.Index:
    """Return customer ids normalised by the rule of this module; a missing id is an error.

    Parameters
    ----------
    values : pandas.Series, pandas.Index or sequence
        The ids (a column, or the index of a Series keyed by customer).
    name : str, default "customer_id"
        Where the ids are (a column or parameter name), used in the error message.

    Returns
    -------
    pandas.Series or pandas.Index
        Strings, with the index (or the name) of ``values``; an Index for an Index.

    Raises
    ------
    loyaltylab.errors.DataValidationError
        If an id is missing or empty (the message gives the count and example positions).

    Examples
    --------
    >>> import pandas as pd
    >>> customer_ids(pd.Index([1.0, 2.0], name="customer_id")).tolist()
    ['1', '2']
    """
    if isinstance(values, pd.Index):
        series = pd.Series(values.to_numpy(), dtype=values.dtype)
    elif isinstance(values, pd.Series):
        series = values
    else:
        series = pd.Series(list(values), dtype=object)
    parsed = parse_customer_ids(series)
    if parsed.missing.any():
        positions = np.flatnonzero(parsed.missing.to_numpy())
        labels = list(series.index[positions[:5]])
        raise DataValidationError(
            f"{name}: {len(positions)} of {len(series)} customer id(s) are missing or empty, "
            f"e.g. at rows {labels}; drop those rows or load the data with "
            "loyaltylab.data (invalid='drop')"
        )
    if isinstance(values, pd.Index):
        index: pd.Index = pd.Index(parsed.ids.to_numpy(), dtype=parsed.ids.dtype, name=values.name)
        return index
    return parsed.ids
