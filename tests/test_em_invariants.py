"""Invariants of EM: monotone likelihood, weights as repetition, chunking, merging."""

import warnings

import numpy as np
import pytest
from conftest import start_params, three_clusters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmmkit import GaussianMixture
from gmmkit.engine import e_step
from gmmkit.families.gaussian import m_step
from gmmkit.stats import SuffStats


def fit(X, covariance_type, sample_weight=None, start_from=None, **kwargs):
    """Fit from deterministic starting parameters drawn from ``start_from``."""
    params = dict(n_components=3, covariance_type=covariance_type, tol=0.0)
    params.update(
        start_params(X if start_from is None else start_from, covariance_type)
    )
    params.update(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixture(**params).fit(X, sample_weight=sample_weight)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("init_params", ["kmeans", "random"])
def test_log_likelihood_never_decreases(covariance_type, weighted, init_params):
    X, _ = three_clusters(seed=3)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.1, 3.0, len(X)) if weighted else None
    gm = GaussianMixture(
        3,
        covariance_type=covariance_type,
        init_params=init_params,
        max_iter=60,
        tol=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X, sample_weight=weights)
    history = np.asarray(gm.history_)
    assert len(history) == 60
    # EM cannot lower the likelihood; allow only floating-point noise.
    assert np.all(np.diff(history) >= -1e-12 * np.abs(history[1:]))
    assert history[-1] > history[0]


def test_integer_weights_equal_repeated_rows(covariance_type):
    X, _ = three_clusters(n_samples=200, seed=5)
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    weighted = fit(X, covariance_type, sample_weight=counts, max_iter=15)
    repeated = fit(
        np.repeat(X, counts, axis=0), covariance_type, start_from=X, max_iter=15
    )
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(weighted, name), getattr(repeated, name), rtol=1e-10, atol=1e-12
        )
    np.testing.assert_allclose(weighted.history_, repeated.history_, rtol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 7, None])
def test_chunked_fit_equals_whole_fit(covariance_type, chunk_size):
    X, _ = three_clusters(n_samples=300, seed=4)
    whole = fit(X, covariance_type, chunk_size=len(X), max_iter=10)
    chunked = fit(X, covariance_type, chunk_size=chunk_size, max_iter=10)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(chunked, name), getattr(whole, name), rtol=1e-10, atol=1e-12
        )
    np.testing.assert_allclose(chunked.history_, whole.history_, rtol=1e-12)


def test_statistics_merge_exactly(covariance_type):
    X, _ = three_clusters(n_samples=301, seed=6)
    params = fit(X, covariance_type, max_iter=2)._params()
    whole = e_step(params, X)
    parts = [e_step(params, part) for part in np.array_split(X, 4)]
    merged = sum(parts)
    assert isinstance(merged, SuffStats)
    assert merged.n_samples == whole.n_samples == len(X)
    for name in ("nk", "sum_dx", "sum_dxx"):
        np.testing.assert_allclose(
            getattr(merged, name), getattr(whole, name), rtol=1e-12, atol=1e-9
        )
    np.testing.assert_allclose(merged.log_likelihood, whole.log_likelihood, rtol=1e-13)
    a = m_step(merged, covariance_type, 1e-6, 1e-15)
    b = m_step(whole, covariance_type, 1e-6, 1e-15)
    np.testing.assert_allclose(a.covariances, b.covariances, rtol=1e-10)


def test_merging_statistics_of_different_parameters_is_refused():
    X, _ = three_clusters(n_samples=100)
    first = fit(X, "full", max_iter=1)._params()
    second = fit(X, "full", max_iter=3)._params()
    with pytest.raises(ValueError, match="different parameters"):
        e_step(first, X) + e_step(second, X)


def test_float32_second_moments_keep_their_digits(covariance_type):
    # Data far from the origin: raw x x^T accumulation in float32 would lose
    # every digit of a unit variance at an offset of 1e4 (scikit-learn's
    # float32 tied, diag and spherical fits fail outright on these data).
    X, _ = three_clusters(n_samples=4000, seed=8)
    X = X + 1e4
    f64 = fit(X, covariance_type, max_iter=5)
    f32 = fit(X.astype(np.float32), covariance_type, max_iter=5)
    error = np.abs(f32.covariances_ - f64.covariances_).max()
    assert error < 1e-3 * np.abs(f64.covariances_).max()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    covariance_type=st.sampled_from(["full", "tied", "diag", "spherical"]),
)
def test_responsibilities_sum_to_one(seed, covariance_type):
    X, _ = three_clusters(n_samples=120, seed=seed)
    gm = fit(X, covariance_type, max_iter=5)
    rng = np.random.default_rng(seed)
    probe = rng.normal(scale=rng.uniform(0.1, 50.0), size=(40, 3))
    resp = gm.predict_proba(probe)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(resp >= 0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), covariance_type=st.sampled_from(["full", "diag"]))
def test_predictions_do_not_depend_on_row_order(seed, covariance_type):
    X, _ = three_clusters(n_samples=150, seed=seed)
    order = np.random.default_rng(seed).permutation(len(X))
    gm = fit(X, covariance_type, max_iter=20)
    permuted = fit(X[order], covariance_type, start_from=X, max_iter=20)
    np.testing.assert_allclose(permuted.means_, gm.means_, rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(permuted.predict(X), gm.predict(X))
    np.testing.assert_allclose(gm.score_samples(X)[order], gm.score_samples(X[order]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    offset=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3),
    covariance_type=st.sampled_from(["full", "tied", "diag", "spherical"]),
)
def test_shifting_the_data_shifts_the_means(seed, offset, covariance_type):
    X, _ = three_clusters(n_samples=150, seed=seed)
    offset = np.asarray(offset)
    start = start_params(X, covariance_type)
    base = fit(X, covariance_type, max_iter=15, **start)
    start["means_init"] = start["means_init"] + offset
    moved = fit(X + offset, covariance_type, max_iter=15, **start)
    np.testing.assert_allclose(moved.means_, base.means_ + offset, rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(
        moved.covariances_, base.covariances_, rtol=1e-7, atol=1e-9
    )
    np.testing.assert_allclose(moved.weights_, base.weights_, rtol=1e-8)
