"""A folder of ``.npy`` or Parquet files as one lazy Dask array."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._validation.dask import dask_module

#: Largest block :func:`read_array_folder` makes (bytes), unless told.
DEFAULT_BLOCK_BYTES = 64 << 20

if TYPE_CHECKING:  # pragma: no cover
    import dask.array


def _load_npy_rows(path: str, start: int, stop: int) -> np.ndarray:
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    rows = np.array(array[start:stop])
    return rows.reshape(len(rows), -1) if rows.ndim == 1 else rows


def _load_parquet_rows(path: str, row_group: int, columns: list[str]) -> np.ndarray:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(row_group, columns=columns)
    return np.column_stack(
        [table.column(c).to_numpy(zero_copy_only=False) for c in columns]
    ).astype(np.float64)


def read_array_folder(
    path: str | os.PathLike,
    *,
    columns: Sequence[str] | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> dask.array.Array:
    """Read a folder of ``.npy`` or Parquet files as one lazy Dask array.

    Files are taken in name order and stacked by rows; nothing is read but
    their headers (``.npy``) or footers (Parquet) until computed, and every
    block's row count is known. ``.npy`` files are cut into blocks of at most
    ``block_bytes``; a Parquet file gives one block per row group.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``*.npy`` files (each 2-D, same number of columns
        and dtype) or ``*.parquet`` files (same numeric columns).
    columns : sequence of str, optional
        Parquet columns to read (default: all, which must be numeric).
    block_bytes : int, default=64 MiB
        Largest block cut from a ``.npy`` file.

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        When the folder is missing or empty, mixes formats, or its files do
        not agree on columns or dtype; the message names the file.
    """
    da = dask_module().array
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"{str(folder)!r} is not a folder.")
    npy = sorted(folder.glob("*.npy"))
    parquet = sorted(folder.glob("*.parquet"))
    if npy and parquet:
        raise ValueError(
            f"{str(folder)!r} mixes .npy and .parquet files; keep one format per "
            "folder."
        )
    if not npy and not parquet:
        raise ValueError(f"{str(folder)!r} holds no .npy or .parquet files.")
    if npy:
        return _npy_array(da, npy, block_bytes)
    return _parquet_array(da, parquet, columns)


def _npy_array(da, files: list[Path], block_bytes: int):
    dask = dask_module()
    pieces, first = [], None
    for file in files:
        try:
            header = np.load(file, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as error:
            raise ValueError(f"Cannot read {str(file)!r} as .npy: {error}") from None
        shape = header.shape if header.ndim == 2 else (header.shape[0], 1)
        if header.ndim not in (1, 2):
            raise ValueError(f"{str(file)!r} holds a {header.ndim}-D array; need 2-D.")
        if first is None:
            first = (file, shape[1], header.dtype)
        elif (shape[1], header.dtype) != first[1:]:
            raise ValueError(
                f"{str(file)!r} has {shape[1]} columns of {header.dtype}, but "
                f"{str(first[0])!r} has {first[1]} of {first[2]}; all files must agree."
            )
        rows = max(1, block_bytes // max(1, shape[1] * header.itemsize))
        for start in range(0, shape[0], rows):
            stop = min(start + rows, shape[0])
            load = dask.delayed(_load_npy_rows, pure=True)(str(file), start, stop)
            pieces.append(
                da.from_delayed(
                    load, shape=(stop - start, shape[1]), dtype=header.dtype
                )
            )
    return da.concatenate(pieces, axis=0)


def _parquet_array(da, files: list[Path], columns: Sequence[str] | None):
    import pyarrow.parquet as pq

    dask = dask_module()
    pieces, names = [], None
    for file in files:
        try:
            meta = pq.ParquetFile(file)
        except Exception as error:
            raise ValueError(f"Cannot read {str(file)!r} as Parquet: {error}") from None
        schema = meta.schema_arrow
        wanted = list(columns) if columns is not None else list(schema.names)
        missing = [c for c in wanted if c not in schema.names]
        if missing:
            raise ValueError(f"{str(file)!r} has no column(s) {missing}.")
        bad = [c for c in wanted if not _is_numeric_arrow(schema.field(c).type)]
        if bad:
            raise ValueError(
                f"{str(file)!r} has non-numeric column(s) {bad}; pass columns= "
                "with the numeric ones, or encode them first."
            )
        if names is None:
            names = wanted
        elif wanted != names:
            raise ValueError(
                f"{str(file)!r} has columns {wanted}, but the first file has "
                f"{names}; all files must agree."
            )
        for group in range(meta.num_row_groups):
            n_rows = meta.metadata.row_group(group).num_rows
            if n_rows == 0:
                continue
            load = dask.delayed(_load_parquet_rows, pure=True)(str(file), group, names)
            pieces.append(
                da.from_delayed(load, shape=(n_rows, len(names)), dtype=np.float64)
            )
    if not pieces:
        raise ValueError("The Parquet files hold no rows.")
    return da.concatenate(pieces, axis=0)


def _is_numeric_arrow(data_type) -> bool:
    """Whether a pyarrow type holds numbers gmmkit can model."""
    import pyarrow.types as pat

    return pat.is_integer(data_type) or pat.is_floating(data_type)
