"""Everything a covariance type knows, one class per type.

Each class turns sufficient statistics into covariances, covariances into
precision Cholesky factors, evaluates Mahalanobis distances for a chunk of
rows, counts its free parameters and draws samples. Nothing else in gmmkit
branches on the covariance type: it asks :func:`covariance_model` instead.

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

How the kernels stay fast. Rows enter centred on the mixture's centre ``g``
(``sum_k weights_k means_k``). Each type maps a chunk to features ``phi``
so that every component's squared distance is one matrix product,
``phi @ coef + const``. For ``full`` the features are ``x`` and the upper
triangle of ``x x^T``: the quadratic form needs half the flops of
``||(x - mean) U||^2`` and nothing but log-sum-exp after the product. The same
features give the M-step's moments in one more product, ``phi^T @ resp``,
which uses the symmetry of ``x x^T``. When ``d`` is large against ``K`` those
products are too narrow to be anything but memory-bound, and ``full`` switches
to :class:`StackedFullKernel` (see :func:`_use_stacked`). Moments are taken
about ``g`` rather than the origin, so data far from the origin keep their
digits in float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.linalg import lapack

from .exceptions import ComponentCollapseError

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def new_array(role: str, shape: tuple, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``; the allocator feature builders use by default.

    Callers that evaluate chunk after chunk pass one that hands back a reused
    buffer per ``role`` instead.
    """
    return np.empty(shape, dtype=dtype)


@dataclass(frozen=True)
class DistanceKernel:
    """Squared Mahalanobis distances of a chunk as one matrix product.

    ``features, centred = features(chunk, centre)`` builds, from raw rows and
    the point ``centre`` moments are taken about, the features (p, n) and the
    centred rows (n, d); then ``distances = features.T @ coef`` has shape
    (n, K). The first feature is the constant 1, so the first row of ``coef``
    holds each component's constant term and ``features @ resp`` starts with
    the component masses. Features are built feature-major: every pass that
    fills them, and both products that read them, run along contiguous rows.
    For the types whose features start ``[1, x - centre]`` the centred rows
    are a view into the features, not a copy.

    Attributes
    ----------
    features : callable
        ``features(chunk, centre, empty=new_array) -> (features, centred)``,
        in the chunk's dtype; ``empty(role, shape, dtype)`` allocates the
        arrays it fills (see :func:`new_array`).
    coef : ndarray of shape (p, n_components)
    """

    features: Callable[..., tuple[np.ndarray, np.ndarray]]
    coef: np.ndarray


def _leading_centred(chunk: np.ndarray, centre, n_rows: int, empty) -> np.ndarray:
    """Features array (n_rows, n) whose rows start ``[1, x - centre]``."""
    n, d = chunk.shape
    out = empty("features", (n_rows, n), chunk.dtype)
    out[0] = 1.0
    np.subtract(chunk.T, np.asarray(centre)[:, None], out=out[1 : d + 1])
    return out


