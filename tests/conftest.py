"""Shared fixtures: the bundled CDNOW sample, loaded once per session (read-only)."""

from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.datasets import load_cdnow


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    """CDNOW_sample.txt in canonical columns (2,357 customers, 6,919 rows); do not modify."""
    return load_cdnow(sample=True)


# ----------------------------------------------------------------------------------------------
# PostgreSQL for the warehouse tests (tests/test_engine_postgres.py)

_REQUIRE = "LOYALTYLAB_REQUIRE_SERVICES"
_PG_URL = "LOYALTYLAB_TEST_POSTGRES_URL"


def _pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl: the newest Debian cluster binaries, else the PATH."""
    import shutil

    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if debian:
        return debian[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _missing_service(reason: str) -> None:
    import os

    if os.environ.get(_REQUIRE) == "1":
        pytest.fail(f"{reason} ({_REQUIRE}=1: the service must be there)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL URL: $LOYALTYLAB_TEST_POSTGRES_URL, else a throwaway local cluster.

    The cluster (initdb in a temporary folder, trust login, TCP on a free port of 127.0.0.1) is
    started from the installed PostgreSQL binaries and removed at the end of the session; as
    root it runs as the ``postgres`` user (PostgreSQL refuses to run as root). Without binaries or
    the driver the tests skip with the reason, or fail when $LOYALTYLAB_REQUIRE_SERVICES is 1 (CI).
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    try:
        import psycopg
    except ImportError:
        _missing_service("psycopg is not installed (pip install 'loyaltylab[postgres]')")
    given = os.environ.get(_PG_URL)
    if given:
        yield given
        return
    binaries = _pg_bin()
    if binaries is None:
        _missing_service(f"no PostgreSQL binaries (initdb, pg_ctl) and no ${_PG_URL}")
    folder = tempfile.mkdtemp(prefix="loyaltylab-pg-")
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = os.path.join(folder, "data")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run(
            [*run_as, str(binaries / "initdb"), "-D", data, "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *run_as,
                str(binaries / "pg_ctl"),
                "-D",
                data,
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "-l",
                os.path.join(folder, "log"),
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        detail = getattr(error, "stderr", b"") or b""
        _missing_service(f"could not start a PostgreSQL cluster: {error} {detail.decode()[-300:]}")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        try:
            psycopg.connect(url).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _report_display_settings():
    """Undo a test's use_report_display(currency=...): the run's currency is process state."""
    from loyaltylab import display

    saved = dict(display._STATE)
    yield
    display._STATE.clear()
    display._STATE.update(saved)
