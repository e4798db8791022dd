"""The one rule for customer ids, used by every loader and every table keyed by customer.

Customer ids are **strings**, normalised the same way wherever they come from, so that tables of
the same customers always join (transactions, members, the points ledger, KPI and CLV tables):

* whitespace around an id is stripped; leading zeros are kept (``"00123"`` stays ``"00123"``);
* an id written as a whole-number float - from a float column (``123.0``) or as text
  (``"123.0"``, a CSV written from a float column) - becomes ``"123"``; integers become their
  digits (``123`` -> ``"123"``); a numeric-id file and a string-id file give identical ids;
* a **non-integral float** (``1.5``) is not a whole number, so it is kept as it reads
  (``"1.5"``), the same id as the text ``"1.5"``; it is not rounded or refused;
* a **missing** id (``None``, ``NaN``, ``""``, only spaces, or one of the NA-like tokens of
  :data:`NA_ID_TOKENS` such as ``"NA"``, ``"null"``, ``"None"``, ``"#N/A"`` that R, SQL and
  spreadsheet exports write for "no value", compared without case) has no string: it is flagged
  in :attr:`ParsedCustomerIds.missing` (its slot holds ``""``) for the loader's policy to refuse
  or drop, and :func:`customer_ids` refuses it. Every loader uses the same token list; its
  ``na_ids`` option replaces it (``na_ids=[]`` keeps such tokens as ids);
* a float id that a float cannot hold exactly (magnitude above 2**53, e.g. a 19-digit id read
  as a number) is **inexact**: digits were already lost when it became a float, so two customers
  may share one value. It is flagged in :attr:`ParsedCustomerIds.inexact` and never cast through
  an integer type; the loaders refuse it and ask for the ids to be stored (or read) as text.

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

from loyaltylab.errors import DataValidationError, ParameterError

__all__ = [
    "NA_ID_TOKENS",
    "ParsedCustomerIds",
    "customer_ids",
    "inexact_id_problem",
    "na_id_tokens",
    "parse_customer_ids",
]

_FLOAT_ID = r"^[+-]?\d+\.0*$"
#: Largest magnitude up to which every whole number is exactly a float64 (2**53).
_EXACT_FLOAT_LIMIT = 2.0**53
#: Text that means "no id" in common exports (R, SQL, spreadsheets, pandas); compared without case.
NA_ID_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A", "-")


def na_id_tokens(tokens: Sequence[str] | str | None = None, name: str = "na_ids") -> frozenset[str]:
    """Return the NA-like id tokens to use, lower-cased (``None`` = :data:`NA_ID_TOKENS`).

    Parameters
    ----------
    tokens : sequence of str, a single str, or None
        The tokens a loader's ``na_ids`` option gives; ``""`` (empty) is always missing.
    name : str, default "na_ids"
        The option name, for the error message.

    Returns
    -------
    frozenset of str

    Raises
    ------
    loyaltylab.errors.ParameterError
        If a token is not text.

    Examples
    --------
    >>> sorted(na_id_tokens(["NA", "unknown"]))
    ['', 'na', 'unknown']
    """
    if tokens is None:
        tokens = NA_ID_TOKENS
    if isinstance(tokens, str):
        tokens = [tokens]
    bad = [token for token in tokens if not isinstance(token, str)]
    if bad:
        raise ParameterError(
            f"option {name!r} must be a list of texts (e.g. ['NA', 'null']), got {bad[:5]}"
        )
    return frozenset({"", *(token.strip().lower() for token in tokens)})


def inexact_id_problem(count: int) -> str:
    """Return the reason text for float ids above 2**53, as errors and tables say it."""
    return (
        f"{count} customer id(s) are floats above 2**53 (e.g. 19-digit ids read as numbers): "
        "a float cannot hold them exactly, so different customers may have become one id; "
        "store the ids as text (quote them in the CSV, a string column in Parquet) or read "
        "the column as text"
    )


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
    inexact: pd.Series | None = None

    @property
    def inexact_mask(self) -> pd.Series:
        """:attr:`inexact`, or all false when it was not computed."""
        if self.inexact is None:
            return pd.Series(False, index=self.ids.index)
        return self.inexact

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
        if self.inexact_mask.any():
            rows.append(("inexact (float above 2**53)", int(self.inexact_mask.sum())))
        return pd.DataFrame(rows, columns=["outcome", "rows"])


def parse_customer_ids(
    values: pd.Series, *, na_ids: Sequence[str] | str | None = None
) -> ParsedCustomerIds:
    """Normalise a column of customer ids and flag the missing, changed and inexact ones.

    Parameters
    ----------
    values : pandas.Series
        Ids of any dtype (strings, integers, floats, booleans).
    na_ids : sequence of str, optional
        Text that means "no id" (compared without case, spaces stripped); default
        :data:`NA_ID_TOKENS`. An empty list still treats ``""`` as missing.

    Returns
    -------
    ParsedCustomerIds

    Examples
    --------
    >>> import pandas as pd
    >>> parsed = parse_customer_ids(pd.Series([7.0, None, "8"], dtype=object))
    >>> parsed.ids.tolist(), parsed.missing.tolist(), parsed.normalised.tolist()
    (['7', '', '8'], [False, True, False], [True, False, False])
    >>> parse_customer_ids(pd.Series(["NA", " null ", "N/A", "9"])).missing.tolist()
    [True, True, True, False]
    >>> parse_customer_ids(pd.Series([2.0**63, 12.0])).inexact.tolist()
    [True, False]
    """
    tokens = na_id_tokens(na_ids)
    index = values.index
    none = pd.Series(False, index=index)
    missing = values.isna()
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        if pd.api.types.is_integer_dtype(values.dtype):
            values = values.astype("Int64")
        text = values.astype(object).where(~missing, "").astype(str)
        return ParsedCustomerIds(ids=text, missing=missing, normalised=none, inexact=none)
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.astype("float64")
        finite = numbers.notna() & np.isfinite(numbers)
        whole = finite & (numbers == np.floor(numbers))
        exact = whole & (numbers.abs() <= _EXACT_FLOAT_LIMIT)
        inexact = (finite & (numbers.abs() > _EXACT_FLOAT_LIMIT)).astype(bool)
        text = pd.Series("", index=index, dtype=object)
        text[exact] = numbers[exact].astype("int64").astype(str)
        # inexact: written without an integer cast (which overflows at 2**63); refused by loaders
        text[inexact] = numbers[inexact].map("{:.0f}".format)
        fractional = finite & ~whole
        text[fractional] = numbers[fractional].astype(str)
        missing = (missing | (numbers.notna() & ~finite)).astype(bool)
        return ParsedCustomerIds(
            ids=text.astype(str), missing=missing, normalised=exact, inexact=inexact
        )
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
    missing = (missing | cleaned.str.lower().isin(tokens)).astype(bool)
    cleaned = cleaned.where(~missing, "")
    normalised = (~missing & (cleaned != text)).astype(bool)
    return ParsedCustomerIds(
        ids=cleaned.astype(str), missing=missing, normalised=normalised, inexact=none
    )


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
    if parsed.inexact_mask.any():
        positions = np.flatnonzero(parsed.inexact_mask.to_numpy())
        labels = list(series.index[positions[:5]])
        raise DataValidationError(
            f"{name}: {inexact_id_problem(len(positions))}; e.g. at rows {labels}"
        )
    if isinstance(values, pd.Index):
        index: pd.Index = pd.Index(parsed.ids.to_numpy(), dtype=parsed.ids.dtype, name=values.name)
        return index
    return parsed.ids
