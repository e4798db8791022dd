"""Declarative reward-program configurations, validated, from Python or ``reports.yaml``.

The vocabulary follows what practitioners configure in Open Loyalty, ERPNext and Odoo
(reference/rewards.md §3 and the closing "config vocabulary" of §4 [S86]-[S104]):

* points: earn rate (points per currency unit), points per purchase (stamp cards), point value,
  a redemption threshold or a reward catalogue, expiry (``after_days`` | ``end_of_year`` |
  ``never``), lock days, endowed (head-start) points [S4][S91][S96][S97];
* tiers: qualification metric (``spend`` | ``points``), rolling window, thresholds, benefits per
  tier (earn multiplier, discount, status) and downgrade mode (``none`` | ``automatic`` |
  ``after_days``) [S90]-[S95];
* cashback / instant discount; paid membership (fee, period, benefits, uptake falling with the
  fee, churn) [S34]-[S36]; coalition (points earned at partners, who funds them) [S22];
  campaigns (time-boxed earn multiplier such as double points, a bonus for a target behaviour)
  [S49]-[S52];
* economics: reward cost to the firm vs value to the customer, fixed and per-member costs, gross
  margin, the IFRS 15 redemption estimate [S67].

Every dataclass validates itself on construction and raises one
:class:`~loyaltylab.errors.ConfigError` naming the program, the field, the bad value and what
is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from loyaltylab.errors import ConfigError

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
    "ProgramConfig",
    "Reward",
    "Tier",
    "TierRules",
    "load_programs",
    "program_from_mapping",
]

EXPIRY_POLICIES = ("never", "after_days", "end_of_year")
DOWNGRADE_MODES = ("none", "automatic", "after_days")
TIER_METRICS = ("spend", "points")
PROGRAM_KINDS = ("points", "tiered", "cashback", "paid", "coalition", "campaign")


def _where(owner: str | None) -> str:
    return f"program {owner!r}: " if owner else ""


def _non_negative(value: float, name: str, owner: str | None = None) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        raise ConfigError(f"{_where(owner)}{name} must be a number, got {value!r}")
    if value < 0:
        raise ConfigError(f"{_where(owner)}{name} must be >= 0 (no negative rates), got {value!r}")


def _fraction(value: float, name: str, owner: str | None = None, *, upper: float = 1.0) -> None:
    _non_negative(value, name, owner)
    if value > upper:
        raise ConfigError(f"{_where(owner)}{name} must be between 0 and {upper}, got {value!r}")


@dataclass(frozen=True)
class Reward:
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
    """

    name: str
    points: float
    value_to_customer: float
    cost_to_firm: float

    def __post_init__(self) -> None:
        _non_negative(self.points, f"reward {self.name!r} points")
        if self.points <= 0:
            raise ConfigError(f"reward {self.name!r}: points must be > 0, got {self.points!r}")
        _non_negative(self.value_to_customer, f"reward {self.name!r} value_to_customer")
        _non_negative(self.cost_to_firm, f"reward {self.name!r} cost_to_firm")


