"""Chunks on several threads: same answers, BLAS left as it was found."""

from __future__ import annotations

import os
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
    # Bit for bit: every chunk is computed the same way on any thread.
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_array_equal(
            getattr(threaded, name), getattr(serial, name), err_msg=name
        )
    assert threaded.lower_bound_ == serial.lower_bound_


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
        np.testing.assert_array_equal(
            getattr(fits["2"], name), getattr(fits["1"], name)
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


def probe(map_chunks, n_tasks: int = 8) -> tuple[set[str], set[tuple[int, ...]]]:
    """Names of the threads that ran the tasks, and the BLAS counts they saw."""

    def task(_):
        time.sleep(0.01)  # long enough for every worker to take some
        return threading.current_thread().name, tuple(blas_threads())

    results = list(map_chunks(task, range(n_tasks)))
    return {name for name, _ in results}, {counts for _, counts in results}


def test_chunks_run_on_the_pool_with_blas_held_at_one_then_restored(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        with chunk_map(8) as map_chunks:
            names, counts = probe(map_chunks)
        after = blas_threads()
    assert len(names) == 2 and threading.current_thread().name not in names
    assert counts == {(1,) * len(before)}
    assert after == before


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
    with chunk_map(4) as map_chunks:  # the next pass may use the pool again
        assert len(probe(map_chunks)[0]) == 2


def test_a_pass_of_one_thread_runs_here_with_blas_held_at_one(monkeypatch):
    # So that its products round exactly as on the pool's threads.
    before = blas_threads()
    for setting, n_tasks in (("4", 1), ("1", 100)):
        monkeypatch.setenv("GMMKIT_NUM_THREADS", setting)
        with chunk_map(n_tasks) as map_chunks:
            names, counts = probe(map_chunks, min(n_tasks, 8))
        assert names == {threading.current_thread().name}
        assert counts == {(1,) * len(before)}
    assert blas_threads() == before


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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_statistics_are_identical_for_any_thread_count(monkeypatch, dtype):
    # Wide full-covariance products are where BLAS's own threads would round
    # differently from one thread.
    X = data(6000, d=24).astype(dtype)
    model = GaussianMixture(4, max_iter=2, random_state=0)
    with pytest.warns(Warning):
        params = model.fit(X)._params()
    results = {}
    for threads in ("1", "2", "4"):
        monkeypatch.setenv("GMMKIT_NUM_THREADS", threads)
        results[threads] = e_step(params, X, chunk_size=500)
    for threads in ("2", "4"):
        for name in ("nk", "sum_dx", "sum_dxx"):
            np.testing.assert_array_equal(
                getattr(results[threads], name), getattr(results["1"], name)
            )


@pytest.mark.filterwarnings("ignore::gmmkit.exceptions.ConvergenceWarning")
def test_tasks_see_the_callers_errstate(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    X = data(4000).astype(np.float32)
    params = GaussianMixture(3, max_iter=2, random_state=0).fit(X)._params()
    X[2500, 0] = 3e19  # its square overflows float32
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        e_step(params, X, chunk_size=500)


def test_passes_from_several_threads_take_turns(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    events: list[str] = []
    first_inside = threading.Event()

    def first_pass():
        with chunk_map(4) as map_chunks:
            first_inside.set()
            time.sleep(0.2)  # the second pass starts meanwhile
            probe(map_chunks)
            events.append("first done")

    def second_pass():
        first_inside.wait(10)
        with chunk_map(4) as map_chunks:
            events.append("second starts")
            assert len(probe(map_chunks)[0]) == 2  # the whole pool, after the first

    before = blas_threads()
    threads = [
        threading.Thread(target=first_pass),
        threading.Thread(target=second_pass),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events == ["first done", "second starts"]
    assert blas_threads() == before


def run_within(seconds: float, function) -> object:
    """``function()``'s result, or a test failure if it has not returned in time."""
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s: a deadlock"
    return outcome[0]


@pytest.mark.parametrize(("setting", "n_tasks"), [("2", 4), ("1", 4), ("4", 1)])
def test_a_pass_opened_inside_a_pass_does_not_wait_for_itself(
    monkeypatch, setting, n_tasks
):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", setting)

    def nested_in_tasks():
        def task(index):
            with chunk_map(3) as inner:
                return sum(inner(lambda item: item * index, range(3)))

        with chunk_map(n_tasks) as map_chunks:
            return list(map_chunks(task, range(n_tasks)))

    def nested_in_the_callers_loop():
        with chunk_map(n_tasks) as map_chunks:
            results = []
            for value in map_chunks(lambda item: item, range(n_tasks)):
                with chunk_map(2) as inner:
                    results.append(
                        sum(inner(lambda item, value=value: item + value, range(2)))
                    )
            return results

    expected = [3 * index for index in range(n_tasks)]
    assert run_within(20, nested_in_tasks) == expected
    expected = [2 * index + 1 for index in range(n_tasks)]
    assert run_within(20, nested_in_the_callers_loop) == expected


def test_tasks_call_the_callers_error_handler(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    seen: list[str] = []
    with np.errstate(over="call", call=lambda kind, flag: seen.append(kind)):
        with chunk_map(4) as map_chunks:
            list(map_chunks(lambda _: np.float32(3e38) * np.float32(10), range(4)))
    assert seen and set(seen) == {"overflow"}


def test_a_limit_held_by_another_thread_keeps_the_pass_on_one_thread(monkeypatch):
    # threadpoolctl lets only the thread holding a limit set OpenBLAS's count;
    # two-threaded BLAS on a pool of threads would oversubscribe the cores.
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    outcome = {}

    def a_pass():
        with chunk_map(4) as map_chunks:
            outcome["names"], outcome["counts"] = probe(map_chunks)
        outcome["caller"] = threading.current_thread().name

    with threadpool_limits(2, user_api="blas"):
        if not any(
            lib["internal_api"] == "openblas" for lib in threadpool_info()
        ):  # pragma: no cover - the rule is OpenBLAS's
            pytest.skip("only OpenBLAS restricts who sets the limit")
        thread = threading.Thread(target=a_pass)
        thread.start()
        thread.join()
    assert len(outcome["names"]) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_child_forked_during_a_pass_can_use_the_pool(monkeypatch):
    monkeypatch.setenv("GMMKIT_NUM_THREADS", "2")
    inside, release = threading.Event(), threading.Event()

    def running_pass():
        with chunk_map(4):
            inside.set()
            release.wait(10)

    before = blas_threads()
    thread = threading.Thread(target=running_pass)
    thread.start()
    inside.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only
        try:
            with chunk_map(4) as map_chunks:
                names, _ = probe(map_chunks)
            os._exit(0 if len(names) == 2 and blas_threads() == before else 1)
        except BaseException:
            os._exit(2)
    release.set()
    thread.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
