"""How a fit went: log-likelihood per iteration and EM snapshots.

The model search's figure, :func:`plot_selection`, is in :mod:`._selection`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ._geometry import (
    check_fitted,
    check_points,
    full_covariances,
    make_view,
    project_mixture,
    shown_components,
)
from ._marginal import component_log_pdf
from ._style import (
    WARNING_COLOR,
    component_colors,
    draw_ellipses,
    draw_means,
    finish_view,
    label_colors,
    new_axes,
    new_figure,
    point_size,
)

#: Colour of the objective's curve.
_CURVE_COLOR = "#1f77b4"


def plot_log_likelihood(model: Any, ax: Axes | None = None) -> Axes:
    """The fit's objective per EM iteration, convergence marked, decreases in red.

    EM never lowers the log-likelihood (nor variational EM its lower bound),
    so a red segment flags a problem: a numerical issue or a bug. Any drop
    larger than 1e-10 of the objective's magnitude counts.

    Parameters
    ----------
    model : fitted mixture
        Its ``history_`` is drawn: entry ``i`` belongs to the parameters after
        ``i`` M-steps, so a fit of ``n_iter_`` iterations shows 0 to
        ``n_iter_ - 1`` and marks the unscored final parameters at
        ``n_iter_``. A Bayesian fit's bound is computed after each update and
        is drawn at 1 to ``n_iter_``.
    ax : Axes, optional

    Returns
    -------
    ax : Axes
    """
    check_fitted(model)
    history = np.asarray(getattr(model, "history_", []), dtype=np.float64)
    if history.size == 0:
        raise ValueError(
            "The model has no log-likelihood history (was it fitted with "
            "max_iter=0?); fit with max_iter >= 1 to plot it."
        )
    ax = new_axes(ax, figsize=(6.4, 4.0))
    bayesian = hasattr(model, "weight_concentration_")
    # EM scores the parameters an iteration starts from (entry i: after i
    # M-steps, so the final parameters are never scored); variational EM
    # computes its bound after each update (entry i: after i + 1 updates).
    steps = np.arange(len(history)) + (1 if bayesian else 0)
    ax.plot(steps, history, color=_CURVE_COLOR, marker="o", markersize=3, linewidth=1.6)
    handles = [
        Line2D(
            [],
            [],
            color=_CURVE_COLOR,
            marker="o",
            markersize=3,
            label=_objective(model),
        )
    ]
    drops, decrease_handles = _draw_decreases(ax, steps, history)
    handles += decrease_handles
    end, stop_label, stop_color = _stop_marker(model, steps, len(history), bayesian)
    ax.axvline(end, color=stop_color, linestyle=":", linewidth=1.5)
    margin = max(0.5, 0.03 * (end - steps[0]))
    ax.set_xlim(steps[0] - margin, end + margin)
    handles.append(Line2D([], [], color=stop_color, linestyle=":", label=stop_label))
    _zoom_after_first_step(ax, steps, history, drops)
    ax.set_xlabel(
        "iteration (bound after its update)"
        if bayesian
        else "EM iteration i: parameters after i M-steps (0 = start)"
    )
    ax.set_ylabel(_objective(model))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(handles=handles, fontsize="small", loc="lower right", framealpha=0.85)
    ax.grid(alpha=0.3)
    return ax


def _draw_decreases(
    ax: Axes, steps: np.ndarray, history: np.ndarray
) -> tuple[np.ndarray, list[Line2D]]:
    """Red segments and dots where the objective fell, and their legend entry.

    Returns
    -------
    drops : ndarray of int
        History indices whose value is lower than the one before.
    handles : list of Line2D
        One legend entry when there are drops, none otherwise.
    """
    scale = max(float(np.max(np.abs(history))), 1.0)
    drops = np.flatnonzero(np.diff(history) < -1e-10 * scale) + 1
    for i in drops:
        ax.plot(
            steps[i - 1 : i + 1],
            history[i - 1 : i + 1],
            color=WARNING_COLOR,
            linewidth=2.6,
        )
    if not drops.size:
        return drops, []
    ax.scatter(steps[drops], history[drops], color=WARNING_COLOR, zorder=4, s=30)
    handle = Line2D(
        [],
        [],
        color=WARNING_COLOR,
        linewidth=2.6,
        label=f"decrease ({drops.size}): EM should never go down",
    )
    return drops, [handle]


def _stop_marker(
    model: Any, steps: np.ndarray, n_scored: int, bayesian: bool
) -> tuple[int, str, str]:
    """Where the fit stopped, the legend label saying why, and its colour.

    An EM fit of ``n_iter_`` iterations scores ``n_iter_`` parameter sets,
    so its stop is drawn one step past the curve, at the unscored final
    parameters.
    """
    n_iter = int(getattr(model, "n_iter_", n_scored))
    final_unscored = not bayesian and n_iter == n_scored
    end = n_iter if final_unscored else int(steps[-1])
    note = f"; final parameters ({n_iter}) not scored" if final_unscored else ""
    if hasattr(model, "n_batches_seen_") and model.n_batches_seen_ == n_iter > 0:
        return end, f"partial_fit: {n_iter} batches{note}", "#7f7f7f"
    if getattr(model, "converged_", False):
        return end, f"converged after {n_iter} iterations{note}", "#2ca02c"
    return end, f"not converged: max_iter reached ({n_iter}){note}", WARNING_COLOR


def _zoom_after_first_step(ax, steps, history, drops) -> None:
    """An inset from iteration 1 on when the first step dwarfs the rest."""
    if len(history) < 4:
        return
    span, rest = np.ptp(history), np.ptp(history[1:])
    if not rest < 0.2 * span:
        return
    inset = ax.inset_axes([0.38, 0.3, 0.58, 0.42])
    inset.plot(steps[1:], history[1:], color=_CURVE_COLOR, marker="o", markersize=2.5)
    for i in drops[drops >= 2]:
        inset.plot(steps[i - 1 : i + 1], history[i - 1 : i + 1], color=WARNING_COLOR)
    inset.set_title(f"from iteration {steps[1]}", fontsize="x-small")
    inset.tick_params(labelsize="x-small")
    inset.xaxis.get_major_locator().set_params(integer=True)
    inset.grid(alpha=0.3)


def _objective(model: Any) -> str:
    if hasattr(model, "weight_concentration_"):
        return "variational lower bound"
    return "mean log-likelihood per sample"


def plot_em_snapshots(
    model: Any,
    X: Any,
    every: int = 5,
    dims: Sequence[int] | str = (0, 1),
    *,
    n_cols: int = 4,
    max_panels: int = 16,
    n_std: float = 2.0,
    min_weight: float = 1e-3,
    equal_aspect: bool | None = None,
) -> Figure:
    """A grid of EM iterations: data coloured by the labels then, 2σ ellipses.

    Panels show iteration 0 (the start), every ``every``-th iteration, and
    the last, from ``model.snapshots_``.

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``snapshot_every`` dividing ``every``.
    X : array-like of shape (n_samples, n_features)
    every : int, default=5
        Iterations between panels.
    dims : pair of int or "pca", default=(0, 1)
    n_cols : int, default=4
    max_panels : int, default=16
    n_std : float, default=2.0
    min_weight : float, default=1e-3
    equal_aspect : bool, optional

    Returns
    -------
    fig : Figure
    """
    check_fitted(model)
    by_iteration, wanted = _snapshot_iterations(model, every, max_panels)
    X = check_points(model, X)
    view = make_view(model, X, dims)
    points = view.points(X)
    history = list(getattr(model, "history_", []))
    colors = component_colors(int(model.n_components))
    fig, axes = new_figure(len(wanted), n_cols, (2.9, 2.6))
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.12 * np.maximum(high - low, 1e-9)
    limits = (low - pad, high + pad)
    for ax, iteration in zip(axes, wanted, strict=True):
        snap = by_iteration[iteration]
        mixture = project_mixture(
            view, snap.weights, snap.means, snap.covariances, model.covariance_type
        )
        labels = snapshot_labels(model, snap, X)
        _draw_snapshot(ax, points, labels, mixture, colors, min_weight, n_std)
        ax.set_xlim(limits[0][0], limits[1][0])
        ax.set_ylim(limits[0][1], limits[1][1])
        finish_view(ax, view, equal_aspect, adjustable="box")
        ax.set_title(_snapshot_title(iteration, history, wanted[-1]), fontsize="medium")
        ax.tick_params(labelsize="small")
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.supxlabel(view.labels[0], fontsize="medium")
    fig.supylabel(view.labels[1], fontsize="medium")
    fig.suptitle(f"EM from start to convergence ({n_std:g}σ ellipses)")
    return fig


def _snapshot_iterations(model: Any, every: int, max_panels: int) -> tuple[dict, list]:
    """The snapshots by iteration, and the iterations to draw (0, every, ..., last).

    Raises
    ------
    ValueError
        When ``every`` is not a positive integer, the model kept no snapshots
        or not those needed, or there would be more than ``max_panels``.
    """
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}.")
    snapshots = list(getattr(model, "snapshots_", None) or [])
    spacing = getattr(model, "snapshot_every", None)
    if not snapshots or spacing is None:
        raise ValueError(
            f"This {type(model).__name__} kept no EM snapshots. Fit a "
            f"GaussianMixture(snapshot_every={every}, ...) to plot every "
            f"{every} iterations."
        )
    by_iteration = {s.iteration: s for s in snapshots}
    last = max(by_iteration)
    wanted = sorted(set(range(0, last, int(every))) | {last})
    missing = [i for i in wanted if i not in by_iteration]
    if missing:
        raise ValueError(
            f"The model kept snapshots every {spacing} iterations, so iterations "
            f"{missing[:5]} needed for every={every} are missing. Pass every as "
            f"a multiple of {spacing}, or refit with snapshot_every={every} (or a "
            "divisor of it)."
        )
    if len(wanted) > max_panels:
        needed = -(-last // (max_panels - 1))
        raise ValueError(
            f"every={every} gives {len(wanted)} panels for {last} iterations "
            f"(max_panels={max_panels}); pass every >= {needed} or a larger "
            "max_panels."
        )
    return by_iteration, wanted


def _draw_snapshot(ax, points, labels, mixture, colors, min_weight, n_std) -> None:
    """One panel's points coloured by label, and the components' ellipses and means."""
    ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size(len(points)) * 0.6,
        c=label_colors(labels, len(colors)),
        alpha=0.6,
        linewidths=0,
    )
    shown = shown_components(mixture.weights, min_weight)
    draw_ellipses(ax, mixture, shown, n_std, colors, linewidth=1.4)
    draw_means(ax, mixture, shown, colors)


def _snapshot_title(iteration: int, history: list, last: int) -> str:
    """``iteration i   ℓ = ...``, or ``(final)`` for the unscored last parameters."""
    title = f"iteration {iteration}"
    if iteration < len(history):
        title += f"   ℓ = {history[iteration]:.3f}"
    elif iteration == last:
        title += " (final)"
    return title


def snapshot_labels(model: Any, snapshot: Any, X: np.ndarray) -> np.ndarray:
    """Hard labels of ``X`` under a snapshot's parameters (-1: background)."""
    means = np.asarray(snapshot.means, dtype=np.float64)
    full = full_covariances(model.covariance_type, snapshot.covariances, means)
    weights = np.asarray(snapshot.weights, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_joint = [
            np.log(w) + component_log_pdf(X, m, c)
            for w, m, c in zip(weights, means, full, strict=True)
        ]
    noise_weight = float(getattr(snapshot, "noise_weight", 0.0) or 0.0)
    if noise_weight > 0:
        low, high = np.asarray(model.noise_bounds_, dtype=np.float64)
        log_joint.append(
            np.full(len(X), np.log(noise_weight) - np.sum(np.log(high - low)))
        )
    labels = np.argmax(np.stack(log_joint, axis=1), axis=1)
    return np.where(labels >= len(weights), -1, labels)