@dataclass(frozen=True)
class PointsRules:
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
        Points needed for the standard reward when no ``catalogue`` is given.
    catalogue : tuple of Reward, default ()
        Rewards on offer; a redeeming customer takes the most expensive one she can afford.
    expiry : {"after_days", "end_of_year", "never"}, default "after_days"
        Expiry policy [S91][S96][S97].
    expiry_days : int, default 730
        Lifetime of a points lot under ``after_days`` (2 years, Air Miles NL 2023 [S62]).
    lock_days : int, default 0
        Days before newly earned points can be redeemed (Open Loyalty ``pointsDaysLocked``) [S97].
    endowed_points : float, default 0.0
        Points given at enrolment (endowed progress [S4]).
    """

    earn_rate: float = 1.0
    points_per_purchase: float = 0.0
    point_value: float = 0.01
    redemption_threshold: float = 500.0
    catalogue: tuple[Reward, ...] = ()
    expiry: str = "after_days"
    expiry_days: int = 730
    lock_days: int = 0
    endowed_points: float = 0.0

    def __post_init__(self) -> None:
        for name in ("earn_rate", "points_per_purchase", "point_value", "endowed_points"):
            _non_negative(getattr(self, name), f"points.{name}")
        _non_negative(self.redemption_threshold, "points.redemption_threshold")
        if self.redemption_threshold <= 0 and not self.catalogue:
            raise ConfigError(
                f"points.redemption_threshold must be > 0, got {self.redemption_threshold!r}"
            )
        if self.earn_rate == 0 and self.points_per_purchase == 0:
            raise ConfigError("points: earn_rate and points_per_purchase are both 0 - no points")
        if self.expiry not in EXPIRY_POLICIES:
            raise ConfigError(
                f"points.expiry must be one of {list(EXPIRY_POLICIES)}, got {self.expiry!r}"
            )
        if self.expiry == "after_days" and (
            not isinstance(self.expiry_days, int) or self.expiry_days < 7
        ):
            raise ConfigError(
                f"points.expiry_days must be a whole number of days >= 7, got {self.expiry_days!r}"
            )
        if not isinstance(self.lock_days, int) or self.lock_days < 0:
            raise ConfigError(
                f"points.lock_days must be a whole number >= 0, got {self.lock_days!r}"
            )
        object.__setattr__(self, "catalogue", tuple(self.catalogue))

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
        return (
            Reward("standard reward", self.redemption_threshold, value, value * reward_cost_ratio),
        )


@dataclass(frozen=True)
class Tier:
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
        Price discount on every purchase (Open Loyalty level ``reward``) [S90].
    status_dropout_reduction : float, default 0.0
        Fractional reduction of the dropout probability from status [S24][S26].
    """

    name: str
    threshold: float
    earn_multiplier: float = 1.0
    discount: float = 0.0
    status_dropout_reduction: float = 0.0

    def __post_init__(self) -> None:
        _non_negative(self.threshold, f"tier {self.name!r} threshold")
        _non_negative(self.earn_multiplier, f"tier {self.name!r} earn_multiplier")
        _fraction(self.discount, f"tier {self.name!r} discount", upper=0.9)
        _fraction(self.status_dropout_reduction, f"tier {self.name!r} status_dropout_reduction")


