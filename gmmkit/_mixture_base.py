"""What every gmmkit mixture does, written once: the fit and the inference.

A mixture estimator declares its parameters (``_parameter_constraints``,
merged with this class's) and supplies three steps:

- ``_start_inputs(X, weights, backend, warm)``: the user's start values
  (and anything else fixed for the whole fit, such as a prior), checked;
- ``_steps(X, weights, backend, rng, inputs)``: an :class:`gmmkit.em.Steps`
  (how a start is made, what one iteration does);
- ``_store(run, dtype, inputs)``: the fitted attributes of the best run;
- ``_params()``: the fitted model as its family's parameters
  (``MixtureParams``, ``Posterior``, ``TMixtureParams``), which the engine
  evaluates for inference.

:meth:`MixtureBase._fit` validates, runs :func:`gmmkit.em.fit_restarts`
and stores; the inference methods run :func:`gmmkit.engine.iter_log_prob`
chunk by chunk, or block by block on a Dask array (see
:mod:`gmmkit._backend`).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, ClassVar

import numpy as np

from ._backend import backend_for
from ._estimator import BaseEstimator
from ._validation import (
    Boolean,
    Constraints,
    Integer,
    OneOf,
    Real,
    as_generator,
    check_int,
)
from .covariance import COVARIANCE_TYPES, covariance_model
from .degeneracy import degeneracy_warning
from .em import Schedule, Steps, fit_restarts, warn_about
from .engine import iter_log_prob
from .exceptions import ComponentCollapseError
from .families.gaussian import MixtureParams
from .init import INIT_METHODS


class MixtureBase(BaseEstimator):
    """Fit skeleton and chunked inference shared by the mixture estimators."""

    # Shared entries; one a subclass's constructor does not take is skipped.
    _parameter_constraints: ClassVar[Constraints] = {
        "n_components": Integer(1),
        "covariance_type": OneOf(COVARIANCE_TYPES),
        "tol": Real(),
        "reg_covar": Real(),
        "max_iter": Integer(0),
        "n_init": Integer(1),
        "init_params": OneOf(INIT_METHODS),
        "verbose": Integer(0),
        "verbose_interval": Integer(1),
        "chunk_size": Integer(1, optional=True),
        "warm_start": Boolean(),
    }
    #: How the monitored value is called in verbose logs.
    _value_name = "ll"
    #: How an iteration is called in collapse errors.
    _iteration_name = "EM iteration"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "density_estimator"
        return tags

    # ------------------------------------------------------- subclass steps
    def _start_inputs(self, X, weights, backend, warm: bool) -> dict:
        """User-given start values (and the like), checked before any start."""
        return {}

    def _steps(self, X, weights, backend, rng, inputs: dict) -> Steps:
        raise NotImplementedError

    def _store(self, run, dtype: np.dtype, inputs: dict) -> None:
        raise NotImplementedError

    def _params(self):
        raise NotImplementedError

    def _collapse_advice(self) -> str:
        """What to try when a component collapses (ends the error message)."""
        return (
            f"; such a component sits on too few distinct points. Try a larger "
            f"reg_covar (now {self.reg_covar:g}) or fewer components (now "
            f"{self.n_components})."
        )

    def _collapse_error(
        self, error: ComponentCollapseError, iteration: int, start: int
    ) -> ComponentCollapseError:
        where = (
            "at initialisation"
            if iteration == 0
            else f"at {self._iteration_name} {iteration}"
        )
        return ComponentCollapseError(
            f"Fitting the mixture failed {where} (start {start + 1} of {self.n_init}): "
            f"{error}{self._collapse_advice()}",
            error.components,
        )

    @staticmethod
    def _mass_floor(dtype) -> float:
        """Floor added to each component's mass in the M-step.

        Ten machine epsilons of the data's dtype, as scikit-learn adds, so
        that empty components stay finite.
        """
        return float(10 * np.finfo(dtype).eps)

    def _set_components(
        self, weights, means, covariances, precisions_cholesky, dtype
    ) -> None:
        """Store the fitted component arrays (float64 in) in the data's dtype."""
        model = covariance_model(self.covariance_type)
        self.weights_ = np.asarray(weights).astype(dtype)
        self.means_ = means.astype(dtype)
        self.covariances_ = covariances.astype(dtype)
        self.precisions_cholesky_ = precisions_cholesky.astype(dtype)
        self.precisions_ = model.precisions(precisions_cholesky).astype(dtype)

    def _components(self) -> dict[str, np.ndarray]:
        """The fitted means, covariances and precision factors, in float64."""
        return {
            "means": self.means_.astype(np.float64),
            "covariances": self.covariances_.astype(np.float64),
            "precisions_cholesky": self.precisions_cholesky_.astype(np.float64),
        }

    def _check_backend(self, backend) -> None:
        """Refuse settings the backend cannot serve (nothing by default)."""

    def _schedule(self) -> Schedule:
        return Schedule(
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=getattr(self, "verbose", 0),
            verbose_interval=getattr(self, "verbose_interval", 10),
            value_name=self._value_name,
        )

    def _n_columns(self) -> int:
        """Columns of :meth:`predict_proba` (components, plus any background)."""
        return self.n_components

    def _background_column(self) -> int | None:
        """Column of a background component, whose rows are labelled -1."""
        return None

    # -------------------------------------------------------------------- fit
    def _fit(self, X: Any, sample_weight: Any) -> np.ndarray:
        self._check_parameters()
        backend = backend_for(X)
        self._check_backend(backend)
        X, names = backend.check_data(X, min_samples=2)
        weights = backend.check_weights(sample_weight, X)
        n_samples, n_features = X.shape
        if n_samples < self.n_components:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = "
                f"{self.n_components}, n_samples = {n_samples}. Use fewer "
                "components or more data."
            )
        warm = bool(getattr(self, "warm_start", False)) and hasattr(self, "converged_")
        if warm and n_features != self.n_features_in_:
            raise ValueError(
                f"warm_start needs the same features: the model was fitted on "
                f"{self.n_features_in_} features, X has {n_features}."
            )
        inputs = self._start_inputs(X, weights, backend, warm)
        rng = as_generator(self.random_state)
        steps = self._steps(X, weights, backend, rng, inputs)
        resume = (self._params(), self.lower_bound_) if warm else None
        best, failures = fit_restarts(steps, self._schedule(), self.n_init, resume)
        # stacklevel 3: warn_about <- _fit <- fit / fit_predict <- the user's call
        warn_about(best, failures, 1 if warm else self.n_init, self.max_iter, 3)
        self._store(best, X.dtype, inputs)
        self.converged_ = best.converged
        self.n_iter_ = best.n_iter
        self.lower_bound_ = best.lower_bound
        self.history_ = best.history
        self.lower_bounds_ = self.history_
        self._remember_features(n_features, names)
        self._sample_rng = rng
        self._warn_if_degenerate(backend, X, weights)
        return X

    def _warn_if_degenerate(self, backend, X, weights) -> None:
        """Warn (DegenerateModelWarning) when a Gaussian fit ended degenerate.

        Judged from the fitted parameters alone, with the mixture's own total
        covariance for the data's (:func:`gmmkit.degeneracy.degeneracy_warning`):
        no pass over the data, so Dask input costs nothing more (a sum of its
        sample weights, if any). Variational and Student-t fits, whose
        parameters are not Gaussian maximum-likelihood estimates, are left alone.
        """
        if not isinstance(self._params(), MixtureParams):
            return
        warning = degeneracy_warning(self, backend.total_weight(X, weights))
        if warning is not None:
            # stacklevel 4: here <- _fit <- fit / fit_predict <- the user's call
            warnings.warn(warning, stacklevel=4)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None):
        """Estimate the model's parameters from ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data. float32 data are computed in float32.
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row; an integer weight acts like
            repeating the row.

        Returns
        -------
        self : estimator
            The fitted model.
        """
        self._fit(X, sample_weight)
        return self

    def fit_predict(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> np.ndarray:
        """Fit, then return the most probable component of each training row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._fit(X, sample_weight)
        return self._infer(X, "labels")

    # -------------------------------------------------------------- inference
    def _log_prob_kernel(self):
        """``kernel(X)`` yielding ``(rows, log_density, resp)``; it pickles.

        It holds only the family's parameters, not the estimator, so that it
        can be sent to Dask workers.
        """
        return functools.partial(
            iter_log_prob, self._params(), chunk_size=self.chunk_size
        )

    def _infer(self, X, output: str):
        return backend_for(X).infer(
            X,
            self._log_prob_kernel(),
            output,
            self._n_columns(),
            self._background_column(),
        )

    def _check_new_data(self, X: Any):
        return backend_for(X).check_data(X)

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-density ``log p(x)`` of each row under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            A lazy Dask array when ``X`` is one.
        """
        return self._infer(self._validate_new(X), "log_density")

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean of :meth:`score_samples` (weighted when weights are given).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        score : float
        """
        log_density = self.score_samples(X).astype(np.float64)
        return backend_for(log_density).weighted_mean(log_density, sample_weight)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior probability of each component for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Rows sum to 1. A lazy Dask array when ``X`` is one. With a
            background component (``noise="uniform"``) there is one more
            column, last, for it.
        """
        return self._infer(self._validate_new(X), "proba")

    def predict(self, X: Any) -> np.ndarray:
        """Most probable component of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            A lazy Dask array when ``X`` is one.
        """
        return self._infer(self._validate_new(X), "labels")

    def sample(
        self, n_samples: int = 1, random_state: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw samples from the fitted mixture.

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
            Component of each sample (``-1`` for a background component's
            points, drawn uniformly over its box, last).
        """
        self._check_is_fitted()
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = self._sample_rng if random_state is None else as_generator(random_state)
        weights = self._sampling_weights()
        counts = rng.multinomial(n_samples, weights / weights.sum())
        X, y = self._draw(rng, counts)
        return X.astype(self.means_.dtype), y

    def _sampling_weights(self) -> np.ndarray:
        """Weights of what :meth:`sample` draws from (components, background)."""
        return self.weights_.astype(np.float64)

    def _draw(self, rng, counts) -> tuple[np.ndarray, np.ndarray]:
        """``counts[k]`` Gaussian draws from each component, and their labels."""
        X = covariance_model(self.covariance_type).sample(
            rng,
            self.means_.astype(np.float64),
            self.covariances_.astype(np.float64),
            counts,
        )
        return X, np.repeat(np.arange(self.n_components), counts)

    # ------------------------------------------------------------ model files
    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        """The fitted arrays a model file must hold, with their shapes."""
        K, d = self.n_components, self.n_features_in_
        shape = covariance_model(self.covariance_type).shape(K, d)
        return {
            "weights_": (K,),
            "means_": (K, d),
            "covariances_": shape,
            "precisions_": shape,
            "precisions_cholesky_": shape,
        }

    def _restore_state(self) -> None:
        """Rebuild the private state a model file does not store."""
        seed = self.random_state
        self._sample_rng = as_generator(seed if isinstance(seed, int) else None)

    def _shape_context(self) -> str:
        """What the fitted shapes follow from, for error messages."""
        return (
            f"n_components={self.n_components}, n_features={self.n_features_in_} "
            f"and covariance_type={self.covariance_type!r}"
        )

    def _check_fitted_values(self) -> None:
        """Raise ValueError when fitted values contradict each other."""
        _check_weights(self)
        _check_covariances(self, self.n_components, self.n_features_in_)


class InformationCriteria:
    """BIC and AIC from ``score_samples`` and ``_n_parameters()``."""

    def bic(self, X: Any) -> float:
        """Bayesian information criterion on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
        """
        log_density = self.score_samples(X).astype(np.float64)
        n = len(log_density)
        return float(-2 * log_density.sum() + self._n_parameters() * np.log(n))

    def aic(self, X: Any) -> float:
        """Akaike information criterion on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
        """
        log_density = self.score_samples(X).astype(np.float64)
        return float(-2 * log_density.sum() + 2 * self._n_parameters())


def _check_weights(model: Any) -> None:
    weights = model._sampling_weights()  # the components' and any background's
    total = weights.sum()
    tolerance = 1e-6 if model.weights_.dtype == np.float64 else 1e-4
    if np.any(weights < 0) or abs(total - 1.0) > tolerance:
        raise ValueError(
            f"the mixture weights must be non-negative and sum to 1, but they sum "
            f"to {total:.9g}."
        )


def _check_covariances(model: Any, K: int, d: int) -> None:
    full = covariance_model(model.covariance_type).to_full(
        model.covariances_.astype(np.float64), K, d
    )
    full = np.broadcast_to(full, (K, d, d)) if full.ndim == 2 else full
    for k, matrix in enumerate(full):
        if not np.allclose(matrix, matrix.T, rtol=1e-6, atol=0):
            raise ValueError(f"the covariance of component {k} is not symmetric.")
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"the covariance of component {k} is not positive definite."
            ) from None
    # The precision factors must belong to these covariances: Σ P ≈ I.
    precisions = covariance_model(model.covariance_type).to_full(
        model.precisions_.astype(np.float64), K, d
    )
    precisions = (
        np.broadcast_to(precisions, (K, d, d)) if precisions.ndim == 2 else precisions
    )
    unit = np.finfo(model.covariances_.dtype).eps
    condition = float(np.linalg.cond(full).max())
    tolerance = max(1e4 * unit, 1e4 * unit * condition)
    product = np.einsum("kij,kjl->kil", full, precisions)
    error = float(np.abs(product - np.eye(d)).max())
    if error > tolerance:
        raise ValueError(
            "precisions_ is not the inverse of covariances_ (largest deviation of "
            f"covariance x precision from the identity: {error:.3g})."
        )
