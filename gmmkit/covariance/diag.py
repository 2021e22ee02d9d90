"""``diag``: a diagonal covariance (one variance per feature) per component, (K, d)."""

from __future__ import annotations

import numpy as np

from ._linalg import _collapse
from .base import _PRIOR, CovarianceModel
from .kernels import DistanceKernel, _leading_centred, new_array


class DiagCovariance(CovarianceModel):
    """A diagonal covariance (one variance per feature) per component."""

    name = "diag"
    mclust_name = "VVI"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components, n_features)

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

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
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

    def recentre(self, nk, sum_dx, sum_dxx, delta):  # noqa: D102
        return sum_dxx + 2.0 * sum_dx * delta + nk[:, None] * delta**2

    def rescale(self, covariances, scale):  # noqa: D102
        return covariances * scale**2

    def min_points(self, n_features):  # noqa: D102
        return 2

    def wishart_posterior(self, nk, xk, sk, prior, mean_precision):  # noqa: D102
        diff = xk - prior.mean
        dof = prior.degrees_of_freedom + nk
        scale = prior.covariance + nk[:, None] * (
            sk + (prior.mean_precision / mean_precision)[:, None] * diff**2
        )
        return dof, scale / dof[:, None]

    def check_covariance_prior(self, value, n_features):  # noqa: D102
        covariance = self._checked_prior_array(value, (n_features,))
        if np.any(covariance <= 0.0):
            raise ValueError(
                f"{_PRIOR} must be positive for covariance_type={self.name!r}."
            )
        return covariance

    def prior_covariance(self, data_covariance):  # noqa: D102
        data_covariance = np.asarray(data_covariance)
        if data_covariance.ndim == 2:
            return np.diagonal(data_covariance).copy()
        return data_covariance
