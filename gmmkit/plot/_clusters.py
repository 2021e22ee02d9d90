"""Clusterings of data by a fitted mixture: hard, soft, uncertain, per-point pies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnnotationBbox, DrawingArea
from matplotlib.patches import Circle, Wedge

from ._geometry import check_points, make_view, model_in_view, shown_components
from ._style import (
    NOISE_COLOR,
    WARNING_COLOR,
    blended_colors,
    component_colors,
    component_legend,
    draw_ellipses,
    draw_means,
    finish_view,
    label_colors,
    new_axes,
    point_size,
)

_VIEW_DOC = """dims : pair of int or "pca", default=(0, 1)
        Features to show, or the plane of the two leading principal axes
        (components are projected as ``N(P μ, P Σ Pᵀ)``).
    equal_aspect : bool, optional
        Equal axis scales; None uses them when the two spreads shown are
        within a factor of 3. Ellipses are in data coordinates either way.
    min_weight : float, default=1e-3
        Components lighter than this get no ellipse, nor do components of a
        Bayesian fit holding less than one point's worth of responsibility."""


def _setup(model, X, ax, dims):
    data = check_points(model, X)
    view = make_view(model, data, dims)
    mixture = model_in_view(model, view)
    colors = component_colors(len(mixture.weights))
    # X itself (not ``data``) goes to the model, so DataFrame names still match.
    return X, view, view.points(data), mixture, colors, new_axes(ax)


def plot_clusters(
    model: Any,
    X: Any,
    ax: Axes | None = None,
    dims: Sequence[int] | str = (0, 1),
    *,
    n_std: float | Sequence[float] = 2.0,
    equal_aspect: bool | None = None,
    min_weight: float = 1e-3,
    legend: bool = True,
) -> Axes:
    """Data coloured by hard label, with each component's mean and ellipse.

    Points the uniform background explains best (label ``-1``) are grey.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features)
    ax : Axes, optional
    {view}
    n_std : float or sequence of float, default=2.0
    legend : bool, default=True

    Returns
    -------
    ax : Axes
    """
    X, view, points, mixture, colors, ax = _setup(model, X, ax, dims)
    labels = model.predict(X)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size(len(points)),
        c=label_colors(labels, len(mixture.weights)),
        alpha=0.75,
        linewidths=0,
        zorder=1,
    )
    shown = shown_components(mixture.weights, min_weight, model)
    draw_ellipses(ax, mixture, shown, n_std, colors)
    draw_means(ax, mixture, shown, colors)
    finish_view(ax, view, equal_aspect)
    if legend:
        used = [k for k in shown if np.any(labels == k)] or list(shown)
        component_legend(
            ax,
            used,
            colors,
            mixture.weights,
            noise=bool(np.any(labels < 0)),
            noise_weight=float(getattr(model, "noise_weight_", 0.0) or 0.0),
        )
    return ax


def plot_soft_assignments(
    model: Any,
    X: Any,
    ax: Axes | None = None,
    dims: Sequence[int] | str = (0, 1),
    *,
    n_std: float | Sequence[float] = 2.0,
    equal_aspect: bool | None = None,
    min_weight: float = 1e-3,
    legend: bool = True,
) -> Axes:
    """Data coloured by responsibilities: each point mixes its components' colours.

    A point shared equally by two components gets the average of their
    colours; a background column (``noise="uniform"``) mixes in grey.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features)
    ax : Axes, optional
    {view}
    n_std : float or sequence of float, default=2.0
    legend : bool, default=True

    Returns
    -------
    ax : Axes
    """
    X, view, points, mixture, colors, ax = _setup(model, X, ax, dims)
    resp = np.asarray(model.predict_proba(X), dtype=np.float64)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size(len(points)) * 1.4,
        c=blended_colors(resp, len(mixture.weights)),
        linewidths=0,
        zorder=1,
    )
    shown = shown_components(mixture.weights, min_weight, model)
    draw_ellipses(ax, mixture, shown, n_std, colors, linewidth=1.2)
    draw_means(ax, mixture, shown, colors)
    finish_view(ax, view, equal_aspect)
    if legend:
        noise = resp.shape[1] > len(mixture.weights)
        component_legend(ax, shown, colors, noise=noise)
    return ax


