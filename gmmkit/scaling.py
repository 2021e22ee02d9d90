"""Fitting on standardised features, then stating the model in the data's units.

A Gaussian mixture fitted to ``z = (x - center) / scale`` is, exactly, a
Gaussian mixture in ``x`` with means ``center + scale * mu`` and covariances
``S Sigma S`` (``S = diag(scale)``). Standardising changes the fit (the
k-means start and ``reg_covar`` see comparable features), not what the
fitted model means, so :func:`to_data_units` returns an ordinary
``GaussianMixture`` that predicts, scores and samples in the data's units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .covariance import covariance_model
from .mixture import GaussianMixture

__all__ = ["Standardizer", "to_data_units"]


@dataclass(frozen=True)
class Standardizer:
    """Centre and scale of each feature.

    Attributes
    ----------
    center : ndarray of shape (n_features,)
    scale : ndarray of shape (n_features,)
        Positive.
    """

    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def from_data(cls, X: np.ndarray, names: list[str] | None = None) -> Standardizer:
        """Mean and standard deviation of each column of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        names : list of str, optional
            Column names, for the error message.

        Returns
        -------
        standardizer : Standardizer

        Raises
        ------
        ValueError
            If a column is constant.
        """
        X = np.asarray(X, dtype=np.float64)
        scale = X.std(axis=0)
        constant = np.flatnonzero(~(scale > 0))
        if constant.size:
            label = [names[j] if names else int(j) for j in constant]
            raise ValueError(
                f"cannot standardise: column(s) {label} are constant; drop them."
            )
        return cls(X.mean(axis=0), scale)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - center) / scale``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features)
        """
        return (X - self.center) / self.scale


def to_data_units(model: GaussianMixture, scaler: Standardizer) -> GaussianMixture:
    """The same mixture, for data in the original units.

    Parameters
    ----------
    model : GaussianMixture
        Fitted on ``scaler.transform(X)``; ``covariance_type`` full, tied or
        diag (a spherical mixture stops being spherical when unscaled).
    scaler : Standardizer

    Returns
    -------
    model : GaussianMixture
        A new fitted model: ``predict`` and ``predict_proba`` on ``X`` equal
        those of ``model`` on the standardised data, ``score_samples`` is
        lower by ``sum(log(scale))`` (the change of variables), and
        ``history_`` and ``snapshots_`` are converted likewise.

    Raises
    ------
    ValueError
        For a spherical model.
    """
    cov_model = covariance_model(model.covariance_type)
    center = np.asarray(scaler.center, dtype=np.float64)
    scale = np.asarray(scaler.scale, dtype=np.float64)
    # Raises ValueError for a form that does not survive unscaling (spherical).
    covariances = cov_model.rescale(model.covariances_.astype(np.float64), scale)
    log_jacobian = float(np.log(scale).sum())

    def means(m: np.ndarray) -> np.ndarray:
        return center + scale * m

    out = GaussianMixture(**model.get_params())
    dtype = model.means_.dtype
    precisions_cholesky = cov_model.precisions_cholesky(covariances)
    out.weights_ = model.weights_.copy()
    out.means_ = means(model.means_.astype(np.float64)).astype(dtype)
    out.covariances_ = covariances.astype(dtype)
    out.precisions_cholesky_ = precisions_cholesky.astype(dtype)
    out.precisions_ = cov_model.precisions(precisions_cholesky).astype(dtype)
    out.noise_weight_ = model.noise_weight_
    out._noise_log_density = None
    if model.noise is not None:
        out.noise_bounds_ = means(model.noise_bounds_)
        out._noise_log_density = model._noise_log_density - log_jacobian
    out.converged_ = model.converged_
    out.n_iter_ = model.n_iter_
    out.lower_bound_ = model.lower_bound_ - log_jacobian
    out.history_ = [value - log_jacobian for value in model.history_]
    out.lower_bounds_ = out.history_
    out.snapshots_ = [
        replace(
            s, means=means(s.means), covariances=cov_model.rescale(s.covariances, scale)
        )
        for s in model.snapshots_
    ]
    out.n_features_in_ = model.n_features_in_
    if hasattr(model, "feature_names_in_"):
        out.feature_names_in_ = model.feature_names_in_
    out._sample_rng = model._sample_rng
    return out
