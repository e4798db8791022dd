"""Coalition: points also earned at partners, who fund them; weaker effects at the focal firm.

Members earn ``partner_points_per_week`` at partners every week, and the partners pay the
operator ``partner_funding_per_point`` for each (who funds them [S22]). The purchase-rate
response at the focal firm is scaled by ``focal_effect_factor`` (coalition uplift about half a
single-vendor program's [S21][S22]); the dropout reduction of a coalition is its own assumption,
``Behaviour.coalition_dropout_reduction`` (0 by default: the effect disappears for multi-vendor
programs [S21]).
"""

from __future__ import annotations

from loyaltylab.rewards.config import Coalition
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

__all__ = ["CoalitionMechanic"]


class CoalitionMechanic(Mechanic):
    """Partner earning and funding (the ``coalition`` part).

    Parameters
    ----------
    coalition : Coalition
    focal_effects : bool, default True
        Scale the focal firm's effects by ``focal_effect_factor`` (programs of kind
        ``coalition``; another kind with a coalition part keeps its full effects).
    """

    def __init__(self, coalition: Coalition, *, focal_effects: bool = True) -> None:
        self.coalition = coalition
        self.focal_effects = focal_effects

    def setup(self, twin: Twin) -> None:
        """Scale the purchase-rate response at the focal firm."""
        if not self.focal_effects:
            return
        twin.response *= self.coalition.focal_effect_factor

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Members earn partner points this week (programs with points)."""
        if week.earn_multiplier is not None:
            week.partner_points_per_member = self.coalition.partner_points_per_week

    def end_week(self, twin: Twin, week: TwinWeek) -> None:
        """Partners fund the points they issued this week."""
        week.partner_income = week.partner_points * self.coalition.partner_funding_per_point

    def member_funding_per_week(self) -> float:
        """Return partner funding per member and week."""
        return self.coalition.partner_points_per_week * self.coalition.partner_funding_per_point
