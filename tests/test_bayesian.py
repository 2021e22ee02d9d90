"""BayesianGaussianMixture: parity with scikit-learn, the lower bound, pruning,
input checks and scikit-learn's estimator checks."""

import logging
import types
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import three_clusters
from sklearn.mixture import BayesianGaussianMixture as SklearnBayesianGaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmmkit import ConvergenceWarning, NotFittedError
from gmmkit.bayesian import BayesianGaussianMixture
from gmmkit.datasets import make_mixture

PRIOR_TYPES = ("dirichlet_process", "dirichlet_distribution")
RTOL = 1e-6
POSTERIOR = (
    "weights_",
    "mean_precision_",
    "means_",
    "degrees_of_freedom_",
    "covariances_",
    "precisions_",
    "precisions_cholesky_",
)


@pytest.fixture(params=PRIOR_TYPES)
def prior_type(request):
    return request.param


def start_responsibilities(y, n_components, seed=0):
    """Half the true labels, half random noise: a start both libraries share."""
    noise = np.random.default_rng(seed).dirichlet(np.ones(n_components), len(y))
    return 0.5 * np.eye(n_components)[y] + 0.5 * noise


def fit_quietly(model, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, **kwargs)


def fit_both(X, resp, **params):
    ours = BayesianGaussianMixture(init_params=resp, **params)
    theirs = SklearnBayesianGaussianMixture(**params)
    # scikit-learn takes no responsibilities; make its start use ours.
    theirs._initialize_parameters = types.MethodType(
        lambda self, X, random_state, xp=None: self._initialize(X, resp), theirs
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_quietly(ours, X), theirs.fit(X)


def assert_same_posterior(ours, theirs):
    for name in POSTERIOR:
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=RTOL, atol=0, err_msg=name
        )
    np.testing.assert_allclose(
        np.asarray(ours.weight_concentration_),
        np.asarray(theirs.weight_concentration_),
        rtol=RTOL,
        atol=0,
    )
    # scikit-learn's tied bound is a length-1 array.
    np.testing.assert_allclose(
        [ours.lower_bound_], np.ravel(theirs.lower_bound_), rtol=RTOL, atol=0
    )
    np.testing.assert_allclose(
        ours.history_, np.ravel(theirs.lower_bounds_), rtol=RTOL, atol=0
    )


# ------------------------------------------------------------------ parity
def test_parity_after_fixed_iterations(covariance_type, prior_type):
    X, y = three_clusters()
    ours, theirs = fit_both(
        X,
        start_responsibilities(y, 4),
        n_components=4,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        max_iter=5,
        tol=0.0,
    )
    assert ours.n_iter_ == theirs.n_iter_ == 5
    assert_same_posterior(ours, theirs)


def test_parity_at_convergence(covariance_type, prior_type):
    X, y = three_clusters()
    X_new, _ = three_clusters(n_samples=150, seed=7)
    ours, theirs = fit_both(
        X,
        start_responsibilities(y, 4),
        n_components=4,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        max_iter=500,
        tol=1e-8,
    )
    assert ours.converged_ and theirs.converged_
    assert ours.n_iter_ == theirs.n_iter_
    assert_same_posterior(ours, theirs)
    np.testing.assert_allclose(
        ours.score_samples(X_new), theirs.score_samples(X_new), rtol=RTOL
    )
    np.testing.assert_allclose(
        ours.predict_proba(X_new), theirs.predict_proba(X_new), rtol=RTOL, atol=1e-12
    )
    np.testing.assert_array_equal(ours.predict(X_new), theirs.predict(X_new))


def test_default_priors_match_scikit_learn(covariance_type):
    X, y = three_clusters()
    ours, theirs = fit_both(
        X, start_responsibilities(y, 3), n_components=3, covariance_type=covariance_type
    )
    assert ours.weight_concentration_prior_ == theirs.weight_concentration_prior_
    assert ours.mean_precision_prior_ == theirs.mean_precision_prior_
    assert ours.degrees_of_freedom_prior_ == theirs.degrees_of_freedom_prior_
    np.testing.assert_allclose(ours.mean_prior_, theirs.mean_prior_, rtol=1e-12)
    np.testing.assert_allclose(
        ours.covariance_prior_, theirs.covariance_prior_, rtol=1e-12
    )


