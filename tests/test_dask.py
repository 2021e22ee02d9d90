"""Dask input: distributed EM equals in-memory EM, out-of-core fits, clear errors.

A real ``LocalCluster`` (two worker processes) is started once for the
module; tests that need it run inside ``client.as_current()``, the others on
Dask's default local scheduler.
"""

import copy
import logging
import os
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, start_params, three_clusters

from gmmkit import BayesianGaussianMixture, GaussianMixture, StudentTMixture
from gmmkit.exceptions import ConvergenceWarning

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from gmmkit.distributed import connect_scheduler, read_array_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Each worker's memory limit; the out-of-core dataset is larger.
WORKER_MEMORY_LIMIT = 32 * 2**20
RTOL = 1e-8


def relative_difference(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def assert_same_fit(dask_model, model, rtol=RTOL):
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        difference = relative_difference(
            getattr(dask_model, name), getattr(model, name)
        )
        assert difference < rtol, (name, difference)
    assert dask_model.n_iter_ == model.n_iter_
    assert dask_model.converged_ == model.converged_
    np.testing.assert_allclose(dask_model.history_, model.history_, rtol=1e-10)


@pytest.fixture(scope="module")
def cluster_client():
    # Worker processes run with a memory limit below the out-of-core
    # dataset. A worker process's own baseline (interpreter, NumPy, Dask)
    # is larger than such a limit, so Dask's process-memory reactions
    # (spill everything, pause, restart) are switched off; managed data
    # still spill beyond the limit's target, and the out-of-core test
    # measures each worker's actual peak memory instead.
    settings = {
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
    }
    with dask.config.set(settings):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=WORKER_MEMORY_LIMIT,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def client(cluster_client):
    """The module's cluster as the scheduler of this test."""
    with cluster_client.as_current():
        yield cluster_client


@pytest.fixture(scope="module")
def data():
    return three_clusters(6000, seed=3)[0]


# ---------------------------------------------------------------- equality
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_dask_fit_equals_in_memory_fit_after_ten_iterations(
    client, data, covariance_type
):
    init = start_params(data, covariance_type)
    kwargs = {"covariance_type": covariance_type, "max_iter": 10, "tol": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GaussianMixture(3, **kwargs, **init).fit(data)
        dask_model = GaussianMixture(3, **kwargs, **init).fit(
            da.from_array(data, chunks=(700, 3))
        )
    assert model.n_iter_ == 10
    assert_same_fit(dask_model, model)


def test_dask_fit_equals_in_memory_fit_at_convergence(client, data):
    init = start_params(data, "full")
    kwargs = {"tol": 1e-8, "max_iter": 500}
    model = GaussianMixture(3, **kwargs, **init).fit(data)
    dask_model = GaussianMixture(3, **kwargs, **init).fit(
        da.from_array(data, chunks=(1000, 3))
    )
    assert model.converged_ and model.n_iter_ > 10
    assert_same_fit(dask_model, model)


def test_fit_does_not_depend_on_chunking(client, data):
    # A data-driven start too: it is drawn from rows chosen by the seed and
    # the row count, not by the blocks.
    fits = []
    for chunks in [(6000,), (500,) * 12, (1234, 766, 2000, 1, 1999)]:
        X = da.from_array(data, chunks=(chunks, (3,)))
        fits.append(GaussianMixture(3, random_state=7, tol=1e-6).fit(X))
    for other in fits[1:]:
        assert_same_fit(other, fits[0], rtol=1e-10)


def test_columns_split_over_blocks_and_integer_data(client, data):
    X = da.from_array(data, chunks=(1000, 2))
    init = start_params(data, "diag")
    model = GaussianMixture(3, covariance_type="diag", **init).fit(data)
    assert_same_fit(GaussianMixture(3, covariance_type="diag", **init).fit(X), model)
    counts = np.rint(data * 10).astype(np.int64)
    fitted = GaussianMixture(3, random_state=0).fit(da.from_array(counts, chunks=900))
    assert fitted.means_.dtype == np.float64


def test_sample_weights_on_dask_input(client, data):
    weights = np.random.default_rng(0).integers(0, 4, size=len(data)).astype(float)
    init = start_params(data, "full")
    model = GaussianMixture(3, **init).fit(data, sample_weight=weights)
    dask_model = GaussianMixture(3, **init).fit(
        da.from_array(data, chunks=800), sample_weight=weights
    )
    assert_same_fit(dask_model, model)
    bad = weights.copy()
    bad[4321] = -1.0
    with pytest.raises(ValueError, match="row 4321"):
        GaussianMixture(3, **init).fit(
            da.from_array(data, chunks=800), sample_weight=bad
        )


def test_float32_stays_float32(client, data):
    X = da.from_array(data.astype(np.float32), chunks=1000)
    init = start_params(data, "full")
    model = GaussianMixture(3, **init).fit(data.astype(np.float32))
    dask_model = GaussianMixture(3, **init).fit(X)
    assert dask_model.means_.dtype == np.float32
    assert dask_model.predict_proba(X).dtype == np.float32
    assert relative_difference(dask_model.means_, model.means_) < 1e-5


def test_bayesian_mixture_on_dask_input_equals_in_memory(client, data):
    # The same start for both: a few in-memory iterations, then warm starts
    # for 15 more iterations on each kind of input.
    kwargs = {"n_components": 3, "random_state": 0, "tol": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        base = BayesianGaussianMixture(**kwargs, max_iter=3).fit(data)
        fits = [
            copy.deepcopy(base).set_params(warm_start=True, max_iter=15).fit(X)
            for X in (data, da.from_array(data, chunks=700))
        ]
    model, dask_model = fits
    for name in ("weights_", "means_", "covariances_", "lower_bound_"):
        difference = relative_difference(
            getattr(dask_model, name), getattr(model, name)
        )
        assert difference < RTOL, name
    np.testing.assert_allclose(dask_model.history_, model.history_, rtol=1e-10)
    labels = dask_model.predict(da.from_array(data, chunks=700))
    np.testing.assert_array_equal(labels.compute(), model.predict(data))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_student_t_mixture_on_dask_input_equals_in_memory(
    client, data, covariance_type
):
    init = start_params(data, covariance_type)
    kwargs = {"covariance_type": covariance_type, "max_iter": 10, "tol": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = StudentTMixture(3, **kwargs, **init).fit(data)
        dask_model = StudentTMixture(3, **kwargs, **init).fit(
            da.from_array(data, chunks=(700, 3))
        )
    assert model.n_iter_ == 10
    assert_same_fit(dask_model, model)
    assert relative_difference(dask_model.dof_, model.dof_) < RTOL
    np.testing.assert_allclose(dask_model.history_, model.history_, rtol=1e-10)


def test_student_t_default_start_on_dask_input_equals_in_memory(client, data):
    # Fewer rows than the start's sample: the sample is every row, in order,
    # so the robust start (neighbour screen, k-means) is the in-memory one.
    model = StudentTMixture(3, random_state=0).fit(data)
    dask_model = StudentTMixture(3, random_state=0).fit(
        da.from_array(data, chunks=1000)
    )
    assert dask_model.n_iter_ == model.n_iter_
    assert_same_fit(dask_model, model)
    labels = dask_model.predict(da.from_array(data, chunks=1000)).compute()
    np.testing.assert_array_equal(labels, model.predict(data))


def test_bayesian_mixture_start_on_dask_input(client, data):
    model = BayesianGaussianMixture(n_components=3, random_state=0).fit(
        da.from_array(data, chunks=1000)
    )
    assert model.converged_
    order = np.argsort(model.means_[:, 1])
    np.testing.assert_allclose(
        model.means_[order], [[0, 0, 0], [4, 4, 0], [0, 5, 5]], atol=0.15
    )


# ---------------------------------------------------------------- inference
def test_inference_is_lazy_and_matches_in_memory(client, data):
    init = start_params(data, "full")
    model = GaussianMixture(3, **init).fit(data)
    X = da.from_array(data, chunks=(900, 3))
    for method, shape in [
        ("predict", (len(data),)),
        ("predict_proba", (len(data), 3)),
        ("score_samples", (len(data),)),
    ]:
        lazy = getattr(model, method)(X)
        assert isinstance(lazy, da.Array), method
        assert lazy.shape == shape and lazy.chunks[0] == X.chunks[0]
        np.testing.assert_allclose(
            lazy.compute(), getattr(model, method)(data), rtol=1e-12, atol=1e-14
        )
    assert abs(model.score(X) - model.score(data)) < 1e-12
    assert relative_difference(model.bic(X), model.bic(data)) < 1e-12
    assert relative_difference(model.aic(X), model.aic(data)) < 1e-12
    dask_labels = model.fit_predict(X)
    assert isinstance(dask_labels, da.Array)


def test_prediction_reads_nothing_until_computed(data):
    model = GaussianMixture(3, random_state=0).fit(data)

    def unreadable():
        raise RuntimeError("the data were read")

    X = da.from_delayed(dask.delayed(unreadable)(), shape=(50, 3), dtype=float)
    labels = model.predict(X)  # builds the graph only
    proba = model.predict_proba(X)
    with pytest.raises(RuntimeError, match="were read"):
        labels.compute()
    with pytest.raises(RuntimeError, match="were read"):
        proba.compute()


def test_runs_on_default_scheduler_without_client(data):
    with pytest.raises(ValueError):
        distributed.default_client()  # no client is active here
    init = start_params(data, "full")
    model = GaussianMixture(3, **init).fit(data)
    dask_model = GaussianMixture(3, **init).fit(da.from_array(data, chunks=1500))
    assert_same_fit(dask_model, model)


def test_core_imports_and_fits_without_dask():
    script = (
        "import sys\n"
        "for name in ('dask', 'dask.array', 'distributed'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "import numpy as np\n"
        "from gmmkit import GaussianMixture\n"
        "X = np.random.default_rng(0).normal(size=(200, 2))\n"
        "gm = GaussianMixture(2, random_state=0).fit(X)\n"
        "gm.partial_fit(X[:100])\n"
        "print(gm.predict(X[:3]).shape)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "(3,)"


# ------------------------------------------------------------- out of core
def _peak_rss_since_reset() -> int:
    """Peak resident memory (bytes) since the last reset, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def _reset_peak_rss() -> int:
    """Reset this process's peak-RSS counter; return its current RSS."""
    Path("/proc/self/clear_refs").write_text("5")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_out_of_core_fit_from_npy_chunks(client, tmp_path):
    # 64 MiB of float64 in 16 files of 4 MiB; each worker may use 32 MiB.
    rng = np.random.default_rng(11)
    n_files, rows_per_file, n_features = 16, 32_768, 16
    means = rng.normal(scale=4.0, size=(4, n_features))
    for i in range(n_files):
        labels = rng.integers(0, 4, size=rows_per_file)
        rows = means[labels] + rng.normal(size=(rows_per_file, n_features))
        np.save(tmp_path / f"part-{i:03d}.npy", rows)
    X = read_array_folder(tmp_path)
    dataset_bytes = X.nbytes
    assert dataset_bytes == n_files * rows_per_file * n_features * 8
    limits = client.run(lambda dask_worker: dask_worker.memory_manager.memory_limit)
    assert all(limit < dataset_bytes for limit in limits.values())

    in_memory = np.concatenate(
        [np.load(tmp_path / f"part-{i:03d}.npy") for i in range(n_files)]
    )
    init = start_params(in_memory, "full", n_components=4)
    kwargs = {"max_iter": 5, "tol": 0.0, **init}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GaussianMixture(4, **kwargs).fit(in_memory)
        del in_memory
        # A tiny fit first, so that imports do not count as the fit's memory.
        GaussianMixture(4, max_iter=1, **init).fit(X[:1000])
        linux = Path("/proc/self/clear_refs").exists()
        if linux:
            before = client.run(_reset_peak_rss)
        dask_model = GaussianMixture(4, **kwargs).fit(X)
    assert_same_fit(dask_model, model)
    if linux:
        peaks = client.run(_peak_rss_since_reset)
        growth = {w: peaks[w] - before[w] for w in peaks}
        # Every worker saw the whole dataset pass through, yet its memory
        # grew by well under the dataset's size: it held blocks, not data.
        assert all(g < dataset_bytes / 2 for g in growth.values()), growth


# --------------------------------------------------------------- bad input
def test_unknown_chunk_sizes_are_refused(data):
    X = da.from_array(data, chunks=1000)
    X = X[X[:, 0] > -100]  # boolean indexing: row counts unknown
    with pytest.raises(ValueError, match=r"compute_chunk_sizes\(\)"):
        GaussianMixture(2).fit(X)
    fitted = GaussianMixture(2, random_state=0).fit(data)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        fitted.predict(X)


def test_nan_in_a_block_names_block_and_row(client, data):
    bad = data.copy()
    bad[3141, 2] = np.nan
    X = da.from_array(bad, chunks=1000)
    expected = r"NaN in block 3 \(rows 3000 to 3999 of X\): row 3141 \(row 141"
    init = start_params(data, "full")
    with pytest.raises(ValueError, match=expected):
        GaussianMixture(3, **init).fit(X)  # found by the E-step
    with pytest.raises(ValueError, match=expected):
        GaussianMixture(3, random_state=0).fit(X)  # found by the start's sample
    model = GaussianMixture(3, **init).fit(data)
    with pytest.raises(ValueError, match=expected):
        model.predict(X).compute()


def test_silent_scheduler_address_fails_within_timeout():
    # A socket that accepts connections and never answers: a plain
    # distributed.Client waits on it forever.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
    outcome = {}

    def connect():
        try:
            connect_scheduler(address, timeout=1.0)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(60)  # generous: the documented bound is timeout + 1 s
    silent.close()
    assert not thread.is_alive(), "connect_scheduler hung"
    assert isinstance(outcome.get("error"), ConnectionError)
    assert "no answer within 1 s" in str(outcome["error"])
    assert "'local'" in str(outcome["error"])


def test_closed_port_fails_with_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        connect_scheduler(f"127.0.0.1:{port}", timeout=1.0)
    with pytest.raises(ValueError, match="timeout"):
        connect_scheduler("127.0.0.1:1", timeout=0)


def test_connect_to_running_scheduler(cluster_client, data):
    client = connect_scheduler(cluster_client.scheduler.address, timeout=5.0)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
    finally:
        client.close()


# ------------------------------------------------------------------ folders
def test_read_folder_of_npy_and_parquet(tmp_path, data):
    npy = tmp_path / "npy"
    npy.mkdir()
    np.save(npy / "b.npy", data[2000:])
    np.save(npy / "a.npy", data[:2000])
    X = read_array_folder(npy, block_bytes=16_000)
    assert X.chunks[0][0] == 16_000 // 24 and not np.isnan(X.shape[0])
    np.testing.assert_array_equal(X.compute(), data)

    pd = pytest.importorskip("pandas")
    pq = tmp_path / "parquet"
    pq.mkdir()
    frame = pd.DataFrame(data, columns=["x", "y", "z"])
    frame.iloc[:2500].to_parquet(pq / "0.parquet", row_group_size=1000)
    frame.iloc[2500:].assign(label="a").to_parquet(pq / "1.parquet")
    with pytest.raises(ValueError, match=r"1.parquet.*non-numeric.*label"):
        read_array_folder(pq)
    X = read_array_folder(pq, columns=["x", "y", "z"])
    assert X.chunks[0][:3] == (1000, 1000, 500)
    np.testing.assert_array_equal(X.compute(), data)


def test_read_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        read_array_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"no \.npy or \.parquet"):
        read_array_folder(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((5, 3)))
    np.save(tmp_path / "b.npy", np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"b.npy.*4 columns.*all files must agree"):
        read_array_folder(tmp_path)


def test_local_cluster_from_address_local():
    client = connect_scheduler("local", n_workers=1, threads_per_worker=1)
    try:
        assert len(client.scheduler_info()["workers"]) == 1
        assert os.getpid() not in client.run(os.getpid).values()
    finally:
        client.close()


def test_dask_dataframe_input_keeps_column_names(data):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = dd.from_pandas(pd.DataFrame(data, columns=["a", "b", "c"]), npartitions=4)
    init = start_params(data, "full")
    model = GaussianMixture(3, **init).fit(frame)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert_same_fit(model, GaussianMixture(3, **init).fit(data))
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['d'\]"):
        GaussianMixture(3).fit(frame.assign(d="x"))


def test_functions_that_need_memory_refuse_dask_input(data):
    from gmmkit import compare_inits, select_model

    X = da.from_array(data, chunks=(len(data) // 4, -1))
    for call in (
        lambda: select_model(X, n_components=[1, 2]),
        lambda: compare_inits(X, 2, n_runs=2),
    ):
        with pytest.raises(TypeError, match=r"Dask collection.*X\.compute\(\)"):
            call()
