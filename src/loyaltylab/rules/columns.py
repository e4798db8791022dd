"""The column-mapping rule: ``columns`` maps a canonical name to the data's own column.

Every place a user maps their column names - :func:`loyaltylab.data.load_transactions`,
the member and ledger loaders, a notebook's ``columns`` parameter, a ``data:`` source in
``reports.yaml`` - reads the mapping one way, **canonical name -> your column**
(``{"customer_id": "cust", "timestamp": "ts"}``), and checks it with :func:`column_mapping`:

- the mapping is a mapping of non-empty text to non-empty text;
- every key is a canonical name (or starts with an allowed prefix such as ``points_``);
- no source column serves two canonical names - counting the names a column serves by default
  too (an unmapped ``customer_id`` is read from a column called ``customer_id``). One column
  for two names would, for instance, sum the customer ids as revenue.

A mapping that breaks the rule is one :class:`ColumnMappingError` (a
:class:`~loyaltylab.errors.ParameterError`) naming the parameter as the caller says it
(``parameter 'columns'``, ``data.shop.columns``), each problem and the fix.

Examples
--------
>>> column_mapping({"customer_id": "cust"}, canonical=["customer_id", "amount"])
{'customer_id': 'cust'}
>>> column_mapping({"customer_id": "cust"}, canonical=["customer_id", "amount"],
...                available=["cust", "amount", "note"])
{'customer_id': 'cust', 'amount': 'amount'}
>>> column_mapping({"customer_id": "cust", "amount": "cust"}, canonical=["customer_id", "amount"])
Traceback (most recent call last):
...
loyaltylab.rules.columns.ColumnMappingError: parameter 'columns': one source column serves \
several canonical names (['customer_id', 'amount'] -> 'cust'); map each canonical name to its \
own column
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from loyaltylab.errors import ParameterError

__all__ = ["ColumnMappingError", "column_mapping"]


class ColumnMappingError(ParameterError):
    """A column mapping breaks the rule; :attr:`problems` lists each problem without the place.

    Parameters
    ----------
    problems : sequence of str
        Each problem, e.g. ``"one source column serves several canonical names (...)"``.
    parameter : str
        Where the mapping was given, as the user says it (``"parameter 'columns'"``).
    context : str, optional
        Text appended to the message (e.g. ``" in orders.csv (it has ['a', 'b'])"``).

    Attributes
    ----------
    problems : tuple of str
    parameter : str
    """

    def __init__(self, problems: Sequence[str], parameter: str, context: str = "") -> None:
        self.problems = tuple(problems)
        self.parameter = parameter
        super().__init__(f"{parameter}: {'; '.join(self.problems)}{context}")


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def column_mapping(
    columns: Mapping[str, str] | None,
    *,
    canonical: Sequence[str] | None = None,
    prefixes: Sequence[str] = (),
    available: Sequence[Hashable] | None = None,
    implied: Sequence[str] | None = None,
    parameter: str = "parameter 'columns'",
    context: str = "",
) -> dict[str, str]:
    """Check a canonical -> source column mapping and return it complete.

    Parameters
    ----------
    columns : mapping or None
        Canonical name -> the data's column, as the user gave it (``None``: no mapping).
    canonical : sequence of str, optional
        The canonical names a key may be; ``None`` accepts any name.
    prefixes : sequence of str, optional
        Key prefixes accepted besides ``canonical`` (``("points_",)``). With ``available``,
        a source column starting with one, and not mapped otherwise, maps to itself.
    available : sequence, optional
        The source's columns. When given, every name of ``implied`` that is not mapped but
        has a column of its own name maps to it, and counts in the one-column-per-name check.
        A mapped column missing from the source is left to the caller (each loader words it).
    implied : sequence of str, optional
        The names read from a same-named column by default (default: ``canonical``).
    parameter : str, default "parameter 'columns'"
        Where the mapping was given, as the user says it; starts the error message.
    context : str, optional
        Text appended to the error message (the source's name and columns).

    Returns
    -------
    dict of str to str
        Canonical name -> source column: the names of ``canonical`` first (in its order), then
        the prefixed names; stripped of surrounding spaces.

    Raises
    ------
    ColumnMappingError
        ``columns`` is not a mapping of text to text, names an unknown canonical name, or one
        source column serves several canonical names.

    Examples
    --------
    >>> column_mapping({"basket": "order"}, canonical=["customer_id", "order_id"])
    Traceback (most recent call last):
    ...
    loyaltylab.rules.columns.ColumnMappingError: parameter 'columns': unknown canonical names \
['basket']; canonical names are ['customer_id', 'order_id']
    """
    if columns is None:
        columns = {}
    if not isinstance(columns, Mapping):
        raise ColumnMappingError(
            [
                "must be a mapping of canonical name -> your column, e.g. "
                f"{{customer_id: cust}}, got {type(columns).__name__}"
            ],
            parameter,
            context,
        )
    user: dict[str, str] = {}
    blank = []
    for key, value in columns.items():
        name, source = _text(key), _text(value)
        if name is None or source is None:
            blank.append(f"{key!r}: {value!r}")
        else:
            user[name] = source
    if blank:
        raise ColumnMappingError(
            [
                f"{len(blank)} entries without a name {blank[:5]}; map each canonical name to "
                "the name of your column, both non-empty text"
            ],
            parameter,
            context,
        )
    known = list(canonical) if canonical is not None else None
    if known is not None:
        unknown = [
            key
            for key in user
            if key not in known and not any(key.startswith(prefix) for prefix in prefixes)
        ]
        if unknown:
            extra = f" and {', '.join(p + '*' for p in prefixes)}" if prefixes else ""
            raise ColumnMappingError(
                [f"unknown canonical names {unknown}; canonical names are {known}{extra}"],
                parameter,
                context,
            )
    mapping = _complete(user, known, prefixes, available, implied)
    served: dict[Hashable, list[str]] = {}
    for name, source in mapping.items():
        served.setdefault(source, []).append(name)
    clashes = {source: names for source, names in served.items() if len(names) > 1}
    if clashes:
        listed = "; ".join(f"{names} -> {source!r}" for source, names in clashes.items())
        raise ColumnMappingError(
            [
                f"one source column serves several canonical names ({listed}); map each "
                "canonical name to its own column"
            ],
            parameter,
            context,
        )
    return mapping


def _complete(
    user: dict[str, str],
    known: list[str] | None,
    prefixes: Sequence[str],
    available: Sequence[Hashable] | None,
    implied: Sequence[str] | None,
) -> dict[str, str]:
    """Return the user's entries plus the names read from same-named columns."""
    defaults = list(implied) if implied is not None else (known or [])
    present = set(available) if available is not None else set()
    mapping: dict[str, str] = {}
    for name in [*(known or []), *defaults]:
        if name in user:
            mapping[name] = user[name]
        elif name in defaults and name in present:
            mapping[name] = name
    for name, source in user.items():
        mapping.setdefault(name, source)
    if available is not None and prefixes:
        used = set(mapping.values())
        for column in available:
            if (
                isinstance(column, str)
                and any(column.startswith(prefix) for prefix in prefixes)
                and column not in mapping
                and column not in used
            ):
                mapping[column] = column
    return mapping
