"""``full``: a covariance matrix per component, (K, d, d)."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ._linalg import (
    _check_spd,
    _collapse,
    _inverse_lower,
    _is_positive_definite,
    _unpack_symmetric,
    upper_triangle,
)
from .base import _PRIOR, CovarianceModel
from .kernels import (
    DistanceKernel,
    StackedFullKernel,
    _leading_centred,
    _use_stacked,
    new_array,
)


class FullCovariance(CovarianceModel):
    """A full covariance matrix per component."""

    name = "full"
    mclust_name = "VVV"

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_components, n_features, n_features)

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
        rows, cols = upper_triangle(d)
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

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
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

    def recentre(self, nk, sum_dx, sum_dxx, delta):  # noqa: D102
        cross = sum_dx[:, :, None] * delta[None, None, :]
        return (
            sum_dxx
            + cross
            + cross.transpose(0, 2, 1)
            + nk[:, None, None] * np.outer(delta, delta)
        )

    def rescale(self, covariances, scale):  # noqa: D102
        return covariances * np.outer(scale, scale)

    def min_points(self, n_features):  # noqa: D102
        return n_features + 1

    def wishart_posterior(self, nk, xk, sk, prior, mean_precision):  # noqa: D102
        diff = xk - prior.mean
        shrink = nk * prior.mean_precision / mean_precision
        dof = prior.degrees_of_freedom + nk
        scale = (
            prior.covariance
            + nk[:, None, None] * sk
            + shrink[:, None, None] * diff[:, :, None] * diff[:, None, :]
        )
        # Normalised by the degrees of freedom (scikit-learn's convention), so
        # the covariances are those of the expected precision nu_k W_k.
        return dof, scale / dof[:, None, None]

    def check_covariance_prior(self, value, n_features):  # noqa: D102
        covariance = self._checked_prior_array(value, (n_features, n_features))
        _check_spd(covariance, _PRIOR)
        return covariance

    def prior_covariance(self, data_covariance):  # noqa: D102
        return data_covariance