class ChunkKernel:
    """One parameter set's E-step arithmetic, applied chunk by chunk.

    The engine hands each chunk of raw rows to :meth:`log_prob`, normalises
    the result into responsibilities and passes them back, with whatever
    :meth:`log_prob` returned as ``work``, to :meth:`accumulate`. Summed raw
    moments become statistics in :meth:`moments`. Arrays a kernel needs per
    chunk come from ``buffer(role, shape, dtype)``, which the caller may
    reuse from chunk to chunk.

    Attributes
    ----------
    width : int
        Values per row of the widest array a chunk needs (to size chunks).
    """

    width: int

    def log_prob(self, chunk: np.ndarray, buffer) -> tuple[np.ndarray, object]:
        """``log(w_k N(x | mu_k, Sigma_k))`` of each row, then constant columns.

        Parameters
        ----------
        chunk : ndarray of shape (n, d)
            Raw rows, float64 or float32 (the arithmetic stays in this dtype).
        buffer : callable
            ``buffer(role, shape, dtype) -> ndarray`` (contents undefined).

        Returns
        -------
        log_prob : ndarray of shape (n, len(bias))
            Column-major (the transpose of a C-contiguous array), so that
            each component's column is contiguous for the log-sum-exp.
        work : object
            Passed back unchanged to :meth:`accumulate`.
        """
        raise NotImplementedError

    def accumulate(
        self, work, resp: np.ndarray, row_weight: np.ndarray | None
    ) -> tuple[np.ndarray, ...]:
        """Raw moments of the chunk given its responsibilities (n, K)."""
        raise NotImplementedError

    def moments(
        self, raw: tuple[np.ndarray, ...], n_features: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masses, first and second moments from summed raw moments."""
        raise NotImplementedError


class FeatureKernel(ChunkKernel):
    """Log-probabilities as one product, ``features(x - centre).T @ weights``.

    Used by every covariance type (see :class:`DistanceKernel`); the constant
    feature carries each column's bias, so a constant column (a uniform
    background component) costs one more column of the product.
    """

    def __init__(self, model, kernel: DistanceKernel, centre, bias, dtype):
        weights = np.zeros((len(kernel.coef), len(bias)))
        n_components = kernel.coef.shape[1]
        weights[:, :n_components] = -0.5 * kernel.coef
        weights[0] += bias
        self.model = model
        self.features = kernel.features
        self.weights = weights.astype(dtype)
        self.centre = np.asarray(centre).astype(dtype)
        self.width = max(kernel.coef.shape)

    def log_prob(self, chunk, buffer):  # noqa: D102
        features, centred = self.features(chunk, self.centre, buffer)
        # Component-major: the passes over components that follow in the
        # engine then read contiguous memory (see ChunkKernel.log_prob).
        out = buffer("log_prob", (self.weights.shape[1], len(chunk)), chunk.dtype)
        np.matmul(self.weights.T, features, out=out)
        return out.T, (centred, features)

    def accumulate(self, work, resp, row_weight):  # noqa: D102
        centred, features = work
        return self.model.accumulate(centred, features, resp, row_weight)

    def moments(self, raw, n_features):  # noqa: D102
        return self.model.moments(raw, n_features)


class StackedFullKernel(ChunkKernel):
    """Full covariances through all precision factors side by side.

    With ``U_k`` the precision Cholesky factors stacked into one
    ``(1 + d) x (K d)`` matrix (first row ``-(mu_k - g) U_k``), the E-step is
    one product ``[1, x - g] @ stacked`` whose blocks of ``d`` columns are
    ``(x - mu_k) U_k``; each component's distance is the sum of squares of its
    block. The M-step reuses that block for ``r_k (x - g)`` and takes
    ``[1, x - g]^T @ [r_1 (x - g), ..., r_K (x - g)]``: first moments in its
    first row, all second moments below, in one product whose inner dimension
    is the chunk's rows.

    This is twice the flops of :class:`FeatureKernel` for ``full`` but every
    product is wide and compute-bound, while the feature kernel moves
    ``d (d + 1) / 2`` values per row through products only ``K`` columns wide:
    it wins when ``d`` is large against ``K`` (see :func:`_use_stacked`).
    Arithmetic stays in the chunk's dtype; raw moments are returned as the
    products give them and summed in float64 by the caller.
    """

    def __init__(self, delta_means, precisions_cholesky, centre, bias, dtype):
        n_components, d = delta_means.shape
        stacked = np.empty((d + 1, n_components, d))
        stacked[0] = -np.einsum("ki,kij->kj", delta_means, precisions_cholesky)
        stacked[1:] = np.transpose(precisions_cholesky, (1, 0, 2))
        self.stacked = stacked.reshape(d + 1, n_components * d).astype(dtype)
        self.n_components = n_components
        bias = np.asarray(bias, dtype=np.float64)
        self.bias = bias[:n_components].astype(dtype)
        self.constant_columns = bias[n_components:].astype(dtype)
        self.centre = np.asarray(centre).astype(dtype)
        self.width = n_components * d

    def log_prob(self, chunk, buffer):  # noqa: D102
        n, d = chunk.shape
        k = self.n_components
        augmented = buffer("augmented", (n, d + 1), chunk.dtype)
        augmented[:, 0] = 1.0
        np.subtract(chunk, self.centre, out=augmented[:, 1:])
        projected = buffer("projected", (n, k * d), chunk.dtype)
        np.matmul(augmented, self.stacked, out=projected)
        blocks = projected.reshape(n * k, d)
        distance = buffer("distance", (n, k), chunk.dtype)
        np.einsum("ij,ij->i", blocks, blocks, out=distance.reshape(n * k))
        out = buffer("log_prob", (k + len(self.constant_columns), n), chunk.dtype)
        np.multiply(distance.T, -0.5, out=out[:k])
        out[:k] += self.bias[:, None]
        out[k:] = self.constant_columns[:, None]
        return out.T, (augmented, projected)

    def accumulate(self, work, resp, row_weight):  # noqa: D102
        augmented, projected = work
        n, k = resp.shape
        # The projections are spent; their memory takes r_k (x - g).
        weighted = projected.reshape(n, k, -1)
        # einsum writes this outer product about twice as fast as broadcasting.
        np.einsum("nk,nd->nkd", resp, augmented[:, 1:], out=weighted)
        return resp.sum(axis=0, dtype=np.float64), augmented.T @ projected

    def moments(self, raw, n_features):  # noqa: D102
        nk, products = raw
        d = n_features
        sum_dx = products[0].reshape(-1, d)
        sum_dxx = products[1:].reshape(d, -1, d).transpose(1, 0, 2)
        # The product rounds x_i (r x_j) and x_j (r x_i) apart: symmetrise.
        return nk, sum_dx, 0.5 * (sum_dxx + sum_dxx.transpose(0, 2, 1))


def _collapse(components: list[int], detail: str) -> ComponentCollapseError:
    listed = ", ".join(str(k) for k in components)
    return ComponentCollapseError(
        f"component(s) {listed}: covariance {detail}", components
    )


class CovarianceModel:
    """Behaviour of one covariance type; subclasses fill in every method."""

    name: str = ""

    def shape(self, n_components: int, n_features: int) -> tuple[int, ...]:
        """Shape of the ``covariances_`` (and ``precisions_``) array."""
        raise NotImplementedError

    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Number of free covariance parameters."""
        raise NotImplementedError

    def moment_features(
        self, chunk: np.ndarray, centre: np.ndarray, empty=new_array
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Features whose products with responsibilities give the moments.

        Parameters
        ----------
        chunk : ndarray of shape (n, d)
            Raw rows.
        centre : ndarray of shape (d,)
            Point the moments are taken about, in the chunk's dtype.
        empty : callable
            ``empty(role, shape, dtype)`` (see :func:`new_array`).

        Returns
        -------
        features : ndarray of shape (p, n) or None
            None for the types whose :meth:`accumulate` reads only the
            centred rows.
        centred : ndarray of shape (n, d)
            ``chunk - centre``.
        """
        centred = empty("centred", chunk.shape[::-1], chunk.dtype)
        np.subtract(chunk.T, np.asarray(centre)[:, None], out=centred)
        return None, centred.T

    def distance_kernel(
        self, delta_means: np.ndarray, precisions_cholesky: np.ndarray
    ) -> DistanceKernel:
        """Kernel giving each component's squared distance for a chunk.

        Parameters
        ----------
        delta_means : ndarray of shape (K, d)
            Component means minus the mixture centre.
        precisions_cholesky : ndarray
            Precision Cholesky factors (float64).
        """
        raise NotImplementedError

    def chunk_kernel(
        self,
        means: np.ndarray,
        precisions_cholesky: np.ndarray,
        centre: np.ndarray,
        bias: np.ndarray,
        dtype,
    ) -> ChunkKernel:
        """The E-step's per-chunk arithmetic under these parameters.

        Parameters
        ----------
        means : ndarray of shape (K, d)
        precisions_cholesky : ndarray
            Precision Cholesky factors (float64).
        centre : ndarray of shape (d,)
            Point the moments are taken about.
        bias : ndarray of shape (K + m,)
            ``log w_k + log det U_k - d log(2 pi) / 2`` per component, then the
            log-density of ``m`` constant columns (a uniform background).
        dtype : dtype
            Dtype of the chunks.
        """
        kernel = self.distance_kernel(means - centre, precisions_cholesky)
        return FeatureKernel(self, kernel, centre, bias, dtype)

    def accumulate(
        self,
        Xg: np.ndarray,
        features: np.ndarray,
        resp: np.ndarray,
        row_weight: np.ndarray | None,
    ) -> tuple[np.ndarray, ...]:
        """Raw moments of one chunk about the mixture centre.

        Raw moments of chunks add up; :meth:`moments` turns their sum into
        the statistics, once per pass rather than once per chunk.

        Parameters
        ----------
        Xg : ndarray of shape (n, d)
            Chunk rows minus the mixture centre.
        features : ndarray of shape (p, n)
            The chunk's kernel features (``moment_features`` for the types
            that have them).
        resp : ndarray of shape (n, K)
            Responsibilities times sample weights.
        row_weight : ndarray of shape (n,) or None
            Sample weights (None for unit weights); rows of ``resp`` sum to them.

        Returns
        -------
        raw : tuple of ndarray
        """
        raise NotImplementedError

    def moments(
        self, raw: tuple[np.ndarray, ...], n_features: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masses, first and second moments from summed raw moments.

        Returns
        -------
        nk : ndarray of shape (K,)
        sum_dx : ndarray of shape (K, d)
        sum_dxx : ndarray, shape per the table in the module docstring
        """
        # Rows of ``features @ resp``: the masses, d first moments, then the rest.
        (moments,) = raw
        d = n_features
        return moments[0], moments[1 : d + 1].T, moments[d + 1 :].T

    def covariances(
        self, sum_dxx: np.ndarray, nk: np.ndarray, delta: np.ndarray, reg_covar: float
    ) -> np.ndarray:
        """M-step: covariances from the second moment about the centre.

        Parameters
        ----------
        sum_dxx : ndarray
            Second-moment statistic about the centre.
        nk : ndarray of shape (K,)
            Responsibility mass per component.
        delta : ndarray of shape (K, d)
            New means minus the centre.
        reg_covar : float
            Added to the diagonal.
        """
        raise NotImplementedError

    def precisions_cholesky(self, covariances: np.ndarray) -> np.ndarray:
        """Cholesky factors of the precisions; raises ComponentCollapseError."""
        raise NotImplementedError

    def precisions(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        """Precision matrices from their Cholesky factors."""
        raise NotImplementedError

    def covariances_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        """Covariances from precisions (used for user-given initial precisions)."""
        raise NotImplementedError

    def cholesky_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        """Precision Cholesky factors from precisions."""
        raise NotImplementedError

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int):
        """Log-determinant of each precision Cholesky factor, shape (K,) or ()."""
        raise NotImplementedError

    def to_full(
        self, covariances: np.ndarray, n_components: int, n_features: int
    ) -> np.ndarray:
        """Expand to full ``(K, d, d)`` matrices (for figures and sampling)."""
        raise NotImplementedError

    def sample(self, rng, means, covariances, counts) -> np.ndarray:
        """Draw ``counts[k]`` points from component ``k``, grouped by component."""
        full = self.to_full(covariances, *means.shape)
        parts = []
        for mean, cov, count in zip(means, full, counts, strict=True):
            factor = np.linalg.cholesky(cov)
            z = rng.standard_normal((int(count), len(mean)))
            parts.append(mean + z @ factor.T)
        return np.concatenate(parts) if parts else np.empty((0, means.shape[1]))

    def check_precisions(
        self, precisions: np.ndarray, n_components: int, n_features: int
    ) -> np.ndarray:
        """Validate user-given precisions: shape, symmetry, positive definiteness."""
        expected = self.shape(n_components, n_features)
        precisions = np.asarray(precisions, dtype=np.float64)
        if precisions.shape != expected:
            raise ValueError(
                f"precisions_init for covariance_type={self.name!r} must have "
                f"shape {expected}, got {precisions.shape}."
            )
        if not np.all(np.isfinite(precisions)):
            raise ValueError("precisions_init contains NaN or infinity.")
        return precisions


