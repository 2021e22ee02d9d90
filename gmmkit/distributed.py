"""EM on Dask arrays: block-wise E-steps, tree-reduced statistics, M-step here.

Each EM iteration maps :func:`gmmkit.engine.e_step` over the row blocks of a
``dask.array.Array`` and adds the resulting :class:`~gmmkit.stats.SuffStats`
pairwise in a tree (``split_every`` at a time) until one remains; the M-step
then runs in the calling process on those few numbers. Every block is
evaluated under the same parameters, so all blocks' statistics share one
shift and merge exactly: a Dask fit equals the in-memory fit from the same
start up to the order of floating-point additions.

Only the parameters travel to the workers and only statistics travel back:
per block and iteration, ``K * (1 + d + d**2)`` numbers or fewer, whatever
the block's row count. The data stay where Dask keeps them (a worker's
memory if persisted, otherwise re-read from their source each iteration), so
datasets larger than the cluster's memory fit block by block.

Computations run on the active ``dask.distributed`` client when there is
one, otherwise on Dask's default local scheduler. Dask is an optional
dependency (``pip install 'gmmkit[dask]'``): it is imported only when Dask
input reaches this module, and :func:`is_dask_collection` recognises Dask
objects without importing it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import _is_dask
from .engine import MixtureParams, e_step
from .init import initial_params as _initial_params
from .stats import SuffStats

if TYPE_CHECKING:  # pragma: no cover
    import dask.array
    import distributed

#: Rows drawn from a Dask array to compute EM's starting point (k-means,
#: k-means++, ... run on this in-memory sample, never on the whole array).
INIT_SAMPLE_SIZE = 20_000
#: Statistics added per task of the reduction tree.
SPLIT_EVERY = 8
#: Seconds :func:`connect_scheduler` waits for a scheduler to answer.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Largest block :func:`read_array_folder` makes (bytes), unless told.
DEFAULT_BLOCK_BYTES = 64 << 20

_INSTALL_HINT = "Install the optional extra: pip install 'gmmkit[dask]'."


def is_dask_collection(X: Any) -> bool:
    """Whether ``X`` is a Dask array or DataFrame, without importing Dask."""
    return _is_dask(X)


def _dask():
    try:
        import dask
        import dask.array
    except ImportError as error:  # pragma: no cover - dask is in the test env
        raise ImportError(f"Dask input needs dask. {_INSTALL_HINT}") from error
    return dask


# --------------------------------------------------------------- validation
def check_dask_data(
    X: Any, *, name: str = "X", min_samples: int = 1
) -> tuple[dask.array.Array, np.ndarray | None]:
    """Validate a Dask array (or DataFrame) for EM, lazily.

    Shape, chunk sizes and dtype are checked here; NaN and infinity can
    only be seen by reading the data, so each block task checks its own
    rows and names them (see :func:`block_e_step`).

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
        Data of shape (n_samples, n_features).
    name : str, default="X"
    min_samples : int, default=1

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_features)
        float64 or float32, one block across the columns.
    feature_names : ndarray of str or None
        Column names of a DataFrame with string columns.
    """
    dask = _dask()
    da = dask.array
    names = None
    if hasattr(X, "columns") and not hasattr(X, "chunks"):  # a Dask DataFrame
        columns = list(X.columns)
        if columns and all(isinstance(c, str) for c in columns):
            names = np.asarray(columns, dtype=object)
        # pandas extension dtypes (strings, categories) have kind "O".
        kinds = {c: getattr(dt, "kind", "O") for c, dt in X.dtypes.items()}
        bad = [str(c) for c, kind in kinds.items() if kind not in "biuf"]
        if bad:
            raise ValueError(
                f"{name} has non-numeric column(s) {bad}; gmmkit models numbers "
                "only. Drop these columns, or encode them numerically first."
            )
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array, got {type(X).__name__}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D Dask array of shape (n_samples, n_features), got "
            f"{X.ndim} dimension(s) with shape {X.shape}."
        )
    if any(np.isnan(size) for size in X.chunks[0] + X.chunks[1]):
        raise ValueError(
            f"{name} is a Dask array with unknown chunk sizes (as after boolean "
            "indexing or DataFrame.values); gmmkit needs each block's row count "
            f"to place its rows. Call {name} = {name}.compute_chunk_sizes() first, "
            "or build it with known lengths (DataFrame.to_dask_array(lengths=True))."
        )
    kind = X.dtype.kind
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {X.dtype}. Pass real "
            "and imaginary parts as separate columns."
        )
    if kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}.")
    if X.dtype not in (np.float64, np.float32):
        X = X.astype(np.float64)
    n_samples, n_features = X.shape
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={X.shape}) while a "
            f"minimum of {min_samples} is required. {name} is empty or too small."
        )
    if n_features < 1:
        raise ValueError(f"{name} has no features (shape={X.shape}).")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X, names


def check_dask_weights(sample_weight: Any, X: dask.array.Array):
    """Sample weights as a Dask array blocked like ``X``'s rows, or None.

    Signs and finiteness are checked block by block as the weights are read.
    """
    if sample_weight is None:
        return None
    da = _dask().array
    if np.isscalar(sample_weight):
        if not np.isfinite(sample_weight) or sample_weight <= 0:
            raise ValueError(
                f"sample_weight must be positive and finite, got {sample_weight!r}."
            )
        return None  # a constant weight does not change the fit
    if not isinstance(sample_weight, da.Array):
        sample_weight = np.asarray(sample_weight)
        if sample_weight.dtype.kind not in "biuf":
            raise ValueError("sample_weight must be numeric.")
    if sample_weight.shape != (X.shape[0],):
        raise ValueError(
            f"sample_weight must have shape ({X.shape[0]},) to match X, got "
            f"{sample_weight.shape}."
        )
    if isinstance(sample_weight, da.Array):
        if any(np.isnan(size) for size in sample_weight.chunks[0]):
            raise ValueError(
                "sample_weight has unknown chunk sizes; call "
                "sample_weight.compute_chunk_sizes() first."
            )
        return sample_weight.astype(X.dtype).rechunk((X.chunks[0],))
    return da.from_array(sample_weight.astype(X.dtype), chunks=(X.chunks[0],))


def _block_offsets(chunks: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(chunks)]).astype(np.int64)


def _raise_if_not_finite(block: np.ndarray, index: int, offset: int, name="X"):
    bad = ~np.isfinite(block)
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    cols = np.flatnonzero(bad.any(axis=0))
    found = {"NaN": np.isnan(block).any(), "infinity": np.isinf(block).any()}
    kinds = " and ".join(kind for kind, present in found.items() if present)
    shown = ", ".join(str(int(offset + r)) for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    plural = "s" if len(rows) > 1 else ""
    raise ValueError(
        f"{name} contains {kinds} in block {index} (rows {offset} to "
        f"{offset + len(block) - 1} of {name}): row{plural} {shown}{more} (row "
        f"{int(rows[0])} within the block), column(s) "
        f"{', '.join(str(int(c)) for c in cols[:5])}. Remove or impute those rows "
        "before fitting."
    )


def _check_block_weights(weight: np.ndarray, index: int, offset: int) -> None:
    bad = np.flatnonzero(~np.isfinite(weight) | (weight < 0))
    if bad.size:
        raise ValueError(
            f"sample_weight must be finite and non-negative; row {offset + bad[0]} "
            f"(block {index}) holds {weight[bad[0]]!r}."
        )


# ---------------------------------------------------------------- map-reduce
def gaussian_block_stats(
    params: MixtureParams,
    chunk_size: int | None,
    block: np.ndarray,
    weight: np.ndarray | None,
) -> tuple[SuffStats, float]:
    """E-step of one block for a Gaussian mixture (no second term)."""
    return e_step(params, block, weight, chunk_size), 0.0


def block_e_step(
    kernel: Callable, block: np.ndarray, weight: np.ndarray | None, index, offset
) -> tuple[SuffStats, float]:
    """Run ``kernel(block, weight)`` on one block, naming the rows of bad values.

    ``kernel`` returns ``(stats, extra)``; a non-finite log-likelihood sends
    the block through a finiteness check that names block and rows.
    """
    block = np.ascontiguousarray(block)
    if weight is not None:
        weight = np.ascontiguousarray(weight)
        _check_block_weights(weight, index, offset)
    stats, extra = kernel(block, weight)
    if not np.isfinite(stats.log_likelihood):
        _raise_if_not_finite(block, index, offset)
    return stats, extra


def _merge(*parts: tuple[SuffStats, float]) -> tuple[SuffStats, float]:
    stats = parts[0][0]
    extra = parts[0][1]
    for more_stats, more_extra in parts[1:]:
        stats = stats + more_stats
        extra = extra + more_extra
    return stats, extra


def reduce_blocks(
    kernel: Callable,
    X: dask.array.Array,
    sample_weight=None,
    split_every: int = SPLIT_EVERY,
) -> tuple[SuffStats, float]:
    """Sum ``kernel(block, weight_block)`` over the row blocks of ``X``.

    One task per block, then a tree of merges ``split_every`` wide; one
    ``dask.compute`` on the active scheduler.

    Parameters
    ----------
    kernel : callable
        ``kernel(block, weight_block) -> (SuffStats, float)``; must pickle.
    X : dask.array.Array of shape (n_samples, n_features)
    sample_weight : dask.array.Array of shape (n_samples,) or None
        Blocked like ``X``'s rows.
    split_every : int, default=8

    Returns
    -------
    stats : SuffStats
    extra : float
    """
    dask = _dask()
    delayed = dask.delayed
    blocks = X.to_delayed().ravel()
    weights = (
        [None] * len(blocks)
        if sample_weight is None
        else list(sample_weight.to_delayed().ravel())
    )
    offsets = _block_offsets(X.chunks[0])
    shared_kernel = delayed(kernel, pure=True, traverse=False)
    task = delayed(block_e_step, pure=True)
    parts = [
        task(shared_kernel, block, weight, index, int(offsets[index]))
        for index, (block, weight) in enumerate(zip(blocks, weights, strict=True))
        if X.chunks[0][index] > 0
    ]
    merge = delayed(_merge, pure=True)
    while len(parts) > 1:
        parts = [
            merge(*parts[i : i + split_every])
            for i in range(0, len(parts), split_every)
        ]
    (result,) = dask.compute(parts[0])
    return result


def dask_e_step(
    params: MixtureParams,
    X: dask.array.Array,
    sample_weight=None,
    chunk_size: int | None = None,
) -> SuffStats:
    """:func:`gmmkit.engine.e_step` over the blocks of a Dask array.

    Parameters
    ----------
    params : MixtureParams
    X : dask.array.Array of shape (n_samples, n_features)
    sample_weight : dask.array.Array of shape (n_samples,) or None
    chunk_size : int or None
        Rows per E-step chunk inside each block.

    Returns
    -------
    stats : SuffStats
        The statistics of all rows, as the in-memory E-step returns them.
    """
    kernel = functools.partial(gaussian_block_stats, params, chunk_size)
    stats, _ = reduce_blocks(kernel, X, sample_weight)
    return stats


# -------------------------------------------------------------------- start
def sample_rows(
    X: dask.array.Array,
    sample_weight,
    size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Draw ``size`` rows without replacement (all rows if there are fewer).

    Only the drawn rows reach this process. Rows holding NaN or infinity are
    reported with their block.

    Returns
    -------
    rows : ndarray of shape (size, n_features)
    weights : ndarray of shape (size,) or None
    """
    dask = _dask()
    n_samples = X.shape[0]
    if size >= n_samples:
        index = np.arange(n_samples)
        rows, weights = X, sample_weight
    else:
        index = np.sort(rng.choice(n_samples, size=size, replace=False))
        rows = X[index]
        weights = None if sample_weight is None else sample_weight[index]
    rows, weights = dask.compute(rows, weights)
    rows = np.ascontiguousarray(rows)
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    if bad.size:
        offsets = _block_offsets(X.chunks[0])
        row = int(index[bad[0]])
        block = int(np.searchsorted(offsets, row, side="right") - 1)
        _raise_if_not_finite(
            X[offsets[block] : offsets[block + 1]].compute(),
            block,
            int(offsets[block]),
        )
    if weights is not None:
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        if bad.size:
            raise ValueError(
                "sample_weight must be finite and non-negative; row "
                f"{int(index[bad[0]])} holds {weights[bad[0]]!r}."
            )
    return rows, weights


