"""StudentTMixture: what a user of the robust mixture relies on."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import start_params, three_clusters
from scipy import integrate, stats
from scipy.special import logsumexp
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmmkit import ConvergenceWarning, GaussianMixture, NotFittedError, StudentTMixture
from gmmkit.datasets import make_mixture
from gmmkit.families.student_t import DOF_BOUNDS, _update_dof

CENTRES = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])

FULL_SCALES = {
    "full": lambda c, K, d: c,
    "tied": lambda c, K, d: np.broadcast_to(c, (K, d, d)),
    "diag": lambda c, K, d: np.array([np.diag(v) for v in c]),
    "spherical": lambda c, K, d: np.array([np.eye(d) * v for v in c]),
}


def quiet_fit(estimator, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, **kwargs)


def with_outliers(X, n_outliers, seed):
    """``X`` plus rows uniform in a box 10x wider than its bounding box."""
    low, high = X.min(axis=0), X.max(axis=0)
    centre, half_width = (low + high) / 2, 5.0 * (high - low)
    rng = np.random.default_rng(seed)
    outliers = rng.uniform(centre - half_width, centre + half_width, (n_outliers, 2))
    return np.vstack([X, outliers])


def by_first_coordinate(means):
    return means[np.argsort(means[:, 0])]


def t_mixture_log_density(model, X):
    """log p(x) from scipy's multivariate t, one component at a time."""
    K, d = model.means_.shape
    scales = FULL_SCALES[model.covariance_type](model.covariances_, K, d)
    log_prob = np.column_stack(
        [
            np.log(model.weights_[k])
            + stats.multivariate_t(model.means_[k], scales[k], df=model.dof_[k]).logpdf(
                X
            )
            for k in range(K)
        ]
    )
    return logsumexp(log_prob, axis=1), log_prob


# ------------------------------------------------------------ Gaussian limit
def test_huge_dof_is_the_gaussian_fit(covariance_type):
    X, _ = three_clusters(seed=0)
    start = start_params(X, covariance_type)
    common = dict(covariance_type=covariance_type, tol=0.0, max_iter=50, **start)
    gaussian = quiet_fit(GaussianMixture(3, **common), X)
    t = quiet_fit(StudentTMixture(3, dof=1e8, **common), X)
    # Measured: relative differences ~1e-9 (means) and ~2e-8 (covariances).
    for name in ("weights_", "means_", "covariances_"):
        ours, theirs = getattr(t, name), getattr(gaussian, name)
        np.testing.assert_allclose(
            ours, theirs, rtol=0, atol=1e-6 * np.abs(theirs).max()
        )
    np.testing.assert_allclose(t.history_, gaussian.history_, rtol=1e-6)
    np.testing.assert_allclose(t.score_samples(X), gaussian.score_samples(X), rtol=1e-6)
    np.testing.assert_array_equal(t.dof_, 1e8)


# ---------------------------------------------------------------- robustness
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gross_outliers_do_not_move_the_means(seed):
    clean, _ = make_mixture(1000, CENTRES, [1.0, 1.0, 1.0], random_state=seed)
    dirty = with_outliers(clean, 50, seed=seed + 100)  # 5 % outliers
    reference = by_first_coordinate(
        GaussianMixture(3, random_state=0).fit(clean).means_
    )
    robust = StudentTMixture(3, random_state=0).fit(dirty)
    gaussian = GaussianMixture(3, random_state=0).fit(dirty)
    # Measured over seeds 0-3: Student-t within 0.03-0.10, Gaussian off by 3.6-34.
    assert np.abs(by_first_coordinate(robust.means_) - reference).max() < 0.2
    assert np.abs(by_first_coordinate(gaussian.means_) - reference).max() > 0.2


