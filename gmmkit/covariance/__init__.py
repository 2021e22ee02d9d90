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
from .constrained_diagonal import (
    EEICovariance,
    EIICovariance,
    EVICovariance,
    VEICovariance,
)
from .constrained_ellipsoidal import (
    EEVCovariance,
    EVECovariance,
    EVVCovariance,
    VEECovariance,
    VEVCovariance,
    VVECovariance,
)
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

#: Every covariance model: scikit-learn's four first, then mclust's others.
MODELS: tuple[type[CovarianceModel], ...] = (
    FullCovariance,
    TiedCovariance,
    DiagCovariance,
    SphericalCovariance,
    EIICovariance,
    EEICovariance,
    VEICovariance,
    EVICovariance,
    VEECovariance,
    EVECovariance,
    VVECovariance,
    EEVCovariance,
    VEVCovariance,
    EVVCovariance,
)

#: scikit-learn's names, the types every estimator takes.
COVARIANCE_TYPES: tuple[str, ...] = tuple(model.name for model in MODELS[:4])

_MODELS: dict[str, CovarianceModel] = {model.name: model() for model in MODELS}
# mclust's names for scikit-learn's four are the same objects.
_MODELS |= {model.mclust_name: model for model in list(_MODELS.values())}

#: mclust's 14 names, in mclust's order (spherical, diagonal, ellipsoidal).
MCLUST_NAMES: tuple[str, ...] = (
    "EII",
    "VII",
    "EEI",
    "VEI",
    "EVI",
    "VVI",
    "EEE",
    "VEE",
    "EVE",
    "VVE",
    "EEV",
    "VEV",
    "EVV",
    "VVV",
)

#: Every accepted ``covariance_type`` of :class:`~gmmkit.GaussianMixture`.
MODEL_NAMES: tuple[str, ...] = COVARIANCE_TYPES + MCLUST_NAMES


def covariance_model(covariance_type: str) -> CovarianceModel:
    """Return the behaviour object for a covariance type name.

    Parameters
    ----------
    covariance_type : str
        One of :data:`MODEL_NAMES`: scikit-learn's four names or mclust's
        14 (``"EEE"`` and ``"tied"`` name the same model).

    Returns
    -------
    model : CovarianceModel
    """
    try:
        return _MODELS[covariance_type]
    except (KeyError, TypeError):
        options = ", ".join(repr(c) for c in MODEL_NAMES)
        raise ValueError(
            f"covariance_type must be one of {options}; got {covariance_type!r}."
        ) from None


__all__ = [
    "COVARIANCE_TYPES",
    "MCLUST_NAMES",
    "MODELS",
    "MODEL_NAMES",
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
