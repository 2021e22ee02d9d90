"""Figures of fitted mixtures: each returns its Axes (or Figure), never shows.

Every function draws on ``ax`` when given, or on a new figure; nothing here
calls ``plt.show()``, so all of it works headless (Agg). Close figures you
are done with (``plt.close(fig)``) when making many.
"""

from ._clusters import (
    plot_clusters,
    plot_responsibility_pies,
    plot_soft_assignments,
    plot_uncertainty,
)
from ._compare import plot_kmeans_vs_gmm
from ._density import plot_density, plot_mixture_1d
from ._diagnostics import plot_em_snapshots, plot_log_likelihood, plot_selection
from ._ellipses import plot_ellipses
from ._geometry import ellipse_params, make_view
from ._images import plot_image_components, plot_image_samples, plot_sequence_clusters

__all__ = [
    "ellipse_params",
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
