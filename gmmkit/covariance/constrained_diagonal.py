"""EII, EEI, VEI, EVI: axis-aligned models with constrained volume or shape.

They store covariances as :mod:`.spherical` (EII, ``(K,)``) or :mod:`.diag`
(the others, ``(K, d)``) do, with the constraint visible in the values
(EII's variances are all equal, EEI's rows are equal), and share those
types' E-step kernels, moments and sampling; only the M-step
(:mod:`._eigen`), the parameter count and the rules below differ.
"""

from __future__ import annotations

import numpy as np

from . import _eigen
from .base import _refuse_rescale
from .diag import DiagCovariance
from .spherical import SphericalCovariance


def _scatter_diagonals(sum_dxx, nk, delta, reg_covar) -> np.ndarray:
    """(K, d) diagonal of each component's scatter about its mean, plus ``n_k reg``."""
    return sum_dxx - nk[:, None] * delta**2 + nk[:, None] * reg_covar


class EIICovariance(SphericalCovariance):
    """One variance shared by all components and every direction."""

    name = mclust_name = "EII"
    rescalable = False

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
        d = delta.shape[1]
        traces = sum_dxx - nk * np.sum(delta**2, axis=1) + nk * d * reg_covar
        return _eigen.eii(traces, nk, d)

    def min_points(self, n_features):  # noqa: D102
        return 1  # only the mean: the variance pools every component's residuals

    def rescale(self, covariances, scale):  # noqa: D102
        raise _refuse_rescale(self.name, "the variance would differ by direction")


class EEICovariance(DiagCovariance):
    """One diagonal covariance shared by all components (stored per component)."""

    name = mclust_name = "EEI"

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
        return _eigen.eei(_scatter_diagonals(sum_dxx, nk, delta, reg_covar), nk)

    def min_points(self, n_features):  # noqa: D102
        return 1


class VEICovariance(DiagCovariance):
    """Diagonal covariances of one shape, each component its own volume."""

    name = mclust_name = "VEI"

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
        w = _scatter_diagonals(sum_dxx, nk, delta, reg_covar)
        return _eigen.vei(w, nk, previous)


class EVICovariance(DiagCovariance):
    """Diagonal covariances of one volume, each component its own shape."""

    name = mclust_name = "EVI"

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
        return _eigen.evi(_scatter_diagonals(sum_dxx, nk, delta, reg_covar), nk)