# ----------------------------------------------------------------- EM proper
@pytest.mark.parametrize("weighted", [False, True])
def test_log_likelihood_never_decreases(covariance_type, weighted):
    X, _ = three_clusters(seed=3)
    X = np.vstack([X, np.random.default_rng(0).uniform(-30, 30, (20, 3))])
    weights = np.random.default_rng(1).uniform(0.1, 3.0, len(X)) if weighted else None
    model = StudentTMixture(
        3, covariance_type=covariance_type, tol=0.0, max_iter=40, random_state=0
    )
    quiet_fit(model, X, sample_weight=weights)
    history = np.asarray(model.history_)
    assert len(history) == 40 and model.n_iter_ == 40
    assert np.all(np.diff(history) >= -1e-12 * np.abs(history[1:]))
    assert history[-1] > history[0] + 0.05
    assert model.lower_bound_ == history[-1]
    assert np.all((model.dof_ >= DOF_BOUNDS[0]) & (model.dof_ <= DOF_BOUNDS[1]))


def test_integer_weights_equal_repeated_rows(covariance_type):
    X, _ = three_clusters(n_samples=200, seed=5)
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    start = start_params(X, covariance_type)
    common = dict(covariance_type=covariance_type, tol=0.0, max_iter=15, **start)
    weighted = quiet_fit(StudentTMixture(3, **common), X, sample_weight=counts)
    repeated = quiet_fit(StudentTMixture(3, **common), np.repeat(X, counts, axis=0))
    for name in ("weights_", "means_", "covariances_", "dof_"):
        np.testing.assert_allclose(
            getattr(weighted, name), getattr(repeated, name), rtol=1e-10, atol=1e-12
        )
    np.testing.assert_allclose(weighted.history_, repeated.history_, rtol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 7])
def test_chunked_fit_equals_whole_fit(covariance_type, chunk_size):
    X, _ = three_clusters(n_samples=150, seed=4)
    start = start_params(X, covariance_type)
    common = dict(covariance_type=covariance_type, tol=0.0, max_iter=8, **start)
    whole = quiet_fit(StudentTMixture(3, chunk_size=len(X), **common), X)
    chunked = quiet_fit(StudentTMixture(3, chunk_size=chunk_size, **common), X)
    for name in ("weights_", "means_", "covariances_", "dof_"):
        np.testing.assert_allclose(
            getattr(chunked, name), getattr(whole, name), rtol=1e-10, atol=1e-12
        )
    np.testing.assert_allclose(chunked.history_, whole.history_, rtol=1e-12)


def test_best_of_several_starts_is_kept():
    X, _ = three_clusters(seed=4)
    single = [
        quiet_fit(StudentTMixture(3, init_params="random", random_state=s), X)
        for s in range(3)
    ]
    multi = quiet_fit(
        StudentTMixture(3, init_params="random", n_init=3, random_state=0), X
    )
    assert multi.lower_bound_ >= min(m.lower_bound_ for m in single) - 1e-12
    assert multi.history_[-1] == multi.lower_bound_


# ------------------------------------------------------------------ density
def test_score_samples_is_the_t_mixture_density(covariance_type):
    X, _ = three_clusters(n_samples=300, seed=6)
    X = with_outliers(X[:, :2], 15, seed=6)
    model = StudentTMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    probe = np.random.default_rng(7).normal(scale=8.0, size=(200, 2))
    expected, log_prob = t_mixture_log_density(model, probe)
    np.testing.assert_allclose(model.score_samples(probe), expected, rtol=1e-10)
    np.testing.assert_allclose(
        model.predict_proba(probe),
        np.exp(log_prob - expected[:, None]),
        rtol=1e-8,
        atol=1e-14,
    )
    np.testing.assert_allclose(model.score(probe), expected.mean(), rtol=1e-12)


