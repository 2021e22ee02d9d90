"""The one chunked E-step, shared by every component family.

A family (:mod:`gmmkit.families`: Gaussian, variational, Student-t) says
how a chunk of rows becomes log-probabilities and what sums to keep; this
module owns everything around that, once:

- rows are cut into chunks (:func:`auto_chunk_size` keeps a chunk's working
  arrays near 2 MiB), so no pass allocates an ``n_samples x n_components``
  array;
- chunks run on a thread per core (:mod:`gmmkit._threads`) and reuse their
  buffers from chunk to chunk (:class:`ChunkEvaluator`);
- the chunks' sums are added in row order, so threads do not change the
  answer, and the family turns the totals into a
  :class:`~gmmkit.stats.SuffStats`;
- log-sum-exp over components (:func:`normalise`) turns log-probabilities
  into log-densities and responsibilities.

A family's parameters (``MixtureParams``, ``Posterior``, ``TMixtureParams``)
provide ``evaluator(dtype) -> ChunkEvaluator``; :func:`e_step` and
:func:`iter_log_prob` take any of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from ._threads import chunk_map
from .stats import SuffStats

#: Bytes of one chunk's working arrays together: its features and its
#: log-probabilities. The passes after the matrix product (log-sum-exp, the
#: drop of negligible responsibilities) run at memory speed and want both in
#: a core's L2 cache; smaller chunks pay per-call overhead. Measured on the
#: benchmark grid on 2 cores: 2 MiB took diag, tied and spherical EM from
#: 0.16, 0.22 and 0.15 s per E-step to 0.12, 0.15 and 0.09 s, and d = 2 from
#: 0.012 to 0.006 s; the wide full-covariance cases stayed within noise.
_CHUNK_BYTES = 2 << 20


class ChunkEvaluator:
    """One parameter set's E-step arithmetic, prepared once per pass.

    Subclasses (one per component family) implement:

    - :meth:`weighted_log_prob`: ``log(w_k p_k(x))`` of a chunk, (n, C);
    - :meth:`chunk_sums`: the sums the family keeps for a chunk;
    - :meth:`suff_stats`: the totals of those sums as a SuffStats.

    Chunk-sized arrays come from :meth:`_buffer`, one set per thread.

    Attributes
    ----------
    chunk_width : int
        Values per row across a chunk's working arrays (sizes the chunks).
    """

    chunk_width: int

    def __init__(self) -> None:
        self._per_thread = threading.local()

    def _buffer(self, role: str, shape: tuple, dtype) -> np.ndarray:
        # Chunk-sized arrays are reused from chunk to chunk: allocating a few
        # MiB afresh each time makes the allocator return pages to the system
        # and fault them back in, which can cost more than the arithmetic.
        buffers = self._per_thread.__dict__.setdefault("buffers", {})
        key = (role, shape, np.dtype(dtype))
        if key not in buffers:
            buffers[key] = np.empty(shape, dtype=dtype)
        return buffers[key]

    def weighted_log_prob(self, chunk: np.ndarray) -> tuple[np.ndarray, Any]:
        """Log-probabilities (n, C) of a chunk and the work to keep for it.

        The arrays are reused for this thread's next chunk of the same size:
        use or copy them before asking for the next one.
        """
        raise NotImplementedError

    def chunk_sums(self, chunk: np.ndarray, row_weight: np.ndarray | None) -> tuple:
        """What the chunk adds to the pass's totals (float64 arrays or floats)."""
        raise NotImplementedError

    def suff_stats(self, totals: tuple, n_samples: int, weight: float) -> SuffStats:
        """The statistics of all rows from the summed :meth:`chunk_sums`."""
        raise NotImplementedError


class HasEvaluator(Protocol):
    """Parameters of a component family."""

    def evaluator(self, dtype: np.dtype) -> ChunkEvaluator:
        """The E-step evaluator of these parameters for data of ``dtype``."""
        ...


