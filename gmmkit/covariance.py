"""Everything a covariance type knows, one class per type.

Each class turns sufficient statistics into covariances, covariances into
precision Cholesky factors, evaluates Mahalanobis distances for a chunk of
rows, counts its free parameters and draws samples. Nothing else in gmmkit
branches on the covariance type: it asks :func:`covariance_model` instead.

Conventions (shared with scikit-learn):

- ``precisions_cholesky`` ``U`` satisfies ``precision = U @ U.T``, so the squared
  Mahalanobis distance of ``x`` is ``||(x - mean) @ U||**2``.
- Shapes, for ``K`` components and ``d`` features:

  ============  ============  ============================
  type          covariances   second-moment statistic
  ============  ============  ============================
  full          (K, d, d)     (K, d, d) about each mean
  tied          (d, d)        (d, d) about the global centre
  diag          (K, d)        (K, d) about the global centre
  spherical     (K,)          (K,) trace, about the centre
  ============  ============  ============================

Second moments are accumulated around a shift rather than the origin so that
subtracting the squared mean loses few digits: ``full`` uses each
component's current mean (exact per component); the other types use the
mixture's centre ``sum_k weights_k means_k`` so their kernels stay single
matrix products.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg

from .exceptions import ComponentCollapseError

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def _collapse(components: list[int], detail: str) -> ComponentCollapseError:
    listed = ", ".join(str(k) for k in components)
    return ComponentCollapseError(
        f"component(s) {listed}: covariance {detail}", components
    )


class CovarianceModel:
    """Behaviour of one covariance type; subclasses fill in every method."""

    name: str = ""
    #: True when second moments are taken about each component's own mean.
    component_shift: bool = False

    def shape(self, n_components: int, n_features: int) -> tuple[int, ...]:
        """Shape of the ``covariances_`` (and ``precisions_``) array."""
        raise NotImplementedError

    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Number of free covariance parameters."""
        raise NotImplementedError

    def accumulate(
        self, Xg: np.ndarray, resp: np.ndarray, shift: np.ndarray, row_weight
    ) -> tuple[np.ndarray, np.ndarray]:
        """First and second moments of one chunk about ``shift``.

        Parameters
        ----------
        Xg : ndarray of shape (n, d)
            Chunk rows minus the global centre.
        resp : ndarray of shape (n, K)
            Responsibilities times sample weights.
        shift : ndarray of shape (K, d)
            Per-component shift, relative to the global centre (zeros unless
            ``component_shift``).
        row_weight : ndarray of shape (n,) or None
            Sample weights (None for unit weights); rows of ``resp`` sum to them.

        Returns
        -------
        sum_dx : ndarray of shape (K, d)
        sum_dxx : ndarray, shape per the table in the module docstring
        """
        raise NotImplementedError

    def covariances(
        self, sum_dxx: np.ndarray, nk: np.ndarray, delta: np.ndarray, reg_covar: float
    ) -> np.ndarray:
        """M-step: covariances from the second moment about the shift.

        Parameters
        ----------
        sum_dxx : ndarray
            Second-moment statistic.
        nk : ndarray of shape (K,)
            Responsibility mass per component.
        delta : ndarray of shape (K, d)
            New means minus the shift.
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

    def mahalanobis(
        self, delta_means: np.ndarray, precisions_cholesky: np.ndarray, dtype
    ) -> Callable[[np.ndarray], np.ndarray]:
        """Return ``f(Xg) -> (n, K)`` squared Mahalanobis distances.

        Parameters
        ----------
        delta_means : ndarray of shape (K, d)
            Component means minus the global centre.
        precisions_cholesky : ndarray
            Precision Cholesky factors.
        dtype : dtype
            Arithmetic dtype of the chunk computations.
        """
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
    component_shift = True

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components, n_features, n_features)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_components * n_features * (n_features + 1) // 2

    def accumulate(self, Xg, resp, shift, row_weight):  # noqa: D102
        n_components = resp.shape[1]
        d = Xg.shape[1]
        sum_dx = np.empty((n_components, d))
        sum_dxx = np.empty((n_components, d, d))
        for k in range(n_components):
            diff = Xg - shift[k].astype(Xg.dtype)
            weighted = diff * resp[:, k : k + 1]
            sum_dx[k] = weighted.sum(axis=0)
            sum_dxx[k] = weighted.T @ diff
        return sum_dx, sum_dxx

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        cov = sum_dxx / nk[:, None, None] - delta[:, :, None] * delta[:, None, :]
        cov = 0.5 * (cov + cov.transpose(0, 2, 1))
        d = delta.shape[1]
        cov[:, np.arange(d), np.arange(d)] += reg_covar
        return cov

    def precisions_cholesky(self, covariances):  # noqa: D102
        n_components, d, _ = covariances.shape
        out = np.empty_like(covariances)
        failed = []
        eye = np.eye(d)
        for k in range(n_components):
            try:
                chol = linalg.cholesky(covariances[k], lower=True)
            except linalg.LinAlgError:
                failed.append(k)
                continue
            out[k] = linalg.solve_triangular(chol, eye, lower=True).T
        if failed:
            raise _collapse(failed, "is not positive definite")
        return out

    def precisions(self, precisions_cholesky):  # noqa: D102
        return precisions_cholesky @ precisions_cholesky.transpose(0, 2, 1)

    def covariances_from_precisions(self, precisions):  # noqa: D102
        return np.array([linalg.inv(p) for p in precisions])

    def cholesky_from_precisions(self, precisions):  # noqa: D102
        return np.array([linalg.cholesky(p, lower=True) for p in precisions])

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        diagonals = np.diagonal(precisions_cholesky, axis1=1, axis2=2)
        return np.sum(np.log(diagonals), axis=1)

    def mahalanobis(self, delta_means, precisions_cholesky, dtype):  # noqa: D102
        n_components, d = delta_means.shape
        # One (d, K*d) matrix: all components in a single product per chunk.
        stacked = np.ascontiguousarray(
            precisions_cholesky.transpose(1, 0, 2).reshape(d, n_components * d),
            dtype=dtype,
        )
        offset = np.einsum("ki,kij->kj", delta_means, precisions_cholesky)
        offset = offset.reshape(n_components * d).astype(dtype)

        def distances(Xg):
            y = Xg @ stacked
            y -= offset
            np.square(y, out=y)
            return y.reshape(len(Xg), n_components, d).sum(axis=2)

        return distances

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

    def accumulate(self, Xg, resp, shift, row_weight):  # noqa: D102
        sum_dx = resp.T @ Xg
        weighted = Xg if row_weight is None else Xg * row_weight[:, None]
        return sum_dx, weighted.T @ Xg

    def covariances(self, sum_dxx, nk, delta, reg_covar):  # noqa: D102
        between = (delta * nk[:, None]).T @ delta
        cov = (sum_dxx - between) / nk.sum()
        cov = 0.5 * (cov + cov.T)
        cov.flat[:: cov.shape[0] + 1] += reg_covar
        return cov

    def precisions_cholesky(self, covariances):  # noqa: D102
        try:
            chol = linalg.cholesky(covariances, lower=True)
        except linalg.LinAlgError:
            raise _collapse([], "(shared) is not positive definite") from None
        return linalg.solve_triangular(chol, np.eye(len(chol)), lower=True).T

    def precisions(self, precisions_cholesky):  # noqa: D102
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_precisions(self, precisions):  # noqa: D102
        return linalg.inv(precisions)

    def cholesky_from_precisions(self, precisions):  # noqa: D102
        return linalg.cholesky(precisions, lower=True)

    def log_det_cholesky(self, precisions_cholesky, n_features):  # noqa: D102
        return np.sum(np.log(np.diag(precisions_cholesky)))

    def mahalanobis(self, delta_means, precisions_cholesky, dtype):  # noqa: D102
        chol = precisions_cholesky.astype(dtype)
        centres = (delta_means @ precisions_cholesky).astype(dtype)
        centre_sq = np.sum(centres**2, axis=1)

        def distances(Xg):
            y = Xg @ chol
            out = y @ (-2.0 * centres.T)
            out += np.sum(y * y, axis=1)[:, None]
            out += centre_sq
            return out

        return distances

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

    def accumulate(self, Xg, resp, shift, row_weight):  # noqa: D102
        return resp.T @ Xg, resp.T @ (Xg * Xg)

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

    def mahalanobis(self, delta_means, precisions_cholesky, dtype):  # noqa: D102
        precisions = precisions_cholesky**2
        a = precisions.T.astype(dtype)  # (d, K)
        b = (-2.0 * delta_means * precisions).T.astype(dtype)
        c = np.sum(delta_means**2 * precisions, axis=1).astype(dtype)

        def distances(Xg):
            out = (Xg * Xg) @ a
            out += Xg @ b
            out += c
            return out

        return distances

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
            raise ValueError("precisions_init must be positive for 'diag'.")
        return precisions


class SphericalCovariance(DiagCovariance):
    """A single variance per component, the same in every direction."""

    name = "spherical"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components,)

    def n_parameters(self, n_components, n_features):  # noqa: D102
        return n_components

    def accumulate(self, Xg, resp, shift, row_weight):  # noqa: D102
        return resp.T @ Xg, resp.T @ np.einsum("ij,ij->i", Xg, Xg)

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

    def mahalanobis(self, delta_means, precisions_cholesky, dtype):  # noqa: D102
        precisions = (precisions_cholesky**2).astype(dtype)
        b = (-2.0 * delta_means).T.astype(dtype)
        c = np.sum(delta_means**2, axis=1).astype(dtype)

        def distances(Xg):
            out = Xg @ b
            out += np.einsum("ij,ij->i", Xg, Xg)[:, None]
            out += c
            out *= precisions
            return out

        return distances

    def to_full(self, covariances, n_components, n_features):  # noqa: D102
        return np.array([np.eye(n_features) * c for c in covariances])


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
