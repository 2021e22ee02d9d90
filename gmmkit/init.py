"""Starting points for EM: k-means, k-means++, random, random_from_data, hc, user.

Every data-driven start produces responsibilities; one M-step turns them
into parameters. Starts that pick seed points (``k-means++``,
``random_from_data``) assign every row to its nearest seed, so the first
covariances already reflect the data rather than ``reg_covar`` alone.
``hc`` is mclust's default start: the partition of a model-based
agglomerative hierarchical clustering (:mod:`gmmkit.hierarchical`),
deterministic unless there are more rows than it builds its tree on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .covariance import covariance_model
from .families.gaussian import MixtureParams, m_step, stats_from_responsibilities
from .hierarchical import hierarchical_labels
from .kmeans import KMeans, kmeans_plusplus, nearest_center

INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data", "hc")
#: The starts that differ from seed to seed ("hc" is deterministic).
RANDOMISED_INITS = ("kmeans", "k-means++", "random", "random_from_data")


def _one_hot(labels: np.ndarray, n_components: int, dtype) -> Callable:
    def responsibilities(rows: slice) -> np.ndarray:
        chunk = labels[rows]
        out = np.zeros((len(chunk), n_components), dtype=dtype)
        out[np.arange(len(chunk)), chunk] = 1.0
        return out

    return responsibilities


def initial_responsibilities(
    X: np.ndarray,
    n_components: int,
    method: str,
    rng: np.random.Generator,
    sample_weight: np.ndarray | None = None,
) -> Callable[[slice], np.ndarray]:
    """Responsibilities to start EM from.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : int
    method : {"kmeans", "k-means++", "random", "random_from_data", "hc"}
        ``"hc"``: the hierarchical partition, see
        :func:`gmmkit.hierarchical.hierarchical_labels` (``rng`` draws its
        subsample on large data; rows of zero weight never seed a cluster).
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    responsibilities : callable
        ``responsibilities(rows) -> ndarray of shape (n_rows, n_components)``.
    """
    if method == "kmeans":
        labels = (
            KMeans(n_clusters=n_components, n_init=1, random_state=rng)
            .fit(X, sample_weight=sample_weight)
            .labels_
        )
    elif method == "k-means++":
        seeds, _ = kmeans_plusplus(X, n_components, rng, sample_weight)
        labels = nearest_center(X, seeds)[0]
    elif method == "random_from_data":
        candidates = np.arange(X.shape[0])
        if sample_weight is not None:
            candidates = np.flatnonzero(sample_weight > 0)
        seeds = X[rng.choice(candidates, size=n_components, replace=False)]
        labels = nearest_center(X, seeds)[0]
    elif method == "hc":
        labels = hierarchical_labels(X, n_components, rng, sample_weight)
    elif method == "random":
        resp = rng.uniform(size=(X.shape[0], n_components)).astype(X.dtype)
        resp /= resp.sum(axis=1, keepdims=True)
        return lambda rows: resp[rows]
    else:  # pragma: no cover - validated by the estimator
        raise ValueError(f"Unknown init_params {method!r}.")
    return _one_hot(labels, n_components, X.dtype)


def needs_data(initial: dict) -> bool:
    """Whether a start needs the data: not all of the initial values are given.

    Parameters
    ----------
    initial : dict
        ``weights_init``, ``means_init`` and ``precisions_init`` (None when
        not given), as :func:`gmmkit._validation.check_initial_values` returns.

    Returns
    -------
    needed : bool
    """
    return any(value is None for value in initial.values())


def initial_params(
    X: np.ndarray,
    n_components: int,
    covariance_type: str,
    *,
    init_params: str,
    reg_covar: float,
    rng: np.random.Generator,
    sample_weight: np.ndarray | None = None,
    chunk_size: int | None = None,
    weights_init: np.ndarray | None = None,
    means_init: np.ndarray | None = None,
    precisions_init: np.ndarray | None = None,
) -> MixtureParams:
    """Parameters to start EM from, honouring any user-given ones.

    When all of ``weights_init``, ``means_init`` and ``precisions_init`` are
    given the data are not used. When ``means_init`` is given, rows are
    assigned to their nearest given mean to estimate whatever else is
    missing; otherwise ``init_params`` produces the responsibilities.

    Returns
    -------
    params : MixtureParams
        Float64 parameters.
    """
    model = covariance_model(covariance_type)
    eps = 10 * np.finfo(X.dtype).eps
    if (
        weights_init is not None
        and means_init is not None
        and precisions_init is not None
    ):
        covariances = model.covariances_from_precisions(precisions_init)
        return MixtureParams(
            weights=np.asarray(weights_init, dtype=np.float64),
            means=np.asarray(means_init, dtype=np.float64),
            covariances=covariances,
            precisions_cholesky=model.cholesky_from_precisions(precisions_init),
            covariance_type=covariance_type,
        )
    if means_init is not None:
        labels = nearest_center(X, np.asarray(means_init, dtype=X.dtype))[0]
        responsibilities = _one_hot(labels, n_components, X.dtype)
    else:
        responsibilities = initial_responsibilities(
            X, n_components, init_params, rng, sample_weight
        )
    stats = stats_from_responsibilities(
        X, responsibilities, covariance_type, sample_weight, chunk_size
    )
    start = m_step(stats, covariance_type, reg_covar, eps)
    weights = start.weights if weights_init is None else np.asarray(weights_init, float)
    means = start.means if means_init is None else np.asarray(means_init, float)
    if precisions_init is None:
        return MixtureParams(
            weights=weights,
            means=means,
            covariances=start.covariances,
            precisions_cholesky=start.precisions_cholesky,
            covariance_type=covariance_type,
        )
    return MixtureParams(
        weights=weights,
        means=means,
        covariances=model.covariances_from_precisions(precisions_init),
        precisions_cholesky=model.cholesky_from_precisions(precisions_init),
        covariance_type=covariance_type,
    )


def background_candidates(
    X: np.ndarray, rng: np.random.Generator, n_neighbors: int = 10
) -> np.ndarray:
    """Rows that look like background noise: isolated from their neighbours.

    A row is flagged when the log-distance to its ``n_neighbors``-th nearest
    neighbour is more than 3 robust standard deviations (median absolute
    deviation) above the median. Used to start a fit with a uniform
    background component: the Gaussians start from the other rows, so that
    far-away outliers do not pull a k-means centre to themselves.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    rng : numpy.random.Generator
        Picks the reference rows when there are more than 20 000.
    n_neighbors : int, default=10

    Returns
    -------
    mask : ndarray of shape (n_samples,) of bool
    """
    from scipy.spatial import cKDTree

    reference = X
    if len(X) > 20_000:
        reference = X[rng.choice(len(X), 20_000, replace=False)]
    k = min(n_neighbors, len(reference) - 1)
    if k < 1:
        return np.zeros(len(X), dtype=bool)
    # k + 1: a row of the reference set is its own nearest neighbour.
    distances, _ = cKDTree(reference).query(X, k=k + 1)
    log_distance = np.log(np.maximum(distances[:, -1], np.finfo(float).tiny))
    median = np.median(log_distance)
    spread = 1.4826 * np.median(np.abs(log_distance - median))
    if spread == 0.0:
        return np.zeros(len(X), dtype=bool)
    return log_distance > median + 3.0 * spread
