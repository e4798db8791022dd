"""The metrics catalog: every key a report writes, the function that computes it, unit, formula.

Each report notebook writes its key numbers to ``{output_dir}/{NN_topic}.metrics.json``
(:func:`loyaltylab.metrics.write_metrics`). The catalog (the package data file
``metrics_catalog.yaml`` beside this module) lists, per report, every key pattern it writes with
the dotted path of the function that computes the value, the unit and the formula in words. KPI
keys take their unit and formula from :data:`loyaltylab.kpi.KPI_DEFINITIONS`, the one home of the
KPI definitions, so the catalog never repeats them.

Key patterns are the dotted keys of :func:`loyaltylab.metrics.flatten_metrics` with three kinds
of variable part:

* ``<name>`` - one part of the key (no dot): a model, program, arm, outcome or segment name,
  e.g. ``models.<model>.holdout_error_pct``;
* ``<name...>`` - one or more parts, for a metric name that is itself dotted, e.g.
  ``targets.<metric...>.current`` matches ``targets.clv.total.current``;
* ``{a,b}`` - one of the listed spellings, e.g. ``programs.<program>.roi{,_low,_high}``.

:func:`metrics_catalog` reads and validates the file once; :meth:`MetricsCatalog.lookup` finds
the definition of a written key, :meth:`MetricsCatalog.missing` lists written keys the catalog
lacks, :func:`where_numbers_come_from` is the table a report shows at its end and
:func:`catalog_markdown` the README section.

Examples
--------
>>> catalog = metrics_catalog()
>>> definition = catalog.lookup("02_clv", "models.bgnbd.holdout_error_pct")
>>> definition.unit, definition.function
('percent', 'loyaltylab.clv.validate_holdout')
>>> catalog.lookup("01_customers", "kpi.aov").unit  # from loyaltylab.kpi.KPI_DEFINITIONS
'currency per order'
>>> catalog.missing("02_clv", ["clv.total", "clv.totl"])
['clv.totl']
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib.resources import files
from typing import Any

import pandas as pd
from pydantic import field_validator, model_validator

from loyaltylab.config.base import ConfigModel, validate_model
from loyaltylab.config.yaml import load_yaml
from loyaltylab.errors import ConfigError, ReportError
from loyaltylab.kpi import KPI_DEFINITIONS
from loyaltylab.metrics import flatten_metrics, to_jsonable

__all__ = [
    "CATALOG_FILE",
    "README_END",
    "README_START",
    "MetricDefinition",
    "MetricsCatalog",
    "catalog_markdown",
    "compile_key_pattern",
    "load_metrics_catalog",
    "metrics_catalog",
    "replace_catalog_section",
    "where_numbers_come_from",
]

#: File name of the catalog, package data of :mod:`loyaltylab.reports`.
CATALOG_FILE = "metrics_catalog.yaml"

#: Markers around the README section rendered by :func:`catalog_markdown`.
README_START = (
    "<!-- metrics catalog: start (rendered by loyaltylab.reports.catalog.catalog_markdown;"
    " edit src/loyaltylab/reports/metrics_catalog.yaml, not this table) -->"
)
README_END = "<!-- metrics catalog: end -->"

_KPIS: dict[str, tuple[str, str]] = {
    name: (formula, unit) for name, formula, unit in KPI_DEFINITIONS
}
_TOKEN = re.compile(
    r"<(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?P<many>\.\.\.)?>"
    r"|\{(?P<alts>[^{}<>]*)\}"
    r"|(?P<text>[^<>{}]+)"
)
_PLACEHOLDER = re.compile(r"^<([A-Za-z_][A-Za-z0-9_]*)>$")
_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_REPORT_NAME = re.compile(r"^[0-9]{2}_[a-z0-9_]+$")
_MAX_EXAMPLES = 5


def compile_key_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a catalog key pattern to a regular expression that matches whole keys.

    Parameters
    ----------
    pattern : str
        A dotted key with ``<name>``, ``<name...>`` and ``{a,b}`` parts (module docstring).

    Returns
    -------
    re.Pattern
        Named groups hold the variable parts.

    Raises
    ------
    ConfigError
        If the pattern is empty, has an empty part, an unclosed ``<``/``{``, a placeholder that
        is not a whole part of the key, or the same placeholder twice.

    Examples
    --------
    >>> pattern = compile_key_pattern("targets.<metric...>.current")
    >>> pattern.match("targets.clv.total.current")["metric"]
    'clv.total'
    >>> bool(compile_key_pattern("programs.<program>.roi{,_low,_high}").match("programs.a.roi_low"))
    True
    >>> bool(compile_key_pattern("models.<model>.params.<param>").match("models.bgnbd.params"))
    False
    """
    if not pattern or any(part == "" for part in pattern.replace("...>", ">").split(".")):
        raise ConfigError(f"key pattern {pattern!r} has an empty part (two dots or an end dot)")
    regex: list[str] = []
    names: list[str] = []
    position = 0
    while position < len(pattern):
        token = _TOKEN.match(pattern, position)
        if token is None:
            raise ConfigError(
                f"key pattern {pattern!r} has an unclosed or misplaced '<' or '{{' at character "
                f"{position + 1}; write <name>, <name...> or {{a,b}}"
            )
        position = token.end()
        if token["var"]:
            names.append(token["var"])
            one_part = r"[^.]+"
            regex.append(
                f"(?P<{token['var']}>{one_part}(?:\\.{one_part})*)"
                if token["many"]
                else f"(?P<{token['var']}>{one_part})"
            )
        elif token["alts"] is not None:
            alternatives = token["alts"].split(",")
            if any("." in alternative for alternative in alternatives):
                raise ConfigError(f"key pattern {pattern!r}: a {{a,b}} choice may not hold a dot")
            regex.append("(?:" + "|".join(re.escape(item) for item in alternatives) + ")")
        else:
            regex.append(re.escape(token["text"]))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"key pattern {pattern!r} names the placeholder(s) {repeated} twice")
    for part in pattern.replace("...>", ">").split("."):
        if "<" in part and not _PLACEHOLDER.match(part):
            raise ConfigError(
                f"key pattern {pattern!r}: the placeholder in part {part!r} must be the whole "
                "part between dots"
            )
    return re.compile("".join(regex) + r"\Z")


