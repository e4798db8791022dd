"""Synthetic survey answers and referrals with known truth, for the customers of ``synthetic``.

Built on the committed snapshots ``data/synthetic`` (the transactions and each customer's latent
purchase rate) and ``data/synthetic_loyalty/members.csv`` (who is a member, in which tier),
:func:`generate_feedback` writes

**Surveys** - quarterly waves ``2024Q3`` .. ``2025Q3``. Customers who bought in a wave's quarter
are invited; each answers with probability :data:`RESPONSE_RATE`, a few days after one of their
purchases of that quarter (a post-purchase survey). The **NPS group** of an answer depends on
whether the customer buys again in the next quarter (``R``, read from the transactions):
``P(group | R, wave k) ∝ BASE[R][group] * TILT[group] ** k``. Because the tilt does not depend
on ``R``, the odds ratio of retention between two groups is the same in every wave and equals

    OR(promoter vs detractor) = (BASE[1][pro] / BASE[0][pro]) / (BASE[1][det] / BASE[0][det])

so a logit of ``R`` on the NPS group (with wave effects, and with any controls that are
independent of the group given ``R``) has the coefficient ``log OR`` - the **known NPS effect
on next-period retention** in ``truth.json`` (``nps_effect``). Given the invited customers'
retention ``rho_k`` the expected NPS of wave *k* is
``100 * sum_R P(R) (P(pro | R, k) - P(det | R, k))`` and the expected retention of a group is
``sum_k n_k rho_k P(g | 1, k) / sum_k n_k P(g | k)`` (``truth.json``: ``waves``,
``retention_by_group``). The 0-10 answer is drawn within its group, CSAT (1-5) from the group's
CSAT distribution (10 % skip it), the **reward preference** from the shares of the customer's
``segment`` (``non-member`` or the member's tier when the snapshot was written, recorded in the
answer's ``segment`` column; 20 % skip it), a topic at random.

**Referrals** - a new customer (first purchase on or after 2024-02-01) was referred with probability
0.18 if the customer made a repeat purchase in the snapshot's truth and 0.10 otherwise
(referred customers are more loyal, as in Schmitt, Skiera & Van den Bulte 2011), by a customer
whose first purchase is at least a week earlier (chosen with weight = purchase rate), 0-14 days
before the first purchase.

Regenerate with ``.venv/bin/python -m loyaltylab.datasets.feedback data/synthetic_feedback``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError
from loyaltylab.paths import data_dir

if TYPE_CHECKING:  # the loaders are imported when used: loyaltylab.feedback loads statsmodels
    from loyaltylab.feedback.data import LoadedReferrals, LoadedSurveys

__all__ = [
    "BASE",
    "CSAT_GIVEN_GROUP",
    "PREFERENCE_SHARES",
    "RESPONSE_RATE",
    "SYNTHETIC_FEEDBACK",
    "TILT",
    "SyntheticFeedback",
    "generate_feedback",
    "read_feedback_truth",
    "resolve_referrals",
    "resolve_surveys",
    "synthetic_feedback_dir",
    "write_feedback",
]

SYNTHETIC_FEEDBACK = "synthetic_feedback"
#: Share of invited customers who answer.
RESPONSE_RATE = 0.35
#: Waves (quarters) of the synthetic survey.
WAVES: tuple[str, ...] = ("2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3")
_GROUPS = ("detractor", "passive", "promoter")
#: P(group | R) before the wave tilt: R = 1 bought again next quarter, R = 0 did not.
BASE: Mapping[int, Mapping[str, float]] = {
    1: {"detractor": 0.25, "passive": 0.35, "promoter": 0.40},
    0: {"detractor": 0.45, "passive": 0.33, "promoter": 0.22},
}
#: Per-wave tilt of each group (wave k multiplies its weight by TILT ** k): NPS rises.
TILT: Mapping[str, float] = {
    "detractor": float(np.exp(-0.1)),
    "passive": 1.0,
    "promoter": float(np.exp(0.1)),
}
#: The 0-10 answer within each group.
SCORE_GIVEN_GROUP: Mapping[str, Mapping[int, float]] = {
    "detractor": {0: 1 / 14, 1: 1 / 14, 2: 1 / 14, 3: 2 / 14, 4: 2 / 14, 5: 3 / 14, 6: 4 / 14},
    "passive": {7: 0.5, 8: 0.5},
    "promoter": {9: 0.45, 10: 0.55},
}
#: The CSAT answer (1-5) within each NPS group.
CSAT_GIVEN_GROUP: Mapping[str, Mapping[int, float]] = {
    "detractor": {1: 0.25, 2: 0.35, 3: 0.30, 4: 0.10},
    "passive": {2: 0.05, 3: 0.30, 4: 0.50, 5: 0.15},
    "promoter": {3: 0.05, 4: 0.40, 5: 0.55},
}
CSAT_SKIP = 0.10
PREFERENCE_SKIP = 0.20
#: Reward preference shares (monetary, experiential, none) per segment.
PREFERENCE_SHARES: Mapping[str, Mapping[str, float]] = {
    "non-member": {"monetary": 0.70, "experiential": 0.20, "none": 0.10},
    "base": {"monetary": 0.60, "experiential": 0.30, "none": 0.10},
    "silver": {"monetary": 0.45, "experiential": 0.45, "none": 0.10},
    "gold": {"monetary": 0.30, "experiential": 0.62, "none": 0.08},
}
TOPICS: tuple[str, ...] = ("price", "rewards", "service", "delivery", "product range")
REFERRED_PROBABILITY: Mapping[str, float] = {"repeat buyer": 0.18, "one-time buyer": 0.10}
SEED = 14
#: New customers from this day on may have been referred (earlier ones had nobody to refer them).
REFERRALS_FROM = "2024-02-01"


def synthetic_feedback_dir() -> Path:
    """Return the folder of the committed snapshot, ``<project>/data/synthetic_feedback``."""
    return data_dir() / SYNTHETIC_FEEDBACK


@dataclass(frozen=True)
class SyntheticFeedback:
    """Synthetic survey answers and referrals with their truth.

    Attributes
    ----------
    surveys, referrals : pandas.DataFrame
        In the canonical contracts of :mod:`loyaltylab.feedback.data`.
    truth : dict
        The generator's settings and the expected values (module notes).
    """

    surveys: pd.DataFrame
    referrals: pd.DataFrame
    truth: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Return answers, referrals, the NPS effect and the expected NPS of the first wave."""
        return pd.DataFrame(
            [
                {
                    "answers": len(self.surveys),
                    "referrals": len(self.referrals),
                    "nps_log_odds_ratio": self.truth["nps_effect"]["log_odds_ratio"]["promoter"],
                    "first_wave_nps": self.truth["waves"][WAVES[0]]["nps"],
                }
            ]
        )


