"""GaussianMixture behaviour a user relies on, beyond parity."""

import logging
import pickle
import warnings

import numpy as np
import pytest
from conftest import COVARIANCES, MEANS, start_params, three_clusters
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmmkit import ComponentCollapseError, ConvergenceWarning, GaussianMixture
from gmmkit.datasets import load_old_faithful


@pytest.mark.parametrize(
    "init_params", ["kmeans", "k-means++", "random", "random_from_data"]
)
def test_every_start_recovers_three_clusters(covariance_type, init_params):
    if (covariance_type, init_params) == ("tied", "random"):
        pytest.skip(
            "random responsibilities put every tied component at the data mean, "
            "a fixed point of EM (scikit-learn stops there too)"
        )
    X, y = three_clusters(n_samples=600, seed=11)
    # Random responsibilities start near a symmetric saddle that EM leaves
    # slowly, so a looser tol would stop it there.
    gm = GaussianMixture(
        3,
        covariance_type=covariance_type,
        init_params=init_params,
        n_init=3,
        max_iter=1000,
        tol=1e-7,
        random_state=0,
    ).fit(X)
    assert gm.converged_
    assert adjusted_rand_score(y, gm.predict(X)) > 0.9


def test_old_faithful_matches_scikit_learn_defaults():
    X = load_old_faithful()
    ours = GaussianMixture(2, random_state=0, tol=1e-8, max_iter=500).fit(X)
    theirs = SklearnGaussianMixture(2, random_state=0, tol=1e-8, max_iter=500).fit(X)
    order_ours, order_theirs = (
        np.argsort(ours.means_[:, 0]),
        np.argsort(theirs.means_[:, 0]),
    )
    np.testing.assert_allclose(
        ours.means_[order_ours], theirs.means_[order_theirs], rtol=1e-6
    )
    np.testing.assert_allclose(ours.score(X), theirs.score(X), rtol=1e-9)
    # The two eruption regimes: short (about 2 min, 55 min wait) and long.
    np.testing.assert_allclose(
        ours.means_[order_ours], [[2.04, 54.5], [4.29, 80.0]], atol=0.05
    )


