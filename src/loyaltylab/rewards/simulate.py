"""Twin simulation of reward programs: every customer without and with each program, weekly.

Each customer of a :class:`~loyaltylab.rewards.population.Population` is simulated twice with
common random numbers - once in a world without any program (the baseline twin) and once with the
program - so the incremental effect of a program is exact, customer by customer, and the naive
member vs non-member comparison (biased by self-selection [S16][S19]) can be shown beside it
(reference/rewards.md §4 items 1-14). All programs share the baseline twin and the random numbers
of a week; everything is vectorised over customers (numpy), the only Python loops run over weeks
and programs.

One week ``t`` of the program twin of a member:

1. purchase rate ``lambda_i * m_i(t)`` with ``m = (1 + delta(t)) * G(d) * L * R * D * C * F``:
   base uplift ``delta`` decaying with a half-life [S14][S16] (cashback [S21], paid [S34]),
   goal gradient ``G = 1 + beta (1 - d)`` on the distance to the next reward or tier [S1][S2],
   learning per completed goal [S9], redemption momentum [S11][S12], demotion [S28], campaign
   uplift with pull-forward [S51]; all scaled by the segment response (heavy buyers barely change
   [S14][S15]);
2. purchases ``n ~ Poisson(lambda m)`` by inverting the Poisson CDF at the week's shared uniform,
   so the twins' counts are monotonically coupled; basket value Gamma-Gamma [S110] from the shared
   normal (Wilson-Hilferty), unchanged by the program [S17][S32];
3. the program's mechanics, one per config part (:mod:`loyaltylab.rewards.mechanics`): points
   and redemption (ledger, oldest first), tiers, cashback, discounts, fees, partner points,
   campaign bonuses;
4. dropout: BG/NBD after each purchase with ``p_i * (1 - kappa) * status * demotion *
   commitment / m`` - dividing by ``m`` keeps a frequency uplift from adding dropout chances
   (reference/rewards.md §4 item 5); Pareto/NBD with the weekly hazard ``mu_i`` times the same
   factors (without the division).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from loyaltylab.clv.models import get_transaction_model
from loyaltylab.clv.models.bgnbd import BetaGeoModel
from loyaltylab.errors import ParameterError
from loyaltylab.rewards.behaviour import (
    Behaviour,
    FloatArray,
    base_uplift,
    enrolment_probability,
    goal_commitment_factor,
    segment_labels,
)
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.ledger import WEEKS_PER_YEAR
from loyaltylab.rewards.mechanics import SharedWeek, Twin, TwinWeek, mechanics_for
from loyaltylab.rewards.population import Population
from loyaltylab.rewards.results import WEEKLY_COLUMNS, SimulationResult

__all__ = [
    "ATTRITION_EFFECTS",
    "RATE_EFFECTS",
    "WEEKLY_COLUMNS",
    "decompose_value_lift",
    "poisson_inverse",
    "simulate_programs",
]

ACTIVE_WEEKS = 13  # "active member" = bought in the last 90 days (rewards.md §4 item 14)


def poisson_inverse(uniform: np.ndarray, mean: np.ndarray, max_count: int = 60) -> np.ndarray:
    """Return Poisson counts with the given means at the given uniforms (inverse CDF).

    Using the same uniform for two means gives counts that are monotone in the mean: the coupling
    behind common random numbers.

    Parameters
    ----------
    uniform : numpy.ndarray
        Uniforms in [0, 1).
    mean : numpy.ndarray
        Poisson means (same shape).
    max_count : int, default 60
        Counts are capped here.

    Returns
    -------
    numpy.ndarray of int32

    Examples
    --------
    >>> poisson_inverse(np.array([0.1, 0.5, 0.99]), np.array([1.0, 1.0, 1.0])).tolist()
    [0, 1, 4]
    """
    mean = mean.astype(np.float64)
    term = np.exp(-mean)
    cdf = term.copy()
    count = np.zeros(mean.shape, dtype=np.int32)
    open_ = uniform > cdf
    k = 0
    while open_.any() and k < max_count:
        k += 1
        term = term * mean / k
        cdf = cdf + term
        count += open_
        open_ = open_ & (uniform > cdf)
    return count


def simulate_programs(
    programs: Sequence[ProgramConfig],
    population: Population,
    *,
    horizon_weeks: int = 156,
    behaviour: Behaviour | None = None,
    seed: int = 0,
    progress: bool = False,
    track_goals: bool = False,
    liability: bool = True,
) -> SimulationResult:
    """Simulate each customer without and with every program (common random numbers), weekly.

    Parameters
    ----------
    programs : sequence of ProgramConfig
        The designs to compare (unique names).
    population : Population
        Customers from :func:`~loyaltylab.rewards.population.draw_population`.
    horizon_weeks : int, default 156
        Weeks to simulate (3 years).
    behaviour : Behaviour, optional
        Effect sizes (default: :class:`Behaviour` defaults); each program's ``behaviour``
        overrides are applied on top.
    seed : int, default 0
        Seed of the weekly random numbers.
    progress : bool, default False
        Show a tqdm progress bar over weeks.
    track_goals : bool, default False
        Record member exposure and purchases by distance to the next reward (tenths), for the
        goal-gradient diagnostics.
    liability : bool, default True
        Compute the IFRS 15 liability at the horizon (``False``: nan, a little faster).

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from loyaltylab.rewards.config import program_from_mapping
    >>> from loyaltylab.rewards.population import PopulationModel, draw_population
    >>> people = draw_population(PopulationModel.cdnow_published(), 500, seed=1)
    >>> program = program_from_mapping(
    ...     {"name": "cash", "kind": "cashback", "cashback": {"rate": 0.01}}
    ... )
    >>> result = simulate_programs([program], people, horizon_weeks=52)
    >>> list(result.summary().index)
    ['cash']
    """
    programs = tuple(programs)
    if not programs:
        raise ParameterError("simulate_programs needs at least one program")
    names = [program.name for program in programs]
    if len(set(names)) != len(names):
        raise ParameterError(f"program names must be unique, got {names}")
    if not isinstance(horizon_weeks, int) or not 1 <= horizon_weeks <= 20_000:
        raise ParameterError(
            f"horizon_weeks must be a whole number from 1 to 20000, got {horizon_weeks!r}"
        )
    base_behaviour = behaviour or Behaviour()
    n = population.size
    rate = population.rate
    dropout = population.dropout
    spend_mean = population.mean_spend
    # dropout after each purchase (BG/NBD family) or in continuous time (Pareto/NBD), by the
    # clv registry's family of the population model, not by its name
    bgnbd = isinstance(get_transaction_model(population.model.model), BetaGeoModel)
    gg_p = population.model.p
    segments = segment_labels(rate)
    heavy = segments == "heavy"
    rng = np.random.default_rng([seed, 104729])
    enrol_uniform = rng.random(n)
    twins = [
        _make_twin(
            program, base_behaviour, population, heavy, enrol_uniform, horizon_weeks, track_goals
        )
        for program in programs
    ]
    alive0 = np.ones(n, dtype=bool)
    wh_shift = 1 - 1 / (9 * gg_p)
    wh_scale = 1 / (3 * math.sqrt(gg_p))
    wh_mean = _wilson_hilferty_mean(gg_p)
    wilson = (wh_shift, wh_scale, wh_mean)
    no_purchase = np.exp(-rate.astype(np.float32))
    hazard = None if bgnbd else (1 - np.exp(-dropout)).astype(np.float32)
    weeks = range(horizon_weeks)
    if progress:
        from tqdm import tqdm

        weeks = tqdm(weeks, desc="simulating weeks", unit="week")
    for week in weeks:
        u_buy = rng.random(n, dtype=np.float32)
        u_drop = rng.random(n, dtype=np.float32)
        u_aux = rng.random(n, dtype=np.float32)
        z_spend = rng.standard_normal(n, dtype=np.float32)
        # --- baseline twin --------------------------------------------------------------
        buy_at_base_rate = u_buy > no_purchase
        buyers0 = np.flatnonzero(buy_at_base_rate & alive0)
        counts0 = poisson_inverse(u_buy[buyers0], rate[buyers0])
        keep = counts0 > 0
        buyers0, counts0 = buyers0[keep], counts0[keep]
        spend0 = counts0 * _basket(z_spend, buyers0, spend_mean, *wilson)
        if bgnbd:
            p0 = dropout[buyers0]
            alive0[buyers0[u_drop[buyers0] < 1 - np.power(1 - p0, counts0)]] = False
        else:
            assert hazard is not None
            alive0 &= ~(u_drop < hazard)
        shared = SharedWeek(
            u_buy=u_buy,
            u_drop=u_drop,
            u_aux=u_aux,
            z_spend=z_spend,
            buy_at_base_rate=buy_at_base_rate,
            hazard=hazard,
            buyers0=buyers0,
            spend0=spend0,
            alive0=alive0,
            alive0_count=int(alive0.sum()),
            purchases0=int(counts0.sum()),
            revenue0=float(spend0.sum()),
        )
        for twin in twins:
            rate_discount = twin.program.economics.annual_discount_rate
            discount_factor = (1 + rate_discount) ** (-week / WEEKS_PER_YEAR)
            _step(twin, TwinWeek(week, shared, discount_factor), population, bgnbd, wilson)
    return SimulationResult.from_twins(
        twins=twins,
        population=population,
        behaviour=base_behaviour,
        horizon_weeks=horizon_weeks,
        seed=seed,
        segments=segments,
        liability=liability,
    )


def _wilson_hilferty_mean(shape: float) -> float:
    z = np.random.default_rng(0).standard_normal(200_000)
    values = np.maximum(1 - 1 / (9 * shape) + z / (3 * math.sqrt(shape)), 0.0) ** 3
    return float(values.mean())


def _basket(
    z: FloatArray,
    buyers: np.ndarray,
    spend_mean: FloatArray,
    shift: float,
    scale: float,
    mean: float,
) -> FloatArray:
    """Basket value per purchase: Gamma(p, nu_i) via Wilson-Hilferty on the shared normal."""
    noise = np.maximum(shift + z[buyers] * scale, 0.0) ** 3 / mean
    # fancy indexing is untyped in numpy's stubs; the product is a float array
    basket: FloatArray = spend_mean[buyers] * noise
    return basket


def _make_twin(
    program: ProgramConfig,
    base: Behaviour,
    population: Population,
    heavy: np.ndarray,
    enrol_uniform: np.ndarray,
    horizon: int,
    track_goals: bool,
) -> Twin:
    """Build a program twin: its mechanics, who enrols, the segment response."""
    behaviour = base.with_overrides(**program.behaviour) if program.behaviour else base
    n = population.size
    mechanics = mechanics_for(program, behaviour, n, horizon)
    if program.auto_enrol:
        member = np.ones(n, dtype=bool)
    else:
        shares = [m.enrolment_share() for m in mechanics]
        decided = [share for share in shares if share is not None]
        if decided:
            share = decided[0]
        elif program.enrolment_rate is not None:
            share = program.enrolment_rate
        else:
            share = behaviour.enrolment_rate
        member = enrol_uniform < enrolment_probability(
            population.rate, share, behaviour.self_selection_for(program.kind)
        )
    twin = Twin(
        program=program,
        behaviour=behaviour,
        mechanics=mechanics,
        alive=np.ones(n, dtype=bool),
        member=member,
        active_member=member.copy(),
        response=np.where(heavy, behaviour.heavy_response, 1.0).astype(np.float32),
        last_buy=np.full(n, -10_000, dtype=np.int16),
        enrolled=np.flatnonzero(member),
        exit_week=np.full(n, horizon, dtype=np.int16),
        value=np.zeros(n),
        value_baseline=np.zeros(n),
        margin=np.zeros(n),
        margin_baseline=np.zeros(n),
        sales=np.zeros(n),
        sales_baseline=np.zeros(n),
        redeemed_any=np.zeros(n, dtype=bool),
        weekly={column: np.zeros(horizon) for column in WEEKLY_COLUMNS},
        goal_exposure=np.zeros(11) if track_goals else np.zeros(0),
        goal_purchases=np.zeros(11) if track_goals else np.zeros(0),
        dropout_factor=1 - behaviour.dropout_reduction_for(program.kind),
        attrition_response=np.where(heavy, behaviour.heavy_attrition_response, 1.0).astype(
            np.float32
        ),
    )
    for mechanic in mechanics:
        mechanic.setup(twin)
    return twin


def _goal_distance(twin: Twin, tw: TwinWeek) -> np.ndarray | None:
    """Members' remaining share of the way to the nearest goal of any mechanic (or None)."""
    b = twin.behaviour
    if not (b.goal_gradient > 0 or b.goal_commitment > 0 or twin.goal_exposure.size):
        return None
    distance = None
    for mechanic in twin.mechanics:
        part = mechanic.goal_distance(twin, tw)
        if part is not None:
            distance = part if distance is None else np.minimum(distance, part)
    return distance