def test_user_priors_match_scikit_learn(covariance_type, prior_type):
    X, y = three_clusters()
    d = X.shape[1]
    covariance_prior = {
        "full": np.diag([2.0, 1.0, 0.5]) + 0.2,
        "tied": np.diag([2.0, 1.0, 0.5]) + 0.2,
        "diag": np.array([2.0, 1.0, 0.5]),
        "spherical": 0.7,
    }[covariance_type]
    ours, theirs = fit_both(
        X,
        start_responsibilities(y, 4),
        n_components=4,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        weight_concentration_prior=2.5,
        mean_precision_prior=0.3,
        mean_prior=np.ones(d),
        degrees_of_freedom_prior=d + 1.5,
        covariance_prior=covariance_prior,
        max_iter=10,
        tol=0.0,
    )
    assert_same_posterior(ours, theirs)


# ------------------------------------------------------------- the bound
@pytest.mark.parametrize("weighted", [False, True])
def test_lower_bound_never_decreases(covariance_type, prior_type, weighted):
    X, _ = three_clusters(seed=3)
    weights = np.random.default_rng(1).uniform(0.1, 3.0, len(X)) if weighted else None
    bgm = BayesianGaussianMixture(
        6,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        init_params="random",
        max_iter=100,
        tol=0.0,
        random_state=0,
    )
    fit_quietly(bgm, X, sample_weight=weights)
    history = np.asarray(bgm.history_)
    assert len(history) == 100
    # Variational inference cannot lower the bound; allow floating-point noise.
    assert np.all(np.diff(history) >= -1e-12 * np.abs(history[1:]))
    assert history[-1] > history[0] + 100.0


def test_warm_start_continues_the_same_iterations(covariance_type):
    X, y = three_clusters()
    resp = start_responsibilities(y, 4)
    params = dict(n_components=4, covariance_type=covariance_type, tol=0.0)
    once = fit_quietly(
        BayesianGaussianMixture(init_params=resp, max_iter=8, **params), X
    )
    stepped = BayesianGaussianMixture(
        init_params=resp, max_iter=1, warm_start=True, **params
    )
    bounds = [fit_quietly(stepped, X).lower_bound_ for _ in range(8)]
    np.testing.assert_allclose(bounds, once.history_, rtol=1e-12)
    np.testing.assert_allclose(stepped.means_, once.means_, rtol=1e-12)


# ------------------------------------------------------------------ pruning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spare_components_are_pruned(covariance_type, prior_type, seed):
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    covariances = np.array(
        [[[1.0, 0.3], [0.3, 1.0]], [[1.5, 0.0], [0.0, 0.5]], [[0.6, -0.2], [-0.2, 1.2]]]
    )
    X, y = make_mixture(
        600, means, covariances, weights=[0.3, 0.3, 0.4], random_state=seed
    )
    bgm = BayesianGaussianMixture(
        10,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        max_iter=500,
        random_state=seed,
    ).fit(X)
    assert bgm.converged_
    kept = bgm.weights_ > 0.01
    assert kept.sum() == 3
    found = bgm.means_[kept]
    # Each true mean has one kept component within 0.3 of it.
    distances = np.linalg.norm(found[:, None, :] - means[None, :, :], axis=2)
    assert np.all(distances.min(axis=0) < 0.3)
    np.testing.assert_allclose(
        np.sort(bgm.weights_[kept]), np.sort(np.bincount(y) / len(y)), atol=0.02
    )


