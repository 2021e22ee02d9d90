"""The variational family: the posterior of a Bayesian Gaussian mixture.

The model puts a Dirichlet distribution or a (truncated, stick-breaking)
Dirichlet process prior on the weights and a Normal–Wishart prior on each
component's mean and precision. Variational inference alternates two steps,
exactly as scikit-learn's ``BayesianGaussianMixture`` does:

- the variational E-step computes responsibilities from the expected log
  joint ``E[log pi_k] + E[log N(x | mu_k, Lambda_k)]`` under the current
  posterior. That expectation is, up to per-component constants, a Gaussian
  log-density with precision ``nu_k W_k``, so it runs through the Gaussian
  chunk kernels (:meth:`CovarianceModel.chunk_kernel`, the stacked full
  kernel included) and reduces to the same :class:`~gmmkit.stats.SuffStats`,
  with ``sum r log r`` kept in its ``extra``;
- the variational M-step turns those statistics (masses ``N_k``, means
  ``xbar_k`` and covariances ``S_k``) into the posterior's parameters; the
  Wishart update is the covariance model's
  (:meth:`CovarianceModel.wishart_posterior`).

The lower bound is the one scikit-learn reports: after the M-step the
posterior is optimal for the responsibilities, so the data and prior terms
of the ELBO collapse into normalising constants, and terms that never change
are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln

from ..covariance import covariance_model
from ..engine import ChunkEvaluator, normalise, weighted_sum
from ..stats import SuffStats
from .gaussian import moments_to_stats

WEIGHT_PRIOR_TYPES = ("dirichlet_process", "dirichlet_distribution")
#: Key of ``sum_n w_n sum_k r_nk log r_nk`` in :attr:`SuffStats.extra`.
RESP_LOG_RESP = "resp_log_resp"
_LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True)
class Prior:
    """Hyperparameters of the Dirichlet(-process) and Normal–Wishart priors.

    Attributes
    ----------
    weight_concentration : float
        Dirichlet concentration (``gamma`` of the Dirichlet process).
    mean_precision : float
        ``beta_0``: precision of the means' prior, relative to the component's.
    mean : ndarray of shape (n_features,)
        ``m_0``: prior mean of the means.
    degrees_of_freedom : float
        ``nu_0``: degrees of freedom of the Wishart prior.
    covariance : ndarray or float
        ``W_0^{-1}``: (d, d) for full and tied, (d,) for diag, a float for
        spherical.
    weight_prior_type : {"dirichlet_process", "dirichlet_distribution"}
    """

    weight_concentration: float
    mean_precision: float
    mean: np.ndarray
    degrees_of_freedom: float
    covariance: np.ndarray | float
    weight_prior_type: str


@dataclass(frozen=True)
class Posterior:
    """Parameters of the variational posterior, in scikit-learn's form.

    Attributes
    ----------
    weight_concentration : ndarray of shape (K,) or tuple of two such arrays
        Dirichlet concentrations, or the Beta parameters ``(a, b)`` of each
        stick-breaking fraction for the Dirichlet process.
    mean_precision : ndarray of shape (K,)
        ``beta_k``.
    means : ndarray of shape (K, d)
        ``m_k``.
    degrees_of_freedom : ndarray of shape (K,) or float
        ``nu_k`` (one shared value for tied).
    covariances : ndarray
        ``(nu_k W_k)^{-1}``, shaped per covariance type.
    precisions_cholesky : ndarray
        Cholesky factors of ``nu_k W_k``, same shape.
    covariance_type : str
    weight_prior_type : str
    """

    weight_concentration: np.ndarray | tuple[np.ndarray, np.ndarray]
    mean_precision: np.ndarray
    means: np.ndarray
    degrees_of_freedom: np.ndarray | float
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str
    weight_prior_type: str

    def evaluator(self, dtype) -> VariationalEvaluator:
        """The variational E-step evaluator for data of ``dtype``."""
        return VariationalEvaluator(self, dtype)


# ------------------------------------------------------------------ M-step
def variational_m_step(
    stats: SuffStats,
    prior: Prior,
    covariance_type: str,
    reg_covar: float,
    eps: float,
) -> Posterior:
    """Posterior parameters from sufficient statistics.

    Parameters
    ----------
    stats : SuffStats
        Responsibility-weighted moments of all rows.
    prior : Prior
    covariance_type : str
    reg_covar : float
        Added to the diagonal of each ``S_k``.
    eps : float
        Floor added to each component's mass, as in
        :func:`gmmkit.families.gaussian.m_step`.

    Returns
    -------
    posterior : Posterior

    Raises
    ------
    ComponentCollapseError
        When a posterior covariance is not positive definite.
    """
    model = covariance_model(covariance_type)
    nk = stats.nk + eps
    delta = stats.sum_dx / nk[:, None]
    xk = stats.shift + delta
    sk = model.covariances(stats.sum_dxx, nk, delta, reg_covar)
    mean_precision = prior.mean_precision + nk
    shrunk_sum = prior.mean_precision * prior.mean + nk[:, None] * xk
    means = shrunk_sum / mean_precision[:, None]
    degrees_of_freedom, covariances = model.wishart_posterior(
        nk, xk, sk, prior, mean_precision
    )
    return Posterior(
        weight_concentration=_posterior_weight_concentration(nk, prior),
        mean_precision=mean_precision,
        means=means,
        degrees_of_freedom=degrees_of_freedom,
        covariances=covariances,
        precisions_cholesky=model.precisions_cholesky(covariances),
        covariance_type=covariance_type,
        weight_prior_type=prior.weight_prior_type,
    )


def _posterior_weight_concentration(nk: np.ndarray, prior: Prior):
    if prior.weight_prior_type == "dirichlet_process":
        # Beta(1 + N_k, gamma + sum_{j > k} N_j) for each stick-breaking fraction.
        tail = np.concatenate([np.cumsum(nk[::-1])[-2::-1], [0.0]])
        return 1.0 + nk, prior.weight_concentration + tail
    return prior.weight_concentration + nk


# ---------------------------------------------------------- expectations
def expected_log_weights(posterior: Posterior) -> np.ndarray:
    """``E[log pi_k]`` under the posterior, shape (K,)."""
    concentration = posterior.weight_concentration
    if posterior.weight_prior_type == "dirichlet_process":
        a, b = concentration
        digamma_sum = digamma(a + b)
        # log pi_k = log v_k + sum_{j < k} log(1 - v_j), v_j ~ Beta(a_j, b_j)
        log_rest = np.cumsum(digamma(b) - digamma_sum)[:-1]
        return digamma(a) - digamma_sum + np.concatenate([[0.0], log_rest])
    return digamma(concentration) - digamma(np.sum(concentration))


def expected_weights(posterior: Posterior) -> np.ndarray:
    """Posterior mean of the weights (scikit-learn's ``weights_``), shape (K,)."""
    concentration = posterior.weight_concentration
    if posterior.weight_prior_type == "dirichlet_process":
        a, b = concentration
        stick = a / (a + b)
        rest = np.concatenate([[1.0], np.cumprod(b / (a + b))[:-1]])
        weights = stick * rest
    else:
        weights = np.asarray(concentration, dtype=np.float64)
    return weights / weights.sum()


def _sum_over_features(function, degrees_of_freedom, n_features: int) -> np.ndarray:
    """``sum_{i < d} function((nu - i) / 2)`` for scalar or per-component nu."""
    nu = np.asarray(degrees_of_freedom, dtype=np.float64)
    return function(0.5 * (nu[..., None] - np.arange(n_features))).sum(axis=-1)


def _log_det_scaled(posterior: Posterior, n_features: int):
    """``log |W_k|^(1/2)``: the Cholesky log-determinant without the ``nu_k``."""
    model = covariance_model(posterior.covariance_type)
    log_det = model.log_det_cholesky(posterior.precisions_cholesky, n_features)
    return log_det - 0.5 * n_features * np.log(posterior.degrees_of_freedom)


def _component_log_constants(posterior: Posterior) -> np.ndarray:
    """Terms of the expected log joint that do not depend on the row, (K,).

    ``E[log pi_k] + E[log |Lambda_k|] / 2 - d / (2 beta_k) - d log(2 pi) / 2``;
    the row's part is ``-nu_k (x - m_k)' W_k (x - m_k) / 2``.
    """
    d = posterior.means.shape[1]
    nu = posterior.degrees_of_freedom
    expected_log_det = d * np.log(2.0) + _sum_over_features(digamma, nu, d)
    return (
        expected_log_weights(posterior)
        + _log_det_scaled(posterior, d)
        + 0.5 * (expected_log_det - d / posterior.mean_precision)
        - 0.5 * d * _LOG_2PI
    )


# ------------------------------------------------------------------ E-step
class VariationalEvaluator(ChunkEvaluator):
    """Expected log joint of a chunk through the Gaussian chunk kernels.

    ``E[log pi_k] + E[log N(x | mu_k, Lambda_k)]`` is a Gaussian
    log-density with precision ``nu_k W_k`` and the per-component constants
    of :func:`_component_log_constants`.
    """

    def __init__(self, posterior: Posterior, dtype: np.dtype):
        super().__init__()
        model = covariance_model(posterior.covariance_type)
        self.dtype = np.dtype(dtype)
        means = np.asarray(posterior.means, dtype=np.float64)
        self.centre = expected_weights(posterior) @ means
        self.kernel = model.chunk_kernel(
            means,
            posterior.precisions_cholesky,
            self.centre,
            _component_log_constants(posterior),
            self.dtype,
        )
        self.chunk_width = self.kernel.width + len(means)

    def weighted_log_prob(self, chunk: np.ndarray):  # noqa: D102
        return self.kernel.log_prob(chunk.astype(self.dtype, copy=False), self._buffer)

    def chunk_sums(self, chunk, row_weight):  # noqa: D102
        log_joint, work = self.weighted_log_prob(chunk)
        log_resp = self._buffer("log_resp", log_joint.T.shape, log_joint.dtype).T
        np.copyto(log_resp, log_joint)
        log_norm, resp = normalise(log_joint, drop_negligible=True)
        log_resp -= log_norm[:, None]
        per_row = (resp * log_resp) @ np.ones(resp.shape[1], dtype=resp.dtype)
        if row_weight is not None:
            resp *= row_weight[:, None]
        raw = self.kernel.accumulate(work, resp, row_weight)
        return (
            *raw,
            weighted_sum(log_norm, row_weight),
            weighted_sum(per_row, row_weight),
        )

    def suff_stats(self, totals, n_samples, weight):  # noqa: D102
        *raw, log_norm, resp_log_resp = totals
        return moments_to_stats(
            self.kernel,
            raw,
            self.centre,
            float(log_norm),
            n_samples,
            weight,
            extra={RESP_LOG_RESP: float(resp_log_resp)},
        )


# ------------------------------------------------------------- lower bound
def _log_wishart_norm(degrees_of_freedom, log_det_scaled, n_features: int):
    """Log normaliser of the Wishart, without its ``log pi`` term."""
    return -(
        degrees_of_freedom * log_det_scaled
        + degrees_of_freedom * n_features * 0.5 * np.log(2.0)
        + _sum_over_features(gammaln, degrees_of_freedom, n_features)
    )


def lower_bound(posterior: Posterior, stats: SuffStats) -> float:
    """The variational lower bound as scikit-learn computes it.

    Valid right after :func:`variational_m_step`, when the posterior is
    optimal for the responsibilities; constant terms are left out.

    Parameters
    ----------
    posterior : Posterior
        Posterior from the M-step.
    stats : SuffStats
        From the E-step that produced the M-step's statistics; its
        ``extra["resp_log_resp"]`` is ``sum_n w_n sum_k r_nk log r_nk``.

    Returns
    -------
    lower_bound : float
    """
    n_components, d = posterior.means.shape
    log_wishart = _log_wishart_norm(
        posterior.degrees_of_freedom, _log_det_scaled(posterior, d), d
    )
    if np.ndim(log_wishart) == 0:
        # One Wishart shared by all components (tied), counted once for each.
        log_wishart = n_components * log_wishart
    else:
        log_wishart = np.sum(log_wishart)
    concentration = posterior.weight_concentration
    if posterior.weight_prior_type == "dirichlet_process":
        log_norm_weight = -np.sum(betaln(*concentration))
    else:
        log_norm_weight = gammaln(np.sum(concentration)) - np.sum(
            gammaln(concentration)
        )
    return float(
        -stats.extra[RESP_LOG_RESP]
        - log_wishart
        - log_norm_weight
        - 0.5 * d * np.sum(np.log(posterior.mean_precision))
    )
