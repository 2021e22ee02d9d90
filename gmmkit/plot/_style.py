"""One look for every figure: component colours and small drawing helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse

from ._geometry import Mixture2D, View, ellipse_params

#: Colour of data points that belong to no component (background noise).
NOISE_COLOR = "#9a9a9a"
#: Colour that flags something wrong (a decreasing log-likelihood).
WARNING_COLOR = "#d62728"
#: Neutral colour for data drawn without labels.
DATA_COLOR = "#4d4d4d"


def component_colors(n_components: int) -> np.ndarray:
    """Distinct RGBA colours, one per component, the same in every figure.

    Parameters
    ----------
    n_components : int

    Returns
    -------
    colors : ndarray of shape (n_components, 4)
    """
    if n_components <= 10:
        return colormaps["tab10"](np.arange(n_components))
    if n_components <= 20:
        return colormaps["tab20"](np.arange(n_components))
    return colormaps["turbo"](np.linspace(0.05, 0.95, n_components))


def to_hex(color: np.ndarray) -> str:
    """``#rrggbb`` for an RGB(A) colour in [0, 1] (for HTML pages)."""
    r, g, b = (round(255 * float(c)) for c in np.asarray(color)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.8)) -> Axes:
    """``ax``, or the Axes of a new figure when it is None (never shown)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def new_figure(n_panels: int, n_cols: int, panel_size: tuple[float, float], **kw):
    """A figure with a grid of ``n_panels`` Axes; unused cells are hidden.

    Returns
    -------
    fig : Figure
    axes : list of Axes, length n_panels
    """
    import matplotlib.pyplot as plt

    n_cols = max(1, min(n_cols, n_panels))
    n_rows = -(-n_panels // n_cols)
    fig, grid = plt.subplots(
        n_rows,
        n_cols,
        figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows),
        layout="constrained",
        squeeze=False,
        **kw,
    )
    cells = list(grid.ravel())
    for extra in cells[n_panels:]:
        extra.set_visible(False)
    return fig, cells[:n_panels]


def point_size(n_points: int) -> float:
    """Marker area that keeps a scatter readable from 100 to 100 000 points."""
    return float(np.clip(3000.0 / max(n_points, 1), 2.0, 28.0))


def label_colors(labels: np.ndarray, n_components: int) -> np.ndarray:
    """RGBA colour per hard label; ``-1`` (background) is grey."""
    palette = np.vstack([component_colors(n_components), _rgba(NOISE_COLOR)])
    labels = np.asarray(labels)
    return palette[np.where(labels < 0, n_components, labels)]


def blended_colors(resp: np.ndarray, n_components: int) -> np.ndarray:
    """RGB colours mixed by responsibilities (a background column mixes grey)."""
    palette = component_colors(n_components)[:, :3]
    if resp.shape[1] == n_components + 1:
        palette = np.vstack([palette, _rgba(NOISE_COLOR)[:3]])
    return np.clip(resp @ palette, 0.0, 1.0)


def _rgba(color: str) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return np.asarray(to_rgba(color))


def draw_ellipses(
    ax: Axes,
    mixture: Mixture2D,
    components: Sequence[int],
    n_std: float | Sequence[float] = 2.0,
    colors: np.ndarray | None = None,
    linewidth: float = 1.8,
    fill: bool = False,
) -> list[Ellipse]:
    """Draw the ``n_std`` ellipses of chosen components, in data coordinates.

    Inner ellipses are drawn strongest; outer ones fade.
    """
    levels = sorted(np.atleast_1d(np.asarray(n_std, dtype=np.float64)).tolist())
    colors = component_colors(len(mixture.weights)) if colors is None else colors
    patches = []
    for k in components:
        for i, level in enumerate(levels):
            width, height, angle = ellipse_params(mixture.covariances[k], level)
            alpha = 0.95 - 0.55 * i / max(len(levels) - 1, 1)
            patch = Ellipse(
                tuple(mixture.means[k]),
                width,
                height,
                angle=angle,
                facecolor=(*colors[k][:3], 0.12) if fill and i == 0 else "none",
                edgecolor=(*colors[k][:3], alpha),
                linewidth=linewidth if i == 0 else linewidth * 0.8,
                zorder=3,
            )
            ax.add_patch(patch)
            patches.append(patch)
    return patches


def draw_means(
    ax: Axes, mixture: Mixture2D, components: Sequence[int], colors: np.ndarray
) -> None:
    """Mark component means: a white-edged cross in the component colour."""
    if len(components) == 0:
        return
    means = mixture.means[list(components)]
    ax.scatter(
        means[:, 0],
        means[:, 1],
        marker="X",
        s=110,
        c=colors[list(components)],
        edgecolors="white",
        linewidths=1.2,
        zorder=5,
    )


def finish_view(
    ax: Axes, view: View, equal_aspect: bool | None, adjustable: str = "datalim"
) -> None:
    """Axis labels from the view and the aspect rule every 2-D figure follows.

    ``equal_aspect=None`` decides: equal when the two spreads shown are within
    a factor of 3; otherwise each axis gets its own scale (Old Faithful:
    minutes of eruption against minutes of waiting, 2-5 against 45-95). The
    rule is the same for a PCA view: its axes share units, but a first axis
    with 98 % of the variance would leave a thin strip. Ellipses are drawn in
    data coordinates, so they are correct either way. Figures that fix their
    limits pass ``adjustable="box"``, which shrinks the box instead.
    """
    ax.set_xlabel(view.labels[0])
    ax.set_ylabel(view.labels[1])
    if equal_aspect is None:
        equal_aspect = _comparable_spreads(ax, view)
    if equal_aspect:
        ax.set_aspect("equal", adjustable=adjustable)
    ax.autoscale_view()


def _comparable_spreads(ax: Axes, view: View) -> bool:
    limits = ax.dataLim
    if not (limits.width > 0 and limits.height > 0):
        return True
    ratio = limits.width / limits.height
    return 1 / 3 <= ratio <= 3


def component_legend(
    ax: Axes,
    components: Sequence[int],
    colors: np.ndarray,
    weights: np.ndarray | None = None,
    noise: bool = False,
    extra: Sequence[Any] = (),
    noise_weight: float = 0.0,
    **kw,
) -> None:
    """A legend entry per shown component (with its weight), plus extras."""
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=colors[k],
            label=f"component {k}"
            + ("" if weights is None else f" (w={weights[k]:.2f})"),
        )
        for k in components
    ]
    if noise:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                color=NOISE_COLOR,
                label="background"
                + ("" if weights is None else f" (w={noise_weight:.2f})"),
            )
        )
    handles.extend(extra)
    if handles:
        kw.setdefault("fontsize", "small")
        kw.setdefault("framealpha", 0.85)
        ax.legend(handles=handles, **kw)
