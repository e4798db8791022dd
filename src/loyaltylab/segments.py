"""Customer segments: RFM scores and named segments, top customers, purchase patterns, value x risk.

Definitions
-----------
* **Recency** = whole days from a customer's last order to ``observation_end``; **frequency** =
  orders in the window; **monetary** = revenue in the window (``monetary="total"``) or revenue per
  order (``monetary="average"``). Orders are defined as in :mod:`loyaltylab.kpi`.
* **Scores (quintiles).** Each of R, F, M is scored 1-5 by the share of customers it beats:
  ``score = 1 + floor(5 * share of customers with a strictly worse value)`` (worse = larger
  recency, fewer orders, less revenue). Tied customers share a score, so with many one-order
  customers the F quintiles are uneven - the rule never splits equal customers arbitrarily.
  ``fm_score = (f_score + m_score) / 2``.
* **Named segments** come from :data:`SEGMENT_RULES` (shown by :func:`segment_rules`), checked in
  order, first match wins; the rules cover every (R, FM) combination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loyaltylab import kpi
from loyaltylab.errors import DataValidationError, ParameterError

__all__ = [
    "SEGMENT_ORDER",
    "SEGMENT_RULES",
    "PurchasePatterns",
    "RFMSegments",
    "plot_day_of_week",
    "plot_inter_purchase_days",
    "plot_segment_sizes",
    "plot_value_risk",
    "purchase_patterns",
    "quintile_scores",
    "rfm_segments",
    "segment_rules",
    "top_customers",
    "value_risk_segments",
]

#: Named segments, checked in order (first match wins):
#: (segment, r_min, r_max, fm_min, fm_max, max_orders, description).
SEGMENT_RULES: tuple[tuple[str, int, int, float, float, float, str], ...] = (
    ("new", 4, 5, 1.0, 5.0, 1, "one order only, and it was recent"),
    ("champions", 4, 5, 4.0, 5.0, math.inf, "bought recently, often and for a lot"),
    ("loyal", 3, 5, 3.0, 5.0, math.inf, "fairly recent, above-median frequency and spend"),
    ("potential", 3, 5, 1.0, 5.0, math.inf, "fairly recent but bought little so far"),
    ("at risk", 1, 2, 3.0, 5.0, math.inf, "used to buy often or for a lot, not recently"),
    ("hibernating", 2, 2, 1.0, 5.0, math.inf, "low value and not recent"),
    ("lost", 1, 1, 1.0, 5.0, math.inf, "low value, longest since the last order"),
)
SEGMENT_ORDER: tuple[str, ...] = tuple(rule[0] for rule in SEGMENT_RULES)

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def segment_rules() -> pd.DataFrame:
    """Return the named-segment rule table (the first matching row names the segment).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``rule`` (readable), ``r_score``, ``fm_score``, ``orders``,
        ``description``, in evaluation order.

    Examples
    --------
    >>> segment_rules()["segment"].tolist()[:3]
    ['new', 'champions', 'loyal']
    """
    rows = []
    for name, r_min, r_max, fm_min, fm_max, max_orders, description in SEGMENT_RULES:
        parts = [f"R {r_min}-{r_max}" if r_min != r_max else f"R = {r_min}"]
        if (fm_min, fm_max) != (1.0, 5.0):
            parts.append(f"FM >= {fm_min:g}")
        if math.isfinite(max_orders):
            parts.append(f"orders <= {int(max_orders)}")
        rows.append(
            {
                "segment": name,
                "rule": " and ".join(parts),
                "r_score": f"{r_min}-{r_max}",
                "fm_score": f"{fm_min:g}-{fm_max:g}",
                "orders": "any" if not math.isfinite(max_orders) else f"<= {int(max_orders)}",
                "description": description,
            }
        )
    return pd.DataFrame(rows)


def quintile_scores(values: pd.Series | np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Score values 1-5 by the share of values they beat (ties share a score).

    ``score = 1 + floor(5 * (number of strictly worse values) / n)``.

    Parameters
    ----------
    values : array-like
        One value per customer.
    higher_is_better : bool, default True
        False for recency (fewer days since the last order is better).

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> quintile_scores([1, 1, 1, 2, 5]).tolist()
    [1, 1, 1, 4, 5]
    >>> quintile_scores([10, 20, 30, 40, 50], higher_is_better=False).tolist()
    [5, 4, 3, 2, 1]
    """
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return np.array([], dtype=int)
    if not higher_is_better:
        array = -array
    worse = np.searchsorted(np.sort(array), array, side="left")
    return (1 + np.floor(5 * worse / array.size)).astype(int).clip(1, 5)


