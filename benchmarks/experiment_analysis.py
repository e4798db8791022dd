"""Benchmark: full experiment analysis of 10 million customers in 3 arms.

Run ``python benchmarks/experiment_analysis.py [--units 10000000]``. Prints the seconds of each step
and the peak memory. The data are drawn with numpy (seeded): a 0/1 conversion, visits, spend (zero
for most customers), their pre-period values, two segment columns and a ratio metric. The analysis
is everything ``analyze_experiment`` does: SRM, balance, effects for 4 metrics x 2 arms with Holm,
chance to win and always-valid intervals, CUPED/HC2 for 3 metrics, capping, segment effects.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from loyaltylab.experiments import analyze_experiment


def make_data(units: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = pd.Categorical.from_codes(
        rng.choice(3, units, p=[0.4, 0.3, 0.3]), ["control", "double_points", "personal_offer"]
    )
    rate = rng.gamma(0.5, 0.2, units)
    lift = np.array([1.0, 1.05, 1.10])[arm.codes]
    pre_visits = rng.poisson(rate * 6)
    visits = rng.poisson(rate * 6 * lift)
    spend = np.where(visits > 0, rng.gamma(np.maximum(visits, 1) * 2.0, 15.0), 0.0)
    pre_spend = np.where(pre_visits > 0, rng.gamma(np.maximum(pre_visits, 1) * 2.0, 15.0), 0.0)
    return pd.DataFrame(
        {
            "arm": arm,
            "channel": pd.Categorical.from_codes(rng.choice(3, units), ["app", "email", "store"]),
            "visited": (visits > 0).astype(np.int8),
            "visits": visits,
            "spend": spend,
            "pre_visited": (pre_visits > 0).astype(np.int8),
            "pre_visits": pre_visits,
            "pre_spend": pre_spend,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000_000)
    args = parser.parse_args()
    start = time.perf_counter()
    frame = make_data(args.units)
    made = time.perf_counter()
    print(f"data: {args.units:,} units x 3 arms drawn in {made - start:.2f} s")
    runs = []
    for label, segments in (("without segments", []), ("with segments (channel)", ["channel"])):
        t0 = time.perf_counter()
        result = analyze_experiment(
            frame,
            arm_col="arm",
            control="control",
            binary_outcomes=["visited"],
            continuous_outcomes=["visits", "spend"],
            ratio_metrics={"spend_per_visit": ("spend", "visits")},
            covariates=["pre_visited", "pre_visits", "pre_spend"],
            segments=segments,
            design_split={"control": 0.4, "double_points": 0.3, "personal_offer": 0.3},
        )
        seconds = time.perf_counter() - t0
        runs.append(seconds)
        print(
            f"full analysis {label}: {seconds:.2f} s "
            f"({len(result.effects)} effects, {len(result.adjusted)} CUPED, "
            f"{len(result.heterogeneity)} segment effects)"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
