"""Synthetic loyalty-program data: a member base and a points ledger, with the truth stored.

Built on the synthetic transactions of :func:`loyaltylab.datasets.generate_transactions` (BG/NBD
purchasing, Gamma-Gamma spend), :func:`generate_loyalty` adds

* **enrolment, self-selected**: a customer enrols at the till, at their first purchase on or
  after the program launch (customers without one cannot enrol), with probability
  ``logistic(logit(enrol_base) + enrol_slope * score_i)``; the score is, with
  ``selection="rate"``, ``log(lam_i / median(lam))`` (heavier buyers by their true rate enrol
  more), with ``selection="behaviour"`` (the snapshot's) ``log(1 + n_i)`` centred on its median,
  ``n_i`` the orders in the :data:`RECENT_DAYS` days before that purchase (heavier and more recent
  buyers by what the data show enrol more). A customer with the median score enrols with
  probability ``enrol_base``. Selection on behaviour is what a matched evaluation on
  pre-enrolment behaviour (:func:`loyaltylab.evaluation.evaluate_program`) can undo; selection on
  the true rate beyond it cannot (on this generator, with a true effect of +8 %, the matched
  estimate was +55 % under ``selection="rate"``).
* a **true program effect** (``program_effect``, default 0): from her enrolment on, a member's
  purchase rate while alive is ``lam * (1 + program_effect)``: the extra purchases are a Poisson
  process of rate ``program_effect * lam`` from the enrolment to her dropout (``alive_until``,
  or the observation end), spend drawn from her own Gamma-Gamma spend distribution
  (``Gamma(mean_spend * nu, rate nu)``); they do not change when she drops out. The
  transactions mark them ``incremental``; the ledger books points on them like on any member
  purchase. With ``program_effect=0`` any member/non-member gap is pure self-selection.
* a **simple points program** (:class:`SyntheticPointsProgram`: a rewards
  :class:`~loyaltylab.config.programs.PointsRules` plus the members' redemption behaviour and
  tiers), booked on the rewards points ledger
  (:class:`~loyaltylab.rewards.ledger.PointsLedger`, the same engine as the reward simulation):
  a member earns ``floor(amount * earn_rate)`` points on every purchase from enrolment on; right
  after a purchase that brings the balance to at least ``redemption_threshold`` points the
  member redeems, with probability ``redeem_probability``, as many whole rewards of
  ``redemption_threshold`` points as the balance covers; points **expire on inactivity**: when a
  member makes no purchase for ``expiry_days`` days, the whole balance expires ``expiry_days``
  days after their last purchase (also after the last purchase, if that date is before the
  observation end) - the expiry policy ``after_inactivity_days`` of the default rules
  (:data:`~loyaltylab.datasets.loyalty_points.SYNTHETIC_POINTS_RULES`).
* **tiers** by points earned to date (``tier_thresholds``), and an enrolment **channel**.

The simulation is vectorised over members (it loops over the *k*-th purchase of every member, not
over rows), seeded, and its truth - true enrolment rate, points issued / redeemed / expired /
outstanding, realised breakage, redemption rate, reward cost - is returned in
:attr:`SyntheticLoyalty.truth`.

The committed snapshot ``data/synthetic_loyalty`` (``transactions.csv.gz``, ``members.csv``,
``ledger.csv``, ``truth.json``) is this program (:data:`SNAPSHOT_SETTINGS`: launch 2024-07-01,
seed 1, a true effect of +8 % orders per customer-month from enrolment) run on the
``synthetic`` transactions snapshot (``data/synthetic``, 5,000 customers, which stays
program-free): its ``transactions.csv.gz`` is ``synthetic`` plus the members' extra purchases
(``order_id`` included, the key of the ledger's ``earn`` rows), and ``truth.json`` records
``true_program_effect`` and the naive member/non-member gap ``naive_program_gap``
(:func:`loyaltylab.evaluation.naive_gap`), several times larger. Regenerate it with::

    .venv/bin/python -m loyaltylab.datasets.loyalty data/synthetic_loyalty
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from loyaltylab.data import LoadedTransactions
from loyaltylab.data.loyalty import LoadedLedger, LoadedMembers, load_ledger, load_members
from loyaltylab.datasets.loyalty_effect import (
    PROGRAM_EFFECT_UNIT,
    RECENT_DAYS,
    effect_truth,
    program_purchases,
    recent_orders,
)
from loyaltylab.datasets.loyalty_points import (
    SYNTHETIC_POINTS_RULES,
    SyntheticPointsProgram,
    book_points,
)
from loyaltylab.errors import ParameterError
from loyaltylab.files import write_gzip_text
from loyaltylab.rules import as_day

__all__ = [
    "PROGRAM_EFFECT_UNIT",
    "RECENT_DAYS",
    "SNAPSHOT_FILES",
    "SNAPSHOT_SETTINGS",
    "SYNTHETIC_LOYALTY",
    "SYNTHETIC_POINTS_RULES",
    "SyntheticLoyalty",
    "SyntheticPointsProgram",
    "generate_loyalty",
    "load_synthetic_loyalty",
    "resolve_ledger",
    "resolve_loyalty_transactions",
    "resolve_members",
    "simulate_program",
    "snapshot_program",
    "write_snapshot",
]

#: The name notebooks use for the bundled snapshot.
SYNTHETIC_LOYALTY = "synthetic_loyalty"
#: Files of the snapshot in ``data/synthetic_loyalty``.
SNAPSHOT_FILES: tuple[str, ...] = ("transactions.csv.gz", "members.csv", "ledger.csv", "truth.json")
#: How the committed snapshot was made from the ``synthetic`` transactions (``data/synthetic``).
SNAPSHOT_SETTINGS: dict[str, Any] = {
    "program_start": "2024-07-01",
    "observation_end": "2025-12-31",
    "enrol_base": 0.5,
    "enrol_slope": 1.0,
    "selection": "behaviour",
    "program_effect": 0.08,
    "seed": 1,
}
_CHANNELS = ("store", "app", "web")
_CHANNEL_SHARES = (0.6, 0.3, 0.1)


@dataclass(frozen=True, eq=False)
class SyntheticLoyalty:
    """Synthetic transactions, members and points ledger with their truth.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Canonical transactions plus ``order_id``, ``member`` (bought as a member) and, when
        generated (not in the snapshot file), ``incremental`` (an extra purchase the program
        caused).
    members : pandas.DataFrame
        ``customer_id``, ``enrolled_at``, ``tier``, ``channel``.
    ledger : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``kind``, ``points`` (signed), ``order_id``.
    customers : pandas.DataFrame
        Per-customer truth: the transaction generator's columns plus ``enrol_probability``,
        ``enrolled``, ``enrolled_at``, ``points_issued``, ``points_redeemed``, ``points_expired``,
        ``points_balance``, ``tier``.
    truth : dict
        Program-level truth (see :func:`simulate_program`), with the transaction generator's
        truth under ``"transactions"``.
    """

    transactions: pd.DataFrame
    members: pd.DataFrame
    ledger: pd.DataFrame
    customers: pd.DataFrame
    truth: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Return the key truth values as a two-column table (``quantity``, ``value``)."""
        keys = [
            "n_customers",
            "n_members",
            "enrolment_rate",
            "points_issued",
            "points_redeemed",
            "points_expired",
            "points_outstanding",
            "redemption_rate",
            "breakage_rate",
            "reward_cost",
            "reward_cost_share",
            "true_program_effect",
            "naive_program_gap",
        ]
        return pd.DataFrame([(key, self.truth[key]) for key in keys], columns=["quantity", "value"])