def initial_params(
    X: dask.array.Array,
    n_components: int,
    covariance_type: str,
    *,
    init_params: str,
    reg_covar: float,
    rng: np.random.Generator,
    sample_weight=None,
    chunk_size: int | None = None,
    sample_size: int = INIT_SAMPLE_SIZE,
    weights_init: np.ndarray | None = None,
    means_init: np.ndarray | None = None,
    precisions_init: np.ndarray | None = None,
) -> MixtureParams:
    """EM's starting point for a Dask array, from a random sample of its rows.

    ``init_params`` (k-means, k-means++, ...) runs on ``sample_size`` rows
    drawn uniformly without replacement, so the start costs one read of the
    sampled rows, not of the array. When ``weights_init``, ``means_init``
    and ``precisions_init`` are all given the data are not read at all.
    The rows drawn depend on ``rng`` and the row count only, not on the
    chunking.

    Returns
    -------
    params : MixtureParams
        Float64 parameters.
    """
    given = {
        "weights_init": weights_init,
        "means_init": means_init,
        "precisions_init": precisions_init,
    }
    if all(value is not None for value in given.values()):
        rows, weights = np.empty((0, X.shape[1]), dtype=X.dtype), None
    else:
        rows, weights = sample_rows(X, sample_weight, sample_size, rng)
        if len(rows) < n_components:
            raise ValueError(
                f"The start needs at least n_components = {n_components} sampled "
                f"rows, got {len(rows)}."
            )
    return _initial_params(
        rows,
        n_components,
        covariance_type,
        init_params=init_params,
        reg_covar=reg_covar,
        rng=rng,
        sample_weight=weights,
        chunk_size=chunk_size,
        **given,
    )


