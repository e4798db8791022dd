"""The ``loyaltylab`` command: run the reports of ``reports.yaml`` and list them.

::

    loyaltylab run [--config PATH] [--only NAME ...] [-p NAME.KEY=VALUE ...]
                   [--timeout MINUTES] [--reports-dir DIR] [--no-progress]
    loyaltylab list [--config PATH]

``run`` prints the run folder, one line per report and ``N passed, M failed`` on its own line;
it exits 0 when every report succeeded, 1 when any failed and 2 when the configuration or the
command line is invalid or the reports folder cannot be written (nothing runs then). What a
report's kernel writes to its stderr is printed named by the report, without the kernel's
start-up and shutdown noise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from loyaltylab.errors import LoyaltyLabError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``loyaltylab`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="loyaltylab",
        description="Run the Loyalty Lab report notebooks listed in reports.yaml.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_help = "reports.yaml to use (default: the project root's reports.yaml)"

    run = commands.add_parser(
        "run",
        help="execute reports into reports/runs/<run-id>/ (HTML, notebooks, metrics, index)",
        description="Execute the reports of reports.yaml with papermill into a new run folder.",
    )
    run.add_argument("--config", metavar="PATH", help=config_help)
    run.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only these reports (repeatable, or a comma-separated list)",
    )
    run.add_argument(
        "-p",
        "--parameter",
        metavar="NAME.KEY=VALUE",
        action="append",
        dest="parameters",
        help="override a parameter of report NAME; VALUE is typed as YAML "
        "(26 -> int, [a, b] -> list, no -> false)",
    )
    run.add_argument(
        "--timeout",
        metavar="MINUTES",
        type=float,
        help="time limit per notebook in minutes (default: settings.timeout_minutes)",
    )
    run.add_argument(
        "--reports-dir",
        metavar="DIR",
        help="folder for runs/, index.html and latest (default: reports/ beside reports.yaml)",
    )
    run.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off when not a TTY)"
    )

    listing = commands.add_parser("list", help="list the reports and their parameters")
    listing.add_argument("--config", metavar="PATH", help=config_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``loyaltylab`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 all reports passed, 1 a report failed, 2 invalid configuration or usage
        or a reports folder that cannot be written, 130 interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list(args)
        return _run(args)
    except LoyaltyLabError as error:
        print(f"loyaltylab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"loyaltylab {args.command}: interrupted", file=sys.stderr)
        return 130


def _list(args: argparse.Namespace) -> int:
    from loyaltylab.reports.config import load_config

    config = load_config(args.config)
    for spec in config.reports:
        role = f"  [{spec.role}]" if spec.role else ""
        print(f"{spec.name}: {spec.title}{role}")
        print(f"    notebook: {spec.notebook}")
        for key, default in spec.parameter_defaults.items():
            marker = "*" if key in spec.parameters else " "
            value = spec.parameters.get(key, default)
            print(f"   {marker}{key} = {value!r}")
    print("(* = set in reports.yaml; others are the notebook's defaults)")
    return 0


def _run(args: argparse.Namespace) -> int:
    from loyaltylab.reports.runner import run_reports

    if args.timeout is not None and not args.timeout > 0:
        raise_usage = f"--timeout must be a positive number of minutes, got {args.timeout}"
        print(f"loyaltylab run: error: {raise_usage}", file=sys.stderr)
        return 2
    result = run_reports(
        args.config,
        only=args.only,
        overrides=args.parameters or None,
        reports_dir=args.reports_dir,
        timeout_minutes=args.timeout,
        progress=False if args.no_progress else None,
    )
    print(f"run folder: {result.run_dir}")
    for report in result.reports:
        line = f"  {report.status:<6} {report.name} ({report.duration_seconds:.1f} s)"
        if report.error:
            line += f": {report.error}"
        print(line)
    if result.latest:
        print(f"latest: {result.reports_dir / 'latest'} -> runs/{result.latest}")
    print(result.counts)
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
