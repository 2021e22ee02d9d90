"""BayesianGaussianMixture: variational inference for a Gaussian mixture.

The model puts a Dirichlet distribution or a (truncated, stick-breaking)
Dirichlet process prior on the weights and a Normal–Wishart prior on each
component's mean and precision. Variational inference alternates two steps,
exactly as scikit-learn's ``BayesianGaussianMixture`` does:

- the variational E-step computes responsibilities from the expected log
  joint ``E[log pi_k] + E[log N(x | mu_k, Lambda_k)]`` under the current
  posterior. That expectation is, up to per-component constants, a Gaussian
  log-density with precision ``nu_k W_k``, so it runs through the same
  chunked distance kernels as :func:`gmmkit.engine.e_step` and reduces to
  the same :class:`~gmmkit.stats.SuffStats`;
- the variational M-step turns those statistics (masses ``N_k``, means
  ``xbar_k`` and covariances ``S_k``, from :func:`gmmkit.covariance.covariance_model`)
  into the posterior's parameters.

The lower bound is the one scikit-learn reports: after the M-step the
posterior is optimal for the responsibilities, so the data and prior terms
of the ELBO collapse into normalising constants, and terms that never change
are dropped.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import betaln, digamma, gammaln

from ._mixture_base import MixtureBase
from ._validation import (
    as_float_array,
    as_generator,
    check_choice,
    check_data,
    check_float,
    check_int,
    check_positive,
    check_sample_weight,
    is_finite_real,
)
from .covariance import COVARIANCE_TYPES, _check_spd, covariance_model
from .distributed import is_dask_collection
from .engine import (
    _add_raw,
    _normalise,
    _suff_stats,
    auto_chunk_size,
    iter_chunks,
    map_chunks,
    stats_from_responsibilities,
)
from .exceptions import ComponentCollapseError, ConvergenceWarning
from .init import INIT_METHODS, initial_responsibilities
from .stats import SuffStats
from .stepwise import scale

logger = logging.getLogger("gmmkit")

WEIGHT_PRIOR_TYPES = ("dirichlet_process", "dirichlet_distribution")
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
        Floor added to each component's mass, as in :func:`gmmkit.engine.m_step`.

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
    weighted_sum = prior.mean_precision * prior.mean + nk[:, None] * xk
    means = weighted_sum / mean_precision[:, None]
    degrees_of_freedom, covariances = _WISHART_UPDATES[covariance_type](
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


def _wishart_full(nk, xk, sk, prior, mean_precision):
    diff = xk - prior.mean
    shrink = nk * prior.mean_precision / mean_precision
    dof = prior.degrees_of_freedom + nk
    scale = (
        prior.covariance
        + nk[:, None, None] * sk
        + shrink[:, None, None] * diff[:, :, None] * diff[:, None, :]
    )
    # Normalised by the degrees of freedom (scikit-learn's convention), so the
    # covariances are those of the expected precision nu_k W_k.
    return dof, scale / dof[:, None, None]


def _wishart_tied(nk, xk, sk, prior, mean_precision):
    # One Wishart shared by all components, each seeing an average share of
    # the data (scikit-learn's tied model).
    n_components = len(nk)
    diff = xk - prior.mean
    dof = prior.degrees_of_freedom + nk.sum() / n_components
    scale = (
        prior.covariance
        + sk * nk.sum() / n_components
        + prior.mean_precision / n_components * ((nk / mean_precision) * diff.T) @ diff
    )
    return dof, scale / dof


def _wishart_diag(nk, xk, sk, prior, mean_precision):
    diff = xk - prior.mean
    dof = prior.degrees_of_freedom + nk
    scale = prior.covariance + nk[:, None] * (
        sk + (prior.mean_precision / mean_precision)[:, None] * diff**2
    )
    return dof, scale / dof[:, None]


def _wishart_spherical(nk, xk, sk, prior, mean_precision):
    diff = xk - prior.mean
    dof = prior.degrees_of_freedom + nk
    scale = prior.covariance + nk * (
        sk + prior.mean_precision / mean_precision * np.mean(diff**2, axis=1)
    )
    return dof, scale / dof


_WISHART_UPDATES: dict[str, Callable] = {
    "full": _wishart_full,
    "tied": _wishart_tied,
    "diag": _wishart_diag,
    "spherical": _wishart_spherical,
}


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
class _Evaluator:
    """Expected log joint of a chunk as one matrix product, like the engine's.

    ``features(x - centre) @ weight_matrix`` gives, for every component,
    ``-nu_k (x - m_k)' W_k (x - m_k) / 2`` plus its constant.
    """

    def __init__(self, posterior: Posterior, dtype: np.dtype):
        model = covariance_model(posterior.covariance_type)
        self.model = model
        means = np.asarray(posterior.means, dtype=np.float64)
        self.centre = expected_weights(posterior) @ means
        kernel = model.distance_kernel(
            means - self.centre, posterior.precisions_cholesky
        )
        weight_matrix = -0.5 * kernel.coef
        weight_matrix[0] += _component_log_constants(posterior)
        self.features = kernel.features
        self.weight_matrix = weight_matrix.astype(dtype)
        self.centre_dtype = self.centre.astype(dtype)
        self.chunk_width = max(kernel.coef.shape)

    def log_joint(self, chunk: np.ndarray):
        """Expected log joint (n, K), the centred chunk and its features."""
        features, centred = self.features(chunk, self.centre_dtype)
        # Component-major, so the log-sum-exp reads contiguous columns.
        return (self.weight_matrix.T @ features).T, centred, features


def variational_e_step(
    posterior: Posterior,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    chunk_size: int | None = None,
) -> tuple[SuffStats, float]:
    """Responsibilities under the posterior, reduced chunk by chunk.

    Parameters
    ----------
    posterior : Posterior
    X : ndarray of shape (n_samples, n_features)
        Data, float64 or float32; chunk arithmetic stays in its dtype.
    sample_weight : ndarray of shape (n_samples,) or None
    chunk_size : int or None
        Rows per chunk; None picks one from the problem size.

    Returns
    -------
    stats : SuffStats
        Float64 moments for :func:`variational_m_step`; ``log_likelihood`` is
        the weighted sum of the rows' log-normalisers.
    resp_log_resp : float
        ``sum_n w_n sum_k r_nk log r_nk``: the negative of the
        responsibilities' entropy, a term of the lower bound.
    """
    evaluator = _Evaluator(posterior, X.dtype)
    model = evaluator.model
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width)

    def chunk_stats(rows: slice) -> tuple[tuple, float, float]:
        log_joint, centred, features = evaluator.log_joint(X[rows])
        log_resp = log_joint.copy()
        log_norm, resp = _normalise(log_joint, drop_negligible=True)
        log_resp -= log_norm[:, None]
        per_row = (resp * log_resp) @ np.ones(resp.shape[1], dtype=resp.dtype)
        row_weight = None if sample_weight is None else sample_weight[rows]
        if row_weight is not None:
            resp *= row_weight[:, None]
            log_norm_sum = float(row_weight @ log_norm.astype(np.float64))
            resp_log_resp_sum = float(row_weight @ per_row.astype(np.float64))
        else:
            log_norm_sum = float(log_norm.sum(dtype=np.float64))
            resp_log_resp_sum = float(per_row.sum(dtype=np.float64))
        chunk_raw = model.accumulate(centred, features, resp, row_weight)
        return chunk_raw, log_norm_sum, resp_log_resp_sum

    raw, log_norm_total, resp_log_resp = None, 0.0, 0.0
    for chunk_raw, log_norm_sum, resp_log_resp_sum in map_chunks(
        chunk_stats, X.shape[0], chunk_size
    ):
        raw = _add_raw(raw, chunk_raw)
        log_norm_total += log_norm_sum
        resp_log_resp += resp_log_resp_sum
    stats = _suff_stats(model, raw, evaluator.centre, log_norm_total, X, sample_weight)
    return stats, resp_log_resp


def iter_log_joint(
    posterior: Posterior, X: np.ndarray, chunk_size: int | None = None
) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
    """Yield ``(rows, log_norm, responsibilities)`` chunk by chunk.

    ``log_norm`` is the log-sum-exp over components of the expected log
    joint, what scikit-learn's ``score_samples`` returns for this model.
    """
    evaluator = _Evaluator(posterior, X.dtype)
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width)
    for rows in iter_chunks(X.shape[0], chunk_size):
        log_joint, _, _ = evaluator.log_joint(X[rows])
        log_norm, resp = _normalise(log_joint)
        yield rows, log_norm, resp


# ------------------------------------------------------------- lower bound
def _log_wishart_norm(degrees_of_freedom, log_det_scaled, n_features: int):
    """Log normaliser of the Wishart, without its ``log pi`` term."""
    return -(
        degrees_of_freedom * log_det_scaled
        + degrees_of_freedom * n_features * 0.5 * np.log(2.0)
        + _sum_over_features(gammaln, degrees_of_freedom, n_features)
    )


def lower_bound(posterior: Posterior, resp_log_resp: float) -> float:
    """The variational lower bound as scikit-learn computes it.

    Valid right after :func:`variational_m_step`, when the posterior is
    optimal for the responsibilities; constant terms are left out.

    Parameters
    ----------
    posterior : Posterior
        Posterior from the M-step.
    resp_log_resp : float
        From the E-step that produced the M-step's statistics.

    Returns
    -------
    lower_bound : float
    """
    n_components, d = posterior.means.shape
    log_wishart = _log_wishart_norm(
        posterior.degrees_of_freedom, _log_det_scaled(posterior, d), d
    )
    if posterior.covariance_type == "tied":
        log_wishart = n_components * log_wishart  # one Wishart per component
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
        -resp_log_resp
        - log_wishart
        - log_norm_weight
        - 0.5 * d * np.sum(np.log(posterior.mean_precision))
    )


# ---------------------------------------------------------------- priors
def _data_moments(
    X: np.ndarray, sample_weight: np.ndarray | None, diagonal: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance (or variances) of the rows, chunk by chunk.

    Weights count as repetitions, so the divisor is their sum minus one (the
    row count minus one without weights, as ``numpy.cov``).
    """
    if is_dask_collection(X):
        from .distributed import data_moments

        return data_moments(X, sample_weight, diagonal)
    n_samples, d = X.shape
    if sample_weight is None:
        total = float(n_samples)
        mean = X.sum(axis=0, dtype=np.float64) / total
    else:
        total = float(sample_weight.sum(dtype=np.float64))
        mean = sample_weight.astype(np.float64) @ X / total
    scatter = np.zeros(d if diagonal else (d, d))
    for rows in iter_chunks(n_samples, auto_chunk_size(d)):
        centred = X[rows].astype(np.float64) - mean
        weighted = centred
        if sample_weight is not None:
            weighted = centred * sample_weight[rows, None].astype(np.float64)
        if diagonal:
            scatter += np.einsum("ij,ij->j", weighted, centred)
        else:
            scatter += weighted.T @ centred
    # Fractional weights may sum to one or less: fall back to the plain sum.
    divisor = total - 1.0 if total > 1.0 else total
    return mean, scatter / divisor