@dataclass(frozen=True)
class RFMSegments:
    """RFM scores and named segments of the customers active in a window.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer: ``customer_id``, ``recency_days``, ``orders``, ``revenue``,
        ``monetary``, ``first_purchase``, ``last_order``, ``r_score``, ``f_score``, ``m_score``,
        ``fm_score``, ``rfm`` (e.g. ``"545"``), ``segment``.
    rules : pandas.DataFrame
        The rule table (:func:`segment_rules`).
    observation_start, observation_end : pandas.Timestamp
        The window.
    monetary : str
        ``"total"`` or ``"average"``.
    """

    table: pd.DataFrame = field(repr=False)
    rules: pd.DataFrame = field(repr=False)
    observation_start: pd.Timestamp
    observation_end: pd.Timestamp
    monetary: str

    @property
    def segments(self) -> pd.Series:
        """Segment label per customer (Series indexed by ``customer_id``)."""
        return self.table.set_index("customer_id")["segment"]

    def to_metrics(self) -> dict[str, dict[str, float]]:
        """Return ``{segment: {customers, customer_share, revenue_share}}`` for a metrics file."""
        summary = self.summary()
        return {
            str(name): {
                "customers": int(row["customers"]),
                "customer_share": float(row["customer_share"]),
                "revenue_share": float(row["revenue_share"]),
            }
            for name, row in summary.iterrows()
        }

    def summary(self) -> pd.DataFrame:
        """Return one row per named segment (all seven, in rule order).

        Columns ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``mean_recency_days``, ``mean_orders``, ``mean_revenue``.
        """
        grouped = self.table.groupby("segment")
        out = pd.DataFrame(
            {
                "customers": grouped.size(),
                "revenue": grouped["revenue"].sum(),
                "mean_recency_days": grouped["recency_days"].mean(),
                "mean_orders": grouped["orders"].mean(),
                "mean_revenue": grouped["revenue"].mean(),
            }
        ).reindex(list(SEGMENT_ORDER))
        out["customers"] = out["customers"].fillna(0).astype("int64")
        out["revenue"] = out["revenue"].fillna(0.0)
        out.insert(1, "customer_share", out["customers"] / max(len(self.table), 1))
        out.insert(3, "revenue_share", out["revenue"] / self.table["revenue"].sum())
        out.index.name = "segment"
        return out


def _assign_segments(r_score: np.ndarray, fm_score: np.ndarray, orders: np.ndarray) -> np.ndarray:
    labels = np.full(r_score.shape, "", dtype=object)
    for name, r_min, r_max, fm_min, fm_max, max_orders, _ in SEGMENT_RULES:
        match = (
            (labels == "")
            & (r_score >= r_min)
            & (r_score <= r_max)
            & (fm_score >= fm_min)
            & (fm_score <= fm_max)
            & (orders <= max_orders)
        )
        labels[match] = name
    if (labels == "").any():  # pragma: no cover - the rules cover every score combination
        raise AssertionError("segment rules left customers unlabelled")
    return labels


def rfm_segments(
    transactions: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    monetary: str = "total",
) -> RFMSegments:
    """Score customers on recency, frequency and monetary value and name their segment.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    observation_start, observation_end : date-like, optional
        The window, as in :func:`loyaltylab.kpi.customer_kpis`; recency is counted to
        ``observation_end``.
    monetary : {"total", "average"}, default "total"
        M is the customer's revenue in the window, or revenue per order.

    Returns
    -------
    RFMSegments
    """
    if monetary not in ("total", "average"):
        raise ParameterError(f"parameter 'monetary' must be 'total' or 'average', got {monetary!r}")
    table = kpi.customer_orders(
        transactions, observation_start=observation_start, observation_end=observation_end
    )
    end = table.attrs["observation_end"]
    start = table.attrs["observation_start"]
    last_day = pd.to_datetime(table["last_order"]).dt.normalize()
    table["recency_days"] = ((end - last_day) / pd.Timedelta(days=1)).astype("int64")
    table["monetary"] = (
        table["revenue"] if monetary == "total" else table["revenue"] / table["orders"]
    )
    table["r_score"] = quintile_scores(table["recency_days"], higher_is_better=False)
    table["f_score"] = quintile_scores(table["orders"])
    table["m_score"] = quintile_scores(table["monetary"])
    table["fm_score"] = (table["f_score"] + table["m_score"]) / 2
    table["rfm"] = (
        table["r_score"].astype(str) + table["f_score"].astype(str) + table["m_score"].astype(str)
    )
    table["segment"] = _assign_segments(
        table["r_score"].to_numpy(), table["fm_score"].to_numpy(), table["orders"].to_numpy()
    )
    columns = [
        "customer_id",
        "recency_days",
        "orders",
        "revenue",
        "monetary",
        "first_purchase",
        "last_order",
        "r_score",
        "f_score",
        "m_score",
        "fm_score",
        "rfm",
        "segment",
    ]
    return RFMSegments(
        table=table[columns].reset_index(drop=True),
        rules=segment_rules(),
        observation_start=start,
        observation_end=end,
        monetary=monetary,
    )


