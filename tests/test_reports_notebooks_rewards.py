"""Tests of loyaltylab.reports.notebooks.rewards: the typed parameters of notebook
04_reward_models and its page helpers (tables, sentences, metrics)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.paths import project_root
from loyaltylab.reports.notebooks.rewards import (
    RewardParameters,
    check_program_name,
    choose_program,
    comparison_table,
    first_points_program,
    headline,
    margin_by_quarter,
    plot_first_tiered,
    population_sentence,
    programs_table,
    resolve_population_model,
    reward_metrics,
    tier_flows_table,
)
from loyaltylab.rewards import KEY_METRICS, draw_population, simulate_programs
from loyaltylab.rewards.uncertainty import monte_carlo

NOTEBOOK = project_root() / "notebooks" / "04_reward_models.ipynb"


def _validate(tmp_path, **values):
    return RewardParameters.from_namespace({"output_dir": str(tmp_path), **values})


def test_defaults_are_the_notebooks_parameters_cell(tmp_path):
    cell = nbformat.read(NOTEBOOK, as_version=4).cells[1]
    assert cell.metadata["tags"] == ["parameters"]
    namespace: dict = {}
    exec(cell.source, namespace)  # literal defaults only
    declared = {name for name in namespace if not name.startswith("__")}
    assert declared == set(RewardParameters.model_fields)
    from_cell = RewardParameters.from_namespace({**namespace, "output_dir": str(tmp_path)})
    assert from_cell == _validate(tmp_path)


def test_papermill_strings_are_coerced(tmp_path):
    params = _validate(
        tmp_path,
        n_customers="800",
        horizon_years="2",
        n_draws="4",
        seed="7",
        population_model="Pareto_NBD",
        observation_end="1997-12-31",
        columns='{"customer_id": "cust", "timestamp": "date"}',
        tornado_program=" cashback_1pct ",
    )
    assert (params.n_customers, params.horizon_years, params.n_draws, params.seed) == (
        800,
        2,
        4,
        7,
    )
    assert params.horizon_weeks == 104
    assert params.population_model == "pareto_nbd"
    assert params.observation_end == pd.Timestamp("1997-12-31")
    assert params.columns == {"customer_id": "cust", "timestamp": "date"}
    assert params.tornado_program == "cashback_1pct"
    assert _validate(tmp_path, observation_end="").observation_end is None
    assert _validate(tmp_path, columns="customer_id: cust").columns == {"customer_id": "cust"}
    assert "cashback_1pct" in {program.name for program in params.programs}
    assert params.targets  # the project's reports.yaml has targets


@pytest.mark.parametrize(
    ("change", "parameter", "message"),
    [
        ({"tornado_program": "gold"}, "tornado_program", "must be one of .*points_basic"),
        ({"population_model": "mbgnbd"}, "population_model", "'bgnbd', 'pareto_nbd' or 'nbd'"),
        ({"population_source": " "}, "population_source", "at least 1 character"),
        ({"n_customers": 10}, "n_customers", "greater than or equal to 100"),
        ({"horizon_years": 11}, "horizon_years", "less than or equal to 10"),
        ({"horizon_years": "0"}, "horizon_years", "greater than or equal to 1"),
        ({"n_draws": "1"}, "n_draws", "greater than or equal to 2"),
        ({"seed": "-1"}, "seed", "greater than or equal to 0"),
        ({"seed": "many"}, "seed", "valid integer"),
        ({"observation_end": "someday"}, "observation_end", "not a date"),
        ({"programs_config": "missing.yaml"}, "programs_config", "cannot read"),
        ({"targets_config": "missing.yaml"}, "targets_config", "cannot read"),
    ],
)
def test_each_bad_parameter_gives_one_error_naming_it(tmp_path, change, parameter, message):
    with pytest.raises(ParameterError) as raised:
        _validate(tmp_path, **change)
    text = str(raised.value)
    assert text.startswith(f"notebook 04_reward_models: parameter {parameter}: "), text
    assert re.search(message, text), text
    assert "reports.yaml" in text  # where to set it


def test_duplicate_keys_in_a_json_mapping_parameter_are_rejected(tmp_path):
    # Drift fixed in issue 8: the old reader (json.loads) kept the last of two equal keys, so a
    # column mapping naming customer_id twice silently used the second.
    text = '{"customer_id": "cust", "customer_id": "client"}'
    assert json.loads(text) == {"customer_id": "client"}  # what the old reader did
    assert _validate(tmp_path, columns='{"customer_id": "client"}').columns == {
        "customer_id": "client"
    }
    with pytest.raises(ParameterError, match="parameter columns: .*'customer_id' is written twice"):
        _validate(tmp_path, columns=text)


def test_program_names_and_points_program(tmp_path):
    programs = _validate(tmp_path).programs
    assert check_program_name("", programs, "tornado_program") == ""
    assert check_program_name("paid_club", programs, "tornado_program") == "paid_club"
    with pytest.raises(ParameterError, match="'tornado_program' must be one of"):
        check_program_name("gold", programs, "tornado_program")
    assert first_points_program(programs) == "points_basic"
    cashback = [program for program in programs if program.points is None]
    with pytest.raises(ParameterError, match="no program with points"):
        first_points_program(cashback)
    table = programs_table(programs)
    assert list(table.index) == [program.name for program in programs]
    assert "500 pt" in table.loc["points_basic", "design"]
    assert "tiers on spend" in table.loc["tiered_status", "design"]


@pytest.fixture(scope="module")
def small_run():
    params = RewardParameters.from_namespace({"n_customers": 300, "n_draws": 2})
    population = resolve_population_model("published", "bgnbd")
    customers = draw_population(population, 300, seed=1)
    result = simulate_programs(params.programs, customers, horizon_weeks=52, seed=1)
    uncertainty = monte_carlo(
        params.programs, population, n_customers=300, n_draws=2, horizon_weeks=52, seed=1
    )
    return params, population, result, uncertainty


def test_tables_sentences_and_metrics(small_run):
    params, population, result, uncertainty = small_run
    assert population_sentence(population).startswith("Model: **bgnbd**, ")
    single = comparison_table(result)
    assert list(single.index) == [program.name for program in params.programs]
    assert {"roi", "liability end", "program cost"} <= set(single.columns)
    ranged = comparison_table(result, uncertainty)
    assert ranged["incremental margin"].str.contains(r"\[").all()  # median [low, high]
    best = choose_program("", uncertainty)
    assert choose_program("paid_club", uncertainty) == "paid_club"
    assert headline(uncertainty).startswith(f"**{best}** earns the most")
    quarters = margin_by_quarter(result)
    assert set(quarters.columns) == set(single.index) and len(quarters) == 4
    flows = tier_flows_table(result)
    assert list(flows.columns) == ["program", "from", "to", "customers"]
    assert (flows["from"] != flows["to"]).all()
    metrics = reward_metrics(uncertainty, result, population)
    assert metrics["best_program"] == best
    assert set(metrics["programs"]) == set(single.index)
    assert {f"{key}_low" for key in KEY_METRICS} <= set(metrics["programs"][best])
    assert metrics["settings"]["horizon_weeks"] == 52


def test_plot_first_tiered_with_and_without_tiers(small_run):
    _, _, result, _ = small_run
    ax = plot_first_tiered(result)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    untiered = simulate_programs(
        [program for program in result.programs if program.tiers is None],
        draw_population(resolve_population_model("published"), 100, seed=2),
        horizon_weeks=13,
        seed=2,
    )
    _, given = plt.subplots()
    assert plot_first_tiered(untiered, ax=given) is given
    assert given.texts[0].get_text() == "no tiered program configured"
    assert tier_flows_table(untiered).empty
    plt.close("all")
