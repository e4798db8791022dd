"""One call from experiment data to targeting advice: split, fit, evaluate, price.

:func:`uplift_targeting` splits the experiment's units into a training and a held-out half
(seeded), fits one uplift model per treatment arm on the training half, and on the held-out half
computes the Qini coefficient, AUUC, uplift by decile and the profit curve of targeting the top
share by predicted uplift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.validation import validate_experiment_frame
from loyaltylab.uplift.evaluation import UpliftEvaluation, evaluate_uplift
from loyaltylab.uplift.models import UpliftModel, fit_uplift_model
from loyaltylab.uplift.profit import TargetingProfit, targeting_profit

__all__ = ["UpliftReport", "UpliftTargeting", "uplift_report", "uplift_targeting"]


@dataclass(frozen=True)
class UpliftTargeting:
    """Uplift models, their held-out evaluation and the profit of targeting, per arm.

    Attributes
    ----------
    outcome : str
        The outcome modelled.
    method : str
        The uplift model.
    models : dict of str to UpliftModel
        One model per treatment arm.
    evaluations : dict of str to UpliftEvaluation
        Held-out evaluation per arm.
    profits : dict of str to TargetingProfit
        Held-out profit curve per arm.
    holdout_positions : dict of str to numpy.ndarray
        Row positions (in the input) of the held-out units of the arm and control.
    holdout_scores : dict of str to numpy.ndarray
        Predicted uplift of those rows, per arm.
    """

    outcome: str
    method: str
    models: dict[str, UpliftModel]
    evaluations: dict[str, UpliftEvaluation]
    profits: dict[str, TargetingProfit]
    holdout_positions: dict[str, np.ndarray]
    holdout_scores: dict[str, np.ndarray]

    def summary(self) -> pd.DataFrame:
        """Return one row per arm: Qini, AUUC, uplift@k, best share and profits."""
        rows = []
        for arm, evaluation in self.evaluations.items():
            profit = self.profits[arm]
            rows.append(
                {
                    "arm": arm,
                    "outcome": self.outcome,
                    "method": self.method,
                    "qini": evaluation.qini,
                    "auuc": evaluation.auuc,
                    "uplift_at_k": evaluation.uplift_at_k,
                    "k": evaluation.k,
                    "best_share": profit.best_share,
                    "best_profit": profit.best_profit,
                    "everyone_profit": profit.everyone_profit,
                }
            )
        return pd.DataFrame(rows)

    def metrics(self) -> dict[str, Any]:
        """Return ``{arm: {outcome: {qini, auuc, uplift_at_k, best_share, ...}}}``."""
        return {
            row["arm"]: {
                self.outcome: {
                    key: row[key]
                    for key in (
                        "qini",
                        "auuc",
                        "uplift_at_k",
                        "best_share",
                        "best_profit",
                        "everyone_profit",
                    )
                }
            }
            for row in self.summary().to_dict("records")
        }


def uplift_targeting(
    frame: pd.DataFrame,
    *,
    arm_col: str,
    control: str,
    outcome: str,
    features: Sequence[str],
    binary: bool | None = None,
    method: str = "t_learner",
    offer_cost: float | Mapping[str, float] = 0.0,
    margin: float = 1.0,
    population: float | None = None,
    holdout_share: float = 0.5,
    seed: int = 0,
    k: float = 0.3,
) -> UpliftTargeting:
    """Fit per-arm uplift models and evaluate targeting on a held-out split.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit with its arm, the outcome and the features.
    arm_col, control : str
        Arm column and control label.
    outcome : str
        Outcome to model.
    features : sequence of str
        Pre-period features and segments.
    binary : bool, optional
        Whether the outcome is 0/1 (inferred when None).
    method : {"t_learner", "s_learner", "class_transformation"}, default "t_learner"
        Uplift model.
    offer_cost : float or mapping of arm to float, default 0
        Cost per targeted customer (one value, or one per arm).
    margin : float, default 1
        Profit per unit of incremental outcome.
    population : float, optional
        Customers to scale profits to (default: the held-out units).
    holdout_share : float, default 0.5
        Share of units held out for evaluation.
    seed : int, default 0
        Seed of the split.
    k : float, default 0.3
        Share for uplift@k.

    Returns
    -------
    UpliftTargeting
    """
    if not 0 < holdout_share < 1:
        raise ParameterError(f"parameter 'holdout_share' must lie in (0, 1), got {holdout_share}")
    numeric_features = [
        c for c in features if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c])
    ]
    arms = validate_experiment_frame(
        frame,
        arm_col=arm_col,
        control=control,
        covariates=numeric_features,
        segments=[c for c in features if c not in numeric_features],
        binary_outcomes=[outcome] if binary else [],
        continuous_outcomes=[] if binary else [outcome],
    )
    rng = np.random.default_rng(seed)
    holdout = rng.random(len(frame)) < holdout_share
    models, evaluations, profits, scores, positions = {}, {}, {}, {}, {}
    for index, arm in enumerate(arms.labels[1:], start=1):
        in_pair = (arms.codes == 0) | (arms.codes == index)
        treated = (arms.codes == index).astype(float)
        train = in_pair & ~holdout
        test = in_pair & holdout
        model = fit_uplift_model(
            frame.loc[train],
            treatment=treated[train],
            outcome=outcome,
            features=features,
            method=method,
            binary=binary,
        )
        score = model.predict(frame.loc[test])
        y_test = frame.loc[test, outcome].to_numpy(dtype=float)
        cost = offer_cost[arm] if isinstance(offer_cost, Mapping) else offer_cost
        models[arm] = model
        scores[arm] = score
        positions[arm] = np.flatnonzero(test)
        evaluations[arm] = evaluate_uplift(y_test, score, treated[test], k=k)
        profits[arm] = targeting_profit(
            y_test,
            score,
            treated[test],
            offer_cost=float(cost),
            margin=margin,
            population=population,
        )
    return UpliftTargeting(
        outcome=outcome,
        method=method,
        models=models,
        evaluations=evaluations,
        profits=profits,
        holdout_positions=positions,
        holdout_scores=scores,
    )


@dataclass(frozen=True)
class UpliftReport:
    """Uplift targeting for several outcomes; profit for one of them.

    Attributes
    ----------
    by_outcome : dict of str to UpliftTargeting
        One :class:`UpliftTargeting` per outcome.
    profit_outcome : str
        The outcome whose profit curve prices the targeting (margin and offer cost apply to it).
    """

    by_outcome: dict[str, UpliftTargeting]
    profit_outcome: str

    @property
    def profit_targeting(self) -> UpliftTargeting:
        """The :class:`UpliftTargeting` of the profit outcome."""
        return self.by_outcome[self.profit_outcome]

    def summary(self) -> pd.DataFrame:
        """Return Qini, AUUC and uplift@k per arm and outcome (profit only for the profit one)."""
        parts = []
        for outcome, targeting in self.by_outcome.items():
            part = targeting.summary()
            if outcome != self.profit_outcome:
                part[["best_share", "best_profit", "everyone_profit"]] = np.nan
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def profit_summary(self) -> pd.DataFrame:
        """Return no one / best / break-even / everyone per arm for the profit outcome."""
        parts = []
        for arm, profit in self.profit_targeting.profits.items():
            part = profit.summary()
            part.insert(0, "arm", arm)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def sentences(self, currency: str = "") -> dict[str, str]:
        """Return one targeting sentence per arm (see :func:`targeting_sentence`)."""
        from loyaltylab.uplift.profit import targeting_sentence

        return {
            arm: targeting_sentence(profit, arm=repr(arm), currency=currency)
            for arm, profit in self.profit_targeting.profits.items()
        }

    def metrics(self) -> dict[str, Any]:
        """Return ``{arm: {outcome: {qini, auuc, uplift_at_k, ...}}}`` over all outcomes."""
        merged: dict[str, dict[str, Any]] = {}
        for outcome, targeting in self.by_outcome.items():
            for arm, node in targeting.metrics().items():
                values = dict(node[outcome])
                if outcome != self.profit_outcome:
                    for key in ("best_share", "best_profit", "everyone_profit"):
                        values.pop(key, None)
                merged.setdefault(arm, {})[outcome] = values
        return merged


def uplift_report(
    frame: pd.DataFrame,
    *,
    arm_col: str,
    control: str,
    outcomes: Mapping[str, bool],
    features: Sequence[str],
    profit_outcome: str,
    offer_cost: float | Mapping[str, float],
    margin: float,
    method: str = "t_learner",
    population: float | None = None,
    holdout_share: float = 0.5,
    seed: int = 0,
    k: float = 0.3,
) -> UpliftReport:
    """Run :func:`uplift_targeting` for every outcome (same split), pricing ``profit_outcome``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit.
    arm_col, control : str
        Arm column and control label.
    outcomes : mapping of str to bool
        ``{outcome: is_binary}``.
    features : sequence of str
        Feature columns.
    profit_outcome : str
        The outcome the margin applies to (one of ``outcomes``).
    offer_cost : float or mapping of arm to float
        Cost per targeted customer.
    margin : float
        Profit per unit of ``profit_outcome``.
    method : str, default "t_learner"
        Uplift model.
    population : float, optional
        Customers to scale profits to.
    holdout_share : float, default 0.5
        Held-out share.
    seed : int, default 0
        Seed of the split (the same split for every outcome).
    k : float, default 0.3
        Share for uplift@k.

    Returns
    -------
    UpliftReport
    """
    if profit_outcome not in outcomes:
        raise ParameterError(
            f"parameter 'profit_outcome' ({profit_outcome!r}) must be one of the "
            f"outcomes {list(outcomes)}"
        )
    by_outcome = {}
    for outcome, binary in outcomes.items():
        priced = outcome == profit_outcome
        by_outcome[outcome] = uplift_targeting(
            frame,
            arm_col=arm_col,
            control=control,
            outcome=outcome,
            features=features,
            binary=binary,
            method=method,
            offer_cost=offer_cost if priced else 0.0,
            margin=margin if priced else 1.0,
            population=population,
            holdout_share=holdout_share,
            seed=seed,
            k=k,
        )
    return UpliftReport(by_outcome=by_outcome, profit_outcome=profit_outcome)
