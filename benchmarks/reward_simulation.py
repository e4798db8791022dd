"""Benchmark of the reward-program twin simulation: 1 M customers x 3 years weekly x 5 programs.

Usage::

    .venv/bin/python benchmarks/reward_simulation.py                 # 1,000,000 x 156 weeks x 5
    .venv/bin/python benchmarks/reward_simulation.py --customers 100000

Prints the time to draw the population, the simulation time, throughput and the peak resident
memory of the process (``ru_maxrss``). The five programs are the first five of ``reports.yaml``
(points, tiered, cashback, paid, coalition by default). The machine is shared, so timings vary.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np

from loyaltylab.rewards import PopulationModel, draw_population, load_programs, simulate_programs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--programs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    programs = load_programs()[: args.programs]
    start = time.perf_counter()
    people = draw_population(PopulationModel.cdnow_published(), args.customers, seed=args.seed)
    drawn = time.perf_counter()
    result = simulate_programs(programs, people, horizon_weeks=args.weeks, seed=args.seed)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    simulated = done - drawn
    customer_weeks = args.customers * args.weeks * len(programs)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(
        f"customers {args.customers:,} x weeks {args.weeks} x programs {len(programs)} "
        f"({', '.join(p.name for p in programs)})"
    )
    print(f"population draw  {drawn - start:8.2f} s")
    print(
        f"simulation       {simulated:8.2f} s  "
        f"({customer_weeks / simulated / 1e6:.1f} M customer-weeks/s)"
    )
    print(f"total            {done - start:8.2f} s")
    print(f"peak memory      {peak_mb:8.0f} MB (resident set)")
    print(
        result.summary()[["incremental_revenue", "incremental_margin", "roi"]].round(2).to_string()
    )


if __name__ == "__main__":
    main()