# ------------------------------------------------------- behaviour and API
def test_fitted_attribute_shapes(covariance_type, prior_type):
    X, _ = three_clusters(n_samples=200)
    K, d = 4, X.shape[1]
    bgm = fit_quietly(
        BayesianGaussianMixture(
            K,
            covariance_type=covariance_type,
            weight_concentration_prior_type=prior_type,
            random_state=0,
        ),
        X,
    )
    shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}
    for name in ("covariances_", "precisions_", "precisions_cholesky_"):
        assert getattr(bgm, name).shape == shape[covariance_type]
    assert bgm.means_.shape == (K, d)
    assert bgm.mean_precision_.shape == (K,)
    assert np.ndim(bgm.degrees_of_freedom_) == (0 if covariance_type == "tied" else 1)
    if prior_type == "dirichlet_process":
        assert len(bgm.weight_concentration_) == 2
    else:
        assert bgm.weight_concentration_.shape == (K,)
    np.testing.assert_allclose(bgm.weights_.sum(), 1.0)
    assert bgm.n_features_in_ == d
    assert len(bgm.history_) == bgm.n_iter_
    assert bgm.lower_bounds_ is bgm.history_


def test_predictions_are_consistent():
    X, _ = three_clusters()
    bgm = BayesianGaussianMixture(5, random_state=0)
    labels = bgm.fit_predict(X)
    np.testing.assert_array_equal(labels, bgm.predict(X))
    proba = bgm.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), labels)
    np.testing.assert_allclose(bgm.score(X), bgm.score_samples(X).mean())
    weights = np.arange(len(X)) % 3.0
    expected = weights @ bgm.score_samples(X) / weights.sum()
    np.testing.assert_allclose(bgm.score(X, sample_weight=weights), expected)


def test_chunking_does_not_change_the_fit(covariance_type):
    X, _ = three_clusters()
    params = dict(covariance_type=covariance_type, max_iter=20, tol=0.0)
    whole = fit_quietly(BayesianGaussianMixture(4, random_state=0, **params), X)
    chunked = fit_quietly(
        BayesianGaussianMixture(4, random_state=0, chunk_size=37, **params), X
    )
    np.testing.assert_allclose(chunked.means_, whole.means_, rtol=1e-10)
    np.testing.assert_allclose(chunked.covariances_, whole.covariances_, rtol=1e-10)
    np.testing.assert_allclose(chunked.history_, whole.history_, rtol=1e-12)


def test_integer_weights_equal_repeated_rows(covariance_type, prior_type):
    X, y = three_clusters(n_samples=200, seed=5)
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    resp = start_responsibilities(y, 4)
    params = dict(
        n_components=4,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        max_iter=15,
        tol=0.0,
    )
    weighted = fit_quietly(
        BayesianGaussianMixture(init_params=resp, **params), X, sample_weight=counts
    )
    repeated = fit_quietly(
        BayesianGaussianMixture(init_params=np.repeat(resp, counts, axis=0), **params),
        np.repeat(X, counts, axis=0),
    )
    np.testing.assert_allclose(repeated.mean_prior_, weighted.mean_prior_, rtol=1e-10)
    np.testing.assert_allclose(
        repeated.covariance_prior_, weighted.covariance_prior_, rtol=1e-10
    )
    for name in POSTERIOR:
        np.testing.assert_allclose(
            getattr(weighted, name), getattr(repeated, name), rtol=1e-8, err_msg=name
        )
    np.testing.assert_allclose(weighted.history_, repeated.history_, rtol=1e-10)


