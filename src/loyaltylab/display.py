"""How tables read in the reports: numbers a manager can scan, not ``1.733886e-01``.

The report notebooks call :func:`use_report_display` once after their imports; it only changes
pandas display options of the running kernel (values in frames and metrics are untouched).
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_number", "use_report_display"]


def format_number(value: float) -> str:
    """Format a float for a report table with about four significant digits.

    Values from 1,000 up get thousands separators and no decimals (so ``3,000`` never reads as
    three million), values from 1 up three decimals,
    small values (p-values, rates) four decimals, and tiny values scientific notation.

    Parameters
    ----------
    value : float
        The number.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(x) for x in (244091.94, 3000.0, 35.2863, 0.1733886, 5.27e-11, 0.0)]
    ['244,092', '3,000', '35.286', '0.1734', '5.3e-11', '0']
    """
    if value is None or not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1e3:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:.3f}"
    if size >= 1e-4:
        return f"{value:.4f}"
    return f"{value:.1e}"


def use_report_display(max_columns: int = 40, max_rows: int = 60) -> None:
    """Set pandas display options for stakeholder reports.

    Parameters
    ----------
    max_columns : int, default 40
        Columns shown before pandas elides the middle ones.
    max_rows : int, default 60
        Rows shown before pandas elides the middle ones.
    """
    pd.set_option("display.float_format", format_number)
    pd.set_option("display.max_columns", max_columns)
    pd.set_option("display.max_rows", max_rows)
    pd.set_option("display.width", 200)
