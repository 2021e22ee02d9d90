"""BayesianGaussianMixture: variational inference for a Gaussian mixture.

The variational mathematics (the posterior, its M-step, the expected log
joint and the lower bound) lives in :mod:`gmmkit.families.variational`;
this estimator builds the prior from its parameters and the data, and
supplies its steps to the one EM driver (:mod:`gmmkit.em`).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np

from ._estimator import model_file_estimator
from ._mixture_base import MixtureBase
from ._validation import (
    Constraints,
    OneOf,
    Positive,
    Rule,
    check_real_or_none,
    check_responsibilities,
    check_vector,
    choice_or_array,
)
from .covariance import covariance_model
from .em import Steps
from .families.gaussian import stats_from_responsibilities
from .families.variational import (
    WEIGHT_PRIOR_TYPES,
    Posterior,
    Prior,
    expected_weights,
    lower_bound,
    variational_m_step,
)
from .init import INIT_METHODS, initial_responsibilities
from .stepwise import scale


@model_file_estimator
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

    _parameter_constraints: ClassVar[Constraints] = {
        "init_params": Rule(choice_or_array(INIT_METHODS)),
        "weight_concentration_prior_type": OneOf(WEIGHT_PRIOR_TYPES),
        "weight_concentration_prior": Positive(optional=True),
        "mean_precision_prior": Positive(optional=True),
        "degrees_of_freedom_prior": Rule(
            lambda value, name: check_real_or_none(
                value, name, "a number greater than n_features - 1"
            )
        ),
    }
    _value_name = "lower bound"
    _iteration_name = "iteration"

    # ------------------------------------------------------------------ prior
    def _prior(self, X, sample_weight, backend) -> Prior:
        """Priors with defaults from the data filled in; checks user values."""
        d = X.shape[1]
        model = covariance_model(self.covariance_type)
        data_mean, data_covariance = backend.weighted_moments(X, sample_weight)
        if self.mean_prior is None:
            mean = data_mean
        else:
            mean = check_vector(self.mean_prior, "mean_prior", d)
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
            covariance = model.prior_covariance(data_covariance)
        else:
            covariance = model.check_covariance_prior(self.covariance_prior, d)
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

    # ------------------------------------------------------------------ steps
    def _check_backend(self, backend) -> None:
        if not isinstance(self.init_params, str) and not backend.all_rows_at_hand:
            raise ValueError(
                "init_params given as responsibilities cannot be used with "
                "Dask input; use one of " + ", ".join(map(repr, INIT_METHODS))
            )

    def _start_inputs(self, X, weights, backend, warm: bool) -> dict:
        given = None
        if not warm and not isinstance(self.init_params, str):
            shape = (X.shape[0], self.n_components)
            given = check_responsibilities(
                self.init_params, "init_params", shape, INIT_METHODS
            ).astype(X.dtype)
        return {"given": given, "prior": self._prior(X, weights, backend)}

    def _steps(self, X, weights, backend, rng, inputs: dict) -> Steps:
        given, prior = inputs["given"], inputs["prior"]
        eps = self._mass_floor(X.dtype)

        def iterate(posterior: Posterior) -> tuple[Posterior, float]:
            stats = backend.e_step(posterior, X, weights, self.chunk_size)
            posterior = variational_m_step(
                stats, prior, self.covariance_type, self.reg_covar, eps
            )
            return posterior, lower_bound(posterior, stats)

        start = functools.partial(
            self._start, X, weights, backend, prior, given, rng, eps
        )
        return Steps(start, iterate, self._collapse_error)

    def _start(self, X, weights, backend, prior, given, rng, eps) -> Posterior:
        """Starting posterior: one M-step from the starting responsibilities.

        When the backend offers a sample of the rows (Dask input), the
        responsibilities come from that sample and its statistics are scaled
        up to the whole data's weight.
        """
        rows, row_weights = backend.start_rows(X, weights, rng, self.n_components)
        if given is None:
            responsibilities = initial_responsibilities(
                rows, self.n_components, self.init_params, rng, row_weights
            )
        else:

            def responsibilities(chunk_rows):
                return given[chunk_rows]

        stats = stats_from_responsibilities(
            rows, responsibilities, self.covariance_type, row_weights, self.chunk_size
        )
        if not backend.all_rows_at_hand:  # a sample stands for all the rows
            stats = scale(stats, backend.total_weight(X, weights) / stats.weight)
        return variational_m_step(
            stats, prior, self.covariance_type, self.reg_covar, eps
        )

    def _collapse_advice(self) -> str:
        return (
            f". Try a larger reg_covar (now {self.reg_covar:g}) or a "
            "covariance_prior that is positive definite, or standardise features "
            "that have very different scales or are constant."
        )

    # ------------------------------------------------------------- parameters
    def _store(self, run, dtype: np.dtype, inputs: dict) -> None:
        self._set_prior(inputs["prior"])
        self._set_posterior(run.params, dtype)

    def _set_prior(self, prior: Prior) -> None:
        self.weight_concentration_prior_ = prior.weight_concentration
        self.mean_precision_prior_ = prior.mean_precision
        self.mean_prior_ = prior.mean
        self.degrees_of_freedom_prior_ = prior.degrees_of_freedom
        self.covariance_prior_ = prior.covariance

    def _set_posterior(self, posterior: Posterior, dtype: np.dtype) -> None:
        self.weight_concentration_ = posterior.weight_concentration
        self.mean_precision_ = posterior.mean_precision
        self.degrees_of_freedom_ = posterior.degrees_of_freedom
        self._set_components(
            expected_weights(posterior),
            posterior.means,
            posterior.covariances,
            posterior.precisions_cholesky,
            dtype,
        )

    def _params(self) -> Posterior:
        return Posterior(
            weight_concentration=self.weight_concentration_,
            mean_precision=self.mean_precision_,
            degrees_of_freedom=self.degrees_of_freedom_,
            **self._components(),
            covariance_type=self.covariance_type,
            weight_prior_type=self.weight_concentration_prior_type,
        )

    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        return {
            **super()._fitted_shapes(),
            "mean_precision_": (self.n_components,),
            "mean_prior_": (self.n_features_in_,),
        }

    # -------------------------------------------------------------- inference
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


__all__ = ["BayesianGaussianMixture", "Posterior", "Prior"]
