"""Validation of reports.yaml and of -p overrides (no notebook is executed here)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from loyaltylab.errors import ConfigError
from loyaltylab.reports.config import (
    load_config,
    notebook_parameters,
    parse_overrides,
    parse_yaml_value,
)

FIXTURES = Path(__file__).parent / "notebooks"
OK = str(FIXTURES / "ok.ipynb")
FAIL = str(FIXTURES / "fail.ipynb")
SCORECARD = str(FIXTURES / "scorecard.ipynb")


def write_config(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(payload, sort_keys=False), encoding="utf-8")
    return path


def base_payload() -> dict:
    return {
        "settings": {"timeout_minutes": 5},
        "reports": [
            {"name": "ok", "title": "Fixture", "notebook": OK, "parameters": {"n_points": 3}},
            {"name": "card", "title": "Card", "notebook": SCORECARD, "role": "scorecard"},
            {"name": "fail", "title": "Failing", "notebook": FAIL},
        ],
        "targets": [
            {
                "name": "repeat_up",
                "metric": "repeat_purchase_rate",
                "target_value": 0.3,
                "deadline": "2026-12-31",
                "owner": "CRM lead",
            }
        ],
        "programs": [{"name": "cash", "kind": "cashback", "cashback": {"rate": 0.01}}],
    }


def test_valid_config_reads_reports_settings_and_types_every_section(tmp_path):
    config = load_config(write_config(tmp_path, base_payload()))
    assert config.names == ("ok", "card", "fail")
    assert config.settings.timeout_minutes == 5.0
    assert config.settings.kernel_name == "python3"
    assert config.report("ok").parameters == {"n_points": 3}
    assert config.report("ok").notebook == Path(OK).resolve()
    assert config.report("ok").declared_parameters == (
        "output_dir",
        "transactions",
        "n_points",
        "label",
    )
    assert config.report("ok").parameter_defaults["transactions"] == "fixture_sample"
    assert config.report("card").is_scorecard
    # issue 8: one typed model of the whole file; targets and programs are validated too
    (target,) = config.config.targets
    assert target.name == "repeat_up" and target.deadline == pd.Timestamp("2026-12-31")
    (program,) = config.config.programs
    assert program.kind == "cashback" and program.cashback.rate == 0.01
    assert list(config.summary()["name"]) == ["ok", "card", "fail"]


def test_relative_notebook_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "ok.ipynb").write_bytes(Path(OK).read_bytes())
    payload = {"reports": [{"name": "ok", "title": "T", "notebook": "nb/ok.ipynb"}]}
    config = load_config(write_config(tmp_path, payload))
    assert config.report("ok").notebook == (tmp_path / "nb" / "ok.ipynb").resolve()
    assert config.root == tmp_path.resolve()


def test_project_reports_yaml_is_valid():
    # the shipped reports.yaml must load: the notebooks it names exist and declare the
    # parameters it sets (skipped until the notebooks it lists have landed)
    from loyaltylab.paths import reports_config

    raw = yaml.safe_load(reports_config().read_text(encoding="utf-8"))
    missing = [
        r["notebook"]
        for r in raw.get("reports", [])
        if not (reports_config().parent / r["notebook"]).is_file()
    ]
    assert not missing, f"reports.yaml names notebooks that do not exist: {missing}"
    config = load_config(reports_config())
    assert len(config.reports) == len(raw["reports"])


def test_scorecards_run_after_all_other_reports(tmp_path):
    config = load_config(write_config(tmp_path, base_payload()))
    assert [r.name for r in config.select()] == ["ok", "fail", "card"]
    assert [r.name for r in config.select(["card,ok"])] == ["ok", "card"]
    assert [r.name for r in config.select(["fail", "ok"])] == ["ok", "fail"]


def test_only_with_an_unknown_name_is_an_error(tmp_path):
    config = load_config(write_config(tmp_path, base_payload()))
    with pytest.raises(ConfigError, match=r"unknown report\(s\) \['nope'\]"):
        config.select(["ok,nope"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # every problem is named by its YAML path (issue 8), 0-based like programs[2]
        (lambda p: p.update(extra=1), r": extra: unknown key"),
        (lambda p: p["settings"].update(timout_minutes=3), r"settings.timout_minutes: unknown key"),
        (
            lambda p: p["settings"].update(timeout_minutes=-1),
            "settings.timeout_minutes: .* greater than 0",
        ),
        (lambda p: p["reports"][0].update(parameter={}), r"reports\[0\].parameter: unknown key"),
        (
            lambda p: p["reports"][2].update(name="ok"),
            r"reports: duplicate report name 'ok' in reports\[0\] and reports\[2\]",
        ),
        (lambda p: p["reports"][2].update(name="../evil"), r"\[2\].name: 'name' must be 1-64 let"),
        (lambda p: p["reports"][2].update(name="has space"), "'name' must be 1-64 letters"),
        (lambda p: p["reports"][2].update(name="index"), "'index' is reserved"),
        (lambda p: p["reports"][2].pop("name"), r"reports\[2\].name: Field required"),
        (
            lambda p: p["reports"][2].update(notebook="gone.ipynb"),
            r"reports\[2\].notebook: notebook gone.ipynb does not exist",
        ),
        (lambda p: p["reports"][2].pop("notebook"), r"reports\[2\].notebook: Field required"),
        (lambda p: p["reports"][1].update(role="boss"), r"reports\[1\].role: .*'scorecard'"),
        (
            lambda p: p["reports"][0]["parameters"].update(n_pionts=3),
            r"reports\[0\].parameters: 1 parameter\(s\) \['n_pionts'\] not declared by notebook",
        ),
        (
            lambda p: p["reports"][0]["parameters"].update(output_dir="/tmp/x"),
            r"reports\[0\].parameters: parameters \['output_dir'\] are set by the runner",
        ),
        (lambda p: p.update(reports={"ok": 1}), "reports: Input should be a valid tuple"),
        (lambda p: p["targets"][0].update(owner=None), r"targets\[0\].owner: "),
        (lambda p: p["targets"][0].update(metric="retension"), "unknown metric 'retension'"),
        (lambda p: p["programs"][0].update(kind="loyal"), r"programs\[0\]"),
    ],
)
def test_invalid_config_raises_one_config_error_naming_report_and_key(tmp_path, mutate, expected):
    payload = base_payload()
    mutate(payload)
    with pytest.raises(ConfigError, match=expected):
        load_config(write_config(tmp_path, payload))


def test_all_problems_are_reported_together_before_anything_runs(tmp_path):
    payload = base_payload()
    payload["reports"][0]["parameters"]["typo"] = 1
    payload["reports"][2]["notebook"] = "gone.ipynb"
    with pytest.raises(ConfigError) as error:
        load_config(write_config(tmp_path, payload))
    message = str(error.value)
    assert ": 2 problems:" in message
    assert "reports[0].parameters" in message and "'typo'" in message
    assert "reports[2].notebook" in message and "gone.ipynb" in message


def test_notebook_without_output_dir_parameter_is_rejected(tmp_path):
    cell = nbformat.v4.new_code_cell("n: int = 1  # a number")
    cell.metadata["tags"] = ["parameters"]
    book = nbformat.v4.new_notebook(cells=[cell])
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(book, tmp_path / "no_output.ipynb")
    payload = {"reports": [{"name": "x", "title": "X", "notebook": "no_output.ipynb"}]}
    with pytest.raises(ConfigError, match="declares no 'output_dir' parameter"):
        load_config(write_config(tmp_path, payload))


def test_unreadable_yaml_and_non_mapping_are_config_errors(tmp_path):
    path = tmp_path / "reports.yaml"
    path.write_text("reports: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read the reports config"):
        load_config(tmp_path / "absent.yaml")


def test_yaml_dates_in_parameters_stay_strings(tmp_path):
    path = tmp_path / "reports.yaml"
    path.write_text(
        f"reports:\n  - name: ok\n    title: T\n    notebook: {OK}\n"
        "    parameters:\n      label: 2024-12-31\n",
        encoding="utf-8",
    )
    assert load_config(path).report("ok").parameters == {"label": "2024-12-31"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26", 26),  # YAML 1.1 int, as papermill -y would read it
        ("0.25", 0.25),
        ("[bgnbd]", ["bgnbd"]),
        ("[bgnbd, pareto_nbd]", ["bgnbd", "pareto_nbd"]),
        ("no", False),
        ("true", True),
        ("2024-12-31", "2024-12-31"),
        ("cdnow_sample", "cdnow_sample"),
        ("{customer_id: cust}", {"customer_id": "cust"}),
        ("", None),
        ("'26'", "26"),
    ],
)
def test_parse_yaml_value_types_values_as_yaml(text, expected):
    value = parse_yaml_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_parse_overrides_groups_by_report():
    assert parse_overrides(
        ["clv_cdnow.horizon=26", "clv_cdnow.models=[bgnbd]", "kpi.label=a=b"]
    ) == {"clv_cdnow": {"horizon": 26, "models": ["bgnbd"]}, "kpi": {"label": "a=b"}}


@pytest.mark.parametrize("item", ["horizon=26", "clv_cdnow.horizon", ".horizon=1", "clv.=1"])
def test_malformed_override_is_an_error(item):
    with pytest.raises(ConfigError, match="expected NAME.KEY=VALUE"):
        parse_overrides([item])


def test_overrides_for_unknown_report_or_parameter_are_errors(tmp_path):
    config = load_config(write_config(tmp_path, base_payload()))
    updated = config.with_overrides(parse_overrides(["ok.n_points=7", "ok.label=x"]))
    assert updated.report("ok").parameters == {"n_points": 7, "label": "x"}
    assert config.report("ok").parameters == {"n_points": 3}  # the original is unchanged
    with pytest.raises(ConfigError, match="unknown report 'nope'"):
        config.with_overrides({"nope": {"x": 1}})
    with pytest.raises(ConfigError, match=r"-p ok.n_pionts: notebook ok.ipynb declares no"):
        config.with_overrides({"ok": {"n_pionts": 1}})
    with pytest.raises(ConfigError, match="'output_dir' is set by the runner"):
        config.with_overrides({"ok": {"output_dir": "/tmp"}})


def _notebook_with_parameters(path: Path, source: str, tag: str = "parameters") -> Path:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [tag]
    book = nbformat.v4.new_notebook(cells=[cell])
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(book, path)
    return path


def test_notebook_parameters_sees_lines_papermill_inspection_skips(tmp_path):
    import papermill

    path = _notebook_with_parameters(
        tmp_path / "p.ipynb",
        'output_dir: str = ""  # folder; empty = reports/scratch/xx\n'
        "horizon: int = 52  # weeks\n"
        "models: list = ['bgnbd', 'pareto_nbd']  # model names\n"
        "rate = 0.1\n"
        "# a comment = not a parameter\n"
        "derived = rate * 2\n",
    )
    assert notebook_parameters(path) == {
        "output_dir": "",
        "horizon": 52,
        "models": ["bgnbd", "pareto_nbd"],
        "rate": 0.1,
        "derived": "rate * 2",
    }
    # papermill 2.7's inspect_notebook drops the line with a second "=" in its comment, so a
    # check built on it would wrongly call output_dir undeclared
    assert "output_dir" not in papermill.inspect_notebook(str(path))


def test_notebook_parameters_errors(tmp_path):
    with pytest.raises(ConfigError, match="has no cell tagged 'parameters'"):
        notebook_parameters(_notebook_with_parameters(tmp_path / "a.ipynb", "x = 1", tag="x"))
    with pytest.raises(ConfigError, match="is not valid Python"):
        notebook_parameters(_notebook_with_parameters(tmp_path / "b.ipynb", "x = = 1"))
