"""The hierarchical start against mclust 6.0.0's hc() (tests/data/mclust/hc.json).

The fixture is written by tests/data/mclust/hc.R; these tests never run R.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import gmmkit.hierarchical as hierarchical
from gmmkit import GaussianMixture
from gmmkit.datasets import load_old_faithful
from gmmkit.hierarchical import (
    HierarchicalStart,
    MergeTree,
    hierarchical_labels,
    svd_transform,
)

FIXTURE = Path(__file__).parent / "data" / "mclust" / "hc.json"
KS = range(1, 10)


@pytest.fixture(scope="module")
def reference():
    return json.loads(FIXTURE.read_text())


@pytest.fixture(scope="module")
def data(reference):
    return {
        name: np.array(rows, dtype=float) for name, rows in reference["data"].items()
    }


@pytest.fixture(scope="module")
def trees(data):
    return {
        (name, use): MergeTree(X, transform="svd" if use == "SVD" else "none")
        for name, X in data.items()
        for use in ("SVD", "VARS")
    }


def same_partition(a, b):
    """Equal up to relabelling: the label pairs form a one-to-one mapping."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def mclust_pairs(tree):
    """The tree's merges in hc()'s convention: the smallest rows (1-based)
    of the two merged clusters, smaller first."""
    n = tree.n_samples_
    smallest = list(range(n)) + [0] * (n - 1)
    pairs = []
    for step, (a, b) in enumerate(tree.merges_):
        smallest[n + step] = min(smallest[a], smallest[b])
        pairs.append(sorted((smallest[a] + 1, smallest[b] + 1)))
    return pairs


def test_same_partition_is_not_trivially_true():
    assert same_partition([0, 0, 1, 2], [5, 5, 3, 4])
    assert not same_partition([0, 0, 1, 1], [0, 1, 1, 1])
    assert not same_partition([0, 1, 1, 1], [0, 0, 1, 1])


def test_fixture_data_are_the_bundled_faithful(reference, data):
    assert reference["mclust_version"] == "6.0.0"
    assert reference["model"] == "VVV" and reference["default_use"] == "SVD"
    np.testing.assert_array_equal(data["faithful"], load_old_faithful())
    assert data["iris"].shape == (150, 4)


@pytest.mark.parametrize("use", ["SVD", "VARS"])
@pytest.mark.parametrize("name", ["faithful", "iris"])
def test_partitions_equal_mclust(reference, trees, name, use):
    tree = trees[name, use]
    for K in KS:
        expected = reference["partitions"][name][use][str(K)]
        assert same_partition(tree.cut(K), expected), (name, use, K)
        # hclass numbers clusters by first appearance, and so does cut().
        np.testing.assert_array_equal(tree.cut(K) + 1, expected)


@pytest.mark.parametrize("name", ["faithful", "iris"])
def test_every_merge_equals_mclust(reference, trees, name):
    assert mclust_pairs(trees[name, "SVD"]) == reference["merges"][name]


def test_exact_scatter_departs_from_mclust_on_raw_faithful(reference, data):
    # mclust 6.0.0 rebuilds older clusters' scatter from one stored row; the
    # default reproduces that. The exact criterion gives other partitions
    # on the untransformed data, which shows the reproduction is needed.
    exact = MergeTree(data["faithful"], transform="none", exact_scatter=True)
    expected = reference["partitions"]["faithful"]["VARS"]
    assert not all(same_partition(exact.cut(K), expected[str(K)]) for K in KS)
    svd = MergeTree(data["faithful"], exact_scatter=True)
    expected = reference["partitions"]["faithful"]["SVD"]
    assert all(same_partition(svd.cut(K), expected[str(K)]) for K in KS)


def test_same_call_gives_same_labels(data):
    X = data["iris"]
    first = hierarchical_labels(X, 3, np.random.default_rng(0))
    second = hierarchical_labels(X, 3, np.random.default_rng(99))
    np.testing.assert_array_equal(first, second)


def test_cut_gives_exactly_k_nonempty_clusters_and_nests(trees):
    tree = trees["faithful", "SVD"]
    n = tree.n_samples_
    previous = tree.cut(1)
    assert set(previous.tolist()) == {0}
    for K in [*range(2, 30), n - 1, n]:
        labels = tree.cut(K)
        assert labels.shape == (n,)
        assert sorted(set(labels.tolist())) == list(range(K))
        if K <= 30:  # refines the previous cut: each cluster within one parent
            for cluster in range(K):
                assert len(set(previous[labels == cluster].tolist())) == 1
            previous = labels
    assert len(set(tree.cut(n).tolist())) == n


def test_svd_transform_whitens_to_the_singular_values(data):
    Z = svd_transform(data["iris"])
    gram = Z.T @ Z
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-10)
    scaled = (data["iris"] - data["iris"].mean(0)) / data["iris"].std(0, ddof=1)
    singular = np.linalg.svd(scaled, compute_uv=False)
    np.testing.assert_allclose(np.diag(gram), singular, rtol=1e-12)


