"""Geometry shared by every figure: ellipses, 2-D views of a fitted mixture.

A figure draws two coordinates. For d > 2 data it shows either a chosen pair of
features or the plane of the two leading principal axes; either way the view is
a linear map ``P`` (2 × d) plus an offset, and a component ``N(μ, Σ)`` is drawn
as ``N(P(μ - c), P Σ Pᵀ)``, which is exactly the distribution of the projected
points, so the ellipses stay correct in projection.

When the features' standard deviations differ by more than
:data:`STANDARDIZE_RATIO`, the principal axes are those of the standardised
features (a column in centimetres next to one in years would otherwise be
the whole first axis). The scaling ``D`` (the standard deviations) is folded
into the map, ``P D⁻¹``, so points and covariances (``P D⁻¹ Σ D⁻¹ Pᵀ``) go
through the same projection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_data, check_n_features
from ..covariance import covariance_model
from ..exceptions import NotFittedError

#: The PCA view standardises the features when their standard deviations
#: differ by more than this factor.
STANDARDIZE_RATIO = 3.0


def ellipse_params(covariance: Any, n_std: float = 2.0) -> tuple[float, float, float]:
    """Width, height and angle of the ``n_std``-sigma ellipse of a 2×2 covariance.

    Parameters
    ----------
    covariance : array-like of shape (2, 2)
        A symmetric positive semi-definite matrix.
    n_std : float, default=2.0
        Number of standard deviations along each principal axis.

    Returns
    -------
    width : float
        Full length of the major axis, ``2 n_std sqrt(λ_max)``.
    height : float
        Full length of the minor axis, ``2 n_std sqrt(λ_min)``.
    angle : float
        Angle of the major axis from the x-axis in degrees, in (-90, 90].

    Examples
    --------
    >>> ellipse_params([[4.0, 0.0], [0.0, 1.0]], n_std=1.0)
    (4.0, 2.0, 0.0)
    """
    cov = np.asarray(covariance, dtype=np.float64)
    if cov.shape != (2, 2):
        raise ValueError(
            f"ellipse_params needs a 2×2 covariance matrix, got shape {cov.shape}; "
            "project higher-dimensional covariances first (plot functions take "
            "dims=(i, j) or dims='pca')."
        )
    if not np.all(np.isfinite(cov)):
        raise ValueError("ellipse_params: the covariance contains NaN or inf.")
    if not np.isclose(cov[0, 1], cov[1, 0], rtol=1e-8, atol=1e-12 * np.abs(cov).max()):
        raise ValueError(
            f"ellipse_params: the covariance is not symmetric "
            f"({cov[0, 1]!r} != {cov[1, 0]!r})."
        )
    if not n_std > 0:
        raise ValueError(f"n_std must be positive, got {n_std!r}.")
    eigenvalues, eigenvectors = np.linalg.eigh((cov + cov.T) / 2)
    scale = max(abs(eigenvalues[-1]), np.finfo(float).tiny)
    if eigenvalues[0] < -1e-10 * scale:
        raise ValueError(
            f"ellipse_params: the covariance is not positive semi-definite "
            f"(eigenvalue {eigenvalues[0]:.3g})."
        )
    minor, major = np.sqrt(np.clip(eigenvalues, 0.0, None))
    vx, vy = eigenvectors[:, 1]
    if abs(major - minor) <= 1e-12 * major:
        angle = 0.0  # a circle: every direction is a major axis
    else:
        angle = float(np.degrees(np.arctan2(vy, vx)))
        if angle <= -90.0:
            angle += 180.0
        elif angle > 90.0:
            angle -= 180.0
    return float(2 * n_std * major), float(2 * n_std * minor), angle


@dataclass(frozen=True)
class View:
    """A linear 2-D view of d-dimensional data.

    Attributes
    ----------
    axes : ndarray of shape (2, n_features)
        Rows are the directions shown on x and y.
    offset : ndarray of shape (n_features,)
        Subtracted before projecting (the data mean for PCA, zero otherwise).
    labels : tuple of str
        Axis labels.
    is_pca : bool
        True for the principal-axes view (both axes in the same units).
    standardized : bool
        True for a principal-axes view of standardised features: ``axes``
        then already includes the division by each feature's standard
        deviation.
    """

    axes: np.ndarray
    offset: np.ndarray
    labels: tuple[str, str]
    is_pca: bool = False
    standardized: bool = False

    def points(self, X: np.ndarray) -> np.ndarray:
        """Project rows: ``(n, d) -> (n, 2)``."""
        return (np.asarray(X, dtype=np.float64) - self.offset) @ self.axes.T

    def covariances(self, full: np.ndarray) -> np.ndarray:
        """Project full covariances: ``(K, d, d) -> (K, 2, 2)`` as ``P Σ Pᵀ``."""
        return np.einsum("id,kde,je->kij", self.axes, full, self.axes)


@dataclass(frozen=True)
class Mixture2D:
    """A fitted mixture seen through a :class:`View`.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, 2)
    covariances : ndarray of shape (n_components, 2, 2)
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray


def check_fitted(model: Any) -> None:
    """Raise a clear error unless ``model`` is a fitted mixture."""
    if not hasattr(model, "means_") or not hasattr(model, "n_features_in_"):
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet; call "
            "model.fit(X) before plotting it."
        )


def feature_names(model: Any, n_features: int) -> list[str]:
    """The model's feature names, or ``x0, x1, ...``."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return [str(n) for n in names]
    return [f"x{i}" for i in range(n_features)]


def full_covariances(
    covariance_type: str, covariances: np.ndarray, means: np.ndarray
) -> np.ndarray:
    """Covariances of any type as ``(K, d, d)`` matrices."""
    return covariance_model(covariance_type).to_full(
        np.asarray(covariances, dtype=np.float64), *np.shape(means)
    )


def make_view(
    model: Any,
    X: np.ndarray | None = None,
    dims: Sequence[int] | str = (0, 1),
) -> View:
    """The 2-D view a figure draws.

    Parameters
    ----------
    model : fitted mixture
    X : ndarray of shape (n_samples, n_features), optional
        Data; the PCA view uses its mean and covariance when given, else the
        mixture's own.
    dims : pair of int or "pca", default=(0, 1)
        Which two features to show, or ``"pca"`` for the plane of the two
        leading principal axes (of the standardised features when their
        standard deviations differ by more than a factor of
        ``STANDARDIZE_RATIO``; the axis labels then say so).

    Returns
    -------
    view : View
    """
    check_fitted(model)
    d = int(model.n_features_in_)
    names = feature_names(model, d)
    if d < 2:
        raise ValueError(
            "This figure needs at least 2 features; the model has 1. Use "
            "gmmkit.plot.plot_mixture_1d for one-dimensional data."
        )
    if isinstance(dims, str):
        if dims != "pca":
            raise ValueError(
                f"dims must be a pair of feature indices or 'pca', got {dims!r}."
            )
        return _pca_view(model, X, d)
    try:
        i, j = (int(k) for k in dims)
    except (TypeError, ValueError):
        raise ValueError(
            f"dims must be a pair of feature indices or 'pca', got {dims!r}."
        ) from None
    for k in (i, j):
        if not -d <= k < d:
            raise ValueError(
                f"dims={tuple(dims)!r}: the model has {d} features (0..{d - 1})."
            )
    i, j = i % d, j % d
    if i == j:
        raise ValueError(f"dims must name two different features, got {tuple(dims)!r}.")
    axes = np.zeros((2, d))
    axes[0, i] = axes[1, j] = 1.0
    return View(axes, np.zeros(d), (names[i], names[j]))


def _pca_view(model: Any, X: np.ndarray | None, d: int) -> View:
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
        centre = X.mean(axis=0)
        spread = np.cov(X, rowvar=False)
    else:
        weights = np.asarray(model.weights_, dtype=np.float64)
        weights = weights / weights.sum()
        means = np.asarray(model.means_, dtype=np.float64)
        full = full_covariances(model.covariance_type, model.covariances_, means)
        centre = weights @ means
        diff = means - centre
        spread = np.einsum("k,kij->ij", weights, full) + (weights * diff.T) @ diff
    return pca_view(centre, spread)


def pca_view(centre: np.ndarray, spread: np.ndarray) -> View:
    """The plane of the two leading principal axes of a distribution.

    Parameters
    ----------
    centre : ndarray of shape (n_features,)
    spread : ndarray of shape (n_features, n_features)
        Covariance matrix; standardised first when the standard deviations
        differ by more than ``STANDARDIZE_RATIO``.

    Returns
    -------
    view : View
    """
    sd = np.sqrt(np.clip(np.diag(spread), 0.0, None))
    varying = sd[sd > 0]
    standardized = bool(
        len(varying) >= 2 and varying.max() > STANDARDIZE_RATIO * varying.min()
    )
    if standardized:
        sd = np.where(sd > 0, sd, 1.0)  # a constant feature projects to 0 anyway
        spread = spread / np.outer(sd, sd)  # the correlation matrix
    eigenvalues, eigenvectors = np.linalg.eigh(spread)
    axes = eigenvectors[:, ::-1][:, :2].T.copy()
    # A sign convention so the picture does not flip between runs.
    for row in axes:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    share = eigenvalues[::-1][:2] / max(eigenvalues.sum(), np.finfo(float).tiny)
    if standardized:
        axes = axes / sd  # P D⁻¹: project standardised points
        labels = (
            f"PC1 of standardised features ({100 * share[0]:.0f}% of variance)",
            f"PC2 of standardised features ({100 * share[1]:.0f}%)",
        )
    else:
        labels = (
            f"PC1 ({100 * share[0]:.0f}% of variance)",
            f"PC2 ({100 * share[1]:.0f}%)",
        )
    return View(axes, centre, labels, is_pca=True, standardized=standardized)


def project_mixture(
    view: View,
    weights: np.ndarray,
    means: np.ndarray,
    covariances: np.ndarray,
    covariance_type: str,
) -> Mixture2D:
    """Project mixture parameters (a fitted model's or a snapshot's) into a view."""
    means = np.asarray(means, dtype=np.float64)
    full = full_covariances(covariance_type, covariances, means)
    return Mixture2D(
        np.asarray(weights, dtype=np.float64),
        view.points(means),
        view.covariances(full),
    )


def model_in_view(model: Any, view: View) -> Mixture2D:
    """A fitted model's components in a view."""
    check_fitted(model)
    return project_mixture(
        view, model.weights_, model.means_, model.covariances_, model.covariance_type
    )


