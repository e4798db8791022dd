"""Read a table from a CSV or Parquet file (or a folder of Parquet files) by what it contains.

Every loader (transactions, members, the points ledger) reads its source here, so a file is read
the same way whichever table it holds:

* **Format and compression by content.** The first bytes decide: Parquet (``PAR1``), gzip,
  bzip2, zip, xz or zstd, else plain text. A plain CSV named ``.csv.gz`` is read as plain text,
  a gzip file named ``.csv`` is decompressed; either way a note says what the file really is.
  A file named ``.parquet`` that is not Parquet is refused.
* **A folder** of Parquet files is read as one dataset; any other folder is refused with a
  message listing what it holds.
* **CSV options**: ``delimiter`` (default ``","``, a tab for ``.tsv``), ``encoding`` (default
  UTF-8; a file that is not UTF-8 gets an error suggesting ``encoding: latin-1``). Values are
  read as text; numbers are parsed by the loaders (with their ``decimal`` and ``thousands``
  options).
* **The delimiter is sniffed** on the first lines before the file is read
  (:func:`sniff_delimiter`): when the delimiter in use leaves the header one column while
  another of ``,`` ``;`` tab ``|`` splits the header and the data lines into the same number of
  fields, the error suggests that ``delimiter`` (and ``decimal: ","`` when values such as
  ``12,50`` show a decimal comma), whatever the values hold.
* **A trailing delimiter on data rows only** (one more, empty, field than the header has) would
  make pandas take the first column as the index and shift every column by one; it is read with
  ``index_col=False`` instead and noted. A last field that is not empty is an error.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import LoadError

__all__ = ["RawTable", "read_table", "sniff_delimiter", "sniff_format"]

_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
_COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PAR1", "parquet"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"PK\x03\x04", "zip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_OTHER_DELIMITERS = {";": "a semicolon", "\t": "a tab", "|": "a vertical bar"}
_DELIMITER_WORDS = {",": "a comma", **_OTHER_DELIMITERS}
_SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 50
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(?:\.?\d{3})*,\d+\s*$")


@dataclass(frozen=True)
class RawTable:
    """A table as read, before any column is mapped or parsed.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every column of the source (CSV values as text).
    name : str
        The path, or ``"DataFrame"``.
    from_file : bool
        Read from a file (rows are then named by their line number in messages).
    notes : tuple of str
        What reading had to decide (the real format of a misnamed file, a trailing delimiter).
    """

    frame: pd.DataFrame
    name: str
    from_file: bool
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Rows, columns and notes as a two-column table (``metric``, ``value``)."""
        rows = [
            ("source", self.name),
            ("rows", len(self.frame)),
            ("columns", ", ".join(map(str, self.frame.columns))),
            ("notes", "; ".join(self.notes)),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def sniff_format(path: Path) -> str:
    """Return what a file holds from its first bytes: ``"parquet"``, a compression or ``"text"``.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    str
        ``"parquet"``, ``"gzip"``, ``"bz2"``, ``"zip"``, ``"xz"``, ``"zstd"`` or ``"text"``.
    """
    with path.open("rb") as handle:
        head = handle.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return "text"


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    what: str,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> RawTable:
    """Read a CSV/Parquet file, a folder of Parquet files or a DataFrame (see the module doc).

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        The table (a DataFrame is used as it is, not copied).
    what : str
        What the table is (``"transactions"``, ``"members"``), for messages.
    delimiter : str, optional
        CSV field separator; default ``","`` (a tab for ``.tsv``).
    encoding : str, optional
        CSV text encoding; default UTF-8.
    read_options : mapping, optional
        Extra keyword arguments of :func:`pandas.read_csv` / :func:`pandas.read_parquet`.

    Returns
    -------
    RawTable

    Raises
    ------
    loyaltylab.errors.DataValidationError
        A missing or empty file, a folder without Parquet files, an unreadable file; the message
        names the file and the option that fixes it.
    loyaltylab.errors.ParameterError
        ``source`` is neither a path nor a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> read_table(pd.DataFrame({"a": [1]}), "transactions").name
    'DataFrame'
    """
    if isinstance(source, pd.DataFrame):
        return RawTable(source, "DataFrame", False)
    if not isinstance(source, str | os.PathLike):
        raise ParameterError(
            f"parameter 'source' ({what}) must be a CSV/Parquet path or a DataFrame (a file path), "
            f"got {type(source).__name__}"
        )
    path = Path(source).expanduser()
    options = dict(read_options or {})
    if path.is_dir():
        return _read_folder(path, what, options)
    if not path.is_file():
        raise DataValidationError(f"{what} file not found: {path}")
    if path.stat().st_size == 0:
        raise DataValidationError(f"{what} file {path} is empty (0 bytes)")
    suffixes = [s.lower() for s in path.suffixes]
    named_compression = None
    while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        named_compression = named_compression or _COMPRESSION_SUFFIXES[suffixes[-1]]
        suffixes.pop()
    kind = suffixes[-1] if suffixes else ""
    content = sniff_format(path)
    notes: list[str] = []
    if content == "parquet":
        if kind not in _PARQUET_SUFFIXES:
            notes.append(f"{path.name} is a Parquet file (by its content): read as Parquet")
        return RawTable(_read_parquet(path, what, options), str(path), True, tuple(notes))
    if kind in _PARQUET_SUFFIXES:
        raise DataValidationError(
            f"{what} file {path} is named Parquet but is not a Parquet file (its content is "
            f"{'compressed ' + content if content != 'text' else 'text'}); rename it after what "
            "it holds (e.g. .csv) or write it again as Parquet"
        )
    if kind not in _CSV_SUFFIXES:
        raise ParameterError(
            f"cannot tell the format of {what} file {path}: use a .csv/.txt/.tsv "
            "(optionally compressed) or .parquet/.pq file"
        )
    compression = None if content == "text" else content
    if compression != named_compression:
        real = "plain text" if compression is None else f"{compression}-compressed"
        notes.append(f"{path.name} is {real} (by its content): read as such")
    sep = options.pop("sep", None) or delimiter or ("\t" if kind == ".tsv" else ",")
    options.setdefault("dtype", str)
    options.setdefault("keep_default_na", False)
    options.setdefault("na_values", [""])
    options["compression"] = compression
    head = _head_lines(path, compression, encoding)
    sniffed = sniff_delimiter(head, sep) if head else None
    if sniffed is not None:
        other, decimal_comma = sniffed
        words = _DELIMITER_WORDS[other]
        fix: dict[str, str] = {"delimiter": other}
        if decimal_comma:
            fix["decimal"] = ","
        raise LoadError(
            f"{what} file {path} read with delimiter {sep!r} has one column "
            f"{head[0][:60]!r}, but {words} ({other!r}) splits its header and data lines into "
            f"{len(next(csv.reader([head[0]], delimiter=other)))} columns alike, so the file "
            f"is probably separated by {words}"
            + (" with a decimal comma (values like 12,50)" if decimal_comma else ""),
            "to read it",
            fix,
        )
    if head and "names" not in options and options.get("header", 0) == 0:
        _check_header_names(head[0], sep, path, what)
    frame = _read_csv(path, what, sep, encoding, options, notes)
    frame = _strip_header_spaces(frame, path, notes)
    return RawTable(frame, str(path), True, tuple(notes))


def _check_header_names(header: str, sep: str, path: Path, what: str) -> None:
    """Refuse a header that names one column twice (pandas would rename the second ``X.1``)."""
    names = [name.strip().lstrip("\ufeff") for name in next(csv.reader([header], delimiter=sep))]
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name and name in seen:
            raise DataValidationError(
                f"{what} file {path}: the header names column {name!r} twice (fields "
                f"{seen[name]} and {position}), so it is not clear which one holds the data; "
                "rename one of them in the file"
            )
        seen.setdefault(name, position)


def _strip_header_spaces(frame: pd.DataFrame, path: Path, notes: list[str]) -> pd.DataFrame:
    """Strip spaces around header names (``"a , b"`` exports); the change is noted."""
    names = [str(name) for name in frame.columns]
    stripped = [name.strip() for name in names]
    if stripped == names or len(set(stripped)) != len(stripped):
        return frame
    changed = [name for name in names if name != name.strip()]
    notes.append(
        f"{path.name}: spaces around {len(changed)} header name(s) removed (e.g. {changed[0]!r})"
    )
    return frame.set_axis(stripped, axis=1)


def sniff_delimiter(lines: list[str], sep: str) -> tuple[str, bool] | None:
    """Return the delimiter a text really uses when ``sep`` leaves its header one column.

    A candidate (``,`` ``;`` tab ``|``) qualifies when it splits the header into two or more
    fields and at least 80 % of the data lines into the same number (or one more: a trailing
    delimiter); the one giving most fields wins.

    Parameters
    ----------
    lines : list of str
        The first lines of the file (header first), without line ends.
    sep : str
        The delimiter in use.

    Returns
    -------
    tuple of (str, bool) or None
        The delimiter and whether values show a decimal comma (``12,50``); ``None`` when
        ``sep`` already splits the header, or no candidate is consistent.

    Examples
    --------
    >>> sniff_delimiter(["id;day;amount", "1;2024-01-01;12,50"], ",")
    (';', True)
    >>> sniff_delimiter(["id,day,amount", "1,2024-01-01,12.50"], ",") is None
    True
    """
    lines = [line for line in lines if line.strip()]
    if not lines or len(_fields(lines[0], sep)) > 1:
        return None
    data = lines[1:]
    best: tuple[int, str] | None = None
    for other in _DELIMITER_WORDS:
        if other == sep:
            continue
        width = len(_fields(lines[0], other))
        if width < 2:
            continue
        if data:
            alike = sum(len(_fields(line, other)) in (width, width + 1) for line in data)
            if alike < 0.8 * len(data):
                continue
        if best is None or width > best[0]:
            best = (width, other)
    if best is None:
        return None
    other = best[1]
    decimal_comma = other != "," and any(
        _DECIMAL_COMMA.match(value) for line in data for value in _fields(line, other)
    )
    return other, decimal_comma


def _fields(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def _read_head(handle: IO[bytes] | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile) -> bytes:
    with handle:
        return handle.read(_SNIFF_BYTES)


def _head_lines(path: Path, compression: str | None, encoding: str | None) -> list[str]:
    """Return the first lines of a text file (decompressed); ``[]`` when they cannot be read."""
    try:
        if compression == "zip":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                data = archive.open(names[0]).read(_SNIFF_BYTES) if names else b""
        else:
            openers: dict[str | None, Callable[[Path], bytes]] = {
                None: lambda file: _read_head(file.open("rb")),
                "gzip": lambda file: _read_head(gzip.open(file, "rb")),
                "bz2": lambda file: _read_head(bz2.open(file, "rb")),
                "xz": lambda file: _read_head(lzma.open(file, "rb")),
            }
            opener = openers.get(compression)
            if opener is None:
                return []
            data = opener(path)
        text = data.decode(encoding or "utf-8", errors="replace")
    except Exception:  # the real read names the problem; sniffing is best effort
        return []
    lines = text.removeprefix("\ufeff").splitlines()
    if len(data) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    return lines[:_SNIFF_LINES]


def _read_folder(path: Path, what: str, options: dict[str, Any]) -> RawTable:
    parts = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    parquet = [p for p in parts if p.suffix.lower() in _PARQUET_SUFFIXES]
    if not parquet:
        shown = [p.name for p in parts[:5]]
        raise DataValidationError(
            f"{what} path {path} is a folder, not a file, and holds no Parquet files "
            f"({len(parts)} file(s){': ' + ', '.join(shown) if shown else ''}); give the path "
            "of a CSV or Parquet file (a folder is read only as a Parquet dataset)"
        )
    frame = _read_parquet(path, what, options)
    note = f"{path.name} is a folder: read as one Parquet dataset of {len(parquet)} file(s)"
    return RawTable(frame, str(path), True, (note,))


def _read_parquet(path: Path, what: str, options: dict[str, Any]) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, **options)
    except Exception as error:  # pyarrow raises several unrelated types
        raise DataValidationError(f"cannot read {what} Parquet file {path}: {error}") from None


def _read_csv(
    path: Path,
    what: str,
    sep: str,
    encoding: str | None,
    options: dict[str, Any],
    notes: list[str],
) -> pd.DataFrame:
    def read(**extra: Any) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            # with options unpacked the stubs cannot pick an overload; a whole-file read is a frame
            frame: pd.DataFrame = pd.read_csv(
                path, sep=sep, encoding=encoding or "utf-8", **options, **extra
            )
            return frame

    try:
        frame = read()
        if not isinstance(frame.index, pd.RangeIndex) and "index_col" not in options:
            frame = _trailing_delimiter(frame, path, what, sep, read, notes)
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"{what} file {path} is empty (no header)") from None
    except UnicodeDecodeError as error:
        raise LoadError(
            f"cannot read {what} file {path} as {encoding or 'UTF-8'} text ({error.reason} at "
            f"byte {error.start})",
            "if it was written by a spreadsheet or an older system",
            {"encoding": "latin-1"},
            ({"encoding": "cp1252"},),
        ) from None
    except LookupError as error:
        raise LoadError(
            f"unknown encoding for {what} file {path}: {error}", "use e.g.", {"encoding": "utf-8"}
        ) from None
    except pd.errors.ParserError as error:
        raise DataValidationError(_parser_problem(str(error), path, what, sep)) from None
    except (ValueError, OSError, EOFError) as error:
        raise DataValidationError(f"cannot read {what} CSV file {path}: {error}") from None
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        for other, words in _OTHER_DELIMITERS.items():
            if other != sep and other in header:
                raise LoadError(
                    f"{what} file {path} has one column {header[:60]!r}: its header holds "
                    f"{words} ({other!r}), so the file is probably separated by {words}",
                    "to read it",
                    {"delimiter": other},
                )
    return frame


