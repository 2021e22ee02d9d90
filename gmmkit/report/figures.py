"""The report's own figures (the data before any model, 1-D views), and PNG export.

Model figures come from :mod:`gmmkit.plot`; this module draws only what it
has no function for: the raw data overview, and for one-feature data the EM
snapshots and the responsibilities as curves.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..covariance import covariance_model
from ..plot._geometry import pca_view
from ..plot._style import (
    DATA_COLOR,
    WARNING_COLOR,
    component_colors,
    finish_view,
    point_size,
)

#: Resolution of the inlined PNGs: sharp on a laptop, moderate in size.
DPI = 110


def figure_png(figure: Figure | Axes) -> bytes:
    """PNG bytes of a figure (or of an Axes' figure), which is then closed.

    Parameters
    ----------
    figure : Figure or Axes

    Returns
    -------
    png : bytes
    """
    import matplotlib.pyplot as plt

    fig = figure.figure if isinstance(figure, Axes) else figure
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI for ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(width: float, height: float, n_rows: int = 1, n_cols: int = 1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(width, height),
        layout="constrained",
        squeeze=False,
    )
    return fig, axes


def plot_data(X: np.ndarray, feature_names: Sequence[str]) -> Figure:
    """The data before modelling: histogram, scatter, pairs or PCA plane.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    feature_names : sequence of str

    Returns
    -------
    fig : Figure
    """
    n, d = X.shape
    size = point_size(n)
    if d == 1:
        fig, axes = _figure(6.4, 3.6)
        ax = axes[0, 0]
        ax.hist(X[:, 0], bins="auto", color=DATA_COLOR, alpha=0.75)
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel("count")
        return fig
    if d == 2:
        fig, axes = _figure(6.0, 4.6)
        ax = axes[0, 0]
        ax.scatter(X[:, 0], X[:, 1], s=size, color=DATA_COLOR, alpha=0.7, lw=0)
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        return fig
    if d <= 4:
        fig, axes = _figure(2.4 * d, 2.2 * d, d, d)
        for i in range(d):
            for j in range(d):
                ax = axes[i, j]
                if i == j:
                    # The counts would sit on the axis named after feature i
                    # (the row's label): hide them, name the histogram inside.
                    counts, _, _ = ax.hist(
                        X[:, i], bins="auto", color=DATA_COLOR, alpha=0.75
                    )
                    ax.set_yticks([])
                    ax.set_ylim(0, 1.3 * max(counts.max(), 1))  # room for the name
                    ax.text(
                        0.03,
                        0.95,
                        f"histogram of {feature_names[i]}",
                        transform=ax.transAxes,
                        ha="left",
                        va="top",
                        fontsize="small",
                    )
                else:
                    ax.scatter(X[:, j], X[:, i], s=size / 2, color=DATA_COLOR, lw=0)
                if i == d - 1:
                    ax.set_xlabel(feature_names[j])
                if j == 0:
                    ax.set_ylabel(feature_names[i])
        return fig
    view = pca_view(X.mean(axis=0), np.cov(X, rowvar=False))
    points = view.points(X)
    fig, axes = _figure(6.0, 4.6)
    ax = axes[0, 0]
    ax.scatter(points[:, 0], points[:, 1], s=size, color=DATA_COLOR, alpha=0.7, lw=0)
    finish_view(ax, view, None)
    return fig


def _mixture_curves(x: np.ndarray, weights, means, variances) -> np.ndarray:
    """Weighted component densities of a 1-D mixture, shape (K, len(x))."""
    sd = np.sqrt(variances)
    z = (x[None, :] - means[:, None]) / sd[:, None]
    return weights[:, None] * np.exp(-0.5 * z**2) / (np.sqrt(2 * np.pi) * sd[:, None])


def _variances_1d(snapshot, covariance_type: str) -> np.ndarray:
    k = len(snapshot.weights)
    full = covariance_model(covariance_type).to_full(snapshot.covariances, k, 1)
    return full[:, 0, 0]


def plot_snapshots_1d(
    snapshots: Sequence,
    X: np.ndarray,
    covariance_type: str,
    feature_name: str,
    max_panels: int = 12,
) -> Figure:
    """Histogram with the mixture at each snapshot (one-feature data).

    Parameters
    ----------
    snapshots : sequence of Snapshot
    X : ndarray of shape (n_samples, 1)
    covariance_type : str
    feature_name : str
    max_panels : int, default=12
        Later snapshots are thinned to keep this many (first and last kept).

    Returns
    -------
    fig : Figure
    """
    shown = list(snapshots)
    if len(shown) > max_panels:
        pick = np.unique(np.linspace(0, len(shown) - 1, max_panels).round().astype(int))
        shown = [shown[i] for i in pick]
    n_cols = min(4, len(shown))
    n_rows = -(-len(shown) // n_cols)
    fig, axes = _figure(3.0 * n_cols, 2.3 * n_rows, n_rows, n_cols)
    x = np.linspace(X.min(), X.max(), 400)
    pad = 0.05 * (x[-1] - x[0] or 1.0)
    x = np.linspace(x[0] - pad, x[-1] + pad, 400)
    colors = component_colors(len(shown[0].weights))
    for ax, snapshot in zip(axes.ravel(), shown, strict=False):
        ax.hist(X[:, 0], bins="auto", density=True, color=DATA_COLOR, alpha=0.3)
        curves = _mixture_curves(
            x,
            snapshot.weights,
            snapshot.means[:, 0],
            _variances_1d(snapshot, covariance_type),
        )
        for k, curve in enumerate(curves):
            ax.plot(x, curve, color=colors[k], lw=1.3, ls="--")
        ax.plot(x, curves.sum(axis=0), color="black", lw=1.4)
        ax.set_title(f"iteration {snapshot.iteration}", fontsize="medium")
        ax.set_xlabel(feature_name, fontsize="small")
        ax.tick_params(labelsize="small")
    for ax in axes.ravel()[len(shown) :]:
        ax.set_visible(False)
    return fig


def plot_responsibilities_1d(
    grid: np.ndarray,
    resp: np.ndarray,
    X: np.ndarray,
    feature_name: str,
    anomalies: np.ndarray,
) -> Figure:
    """Each component's responsibility along the feature; data and anomalies as ticks.

    Parameters
    ----------
    grid : ndarray of shape (n_grid,)
        Values of the feature.
    resp : ndarray of shape (n_grid, n_components)
        Responsibilities at ``grid`` (``model.predict_proba``).
    X : ndarray of shape (n_samples, 1)
    feature_name : str
    anomalies : ndarray of int
        Rows to mark in red.

    Returns
    -------
    fig : Figure
    """
    fig, axes = _figure(6.4, 3.4)
    ax = axes[0, 0]
    colors = component_colors(resp.shape[1])
    for k in range(resp.shape[1]):
        ax.plot(grid, resp[:, k], color=colors[k], lw=1.8, label=f"component {k}")
    ax.plot(X[:, 0], np.full(len(X), -0.04), "|", color=DATA_COLOR, alpha=0.5)
    if len(anomalies):
        ax.plot(
            X[anomalies, 0],
            np.full(len(anomalies), -0.04),
            "|",
            color=WARNING_COLOR,
            ms=14,
            mew=2,
            label="anomaly",
        )
    ax.axhline(0.9, color="grey", lw=0.8, ls=":")
    ax.set_ylim(-0.09, 1.04)
    ax.set_xlabel(feature_name)
    ax.set_ylabel("responsibility")
    ax.legend(fontsize="small", loc="center right", framealpha=0.85)
    return fig