def _logit(probability: float) -> float:
    return math.log(probability / (1.0 - probability))


def simulate_program(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    program: SyntheticPointsProgram | None = None,
    program_start: Any = None,
    observation_end: Any = None,
    enrol_base: float = 0.3,
    enrol_slope: float = 1.0,
    selection: str = "rate",
    program_effect: float = 0.0,
    seed: int = 0,
) -> SyntheticLoyalty:
    """Run a points program over existing transactions: enrolment, effect, ledger and truth.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``; ``order_id`` is made
        when absent).
    customers : pandas.DataFrame
        One row per customer with ``customer_id`` and ``lam`` (true purchase rate per week),
        e.g. ``SyntheticTransactions.customers``; with a ``program_effect`` also
        ``alive_until`` (dropout time, ``NaT`` = alive at the end), ``nu`` and ``mean_spend``
        (Gamma-Gamma spend).
    program : SyntheticPointsProgram, optional
        The program (default settings when ``None``).
    program_start : date-like, optional
        Launch day, read by :func:`loyaltylab.rules.as_day` (a time of day is dropped: members
        enrol from the start of that day); default the first transaction's day.
    observation_end : date-like, optional
        Last day observed, read by :func:`loyaltylab.rules.as_day` (expiries after it are not
        in the ledger); default the last transaction's day.
    enrol_base : float, default 0.3
        Enrolment probability of a customer with the median selection score.
    enrol_slope : float, default 1.0
        Log-odds of enrolment per unit of the selection score (0 = no self-selection).
    selection : {"rate", "behaviour"}, default "rate"
        The selection score: ``"rate"`` = ``log(lam / median(lam))`` (the true purchase rate);
        ``"behaviour"`` = ``log(1 + orders in the RECENT_DAYS days before the decision
        purchase)``, centred on its median over the customers who can enrol (heavier and more
        recent buyers join more, on what the data show).
    program_effect : float, default 0.0
        True relative lift of a member's purchase rate from her enrolment on (0.08 = +8 %
        orders per customer-month while alive); the extra purchases come from their own random
        stream, so the members are the same for every effect.
    seed : int, default 0
        Seed of the random numbers (enrolment, channel, redemption decisions; the extra
        purchases use the stream ``[seed, 1]``).

    Returns
    -------
    SyntheticLoyalty
        ``truth`` holds ``n_customers`` (customers with a transaction), ``n_members``,
        ``enrolment_rate`` (members / customers), ``expected_enrolment_rate`` (its expectation:
        the enrolment probabilities of the customers who could enrol, summed, / customers),
        ``participation_rate_90d`` (members with a purchase in the last 90 days / members),
        ``points_issued``, ``points_redeemed``,
        ``points_expired`` (positive amounts), ``points_outstanding`` (balance at the observation
        end), ``redemption_rate`` (redeemed / issued), ``breakage_rate`` (expired / issued),
        ``reward_cost`` (redeemed x point value), ``revenue``, ``reward_cost_share``
        (reward cost / revenue), ``program_effect`` and ``true_program_effect`` (the
        ``program_effect`` given, in :data:`PROGRAM_EFFECT_UNIT`), ``incremental_orders`` and
        ``incremental_revenue`` (the extra purchases), ``realised_program_effect`` (extra orders /
        the members' other orders after their enrolment purchase), ``naive_program_gap``
        (:func:`loyaltylab.evaluation.naive_gap`: members' orders per customer-month after
        enrolment vs non-members' after the launch, relative) and the settings used.
    """
    program = program or SyntheticPointsProgram()
    if not 0 < enrol_base < 1:
        raise ParameterError(f"parameter 'enrol_base' must be in (0, 1), got {enrol_base}")
    if not (math.isfinite(program_effect) and program_effect >= 0):
        raise ParameterError(
            f"parameter 'program_effect' must be a finite lift >= 0 (0.08 = +8 %), got "
            f"{program_effect!r}"
        )
    required = {"customer_id", "lam"}
    if program_effect > 0:
        required |= {"alive_until", "nu", "mean_spend"}
    missing = required - set(customers.columns)
    if missing:
        raise ParameterError(
            f"parameter 'customers' lacks column(s) {sorted(missing)}"
            + (
                " (a program_effect needs the generator's alive_until, nu and mean_spend)"
                if program_effect > 0
                else ""
            )
        )
    rng = np.random.default_rng(seed)
    tx = transactions.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(
        drop=True
    )
    if "order_id" not in tx.columns:
        tx["order_id"] = [f"o{index:07d}" for index in range(len(tx))]
    launch = as_day(program_start, "program_start", optional=True)
    if launch is None:
        launch = tx["timestamp"].min().normalize()
    end = as_day(observation_end, "observation_end", optional=True)
    if end is None:
        end = tx["timestamp"].max().normalize()
    end_exclusive = end + pd.Timedelta(days=1)
    late = tx["timestamp"] >= end_exclusive
    if late.any():
        raise ParameterError(
            f"parameter 'transactions' has {int(late.sum())} row(s) after observation_end "
            f"{end.date()}, e.g.\n{tx.loc[late].head(5).to_string()}"
        )

    # --- enrolment: self-selected on the true purchase rate or on recent behaviour ------------
    if selection not in ("rate", "behaviour"):
        raise ParameterError(
            f"parameter 'selection' must be 'rate' or 'behaviour', got {selection!r}"
        )
    truth_frame = customers.copy()
    truth_frame["customer_id"] = truth_frame["customer_id"].astype(str)
    lam = truth_frame["lam"].to_numpy(dtype=float)
    if not np.all(np.isfinite(lam)) or np.any(lam < 0) or not np.any(lam > 0):
        raise ParameterError("column 'lam' of 'customers' must hold finite rates >= 0, some > 0")
    after_launch = tx.loc[tx["timestamp"] >= launch]
    first_after = after_launch.groupby("customer_id", sort=False)["timestamp"].min()
    can_enrol = truth_frame["customer_id"].map(first_after)
    if selection == "rate":
        # a rate of exactly 0 (Gamma draws with a small shape can underflow) enrols with
        # probability ~0; the floor keeps the log finite
        floor = np.finfo(float).tiny
        score = np.log(np.maximum(lam, floor) / max(float(np.median(lam)), floor))
    else:
        recent = recent_orders(tx, truth_frame["customer_id"], can_enrol)
        eligible_score = np.log1p(recent[can_enrol.notna().to_numpy()])
        centre = float(np.median(eligible_score)) if eligible_score.size else 0.0
        score = np.log1p(recent) - centre
    probability = expit(_logit(enrol_base) + enrol_slope * score)
    if selection == "behaviour":
        probability = np.where(can_enrol.notna().to_numpy(), probability, 0.0)
    draws = rng.random(len(truth_frame))
    channel_draws = rng.choice(len(_CHANNELS), size=len(truth_frame), p=_CHANNEL_SHARES)
    truth_frame["enrol_probability"] = probability
    enrolled = can_enrol.notna().to_numpy() & (draws < probability)
    truth_frame["enrolled"] = enrolled
    truth_frame["enrolled_at"] = can_enrol.where(enrolled)
    truth_frame["channel"] = np.asarray(_CHANNELS)[channel_draws]

    enrolled_at = truth_frame.set_index("customer_id")["enrolled_at"]
    tx["incremental"] = False
    if program_effect > 0:
        extra = program_purchases(
            truth_frame.loc[enrolled],
            program_effect,
            end_exclusive,
            np.random.default_rng([seed, 1]),
        )
        tx = pd.concat([tx, extra], ignore_index=True)
        tx = tx.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(drop=True)
    joined = tx["customer_id"].map(enrolled_at)
    tx["member"] = (joined.notna() & (tx["timestamp"] >= joined)).to_numpy()

    # --- points: earn, redeem, expire, one purchase rank at a time -----------------------------
    ledger, balances = book_points(tx.loc[tx["member"]], program, end_exclusive, rng)
    truth_frame = truth_frame.merge(balances, on="customer_id", how="left")
    for column in ("points_issued", "points_redeemed", "points_expired", "points_balance"):
        truth_frame[column] = truth_frame[column].fillna(0.0)
    thresholds = [program.tier_thresholds[tier] for tier in program.tiers]
    tier_index = np.searchsorted(thresholds, truth_frame["points_issued"].to_numpy(), side="right")
    tier_names = np.asarray(program.tiers, dtype=object)[np.maximum(tier_index - 1, 0)]
    no_tier = np.full(len(truth_frame), None, dtype=object)
    truth_frame["tier"] = np.where(truth_frame["enrolled"].to_numpy(bool), tier_names, no_tier)

    members = (
        truth_frame.loc[truth_frame["enrolled"], ["customer_id", "enrolled_at", "tier", "channel"]]
        .sort_values("customer_id")
        .reset_index(drop=True)
    )
    members["enrolled_at"] = members["enrolled_at"].astype("datetime64[ns]")
    buyers = tx["customer_id"].unique()
    eligible = can_enrol.notna().to_numpy()
    issued = float(truth_frame["points_issued"].sum())
    redeemed = float(truth_frame["points_redeemed"].sum())
    expired = float(truth_frame["points_expired"].sum())
    revenue = float(tx["amount"].sum())
    active_start = end_exclusive - pd.Timedelta(days=90)
    active_members = tx.loc[tx["member"] & (tx["timestamp"] >= active_start), "customer_id"]
    truth: dict[str, Any] = {
        "n_customers": int(len(buyers)),
        "n_members": int(len(members)),
        "enrolment_rate": len(members) / len(buyers),
        "expected_enrolment_rate": float(probability[eligible].sum()) / len(buyers),
        "participation_rate_90d": active_members.nunique() / max(len(members), 1),
        "points_issued": issued,
        "points_redeemed": redeemed,
        "points_expired": expired,
        "points_outstanding": issued - redeemed - expired,
        "redemption_rate": redeemed / issued if issued else float("nan"),
        "breakage_rate": expired / issued if issued else float("nan"),
        "reward_cost": redeemed * program.points.point_value,
        "revenue": revenue,
        "reward_cost_share": redeemed * program.points.point_value / revenue,
        "program_effect": float(program_effect),
        "true_program_effect": float(program_effect),
        "program_effect_unit": PROGRAM_EFFECT_UNIT,
        **effect_truth(tx, members, launch, end),
        "program": program.settings(),
        "program_start": launch.date().isoformat(),
        "observation_end": end.date().isoformat(),
        "enrol_base": enrol_base,
        "enrol_slope": enrol_slope,
        "selection": selection,
        "seed": seed,
    }
    return SyntheticLoyalty(
        transactions=tx,
        members=members,
        ledger=ledger,
        customers=truth_frame,
        truth=truth,
    )


