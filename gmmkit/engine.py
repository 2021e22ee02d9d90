"""The EM kernels: a chunked E-step producing SuffStats, and the M-step.

Both are pure functions of their inputs. Rows are processed in chunks, so
the largest arrays a pass allocates are one chunk's features and
log-probabilities per thread (``chunk_size`` rows; :func:`auto_chunk_size`
keeps them near 2 MiB together), never an ``n_samples x n_components``
array. Chunks run on a thread per core (:mod:`gmmkit._threads`); their
statistics are added in row order, so threads do not change the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ._threads import chunk_map
from .covariance import covariance_model
from .stats import SuffStats

_LOG_2PI = np.log(2.0 * np.pi)
#: Bytes of one chunk's working arrays together: its features and its
#: log-probabilities. The passes after the matrix product (log-sum-exp, the
#: drop of negligible responsibilities) run at memory speed and want both in
#: a core's L2 cache; smaller chunks pay per-call overhead. Measured on the
#: benchmark grid on 2 cores: 2 MiB took diag, tied and spherical EM from
#: 0.16, 0.22 and 0.15 s per E-step to 0.12, 0.15 and 0.09 s, and d = 2 from
#: 0.012 to 0.006 s; the wide full-covariance cases stayed within noise.
_CHUNK_BYTES = 2 << 20


@dataclass(frozen=True)
class MixtureParams:
    """Parameters of a Gaussian mixture.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray
        Shape depends on ``covariance_type`` (see :mod:`gmmkit.covariance`).
    precisions_cholesky : ndarray
        Same shape as ``covariances``.
    covariance_type : str
    noise_weight : float
        Weight of the uniform background component (0 without one); the
        Gaussian ``weights`` sum to ``1 - noise_weight``.
    noise_log_density : float or None
        Log-density of the background (``-log volume`` of its box), or None
        when the mixture has no background component.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str
    noise_weight: float = 0.0
    noise_log_density: float | None = None

    @property
    def n_components(self) -> int:
        """Number of components."""
        return self.means.shape[0]

    @property
    def n_features(self) -> int:
        """Number of features."""
        return self.means.shape[1]

    def read_only(self) -> MixtureParams:
        """Return a copy whose arrays cannot be written to."""
        arrays = {}
        for name in ("weights", "means", "covariances", "precisions_cholesky"):
            array = np.array(getattr(self, name))
            array.flags.writeable = False
            arrays[name] = array
        return MixtureParams(
            covariance_type=self.covariance_type,
            noise_weight=self.noise_weight,
            noise_log_density=self.noise_log_density,
            **arrays,
        )

    @property
    def has_noise(self) -> bool:
        """Whether a uniform background component is part of the mixture."""
        return self.noise_log_density is not None


def params_from_covariances(
    weights,
    means,
    covariances,
    covariance_type: str,
    noise_weight: float = 0.0,
    noise_log_density: float | None = None,
) -> MixtureParams:
    """Build parameters, computing the precision Cholesky factors.

    Raises
    ------
    ComponentCollapseError
        When a covariance is not positive definite.
    """
    model = covariance_model(covariance_type)
    return MixtureParams(
        weights=weights,
        means=means,
        covariances=covariances,
        precisions_cholesky=model.precisions_cholesky(covariances),
        covariance_type=covariance_type,
        noise_weight=noise_weight,
        noise_log_density=noise_log_density,
    )


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