class FullCovariance(CovarianceModel):
    """A full covariance matrix per component."""

    name = "full"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components, n_features, n_features)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_components * n_features * (n_features + 1) // 2

    def moment_features(self, chunk, centre, empty=new_array):
        """``[1, x, upper triangle of x x^T]`` (1 + d + d(d+1)/2, n), x centred."""
        d = chunk.shape[1]
        out = _leading_centred(chunk, centre, 1 + d + d * (d + 1) // 2, empty)
        columns = out[1 : d + 1]
        position = d + 1
        for i in range(d):
            np.multiply(columns[i], columns[i:], out=out[position : position + d - i])
            position += d - i
        return out, columns.T

    def distance_kernel(self, delta_means, precisions_cholesky):  # noqa: D102
        d = delta_means.shape[1]
        precisions = self.precisions(precisions_cholesky)
        rows, cols = np.triu_indices(d)
        # (x-m)' P (x-m) = sum_i P_ii x_i^2 + 2 sum_{i<j} P_ij x_i x_j - 2 x'Pm + m'Pm
        quadratic = precisions[:, rows, cols] * np.where(rows == cols, 1.0, 2.0)
        pm = np.einsum("kij,kj->ki", precisions, delta_means)
        const = np.einsum("ki,ki->k", pm, delta_means)
        coef = np.concatenate([const[:, None], -2.0 * pm, quadratic], axis=1).T
        return DistanceKernel(self.moment_features, np.ascontiguousarray(coef))

    def chunk_kernel(self, means, precisions_cholesky, centre, bias, dtype):  # noqa: D102
        n_components, n_features = means.shape
        if _use_stacked(n_features, n_components):
            return StackedFullKernel(
                means - centre, precisions_cholesky, centre, bias, dtype
            )
        return super().chunk_kernel(means, precisions_cholesky, centre, bias, dtype)

    def accumulate(self, Xg, features, resp, row_weight):  # noqa: D102
        return (features @ resp,)  # (p, K): one product, upper triangle only

    def moments(self, raw, n_features):  # noqa: D102
        nk, sum_dx, packed = super().moments(raw, n_features)
        return nk, sum_dx, _unpack_symmetric(packed, n_features)

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        cov = sum_dxx / nk[:, None, None] - delta[:, :, None] * delta[:, None, :]
        d = delta.shape[1]
        cov[:, np.arange(d), np.arange(d)] += reg_covar
        return cov

    def precisions_cholesky(self, covariances):  # noqa: D102
        try:
            chol = np.linalg.cholesky(covariances)  # all components at once
        except np.linalg.LinAlgError:
            failed = [
                k for k, c in enumerate(covariances) if not _is_positive_definite(c)
            ]
            raise _collapse(failed, "is not positive definite") from None
        return np.array([_inverse_lower(c).T for c in chol])

    def precisions(self, precisions_cholesky):  # noqa: D102
        return precisions_cholesky @ precisions_cholesky.transpose(0, 2, 1)

    def covariances_from_precisions(self, precisions):  # noqa: D102
        return np.array([linalg.inv(p) for p in precisions])

    def cholesky_from_precisions(self, precisions):  # noqa: D102
        return np.array([linalg.cholesky(p, lower=True) for p in precisions])

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        diagonals = np.diagonal(precisions_cholesky, axis1=1, axis2=2)
        return np.sum(np.log(diagonals), axis=1)

    def to_full(self, covariances, n_components, n_features):  # noqa: D102
        return np.asarray(covariances)

    def check_precisions(self, precisions, n_components, n_features):  # noqa: D102
        precisions = super().check_precisions(precisions, n_components, n_features)
        for k, p in enumerate(precisions):
            _check_spd(p, f"precisions_init[{k}]")
        return precisions


class TiedCovariance(CovarianceModel):
    """One covariance matrix shared by all components."""

    name = "tied"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_features, n_features)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_features * (n_features + 1) // 2

    def distance_kernel(self, delta_means, precisions_cholesky):  # noqa: D102
        # ||(x - m) U||^2 = ||xU||^2 - 2 (xU).(mU) + ||mU||^2: features [xU, ||xU||^2].
        centres = delta_means @ precisions_cholesky
        d = len(precisions_cholesky)

        factor_t = {}  # U^T per dtype, cast once

        def features(chunk, centre, empty=new_array):
            _, centred = self.moment_features(chunk, centre, empty)
            dtype = chunk.dtype
            if dtype not in factor_t:
                factor_t[dtype] = np.ascontiguousarray(precisions_cholesky.T, dtype)
            out = empty("features", (d + 2, len(chunk)), dtype)
            out[0] = 1.0
            y = out[1 : d + 1]
            np.matmul(factor_t[dtype], centred.T, out=y)
            np.einsum("ij,ij->j", y, y, out=out[d + 1])
            return out, centred

        coef = np.vstack(
            [np.sum(centres**2, axis=1), -2.0 * centres.T, np.ones(len(centres))]
        )
        return DistanceKernel(features, coef)

    def accumulate(self, Xg, features, resp, row_weight):  # noqa: D102
        # Each row's scatter counts by its mass over these components: its
        # sample weight, less whatever a background component took.
        weighted = Xg * resp.sum(axis=1)[:, None]
        return resp.sum(axis=0), resp.T @ Xg, weighted.T @ Xg

    def moments(self, raw, n_features):  # noqa: D102
        return raw

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        between = (delta * nk[:, None]).T @ delta
        cov = (sum_dxx - between) / nk.sum()
        cov = 0.5 * (cov + cov.T)
        cov.flat[:: cov.shape[0] + 1] += reg_covar
        return cov

    def precisions_cholesky(self, covariances):  # noqa: D102
        try:
            chol = np.linalg.cholesky(covariances)
        except np.linalg.LinAlgError:
            raise _collapse([], "(shared) is not positive definite") from None
        return _inverse_lower(chol).T

    def precisions(self, precisions_cholesky):  # noqa: D102
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_precisions(self, precisions):  # noqa: D102
        return linalg.inv(precisions)

    def cholesky_from_precisions(self, precisions):  # noqa: D102
        return linalg.cholesky(precisions, lower=True)

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        return np.sum(np.log(np.diag(precisions_cholesky)))

    def to_full(self, covariances, n_components, n_features):  # noqa: D102
        return np.broadcast_to(covariances, (n_components, *covariances.shape))

    def check_precisions(self, precisions, n_components, n_features):  # noqa: D102
        precisions = super().check_precisions(precisions, n_components, n_features)
        _check_spd(precisions, "precisions_init")
        return precisions