def test_one_dimensional_density_integrates_to_one():
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.standard_t(3, 300), 8.0 + 2.0 * rng.standard_t(5, 200)])
    model = StudentTMixture(2, random_state=0).fit(X[:, None])

    def density(x):
        return float(np.exp(model.score_samples([[x]]))[0])

    total, _ = integrate.quad(density, -np.inf, np.inf, limit=200)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_learned_dof_recovers_a_heavy_tail(seed):
    shape = np.array([[1.0, 0.5], [0.5, 2.0]])
    X = stats.multivariate_t.rvs(
        loc=[1.0, -2.0], shape=shape, df=4, size=3000, random_state=seed
    )
    model = StudentTMixture(1, tol=1e-6, max_iter=500).fit(X)
    # Measured: 4.06 (seed 0) and 3.61 (seed 1).
    assert 3.0 < model.dof_[0] < 5.5
    np.testing.assert_allclose(model.means_[0], [1.0, -2.0], atol=0.1)
    np.testing.assert_allclose(model.covariances_[0], shape, atol=0.15)


def test_dof_of_a_gaussian_looking_component_rise_to_the_bound():
    # Every u equal to 1 (no spread in scale): each update raises nu by d, and
    # the root beyond the bracket is clipped to its upper end.
    no_spread = np.array([-1.0])
    np.testing.assert_allclose(_update_dof(np.array([10.0]), no_spread, 2), 12.0)
    upper = DOF_BOUNDS[1]
    assert _update_dof(np.array([upper]), no_spread, 2)[0] == upper


# ---------------------------------------------------------------- sampling
def test_sampling_draws_t_distributed_components(covariance_type):
    X, _ = three_clusters(n_samples=1500, seed=9)
    dof = np.array([3.0, 6.0, 30.0])
    model = StudentTMixture(
        3, covariance_type=covariance_type, dof=dof, random_state=0
    ).fit(X)
    samples, labels = model.sample(60_000)
    assert samples.shape == (60_000, 3) and labels.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(labels) / 60_000, model.weights_, atol=0.01)
    scales = FULL_SCALES[covariance_type](model.covariances_, 3, 3)
    for k in range(3):
        rows = samples[labels == k]
        np.testing.assert_allclose(np.median(rows, axis=0), model.means_[k], atol=0.05)
        # delta / d of a t draw follows F(d, nu): the tails, not just the scale.
        centred = rows - model.means_[k]
        delta = np.einsum("ni,ij,nj->n", centred, np.linalg.inv(scales[k]), centred)
        ks = stats.kstest(delta / 3, stats.f(3, dof[k]).cdf).statistic
        assert ks < 0.02, (k, ks)


def test_successive_unseeded_samples_differ_and_seeded_repeat():
    X, _ = three_clusters()
    model = StudentTMixture(3, random_state=0).fit(X)
    first, _ = model.sample(10)
    second, _ = model.sample(10)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(
        model.sample(10, random_state=3)[0], model.sample(10, random_state=3)[0]
    )
    again = StudentTMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(again.sample(10)[0], first)


# ----------------------------------------------------------------- criteria
@pytest.mark.parametrize(("dof", "n_parameters"), [(None, 32), (5.0, 29)])
def test_information_criteria_count_learned_dof(dof, n_parameters):
    # Full, K=3, d=3: 18 covariance + 9 mean + 2 weight parameters, + 3 dof.
    X, _ = three_clusters(seed=1)
    model = StudentTMixture(3, dof=dof, random_state=0).fit(X)
    log_likelihood = model.score_samples(X).sum()
    np.testing.assert_allclose(
        model.bic(X), -2 * log_likelihood + n_parameters * np.log(len(X))
    )
    np.testing.assert_allclose(model.aic(X), -2 * log_likelihood + 2 * n_parameters)


