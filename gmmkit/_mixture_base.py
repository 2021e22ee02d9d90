"""What every gmmkit mixture does once fitted, written once.

Subclasses supply ``_fit(X, sample_weight) -> X`` (validated training data)
and ``_iter_log_prob(X)``, which yields ``(rows, log_density, resp)`` chunk
by chunk; this class turns them into scikit-learn's methods. Given a Dask
array, the inference methods return Dask arrays computed block by block (see
:mod:`gmmkit.distributed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ._estimator import BaseEstimator
from ._validation import check_data, check_n_features, check_sample_weight
from .covariance import covariance_model
from .distributed import is_dask_collection


class MixtureBase(BaseEstimator):
    """Fit wrappers and chunked inference shared by the mixture estimators."""

    def _fit(self, X: Any, sample_weight: Any) -> np.ndarray:
        raise NotImplementedError

    def _iter_log_prob(
        self, X: np.ndarray
    ) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        raise NotImplementedError

    def _n_columns(self) -> int:
        """Columns of :meth:`predict_proba` (components, plus any background)."""
        return self.n_components

    def _background_column(self) -> int | None:
        """Column of a background component, whose rows are labelled -1."""
        return None

    def _log_prob_kernel(self):
        """A picklable ``kernel(X)`` yielding what ``_iter_log_prob(X)`` yields.

        It is sent to Dask workers, so subclasses return one holding only
        their parameters rather than the whole estimator.
        """
        return self._iter_log_prob

    def _validate_new(self, X: Any) -> np.ndarray:
        self._check_is_fitted()
        if is_dask_collection(X):
            from .distributed import check_dask_data

            X, names = check_dask_data(X)
        else:
            X, names = check_data(X)
        check_n_features(self, X, names)
        return X

    def _map_dask(self, X: Any, output: str):
        from .distributed import map_inference

        return map_inference(
            X,
            self._log_prob_kernel(),
            output,
            self._n_columns(),
            self._background_column(),
        )

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
        return self._predict_validated(X)

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
        X = self._validate_new(X)
        if is_dask_collection(X):
            return self._map_dask(X, "log_density")
        out = np.empty(X.shape[0], dtype=X.dtype)
        for rows, log_density, _ in self._iter_log_prob(X):
            out[rows] = log_density
        return out

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
        if is_dask_collection(log_density):
            return _dask_mean(log_density, sample_weight)
        weights = check_sample_weight(sample_weight, len(log_density), np.float64)
        if weights is None:
            return float(log_density.mean())
        return float(weights @ log_density / weights.sum())

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior probability of each component for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Rows sum to 1. A lazy Dask array when ``X`` is one.
        """
        X = self._validate_new(X)
        if is_dask_collection(X):
            return self._map_dask(X, "proba")
        out = np.empty((X.shape[0], self._n_columns()), dtype=X.dtype)
        for rows, _, resp in self._iter_log_prob(X):
            out[rows] = resp
        return out

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
        return self._predict_validated(self._validate_new(X))

    def _predict_validated(self, X: np.ndarray) -> np.ndarray:
        if is_dask_collection(X):
            return self._map_dask(X, "labels")
        labels = np.empty(X.shape[0], dtype=np.intp)
        for rows, _, resp in self._iter_log_prob(X):
            labels[rows] = np.argmax(resp, axis=1)
        background = self._background_column()
        if background is not None:
            labels[labels == background] = -1
        return labels


def _dask_mean(log_density: Any, sample_weight: Any) -> float:
    """(Weighted) mean of a Dask array of log-densities, computed now."""
    from .distributed import check_dask_weights

    weights = check_dask_weights(sample_weight, log_density[:, None])
    if weights is None:
        return float(log_density.mean().compute())
    weight = weights.astype(np.float64)
    total = (weight * log_density).sum()
    return float((total / weight.sum()).compute())


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


def check_initial_values(est: Any, n_features: int) -> dict:
    """Validated ``weights_init``, ``means_init`` and ``precisions_init``.

    Parameters
    ----------
    est : estimator
        Holds ``n_components``, ``covariance_type`` and the three values.
    n_features : int

    Returns
    -------
    initial : dict
        The three values as float64 arrays (weights renormalised), or None.
    """
    K = est.n_components
    out: dict[str, np.ndarray | None] = {
        "weights_init": None,
        "means_init": None,
        "precisions_init": None,
    }
    if est.weights_init is not None:
        weights = np.asarray(est.weights_init, dtype=np.float64)
        if weights.shape != (K,):
            raise ValueError(
                f"weights_init must have shape ({K},), got {weights.shape}."
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("weights_init must be finite and non-negative.")
        if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-6):
            raise ValueError(
                f"weights_init must sum to 1, but they sum to {weights.sum():.6g}."
            )
        out["weights_init"] = weights / weights.sum()
    if est.means_init is not None:
        means = np.asarray(est.means_init, dtype=np.float64)
        if means.shape != (K, n_features):
            raise ValueError(
                f"means_init must have shape ({K}, {n_features}), got {means.shape}."
            )
        if not np.all(np.isfinite(means)):
            raise ValueError("means_init contains NaN or infinity.")
        out["means_init"] = means
    if est.precisions_init is not None:
        model = covariance_model(est.covariance_type)
        out["precisions_init"] = model.check_precisions(
            est.precisions_init, K, n_features
        )
    return out