class DiagCovariance(CovarianceModel):
    """A diagonal covariance (one variance per feature) per component."""

    name = "diag"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components, n_features)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_components * n_features

    def moment_features(self, chunk, centre, empty=new_array):
        """``[1, x, x**2]``, shape (1 + 2d, n), x centred; and x, (n, d)."""
        d = chunk.shape[1]
        out = _leading_centred(chunk, centre, 1 + 2 * d, empty)
        np.square(out[1 : d + 1], out=out[d + 1 :])
        return out, out[1 : d + 1].T

    def distance_kernel(self, delta_means, precisions_cholesky):  # noqa: D102
        precisions = precisions_cholesky**2
        const = np.sum(delta_means**2 * precisions, axis=1)
        coef = np.concatenate(
            [const[:, None], -2.0 * delta_means * precisions, precisions], axis=1
        ).T
        return DistanceKernel(self.moment_features, np.ascontiguousarray(coef))

    def accumulate(self, Xg, features, resp, row_weight):  # noqa: D102
        return (features @ resp,)

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        return sum_dxx / nk[:, None] - delta**2 + reg_covar

    def precisions_cholesky(self, covariances):  # noqa: D102
        failed = np.flatnonzero(np.any(covariances <= 0.0, axis=-1))
        if failed.size:
            raise _collapse(failed.tolist(), "has a non-positive variance")
        return 1.0 / np.sqrt(covariances)

    def precisions(self, precisions_cholesky):  # noqa: D102
        return precisions_cholesky**2

    def covariances_from_precisions(self, precisions):  # noqa: D102
        return 1.0 / precisions

    def cholesky_from_precisions(self, precisions):  # noqa: D102
        return np.sqrt(precisions)

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        return np.sum(np.log(precisions_cholesky), axis=1)

    def to_full(self, covariances, n_components, n_features):  # noqa: D102
        return np.array([np.diag(c) for c in covariances])

    def sample(self, rng, means, covariances, counts):  # noqa: D102
        parts = [
            mean + rng.standard_normal((int(count), len(mean))) * np.sqrt(cov)
            for mean, cov, count in zip(means, covariances, counts, strict=True)
        ]
        return np.concatenate(parts)

    def check_precisions(self, precisions, n_components, n_features):  # noqa: D102
        precisions = super().check_precisions(precisions, n_components, n_features)
        if np.any(precisions <= 0):
            raise ValueError(f"precisions_init must be positive for {self.name!r}.")
        return precisions


