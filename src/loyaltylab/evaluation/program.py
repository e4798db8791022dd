"""Evaluate a running loyalty program: the member effect with self-selection handled.

Members are not a random sample: heavier and more recent buyers join more often, so the naive
comparison "members buy X orders a month, non-members Y" (:func:`naive_gap`) mixes who joins
with what joining does. :func:`evaluate_program` estimates what joining does by a **staggered,
matched difference-in-differences** around each member's enrolment date (in the spirit of
Callaway & Sant'Anna 2021, group-time effects averaged over enrolment cohorts; reference/
statistics.md):

1. **Cohorts.** A member's cohort is her enrolment month *g*. Each cohort's window is the
   ``pre_months`` months before *g* (pre) and the ``post_months`` months after *g* (post); the
   enrolment month itself is in neither (it mixes before and after, and a member who joins at
   the till has her joining purchase there by construction). Cohorts whose windows are not
   fully observed (complete calendar months up to ``observation_end``) are left out and
   counted.
2. **Controls.** Not-yet or never enrolled customers: not enrolled before the end of *g*'s
   post window. With ``anchor="purchase"`` (default: members join at a purchase) both members
   and controls must have an order in month *g*, so both are known to be active then.
3. **Matching** on pre-enrolment behaviour, exact on cells (coarsened exact matching): orders in
   the pre window (0, 1, ..., ``max_orders_bin`` or more), months since the last order before
   *g* (1, 2, ..., ``max_recency`` or more; none), spend per order in the pre window (below /
   above the cohort's median) and orders before the pre window (0, 1, ...,
   ``history_bins - 1`` or more). A member whose cell has no control is unmatched (counted, not
   used). Controls get ATT weights (their cell's members / its controls).
4. **Difference-in-differences** on orders (and spend) per customer-month: in each cell, the
   members' change pre -> post minus the controls' change. The effect is the members' total
   change beyond the controls', over every cohort and cell; the **relative lift** divides it by
   the members' counterfactual post level (their pre level plus the controls' change):
   ``lift = sum_cells M (dm - dc) / sum_cells M (pre_m + dc)``.
5. **Interval**: customer-level bootstrap (Poisson weights per customer, the same weight in
   every cohort a customer appears in, so repeated use of a control is accounted for),
   percentile interval, seeded.

The identifying assumption is parallel trends within matched cells: without the program the
members' orders per month would have changed like those of non-members with the same
pre-enrolment behaviour and activity in the enrolment month. Selection on behaviour the data
show is removed; selection on what they do not show is not: on the synthetic loyalty generator
(:mod:`loyaltylab.datasets.loyalty`) with enrolment on recent orders the estimate is unbiased
(over 40 programs of 5,000 customers with a true +8 %: mean +8.5 %, the 95 % interval covered
the truth in all 40; over 30 of 20,000 with no effect: mean +0.0 %, covered in 29), with
enrolment on the customers' true purchase rate beyond their history it is not (+55 % for a
true +8 %). Coarse cells bias it too (orders capped at 4 gave -3 % for a true 0), hence the
fine defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import as_day

__all__ = ["ProgramEvaluation", "evaluate_program", "naive_gap", "plot_program_effect"]


@dataclass(frozen=True)
class ProgramEvaluation:
    """The member effect of a running program: naive gap and matched DiD estimate.

    Attributes
    ----------
    naive : float
        Members' orders per customer-month after enrolment vs non-members' after their first
        purchase since the launch, relative (:func:`naive_gap`; 1.5 = members buy 150 % more).
    causal, causal_low, causal_high : float
        Relative lift in orders per customer-month caused by joining (0.05 = +5 %), with its
        bootstrap interval.
    spend_naive, spend_causal, spend_low, spend_high : float
        The same for spend per customer-month.
    n_members : int
        Members used (matched, in an evaluable cohort).
    n_controls : int
        Distinct control customers used.
    n_unmatched : int
        Members of evaluable cohorts whose cell had no control.
    n_outside : int
        Members outside every evaluable cohort (window not observed, or no anchor purchase).
    method : str
        One line naming the design.
    pre_months, post_months : int
    confidence : float
    n_boot : int
    cohorts : pandas.DataFrame
        Per enrolment cohort: ``cohort``, ``members``, ``controls``, ``unmatched``,
        ``members_pre``, ``members_post``, ``controls_pre``, ``controls_post`` (orders per
        customer-month; controls ATT-weighted), ``effect`` (orders per member-month),
        ``lift`` (relative) and ``spend_lift``.
    """

    naive: float
    causal: float
    causal_low: float
    causal_high: float
    spend_naive: float
    spend_causal: float
    spend_low: float
    spend_high: float
    n_members: int
    n_controls: int
    n_unmatched: int
    n_outside: int
    method: str
    pre_months: int
    post_months: int
    confidence: float
    n_boot: int
    cohorts: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """Return naive and causal side by side, one row per outcome.

        Returns
        -------
        pandas.DataFrame
            ``outcome``, ``naive``, ``causal``, ``low``, ``high`` (relative lifts).
        """
        return pd.DataFrame(
            {
                "outcome": ["orders per customer-month", "spend per customer-month"],
                "naive": [self.naive, self.spend_naive],
                "causal": [self.causal, self.spend_causal],
                "low": [self.causal_low, self.spend_low],
                "high": [self.causal_high, self.spend_high],
            }
        )

    def to_metrics(self) -> dict[str, Any]:
        """Return the metrics-file section ``program_effect``.

        Returns
        -------
        dict
            ``naive``, ``causal``, ``causal_low``, ``causal_high`` (orders per customer-month,
            relative), ``spend_causal``, ``spend_low``, ``spend_high``, ``n_members``,
            ``n_controls``, ``method``.
        """
        return {
            "naive": self.naive,
            "causal": self.causal,
            "causal_low": self.causal_low,
            "causal_high": self.causal_high,
            "spend_causal": self.spend_causal,
            "spend_low": self.spend_low,
            "spend_high": self.spend_high,
            "n_members": self.n_members,
            "n_controls": self.n_controls,
            "method": self.method,
        }


def _frame(value: Any, attribute: str, name: str, required: tuple[str, ...]) -> pd.DataFrame:
    frame = getattr(value, attribute, value)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"parameter {name!r} must be a DataFrame (or a loaded table), got "
            f"{type(value).__name__}"
        )
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise DataValidationError(
            f"parameter {name!r} lacks column(s) {missing}; load it with "
            f"loyaltylab.data.load_{attribute} or rename the columns"
        )
    return frame


def _month_index(stamps: pd.Series) -> np.ndarray:
    values = pd.DatetimeIndex(stamps)
    return np.asarray(values.year * 12 + values.month - 1, dtype=np.int64)


def naive_gap(
    transactions: Any, members: Any, *, program_start: Any, observation_end: Any
) -> float:
    """Return the naive member vs non-member gap in orders per customer-month, relative.

    Among the customers who bought on or after the launch: members' orders from their
    enrolment on per member-month (enrolment to the observation end) over non-members' orders
    from their first purchase on or after the launch per customer-month (that purchase to the
    observation end), minus 1. What a member report shows; biased by who joins.

    Parameters
    ----------
    transactions : pandas.DataFrame or LoadedTransactions
        ``customer_id``, ``timestamp``.
    members : pandas.DataFrame or LoadedMembers
        ``customer_id``, ``enrolled_at``.
    program_start, observation_end : date-like
        Launch day and last day observed.

    Returns
    -------
    float
        ``nan`` without members or without non-members buying after the launch.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["m", "m", "n"], "timestamp": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-20", "2024-01-01"])})
    >>> members = pd.DataFrame({"customer_id": ["m"],
    ...     "enrolled_at": pd.to_datetime(["2024-01-01"])})
    >>> naive_gap(tx, members, program_start="2024-01-01", observation_end="2024-01-31")
    1.0
    """
    return _naive(transactions, members, program_start, observation_end, None)


def _naive(
    transactions: Any, members: Any, program_start: Any, observation_end: Any, value: str | None
) -> float:
    tx = _frame(transactions, "transactions", "transactions", ("customer_id", "timestamp"))
    base = _frame(members, "members", "members", ("customer_id", "enrolled_at"))
    launch = as_day(program_start, "program_start")
    stop = as_day(observation_end, "observation_end") + pd.Timedelta(days=1)
    tx = tx.loc[(tx["timestamp"] >= launch) & (tx["timestamp"] < stop)]
    ids = tx["customer_id"].astype(str)
    enrolled = pd.Series(
        pd.to_datetime(base["enrolled_at"]).to_numpy(), index=base["customer_id"].astype(str)
    )
    enrolled = enrolled[enrolled.notna() & (enrolled < stop)]
    if enrolled.empty:
        return float("nan")
    joined = ids.map(enrolled)
    amount = tx[value].to_numpy(dtype=float) if value else np.ones(len(tx))
    is_member = joined.notna().to_numpy()
    member_total = float(amount[is_member & (tx["timestamp"] >= joined).to_numpy()].sum())
    member_days = float((stop - enrolled).dt.days.sum())
    others = ~is_member
    first = tx["timestamp"][others].groupby(ids[others]).min()
    other_total = float(amount[others].sum())
    other_days = float((stop - first).dt.days.sum())
    if member_days <= 0 or other_days <= 0 or other_total <= 0:
        return float("nan")
    return (member_total / member_days) / (other_total / other_days) - 1.0


def evaluate_program(
    transactions: Any,
    members: Any,
    *,
    observation_end: Any,
    pre_months: int = 6,
    post_months: int = 6,
    program_start: Any = None,
    anchor: Literal["purchase", "none"] = "purchase",
    max_orders_bin: int = 12,
    max_recency: int = 24,
    history_bins: int = 3,
    n_boot: int = 400,
    confidence: float = 0.95,
    seed: int = 0,
) -> ProgramEvaluation:
    """Estimate the member effect of a running program by staggered matched DiD.

    See the module docstring for the design.

    Parameters
    ----------
    transactions : pandas.DataFrame or LoadedTransactions
        ``customer_id``, ``timestamp``, ``amount``: every customer's purchases, members and
        not.
    members : pandas.DataFrame or LoadedMembers
        ``customer_id``, ``enrolled_at``.
    observation_end : date-like
        Last day observed; only complete calendar months up to it are used.
    pre_months, post_months : int, default 6
        Months before / after the enrolment month compared.
    program_start : date-like, optional
        Launch day (for the naive gap); default the first enrolment.
    anchor : {"purchase", "none"}, default "purchase"
        ``"purchase"``: members and controls need an order in the enrolment month (members who
        join at the till); ``"none"``: no such condition.
    max_orders_bin : int, default 12
        Pre-window orders are matched exactly up to this number, higher counts together.
    max_recency : int, default 24
        Months since the last order are matched exactly up to this number.
    history_bins : int, default 3
        Orders before the pre window are matched as 0, 1, ..., ``history_bins - 1`` or more.
    n_boot : int, default 400
        Bootstrap replicates (0: no interval, its bounds are ``nan``).
    confidence : float, default 0.95
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    ProgramEvaluation

    Raises
    ------
    loyaltylab.errors.ParameterError
        A window or setting out of range, or no evaluable cohort with matched members.
    loyaltylab.errors.DataValidationError
        A table without its columns.

    Examples
    --------
    >>> from loyaltylab.datasets import generate_loyalty
    >>> data = generate_loyalty(3000, seed=2, program_start="2024-07-01", enrol_base=0.5,
    ...     selection="behaviour", program_effect=0.08)
    >>> result = evaluate_program(data.transactions, data.members, observation_end="2025-12-31")
    >>> result.causal_low < 0.08 < result.causal_high, result.naive > 3 * 0.08
    (True, True)
    """
    for name, value in (("pre_months", pre_months), ("post_months", post_months)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(
                f"parameter {name!r} must be a whole number of months >= 1, got {value!r}"
            )
    if anchor not in ("purchase", "none"):
        raise ParameterError(f"parameter 'anchor' must be 'purchase' or 'none', got {anchor!r}")
    for name, value in (
        ("max_orders_bin", max_orders_bin),
        ("max_recency", max_recency),
        ("history_bins", history_bins),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"parameter {name!r} must be a whole number >= 1, got {value!r}")
    if not 0 < confidence < 1:
        raise ParameterError(f"parameter 'confidence' must be in (0, 1), got {confidence!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise ParameterError(f"parameter 'n_boot' must be a whole number >= 0, got {n_boot!r}")
    tx = _frame(
        transactions, "transactions", "transactions", ("customer_id", "timestamp", "amount")
    )
    base = _frame(members, "members", "members", ("customer_id", "enrolled_at"))
    end = as_day(observation_end, "observation_end")
    last_month = int(end.year * 12 + end.month - 1)
    if (end + pd.Timedelta(days=1)).month == end.month:
        last_month -= 1  # the end month is not complete
    base = base.loc[base["enrolled_at"].notna()].assign(
        customer_id=lambda f: f["customer_id"].astype(str)
    )
    if base.empty:
        raise ParameterError("parameter 'members' has no member with an enrolment date")
    launch = as_day(program_start, "program_start", optional=True)
    if launch is None:
        launch = pd.Timestamp(base["enrolled_at"].min()).normalize()

    # --- customers x months panel of orders and spend ------------------------------------------
    ids, customer = np.unique(tx["customer_id"].astype(str).to_numpy(), return_inverse=True)
    month = _month_index(tx["timestamp"])
    first_month = int(month.min())
    keep = month <= last_month
    n_months = last_month - first_month + 1
    shape = (len(ids), n_months)
    orders = sparse.coo_matrix(
        (np.ones(int(keep.sum())), (customer[keep], month[keep] - first_month)), shape=shape
    ).toarray()
    spend = sparse.coo_matrix(
        (tx["amount"].to_numpy(dtype=float)[keep], (customer[keep], month[keep] - first_month)),
        shape=shape,
    ).toarray()
    cum_orders = np.concatenate([np.zeros((len(ids), 1)), np.cumsum(orders, axis=1)], axis=1)
    cum_spend = np.concatenate([np.zeros((len(ids), 1)), np.cumsum(spend, axis=1)], axis=1)
    active = orders > 0
    # last active month strictly before column j: running max of active column indices
    last_active = np.where(active, np.arange(n_months), -1)
    last_active = np.maximum.accumulate(last_active, axis=1)
    last_before = np.concatenate([np.full((len(ids), 1), -1), last_active[:, :-1]], axis=1)

    position = pd.Series(np.arange(len(ids)), index=ids)
    known = base["customer_id"].isin(position.index).to_numpy()
    member_row = position.reindex(base["customer_id"][known]).to_numpy()
    cohort_of = _month_index(base["enrolled_at"][known]) - first_month
    enrol_col = np.full(len(ids), np.iinfo(np.int64).max)
    enrol_col[member_row] = cohort_of

    cohorts = np.unique(cohort_of)
    evaluable = cohorts[(cohorts - pre_months >= 0) & (cohorts + post_months <= n_months - 1)]
    rows: list[dict[str, np.ndarray]] = []
    n_outside = int((~known).sum()) + int((~np.isin(cohort_of, evaluable)).sum())
    key_offset = 0
    cohort_keys: list[tuple[int, int, int]] = []  # (cohort column, first key, keys)
    for g in evaluable:
        who_m = member_row[cohort_of == g]
        ctrl = np.flatnonzero(enrol_col > g + post_months)
        if anchor == "purchase":
            n_before = len(who_m)
            who_m = who_m[active[who_m, g]]
            n_outside += n_before - len(who_m)
            ctrl = ctrl[active[ctrl, g]]
        both = np.concatenate([who_m, ctrl])
        role = np.concatenate([np.zeros(len(who_m), int), np.ones(len(ctrl), int)])
        pre_o = (cum_orders[both, g] - cum_orders[both, g - pre_months]) / pre_months
        post_o = (cum_orders[both, g + post_months + 1] - cum_orders[both, g + 1]) / post_months
        pre_s = (cum_spend[both, g] - cum_spend[both, g - pre_months]) / pre_months
        post_s = (cum_spend[both, g + post_months + 1] - cum_spend[both, g + 1]) / post_months
        count = np.minimum(np.rint(pre_o * pre_months).astype(int), max_orders_bin)
        since = np.where(last_before[both, g] >= 0, g - last_before[both, g], 0)
        per_order = np.divide(pre_s, pre_o, out=np.zeros_like(pre_s), where=pre_o > 0)
        median = float(np.median(per_order[pre_o > 0])) if np.any(pre_o > 0) else 0.0
        high = (per_order > median).astype(int)
        earlier = np.minimum(cum_orders[both, g - pre_months], history_bins - 1).astype(int)
        recency = np.minimum(since, max_recency)  # 0: no order before g
        cell = ((count * (max_recency + 1) + recency) * 2 + high) * history_bins + earlier
        codes, cell_index = np.unique(cell, return_inverse=True)
        rows.append(
            {
                "customer": both,
                "role": role,
                "key": cell_index + key_offset,
                "pre": pre_o,
                "post": post_o,
                "pre_s": pre_s,
                "post_s": post_s,
            }
        )
        cohort_keys.append((int(g), key_offset, len(codes)))
        key_offset += len(codes)
    if not rows:
        raise ParameterError(
            f"no enrolment cohort has {pre_months} observed months before and {post_months} "
            f"after its enrolment month up to {end.date()}; shorten pre_months/post_months or "
            "use a later observation_end"
        )
    data = {name: np.concatenate([r[name] for r in rows]) for name in rows[0]}
    n_keys = key_offset
    key_cohort = np.concatenate([np.full(n, i) for i, (_, _, n) in enumerate(cohort_keys)])
    design = _Design(data, n_keys, len(ids))

    point = design.estimate(np.ones((1, len(ids))))
    if point["used_members"][0] == 0:
        raise ParameterError(
            "no member could be matched to a control with the same pre-enrolment behaviour; "
            "use anchor='none' or a smaller max_orders_bin"
        )
    low = high_ = spend_low = spend_high = float("nan")
    if n_boot:
        rng = np.random.default_rng(seed)
        lifts, spend_lifts = [], []
        for start in range(0, n_boot, 100):
            weights = rng.poisson(1.0, size=(min(100, n_boot - start), len(ids))).astype(float)
            result = design.estimate(weights)
            lifts.append(result["lift"])
            spend_lifts.append(result["spend_lift"])
        tail = (1 - confidence) / 2 * 100
        low, high_ = (float(v) for v in np.nanpercentile(np.concatenate(lifts), [tail, 100 - tail]))
        spend_low, spend_high = (
            float(v) for v in np.nanpercentile(np.concatenate(spend_lifts), [tail, 100 - tail])
        )
    table = design.cohort_table(key_cohort, len(cohort_keys))
    table.insert(
        0,
        "cohort",
        [str(pd.Period(ordinal=first_month + g - 1970 * 12, freq="M")) for g, _, _ in cohort_keys],
    )
    naive = _naive(tx, base, launch, end, None)
    spend_naive = _naive(tx, base, launch, end, "amount")
    used_controls = np.unique(data["customer"][(data["role"] == 1) & design.used_rows])
    method = (
        f"staggered matched difference-in-differences: {len(cohort_keys)} monthly enrolment "
        f"cohorts, {pre_months} months before vs {post_months} after the enrolment month, "
        f"not-yet/never-enrolled controls"
        + (" with an order in the enrolment month" if anchor == "purchase" else "")
        + f", exact matching on pre-window orders (0-{max_orders_bin}+), recency and spend "
        f"per order; customer bootstrap ({n_boot}, seed {seed})"
    )
    return ProgramEvaluation(
        naive=naive,
        causal=float(point["lift"][0]),
        causal_low=low,
        causal_high=high_,
        spend_naive=spend_naive,
        spend_causal=float(point["spend_lift"][0]),
        spend_low=spend_low,
        spend_high=spend_high,
        n_members=int(point["used_members"][0]),
        n_controls=len(used_controls),
        n_unmatched=int(((data["role"] == 0) & ~design.used_rows).sum()),
        n_outside=n_outside,
        method=method,
        pre_months=pre_months,
        post_months=post_months,
        confidence=confidence,
        n_boot=n_boot,
        cohorts=table,
    )


class _Design:
    """The matched rows as sparse sums, so every bootstrap replicate is a few products."""

    def __init__(self, data: dict[str, np.ndarray], n_keys: int, n_customers: int) -> None:
        self.data = data
        self.n_keys = n_keys
        self.n_customers = n_customers
        self.sums: dict[tuple[int, str], sparse.csr_matrix] = {}
        for role in (0, 1):
            index = np.flatnonzero(data["role"] == role)
            for name in ("one", "pre", "post", "pre_s", "post_s"):
                values = np.ones(len(index)) if name == "one" else data[name][index]
                # customers x keys: each customer's contribution to each cell
                self.sums[(role, name)] = sparse.csr_matrix(
                    (values, (data["customer"][index], data["key"][index])),
                    shape=(n_customers, n_keys),
                )
        members = self._cells(np.ones((1, n_customers)))
        usable = (members[(0, "one")][0] > 0) & (members[(1, "one")][0] > 0)
        self.used_keys = usable
        self.used_rows = usable[data["key"]]

    def _cells(self, weights: np.ndarray) -> dict[tuple[int, str], np.ndarray]:
        return {key: np.asarray((matrix.T @ weights.T).T) for key, matrix in self.sums.items()}

    def estimate(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        cells = self._cells(weights)
        m_n, c_n = cells[(0, "one")], cells[(1, "one")]
        ok = (m_n > 0) & (c_n > 0)
        safe = np.where(ok, c_n, 1.0)
        out: dict[str, np.ndarray] = {"used_members": np.where(ok, m_n, 0.0).sum(axis=1)}
        for suffix, label in (("", "lift"), ("_s", "spend_lift")):
            change_c = (cells[(1, "post" + suffix)] - cells[(1, "pre" + suffix)]) / safe
            effect = cells[(0, "post" + suffix)] - cells[(0, "pre" + suffix)] - m_n * change_c
            counterfactual = cells[(0, "pre" + suffix)] + m_n * change_c
            total_effect = np.where(ok, effect, 0.0).sum(axis=1)
            total_cf = np.where(ok, counterfactual, 0.0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[label] = total_effect / total_cf
        return out

    def cohort_table(self, key_cohort: np.ndarray, n_cohorts: int) -> pd.DataFrame:
        cells = self._cells(np.ones((1, self.n_customers)))
        ok = self.used_keys
        m_n, c_n = cells[(0, "one")][0], cells[(1, "one")][0]
        share = np.divide(m_n, c_n, out=np.zeros_like(m_n), where=c_n > 0)

        def by_cohort(values: np.ndarray) -> np.ndarray:
            return np.bincount(key_cohort, np.where(ok, values, 0.0), minlength=n_cohorts)

        members = by_cohort(m_n)
        columns: dict[str, Any] = {
            "members": members.astype(int),
            "controls": np.bincount(key_cohort, np.where(ok, c_n, 0.0), minlength=n_cohorts).astype(
                int
            ),
            "unmatched": np.bincount(
                key_cohort, np.where(ok, 0.0, m_n), minlength=n_cohorts
            ).astype(int),
        }
        for suffix, label in (("", ""), ("_s", "spend_")):
            m_pre = by_cohort(cells[(0, "pre" + suffix)][0])
            m_post = by_cohort(cells[(0, "post" + suffix)][0])
            c_pre = by_cohort(cells[(1, "pre" + suffix)][0] * share)
            c_post = by_cohort(cells[(1, "post" + suffix)][0] * share)
            effect = (m_post - m_pre) - (c_post - c_pre)
            counterfactual = m_pre + (c_post - c_pre)
            with np.errstate(invalid="ignore", divide="ignore"):
                if not suffix:
                    columns["members_pre"] = m_pre / members
                    columns["members_post"] = m_post / members
                    columns["controls_pre"] = c_pre / members
                    columns["controls_post"] = c_post / members
                    columns["effect"] = effect / members
                columns[label + "lift"] = effect / counterfactual
        return pd.DataFrame(columns)


def plot_program_effect(evaluation: ProgramEvaluation, ax: Any = None) -> Any:
    """Plot naive and causal lift side by side, the causal one with its interval.

    Parameters
    ----------
    evaluation : ProgramEvaluation
    ax : matplotlib.axes.Axes, optional
        Drawn into a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    table = evaluation.summary()
    y = np.arange(len(table))
    ax.barh(
        y - 0.2,
        table["naive"] * 100,
        height=0.35,
        color="#bbbbbb",
        label="naive: members vs non-members",
    )
    ax.barh(
        y + 0.2, table["causal"] * 100, height=0.35, color="#1f77b4", label="causal: matched DiD"
    )
    errors = np.vstack([table["causal"] - table["low"], table["high"] - table["causal"]]) * 100
    if np.all(np.isfinite(errors)):
        ax.errorbar(
            table["causal"] * 100, y + 0.2, xerr=errors, fmt="none", color="black", capsize=3
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, table["outcome"])
    ax.invert_yaxis()  # orders on top, the naive bar above the causal one
    ax.set_xlabel(f"relative lift, % ({100 * evaluation.confidence:.0f} % interval)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize="small")
    ax.set_title("Members vs non-members (naive) and the program's own effect")
    return ax
