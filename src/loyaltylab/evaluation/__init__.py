"""Evaluate a running program: the member effect with self-selection handled.

:func:`evaluate_program` (staggered matched difference-in-differences around each member's
enrolment date) beside the naive member/non-member gap :func:`naive_gap`.
"""

from loyaltylab.evaluation.program import (
    ProgramEvaluation,
    evaluate_program,
    naive_gap,
    plot_program_effect,
)

__all__ = ["ProgramEvaluation", "evaluate_program", "naive_gap", "plot_program_effect"]