def _parser_problem(message: str, path: Path, what: str, sep: str) -> str:
    """Word pandas' tokenizer error ("Expected 7 fields in line 4, saw 8") for a user."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found is None:
        return f"cannot read {what} CSV file {path}: {message.strip()}"
    expected, line, saw = (int(group) for group in found.groups())
    return (
        f"cannot read {what} CSV file {path}: line {line} has {saw} fields where the header "
        f"has {expected}. Usually a text field holds the delimiter {sep!r} without quotes "
        '(e.g. a country "Korea, Republic of" or an address), or the row has extra values. '
        "Export the file with quoted text fields (every CSV writer can), or fix that line; "
        "no row is skipped silently"
    )


def _trailing_delimiter(
    shifted: pd.DataFrame,
    path: Path,
    what: str,
    sep: str,
    read: Any,
    notes: list[str],
) -> pd.DataFrame:
    """Handle data rows with one more field than the header (pandas used column 1 as index)."""
    last = shifted.iloc[:, -1]
    filled = last.notna() & (last.astype(str).str.strip() != "")
    if filled.any():
        examples = [f"line {pos + 2}" for pos in filled.to_numpy().nonzero()[0][:5]]
        raise DataValidationError(
            f"{what} file {path}: data rows have more fields than the header names "
            f"({shifted.shape[1]} names); {int(filled.sum())} row(s) have a value in the extra "
            f"field (e.g. {', '.join(examples)}); add the missing name to the header"
        )
    notes.append(
        f"{path.name}: data rows end with a trailing delimiter ({sep!r}) that the header does "
        "not have; the empty last field was ignored"
    )
    frame: pd.DataFrame = read(index_col=False)
    return frame
