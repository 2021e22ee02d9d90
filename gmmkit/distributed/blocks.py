"""EM on the row blocks of a Dask array: E-steps mapped, statistics tree-reduced.

Each EM iteration maps :func:`gmmkit.engine.e_step` over the row blocks and
adds the resulting :class:`~gmmkit.stats.SuffStats` pairwise in a tree
(``split_every`` at a time) until one remains; the M-step then runs in the
calling process on those few numbers. Every block is evaluated under the
same parameters, so all blocks' statistics share one shift and merge
exactly, whatever the component family.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import infer_rows
from .._validation.dask import (
    block_offsets,
    check_block_weights,
    dask_module,
    raise_if_not_finite,
)
from ..engine import e_step
from ..stats import SuffStats, covariance_divisor

if TYPE_CHECKING:  # pragma: no cover
    import dask.array

#: Rows drawn from a Dask array to compute EM's starting point (k-means,
#: k-means++, ... run on this in-memory sample, never on the whole array).
INIT_SAMPLE_SIZE = 20_000
#: Statistics added per task of the reduction tree.
SPLIT_EVERY = 8


def block_e_step(
    params: Any,
    chunk_size: int | None,
    block: np.ndarray,
    weight: np.ndarray | None,
    index: int,
    offset: int,
) -> SuffStats:
    """E-step of one block, naming the rows of bad values.

    A non-finite log-likelihood sends the block through a finiteness check
    that names block and rows.
    """
    block = np.ascontiguousarray(block)
    if weight is not None:
        weight = np.ascontiguousarray(weight)
        check_block_weights(weight, index, offset)
    stats = e_step(params, block, weight, chunk_size)
    if not np.isfinite(stats.log_likelihood):
        raise_if_not_finite(block, index, offset)
    return stats


def _merge(*parts: SuffStats) -> SuffStats:
    return sum(parts[1:], parts[0])


def dask_e_step(
    params: Any,
    X: dask.array.Array,
    sample_weight=None,
    chunk_size: int | None = None,
    split_every: int = SPLIT_EVERY,
) -> SuffStats:
    """:func:`gmmkit.engine.e_step` over the blocks of a Dask array.

    One task per block, then a tree of merges ``split_every`` wide; one
    ``dask.compute`` on the active scheduler. Only the parameters travel to
    the workers and only statistics travel back.

    Parameters
    ----------
    params : MixtureParams, Posterior or TMixtureParams
        Parameters of any component family; must pickle.
    X : dask.array.Array of shape (n_samples, n_features)
    sample_weight : dask.array.Array of shape (n_samples,) or None
        Blocked like ``X``'s rows.
    chunk_size : int or None
        Rows per E-step chunk inside each block.
    split_every : int, default=8

    Returns
    -------
    stats : SuffStats
        The statistics of all rows, as the in-memory E-step returns them.
    """
    dask = dask_module()
    delayed = dask.delayed
    blocks = X.to_delayed().ravel()
    weights = (
        [None] * len(blocks)
        if sample_weight is None
        else list(sample_weight.to_delayed().ravel())
    )
    offsets = block_offsets(X.chunks[0])
    shared_params = delayed(params, pure=True, traverse=False)
    task = delayed(block_e_step, pure=True)
    parts = [
        task(shared_params, chunk_size, block, weight, index, int(offsets[index]))
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


def sample_rows(
    X: dask.array.Array,
    sample_weight,
    size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Draw ``size`` rows without replacement (all rows if there are fewer).

    Only the drawn rows reach this process. Rows holding NaN or infinity are
    reported with their block. The rows drawn depend on ``rng`` and the row
    count only, not on the chunking.

    Returns
    -------
    rows : ndarray of shape (size, n_features)
    weights : ndarray of shape (size,) or None
    """
    dask = dask_module()
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
        offsets = block_offsets(X.chunks[0])
        row = int(index[bad[0]])
        block = int(np.searchsorted(offsets, row, side="right") - 1)
        raise_if_not_finite(
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


def data_moments(X: dask.array.Array, sample_weight) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance of a Dask array's rows.

    Two passes, the second about the mean of the first, with the divisor of
    :func:`gmmkit.stats.weighted_moments` (total weight minus one).

    Returns
    -------
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
    """
    dask = dask_module()
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
    scatter = weighted.T @ centred
    return mean, np.asarray(scatter.compute()) / covariance_divisor(total)


def _block_inference(
    block: np.ndarray,
    kernel,
    output: str,
    n_columns: int,
    background_column: int | None,
    block_info=None,
):
    block = np.ascontiguousarray(block)
    if not np.isfinite(block).all():
        info = (block_info or {}).get(0, {})
        index = info.get("chunk-location", (-1,))[0]
        offset = info.get("array-location", ((0, 0),))[0][0]
        raise_if_not_finite(block, index, offset)
    return infer_rows(block, kernel, output, n_columns, background_column)


def map_inference(
    X: dask.array.Array,
    kernel,
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
