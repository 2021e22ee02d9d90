"""Reading data files into a numeric matrix, with errors that point at the cell.

:func:`read_table` reads delimited text (CSV, TSV, semicolon- or
whitespace-separated, optionally gzipped), Parquet and NumPy ``.npy`` files.
Text files have their delimiter and header detected; a leading column of row
labels (as R's ``write.table`` and pandas' ``to_csv`` write) is recognised and
dropped. Every problem is raised as a :class:`~gmmkit.exceptions.DataError`
whose one-line message names the file, the line and the column.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shlex
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import DataError

__all__ = [
    "atomic_path",
    "atomic_write",
    "check_folder",
    "read_table",
    "table_csv",
    "write_table",
]

#: Delimiters tried, in order of preference, before falling back to whitespace.
DELIMITERS = (",", "\t", ";", "|")
#: Lines looked at to detect the delimiter and the header.
SAMPLE_LINES = 50
#: Cell values read as a missing value.
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "?"})

Columns = str | Sequence[str | int] | None


def read_table(
    path: str | Path, columns: Columns = None, *, prefer: Sequence[str] | None = None
) -> tuple[np.ndarray, list]:
    r"""Read a numeric table from a data file.

    The format follows the file's suffix: ``.npy`` (read with
    ``allow_pickle=False``), ``.parquet``/``.pq`` (needs pandas and pyarrow:
    ``pip install gmmkit[parquet]``), anything else as delimited text
    (``.gz`` is decompressed first).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : str, sequence of str or int, optional
        Columns to keep, in this order: names from the header, or 0-based
        positions (after any row-label column). A string is split on commas,
        so ``"a,b"`` and ``"0,2"`` work. Default: every column, which must
        then all be numeric.
    prefer : sequence of str, optional
        Used when ``columns`` is None, e.g. the columns a model was fitted
        on: if the file has every one of these column names, just those are
        read, in this order (from a file that may have more). If the file
        has column names (a header, or Parquet) but lacks some of these,
        that is an error naming them, since reading other columns in their
        place would be silently wrong. A file without column names (no
        header, or ``.npy``) gives every column, to be matched by position
        by the caller; so do ``prefer`` names that are only positions
        (``x0, x1, ...``, what gmmkit names columns of such files).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    names : list of str
        Column names; ``x0, x1, ...`` when the file has none.

    Raises
    ------
    DataError
        Missing, unreadable or empty file; ragged row; non-numeric or missing
        value; unknown column; a named file lacking a ``prefer`` column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "d.csv").write_text("a,b,c\n1,2,x\n3,4,y\n")
    >>> X, names = read_table(folder / "d.csv", columns="a,b")
    >>> X.tolist(), names
    ([[1.0, 2.0], [3.0, 4.0]], ['a', 'b'])
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a data file.")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        X, names = _read_npy(path)
        return _choose(X, names, columns, path, prefer, named=False)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path, columns, prefer)
    return _read_text(path, columns, prefer)


# ------------------------------------------------------------------- columns
def parse_columns(columns: Columns) -> list[str | int] | None:
    """Normalise a column choice: ``"a,b"`` -> ``["a", "b"]``; None stays None.

    Parameters
    ----------
    columns : str, sequence of str or int, or None

    Returns
    -------
    columns : list of str or int, or None
    """
    if columns is None:
        return None
    items = columns.split(",") if isinstance(columns, str) else list(columns)
    items = [c.strip() if isinstance(c, str) else c for c in items]
    if not items or any(c == "" for c in items):
        raise DataError(
            f"--columns {columns!r} has an empty entry; give names or 0-based "
            "positions separated by commas, e.g. 'a,b' or '0,2'."
        )
    return items


_POSITION_NAME = re.compile(r"x\d+")


