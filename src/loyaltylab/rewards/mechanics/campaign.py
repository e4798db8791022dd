"""Campaigns: time-boxed earn multipliers (double points), visit uplift with pull-forward, bonuses.

Weeks count from the launch; in ``[start_week, end_week)`` members' purchase rate rises by
``visit_uplift`` (scaled by the campaign response) and points are multiplied by
``earn_multiplier`` [S49][S50]; the same number of weeks after the window loses
``visit_uplift x pull_forward`` of the rate (purchases pulled forward [S51]); a bonus of
``bonus_points`` goes to a member buyer whose spend in a window week is at least
``bonus_min_spend``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from loyaltylab.rewards.config import Campaign
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

__all__ = ["CampaignMechanic", "campaign_factors"]


def campaign_factors(
    campaigns: Sequence[Campaign], horizon: int, response: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return per-week visit multipliers and earn multipliers of campaigns.

    Parameters
    ----------
    campaigns : sequence of Campaign
    horizon : int
        Weeks.
    response : float
        ``campaign_response`` (scales the visit uplift).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Visit and earn multiplier per week.

    Examples
    --------
    >>> double = Campaign("double", 1, 3, earn_multiplier=2.0, visit_uplift=0.1, pull_forward=0.5)
    >>> visit, earn = campaign_factors([double], 6, 1.0)
    >>> visit.round(3).tolist(), earn.tolist()
    ([1.0, 1.1, 1.1, 0.95, 0.95, 1.0], [1.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    """
    visit = np.ones(horizon, dtype=np.float64)
    earn = np.ones(horizon, dtype=np.float64)
    for campaign in campaigns:
        start, end = campaign.start_week, min(campaign.end_week, horizon)
        if start >= horizon:
            continue
        length = end - start
        uplift = campaign.visit_uplift * response
        visit[start:end] *= 1 + uplift
        earn[start:end] *= campaign.earn_multiplier
        after = slice(end, min(end + length, horizon))
        visit[after] *= max(0.0, 1 - uplift * campaign.pull_forward)
    return visit, earn


class CampaignMechanic(Mechanic):
    """The program's campaigns (the ``campaigns`` part).

    Parameters
    ----------
    campaigns : sequence of Campaign
    horizon : int
    response : float
        ``campaign_response`` of the behaviour.
    """

    def __init__(self, campaigns: Sequence[Campaign], horizon: int, response: float) -> None:
        self.campaigns = tuple(campaigns)
        self.visit, self.earn = campaign_factors(self.campaigns, horizon, response)
        self.bonuses = [
            (c.start_week, min(c.end_week, horizon), c.bonus_points, c.bonus_min_spend)
            for c in self.campaigns
            if c.bonus_points > 0
        ]

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Set the week's earn multiplier."""
        week.earn_factor = self.earn[week.week]

    def scale_purchase_rate(
        self, twin: Twin, week: TwinWeek, response: np.ndarray, multiplier: np.ndarray
    ) -> None:
        """Campaign uplift in the window, pull-forward after it."""
        visit = self.visit[week.week]
        if visit != 1:
            multiplier *= 1 + response * np.float32(visit - 1)

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Bonus points to member buyers spending enough in a bonus week."""
        if week.earn_multiplier is None:
            return
        for start, end, bonus, min_spend in self.bonuses:
            if start <= week.week < end:
                week.bonus_points.append(bonus * (week.spend >= min_spend))