class _Evaluator:
    """Per-parameter constants of the E-step, prepared once per iteration.

    The covariance type's :class:`~gmmkit.covariance.ChunkKernel` does the
    arithmetic; this holds the chunk buffers it reuses, one set per thread.
    A uniform background component is one more, constant, column of the
    log-probabilities.
    """

    def __init__(self, params: MixtureParams, dtype: np.dtype):
        model = covariance_model(params.covariance_type)
        self.dtype = np.dtype(dtype)
        means = np.asarray(params.means, dtype=np.float64)
        weights = np.asarray(params.weights, dtype=np.float64)
        n_features = means.shape[1]
        self.centre = weights @ means / weights.sum()
        with np.errstate(divide="ignore"):
            log_weights = np.log(weights)
        log_det = model.log_det_cholesky(params.precisions_cholesky, n_features)
        bias = log_weights + log_det - 0.5 * n_features * _LOG_2PI
        self.has_noise = params.has_noise
        if self.has_noise:
            with np.errstate(divide="ignore"):
                noise = np.log(params.noise_weight) + params.noise_log_density
            bias = np.append(bias, noise)
        self.kernel = model.chunk_kernel(
            means, params.precisions_cholesky, self.centre, bias, self.dtype
        )
        self.n_components = len(means)
        self.chunk_width = self.kernel.width + len(bias)  # features + log-probs
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

    def weighted_log_prob(self, chunk: np.ndarray):
        """Weighted log-probabilities (n, K) and the kernel's work for the chunk.

        The arrays are reused for this thread's next chunk of the same size:
        use or copy them before asking for the next one.
        """
        return self.kernel.log_prob(chunk.astype(self.dtype, copy=False), self._buffer)


