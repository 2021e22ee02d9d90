"""VEE, EVE, VVE, EEV, VEV, EVV: rotated models with constrained parts.

They store a full ``(d, d)`` covariance per component, as :mod:`.full`
does, and share its E-step kernels (the stacked one included), moments,
sampling and model-file support; only the M-step (:mod:`._eigen`), the
parameter count and the rules below differ. A model whose covariances
share an orientation or a shape across components is not of the same form
once the features are rescaled unequally, so those refuse
:meth:`~.base.CovarianceModel.rescale`.
"""

from __future__ import annotations

import numpy as np

from . import _eigen
from .base import _refuse_rescale
from .full import FullCovariance


class _Ellipsoidal(FullCovariance):
    """A full covariance per component, fitted under the ``mclust_name`` constraints."""

    #: ``solve(W, n, previous)``: covariances from scatter matrices (see _eigen).
    solve = None

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):
        scatter = sum_dxx - nk[:, None, None] * delta[:, :, None] * delta[:, None, :]
        scatter = 0.5 * (scatter + scatter.transpose(0, 2, 1))
        d = delta.shape[1]
        scatter[:, np.arange(d), np.arange(d)] += nk[:, None] * reg_covar
        return type(self).solve(scatter, nk, previous)

    def min_points(self, n_features):
        # A component's own orientation needs its own d residual degrees of
        # freedom; its own volume or shape needs one.
        return n_features + 1 if self.mclust_name[2] == "V" else 2

    def rescale(self, covariances, scale):
        if self.rescalable:
            return super().rescale(covariances, scale)
        raise _refuse_rescale(
            self.name, "the components' common shape or orientation would differ"
        )


class VEECovariance(_Ellipsoidal):
    """One shape and orientation, each component its own volume."""

    name = mclust_name = "VEE"
    solve = staticmethod(_eigen.vee)


class EVECovariance(_Ellipsoidal):
    """One volume and orientation, each component its own shape."""

    name = mclust_name = "EVE"
    rescalable = False
    solve = staticmethod(_eigen.eve)


class VVECovariance(_Ellipsoidal):
    """One orientation (common principal axes), volumes and shapes vary."""

    name = mclust_name = "VVE"
    rescalable = False
    solve = staticmethod(_eigen.vve)


class EEVCovariance(_Ellipsoidal):
    """One volume and shape, each component its own orientation."""

    name = mclust_name = "EEV"
    rescalable = False

    @staticmethod
    def solve(scatter, nk, previous):  # noqa: D102
        return _eigen.eev(scatter, nk)


class VEVCovariance(_Ellipsoidal):
    """One shape, each component its own volume and orientation."""

    name = mclust_name = "VEV"
    rescalable = False
    solve = staticmethod(_eigen.vev)


class EVVCovariance(_Ellipsoidal):
    """One volume, each component its own shape and orientation."""

    name = mclust_name = "EVV"

    @staticmethod
    def solve(scatter, nk, previous):  # noqa: D102
        return _eigen.evv(scatter, nk)