def top_customers(
    transactions: pd.DataFrame,
    n: int = 10,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return the ``n`` customers with the most revenue in the window.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    n : int, default 10
        How many customers.
    observation_start, observation_end : date-like, optional
        The window.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``customer_id``, ``orders``, ``revenue``, ``revenue_share`` (of all revenue),
        ``cumulative_share``, ``aov``, ``first_purchase``, ``last_order``; ties in revenue are
        ordered by ``customer_id``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"parameter 'n' must be a whole number >= 1, got {n!r}")
    table = kpi.customer_orders(
        transactions, observation_start=observation_start, observation_end=observation_end
    )
    total = table["revenue"].sum()
    table = table.sort_values(["revenue", "customer_id"], ascending=[False, True])
    table["revenue_share"] = table["revenue"] / total
    table["cumulative_share"] = table["revenue_share"].cumsum()
    table["aov"] = table["revenue"] / table["orders"]
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    columns = [
        "rank",
        "customer_id",
        "orders",
        "revenue",
        "revenue_share",
        "cumulative_share",
        "aov",
        "first_purchase",
        "last_order",
    ]
    return table[columns].head(int(n)).reset_index(drop=True)


@dataclass(frozen=True)
class PurchasePatterns:
    """How customers buy: time between orders, day of week, basket size, orders per customer.

    Attributes
    ----------
    inter_purchase_days : pandas.Series
        Days between consecutive orders of the same customer (one value per gap; a customer
        with ``k`` orders gives ``k - 1`` gaps), measured between calendar days.
    day_of_week : pandas.DataFrame
        Index Monday..Sunday: ``orders``, ``order_share``, ``revenue``, ``revenue_share``, ``aov``.
    order_values : pandas.Series
        Value of every order.
    lines_per_order : pandas.Series
        Transaction rows of every order.
    orders_per_customer : pandas.DataFrame
        Index 1, 2, 3, 4, "5+": ``customers``, ``customer_share``.
    """

    inter_purchase_days: pd.Series = field(repr=False)
    day_of_week: pd.DataFrame = field(repr=False)
    order_values: pd.Series = field(repr=False)
    lines_per_order: pd.Series = field(repr=False)
    orders_per_customer: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """Return the headline numbers: ``measure``, ``value``, ``unit``."""
        gaps = self.inter_purchase_days
        values = self.order_values
        busiest = self.day_of_week["orders"].idxmax() if len(values) else None
        rows = [
            ("median days between orders", gaps.median() if len(gaps) else np.nan, "days"),
            ("mean days between orders", gaps.mean() if len(gaps) else np.nan, "days"),
            ("median order value", values.median(), "currency"),
            ("mean order value", values.mean(), "currency"),
            ("90th percentile order value", values.quantile(0.9), "currency"),
            ("mean rows per order", self.lines_per_order.mean(), "rows"),
            ("busiest day of week", busiest, "day"),
            (
                "customers with one order",
                self.orders_per_customer["customer_share"].iloc[0],
                "share 0-1",
            ),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])


