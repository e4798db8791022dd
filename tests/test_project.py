"""Project-level guards: one dependency list, the set-up a newcomer runs, notebook conventions."""

import json
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_only_installs_the_package():
    # DESIGN.md "Dependencies": pyproject.toml is the single list; environment.yml holds only
    # python, pip and the editable install, so the two can never drift.
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    plain = [d for d in deps if isinstance(d, str)]
    nested = [d for d in deps if isinstance(d, dict)]
    assert sorted(plain) == ["pip", "python=3.11"]
    assert nested == [{"pip": ["-e .[dev]"]}]


def test_pyproject_pins_lifetimes_and_declares_the_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "lifetimes==0.11.3" in project["dependencies"]
    assert project["scripts"]["loyaltylab"] == "loyaltylab.cli:main"
    for name in ("pandas", "numpy", "statsmodels", "matplotlib", "papermill", "duckdb"):
        assert any(dep.startswith(name) for dep in project["dependencies"]), name


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.rstrip().splitlines()[-1] == "make test"


def test_lifetimes_datasets_is_never_imported():
    # lifetimes.datasets needs pkg_resources, gone from current setuptools (reference/clv.md §1b)
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text()
        assert (
            "lifetimes.datasets import" not in text and "import lifetimes.datasets" not in text
        ), path


def _notebooks():
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_follow_the_conventions():
    notebooks = _notebooks()
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text())
        assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", path.name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") for c in code), f"{path.name} is stored with outputs"
        assert all(c.get("execution_count") is None for c in code), f"{path.name} has counts"
        first = code[0]
        assert "parameters" in first["metadata"].get("tags", []), path.name
        lines = [
            ln
            for ln in "".join(first["source"]).splitlines()
            if ln.strip() and not ln.strip().startswith("#")
        ]
        for line in lines:
            assert ":" in line.split("=")[0] and "#" in line, (
                f"{path.name}: parameter without type hint or comment: {line!r}"
            )
        assert "output_dir" in "".join(first["source"]), path.name
        headings = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
        assert any("".join(c["source"]).lstrip().startswith("#") for c in headings), path.name
        for cell in code:
            source = "".join(cell["source"])
            assert "def " not in source and "matplotlib.use" not in source, path.name
            assert "plt.show()" not in source, path.name


def test_ruff_is_clean():
    # "ruff clean" is part of done (CONTRIBUTING.md); run it here so CI enforces it
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run(
        [ruff, "check", "src", "tests", "benchmarks", "notebooks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
