"""Densities of a fitted mixture: 2-D filled contours and the 1-D histogram fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ._geometry import (
    check_fitted,
    check_points,
    feature_names,
    make_view,
    model_in_view,
    shown_components,
)
from ._marginal import component_log_pdf, marginal
from ._style import (
    DATA_COLOR,
    NOISE_COLOR,
    WARNING_COLOR,
    component_colors,
    finish_view,
    new_axes,
    point_size,
)

#: Contours span this many powers of ten below the density's peak.
_DECADES = 4.0


def plot_density(
    model: Any,
    X: Any = None,
    ax: Axes | None = None,
    anomalies: float | None = None,
    dims: Sequence[int] | str = (0, 1),
    *,
    levels: int = 12,
    grid_size: int = 160,
    equal_aspect: bool | None = None,
    colorbar: bool = True,
) -> Axes:
    """Filled contours of the fitted density, with low-density points marked.

    For 2-D data this is the model's density. For d > 2 it is the density of
    the *projected* points in the chosen view (the marginal: a mixture of the
    projected components, exact for Gaussian and Student-t components), not a
    slice through the d-dimensional density; points that look central here
    can still be anomalous in the full space, and the anomaly test below uses
    the full density. A uniform background (``noise="uniform"``) is drawn for
    a feature pair and left out of a PCA view, where its projection has no
    simple form (the title says so). A BayesianGaussianMixture is drawn with
    its point estimates ``weights_``, ``means_`` and ``covariances_``.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features), optional
        Data drawn over the contours; sets the extent of the grid.
    ax : Axes, optional
    anomalies : float, optional
        A percentile in (0, 100): points whose full log-density
        (``model.score_samples``) is below it are marked as anomalies.
        Needs ``X``.
    dims : pair of int or "pca", default=(0, 1)
    levels : int, default=12
        About this many filled bands of log₁₀ density (at round values),
        over the four decades below the peak.
    grid_size : int, default=160
        Grid points per axis.
    equal_aspect : bool, optional
        None: equal when the two spreads shown are within a factor of 3.
    colorbar : bool, default=True

    Returns
    -------
    ax : Axes
    """
    check_fitted(model)
    _check_anomalies(anomalies, X)
    data = None if X is None else check_points(model, X)
    view = make_view(model, data, dims)
    ax = new_axes(ax)
    points = None if data is None else view.points(data)
    density = marginal(model, view.axes, view.offset)
    (x0, x1), (y0, y1) = _extent(points, model_in_view(model, view))
    gx, gy, log10 = _log10_grid(density, (x0, x1), (y0, y1), grid_size)
    bounds = _bands(float(log10.max()), levels)
    clipped = np.clip(log10, bounds[0], None)
    filled = ax.contourf(gx, gy, clipped, levels=bounds, cmap="Blues", zorder=0)
    if points is not None:
        _draw_data(ax, points)
    handles = []
    if anomalies is not None:
        handles.append(_mark_anomalies(ax, model, X, points, anomalies))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    finish_view(ax, view, equal_aspect, adjustable="box")
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, shrink=0.85)
        exact = view.axes.shape[1] == 2
        bar.set_label(("" if exact else "marginal ") + "density (log₁₀)")
    if handles:
        ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.85)
    if density.background_dropped:
        ax.set_title("uniform background not shown in a PCA view", fontsize="small")
    return ax


def _check_anomalies(anomalies: float | None, X: Any) -> None:
    """ValueError unless ``anomalies`` is None or a percentile with data to test."""
    if anomalies is None:
        return
    if X is None:
        raise ValueError("anomalies needs the data: pass X as well.")
    if not isinstance(anomalies, int | float | np.number) or not (
        0 < float(anomalies) < 100
    ):
        raise ValueError(
            f"anomalies must be a percentile between 0 and 100 (e.g. 2.0), "
            f"got {anomalies!r}."
        )


def _log10_grid(density, xlim: tuple, ylim: tuple, grid_size: int):
    """log₁₀ of ``density`` on a ``grid_size`` × ``grid_size`` grid over the limits.

    Returns
    -------
    gx, gy, log10 : ndarray of shape (grid_size, grid_size)
    """
    gx, gy = np.meshgrid(np.linspace(*xlim, grid_size), np.linspace(*ylim, grid_size))
    log10 = density.log_density(np.column_stack([gx.ravel(), gy.ravel()]))
    return gx, gy, log10.reshape(gx.shape) / np.log(10)


def _bands(top: float, levels: int) -> np.ndarray:
    """Round band edges of log₁₀ density over the decades below the peak ``top``.

    The last edge is at or above ``top``, so the peak falls inside a band.
    """
    bounds = MaxNLocator(levels, steps=[1, 2, 2.5, 5, 10]).tick_values(
        top - _DECADES, top
    )
    bounds = bounds[bounds >= top - _DECADES - 1e-9]
    if bounds[-1] < top:
        bounds = np.append(bounds, bounds[-1] + (bounds[-1] - bounds[-2]))
    return bounds


def _draw_data(ax: Axes, points: np.ndarray) -> None:
    """The data over the contours, in one neutral colour."""
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size(len(points)) * 0.8,
        color=DATA_COLOR,
        alpha=0.6,
        linewidths=0,
        zorder=2,
    )


def _mark_anomalies(
    ax: Axes, model: Any, X: Any, points: np.ndarray, percentile: float
) -> Line2D:
    """Red crosses on points whose full log-density is below ``percentile``.

    Returns
    -------
    handle : Line2D
        The legend entry, with the count of points marked.
    """
    log_density = np.asarray(model.score_samples(X), dtype=np.float64)
    threshold = np.percentile(log_density, percentile)
    low = log_density < threshold
    ax.scatter(
        points[low, 0],
        points[low, 1],
        marker="x",
        s=45,
        color=WARNING_COLOR,
        linewidths=1.6,
        zorder=4,
    )
    return Line2D(
        [],
        [],
        marker="x",
        linestyle="none",
        color=WARNING_COLOR,
        label=f"{int(low.sum())} in the lowest {percentile:g}% of density",
    )


def _extent(points: np.ndarray | None, mixture) -> tuple[tuple, tuple]:
    if points is not None:
        low, high = points.min(axis=0), points.max(axis=0)
    else:
        spread = 3 * np.sqrt(np.diagonal(mixture.covariances, axis1=1, axis2=2))
        low = (mixture.means - spread).min(axis=0)
        high = (mixture.means + spread).max(axis=0)
    pad = 0.08 * np.maximum(high - low, 1e-9)
    low, high = low - pad, high + pad
    return (low[0], high[0]), (low[1], high[1])


def plot_mixture_1d(
    model: Any,
    X: Any,
    ax: Axes | None = None,
    bins: int | str | Sequence[float] = "auto",
    feature: int = 0,
    *,
    min_weight: float = 1e-3,
    legend: bool = True,
) -> Axes:
    """Histogram of one feature with each weighted component density and the mixture.

    For d > 1 the curves are the marginal densities of ``feature``.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features)
    ax : Axes, optional
    bins : int, str or sequence, default="auto"
        Passed to :func:`numpy.histogram_bin_edges`.
    feature : int, default=0
        Column to show.
    min_weight : float, default=1e-3
        Components lighter than this get no dashed curve (still in the sum).
    legend : bool, default=True

    Returns
    -------
    ax : Axes
    """
    data = check_points(model, X)
    d = data.shape[1]
    feature = _check_feature(feature, d)
    values = data[:, feature]
    axis = np.zeros((1, d))
    axis[0, feature] = 1.0
    density = marginal(model, axis)
    ax = new_axes(ax, figsize=(6.4, 4.0))
    edges = np.histogram_bin_edges(values, bins=bins)
    ax.hist(
        values,
        bins=edges,
        density=True,
        color="#c9d3de",
        edgecolor="white",
        linewidth=0.5,
        label="data",
        zorder=0,
    )
    span = values.max() - values.min()
    pad = 0.1 * span if span > 0 else 1.0
    grid = np.linspace(values.min() - pad, values.max() + pad, 600)
    shown = shown_components(density.weights, min_weight, model)
    _draw_component_curves(ax, density, grid, shown)
    if density.noise_weight > 0:
        _draw_background_level(ax, density)
    ax.plot(
        grid,
        np.exp(density.log_density(grid[:, None])),
        color="black",
        linewidth=2.4,
        alpha=0.85,
        label="mixture",
        zorder=2,
    )
    ax.set_xlim(grid[0], grid[-1])
    ax.set_ylim(bottom=0)
    ax.set_xlabel(feature_names(model, d)[feature])
    ax.set_ylabel("density")
    if legend:
        ax.legend(fontsize="small", framealpha=0.85)
    return ax


def _check_feature(feature: int, d: int) -> int:
    """``feature`` as a column index in 0..d-1 (negative counts from the end)."""
    if isinstance(feature, bool) or not isinstance(feature, int | np.integer):
        raise ValueError(f"feature must be a column index, got {feature!r}.")
    if not -d <= feature < d:
        raise ValueError(f"feature={feature}: the model has {d} features (0..{d - 1}).")
    return int(feature) % d


def _draw_component_curves(ax: Axes, density, grid: np.ndarray, shown) -> None:
    """Each shown component's weighted density along ``grid``, dashed."""
    colors = component_colors(len(density.weights))
    dof = density.dof
    for k in shown:
        curve = density.weights[k] * np.exp(
            component_log_pdf(
                grid[:, None],
                density.means[k],
                density.covariances[k],
                None if dof is None else dof[k],
            )
        )
        ax.plot(
            grid,
            curve,
            linestyle="--",
            color=colors[k],
            linewidth=2.0,
            label=f"component {k} (w={density.weights[k]:.2f})",
            zorder=3,  # above the mixture, which it meets at its peak
        )


def _draw_background_level(ax: Axes, density) -> None:
    """The uniform background's weighted density: a dotted box over its range."""
    low, high = density.noise_box[:, 0]
    level = density.noise_weight / (high - low)
    ax.plot(
        [low, low, high, high],
        [0, level, level, 0],
        linestyle=":",
        color=NOISE_COLOR,
        linewidth=1.6,
        label=f"background (w={density.noise_weight:.2f})",
    )