def _group_probabilities(wave: int) -> dict[int, dict[str, float]]:
    result: dict[int, dict[str, float]] = {}
    for outcome, base in BASE.items():
        weights = {group: base[group] * TILT[group] ** wave for group in _GROUPS}
        total = sum(weights.values())
        result[outcome] = {group: weight / total for group, weight in weights.items()}
    return result


def _draw(rng: np.random.Generator, table: Mapping[Any, float], size: int) -> np.ndarray:
    keys = list(table)
    probabilities = np.array([table[key] for key in keys], dtype=float)
    picks = rng.choice(len(keys), size=size, p=probabilities / probabilities.sum())
    return np.array(keys, dtype=object)[picks]


def _expected_csat(probabilities: Mapping[str, float]) -> tuple[float, float]:
    mean = sum(
        share * sum(score * p for score, p in CSAT_GIVEN_GROUP[group].items())
        for group, share in probabilities.items()
    )
    top2 = sum(
        share * sum(p for score, p in CSAT_GIVEN_GROUP[group].items() if score >= 4)
        for group, share in probabilities.items()
    )
    return float(mean), float(top2)


def generate_feedback(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    members: pd.DataFrame,
    *,
    seed: int = SEED,
) -> SyntheticFeedback:
    """Generate survey answers and referrals with known truth (see the module notes).

    Parameters
    ----------
    transactions : pandas.DataFrame
        The ``synthetic`` transactions (``customer_id``, ``timestamp``, ``amount``).
    customers : pandas.DataFrame
        The snapshot's customer truth (``customer_id``, ``lam``, ``repeat_purchases``).
    members : pandas.DataFrame
        The member base (``customer_id``, ``tier``).
    seed : int, default 14

    Returns
    -------
    SyntheticFeedback
    """
    rng = np.random.default_rng(seed)
    tx = transactions[["customer_id", "timestamp"]].copy()
    tx["customer_id"] = tx["customer_id"].astype(str)
    tx["quarter"] = tx["timestamp"].dt.to_period("Q-DEC")
    bought = set(zip(tx["customer_id"], tx["quarter"].astype(str), strict=True))
    tier = members.assign(customer_id=members["customer_id"].astype(str)).set_index("customer_id")[
        "tier"
    ]
    answers = []
    waves_truth: dict[str, Any] = {}
    for k, wave in enumerate(WAVES):
        quarter = pd.Period(wave, "Q-DEC")
        in_wave = tx.loc[tx["quarter"] == quarter]
        invited = np.sort(in_wave["customer_id"].unique())
        following = str(quarter + 1)
        retained = np.array([(customer, following) in bought for customer in invited], dtype=int)
        rho = float(retained.mean())
        probabilities = _group_probabilities(k)
        mixture = {g: rho * probabilities[1][g] + (1 - rho) * probabilities[0][g] for g in _GROUPS}
        csat_mean, csat_top2 = _expected_csat(mixture)
        waves_truth[wave] = {
            "invited": len(invited),
            "invited_retention": rho,
            "group_shares": mixture,
            "group_given_retained": probabilities[1],
            "group_given_not_retained": probabilities[0],
            "nps": 100.0 * (mixture["promoter"] - mixture["detractor"]),
            "csat_mean": csat_mean,
            "csat_top2_share": csat_top2,
        }
        answer = rng.random(len(invited)) < RESPONSE_RATE
        chosen, outcome = invited[answer], retained[answer]
        groups = np.empty(len(chosen), dtype=object)
        for value in (0, 1):
            where = outcome == value
            groups[where] = _draw(rng, probabilities[value], int(where.sum()))
        purchase = (
            in_wave.loc[in_wave["customer_id"].isin(chosen)]
            .sample(frac=1.0, random_state=int(rng.integers(2**31)))
            .drop_duplicates("customer_id")
            .set_index("customer_id")["timestamp"]
        )
        delay = pd.to_timedelta(rng.uniform(0.5, 7.0, len(chosen)), unit="D")
        answered = purchase.reindex(chosen).to_numpy() + delay
        answered = np.minimum(answered, quarter.end_time.floor("s").to_datetime64())
        scores = np.array([_draw(rng, SCORE_GIVEN_GROUP[g], 1)[0] for g in groups], dtype=float)
        csat = np.array([_draw(rng, CSAT_GIVEN_GROUP[g], 1)[0] for g in groups], dtype=float)
        csat[rng.random(len(chosen)) < CSAT_SKIP] = np.nan
        segment = [str(tier.get(c, "non-member")) for c in chosen]
        preference = np.array(
            [_draw(rng, PREFERENCE_SHARES[s], 1)[0] for s in segment], dtype=object
        )
        preference[rng.random(len(chosen)) < PREFERENCE_SKIP] = None
        answers.append(
            pd.DataFrame(
                {
                    "customer_id": chosen,
                    "answered_at": pd.to_datetime(answered).floor("s"),
                    "wave": wave,
                    "nps": scores.astype(int),
                    "csat": pd.array(csat, dtype="Int64"),
                    "reward_preference": preference,
                    "topic": _draw(rng, dict.fromkeys(TOPICS, 1.0), len(chosen)),
                    "segment": segment,
                }
            )
        )
    surveys = pd.concat(answers, ignore_index=True)
    referrals, referral_truth = _referrals(rng, transactions, customers)
    truth = _truth(waves_truth, referral_truth, seed)
    return SyntheticFeedback(surveys=surveys, referrals=referrals, truth=truth)


