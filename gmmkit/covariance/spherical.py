"""``spherical``: one variance per component, the same in every direction, (K,)."""

from __future__ import annotations

import numpy as np

from .._validation import check_positive
from ._linalg import _collapse
from .base import _PRIOR
from .diag import DiagCovariance
from .kernels import DistanceKernel, _leading_centred, new_array


class SphericalCovariance(DiagCovariance):
    """A single variance per component, the same in every direction."""

    name = "spherical"
    mclust_name = "VII"
    rescalable = False

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components,)

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

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
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

    def recentre(self, nk, sum_dx, sum_dxx, delta):  # noqa: D102
        return sum_dxx + 2.0 * sum_dx @ delta + nk * (delta @ delta)

    def rescale(self, covariances, scale):
        """Refused: unequal scales make the variance differ by direction."""
        raise ValueError(
            "a spherical mixture fitted on standardised data is not spherical in "
            "the data's units; use covariance_type 'diag' (or 'full'), or "
            "standardise the data yourself."
        )

    def wishart_posterior(self, nk, xk, sk, prior, mean_precision):  # noqa: D102
        diff = xk - prior.mean
        dof = prior.degrees_of_freedom + nk
        scale = prior.covariance + nk * (
            sk + prior.mean_precision / mean_precision * np.mean(diff**2, axis=1)
        )
        return dof, scale / dof

    def check_covariance_prior(self, value, n_features):  # noqa: D102
        if np.ndim(value) != 0:
            raise ValueError(
                f"{_PRIOR} for covariance_type={self.name!r} must be a positive "
                f"number, got an array of shape {np.shape(value)}."
            )
        return check_positive(np.asarray(value).item(), _PRIOR)

    def prior_covariance(self, data_covariance):  # noqa: D102
        data_covariance = np.asarray(data_covariance)
        if data_covariance.ndim == 2:
            data_covariance = np.diagonal(data_covariance)
        return float(data_covariance.mean())