def generate_loyalty(
    n_customers: int,
    *,
    seed: int = 0,
    start: Any = "2024-01-01",
    end: Any = "2025-12-31",
    program: SyntheticPointsProgram | None = None,
    program_start: Any = None,
    enrol_base: float = 0.3,
    enrol_slope: float = 1.0,
    selection: str = "rate",
    program_effect: float = 0.0,
    **transaction_options: Any,
) -> SyntheticLoyalty:
    """Generate synthetic transactions with a member base and a points ledger, truth included.

    Parameters
    ----------
    n_customers : int
        Customers of the transaction generator.
    seed : int, default 0
        Seeds the transactions (``seed``) and the program (``seed + 1``).
    start, end : date-like
        The observation window of the transactions; ``end`` is also the observation end of the
        ledger.
    program : SyntheticPointsProgram, optional
        The points program (defaults when ``None``).
    program_start : date-like, optional
        Launch date (default ``start``); a later launch leaves a pre-program baseline.
    enrol_base, enrol_slope : float
        Self-selected enrolment (see the module docstring).
    selection : {"rate", "behaviour"}, default "rate"
        What enrolment selects on (see :func:`simulate_program`).
    program_effect : float, default 0.0
        True relative lift of members' purchase rate from enrolment (see
        :func:`simulate_program`).
    **transaction_options
        Passed to :func:`loyaltylab.datasets.generate_transactions` (e.g. ``r``, ``alpha``).

    Returns
    -------
    SyntheticLoyalty

    Examples
    --------
    >>> data = generate_loyalty(300, seed=1)
    >>> data.truth["points_outstanding"] == (data.truth["points_issued"]
    ...     - data.truth["points_redeemed"] - data.truth["points_expired"])
    True
    """
    from loyaltylab.datasets import generate_transactions

    base = generate_transactions(
        n_customers, seed=seed, start=start, end=end, **transaction_options
    )
    result = simulate_program(
        base.transactions,
        base.customers,
        program=program,
        program_start=program_start or start,
        observation_end=end,
        enrol_base=enrol_base,
        enrol_slope=enrol_slope,
        selection=selection,
        program_effect=program_effect,
        seed=seed + 1,
    )
    truth = {**result.truth, "seed": seed, "program_seed": seed + 1}
    truth["transactions"] = dict(base.truth)
    customers = base.customers.assign(customer_id=base.customers["customer_id"].astype(str))
    extra = result.customers.drop(columns=[c for c in customers.columns if c != "customer_id"])
    return SyntheticLoyalty(
        transactions=result.transactions,
        members=result.members,
        ledger=result.ledger,
        customers=customers.merge(extra, on="customer_id", how="left"),
        truth=truth,
    )


