"""The EM kernels: a chunked E-step producing SuffStats, and the M-step.

Both are pure functions of their inputs. Rows are processed in chunks so
that no array larger than ``chunk_size x n_components`` (times
``n_features`` for the full-covariance product) exists at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .covariance import covariance_model
from .stats import SuffStats

_LOG_2PI = np.log(2.0 * np.pi)
#: Largest intermediate block one chunk may allocate, in elements.
_CHUNK_ELEMENTS = 1 << 19


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
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str

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
        return MixtureParams(covariance_type=self.covariance_type, **arrays)


def params_from_covariances(
    weights, means, covariances, covariance_type: str
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
    )


def auto_chunk_size(n_components: int, n_features: int) -> int:
    """Rows per chunk so that the largest block stays near 4 MiB of float64.

    Parameters
    ----------
    n_components : int
    n_features : int

    Returns
    -------
    chunk_size : int
    """
    return int(np.clip(_CHUNK_ELEMENTS // (n_components * n_features), 256, 65536))


def iter_chunks(n_samples: int, chunk_size: int) -> Iterator[slice]:
    """Yield consecutive row slices of at most ``chunk_size`` rows."""
    for start in range(0, n_samples, chunk_size):
        yield slice(start, min(start + chunk_size, n_samples))


class _Evaluator:
    """Per-parameter constants of the E-step, prepared once per iteration."""

    def __init__(self, params: MixtureParams, dtype: np.dtype):
        model = covariance_model(params.covariance_type)
        self.model = model
        self.dtype = np.dtype(dtype)
        means = np.asarray(params.means, dtype=np.float64)
        weights = np.asarray(params.weights, dtype=np.float64)
        self.centre = weights @ means / weights.sum()
        delta = means - self.centre
        self.shift = delta if model.component_shift else np.zeros_like(delta)
        self.distances = model.mahalanobis(delta, params.precisions_cholesky, dtype)
        with np.errstate(divide="ignore"):
            log_weights = np.log(weights)
        log_det = model.log_det_cholesky(params.precisions_cholesky, means.shape[1])
        self.log_norm = (
            log_weights + log_det - 0.5 * means.shape[1] * _LOG_2PI
        ).astype(dtype)
        self.centre_dtype = self.centre.astype(dtype)

    def weighted_log_prob(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``log(w_k N(x | mu_k, Sigma_k))`` for a chunk, and the centred chunk."""
        centred = chunk - self.centre_dtype
        log_prob = self.distances(centred)
        log_prob *= -0.5
        log_prob += self.log_norm
        return log_prob, centred


def _normalise(log_prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-sum-exp over components, in place.

    Returns the log-density per row and the responsibilities (which reuse
    ``log_prob``'s memory).
    """
    top = np.max(log_prob, axis=1)
    top[~np.isfinite(top)] = 0.0
    log_prob -= top[:, None]
    resp = np.exp(log_prob, out=log_prob)
    total = resp.sum(axis=1)
    resp /= total[:, None]
    return top + np.log(total), resp


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
    model = evaluator.model
    if chunk_size is None:
        chunk_size = auto_chunk_size(params.n_components, params.n_features)
    total = None
    for rows in iter_chunks(X.shape[0], chunk_size):
        log_prob, centred = evaluator.weighted_log_prob(X[rows])
        log_density, resp = _normalise(log_prob)
        row_weight = None if sample_weight is None else sample_weight[rows]
        if row_weight is not None:
            resp *= row_weight[:, None]
            log_likelihood = float(row_weight @ log_density.astype(np.float64))
            weight = float(row_weight.sum(dtype=np.float64))
        else:
            log_likelihood = float(log_density.sum(dtype=np.float64))
            weight = float(len(centred))
        sum_dx, sum_dxx = model.accumulate(centred, resp, evaluator.shift, row_weight)
        chunk_stats = SuffStats(
            nk=resp.sum(axis=0, dtype=np.float64),
            sum_dx=np.asarray(sum_dx, dtype=np.float64),
            sum_dxx=np.asarray(sum_dxx, dtype=np.float64),
            shift=evaluator.shift,
            log_likelihood=log_likelihood,
            weight=weight,
            n_samples=len(centred),
        )
        total = chunk_stats if total is None else total + chunk_stats
    # Moments are relative to the mixture centre; record the absolute shift.
    return SuffStats(
        nk=total.nk,
        sum_dx=total.sum_dx,
        sum_dxx=total.sum_dxx,
        shift=total.shift + evaluator.centre,
        log_likelihood=total.log_likelihood,
        weight=total.weight,
        n_samples=total.n_samples,
    )


def m_step(
    stats: SuffStats, covariance_type: str, reg_covar: float, eps: float
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
    return params_from_covariances(
        weights=nk / nk.sum(),
        means=stats.shift + delta,
        covariances=covariances,
        covariance_type=covariance_type,
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
        Posterior probability of each component.
    """
    evaluator = _Evaluator(params, X.dtype)
    if chunk_size is None:
        chunk_size = auto_chunk_size(params.n_components, params.n_features)
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

    Two passes: the first finds each component's mean, the second takes
    second moments about it (or about the overall mean, per covariance type).

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
    chunk_size = chunk_size or 4096
    nk = sum_x = None
    for rows in iter_chunks(X.shape[0], chunk_size):
        resp = _weighted(responsibilities(rows), sample_weight, rows)
        chunk_nk = resp.sum(axis=0, dtype=np.float64)
        chunk_x = (resp.T @ X[rows]).astype(np.float64)
        nk = chunk_nk if nk is None else nk + chunk_nk
        sum_x = chunk_x if sum_x is None else sum_x + chunk_x
    centre = sum_x.sum(axis=0) / nk.sum()
    means = sum_x / np.maximum(nk, np.finfo(np.float64).tiny)[:, None]
    shift = means - centre if model.component_shift else np.zeros_like(means)
    sum_dx = sum_dxx = None
    for rows in iter_chunks(X.shape[0], chunk_size):
        resp = _weighted(responsibilities(rows), sample_weight, rows)
        row_weight = None if sample_weight is None else sample_weight[rows]
        centred = X[rows] - centre.astype(X.dtype)
        dx, dxx = model.accumulate(centred, resp.astype(X.dtype), shift, row_weight)
        sum_dx = dx if sum_dx is None else sum_dx + dx
        sum_dxx = dxx if sum_dxx is None else sum_dxx + dxx
    weight = float(X.shape[0] if sample_weight is None else sample_weight.sum())
    return SuffStats(
        nk=nk,
        sum_dx=np.asarray(sum_dx, dtype=np.float64),
        sum_dxx=np.asarray(sum_dxx, dtype=np.float64),
        shift=shift + centre,
        log_likelihood=float("nan"),
        weight=weight,
        n_samples=X.shape[0],
    )


def _weighted(resp: np.ndarray, sample_weight, rows: slice) -> np.ndarray:
    if sample_weight is None:
        return resp
    return resp * sample_weight[rows, None]