def responsibility_entropy(resp: np.ndarray) -> np.ndarray:
    """Entropy ``-Σ_k r_k log r_k`` (nats) of each row of responsibilities."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(resp > 0, resp * np.log(resp), 0.0).sum(axis=1)


def plot_uncertainty(
    model: Any,
    X: Any,
    ax: Axes | None = None,
    n_ambiguous: int = 10,
    dims: Sequence[int] | str = (0, 1),
    *,
    equal_aspect: bool | None = None,
    min_weight: float = 1e-3,
    colorbar: bool = True,
) -> Axes:
    """Data coloured by the entropy of its responsibilities; most ambiguous ringed.

    Entropy is 0 for a point one component claims outright and ``log K`` for
    one shared equally by all ``K`` columns of ``predict_proba``.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features)
    ax : Axes, optional
    n_ambiguous : int, default=10
        How many of the highest-entropy points to ring.
    {view}
    colorbar : bool, default=True

    Returns
    -------
    ax : Axes
    """
    if isinstance(n_ambiguous, bool) or not isinstance(n_ambiguous, int | np.integer):
        raise ValueError(f"n_ambiguous must be an integer, got {n_ambiguous!r}.")
    if n_ambiguous < 0:
        raise ValueError(f"n_ambiguous must be >= 0, got {n_ambiguous}.")
    X, view, points, mixture, colors, ax = _setup(model, X, ax, dims)
    resp = np.asarray(model.predict_proba(X), dtype=np.float64)
    entropy = responsibility_entropy(resp)
    order = np.argsort(entropy)  # most ambiguous drawn last, on top
    scatter = ax.scatter(
        points[order, 0],
        points[order, 1],
        s=point_size(len(points)) * 1.4,
        c=entropy[order],
        cmap="viridis",
        vmin=0.0,
        vmax=max(np.log(resp.shape[1]), 1e-12),
        linewidths=0,
        zorder=1,
    )
    shown = shown_components(mixture.weights, min_weight, model)
    draw_ellipses(ax, mixture, shown, 2.0, colors, linewidth=1.0)
    extra = _ring_most_ambiguous(ax, points, order[::-1][:n_ambiguous])
    finish_view(ax, view, equal_aspect)
    if colorbar:
        bar = ax.figure.colorbar(scatter, ax=ax, shrink=0.85)
        bar.set_label("entropy of responsibilities (nats)")
    if extra:
        ax.legend(handles=extra, fontsize="small", loc="best", framealpha=0.85)
    return ax


def _ring_most_ambiguous(ax: Axes, points: np.ndarray, rows: np.ndarray) -> list:
    """Red rings around ``points[rows]``, and their legend entry (none if no rows)."""
    if not len(rows):
        return []
    ax.scatter(
        points[rows, 0],
        points[rows, 1],
        s=point_size(len(points)) * 1.4 + 60,
        facecolors="none",
        edgecolors=WARNING_COLOR,
        linewidths=1.5,
        zorder=4,
    )
    ring = Line2D(
        [],
        [],
        marker="o",
        linestyle="none",
        markerfacecolor="none",
        markeredgecolor=WARNING_COLOR,
        label=f"{len(rows)} most ambiguous",
    )
    return [ring]


def plot_responsibility_pies(
    model: Any,
    X: Any,
    ax: Axes | None = None,
    points: Sequence[int] | None = None,
    dims: Sequence[int] | str = (0, 1),
    *,
    n_points: int = 8,
    radius: float = 10.0,
    equal_aspect: bool | None = None,
    min_weight: float = 1e-3,
    legend: bool = True,
) -> Axes:
    """Small pie charts of the responsibilities at chosen points.

    Pies have a fixed size on screen (``radius`` in points), wherever the
    axes' scales, and sit at the points' positions in the data.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_samples, n_features)
    ax : Axes, optional
    points : sequence of int, optional
        Row indices of ``X`` to draw pies for. By default ``n_points`` rows:
        two thirds the most ambiguous ones, the rest spread over the data.
    {view}
    n_points : int, default=8
    radius : float, default=10.0
        Pie radius in typographic points.
    legend : bool, default=True

    Returns
    -------
    ax : Axes
    """
    X, view, xy, mixture, colors, ax = _setup(model, X, ax, dims)
    resp = np.asarray(model.predict_proba(X), dtype=np.float64)
    chosen = _chosen_points(points, resp, xy, n_points)
    labels = np.argmax(resp, axis=1)
    labels = np.where(labels >= len(mixture.weights), -1, labels)
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=point_size(len(xy)),
        c=label_colors(labels, len(mixture.weights)),
        alpha=0.35,
        linewidths=0,
        zorder=1,
    )
    shown = shown_components(mixture.weights, min_weight, model)
    draw_ellipses(ax, mixture, shown, 2.0, colors, linewidth=1.0)
    palette = [tuple(c) for c in colors]
    if resp.shape[1] > len(mixture.weights):
        palette.append(NOISE_COLOR)
    for i in chosen:
        _draw_pie(ax, xy[i], resp[i], palette, radius)
    finish_view(ax, view, equal_aspect)
    if legend:
        noise = resp.shape[1] > len(mixture.weights)
        component_legend(ax, shown, colors, noise=noise)
    return ax


def _chosen_points(points, resp, xy, n_points) -> np.ndarray:
    n = len(resp)
    if points is not None:
        chosen = np.asarray(points)
        if chosen.ndim != 1 or not np.issubdtype(chosen.dtype, np.integer):
            raise ValueError(
                f"points must be a sequence of row indices of X, got {points!r}."
            )
        bad = chosen[(chosen < -n) | (chosen >= n)]
        if bad.size:
            raise ValueError(
                f"points: row index {int(bad[0])} is out of range for X with {n} rows."
            )
        return chosen % n
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer):
        raise ValueError(f"n_points must be an integer, got {n_points!r}.")
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1, got {n_points}.")
    n_points = min(int(n_points), n)
    entropy = responsibility_entropy(resp)
    # Distances in units of each axis' spread, so pies do not pile up.
    scaled = (xy - xy.mean(axis=0)) / np.maximum(xy.std(axis=0), 1e-12)
    chosen: list[int] = []
    for i in np.argsort(entropy)[::-1]:
        if len(chosen) >= (2 * n_points) // 3 or entropy[i] < 1e-3:
            break
        if (
            not chosen
            or np.min(np.linalg.norm(scaled[chosen] - scaled[i], axis=1)) > 0.3
        ):
            chosen.append(int(i))
    if not chosen:
        chosen.append(int(np.argmin(entropy)))
    # The rest by farthest-point sampling.
    distance = np.min(
        np.linalg.norm(scaled[:, None, :] - scaled[chosen][None, :, :], axis=2),
        axis=1,
    )
    while len(chosen) < n_points:
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(scaled - scaled[nxt], axis=1))
    return np.asarray(chosen, dtype=np.intp)


def _draw_pie(ax: Axes, centre, fractions, palette, radius: float) -> None:
    area = DrawingArea(2 * radius, 2 * radius, 0, 0)
    start = 90.0
    for fraction, color in zip(fractions, palette, strict=True):
        if fraction <= 1e-3:
            continue
        if fraction >= 1 - 1e-3:  # a whole disc: no seam
            area.add_artist(Circle((radius, radius), radius, facecolor=color))
            break
        sweep = 360.0 * float(fraction)
        area.add_artist(
            Wedge(
                (radius, radius),
                radius,
                start,
                start + sweep,
                facecolor=color,
                edgecolor="white",
                linewidth=0.6,
            )
        )
        start += sweep
    area.add_artist(
        Wedge(
            (radius, radius),
            radius,
            0,
            360,
            facecolor="none",
            edgecolor="black",
            linewidth=0.8,
        )
    )
    box = AnnotationBbox(
        area, tuple(centre), xycoords="data", frameon=False, pad=0.0, zorder=6
    )
    ax.add_artist(box)


for _function in (
    plot_clusters,
    plot_soft_assignments,
    plot_uncertainty,
    plot_responsibility_pies,
):
    _function.__doc__ = _function.__doc__.replace("{view}", _VIEW_DOC)
