"""Behavioural mechanics of members, with literature defaults and ranges (reference/rewards.md §1).

:class:`Behaviour` holds every effect size the simulator uses; :data:`ASSUMPTIONS` lists each
parameter's default, plausible range and source, and feeds the Monte Carlo, the tornado chart and
the notebook's assumptions table. The small array functions here are the mechanics themselves:
goal gradient, goal commitment, self-selected enrolment and segment-specific response.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyaltylab.errors import ConfigError

# floating-point arrays of any precision (the simulation works in float32)
FloatArray = npt.NDArray[np.floating[Any]]

__all__ = [
    "ASSUMPTIONS",
    "Assumption",
    "Behaviour",
    "assumptions_table",
    "base_uplift",
    "enrolment_probability",
    "goal_commitment_factor",
    "goal_gradient_factor",
    "segment_labels",
]


@dataclass(frozen=True)
class Behaviour:
    """Effect sizes of the behavioural mechanics (defaults from reference/rewards.md §1).

    Parameters
    ----------
    enrolment_rate : float
        Share of customers joining a free program [S80].
    self_selection : float
        Exponent of the baseline purchase rate in the join probability: 0 = random enrolment,
        1 = proportional to the rate (heavier buyers enrol more [S16][S19]). 0.12 makes the naive
        member vs non-member sales lift about 7 times the true lift on the CDNOW population, the
        ratio Leenheer et al. found for share of wallet [S19].
    frequency_uplift : float
        Base purchase-rate uplift of light/moderate members [S14].
    uplift_half_life_weeks : float
        Half-life of that uplift (erodes after 6-9 months [S16]).
    heavy_response : float
        Purchase-rate response of heavy buyers (top 20 % by rate) relative to the others (heavy
        buyers barely change [S14][S15]).
    goal_gradient : float
        beta in the rate multiplier ``1 + beta (1 - d)``, ``d`` = remaining share of the distance
        to the next reward or tier [S1][S2].
    goal_commitment : float
        gamma in the dropout multiplier ``max(d, 0.05) ** gamma``: members close to a goal do not
        abandon it, defection risk peaks right after a reward [S7][S8]. 3.0 makes the
        endowed-progress set-up give 19 % -> 34 % completion [S4] (stamp cards with time-based
        card abandonment); 0 by default for ongoing programs, where the calibrated
        ``dropout_reduction`` already carries the attrition effect.
    learning : float
        Rate uplift per completed goal (resetting is only partial, capped at 5 goals) [S9].
    redemption_uplift : float
        Rate uplift in the weeks after a redemption (rewarded behaviour) [S11][S12].
    redemption_window_weeks : int
        Length of that window [S12].
    dropout_reduction : float
        kappa, fractional reduction of the dropout probability of members - the main channel of
        lasting value [S17]; applies to all members (heavy buyers too); 0.39 makes a non-tiered
        1 % points program on the CDNOW population give +30 % 5-year customer value with > 80 %
        of it from attrition.
    demotion_penalty : float
        Dropout multiplier ``1 + penalty * rank`` after a downgrade [S27][S29].
    demotion_rate_drop : float
        Purchase-rate reduction after a downgrade [S28].
    demotion_weeks : int
        How long the demotion effects last (assumption).
    paid_uplift : float
        Purchase-rate uplift of paying members (+27 % car-wash pass [S34]).
    paid_monthly_churn : float
        Monthly paid-membership churn [S35].
    cashback_uplift : float
        Purchase-rate uplift of direct, immediate-reward programs [S21].
    redemption_propensity : float
        Weekly probability that a member who can afford a reward redeems it (stockpiling [S41]).
    status_effect : float
        Scale of the tiers' configured ``status_dropout_reduction`` (1 = as configured) [S24][S26].
    campaign_response : float
        Scale of the campaigns' configured visit uplift (1 = as configured) [S49]-[S52].
    """

    enrolment_rate: float = 0.5
    self_selection: float = 0.12
    frequency_uplift: float = 0.04
    uplift_half_life_weeks: float = 39.0
    heavy_response: float = 0.0
    goal_gradient: float = 0.28
    goal_commitment: float = 0.0
    learning: float = 0.05
    redemption_uplift: float = 0.05
    redemption_window_weeks: int = 5
    dropout_reduction: float = 0.39
    demotion_penalty: float = 0.2
    demotion_rate_drop: float = 0.05
    demotion_weeks: int = 26
    paid_uplift: float = 0.25
    paid_monthly_churn: float = 0.04
    cashback_uplift: float = 0.02
    redemption_propensity: float = 0.3
    status_effect: float = 1.0
    campaign_response: float = 1.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
                raise ConfigError(f"behaviour.{item.name} must be a number, got {value!r}")
            if value < 0:
                raise ConfigError(f"behaviour.{item.name} must be >= 0, got {value!r}")
        for name in (
            "enrolment_rate",
            "dropout_reduction",
            "paid_monthly_churn",
            "redemption_propensity",
            "demotion_rate_drop",
            "heavy_response",
        ):
            if getattr(self, name) > 1:
                raise ConfigError(f"behaviour.{name} must be <= 1, got {getattr(self, name)!r}")
        if self.uplift_half_life_weeks <= 0:
            raise ConfigError("behaviour.uplift_half_life_weeks must be > 0")

    def with_overrides(self, **overrides: Any) -> Behaviour:
        """Return a copy with some fields replaced (validated).

        Parameters
        ----------
        **overrides
            Field names and values.

        Returns
        -------
        Behaviour
        """
        known = {item.name for item in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown behaviour parameters {unknown[:5]}; known: {sorted(known)}")
        # int for the int fields, float for the rest: a per-key type, hence Any
        coerced: dict[str, Any] = {
            key: (int(value) if isinstance(getattr(self, key), int) else float(value))
            for key, value in overrides.items()
        }
        return replace(self, **coerced)

    @classmethod
    def none(cls) -> Behaviour:
        """Return a behaviour with every behavioural effect switched off.

        Enrolment (who joins) and redemption (when a member cashes in) stay: they are mechanics,
        not effects on buying.

        Returns
        -------
        Behaviour
        """
        return cls(
            frequency_uplift=0.0,
            goal_gradient=0.0,
            goal_commitment=0.0,
            learning=0.0,
            redemption_uplift=0.0,
            dropout_reduction=0.0,
            demotion_penalty=0.0,
            demotion_rate_drop=0.0,
            paid_uplift=0.0,
            cashback_uplift=0.0,
            status_effect=0.0,
            campaign_response=0.0,
        )

    def as_dict(self) -> dict[str, float]:
        """Return the fields as a dict."""
        return asdict(self)


@dataclass(frozen=True)
class Assumption:
    """A behavioural assumption: default, plausible range, evidence and source."""

    parameter: str
    default: float
    low: float
    high: float
    meaning: str
    source: str


_ASSUMPTION_ROWS = [
    # parameter, default, low, high, meaning, source
    ("enrolment_rate", 0.5, 0.3, 0.7, "share of customers joining a free program",
     "[S80] 53 % of US grocery customers enrolled"),
    ("self_selection", 0.12, 0.0, 0.5, "heavier buyers enrol more (exponent on rate)",
     "[S16][S19] 0.12 gives naive lift ~7x the causal lift on CDNOW"),
    ("frequency_uplift", 0.04, 0.0, 0.08, "purchase-rate uplift, light/moderate buyers",
     "[S14] largest jump in first 3 months; [S13] 1-2 % of sales"),
    ("uplift_half_life_weeks", 39.0, 26.0, 52.0, "half-life of that uplift",
     "[S16] changes erode after 6-9 months"),
    ("heavy_response", 0.0, 0.0, 0.5, "rate response of heavy buyers relative to others",
     "[S14][S15] heavy buyers do not change"),
    ("goal_gradient", 0.28, 0.1, 0.5, "rate x (1 + beta (1 - d)) near a reward or tier",
     "[S1][S2] ~20 % shorter inter-purchase time near the reward"),
    ("goal_commitment", 0.0, 0.0, 0.5, "dropout x d^gamma: no abandoning near a goal",
     "[S4][S7][S8] 3.0 gives 19 % vs 34 % stamp-card completion; off by default"),
    ("learning", 0.05, 0.0, 0.1, "rate uplift per completed goal", "[S9] resetting is partial"),
    ("redemption_uplift", 0.05, 0.0, 0.1, "rate uplift for 5 weeks after a redemption",
     "[S11][S12] redemption momentum"),
    ("dropout_reduction", 0.39, 0.2, 0.5, "fractional cut of members' dropout",
     "[S17] +30 % 5-yr value, > 80 % from attrition (calibrated on CDNOW)"),
    ("demotion_penalty", 0.2, 0.0, 0.5, "dropout x (1 + penalty x rank) after a downgrade",
     "[S27][S29]"),
    ("demotion_rate_drop", 0.05, 0.0, 0.15, "purchase-rate cut after a downgrade", "[S28]"),
    ("paid_uplift", 0.25, 0.1, 0.8, "purchase-rate uplift of paying members",
     "[S34] +27 % visits (car-wash pass); [S31]"),
    ("paid_monthly_churn", 0.04, 0.02, 0.08, "monthly paid-membership churn",
     "[S35] ~6 %; rewards.md default 4 %"),
    ("cashback_uplift", 0.02, 0.0, 0.05, "rate uplift of immediate-reward programs",
     "[S21] basic direct programs raise sales productivity"),
    ("redemption_propensity", 0.3, 0.1, 0.6, "weekly chance to redeem when affordable",
     "[S41] stockpiling (assumption)"),
]  # fmt: skip

ASSUMPTIONS: tuple[Assumption, ...] = tuple(Assumption(*row) for row in _ASSUMPTION_ROWS)


def assumptions_table() -> pd.DataFrame:
    """Return the assumptions as a table (parameter, default, low, high, meaning, source).

    Returns
    -------
    pandas.DataFrame
    """
    return pd.DataFrame([asdict(item) for item in ASSUMPTIONS])


def goal_gradient_factor(distance: FloatArray, beta: float) -> FloatArray:
    """Return the goal-gradient rate multiplier ``1 + beta (1 - d)`` [S1][S2].

    Parameters
    ----------
    distance : numpy.ndarray
        Remaining share ``d`` of the distance to the goal, in [0, 1].
    beta : float
        Goal-gradient strength (0.28 reproduces ~20 % shorter inter-purchase times at d = 0.1).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(1 / goal_gradient_factor(np.array([0.1]), 0.28)[0])  # doctest: +ELLIPSIS
    0.798...
    """
    return 1.0 + beta * (1.0 - np.clip(distance, 0.0, 1.0))


def base_uplift(behaviour: Behaviour, kind: str, week: int) -> float:
    """Return the base purchase-rate uplift of members of a program kind in a week.

    Paid members get ``paid_uplift`` for as long as they pay (sunk-cost and commitment [S34]);
    cashback members ``cashback_uplift`` and members of the other kinds ``frequency_uplift``,
    both halving every ``uplift_half_life_weeks`` [S14][S16][S21].

    Parameters
    ----------
    behaviour : Behaviour
    kind : str
        The program kind.
    week : int
        Weeks since the launch.

    Returns
    -------
    float

    Examples
    --------
    >>> b = Behaviour().with_overrides(frequency_uplift=0.1, uplift_half_life_weeks=26)
    >>> base_uplift(b, "points", 26)
    0.05
    """
    if kind == "paid":
        return behaviour.paid_uplift
    uplift = behaviour.cashback_uplift if kind == "cashback" else behaviour.frequency_uplift
    return float(uplift * 0.5 ** (week / behaviour.uplift_half_life_weeks))


def goal_commitment_factor(distance: FloatArray, gamma: float) -> FloatArray:
    """Return the dropout multiplier ``max(d, 0.05) ** gamma`` (1 at the start of a goal).

    Parameters
    ----------
    distance : numpy.ndarray
        Remaining share of the distance to the goal.
    gamma : float
        Goal-commitment strength.

    Returns
    -------
    numpy.ndarray
    """
    if gamma == 0:
        return np.ones_like(distance, dtype=np.float32)
    return np.power(np.clip(distance, 0.05, 1.0), gamma).astype(np.float32)


def enrolment_probability(rate: np.ndarray, share: float, self_selection: float) -> np.ndarray:
    """Return each customer's join probability, rising in the baseline purchase rate.

    ``P_i = min(1, share * w_i / mean(w))`` with ``w_i = rate_i ** self_selection``; the mass cut
    by the cap is spread over the others so the mean stays ``share`` [S16][S19].

    Parameters
    ----------
    rate : numpy.ndarray
        Baseline purchase rates.
    share : float
        Target share of customers joining.
    self_selection : float
        0 = everyone equally likely.

    Returns
    -------
    numpy.ndarray
    """
    weights = np.power(np.maximum(rate.astype(np.float64), 1e-12), self_selection)
    probability = np.full(rate.shape, share, dtype=np.float64)
    if share <= 0 or share >= 1 or self_selection == 0:
        return probability
    capped = np.zeros(rate.shape, dtype=bool)
    for _ in range(20):
        free = ~capped
        budget = share * rate.size - capped.sum()
        probability[free] = budget * weights[free] / weights[free].sum()
        over = free & (probability > 1)
        if not over.any():
            break
        capped |= over
        probability[capped] = 1.0
    return np.minimum(probability, 1.0)


def segment_labels(
    rate: np.ndarray, heavy_share: float = 0.2, light_share: float = 0.5
) -> np.ndarray:
    """Label customers light / moderate / heavy by their baseline purchase rate (quantiles).

    Parameters
    ----------
    rate : numpy.ndarray
        Baseline purchase rates.
    heavy_share, light_share : float
        Shares of heavy (top) and light (bottom) customers.

    Returns
    -------
    numpy.ndarray of str
    """
    low, high = np.quantile(rate, [light_share, 1 - heavy_share])
    labels = np.full(rate.shape, "moderate", dtype=object)
    labels[rate <= low] = "light"
    labels[rate > high] = "heavy"
    return labels
