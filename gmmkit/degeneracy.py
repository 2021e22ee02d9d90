"""When a fitted mixture is degenerate: too few points, reg_covar, too many parameters.

Information criteria reward likelihood, and a component resting on a point
or two has a likelihood limited only by ``reg_covar``; :func:`degeneracy`
names such fits so that :func:`gmmkit.selection.select_model` never chooses
them.
"""

from __future__ import annotations

import numpy as np

from .covariance import CovarianceModel, covariance_model
from .mixture import GaussianMixture
from .stats import weighted_moments

__all__ = ["data_covariance", "degeneracy"]


#: The data must vary more than this many times ``reg_covar`` in a direction
#: before a component that is flat in it counts as held up by the regulariser.
_FLOOR_SPREAD = 1e3
#: A component's own variance below this share of the data's (in the same
#: direction) also counts as flat, whatever ``reg_covar`` is; at least 100
#: machine epsilons of the data's dtype, below which float32 moments are noise.
_FLOOR_RELATIVE = 1e-8
#: Slack on the effective counts: responsibilities of 1 - 1e-9 still count as 1.
_COUNT_SLACK = 1e-3


def data_covariance(X: np.ndarray, sample_weight: np.ndarray | None = None):
    """Maximum-likelihood covariance of the rows (weighted), in float64.

    :func:`gmmkit.stats.weighted_moments` with ``ddof=0``: the scatter about
    the weighted mean divided by the total weight, the covariance a
    one-component full mixture would fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
    """
    X = np.asarray(X)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    return weighted_moments(X, w, ddof=0)[1]


def _points(count: float) -> str:
    return "point" if f"{count:.3g}" == "1" else "points"


def degeneracy(
    model: GaussianMixture,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
) -> list[str]:
    """Why a fitted mixture is degenerate; an empty list when it is not.

    Information criteria reward likelihood, and a component that sits on a
    point or two (or on a line in the plane) has a likelihood limited only
    by ``reg_covar``. Such fits can win BIC on small data although nothing
    about them is estimated, so :func:`~gmmkit.selection.select_model`
    marks them and never chooses them. With ``n`` the number of rows (the
    total sample weight if given), ``d`` the number of features and
    ``n_k = weights_[k] * n`` the effective count of component ``k``, a fit
    is degenerate when:

    * **a covariance rests on too few points**: each covariance needs at
      least one residual degree of freedom per dimension it estimates (the
      model's ``min_points``), so ``n_k >= d + 1`` for ``full`` and
      ``n_k >= 2`` for ``diag`` and ``spherical``; ``tied`` pools the
      residuals, so it needs ``n - K >= d``, and ``n_k >= 1`` to place each
      mean;
    * **a covariance is held up by reg_covar**: along some eigenvector
      ``v`` of a component's covariance, the variance the data give it (the
      eigenvalue minus ``reg_covar``) is at most ``max(reg_covar, r s)``,
      where ``s`` is the whole data set's variance along ``v``,
      ``s > 1000 reg_covar``, and ``r`` is 1e-8 for float64 data and
      100 machine epsilons (1.2e-5) for float32, whose moments are no more
      precise. Data that are themselves flat in a direction
      (collinear features) therefore do not make a fit degenerate;
    * **there are at least as many free parameters as observations**
      (``n_parameters >= n``), where the large-sample approximations behind
      BIC, AIC and ICL do not hold.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    X : ndarray of shape (n_samples, n_features)
        The validated data it was fitted to.
    sample_weight : ndarray of shape (n_samples,), optional
    covariance : ndarray of shape (n_features, n_features), optional
        :func:`data_covariance` of ``X``, when already computed.

    Returns
    -------
    reasons : list of str
        One sentence per rule broken; empty for a healthy fit.
    """
    n_features = X.shape[1]
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    if covariance is None:
        covariance = data_covariance(X, sample_weight)
    cov_model = covariance_model(model.covariance_type)
    reasons = _too_few_points(model, cov_model, n, n_features)
    flat, spread = _held_up_by_reg_covar(model, covariance)
    if flat.size:
        shared = f"the {cov_model.name} covariance"
        who = shared if cov_model.shared else _components(flat)
        reasons.append(
            f"{who} is flat (variance at the reg_covar floor, {model.reg_covar:g}) "
            f"in a direction in which the data vary by {spread:.3g}"
        )
    n_parameters = model._n_parameters()
    if n_parameters >= n:
        reasons.append(f"{n_parameters} free parameters for {n:g} observations")
    return reasons


def _too_few_points(
    model: GaussianMixture, cov_model: CovarianceModel, n: float, n_features: int
) -> list[str]:
    """The first rule of :func:`degeneracy`: components on too few points.

    A shared covariance also needs ``n_features`` residual degrees of freedom
    over all components.
    """
    counts = np.asarray(model.weights_, dtype=np.float64) * n
    reasons = []
    need = cov_model.min_points(n_features)
    thin = np.flatnonzero(counts < need - _COUNT_SLACK)
    if thin.size:
        what = (
            "to place a mean"
            if cov_model.shared
            else f"to estimate a {cov_model.name} covariance in {n_features}-D"
        )
        reasons.append(
            f"{_components(thin)} rest{'s' if thin.size == 1 else ''} on as few as "
            f"{counts[thin].min():.3g} {_points(counts[thin].min())} of data; "
            f"{need} are needed {what}"
        )
    residual = n - model.n_components
    if cov_model.shared and residual < n_features - _COUNT_SLACK:
        reasons.append(
            f"{n:g} observations less {model.n_components} means leave {residual:g} "
            f"degrees of freedom for the {cov_model.name} covariance, fewer than its "
            f"{n_features} dimensions"
        )
    return reasons


def _components(indices: np.ndarray) -> str:
    listed = ", ".join(str(int(k)) for k in indices[:6])
    more = f" and {indices.size - 6} more" if indices.size > 6 else ""
    return f"component{'s' if indices.size > 1 else ''} {listed}{more}"


def _held_up_by_reg_covar(model: GaussianMixture, covariance: np.ndarray):
    """Components flat where the data are not, and the data's variance there."""
    K, d = model.means_.shape
    stored = np.asarray(model.covariances_)
    cov_model = covariance_model(model.covariance_type)
    full = np.asarray(cov_model.to_full(stored, K, d), dtype=np.float64)
    if cov_model.shared:
        full = full[:1]  # one matrix, broadcast to every component
    eigenvalues, vectors = np.linalg.eigh(full)
    data_variance = np.einsum("kij,il,klj->kj", vectors, covariance, vectors)
    reg = float(model.reg_covar)
    relative = max(_FLOOR_RELATIVE, 100 * float(np.finfo(stored.dtype).eps))
    own = eigenvalues - reg
    flat = (own <= np.maximum(reg, relative * data_variance)) & (
        data_variance > _FLOOR_SPREAD * reg
    )
    rows = np.flatnonzero(flat.any(axis=1))
    spread = float(data_variance[flat].max()) if rows.size else 0.0
    return rows, spread