CENTRES = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0]])


def blobs(n, seed=0):
    rng = np.random.default_rng(seed)
    return CENTRES[rng.integers(0, 3, n)] + rng.normal(size=(n, 2))


def test_subsample_is_deterministic_per_seed_and_labels_every_row():
    X = blobs(700)
    first = HierarchicalStart(X, np.random.default_rng(5), max_rows=150)
    again = HierarchicalStart(X, np.random.default_rng(5), max_rows=150)
    other = HierarchicalStart(X, np.random.default_rng(6), max_rows=150)
    assert first.rows_.size == 150
    np.testing.assert_array_equal(first.rows_, again.rows_)
    assert not np.array_equal(first.rows_, other.rows_)
    for K in (1, 3, 5):
        labels = first.labels(K)
        np.testing.assert_array_equal(labels, again.labels(K))
        assert labels.shape == (700,)
        assert sorted(set(labels.tolist())) == list(range(K))
        # the tree's rows keep the tree's clusters
        np.testing.assert_array_equal(labels[first.rows_], first.tree_.cut(K))
    # three well separated blobs: the other rows follow their blob
    truth = np.argmin([np.sum((X - c) ** 2, 1) for c in CENTRES], axis=0)
    assert same_partition(first.labels(3), truth)


def test_hierarchical_labels_subsamples_above_the_threshold(monkeypatch):
    monkeypatch.setattr(hierarchical, "MAX_TREE_ROWS", 120)
    X = blobs(400, seed=1)
    a = hierarchical_labels(X, 3, np.random.default_rng(0))
    b = hierarchical_labels(X, 3, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    assert sorted(set(a.tolist())) == [0, 1, 2]
    start = HierarchicalStart(X, np.random.default_rng(0))
    assert start.rows_.size == 120


def test_gaussian_mixture_hc_start_on_faithful():
    X = load_old_faithful()
    assert X.shape[0] <= hierarchical.MAX_TREE_ROWS
    a = GaussianMixture(3, init_params="hc", random_state=0).fit(X)
    b = GaussianMixture(3, init_params="hc", random_state=12345).fit(X)
    assert a.converged_
    np.testing.assert_array_equal(a.means_, b.means_)
    np.testing.assert_array_equal(a.covariances_, b.covariances_)
    assert a.n_iter_ == b.n_iter_


def test_zero_weight_rows_never_form_a_cluster_on_their_own():
    X = load_old_faithful()
    outliers = np.array([[40.0, 400.0], [-40.0, -300.0], [45.0, -350.0]])
    Xo = np.vstack([X, outliers])
    far = np.arange(len(X), len(Xo))
    # Unweighted, the far rows make clusters of their own ...
    for K in (4, 6):
        plain = hierarchical_labels(Xo, K, np.random.default_rng(0))
        assert any(set(np.flatnonzero(plain == plain[i])) <= set(far) for i in far)
    # ... with zero weight they never seed one.
    weights = np.ones(len(Xo))
    weights[far] = 0.0
    for K in (2, 4, 6):
        labels = hierarchical_labels(Xo, K, np.random.default_rng(0), weights)
        assert sorted(set(labels.tolist())) == list(range(K))
        for cluster in range(K):
            assert np.any(weights[labels == cluster] > 0), (K, cluster)
    fit = GaussianMixture(4, init_params="hc").fit(Xo, sample_weight=weights)
    assert np.all(np.isfinite(fit.means_))


def test_bad_input_gives_clear_errors():
    X = blobs(10)
    with pytest.raises(ValueError, match="distinct rows"):
        hierarchical_labels(X, 11, np.random.default_rng(0))
    with pytest.raises(ValueError, match="distinct rows"):
        hierarchical_labels(np.vstack([X[:3]] * 4), 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="between 1"):
        hierarchical_labels(X, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="between 1 and the 10 rows"):
        MergeTree(X).cut(11)
    with pytest.raises(ValueError, match="NaN"):
        hierarchical_labels(np.where(X > 5, np.nan, X), 2, None)
    with pytest.raises(ValueError, match="positive weight"):
        hierarchical_labels(X, 2, None, np.zeros(10))
    with pytest.raises(ValueError, match="2-D"):
        MergeTree(np.arange(5.0))
    with pytest.raises(ValueError, match="transform"):
        MergeTree(X, transform="pca")


@pytest.mark.parametrize("transform", ["svd", "none"])
def test_input_is_left_alone(transform):
    for X in (blobs(40), blobs(40)[:, :1].copy()):  # one column: X.T contiguous
        before = X.copy()
        MergeTree(X, transform=transform).cut(3)
        HierarchicalStart(X, 0, max_rows=20, transform=transform).labels(3)
        np.testing.assert_array_equal(X, before)
