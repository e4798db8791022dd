"""Optional data-source parameters of the notebooks, read the same way by every notebook.

The customers (01) and scorecard (05) notebooks take the loyalty-program tables ``members`` and
``ledger`` as a pair: both empty (no program data, the program KPIs are left out) or both given.
:func:`optional_source` reads one such parameter and refuses half a pair with one clear error.
"""

from __future__ import annotations

from typing import Any

from loyaltylab.errors import ParameterError

__all__ = ["optional_source"]


def optional_source(value: Any, name: str, *, pair: Any = None, pair_name: str = "") -> str:
    """Validate an optional data-source parameter that only makes sense with its pair.

    The customers notebook takes ``members`` and ``ledger`` together: both empty (no program
    data) or both given.

    Parameters
    ----------
    value : Any
        The parameter: ``""``/``None`` (not given), a data set name or a path.
    name : str
        Its name, for the error message.
    pair : Any, optional
        The value of the parameter it needs beside it.
    pair_name : str, optional
        That parameter's name; empty for a parameter without a pair.

    Returns
    -------
    str
        The stripped value, ``""`` when not given.

    Raises
    ------
    ParameterError
        ``value`` is neither text nor empty, or only one of the pair is given.

    Examples
    --------
    >>> optional_source(" synthetic_loyalty ", "members", pair="x.csv", pair_name="ledger")
    'synthetic_loyalty'
    >>> optional_source("", "members", pair="", pair_name="ledger")
    ''
    """
    if value is not None and not isinstance(value, str):
        raise ParameterError(f"parameter {name!r} must be a data set name or a path, got {value!r}")
    text = (value or "").strip()
    partner = pair.strip() if isinstance(pair, str) else ("" if pair is None else str(pair))
    if pair_name and bool(text) != bool(partner):
        given, missing = (name, pair_name) if text else (pair_name, name)
        raise ParameterError(
            f"parameter {given!r} is given but {missing!r} is empty: program KPIs need both "
            "the members and the ledger (or neither)"
        )
    return text
