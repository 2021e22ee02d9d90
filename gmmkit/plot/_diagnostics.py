"""How a fit went: log-likelihood per iteration, EM snapshots, model choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .._text import plural
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
    ax.plot(steps, history, color="#1f77b4", marker="o", markersize=3, linewidth=1.6)
    scale = max(float(np.max(np.abs(history))), 1.0)
    drops = np.flatnonzero(np.diff(history) < -1e-10 * scale) + 1
    handles = [
        Line2D(
            [], [], color="#1f77b4", marker="o", markersize=3, label=_objective(model)
        )
    ]
    for i in drops:
        ax.plot(
            steps[i - 1 : i + 1],
            history[i - 1 : i + 1],
            color=WARNING_COLOR,
            linewidth=2.6,
        )
    if drops.size:
        ax.scatter(steps[drops], history[drops], color=WARNING_COLOR, zorder=4, s=30)
        handles.append(
            Line2D(
                [],
                [],
                color=WARNING_COLOR,
                linewidth=2.6,
                label=f"decrease ({drops.size}): EM should never go down",
            )
        )
    n_iter = int(getattr(model, "n_iter_", len(history)))
    final_unscored = not bayesian and n_iter == len(history)
    end = n_iter if final_unscored else int(steps[-1])
    note = f"; final parameters ({n_iter}) not scored" if final_unscored else ""
    if hasattr(model, "n_batches_seen_") and model.n_batches_seen_ == n_iter > 0:
        stop_label, stop_color = f"partial_fit: {n_iter} batches{note}", "#7f7f7f"
    elif getattr(model, "converged_", False):
        stop_label = f"converged after {n_iter} iterations{note}"
        stop_color = "#2ca02c"
    else:
        stop_label = f"not converged: max_iter reached ({n_iter}){note}"
        stop_color = WARNING_COLOR
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


def _zoom_after_first_step(ax, steps, history, drops) -> None:
    """An inset from iteration 1 on when the first step dwarfs the rest."""
    if len(history) < 4:
        return
    span, rest = np.ptp(history), np.ptp(history[1:])
    if not rest < 0.2 * span:
        return
    inset = ax.inset_axes([0.38, 0.3, 0.58, 0.42])
    inset.plot(steps[1:], history[1:], color="#1f77b4", marker="o", markersize=2.5)
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
    X = check_points(model, X)
    view = make_view(model, X, dims)
    points = view.points(X)
    history = list(getattr(model, "history_", []))
    colors = component_colors(int(model.n_components))
    fig, axes = new_figure(len(wanted), n_cols, (2.9, 2.6))
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.12 * np.maximum(high - low, 1e-9)
    for ax, iteration in zip(axes, wanted, strict=True):
        snap = by_iteration[iteration]
        labels = snapshot_labels(model, snap, X)
        mixture = project_mixture(
            view, snap.weights, snap.means, snap.covariances, model.covariance_type
        )
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
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
        finish_view(ax, view, equal_aspect, adjustable="box")
        title = f"iteration {iteration}"
        if iteration < len(history):
            title += f"   ℓ = {history[iteration]:.3f}"
        elif iteration == last:
            title += " (final)"
        ax.set_title(title, fontsize="medium")
        ax.tick_params(labelsize="small")
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.supxlabel(view.labels[0], fontsize="medium")
    fig.supylabel(view.labels[1], fontsize="medium")
    fig.suptitle(f"EM from start to convergence ({n_std:g}σ ellipses)")
    return fig


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


def plot_selection(
    result: Any,
    criteria: Sequence[str] = ("bic", "aic", "icl"),
) -> Figure:
    """Information criteria against K, one line per covariance type, best marked.

    Parameters
    ----------
    result : SelectionResult
        From :func:`gmmkit.select_model`.
    criteria : sequence of {"bic", "aic", "icl"}, default=all three
        One panel each; lower is better.

    Returns
    -------
    fig : Figure
    """
    rows = getattr(result, "rows", None)
    if rows is None or not hasattr(result, "criterion"):
        raise ValueError(
            "plot_selection needs the SelectionResult returned by "
            f"gmmkit.select_model, got {type(result).__name__}."
        )
    criteria = [str(c).lower() for c in criteria]
    for c in criteria:
        if c not in ("bic", "aic", "icl"):
            raise ValueError(f"criteria must be among 'bic', 'aic', 'icl', got {c!r}.")
    if not criteria:
        raise ValueError("criteria must name at least one criterion.")
    types = list(dict.fromkeys(r["covariance_type"] for r in rows))
    palette = dict(
        zip(("full", "tied", "diag", "spherical"), component_colors(4), strict=True)
    )
    fig, axes = new_figure(len(criteria), 3, (4.0, 3.4))
    ok = [r for r in rows if r["status"] == "ok" and np.isfinite(r["bic"])]
    degenerate = [
        r for r in rows if r["status"] == "degenerate" and np.isfinite(r[criteria[0]])
    ]
    failed = [r for r in rows if r["status"] == "failed"]
    for ax, criterion in zip(axes, criteria, strict=True):
        for kind in types:
            mine = sorted(
                (r for r in ok if r["covariance_type"] == kind),
                key=lambda r: r["n_components"],
            )
            if not mine:
                continue
            ax.plot(
                [r["n_components"] for r in mine],
                [r[criterion] for r in mine],
                marker="o",
                markersize=4,
                color=palette.get(kind, "black"),
                label=kind,
            )
        for kind in types:
            flat = [r for r in degenerate if r["covariance_type"] == kind]
            if flat:  # drawn, unconnected and hollow: scored but never chosen
                ax.scatter(
                    [r["n_components"] for r in flat],
                    [r[criterion] for r in flat],
                    s=22,
                    facecolors="none",
                    edgecolors=palette.get(kind, "black"),
                    linewidths=1.0,
                    label=f"{kind}, degenerate",
                )
        if ok:
            best = min(ok, key=lambda r: (r[criterion], r["n_parameters"]))
            ax.scatter(
                [best["n_components"]],
                [best[criterion]],
                marker="*",
                s=260,
                color="gold",
                edgecolors="black",
                linewidths=0.8,
                zorder=5,
                label="best",
            )
        title = criterion.upper() + (
            " (used to choose)" if criterion == result.criterion else ""
        )
        if ok:
            title += f"\nbest: K={best['n_components']}, {best['covariance_type']}"
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("number of components K")
        ax.set_ylabel(f"{criterion.upper()} (lower is better)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        notes = []
        if degenerate:
            count = plural(len(degenerate), "degenerate fit")
            notes.append(f"{count}: hollow, never chosen")
        if failed:
            notes.append(f"{plural(len(failed), 'fit')} failed, not shown")
        if notes:
            ax.text(
                0.02,
                0.02,
                "\n".join(notes),
                transform=ax.transAxes,
                fontsize="x-small",
                color=WARNING_COLOR,
            )
    # One legend for all panels (the same lines in each), outside them.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize="small")
    return fig