def _purchase_rate_multiplier(twin: Twin, tw: TwinWeek) -> FloatArray:
    """Members' purchase-rate multiplier: base uplift, goal gradient, then each mechanic's."""
    b = twin.behaviour
    response = twin.response[tw.members]
    # fancy indexing is untyped in numpy's stubs; the multiplier is a float array
    multiplier: FloatArray = 1 + response * np.float32(base_uplift(b, twin.program.kind, tw.week))
    if tw.distance is not None and b.goal_gradient > 0:
        multiplier *= 1 + response * np.float32(b.goal_gradient) * (1 - tw.distance)
    for mechanic in twin.mechanics:
        mechanic.scale_purchase_rate(twin, tw, response, multiplier)
    return multiplier


def _step(
    twin: Twin,
    tw: TwinWeek,
    population: Population,
    bgnbd: bool,
    wilson: tuple[float, float, float],
) -> None:
    """One week of a program twin: the mechanics' hooks around the shared purchase model."""
    b, week, shared, mechanics = twin.behaviour, tw.week, tw.shared, twin.mechanics
    rate, dropout, spend_mean = population.rate, population.dropout, population.mean_spend
    u_buy, u_drop = shared.u_buy, shared.u_drop
    for mechanic in mechanics:
        mechanic.start_week(twin, tw)
    member_now = twin.active_member & twin.alive
    members = tw.members = np.flatnonzero(member_now)
    distance = tw.distance = _goal_distance(twin, tw)
    multiplier = _purchase_rate_multiplier(twin, tw)
    # ---- purchases ---------------------------------------------------------------------------
    # non-members buy as in the baseline; members at their multiplied rate (same uniforms)
    buy = shared.buy_at_base_rate.copy()
    buy[members] = u_buy[members] > np.exp(-rate[members] * multiplier)
    buy &= twin.alive
    buyers = np.flatnonzero(buy)
    is_member = member_now[buyers]
    position = np.searchsorted(members, buyers[is_member])
    mean = rate[buyers].astype(np.float64)
    buyer_multiplier = np.ones(buyers.size, dtype=np.float32)
    buyer_multiplier[is_member] = multiplier[position]
    mean *= buyer_multiplier
    counts = poisson_inverse(u_buy[buyers], mean)
    keep = counts > 0
    if not keep.all():
        buyers, counts, is_member = buyers[keep], counts[keep], is_member[keep]
        buyer_multiplier = buyer_multiplier[keep]
        position = np.searchsorted(members, buyers[is_member])
    spend = counts * _basket(shared.z_spend, buyers, spend_mean, *wilson)
    tw.buyers, tw.counts, tw.spend, tw.is_member, tw.position = (
        buyers,
        counts,
        spend,
        is_member,
        position,
    )
    twin.last_buy[buyers] = week
    if twin.goal_exposure.size and distance is not None:
        bins = np.rint(distance * 10).astype(np.intp)
        twin.goal_exposure += np.bincount(bins, minlength=11)[:11]
        twin.goal_purchases += np.bincount(bins[position], weights=counts[is_member], minlength=11)[
            :11
        ]
    # ---- terms of the purchases: discounts, cashback, earning --------------------------------
    tw.discount_rate = np.zeros(buyers.size)
    if twin.ledger is not None:
        tw.earn_multiplier = np.full(buyers.size, tw.earn_factor)
    for mechanic in mechanics:
        mechanic.set_terms(twin, tw)
    discount_rate = np.minimum(tw.discount_rate, 0.9) * is_member
    discounts = spend * discount_rate
    tw.paid_amount = spend - discounts
    cashback = spend * is_member * tw.cashback_rate
    cashback_cost = float(cashback.sum())
    for mechanic in mechanics:
        mechanic.on_purchases(twin, tw)

    # ---- dropout -----------------------------------------------------------------------------
    # the attrition effect applies to all members (Chen et al. [S17]), heavy buyers' scaled by
    # heavy_attrition_response (heavy buyers barely change [S14]); the segment response scales
    # the purchase-rate effects
    def member_factor(who: np.ndarray, where: np.ndarray | None) -> np.ndarray:
        if twin.attrition_response is None:
            factor = np.full(who.size, twin.dropout_factor, dtype=np.float32)
        else:
            cut = np.float32(1 - twin.dropout_factor)
            factor = (1 - cut * twin.attrition_response[who]).astype(np.float32)
        for mechanic in mechanics:
            mechanic.scale_dropout(twin, tw, who, factor)
        if distance is not None and where is not None and b.goal_commitment > 0:
            factor *= goal_commitment_factor(distance[where], b.goal_commitment)
        return factor

    if bgnbd:
        p_eff = dropout[buyers].astype(np.float32)
        member_buyers = buyers[is_member]
        p_eff[is_member] *= member_factor(member_buyers, position) / buyer_multiplier[is_member]
        dead = buyers[u_drop[buyers] < 1 - np.power(1 - p_eff, counts)]
    else:
        assert shared.hazard is not None
        hazard = shared.hazard.copy()
        hazard[members] = 1 - np.exp(
            -dropout[members] * member_factor(members, np.arange(members.size))
        )
        dead = np.flatnonzero(twin.alive & (u_drop < hazard))
    twin.alive[dead] = False
    twin.exit_week[dead] = np.minimum(twin.exit_week[dead], week + 1)
    # ---- money -------------------------------------------------------------------------------
    for mechanic in mechanics:
        mechanic.end_week(twin, tw)
    _book_week(twin, tw, discounts, cashback, cashback_cost)


