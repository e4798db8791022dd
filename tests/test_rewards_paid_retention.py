"""Paid memberships that renew as a fitted sBG says, and the population on the clv registry.

Renewal data: the "regular" segment of Fader & Hardie (2007), "How to Project Customer
Retention", Journal of Interactive Marketing 21(1), via reference/clv.md §7.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyaltylab.clv import fit_retention_model
from loyaltylab.clv.fitting import TransactionModelFit
from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.rewards import Behaviour, PopulationModel, draw_population, simulate_programs
from loyaltylab.rewards.config import PaidMembership, PaidProgram, program_from_mapping
from loyaltylab.rewards.mechanics import PaidMechanic, weekly_churn
from loyaltylab.rewards.population import fit_population

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def test_members_renew_as_the_fitted_sbg_says() -> None:
    # every member holding the membership decides at each yearly renewal; after k renewals the
    # share still members must be the sBG's S(k), within 4 binomial standard errors
    people = draw_population(PopulationModel.cdnow_published(), 20_000, seed=11)
    paid = PaidMembership(fee=0.0, period_days=365, renewal_survivors=REGULAR)
    program = PaidProgram("club", paid=paid, auto_enrol=True)
    result = simulate_programs([program], people, horizon_weeks=4 * 52 + 1, seed=12)
    members = result.weekly.loc[result.weekly["program"] == "club", "members"].to_numpy()
    fit = fit_retention_model(REGULAR)
    n = 20_000
    for k in range(1, 5):
        share = members[52 * k] / n
        expected = float(fit.survival(k))
        assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / n), k
        # nobody leaves between renewals
        assert members[52 * k + 1 : 52 * (k + 1)].tolist() == [members[52 * k]] * len(
            members[52 * k + 1 : 52 * (k + 1)]
        )
    assert members[51] == n


def test_a_fitted_retention_model_can_be_passed_in() -> None:
    fit = fit_retention_model(REGULAR, period_days=365)
    paid = PaidMembership(fee=10.0, period_days=365)
    mechanic = PaidMechanic(paid, Behaviour(), retention=fit)
    assert mechanic.retention is fit
    assert mechanic.renewal_churn(104) == pytest.approx(1 - float(fit.retention_rate(2)))
    assert mechanic.renewal_churn(105) == 0.0
    monthly = PaidMembership(fee=10.0, period_days=30)
    with pytest.raises(ParameterError, match="365 days.*every 30 days"):
        PaidMechanic(monthly, Behaviour(), retention=fit)


def test_without_renewal_data_the_monthly_churn_is_unchanged() -> None:
    mechanic = PaidMechanic(PaidMembership(fee=10.0, monthly_churn=0.04), Behaviour())
    assert mechanic.retention is None
    assert mechanic.renewal_churn(7) == weekly_churn(0.04)


def test_renewal_survivors_are_checked_where_they_are_written() -> None:
    with pytest.raises(ConfigError, match=r"paid.renewal_survivors: needs at least 3"):
        PaidMembership(fee=10.0, renewal_survivors=[1000, 631])
    with pytest.raises(ConfigError, match=r"renewal_survivors\[2\]: survivors must not increase"):
        PaidMembership(fee=10.0, renewal_survivors=[1000, 631, 700])
    with pytest.raises(ConfigError, match="either monthly_churn or renewal_survivors"):
        program_from_mapping(
            {
                "name": "club",
                "kind": "paid",
                "paid": {"fee": 10.0, "monthly_churn": 0.1, "renewal_survivors": REGULAR},
            }
        )


def test_population_models_come_from_the_clv_registry() -> None:
    with pytest.raises(ParameterError, match=r"\['bgnbd', 'pareto_nbd', 'nbd'\].*got 'weibull'"):
        PopulationModel("weibull", r=1.0, alpha=1.0, p=1.0, q=2.0, v=1.0, a=1.0, b=1.0)
    # the NBD boundary model (no dropout) is drawn: nobody drops out
    nbd = PopulationModel("nbd", r=1.0, alpha=1.0, p=1.0, q=2.0, v=1.0)
    assert (draw_population(nbd, 10, seed=1).dropout == 0).all()
    with pytest.raises(ParameterError, match="from_fits simulates an MBG/NBD fit as BG/NBD"):
        PopulationModel("mbgnbd", r=1.0, alpha=1.0, p=1.0, q=2.0, v=1.0, a=1.0, b=1.0)
    # drift fixed: an unknown name gave the BG/NBD estimates silently
    with pytest.raises(ParameterError, match="got 'pareto'"):
        PopulationModel.cdnow_published("pareto")
    params = {"r": 0.3, "alpha": 4.0, "a": 0.8, "b": 2.5}
    mbg = TransactionModelFit("mbgnbd", params, 0.0, pd.DataFrame(), 1, 1, ())
    spend = type("Spend", (), {"params": {"p": 6.0, "q": 3.7, "v": 15.0}})()
    model = PopulationModel.from_fits(mbg, spend)
    assert model.model == "bgnbd" and model.a == 0.8
    pareto = PopulationModel.cdnow_published("pareto_nbd")
    drawn = draw_population(pareto, 2000, seed=1)
    # Pareto/NBD dropout rates are Gamma(s, beta): mean s / beta
    assert np.mean(drawn.dropout) == pytest.approx(0.606 / 11.669, rel=0.1)


def test_fit_population_passes_loader_options(monkeypatch: pytest.MonkeyPatch) -> None:
    import loyaltylab.datasets as datasets

    seen: list[dict[str, object]] = []
    real = datasets.resolve_transactions

    def recording(source: object, columns: object = None, **policy: object) -> object:
        seen.append(policy)
        return real(source, columns, **policy)

    monkeypatch.setattr(datasets, "resolve_transactions", recording)
    model = fit_population("cdnow_sample", load={"returns": "drop", "after_end": "error"})
    assert seen == [{"returns": "drop", "after_end": "error"}]
    assert model.model == "bgnbd" and model.source == "bgnbd fit on cdnow_sample"
    fit_population("cdnow_sample")
    assert seen[-1] == {}


def test_notebook_04_takes_loader_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyaltylab.reports.notebooks import rewards as page

    params = page.RewardParameters.from_namespace({"load": '{"returns": "drop"}'})
    assert params.load == {"returns": "drop"}
    with pytest.raises(ParameterError, match="load"):
        page.RewardParameters.from_namespace({"load": '{"retruns": "drop"}'})
    seen: list[object] = []
    monkeypatch.setattr(page, "fit_population", lambda *args, **kwargs: seen.append(kwargs))
    page.resolve_population_model("cdnow_sample", load={"returns": "drop"})
    assert seen == [{"columns": None, "observation_end": None, "load": {"returns": "drop"}}]
