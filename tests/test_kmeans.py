"""Our KMeans against scikit-learn's, and its own guarantees."""

import numpy as np
import pytest
from conftest import three_clusters
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.metrics import adjusted_rand_score

from gmmkit import KMeans
from gmmkit.kmeans import kmeans_plusplus


def test_lloyd_from_given_centers_matches_scikit_learn():
    X, _ = three_clusters(n_samples=500, seed=1)
    centers = X[[0, 1, 2]]
    ours = KMeans(3, init=centers, tol=0.0).fit(X)
    theirs = SklearnKMeans(3, init=centers, n_init=1, tol=0.0, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(
        ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10
    )
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-10)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)


def test_recovers_clusters_and_inertia_is_competitive():
    X, y = three_clusters(n_samples=900, seed=2)
    ours = KMeans(3, n_init=5, random_state=0).fit(X)
    theirs = SklearnKMeans(3, n_init=5, random_state=0).fit(X)
    assert adjusted_rand_score(y, ours.labels_) > 0.85
    assert ours.inertia_ <= theirs.inertia_ * 1.001
    np.testing.assert_array_equal(ours.predict(X), ours.labels_)
    np.testing.assert_allclose(-ours.score(X), ours.inertia_, rtol=1e-12)


def test_integer_weights_equal_repeated_rows_from_the_same_start():
    X, _ = three_clusters(n_samples=200, seed=3)
    counts = np.random.default_rng(0).integers(0, 4, len(X))
    centers = X[counts > 0][:3]
    weighted = KMeans(3, init=centers).fit(X, sample_weight=counts)
    repeated = KMeans(3, init=centers).fit(np.repeat(X, counts, axis=0))
    np.testing.assert_allclose(
        weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-12
    )
    np.testing.assert_allclose(weighted.inertia_, repeated.inertia_, rtol=1e-12)


def test_kmeans_plusplus_spreads_seeds():
    # Four tight, far-apart groups: k-means++ must put one seed in each.
    rng = np.random.default_rng(0)
    corners = np.array([[0, 0], [100, 0], [0, 100], [100, 100]], dtype=float)
    X = np.repeat(corners, 50, axis=0) + rng.normal(scale=0.1, size=(200, 2))
    for seed in range(10):
        centers, indices = kmeans_plusplus(X, 4, random_state=seed)
        assert len(set((indices // 50).tolist())) == 4
        np.testing.assert_array_equal(centers, X[indices])


def test_empty_cluster_is_relocated():
    # A start with a center far from every point leaves it empty at first.
    X, _ = three_clusters(n_samples=300, seed=4)
    centers = np.vstack([X[:2], [[1e6, 1e6, 1e6]]])
    km = KMeans(3, init=centers).fit(X)
    assert np.all(np.abs(km.cluster_centers_) < 100)
    assert len(np.unique(km.labels_)) == 3


def test_transform_gives_distances():
    X, _ = three_clusters(n_samples=100)
    km = KMeans(3, random_state=0).fit(X)
    distances = km.transform(X)
    expected = np.linalg.norm(X[:, None, :] - km.cluster_centers_[None], axis=2)
    np.testing.assert_allclose(distances, expected, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_reproducible_with_seed(init):
    X, _ = three_clusters(n_samples=200)
    a = KMeans(3, init=init, random_state=5).fit(X)
    b = KMeans(3, init=init, random_state=5).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