def data_moments(
    X: dask.array.Array, sample_weight, diagonal: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance (or variances) of a Dask array's rows.

    Two passes, the second about the mean of the first, with the divisor of
    the in-memory version (total weight minus one).

    Returns
    -------
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features) or (n_features,)
    """
    dask = _dask()
    X64 = X.astype(np.float64)
    if sample_weight is None:
        total = float(X.shape[0])
        mean = X64.sum(axis=0) / total
    else:
        weight = sample_weight.astype(np.float64)
        total = weight.sum()
        mean = (X64 * weight[:, None]).sum(axis=0) / total
    mean, total = dask.compute(mean, total)
    total = float(total)
    centred = X64 - mean
    weighted = centred if sample_weight is None else centred * weight[:, None]
    if diagonal:
        scatter = (weighted * centred).sum(axis=0)
    else:
        scatter = weighted.T @ centred
    divisor = total - 1.0 if total > 1.0 else total
    return mean, np.asarray(scatter.compute()) / divisor


# ---------------------------------------------------------------- inference
def _block_inference(
    block: np.ndarray,
    kernel: Callable,
    output: str,
    n_columns: int,
    background_column: int | None,
    block_info=None,
):
    block = np.ascontiguousarray(block)
    if output == "log_density":
        out = np.empty(len(block), dtype=block.dtype)
    elif output == "proba":
        out = np.empty((len(block), n_columns), dtype=block.dtype)
    else:
        out = np.empty(len(block), dtype=np.intp)
    finite = True
    for rows, log_density, resp in kernel(block):
        finite = finite and bool(np.isfinite(log_density).all())
        if output == "log_density":
            out[rows] = log_density
        elif output == "proba":
            out[rows] = resp
        else:
            out[rows] = np.argmax(resp, axis=1)
    if not finite:
        info = (block_info or {}).get(0, {})
        index = info.get("chunk-location", (-1,))[0]
        offset = info.get("array-location", ((0, 0),))[0][0]
        _raise_if_not_finite(block, index, offset)
    if output == "labels" and background_column is not None:
        out[out == background_column] = -1
    return out


def map_inference(
    X: dask.array.Array,
    kernel: Callable,
    output: str,
    n_columns: int,
    background_column: int | None = None,
) -> dask.array.Array:
    """Lazy per-row inference over the blocks of ``X``.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    kernel : callable
        ``kernel(block)`` yields ``(rows, log_density, resp)`` chunk by chunk
        (as :func:`gmmkit.engine.iter_log_prob`); must pickle.
    output : {"log_density", "proba", "labels"}
    n_columns : int
        Columns of the responsibilities.
    background_column : int or None
        Column whose winners are labelled ``-1``.

    Returns
    -------
    result : dask.array.Array
        (n_samples,) log-densities or labels, or (n_samples, n_columns)
        probabilities; nothing is computed until asked.
    """
    function = functools.partial(
        _block_inference,
        kernel=kernel,
        output=output,
        n_columns=n_columns,
        background_column=background_column,
    )
    if output == "proba":
        return X.map_blocks(
            function,
            chunks=(X.chunks[0], (n_columns,)),
            dtype=X.dtype,
            meta=np.empty((0, 0), dtype=X.dtype),
        )
    dtype = X.dtype if output == "log_density" else np.dtype(np.intp)
    return X.map_blocks(
        function, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype=dtype)
    )


# ---------------------------------------------------------------- scheduler
def _probe_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` who it is, giving up after ``timeout``.

    ``distributed.Client(address, timeout=...)`` bounds the TCP connect but
    can wait forever on a socket that accepts and never answers; this probe
    bounds the whole exchange.
    """
    from distributed.core import rpc

    async def identity():
        async with rpc(address, timeout=timeout) as scheduler:
            return await scheduler.identity()

    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["identity"] = asyncio.run(asyncio.wait_for(identity(), timeout))
        except BaseException as error:
            outcome["error"] = error

    # A daemon thread: even if the probe wedges, the caller and the
    # interpreter's exit do not wait for it.
    thread = threading.Thread(target=run, name="gmmkit-scheduler-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    identity_ = outcome.get("identity")
    if isinstance(identity_, dict) and identity_.get("type") == "Scheduler":
        return
    if thread.is_alive() or isinstance(outcome.get("error"), TimeoutError):
        reason = f"no answer within {timeout:g} s"
    elif "error" in outcome:
        error = outcome["error"]
        reason = (
            f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        )
    else:
        reason = "something answered, but not a Dask scheduler"
    raise ConnectionError(
        f"Could not reach a Dask scheduler at {address!r} ({reason}). Check that "
        "`dask scheduler` runs there and its port is reachable from here, or "
        "use 'local' to start a cluster on this machine."
    )


def connect_scheduler(
    address: str,
    *,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | float | None = "auto",
) -> distributed.Client:
    """Connect to a Dask scheduler, or start a local cluster, and return a Client.

    The client becomes Dask's default scheduler, so later gmmkit fits on Dask
    arrays run there. Close it (``client.close()``) when done; for ``"local"``
    that also stops the cluster, whose dashboard listens on a free port
    (``client.dashboard_link``).

    Parameters
    ----------
    address : str
        ``"tcp://host:port"`` (or ``"host:port"``) of a running scheduler, or
        ``"local"`` to start a ``LocalCluster`` of worker processes here.
    timeout : float, default=10.0
        Seconds to wait for the scheduler to answer before giving up.
    n_workers, threads_per_worker, memory_limit
        Passed to ``LocalCluster`` for ``"local"``; ignored otherwise.

    Returns
    -------
    client : distributed.Client

    Raises
    ------
    ConnectionError
        When nothing answering as a Dask scheduler is at ``address`` within
        ``timeout`` seconds (never waits much longer).
    ImportError
        When ``dask.distributed`` is not installed.
    """
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - dask is in the test env
        raise ImportError(f"Dask clusters need distributed. {_INSTALL_HINT}") from error
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"address must be a non-empty string, got {address!r}.")
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise ValueError(f"timeout must be a positive number, got {timeout!r}.")
    address = address.strip()
    if address == "local":
        return Client(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",  # a free port: client.dashboard_link
            timeout=timeout,
        )
    if "://" not in address:
        address = f"tcp://{address}"
    _probe_scheduler(address, timeout)
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise ConnectionError(
            f"Could not connect to the Dask scheduler at {address!r}: {error}."
        ) from None


# ------------------------------------------------------------------ folders
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
    da = _dask().array
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
    dask = _dask()
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

    dask = _dask()
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


__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "INIT_SAMPLE_SIZE",
    "check_dask_data",
    "connect_scheduler",
    "dask_e_step",
    "initial_params",
    "is_dask_collection",
    "map_inference",
    "read_array_folder",
    "reduce_blocks",
]