def _resolve(
    columns: Columns,
    names: list[str],
    path: Path,
    prefer: Sequence[str] | None = None,
    named: bool = True,
) -> list[int] | None:
    """Positions of the chosen columns: names first, then 0-based positions.

    ``named`` says whether ``names`` came from the file (a header) rather
    than being made up as ``x0, x1, ...``.
    """
    if columns is None and prefer is not None:
        prefer = [str(p) for p in prefer]
        if set(prefer) <= set(names):
            columns = prefer
        elif named and not all(_POSITION_NAME.fullmatch(p) for p in prefer):
            missing = ", ".join(repr(p) for p in prefer if p not in names)
            raise DataError(
                f"{path} has no column(s) named {missing} (the columns asked for are "
                f"{', '.join(prefer)}; the file has "
                f"{', '.join(repr(n) for n in names)}); rename the file's columns "
                f"to match, or pass --columns to choose {len(prefer)} columns "
                "explicitly (by name or 0-based position, in that order)."
            )
    items = parse_columns(columns)
    if items is None:
        return None
    available = ", ".join(repr(n) for n in names)
    positions = []
    for item in items:
        if isinstance(item, str) and item in names:
            positions.append(names.index(item))
            continue
        try:
            position = int(item)
        except (TypeError, ValueError):
            raise DataError(
                f"{path} has no column {item!r}; available: {available}."
            ) from None
        if not 0 <= position < len(names):
            raise DataError(
                f"{path}: column position {position} is out of range; the file has "
                f"{len(names)} columns (0 to {len(names) - 1}): {available}."
            )
        positions.append(position)
    seen = set()
    for position in positions:
        if position in seen:
            raise DataError(f"{path}: column {names[position]!r} is chosen twice.")
        seen.add(position)
    return positions


def _choose(
    X, names, columns, path, prefer, named=True
) -> tuple[np.ndarray, list[str]]:
    positions = _resolve(columns, names, path, prefer, named)
    if positions is not None:
        X, names = X[:, positions], [names[j] for j in positions]
    _check_finite(X, names, path, lambda i: "")
    return np.ascontiguousarray(X, dtype=np.float64), names


def _check_finite(X: np.ndarray, names: list[str], path: Path, where) -> None:
    bad = ~np.isfinite(X)
    if not bad.any():
        return
    i, j = np.argwhere(bad)[0]
    kind = "missing value (NaN)" if np.isnan(X[i, j]) else "infinite value"
    count = int(bad.sum())
    more = f" ({count} such cells in all)" if count > 1 else ""
    raise DataError(
        f"{path}: {kind} at {where(i) or f'row {i} (counting from 0)'}, column "
        f"{names[j]!r}{more}; drop or fill in those rows first."
    )


