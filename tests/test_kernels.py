"""Both full-covariance E-step kernels give the same answers.

``full`` has two kernels (moment features, and all precision factors stacked
side by side), chosen by the shape of the problem; these tests force each in
turn and compare them with each other and with scikit-learn.
"""

import warnings

import numpy as np
import pytest
from conftest import start_params
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

import gmmkit.covariance.kernels as covariance
from gmmkit import GaussianMixture
from gmmkit.engine import e_step, iter_log_prob
from gmmkit.engine import normalise as _normalise
from gmmkit.families.gaussian import GaussianEvaluator as _Evaluator
from gmmkit.families.gaussian import params_from_covariances

KERNELS = ("features", "stacked")
N_FEATURES, N_COMPONENTS = 24, 3  # the automatic rule picks "stacked" here


@pytest.fixture(params=KERNELS)
def kernel(request, monkeypatch):
    monkeypatch.setattr(covariance, "_FULL_KERNEL", request.param)
    return request.param


def clustered(n_samples=1500, n_features=N_FEATURES, seed=0):
    """Three correlated clusters in ``n_features`` dimensions."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_COMPONENTS, n_samples)
    centres = rng.normal(scale=3.0, size=(N_COMPONENTS, n_features))
    mixing = rng.normal(size=(N_COMPONENTS, n_features, n_features)) / np.sqrt(
        n_features
    )
    noise = rng.standard_normal((n_samples, n_features))
    return centres[labels] + np.einsum("ni,nij->nj", noise, mixing[labels]) + noise


def some_params(X, noise_weight=0.0):
    """Distinct, well-conditioned parameters (a background when asked)."""
    rng = np.random.default_rng(1)
    d = X.shape[1]
    means = X[rng.choice(len(X), N_COMPONENTS, replace=False)].astype(np.float64)
    base = np.cov(X.T.astype(np.float64))
    covariances = np.stack(
        [base * (1.0 + 0.3 * k) + 0.2 * np.eye(d) for k in range(N_COMPONENTS)]
    )
    weights = np.array([0.2, 0.3, 0.5]) * (1.0 - noise_weight)
    return params_from_covariances(
        weights,
        means,
        covariances,
        "full",
        noise_weight=noise_weight,
        noise_log_density=-2.0 * d if noise_weight else None,
    )


def stats_by_kernel(monkeypatch, X, params, **kwargs):
    stats = {}
    for name in KERNELS:
        monkeypatch.setattr(covariance, "_FULL_KERNEL", name)
        stats[name] = e_step(params, X, **kwargs)
    return stats["features"], stats["stacked"]


def assert_stats_close(a, b, rtol):
    for name in ("nk", "sum_dx", "sum_dxx"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.abs(x - y).max() <= rtol * np.abs(x).max(), name
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=rtol)
    assert a.noise_mass == pytest.approx(b.noise_mass, rel=rtol, abs=1e-300)
    np.testing.assert_array_equal(a.shift, b.shift)


def test_rule_picks_stacked_only_for_many_features_per_component():
    assert covariance._use_stacked(64, 10)
    assert covariance._use_stacked(N_FEATURES, N_COMPONENTS)
    assert not covariance._use_stacked(32, 32)
    assert not covariance._use_stacked(16, 16)
    assert not covariance._use_stacked(8, 1)  # small d: features stay in cache


@pytest.mark.parametrize("noise_weight", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_kernels_give_the_same_statistics(monkeypatch, noise_weight, weighted):
    X = clustered()
    params = some_params(X, noise_weight)
    weights = np.random.default_rng(2).uniform(0.1, 3.0, len(X)) if weighted else None
    # 400 rows per chunk: the last chunk is a short one.
    features, stacked = stats_by_kernel(
        monkeypatch, X, params, sample_weight=weights, chunk_size=400
    )
    assert_stats_close(features, stacked, rtol=1e-10)
    if noise_weight:
        assert features.noise_mass > 1.0
    # Second moments are symmetric, as the M-step assumes.
    np.testing.assert_array_equal(
        stacked.sum_dxx, np.transpose(stacked.sum_dxx, (0, 2, 1))
    )


def test_float32_kernels_agree_and_stay_float32(monkeypatch):
    X = clustered().astype(np.float32)
    params = some_params(X, noise_weight=0.05)
    features, stacked = stats_by_kernel(monkeypatch, X, params, chunk_size=400)
    assert_stats_close(features, stacked, rtol=1e-5)
    exact = e_step(params, X.astype(np.float64))
    assert_stats_close(exact, stacked, rtol=1e-5)
    assert stacked.sum_dxx.dtype == np.float64
    evaluator = _Evaluator(params, X.dtype)
    assert isinstance(evaluator.kernel, covariance.StackedFullKernel)
    log_prob, _ = evaluator.weighted_log_prob(X[:100])
    assert log_prob.dtype == np.float32
    assert all(b.dtype == np.float32 for b in evaluator._per_thread.buffers.values())


def fit_both(X, chunk_size=None, **kwargs):
    params = dict(n_components=N_COMPONENTS, covariance_type="full", **kwargs)
    params.update(start_params(X, "full", n_components=N_COMPONENTS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GaussianMixture(chunk_size=chunk_size, **params).fit(X)
        theirs = SklearnGaussianMixture(**params).fit(X)
    return ours, theirs


def test_fit_matches_scikit_learn(kernel):
    X = clustered()
    ours, theirs = fit_both(X, max_iter=20, tol=0.0, chunk_size=500)
    assert ours.n_iter_ == theirs.n_iter_ == 20
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=1e-10, err_msg=name
        )
    np.testing.assert_allclose(ours.history_, theirs.lower_bounds_, rtol=1e-12)
    X_new = clustered(300, seed=5)
    np.testing.assert_allclose(
        ours.score_samples(X_new), theirs.score_samples(X_new), rtol=1e-10
    )
    np.testing.assert_allclose(
        ours.predict_proba(X_new), theirs.predict_proba(X_new), rtol=1e-8, atol=1e-12
    )


def test_integer_sample_weights_equal_repeated_rows(kernel):
    # scikit-learn has no sample weights: a row of weight 2 is a repeated row.
    X = clustered(800)
    counts = np.random.default_rng(3).integers(1, 4, len(X))
    start = start_params(X, "full", n_components=N_COMPONENTS)
    common = dict(n_components=N_COMPONENTS, max_iter=10, tol=0.0, **start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GaussianMixture(**common).fit(X, sample_weight=counts.astype(float))
        theirs = SklearnGaussianMixture(**common).fit(np.repeat(X, counts, axis=0))
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=1e-10, err_msg=name
        )


def test_fits_with_a_background_agree(monkeypatch):
    X = clustered()
    rng = np.random.default_rng(4)
    outliers = rng.uniform(X.min() * 2, X.max() * 2, size=(60, X.shape[1]))
    X = np.vstack([X, outliers])
    fits = {}
    for name in KERNELS:
        monkeypatch.setattr(covariance, "_FULL_KERNEL", name)
        model = GaussianMixture(
            N_COMPONENTS, noise="uniform", max_iter=15, tol=0.0, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[name] = model.fit(X)
    features, stacked = fits["features"], fits["stacked"]
    assert features.noise_weight_ > 0.01
    assert stacked.noise_weight_ == pytest.approx(features.noise_weight_, rel=1e-10)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(stacked, name), getattr(features, name), rtol=1e-10, err_msg=name
        )
    np.testing.assert_array_equal(stacked.predict(X), features.predict(X))


def test_predictions_stream_through_the_stacked_kernel(kernel):
    X = clustered(700)
    params = some_params(X, noise_weight=0.1)
    pieces = list(iter_log_prob(params, X, chunk_size=256))
    log_density = np.concatenate([density for _, density, _ in pieces])
    resp = np.concatenate([r for _, _, r in pieces])
    assert resp.shape == (len(X), N_COMPONENTS + 1)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)
    # Independent reference: the densities written out with SciPy.
    parts = [
        np.log(w) + multivariate_normal(m, c).logpdf(X)
        for w, m, c in zip(
            params.weights, params.means, params.covariances, strict=True
        )
    ]
    parts.append(
        np.full(len(X), np.log(params.noise_weight) + params.noise_log_density)
    )
    expected = np.logaddexp.reduce(np.stack(parts, axis=1), axis=1)
    np.testing.assert_allclose(log_density, expected, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_negligible_responsibilities_are_dropped_not_subnormal(dtype):
    # Far-apart clusters put some responsibilities in the subnormal range,
    # which makes exp and the M-step's products many times slower on x86.
    log_prob = np.array([[0.0, -720.0, -300.0], [-1.0, -1.0, -60.0]], dtype=dtype)
    floor = np.sqrt(np.finfo(dtype).tiny)
    _, exact = _normalise(log_prob.copy())
    _, resp = _normalise(log_prob.copy(), drop_negligible=True)
    assert not np.any((resp > 0) & (resp < np.finfo(dtype).tiny))
    np.testing.assert_array_equal(resp == 0, exact < floor)
    np.testing.assert_allclose(resp, np.where(exact < floor, 0.0, exact), rtol=1e-6)


def test_statistics_of_separated_clusters_match_exact_responsibilities(kernel):
    rng = np.random.default_rng(3)
    d = 8
    centres = np.array([np.zeros(d), np.full(d, 13.5), np.full(d, -13.5)])
    X = centres[rng.integers(0, 3, 3000)] + rng.standard_normal((3000, d))
    params = params_from_covariances(
        np.array([0.2, 0.3, 0.5]), centres, np.stack([np.eye(d)] * 3), "full"
    )
    log_prob = np.stack(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(X)
            for w, m, c in zip(
                params.weights, params.means, params.covariances, strict=True
            )
        ],
        axis=1,
    )
    resp = np.exp(log_prob - logsumexp(log_prob, axis=1, keepdims=True))
    tiny = np.finfo(np.float64).tiny
    assert np.any((resp > 0) & (resp < tiny)), "the data should reach subnormals"
    stats = e_step(params, X)
    np.testing.assert_allclose(stats.nk, resp.sum(axis=0), rtol=1e-12)
    sum_x = resp.T @ X
    np.testing.assert_allclose(
        stats.shift + stats.sum_dx / stats.nk[:, None],
        sum_x / resp.sum(axis=0)[:, None],
        rtol=1e-12,
        atol=1e-12,
    )
