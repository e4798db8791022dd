"""The opening answer of notebook 02_clv, written from the metrics the notebook writes.

:func:`answer` takes the metrics dict of :func:`loyaltylab.reports.notebooks.clv.to_metrics` (nested
as written, or flattened with dotted keys) and returns three to five sentences with the key numbers;
the notebook shows them first with :func:`loyaltylab.display.show_answer`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from loyaltylab.clv.models import MODEL_LABELS
from loyaltylab.display import format_money, format_number, format_percent

__all__ = ["answer", "metric"]

_UNITS = {"W": "weeks", "D": "days", "M": "months", "Y": "years", "Q": "quarters"}


def metric(metrics: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Return the value of a dotted key from nested or flattened metrics.

    Examples
    --------
    >>> metric({"clv": {"total": 5.0}}, "clv.total"), metric({"clv.total": 5.0}, "clv.total")
    (5.0, 5.0)
    >>> metric({}, "clv.total", "n/a")
    'n/a'
    """
    if key in metrics:
        return metrics[key]
    node: Any = metrics
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _number(value: Any) -> float | None:
    """Return ``value`` as a finite float, else ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def answer(metrics: Mapping[str, Any], *, currency: str | None = None) -> list[str]:
    """Write the opening answer of notebook 02_clv (three to five sentences).

    Parameters
    ----------
    metrics : mapping
        The notebook's metrics (keys as in the metrics catalog: ``clv.total``,
        ``clv.total_low``/``_high``, ``clv.horizon``, ``clv.time_unit``, ``clv.top_10pct_share``,
        ``customers.active_probable``, ``default_model``, ``holdout.*``, ``final.status``,
        ``new_customer.value``, ...).
    currency : str, optional
        Currency symbol; default the run's (``settings.currency``).

    Returns
    -------
    list of str
        What the customer base is worth (with its interval), how concentrated that value is, how
        many customers are probably still active, how well the chosen model forecast the holdout,
        and a boundary warning or the value of a new customer.

    Raises
    ------
    ValueError
        When ``clv.total`` is missing (the CLV was not computed).

    Examples
    --------
    >>> text = answer({"n_customers": 2357, "clv": {"total": 75123.4, "horizon": 52,
    ...                "time_unit": "W", "discount_rate": 0.1}}, currency="$")
    >>> text[0]
    'The **2,357 customers** are expected to bring **$75,123** over the next 52 weeks (discounted at 10.0 % a year).'
    """  # noqa: E501
    total = _number(metric(metrics, "clv.total"))
    if total is None:
        raise ValueError(
            "clv_answer.answer: the metrics have no clv.total; pass the metrics dict the 02_clv "
            "notebook wrote (clv.to_metrics) after the CLV was computed"
        )
    n = metric(metrics, "n_customers")
    unit = _UNITS.get(str(metric(metrics, "clv.time_unit", "W")), "periods")
    horizon = _number(metric(metrics, "clv.horizon"))
    over = f" over the next {format_number(horizon)} {unit}" if horizon is not None else ""
    who = f"The **{int(n):,} customers**" if _number(n) is not None else "The customers"
    low = _number(metric(metrics, "clv.total_low"))
    high = _number(metric(metrics, "clv.total_high"))
    level = _number(metric(metrics, "clv.interval_level"))
    details: list[str] = []
    if low is not None and high is not None:
        share = f"{level * 100:.0f} % " if level is not None else ""
        details.append(
            f"{share}interval {format_money(low, currency)} to {format_money(high, currency)}"
        )
    rate = _number(metric(metrics, "clv.discount_rate"))
    if rate is not None:
        details.append(f"discounted at {format_percent(rate)} a year")
    sentences = [
        f"{who} are expected to bring **{format_money(total, currency)}**{over}"
        + (f" ({'; '.join(details)})" if details else "")
        + "."
    ]
    top10 = _number(metric(metrics, "clv.top_10pct_share"))
    top1 = _number(metric(metrics, "clv.top_1pct_share"))
    if top10 is not None:
        extra = f" and the top 1 % {format_percent(top1)}" if top1 is not None else ""
        sentences.append(f"The top 10 % of customers hold {format_percent(top10)} of it{extra}.")
    active = _number(metric(metrics, "customers.active_probable"))
    if active is not None:
        active_share = _number(metric(metrics, "customers.active_probable_share"))
        threshold = _number(metric(metrics, "customers.active_threshold"))
        sentences.append(
            f"{int(active):,} customers"
            + (f" ({format_percent(active_share)})" if active_share is not None else "")
            + " are probably still active"
            + (f" (P(alive) at least {format_percent(threshold, 0)})" if threshold else "")
            + "."
        )
    model = metric(metrics, "final.model") or metric(metrics, "default_model")
    actual = _number(metric(metrics, "holdout.actual"))
    predicted = _number(metric(metrics, f"holdout.predicted.{metric(metrics, 'default_model')}"))
    if model and actual and predicted is not None:
        error = predicted / actual - 1
        sentences.append(
            f"The {MODEL_LABELS.get(str(model), model)} model behind it forecast "
            f"{format_number(predicted)} repeat purchases in "
            f"the holdout period against {format_number(actual)} observed "
            f"({'+' if error >= 0 else ''}{format_percent(error)})."
        )
    elif model:
        sentences.append(f"The CLV comes from the {model} model.")
    if metric(metrics, "final.status") == "boundary":
        note = str(metric(metrics, "final.boundary_note", "") or "")
        sentences.append(
            "Caution: the final fit detected no dropout, so the CLV is an upper bound"
            + (f" ({note.rstrip('.')})" if note else "")
            + "."
        )
    else:
        value = _number(metric(metrics, "new_customer.value"))
        if value is not None:
            sentences.append(
                f"A customer acquired today is worth about {format_money(value, currency)} over "
                "the same horizon (discounted)."
            )
    return sentences[:5]
