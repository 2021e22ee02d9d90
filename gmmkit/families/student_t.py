"""The Student-t family: a mixture of multivariate t distributions.

Heavy tails make the fit robust: EM gives each row a latent scale weight
``u = (nu + d) / (nu + delta)`` (``delta`` its squared Mahalanobis distance),
so far-away rows barely move the means and scale matrices. The fit is the
ECM algorithm of McLachlan & Peel (2000), chapter 7: an E-step computes the
responsibilities ``tau`` and the weights ``u`` chunk by chunk; the M-step
takes ``tau * u``-weighted moments for the means and scale matrices and
solves one equation per component for the degrees of freedom.

The E-step reuses the Gaussian machinery: the covariance model's chunk
kernel, given no bias, yields ``-delta / 2`` for every component, and its
moment accumulators, fed ``tau * u`` instead of ``tau``, give the weighted
moments. The :class:`~gmmkit.stats.SuffStats` hold those moments (``nk`` is
the ``tau * u`` mass) and, in ``extra``, the masses ``sum tau`` and
``sum tau (log u - u)`` the M-step needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import digamma, gammaln

from ..covariance import covariance_model
from ..engine import ChunkEvaluator, normalise, weighted_sum
from ..stats import SuffStats
from .gaussian import mixture_centre, moments_to_stats

#: Interval searched for learned degrees of freedom.
DOF_BOUNDS = (1e-3, 1e6)
#: Keys of the Student-t sums in :attr:`SuffStats.extra`.
MASS, LOG_U_GAP = "mass", "log_u_gap"


@dataclass(frozen=True)
class TMixtureParams:
    """Parameters of a Student-t mixture.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
        Locations.
    covariances : ndarray
        Scale matrices, shaped per ``covariance_type``.
    precisions_cholesky : ndarray
        Cholesky factors of the inverse scale matrices, same shape.
    dof : ndarray of shape (n_components,)
        Degrees of freedom.
    covariance_type : str
    learn_dof : bool
        Whether the E-step keeps the sums that re-estimate ``dof``.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    dof: np.ndarray
    covariance_type: str
    learn_dof: bool = True

    def evaluator(self, dtype) -> StudentTEvaluator:
        """The E-step evaluator of these parameters for data of ``dtype``."""
        return StudentTEvaluator(self, dtype)


class StudentTEvaluator(ChunkEvaluator):
    """Student-t log-probabilities and ``tau * u``-weighted moments of a chunk."""

    def __init__(self, params: TMixtureParams, dtype: np.dtype):
        super().__init__()
        model = covariance_model(params.covariance_type)
        self.dtype = np.dtype(dtype)
        means, self.centre, log_weights = mixture_centre(params)
        dof = np.asarray(params.dof, dtype=np.float64)
        d = means.shape[1]
        log_norm = (
            log_weights
            + gammaln((dof + d) / 2)
            - gammaln(dof / 2)
            - 0.5 * d * np.log(dof * np.pi)
            + model.log_det_cholesky(params.precisions_cholesky, d)
        )
        # With no bias the Gaussian kernel gives -delta / 2 per component.
        self.kernel = model.chunk_kernel(
            means, params.precisions_cholesky, self.centre, np.zeros(len(means)), dtype
        )
        self.log_norm = log_norm.astype(dtype)
        self.dof = dof.astype(dtype)
        self.dof_plus_d = (dof + d).astype(dtype)
        self.learn_dof = params.learn_dof
        self.chunk_width = self.kernel.width + len(means)

    def weighted_log_prob(self, chunk: np.ndarray):
        """``log(w_k t(x | mu_k, Sigma_k, nu_k))``, shape (n, K).

        The work kept for :meth:`chunk_sums` is the squared Mahalanobis
        distances (n, K) and the Gaussian kernel's own work.
        """
        half_distance, work = self.kernel.log_prob(
            chunk.astype(self.dtype, copy=False), self._buffer
        )
        distance = half_distance
        distance *= -2.0
        # The expanded quadratic form can dip below zero by rounding.
        np.maximum(distance, 0.0, out=distance)
        log_prob = np.log1p(distance / self.dof)
        log_prob *= -0.5 * self.dof_plus_d
        log_prob += self.log_norm
        return log_prob, (distance, work)

    def chunk_sums(self, chunk, row_weight):  # noqa: D102
        log_prob, (distance, work) = self.weighted_log_prob(chunk)
        log_density, tau = normalise(log_prob, drop_negligible=True)
        u = self.dof_plus_d / (self.dof + distance)
        if row_weight is not None:
            tau *= row_weight[:, None]
        log_likelihood = weighted_sum(log_density, row_weight)
        mass = tau.sum(axis=0, dtype=np.float64)
        log_u_gap = np.zeros(len(mass))
        if self.learn_dof:
            log_u_gap = np.einsum("nk,nk->k", tau, np.log(u) - u, dtype=np.float64)
        tau *= u
        # Rows of tau * u do not sum to the sample weights, so none are passed:
        # the models read every mass from the responsibilities they are given.
        raw = self.kernel.accumulate(work, tau, None)
        return (*raw, log_likelihood, mass, log_u_gap)

    def suff_stats(self, totals, n_samples, weight):  # noqa: D102
        *raw, log_likelihood, mass, log_u_gap = totals
        return moments_to_stats(
            self.kernel,
            raw,
            self.centre,
            float(log_likelihood),
            n_samples,
            weight,
            extra={MASS: mass, LOG_U_GAP: log_u_gap},
        )


