"""Loyalty Lab: analytics for designing and running customer loyalty programs.

The package is the product; notebooks under ``notebooks/`` only call into it. Modules follow the
data flow of ``DESIGN.md``: ``data`` → ``customers`` → ``kpi`` / ``clv`` / ``experiments`` /
``uplift`` / ``rewards``, with ``reports`` running the notebooks on a schedule.
"""

from loyaltylab.errors import (
    ConfigError,
    DataValidationError,
    LoyaltyLabError,
    ModelConvergenceError,
    ParameterError,
    ReportError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataValidationError",
    "LoyaltyLabError",
    "ModelConvergenceError",
    "ParameterError",
    "ReportError",
    "__version__",
]
