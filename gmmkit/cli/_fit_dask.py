"""``gmmkit fit`` through Dask: a folder of array files, or ``--scheduler``.

Dask is imported only here, inside the functions, so that the other commands
work without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..io import read_table
from ._app import CommandError
from ._files import QUANTILE_GRID, model_record, quiet_names
from ._fitting import EMSettings, fit_with_progress, save_and_show
from ._options import check_n_components, parse_n_components, wants_auto

#: Size of a block when one data file is cut into a Dask array: 64 MiB.
_BLOCK_BYTES = 64 << 20


def fit_dask(
    data: Path,
    output: Path,
    k: str,
    columns: str | None,
    standardize: bool,
    scheduler: str | None,
    em: EMSettings,
) -> None:
    """Fit DATA block by block through Dask, on a scheduler if given, and save.

    Parameters
    ----------
    data : Path
        A data file, or a folder of ``.npy`` or Parquet files.
    output : Path
        The model file.
    k : str
        ``-k``: a number of components (``auto`` is refused).
    columns : str or None
        ``--columns``.
    standardize : bool
        ``--standardize`` (refused).
    scheduler : str or None
        A scheduler address or ``local``; None computes in this process.
    em : EMSettings
    """
    from ..distributed import connect_scheduler, dask_module

    da = dask_module().array  # a clear message when Dask is missing
    n_components = _parse_dask_options(k, standardize)
    client = None if scheduler is None else connect_scheduler(scheduler)
    try:
        X, names = read_dask(data, columns)
        n = X.shape[0]
        check_n_components(n_components, n)
        model = fit_with_progress(X, n_components, em)
        model.feature_names_in_ = np.asarray(names, dtype=object)
        log_density = quiet_names(model.score_samples, X)
        # Dask's percentiles are approximate (merged per block), which is
        # plenty for an anomaly threshold.
        quantiles, mean_log_density = da.compute(
            da.percentile(log_density, 100 * QUANTILE_GRID), log_density.mean()
        )
        bic = quiet_names(model.bic, X)
    finally:
        if client is not None:
            client.close()
    save_and_show(
        model,
        output,
        model_record(names, data, n, quantiles),
        float(mean_log_density),
        float(bic),
        where=f" (Dask, {X.numblocks[0]} blocks)",
    )


def _parse_dask_options(k: str, standardize: bool) -> int:
    """The number of components; refuse what a Dask fit cannot do."""
    if wants_auto(k):
        raise CommandError(
            "-k auto is not available for a Dask fit (choosing K fits every "
            "candidate in memory); give -k K."
        )
    if standardize:
        raise CommandError(
            "--standardize is not available for a Dask fit; standardise the "
            "files first or fit in memory."
        )
    return parse_n_components(k, auto_allowed=False)


def read_dask(data: Path, columns: str | None) -> tuple[Any, list[str]]:
    """DATA as a Dask array and its column names: a folder, or one file.

    Parameters
    ----------
    data : Path
        A data file, or a folder of ``.npy`` or Parquet files.
    columns : str or None
        ``--columns``: names (Parquet) or 0-based positions.

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_features)
    names : list of str
    """
    from ..distributed import dask_module, read_array_folder

    da = dask_module().array
    if not data.is_dir():
        X, names = read_table(data, columns)
        rows = max(1, _BLOCK_BYTES // (8 * X.shape[1]))
        return da.from_array(X, chunks=(rows, -1)), names
    wanted = None if columns is None else [c.strip() for c in columns.split(",")]
    parquet = sorted(data.glob("*.parquet"))
    if parquet:
        X = read_array_folder(data, columns=wanted)
        if wanted is None:
            import pyarrow.parquet as pq

            wanted = list(pq.read_schema(parquet[0]).names)[: X.shape[1]]
        return X, wanted
    X = read_array_folder(data)
    return _pick_npy_columns(X, columns, wanted)


def _pick_npy_columns(
    X: Any, columns: str | None, wanted: list[str] | None
) -> tuple[Any, list[str]]:
    """``--columns`` of ``.npy`` files: positions, named ``x0``, ``x1``, ..."""
    names = [f"x{i}" for i in range(X.shape[1])]
    if wanted is None:
        return X, names
    try:
        picked = [int(c) for c in wanted]
    except ValueError:
        raise CommandError(
            f"--columns {columns!r}: .npy files have no column names; choose "
            "columns by 0-based position, e.g. 0,2."
        ) from None
    bad = [c for c in picked if not 0 <= c < X.shape[1]]
    if bad:
        raise CommandError(
            f"--columns {columns!r}: the files hold {X.shape[1]} columns "
            f"(0..{X.shape[1] - 1}); there is no column {bad[0]}."
        )
    return X[:, picked], [names[c] for c in picked]
