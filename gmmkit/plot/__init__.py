"""Figures of fitted mixtures, an EM animation and an interactive EM explorer.

Every ``plot_*`` function draws on ``ax`` when given, or on a new figure, and
returns its Axes (or Figure, for multi-panel ones); nothing here calls
``plt.show()``, so all of it works headless (Agg). Close figures you are done
with (``plt.close(fig)``) when making many. ``animate_em`` writes a GIF and
``em_explorer`` a self-contained HTML page.
"""

from ._animation import animate_em
from ._clusters import (
    plot_clusters,
    plot_responsibility_pies,
    plot_soft_assignments,
    plot_uncertainty,
)
from ._compare import plot_kmeans_vs_gmm
from ._density import plot_density, plot_mixture_1d
from ._diagnostics import plot_em_snapshots, plot_log_likelihood
from ._ellipses import plot_ellipses
from ._explorer import em_explorer
from ._geometry import ellipse_params, make_view
from ._images import plot_image_components, plot_image_samples, plot_sequence_clusters
from ._selection import plot_selection

__all__ = [
    "animate_em",
    "ellipse_params",
    "em_explorer",
    "make_view",
    "plot_clusters",
    "plot_density",
    "plot_ellipses",
    "plot_em_snapshots",
    "plot_image_components",
    "plot_image_samples",
    "plot_kmeans_vs_gmm",
    "plot_log_likelihood",
    "plot_mixture_1d",
    "plot_responsibility_pies",
    "plot_selection",
    "plot_sequence_clusters",
    "plot_soft_assignments",
    "plot_uncertainty",
]
