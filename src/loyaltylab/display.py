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
    _show_missing_as_dash(max_columns, max_rows)


MISSING = "–"
"""How a report table shows a missing value (not ``NaN`` or ``None``)."""


def table_html(frame: pd.DataFrame, max_columns: int = 40, max_rows: int = 60) -> str:
    """Render a table for a report: readable numbers, missing values as a dash.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    max_columns, max_rows : int
        Columns and rows shown before the middle ones are elided.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> "NaN" in table_html(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x", None]}))
    False
    """
    return frame.to_html(
        na_rep=MISSING,
        float_format=format_number,
        max_cols=max_columns,
        max_rows=max_rows,
        notebook=True,
        border=0,
        classes="dataframe",
    )


def _show_missing_as_dash(max_columns: int, max_rows: int) -> None:
    """Register :func:`table_html` as the HTML of every DataFrame shown in the kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(
        pd.DataFrame,
        lambda frame: table_html(frame, max_columns=max_columns, max_rows=max_rows),
    )
