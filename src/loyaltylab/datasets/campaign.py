"""Synthetic loyalty campaign experiment with known heterogeneous effects (and the truth).

A customer base with a purchase history is drawn from the BG/NBD + Gamma-Gamma generator
(:func:`loyaltylab.datasets.generate_transactions`) up to the campaign start. Then:

* every customer gets a channel (``app``, ``email``, ``store``) and is randomised to an arm with
  the designed split (independent draws, so arm sizes vary like in a real test);
* during the ``campaign_weeks`` after the start, a customer who is still alive (BG/NBD) visits at
  their weekly rate ``lam``; one who has dropped out comes back at ``dormant_rate`` per week. The
  number of visits is Poisson with mean ``weeks * rate * (1 + lift)``, where the arm's lift is
  ``lifts[arm][channel] * exp(-recency_weeks / recency_scale[arm])`` (0 in control): the effect
  depends on the segment (channel) and fades with recency at an arm-specific speed;
* spend is the sum of the visits' Gamma-Gamma amounts (mean ``mean_spend`` per visit).

The truth is exact expectations given each customer's parameters: for arm ``a`` and customer ``i``
``E[visits] = mu_ia``, ``E[visited] = 1 - exp(-mu_ia)``, ``E[spend] = mu_ia * mean_spend_i``.
Individual uplift is the difference to control; the true average effect of an arm is the mean of
the individual uplifts over all customers (the sample average treatment effect). Within the short
campaign window further BG/NBD dropout is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.rules import as_day

__all__ = [
    "CAMPAIGN_OUTCOMES",
    "DEFAULT_ARMS",
    "DEFAULT_LIFTS",
    "DEFAULT_RECENCY_SCALE",
    "SyntheticCampaign",
    "generate_campaign",
]

DEFAULT_ARMS: dict[str, float] = {"control": 0.4, "double_points": 0.3, "personal_offer": 0.3}
DEFAULT_LIFTS: dict[str, dict[str, float]] = {
    "double_points": {"app": 0.6, "email": 0.3, "store": 0.2},
    "personal_offer": {"app": 0.3, "email": 1.0, "store": 0.4},
}
DEFAULT_RECENCY_SCALE: dict[str, float] = {"double_points": 13.0, "personal_offer": 52.0}
CHANNELS = ("app", "email", "store")
CAMPAIGN_OUTCOMES = ("visited", "visits", "spend")
_RECENCY_GROUPS = ((8.0, "active"), (26.0, "lapsing"), (np.inf, "lapsed"))


@dataclass(frozen=True)
class SyntheticCampaign:
    """A simulated campaign experiment and its ground truth.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per customer, the analysis input: customer_id, arm, channel, recency_group,
        recency_weeks, frequency, tenure_weeks, pre_visited, pre_visits, pre_spend (the
        ``campaign_weeks`` before the start), visited, visits, spend (during the campaign).
    customers : pandas.DataFrame
        Per-customer truth: customer_id, alive, base_rate (visits per week without treatment),
        mean_spend, and ``uplift_<arm>_<outcome>`` (expected individual uplift) for every
        treatment arm and outcome in ``visited``, ``visits``, ``spend``.
    effects : pandas.DataFrame
        True average effects: arm, outcome, control_mean, treatment_mean, absolute, relative
        (outcomes: visited, visits, spend and the ratio spend_per_visit).
    segment_effects : pandas.DataFrame
        True average effects within each value of ``channel`` and ``recency_group``.
    truth : dict
        Generator settings (seed, arms and split, lifts, recency scales, window, BG/NBD truth).
    """

    frame: pd.DataFrame
    customers: pd.DataFrame
    effects: pd.DataFrame
    segment_effects: pd.DataFrame
    truth: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Return the true average effects (one row per arm and outcome)."""
        return self.effects.copy()

    def true_uplift(self, arm: str, outcome: str) -> np.ndarray:
        """Return the true individual uplift of ``arm`` on ``outcome`` (row order of ``frame``).

        Parameters
        ----------
        arm : str
            A treatment arm.
        outcome : str
            ``"visited"``, ``"visits"`` or ``"spend"``.

        Returns
        -------
        numpy.ndarray
        """
        column = f"uplift_{arm}_{outcome}"
        if column not in self.customers.columns:
            raise ParameterError(f"no true uplift for arm {arm!r} and outcome {outcome!r}")
        return self.customers[column].to_numpy()

    def true_effect(self, arm: str, outcome: str, field: str = "absolute") -> float:
        """Return one true average effect (``field`` of :attr:`effects`)."""
        rows = self.effects[(self.effects["arm"] == arm) & (self.effects["outcome"] == outcome)]
        if rows.empty:
            raise ParameterError(f"no true effect for arm {arm!r} and outcome {outcome!r}")
        return float(rows[field].iloc[0])