def write_snapshot(data: SyntheticLoyalty, directory: str | Path) -> tuple[Path, ...]:
    """Write transactions (gzip CSV), members, ledger (CSV) and truth (JSON) to ``directory``.

    The transactions are written with ``customer_id``, ``timestamp``, ``amount`` and
    ``order_id`` (not which purchases are the program's extra ones: that is the truth an
    evaluation has to find), gzip-compressed reproducibly
    (:func:`loyaltylab.files.write_gzip_text`).

    Parameters
    ----------
    data : SyntheticLoyalty
    directory : str or pathlib.Path
        Created if missing.

    Returns
    -------
    tuple of pathlib.Path
        The files written, in :data:`SNAPSHOT_FILES` order.
    """
    from loyaltylab.metrics import to_jsonable

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = "%Y-%m-%d %H:%M:%S"
    columns = ["customer_id", "timestamp", "amount", "order_id"]
    text = data.transactions[columns].to_csv(index=False, date_format=stamp, lineterminator="\n")
    write_gzip_text(folder / "transactions.csv.gz", text)
    data.members.to_csv(folder / "members.csv", index=False, date_format=stamp)
    data.ledger.to_csv(folder / "ledger.csv", index=False, date_format=stamp)
    text = json.dumps(to_jsonable(data.truth), indent=2, sort_keys=True, allow_nan=False)
    (folder / "truth.json").write_text(text + "\n", encoding="utf-8")
    return tuple(folder / name for name in SNAPSHOT_FILES)


