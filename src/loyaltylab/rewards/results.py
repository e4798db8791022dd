"""Results of the twin simulation: weekly flows, per-period tables, totals, IFRS 15, metrics.

Definitions (per program, over the horizon; "members" = customers enrolled at launch):

* ``revenue``: sales at list price of all customers in the program twin; ``incremental_revenue``
  = program twin - baseline twin (exact, same customers and random numbers);
* ``reward_cost``: value given away, at cost to the firm: redeemed rewards, cashback, discounts;
  ``program_cost``: fixed and per-member costs;
* ``incremental_margin`` = gross margin x incremental revenue - reward cost - program cost + fees
  + partner funding; ``roi`` = incremental margin / (reward cost + program cost)
  (reference/rewards.md §4 item 12);
* ``breakage_rate`` = (points expired + points left with customers who dropped out) / points
  issued; ``redemption_rate`` = points redeemed / points issued;
* ``liability_end``: IFRS 15 contract liability at the horizon
  (:mod:`~loyaltylab.rewards.accounting`);
* ``retention_change``: 12-month retention of members (share still alive after a year), program
  twin minus baseline twin, in percentage points;
* ``clv_change``: relative change of members' discounted purchase margin over the horizon (gross
  margin on their purchases net of the rewards, cashback and discounts they receive); fees,
  partner funding and program costs are the program's income and costs (in
  ``incremental_margin``), never customer value; ``value_change``: same for discounted sales
  (Chen et al.'s "customer value" [S17]);
* ``incremental_sales_share``: members' incremental sales over their sales with the program,
  ``true_lift / (1 + true_lift)`` - the "share of sales that is incentive-driven" of Nastasoiu et
  al. [S13];
* ``true_lift_heavy`` / ``true_lift_light_moderate``: the true lift of heavy members (top 20 % by
  baseline rate) and of the others (Liu 2007 [S14]);
* ``member_margin_change_{light,moderate,heavy}``: mean change of a member's discounted purchase
  margin (net of rewards) by segment - who gains;
* ``naive_lift``: members' vs non-members' sales in the program world - 1, the comparison a
  dashboard makes; ``true_lift``: members' sales with vs without the program - 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.accounting import ifrs15_schedule

__all__ = ["KEY_METRICS", "SimulationResult"]

KEY_METRICS = (
    "incremental_revenue",
    "reward_cost",
    "incremental_margin",
    "roi",
    "breakage_rate",
    "liability_end",
    "retention_change",
    "clv_change",
)

_FLOW_COLUMNS = (
    "purchases",
    "purchases_baseline",
    "revenue",
    "revenue_baseline",
    "member_revenue",
    "discount_cost",
    "cashback_cost",
    "redemption_cost",
    "reward_value_to_customers",
    "reward_cost",
    "program_cost",
    "fee_income",
    "partner_income",
    "points_issued",
    "partner_points",
    "points_redeemed",
    "points_expired",
    "redemptions",
    "upgrades",
    "downgrades",
    "margin",
    "margin_baseline",
)
_STOCK_COLUMNS = (
    "members",
    "active_members",
    "alive_members",
    "alive_members_baseline",
    "alive_enrolled",
    "alive_customers",
    "alive_customers_baseline",
    "points_outstanding",
)
# every weekly series the simulation records: levels at the end of the week, then weekly flows
WEEKLY_COLUMNS = _STOCK_COLUMNS + _FLOW_COLUMNS


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else float("nan")


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`~loyaltylab.rewards.simulate.simulate_programs`.

    Attributes
    ----------
    programs : tuple of ProgramConfig
    weekly : pandas.DataFrame
        One row per program and week with the flows and stocks of both twins.
    totals : pandas.DataFrame
        One row per program (index) with the horizon totals and key metrics.
    tier_counts : dict of str to pandas.DataFrame
        Members alive per tier and week, for tiered programs.
    tier_flows : dict of str to pandas.DataFrame
        Upgrade/downgrade counts over the horizon (rows from, columns to).
    goal_progress : pandas.DataFrame
        Member exposure (alive member-weeks) and purchases by distance to the next reward
        (tenths), when tracked.
    behaviour : Behaviour
    horizon_weeks : int
    seed : int
    n_customers : int
    population_source : str
    """

    programs: tuple[Any, ...]
    weekly: pd.DataFrame
    totals: pd.DataFrame
    tier_counts: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    tier_flows: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    goal_progress: pd.DataFrame = field(default_factory=pd.DataFrame)
    behaviour: Any = None
    horizon_weeks: int = 0
    seed: int = 0
    n_customers: int = 0
    population_source: str = ""

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_twins(
        cls,
        *,
        twins: Sequence[Any],
        population: Any,
        behaviour: Any,
        horizon_weeks: int,
        seed: int,
        segments: np.ndarray,
        liability: bool = True,
    ) -> SimulationResult:
        """Assemble the result from the simulator's internal twin states.

        ``liability=False`` skips the IFRS 15 schedule (``liability_end`` is then nan), for
        Monte Carlo runs that do not report it.
        """
        frames, rows, tier_counts, tier_flows, goals = [], [], {}, {}, []
        for twin in twins:
            program = twin.program
            weekly = pd.DataFrame(twin.weekly)
            weekly.insert(0, "week", np.arange(horizon_weeks))
            weekly.insert(0, "program", program.name)
            frames.append(weekly)
            if twin.tiers is not None:
                names = [tier.name for tier in program.tiers.tiers]
                tier_counts[program.name] = pd.DataFrame(
                    twin.tier_counts, columns=names
                ).rename_axis("week")
                tier_flows[program.name] = pd.DataFrame(
                    twin.tiers.flows, index=names, columns=names
                )
            if twin.goal_exposure.size:
                goals.append(
                    pd.DataFrame(
                        {
                            "program": program.name,
                            "distance": np.arange(11) / 10,
                            "exposure_weeks": twin.goal_exposure,
                            "purchases": twin.goal_purchases,
                        }
                    )
                )
            rows.append(_totals(twin, weekly, horizon_weeks, segments))
        weekly_all = pd.concat(frames, ignore_index=True)
        totals = pd.DataFrame(rows).set_index("program")
        goal_progress = pd.concat(goals, ignore_index=True) if goals else pd.DataFrame()
        if not goal_progress.empty:
            goal_progress["rate_per_week"] = goal_progress["purchases"] / goal_progress[
                "exposure_weeks"
            ].where(goal_progress["exposure_weeks"] > 0)
        result = cls(
            programs=tuple(twin.program for twin in twins),
            weekly=weekly_all,
            totals=totals,
            tier_counts=tier_counts,
            tier_flows=tier_flows,
            goal_progress=goal_progress,
            behaviour=behaviour,
            horizon_weeks=horizon_weeks,
            seed=seed,
            n_customers=population.size,
            population_source=population.model.source,
        )
        liabilities = {
            name: (
                float(result.accounting(name)["contract_liability"].iloc[-1])
                if liability
                else float("nan")
            )
            if result.program(name).points is not None
            else 0.0
            for name in totals.index
        }
        totals["liability_end"] = pd.Series(liabilities)
        return result

    # ------------------------------------------------------------------ access
    def program(self, name: str) -> Any:
        """Return the configuration of program ``name``."""
        for program in self.programs:
            if program.name == name:
                return program
        raise ParameterError(f"no program {name!r}; programs: {[p.name for p in self.programs]}")

    def summary(self) -> pd.DataFrame:
        """Return one row per program with the key outputs (horizon totals)."""
        columns = [
            "kind",
            "members",
            "member_share",
            "revenue",
            "incremental_revenue",
            "incremental_revenue_pct",
            "reward_cost",
            "program_cost",
            "fee_income",
            "partner_income",
            "incremental_margin",
            "roi",
            "redemption_rate",
            "breakage_rate",
            "liability_end",
            "retention_12m",
            "retention_12m_baseline",
            "retention_change",
            "clv_member",
            "clv_member_baseline",
            "clv_change",
            "value_change",
            "true_lift",
            "naive_lift",
            "incremental_sales_share",
        ]
        return self.totals[columns].copy()

    def metrics(self) -> dict[str, dict[str, float]]:
        """Return ``{program: {key metric: value}}`` for the metrics file."""
        return {
            name: {key: float(self.totals.loc[name, key]) for key in KEY_METRICS}
            for name in self.totals.index
        }

    def by_period(self, period_weeks: int = 13) -> pd.DataFrame:
        """Return flows summed and stocks at period end, per program and period.

        Parameters
        ----------
        period_weeks : int, default 13
            13 = quarters, 52 = years, 4 = four-week months.

        Returns
        -------
        pandas.DataFrame
            Columns program, period, start_week, the flows (sums), the stocks (period end),
            incremental_revenue, incremental_margin, roi, redemption_rate, expiry_rate and the
            retention of members (share of enrolled customers still buying) of both twins.
        """
        if not isinstance(period_weeks, int) or period_weeks < 1:
            raise ParameterError(f"period_weeks must be a whole number >= 1, got {period_weeks!r}")
        weekly = self.weekly.assign(period=self.weekly["week"] // period_weeks)
        groups = weekly.groupby(["program", "period"], sort=False)
        flows = groups[list(_FLOW_COLUMNS)].sum()
        stocks = groups[list(_STOCK_COLUMNS)].last()
        table = flows.join(stocks).reset_index()
        table.insert(2, "start_week", table["period"] * period_weeks)
        table["incremental_revenue"] = table["revenue"] - table["revenue_baseline"]
        table["incremental_margin"] = table["margin"] - table["margin_baseline"]
        costs = table["reward_cost"] + table["program_cost"]
        table["roi"] = table["incremental_margin"] / costs.where(costs > 0)
        table["redemption_rate"] = table["points_redeemed"] / table["points_issued"].where(
            table["points_issued"] > 0
        )
        table["expiry_rate"] = table["points_expired"] / table["points_issued"].where(
            table["points_issued"] > 0
        )
        members = self.totals["members"].reindex(table["program"]).to_numpy()
        table["member_retention"] = table["alive_enrolled"] / np.where(members > 0, members, np.nan)
        table["member_retention_baseline"] = table["alive_members_baseline"] / np.where(
            members > 0, members, np.nan
        )
        return table

    def accounting(self, program: str, period_weeks: int = 13) -> pd.DataFrame:
        """Return the IFRS 15 schedule of a points program per period.

        Sales carrying points are members' paid amounts; the points' SSP uses the program's
        point value and ``economics.expected_redemption``; the end-of-period estimate of total
        redemptions is redeemed so far + expected redemption x outstanding points; partner
        funding (coalition) is allocated wholly to points.

        Parameters
        ----------
        program : str
        period_weeks : int, default 13

        Returns
        -------
        pandas.DataFrame
            See :func:`~loyaltylab.rewards.accounting.ifrs15_schedule`.
        """
        config = self.program(program)
        if config.points is None:
            raise ParameterError(
                f"program {program!r} has no points, so no IFRS 15 points schedule"
            )
        table = self.by_period(period_weeks)
        table = table[table["program"] == program]
        rate = config.economics.expected_redemption
        redeemed_cum = table["points_redeemed"].cumsum()
        expected_total = redeemed_cum + rate * table["points_outstanding"]
        focal_points = table["points_issued"] - table["partner_points"]
        return ifrs15_schedule(
            list(table["period"]),
            list(table["member_revenue"]),
            list(focal_points),
            list(table["points_redeemed"]),
            list(expected_total),
            point_value=config.points.point_value,
            expected_redemption=rate,
            points_expired=list(table["points_expired"]),
            extra_allocated=list(table["partner_income"]),
        )

    def retention_curve(self, program: str) -> pd.DataFrame:
        """Return the weekly share of members still alive, with and without the program."""
        weekly = self.weekly[self.weekly["program"] == program]
        members = float(self.totals["members"].loc[program])
        return pd.DataFrame(
            {
                "week": weekly["week"].to_numpy(),
                "with_program": weekly["alive_enrolled"].to_numpy() / members
                if members
                else np.nan,
                "without_program": weekly["alive_members_baseline"].to_numpy() / members
                if members
                else np.nan,
            }
        )


def _mean_gain(twin: Any, who: np.ndarray) -> float:
    """Mean change of the discounted purchase margin of the customers ``who`` (nan if none)."""
    if not who.any():
        return float("nan")
    return float((twin.margin[who] - twin.margin_baseline[who]).mean())


def _totals(twin: Any, weekly: pd.DataFrame, horizon: int, segments: np.ndarray) -> dict[str, Any]:
    program = twin.program
    member = twin.member
    n = member.size
    sums = weekly[list(_FLOW_COLUMNS)].sum()
    incremental_revenue = sums["revenue"] - sums["revenue_baseline"]
    incremental_margin = sums["margin"] - sums["margin_baseline"]
    cost = sums["reward_cost"] + sums["program_cost"]
    issued = sums["points_issued"]
    forfeited = twin.ledger.outstanding(~twin.alive) if twin.ledger is not None else 0.0
    if twin.alive_at_year is not None:
        alive_program, alive_baseline = twin.alive_at_year
    else:
        alive_program, alive_baseline = (
            twin.alive,
            np.asarray(weekly["alive_customers_baseline"].iloc[-1]),
        )
    members = int(member.sum())
    if members and isinstance(alive_baseline, np.ndarray) and alive_baseline.shape == member.shape:
        retention = float(alive_program[member].mean())
        retention_baseline = float(alive_baseline[member].mean())
    else:
        retention = retention_baseline = float("nan")
    clv = float(twin.margin[member].mean()) if members else float("nan")
    clv_baseline = float(twin.margin_baseline[member].mean()) if members else float("nan")
    value = float(twin.value[member].mean()) if members else float("nan")
    value_baseline = float(twin.value_baseline[member].mean()) if members else float("nan")
    non_members = ~member
    naive = (
        _ratio(float(twin.sales[member].mean()), float(twin.sales[non_members].mean())) - 1
        if members and non_members.any()
        else float("nan")
    )
    true = (
        _ratio(float(twin.sales[member].mean()), float(twin.sales_baseline[member].mean())) - 1
        if members
        else float("nan")
    )
    heavy = segments == "heavy"

    def lift(who: np.ndarray) -> float:
        if not who.any():
            return float("nan")
        return _ratio(float(twin.sales[who].sum()), float(twin.sales_baseline[who].sum())) - 1

    return {
        "program": program.name,
        "kind": program.kind,
        "customers": n,
        "members": members,
        "member_share": members / n,
        "heavy_share_of_members": float(heavy[member].mean()) if members else float("nan"),
        "revenue": sums["revenue"],
        "revenue_baseline": sums["revenue_baseline"],
        "incremental_revenue": incremental_revenue,
        "incremental_revenue_pct": _ratio(incremental_revenue, sums["revenue_baseline"]),
        "reward_cost": sums["reward_cost"],
        "reward_value_to_customers": sums["reward_value_to_customers"],
        "program_cost": sums["program_cost"],
        "fee_income": sums["fee_income"],
        "partner_income": sums["partner_income"],
        "incremental_margin": incremental_margin,
        "roi": _ratio(incremental_margin, cost),
        "points_issued": issued,
        "points_redeemed": sums["points_redeemed"],
        "points_expired": sums["points_expired"],
        "points_forfeited": forfeited,
        "redemption_rate": _ratio(sums["points_redeemed"], issued),
        "breakage_rate": _ratio(sums["points_expired"] + forfeited, issued),
        "members_redeemed_share": float(twin.redeemed_any[member].mean())
        if members
        else float("nan"),
        "retention_12m": retention,
        "retention_12m_baseline": retention_baseline,
        "retention_change": 100 * (retention - retention_baseline),
        "clv_member": clv,
        "clv_member_baseline": clv_baseline,
        "clv_change": _ratio(clv - clv_baseline, abs(clv_baseline)),
        "value_change": _ratio(value - value_baseline, value_baseline),
        "true_lift": true,
        "naive_lift": naive,
        "incremental_sales_share": true / (1 + true) if members else float("nan"),
        "true_lift_heavy": lift(member & heavy),
        "true_lift_light_moderate": lift(member & ~heavy),
        **{
            f"member_margin_change_{segment}": _mean_gain(twin, member & (segments == segment))
            for segment in ("light", "moderate", "heavy")
        },
        "retention_relative_change": _ratio(retention, retention_baseline) - 1,
        "churn_relative_change": _ratio(1 - retention, 1 - retention_baseline) - 1,
        "purchases_change": _ratio(sums["purchases"], sums["purchases_baseline"]) - 1,
        "aov_change": _ratio(
            (sums["revenue"] - sums["discount_cost"]) / max(sums["purchases"], 1.0),
            sums["revenue_baseline"] / max(sums["purchases_baseline"], 1.0),
        )
        - 1,
        "liability_end": 0.0,
    }