def purchase_patterns(
    transactions: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
) -> PurchasePatterns:
    """Describe how customers buy in the window.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    observation_start, observation_end : date-like, optional
        The window.

    Returns
    -------
    PurchasePatterns
    """
    orders = kpi.order_table(
        transactions, observation_start=observation_start, observation_end=observation_end
    )
    days = pd.to_datetime(orders["timestamp"]).dt.normalize()
    same_customer = orders["customer_id"].eq(orders["customer_id"].shift())
    gaps = days.diff() / pd.Timedelta(days=1)
    inter = gaps[same_customer].astype(float).reset_index(drop=True).rename("days")
    weekday = pd.CategoricalIndex(
        [_DAY_NAMES[d] for d in days.dt.day_of_week], categories=_DAY_NAMES, ordered=True
    )
    by_day = orders.groupby(weekday, observed=False)["amount"].agg(["size", "sum"])
    by_day.columns = ["orders", "revenue"]
    by_day.index.name = "day_of_week"
    by_day.insert(1, "order_share", by_day["orders"] / by_day["orders"].sum())
    by_day["revenue_share"] = by_day["revenue"] / by_day["revenue"].sum()
    by_day["aov"] = by_day["revenue"] / by_day["orders"].where(by_day["orders"] > 0)
    counts = orders.groupby("customer_id").size()
    buckets = pd.Series(np.where(counts >= 5, "5+", counts.astype(str)), index=counts.index)
    per_customer = (
        buckets.value_counts()
        .reindex(["1", "2", "3", "4", "5+"], fill_value=0)
        .to_frame("customers")
    )
    per_customer.index.name = "orders"
    per_customer["customer_share"] = per_customer["customers"] / per_customer["customers"].sum()
    return PurchasePatterns(
        inter_purchase_days=inter,
        day_of_week=by_day,
        order_values=orders["amount"].rename("order_value").reset_index(drop=True),
        lines_per_order=orders["lines"].rename("lines").reset_index(drop=True),
        orders_per_customer=per_customer,
    )