def _snapshot_dir() -> Path:
    from loyaltylab.paths import data_dir

    return data_dir() / SYNTHETIC_LOYALTY


def snapshot_program(transactions_dir: str | Path | None = None) -> SyntheticLoyalty:
    """Run the snapshot's program (:data:`SNAPSHOT_SETTINGS`) on the ``synthetic`` snapshot.

    Parameters
    ----------
    transactions_dir : str or pathlib.Path, optional
        Folder of the synthetic transactions snapshot (default ``data/synthetic``).

    Returns
    -------
    SyntheticLoyalty
        With the transaction generator's truth under ``truth["transactions"]``.
    """
    from loyaltylab.datasets.resolve import synthetic_dir
    from loyaltylab.datasets.synthetic import read_synthetic

    base = read_synthetic(transactions_dir if transactions_dir is not None else synthetic_dir())
    result = simulate_program(base.transactions, base.customers, **SNAPSHOT_SETTINGS)
    truth = {**result.truth, "transactions_data_set": "synthetic"}
    truth["transactions"] = dict(base.truth)
    return replace(result, truth=truth)


def load_synthetic_loyalty(directory: str | Path | None = None) -> SyntheticLoyalty:
    """Read the committed snapshot (``data/synthetic_loyalty`` + ``data/synthetic``).

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Folder of the transactions, members, ledger and truth; default
        ``<project root>/data/synthetic_loyalty``.

    Returns
    -------
    SyntheticLoyalty
        ``transactions`` (the ``synthetic`` purchases plus the members' extra ones) gains
        ``member`` (bought on or after the buyer's enrolment); ``truth`` is ``truth.json``;
        ``customers`` is empty (the per-customer truth is not part of the snapshot:
        :func:`snapshot_program` recomputes it).
    """
    folder = Path(directory) if directory is not None else _snapshot_dir()
    missing = [name for name in SNAPSHOT_FILES if not (folder / name).is_file()]
    if missing:
        raise ParameterError(
            f"synthetic loyalty snapshot in {folder} lacks {missing}; regenerate it with "
            f"`python -m loyaltylab.datasets.loyalty {folder}`"
        )
    members = pd.read_csv(
        folder / "members.csv", dtype={"customer_id": str}, parse_dates=["enrolled_at"]
    )
    ledger = pd.read_csv(
        folder / "ledger.csv",
        dtype={"customer_id": str, "order_id": str},
        parse_dates=["timestamp"],
    )
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    tx = pd.read_csv(folder / "transactions.csv.gz", dtype={"customer_id": str, "order_id": str})
    tx["timestamp"] = pd.to_datetime(tx["timestamp"]).astype("datetime64[ns]")
    joined = tx["customer_id"].map(members.set_index("customer_id")["enrolled_at"])
    tx["member"] = (joined.notna() & (tx["timestamp"] >= joined)).to_numpy()
    return SyntheticLoyalty(
        transactions=tx,
        members=members,
        ledger=ledger,
        customers=pd.DataFrame(),
        truth=truth,
    )