def test_float32_stays_float32_and_close_to_float64():
    X, _ = three_clusters(n_samples=1000)
    params = dict(n_components=3, max_iter=20, tol=0.0, random_state=0)
    ours64 = fit_quietly(BayesianGaussianMixture(**params), X)
    ours32 = fit_quietly(BayesianGaussianMixture(**params), X.astype(np.float32))
    assert ours32.means_.dtype == np.float32
    assert ours32.predict_proba(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(ours32.means_, ours64.means_, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours32.weights_, ours64.weights_, atol=1e-4)


def test_sample_draws_differ_unless_seeded(covariance_type):
    X, _ = three_clusters(n_samples=200)
    bgm = BayesianGaussianMixture(
        3, covariance_type=covariance_type, random_state=0
    ).fit(X)
    first, labels = bgm.sample(50)
    second, _ = bgm.sample(50)
    assert first.shape == (50, 3) and labels.shape == (50,)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(
        bgm.sample(20, random_state=4)[0], bgm.sample(20, random_state=4)[0]
    )
    _, big_labels = bgm.sample(20_000, random_state=1)
    np.testing.assert_allclose(
        np.bincount(big_labels, minlength=3) / 20_000, bgm.weights_, atol=0.02
    )


def test_more_starts_never_lower_the_bound():
    X, _ = three_clusters()
    one = BayesianGaussianMixture(4, init_params="random", random_state=0).fit(X)
    three = BayesianGaussianMixture(
        4, init_params="random", n_init=3, random_state=0
    ).fit(X)
    assert three.lower_bound_ >= one.lower_bound_


def test_max_iter_zero_keeps_the_start():
    X, y = three_clusters()
    resp = start_responsibilities(y, 3)
    bgm = BayesianGaussianMixture(3, init_params=resp, max_iter=0).fit(X)
    assert bgm.n_iter_ == 0 and not bgm.converged_
    assert bgm.lower_bound_ == -np.inf and bgm.history_ == []


def test_not_converged_warns():
    X, _ = three_clusters()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        BayesianGaussianMixture(3, max_iter=2, tol=0.0, random_state=0).fit(X)


def test_dataframe_feature_names():
    X, _ = three_clusters(n_samples=100)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    bgm = BayesianGaussianMixture(2, random_state=0).fit(frame)
    np.testing.assert_array_equal(bgm.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="Feature names unseen"):
        bgm.predict(frame.rename(columns={"c": "z"}))


def test_verbose_logs_and_never_prints(caplog, capsys):
    X, _ = three_clusters(n_samples=100)
    bgm = BayesianGaussianMixture(
        2, verbose=2, verbose_interval=1, max_iter=3, tol=0.0, random_state=0
    )
    with caplog.at_level(logging.INFO, logger="gmmkit"):
        fit_quietly(bgm, X)
    assert "Initialization 0" in caplog.text
    assert "Iteration 3" in caplog.text
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------- bad input
@pytest.fixture
def X():
    return three_clusters(n_samples=60)[0]


def test_unfitted_raises():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BayesianGaussianMixture().predict(np.zeros((2, 2)))


def test_bad_data_gets_the_gaussian_mixture_messages(X):
    bad = X.copy()
    bad[[4, 17], 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN in rows 4, 17 \(column\(s\) 1\)"):
        BayesianGaussianMixture(2).fit(bad)
    with pytest.raises(ValueError, match=r"1-D array.*reshape\(-1, 1\)"):
        BayesianGaussianMixture(1).fit(np.arange(10.0))
    with pytest.raises(ValueError, match="0 sample"):
        BayesianGaussianMixture(1).fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="n_components = 5, n_samples = 4"):
        BayesianGaussianMixture(5).fit(X[:4])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        BayesianGaussianMixture(2).fit(X, sample_weight=-np.ones(len(X)))
    fitted = BayesianGaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but"):
        fitted.predict(X[:, :2])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_components": 0}, "n_components must be an integer >= 1"),
        ({"covariance_type": "ful"}, "covariance_type must be one of"),
        ({"init_params": "kmean"}, "init_params must be one of"),
        (
            {"weight_concentration_prior_type": "dirichlet"},
            "weight_concentration_prior_type must be one of",
        ),
        (
            {"weight_concentration_prior": -1.0},
            "weight_concentration_prior must be a positive number, got -1.0",
        ),
        (
            {"weight_concentration_prior": 0.0},
            "weight_concentration_prior must be a positive number, got 0.0",
        ),
        ({"mean_precision_prior": 0.0}, "mean_precision_prior must be a positive"),
        ({"mean_prior": [0.0, 1.0]}, r"mean_prior must have shape \(3,\), got \(2,\)"),
        ({"mean_prior": [0.0, np.nan, 1.0]}, "mean_prior contains NaN"),
        ({"mean_prior": ["a", 0.0, 1.0]}, "mean_prior must hold numbers only"),
        (
            {"degrees_of_freedom_prior": 2.0},
            "degrees_of_freedom_prior must be greater than n_features - 1 = 2",
        ),
        ({"degrees_of_freedom_prior": "3"}, "degrees_of_freedom_prior must be"),
        (
            {"covariance_prior": np.eye(2)},
            r"covariance_prior for covariance_type='full' must have shape \(3, 3\)",
        ),
        (
            {"covariance_prior": np.diag([1.0, -1.0, 1.0])},
            "covariance_prior must be positive definite",
        ),
        (
            {"covariance_prior": [[1.0, 0.5, 0], [0, 1.0, 0], [0, 0, 1.0]]},
            "covariance_prior must be symmetric",
        ),
        (
            {"covariance_type": "tied", "covariance_prior": np.zeros((3, 3))},
            "covariance_prior must be positive definite",
        ),
        (
            {"covariance_type": "diag", "covariance_prior": [1.0, 0.0, 1.0]},
            "covariance_prior must be positive",
        ),
        (
            {"covariance_type": "diag", "covariance_prior": np.eye(3)},
            r"covariance_prior for covariance_type='diag' must have shape \(3,\)",
        ),
        (
            {"covariance_type": "spherical", "covariance_prior": -0.5},
            "covariance_prior must be a positive number",
        ),
        (
            {"covariance_type": "spherical", "covariance_prior": [1.0, 1.0]},
            "covariance_prior for covariance_type='spherical' must be a positive",
        ),
        (
            {"covariance_type": "spherical", "covariance_prior": "big"},
            "covariance_prior must be a positive number, got 'big'",
        ),
        ({"covariance_prior": [["a"] * 3] * 3}, "covariance_prior must hold numbers"),
        ({"warm_start": "yes"}, "warm_start must be True or False"),
    ],
)
def test_invalid_parameters_are_named(X, params, message):
    with pytest.raises(ValueError, match=message):
        BayesianGaussianMixture(**{"n_components": 2, **params}).fit(X)


