"""k-means against a Gaussian mixture on the same data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import linear_sum_assignment

from .._validation import check_data, check_int
from ..kmeans import KMeans
from ..mixture import GaussianMixture
from ._clusters import plot_clusters
from ._geometry import make_view
from ._style import component_colors, finish_view, label_colors, new_figure, point_size


def plot_kmeans_vs_gmm(
    X: Any,
    k: int,
    dims: Sequence[int] | str = (0, 1),
    *,
    covariance_type: str = "full",
    random_state: Any = 0,
    equal_aspect: bool | None = None,
) -> Figure:
    """Side by side: k-means labels and a Gaussian mixture's labels with ellipses.

    Both are fitted here with ``k`` clusters; k-means clusters are renumbered
    to match the mixture's components, so the same colour is the same group.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k : int
        Number of clusters / components.
    dims : pair of int or "pca", default=(0, 1)
    covariance_type : str, default="full"
    random_state : None, int or Generator, default=0
    equal_aspect : bool, optional

    Returns
    -------
    fig : Figure
        Attributes ``kmeans`` and ``gmm`` hold the two fitted models.
    """
    k = check_int(k, "k", minimum=1)
    data, _ = check_data(X, min_samples=k)
    if data.shape[1] < 2:
        raise ValueError(
            "plot_kmeans_vs_gmm draws 2-D panels; X has 1 feature. Use "
            "gmmkit.plot.plot_mixture_1d for one-dimensional data."
        )
    kmeans = KMeans(n_clusters=k, random_state=random_state).fit(X)
    gmm = GaussianMixture(
        n_components=k, covariance_type=covariance_type, random_state=random_state
    ).fit(X)
    gmm_labels = gmm.predict(X)
    kmeans_labels = _match(np.asarray(kmeans.labels_), gmm_labels, k)
    view = make_view(gmm, data, dims)
    points = view.points(data)
    spread = np.ptp(points, axis=0)
    # Height follows the data's shape, so equal scales leave no empty bands.
    height = float(np.clip(4.0 * spread[1] / max(spread[0], 1e-12), 1.6, 4.0))
    fig, (left, right) = new_figure(2, 2, (4.8, height + 1.3))
    order = _permutation(np.asarray(kmeans.labels_), gmm_labels, k)
    centres = view.points(np.asarray(kmeans.cluster_centers_)[order])
    _draw_kmeans(left, points, kmeans_labels, centres, k)
    finish_view(left, view, equal_aspect)
    left.set_title("k-means: nearest centre, round clusters", fontsize="medium")
    plot_clusters(gmm, X, ax=right, dims=dims, equal_aspect=equal_aspect, legend=False)
    _share_limits((left, right), points)
    agree = float(np.mean(kmeans_labels == gmm_labels))
    right.set_title(
        f"Gaussian mixture ({covariance_type}): 2σ ellipses", fontsize="medium"
    )
    fig.suptitle(f"k = {k}: the two agree on {100 * agree:.0f}% of the points")
    fig.kmeans, fig.gmm = kmeans, gmm
    return fig


def _draw_kmeans(ax, points: np.ndarray, labels: np.ndarray, centres, k: int) -> None:
    """Points coloured by their (renumbered) k-means cluster, centres as crosses.

    ``centres[j]`` is the centre of the cluster drawn in colour ``j``.
    """
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size(len(points)),
        c=label_colors(labels, k),
        alpha=0.75,
        linewidths=0,
    )
    ax.scatter(
        centres[:, 0],
        centres[:, 1],
        marker="X",
        s=110,
        c=component_colors(k),
        edgecolors="white",
        linewidths=1.2,
    )


def _share_limits(axes, points: np.ndarray) -> None:
    """The same limits around the points on every panel, boxes resized to fit.

    Shared axes would forbid the "datalim" adjustment of equal scales, so the
    limits are set on each panel instead.
    """
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.06 * np.maximum(high - low, 1e-9)
    for ax in axes:
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
        ax.set_adjustable("box")


def _permutation(
    kmeans_labels: np.ndarray, gmm_labels: np.ndarray, k: int
) -> np.ndarray:
    """``order[j]``: the k-means cluster matched to mixture component ``j``."""
    overlap = np.zeros((k, k))
    np.add.at(overlap, (gmm_labels, kmeans_labels), 1)
    _, columns = linear_sum_assignment(-overlap)
    return columns


def _match(kmeans_labels: np.ndarray, gmm_labels: np.ndarray, k: int) -> np.ndarray:
    order = _permutation(kmeans_labels, gmm_labels, k)
    renumber = np.empty(k, dtype=np.intp)
    renumber[order] = np.arange(k)
    return renumber[kmeans_labels]
