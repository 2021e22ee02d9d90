"""An animated GIF of an EM run, from its start to convergence."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from matplotlib.ticker import MaxNLocator

from .._validation import check_int
from ..io import atomic_path
from ._frames import NOISE_LABEL, EMFrames, Frame, check_playback, em_frames
from ._geometry import ellipse_params
from ._style import NOISE_COLOR, component_colors

#: Seconds the last frame stays up before the GIF loops.
_FINAL_PAUSE = 1.5


def animate_em(
    model: Any,
    X: Any,
    path: str | os.PathLike,
    *,
    dims: Sequence[int] | str = (0, 1),
    fps: float = 4,
    n_std: float = 2.0,
    max_points: int | None = 2000,
    max_frames: int | None = 150,
    dpi: int = 100,
    random_state: int = 0,
) -> Path:
    """Write an animated GIF of EM, one frame per recorded snapshot.

    Each frame shows the data coloured by the snapshot's hard labels, every
    component's ``n_std``-sigma ellipse and mean, the iteration number, and
    the log-likelihood curve with a cursor at the current iteration. The last
    frame is held a moment before the GIF loops.

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``snapshot_every`` set; ``snapshot_every=1`` gives a frame
        per iteration. A model fitted without it (only start and end kept)
        is rejected with a message saying so.
    X : array-like of shape (n_samples, n_features)
        The data the model was fitted on.
    path : str or Path
        Where to write the GIF (written atomically).
    dims : pair of int or "pca", default=(0, 1)
        The two features shown, or the plane of the two leading principal axes
        (covariances are projected, so the ellipses stay exact).
    fps : float, default=4
        Frames per second.
    n_std : float, default=2.0
        Size of the ellipses in standard deviations.
    max_points : int or None, default=2000
        Draw a random subsample of at most this many points (None: all).
    max_frames : int or None, default=150
        Keep at most this many snapshots, evenly spaced, first and last always
        kept (None: all).
    dpi : int, default=100
        Resolution; the GIF is 6.4 × 5.6 inches.
    random_state : int, default=0
        Seed of the point subsample.

    Returns
    -------
    path : Path
        The GIF written.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When the model has no EM snapshots, the data has one feature, or ``X``
        does not match the model's features.
    """
    path = check_playback(fps, n_std, path)
    check_int(dpi, "dpi", minimum=10)
    run = em_frames(
        model,
        X,
        dims,
        max_points=max_points,
        max_frames=max_frames,
        random_state=random_state,
    )
    figure = Figure(figsize=(6.4, 5.6), dpi=dpi, facecolor="white")
    _write_gif(path, _Drawing(figure, run, n_std), fps, dpi)
    return path


def _write_gif(path: Path, drawing: _Drawing, fps: float, dpi: int) -> None:
    """One GIF frame per snapshot, the last held ``_FINAL_PAUSE`` seconds."""
    figure = drawing.figure
    hold = max(1, round(_FINAL_PAUSE * fps))
    # PillowWriter picks the format from the file name's suffix.
    with atomic_path(path, suffix=".gif") as temporary:
        writer = PillowWriter(fps=fps)
        with writer.saving(figure, temporary, dpi):
            for frame in drawing.run.frames:
                drawing.show(frame)
                writer.grab_frame(facecolor="white")
            # Identical frames are merged by the GIF encoder into one longer
            # frame: a pause at the end, still one frame per snapshot.
            for _ in range(hold - 1):
                writer.grab_frame(facecolor="white")


class _Drawing:
    """The artists of one animation, updated in place frame by frame."""

    def __init__(self, figure: Figure, run: EMFrames, n_std: float):
        self.figure, self.run, self.n_std = figure, run, n_std
        grid = figure.add_gridspec(
            2, 1, height_ratios=(4.2, 1.0), hspace=0.36, left=0.15, right=0.96
        )
        grid.update(top=0.89, bottom=0.09)
        ax = figure.add_subplot(grid[0])
        curve_ax = figure.add_subplot(grid[1])
        self.colors = component_colors(run.n_components)
        self.noise_color = np.array(to_rgba(NOISE_COLOR))

        points = run.points
        self.scatter = ax.scatter(
            points[:, 0], points[:, 1], s=9, linewidths=0, alpha=0.75, zorder=1
        )
        self.ellipses = []
        for color in self.colors:
            ellipse = Ellipse(
                (0, 0), 1, 1, fill=False, edgecolor=color, linewidth=2.0, zorder=3
            )
            ax.add_patch(ellipse)
            self.ellipses.append(ellipse)
        self.means = ax.scatter(
            np.zeros(run.n_components),
            np.zeros(run.n_components),
            s=90,
            marker="X",
            c=self.colors,
            edgecolors="black",
            linewidths=1.0,
            zorder=4,
        )
        _frame_limits(ax, points)
        ax.set_xlabel(run.view.labels[0])
        ax.set_ylabel(run.view.labels[1])
        # Notes sit above the axes, where they cannot hide points.
        ax.set_title(
            f"ellipses: {n_std:g}σ   ×: means", loc="left", fontsize=8, color="0.35"
        )
        shown = len(points)
        if shown < run.n_samples:
            ax.set_title(
                f"{shown} of {run.n_samples} points shown",
                loc="right",
                fontsize=8,
                color="0.35",
            )
        self.title = figure.suptitle("", fontsize=13)

        iterations = np.arange(len(run.curve))
        curve_ax.plot(iterations, run.curve, color="0.25", linewidth=1.5)
        self.cursor_line = curve_ax.axvline(0, color="#d62728", linewidth=1.2)
        (self.cursor_dot,) = curve_ax.plot(
            [0], [run.curve[0]], "o", color="#d62728", markersize=5, zorder=3
        )
        curve_ax.set_xlim(-0.02 * max(run.n_iter, 1), run.n_iter * 1.02 + 1e-9)
        curve_ax.set_xlabel("EM iteration", fontsize=9, labelpad=1)
        curve_ax.set_ylabel("mean\nlog-lik.", fontsize=9)
        curve_ax.tick_params(labelsize=8)
        curve_ax.grid(alpha=0.3)
        curve_ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    def show(self, frame: Frame) -> None:
        run = self.run
        colors = np.where(
            (frame.labels == NOISE_LABEL)[:, None],
            self.noise_color,
            self.colors[np.clip(frame.labels, 0, None)],
        )
        self.scatter.set_facecolor(colors)
        mixture = frame.mixture
        for ellipse, mean, covariance in zip(
            self.ellipses, mixture.means, mixture.covariances, strict=True
        ):
            width, height, angle = ellipse_params(covariance, self.n_std)
            ellipse.set_center(mean)
            ellipse.set_width(width)
            ellipse.set_height(height)
            ellipse.set_angle(angle)
        self.means.set_offsets(mixture.means)
        if frame.iteration == 0:
            status = "start"
        elif frame.iteration < run.n_iter:
            status = f"of {run.n_iter}"
        else:
            status = "converged" if run.converged else "stopped, not converged"
            status = f"of {run.n_iter}, {status}"
        self.title.set_text(f"EM iteration {frame.iteration} ({status})")
        self.cursor_line.set_xdata([frame.iteration, frame.iteration])
        self.cursor_dot.set_data([frame.iteration], [run.curve[frame.iteration]])


def _frame_limits(ax, points: np.ndarray) -> None:
    """Fixed limits around the data (frames must not jump), equal units if close.

    When both axes have similar ranges the limits are widened to give one
    unit the same length on both axes, so that ellipses keep their shape.
    """
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    half = np.where(high > low, high - low, 1.0) * 0.54
    if 1 / 3 <= half[0] / half[1] <= 3:
        box = ax.get_position()
        width, height = ax.figure.get_size_inches() * (box.width, box.height)
        per_inch = max(half[0] / width, half[1] / height)
        half = per_inch * np.array([width, height])
    ax.set_xlim(centre[0] - half[0], centre[0] + half[0])
    ax.set_ylim(centre[1] - half[1], centre[1] + half[1])
