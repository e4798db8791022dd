"""Pieces every report's opening answer uses: the data-quality line and plain trend words.

Each report module (``customers``, ``experiment``, ``scorecard``, ``clv_answer``,
``rewards_answer``) writes its three to five answer sentences from its results; the notebook shows
them first with :func:`loyaltylab.display.show_answer`, the data-quality line underneath and the
data-quality tables in an appendix.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from loyaltylab.display import format_money, format_number, format_percent

__all__ = ["change_words", "money", "quality_line"]


def quality_line(loaded: Any, what: str = "rows") -> str:
    """Return one line on what loading changed: rows read, loaded, removed and why.

    Parameters
    ----------
    loaded : object
        A loader's result with ``rows_read``, ``quality`` (columns ``check``, ``rows`` and
        optionally ``reason``/``action``) and the loaded frame as ``transactions`` or ``frame``.
    what : str, default "rows"
        What a row is (``"rows"``, ``"customers"``).

    Returns
    -------
    str

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> q = pd.DataFrame({"check": ["duplicate_rows", "amount_missing"], "rows": [12, 0],
    ...                   "action": ["dropped", "dropped"]})
    >>> print(quality_line(SimpleNamespace(rows_read=1000, quality=q, transactions=range(988))))
    ... # doctest: +NORMALIZE_WHITESPACE
    1,000 rows read, 988 used (12 removed); the checks found duplicate rows 12 (dropped);
    details in the appendix.
    """
    frame = getattr(loaded, "transactions", None)
    if frame is None:
        frame = getattr(loaded, "frame", None)
    used = len(frame) if frame is not None else None
    read = getattr(loaded, "rows_read", None)
    quality = getattr(loaded, "quality", None)
    parts: list[str] = []
    if isinstance(quality, pd.DataFrame) and {"check", "rows"} <= set(quality.columns):
        hits = quality[pd.to_numeric(quality["rows"], errors="coerce").fillna(0) > 0]
        for _, row in hits.iterrows():
            action = f" ({row['action']})" if "action" in hits and pd.notna(row["action"]) else ""
            parts.append(f"{str(row['check']).replace('_', ' ')} {int(row['rows']):,}{action}")
    head = f"{read:,} {what} read" if isinstance(read, int) else f"the {what}"
    if used is not None:
        head += f", {used:,} used"
    if isinstance(read, int) and used is not None:
        head += f" ({read - used:,} removed)"
    if parts:
        return f"{head}; the checks found {'; '.join(parts)}; details in the appendix."
    return f"{head}; no row removed or changed by the checks (table in the appendix)."


def change_words(first: float, last: float, *, share: bool = False) -> str:
    """Describe a change in plain words: ``'fell 82.2 % from 1,290 to 229'``.

    Parameters
    ----------
    first, last : float
        The earlier and the later value.
    share : bool, default False
        Values are shares (then the change is in percentage points).

    Examples
    --------
    >>> change_words(1290, 229)
    'fell 82.2 % from 1,290 to 229'
    >>> change_words(0.20, 0.25, share=True)
    'rose 5.0 points from 20.0 % to 25.0 %'
    >>> change_words(10, 10)
    'stayed at 10'
    """
    if not (math.isfinite(first) and math.isfinite(last)):
        return "cannot be compared (a value is missing)"
    show = format_percent if share else format_number
    if first == last:
        return f"stayed at {show(last)}"
    verb = "rose" if last > first else "fell"
    if share:
        size = f"{abs(last - first) * 100:.1f} points"
    elif first != 0:
        size = f"{abs(last / first - 1) * 100:.1f} %"
    else:
        return f"{verb} from 0 to {show(last)}"
    return f"{verb} {size} from {show(first)} to {show(last)}"


def money(value: float, currency: str | None = None) -> str:
    """Return an amount for a sentence, in the run's currency (see :func:`format_money`).

    Examples
    --------
    >>> money(75123.4, "$")
    '$75,123'
    """
    return format_money(value, currency)