def auto_chunk_size(width: int, itemsize: int = 8) -> int:
    """Rows per chunk so that a chunk's working arrays stay near 2 MiB.

    Parameters
    ----------
    width : int
        Values per row across the arrays a chunk allocates (features plus
        components).
    itemsize : int, default=8
        Bytes per value: float32 chunks hold twice the rows.

    Returns
    -------
    chunk_size : int
    """
    return int(np.clip(_CHUNK_BYTES // (itemsize * width), 256, 65536))


def iter_chunks(n_samples: int, chunk_size: int) -> Iterator[slice]:
    """Yield consecutive row slices of at most ``chunk_size`` rows."""
    for start in range(0, n_samples, chunk_size):
        yield slice(start, min(start + chunk_size, n_samples))


def map_chunks(
    function: Callable[[slice], object], n_samples: int, chunk_size: int
) -> Iterator:
    """Yield ``function(rows)`` for each chunk of rows, in row order.

    Chunks run on the thread pool of :mod:`gmmkit._threads`; adding up what
    this yields, in this order, gives the same sums whatever the number of
    threads. ``function`` must keep its scratch memory per thread.
    """
    chunks = list(iter_chunks(n_samples, chunk_size))
    with chunk_map(len(chunks)) as map_in_order:
        yield from map_in_order(function, chunks)


def sum_chunks(
    function: Callable[[slice], tuple], n_samples: int, chunk_size: int
) -> tuple | None:
    """Sum the tuples ``function(rows)`` over all chunks, in row order, in float64.

    Returns None when there are no rows.
    """
    total = None
    for part in map_chunks(function, n_samples, chunk_size):
        if total is None:
            total = tuple(np.array(value, dtype=np.float64) for value in part)
            continue
        for running, value in zip(total, part, strict=True):
            running += value
    return total


def e_step(
    params: HasEvaluator,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    chunk_size: int | None = None,
) -> SuffStats:
    """Sufficient statistics of ``X`` under ``params``, chunk by chunk.

    Parameters
    ----------
    params : MixtureParams, Posterior or TMixtureParams
        Parameters of any component family.
    X : ndarray of shape (n_samples, n_features)
        Data, float64 or float32; chunk arithmetic stays in its dtype.
    sample_weight : ndarray of shape (n_samples,) or None
        Weight of each row.
    chunk_size : int or None
        Rows per chunk; None picks one from the problem size.

    Returns
    -------
    stats : SuffStats
        Float64 statistics, mergeable with those of other rows.
    """
    evaluator = params.evaluator(X.dtype)
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width, X.itemsize)

    def chunk_sums(rows: slice) -> tuple:
        row_weight = None if sample_weight is None else sample_weight[rows]
        return evaluator.chunk_sums(X[rows], row_weight)

    totals = sum_chunks(chunk_sums, X.shape[0], chunk_size)
    return evaluator.suff_stats(totals, X.shape[0], total_weight(X, sample_weight))


def total_weight(X: np.ndarray, sample_weight: np.ndarray | None) -> float:
    """Sum of the sample weights (the row count without weights)."""
    if sample_weight is None:
        return float(X.shape[0])
    return float(sample_weight.sum(dtype=np.float64))


def weighted_sum(values: np.ndarray, row_weight: np.ndarray | None) -> float:
    """``sum_n w_n values_n`` in float64 (the plain sum without weights)."""
    if row_weight is None:
        return float(values.sum(dtype=np.float64))
    return float(row_weight @ values.astype(np.float64))


def iter_log_prob(
    params: HasEvaluator, X: np.ndarray, chunk_size: int | None = None
) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
    """Yield ``(rows, log_density, responsibilities)`` chunk by chunk.

    Parameters
    ----------
    params : MixtureParams, Posterior or TMixtureParams
    X : ndarray of shape (n_samples, n_features)
    chunk_size : int or None

    Yields
    ------
    rows : slice
    log_density : ndarray of shape (n_rows,)
        Log-sum-exp over the columns of the weighted log-probabilities:
        ``log p(x)`` of each row (for the variational family, the
        normaliser of its expected log joint).
    resp : ndarray of shape (n_rows, n_columns)
        Posterior probability of each component (one more column, last, for
        a uniform background component).
    """
    evaluator = params.evaluator(X.dtype)
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width, X.itemsize)
    for rows in iter_chunks(X.shape[0], chunk_size):
        log_prob, _ = evaluator.weighted_log_prob(X[rows])
        log_density, resp = normalise(log_prob)
        yield rows, log_density, resp


def normalise(
    log_prob: np.ndarray, drop_negligible: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Log-sum-exp over components, in place.

    Returns the log-density per row and the responsibilities (which reuse
    ``log_prob``'s memory). Either memory layout works; column-major (each
    component's column contiguous, as the chunk kernels produce) is faster.

    With ``drop_negligible``, responsibilities below ``sqrt(tiny)`` of the
    dtype (1e-154 in float64, 1e-19 in float32) become exactly 0. Left in,
    they are subnormal numbers, which many x86 CPUs process 10 to 100 times
    slower: in ``exp`` itself and in the M-step's matrix products (5x slower
    on well-separated clusters). What is dropped lies far below any
    tolerance, and the drop does not depend on the chunking. The fit uses
    it; predictions do not.
    """
    top = _row_max(log_prob)
    top[~np.isfinite(top)] = 0.0
    log_prob -= top[:, None]
    if drop_negligible:
        # Raise everything to the floor, then subtract the floor's exp: no
        # exp sees an argument whose result underflows (slow in float64, and
        # exp(-inf) too), and no masked write is needed (slow in float32).
        log_floor = log_prob.dtype.type(0.5 * np.log(np.finfo(log_prob.dtype).tiny))
        np.maximum(log_prob, log_floor, out=log_prob)
        resp = np.exp(log_prob, out=log_prob)
        resp -= np.exp(np.full(1, log_floor))[0]
    else:
        resp = np.exp(log_prob, out=log_prob)
    total = resp @ np.ones(resp.shape[1], dtype=resp.dtype)
    resp *= (1.0 / total)[:, None]
    return top + np.log(total), resp


def _row_max(values: np.ndarray) -> np.ndarray:
    """Maximum of each row of an (n, K) array, as a new array."""
    if values.flags.f_contiguous:
        return values.max(axis=1)
    # A reduction over a short contiguous axis is slow in NumPy; an
    # element-wise maximum across the (strided) columns is not.
    columns = values.T
    top = columns[0].copy()
    for column in columns[1:]:
        np.maximum(top, column, out=top)
    return top
