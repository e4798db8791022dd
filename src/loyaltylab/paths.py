"""Where things are: the project root, ``data/``, ``reports/`` and ``reports.yaml``.

Paths are anchored on the project root, found from the working directory upwards (the folder
holding ``reports.yaml``) and otherwise from this package's location, so notebooks run the same
from JupyterLab, pytest, papermill and cron.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["project_root", "data_dir", "reports_dir", "reports_config"]

_MARKER = "reports.yaml"


def project_root(start: Path | None = None) -> Path:
    """Return the project root: the nearest folder upwards holding ``reports.yaml``.

    Parameters
    ----------
    start : pathlib.Path, optional
        Where to start looking (default: the working directory).

    Returns
    -------
    pathlib.Path
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / _MARKER).is_file():
            return folder
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / _MARKER).is_file():
        return package_root
    return here


def data_dir() -> Path:
    """Return ``<project root>/data``."""
    return project_root() / "data"


def reports_dir() -> Path:
    """Return ``<project root>/reports``."""
    return project_root() / "reports"


def reports_config() -> Path:
    """Return ``<project root>/reports.yaml``."""
    return project_root() / _MARKER
