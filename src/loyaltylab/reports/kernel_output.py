"""The error output of a report's kernel: captured per report, noise left out, errors kept.

A kernel started by papermill writes its own log to the runner's terminal: on every start the
warning "Kernel is running over TCP without encryption" and, when it is shut down (the shutdown
interrupts it first), "KeyboardInterrupt caught in kernel". Neither says anything about the
report. :func:`capturing_kernel_manager` gives papermill a kernel manager that sends the
kernel's stderr to a file; :func:`filter_kernel_noise` drops the known noise lines, and
everything else (a crash at start-up, a library writing to the process's stderr) stays visible:
the runner prints it, named by report, and keeps it in ``<name>.kernel.log`` of the run folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

__all__ = ["KERNEL_NOISE", "capturing_kernel_manager", "filter_kernel_noise"]

KERNEL_NOISE: tuple[re.Pattern[str], ...] = (
    re.compile(r"Kernel is running over TCP without encryption"),
    re.compile(r"KeyboardInterrupt caught in kernel"),
    # debugpy on Python >= 3.11, printed by the kernel at start-up
    re.compile(
        r"^\d+\.\d+s - (Debugger warning: It seems that frozen modules|make the debugger "
        r"miss breakpoints|to python to disable frozen modules|Note: Debugging will "
        r"proceed|-Xfrozen_modules=off|PYDEVD_DISABLE_FILE_VALIDATION)"
    ),
)
"""Lines of a kernel's stderr that are left out of the runner's output (one pattern per kind)."""


def filter_kernel_noise(text: str) -> str:
    r"""Return ``text`` without the lines that match :data:`KERNEL_NOISE`.

    Parameters
    ----------
    text : str
        What a kernel wrote to its stderr.

    Returns
    -------
    str
        The remaining lines (``""`` when only noise was written).

    Examples
    --------
    >>> log = (
    ...     "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. ...\n"
    ...     "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
    ...     "Fatal Python error: Segmentation fault\n"
    ... )
    >>> filter_kernel_noise(log)
    'Fatal Python error: Segmentation fault'
    """
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and not any(pattern.search(line) for pattern in KERNEL_NOISE)
    ]
    return "\n".join(kept)


def capturing_kernel_manager(
    stderr_path: str | Path, env: Mapping[str, str] | None = None
) -> type[AsyncKernelManager]:
    """Return a kernel manager class whose kernels append their stderr to ``stderr_path``.

    Pass it to papermill as ``kernel_manager_class``; nbclient creates, starts and shuts down the
    kernel as usual.

    Parameters
    ----------
    stderr_path : str or pathlib.Path
        File the kernel's stderr is appended to (created if missing).
    env : mapping, optional
        Environment variables added to the kernel's environment (the run's currency).

    Returns
    -------
    type
        A subclass of :class:`jupyter_client.manager.AsyncKernelManager`.
    """
    path = Path(stderr_path)

    class CapturingKernelManager(AsyncKernelManager):
        """A kernel manager that sends the kernel's stderr to a file."""

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            with open(path, "ab") as handle:  # the kernel process holds its own copy
                kw["stderr"] = handle
                if env:
                    kw["env"] = {**(kw.get("env") or os.environ), **env}
                await super()._async_launch_kernel(kernel_cmd, **kw)

    return CapturingKernelManager
