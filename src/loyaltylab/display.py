"""How numbers and tables read in the reports: a manager scans them, nobody decodes them.

The report notebooks call :func:`use_report_display` once after their imports. It registers
:func:`table_html` as the HTML of every :class:`pandas.DataFrame` (and Series) the kernel shows, so
every report gets the same presentation without formatting its own tables:

* **column kinds by name** (:func:`column_kind`): ``p_value`` / ``*_p_value`` read ``< 0.001``;
  probabilities (``p_alive``, ``*_probability``, ``chance_*``) read as percentages capped at
  ``> 99 %`` / ``< 1 %``; shares and rates (``*_share``, ``*_rate``, ``progress``, ``relative*``,
  ``lift``, ...) as ``23.9 %``; money (``revenue``, ``clv``, ``profit``, ``cost``, ``aov``, ...)
  with the one currency of the run (``settings.currency`` of ``reports.yaml``, which the runner
  hands to every kernel); counts with thousands separators; any other number with three
  significant digits (``496`` never reads ``496.000`` next to ``1,068``);
* **plain-language column labels** (:func:`label`: ``p_alive`` -> ``P(alive)``, ``ci_low`` -> ``CI
  low``) and a line of the :data:`GLOSSARY` terms the table uses;
* **no index column** (a default index is dropped, a named one becomes a column), ``yes``/``no``
  for booleans, ``n/a`` for a missing value with the reason underneath (``frame.attrs["na_reason"]``
  may say why per column), wide tables scroll sideways inside the page.

Values in frames and metrics are untouched: only what the kernel *shows* changes.
:func:`show_answer` renders the box every report opens with.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "CURRENCY_ENV",
    "GLOSSARY",
    "MISSING",
    "answer_html",
    "column_kind",
    "format_number",
    "format_percent",
    "format_probability",
    "format_p_value",
    "format_money",
    "format_by_unit",
    "format_value",
    "label",
    "report_currency",
    "show_answer",
    "table_html",
    "use_report_display",
]

Kind = Literal["p_value", "probability", "share", "money", "count", "number", "text"]

CURRENCY_ENV = "LOYALTYLAB_CURRENCY"
"""Environment variable through which the runner hands ``settings.currency`` to each kernel."""

MISSING = "n/a"
"""How a report table shows a missing value (never ``NaN`` or ``None``)."""

GLOSSARY: Mapping[str, str] = {
    "P(alive)": "probability that a customer is still active (has not silently left)",
    "CLV": "customer lifetime value: the discounted margin or revenue a customer is expected to "
    "bring over the horizon",
    "AOV": "average order value: revenue divided by orders",
    "RFM": "recency, frequency, monetary value: a segmentation by how recently, how often and how "
    "much a customer bought",
    "CI": "confidence interval: the range the true value lies in with the stated confidence",
    "p-value": "chance of a difference at least this large if the offer had no effect; "
    "below 0.05 is usually called significant",
    "CUPED": "adjustment of an experiment's metric for the same metric before the campaign; "
    "narrows the interval without moving the estimate",
    "Qini": "extra outcome gained by targeting customers in the order a model ranks them, "
    "compared with targeting at random",
    "uplift": "how much the offer changes a customer's behaviour (treated minus untreated)",
    "log-likelihood": "how well a model explains the data; higher (closer to zero) is better, "
    "compare only fits on the same data",
    "breakage": "share of issued points that expire unredeemed",
    "SRM": "sample ratio mismatch: the arms' sizes differ from the designed split",
    "retention": "share of one period's buyers who buy again in the next period",
}
"""Terms a report uses, in plain words (the footnote of every table that uses one)."""

_TOKENS: Mapping[str, str] = {
    "clv": "CLV", "aov": "AOV", "rfm": "RFM", "ci": "CI", "srm": "SRM", "id": "ID",
    "se": "SE", "qini": "Qini", "cuped": "CUPED", "auuc": "AUUC", "ll": "log-likelihood",
    "loglik": "log-likelihood", "pct": "%", "kpi": "KPI", "kpis": "KPIs", "hc2": "HC2",
    "bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pnbd": "Pareto/NBD", "ggamma": "Gamma-Gamma",
    "n": "number of", "num": "number of", "avg": "average", "std": "standard deviation",
}
_LABELS: Mapping[str, str] = {
    "p_alive": "P(alive)", "p_value": "p-value", "p_adjusted": "adjusted p-value",
    "p_value_adjusted": "adjusted p-value", "log_likelihood": "log-likelihood",
    "n": "number", "n_customers": "customers", "n_orders": "orders",
}
_GLOSSARY_TRIGGERS: Mapping[str, tuple[str, ...]] = {
    "P(alive)": ("p(alive)",), "CLV": ("clv",), "AOV": ("aov",), "RFM": ("rfm",),
    "CI": ("ci ", "ci"), "p-value": ("p-value",), "CUPED": ("cuped",), "Qini": ("qini",),
    "uplift": ("uplift",), "log-likelihood": ("log-likelihood",), "breakage": ("breakage",),
    "SRM": ("srm",), "retention": ("retention",),
}

_P_VALUE = re.compile(r"(^|_)(p|p_?value|pvalue|p_adj(usted)?|p_value_adj(usted)?|adjusted_p)$")
_PROBABILITY = re.compile(
    r"(^p_alive$|^p_|probability|^prob_|_prob$|^chance|chance_to|_chance$|^prob$)"
)
_SHARE = re.compile(
    r"(_share$|^share|_rate$|^rate$|_pct$|^pct_|^progress$|relative|^lift$|_lift$|"
    r"variance_reduction|^breakage|^retention|^churn|^conversion|^redemption|_ratio_pct$)"
)
_NOT_SHARE = re.compile(r"(earn_rate|purchase_rate|transaction_rate|per_|_per_|frequency)")
_MONEY = re.compile(
    r"(^|_)(revenue|spend|spent|clv|profit|cost|costs|aov|monetary|amount|price|fee|sales|"
    r"liability|margin_value|value_per|net_value|incremental_value|expected_value)($|_)"
)
_COUNT = re.compile(
    r"(^n$|^n_|_n$|_count$|^count|customers$|orders$|members$|buyers$|purchases$|"
    r"transactions$|rows$|^size$|_size$|^week|^period_index|^rank$|^decile$)"
)


def report_currency() -> str:
    """Return the currency symbol of the run (``settings.currency``; ``""`` outside a run)."""
    if "currency" in _STATE:
        return _STATE["currency"]
    return os.environ.get(CURRENCY_ENV, "")


_STATE: dict[str, str] = {}
"""Settings of :func:`use_report_display` in this process (the currency given to it)."""


def column_kind(name: object, values: pd.Series | None = None) -> Kind:
    """Return the presentation kind of a column, from its name (and its dtype).

    Parameters
    ----------
    name : object
        Column name (``p_value``, ``repeat_share``, ``revenue``, ...).
    values : pandas.Series, optional
        The column; text and boolean columns are ``"text"`` whatever their name, and a share
        column whose values exceed 10 in size is taken as already in percent (``"number"``).

    Returns
    -------
    str
        One of ``p_value``, ``probability``, ``share``, ``money``, ``count``, ``number``,
        ``text``.

    Examples
    --------
    >>> [column_kind(n) for n in ("p_value", "p_alive", "repeat_share", "revenue", "n_orders",
    ...                           "log_likelihood", "earn_rate")]
    ['p_value', 'probability', 'share', 'money', 'count', 'number', 'number']
    """
    if values is not None and not (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    ):
        return "text"
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    kind: Kind
    if _P_VALUE.search(key):
        kind = "p_value"
    elif _PROBABILITY.search(key):
        kind = "probability"
    elif _SHARE.search(key) and not _NOT_SHARE.search(key):
        kind = "share"
    elif _MONEY.search(key):
        kind = "money"
    elif _COUNT.search(key):
        kind = "count"
    else:
        kind = "number"
    if values is not None and kind in ("share", "probability"):
        finite = pd.to_numeric(values, errors="coerce").abs()
        if finite.max(skipna=True) > 10:
            kind = "number"
    if values is not None and kind in ("number", "count"):
        numeric = pd.to_numeric(values, errors="coerce").dropna()
        if kind == "count" and not (numeric == numeric.round()).all():
            kind = "number"
        elif pd.api.types.is_integer_dtype(values):
            kind = "count"
    return kind


def format_number(value: float, digits: int = 3) -> str:
    """Format a number with ``digits`` significant digits and thousands separators.

    Values from 1,000 up are whole numbers (``244,092``); smaller values keep ``digits``
    significant digits without trailing zeros (``496``, ``35.3``, ``0.173``); tiny values use
    scientific notation.

    Parameters
    ----------
    value : float
        The number.
    digits : int, default 3
        Significant digits below 1,000.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(x) for x in (244091.94, 496.0, 35.2863, 0.1733886, 5.27e-11, 0.0, -1680.27)]
    ['244,092', '496', '35.3', '0.173', '5.3e-11', '0', '-1,680']
    """
    if value is None or not math.isfinite(value):
        return MISSING
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 999.5:
        return f"{value:,.0f}"
    if size < 1e-4:
        return f"{value:.1e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(size)))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_percent(value: float, decimals: int = 1) -> str:
    """Format a share as a percentage: ``0.2386`` -> ``'23.9 %'``.

    Examples
    --------
    >>> format_percent(0.2386), format_percent(-0.844), format_percent(1.0)
    ('23.9 %', '-84.4 %', '100.0 %')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{100 * value:,.{decimals}f} %"