def _check_covariance_prior(value: Any, covariance_type: str, n_features: int):
    name = "covariance_prior"
    if covariance_type == "spherical":
        if np.ndim(value) != 0:
            raise ValueError(
                f"{name} for covariance_type='spherical' must be a positive "
                f"number, got an array of shape {np.shape(value)}."
            )
        return check_positive(np.asarray(value).item(), name)
    expected = (n_features,) if covariance_type == "diag" else (n_features,) * 2
    covariance = as_float_array(value, name)
    if covariance.shape != expected:
        raise ValueError(
            f"{name} for covariance_type={covariance_type!r} must have shape "
            f"{expected}, got {covariance.shape}."
        )
    if not np.all(np.isfinite(covariance)):
        raise ValueError(f"{name} contains NaN or infinity.")
    if covariance_type == "diag":
        if np.any(covariance <= 0.0):
            raise ValueError(f"{name} must be positive for covariance_type='diag'.")
    else:
        _check_spd(covariance, name)
    return covariance


# --------------------------------------------------------------- estimator
class BayesianGaussianMixture(MixtureBase):
    """Variational Bayesian estimation of a Gaussian mixture.

    Fits the same model as scikit-learn's ``BayesianGaussianMixture``, with
    the same updates and lower bound, on gmmkit's chunked kernels: memory
    during a fit is bounded by ``chunk_size``. Offered more components than
    the data need, it drives the weights of the spare ones towards zero.

    Parameters
    ----------
    n_components : int, default=1
        Largest number of components; the data decide how many keep weight.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Form of each component's covariance.
    tol : float, default=1e-3
        Stop when the lower bound changes by less.
    reg_covar : float, default=1e-6
        Added to the diagonal of each component's sample covariance.
    max_iter : int, default=100
        Most iterations per start.
    n_init : int, default=1
        Number of starts; the one with the highest lower bound is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"} or \
array-like of shape (n_samples, n_components), default="kmeans"
        How starts are made (as in :class:`~gmmkit.GaussianMixture`), or the
        starting responsibilities themselves: non-negative rows summing to 1.
        The first M-step turns them into the starting posterior, so two fits
        given the same array start identically.
    weight_concentration_prior_type : {"dirichlet_process", \
"dirichlet_distribution"}, default="dirichlet_process"
        Prior on the weights: a stick-breaking Dirichlet process truncated at
        ``n_components``, or a Dirichlet distribution.
    weight_concentration_prior : float, optional
        Concentration of the weight prior (``gamma`` or ``alpha_0``); small
        values favour few components. Default ``1 / n_components``.
    mean_precision_prior : float, optional
        ``beta_0``, how tightly the means are held to ``mean_prior``.
        Default 1.
    mean_prior : array-like of shape (n_features,), optional
        ``m_0``, prior mean of the means. Default: the data's mean.
    degrees_of_freedom_prior : float, optional
        ``nu_0`` of the Wishart prior, greater than ``n_features - 1``.
        Default ``n_features``.
    covariance_prior : float or array-like, optional
        ``W_0^{-1}``, prior of the covariances: (d, d) for full and tied,
        (d,) for diag, a positive float for spherical. Default: the data's
        covariance (its variances for diag, their mean for spherical).
    random_state : None, int, RandomState or Generator
        Seed for the starts and for :meth:`sample`.
    warm_start : bool, default=False
        Start each ``fit`` from the previous posterior (``n_init`` ignored).
    verbose : int, default=0
        1 logs each start, 2 also every ``verbose_interval`` iterations, to
        the ``"gmmkit"`` logger (the library never prints).
    verbose_interval : int, default=10
        Iterations between messages at ``verbose=2``.
    chunk_size : int, optional
        Rows per E-step chunk. None picks a size keeping each chunk's
        largest block near 2 MiB.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Posterior mean of the weights.
    weight_concentration_ : ndarray of shape (n_components,) or tuple
        Dirichlet concentrations, or for the Dirichlet process the Beta
        parameters ``(a, b)`` of each stick-breaking fraction.
    mean_precision_ : ndarray of shape (n_components,)
        ``beta_k``.
    means_ : ndarray of shape (n_components, n_features)
        Posterior means of the component means.
    degrees_of_freedom_ : ndarray of shape (n_components,) or float
        ``nu_k`` (one value for tied).
    covariances_ : ndarray
        Inverse of the expected precision, ``(nu_k W_k)^{-1}``: (K, d, d)
        full, (d, d) tied, (K, d) diag, (K,) spherical.
    precisions_ : ndarray
        Expected precisions ``nu_k W_k``, same shape.
    precisions_cholesky_ : ndarray
        ``U`` with ``precision = U @ U.T``, same shape.
    weight_concentration_prior_, mean_precision_prior_, mean_prior_, \
degrees_of_freedom_prior_, covariance_prior_
        The priors used, defaults filled in.
    converged_ : bool
        Whether the best start met ``tol``.
    n_iter_ : int
        Iterations of the best start.
    lower_bound_ : float
        Lower bound (scikit-learn's, constant terms omitted) at the end of
        the best start; ``-inf`` when ``max_iter=0``.
    history_ : list of float
        Lower bound after each iteration of the best start.
    lower_bounds_ : list of float
        Same as ``history_`` (scikit-learn's name).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present only when fitted on a DataFrame with string column names.

    Notes
    -----
    :meth:`score_samples` and :meth:`predict_proba` use the expected log
    joint under the posterior, as scikit-learn does, not the density of the
    mixture of ``weights_``, ``means_`` and ``covariances_``.

    Examples
    --------
    >>> from gmmkit.bayesian import BayesianGaussianMixture
    >>> from gmmkit.datasets import make_mixture
    >>> X, _ = make_mixture(
    ...     300, [[0, 0], [8, 0], [0, 8]], [1.0, 1.0, 1.0], random_state=0
    ... )
    >>> bgm = BayesianGaussianMixture(n_components=6, random_state=0).fit(X)
    >>> int((bgm.weights_ > 0.01).sum())
    3
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str | Any = "kmeans",
        weight_concentration_prior_type: str = "dirichlet_process",
        weight_concentration_prior: float | None = None,
        mean_precision_prior: float | None = None,
        mean_prior: Any = None,
        degrees_of_freedom_prior: float | None = None,
        covariance_prior: Any = None,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        chunk_size: int | None = None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.chunk_size = chunk_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "density_estimator"
        return tags

    # ------------------------------------------------------------------ checks
    def _check_parameters(self) -> None:
        check_int(self.n_components, "n_components", minimum=1)
        check_choice(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        check_float(self.tol, "tol")
        check_float(self.reg_covar, "reg_covar")
        check_int(self.max_iter, "max_iter", minimum=0)
        check_int(self.n_init, "n_init", minimum=1)
        if isinstance(self.init_params, str):
            check_choice(self.init_params, "init_params", INIT_METHODS)
        check_choice(
            self.weight_concentration_prior_type,
            "weight_concentration_prior_type",
            WEIGHT_PRIOR_TYPES,
        )
        for name in ("weight_concentration_prior", "mean_precision_prior"):
            if getattr(self, name) is not None:
                check_positive(getattr(self, name), name)
        dof = self.degrees_of_freedom_prior
        if dof is not None and not is_finite_real(dof):
            raise ValueError(
                "degrees_of_freedom_prior must be a number greater than "
                f"n_features - 1, got {dof!r}."
            )
        check_int(self.verbose, "verbose", minimum=0)
        check_int(self.verbose_interval, "verbose_interval", minimum=1)
        if self.chunk_size is not None:
            check_int(self.chunk_size, "chunk_size", minimum=1)
        if not isinstance(self.warm_start, bool | np.bool_):
            raise ValueError(
                f"warm_start must be True or False, got {self.warm_start!r}."
            )

    def _prior(self, X: np.ndarray, sample_weight: np.ndarray | None) -> Prior:
        """Priors with defaults from the data filled in; checks user values."""
        d = X.shape[1]
        diagonal = self.covariance_type in ("diag", "spherical")
        data_mean, data_covariance = _data_moments(X, sample_weight, diagonal)
        if self.mean_prior is None:
            mean = data_mean
        else:
            mean = as_float_array(self.mean_prior, "mean_prior")
            if mean.shape != (d,):
                raise ValueError(
                    f"mean_prior must have shape ({d},), got {mean.shape}."
                )
            if not np.all(np.isfinite(mean)):
                raise ValueError("mean_prior contains NaN or infinity.")
        if self.degrees_of_freedom_prior is None:
            dof = float(d)
        else:
            dof = float(self.degrees_of_freedom_prior)
            if dof <= d - 1:
                raise ValueError(
                    f"degrees_of_freedom_prior must be greater than n_features - 1 "
                    f"= {d - 1}, got {dof:g}."
                )
        if self.covariance_prior is None:
            covariance = (
                float(data_covariance.mean())
                if self.covariance_type == "spherical"
                else data_covariance
            )
        else:
            covariance = _check_covariance_prior(
                self.covariance_prior, self.covariance_type, d
            )
        return Prior(
            weight_concentration=(
                1.0 / self.n_components
                if self.weight_concentration_prior is None
                else float(self.weight_concentration_prior)
            ),
            mean_precision=(
                1.0
                if self.mean_precision_prior is None
                else float(self.mean_precision_prior)
            ),
            mean=mean,
            degrees_of_freedom=dof,
            covariance=covariance,
            weight_prior_type=self.weight_concentration_prior_type,
        )

    def _given_responsibilities(self, n_samples: int, dtype) -> np.ndarray:
        resp = as_float_array(self.init_params, "init_params")
        expected = (n_samples, self.n_components)
        if resp.shape != expected:
            methods = ", ".join(repr(m) for m in INIT_METHODS)
            raise ValueError(
                f"init_params must be one of {methods}, or responsibilities of "
                f"shape (n_samples, n_components) = {expected}; got an array of "
                f"shape {resp.shape}."
            )
        if not np.all(np.isfinite(resp)) or np.any(resp < 0):
            raise ValueError(
                "init_params given as responsibilities must be finite and non-negative."
            )
        row_sums = resp.sum(axis=1)
        off = np.flatnonzero(np.abs(row_sums - 1.0) > 1e-6)
        if off.size:
            raise ValueError(
                f"init_params given as responsibilities must have rows summing to "
                f"1; row {off[0]} sums to {row_sums[off[0]]:.6g}."
            )
        return resp.astype(dtype)

    # --------------------------------------------------------------------- fit
    def _fit(self, X: Any, sample_weight: Any) -> np.ndarray:
        self._check_parameters()
        if is_dask_collection(X):
            from .distributed import check_dask_data, check_dask_weights

            if not isinstance(self.init_params, str):
                raise ValueError(
                    "init_params given as responsibilities cannot be used with "
                    "Dask input; use one of " + ", ".join(map(repr, INIT_METHODS))
                )
            X, names = check_dask_data(X, min_samples=2)
            weights = check_dask_weights(sample_weight, X)
        else:
            X, names = check_data(X, min_samples=2)
            weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        n_samples, n_features = X.shape
        if n_samples < self.n_components:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = "
                f"{self.n_components}, n_samples = {n_samples}. Use fewer "
                "components or more data."
            )
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        if not do_init and n_features != self.n_features_in_:
            raise ValueError(
                f"warm_start needs the same features: the model was fitted on "
                f"{self.n_features_in_} features, X has {n_features}."
            )
        given = None
        if do_init and not isinstance(self.init_params, str):
            given = self._given_responsibilities(n_samples, X.dtype)
        prior = self._prior(X, weights)
        n_init = self.n_init if do_init else 1
        rng = as_generator(self.random_state)
        eps = float(10 * np.finfo(X.dtype).eps)

        best = None
        failures: list[ComponentCollapseError] = []
        for start in range(n_init):
            try:
                result = self._run(X, weights, prior, given, rng, eps, do_init, start)
            except ComponentCollapseError as error:
                failures.append(error)
                continue
            if best is None or result["lower_bound"] > best["lower_bound"]:
                best = result
        if best is None:
            raise failures[0]
        if failures:
            warnings.warn(
                f"{len(failures)} of {n_init} starts collapsed and were discarded "
                f"({failures[0]}); the best of the remaining starts is kept.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if not best["converged"] and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different "
                "init parameters, or increase max_iter, tol, or check for "
                "degenerate data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self._set_prior(prior)
        self._set_posterior(best["posterior"], X.dtype)
        self.converged_ = best["converged"]
        self.n_iter_ = best["n_iter"]
        self.lower_bound_ = best["lower_bound"]
        self.history_ = best["history"]
        self.lower_bounds_ = self.history_
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._sample_rng = rng
        return X

    def _start(self, X, weights, prior, given, rng, eps) -> Posterior:
        """Starting posterior: one M-step from the starting responsibilities.

        For Dask input the responsibilities come from a random sample of the
        rows, whose statistics are scaled up to the whole data's weight.
        """
        if is_dask_collection(X):
            from .distributed import INIT_SAMPLE_SIZE, sample_rows

            rows, row_weights = sample_rows(X, weights, INIT_SAMPLE_SIZE, rng)
            responsibilities = initial_responsibilities(
                rows, self.n_components, self.init_params, rng, row_weights
            )
            stats = stats_from_responsibilities(
                rows, responsibilities, self.covariance_type, row_weights
            )
            total = X.shape[0] if weights is None else float(weights.sum().compute())
            return variational_m_step(
                scale(stats, total / stats.weight),
                prior,
                self.covariance_type,
                self.reg_covar,
                eps,
            )
        if given is None:
            responsibilities = initial_responsibilities(
                X, self.n_components, self.init_params, rng, weights
            )
        else:

            def responsibilities(rows):
                return given[rows]

        stats = stats_from_responsibilities(
            X, responsibilities, self.covariance_type, weights, self.chunk_size
        )
        return variational_m_step(
            stats, prior, self.covariance_type, self.reg_covar, eps
        )

    def _run(self, X, weights, prior, given, rng, eps, do_init, start) -> dict:
        """One run of variational inference; raises ComponentCollapseError."""
        iteration = 0
        try:
            if do_init:
                posterior = self._start(X, weights, prior, given, rng, eps)
                bound = -np.inf
            else:
                posterior = self._posterior()
                bound = self.lower_bound_
            if self.verbose:
                logger.info("Initialization %d", start)
            history: list[float] = []
            converged = False
            tic = time.perf_counter()
            for iteration in range(1, self.max_iter + 1):
                previous = bound
                stats, resp_log_resp = self._e_step(posterior, X, weights)
                posterior = variational_m_step(
                    stats, prior, self.covariance_type, self.reg_covar, eps
                )
                bound = lower_bound(posterior, resp_log_resp)
                history.append(bound)
                change = bound - previous
                if self.verbose >= 2 and iteration % self.verbose_interval == 0:
                    logger.info(
                        "  Iteration %d\t time lapse %.5fs\t lower bound change %.5f",
                        iteration,
                        time.perf_counter() - tic,
                        change,
                    )
                if abs(change) < self.tol:
                    converged = True
                    break
        except ComponentCollapseError as error:
            raise self._collapse_error(error, iteration, start) from None
        if self.verbose:
            status = "converged" if converged else "did not converge"
            logger.info("Initialization %d %s. lower bound %.5f", start, status, bound)
        return {
            "posterior": posterior,
            "lower_bound": bound,
            "converged": converged,
            "n_iter": iteration,
            "history": history,
        }

    def _e_step(self, posterior: Posterior, X, weights) -> tuple[SuffStats, float]:
        if is_dask_collection(X):
            from .distributed import reduce_blocks

            kernel = functools.partial(
                variational_e_step, posterior, chunk_size=self.chunk_size
            )
            return reduce_blocks(kernel, X, weights)
        return variational_e_step(posterior, X, weights, self.chunk_size)

    def _collapse_error(
        self, error: ComponentCollapseError, iteration: int, start: int
    ) -> ComponentCollapseError:
        where = "at initialisation" if iteration == 0 else f"at iteration {iteration}"
        return ComponentCollapseError(
            f"Fitting the mixture failed {where} (start {start + 1} of {self.n_init}): "
            f"{error}. Try a larger reg_covar (now {self.reg_covar:g}) or a "
            "covariance_prior that is positive definite, or standardise features "
            "that have very different scales or are constant.",
            error.components,
        )

    # ------------------------------------------------------------- parameters
    def _set_prior(self, prior: Prior) -> None:
        self.weight_concentration_prior_ = prior.weight_concentration
        self.mean_precision_prior_ = prior.mean_precision
        self.mean_prior_ = prior.mean
        self.degrees_of_freedom_prior_ = prior.degrees_of_freedom
        self.covariance_prior_ = prior.covariance

    def _set_posterior(self, posterior: Posterior, dtype: np.dtype) -> None:
        model = covariance_model(self.covariance_type)
        self.weight_concentration_ = posterior.weight_concentration
        self.mean_precision_ = posterior.mean_precision
        self.degrees_of_freedom_ = posterior.degrees_of_freedom
        self.weights_ = expected_weights(posterior).astype(dtype)
        self.means_ = posterior.means.astype(dtype)
        self.covariances_ = posterior.covariances.astype(dtype)
        self.precisions_cholesky_ = posterior.precisions_cholesky.astype(dtype)
        self.precisions_ = model.precisions(posterior.precisions_cholesky).astype(dtype)

    def _posterior(self) -> Posterior:
        return Posterior(
            weight_concentration=self.weight_concentration_,
            mean_precision=self.mean_precision_,
            means=self.means_.astype(np.float64),
            degrees_of_freedom=self.degrees_of_freedom_,
            covariances=self.covariances_.astype(np.float64),
            precisions_cholesky=self.precisions_cholesky_.astype(np.float64),
            covariance_type=self.covariance_type,
            weight_prior_type=self.weight_concentration_prior_type,
        )

    # -------------------------------------------------------------- inference
    def _iter_log_prob(self, X: np.ndarray):
        return iter_log_joint(self._posterior(), X, self.chunk_size)

    def _log_prob_kernel(self):
        return functools.partial(
            iter_log_joint, self._posterior(), chunk_size=self.chunk_size
        )

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-sum-exp over components of the expected log joint of each row.

        As in scikit-learn, this is not the density of the point-estimate
        mixture but its variational counterpart.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_norm : ndarray of shape (n_samples,)
        """
        return super().score_samples(X)

    def sample(
        self, n_samples: int = 1, random_state: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw samples from the mixture of ``weights_``, ``means_``, ``covariances_``.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or Generator, optional
            Seed for this draw. Without one, draws continue a stream seeded
            by the estimator's ``random_state``, so successive calls differ.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Samples, grouped by component.
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        self._check_is_fitted()
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = self._sample_rng if random_state is None else as_generator(random_state)
        weights = self.weights_.astype(np.float64)
        counts = rng.multinomial(n_samples, weights / weights.sum())
        X = covariance_model(self.covariance_type).sample(
            rng,
            self.means_.astype(np.float64),
            self.covariances_.astype(np.float64),
            counts,
        )
        y = np.repeat(np.arange(self.n_components), counts)
        return X.astype(self.means_.dtype), y


__all__ = ["BayesianGaussianMixture", "Posterior", "Prior"]
