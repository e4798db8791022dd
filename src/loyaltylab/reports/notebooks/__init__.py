"""The notebook layer: typed parameters and the helpers a notebook calls, one module per notebook.

Domain packages (``loyaltylab.kpi``, ``clv``, ``experiments``, ``rewards``, ``targets``) compute;
the modules here turn a notebook's parameters into calls and results into the tables, sentences and
metrics a report shows. :mod:`loyaltylab.reports.notebooks.parameters` holds the base model.
"""

from loyaltylab.reports.notebooks.parameters import (
    Day,
    NameList,
    NotebookParameters,
    OptionalDay,
    ParameterMapping,
)

__all__ = ["Day", "NameList", "NotebookParameters", "OptionalDay", "ParameterMapping"]
