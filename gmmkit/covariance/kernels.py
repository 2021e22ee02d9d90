"""The E-step's per-chunk arithmetic: distance kernels and chunk kernels.

A covariance model hands the engine a :class:`ChunkKernel`. Every type uses
:class:`FeatureKernel`, one product of features with coefficients (see
:class:`DistanceKernel`); ``full`` switches to :class:`StackedFullKernel`
when ``d`` is large against ``K`` (see :func:`_use_stacked`, with the
measurements behind its threshold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


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