# ---------------------------------------------------------------- npy, parquet
def _read_npy(path: Path) -> tuple[np.ndarray, list[str]]:
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(
                f"{path} holds Python objects; gmmkit reads only numeric .npy "
                "arrays (never unpickles)."
            ) from None
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    except (OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    if array.dtype.kind not in "biuf":
        raise DataError(
            f"{path} holds {array.dtype} values; gmmkit needs a numeric array."
        )
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise DataError(
            f"{path} holds a {array.ndim}-D array of shape {array.shape}; gmmkit "
            "needs a 2-D table (rows x columns)."
        )
    if array.size == 0:
        raise DataError(f"{path} is empty (shape {array.shape}).")
    return array.astype(np.float64), [f"x{j}" for j in range(array.shape[1])]


def _read_parquet(path: Path, columns: Columns, prefer) -> tuple[np.ndarray, list]:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (pandas' Parquet engine)
    except ImportError:
        raise DataError(
            f"reading {path.name} needs pandas and pyarrow: "
            "pip install 'gmmkit[parquet]'."
        ) from None
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several unrelated types
        raise DataError(f"{path} is not a readable Parquet file ({error}).") from None
    names = [str(c) for c in frame.columns]
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"{path} is empty ({frame.shape[0]} rows).")
    positions = _resolve(columns, names, path, prefer, named=True)
    if positions is not None:
        frame = frame.iloc[:, positions]
        names = [names[j] for j in positions]
    bad = [
        f"{name!r} ({dtype})"
        for name, dtype in zip(names, frame.dtypes, strict=True)
        if getattr(dtype, "kind", "O") not in "biuf"
    ]
    if bad:
        raise DataError(
            f"{path}: non-numeric column(s) {', '.join(bad)}; choose numeric "
            "columns with --columns."
        )
    X = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return _choose(X, names, None, path, None)


# ------------------------------------------------------------------------ text
def _open_text(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path} cannot be read ({error}).") from None
    if b"\0" in raw[:8192]:
        raise DataError(
            f"{path} is a binary file, not text; gmmkit reads CSV/text, .npy and "
            "Parquet (.parquet) files."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8."
        ) from None
    return text.splitlines()


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return field.strip().lower() in MISSING
    return True


def _splitter(sample: list[str]) -> tuple[Any, str | None]:
    """A function splitting one line into fields, and the detected delimiter.

    A delimiter is viable when it splits most lines below the first (a
    header, perhaps) into the same number, at least two, of fields. Of the
    viable ones, the first that splits the first line into that number too
    is taken (``3,6;79`` splits on ``,`` as well as ``;``, but only ``;``
    splits the header ``eruptions;waiting``); failing that the first viable
    one (a header one field short: row labels); failing that whitespace.
    """
    body = sample[1:] or sample
    viable = []
    for delimiter in DELIMITERS:
        counts = [len(_split_delimited(line, delimiter)) for line in body]
        mode = max(set(counts), key=counts.count)
        if mode >= 2 and counts.count(mode) > len(counts) / 2:
            viable.append((delimiter, mode))
    if not viable:
        return _split_whitespace, None
    header_count = {d: len(_split_delimited(sample[0], d)) for d, _ in viable}
    alike = [d for d, mode in viable if header_count[d] == mode]
    if len(alike) > 1:  # e.g. no header: the one that gives numbers wins
        delimiter = max(alike, key=lambda d: _numeric_share(body, d))
    else:
        delimiter = alike[0] if alike else viable[0][0]
    return (lambda line: _split_delimited(line, delimiter)), delimiter


def _numeric_share(lines: list[str], delimiter: str) -> float:
    """Share of the fields that are numbers (decimal commas too, after ``;``)."""
    fields = [f.strip() for line in lines for f in _split_delimited(line, delimiter)]
    numeric = sum(
        _is_number(f) or (delimiter == ";" and bool(_DECIMAL_COMMA.fullmatch(f)))
        for f in fields
    )
    return numeric / max(len(fields), 1)


#: A number written with a decimal comma, such as ``3,6`` or ``-0,25e3``.
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


def _decimal_commas(split, sample: list[str]) -> bool:
    """Whether a ``;``-separated sample writes numbers with decimal commas."""
    return any(
        _DECIMAL_COMMA.fullmatch(field.strip())
        for line in sample
        for field in split(line)
    )


def _with_decimal_points(split):
    """``split``, turning fields like ``3,6`` into ``3.6`` (others unchanged)."""

    def converted(line: str) -> list[str]:
        return [
            f.replace(",", ".") if _DECIMAL_COMMA.fullmatch(f.strip()) else f
            for f in split(line)
        ]

    return converted


def _split_delimited(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


_QUOTE = re.compile(r"[\"']")


def _split_whitespace(line: str) -> list[str]:
    if _QUOTE.search(line):
        try:
            return shlex.split(line, posix=True)
        except ValueError:
            pass
    return line.split()


def _read_text(path: Path, columns: Columns, prefer) -> tuple[np.ndarray, list[str]]:
    lines = _open_text(path)
    # (line number, text) of the lines that hold data; '#' starts a comment line.
    content = [
        (number, line)
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not content:
        raise DataError(f"{path} is empty.")
    sample = [line for _, line in content[:SAMPLE_LINES]]
    split, delimiter = _splitter(sample)
    if delimiter == ";" and _decimal_commas(split, sample):
        split = _with_decimal_points(split)  # as R's read.csv2 reads them
    first = [f.strip() for f in split(content[0][1])]
    second = [f.strip() for f in split(content[1][1])] if len(content) > 1 else None
    has_header = _has_header(first, second)
    body = content[1:] if has_header else content
    if not body:
        raise DataError(f"{path} has a header but no data rows.")
    counts = [len(split(line)) for _, line in body[:SAMPLE_LINES]]
    n_fields = max(sorted(set(counts)), key=counts.count)  # the usual row length
    row_labels = False
    if has_header:
        header = first
        # A header one field short means row labels, unless the header line
        # holds another delimiter (then the delimiter guess is what's wrong).
        other = [d for d in DELIMITERS if d != delimiter and d in content[0][1]]
        if (len(header) == n_fields - 1 and not other) or (
            len(header) == n_fields and header[0] == "" and n_fields > 1
        ):
            row_labels = True  # R's write.table / pandas' to_csv index column
            header = header[-(n_fields - 1) :]
        elif len(header) != n_fields:
            hint = (
                f"; the header holds {other[0]!r}: use one delimiter throughout"
                if other
                else ""
            )
            raise DataError(
                f"{path}: line {body[0][0]} has {n_fields} fields but the header "
                f"(line {content[0][0]}) has {len(header)}{hint}."
            )
        names = [h if h else f"x{j}" for j, h in enumerate(header)]
    else:
        names = [f"x{j}" for j in range(n_fields)]
    skip = 1 if row_labels else 0
    positions = _resolve(columns, names, path, prefer, named=has_header)
    chosen = list(range(len(names))) if positions is None else positions
    X = _parse_rows(path, body, split, n_fields, skip, names, chosen, positions)
    line_of = [number for number, _ in body]
    chosen_names = [names[j] for j in chosen]
    _check_finite(X, chosen_names, path, lambda i: f"line {line_of[i]}")
    return X, chosen_names


def _has_header(first: list[str], second: list[str] | None) -> bool:
    """A header when the first row is text where the data below are numbers."""
    first_numeric = [_is_number(f) for f in first]
    if all(first_numeric):
        return False
    if not any(first_numeric) or second is None:
        return True
    offset = len(second) - len(first)  # a header one short: row labels
    return any(
        not numeric and _is_number(second[j + offset])
        for j, numeric in enumerate(first_numeric)
        if 0 <= j + offset < len(second)
    )


def _parse_rows(path, body, split, n_fields, skip, names, chosen, columns):
    """Numbers of the chosen columns; on trouble, find the exact line and cell."""
    rows: list[list[str]] = []
    for number, line in body:
        fields = split(line)
        if len(fields) != n_fields:
            raise DataError(
                f"{path}: line {number} has {len(fields)} fields, expected "
                f"{n_fields} like the other rows; is a value missing, or a delimiter "
                "inside an unquoted value?"
            )
        rows.append([fields[skip + j] for j in chosen])
    try:
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(chosen))
    except ValueError:
        pass
    # Slow path, only to say exactly what is wrong.
    non_numeric = [j for j in range(len(chosen)) if not _is_number(rows[0][j].strip())]
    if non_numeric and columns is None:
        listing = ", ".join(
            f"{names[chosen[j]]!r} (e.g. {rows[0][j].strip()!r})" for j in non_numeric
        )
        numeric = [names[chosen[j]] for j in range(len(chosen)) if j not in non_numeric]
        hint = (
            f"choose numeric columns, e.g. --columns {','.join(numeric)}"
            if numeric
            else "gmmkit models numbers only"
        )
        raise DataError(
            f"{path}: non-numeric column(s) {listing}; {hint}"
            f"{_decimal_comma_hint(rows[0][j] for j in non_numeric)}."
        )
    values = np.empty((len(rows), len(chosen)))
    for i, row in enumerate(rows):
        for j, field in enumerate(row):
            text = field.strip()
            if text.lower() in MISSING:
                values[i, j] = np.nan
                continue
            try:
                values[i, j] = float(text)
            except ValueError:
                raise DataError(
                    f"{path}: non-numeric value {text!r} at line {body[i][0]}, "
                    f"column {names[chosen[j]]!r}{_decimal_comma_hint([text])}."
                ) from None
    return values


def _decimal_comma_hint(fields) -> str:
    """Advice when a value that failed to parse is a number with a decimal comma."""
    for field in fields:
        if _DECIMAL_COMMA.fullmatch(field.strip()):
            return (
                f"; values like {field.strip()!r} look like decimal commas: use '.' "
                "as the decimal point (or ';' between columns, which gmmkit reads "
                "with decimal commas)"
            )
    return ""


def write_table(path: str | Path, columns: dict[str, Any]) -> None:
    """Write named columns as a CSV file with a header row, atomically.

    Parameters
    ----------
    path : str or Path
    columns : dict of str to array-like of shape (n_rows,)
        Column name to values. Integer and boolean columns are written as
        integers, floats in their shortest form that reads back exactly.
    """
    atomic_write(Path(path), table_csv(columns).encode("utf-8"))


def table_csv(columns: dict[str, Any]) -> str:
    """The CSV text :func:`write_table` writes: a header row, then the rows.

    Parameters
    ----------
    columns : dict of str to array-like of shape (n_rows,)

    Returns
    -------
    text : str
    """
    arrays = [np.asarray(v) for v in columns.values()]
    cells = [
        a.astype(np.int64).astype(str) if a.dtype.kind in "biu" else _shortest(a)
        for a in arrays
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(columns))
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()


def _shortest(values: np.ndarray) -> list[str]:
    return [repr(v) for v in values.astype(np.float64).tolist()]


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary file next to ``path`` that replaces ``path`` on success.

    Write to the yielded path inside the ``with`` block; when the block ends
    normally the file gets the usual permissions and is moved onto ``path``
    in one step, so readers see the old file or the new one, never a part.
    If the block raises, the temporary file is removed and ``path`` is left
    as it was.

    Parameters
    ----------
    path : str or path
        The file to (re)place; its folder must exist.
    suffix : str, default=".tmp"
        End of the temporary file's name, for writers that choose the format
        from it.

    Yields
    ------
    temporary : Path

    Raises
    ------
    OSError
        With a one-line message, if the folder does not exist or cannot be
        written; nothing is left behind.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise OSError(f"cannot write {path}: folder {folder} does not exist.")
    if not folder.is_dir():
        raise OSError(f"cannot write {path}: {folder} is a file, not a folder.")
    if path.is_dir():
        raise OSError(f"cannot write {path}: it is a folder.")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{path.name}.", suffix=suffix
        )
    except OSError as error:
        raise OSError(f"cannot write {path}: {error.strerror}.") from None
    os.close(handle)
    try:
        yield Path(temporary)
        # mkstemp makes the file private (0600); give it the usual permissions.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(f"cannot write {path}: {error.strerror or error}.") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_path`.

    Parameters
    ----------
    path : str or path
    data : bytes

    Raises
    ------
    OSError
        With a one-line message, if the folder does not exist or cannot be
        written; nothing is left behind.
    """
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def check_folder(folder: str | os.PathLike) -> None:
    """Check that ``folder`` is, or can be made, a writable folder.

    Nothing is left behind: missing folders are created to be sure, then
    removed again, so a command can check its output before any work and
    create it only when it has something to write.

    Parameters
    ----------
    folder : str or path

    Raises
    ------
    OSError
        With a one-line message: ``folder`` is a file, cannot be created, or
        cannot be written.
    """
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise OSError(f"{folder} is a file, not a folder.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OSError(f"the folder {folder} is not writable.")
        return
    created = []
    missing = folder
    while not missing.exists() and missing != missing.parent:
        created.append(missing)
        missing = missing.parent
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise OSError(
            f"cannot create the folder {folder} ({error.strerror or error})."
        ) from None
    for path in created:  # deepest first
        path.rmdir()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