def format_probability(value: float) -> str:
    """Format a probability as a percentage capped at ``> 99 %`` and ``< 1 %``.

    Examples
    --------
    >>> format_probability(0.99999), format_probability(0.004), format_probability(0.5)
    ('> 99 %', '< 1 %', '50 %')
    >>> format_probability(0.0), format_probability(1.0)
    ('0 %', '> 99 %')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if value > 0.99:
        return "> 99 %"
    if 0 < value < 0.01:
        return "< 1 %"
    return f"{100 * value:.0f} %"


def format_p_value(value: float) -> str:
    """Format a p-value: ``< 0.001`` below a thousandth, else two significant digits.

    Examples
    --------
    >>> format_p_value(5.3e-11), format_p_value(0.0312), format_p_value(0.4567)
    ('< 0.001', '0.031', '0.46')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if value < 0.001:
        return "< 0.001"
    return format_number(value, digits=2)


def format_money(value: float, currency: str | None = None) -> str:
    """Format an amount with the run's currency: whole units from 100 up, else two decimals.

    Examples
    --------
    >>> format_money(244091.94, "$"), format_money(12.5, "$"), format_money(-3.456, "EUR")
    ('$244,092', '$12.50', '-EUR 3.46')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    symbol = report_currency() if currency is None else currency
    if len(symbol) > 1 and not symbol.endswith(" "):
        symbol = symbol + " "
    amount = f"{abs(value):,.0f}" if abs(value) >= 99.995 else f"{abs(value):,.2f}"
    return f"{'-' if value < 0 else ''}{symbol}{amount}"


def format_value(value: Any, kind: Kind = "number", currency: str | None = None) -> str:
    """One table cell as text, by column kind (missing values read ``n/a``).

    Examples
    --------
    >>> [format_value(v, k) for v, k in ((0.2386, "share"), (True, "text"), (None, "number"),
    ...                                  (12345.0, "count"), (3e-9, "p_value"))]
    ['23.9 %', 'yes', 'n/a', '12,345', '< 0.001']
    """
    if value is None or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (int, np.integer)):
        value = float(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            return MISSING
        if kind == "p_value":
            return format_p_value(number)
        if kind == "probability":
            return format_probability(number)
        if kind == "share":
            return format_percent(number)
        if kind == "money":
            return format_money(number, currency)
        if kind == "count" and number == round(number):
            return f"{number:,.0f}"
        return format_number(number)
    try:
        if pd.isna(value):
            return MISSING
    except (TypeError, ValueError):
        pass
    text = str(value)
    if text in {"nan", "NaN", "None", "<NA>", "NaT"}:
        return MISSING
    return _NAN_WORD.sub("not a number", text)  # "empty or NaN" reads "empty or not a number"


_NAN_WORD = re.compile(r"\bNaN\b")


def label(name: object) -> str:
    """Return a plain-language column label: ``p_alive`` -> ``P(alive)``, ``ci_low`` -> ``CI low``.

    Examples
    --------
    >>> [label(n) for n in ("p_alive", "absolute_ci_low", "n_orders", "clv", "Already nice")]
    ['P(alive)', 'Absolute CI low', 'Orders', 'CLV', 'Already nice']
    """
    if isinstance(name, tuple):
        return " ".join(label(part) for part in name if str(part))
    text = str(name)
    if text in _LABELS:
        result = _LABELS[text]
    elif "_" not in text and text != text.lower():
        return text  # already written for people
    else:
        words = [w for w in text.split("_") if w]
        result = " ".join(_TOKENS.get(w.lower(), w) for w in words)
    return result[:1].upper() + result[1:] if result[:1].islower() else result


def table_html(
    frame: pd.DataFrame | pd.Series,
    max_columns: int = 40,
    max_rows: int = 60,
    currency: str | None = None,
) -> str:
    """Render a table for a report (the HTML the report kernel shows for every DataFrame).

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        The table; ``frame.attrs["na_reason"]`` (column -> text) may say why values are missing.
    max_columns, max_rows : int
        Columns and rows shown; the rest are counted in a note under the table.
    currency : str, optional
        Currency symbol of money columns; default the run's (:func:`report_currency`).

    Returns
    -------
    str
        HTML: a scrolling wrapper, the table, and notes (missing values, terms, rows left out).

    Examples
    --------
    >>> frame = pd.DataFrame({"repeat_share": [0.2386, float("nan")], "ok": [True, None]})
    >>> page = table_html(frame)
    >>> "23.9 %" in page and "NaN" not in page and "None" not in page and "True" not in page
    True
    """
    data = frame.to_frame() if isinstance(frame, pd.Series) else frame
    data = _without_index(data)
    notes: list[str] = []
    n_rows, n_cols = data.shape
    if n_cols > max_columns:
        data = data.iloc[:, :max_columns]
        notes.append(f"first {max_columns} of {n_cols} columns shown")
    if n_rows > max_rows:
        data = data.iloc[:max_rows]
        notes.append(f"first {max_rows:,} of {n_rows:,} rows shown")
    reasons: dict[str, str] = dict(frame.attrs.get("na_reason", {}) or {})
    head: list[str] = []
    body_columns: list[list[str]] = []
    missing_in: list[str] = []
    for position in range(data.shape[1]):
        column = data.iloc[:, position]
        name = data.columns[position]
        kind = column_kind(name, column)
        if kind == "text":
            numeric = pd.to_numeric(column, errors="coerce")
            if column.notna().any() and numeric.notna().sum() == column.notna().sum() and (
                not pd.api.types.is_bool_dtype(column) and column.dtype == object
                and not column.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).any()
            ):
                kind = column_kind(name, numeric)
                column = numeric
        row_kinds = _row_kinds(data, name)
        if row_kinds is not None:
            pairs = zip(column.tolist(), row_kinds, strict=True)
            cells = [format_value(v, k, currency) for v, k in pairs]
        else:
            cells = [format_value(v, kind, currency) for v in column.tolist()]
        if MISSING in cells:
            missing_in.append(str(name))
        head.append(f'<th class="ll-{kind}">{html.escape(label(name))}</th>')
        body_columns.append([f'<td class="ll-{kind}">{html.escape(c)}</td>' for c in cells])
    rows = ["<tr>" + "".join(col[i] for col in body_columns) + "</tr>" for i in range(len(data))]
    labels = " ".join(label(name).lower() for name in data.columns)
    terms = [
        term for term, triggers in _GLOSSARY_TRIGGERS.items()
        if any(re.search(rf"(^|[\s(]){re.escape(t.strip())}($|[\s)])", labels) for t in triggers)
    ]
    if missing_in:
        why = "; ".join(f"{label(c)}: {reasons[c]}" for c in missing_in if c in reasons)
        notes.append(
            "n/a = no value for that row"
            + (f" ({why})" if why else " (not measured or not applicable)")
        )
    if terms:
        notes.append("Terms: " + "; ".join(f"<b>{t}</b> {html.escape(GLOSSARY[t])}" for t in terms))
    note_html = "".join(f'<p class="ll-note">{note}</p>' for note in notes)
    return (
        '<div class="ll-table" style="overflow-x:auto;max-width:100%">'
        '<table class="dataframe ll" border="0"><thead><tr>' + "".join(head) + "</tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>" + note_html + "</div>"
    )


_VALUE_COLUMNS = frozenset(
    {"value", "estimate", "current", "baseline", "target", "target_value", "projected",
     "value_low", "value_high", "ci_low", "ci_high", "low", "high", "truth", "true_value"}
)
_ROW_NAME_COLUMNS = ("kpi", "metric", "key", "name", "measure", "check", "quantity")


def _unit_kind(unit: object) -> Kind | None:
    """Return the kind a ``unit`` cell names (``share 0-1``, ``currency``, ``customers``, ...)."""
    text = str(unit).strip().lower()
    if not text or text in {"nan", "none"}:
        return None
    if text.startswith(("share", "rate", "fraction", "%")):
        return "share"
    if text.startswith("probab"):
        return "probability"
    if text.startswith("p-value") or text == "p":
        return "p_value"
    if text.startswith(("currency", "money")):
        return "money"
    if text in {"customers", "orders", "members", "points", "count", "rows", "days", "weeks"}:
        return "count"
    return None


def format_by_unit(value: Any, unit: str, currency: str | None = None) -> str:
    """Format a value by its catalog unit (``share 0-1``, ``currency``, ``customers``, ...).

    Examples
    --------
    >>> format_by_unit(0.2433, "share 0-1"), format_by_unit(75123.4, "currency", "$")
    ('24.3 %', '$75,123')
    >>> format_by_unit(5000, "customers"), format_by_unit(1.23456, "orders per customer")
    ('5,000', '1.23')
    >>> format_by_unit(4.35, "points (-100..100)")  # a net score, in whole signed points
    '+4'
    """
    if str(unit).strip().lower().startswith("points (") and isinstance(value, int | float):
        return f"{value:+.0f}"
    kind = _unit_kind(unit) or ("count" if isinstance(value, int) else "number")
    return format_value(value, kind, currency)


def _row_kinds(data: pd.DataFrame, name: object) -> list[Kind] | None:
    """Return per-row kinds of a long table's value column, from its unit or row-name column."""
    if str(name).lower() not in _VALUE_COLUMNS:
        return None
    columns = {str(c).lower(): c for c in data.columns}
    if "unit" in columns:
        units = [_unit_kind(u) for u in data[columns["unit"]].tolist()]
        names = data[columns[next((c for c in _ROW_NAME_COLUMNS if c in columns), "unit")]]
        return [
            u if u is not None else column_kind(n)
            for u, n in zip(units, names.tolist(), strict=True)
        ]
    for candidate in _ROW_NAME_COLUMNS:
        if candidate in columns:
            return [column_kind(n) for n in data[columns[candidate]].tolist()]
    return None