def test_fit_predict_equals_fit_then_predict(covariance_type):
    X, _ = three_clusters(seed=2)
    a = GaussianMixture(3, covariance_type=covariance_type, random_state=1, max_iter=3)
    b = GaussianMixture(3, covariance_type=covariance_type, random_state=1, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = a.fit_predict(X)
        np.testing.assert_array_equal(labels, b.fit(X).predict(X))
    np.testing.assert_array_equal(labels, np.argmax(a.predict_proba(X), axis=1))


def test_best_of_several_starts_is_kept():
    X, _ = three_clusters(seed=4)
    single = [
        GaussianMixture(3, init_params="random", random_state=s, max_iter=200).fit(X)
        for s in range(5)
    ]
    multi = GaussianMixture(
        3, init_params="random", n_init=5, random_state=0, max_iter=200
    )
    multi.fit(X)
    assert multi.lower_bound_ >= min(m.lower_bound_ for m in single) - 1e-12
    assert multi.history_[-1] == multi.lower_bound_


def test_callbacks_see_every_iteration_and_can_stop():
    X, _ = three_clusters()
    seen = []

    def record(iteration, log_likelihood, params):
        seen.append((iteration, log_likelihood, params.means.copy()))
        with pytest.raises(ValueError):
            params.means[0, 0] = 1.0  # a read-only view
        return None

    def stop_at_four(iteration, log_likelihood, params):
        return iteration < 4

    gm = GaussianMixture(
        3, tol=0, max_iter=50, callbacks=[record, stop_at_four], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop is not a failure
        gm.fit(X)
    assert [s[0] for s in seen] == [1, 2, 3, 4]
    assert gm.n_iter_ == 4 and not gm.converged_
    np.testing.assert_allclose([s[1] for s in seen], gm.history_)
    np.testing.assert_allclose(seen[-1][2], gm.means_)


def test_single_callable_is_accepted():
    X, _ = three_clusters()
    calls = []
    GaussianMixture(2, random_state=0, callbacks=lambda i, ll, p: calls.append(i)).fit(
        X
    )
    assert calls and calls[0] == 1


def test_snapshots_every_n_iterations():
    X, _ = three_clusters()
    gm = GaussianMixture(3, tol=0, max_iter=12, snapshot_every=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    assert [s.iteration for s in gm.snapshots_] == [0, 5, 10, 12]
    np.testing.assert_array_equal(gm.snapshots_[-1].means, gm.means_)
    assert not np.allclose(gm.snapshots_[0].means, gm.means_)
    # Without snapshot_every, the start and the end are still kept.
    plain = GaussianMixture(3, random_state=0).fit(X)
    assert [s.iteration for s in plain.snapshots_] == [0, plain.n_iter_]


def test_snapshots_replay_em():
    # A snapshot at iteration i equals a fresh fit stopped after i iterations.
    X, _ = three_clusters()
    start = start_params(X, "full")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = GaussianMixture(3, tol=0, max_iter=9, snapshot_every=3, **start).fit(X)
        short = GaussianMixture(3, tol=0, max_iter=6, **start).fit(X)
    np.testing.assert_allclose(gm.snapshots_[2].means, short.means_, rtol=1e-12)


def test_sampling_draws_from_the_model(covariance_type):
    X, _ = three_clusters(n_samples=2000, seed=9)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    samples, labels = gm.sample(60_000)
    assert samples.shape == (60_000, 3) and labels.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(labels) / 60_000, gm.weights_, atol=0.01)
    full = np.asarray([np.cov(samples[labels == k].T) for k in range(3)])
    expected = {
        "full": lambda c: c,
        "tied": lambda c: np.broadcast_to(c, (3, 3, 3)),
        "diag": lambda c: np.array([np.diag(v) for v in c]),
        "spherical": lambda c: np.array([np.eye(3) * v for v in c]),
    }[covariance_type](gm.covariances_)
    np.testing.assert_allclose(full, expected, atol=0.08)
    for k in range(3):
        np.testing.assert_allclose(
            samples[labels == k].mean(0), gm.means_[k], atol=0.05
        )


def test_successive_unseeded_samples_differ_and_seeded_repeat():
    X, _ = three_clusters()
    gm = GaussianMixture(3, random_state=0).fit(X)
    first, _ = gm.sample(10)
    second, _ = gm.sample(10)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(
        gm.sample(10, random_state=3)[0], gm.sample(10, random_state=3)[0]
    )
    # Reproducible across fits with the same random_state.
    again = GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(again.sample(10)[0], first)


def test_warm_start_continues_from_previous_fit():
    X, _ = three_clusters()
    start = start_params(X, "full")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = GaussianMixture(3, tol=0, max_iter=4, warm_start=True, **start)
        warm.fit(X)
        warm.fit(X)
        straight = GaussianMixture(3, tol=0, max_iter=8, **start).fit(X)
    np.testing.assert_allclose(warm.means_, straight.means_, rtol=1e-12)
    with pytest.raises(ValueError, match="warm_start needs the same features"):
        warm.fit(X[:, :2])


def test_collapsed_component_error_is_actionable():
    # Two identical points and one far point: a component on the far point has
    # zero variance, and with reg_covar=0 it cannot be inverted.
    X = np.array(
        [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [50.0, 50.0], [50.0, 50.0]]
    )
    gm = GaussianMixture(3, reg_covar=0.0, means_init=[[0, 0], [1, 1], [50, 50]])
    with pytest.raises(ComponentCollapseError, match=r"component\(s\) 0, 1, 2") as info:
        gm.fit(X)
    message = str(info.value)
    assert "larger reg_covar" in message and "fewer components" in message
    assert info.value.components == [0, 1, 2]
    # With the default regularisation the same data fit without error.
    GaussianMixture(3, means_init=[[0, 0], [1, 1], [50, 50]]).fit(X)


def test_collapsed_starts_are_discarded_when_others_succeed(monkeypatch):
    X, _ = three_clusters()
    import gmmkit.mixture as mixture_module

    real = mixture_module.initial_params
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ComponentCollapseError("component(s) 1: covariance collapsed", [1])
        return real(*args, **kwargs)

    monkeypatch.setattr(mixture_module, "initial_params", flaky)
    gm = GaussianMixture(3, n_init=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match="1 of 3 starts collapsed"):
        gm.fit(X)
    assert gm.converged_


def test_not_converged_warns():
    X, _ = three_clusters()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        GaussianMixture(3, max_iter=2, tol=1e-12, random_state=0).fit(X)


def test_max_iter_zero_keeps_the_start():
    X, _ = three_clusters()
    start = start_params(X, "full")
    gm = GaussianMixture(3, max_iter=0, **start).fit(X)
    np.testing.assert_allclose(gm.means_, start["means_init"])
    assert gm.n_iter_ == 0 and gm.history_ == []


def test_means_init_alone_estimates_the_rest():
    X, _ = three_clusters(n_samples=800, seed=3)
    gm = GaussianMixture(3, means_init=MEANS, max_iter=200).fit(X)
    order = np.argsort(gm.means_[:, 0] * 10 + gm.means_[:, 1])
    np.testing.assert_allclose(
        gm.means_[order], MEANS[np.argsort(MEANS[:, 0] * 10 + MEANS[:, 1])], atol=0.35
    )
    assert gm.covariances_.shape == COVARIANCES.shape


def test_verbose_logs_instead_of_printing(caplog, capsys):
    X, _ = three_clusters()
    with caplog.at_level(logging.INFO, logger="gmmkit"):
        GaussianMixture(3, verbose=2, verbose_interval=1, random_state=0).fit(X)
    assert "Initialization 0" in caplog.text and "Iteration 1" in caplog.text
    assert capsys.readouterr().out == ""


def test_pickle_round_trip():
    X, _ = three_clusters()
    gm = GaussianMixture(3, random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(gm))
    np.testing.assert_array_equal(clone.predict_proba(X), gm.predict_proba(X))


def test_float32_stays_float32():
    X, _ = three_clusters()
    gm = GaussianMixture(3, random_state=0).fit(X.astype(np.float32))
    X32 = X.astype(np.float32)
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        assert getattr(gm, name).dtype == np.float32, name
    assert gm.predict_proba(X32).dtype == np.float32
    assert gm.score_samples(X32).dtype == np.float32
    assert gm.sample(5)[0].dtype == np.float32


def test_integer_and_list_input_is_converted():
    X, _ = three_clusters()
    as_int = np.round(X * 10).astype(np.int64)
    gm = GaussianMixture(2, random_state=0).fit(as_int.tolist())
    assert gm.means_.dtype == np.float64


def test_get_set_params_and_repr():
    gm = GaussianMixture(3, covariance_type="diag")
    assert gm.get_params()["covariance_type"] == "diag"
    gm.set_params(n_components=4)
    assert gm.n_components == 4
    assert repr(gm) == "GaussianMixture(covariance_type='diag', n_components=4)"
    with pytest.raises(ValueError, match="Invalid parameter 'colour'"):
        gm.set_params(colour="red")
