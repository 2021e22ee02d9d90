"""Parity with scikit-learn's GaussianMixture from the same starting parameters."""

import warnings

import numpy as np
import pytest
from conftest import start_params, three_clusters
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmmkit import GaussianMixture

RTOL = 1e-8


def fit_both(X, covariance_type, **kwargs):
    params = dict(n_components=3, covariance_type=covariance_type, **kwargs)
    params.update(start_params(X, covariance_type))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GaussianMixture(**params).fit(X)
        theirs = SklearnGaussianMixture(**params).fit(X)
    return ours, theirs


@pytest.mark.parametrize("max_iter", [1, 10])
def test_parameters_match_after_fixed_iterations(covariance_type, max_iter):
    X, _ = three_clusters()
    ours, theirs = fit_both(X, covariance_type, max_iter=max_iter, tol=0.0)
    assert ours.n_iter_ == theirs.n_iter_ == max_iter
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=RTOL, atol=0, err_msg=name
        )
    np.testing.assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-12)
    np.testing.assert_allclose(ours.history_, theirs.lower_bounds_, rtol=1e-12)


def test_parameters_match_at_convergence(covariance_type):
    X, _ = three_clusters()
    ours, theirs = fit_both(X, covariance_type, max_iter=500, tol=1e-10)
    assert ours.converged_ and theirs.converged_
    assert ours.n_iter_ == theirs.n_iter_
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=RTOL, atol=0, err_msg=name
        )


def test_scores_and_criteria_match(covariance_type):
    X, _ = three_clusters()
    X_new, _ = three_clusters(n_samples=150, seed=7)
    ours, theirs = fit_both(X, covariance_type, max_iter=50, tol=1e-8)
    np.testing.assert_allclose(ours.score(X_new), theirs.score(X_new), rtol=1e-10)
    np.testing.assert_allclose(
        ours.score_samples(X_new), theirs.score_samples(X_new), rtol=1e-10
    )
    np.testing.assert_allclose(
        ours.predict_proba(X_new), theirs.predict_proba(X_new), rtol=1e-8, atol=1e-12
    )
    np.testing.assert_array_equal(ours.predict(X_new), theirs.predict(X_new))
    np.testing.assert_allclose(ours.bic(X_new), theirs.bic(X_new), rtol=1e-10)
    np.testing.assert_allclose(ours.aic(X_new), theirs.aic(X_new), rtol=1e-10)
    assert ours._n_parameters() == theirs._n_parameters()


def test_n_parameters_table():
    # K = 3 components, d = 4 features: K*d means and K-1 weights, plus
    # full K*d(d+1)/2, tied d(d+1)/2, diag K*d, spherical K.
    X = np.random.default_rng(0).normal(size=(50, 4))
    expected = {
        "full": 12 + 2 + 30,
        "tied": 12 + 2 + 10,
        "diag": 12 + 2 + 12,
        "spherical": 12 + 2 + 3,
    }
    for covariance_type, n in expected.items():
        gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
        assert gm._n_parameters() == n


def test_float32_matches_float64_fit(covariance_type):
    X, _ = three_clusters(n_samples=2000)
    params = dict(n_components=3, covariance_type=covariance_type, max_iter=20, tol=0.0)
    params.update(start_params(X, covariance_type))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours64 = GaussianMixture(**params).fit(X)
        ours32 = GaussianMixture(**params).fit(X.astype(np.float32))
    assert ours32.means_.dtype == np.float32
    assert ours32.score_samples(X.astype(np.float32)).dtype == np.float32
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(ours32, name), getattr(ours64, name), rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize(
    ("n_samples", "n_features", "n_components"),
    [(3000, 2, 5), (2000, 16, 6), (1500, 32, 4)],
)
def test_twenty_iterations_match_on_benchmark_shapes(
    covariance_type, n_samples, n_features, n_components
):
    # The benchmark's setting on small sizes: same start, exactly 20 iterations.
    rng = np.random.default_rng(n_features)
    centres = rng.normal(scale=3.0, size=(n_components, n_features))
    X = centres[rng.integers(0, n_components, n_samples)] + rng.normal(
        size=(n_samples, n_features)
    )
    start = start_params(X, covariance_type, n_components=n_components)
    params = dict(
        n_components=n_components,
        covariance_type=covariance_type,
        max_iter=20,
        tol=0.0,
        **start,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GaussianMixture(**params).fit(X)
        theirs = SklearnGaussianMixture(**params).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=RTOL, atol=0, err_msg=name
        )
