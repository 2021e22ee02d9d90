"""StudentTMixture: a mixture of multivariate Student-t distributions.

The mathematics (the ECM algorithm of McLachlan & Peel, 2000) lives in
:mod:`gmmkit.families.student_t`; this estimator supplies its steps to the
one EM driver (:mod:`gmmkit.em`) and, like the other mixtures, fits NumPy
and Dask arrays alike.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np

from ._estimator import model_file_estimator
from ._mixture_base import InformationCriteria, MixtureBase
from ._validation import (
    Boolean,
    Constraints,
    check_dof,
    check_initial_values,
)
from .covariance import covariance_model
from .em import Steps
from .families.student_t import TMixtureParams, t_m_step
from .init import background_candidates, initial_params, needs_data

__all__ = ["StudentTMixture"]


@model_file_estimator
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
        kept in ``[1e-3, 1e6]``
        (:data:`gmmkit.families.student_t.DOF_BOUNDS`); a component with no
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
    lower_bounds_ : list of float
        Same as ``history_`` (scikit-learn's name).
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

    _parameter_constraints: ClassVar[Constraints] = {
        "robust_init": Boolean(),
    }

    # ------------------------------------------------------------------ steps
    def _check_parameters(self) -> None:
        super()._check_parameters()
        self._starting_dof()  # dof and dof_init need n_components to check

    def _starting_dof(self) -> np.ndarray:
        """Fixed ``dof``, or ``dof_init`` when learned, as K floats."""
        if self.dof is not None:
            return check_dof(self.dof, "dof", self.n_components)
        return check_dof(self.dof_init, "dof_init", self.n_components)

    def _start_inputs(self, X, weights, backend, warm: bool) -> dict:
        model = covariance_model(self.covariance_type)
        return {"initial": check_initial_values(self, X.shape[1], model)}

    def _steps(self, X, weights, backend, rng, inputs: dict) -> Steps:
        # One start sample (all rows in memory) serves every start: the
        # neighbour screen of robust_init runs on it once.
        initial = inputs["initial"]
        rows, row_weights = backend.start_rows(
            X, weights, rng, self.n_components, needed=needs_data(initial)
        )
        start_weights = self._start_weights(rows, row_weights, initial, rng)
        eps = self._mass_floor(X.dtype)

        def iterate(params: TMixtureParams) -> tuple[TMixtureParams, float]:
            stats = backend.e_step(params, X, weights, self.chunk_size)
            params = t_m_step(stats, params, self.reg_covar, eps)
            return params, stats.mean_log_likelihood

        start = functools.partial(self._start, rows, start_weights, initial, rng)
        return Steps(start, iterate, self._collapse_error)

    def _start_weights(self, X, weights, initial, rng) -> np.ndarray | None:
        """Sample weights of the starts: isolated rows get none (``robust_init``)."""
        if not self.robust_init or all(v is not None for v in initial.values()):
            return weights
        keep = np.ones(len(X), dtype=X.dtype) if weights is None else weights.copy()
        keep[background_candidates(X, rng)] = 0.0
        if np.count_nonzero(keep) < self.n_components:
            return weights
        return keep

    def _start(self, X, weights, initial, rng) -> TMixtureParams:
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
            dof=self._starting_dof(),
            covariance_type=self.covariance_type,
            learn_dof=self.dof is None,
        )

    # ------------------------------------------------------------- parameters
    def _store(self, run, dtype: np.dtype, inputs: dict) -> None:
        params = run.params
        self._set_components(
            params.weights,
            params.means,
            params.covariances,
            params.precisions_cholesky,
            dtype,
        )
        self.dof_ = np.asarray(params.dof, dtype=np.float64)

    def _params(self) -> TMixtureParams:
        return TMixtureParams(
            weights=self.weights_.astype(np.float64),
            **self._components(),
            dof=self.dof_,
            covariance_type=self.covariance_type,
            learn_dof=self.dof is None,
        )

    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        return {**super()._fitted_shapes(), "dof_": (self.n_components,)}

    # -------------------------------------------------------------- inference
    def _draw(self, rng, counts):
        """Student-t draws ``mu_k + z / sqrt(g / nu_k)``.

        ``z ~ N(0, Sigma_k)`` and ``g ~ chi2(nu_k)``.

        (:meth:`sample` draws ``counts[k]`` of them from component ``k``.)
        """
        means = self.means_.astype(np.float64)
        model = covariance_model(self.covariance_type)
        z = model.sample(
            rng, np.zeros_like(means), self.covariances_.astype(np.float64), counts
        )
        dof = np.repeat(self.dof_, counts)
        y = np.repeat(np.arange(self.n_components), counts)
        return means[y] + z * np.sqrt(dof / rng.chisquare(dof))[:, None], y

    # --------------------------------------------------------------- criteria
    def _n_parameters(self) -> int:
        K, d = self.means_.shape
        model = covariance_model(self.covariance_type)
        learned_dof = K if self.dof is None else 0
        return model.n_parameters(K, d) + K * d + K - 1 + learned_dof
