"""Writing files so that a reader never sees half of one and a failed write loses nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic"]


def write_text_atomic(path: str | os.PathLike[str], text: str, *, mode: int = 0o644) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    The earlier content of ``path`` stays intact until the new content is complete, and the file
    gets ordinary read permissions (``mode``), so a web server can publish report folders.

    Parameters
    ----------
    path : path-like
        Destination file; its folder must exist.
    text : str
        Content, written as UTF-8.
    mode : int, default 0o644
        Permission bits of the written file.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    target = Path(path)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