# ---------------------------------------------------------------------------------------------
# the data file, validated
# ---------------------------------------------------------------------------------------------


class _EntryModel(ConfigModel):
    """One catalog entry as written in the YAML file."""

    key: str
    function: str
    unit: str | None = None
    formula: str | None = None
    kpi: str | None = None

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        try:
            compile_key_pattern(value)
        except ConfigError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("function")
    @classmethod
    def _check_function(cls, value: str) -> str:
        if not _DOTTED_NAME.match(value) or not value.startswith("loyaltylab."):
            raise ValueError(
                f"must be the dotted path of a loyaltylab function, e.g. "
                f"'loyaltylab.clv.customer_lifetime_value' (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _check_definition(self) -> _EntryModel:
        if self.kpi is None:
            if not self.unit or not self.formula:
                raise ValueError(f"key {self.key!r}: give unit and formula, or kpi")
            return self
        if self.unit is not None:
            raise ValueError(
                f"key {self.key!r}: the unit of a KPI comes from loyaltylab.kpi.KPI_DEFINITIONS; "
                "remove unit"
            )
        placeholder = _PLACEHOLDER.match(self.kpi)
        if placeholder:
            if f"<{placeholder[1]}>" not in self.key.split("."):
                raise ValueError(
                    f"key {self.key!r}: kpi {self.kpi!r} must name a one-part placeholder of "
                    "the key"
                )
        elif self.kpi not in _KPIS:
            raise ValueError(
                f"key {self.key!r}: kpi {self.kpi!r} is not in loyaltylab.kpi.KPI_DEFINITIONS "
                f"(known: {', '.join(sorted(_KPIS))})"
            )
        return self


class _CatalogModel(ConfigModel):
    """The catalog file: ``reports: {NN_topic: [entry, ...]}``."""

    reports: dict[str, list[_EntryModel]]

    @field_validator("reports")
    @classmethod
    def _check_reports(cls, value: dict[str, list[_EntryModel]]) -> dict[str, list[_EntryModel]]:
        problems: list[str] = []
        for report, entries in value.items():
            if not _REPORT_NAME.match(report):
                problems.append(f"report {report!r} is not a metrics file name like '02_clv'")
            keys = [entry.key for entry in entries]
            twice = sorted({key for key in keys if keys.count(key) > 1})
            if twice:
                problems.append(f"report {report!r} lists key(s) {twice} more than once")
        if problems:
            raise ValueError("; ".join(problems))
        return value


# ---------------------------------------------------------------------------------------------
# public objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricDefinition:
    """Where one metric key (or key pattern) of a report comes from.

    Attributes
    ----------
    report : str
        The metrics file that holds it (``"02_clv"`` for ``02_clv.metrics.json``).
    key : str
        Key pattern (module docstring) or, from :meth:`MetricsCatalog.lookup`, the key itself.
    function : str
        Dotted path of the function that computes the value.
    unit : str
        Unit (``"currency"``, ``"share 0-1"``, ``"customers"``, ...).
    formula : str
        Definition in words.
    kpi : str or None
        The KPI of :data:`loyaltylab.kpi.KPI_DEFINITIONS` the unit and formula come from, or a
        placeholder (``"<kpi>"``) naming the key part that is the KPI.
    """

    report: str
    key: str
    function: str
    unit: str
    formula: str
    kpi: str | None = None
    _formula_prefix: str = field(default="", repr=False, compare=False)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """The compiled key pattern."""
        return compile_key_pattern(self.key)

    def matches(self, key: str) -> bool:
        """Return whether a written (dotted) key is described by this definition.

        A placeholder that is the definition's KPI matches only names of
        :data:`loyaltylab.kpi.KPI_DEFINITIONS`.
        """
        match = self.pattern.match(key)
        if match is None:
            return False
        placeholder = _PLACEHOLDER.match(self.kpi or "")
        return placeholder is None or match[placeholder[1]] in _KPIS

    def resolve(self, key: str) -> MetricDefinition:
        """Return this definition for one written key (its KPI's unit and formula filled in).

        Parameters
        ----------
        key : str
            A key this definition :meth:`matches`.

        Returns
        -------
        MetricDefinition
        """
        match = self.pattern.match(key)
        if match is None or not self.matches(key):
            raise ReportError(f"key {key!r} does not match the catalog pattern {self.key!r}")
        placeholder = _PLACEHOLDER.match(self.kpi or "")
        if placeholder is None:
            return replace(self, key=key)
        name = match[placeholder[1]]
        formula, unit = _KPIS[name]
        text = f"{self._formula_prefix}: {formula}" if self._formula_prefix else formula
        return replace(self, key=key, unit=unit, formula=text, kpi=name)


def _definition(report: str, entry: _EntryModel) -> MetricDefinition:
    prefix = entry.formula or ""
    if entry.kpi is None:
        return MetricDefinition(report, entry.key, entry.function, str(entry.unit), prefix)
    if entry.kpi in _KPIS:
        formula, unit = _KPIS[entry.kpi]
        text = f"{prefix}: {formula}" if prefix else formula
        return MetricDefinition(report, entry.key, entry.function, unit, text, entry.kpi)
    kpi_key = f"kpi.{entry.kpi}"
    return MetricDefinition(
        report,
        entry.key,
        entry.function,
        f"unit of the KPI (see {kpi_key})",
        f"{prefix}: formula of the KPI (see {kpi_key})" if prefix else f"see {kpi_key}",
        entry.kpi,
        _formula_prefix=prefix,
    )


@dataclass(frozen=True)
class MetricsCatalog:
    """Every metric key of every report with its function, unit and formula.

    Attributes
    ----------
    definitions : tuple of MetricDefinition
        In file order (report by report).
    source : str
        Where the catalog was read from (for messages).
    """

    definitions: tuple[MetricDefinition, ...]
    source: str = CATALOG_FILE

    @property
    def reports(self) -> tuple[str, ...]:
        """Report (metrics file) names, in file order."""
        return tuple(dict.fromkeys(definition.report for definition in self.definitions))

    def entries(self, report: str) -> tuple[MetricDefinition, ...]:
        """Return the definitions of one report.

        Raises
        ------
        ReportError
            If the catalog has no such report.
        """
        found = tuple(item for item in self.definitions if item.report == report)
        if not found:
            raise ReportError(
                f"the metrics catalog ({self.source}) has no report {report!r}; known: "
                f"{', '.join(self.reports)}. Pass the metrics file name (e.g. '02_clv') or add "
                "the report to the catalog."
            )
        return found

    def matching(self, report: str, key: str) -> tuple[MetricDefinition, ...]:
        """Return every definition of ``report`` that matches ``key`` (one in a sound catalog)."""
        return tuple(item for item in self.entries(report) if item.matches(key))

    def lookup(self, report: str, key: str) -> MetricDefinition:
        """Return the definition of one written key, resolved for that key.

        Parameters
        ----------
        report : str
            Metrics file name, e.g. ``"02_clv"``.
        key : str
            Dotted key as :func:`loyaltylab.metrics.flatten_metrics` gives it.

        Returns
        -------
        MetricDefinition
            With ``key`` the key itself (and a KPI's unit and formula filled in).

        Raises
        ------
        ReportError
            If the report or the key is not in the catalog.

        Examples
        --------
        >>> metrics_catalog().lookup("04_reward_models", "programs.paid_club.roi_low").unit
        'ratio (1 = 100 %)'
        """
        found = self.matching(report, key)
        if not found:
            raise ReportError(self._missing_message(report, [key]))
        return found[0].resolve(key)

    def missing(self, report: str, keys: Iterable[str]) -> list[str]:
        """Return the keys (in the order given) that no definition of ``report`` describes.

        Parameters
        ----------
        report : str
            Metrics file name.
        keys : iterable of str
            Dotted keys (``flatten_metrics(metrics)``).

        Returns
        -------
        list of str
        """
        entries = self.entries(report)
        return [key for key in keys if not any(item.matches(key) for item in entries)]

    def unused(self, report: str, keys: Iterable[str]) -> list[str]:
        """Return the key patterns of ``report`` that none of ``keys`` matches (dead entries)."""
        written = list(keys)
        return [
            item.key
            for item in self.entries(report)
            if not any(item.matches(key) for key in written)
        ]

    def summary(self) -> pd.DataFrame:
        """Return one row per definition: report, key, unit, formula, function."""
        return pd.DataFrame(
            [
                {
                    "report": item.report,
                    "key": item.key,
                    "unit": item.unit,
                    "formula": item.formula,
                    "function": item.function,
                }
                for item in self.definitions
            ],
            columns=["report", "key", "unit", "formula", "function"],
        )

    def _missing_message(self, report: str, keys: list[str]) -> str:
        examples = ", ".join(repr(key) for key in keys[:_MAX_EXAMPLES])
        more = f" and {len(keys) - _MAX_EXAMPLES} more" if len(keys) > _MAX_EXAMPLES else ""
        return (
            f"{len(keys)} metric key(s) of report {report!r} are not in the metrics catalog "
            f"({self.source}): {examples}{more}. Add an entry (key, function, unit, formula) "
            f"under reports.{report} in src/loyaltylab/reports/{CATALOG_FILE}."
        )


def load_metrics_catalog(text: str, source: str = CATALOG_FILE) -> MetricsCatalog:
    """Read and validate a metrics catalog from YAML text.

    Parameters
    ----------
    text : str
        The YAML document (``reports: {NN_topic: [{key, function, unit, formula}, ...]}``).
    source : str, default "metrics_catalog.yaml"
        Name used in error messages.

    Returns
    -------
    MetricsCatalog

    Raises
    ------
    ConfigError
        Listing every problem by its YAML path (``reports.02_clv[3].function: ...``).

    Examples
    --------
    >>> text = "reports: {02_clv: [{key: clv.total, function: loyaltylab.clv.x, unit: currency}]}"
    >>> load_metrics_catalog(text, "example")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ConfigError: example: reports.02_clv[0]: ...give unit and formula, or kpi...
    """
    raw = load_yaml(text, source)
    model: _CatalogModel = validate_model(_CatalogModel, raw, source=source)
    definitions = tuple(
        _definition(report, entry) for report, entries in model.reports.items() for entry in entries
    )
    return MetricsCatalog(definitions=definitions, source=source)


@functools.cache
def metrics_catalog() -> MetricsCatalog:
    """Return the project's metrics catalog (read once, then cached).

    Returns
    -------
    MetricsCatalog

    Examples
    --------
    >>> "02_clv" in metrics_catalog().reports
    True
    """
    text = (files("loyaltylab.reports") / CATALOG_FILE).read_text(encoding="utf-8")
    return load_metrics_catalog(text, CATALOG_FILE)


# ---------------------------------------------------------------------------------------------
# what a report shows, what the README shows
# ---------------------------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    """Return a written value as a report table shows it (a long list: length and ends)."""
    if isinstance(value, list) and len(value) > 3:
        return f"{len(value)} values: {value[0]}, ..., {value[-1]}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def where_numbers_come_from(
    report: str,
    metrics: Mapping[str, Any],
    *,
    catalog: MetricsCatalog | None = None,
) -> pd.DataFrame:
    """Return the table "Where these numbers come from" for the keys one report wrote.

    Parameters
    ----------
    report : str
        Metrics file name of the report (``"01_customers"``, ``"02_clv"``, ...).
    metrics : mapping
        The metrics as passed to :func:`loyaltylab.metrics.write_metrics` (nested, or already
        flattened to dotted keys).
    catalog : MetricsCatalog, optional
        Default: :func:`metrics_catalog`.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``value``, ``unit``, ``formula``, ``function``; one row per written key,
        sorted by key. A list is shown by its length and ends.

    Raises
    ------
    ReportError
        If a written key is not in the catalog (naming the keys and the file to add them to).

    Examples
    --------
    >>> table = where_numbers_come_from("02_clv", {"clv": {"total": 1000.0}})
    >>> table.loc[0, ["key", "value", "unit", "function"]].tolist()
    ['clv.total', 1000.0, 'currency', 'loyaltylab.clv.customer_lifetime_value']
    """
    catalog = catalog if catalog is not None else metrics_catalog()
    flat = flatten_metrics(to_jsonable(metrics))
    missing = catalog.missing(report, flat)
    if missing:
        raise ReportError(catalog._missing_message(report, missing))
    keys = sorted(flat)
    definitions = [catalog.lookup(report, key) for key in keys]
    return pd.DataFrame(
        {
            "key": keys,
            "value": pd.Series([_shown(flat[key]) for key in keys], dtype=object),
            "unit": [item.unit for item in definitions],
            "formula": [item.formula for item in definitions],
            "function": [item.function for item in definitions],
        }
    )


