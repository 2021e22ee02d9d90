"""The Gaussian family: mixture parameters, their chunk evaluator, the M-step.

A chunk's log-probabilities are ``log w_k + log N(x | mu_k, Sigma_k)``,
computed by the covariance type's chunk kernel (one matrix product per
chunk, :mod:`gmmkit.covariance`); a uniform background component is one
more, constant, column. The sums kept per chunk are the kernel's raw
moments, the weighted log-likelihood and the background's mass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..covariance import covariance_model
from ..engine import (
    ChunkEvaluator,
    auto_chunk_size,
    normalise,
    sum_chunks,
    total_weight,
    weighted_sum,
)
from ..exceptions import ComponentCollapseError
from ..stats import SuffStats

_LOG_2PI = np.log(2.0 * np.pi)


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

    @property
    def has_noise(self) -> bool:
        """Whether a uniform background component is part of the mixture."""
        return self.noise_log_density is not None

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

    def evaluator(self, dtype) -> GaussianEvaluator:
        """The E-step evaluator of these parameters for data of ``dtype``."""
        return GaussianEvaluator(self, dtype)


@dataclass(frozen=True)
class Snapshot:
    """Parameters of a fit after a given EM iteration (0 is the start).

    Attributes
    ----------
    iteration : int
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray
        Shape depends on the covariance type.
    noise_weight : float
        Weight of the uniform background component (0 without one).
    """

    iteration: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    noise_weight: float = 0.0

    @classmethod
    def of(cls, iteration: int, params: MixtureParams) -> Snapshot:
        """The snapshot of ``params`` after ``iteration`` iterations."""
        return cls(
            iteration,
            params.weights,
            params.means,
            params.covariances,
            params.noise_weight,
        )


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


def extrapolate(
    p0: MixtureParams, p1: MixtureParams, p2: MixtureParams
) -> MixtureParams | None:
    """SQUAREM's jump from three successive EM iterates (see :func:`gmmkit.em.squarem`).

    Weights, means and covariances move together as one vector; the jump
    is refused (None) when it leaves a weight that is not positive or a
    covariance that is not positive definite.
    """
    fields = ("weights", "means", "covariances")
    r = [getattr(p1, f) - getattr(p0, f) for f in fields]
    v = [getattr(p2, f) - 2.0 * getattr(p1, f) + getattr(p0, f) for f in fields]
    r_norm = np.sqrt(sum(float(np.sum(x * x)) for x in r))
    v_norm = np.sqrt(sum(float(np.sum(x * x)) for x in v))
    if not v_norm > 0.0:
        return None
    step = min(-r_norm / v_norm, -1.0)
    jumped = [
        getattr(p0, f) - 2.0 * step * dr + step**2 * dv
        for f, dr, dv in zip(fields, r, v, strict=True)
    ]
    weights, means, covariances = jumped
    if not np.all(weights > 0.0):
        return None
    weights = weights * (1.0 - p0.noise_weight) / weights.sum()
    try:
        return params_from_covariances(
            weights,
            means,
            covariances,
            p0.covariance_type,
            noise_weight=p0.noise_weight,
            noise_log_density=p0.noise_log_density,
        )
    except ComponentCollapseError:
        return None


def mixture_centre(params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 means, the centre ``sum_k w_k mu_k / sum_k w_k`` and ``log w``.

    Chunks are evaluated, and moments taken, about the centre, so that data
    far from the origin keep their digits (see :mod:`gmmkit.stats`).
    """
    means = np.asarray(params.means, dtype=np.float64)
    weights = np.asarray(params.weights, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    return means, weights @ means / weights.sum(), log_weights


class GaussianEvaluator(ChunkEvaluator):
    """Log-probabilities and moments of a chunk under Gaussian parameters.

    The covariance type's :class:`~gmmkit.covariance.ChunkKernel` does the
    arithmetic; this class adds the background column and keeps the sums.
    """

    def __init__(self, params: MixtureParams, dtype: np.dtype):
        super().__init__()
        model = covariance_model(params.covariance_type)
        self.dtype = np.dtype(dtype)
        means, self.centre, log_weights = mixture_centre(params)
        n_features = means.shape[1]
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
        self.chunk_width = self.kernel.width + len(bias)  # features + log-probs

    def weighted_log_prob(self, chunk: np.ndarray):  # noqa: D102
        return self.kernel.log_prob(chunk.astype(self.dtype, copy=False), self._buffer)

    def chunk_sums(self, chunk, row_weight):  # noqa: D102
        log_prob, work = self.weighted_log_prob(chunk)
        log_density, resp = normalise(log_prob, drop_negligible=True)
        if row_weight is not None:
            resp *= row_weight[:, None]
        log_likelihood = weighted_sum(log_density, row_weight)
        noise_mass = 0.0
        if self.has_noise:
            noise_mass = float(resp[:, -1].sum(dtype=np.float64))
            resp = resp[:, :-1]
        raw = self.kernel.accumulate(work, resp, row_weight)
        return (*raw, log_likelihood, noise_mass)

    def suff_stats(self, totals, n_samples, weight):  # noqa: D102
        *raw, log_likelihood, noise_mass = totals
        return moments_to_stats(
            self.kernel,
            raw,
            self.centre,
            float(log_likelihood),
            n_samples,
            weight,
            noise_mass=float(noise_mass),
        )


def moments_to_stats(
    kernel,
    raw,
    centre: np.ndarray,
    log_likelihood: float,
    n_samples: int,
    weight: float,
    noise_mass: float = 0.0,
    extra: dict | None = None,
) -> SuffStats:
    """SuffStats from a kernel's (or covariance model's) summed raw moments.

    Parameters
    ----------
    kernel : ChunkKernel or CovarianceModel
        Whatever produced the raw moments; its ``moments`` reads them.
    raw : sequence of ndarray
        The raw moments summed over all chunks.
    centre : ndarray of shape (n_features,)
        The point the moments were taken about.
    log_likelihood, n_samples, weight, noise_mass, extra
        As in :class:`~gmmkit.stats.SuffStats`.

    Returns
    -------
    stats : SuffStats
    """
    nk, sum_dx, sum_dxx = kernel.moments(tuple(raw), len(centre))
    return SuffStats(
        nk=np.ascontiguousarray(nk),
        sum_dx=np.ascontiguousarray(sum_dx),
        sum_dxx=np.ascontiguousarray(sum_dxx),
        shift=centre,
        log_likelihood=log_likelihood,
        weight=weight,
        n_samples=n_samples,
        noise_mass=noise_mass,
        extra={} if extra is None else extra,
    )


def m_step(
    stats: SuffStats,
    covariance_type: str,
    reg_covar: float,
    eps: float,
    noise_log_density: float | None = None,
    previous: MixtureParams | None = None,
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
    previous : MixtureParams or None
        The parameters the statistics were computed under. Models whose
        M-step is iterative start from their covariances, which makes the
        step monotone in the likelihood (generalised EM).

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
    covariances = model.covariances(
        stats.sum_dxx,
        nk,
        delta,
        reg_covar,
        previous=None if previous is None else previous.covariances,
    )
    total = nk.sum() + stats.noise_mass
    return params_from_covariances(
        weights=nk / total,
        means=stats.shift + delta,
        covariances=covariances,
        covariance_type=covariance_type,
        noise_weight=stats.noise_mass / total if noise_log_density is not None else 0.0,
        noise_log_density=noise_log_density,
    )


def stats_from_responsibilities(
    X: np.ndarray,
    responsibilities: Callable[[slice], np.ndarray],
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
    centre_dtype = centre.astype(X.dtype)

    def chunk_moments(rows: slice) -> tuple:
        resp = responsibilities(rows)
        row_weight = None if sample_weight is None else sample_weight[rows]
        if row_weight is not None:
            resp = resp * row_weight[:, None]
        features, centred = model.moment_features(X[rows], centre_dtype)
        return model.accumulate(centred, features, resp.astype(X.dtype), row_weight)

    raw = sum_chunks(chunk_moments, X.shape[0], chunk_size)
    return moments_to_stats(
        model, raw, centre, float("nan"), X.shape[0], total_weight(X, sample_weight)
    )
