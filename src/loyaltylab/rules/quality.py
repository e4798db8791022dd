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
``rows_removed``
    Rows the check took out of the data (0 for a check that only changes or flags rows).
``amount_removed``
    Money (or points) the check took out: the amount of the rows it removed, plus what it
    subtracted from rows it kept (netting a return moves its amount into the purchase it
    returns, so it removes nothing on balance).

The table **adds up**: rows read = rows loaded + the sum of ``rows_removed``, and the amount
read = the amount loaded + the sum of ``amount_removed`` (:meth:`QualityLog.reconcile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EXAMPLE_ROWS", "QUALITY_COLUMNS", "QualityLog", "examples"]

QUALITY_COLUMNS: tuple[str, ...] = (
    "check",
    "reason",
    "column",
    "rows",
    "amount",
    "action",
    "rows_removed",
    "amount_removed",
)
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
        *,
        removes: bool = False,
        rows_removed: int | None = None,
        amount_removed: float | None = None,
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
        removes : bool, default False
            The affected rows were removed: ``rows_removed`` and ``amount_removed`` default to
            ``rows`` and ``amount`` (else to 0).
        rows_removed : int, optional
            Rows removed, when not all or none of the affected rows were.
        amount_removed : float, optional
            Money taken out, when it differs from the affected rows' amount (e.g. netting).
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
                    "rows_removed": 0,
                    "amount_removed": 0.0,
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
                "rows_removed": (count if removes else 0) if rows_removed is None else rows_removed,
                "amount_removed": (total if removes else 0.0)
                if amount_removed is None
                else float(amount_removed),
            }
        )

    def frame(self) -> pd.DataFrame:
        """Return the data-quality table (columns :data:`QUALITY_COLUMNS`).

        Returns
        -------
        pandas.DataFrame
        """
        table = pd.DataFrame(self._rows, columns=list(QUALITY_COLUMNS))
        return table.astype(
            {
                "rows": "int64",
                "amount": "float64",
                "rows_removed": "int64",
                "amount_removed": "float64",
            }
        )

    @staticmethod
    def reconcile(
        quality: pd.DataFrame,
        rows_read: int,
        rows_loaded: int,
        amount_read: float,
        amount_loaded: float,
    ) -> pd.DataFrame:
        """Return how rows and money get from the source to the loaded frame, check by check.

        Parameters
        ----------
        quality : pandas.DataFrame
            A data-quality table (:meth:`frame`).
        rows_read, rows_loaded : int
            Rows in the source and in the loaded frame.
        amount_read, amount_loaded : float
            Money in the source (valid amounts) and in the loaded frame.

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``rows``, ``amount``: ``read``, one line per check that removed
            something (as negative numbers), ``loaded``, and ``unexplained`` (0 and 0.0 when
            the table adds up; money compared to a relative 1e-9).

        Examples
        --------
        >>> import pandas as pd
        >>> log = QualityLog()
        >>> amounts = pd.Series([10.0, -2.0, 5.0])
        >>> log.add("returns", "negative", "amount", amounts < 0, "dropped", amounts, removes=True)
        >>> QualityLog.reconcile(log.frame(), 3, 2, 13.0, 15.0)
                  step  rows  amount
        0         read     3    13.0
        1      returns    -1     2.0
        2       loaded     2    15.0
        3  unexplained     0     0.0
        """
        removing = quality.loc[(quality["rows_removed"] != 0) | (quality["amount_removed"] != 0)]
        lines = [("read", int(rows_read), float(amount_read))]
        lines += [
            (str(check), -int(rows), -float(amount))
            for check, rows, amount in zip(
                removing["check"], removing["rows_removed"], removing["amount_removed"], strict=True
            )
        ]
        lines.append(("loaded", int(rows_loaded), float(amount_loaded)))
        rows_gap = int(rows_read) - int(quality["rows_removed"].sum()) - int(rows_loaded)
        money_gap = float(amount_read) - float(quality["amount_removed"].sum()) - amount_loaded
        scale = max(abs(float(amount_read)), abs(float(amount_loaded)), 1.0)
        if abs(money_gap) <= 1e-9 * scale:
            money_gap = 0.0
        lines.append(("unexplained", rows_gap, money_gap))
        return pd.DataFrame(lines, columns=["step", "rows", "amount"])

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