def _normalise(
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


def e_step(
    params: MixtureParams,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    chunk_size: int | None = None,
) -> SuffStats:
    """Sufficient statistics of ``X`` under ``params``, chunk by chunk.

    Parameters
    ----------
    params : MixtureParams
        Parameters to evaluate responsibilities under.
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
    evaluator = _Evaluator(params, X.dtype)
    kernel = evaluator.kernel
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width, X.itemsize)

    def chunk_stats(rows: slice) -> tuple[tuple, float, float]:
        log_prob, work = evaluator.weighted_log_prob(X[rows])
        log_density, resp = _normalise(log_prob, drop_negligible=True)
        row_weight = None if sample_weight is None else sample_weight[rows]
        if row_weight is not None:
            resp *= row_weight[:, None]
            log_likelihood = float(row_weight @ log_density.astype(np.float64))
        else:
            log_likelihood = float(log_density.sum(dtype=np.float64))
        noise_mass = 0.0
        if evaluator.has_noise:
            noise_mass = float(resp[:, -1].sum(dtype=np.float64))
            resp = resp[:, :-1]
        return kernel.accumulate(work, resp, row_weight), log_likelihood, noise_mass

    raw, log_likelihood, noise_mass = None, 0.0, 0.0
    for chunk_raw, chunk_log_likelihood, chunk_noise in map_chunks(
        chunk_stats, X.shape[0], chunk_size
    ):
        raw = _add_raw(raw, chunk_raw)
        log_likelihood += chunk_log_likelihood
        noise_mass += chunk_noise
    return _suff_stats(
        kernel, raw, evaluator.centre, log_likelihood, X, sample_weight, noise_mass
    )


def _add_raw(total: tuple | None, chunk: tuple) -> tuple:
    """Add one chunk's raw moments to the running float64 total."""
    if total is None:
        return tuple(np.asarray(part, dtype=np.float64) for part in chunk)
    for running, part in zip(total, chunk, strict=True):
        running += part
    return total


def _suff_stats(
    model, raw, centre, log_likelihood, X, sample_weight, noise_mass=0.0
) -> SuffStats:
    nk, sum_dx, sum_dxx = model.moments(raw, X.shape[1])
    if sample_weight is None:
        weight = float(X.shape[0])
    else:
        weight = float(sample_weight.sum(dtype=np.float64))
    return SuffStats(
        nk=np.ascontiguousarray(nk),
        sum_dx=np.ascontiguousarray(sum_dx),
        sum_dxx=np.ascontiguousarray(sum_dxx),
        shift=centre,
        log_likelihood=log_likelihood,
        weight=weight,
        n_samples=X.shape[0],
        noise_mass=noise_mass,
    )


def m_step(
    stats: SuffStats,
    covariance_type: str,
    reg_covar: float,
    eps: float,
    noise_log_density: float | None = None,
) -> MixtureParams:
    """New parameters from sufficient statistics.

    Parameters
    ----------
    stats : SuffStats
        Statistics merged over all rows.
    covariance_type : str
    reg_covar : float
        Added to covariance diagonals.
    eps : float
        Floor added to each component's mass (``10 * machine epsilon`` of the
        data dtype, as scikit-learn does) so empty components stay finite.
    noise_log_density : float or None
        Log-density of a uniform background component, kept as it is; its
        weight is re-estimated from ``stats.noise_mass``.

    Returns
    -------
    params : MixtureParams
        Float64 parameters.

    Raises
    ------
    ComponentCollapseError
        When a covariance is not positive definite.
    """
    model = covariance_model(covariance_type)
    nk = stats.nk + eps
    delta = stats.sum_dx / nk[:, None]
    covariances = model.covariances(stats.sum_dxx, nk, delta, reg_covar)
    total = nk.sum() + stats.noise_mass
    return params_from_covariances(
        weights=nk / total,
        means=stats.shift + delta,
        covariances=covariances,
        covariance_type=covariance_type,
        noise_weight=stats.noise_mass / total if noise_log_density is not None else 0.0,
        noise_log_density=noise_log_density,
    )


def iter_log_prob(
    params: MixtureParams, X: np.ndarray, chunk_size: int | None = None
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(rows, log_density, responsibilities)`` chunk by chunk.

    Parameters
    ----------
    params : MixtureParams
    X : ndarray of shape (n_samples, n_features)
    chunk_size : int or None

    Yields
    ------
    rows : slice
    log_density : ndarray of shape (n_rows,)
        ``log p(x)`` of each row.
    resp : ndarray of shape (n_rows, n_components)
        Posterior probability of each component (one more column, last, for
        a uniform background component).
    """
    evaluator = _Evaluator(params, X.dtype)
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width, X.itemsize)
    for rows in iter_chunks(X.shape[0], chunk_size):
        log_prob, _ = evaluator.weighted_log_prob(X[rows])
        log_density, resp = _normalise(log_prob)
        yield rows, log_density, resp


def stats_from_responsibilities(
    X: np.ndarray,
    responsibilities,
    covariance_type: str,
    sample_weight: np.ndarray | None = None,
    chunk_size: int | None = None,
) -> SuffStats:
    """Sufficient statistics for given responsibilities (used to initialise).

    Two passes: the first finds the weighted centre of the data, the second
    takes moments about it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    responsibilities : callable
        ``responsibilities(rows) -> ndarray of shape (n_rows, n_components)``.
    covariance_type : str
    sample_weight : ndarray of shape (n_samples,) or None
    chunk_size : int or None

    Returns
    -------
    stats : SuffStats
        ``log_likelihood`` is NaN: no parameters were evaluated.
    """
    model = covariance_model(covariance_type)
    chunk_size = chunk_size or auto_chunk_size(X.shape[1] * (X.shape[1] + 3) // 2)
    if sample_weight is None:
        centre = X.sum(axis=0, dtype=np.float64) / X.shape[0]
    else:
        centre = sample_weight.astype(np.float64) @ X / sample_weight.sum()
    raw = None
    for rows in iter_chunks(X.shape[0], chunk_size):
        resp = _weighted(responsibilities(rows), sample_weight, rows).astype(X.dtype)
        row_weight = None if sample_weight is None else sample_weight[rows]
        features, centred = model.moment_features(X[rows], centre.astype(X.dtype))
        raw = _add_raw(raw, model.accumulate(centred, features, resp, row_weight))
    return _suff_stats(model, raw, centre, float("nan"), X, sample_weight)


def _weighted(resp: np.ndarray, sample_weight, rows: slice) -> np.ndarray:
    if sample_weight is None:
        return resp
    return resp * sample_weight[rows, None]
