"""Closed forms of the transaction and spend models, vectorised and numerically stable.

lifetimes 0.11.3 loses precision for heavy buyers: its BG/NBD conditional expectation evaluates
``2F1(r+x, b+x; a+b+x-1; z)`` whose large parameters make scipy's ``hyp2f1`` inaccurate (a customer
with x=1000 purchases gets E[Y(39)] = 0.002), and its Pareto/NBD ``A_0`` term overflows (LT #25,
PR #90). The forms below apply Euler's transformation
``2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c-a, c-b; c; z)`` so that only small parameters remain,
and work in log space. Every function takes the parameters as floats or as arrays of draws with a
trailing axis of length 1 (``r[:, None]``) so the same code serves point estimates and draws.
They agree with lifetimes to 1e-8 where lifetimes is accurate (tests/test_clv.py).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, hyp2f1

__all__ = [
    "bgnbd_probability_alive",
    "bgnbd_conditional_expected",
    "mbgnbd_probability_alive",
    "mbgnbd_conditional_expected",
    "pareto_log_a0",
    "pareto_probability_alive",
    "pareto_conditional_expected",
    "bgnbd_expected_if_alive",
    "mbgnbd_expected_if_alive",
    "pareto_expected_if_alive",
    "gamma_gamma_expected_spend",
]

ArrayLike = np.ndarray | float


def bgnbd_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under BG/NBD (Fader & Hardie 2008, note 021); 1 when x = 0."""
    x = np.asarray(x, dtype=float)
    log_odds_dead = (
        np.log(a)
        - np.log(b + np.maximum(x, 1.0) - 1.0)
        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def bgnbd_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under BG/NBD: the factor of eq. 10 that does not involve t_x."""
    x = np.asarray(x, dtype=float)
    z = t / (alpha + T + t)
    # (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) == (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)
    tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail)


def bgnbd_conditional_expected(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under BG/NBD (Fader, Hardie & Lee 2005, eq. 10), Euler-transformed."""
    return bgnbd_expected_if_alive(t, r, alpha, a, b, x, T) * bgnbd_probability_alive(
        r, alpha, a, b, x, t_x, T
    )


def mbgnbd_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under MBG/NBD (Batislam, Denizel & Filiztekin 2007, eq. A5)."""
    x = np.asarray(x, dtype=float)
    log_odds_dead = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return expit(-log_odds_dead)


def mbgnbd_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under MBG/NBD (the factor not involving t_x)."""
    x = np.asarray(x, dtype=float)
    z = t / (alpha + T + t)
    # (1-z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z) == (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z)
    tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b - r, a - 1.0, a + b + x, z)
    return (a + b + x) / (a - 1.0) * (1.0 - tail)


def mbgnbd_conditional_expected(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under MBG/NBD, Euler-transformed like the BG/NBD form."""
    return mbgnbd_expected_if_alive(t, r, alpha, a, b, x, T) * mbgnbd_probability_alive(
        r, alpha, a, b, x, t_x, T
    )


def _log_hyp2f1_c_is_a_plus_1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Log 2F1(a, b; a+1; z) via Euler: (1-z)^(1-b) 2F1(1, a+1-b; a+1; z)."""
    return (1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1.0 - b, a + 1.0, z))


def pareto_a0_term(
    r: ArrayLike, alpha: ArrayLike, s: ArrayLike, beta: ArrayLike, x: ArrayLike, span: ArrayLike
) -> np.ndarray:
    """log[2F1(r+s+x, b'; r+s+x+1; |α-β| / (max(α, β) + span)) / (max(α, β) + span)^(r+s+x)].

    One of the two terms of A_0 (note 009, eqs. 19-20), with span = t_x or T; it depends on
    (x, span) only, so callers may evaluate it once per distinct pair.
    """
    r, alpha, s, beta, x, span = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, span))
    )
    alpha_smaller = alpha < beta
    big = np.where(alpha_smaller, beta, alpha)
    second = np.where(alpha_smaller, r + x, s + 1.0)
    rsx = r + s + x
    q = big + span
    return _log_hyp2f1_c_is_a_plus_1(rsx, second, np.abs(alpha - beta) / q) - rsx * np.log(q)


def pareto_log_a0_from_terms(term_recency: np.ndarray, term_age: np.ndarray) -> np.ndarray:
    """Log A_0 = log(exp(term(t_x)) - exp(term(T))); -inf when t_x = T."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return term_recency + np.log(-np.expm1(np.minimum(term_age - term_recency, 0.0)))


def pareto_log_a0(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Log A_0 of the Pareto/NBD likelihood (Fader & Hardie note 009, eqs. 19-20), stable form."""
    return pareto_log_a0_from_terms(
        pareto_a0_term(r, alpha, s, beta, x, t_x), pareto_a0_term(r, alpha, s, beta, x, T)
    )


def pareto_log_alive_odds_from_a0(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    log_a0: np.ndarray,
) -> np.ndarray:
    """Log of (1 - P(alive)) / P(alive) under Pareto/NBD given log A_0 (note 009, eq. 36)."""
    return (
        np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_a0
    )


def _pareto_log_alive_odds(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    log_a0 = pareto_log_a0(r, alpha, s, beta, x, t_x, T)
    return pareto_log_alive_odds_from_a0(r, alpha, s, beta, x, T, log_a0)


def pareto_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under Pareto/NBD (Fader & Hardie note 009, eq. 36)."""
    return expit(-_pareto_log_alive_odds(r, alpha, s, beta, x, t_x, T))


def pareto_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under Pareto/NBD (note 009, eq. 41 without P(alive))."""
    x = np.asarray(x, dtype=float)
    log_ratio = np.log(beta + T) - np.log(beta + T + t)
    s_minus_1 = s - 1.0
    near_one = np.abs(s_minus_1) < 1e-9
    safe = np.where(near_one, 1.0, s_minus_1)
    survival_integral = np.where(near_one, -log_ratio, -np.expm1(s_minus_1 * log_ratio) / safe)
    return (r + x) / (alpha + T) * (beta + T) * survival_integral


def pareto_conditional_expected(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under Pareto/NBD (note 009, eq. 41) = P(alive) x E[Y(t) | alive]."""
    return pareto_expected_if_alive(t, r, alpha, s, beta, x, T) * pareto_probability_alive(
        r, alpha, s, beta, x, t_x, T
    )


def gamma_gamma_expected_spend(
    p: ArrayLike, q: ArrayLike, v: ArrayLike, x: ArrayLike, mean_spend: ArrayLike
) -> np.ndarray:
    """E[M | x, m̄] under Gamma-Gamma (Fader & Hardie 2013, note 025, eq. 5).

    For x = 0 this is the population mean ``p v / (q - 1)``.
    """
    x = np.asarray(x, dtype=float)
    population_mean = p * v / (q - 1.0)
    weight = (q - 1.0) / (p * x + q - 1.0)
    return weight * population_mean + (1.0 - weight) * np.asarray(mean_spend, dtype=float)
