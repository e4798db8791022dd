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
    "KIND_DROPOUT_FIELD",
    "KIND_RATE_FIELD",
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
    heavy_attrition_response : float
        Scale of the dropout reduction of heavy buyers relative to the others: heavy buyers
        redeem most but change little, light and moderate buyers become more loyal [S14][S16].
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
        kappa, fractional reduction of the dropout probability of members of a single-vendor
        points program (kinds ``points``, ``tiered``, ``campaign``) - the main channel of lasting
        value [S17]; applies to all members, heavy buyers' scaled by ``heavy_attrition_response``;
        0.60 (heavy buyers at half of it) makes a non-tiered 1 % points program on the CDNOW
        population give +30 % 5-year customer value with > 80 % of it from attrition (the one
        published result the defaults are calibrated to).
    cashback_dropout_reduction : float
        kappa of a cashback or instant-discount program: no saving component, which is what
        makes programs effective (Leenheer et al. [S20]); direct immediate rewards raise sales
        productivity a little [S21].
    paid_dropout_reduction : float
        kappa of paying members while they pay (commitment of fee payers [S36][S37]); the member
        gap of paid programs is mostly selection [S32].
    coalition_dropout_reduction : float
        kappa at the focal firm of a coalition: the sales effect disappears for multi-vendor
        programs [S21] and excess loyalty is weak [S22], so 0 by default (one-sided range).
    paid_self_selection : float
        Self-selection exponent of a paid membership: those who pay a fee are the heavier buyers
        (a fee lowers joining but raises joiners' spending [S36]; Prime 25 vs 14 orders [S32]).
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
    heavy_attrition_response: float = 0.5
    goal_gradient: float = 0.28
    goal_commitment: float = 0.0
    learning: float = 0.05
    redemption_uplift: float = 0.05
    redemption_window_weeks: int = 5
    dropout_reduction: float = 0.60
    cashback_dropout_reduction: float = 0.10
    paid_dropout_reduction: float = 0.15
    coalition_dropout_reduction: float = 0.0
    paid_self_selection: float = 1.0
    demotion_penalty: float = 0.2
    demotion_rate_drop: float = 0.05
    demotion_weeks: int = 26
    paid_uplift: float = 0.10
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
            "cashback_dropout_reduction",
            "paid_dropout_reduction",
            "coalition_dropout_reduction",
            "paid_monthly_churn",
            "redemption_propensity",
            "demotion_rate_drop",
            "heavy_response",
            "heavy_attrition_response",
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
            cashback_dropout_reduction=0.0,
            paid_dropout_reduction=0.0,
            coalition_dropout_reduction=0.0,
            demotion_penalty=0.0,
            demotion_rate_drop=0.0,
            paid_uplift=0.0,
            cashback_uplift=0.0,
            status_effect=0.0,
            campaign_response=0.0,
        )

    def dropout_reduction_for(self, kind: str) -> float:
        """Return the dropout reduction (kappa) of members of a program kind.

        Parameters
        ----------
        kind : str
            ``points``, ``tiered`` and ``campaign`` (single-vendor points) share
            ``dropout_reduction``; ``cashback``, ``paid`` and ``coalition`` have their own.

        Returns
        -------
        float

        Examples
        --------
        >>> behaviour = Behaviour()
        >>> behaviour.dropout_reduction_for("tiered"), behaviour.dropout_reduction_for("cashback")
        (0.6, 0.1)
        """
        field_name = KIND_DROPOUT_FIELD.get(kind, "dropout_reduction")
        return float(getattr(self, field_name))

    def self_selection_for(self, kind: str) -> float:
        """Return the self-selection exponent of enrolment in a program kind (paid: its own)."""
        return self.paid_self_selection if kind == "paid" else self.self_selection

    def as_dict(self) -> dict[str, float]:
        """Return the fields as a dict."""
        return asdict(self)


KIND_DROPOUT_FIELD = {
    "points": "dropout_reduction",
    "tiered": "dropout_reduction",
    "campaign": "dropout_reduction",
    "cashback": "cashback_dropout_reduction",
    "paid": "paid_dropout_reduction",
    "coalition": "coalition_dropout_reduction",
}
"""The :class:`Behaviour` field holding each program kind's dropout reduction."""

KIND_RATE_FIELD = {
    "points": "frequency_uplift",
    "tiered": "frequency_uplift",
    "campaign": "frequency_uplift",
    "coalition": "frequency_uplift",
    "cashback": "cashback_uplift",
    "paid": "paid_uplift",
}
"""The :class:`Behaviour` field holding each program kind's base purchase-rate uplift."""


@dataclass(frozen=True)
class Assumption:
    """A behavioural assumption: default, plausible range, evidence, source and program kinds.

    ``kinds`` names the program kinds the effect applies to (``"all"``: every kind);
    an assumption whose default is an end of its range is one-sided (:attr:`sided`).
    """

    parameter: str
    default: float
    low: float
    high: float
    meaning: str
    source: str
    kinds: str = "all"

    @property
    def sided(self) -> str:
        """``"two-sided"``, ``"one-sided (upward)"`` or ``"one-sided (downward)"``.

        Examples
        --------
        >>> Assumption("x", 0.0, 0.0, 0.5, "", "").sided
        'one-sided (upward)'
        """
        if self.low == self.default < self.high:
            return "one-sided (upward)"
        if self.low < self.default == self.high:
            return "one-sided (downward)"
        return "two-sided"

    @property
    def two_sided(self) -> bool:
        """True when the default lies strictly inside the range."""
        return self.low < self.default < self.high