def _book_week(
    twin: Twin, tw: TwinWeek, discounts: np.ndarray, cashback: np.ndarray, cashback_cost: float
) -> None:
    """Add the week's money to the customers and write the weekly series."""
    economics = twin.program.economics
    gm = economics.gross_margin
    week, shared, out = tw.week, tw.shared, twin.weekly
    members, buyers, spend = tw.members, tw.buyers, tw.spend
    discount_factor = tw.discount_factor
    members_alive = int(members.size)
    program_cost = economics.fixed_cost_per_year / WEEKS_PER_YEAR + (
        economics.cost_per_member_per_year / WEEKS_PER_YEAR * members_alive
    )
    twin.margin[buyers] += (gm * spend - discounts - cashback) * discount_factor
    twin.value[buyers] += spend * discount_factor
    twin.sales[buyers] += spend
    twin.value_baseline[shared.buyers0] += shared.spend0 * discount_factor
    twin.sales_baseline[shared.buyers0] += shared.spend0
    twin.margin_baseline[shared.buyers0] += gm * shared.spend0 * discount_factor
    if week == WEEKS_PER_YEAR - 1:
        twin.alive_at_year = np.stack([twin.alive.copy(), shared.alive0.copy()])
    revenue = float(spend.sum())
    revenue0 = shared.revenue0
    discount_total = float(discounts.sum())
    reward_cost = discount_total + cashback_cost + tw.redemption_cost
    out["members"][week] = int(twin.active_member.sum())
    out["alive_members"][week] = members_alive
    out["active_members"][week] = int((week - twin.last_buy[members] < ACTIVE_WEEKS).sum())
    out["alive_members_baseline"][week] = int(shared.alive0[twin.enrolled].sum())
    out["alive_enrolled"][week] = int(twin.alive[twin.enrolled].sum())
    out["alive_customers"][week] = int(twin.alive.sum())
    out["alive_customers_baseline"][week] = shared.alive0_count
    out["purchases"][week] = tw.counts.sum()
    out["purchases_baseline"][week] = shared.purchases0
    out["revenue"][week] = revenue
    out["revenue_baseline"][week] = revenue0
    out["member_revenue"][week] = float(tw.paid_amount[tw.is_member].sum())
    out["discount_cost"][week] = discount_total
    out["cashback_cost"][week] = cashback_cost
    out["redemption_cost"][week] = tw.redemption_cost
    out["reward_value_to_customers"][week] = tw.reward_value + discount_total + cashback_cost
    out["reward_cost"][week] = reward_cost
    out["program_cost"][week] = program_cost
    out["fee_income"][week] = tw.fee_income
    out["partner_income"][week] = tw.partner_income
    out["points_issued"][week] = tw.issued
    out["partner_points"][week] = tw.partner_points
    out["points_redeemed"][week] = tw.redeemed
    out["points_expired"][week] = tw.expired
    out["points_outstanding"][week] = tw.points_outstanding
    out["redemptions"][week] = tw.redemptions
    out["upgrades"][week] = tw.upgrades
    out["downgrades"][week] = tw.downgrades
    out["margin"][week] = (
        gm * revenue - reward_cost - program_cost + tw.fee_income + tw.partner_income
    )
    out["margin_baseline"][week] = gm * revenue0