def resolve_loyalty_transactions(
    source: str | Path | pd.DataFrame, columns: Mapping[str, str] | None = None, **policy: Any
) -> LoadedTransactions:
    """Load transactions by name, where ``"synthetic_loyalty"`` is the loyalty program's.

    The synthetic loyalty data are the ``synthetic`` transactions plus the members' extra
    purchases the program causes (``data/synthetic_loyalty/transactions.csv.gz``), the member
    base and the points ledger; this lets a notebook use one name for all three.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        ``"synthetic_loyalty"``, or anything :func:`loyaltylab.datasets.resolve_transactions`
        accepts.
    columns : mapping, optional
        Canonical name → your column name (not with a data set name).
    **policy
        Passed to :func:`loyaltylab.data.load_transactions`.

    Returns
    -------
    loyaltylab.data.LoadedTransactions
    """
    from loyaltylab.data import load_transactions
    from loyaltylab.datasets.resolve import resolve_transactions

    if isinstance(source, str) and source.strip() == SYNTHETIC_LOYALTY:
        if columns:
            raise ParameterError(
                f"parameter 'columns' does not apply to the data set {SYNTHETIC_LOYALTY!r} "
                "(its columns are canonical already)"
            )
        path = _snapshot_dir() / "transactions.csv.gz"
        if not path.is_file():
            raise ParameterError(
                f"synthetic loyalty snapshot {path} not found; regenerate it with "
                f"`python -m loyaltylab.datasets.loyalty {path.parent}`"
            )
        return load_transactions(path, source_name=SYNTHETIC_LOYALTY, **policy)
    return resolve_transactions(source, columns, **policy)


