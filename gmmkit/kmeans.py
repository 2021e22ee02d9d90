"""A small k-means of our own: k-means++ seeding and chunked Lloyd iterations.

Used to initialise mixtures and to compare GMMs with k-means.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ._estimator import BaseEstimator, model_file_estimator
from ._validation import (
    Constraints,
    Integer,
    Real,
    Rule,
    as_generator,
    check_data,
    check_int_or_auto,
    check_sample_weight,
    choice_or_array,
)
from .engine import iter_chunks

_CHUNK_ROWS = 4096


def _squared_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances, shape (n_samples, n_centers), clipped at 0."""
    out = X @ (-2.0 * centers.T)
    out += np.einsum("ij,ij->i", X, X)[:, None]
    out += np.einsum("ij,ij->i", centers, centers)
    np.maximum(out, 0.0, out=out)
    return out


def nearest_center(X: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest center and the squared distance to it, chunked.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    centers : ndarray of shape (n_centers, n_features)

    Returns
    -------
    labels : ndarray of shape (n_samples,), int
    distances : ndarray of shape (n_samples,)
        Squared distance to the nearest center.
    """
    labels = np.empty(X.shape[0], dtype=np.intp)
    distances = np.empty(X.shape[0], dtype=X.dtype)
    centers = centers.astype(X.dtype, copy=False)
    for rows in iter_chunks(X.shape[0], _CHUNK_ROWS):
        d2 = _squared_distances(X[rows], centers)
        labels[rows] = np.argmin(d2, axis=1)
        distances[rows] = d2[np.arange(len(d2)), labels[rows]]
    return labels, distances


def kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    random_state: Any = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose initial centers by greedy k-means++ seeding.

    Each new center is the best (lowest resulting potential) of
    ``2 + log(n_clusters)`` candidates drawn with probability proportional
    to the squared distance to the nearest center chosen so far.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    random_state : None, int or Generator
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Rows of ``X`` chosen as centers.
    """
    rng = as_generator(random_state)
    n_samples = X.shape[0]
    weights = np.ones(n_samples) if sample_weight is None else sample_weight
    weights = weights.astype(np.float64)
    n_trials = 2 + int(np.log(n_clusters))
    first = rng.choice(n_samples, p=weights / weights.sum())
    indices = [first]
    closest = _squared_distances(X, X[[first]])[:, 0].astype(np.float64)
    for _ in range(1, n_clusters):
        potential = weights * closest
        total = potential.sum()
        if total <= 0:  # every point coincides with a center: take any
            candidates = rng.choice(n_samples, size=n_trials)
        else:
            cumulative = np.cumsum(potential)
            draws = rng.random(n_trials) * cumulative[-1]
            candidates = np.searchsorted(cumulative, draws)
            candidates = np.minimum(candidates, n_samples - 1)
        candidate_d2 = _squared_distances(X, X[candidates]).astype(np.float64)
        np.minimum(candidate_d2, closest[:, None], out=candidate_d2)
        best = int(np.argmin(weights @ candidate_d2))
        closest = candidate_d2[:, best]
        indices.append(int(candidates[best]))
    indices = np.asarray(indices)
    return X[indices].copy(), indices


def _update_centers(X, labels, weights, n_clusters, distances, centers):
    """Weighted means per cluster; empty clusters move to the farthest points."""
    counts = np.bincount(labels, weights=weights, minlength=n_clusters)
    sums = np.empty((n_clusters, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(
            labels, weights=weights * X[:, j], minlength=n_clusters
        )
    new = centers.astype(np.float64).copy()
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled, None]
    empty = np.flatnonzero(~filled)
    if empty.size:
        farthest = np.argsort(distances)[::-1][: empty.size]
        new[empty] = X[farthest]
    return new


def lloyd(
    X: np.ndarray,
    centers: np.ndarray,
    sample_weight: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Lloyd iterations from ``centers`` until the centers stop moving.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    centers : ndarray of shape (n_clusters, n_features)
    sample_weight : ndarray of shape (n_samples,) or None
    max_iter : int
    tol : float
        Absolute tolerance on the summed squared center shift.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    labels : ndarray of shape (n_samples,)
    inertia : float
        Weighted sum of squared distances to the nearest center.
    n_iter : int
    """
    weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    n_clusters = len(centers)
    labels = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is returned
        new_labels, distances = nearest_center(X, centers)
        if labels is not None and np.array_equal(new_labels, labels):
            break  # assignments are stable: a fixed point
        labels = new_labels
        new_centers = _update_centers(
            X, labels, weights, n_clusters, distances, centers
        )
        shift = float(np.sum((new_centers - centers) ** 2))
        centers = new_centers.astype(X.dtype)
        if shift <= tol:
            break
    labels, distances = nearest_center(X, centers)
    inertia = float(weights @ distances.astype(np.float64))
    return centers, labels, inertia, n_iter


@model_file_estimator
class KMeans(BaseEstimator):
    """K-means clustering: k-means++ seeding and Lloyd iterations.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {"k-means++", "random"} or array of shape (n_clusters, n_features)
        How to choose the starting centers.
    n_init : int or "auto", default="auto"
        Number of starts; the one with the lowest inertia is kept. "auto"
        means 1 for k-means++ and user centers, 10 for random.
    max_iter : int, default=300
        Most Lloyd iterations per start.
    tol : float, default=1e-4
        Stop when the summed squared center shift is below ``tol`` times the
        mean feature variance.
    random_state : None, int, RandomState or Generator
        Seed for the starts.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
        Weighted sum of squared distances of the samples to their center.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present only when fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from gmmkit import KMeans
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_[:, 0].round(2).tolist())
    [0.05, 5.05]
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray = "k-means++",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    _parameter_constraints: ClassVar[Constraints] = {
        "n_clusters": Integer(1),
        "max_iter": Integer(1),
        "tol": Real(),
        "n_init": Rule(check_int_or_auto),
        "init": Rule(choice_or_array(("k-means++", "random"))),
    }

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "clusterer"
        tags.transformer_tags = TransformerTags()
        return tags

    def _n_starts(self) -> int:
        if self.n_init == "auto":
            return 10 if isinstance(self.init, str) and self.init == "random" else 1
        return int(self.n_init)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Cluster ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : KMeans
        """
        self._check_parameters()
        n_clusters, max_iter, tol = self.n_clusters, self.max_iter, self.tol
        n_starts = self._n_starts()
        X, names = check_data(X)
        if X.shape[0] < n_clusters:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}: "
                "use fewer clusters or more data."
            )
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        user_centers = None
        if not isinstance(self.init, str):
            user_centers = np.asarray(self.init, dtype=X.dtype)
            if user_centers.shape != (n_clusters, X.shape[1]):
                raise ValueError(
                    f"init centers must have shape {(n_clusters, X.shape[1])}, "
                    f"got {user_centers.shape}."
                )
        rng = as_generator(self.random_state)
        scale = float(np.mean(np.var(X, axis=0))) if X.shape[0] > 1 else 0.0
        best = None
        for _ in range(n_starts):
            if user_centers is not None:
                centers = user_centers
            elif self.init == "random":
                centers = X[rng.choice(X.shape[0], n_clusters, replace=False)]
            else:
                centers, _ = kmeans_plusplus(X, n_clusters, rng, weights)
            result = lloyd(X, centers, weights, max_iter, tol * scale)
            if best is None or result[2] < best[2]:
                best = result
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best
        self._remember_features(X.shape[1], names)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest center for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._validate_new(X)
        return nearest_center(X, self.cluster_centers_)[0]

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None):
        """Fit and return the labels of the training rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance of each row to each center.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        X = self._validate_new(X)
        return np.sqrt(_squared_distances(X, self.cluster_centers_.astype(X.dtype)))

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None):
        """Fit, then return the distance of each training row to each center.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Opposite of the inertia of ``X`` against the fitted centers.

        Returns
        -------
        score : float
        """
        X = self._validate_new(X)
        weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        distances = nearest_center(X, self.cluster_centers_)[1].astype(np.float64)
        if weights is None:
            return -float(distances.sum())
        return -float(weights @ distances)

    # ------------------------------------------------------------ model files
    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"cluster_centers_": (self.n_clusters, self.n_features_in_)}

    def _shape_context(self) -> str:
        return f"n_clusters={self.n_clusters} and n_features={self.n_features_in_}"

    def _check_fitted_values(self) -> None:
        labels = getattr(self, "labels_", None)
        K = self.n_clusters
        if labels is not None and (
            np.ndim(labels) != 1 or np.any(labels < 0) or np.any(labels >= K)
        ):
            raise ValueError(f"labels_ must be integers in 0..{K - 1}.")
