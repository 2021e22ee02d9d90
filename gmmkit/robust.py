"""StudentTMixture: a mixture of multivariate Student-t distributions.

Heavy tails make the fit robust: EM gives each row a latent scale weight
``u = (nu + d) / (nu + delta)`` (``delta`` its squared Mahalanobis distance),
so far-away rows barely move the means and scale matrices. The fit is the
ECM algorithm of McLachlan & Peel (2000), chapter 7: an E-step computes the
responsibilities ``tau`` and the weights ``u`` chunk by chunk; the M-step
takes ``tau * u``-weighted moments for the means and scale matrices and
solves one equation per component for the degrees of freedom.

The E-step reuses the Gaussian machinery: a covariance model's distance
kernel gives the Mahalanobis distances, and its moment accumulators, fed
``tau * u`` instead of ``tau``, give the weighted moments.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import digamma, gammaln

from ._mixture_base import InformationCriteria, MixtureBase, check_initial_values
from ._validation import (
    as_generator,
    check_choice,
    check_data,
    check_float,
    check_int,
    check_sample_weight,
)
from .covariance import COVARIANCE_TYPES, covariance_model
from .engine import (
    _add_raw,
    _normalise,
    auto_chunk_size,
    iter_chunks,
    map_chunks,
)
from .exceptions import ComponentCollapseError, ConvergenceWarning
from .init import INIT_METHODS, background_candidates, initial_params

__all__ = ["StudentTMixture"]

#: Interval searched for learned degrees of freedom.
DOF_BOUNDS = (1e-3, 1e6)


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
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    dof: np.ndarray
    covariance_type: str


@dataclass(frozen=True)
class _TStats:
    """What one E-step pass over all rows yields (float64).

    ``mass`` is ``sum_n w_n tau_nk``; ``scaled_mass``, ``sum_dx`` and
    ``sum_dxx`` are the ``w tau u``-weighted mass and moments about ``shift``;
    ``log_u_gap`` is ``sum_n w_n tau_nk (log u_nk - u_nk)``.
    """

    mass: np.ndarray
    scaled_mass: np.ndarray
    sum_dx: np.ndarray
    sum_dxx: np.ndarray
    shift: np.ndarray
    log_u_gap: np.ndarray
    log_likelihood: float
    weight: float


class _Evaluator:
    """Per-parameter constants of the E-step, prepared once per pass."""

    def __init__(self, params: TMixtureParams, dtype: np.dtype):
        model = covariance_model(params.covariance_type)
        means = np.asarray(params.means, dtype=np.float64)
        weights = np.asarray(params.weights, dtype=np.float64)
        dof = np.asarray(params.dof, dtype=np.float64)
        d = means.shape[1]
        self.centre = weights @ means / weights.sum()
        kernel = model.distance_kernel(means - self.centre, params.precisions_cholesky)
        with np.errstate(divide="ignore"):
            log_weights = np.log(weights)
        log_norm = (
            log_weights
            + gammaln((dof + d) / 2)
            - gammaln(dof / 2)
            - 0.5 * d * np.log(dof * np.pi)
            + model.log_det_cholesky(params.precisions_cholesky, d)
        )
        self.model = model
        self.features = kernel.features
        # Full, diag and spherical kernels use the moment features themselves.
        self.shares_features = kernel.features == model.moment_features
        self.coef = kernel.coef.astype(dtype)
        self.log_norm = log_norm.astype(dtype)
        self.dof = dof.astype(dtype)
        self.dof_plus_d = (dof + d).astype(dtype)
        self.centre_dtype = self.centre.astype(dtype)
        self.chunk_width = max(kernel.coef.shape)

    def distances(self, chunk: np.ndarray):
        """Squared Mahalanobis distances (n, K), the centred chunk, its features."""
        features, centred = self.features(chunk, self.centre_dtype)
        # Component-major, so the log-sum-exp reads contiguous columns.
        distance = (self.coef.T @ features).T
        # The expanded quadratic form can dip below zero by rounding.
        np.maximum(distance, 0.0, out=distance)
        return distance, centred, features

    def log_prob(self, distance: np.ndarray) -> np.ndarray:
        """``log(w_k t(x | mu_k, Sigma_k, nu_k))``, shape (n, K)."""
        log_prob = np.log1p(distance / self.dof)
        log_prob *= -0.5 * self.dof_plus_d
        log_prob += self.log_norm
        return log_prob

    def scale_weights(self, distance: np.ndarray) -> np.ndarray:
        """Latent scale weights ``u = (nu + d) / (nu + delta)``, shape (n, K)."""
        return self.dof_plus_d / (self.dof + distance)

    def moment_features(self, features: np.ndarray) -> np.ndarray | None:
        """Features the model's ``accumulate`` expects, given the kernel's."""
        return features if self.shares_features else None


def _e_step(
    params: TMixtureParams,
    X: np.ndarray,
    sample_weight: np.ndarray | None,
    chunk_size: int | None,
    learn_dof: bool,
) -> _TStats:
    """Statistics of ``X`` under ``params``, chunk by chunk."""
    evaluator = _Evaluator(params, X.dtype)
    model = evaluator.model
    K = params.means.shape[0]
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width)

    def chunk_stats(rows: slice):
        distance, centred, features = evaluator.distances(X[rows])
        log_density, tau = _normalise(
            evaluator.log_prob(distance), drop_negligible=True
        )
        u = evaluator.scale_weights(distance)
        if sample_weight is None:
            log_likelihood = float(log_density.sum(dtype=np.float64))
        else:
            tau *= sample_weight[rows, None]
            log_likelihood = float(sample_weight[rows] @ log_density.astype(np.float64))
        mass = tau.sum(axis=0, dtype=np.float64)
        log_u_gap = None
        if learn_dof:
            log_u_gap = np.einsum("nk,nk->k", tau, np.log(u) - u, dtype=np.float64)
        tau *= u
        # Rows of tau * u do not sum to the sample weights, so none are passed:
        # the models read every mass from the responsibilities they are given.
        chunk_raw = model.accumulate(
            centred, evaluator.moment_features(features), tau, None
        )
        return chunk_raw, mass, log_u_gap, log_likelihood

    mass, log_u_gap = np.zeros(K), np.zeros(K)
    raw, log_likelihood = None, 0.0
    for chunk_raw, chunk_mass, chunk_gap, chunk_log_likelihood in map_chunks(
        chunk_stats, X.shape[0], chunk_size
    ):
        raw = _add_raw(raw, chunk_raw)
        mass += chunk_mass
        if chunk_gap is not None:
            log_u_gap += chunk_gap
        log_likelihood += chunk_log_likelihood
    scaled_mass, sum_dx, sum_dxx = model.moments(raw, X.shape[1])
    weight = (
        X.shape[0] if sample_weight is None else sample_weight.sum(dtype=np.float64)
    )
    return _TStats(
        mass=mass,
        scaled_mass=np.asarray(scaled_mass),
        sum_dx=np.asarray(sum_dx),
        sum_dxx=np.asarray(sum_dxx),
        shift=evaluator.centre,
        log_u_gap=log_u_gap,
        log_likelihood=log_likelihood,
        weight=float(weight),
    )


def _m_step(
    stats: _TStats,
    previous: TMixtureParams,
    reg_covar: float,
    eps: float,
    learn_dof: bool,
) -> TMixtureParams:
    """New parameters from one E-step's statistics (raises ComponentCollapseError)."""
    model = covariance_model(previous.covariance_type)
    mass = stats.mass + eps
    scaled_mass = stats.scaled_mass + eps
    delta = stats.sum_dx / scaled_mass[:, None]
    # The scale matrix is (sum_dxx - scaled_mass delta delta^T) / mass. The model
    # computes sum_dxx / nk - delta' delta'^T for nk = mass, so delta' is delta
    # shrunk by sqrt(scaled_mass / mass); this holds for all four types.
    shrunk = delta * np.sqrt(scaled_mass / mass)[:, None]
    covariances = model.covariances(stats.sum_dxx, mass, shrunk, reg_covar)
    dof = previous.dof
    if learn_dof:
        dof = _update_dof(previous.dof, stats.log_u_gap / mass, delta.shape[1])
    return TMixtureParams(
        weights=mass / mass.sum(),
        means=stats.shift + delta,
        covariances=covariances,
        precisions_cholesky=model.precisions_cholesky(covariances),
        dof=dof,
        covariance_type=previous.covariance_type,
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


def _iter_log_prob(params: TMixtureParams, X: np.ndarray, chunk_size: int | None):
    """Yield ``(rows, log_density, responsibilities)`` chunk by chunk."""
    evaluator = _Evaluator(params, X.dtype)
    chunk_size = chunk_size or auto_chunk_size(evaluator.chunk_width)
    for rows in iter_chunks(X.shape[0], chunk_size):
        distance, _, _ = evaluator.distances(X[rows])
        log_density, resp = _normalise(evaluator.log_prob(distance))
        yield rows, log_density, resp


def _check_dof(value: Any, name: str, n_components: int) -> np.ndarray:
    """Degrees of freedom as K positive finite floats, or a ValueError."""
    message = (
        f"{name} must be a positive number or an array of {n_components} positive "
        f"numbers; got {value!r}."
    )
    if isinstance(value, bool | np.bool_ | str):
        raise ValueError(message)
    try:
        dof = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if dof.ndim == 0:
        dof = np.full(n_components, float(dof))
    if dof.shape != (n_components,) or not np.all(np.isfinite(dof) & (dof > 0)):
        raise ValueError(message)
    return dof


class StudentTMixture(InformationCriteria, MixtureBase):
    """Mixture of multivariate Student-t distributions fitted by EM (ECM).

    Each component is ``t(x | mu_k, Sigma_k, nu_k)``: a Gaussian whose scale
    matrix is divided by a Gamma(nu/2, nu/2) variable. Its heavy tails keep
    outliers from dragging the means and scales, as they do in a
    :class:`~gmmkit.GaussianMixture`; as ``nu`` grows it becomes Gaussian.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Form of each component's scale matrix.
    dof : None, float or array-like of shape (n_components,), default=None
        Degrees of freedom. None learns them per component (ECM); a number
        or an array fixes them.
    dof_init : float or array-like of shape (n_components,), default=10.0
        Starting degrees of freedom when ``dof`` is None. Learned values are
        kept in ``[1e-3, 1e6]`` (:data:`DOF_BOUNDS`); a component with no
        root inside stops at the bound (``1e6``: practically Gaussian).
    tol : float, default=1e-3
        Stop when the mean log-likelihood per sample changes by less.
    reg_covar : float, default=1e-6
        Added to scale-matrix diagonals to keep them positive definite.
    max_iter : int, default=100
        Most EM iterations per start.
    n_init : int, default=1
        Number of starts; the one with the highest log-likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}
        How starts are made (as in :class:`~gmmkit.GaussianMixture`); the
        start's scale matrices are the Gaussian covariances of the start.
    robust_init : bool, default=True
        Make data-driven starts from the rows that are not isolated from
        their neighbours (the screen of ``GaussianMixture(noise="uniform")``,
        :func:`gmmkit.init.background_candidates`), so that k-means spends
        no centre on outliers; every row takes part in EM. False starts from
        all rows, as :class:`~gmmkit.GaussianMixture` does, and skips the
        neighbour search (cheaper on large, high-dimensional data).
    weights_init : array-like of shape (n_components,), optional
        Initial weights (non-negative, summing to 1).
    means_init : array-like of shape (n_components, n_features), optional
        Initial locations.
    precisions_init : array-like, optional
        Initial inverse scale matrices, shaped per ``covariance_type``.
    random_state : None, int, RandomState or Generator
        Seed for the starts and for :meth:`sample`.
    chunk_size : int, optional
        Rows per E-step chunk; no array of ``n_samples x n_components`` is
        ever held. None picks a size from the problem.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
        Locations (the means, for components with ``dof_ > 1``).
    covariances_ : ndarray
        Scale matrices ``Sigma_k``, (K, d, d) full, (d, d) tied, (K, d)
        diag, (K,) spherical. A component's covariance is
        ``dof_ / (dof_ - 2)`` times its scale matrix when ``dof_ > 2``.
    precisions_ : ndarray
        Inverses of the scale matrices, same shape.
    precisions_cholesky_ : ndarray
        ``U`` with ``precision = U @ U.T``, same shape.
    dof_ : ndarray of shape (n_components,)
        Degrees of freedom (learned, or ``dof`` broadcast).
    converged_ : bool
        Whether the best start met ``tol``.
    n_iter_ : int
        EM iterations of the best start.
    lower_bound_ : float
        Mean log-likelihood at the last E-step of the best start.
    history_ : list of float
        Mean log-likelihood per iteration of the best start; it never
        decreases.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present only when fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from gmmkit.robust import StudentTMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(200, 2)), [[40.0, -40.0]]])
    >>> tm = StudentTMixture(random_state=0).fit(X)
    >>> bool(np.all(np.abs(tm.means_) < 0.2))
    True
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        dof: float | Any | None = None,
        dof_init: float | Any = 10.0,
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        robust_init: bool = True,
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
        chunk_size: int | None = None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.dof = dof
        self.dof_init = dof_init
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.robust_init = robust_init
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.chunk_size = chunk_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "density_estimator"
        return tags

    # ------------------------------------------------------------------ checks
    def _check_parameters(self) -> np.ndarray:
        """Validate the constructor arguments; return the starting dof."""
        K = check_int(self.n_components, "n_components", minimum=1)
        check_choice(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        check_float(self.tol, "tol")
        check_float(self.reg_covar, "reg_covar")
        check_int(self.max_iter, "max_iter", minimum=0)
        check_int(self.n_init, "n_init", minimum=1)
        check_choice(self.init_params, "init_params", INIT_METHODS)
        if not isinstance(self.robust_init, bool | np.bool_):
            raise ValueError(
                f"robust_init must be True or False, got {self.robust_init!r}."
            )
        if self.chunk_size is not None:
            check_int(self.chunk_size, "chunk_size", minimum=1)
        if self.dof is not None:
            return _check_dof(self.dof, "dof", K)
        return _check_dof(self.dof_init, "dof_init", K)

    # --------------------------------------------------------------------- fit
    def _fit(self, X: Any, sample_weight: Any) -> np.ndarray:
        dof = self._check_parameters()
        X, names = check_data(X, min_samples=2)
        n_samples, n_features = X.shape
        if n_samples < self.n_components:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = "
                f"{self.n_components}, n_samples = {n_samples}. Use fewer "
                "components or more data."
            )
        weights = check_sample_weight(sample_weight, n_samples, X.dtype)
        initial = check_initial_values(self, n_features)
        rng = as_generator(self.random_state)
        start_weights = self._start_weights(X, weights, initial, rng)
        make_start = partial(self._start, X, start_weights, initial, dof, rng)
        best, failures = None, []
        for start in range(self.n_init):
            try:
                result = self._run_em(X, weights, make_start, start)
            except ComponentCollapseError as error:
                failures.append(error)
                continue
            if best is None or result["lower_bound"] > best["lower_bound"]:
                best = result
        if best is None:
            raise failures[0]
        self._warn_about(best, failures)
        self._set_params(best["params"], X.dtype)
        self.converged_ = best["converged"]
        self.n_iter_ = best["n_iter"]
        self.lower_bound_ = best["lower_bound"]
        self.history_ = best["history"]
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._sample_rng = rng
        return X

    def _warn_about(self, best: dict, failures: list) -> None:
        """ConvergenceWarnings for discarded starts and a best start that stalled."""
        if failures:
            warnings.warn(
                f"{len(failures)} of {self.n_init} starts collapsed and were "
                f"discarded ({failures[0]}); the best of the remaining starts is kept.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if not best["converged"] and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different "
                "init parameters, or increase max_iter, tol, or check for "
                "degenerate data.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _start_weights(self, X, weights, initial, rng) -> np.ndarray | None:
        """Sample weights of the starts: isolated rows get none (``robust_init``)."""
        if not self.robust_init or all(v is not None for v in initial.values()):
            return weights
        keep = np.ones(len(X), dtype=X.dtype) if weights is None else weights.copy()
        keep[background_candidates(X, rng)] = 0.0
        if np.count_nonzero(keep) < self.n_components:
            return weights
        return keep

    def _start(self, X, weights, initial, dof, rng) -> TMixtureParams:
        """Starting parameters: a Gaussian start plus the starting dof."""
        gaussian = initial_params(
            X,
            self.n_components,
            self.covariance_type,
            init_params=self.init_params,
            reg_covar=self.reg_covar,
            rng=rng,
            sample_weight=weights,
            chunk_size=self.chunk_size,
            **initial,
        )
        return TMixtureParams(
            weights=gaussian.weights,
            means=gaussian.means,
            covariances=gaussian.covariances,
            precisions_cholesky=gaussian.precisions_cholesky,
            dof=dof,
            covariance_type=self.covariance_type,
        )

    def _run_em(self, X, weights, make_start, start) -> dict:
        """One EM run from ``make_start()``; raises ComponentCollapseError."""
        learn_dof = self.dof is None
        eps = float(10 * np.finfo(X.dtype).eps)
        try:
            params = make_start()
        except ComponentCollapseError as error:
            raise self._collapse_error(error, 0, start) from None
        history: list[float] = []
        converged = False
        while not converged and len(history) < self.max_iter:
            stats = _e_step(params, X, weights, self.chunk_size, learn_dof)
            try:
                params = _m_step(stats, params, self.reg_covar, eps, learn_dof)
            except ComponentCollapseError as error:
                raise self._collapse_error(error, len(history) + 1, start) from None
            history.append(stats.log_likelihood / stats.weight)
            converged = len(history) > 1 and abs(history[-1] - history[-2]) < self.tol
        return {
            "params": params,
            "lower_bound": history[-1] if history else -np.inf,
            "converged": converged,
            "n_iter": len(history),
            "history": history,
        }

    def _collapse_error(
        self, error: ComponentCollapseError, iteration: int, start: int
    ) -> ComponentCollapseError:
        where = (
            "at initialisation" if iteration == 0 else f"at EM iteration {iteration}"
        )
        return ComponentCollapseError(
            f"Fitting the mixture failed {where} (start {start + 1} of {self.n_init}): "
            f"{error}; such a component sits on too few distinct points. Try a "
            f"larger reg_covar (now {self.reg_covar:g}) or fewer components "
            f"(now {self.n_components}).",
            error.components,
        )

    # ------------------------------------------------------------- parameters
    def _set_params(self, params: TMixtureParams, dtype: np.dtype) -> None:
        model = covariance_model(self.covariance_type)
        self.weights_ = params.weights.astype(dtype)
        self.means_ = params.means.astype(dtype)
        self.covariances_ = params.covariances.astype(dtype)
        self.precisions_cholesky_ = params.precisions_cholesky.astype(dtype)
        self.precisions_ = model.precisions(params.precisions_cholesky).astype(dtype)
        self.dof_ = np.asarray(params.dof, dtype=np.float64)

    def _params(self) -> TMixtureParams:
        return TMixtureParams(
            weights=self.weights_.astype(np.float64),
            means=self.means_.astype(np.float64),
            covariances=self.covariances_.astype(np.float64),
            precisions_cholesky=self.precisions_cholesky_.astype(np.float64),
            dof=self.dof_,
            covariance_type=self.covariance_type,
        )

    # -------------------------------------------------------------- inference
    def _iter_log_prob(self, X: np.ndarray):
        return _iter_log_prob(self._params(), X, self.chunk_size)

    def sample(
        self, n_samples: int = 1, random_state: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw samples from the fitted mixture.

        A draw from component ``k`` is ``mu_k + z / sqrt(g / nu_k)`` with
        ``z ~ N(0, Sigma_k)`` and ``g ~ chi2(nu_k)``.

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
        means = self.means_.astype(np.float64)
        model = covariance_model(self.covariance_type)
        z = model.sample(
            rng, np.zeros_like(means), self.covariances_.astype(np.float64), counts
        )
        dof = np.repeat(self.dof_, counts)
        y = np.repeat(np.arange(self.n_components), counts)
        X = means[y] + z * np.sqrt(dof / rng.chisquare(dof))[:, None]
        return X.astype(self.means_.dtype), y

    # --------------------------------------------------------------- criteria
    def _n_parameters(self) -> int:
        K, d = self.means_.shape
        model = covariance_model(self.covariance_type)
        learned_dof = K if self.dof is None else 0
        return model.n_parameters(K, d) + K * d + K - 1 + learned_dof
