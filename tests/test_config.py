"""Tests of loyaltylab.config: reports.yaml read once, into one typed model (issue 8).

The drift fixes of issue 8 pinned here: a key written twice is an error naming the key and both
lines; a date has the same type whichever section reads it; an unknown key is named by its YAML
path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import loyaltylab.config.model as config_model
from loyaltylab.config import DataSource, LoyaltyConfig, load_config, read_config_file
from loyaltylab.errors import ConfigError
from loyaltylab.reports.config import load_config as load_reports_config
from loyaltylab.targets import load_targets

OK = Path(__file__).parent / "notebooks" / "ok.ipynb"

CONFIG = f"""\
settings:
  timeout_minutes: 5
data:
  shop:
    transactions: data/shop.csv
    columns: {{customer_id: cust, timestamp: ts}}
    load: {{observation_end: 2025-12-31}}
reports:
  - name: ok
    title: Fixture
    notebook: {OK}
    parameters:
      label: 2025-12-31
targets:
  - name: aov_up
    metric: aov
    baseline: 40.0
    relative_change: 0.15
    deadline: 2025-12-31
    owner: CRM lead
programs:
  - name: cash
    kind: cashback
    cashback: {{rate: 0.01}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reports.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_config_types_every_section(tmp_path):
    config = load_config(_write(tmp_path, CONFIG))
    assert isinstance(config, LoyaltyConfig)
    assert config.settings.timeout_minutes == 5.0
    assert config.data["shop"].columns == {"customer_id": "cust", "timestamp": "ts"}
    assert [report.name for report in config.reports] == ["ok"]
    assert config.reports[0].declared_parameters[0] == "output_dir"
    assert config.targets[0].deadline == pd.Timestamp("2025-12-31")
    assert config.programs is not None and config.programs[0].cashback.rate == 0.01
    assert config.path == (tmp_path / "reports.yaml").resolve()
    assert config.root == tmp_path.resolve()


def test_the_projects_reports_yaml_is_one_valid_config():
    config = load_config()
    assert {report.name for report in config.reports} >= {"clv_cdnow", "scorecard"}
    assert config.programs is not None and len(config.programs) >= 1
    assert len(config.targets) >= 1


def test_a_key_written_twice_names_the_key_and_both_lines(tmp_path):
    # issue 8 drift: a report's `parameters:` given twice used to keep the last one silently
    text = f"""\
reports:
  - name: ok
    notebook: {OK}
    parameters:
      n_points: 3
    parameters:
      label: x
"""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    message = str(info.value)
    assert "key 'parameters' is written twice" in message
    assert "lines 4 and 6" in message and "reports.yaml" in message
    # the runner, the targets and (through load_config) every other section refuse it alike
    with pytest.raises(ConfigError, match="'parameters' is written twice"):
        load_reports_config(tmp_path / "reports.yaml")
    with pytest.raises(ConfigError, match="'parameters' is written twice"):
        load_targets(tmp_path / "reports.yaml")


def test_a_date_has_the_same_type_whichever_section_reads_it(tmp_path):
    # issue 8 drift: the runner kept 2025-12-31 a string, targets.py (yaml.safe_load) made it a
    # datetime.date; now one reader keeps it a string everywhere and only a typed field parses it
    path = _write(tmp_path, CONFIG)
    raw = read_config_file(path)
    written = [
        raw["reports"][0]["parameters"]["label"],
        raw["targets"][0]["deadline"],
        raw["data"]["shop"]["load"]["observation_end"],
    ]
    assert written == ["2025-12-31"] * 3 and {type(value) for value in written} == {str}
    config = load_config(path)
    assert config.reports[0].parameters["label"] == "2025-12-31"  # papermill gets the string
    assert config.data["shop"].load["observation_end"] == "2025-12-31"
    (target,) = load_targets(path)
    assert target.deadline == config.targets[0].deadline == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("    deadline: 2025", "    deadlne: 2025", "targets[0].deadlne: unknown key"),
        ("    parameters:\n", "    parameter:\n", "reports[0].parameter: unknown key"),
        ("    columns:", "    colums:", "data.shop.colums: unknown key"),
        ("{rate: 0.01}", "{rate: 0.01, instnt: true}", "programs[0].cashback.instnt: unknown key"),
        ("settings:\n", "setings:\n", "setings: unknown key"),
        ("  timeout_minutes", "  timout_minutes", "settings.timout_minutes: unknown key"),
    ],
)
def test_an_unknown_key_is_named_by_its_yaml_path(tmp_path, old, new, path):
    assert old in CONFIG
    with pytest.raises(ConfigError, match=path.replace("[", r"\[").replace("]", r"\]")):
        load_config(_write(tmp_path, CONFIG.replace(old, new, 1)))


def test_every_problem_of_every_section_is_in_one_error(tmp_path):
    text = (
        CONFIG.replace("timeout_minutes: 5", "timeout_minutes: -5")
        .replace("owner: CRM lead", "owner: ''")
        .replace("rate: 0.01", "rate: 2")
    )
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    message = str(info.value)
    assert ": 3 problems:" in message
    for where in ("settings.timeout_minutes", "targets[0].owner", "programs[0].cashback.rate"):
        assert where in message


def test_the_file_is_parsed_once_per_version(tmp_path, monkeypatch):
    calls = []
    original = config_model.load_yaml

    def counting(text, source="YAML"):
        calls.append(source)
        return original(text, source)

    monkeypatch.setattr(config_model, "load_yaml", counting)
    path = _write(tmp_path, CONFIG)
    load_config(path)
    load_reports_config(path)
    load_targets(path)
    assert len(calls) == 1
    path.write_text(CONFIG.replace("timeout_minutes: 5", "timeout_minutes: 6"), encoding="utf-8")
    assert load_config(path).settings.timeout_minutes == 6.0
    assert len(calls) == 2


def test_data_sources_are_looked_up_by_name(tmp_path):
    config = load_config(_write(tmp_path, CONFIG))
    assert config.data_source("shop").transactions == "data/shop.csv"
    with pytest.raises(ConfigError, match=r"data source 'shoop' .* defines \['shop'\]"):
        config.data_source("shoop")
    with pytest.raises(ConfigError, match=r"data: 1 data source name\(s\) \[.bad name.\] are not"):
        load_config({"data": {"bad name": {"transactions": "cdnow"}}})
    # issue 9: columns maps canonical name -> your column, as every loader and notebook does;
    # one source column for two canonical names is an error (it summed the ids as revenue)
    with pytest.raises(
        ConfigError,
        match=r"data.shop.columns: one source column serves several canonical names "
        r"\(\['customer_id', 'amount'\] -> 'cust'\)",
    ):
        load_config(
            {
                "data": {
                    "shop": {
                        "transactions": "x",
                        "columns": {"customer_id": "cust", "amount": "cust"},
                    }
                }
            }
        )
    assert DataSource.model_validate({"transactions": "cdnow", "load": None}).load == {}


def test_an_empty_section_means_none_of_it(tmp_path):
    config = load_config(_write(tmp_path, "settings:\nreports:\ntargets:\n"))
    assert config.reports == () and config.targets == () and config.programs is None
    assert config.settings.kernel_name == "python3"


def test_a_mapping_is_validated_like_a_file(tmp_path):
    config = load_config({"reports": [{"name": "ok", "notebook": "ok.ipynb"}]}, root=OK.parent)
    assert config.reports[0].notebook == OK.resolve() and config.reports[0].title == "ok"
    assert config.path is None
    with pytest.raises(ConfigError, match="must be a mapping with sections"):
        load_config(_write(tmp_path, "- a list\n"))
