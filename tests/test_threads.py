"""Chunks on several threads: same answers, BLAS left as it was found."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from gmmkit import BayesianGaussianMixture, GaussianMixture, StudentTMixture
from gmmkit._threads import chunk_map, thread_budget
from gmmkit.covariance import COVARIANCE_TYPES
from gmmkit.engine import e_step


def blas_threads() -> list[int]:
    libraries = threadpool_info()
    return [lib["num_threads"] for lib in libraries if lib["user_api"] == "blas"]


def data(n=3000, d=5, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(3, d))
    return centres[rng.integers(0, 3, n)] + rng.standard_normal((n, d))


def fitted(X, covariance_type, **kwargs):
    model = GaussianMixture(
        3,
        covariance_type=covariance_type,
        max_iter=10,
        tol=0.0,
        random_state=0,
        chunk_size=256,
        **kwargs,
    )
    with pytest.warns(Warning):  # 10 iterations do not converge at tol=0
        return model.fit(X)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_threads_give_the_same_fit_as_one(monkeypatch, covariance_type):
    X = data()
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "1")
    serial = fitted(X, covariance_type)
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "3")
    threaded = fitted(X, covariance_type)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(threaded, name), getattr(serial, name), rtol=1e-12, err_msg=name
        )
    assert threaded.lower_bound_ == pytest.approx(serial.lower_bound_, rel=1e-13)


@pytest.mark.parametrize("estimator", [BayesianGaussianMixture, StudentTMixture])
@pytest.mark.filterwarnings("ignore::gmmkit.exceptions.ConvergenceWarning")
def test_other_mixtures_fit_the_same_on_threads(monkeypatch, estimator):
    X = data(3000)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(X))
    fits = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("GMMKIT_NUM_THREADS", threads)
        model = estimator(n_components=3, max_iter=8, tol=0.0, random_state=0)
        fits[threads] = model.set_params(chunk_size=200).fit(X, sample_weight=weights)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(fits["2"], name), getattr(fits["1"], name), rtol=1e-12
        )


def test_weighted_statistics_with_background_match_on_threads(monkeypatch):
    X = data(2000).astype(np.float32)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(X))
    model = GaussianMixture(3, noise="uniform", max_iter=3, random_state=0)
    with pytest.warns(Warning):
        model.fit(X)
    params = model._params()
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "1")
    serial = e_step(params, X, weights, chunk_size=128)
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    threaded = e_step(params, X, weights, chunk_size=128)
    assert threaded.noise_mass == pytest.approx(serial.noise_mass, rel=1e-12)
    for name in ("nk", "sum_dx", "sum_dxx"):
        np.testing.assert_allclose(
            getattr(threaded, name), getattr(serial, name), rtol=1e-10, err_msg=name
        )


def test_blas_runs_single_threaded_inside_and_is_restored(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        with chunk_map(8) as map_chunks:
            inside = list(map_chunks(lambda _: blas_threads(), range(8)))
        assert blas_threads() == before
    assert map_chunks is not map
    assert all(threads == [1] * len(before) for threads in inside)


def test_an_error_in_a_chunk_reaches_the_caller_and_leaves_blas_as_it_was(
    monkeypatch,
):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    started: list[int] = []

    def task(index):
        started.append(index)
        if index == 3:
            raise ArithmeticError("chunk 3 failed")
        time.sleep(0.002)  # a chunk's worth of work, without the GIL
        return index

    before = blas_threads()
    with pytest.raises(ArithmeticError, match="chunk 3"):
        with chunk_map(1000) as map_chunks:
            list(map_chunks(task, range(1000)))
    assert blas_threads() == before
    assert len(started) < 1000  # the chunks queued behind the error were dropped
    with chunk_map(4) as map_chunks:  # the next pass may use threads again
        assert map_chunks is not map


def test_one_chunk_or_one_thread_runs_in_the_calling_thread(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "4")
    with chunk_map(1) as map_chunks:
        assert map_chunks is map
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "1")
    with chunk_map(100) as map_chunks:
        assert map_chunks is map


def test_budget_follows_the_blas_limit(monkeypatch):
    monkeypatch.delenv("GMMKIT_NUM_THREADS", raising=False)
    with threadpool_limits(1, user_api="blas"):
        assert thread_budget() == 1


def test_bad_thread_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "many")
    with pytest.raises(ValueError, match=r"GMMKIT_NUM_THREADS.*'many'"):
        thread_budget()


@pytest.mark.filterwarnings("ignore::gmmkit.exceptions.ConvergenceWarning")
def test_concurrent_fits_from_several_threads_agree(monkeypatch):
    # A second pass started while one runs falls back to its own thread.
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    X = data(4000)

    def fit():
        model = GaussianMixture(3, max_iter=10, tol=0.0, random_state=0)
        return model.set_params(chunk_size=256).fit(X)

    expected = fit()
    outcomes: list[object] = []

    def fit_one():
        try:
            outcome = fit()
        except Exception as error:  # reported below, with the others
            outcome = error
        outcomes.append(outcome)

    threads = [threading.Thread(target=fit_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 3
    for model in outcomes:
        assert isinstance(model, GaussianMixture), model
        np.testing.assert_allclose(model.means_, expected.means_, rtol=1e-12)
