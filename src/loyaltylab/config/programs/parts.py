"""The parts of a reward-program configuration: points, tiers, cashback, paid, coalition, ...

Each part is a frozen pydantic model (unknown keys forbidden) with the fields, defaults and
rules documented on it; :mod:`loyaltylab.config.programs` explains the vocabulary and sources.
Built in code, a part takes its fields also by position (``Tier("gold", 500)``) and a bad value
raises one :class:`~loyaltylab.errors.ConfigError` named by the part's YAML key
(``points.earn_rate: ...``); inside a program the full YAML path is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias, get_args

from pydantic import AfterValidator, Field, StrictBool, StrictInt, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyaltylab.config.base import ConfigModel, config_error

__all__ = [
    "DOWNGRADE_MODES",
    "EXPIRY_POLICIES",
    "PROGRAM_KINDS",
    "TIER_METRICS",
    "Campaign",
    "Cashback",
    "Coalition",
    "Economics",
    "PaidMembership",
    "PointsRules",
    "ProgramPart",
    "Reward",
    "Tier",
    "TierRules",
    "at_least",
    "rule_error",
]

ExpiryPolicy: TypeAlias = Literal["never", "after_days", "end_of_year", "after_inactivity_days"]
DowngradeMode: TypeAlias = Literal["none", "automatic", "after_days"]
TierMetric: TypeAlias = Literal["spend", "points"]
ProgramKind: TypeAlias = Literal["points", "tiered", "cashback", "paid", "coalition", "campaign"]

EXPIRY_POLICIES: tuple[str, ...] = get_args(ExpiryPolicy)
DOWNGRADE_MODES: tuple[str, ...] = get_args(DowngradeMode)
TIER_METRICS: tuple[str, ...] = get_args(TierMetric)
PROGRAM_KINDS: tuple[str, ...] = get_args(ProgramKind)
# the policies that count ``expiry_days`` (the simulation's clock is weekly: at least a week)
_EXPIRY_AFTER_DAYS = ("after_days", "after_inactivity_days")

# Numbers are strict (a quoted "0.3" or a yes/no is refused, as before); ``ge``/``le`` also
# refuse NaN.
NonNegative = Annotated[float, Field(strict=True, ge=0)]
Positive = Annotated[float, Field(strict=True, gt=0)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1)]
Discount = Annotated[float, Field(strict=True, ge=0, le=0.9)]
WeekNumber = Annotated[int, Field(strict=True, ge=0)]


def at_least(count: int, what: str) -> AfterValidator:
    """Check a length after the items are valid (so a bad item gives no second error)."""

    def check(items: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(items) < count:
            raise PydanticCustomError("too_few", f"needs at least {count} {what}")
        return items

    return AfterValidator(check)


def rule_error(location: tuple[str | int, ...], message: str, given: Any) -> ValidationError:
    """One validation error at ``location`` (relative to the model being validated).

    Raised inside a validator, pydantic prefixes the location of the model, so the message
    reaches the user as ``programs[2].tiers.tiers[1].threshold: ...``.
    """
    detail = InitErrorDetails(
        type=PydanticCustomError("config_rule", message), loc=location, input=given
    )
    return ValidationError.from_exception_data("config", [detail])


class ProgramPart(ConfigModel):
    """Base of the program parts: fields also by position, errors as one ConfigError.

    Called in code, a part takes its fields by position in the documented order
    (``Tier("gold", 500)``) and a bad value raises one :class:`~loyaltylab.errors.ConfigError`
    named by ``yaml_key`` (``PointsRules(earn_rate=-1.0)`` -> ``points.earn_rate: ...``). Only
    such a call runs this ``__init__``: it is marked as pydantic's base ``__init__`` (the way
    pydantic marks ``BaseModel.__init__`` and ``RootModel.__init__``), so pydantic validates a
    part nested in a program or in ``reports.yaml`` without calling it and its errors keep the
    full YAML path (``programs[2].points.earn_rate: ...``).
    """

    yaml_key: ClassVar[str] = ""

    def __init__(self, /, *args: Any, **data: Any) -> None:
        names = list(type(self).model_fields)
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__} takes at most {len(names)} positional arguments "
                f"({', '.join(names)}), got {len(args)}"
            )
        for name, value in zip(names, args, strict=False):
            if name in data:
                raise TypeError(f"{type(self).__name__} got {name!r} by position and by name")
            data[name] = value
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise config_error(error, root=type(self).yaml_key) from None

    # pydantic calls a model's own ``__init__`` for nested input unless it is marked as the base
    # one; the mark keeps nested validation in pydantic (and its error paths whole)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Reward(ProgramPart):
    """One catalogue reward.

    Parameters
    ----------
    name : str
        Label, e.g. ``"5 EUR voucher"`` or ``"cinema tickets"``.
    points : float
        Points it costs (> 0).
    value_to_customer : float
        What the customer perceives it to be worth, in currency.
    cost_to_firm : float
        What it costs the firm, in currency. Experiential rewards can be worth more to the
        customer than they cost (Tesco partner rewards at 3x face value [S43]).

    Examples
    --------
    >>> Reward("5 EUR voucher", 500, 5.0, 5.0).points
    500.0
    """

    yaml_key: ClassVar[str] = "reward"

    name: str
    points: Positive
    value_to_customer: NonNegative
    cost_to_firm: NonNegative


class PointsRules(ProgramPart):
    """Earning, redemption and expiry rules of a points currency.

    Parameters
    ----------
    earn_rate : float, default 1.0
        Points per currency unit spent (Open Loyalty ``pointValue``, ERPNext ``collection_factor``
        inverted) [S87][S102].
    points_per_purchase : float, default 0.0
        Points per purchase occasion (stamp cards) [S1][S4].
    point_value : float, default 0.01
        Currency value of one point to the customer (Tesco 1p per point [S53]); the IFRS 15
        stand-alone selling price per point before the redemption estimate [S67].
    redemption_threshold : float, default 500.0
        Points needed for the standard reward when no ``catalogue`` is given (> 0 then).
    catalogue : tuple of Reward, default ()
        Rewards on offer; a redeeming customer takes the most expensive one she can afford.
    expiry : {"after_days", "end_of_year", "never", "after_inactivity_days"}, default "after_days"
        Expiry policy [S91][S96][S97]: a points lot lives ``expiry_days`` (``after_days``),
        points expire at the end of the year after the one they were earned in
        (``end_of_year``), never, or the whole balance expires ``expiry_days`` after the
        customer's last earning - a purchase, partner points or the enrolment gift
        (``after_inactivity_days``).
    expiry_days : int, default 730
        Lifetime of a points lot under ``after_days``, or of an idle balance under
        ``after_inactivity_days`` (>= 7 under both; 2 years, Air Miles NL 2023 [S62]).
    lock_days : int, default 0
        Days before newly earned points can be redeemed (Open Loyalty ``pointsDaysLocked``) [S97].
    endowed_points : float, default 0.0
        Points given at enrolment (endowed progress [S4]).

    Examples
    --------
    >>> PointsRules(redemption_threshold=300).rewards()[0].value_to_customer
    3.0
    """

    yaml_key: ClassVar[str] = "points"

    earn_rate: NonNegative = 1.0
    points_per_purchase: NonNegative = 0.0
    point_value: NonNegative = 0.01
    redemption_threshold: NonNegative = 500.0
    catalogue: tuple[Reward, ...] = ()
    expiry: ExpiryPolicy = "after_days"
    expiry_days: StrictInt = 730
    lock_days: WeekNumber = 0
    endowed_points: NonNegative = 0.0

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        if self.redemption_threshold <= 0 and not self.catalogue:
            raise rule_error(
                ("redemption_threshold",),
                "must be > 0 when there is no catalogue",
                self.redemption_threshold,
            )
        if self.earn_rate == 0 and self.points_per_purchase == 0:
            raise rule_error(
                ("earn_rate",),
                "earn_rate and points_per_purchase are both 0 - no points are earned",
                self.earn_rate,
            )
        if self.expiry in _EXPIRY_AFTER_DAYS and self.expiry_days < 7:
            raise rule_error(
                ("expiry_days",),
                f"must be a whole number of days >= 7 when expiry is {self.expiry!r}",
                self.expiry_days,
            )
        return self

    def rewards(self, reward_cost_ratio: float = 1.0) -> tuple[Reward, ...]:
        """Return the catalogue sorted by points (a one-item catalogue from the threshold).

        Parameters
        ----------
        reward_cost_ratio : float, default 1.0
            Cost to the firm per unit of value to the customer, used for the threshold reward.

        Returns
        -------
        tuple of Reward
        """
        if self.catalogue:
            return tuple(sorted(self.catalogue, key=lambda reward: reward.points))
        value = self.redemption_threshold * self.point_value
        standard = Reward(
            name="standard reward",
            points=self.redemption_threshold,
            value_to_customer=value,
            cost_to_firm=value * reward_cost_ratio,
        )
        return (standard,)


class Tier(ProgramPart):
    """One tier (level) of a tiered program.

    Parameters
    ----------
    name : str
        Tier name, e.g. ``"silver"``.
    threshold : float
        Qualification value (spend or points in the window) needed for the tier; the first tier
        has threshold 0.
    earn_multiplier : float, default 1.0
        Multiplier on earned points ("Gold gets 2x Bronze") [S87].
    discount : float, default 0.0
        Price discount on every purchase, at most 0.9 (Open Loyalty level ``reward``) [S90].
    status_dropout_reduction : float, default 0.0
        Fractional reduction of the dropout probability from status [S24][S26].
    """

    yaml_key: ClassVar[str] = "tier"

    name: str
    threshold: NonNegative
    earn_multiplier: NonNegative = 1.0
    discount: Discount = 0.0
    status_dropout_reduction: Fraction = 0.0


class TierRules(ProgramPart):
    """Tier qualification and downgrade rules.

    In YAML, ``tiers:`` may also be just the list of tiers (the other rules at their defaults).

    Parameters
    ----------
    tiers : tuple of Tier
        At least two, lowest first; thresholds strictly increasing, the first one 0.
    metric : {"spend", "points"}, default "spend"
        What qualifies (Open Loyalty ``tierAssignType`` transactions | points) [S91].
    window_days : int, default 365
        Rolling qualification window (>= 28).
    downgrade : {"none", "automatic", "after_days"}, default "after_days"
        ``none`` never downgrades; ``automatic`` downgrades as soon as the rolling metric falls
        below the tier; ``after_days`` re-evaluates every ``downgrade_days`` [S93][S94].
    downgrade_days : int, default 365
        Review period for ``after_days`` (>= 28; Open Loyalty default 365 [S94]).

    Examples
    --------
    >>> TierRules([{"name": "base", "threshold": 0}, {"name": "gold", "threshold": 100}]).metric
    'spend'
    """

    yaml_key: ClassVar[str] = "tiers"

    tiers: Annotated[tuple[Tier, ...], at_least(2, "tiers")]
    metric: TierMetric = "spend"
    window_days: Annotated[int, Field(strict=True, ge=28)] = 365
    downgrade: DowngradeMode = "after_days"
    downgrade_days: Annotated[int, Field(strict=True, ge=28)] = 365

    @model_validator(mode="before")
    @classmethod
    def _list_is_the_tiers(cls, raw: Any) -> Any:
        if isinstance(raw, Sequence) and not isinstance(raw, str | bytes):
            return {"tiers": raw}
        return raw

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        first = self.tiers[0]
        if first.threshold != 0:
            raise rule_error(
                ("tiers", 0, "threshold"),
                f"the first tier {first.name!r} must have threshold 0",
                first.threshold,
            )
        for index, (lower, upper) in enumerate(zip(self.tiers[:-1], self.tiers[1:], strict=True)):
            if upper.threshold <= lower.threshold:
                raise rule_error(
                    ("tiers", index + 1, "threshold"),
                    f"threshold of {upper.name!r} ({upper.threshold:g}) is not above the one "
                    f"beneath it, {lower.name!r} ({lower.threshold:g})",
                    upper.threshold,
                )
        return self


class Cashback(ProgramPart):
    """Cashback (paid out after the purchase) or an instant discount at the till.

    Parameters
    ----------
    rate : float
        Share of spend returned, at most 0.5 (grocery ~1 % [S53]).
    instant : bool, default False
        True for an instant discount, False for cashback.
    """

    yaml_key: ClassVar[str] = "cashback"

    rate: Annotated[float, Field(strict=True, ge=0, le=0.5)]
    instant: StrictBool = False


class PaidMembership(ProgramPart):
    """A paid membership (Prime-style).

    Parameters
    ----------
    fee : float
        Fee per period, in currency.
    period_days : int, default 365
        Billing period (>= 7).
    discount : float, default 0.0
        Member price discount on every purchase (at most 0.9).
    earn_multiplier : float, default 1.0
        Multiplier on earned points, when the program also has points.
    uptake_at_zero_fee : float, default 0.5
        Share of customers who would join if it were free.
    half_uptake_fee_per_month : float, default 10.0
        Monthly-equivalent fee at which uptake halves (> 0; uptake falls with the fee [S36]).
    monthly_churn : float or None, default None
        Monthly membership churn; None uses the behaviour default (4 % [S35]).
    renewal_survivors : list of int or None, default None
        Members of one cohort still members at the start of each billing period (the first is
        the cohort's size, e.g. ``[1000, 631, 468, 382]``, at least 3 counts). Given, the
        simulation fits the shifted-beta-geometric model to them (Fader & Hardie 2007) and
        members leave at each renewal with its retention rate instead of ``monthly_churn``.

    Examples
    --------
    >>> round(PaidMembership(fee=120.0, half_uptake_fee_per_month=10.0).uptake(), 3)
    0.25
    """

    yaml_key: ClassVar[str] = "paid"

    fee: NonNegative
    period_days: Annotated[int, Field(strict=True, ge=7)] = 365
    discount: Discount = 0.0
    earn_multiplier: NonNegative = 1.0
    uptake_at_zero_fee: Fraction = 0.5
    half_uptake_fee_per_month: Positive = 10.0
    monthly_churn: Fraction | None = None
    renewal_survivors: (
        Annotated[tuple[Annotated[int, Field(strict=True, ge=0)], ...], at_least(3, "counts")]
        | None
    ) = None

    @model_validator(mode="after")
    def _check_renewals(self) -> Self:
        counts = self.renewal_survivors
        if counts is None:
            return self
        if self.monthly_churn is not None:
            raise rule_error(
                ("renewal_survivors",),
                "give either monthly_churn or renewal_survivors (the churn the renewals imply)",
                counts,
            )
        if counts[0] == 0:
            raise rule_error(("renewal_survivors", 0), "the cohort's size must be > 0", counts[0])
        for index, (before, after) in enumerate(zip(counts[:-1], counts[1:], strict=True)):
            if after > before:
                raise rule_error(
                    ("renewal_survivors", index + 1),
                    f"survivors must not increase ({before} -> {after}); give one cohort",
                    after,
                )
        return self

    def uptake(self) -> float:
        """Return the share of customers joining at this fee.

        Uptake halves with every ``half_uptake_fee_per_month`` of monthly-equivalent fee.

        Returns
        -------
        float
        """
        monthly_fee = self.fee * (365.25 / 12) / self.period_days
        return float(
            self.uptake_at_zero_fee * 0.5 ** (monthly_fee / self.half_uptake_fee_per_month)
        )


class Coalition(ProgramPart):
    """Coalition: points also earned at partners, funded by them.

    Parameters
    ----------
    partner_points_per_week : float
        Mean points a member earns at partners per week.
    partner_funding_per_point : float
        What a partner pays the operator per point it issues (who funds them).
    focal_effect_factor : float, default 0.5
        Scale of the behavioural effects at the focal firm (coalition uplift ~0.5x single-vendor
        [S21][S22]).
    """

    yaml_key: ClassVar[str] = "coalition"

    partner_points_per_week: NonNegative
    partner_funding_per_point: NonNegative
    focal_effect_factor: Fraction = 0.5


class Campaign(ProgramPart):
    """A time-boxed campaign: earn multiplier, visit uplift with pull-forward, behaviour bonus.

    Weeks count from the program launch (week 0); ``end_week`` is exclusive.

    Parameters
    ----------
    name : str
        Label, e.g. ``"double points autumn"``.
    start_week, end_week : int
        Window ``[start_week, end_week)``, week numbers >= 0, the end after the start.
    earn_multiplier : float, default 2.0
        Earn multiplier in the window (double points [S49][S50]).
    visit_uplift : float, default 0.10
        Purchase-rate uplift of members in the window (10 % [0, 25 %], practitioner [S51]).
    pull_forward : float, default 0.30
        Share of the extra purchases taken from the same number of weeks after the window.
    bonus_points : float, default 0.0
        Bonus for a target behaviour: a week with spend >= ``bonus_min_spend``.
    bonus_min_spend : float, default 0.0
        Spend needed in a week for the bonus.

    Examples
    --------
    >>> Campaign("double points", 20, 24).earn_multiplier
    2.0
    """

    yaml_key: ClassVar[str] = "campaign"

    name: str
    start_week: WeekNumber
    end_week: WeekNumber
    earn_multiplier: NonNegative = 2.0
    visit_uplift: NonNegative = 0.10
    pull_forward: Fraction = 0.30
    bonus_points: NonNegative = 0.0
    bonus_min_spend: NonNegative = 0.0

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        if self.end_week <= self.start_week:
            raise rule_error(
                ("end_week",),
                f"campaign {self.name!r} ends (week {self.end_week}) before it starts "
                f"(week {self.start_week})",
                self.end_week,
            )
        return self


class Economics(ProgramPart):
    """Economics of a program.

    Parameters
    ----------
    gross_margin : float, default 0.30
        Gross margin on sales.
    reward_cost_ratio : float, default 1.0
        Cost to the firm per unit of reward value to the customer (< 1 for experiential or
        partner rewards [S43]).
    fixed_cost_per_year : float, default 0.0
        Platform, marketing, staff [S73][S74].
    cost_per_member_per_year : float, default 0.0
        Per-member cost (cards, communication).
    annual_discount_rate : float, default 0.10
        For CLV.
    expected_redemption : float, default 0.80
        The firm's estimate of the share of points that will be redeemed (> 0), for the IFRS 15
        allocation (breakage default 20 % [S60][S64]).
    """

    yaml_key: ClassVar[str] = "economics"

    gross_margin: Fraction = 0.30
    reward_cost_ratio: NonNegative = 1.0
    fixed_cost_per_year: NonNegative = 0.0
    cost_per_member_per_year: NonNegative = 0.0
    annual_discount_rate: Fraction = 0.10
    expected_redemption: Annotated[float, Field(strict=True, gt=0, le=1)] = 0.80
