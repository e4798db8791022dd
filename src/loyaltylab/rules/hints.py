"""Loader errors that carry their fix as a loader option, so each caller can word it its own way.

A loader refusing its input tells the user what to change. In Python that is a keyword argument
(``invalid="drop"``), in a notebook the ``load`` parameter (``load: {invalid: drop}``), in
``reports.yaml`` the ``data:`` section. A :class:`LoadError` keeps the problem, the remedy and the
fix apart (:attr:`LoadError.fix` is the mapping of options), so that the notebook layer can re-word
the hint without parsing the message (:mod:`loyaltylab.reports.notebooks.sources`).

The message itself says ``load option invalid: drop`` - the words a user types in a notebook
parameter and in ``reports.yaml`` alike.

Examples
--------
>>> error = LoadError("3 rows have no customer id", "to drop such rows", {"invalid": "drop"})
>>> str(error)
'3 rows have no customer id; to drop such rows, set load option {invalid: drop}'
>>> error.fix
{'invalid': 'drop'}
>>> render_options({"date_format": "%m/%d/%Y %H:%M", "invalid": "drop"})
'{date_format: "%m/%d/%Y %H:%M", invalid: drop}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from loyaltylab.errors import DataValidationError

__all__ = ["LoadError", "render_options"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "none", "y", "n", "~"}


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return render_options(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def render_options(options: Mapping[str, Any]) -> str:
    """Return loader options as a YAML flow mapping, as a user types them (``{invalid: drop}``).

    Parameters
    ----------
    options : mapping
        Option name -> value.

    Returns
    -------
    str
        Plain words unquoted; text with spaces, ``%``, ``;`` ... in double quotes.

    Examples
    --------
    >>> render_options({"delimiter": ";", "max_amount": 1e12})
    '{delimiter: ";", max_amount: 1000000000000.0}'
    """
    return "{" + ", ".join(f"{key}: {_render_value(value)}" for key, value in options.items()) + "}"


class LoadError(DataValidationError):
    """A loader refused its input; :attr:`fix` holds the loader options that would resolve it.

    Parameters
    ----------
    problem : str
        What is wrong, where (column, file, rows) and examples.
    remedy : str, optional
        What the fix does, e.g. ``"to drop such rows"``; empty when there is no option to give.
    fix : mapping, optional
        The loader options that fix it, e.g. ``{"invalid": "drop"}``.
    alternatives : tuple of mappings, optional
        Other option sets that fix it too (shown after the first, joined by "or").

    Attributes
    ----------
    problem, remedy : str
    fix : dict
    alternatives : tuple of dict
    """

    def __init__(
        self,
        problem: str,
        remedy: str = "",
        fix: Mapping[str, Any] | None = None,
        alternatives: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        self.problem = problem
        self.remedy = remedy
        self.fix: dict[str, Any] = dict(fix or {})
        self.alternatives: tuple[dict[str, Any], ...] = tuple(dict(a) for a in alternatives)
        super().__init__(self.worded("set load option"))

    def option_sets(self) -> list[dict[str, Any]]:
        """Return the fix and its alternatives, the fix first (empty without a fix)."""
        return [self.fix, *self.alternatives] if self.fix else []

    def worded(self, how: str, suffix: str = "") -> str:
        """Return the message with the hint worded as ``"<remedy>, <how> {options}<suffix>"``.

        Parameters
        ----------
        how : str
            E.g. ``"set load option"`` (the default message) or ``"set the notebook parameter
            load:"``.
        suffix : str, optional
            Text after the options (e.g. where else the option can be given).

        Returns
        -------
        str
        """
        sets = self.option_sets()
        if not sets:
            return self.problem
        options = " or ".join(render_options(options) for options in sets)
        lead = f"{self.remedy}, " if self.remedy else ""
        return f"{self.problem}; {lead}{how} {options}{suffix}"