def test_invalid_initial_responsibilities(X):
    with pytest.raises(
        ValueError,
        match=r"one of 'kmeans', .* or responsibilities of shape "
        r"\(n_samples, n_components\) = \(60, 2\); got an array of shape \(10, 2\)",
    ):
        BayesianGaussianMixture(2, init_params=np.full((10, 2), 0.5)).fit(X)
    halves = np.full((len(X), 2), 0.25)
    with pytest.raises(ValueError, match=r"rows summing to 1; row 0 sums to 0\.5"):
        BayesianGaussianMixture(2, init_params=halves).fit(X)
    negative = np.tile([1.5, -0.5], (len(X), 1))
    with pytest.raises(ValueError, match="finite and non-negative"):
        BayesianGaussianMixture(2, init_params=negative).fit(X)


# ------------------------------------------------- scikit-learn's checks
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
        [BayesianGaussianMixture(n_components=2, random_state=0)],
        expected_failed_checks=lambda est: EXPECTED_FAILURES,
    )


@compatibility_checks
@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit")
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_a_failed_refit_leaves_the_fitted_prior_and_posterior_alone(monkeypatch):
    import gmmkit.bayesian as bayesian_module
    from gmmkit.exceptions import ComponentCollapseError

    X, _ = three_clusters(300, seed=0)
    model = BayesianGaussianMixture(n_components=3, random_state=0).fit(X)
    prior, means = model.mean_prior_.copy(), model.means_.copy()

    def collapse(*args, **kwargs):
        raise ComponentCollapseError("component(s) 0: covariance collapsed", [0])

    monkeypatch.setattr(bayesian_module, "variational_m_step", collapse)
    with pytest.raises(ComponentCollapseError, match="at initialisation"):
        model.fit(X + 100.0)
    np.testing.assert_array_equal(model.mean_prior_, prior)
    np.testing.assert_array_equal(model.means_, means)
