"""The density of a fitted mixture seen through a linear view (its marginal).

A linear map of a Gaussian is Gaussian and a linear map of a multivariate t
is a t with the same degrees of freedom, so the density of the projected
points ``P(x - c)`` is a mixture of the projected components: this is the
density a figure can draw exactly. It is *not* a slice of the d-dimensional
density. A uniform background over a box stays uniform over the sub-box when
the view picks features; under a PCA view its projection has no simple form
and is left out (:attr:`Marginal.background_dropped` says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln, logsumexp

from ._geometry import check_fitted, full_covariances


@dataclass(frozen=True)
class Marginal:
    """A mixture in p view coordinates.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, p)
    covariances : ndarray of shape (n_components, p, p)
        Covariances (Gaussian) or scale matrices (Student-t).
    dof : ndarray of shape (n_components,) or None
        Degrees of freedom of Student-t components; None for Gaussian ones.
    noise_weight : float
        Weight of the uniform background (0 when there is none or it was left
        out).
    noise_box : ndarray of shape (2, p) or None
        Lower and upper corners of the background's box in the view.
    background_dropped : bool
        True when the model has a background that this view cannot show.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    dof: np.ndarray | None
    noise_weight: float
    noise_box: np.ndarray | None
    background_dropped: bool

    def log_density(self, points: np.ndarray) -> np.ndarray:
        """Log-density at ``points`` of shape (n, p); returns shape (n,)."""
        points = np.asarray(points, dtype=np.float64)
        terms = [
            np.log(w) + component_log_pdf(points, m, c, None if self.dof is None else v)
            for w, m, c, v in zip(
                self.weights,
                self.means,
                self.covariances,
                self.dof if self.dof is not None else [None] * len(self.weights),
                strict=True,
            )
            if w > 0
        ]
        if self.noise_weight > 0 and self.noise_box is not None:
            low, high = self.noise_box
            inside = np.all((points >= low) & (points <= high), axis=1)
            log_volume = float(np.sum(np.log(high - low)))
            with np.errstate(divide="ignore"):
                terms.append(
                    np.where(inside, np.log(self.noise_weight) - log_volume, -np.inf)
                )
        return logsumexp(np.stack(terms), axis=0)


def component_log_pdf(
    points: np.ndarray, mean: np.ndarray, cov: np.ndarray, dof: float | None = None
) -> np.ndarray:
    """Log-density of one Gaussian (``dof=None``) or Student-t component.

    Parameters
    ----------
    points : ndarray of shape (n, p)
    mean : ndarray of shape (p,)
    cov : ndarray of shape (p, p)
        Covariance, or scale matrix for a t component.
    dof : float, optional

    Returns
    -------
    log_pdf : ndarray of shape (n,)
    """
    p = len(mean)
    factor = np.linalg.cholesky(cov)
    z = np.linalg.solve(factor, (points - mean).T)
    maha = np.sum(z * z, axis=0)
    half_log_det = float(np.sum(np.log(np.diag(factor))))
    if dof is None:
        return -0.5 * maha - 0.5 * p * np.log(2 * np.pi) - half_log_det
    dof = float(dof)
    return (
        gammaln((dof + p) / 2)
        - gammaln(dof / 2)
        - 0.5 * p * np.log(dof * np.pi)
        - half_log_det
        - 0.5 * (dof + p) * np.log1p(maha / dof)
    )


def marginal(
    model: Any, axes: np.ndarray, offset: np.ndarray | None = None
) -> Marginal:
    """The mixture of the projected points ``(x - offset) @ axes.T``.

    Parameters
    ----------
    model : fitted GaussianMixture, StudentTMixture or BayesianGaussianMixture
        A BayesianGaussianMixture is drawn with its point estimates
        (``weights_``, ``means_``, ``covariances_``).
    axes : ndarray of shape (p, n_features)
    offset : ndarray of shape (n_features,), optional

    Returns
    -------
    marginal : Marginal
    """
    check_fitted(model)
    axes = np.atleast_2d(np.asarray(axes, dtype=np.float64))
    d = axes.shape[1]
    offset = np.zeros(d) if offset is None else np.asarray(offset, dtype=np.float64)
    means = np.asarray(model.means_, dtype=np.float64)
    full = full_covariances(model.covariance_type, model.covariances_, means)
    dof = getattr(model, "dof_", None)
    noise_weight = float(getattr(model, "noise_weight_", 0.0) or 0.0)
    noise_box, dropped = None, False
    if noise_weight > 0:
        picks = np.abs(axes) > 0
        if np.all(picks.sum(axis=1) == 1) and np.allclose(axes[picks], 1.0):
            columns = np.argmax(picks, axis=1)
            bounds = np.asarray(model.noise_bounds_, dtype=np.float64)
            noise_box = bounds[:, columns] - offset[columns]
        else:
            noise_weight, dropped = 0.0, True
    return Marginal(
        weights=np.asarray(model.weights_, dtype=np.float64),
        means=(means - offset) @ axes.T,
        covariances=np.einsum("id,kde,je->kij", axes, full, axes),
        dof=None if dof is None else np.asarray(dof, dtype=np.float64),
        noise_weight=noise_weight,
        noise_box=noise_box,
        background_dropped=dropped,
    )
