"""Mixtures of images and of sequences: means and samples as pictures, curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._geometry import check_fitted, check_points, full_covariances, shown_components
from ._style import component_colors, new_figure, to_hex


def _check_shape(model: Any, shape: Sequence[int]) -> tuple[int, ...]:
    check_fitted(model)
    try:
        dims = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"shape must be the image size as (height, width), got {shape!r}."
        ) from None
    if len(dims) != 2 or min(dims) < 1:
        raise ValueError(
            f"shape must be the image size as (height, width), got {shape!r}."
        )
    d = int(model.n_features_in_)
    if dims[0] * dims[1] != d:
        raise ValueError(
            f"shape {dims} holds {dims[0] * dims[1]} pixels but the model has {d} "
            "features; each row must be one image flattened row by row."
        )
    return dims


def plot_image_components(
    model: Any,
    shape: Sequence[int],
    *,
    n_cols: int = 8,
    min_weight: float = 1e-3,
    cmap: str = "gray_r",
) -> Figure:
    """Each component's mean as an image, heaviest first.

    Parameters
    ----------
    model : fitted mixture on flattened images
    shape : (height, width)
        ``height * width`` must equal the number of features.
    n_cols : int, default=8
    min_weight : float, default=1e-3
        Lighter components, and empty ones of a Bayesian fit, are left out.
    cmap : str, default="gray_r"

    Returns
    -------
    fig : Figure
    """
    shape = _check_shape(model, shape)
    weights = np.asarray(model.weights_, dtype=np.float64)
    means = np.asarray(model.means_, dtype=np.float64)
    shown = shown_components(weights, min_weight, model)
    shown = shown[np.argsort(-weights[shown], kind="stable")]
    colors = component_colors(len(weights))
    low, high = float(means[shown].min()), float(means[shown].max())
    fig, axes = new_figure(len(shown), n_cols, (1.5, 1.7))
    for ax, k in zip(axes, shown, strict=True):
        ax.imshow(means[k].reshape(shape), cmap=cmap, vmin=low, vmax=high)
        ax.set_title(
            f"{k}: w={weights[k]:.2f}", fontsize="small", color=to_hex(colors[k])
        )
        _frame(ax, colors[k])
    fig.suptitle("Component means (colour: component, w: weight)")
    return fig


def plot_image_samples(
    model: Any,
    shape: Sequence[int],
    n: int = 16,
    *,
    n_cols: int = 8,
    random_state: Any = 0,
    cmap: str = "gray_r",
) -> Figure:
    """Images drawn from the fitted mixture, framed in their component's colour.

    Parameters
    ----------
    model : fitted mixture on flattened images
    shape : (height, width)
    n : int, default=16
        Number of samples.
    n_cols : int, default=8
    random_state : None, int or Generator, default=0
    cmap : str, default="gray_r"

    Returns
    -------
    fig : Figure
    """
    shape = _check_shape(model, shape)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    samples, labels = model.sample(int(n), random_state=random_state)
    samples = np.asarray(samples, dtype=np.float64)
    means = np.asarray(model.means_, dtype=np.float64)
    low, high = float(means.min()), float(means.max())
    colors = component_colors(len(model.weights_))
    fig, axes = new_figure(len(samples), n_cols, (1.5, 1.7))
    for ax, image, k in zip(axes, samples, labels, strict=True):
        ax.imshow(image.reshape(shape), cmap=cmap, vmin=low, vmax=high)
        color = colors[k] if k >= 0 else np.array([0.6, 0.6, 0.6, 1.0])
        ax.set_title(
            f"from {k}" if k >= 0 else "background",
            fontsize="small",
            color=to_hex(color),
        )
        _frame(ax, color)
    fig.suptitle(f"{len(samples)} samples from the mixture")
    return fig


def _frame(ax, color) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor(color)
        spine.set_linewidth(2.0)


def plot_sequence_clusters(
    model: Any,
    X: Any,
    *,
    n_members: int = 5,
    n_cols: int = 3,
    min_weight: float = 1e-3,
    random_state: Any = 0,
) -> Figure:
    """Per cluster: the mean sequence, a ±1 sd band and a few member sequences.

    Each row of ``X`` is one sequence (feature ``t`` is position ``t``). The
    band is ``mean ± sqrt(diag Σ_k)`` from the component's covariance.

    Parameters
    ----------
    model : fitted mixture
    X : array-like of shape (n_sequences, length)
    n_members : int, default=5
        Member sequences drawn faintly per cluster (chosen at random).
    n_cols : int, default=3
    min_weight : float, default=1e-3
    random_state : None, int or Generator, default=0
        Which members are drawn.

    Returns
    -------
    fig : Figure
    """
    data = check_points(model, X)
    labels = np.asarray(model.predict(X))
    weights = np.asarray(model.weights_, dtype=np.float64)
    means = np.asarray(model.means_, dtype=np.float64)
    full = full_covariances(model.covariance_type, model.covariances_, means)
    sd = np.sqrt(np.diagonal(full, axis1=1, axis2=2))
    shown = shown_components(weights, min_weight, model)
    colors = component_colors(len(weights))
    rng = np.random.default_rng(random_state)
    t = np.arange(data.shape[1])
    fig, axes = new_figure(len(shown), n_cols, (3.6, 2.6), sharex=True, sharey=True)
    for ax, k in zip(axes, shown, strict=True):
        members = np.flatnonzero(labels == k)
        picked = rng.choice(members, size=min(n_members, len(members)), replace=False)
        for row in picked:
            ax.plot(t, data[row], color=colors[k], alpha=0.3, linewidth=0.8)
        ax.fill_between(
            t,
            means[k] - sd[k],
            means[k] + sd[k],
            color=colors[k],
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(t, means[k], color=colors[k], linewidth=2.2)
        ax.set_title(
            f"component {k}: {len(members)} sequences, w={weights[k]:.2f}",
            fontsize="small",
        )
        ax.grid(alpha=0.3)
    fig.supxlabel("position in sequence", fontsize="medium")
    fig.supylabel("value", fontsize="medium")
    fig.suptitle("Mean sequence per cluster (band: ±1 sd; thin: members)")
    return fig
