"""Tests of loyaltylab.clv.models: one file per model family, one registry of them by name.

Data: the CDNOW 1/10 sample shipped in the lifetimes wheel, calibration end 1997-09-30 (as in
tests/test_clv.py). The gradients are checked against central differences of each family's own
reported log-likelihood (lifetimes' likelihood summed with weights), an independent computation.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.clv import models
from loyaltylab.clv.models import (
    SPEND_MODEL,
    TRANSACTION_MODELS,
    BetaGeoModel,
    TransactionModel,
    get_transaction_model,
)
from loyaltylab.customers import split_calibration_holdout
from loyaltylab.datasets import load_cdnow
from loyaltylab.errors import DataValidationError, ParameterError

SHARED_METHODS = (
    "probability_alive",
    "expected_purchases_if_alive",
    "expected_purchases",
    "expected_purchases_new_customer",
    "lifetimes_fitter",
    "likelihood",
    "log_likelihood",
    "gradient",
    "fit_strategies",
    "polish",
    "fit",
)
# published CDNOW estimates (FHL 2005; BTYDplus for MBG/NBD; Fader & Hardie 2013 for
# Gamma-Gamma) and a second point away from the optimum
POINTS = {
    "bgnbd": ([0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 2.0, 0.3]),
    "mbgnbd": ([0.525, 6.183, 0.891, 1.614], [1.2, 3.0, 0.4, 4.0]),
    "pareto_nbd": ([0.553, 10.578, 0.606, 11.669], [0.3, 20.0, 1.5, 2.0]),
    "gamma_gamma": ([6.25, 3.74, 15.44], [2.0, 5.0, 40.0]),
}


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    split = split_calibration_holdout(
        load_cdnow(sample=True), "1997-09-30", "1998-06-30", time_unit="W"
    )
    return clv.calibration_summary(split)


@pytest.fixture(scope="module")
def rows(calibration) -> pd.DataFrame:
    return clv.compress_customers(calibration, ["frequency", "recency", "T"])


@pytest.fixture(scope="module")
def spend_rows(calibration) -> pd.DataFrame:
    repeat = calibration[calibration["frequency"] > 0]
    return clv.compress_customers(repeat, ["frequency", "monetary_value"])


def _central_difference(function, x0: np.ndarray, step: float = 1e-5) -> np.ndarray:
    return np.array(
        [(function(x0 + step * e) - function(x0 - step * e)) / (2 * step) for e in np.eye(len(x0))]
    )


def test_every_registered_model_has_the_same_methods():
    assert list(TRANSACTION_MODELS) == ["bgnbd", "pareto_nbd", "mbgnbd"]
    for name, model in TRANSACTION_MODELS.items():
        assert isinstance(model, TransactionModel)
        assert not inspect.isabstract(type(model))
        assert model.name == name
        assert clv.MODEL_LABELS[name] == model.label
        assert clv.PARAMETER_NAMES[name] == model.parameter_names
        assert len(model.parameter_names) == 4
        for method in SHARED_METHODS:
            assert callable(getattr(model, method)), (name, method)
        # the same signature in every family: same parameter names, in the same order
        for method in SHARED_METHODS:
            reference = inspect.signature(getattr(BetaGeoModel, method)).parameters
            assert list(inspect.signature(getattr(type(model), method)).parameters) == list(
                reference
            ), (name, method)
    # the spend model shares the likelihood and fitting names
    for method in ("likelihood", "log_likelihood", "gradient", "fit_strategies", "fit"):
        assert callable(getattr(SPEND_MODEL, method))
    assert (SPEND_MODEL.name, SPEND_MODEL.label) == ("gamma_gamma", "Gamma-Gamma")


def test_registry_works_as_the_list_of_model_names(tmp_path):
    # the CLV notebook's parameter model reads model names against it and iterates it
    from loyaltylab.reports.notebooks.clv import CLVParameters

    namespace = {"models": "pareto_nbd, BGNBD", "output_dir": str(tmp_path)}
    assert CLVParameters.from_namespace(namespace).models == ["pareto_nbd", "bgnbd"]
    assert "mbgnbd" in clv.TRANSACTION_MODELS and "gamma_gamma" not in clv.TRANSACTION_MODELS
    with pytest.raises(TypeError):
        clv.TRANSACTION_MODELS["other"] = BetaGeoModel()  # read-only: registered in one place


@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_matches_central_differences_of_the_likelihood(name, rows, spend_rows):
    model = SPEND_MODEL if name == "gamma_gamma" else get_transaction_model(name)
    data = spend_rows if name == "gamma_gamma" else rows
    for params in POINTS[name]:
        log_params = np.log(params)
        gradient = model.gradient(log_params, data)
        numeric = _central_difference(lambda lp: model.log_likelihood(lp, data), log_params)
        assert gradient.shape == (len(params),)
        assert gradient == pytest.approx(numeric, rel=1e-6, abs=1e-5)


@pytest.mark.parametrize("name", list(TRANSACTION_MODELS))
def test_fit_lands_where_the_gradient_vanishes(name, calibration, rows):
    model = get_transaction_model(name)
    fit = clv.fit_transaction_model(calibration, name)
    log_params = np.log(list(fit.params.values()))
    per_customer = model.gradient(log_params, rows) / fit.n_customers
    assert np.max(np.abs(per_customer)) < 1e-3
    assert model.log_likelihood(log_params, rows) == pytest.approx(fit.log_likelihood, rel=1e-12)


@pytest.mark.parametrize("name", list(TRANSACTION_MODELS))
def test_closed_forms_compose_and_accept_parameter_draws(name, calibration):
    model = get_transaction_model(name)
    params = POINTS[name][0]
    x, t_x, age = (calibration[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    alive = model.probability_alive(params, x, t_x, age)
    if_alive = model.expected_purchases_if_alive(params, 39.0, x, age)
    assert model.expected_purchases(params, 39.0, x, t_x, age) == pytest.approx(
        if_alive * alive, rel=1e-14
    )
    assert np.all((alive > 0) & (alive <= 1))
    # the same code takes (n_draws, 1) columns of parameter draws
    draws = [np.array([[value], [value * 1.01]]) for value in params]
    drawn = model.expected_purchases(draws, 39.0, x, t_x, age)
    assert drawn.shape == (2, len(x))
    assert drawn[0] == pytest.approx(model.expected_purchases(params, 39.0, x, t_x, age))
    new_customer = model.expected_purchases_new_customer(params, np.array([26.0, 52.0]))
    assert np.all(np.diff(new_customer) > 0)


def test_unknown_model_name_is_one_error_listing_the_registered_names(calibration):
    for call in (
        lambda: clv.fit_transaction_model(calibration, "bg/nbd"),
        lambda: get_transaction_model("bg/nbd"),
    ):
        with pytest.raises(ParameterError) as error:
            call()
        message = str(error.value)
        assert "'model'" in message and "'bg/nbd'" in message
        for name in TRANSACTION_MODELS:
            assert repr(name) in message
    # predictions look the model up in the same registry
    fit = clv.fit_transaction_model(calibration.head(400), "bgnbd")
    renamed = dataclasses.replace(fit, model="bg/nbd")
    for call in (
        lambda: clv.expected_purchases(renamed, calibration, 10),
        lambda: clv.probability_alive(renamed, calibration),
        lambda: clv.expected_purchases_new_customer(renamed, 10.0),
    ):
        with pytest.raises(ParameterError, match="must be one of"):
            call()


def test_a_model_registered_once_is_usable_everywhere(calibration, monkeypatch):
    # the registry is the only place a name maps to a model: registering a family there is all
    # it takes for fitting, predictions, CLV and summaries to use it
    class RenamedBetaGeo(BetaGeoModel):
        name = "bgnbd_renamed"
        label = "BG/NBD (renamed)"

    registry = dict(TRANSACTION_MODELS) | {"bgnbd_renamed": RenamedBetaGeo()}
    monkeypatch.setattr(models, "TRANSACTION_MODELS", registry)
    sample = calibration.head(600)
    fit = clv.fit_transaction_model(sample, "bgnbd_renamed")
    reference = clv.fit_transaction_model(sample, "bgnbd")
    assert fit.model == "bgnbd_renamed"
    assert fit.params == reference.params
    assert fit.summary()["model"].iloc[0] == "BG/NBD (renamed)"
    assert clv.expected_purchases(fit, sample, 39).equals(
        clv.expected_purchases(reference, sample, 39)
    )
    spend = clv.fit_spend_model(sample)
    result = clv.customer_lifetime_value(fit, spend, sample)
    assert result.summary()["model"].iloc[0] == "BG/NBD (renamed)"
    assert result.total == pytest.approx(
        clv.customer_lifetime_value(reference, spend, sample).total, rel=1e-14
    )


def test_no_model_is_chosen_by_comparing_names_outside_the_registry():
    # issue 8: "clv picks the model by string in many places": every choice is a registry lookup
    package = Path(clv.__file__).parent
    pattern = re.compile(r"""(==|!=|\bin)\s*\(?\s*["'](bgnbd|mbgnbd|pareto_nbd|gamma_gamma)["']""")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
    assert not (package / "_formulas.py").exists()


def test_summary_errors_show_example_customers(calibration):
    # validate_summary's example rows come from loyaltylab.rules.examples (one implementation)
    broken = calibration.copy()
    broken.loc[broken.index[:2], "recency"] = -1.0
    with pytest.raises(DataValidationError, match="2 row") as error:
        clv.validate_summary(broken)
    for customer in broken["customer_id"].iloc[:2]:
        assert str(customer) in str(error.value)