def _referrals(
    rng: np.random.Generator, transactions: pd.DataFrame, customers: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    first = transactions.groupby(transactions["customer_id"].astype(str))["timestamp"].min()
    info = customers.assign(customer_id=customers["customer_id"].astype(str)).set_index(
        "customer_id"
    )
    info = info.reindex(first.index)
    candidates = first.loc[first >= pd.Timestamp(REFERRALS_FROM)].sort_values()
    repeat = info.loc[candidates.index, "repeat_purchases"].to_numpy() > 0
    probability = np.where(
        repeat, REFERRED_PROBABILITY["repeat buyer"], REFERRED_PROBABILITY["one-time buyer"]
    )
    referred = candidates.loc[rng.random(len(candidates)) < probability]
    order = first.sort_values()
    weights = info.loc[order.index, "lam"].to_numpy(dtype=float)
    rows = []
    for customer, bought in referred.items():
        referred_at = (bought - pd.to_timedelta(rng.uniform(0, 14), unit="D")).floor("s")
        eligible = (order < referred_at - pd.Timedelta(days=7)).to_numpy() & (
            order.index != customer
        )
        pick = rng.choice(np.flatnonzero(eligible), p=weights[eligible] / weights[eligible].sum())
        rows.append((order.index[pick], customer, referred_at))
    frame = pd.DataFrame(rows, columns=["referrer_id", "referred_id", "referred_at"])
    truth = {
        "referred_probability": dict(REFERRED_PROBABILITY),
        "from": REFERRALS_FROM,
        "candidates": len(candidates),
        "expected_referred_among_candidates": float(probability.mean()),
        "referrals": len(frame),
    }
    return frame, truth


def _truth(waves: dict[str, Any], referrals: dict[str, Any], seed: int) -> dict[str, Any]:
    log_or = {
        group: float(
            np.log(BASE[1][group] / BASE[0][group])
            - np.log(BASE[1]["detractor"] / BASE[0]["detractor"])
        )
        for group in ("passive", "promoter")
    }
    retention: dict[str, float] = {}
    for group in _GROUPS:
        kept = sum(
            w["invited"] * w["invited_retention"] * w["group_given_retained"][group]
            for w in waves.values()
        )
        total = sum(w["invited"] * w["group_shares"][group] for w in waves.values())
        retention[group] = float(kept / total)
    first, last = WAVES[0], WAVES[-1]
    return {
        "seed": seed,
        "source_transactions": "synthetic",
        "period": "Q",
        "waves": waves,
        "response_rate": RESPONSE_RATE,
        "nps_effect": {
            "outcome": "bought again in the next quarter",
            "log_odds_ratio": log_or,
            "odds_ratio": {group: float(np.exp(v)) for group, v in log_or.items()},
            "reference": "detractor",
        },
        "retention_by_group": retention,
        "nps_change": {
            "from": first,
            "to": last,
            "change": waves[last]["nps"] - waves[first]["nps"],
        },
        "preference_shares": {k: dict(v) for k, v in PREFERENCE_SHARES.items()},
        "preference_skip": PREFERENCE_SKIP,
        "csat_skip": CSAT_SKIP,
        "referrals": referrals,
    }


def write_feedback(data: SyntheticFeedback, directory: str | Path) -> tuple[Path, ...]:
    """Write ``surveys.csv``, ``referrals.csv`` and ``truth.json`` to ``directory``."""
    from loyaltylab.metrics import to_jsonable

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = "%Y-%m-%d %H:%M:%S"
    data.surveys.to_csv(folder / "surveys.csv", index=False, date_format=stamp, lineterminator="\n")
    data.referrals.to_csv(
        folder / "referrals.csv", index=False, date_format=stamp, lineterminator="\n"
    )
    text = json.dumps(to_jsonable(data.truth), indent=2, sort_keys=True, allow_nan=False)
    (folder / "truth.json").write_text(text + "\n", encoding="utf-8")
    return tuple(folder / name for name in ("surveys.csv", "referrals.csv", "truth.json"))


def snapshot_feedback() -> SyntheticFeedback:
    """Generate the committed snapshot from ``data/synthetic`` and the synthetic members."""
    from loyaltylab.datasets.resolve import synthetic_dir
    from loyaltylab.datasets.synthetic import read_synthetic

    base = read_synthetic(synthetic_dir())
    members = pd.read_csv(
        data_dir() / "synthetic_loyalty" / "members.csv", dtype={"customer_id": str}
    )
    return generate_feedback(base.transactions, base.customers, members)


def read_feedback_truth(directory: str | Path | None = None) -> dict[str, Any]:
    """Return the ``truth.json`` of the snapshot."""
    folder = Path(directory) if directory is not None else synthetic_feedback_dir()
    path = folder / "truth.json"
    if not path.is_file():
        raise DataValidationError(
            f"no synthetic feedback snapshot in {folder}; write it with "
            "`python -m loyaltylab.datasets.feedback data/synthetic_feedback`"
        )
    truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return truth


def _snapshot_file(name: str) -> Path:
    path = synthetic_feedback_dir() / name
    if not path.is_file():
        raise DataValidationError(
            f"synthetic feedback snapshot {path} not found; write it with "
            "`python -m loyaltylab.datasets.feedback data/synthetic_feedback`"
        )
    return path


def resolve_surveys(
    source: str | Path | pd.DataFrame, columns: Mapping[str, str] | None = None, **policy: Any
) -> LoadedSurveys:
    """Load survey answers by name (``"synthetic_feedback"``) or like :func:`load_surveys`."""
    from loyaltylab.feedback.data import load_surveys

    if isinstance(source, str) and source.strip() == SYNTHETIC_FEEDBACK:
        loaded = load_surveys(_snapshot_file("surveys.csv"), **policy)
        return replace(loaded, source=SYNTHETIC_FEEDBACK)
    return load_surveys(source, columns, **policy)


def resolve_referrals(
    source: str | Path | pd.DataFrame, columns: Mapping[str, str] | None = None, **policy: Any
) -> LoadedReferrals:
    """Load referrals by name (``"synthetic_feedback"``) or like :func:`load_referrals`."""
    from loyaltylab.feedback.data import load_referrals

    if isinstance(source, str) and source.strip() == SYNTHETIC_FEEDBACK:
        loaded = load_referrals(_snapshot_file("referrals.csv"), **policy)
        return replace(loaded, source=SYNTHETIC_FEEDBACK)
    return load_referrals(source, columns, **policy)


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate the snapshot: ``python -m loyaltylab.datasets.feedback <directory>``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("directory", help="where to write surveys.csv, referrals.csv, truth.json")
    args = parser.parse_args(argv)
    for path in write_feedback(snapshot_feedback(), args.directory):
        print(path)


if __name__ == "__main__":
    main()
