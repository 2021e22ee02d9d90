"""partial_fit: stepwise EM with running statistics and a decaying step size."""

import copy
import warnings

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, start_params, three_clusters

from gmmkit import GaussianMixture
from gmmkit.engine import e_step
from gmmkit.exceptions import ConvergenceWarning
from gmmkit.families.gaussian import m_step, params_from_covariances
from gmmkit.stepwise import recentre, scale, step_size


@pytest.fixture(scope="module")
def big():
    return three_clusters(30_000, seed=5)[0]


def relative_difference(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_batches_reach_the_full_batch_log_likelihood(big, covariance_type):
    full = GaussianMixture(
        3, covariance_type=covariance_type, random_state=0, tol=1e-6
    ).fit(big)
    online = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    order = np.random.default_rng(1).permutation(len(big))
    batches = np.array_split(order, 60)  # one pass, 500 rows per batch
    online.partial_fit(big[batches[0]])
    after_first = online.score(big)
    for batch in batches[1:]:
        online.partial_fit(big[batch])
    assert online.n_batches_seen_ == 60 and len(online.history_) == 60
    target = full.score(big)
    assert abs(online.score(big) - target) < 0.01 * abs(target)
    assert online.score(big) > after_first  # the later batches did the work
    order_full = np.argsort(full.means_[:, 1] + 2 * full.means_[:, 2])
    order_online = np.argsort(online.means_[:, 1] + 2 * online.means_[:, 2])
    np.testing.assert_allclose(
        online.means_[order_online], full.means_[order_full], atol=0.1
    )


def test_first_batch_is_one_em_iteration(big, covariance_type):
    batch = big[:2000]
    init = start_params(batch, covariance_type)
    kwargs = {"covariance_type": covariance_type, **init}
    online = GaussianMixture(3, **kwargs).partial_fit(batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one_step = GaussianMixture(3, max_iter=1, tol=0.0, **kwargs).fit(batch)
    for name in ("weights_", "means_", "covariances_"):
        assert relative_difference(getattr(online, name), getattr(one_step, name)) < (
            1e-12
        )
    assert online.history_ == one_step.history_


def test_second_batch_follows_the_documented_schedule(big):
    first, second = big[:1000], big[1000:2500]
    init = start_params(first, "full")
    online = GaussianMixture(3, step_offset=3.0, step_decay=0.6, **init)
    online.partial_fit(first)
    s1 = e_step(online_start(init), first)
    params1 = online._params()
    online.partial_fit(second)
    s2 = e_step(params1, second)
    rho = (3.0 + 1) ** -0.6
    running = scale(recentre(scale(s1, 1 / s1.weight), s2.shift, "full"), 1 - rho)
    expected = m_step(
        running + scale(s2, rho / s2.weight), "full", 1e-6, 10 * np.finfo(float).eps
    )
    np.testing.assert_allclose(online.means_, expected.means, rtol=1e-12)
    np.testing.assert_allclose(online.covariances_, expected.covariances, rtol=1e-10)
    assert step_size(1, 3.0, 0.6) == pytest.approx(rho, rel=1e-15)
    assert step_size(0, 3.0, 0.6) == 1.0


def online_start(init):
    precisions = init["precisions_init"]
    return params_from_covariances(
        init["weights_init"], init["means_init"], np.linalg.inv(precisions), "full"
    )


def test_recentre_is_an_exact_change_of_origin(big, covariance_type):
    X = big[:3000] + 50.0  # far from the origin, where shifts matter
    init = start_params(X, covariance_type)
    params = GaussianMixture(3, covariance_type=covariance_type, max_iter=2, **init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        params = params.fit(X)._params()
    stats = e_step(params, X)
    moved = recentre(stats, stats.shift + np.array([3.0, -2.0, 7.5]), covariance_type)
    back = recentre(moved, stats.shift, covariance_type)
    for name in ("nk", "sum_dx", "sum_dxx"):
        np.testing.assert_allclose(
            getattr(back, name), getattr(stats, name), rtol=1e-12, atol=1e-8
        )
    a = m_step(stats, covariance_type, 1e-6, 0.0)
    b = m_step(moved, covariance_type, 1e-6, 0.0)
    np.testing.assert_allclose(b.means, a.means, rtol=1e-12)
    np.testing.assert_allclose(b.covariances, a.covariances, rtol=1e-9)


def test_partial_fit_after_fit_is_one_more_em_iteration(big):
    X = big[:4000]
    fitted = GaussianMixture(3, random_state=0, max_iter=5, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X)
        more = copy.deepcopy(fitted).set_params(warm_start=True, max_iter=1).fit(X)
    fitted.partial_fit(X)
    assert relative_difference(fitted.means_, more.means_) < 1e-12
    assert relative_difference(fitted.covariances_, more.covariances_) < 1e-12


def test_dask_batches_equal_in_memory_batches(big):
    da = pytest.importorskip("dask.array")
    init = start_params(big, "diag")
    a = GaussianMixture(3, covariance_type="diag", **init)
    b = GaussianMixture(3, covariance_type="diag", **init)
    for batch in np.array_split(big[:6000], 4):
        a.partial_fit(batch)
        b.partial_fit(da.from_array(batch, chunks=400))
    assert relative_difference(b.means_, a.means_) < 1e-12
    assert relative_difference(b.covariances_, a.covariances_) < 1e-12


def test_bad_parameters_and_batches(big):
    for decay in (0.5, 1.2):
        with pytest.raises(ValueError, match=r"step_decay must be in \(0.5, 1\]"):
            GaussianMixture(2, step_decay=decay).partial_fit(big[:100])
    with pytest.raises(ValueError, match="step_offset"):
        GaussianMixture(2, step_offset=-1.0).partial_fit(big[:100])
    with pytest.raises(ValueError, match="noise='uniform'"):
        GaussianMixture(2, noise="uniform").partial_fit(big[:100])
    with pytest.raises(ValueError, match="at least n_components = 3 rows"):
        GaussianMixture(3).partial_fit(big[:2])
    model = GaussianMixture(2, random_state=0).partial_fit(big[:100])
    with pytest.raises(ValueError, match="X has 2 features"):
        model.partial_fit(big[:100, :2])
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(np.where(big[:100] > 4, np.nan, big[:100]))