def t_m_step(
    stats: SuffStats,
    previous: TMixtureParams,
    reg_covar: float,
    eps: float,
) -> TMixtureParams:
    """New parameters from one E-step's statistics (raises ComponentCollapseError)."""
    model = covariance_model(previous.covariance_type)
    mass = stats.extra[MASS] + eps
    scaled_mass = stats.nk + eps
    delta = stats.sum_dx / scaled_mass[:, None]
    # The scale matrix is (sum_dxx - scaled_mass delta delta^T) / mass. The model
    # computes sum_dxx / nk - delta' delta'^T for nk = mass, so delta' is delta
    # shrunk by sqrt(scaled_mass / mass); this holds for all four types.
    shrunk = delta * np.sqrt(scaled_mass / mass)[:, None]
    covariances = model.covariances(stats.sum_dxx, mass, shrunk, reg_covar)
    dof = previous.dof
    if previous.learn_dof:
        dof = _update_dof(previous.dof, stats.extra[LOG_U_GAP] / mass, delta.shape[1])
    return TMixtureParams(
        weights=mass / mass.sum(),
        means=stats.shift + delta,
        covariances=covariances,
        precisions_cholesky=model.precisions_cholesky(covariances),
        dof=dof,
        covariance_type=previous.covariance_type,
        learn_dof=previous.learn_dof,
    )


def _update_dof(
    dof: np.ndarray, mean_log_u_gap: np.ndarray, n_features: int
) -> np.ndarray:
    """ECM update of each component's degrees of freedom.

    Solves ``log(nu/2) - digamma(nu/2) + c_k = 0`` with
    ``c_k = 1 + mean_k(log u - u) + digamma((nu_old + d)/2) - log((nu_old + d)/2)``.

    Parameters
    ----------
    dof : ndarray of shape (K,)
        Degrees of freedom the E-step used.
    mean_log_u_gap : ndarray of shape (K,)
        Responsibility-weighted mean of ``log u - u`` per component.
    n_features : int

    Returns
    -------
    dof : ndarray of shape (K,)
    """
    half = (dof + n_features) / 2
    constants = 1.0 + mean_log_u_gap + digamma(half) - np.log(half)
    return np.array([_solve_dof(c) for c in constants])


def _solve_dof(constant: float) -> float:
    """Root of ``log(nu/2) - digamma(nu/2) + constant`` in :data:`DOF_BOUNDS`.

    The left side falls from +inf to ``constant`` as ``nu`` grows, so the
    root is unique when it exists. Without a root in the bracket the bound
    on its side is returned: the upper bound when the component is as good
    as Gaussian. Either bound still raises the likelihood, since the
    function is the derivative of a unimodal objective.
    """

    def equation(nu: float) -> float:
        return float(np.log(nu / 2) - digamma(nu / 2) + constant)

    low, high = DOF_BOUNDS
    if equation(high) >= 0.0:
        return high
    if equation(low) <= 0.0:
        return low
    return brentq(equation, low, high, xtol=1e-12, rtol=1e-12)
