"""The one YAML reader of Loyalty Lab: dates stay strings, duplicate keys are an error.

Every YAML text the package reads (``reports.yaml``, ``-p NAME.KEY=VALUE`` overrides, a notebook's
``columns``/``load`` mappings) goes through :func:`load_yaml`, so a value has the same type wherever
it is written:

- dates stay strings (``2024-12-31`` stays ``"2024-12-31"``). papermill changes the global YAML
  date handling when imported (nteract/papermill#439) and hands dates to notebooks as strings;
  reading them as strings everywhere keeps a parameter's type the same whether it comes from
  ``reports.yaml``, ``-p`` or papermill's own command line. The typed models parse them.
- a key written twice in one mapping (a report's ``parameters:`` given twice) is a
  :class:`~loyaltylab.errors.ConfigError` naming the key and both lines, instead of the last one
  silently winning.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from loyaltylab.errors import ConfigError

__all__ = ["load_yaml", "load_json", "parse_yaml_value"]


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without the timestamp resolver and with duplicate keys rejected."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"key {key!r} is written twice in one mapping (lines {seen[key]} and {line}); "
                    "keep one of them"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, source: str = "YAML") -> Any:
    """Read a YAML document with the project's rules (dates as strings, no duplicate keys).

    Parameters
    ----------
    text : str
        The document.
    source : str, default "YAML"
        What the text is, for error messages (a file name or ``"parameter 'columns'"``).

    Returns
    -------
    Any
        Plain Python values (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``).

    Raises
    ------
    ConfigError
        If the text is not valid YAML or a mapping repeats a key.

    Examples
    --------
    >>> load_yaml("deadline: 2025-12-31")
    {'deadline': '2025-12-31'}
    >>> load_yaml("{a: 1, b: 2, a: 3}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ConfigError: YAML: key 'a' is written twice in one mapping (lines 1 and 1)...
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source} is not valid YAML: {error}") from None


def parse_yaml_value(text: str) -> Any:
    """Type ``text`` as YAML would (``26`` → int, ``[bgnbd]`` → list, ``no`` → False).

    Dates stay strings; an empty text gives ``None``.

    Parameters
    ----------
    text : str
        A value from the command line, e.g. the part after ``=`` in ``-p clv_cdnow.horizon=26``.

    Returns
    -------
    Any
        ``int``, ``float``, ``bool``, ``None``, ``str``, ``list`` or ``dict``.

    Examples
    --------
    >>> parse_yaml_value("26"), parse_yaml_value("[bgnbd]"), parse_yaml_value("2024-12-31")
    (26, ['bgnbd'], '2024-12-31')
    """
    return load_yaml(text, source=f"value {text!r}")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ConfigError(f"key {key!r} is written twice in one JSON object; keep one of them")
        result[key] = value
    return result


def load_json(text: str, source: str = "JSON") -> Any:
    """Read a JSON text with duplicate keys rejected (``{"a": 1, "a": 2}`` is an error).

    Parameters
    ----------
    text : str
        The JSON text.
    source : str, default "JSON"
        What the text is, for error messages.

    Returns
    -------
    Any

    Raises
    ------
    ConfigError
        If the text is not valid JSON or an object repeats a key.

    Examples
    --------
    >>> load_json('{"customer_id": "cust"}')
    {'customer_id': 'cust'}
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{source} is not valid JSON: {error}") from None
