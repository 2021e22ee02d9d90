"""GaussianMixture(noise="uniform"): a background component for outliers."""

import warnings

import numpy as np
import pytest
from conftest import three_clusters

from gmmkit import GaussianMixture
from gmmkit.datasets import make_mixture

MEANS = [[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]]


def contaminated(seed, n_clean=1000, fraction=0.05):
    """Three clusters plus uniform outliers over a box 10x wider."""
    X, _ = make_mixture(n_clean, MEANS, [1.0, 1.0, 1.0], random_state=seed)
    rng = np.random.default_rng(seed + 100)
    low, high = X.min(axis=0), X.max(axis=0)
    centre, half = (low + high) / 2, (high - low) / 2 * 10
    n_out = round(fraction * n_clean / (1 - fraction))
    outliers = rng.uniform(centre - half, centre + half, size=(n_out, 2))
    return X, np.vstack([X, outliers]), n_out


def sorted_means(model):
    means = model.means_
    return means[np.lexsort((means[:, 1], means[:, 0]))]


@pytest.mark.parametrize("seed", range(4))
def test_noise_component_keeps_the_clean_means(seed):
    clean_X, X, n_out = contaminated(seed)
    clean = GaussianMixture(3, n_init=3, random_state=0).fit(clean_X)
    plain = GaussianMixture(3, n_init=3, random_state=0).fit(X)
    robust = GaussianMixture(3, n_init=3, random_state=0, noise="uniform").fit(X)
    robust_error = np.abs(sorted_means(robust) - sorted_means(clean)).max()
    plain_error = np.abs(sorted_means(plain) - sorted_means(clean)).max()
    assert robust_error < 0.2
    assert plain_error > 0.2
    # The outlier fraction is recovered within 2 percentage points.
    assert abs(robust.noise_weight_ - n_out / len(X)) < 0.02
    labels = robust.predict(X)
    assert np.mean(labels[len(clean_X) :] == -1) > 0.8
    assert np.mean(labels[: len(clean_X)] == -1) < 0.01


def test_noise_outputs_have_the_background_column():
    _, X, _ = contaminated(0)
    gm = GaussianMixture(3, random_state=0, noise="uniform").fit(X)
    resp = gm.predict_proba(X)
    assert resp.shape == (len(X), 4)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    labels = gm.predict(X)
    np.testing.assert_array_equal(labels == -1, np.argmax(resp, axis=1) == 3)
    np.testing.assert_allclose(gm.weights_.sum() + gm.noise_weight_, 1.0)
    # The background adds its weight to the parameter count.
    plain = GaussianMixture(3, random_state=0).fit(X)
    assert gm._n_parameters() == plain._n_parameters() + 1


def test_noise_density_is_the_mixture_with_a_uniform_term():
    _, X, _ = contaminated(1)
    gm = GaussianMixture(
        2, covariance_type="diag", random_state=0, noise="uniform"
    ).fit(X)
    low, high = gm.noise_bounds_
    np.testing.assert_allclose(low, X.min(axis=0))
    np.testing.assert_allclose(high, X.max(axis=0))
    from scipy.stats import multivariate_normal

    density = gm.noise_weight_ / np.prod(high - low)
    for k in range(2):
        density = density + gm.weights_[k] * multivariate_normal(
            gm.means_[k], np.diag(gm.covariances_[k])
        ).pdf(X)
    np.testing.assert_allclose(gm.score_samples(X), np.log(density), rtol=1e-10)


def test_noise_log_likelihood_never_decreases(covariance_type):
    _, X, _ = contaminated(2)
    gm = GaussianMixture(
        3,
        covariance_type=covariance_type,
        noise="uniform",
        tol=0,
        max_iter=40,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    history = np.asarray(gm.history_)
    assert np.all(np.diff(history) >= -1e-12 * np.abs(history[1:]))


def test_noise_sampling_draws_background_points():
    _, X, _ = contaminated(3)
    gm = GaussianMixture(3, random_state=0, noise="uniform").fit(X)
    samples, labels = gm.sample(40_000)
    np.testing.assert_allclose(np.mean(labels == -1), gm.noise_weight_, atol=0.005)
    background = samples[labels == -1]
    assert np.all(background >= gm.noise_bounds_[0]) and np.all(
        background <= gm.noise_bounds_[1]
    )


def test_noise_without_outliers_stays_small():
    X, _ = three_clusters(n_samples=600, seed=4)
    gm = GaussianMixture(3, random_state=0, noise="uniform").fit(X)
    assert gm.noise_weight_ < 0.01


def test_noise_bad_values():
    X, _ = three_clusters(n_samples=60)
    with pytest.raises(ValueError, match="noise must be one of 'uniform'"):
        GaussianMixture(2, noise="gaussian").fit(X)
    X[:, 1] = 3.0
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] are constant"):
        GaussianMixture(2, noise="uniform").fit(X)
