"""Component ellipses of a fitted mixture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes

from ._geometry import check_points, make_view, model_in_view, shown_components
from ._style import (
    DATA_COLOR,
    component_colors,
    component_legend,
    draw_ellipses,
    draw_means,
    finish_view,
    new_axes,
    point_size,
)


def plot_ellipses(
    model: Any,
    ax: Axes | None = None,
    n_std: float | Sequence[float] = (1, 2, 3),
    dims: Sequence[int] | str = (0, 1),
    X: Any = None,
    *,
    min_weight: float = 1e-3,
    equal_aspect: bool | None = None,
    legend: bool = True,
) -> Axes:
    """Draw each component's ``n_std``-sigma ellipses (and the data, if given).

    Works for every covariance type. For d > 2 the ellipses are those of the
    projected components ``N(P μ, P Σ Pᵀ)`` in the chosen view, i.e. exactly
    the spread of the projected points. For a StudentTMixture they are drawn
    from the scale matrices (the t density's own level sets).

    Parameters
    ----------
    model : fitted GaussianMixture, BayesianGaussianMixture or StudentTMixture
    ax : Axes, optional
        Where to draw; a new figure when None.
    n_std : float or sequence of float, default=(1, 2, 3)
        Mahalanobis radii of the ellipses.
    dims : pair of int or "pca", default=(0, 1)
        Features to show, or the plane of the two leading principal axes.
    X : array-like of shape (n_samples, n_features), optional
        Data drawn in grey beneath (also centres the PCA view).
    min_weight : float, default=1e-3
        Components lighter than this are not drawn, nor are components of a
        Bayesian fit holding less than one point's worth of responsibility.
    equal_aspect : bool, optional
        Equal axis scales; None decides from the view (see Notes).
    legend : bool, default=True

    Returns
    -------
    ax : Axes

    Notes
    -----
    Ellipses are drawn in data coordinates, so they stay geometrically right
    when the axes have different scales. ``equal_aspect=None`` uses equal
    scales when the two spreads shown are within a factor of 3 (for feature
    pairs and PCA views alike), and separate scales otherwise, where equal
    ones would squash the picture into a strip (Old Faithful: 2-5 minutes
    against 45-95).
    """
    X = None if X is None else check_points(model, X)
    view = make_view(model, X, dims)
    mixture = model_in_view(model, view)
    ax = new_axes(ax)
    if X is not None:
        points = view.points(X)
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=point_size(len(points)),
            color=DATA_COLOR,
            alpha=0.45,
            linewidths=0,
            zorder=1,
        )
    colors = component_colors(len(mixture.weights))
    shown = shown_components(mixture.weights, min_weight, model)
    draw_ellipses(ax, mixture, shown, n_std, colors)
    draw_means(ax, mixture, shown, colors)
    finish_view(ax, view, equal_aspect)
    if legend:
        component_legend(ax, shown, colors, mixture.weights, loc="best")
    return ax