def _recency_group(recency_weeks: np.ndarray) -> np.ndarray:
    labels = np.empty(recency_weeks.size, dtype=object)
    lower = -np.inf
    for upper, label in _RECENCY_GROUPS:
        labels[(recency_weeks > lower) & (recency_weeks <= upper)] = label
        lower = upper
    return labels


def _expected(mu: np.ndarray, mean_spend: np.ndarray) -> dict[str, np.ndarray]:
    return {"visited": -np.expm1(-mu), "visits": mu, "spend": mu * mean_spend}


def _effects_table(
    expected: Mapping[str, Mapping[str, np.ndarray]], control: str, mask: np.ndarray | None = None
) -> list[dict[str, Any]]:
    rows = []
    base = expected[control]
    for arm, values in expected.items():
        if arm == control:
            continue
        for outcome in (*CAMPAIGN_OUTCOMES, "spend_per_visit"):
            if outcome == "spend_per_visit":
                c_mean = _masked_sum(base["spend"], mask) / _masked_sum(base["visits"], mask)
                t_mean = _masked_sum(values["spend"], mask) / _masked_sum(values["visits"], mask)
            else:
                c_mean = _masked_mean(base[outcome], mask)
                t_mean = _masked_mean(values[outcome], mask)
            rows.append(
                {
                    "arm": arm,
                    "outcome": outcome,
                    "control_mean": c_mean,
                    "treatment_mean": t_mean,
                    "absolute": t_mean - c_mean,
                    "relative": (t_mean - c_mean) / c_mean if c_mean else np.nan,
                }
            )
    return rows


def _masked_sum(values: np.ndarray, mask: np.ndarray | None) -> float:
    return float(values.sum() if mask is None else values[mask].sum())


def _masked_mean(values: np.ndarray, mask: np.ndarray | None) -> float:
    return float(values.mean() if mask is None else values[mask].mean())


