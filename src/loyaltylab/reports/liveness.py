"""Whether the process that started a run is still running it.

A run records its runner in ``status.json`` (``"runner": {"pid", "host", "process_started"}``).
A later run reads that record to tell a run that is still going from one whose process is gone
(killed with ``kill -9``, out of memory, a machine that rebooted): such a run is shown as
``"interrupted"`` instead of ``"running"`` forever. The check uses the process, never elapsed
time: a pid that exists but belongs to a process started at another time (pid reuse) is not the
runner; a run started on another host is taken as still running, since its process cannot be
seen from here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["RunnerProcess", "effective_state", "process_start_token"]


def process_start_token(pid: int) -> str | None:
    """Return a token of when process ``pid`` started, or ``None`` if it cannot be read.

    On Linux the token is the boot id and the start time in clock ticks since boot
    (``/proc/<pid>/stat``), so a pid reused after the runner died, or after a reboot, gives a
    different token. Elsewhere there is no token and only the pid is checked.

    Parameters
    ----------
    pid : int
        Process id.

    Returns
    -------
    str or None

    Examples
    --------
    >>> process_start_token(os.getpid()) == process_start_token(os.getpid())
    True
    """
    stat = Path(f"/proc/{pid}/stat")
    try:
        text = stat.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    if text:
        # the command name (2nd field) may hold spaces and parentheses: split after the last ")"
        fields = text[text.rfind(")") + 2 :].split()
        try:
            boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
        except OSError:
            boot = ""
        return f"{boot}:{fields[19]}" if len(fields) > 19 else None
    return None


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class RunnerProcess:
    """The process running a report run, as recorded in ``status.json``.

    Attributes
    ----------
    pid : int
        Process id of the runner.
    host : str
        Host name the runner runs on.
    process_started : str or None
        :func:`process_start_token` of the runner (``None`` where it cannot be read).

    Examples
    --------
    >>> me = RunnerProcess.current()
    >>> me.is_alive()
    True
    >>> RunnerProcess(pid=0, host=me.host).is_alive()  # no such process
    False
    """

    pid: int
    host: str
    process_started: str | None = None

    @classmethod
    def current(cls) -> RunnerProcess:
        """Return the record of this process."""
        pid = os.getpid()
        return cls(pid=pid, host=socket.gethostname(), process_started=process_start_token(pid))

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> RunnerProcess | None:
        """Read the ``"runner"`` entry of ``status.json`` (``None`` if missing or malformed)."""
        if not isinstance(record, Mapping):
            return None
        pid = record.get("pid")
        host = record.get("host")
        started = record.get("process_started")
        if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(host, str):
            return None
        return cls(
            pid=pid, host=host, process_started=started if isinstance(started, str) else None
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready ``"runner"`` entry of ``status.json``."""
        return asdict(self)

    def is_alive(self) -> bool:
        """Whether this runner process still exists.

        A runner on another host is taken as alive (it cannot be checked from here). On this
        host the pid must exist and, where start tokens can be read, have the recorded one.

        Returns
        -------
        bool
        """
        if self.host != socket.gethostname():
            return True
        if not _pid_exists(self.pid):
            return False
        if self.process_started is None:
            return True
        now = process_start_token(self.pid)
        return now is None or now == self.process_started


def effective_state(status: Mapping[str, Any]) -> str:
    """Return the state a run is in: its recorded state, or ``"interrupted"`` if its runner is gone.

    A run recorded as ``"running"`` whose runner process no longer exists (see
    :class:`RunnerProcess`) is ``"interrupted"``. A running record without a runner entry (written
    by an older version) is left ``"running"``: nothing tells whether it still runs.

    Parameters
    ----------
    status : mapping
        The content of a run's ``status.json``.

    Returns
    -------
    str

    Examples
    --------
    >>> effective_state({"state": "finished"})
    'finished'
    >>> gone = {"pid": 0, "host": socket.gethostname(), "process_started": None}
    >>> effective_state({"state": "running", "runner": gone})
    'interrupted'
    """
    state = str(status.get("state", "unreadable"))
    if state != "running":
        return state
    runner = RunnerProcess.from_record(status.get("runner"))
    if runner is None or runner.is_alive():
        return state
    return "interrupted"
