"""The exception hierarchy of Loyalty Lab, rooted in :class:`LoyaltyLabError`.

Every error the package raises on purpose derives from :class:`LoyaltyLabError`, so a notebook or
a scheduler can catch "anything Loyalty Lab refused" in one place, while the subclasses say which
step refused it. Messages name the problem, the column or parameter, a count and a few examples.
"""

from __future__ import annotations

__all__ = [
    "LoyaltyLabError",
    "DataValidationError",
    "ParameterError",
    "ConfigError",
    "ModelConvergenceError",
    "ReportError",
]


class LoyaltyLabError(Exception):
    """Root of every error raised by Loyalty Lab."""


class DataValidationError(LoyaltyLabError, ValueError):
    """Input data broke a contract of DESIGN.md (missing column, bad value, ...)."""


class ParameterError(LoyaltyLabError, ValueError):
    """A function or notebook parameter has a value that cannot be used."""


class ConfigError(LoyaltyLabError, ValueError):
    """``reports.yaml`` (reports, targets, programs) is invalid."""


class ModelConvergenceError(LoyaltyLabError, RuntimeError):
    """A model fit did not converge to a usable optimum, even after retries."""


class ReportError(LoyaltyLabError, RuntimeError):
    """A report run failed for a reason outside one notebook."""