class SphericalCovariance(DiagCovariance):
    """A single variance per component, the same in every direction."""

    name = "spherical"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components,)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_components

    def moment_features(self, chunk, centre, empty=new_array):
        """``[1, x, ||x||**2]``, shape (d + 2, n), x centred; and x, (n, d)."""
        d = chunk.shape[1]
        out = _leading_centred(chunk, centre, d + 2, empty)
        rows = out[1 : d + 1]
        np.einsum("ij,ij->j", rows, rows, out=out[-1])
        return out, rows.T

    def distance_kernel(self, delta_means, precisions_cholesky):  # noqa: D102
        precisions = precisions_cholesky**2
        const = precisions * np.sum(delta_means**2, axis=1)
        coef = np.concatenate(
            [
                const[:, None],
                -2.0 * delta_means * precisions[:, None],
                precisions[:, None],
            ],
            axis=1,
        ).T
        return DistanceKernel(self.moment_features, np.ascontiguousarray(coef))

    def moments(self, raw, n_features):  # noqa: D102
        nk, sum_dx, trace = super().moments(raw, n_features)
        return nk, sum_dx, trace[:, 0]

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        d = delta.shape[1]
        return (sum_dxx / nk - np.sum(delta**2, axis=1)) / d + reg_covar

    def precisions_cholesky(self, covariances):  # noqa: D102
        failed = np.flatnonzero(covariances <= 0.0)
        if failed.size:
            raise _collapse(failed.tolist(), "has a non-positive variance")
        return 1.0 / np.sqrt(covariances)

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        return n_features * np.log(precisions_cholesky)

    def to_full(self, covariances, n_components, n_features):  # noqa: D102
        return np.array([np.eye(n_features) * c for c in covariances])


