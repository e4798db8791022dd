"""The data-quality log every loader fills, and the example rows every error message shows.

Every loader records each of its checks as one row of a data-quality table, also when the check
found nothing, so that a notebook can show what loading changed and nothing is dropped silently
(DESIGN.md "Contracts"). The table has the columns :data:`QUALITY_COLUMNS`:

``check``
    A stable name (``"duplicate_rows"``).
``reason``
    What the check looks for, in words.
``column``
    The canonical column concerned (or ``"all columns"``).
``rows``
    Rows the check affected.
``amount``
    Sum of the amounts (transactions) or signed points (ledger) of those rows; 0 if unknown.
``action``
    What was done; ``"none found"`` when no row was affected, ``"not checked ..."`` when the
    check could not run (e.g. no ``observation_end`` given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EXAMPLE_ROWS", "QUALITY_COLUMNS", "QualityLog", "examples"]

QUALITY_COLUMNS: tuple[str, ...] = ("check", "reason", "column", "rows", "amount", "action")
#: How many example rows an error message shows.
EXAMPLE_ROWS = 5


class QualityLog:
    """Collects the rows of a data-quality table, one per check (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> log = QualityLog()
    >>> amounts = pd.Series([10.0, -2.0, 5.0])
    >>> log.add("returns", "negative amount", "amount", amounts < 0, "dropped", amounts)
    >>> log.add("after_end", "after observation_end", "timestamp")
    >>> log.frame()[["check", "rows", "amount", "action"]]
           check  rows  amount       action
    0    returns     1    -2.0      dropped
    1  after_end     0     0.0  not checked
    """

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def add(
        self,
        check: str,
        reason: str,
        column: str,
        mask: pd.Series | np.ndarray | None = None,
        action: str = "",
        amount: pd.Series | np.ndarray | None = None,
    ) -> None:
        """Record one check.

        Parameters
        ----------
        check, reason, column : str
            The check's name, what it looks for, and the canonical column concerned.
        mask : pandas.Series or numpy.ndarray of bool, optional
            The rows the check affected; ``None`` records the check as not run (0 rows,
            action ``action`` or ``"not checked"``).
        action : str, default ""
            What was done with the affected rows; shown as ``"none found"`` when there are
            none (unless it starts with ``"not checked"``).
        amount : pandas.Series or numpy.ndarray, optional
            The amounts (or points) of all rows, aligned with ``mask``; the row's ``amount`` is
            the sum over the affected rows, missing values skipped (0 without ``amount``).
        """
        if mask is None:
            self._rows.append(
                {
                    "check": check,
                    "reason": reason,
                    "column": column,
                    "rows": 0,
                    "amount": 0.0,
                    "action": action or "not checked",
                }
            )
            return
        if (
            isinstance(mask, pd.Series)
            and isinstance(amount, pd.Series)
            and not mask.index.equals(amount.index)
        ):
            amount = amount.reindex(mask.index)
        flags = np.asarray(mask, dtype=bool)
        count = int(flags.sum())
        total = 0.0
        if count and amount is not None:
            total = float(np.nansum(np.asarray(amount, dtype="float64")[flags]))
        if count:
            shown = action
        else:
            shown = action if action.startswith("not checked") else "none found"
        self._rows.append(
            {
                "check": check,
                "reason": reason,
                "column": column,
                "rows": count,
                "amount": total,
                "action": shown,
            }
        )

    def frame(self) -> pd.DataFrame:
        """Return the data-quality table (columns :data:`QUALITY_COLUMNS`).

        Returns
        -------
        pandas.DataFrame
        """
        table = pd.DataFrame(self._rows, columns=list(QUALITY_COLUMNS))
        return table.astype({"rows": "int64", "amount": "float64"})

    def summary(self) -> pd.DataFrame:
        """Return the data-quality table; same as :meth:`frame`.

        Returns
        -------
        pandas.DataFrame
        """
        return self.frame()


def examples(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray | Sequence[bool],
    columns: Sequence[str] | None = None,
    limit: int = EXAMPLE_ROWS,
) -> str:
    """Return the first ``limit`` rows flagged by ``mask`` as text, for an error message.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table the rows come from; their index labels are shown so they can be found.
    mask : array-like of bool
        Which rows have the problem (positional, one per row of ``frame``).
    columns : sequence of str, optional
        The columns to show, in this order (duplicates and absent ones skipped); default all.
    limit : int, default 5
        At most this many rows.

    Returns
    -------
    str
        A small table (long cells cut at 30 characters), or ``"(no rows)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [1.0, None, None]})
    >>> print(examples(frame, frame["amount"].isna(), ["customer_id", "amount"]))
      customer_id  amount
    1           b     NaN
    2           c     NaN
    """
    flags = np.asarray(mask, dtype=bool)
    rows = frame.loc[flags] if len(flags) else frame.iloc[:0]
    if columns is not None:
        rows = rows[[c for c in dict.fromkeys(columns) if c in rows.columns]]
    if rows.empty:
        return "(no rows)"
    return rows.head(limit).to_string(max_colwidth=30)
