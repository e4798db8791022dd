"""Tests of loyaltylab.reports.notebooks.scorecard: the typed parameters of notebook 05_scorecard
(targets read at validation, the member/ledger pair, the load options) and its metrics."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from loyaltylab.data import load_transactions
from loyaltylab.errors import ParameterError
from loyaltylab.kpi import KPI_DEFINITIONS
from loyaltylab.metrics import RunMetrics, flatten_metrics, to_jsonable
from loyaltylab.paths import project_root, reports_config
from loyaltylab.reports.catalog import metrics_catalog
from loyaltylab.reports.notebooks.scorecard import ScorecardParameters, kpi_units, to_metrics
from loyaltylab.targets import build_scorecard, load_targets

NOTEBOOK = project_root() / "notebooks" / "05_scorecard.ipynb"

TARGETS = """
targets:
  - name: aov_up
    metric: aov
    baseline_start: 2024-01-01
    baseline_end: 2024-01-31
    relative_change: 0.1
    deadline: 2024-12-31
    owner: CRM lead
"""


def _validate(tmp_path, **values):
    return ScorecardParameters.from_namespace({"output_dir": str(tmp_path / "out"), **values})


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_defaults_are_the_notebooks_parameters_cell(tmp_path):
    cell = _cells()[1]
    assert cell.metadata["tags"] == ["parameters"]
    namespace: dict = {}
    exec(cell.source, namespace)  # literal defaults only
    declared = {name for name in namespace if not name.startswith("__")}
    assert declared == set(ScorecardParameters.model_fields)
    from_cell = ScorecardParameters.from_namespace(
        {**namespace, "output_dir": str(tmp_path / "out")}
    )
    assert from_cell == _validate(tmp_path)


def test_the_validation_cell_is_one_call_and_every_loader_gets_its_options():
    cells = _cells()
    cell = cells[2]
    assert cell.metadata["tags"] == ["remove-cell"]
    statements = [line for line in cell.source.splitlines() if line and not line[0].isspace()]
    calls = [line for line in statements if not line.startswith(("import ", "from ", ")"))]
    assert calls == ["params = ScorecardParameters.from_namespace(globals())"]
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    # issue 9: each table is read by one call on the parameter model, which passes its `load`
    # options and words a loader's fix as the notebook's `load` parameter
    for call in (
        "loaded = params.load_transactions()",
        "loaded_members = params.load_members()",
        "loaded_ledger = params.load_ledger(loaded_members)",
    ):
        assert code.count(call) == 1, call
    assert "resolve_" not in code  # no loader called around the parameter model
    assert 'where_numbers_come_from("05_scorecard", metrics)' in cells[-1].source


def test_papermill_strings_are_coerced_and_the_targets_read(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGETS)
    params = _validate(
        tmp_path,
        targets_file=f" {targets} ",
        observation_end="2024-12-31",
        period="w",
        point_value="0.02",
        members="",
        ledger="",
        load='{"returns": "drop"}',
        run_dir="",
    )
    assert params.targets_file == str(targets)
    assert [target.name for target in params.targets] == ["aov_up"]
    assert (params.observation_end, params.period, params.point_value) == (
        pd.Timestamp("2024-12-31"),
        "W",
        0.02,
    )
    assert params.program_data is False
    assert params.transaction_options == {"returns": "drop"}
    assert params.output_dir == tmp_path / "out" and params.output_dir.is_dir()
    assert _validate(tmp_path).targets == load_targets(reports_config())  # "" = reports.yaml


@pytest.mark.parametrize(
    ("change", "parameter", "message"),
    [
        ({"targets_file": "missing.yaml"}, "targets_file", "cannot read its targets"),
        ({"members": ""}, "ledger", "'ledger' is given but 'members' is empty"),
        ({"ledger": " "}, "ledger", "'members' is given but 'ledger' is empty"),
        ({"observation_end": "soon"}, "observation_end", "is not a date"),
        ({"period": "D"}, "period", r"one of \['W', 'M', 'Q'\]"),
        ({"point_value": "-1"}, "point_value", "greater than or equal to 0"),
        ({"load": {"overdraft": "keep"}}, "load", "options go under 'members'/'ledger'"),
        ({"load": {"ledger": {"overdraft": "x", "tier": 1}}}, "load", r"\['tier'\]"),
    ],
)
def test_each_bad_parameter_gives_one_error_naming_it(tmp_path, change, parameter, message):
    with pytest.raises(ParameterError) as raised:
        _validate(tmp_path, **change)
    text = str(raised.value)
    assert text.startswith(f"notebook 05_scorecard: parameter {parameter}"), text
    assert "problems" not in text.splitlines()[0]  # one problem, not a list
    assert re.search(message, text), text
    assert "reports.yaml" in text  # where to set it


def test_a_bad_target_is_named_by_its_yaml_path(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGETS.replace("deadline: 2024-12-31", "deadline: someday"))
    with pytest.raises(ParameterError, match=r"parameter targets_file: .*targets\[0\]\.deadline"):
        _validate(tmp_path, targets_file=str(targets))


def test_kpi_units_are_the_kpi_definitions():
    assert kpi_units() == {name: unit for name, _, unit in KPI_DEFINITIONS}


def test_metrics_are_the_reports_keys_and_all_in_the_catalog(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGETS)
    params = _validate(
        tmp_path, targets_file=str(targets), members="", ledger="", observation_end="2024-12-31"
    )
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c"],
            "timestamp": [
                "2024-01-02",
                "2024-02-10",
                "2024-01-15",
                "2024-06-20",
                "2024-09-01",
                "2024-11-01",
            ],
            "amount": [10.0, 20.0, 100.0, 50.0, 40.0, 30.0],
        }
    )
    loaded = load_transactions(raw, observation_end=params.observation_end)
    run = RunMetrics(run_dir="", metrics={})
    scorecard = build_scorecard(
        params.targets,
        transactions=loaded.transactions,
        run=run,
        period=params.period,
        observation_end=params.observation_end,
    )
    metrics = to_metrics(scorecard, loaded, run, params)
    assert metrics["data"] == {
        "source": "DataFrame",
        "observation_end": pd.Timestamp("2024-12-31"),
        "period": "M",
    }
    assert metrics["run"] == {"run_dir": "", "reports_read": [], "reports_failed": []}
    assert {key: metrics[key] for key in scorecard.to_metrics()} == scorecard.to_metrics()
    flat = flatten_metrics(to_jsonable(metrics))
    assert metrics_catalog().missing("05_scorecard", flat) == []


def test_answer_names_off_track_targets_first_with_current_goal_and_trend():
    from loyaltylab.reports.notebooks.scorecard import answer
    from loyaltylab.targets import evaluate_targets, load_targets

    entries = [
        {"name": "aov_up", "metric": "aov", "baseline": 40.0, "target_value": 46.0,
         "deadline": "2025-12-31", "owner": "CRM", "description": "AOV up to 46"},
        {"name": "retention_up", "metric": "retention_rate", "baseline": 0.30,
         "target_value": 0.33, "deadline": "2025-12-31", "owner": "CRM"},
    ]
    targets = load_targets({"targets": entries})
    months = pd.period_range("2025-01", periods=6, freq="M")
    series = {
        # aov: +1 a month from 40 -> the last three months average 44; the exact line reaches
        # 45 + 1 x (2025-12-31 - 2025-06-15 12:00) / 30.4 days, about 51.6 >= 46: on track
        "aov": pd.Series([40.0, 41, 42, 43, 44, 45], index=months),
        # retention falls 0.01 a month from 0.30: mean of Apr-Jun (0.27 + 0.26 + 0.25) / 3 = 0.26
        "retention_rate": pd.Series([0.30, 0.29, 0.28, 0.27, 0.26, 0.25], index=months),
    }
    text = answer(evaluate_targets(targets, kpi_series=series, data_source="shop data"))
    assert text[0] == "**1 of 2 targets are on track, 1 off track**."
    assert text[1].startswith(
        "retention_up: **off track**, 26.0 % now (mean of 2025-04..2025-06) against 33.0 % by "
        "2025-12-31; the trend reaches"
    )
    assert text[1].endswith("(shop data).")
    # aov is money (currency per order): two decimals below 100, no symbol outside a run
    assert text[2].startswith("AOV up to 46: **on track**, 44.00 now (mean of 2025-04..2025-06)")