#: Which kernel ``full`` uses: "auto" (by :func:`_use_stacked`), "features"
#: or "stacked". Tests set it to check that both give the same answers.
_FULL_KERNEL = "auto"


def _use_stacked(n_features: int, n_components: int) -> bool:
    """Whether ``full`` uses :class:`StackedFullKernel` rather than features.

    The feature kernel moves ``d (d + 1) / 2`` values per row through
    products only ``K`` columns wide (memory-bound once ``d`` is a few
    dozen); the stacked one does twice the flops in wide, compute-bound
    products. So the stacked kernel pays when the triangle is large against
    ``K d``: ``d (d + 1) / 2 > 2.5 K d``, and ``d >= 20`` (below that the
    features stay in cache and win or tie whatever ``K``).

    Measured on 2 cores (E-step alone, the two kernels interleaved 7 to 9
    times, feature time / stacked time by min; ``(d + 1) / 2K`` in brackets):
    d=64 K=8 1.63 (4.1), d=32 K=4 1.50 (4.1), d=24 K=3 1.60 (4.2),
    d=128 K=16 1.77 (4.0), d=64 K=10 1.50 (3.3), d=48 K=8 1.29 (3.1),
    d=96 K=16 1.22 (3.0), d=64 K=12 1.40 (2.7), d=32 K=6 1.35 (2.8),
    d=64 K=16 0.95 (2.0), d=128 K=32 1.16 (2.0), d=32 K=10 0.93 (1.7),
    d=64 K=32 0.71 (1.0), d=32 K=32 0.43 (0.5), d=16 K=16 0.44 (0.5),
    d=16 K=4 0.95 (2.1), d=12 K=1 1.14 (6.5), d=8 K=2 0.76 (2.3),
    d=8 K=1 0.84 (4.5).
    """
    if _FULL_KERNEL != "auto":
        return _FULL_KERNEL == "stacked"
    return n_features >= 20 and (n_features + 1) / 2 > 2.5 * n_components