def resolve_members(
    source: str | Path | pd.DataFrame, columns: Mapping[str, str] | None = None, **policy: Any
) -> LoadedMembers:
    """Load a member table by name (``"synthetic_loyalty"``) or like :func:`load_members`.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        ``"synthetic_loyalty"`` (the committed snapshot), a CSV/Parquet path or a DataFrame.
    columns : mapping, optional
        Canonical name → your column name.
    **policy
        Passed to :func:`loyaltylab.data.loyalty.load_members` (``tiers``, ``observation_end``,
        ``duplicates``).

    Returns
    -------
    LoadedMembers
    """
    if isinstance(source, str) and source.strip() == SYNTHETIC_LOYALTY:
        data = load_synthetic_loyalty()
        policy.setdefault("tiers", list(data.truth["program"]["tier_thresholds"]))
        loaded = load_members(data.members, **policy)
        return replace(loaded, source=SYNTHETIC_LOYALTY)
    return load_members(source, columns, **policy)


def resolve_ledger(
    source: str | Path | pd.DataFrame, columns: Mapping[str, str] | None = None, **policy: Any
) -> LoadedLedger:
    """Load a points ledger by name (``"synthetic_loyalty"``) or like :func:`load_ledger`.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        ``"synthetic_loyalty"`` (the committed snapshot), a CSV/Parquet path or a DataFrame.
    columns : mapping, optional
        Canonical name → your column name.
    **policy
        Passed to :func:`loyaltylab.data.loyalty.load_ledger` (``members``, ``observation_end``,
        ``overdraft``, ...).

    Returns
    -------
    LoadedLedger
    """
    if isinstance(source, str) and source.strip() == SYNTHETIC_LOYALTY:
        loaded = load_ledger(load_synthetic_loyalty().ledger, **policy)
        return replace(loaded, source=SYNTHETIC_LOYALTY)
    return load_ledger(source, columns, **policy)


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate the snapshot: ``python -m loyaltylab.datasets.loyalty data/synthetic_loyalty``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "directory", help="where to write transactions.csv.gz, members.csv, ledger.csv, truth.json"
    )
    args = parser.parse_args(argv)
    for path in write_snapshot(snapshot_program(), args.directory):
        print(path)


if __name__ == "__main__":
    main()
