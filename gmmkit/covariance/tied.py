"""``tied``: one covariance matrix shared by all components, (d, d)."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ._linalg import _check_spd, _collapse, _inverse_lower
from .base import _PRIOR, CovarianceModel
from .kernels import DistanceKernel, new_array


class TiedCovariance(CovarianceModel):
    """One covariance matrix shared by all components."""

    name = "tied"
    mclust_name = "EEE"
    shared = True

    def shape(self, n_components, n_features):  # noqa: D102
        return (n_features, n_features)

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

    def covariances(self, sum_dxx, nk, delta, reg_covar, previous=None):  # noqa: D102
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

    def recentre(self, nk, sum_dx, sum_dxx, delta):  # noqa: D102
        # Every row's scatter counts once, by its mass over the components.
        total_dx = sum_dx.sum(axis=0)
        cross = np.outer(total_dx, delta)
        return sum_dxx + cross + cross.T + nk.sum() * np.outer(delta, delta)

    def rescale(self, covariances, scale):  # noqa: D102
        return covariances * np.outer(scale, scale)

    def min_points(self, n_features):  # noqa: D102
        # Only the mean: the covariance pools every component's residuals
        # (the residual rule is gmmkit.selection.degeneracy's).
        return 1

    def wishart_posterior(self, nk, xk, sk, prior, mean_precision):  # noqa: D102
        # One Wishart shared by all components, each seeing an average share
        # of the data (scikit-learn's tied model).
        n_components = len(nk)
        diff = xk - prior.mean
        dof = prior.degrees_of_freedom + nk.sum() / n_components
        scale = (
            prior.covariance
            + sk * nk.sum() / n_components
            + prior.mean_precision
            / n_components
            * ((nk / mean_precision) * diff.T)
            @ diff
        )
        return dof, scale / dof

    def check_covariance_prior(self, value, n_features):  # noqa: D102
        covariance = self._checked_prior_array(value, (n_features, n_features))
        _check_spd(covariance, _PRIOR)
        return covariance

    def prior_covariance(self, data_covariance):  # noqa: D102
        return data_covariance