# ------------------------------------------------------------ conventions
def test_fit_predict_equals_fit_then_predict():
    X, _ = three_clusters(seed=2)
    a = quiet_fit(StudentTMixture(3, random_state=1, max_iter=3), X)
    labels = a.predict(X)
    b = StudentTMixture(3, random_state=1, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        np.testing.assert_array_equal(b.fit_predict(X), labels)
    np.testing.assert_array_equal(labels, np.argmax(a.predict_proba(X), axis=1))


def test_float32_stays_float32_and_dataframes_keep_names():
    X, _ = three_clusters()
    model = StudentTMixture(3, random_state=0).fit(X.astype(np.float32))
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert getattr(model, name).dtype == np.float32, name
    assert model.score_samples(X.astype(np.float32)).dtype == np.float32
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    named = StudentTMixture(2, random_state=0).fit(frame)
    np.testing.assert_array_equal(named.feature_names_in_, ["a", "b", "c"])


def test_not_converged_warns():
    X, _ = three_clusters()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        StudentTMixture(3, max_iter=2, tol=1e-12, random_state=0).fit(X)


# ----------------------------------------------------------------- bad input
DOF_MESSAGE = "must be a positive number or an array of 3 positive numbers"


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"dof": 0}, f"dof {DOF_MESSAGE}; got 0"),
        ({"dof": -2.0}, f"dof {DOF_MESSAGE}; got -2.0"),
        ({"dof": [4.0, 5.0]}, rf"dof {DOF_MESSAGE}; got \[4.0, 5.0\]"),
        ({"dof": np.inf}, f"dof {DOF_MESSAGE}; got inf"),
        ({"dof": "heavy"}, f"dof {DOF_MESSAGE}; got 'heavy'"),
        ({"dof_init": 0.0}, f"dof_init {DOF_MESSAGE}; got 0.0"),
        ({"n_components": 0}, "n_components must be an integer >= 1, got 0"),
        ({"covariance_type": "fall"}, "covariance_type must be one of"),
        ({"tol": -1.0}, "tol must be a finite number >= 0.0"),
        ({"init_params": "best"}, "init_params must be one of"),
        ({"robust_init": "yes"}, "robust_init must be True or False"),
        ({"weights_init": [0.5, 0.5]}, r"weights_init must have shape \(3,\)"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X, _ = three_clusters(n_samples=60)
    params = {"n_components": 3, **params}
    with pytest.raises(ValueError, match=match):
        StudentTMixture(**params).fit(X)


def test_bad_data_gets_the_gaussian_mixture_messages():
    X, _ = three_clusters(n_samples=60)
    with pytest.raises(ValueError, match=r"1-D array.*reshape\(-1, 1\)"):
        StudentTMixture(1).fit(np.arange(10.0))
    bad = X.copy()
    bad[[4, 17], 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN in rows 4, 17 \(column\(s\) 1\)"):
        StudentTMixture(2).fit(bad)
    with pytest.raises(ValueError, match="n_components = 5, n_samples = 4"):
        StudentTMixture(5).fit(X[:4])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        StudentTMixture(2).fit(X, sample_weight=-np.ones(len(X)))
    model = StudentTMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but StudentTMixture"):
        model.predict(X[:, :2])


def test_unfitted_model_raises_not_fitted():
    model = StudentTMixture(2)
    X, _ = three_clusters(n_samples=20)
    for method in (
        model.predict,
        model.predict_proba,
        model.score_samples,
        model.score,
        model.bic,
        model.aic,
    ):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(X)
    with pytest.raises(NotFittedError):
        model.sample(3)


# ------------------------------------------------------------ scikit-learn
EXPECTED_FAILURES = {
    "check_estimators_unfitted": (
        "gmmkit raises its own NotFittedError (a ValueError and AttributeError, "
        "like scikit-learn's) because scikit-learn is not a runtime dependency; "
        "the check wants scikit-learn's class itself."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "the check shuffles the weighted rows, so the random k-means start "
        "differs; from the same start weights equal repetition exactly "
        "(test_integer_weights_equal_repeated_rows above)."
    ),
    "check_dtype_object": (
        "a dict inside an object array gets gmmkit's ValueError naming the row "
        "and column, not NumPy's TypeError."
    ),
}

with warnings.catch_warnings():
    # gmmkit deliberately does not inherit from scikit-learn's BaseEstimator.
    warnings.filterwarnings("ignore", "Estimator .* does not inherit")
    compatibility_checks = parametrize_with_checks(
        [StudentTMixture(n_components=2, random_state=0)],
        expected_failed_checks=lambda est: EXPECTED_FAILURES,
    )


@compatibility_checks
@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit")
def test_sklearn_compatible(estimator, check):
    check(estimator)