def _without_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame without its index: a default one dropped, a meaningful one made columns."""
    data = frame.copy()
    if isinstance(data.columns, pd.MultiIndex):
        data.columns = [label(col) for col in data.columns]
    index = data.index
    default = isinstance(index, pd.RangeIndex) and index.name is None
    if not default:
        names = [n for n in index.names if n is not None]
        if names or not pd.api.types.is_integer_dtype(index):
            fallback = [f"level_{i}" for i in range(index.nlevels)]
            fixed = [n if n is not None else ("" if index.nlevels == 1 else fallback[i])
                     for i, n in enumerate(index.names)]
            data.index = data.index.set_names(fixed)
            clash = [n for n in fixed if n in data.columns]
            if clash:
                data = data.reset_index(drop=True)
            else:
                data = data.reset_index()
        else:
            data = data.reset_index(drop=True)
    data.columns = [c if str(c) != "" else " " for c in data.columns]
    return data


def answer_html(
    sentences: Sequence[str],
    *,
    title: str = "The answer",
    data_quality: str | None = None,
) -> str:
    """Return the HTML of a report's opening answer box (see :func:`show_answer`).

    Examples
    --------
    >>> "<li>Revenue grew 5 %.</li>" in answer_html(["Revenue grew 5 %."])
    True
    """
    if not sentences:
        raise ValueError(
            "show_answer: no sentences given; pass the report's three to five answer sentences "
            "(written from its results)"
        )
    items = "".join(f"<li>{_inline(s)}</li>" for s in sentences)
    quality = (
        f'<p class="ll-quality" style="margin:.4em 0 0;color:#555"><b>Data quality:</b> '
        f"{_inline(data_quality)}</p>"
        if data_quality
        else ""
    )
    return (
        '<div class="ll-answer" role="note" style="border-left:6px solid #2b6cb0;'
        'background:#eef4fb;padding:.6em 1em;margin:.5em 0 1em;font-size:1.08em">'
        f'<p style="margin:0 0 .3em;font-weight:600">{html.escape(title)}</p>'
        f'<ul style="margin:0;padding-left:1.2em">{items}</ul>{quality}</div>'
    )


def show_answer(
    sentences: Sequence[str],
    *,
    title: str = "The answer",
    data_quality: str | None = None,
) -> None:
    """Display a report's opening answer: three to five sentences with the key numbers.

    Write the sentences from the results (a function of the report's module returns them);
    ``**bold**`` in a sentence becomes bold text, other markup is escaped.

    Parameters
    ----------
    sentences : sequence of str
        The answer, one sentence per item.
    title : str, default "The answer"
        Heading of the box.
    data_quality : str, optional
        One line on the data (rows read, dropped, warnings); the tables go in an appendix.
    """
    from IPython.display import HTML, display

    box = HTML(answer_html(sentences, title=title, data_quality=data_quality))  # type: ignore[no-untyped-call]
    display(box)  # type: ignore[no-untyped-call]


def _inline(text: str) -> str:
    """Escape ``text`` for HTML and turn ``**bold**`` into ``<b>bold</b>``."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(str(text)))


def use_report_display(
    max_columns: int = 40, max_rows: int = 60, currency: str | None = None
) -> None:
    """Set the report presentation in the running kernel (every table shown afterwards).

    Parameters
    ----------
    max_columns : int, default 40
        Columns shown before the rest are counted in a note.
    max_rows : int, default 60
        Rows shown before the rest are counted in a note.
    currency : str, optional
        Currency of money columns; default the run's ``settings.currency`` (handed to the kernel
        by the runner), else none.
    """
    if currency is not None:
        _STATE["currency"] = currency
    pd.set_option("display.float_format", format_number)
    pd.set_option("display.max_columns", max_columns)
    pd.set_option("display.max_rows", max_rows)
    pd.set_option("display.width", 200)
    _register(max_columns, max_rows)


def _register(max_columns: int, max_rows: int) -> None:
    """Register :func:`table_html` as the HTML of every DataFrame and Series in the kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    for kind in (pd.DataFrame, pd.Series):
        formatter.for_type(
            kind, lambda frame: table_html(frame, max_columns=max_columns, max_rows=max_rows)
        )