def check_points(model: Any, X: Any, name: str = "X") -> np.ndarray:
    """Validate data for a figure of ``model``: fitted model, matching features.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    """
    check_fitted(model)
    if X is None:
        raise ValueError(f"This figure needs the data: pass {name}.")
    X, names = check_data(X, name=name)
    check_n_features(model, X, names)
    return np.asarray(X, dtype=np.float64)


def shown_components(
    weights: np.ndarray, min_weight: float = 1e-3, model: Any = None
) -> np.ndarray:
    """Indices of the components worth drawing.

    A component is left out when its weight is below ``min_weight``, or, for
    a BayesianGaussianMixture passed as ``model``, when less than one point's
    worth of responsibility is assigned to it (an empty component keeps a
    small prior weight, about 1/n, that a fixed threshold cannot tell from a
    small cluster).
    """
    keep = np.asarray(weights) >= min_weight
    counts = effective_counts(model) if model is not None else None
    if counts is not None and counts.shape == keep.shape:
        keep &= counts >= 1.0
    return np.flatnonzero(keep)


def effective_counts(model: Any) -> np.ndarray | None:
    """Points' worth of responsibility per component of a Bayesian fit, else None."""
    concentration = getattr(model, "weight_concentration_", None)
    if concentration is None:
        return None
    if isinstance(concentration, tuple):  # Dirichlet process: Beta(1 + N_k, ...)
        return np.asarray(concentration[0], dtype=np.float64) - 1.0
    prior = float(getattr(model, "weight_concentration_prior_", 0.0))
    return np.asarray(concentration, dtype=np.float64) - prior