def generate_campaign(
    n_customers: int = 20_000,
    *,
    seed: int = 0,
    arms: Mapping[str, float] | None = None,
    control: str = "control",
    lifts: Mapping[str, Mapping[str, float]] | None = None,
    recency_scale: Mapping[str, float] | None = None,
    history_start: str | pd.Timestamp = "2024-01-01",
    campaign_start: str | pd.Timestamp = "2025-10-01",
    acquisition_end: str | pd.Timestamp | None = None,
    campaign_weeks: float = 6.0,
    dormant_rate: float = 0.005,
    channel_shares: tuple[float, float, float] = (0.35, 0.35, 0.30),
) -> SyntheticCampaign:
    """Simulate a randomised loyalty campaign on a BG/NBD customer base.

    Parameters
    ----------
    n_customers : int, default 20000
        Customers in the experiment.
    seed : int, default 0
        Seed; the same seed gives the same campaign (history, assignment and outcomes).
    arms : mapping of str to float, optional
        Arm labels and designed shares (default :data:`DEFAULT_ARMS`: control 40 %,
        double_points 30 %, personal_offer 30 %).
    control : str, default "control"
        The control arm's label (must be in ``arms``).
    lifts : mapping, optional
        ``{arm: {channel: lift}}``: relative increase of the visit rate at recency 0 (default
        :data:`DEFAULT_LIFTS`).
    recency_scale : mapping of str to float, optional
        ``{arm: weeks}``: the lift decays as ``exp(-recency / weeks)``.
    history_start : str or pandas.Timestamp, default "2024-01-01"
        First day of the purchase history.
    campaign_start : str or pandas.Timestamp, default "2025-10-01"
        First day of the campaign (the history ends the day before).
    acquisition_end : str or pandas.Timestamp, optional
        Last day of first purchases (default: 12 weeks before the campaign start), so the base
        mixes new, active and lapsed customers.

        The three are days, read by :func:`loyaltylab.rules.as_day` (ISO 8601 or a ``yyyymmdd``
        number; a time of day is dropped).
    campaign_weeks : float, default 6
        Length of the campaign window, and of the pre-period window used for the covariates.
    dormant_rate : float, default 0.005
        Weekly visit rate of customers who have dropped out.
    channel_shares : tuple of 3 floats, default (0.35, 0.35, 0.30)
        Shares of the app, email and store channels.

    Returns
    -------
    SyntheticCampaign

    Examples
    --------
    >>> campaign = generate_campaign(2000, seed=1)
    >>> sorted(campaign.frame["arm"].unique())
    ['control', 'double_points', 'personal_offer']
    """
    from loyaltylab.datasets.synthetic import generate_transactions

    arm_shares = dict(DEFAULT_ARMS if arms is None else arms)
    lift_table = {arm: dict(values) for arm, values in (lifts or DEFAULT_LIFTS).items()}
    scales = dict(recency_scale or DEFAULT_RECENCY_SCALE)
    if control not in arm_shares:
        raise ParameterError(f"control label {control!r} is not among the arms {list(arm_shares)}")
    treatments = [arm for arm in arm_shares if arm != control]
    if not treatments:
        raise ParameterError("the campaign needs at least one treatment arm besides control")
    missing = [arm for arm in treatments if arm not in lift_table or arm not in scales]
    if missing:
        raise ParameterError(f"arms {missing} lack a lift table or a recency scale")
    for arm in treatments:
        absent = [channel for channel in CHANNELS if channel not in lift_table[arm]]
        if absent:
            raise ParameterError(f"lifts[{arm!r}] lacks channels {absent}")
    shares = np.array([float(arm_shares[arm]) for arm in arm_shares])
    if np.any(shares <= 0):
        raise ParameterError(f"arm shares must be positive, got {arm_shares}")
    if campaign_weeks <= 0 or dormant_rate < 0:
        raise ParameterError("campaign_weeks must be > 0 and dormant_rate >= 0")
    start = as_day(campaign_start, "campaign_start")
    history_day = as_day(history_start, "history_start")
    acquisition_day = as_day(acquisition_end, "acquisition_end", optional=True)
    if acquisition_day is None:
        acquisition_day = start - pd.Timedelta(weeks=12)
    history_end = start - pd.Timedelta(days=1)
    synthetic = generate_transactions(
        n_customers,
        seed=seed,
        start=history_day,
        end=history_end,
        acquisition_end=acquisition_day,
    )
    customers = synthetic.customers
    transactions = synthetic.transactions
    n = len(customers)
    index = pd.Index(customers["customer_id"])
    position = index.get_indexer(transactions["customer_id"])
    stamps = transactions["timestamp"]
    pre_start = start - pd.Timedelta(weeks=campaign_weeks)
    in_pre = (stamps >= pre_start).to_numpy()
    pre_visits = np.bincount(position[in_pre], minlength=n)
    pre_spend = np.bincount(
        position[in_pre], weights=transactions["amount"].to_numpy()[in_pre], minlength=n
    )
    day = stamps.dt.normalize()
    purchase_days = pd.DataFrame({"pos": position, "day": day}).drop_duplicates()
    frequency = np.bincount(purchase_days["pos"].to_numpy(), minlength=n) - 1
    last = pd.Series(stamps.to_numpy()).groupby(position).max().reindex(range(n)).to_numpy()
    first = customers["first_purchase"].to_numpy()
    week = pd.Timedelta(weeks=1)
    recency_weeks = ((start - pd.DatetimeIndex(last)) / week).to_numpy(dtype=float)
    tenure_weeks = ((start - pd.DatetimeIndex(first)) / week).to_numpy(dtype=float)

    rng = np.random.default_rng([int(seed), 20250])
    channel_p = np.asarray(channel_shares, dtype=float)
    channel = np.asarray(CHANNELS, dtype=object)[rng.choice(3, n, p=channel_p / channel_p.sum())]
    arm_labels = np.asarray(list(arm_shares), dtype=object)
    assigned = rng.choice(len(arm_labels), n, p=shares / shares.sum())
    alive = customers["alive_at_end"].to_numpy(dtype=bool)
    rate = np.where(alive, customers["lam"].to_numpy(), dormant_rate)
    mean_spend = customers["mean_spend"].to_numpy()
    nu = customers["nu"].to_numpy()
    shape = float(synthetic.truth["p"])

    mu: dict[str, np.ndarray] = {}
    for arm in arm_shares:
        if arm == control:
            lift = np.zeros(n)
        else:
            base = np.array([lift_table[arm][c] for c in CHANNELS])[
                pd.Index(CHANNELS).get_indexer(pd.Index(channel))
            ]
            lift = base * np.exp(-recency_weeks / float(scales[arm]))
        mu[arm] = campaign_weeks * rate * (1.0 + lift)
    mu_assigned = np.choose(assigned, [mu[arm] for arm in arm_shares])
    visits = rng.poisson(mu_assigned)
    spend = np.zeros(n)
    has = visits > 0
    spend[has] = np.round(rng.gamma(shape * visits[has], 1.0 / nu[has]), 2)

    frame = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "arm": arm_labels[assigned],
            "channel": channel,
            "recency_group": _recency_group(recency_weeks),
            "recency_weeks": recency_weeks,
            "frequency": frequency.astype(np.int64),
            "tenure_weeks": tenure_weeks,
            "pre_visited": (pre_visits > 0).astype(np.int64),
            "pre_visits": pre_visits.astype(np.int64),
            "pre_spend": np.round(pre_spend, 2),
            "visited": has.astype(np.int64),
            "visits": visits.astype(np.int64),
            "spend": spend,
        }
    )
    expected = {arm: _expected(mu[arm], mean_spend) for arm in arm_shares}
    truth_frame = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "alive": alive,
            "base_rate": rate,
            "mean_spend": mean_spend,
        }
    )
    for arm in treatments:
        for outcome in CAMPAIGN_OUTCOMES:
            truth_frame[f"uplift_{arm}_{outcome}"] = (
                expected[arm][outcome] - expected[control][outcome]
            )
    effects = pd.DataFrame(_effects_table(expected, control))
    segment_rows = []
    for column in ("channel", "recency_group"):
        values = frame[column].to_numpy()
        for value in sorted(set(values)):
            for row in _effects_table(expected, control, values == value):
                segment_rows.append({"segment": column, "segment_value": value, **row})
    truth = {
        "seed": int(seed),
        "n_customers": int(n),
        "arms": {arm: float(share) for arm, share in arm_shares.items()},
        "control": control,
        "lifts": lift_table,
        "recency_scale": {arm: float(value) for arm, value in scales.items()},
        "history_start": str(history_day.date()),
        "campaign_start": str(start.date()),
        "acquisition_end": str(acquisition_day.date()),
        "campaign_weeks": float(campaign_weeks),
        "dormant_rate": float(dormant_rate),
        "channels": dict(
            zip(CHANNELS, (float(x) for x in channel_p / channel_p.sum()), strict=True)
        ),
        "transactions": synthetic.truth,
    }
    return SyntheticCampaign(
        frame=frame,
        customers=truth_frame,
        effects=effects,
        segment_effects=pd.DataFrame(segment_rows),
        truth=truth,
    )