def _cell(text: str) -> str:
    """Escape text for a Markdown table cell (pipes, HTML brackets, emphasis stars)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def catalog_markdown(catalog: MetricsCatalog | None = None) -> str:
    """Render the catalog as Markdown: one table per report (the README section).

    Parameters
    ----------
    catalog : MetricsCatalog, optional
        Default: :func:`metrics_catalog`.

    Returns
    -------
    str
        Ends with a newline.

    Examples
    --------
    >>> print(catalog_markdown().splitlines()[0])  # doctest: +ELLIPSIS
    Every key a report writes to its metrics file...
    """
    catalog = catalog if catalog is not None else metrics_catalog()
    intro = (
        "Every key a report writes to its metrics file `<output_dir>/<NN_topic>.metrics.json`, "
        "with the function that computes it, its unit and formula. In a key, `<name>` stands "
        "for one part (a model, program, arm, outcome or segment name), `<name...>` for one or "
        "more parts and `{a,b}` for one of the spellings listed. KPI units and formulas come "
        "from `loyaltylab.kpi.KPI_DEFINITIONS`."
    )
    lines = textwrap.wrap(intro, width=100, break_long_words=False, break_on_hyphens=False)
    for report in catalog.reports:
        lines += [
            "",
            f"### `{report}.metrics.json`",
            "",
            "| key | unit | formula | function |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{item.key}` | {_cell(item.unit)} | {_cell(item.formula)} | `{item.function}` |"
            for item in catalog.entries(report)
        ]
    return "\n".join(lines) + "\n"


def replace_catalog_section(text: str, catalog: MetricsCatalog | None = None) -> str:
    """Return ``text`` (the README) with the part between the catalog markers re-rendered.

    Parameters
    ----------
    text : str
        A document holding :data:`README_START` and, after it, :data:`README_END`.
    catalog : MetricsCatalog, optional
        Default: :func:`metrics_catalog`.

    Returns
    -------
    str

    Raises
    ------
    ReportError
        If the markers are missing or out of order.
    """
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ReportError(
            "the README has no metrics catalog section: put the line "
            f"{README_START!r} and, below it, {README_END!r} where the tables belong"
        )
    head = text[: start + len(README_START)]
    return f"{head}\n\n{catalog_markdown(catalog)}\n{text[end:]}"