@dataclass(frozen=True)
class TierRules:
    """Tier qualification and downgrade rules.

    Parameters
    ----------
    tiers : tuple of Tier
        Lowest first; thresholds strictly increasing, the first one 0.
    metric : {"spend", "points"}, default "spend"
        What qualifies (Open Loyalty ``tierAssignType`` transactions | points) [S91].
    window_days : int, default 365
        Rolling qualification window.
    downgrade : {"none", "automatic", "after_days"}, default "after_days"
        ``none`` never downgrades; ``automatic`` downgrades as soon as the rolling metric falls
        below the tier; ``after_days`` re-evaluates every ``downgrade_days`` [S93][S94].
    downgrade_days : int, default 365
        Review period for ``after_days`` (Open Loyalty default 365 [S94]).
    """

    tiers: tuple[Tier, ...]
    metric: str = "spend"
    window_days: int = 365
    downgrade: str = "after_days"
    downgrade_days: int = 365

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(self.tiers))
        if len(self.tiers) < 2:
            raise ConfigError(f"tiers: need at least 2 tiers, got {len(self.tiers)}")
        if self.tiers[0].threshold != 0:
            raise ConfigError(
                f"tiers: the first tier {self.tiers[0].name!r} must have threshold 0, "
                f"got {self.tiers[0].threshold!r}"
            )
        for lower, upper in zip(self.tiers[:-1], self.tiers[1:], strict=True):
            if upper.threshold <= lower.threshold:
                raise ConfigError(
                    f"tiers: threshold of {upper.name!r} ({upper.threshold}) is not above the "
                    f"one beneath it, {lower.name!r} ({lower.threshold})"
                )
        if self.metric not in TIER_METRICS:
            raise ConfigError(
                f"tiers.metric must be one of {list(TIER_METRICS)}, got {self.metric!r}"
            )
        if self.downgrade not in DOWNGRADE_MODES:
            raise ConfigError(
                f"tiers.downgrade must be one of {list(DOWNGRADE_MODES)}, got {self.downgrade!r}"
            )
        for name in ("window_days", "downgrade_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 28:
                raise ConfigError(
                    f"tiers.{name} must be a whole number of days >= 28, got {value!r}"
                )


@dataclass(frozen=True)
class Cashback:
    """Cashback (paid out after the purchase) or an instant discount at the till.

    Parameters
    ----------
    rate : float
        Share of spend returned (grocery ~1 % [S53]).
    instant : bool, default False
        True for an instant discount, False for cashback.
    """

    rate: float
    instant: bool = False

    def __post_init__(self) -> None:
        _fraction(self.rate, "cashback.rate", upper=0.5)


@dataclass(frozen=True)
class PaidMembership:
    """A paid membership (Prime-style).

    Parameters
    ----------
    fee : float
        Fee per period, in currency.
    period_days : int, default 365
        Billing period.
    discount : float, default 0.0
        Member price discount on every purchase.
    earn_multiplier : float, default 1.0
        Multiplier on earned points, when the program also has points.
    uptake_at_zero_fee : float, default 0.5
        Share of customers who would join if it were free.
    half_uptake_fee_per_month : float, default 10.0
        Monthly-equivalent fee at which uptake halves (uptake falls with the fee [S36]).
    monthly_churn : float or None, default None
        Monthly membership churn; None uses the behaviour default (4 % [S35]).
    """

    fee: float
    period_days: int = 365
    discount: float = 0.0
    earn_multiplier: float = 1.0
    uptake_at_zero_fee: float = 0.5
    half_uptake_fee_per_month: float = 10.0
    monthly_churn: float | None = None

    def __post_init__(self) -> None:
        _non_negative(self.fee, "paid.fee")
        _fraction(self.discount, "paid.discount", upper=0.9)
        _non_negative(self.earn_multiplier, "paid.earn_multiplier")
        _fraction(self.uptake_at_zero_fee, "paid.uptake_at_zero_fee")
        _non_negative(self.half_uptake_fee_per_month, "paid.half_uptake_fee_per_month")
        if self.half_uptake_fee_per_month <= 0:
            raise ConfigError("paid.half_uptake_fee_per_month must be > 0")
        if not isinstance(self.period_days, int) or self.period_days < 7:
            raise ConfigError(
                f"paid.period_days must be a whole number >= 7, got {self.period_days!r}"
            )
        if self.monthly_churn is not None:
            _fraction(self.monthly_churn, "paid.monthly_churn")

    def uptake(self) -> float:
        """Return the share of customers joining at this fee.

        Uptake halves with every ``half_uptake_fee_per_month`` of monthly-equivalent fee.

        Returns
        -------
        float
        """
        monthly_fee = self.fee * (365.25 / 12) / self.period_days
        return self.uptake_at_zero_fee * 0.5 ** (monthly_fee / self.half_uptake_fee_per_month)


@dataclass(frozen=True)
class Coalition:
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

    partner_points_per_week: float
    partner_funding_per_point: float
    focal_effect_factor: float = 0.5

    def __post_init__(self) -> None:
        _non_negative(self.partner_points_per_week, "coalition.partner_points_per_week")
        _non_negative(self.partner_funding_per_point, "coalition.partner_funding_per_point")
        _fraction(self.focal_effect_factor, "coalition.focal_effect_factor")


@dataclass(frozen=True)
class Campaign:
    """A time-boxed campaign: earn multiplier, visit uplift with pull-forward, behaviour bonus.

    Weeks count from the program launch (week 0); ``end_week`` is exclusive.

    Parameters
    ----------
    name : str
        Label, e.g. ``"double points autumn"``.
    start_week, end_week : int
        Window ``[start_week, end_week)``.
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
    """

    name: str
    start_week: int
    end_week: int
    earn_multiplier: float = 2.0
    visit_uplift: float = 0.10
    pull_forward: float = 0.30
    bonus_points: float = 0.0
    bonus_min_spend: float = 0.0

    def __post_init__(self) -> None:
        for name in ("start_week", "end_week"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"campaign {self.name!r}: {name} must be a week number >= 0")
        if self.end_week <= self.start_week:
            raise ConfigError(
                f"campaign {self.name!r} ends (week {self.end_week}) before it starts "
                f"(week {self.start_week})"
            )
        _non_negative(self.earn_multiplier, f"campaign {self.name!r} earn_multiplier")
        _non_negative(self.visit_uplift, f"campaign {self.name!r} visit_uplift")
        _fraction(self.pull_forward, f"campaign {self.name!r} pull_forward")
        _non_negative(self.bonus_points, f"campaign {self.name!r} bonus_points")
        _non_negative(self.bonus_min_spend, f"campaign {self.name!r} bonus_min_spend")


@dataclass(frozen=True)
class Economics:
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
        The firm's estimate of the share of points that will be redeemed, for the IFRS 15
        allocation (breakage default 20 % [S60][S64]).
    """

    gross_margin: float = 0.30
    reward_cost_ratio: float = 1.0
    fixed_cost_per_year: float = 0.0
    cost_per_member_per_year: float = 0.0
    annual_discount_rate: float = 0.10
    expected_redemption: float = 0.80

    def __post_init__(self) -> None:
        _fraction(self.gross_margin, "economics.gross_margin")
        _non_negative(self.reward_cost_ratio, "economics.reward_cost_ratio")
        _non_negative(self.fixed_cost_per_year, "economics.fixed_cost_per_year")
        _non_negative(self.cost_per_member_per_year, "economics.cost_per_member_per_year")
        _fraction(self.annual_discount_rate, "economics.annual_discount_rate")
        _fraction(self.expected_redemption, "economics.expected_redemption")
        if self.expected_redemption == 0:
            raise ConfigError("economics.expected_redemption must be > 0")


@dataclass(frozen=True)
class ProgramConfig:
    """One reward-program design.

    Parameters
    ----------
    name : str
        Unique name (used as metrics key).
    kind : {"points", "tiered", "cashback", "paid", "coalition", "campaign"}
        The design family; it decides which parts are required.
    points, tiers, cashback, paid, coalition : optional
        The parts; ``points`` is required by points, coalition and campaign programs,
        ``tiers`` by tiered, ``cashback`` by cashback, ``paid`` by paid, ``coalition`` by
        coalition programs.
    campaigns : tuple of Campaign, default ()
        Time-boxed campaigns (required for ``kind="campaign"``).
    economics : Economics
        Costs and margins.
    auto_enrol : bool, default False
        Every customer is a member (ERPNext ``auto_opt_in`` [S102]).
    enrolment_rate : float or None, default None
        Share of customers who join; None uses the behaviour default.
    behaviour : mapping, default {}
        Overrides of :class:`loyaltylab.rewards.behaviour.Behaviour` fields for this program.
    """

    name: str
    kind: str
    points: PointsRules | None = None
    tiers: TierRules | None = None
    cashback: Cashback | None = None
    paid: PaidMembership | None = None
    coalition: Coalition | None = None
    campaigns: tuple[Campaign, ...] = ()
    economics: Economics = field(default_factory=Economics)
    auto_enrol: bool = False
    enrolment_rate: float | None = None
    behaviour: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"program name must be a non-empty string, got {self.name!r}")
        if self.kind not in PROGRAM_KINDS:
            raise ConfigError(
                f"program {self.name!r}: kind must be one of {list(PROGRAM_KINDS)}, "
                f"got {self.kind!r}"
            )
        object.__setattr__(self, "campaigns", tuple(self.campaigns))
        needs = {
            "points": ("points",),
            "tiered": ("tiers",),
            "cashback": ("cashback",),
            "paid": ("paid",),
            "coalition": ("points", "coalition"),
            "campaign": ("points", "campaigns"),
        }[self.kind]
        missing = [part for part in needs if not getattr(self, part)]
        if missing:
            raise ConfigError(f"program {self.name!r} of kind {self.kind!r} needs {missing}")
        if self.tiers is not None and self.tiers.metric == "points" and self.points is None:
            raise ConfigError(f"program {self.name!r}: tiers qualify on points but there are none")
        if self.enrolment_rate is not None:
            _fraction(self.enrolment_rate, "enrolment_rate", self.name)
        from loyaltylab.rewards.behaviour import Behaviour

        known = {item.name for item in fields(Behaviour)}
        unknown = sorted(set(self.behaviour) - known)
        if unknown:
            raise ConfigError(
                f"program {self.name!r}: unknown behaviour parameters {unknown[:5]}; "
                f"known: {sorted(known)}"
            )
        object.__setattr__(self, "behaviour", dict(self.behaviour))


_PARTS: dict[str, type] = {
    "points": PointsRules,
    "cashback": Cashback,
    "paid": PaidMembership,
    "coalition": Coalition,
    "economics": Economics,
}


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {raw!r}")
    allowed = {item.name for item in fields(cls)}
    unknown = sorted(set(map(str, raw)) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown[:5]}; allowed: {sorted(allowed)}")
    try:
        return cls(**dict(raw))
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None
    except TypeError as error:
        raise ConfigError(f"{where}: {error}") from None


def program_from_mapping(raw: Mapping[str, Any]) -> ProgramConfig:
    """Build a :class:`ProgramConfig` from a mapping such as one ``programs:`` entry.

    Parameters
    ----------
    raw : mapping
        ``{"name": ..., "kind": ..., "points": {...}, "tiers": {"tiers": [...]}, ...}``.

    Returns
    -------
    ProgramConfig

    Examples
    --------
    >>> program_from_mapping({"name": "basic", "kind": "cashback", "cashback": {"rate": 0.01}}).kind
    'cashback'
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"a program must be a mapping, got {raw!r}")
    data = dict(raw)
    name = data.get("name")
    where = f"program {name!r}"
    for key, cls in _PARTS.items():
        if data.get(key) is not None:
            part = dict(data[key])
            if key == "points" and "catalogue" in part:
                part["catalogue"] = tuple(
                    _build(Reward, item, f"{where} points.catalogue") for item in part["catalogue"]
                )
            data[key] = _build(cls, part, f"{where} {key}")
    if data.get("tiers") is not None:
        tiers = (
            dict(data["tiers"]) if isinstance(data["tiers"], Mapping) else {"tiers": data["tiers"]}
        )
        levels = tiers.get("tiers")
        if not isinstance(levels, Sequence) or isinstance(levels, str):
            raise ConfigError(f"{where} tiers.tiers must be a list of tiers")
        tiers["tiers"] = tuple(_build(Tier, item, f"{where} tier") for item in levels)
        data["tiers"] = _build(TierRules, tiers, f"{where} tiers")
    campaigns = data.get("campaigns") or ()
    if not isinstance(campaigns, Sequence) or isinstance(campaigns, str):
        raise ConfigError(f"{where} campaigns must be a list")
    data["campaigns"] = tuple(_build(Campaign, item, f"{where} campaign") for item in campaigns)
    return _build(ProgramConfig, data, where)


def load_programs(
    config: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> tuple[ProgramConfig, ...]:
    """Load and validate the ``programs:`` section of ``reports.yaml`` (or a given config).

    Parameters
    ----------
    config : path, mapping, list of mappings or None
        A YAML file (default: the project's ``reports.yaml``), a mapping with a ``programs`` key,
        or the list of program mappings itself.

    Returns
    -------
    tuple of ProgramConfig

    Raises
    ------
    ConfigError
        If the section is missing or empty, a name repeats, or any program is invalid.
    """
    if config is None:
        from loyaltylab.paths import reports_config

        config = reports_config()
    if isinstance(config, str | os.PathLike):
        path = Path(config)
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read program configurations from {path}: {error}") from None
    if isinstance(config, Mapping):
        if "programs" not in config:
            raise ConfigError("no 'programs:' section in the configuration")
        entries = config["programs"]
    else:
        entries = config
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        raise ConfigError(f"'programs' must be a non-empty list, got {entries!r}")
    programs = tuple(program_from_mapping(entry) for entry in entries)
    names = [program.name for program in programs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"program names must be unique; repeated: {repeated[:5]}")
    return programs