def _per_customer(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        if "customer_id" not in values.columns or name not in values.columns:
            raise DataValidationError(
                f"{name} frame needs columns 'customer_id' and {name!r}, got {list(values.columns)}"
            )
        values = values.set_index("customer_id")[name]
    if not isinstance(values, pd.Series):
        raise DataValidationError(
            f"{name} must be a Series indexed by customer_id, got {type(values).__name__}"
        )
    series = pd.Series(
        pd.to_numeric(values, errors="coerce").to_numpy(dtype=float),
        index=values.index.astype(str),
        name=name,
    )
    bad = ~np.isfinite(series.to_numpy())
    if bad.any():
        raise DataValidationError(
            f"{name} has {int(bad.sum())} missing or non-numeric value(s), e.g. customers "
            f"{list(series.index[bad][:5])}"
        )
    return series


def value_risk_segments(
    segments: RFMSegments | pd.Series,
    clv: pd.Series | pd.DataFrame,
    p_alive: pd.Series | pd.DataFrame | None = None,
    *,
    high_value_share: float = 0.2,
    at_risk_below: float = 0.5,
) -> pd.DataFrame:
    """Combine segments with CLV and P(alive): "high value, at risk" and the other three groups.

    A customer is *high value* when their CLV is at least the ``1 - high_value_share`` quantile
    of the CLVs given (the top 20 % by default) and *at risk* when P(alive) is below
    ``at_risk_below``.

    Parameters
    ----------
    segments : RFMSegments or pandas.Series
        Segment label per customer (Series indexed by ``customer_id``).
    clv : pandas.Series or pandas.DataFrame
        From :mod:`loyaltylab.clv`: a Series indexed by ``customer_id`` or a frame with
        ``customer_id`` and ``clv`` (e.g. ``CLVResult.per_customer``).
    p_alive : pandas.Series or pandas.DataFrame, optional
        A Series indexed by ``customer_id`` or a frame with ``customer_id`` and ``p_alive``;
        default: the ``probability_alive`` column of the ``clv`` frame. Every segmented customer
        needs a CLV and a P(alive).
    high_value_share : float, default 0.2
        Share of customers (by CLV) called high value, in (0, 1).
    at_risk_below : float, default 0.5
        P(alive) threshold, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``segment``, ``clv``, ``p_alive``, ``high_value``,
        ``at_risk``, ``value_risk`` (e.g. ``"high value, at risk"``).
    """
    if not 0 < high_value_share < 1:
        raise ParameterError(
            f"parameter 'high_value_share' must be in (0, 1), got {high_value_share!r}"
        )
    if not 0 < at_risk_below < 1:
        raise ParameterError(f"parameter 'at_risk_below' must be in (0, 1), got {at_risk_below!r}")
    labels = segments.segments if isinstance(segments, RFMSegments) else segments
    labels = pd.Series(labels.to_numpy(), index=labels.index.astype(str), name="segment")
    clv_values = _per_customer(clv, "clv")
    if p_alive is None:
        if not isinstance(clv, pd.DataFrame) or "probability_alive" not in clv.columns:
            raise ParameterError(
                "parameter 'p_alive' is needed unless 'clv' is a frame with a "
                "'probability_alive' column (CLVResult.per_customer)"
            )
        p_alive = clv.set_index("customer_id")["probability_alive"]
    alive = _per_customer(p_alive, "p_alive")
    outside = (alive < 0) | (alive > 1)
    if outside.any():
        raise DataValidationError(
            f"p_alive has {int(outside.sum())} value(s) outside [0, 1], e.g. "
            f"{alive[outside].head(5).to_dict()}"
        )
    for name, series in (("clv", clv_values), ("p_alive", alive)):
        missing = ~labels.index.isin(series.index)
        if missing.any():
            raise DataValidationError(
                f"{name} has no value for {int(missing.sum())} segmented customer(s), e.g. "
                f"{list(labels.index[missing][:5])}"
            )
    frame = labels.to_frame().join(clv_values).join(alive)
    threshold = frame["clv"].quantile(1 - high_value_share)
    frame["high_value"] = frame["clv"] >= threshold
    frame["at_risk"] = frame["p_alive"] < at_risk_below
    frame["value_risk"] = np.where(frame["high_value"], "high value", "other value") + np.where(
        frame["at_risk"], ", at risk", ", likely active"
    )
    frame.index.name = "customer_id"
    frame.attrs["clv_threshold"] = float(threshold)
    return frame.reset_index()


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------


def plot_segment_sizes(rfm: RFMSegments, *, ax: Axes | None = None) -> Axes:
    """Bar chart of customers and revenue share per named segment.

    Parameters
    ----------
    rfm : RFMSegments
        From :func:`rfm_segments`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    summary = rfm.summary()
    positions = np.arange(len(summary))
    ax.bar(positions - 0.2, summary["customer_share"] * 100, width=0.4, label="customers")
    ax.bar(positions + 0.2, summary["revenue_share"] * 100, width=0.4, label="revenue")
    ax.set_xticks(positions)
    ax.set_xticklabels(summary.index)
    ax.set_title("RFM segments: share of customers and of revenue")
    ax.set_xlabel("segment")
    ax.set_ylabel("share (%)")
    ax.legend()
    return ax


def plot_inter_purchase_days(
    patterns: PurchasePatterns, *, max_days: float | None = None, ax: Axes | None = None
) -> Axes:
    """Histogram of the days between consecutive orders of a customer.

    Parameters
    ----------
    patterns : PurchasePatterns
        From :func:`purchase_patterns`.
    max_days : float, optional
        Cut the axis at this many days (default: the 95th percentile).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    gaps = patterns.inter_purchase_days
    if len(gaps):
        top = max_days if max_days is not None else max(float(gaps.quantile(0.95)), 1.0)
        ax.hist(gaps[gaps <= top], bins=40)
        ax.axvline(gaps.median(), color="k", linestyle="--", label=f"median {gaps.median():.0f}")
        ax.legend()
    ax.set_title("Time between a customer's orders")
    ax.set_xlabel("days between consecutive orders (days)")
    ax.set_ylabel("number of gaps (count)")
    return ax


def plot_day_of_week(patterns: PurchasePatterns, *, ax: Axes | None = None) -> Axes:
    """Bar chart of the share of orders per day of week.

    Parameters
    ----------
    patterns : PurchasePatterns
        From :func:`purchase_patterns`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    table = patterns.day_of_week
    ax.bar([name[:3] for name in table.index], table["order_share"] * 100)
    ax.set_title("Orders by day of week")
    ax.set_xlabel("day of week")
    ax.set_ylabel("share of orders (%)")
    return ax


def plot_value_risk(
    value_risk: pd.DataFrame, *, at_risk_below: float = 0.5, ax: Axes | None = None
) -> Axes:
    """Scatter CLV against P(alive), marking the high-value threshold and the risk threshold.

    Parameters
    ----------
    value_risk : pandas.DataFrame
        From :func:`value_risk_segments`.
    at_risk_below : float, default 0.5
        The P(alive) threshold used there.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    for label, group in value_risk.groupby("value_risk"):
        ax.scatter(group["p_alive"], group["clv"], s=6, alpha=0.5, label=label)
    if "clv_threshold" in value_risk.attrs:
        ax.axhline(value_risk.attrs["clv_threshold"], color="grey", linestyle="--")
    ax.axvline(at_risk_below, color="grey", linestyle=":")
    ax.set_title("Customer value against the chance they are still active")
    ax.set_xlabel("P(alive) (probability 0-1)")
    ax.set_ylabel("CLV (currency)")
    ax.legend(markerscale=3, fontsize=8)
    return ax