def _is_positive_definite(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _inverse_lower(chol: np.ndarray) -> np.ndarray:
    """Inverse of a lower-triangular matrix (LAPACK trtri: exact structure)."""
    (trtri,) = lapack.get_lapack_funcs(("trtri",), (chol,))
    inverse, info = trtri(chol, lower=1)
    if info != 0:
        raise _collapse([], "has a singular Cholesky factor")
    return inverse


def _unpack_symmetric(packed: np.ndarray, d: int) -> np.ndarray:
    """(K, d(d+1)/2) upper triangles, row by row, to (K, d, d) symmetric."""
    rows, cols = np.triu_indices(d)
    out = np.empty((len(packed), d, d), dtype=packed.dtype)
    out[:, rows, cols] = packed
    out[:, cols, rows] = packed
    return out


def _check_spd(matrix: np.ndarray, name: str) -> None:
    if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric.")
    if np.any(np.linalg.eigvalsh(matrix) <= 0.0):
        raise ValueError(f"{name} must be positive definite.")


_MODELS: dict[str, CovarianceModel] = {
    model.name: model
    for model in (
        FullCovariance(),
        TiedCovariance(),
        DiagCovariance(),
        SphericalCovariance(),
    )
}


def covariance_model(covariance_type: str) -> CovarianceModel:
    """Return the behaviour object for a covariance type name.

    Parameters
    ----------
    covariance_type : {"full", "tied", "diag", "spherical"}

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
