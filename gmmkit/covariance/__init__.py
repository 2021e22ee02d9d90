"""Everything a covariance type knows, one class per type.

Each class turns sufficient statistics into covariances, covariances into
precision Cholesky factors, evaluates Mahalanobis distances for a chunk of
rows, counts its free parameters and draws samples; it also moves its
statistics to another origin (:meth:`~.base.CovarianceModel.recentre`) and its
covariances to other units (:meth:`~.base.CovarianceModel.rescale`), says how
many points a component needs, and holds its part of the Bayesian model
(Wishart posterior, covariance prior). Nothing else in gmmkit
branches on the covariance type: it asks :func:`covariance_model` instead
(``tests/test_covariance_knowledge.py`` keeps it so).

Layout: one module per type (:mod:`.full`, :mod:`.tied`, :mod:`.diag`,
:mod:`.spherical`), the interface they implement in :mod:`.base`, the
E-step's chunk kernels in :mod:`.kernels` and shared linear algebra in
:mod:`._linalg`. To add a model, write a :class:`~.base.CovarianceModel`
subclass in its own module and list it in :data:`MODELS` below: its
``name`` then becomes a valid ``covariance_type`` everywhere.

Conventions (shared with scikit-learn):

- ``precisions_cholesky`` ``U`` satisfies ``precision = U @ U.T``, so the squared
  Mahalanobis distance of ``x`` is ``||(x - mean) @ U||**2``.
- Shapes, for ``K`` components and ``d`` features:

  ============  ============  ==============================
  type          covariances   second-moment statistic
  ============  ============  ==============================
  full          (K, d, d)     (K, d, d)
  tied          (d, d)        (d, d), summed over components
  diag          (K, d)        (K, d)
  spherical     (K,)          (K,), the trace
  ============  ============  ==============================

- What each type declares (``min_points``: the fewest points a component
  needs, ``d + 1`` for ``full``; ``tied`` needs ``d`` residual degrees of
  freedom over all components besides):

  ============  ======  ==========  ==========
  type          shared  rescalable  min_points
  ============  ======  ==========  ==========
  full          no      yes         d + 1
  tied          yes     yes         1
  diag          no      yes         2
  spherical     no      no          2
  ============  ======  ==========  ==========

How the kernels stay fast. Rows enter centred on the mixture's centre ``g``
(``sum_k weights_k means_k``). Each type maps a chunk to features ``phi``
so that every component's squared distance is one matrix product,
``phi @ coef + const``. For ``full`` the features are ``x`` and the upper
triangle of ``x x^T``: the quadratic form needs half the flops of
``||(x - mean) U||^2`` and nothing but log-sum-exp after the product. The same
features give the M-step's moments in one more product, ``phi^T @ resp``,
which uses the symmetry of ``x x^T``. When ``d`` is large against ``K`` those
products are too narrow to be anything but memory-bound, and ``full`` switches
to :class:`StackedFullKernel` (see :func:`_use_stacked` in :mod:`.kernels`
for the measurements behind the switch). Moments are taken
about ``g`` rather than the origin, so data far from the origin keep their
digits in float32.
"""

from __future__ import annotations

from ._linalg import _check_spd
from .base import CovarianceModel
from .diag import DiagCovariance
from .full import FullCovariance
from .kernels import (
    ChunkKernel,
    DistanceKernel,
    FeatureKernel,
    StackedFullKernel,
    _use_stacked,
    new_array,
)
from .spherical import SphericalCovariance
from .tied import TiedCovariance

#: Every covariance model, in the order ``COVARIANCE_TYPES`` lists them.
MODELS: tuple[type[CovarianceModel], ...] = (
    FullCovariance,
    TiedCovariance,
    DiagCovariance,
    SphericalCovariance,
)

COVARIANCE_TYPES: tuple[str, ...] = tuple(model.name for model in MODELS)

_MODELS: dict[str, CovarianceModel] = {model.name: model() for model in MODELS}


def covariance_model(covariance_type: str) -> CovarianceModel:
    """Return the behaviour object for a covariance type name.

    Parameters
    ----------
    covariance_type : str
        One of :data:`COVARIANCE_TYPES`.

    Returns
    -------
    model : CovarianceModel
    """
    try:
        return _MODELS[covariance_type]
    except KeyError:
        options = ", ".join(repr(c) for c in COVARIANCE_TYPES)
        raise ValueError(
            f"covariance_type must be one of {options}; got {covariance_type!r}."
        ) from None


__all__ = [
    "COVARIANCE_TYPES",
    "MODELS",
    "ChunkKernel",
    "CovarianceModel",
    "DiagCovariance",
    "DistanceKernel",
    "FeatureKernel",
    "FullCovariance",
    "SphericalCovariance",
    "StackedFullKernel",
    "TiedCovariance",
    "_check_spd",
    "_use_stacked",
    "covariance_model",
    "new_array",
]