RATE_EFFECTS = (
    "frequency_uplift",
    "goal_gradient",
    "learning",
    "redemption_uplift",
    "demotion_rate_drop",
    "paid_uplift",
    "cashback_uplift",
    "campaign_response",
)
ATTRITION_EFFECTS = (
    "dropout_reduction",
    "cashback_dropout_reduction",
    "paid_dropout_reduction",
    "coalition_dropout_reduction",
    "goal_commitment",
    "demotion_penalty",
    "status_effect",
)


def decompose_value_lift(
    program: ProgramConfig,
    population: Population,
    *,
    horizon_weeks: int = 260,
    behaviour: Behaviour | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Split a program's lift in members' customer value into attrition and frequency channels.

    Runs the program three times with the same random numbers: all effects, only the attrition
    effects (purchase-rate effects off) and only the purchase-rate effects (attrition effects
    off), as Chen et al. decompose their +30 % 5-year value into > 80 % attrition [S17].

    Parameters
    ----------
    program : ProgramConfig
    population : Population
    horizon_weeks : int, default 260
        Five years.
    behaviour : Behaviour, optional
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        Rows ``all``, ``attrition_only``, ``frequency_only`` with ``value_change`` (members'
        discounted sales), ``clv_change`` and ``share_of_total`` (value change / all).
    """
    full = behaviour or Behaviour()
    variants = {
        "all": full,
        "attrition_only": full.with_overrides(**dict.fromkeys(RATE_EFFECTS, 0.0)),
        "frequency_only": full.with_overrides(**dict.fromkeys(ATTRITION_EFFECTS, 0.0)),
    }
    rows = []
    for label, variant in variants.items():
        totals = simulate_programs(
            [program], population, horizon_weeks=horizon_weeks, behaviour=variant, seed=seed
        ).totals.loc[program.name]
        rows.append(
            {
                "channel": label,
                "value_change": totals["value_change"],
                "clv_change": totals["clv_change"],
            }
        )
    table = pd.DataFrame(rows).set_index("channel")
    table["share_of_total"] = table["value_change"] / table["value_change"].loc["all"]
    return table