_POINTS = "points, tiered, campaign"
_FREE = "points, tiered, campaign, cashback, coalition"
_ASSUMPTION_ROWS: list[tuple[Any, ...]] = [
    # parameter, default, low, high, meaning, source, kinds
    ("enrolment_rate", 0.5, 0.3, 0.7, "share of customers joining a free program",
     "[S80] 53 % of US grocery customers enrolled", _FREE),
    ("self_selection", 0.12, 0.0, 0.5, "heavier buyers enrol more (exponent on rate)",
     "[S16] heavier buyers enrol earlier (naive-vs-causal ratio [S19] is a check, not a target)",
     _FREE),
    ("paid_self_selection", 1.0, 0.5, 1.5, "heavier buyers pay a fee more (exponent on rate)",
     "[S36] a fee raises joiners' spending; [S32] Prime 25 vs 14 orders (selection)", "paid"),
    ("frequency_uplift", 0.04, 0.0, 0.08, "purchase-rate uplift, light/moderate buyers",
     "[S14] largest jump in first 3 months; [S16] small, erodes", f"{_POINTS}, coalition"),
    ("uplift_half_life_weeks", 39.0, 26.0, 52.0, "half-life of that uplift",
     "[S16] changes erode after 6-9 months", _FREE),
    ("heavy_response", 0.0, 0.0, 0.5, "rate response of heavy buyers relative to others",
     "[S14][S15] heavy buyers do not change"),
    ("heavy_attrition_response", 0.5, 0.0, 1.0, "dropout cut of heavy buyers relative to others",
     "[S14][S16] heavy buyers change little; [S17] attrition effect for all members"),
    ("goal_gradient", 0.28, 0.1, 0.5, "rate x (1 + beta (1 - d)) near a reward or tier",
     "[S1][S2] ~20 % shorter inter-purchase time near the reward", f"{_POINTS}, coalition"),
    ("goal_commitment", 0.0, 0.0, 0.5, "dropout x d^gamma: no abandoning near a goal",
     "[S4][S7][S8] 3.0 gives 19 % vs 34 % stamp-card completion; off by default",
     f"{_POINTS}, coalition"),
    ("learning", 0.05, 0.0, 0.1, "rate uplift per completed goal", "[S9] resetting is partial",
     f"{_POINTS}, coalition"),
    ("redemption_uplift", 0.05, 0.0, 0.1, "rate uplift for 5 weeks after a redemption",
     "[S11][S12] redemption momentum", f"{_POINTS}, coalition"),
    ("dropout_reduction", 0.60, 0.15, 0.8, "fractional cut of members' dropout (points)",
     "[S17] +30 % 5-yr value, > 80 % from attrition (calibrated on CDNOW); low end [S13][S19]",
     _POINTS),
    ("cashback_dropout_reduction", 0.10, 0.0, 0.25, "fractional cut of members' dropout",
     "[S20] no saving component, high discounts do not help; [S21] small direct effect",
     "cashback"),
    ("paid_dropout_reduction", 0.15, 0.0, 0.3, "cut of paying members' dropout",
     "[S36][S37] fee payers committed; [S32] member gap mostly selection", "paid"),
    ("coalition_dropout_reduction", 0.0, 0.0, 0.1, "cut of dropout at the focal firm",
     "[S21] effect disappears for multi-vendor programs; [S22] weak excess loyalty",
     "coalition"),
    ("demotion_penalty", 0.2, 0.0, 0.5, "dropout x (1 + penalty x rank) after a downgrade",
     "[S27][S29]", "tiered"),
    ("demotion_rate_drop", 0.05, 0.0, 0.15, "purchase-rate cut after a downgrade", "[S28]",
     "tiered"),
    ("paid_uplift", 0.10, 0.0, 0.27, "purchase-rate uplift of paying members",
     "[S34] +27 % before/after without control (upper end); [S32] selection", "paid"),
    ("paid_monthly_churn", 0.04, 0.02, 0.08, "monthly paid-membership churn",
     "[S35] ~6 %; rewards.md default 4 %", "paid"),
    ("cashback_uplift", 0.02, 0.0, 0.05, "rate uplift of immediate-reward programs",
     "[S21] basic direct programs raise sales productivity", "cashback"),
    ("redemption_propensity", 0.3, 0.1, 0.6, "weekly chance to redeem when affordable",
     "[S41] stockpiling (assumption); sets breakage with dropout and expiry", _POINTS),
]  # fmt: skip

ASSUMPTIONS: tuple[Assumption, ...] = tuple(Assumption(*row) for row in _ASSUMPTION_ROWS)


def assumptions_table() -> pd.DataFrame:
    """Return the assumptions as a table.

    Columns parameter, default, low, high, range (``two-sided`` or ``one-sided (upward)``: the
    default is an end of the range, so a Monte Carlo over it would only move one way; such
    assumptions are held at their default in the Monte Carlo and shown in the sensitivity chart),
    kinds (the program kinds it applies to), meaning and source.

    Returns
    -------
    pandas.DataFrame
    """
    rows = [{**asdict(item), "range": item.sided} for item in ASSUMPTIONS]
    columns = ["parameter", "default", "low", "high", "range", "kinds", "meaning", "source"]
    return pd.DataFrame(rows)[columns]


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
