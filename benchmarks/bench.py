"""Benchmark gmmkit against scikit-learn, side by side, from the same start.

Run from the repository root::

    python benchmarks/bench.py              # full grid, writes BENCHMARKS.md
    python benchmarks/bench.py --quick      # reduced grid, writes a temp file
    python benchmarks/bench.py --quick --out q.md

Every EM point fits ``gmmkit.GaussianMixture`` and
``sklearn.mixture.GaussianMixture`` in the same process, on the same data,
from the same ``weights_init``, ``means_init`` and ``precisions_init``, for
exactly 20 EM iterations (``max_iter=20, tol=0``). Runs of the two libraries
are interleaved and the median of a few repeats is reported, next to the
achieved GFLOP/s against a matrix-product peak measured in the same run and
the largest difference between the two libraries' fitted means. Peak memory
is measured in child processes, one per library and point (this file run
with ``--memory-child``). Nothing is hard-coded: every number in the output
is measured when the script runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

import gmmkit
from gmmkit import GaussianMixture
from gmmkit._threads import thread_budget
from gmmkit.exceptions import ConvergenceWarning as GmmkitConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("gmmkit", "sklearn")
N_ITER = 20
MIB = 2.0**20
LOAD_WARNING = 0.05  # other processes' share of the CPUs that flags a point
PROBE_WARNING = 0.75  # probe speed (share of its reference) that flags a point

EM_HEADERS = (
    "N",
    "d",
    "K",
    "type",
    "dtype",
    "gmmkit s/iter",
    "sklearn s/iter",
    "ratio (sklearn/gmmkit)",
    "gmmkit GFLOP/s",
    "sklearn GFLOP/s",
    "gmmkit % of peak",
    "sklearn % of peak",
    "max rel diff",
    "other CPU %",
    "slowest probe %",
)
ACCURACY_HEADERS = (
    "N",
    "d",
    "K",
    "type",
    "dtype",
    "gmmkit vs float64",
    "sklearn vs float64",
)
OWN_PRECISION_HEADERS = (
    "N",
    "d",
    "K",
    "type",
    "dtype",
    "s/iter",
    "float64 s/iter",
    "speed-up over float64",
    "other CPU %",
    "slowest probe %",
)
MEMORY_HEADERS = (
    "N",
    "d",
    "K",
    "type",
    "dtype",
    "data MiB",
    "gmmkit traced MiB",
    "sklearn traced MiB",
    "traced ratio (sklearn/gmmkit)",
    "gmmkit RSS MiB",
    "sklearn RSS MiB",
    "RSS ratio (sklearn/gmmkit)",
    "max rel diff",
)
INFERENCE_HEADERS = (
    "N",
    "d",
    "K",
    "type",
    "dtype",
    "gmmkit s",
    "sklearn s",
    "ratio (sklearn/gmmkit)",
    "gmmkit Mrows/s",
    "sklearn Mrows/s",
    "max rel diff",
    "other CPU %",
    "slowest probe %",
)


@dataclass(frozen=True)
class Case:
    """One benchmark point.

    Attributes
    ----------
    n_samples, n_features, n_components : int
        N, d and K.
    covariance_type : {"full", "tied", "diag", "spherical"}
    dtype : {"float64", "float32"}
    """

    n_samples: int
    n_features: int
    n_components: int
    covariance_type: str = "full"
    dtype: str = "float64"

    def label(self) -> str:
        """Short description for progress messages.

        Returns
        -------
        label : str
        """
        return (
            f"N={self.n_samples} d={self.n_features} K={self.n_components} "
            f"{self.covariance_type} {self.dtype}"
        )


@dataclass(frozen=True)
class Grid:
    """What one run measures.

    Attributes
    ----------
    em : tuple of (str, tuple of Case)
        Timed 20-iteration fits, one table per titled section.
    memory : tuple of Case
        Peak-memory points (full fits in child processes).
    inference : tuple of Case
        ``score_samples`` points; the model is fitted on the first
        ``inference_train`` rows and scores all N rows.
    repeats : int
        Fewest timed runs per library and point; the median is reported.
    max_repeats : int
        Most timed runs per library and point: cheap points go on repeating
        (noise on a shared machine) while their timed runs take less than
        ``point_budget`` seconds in all.
    point_budget : float
        Seconds of timed runs after which a point stops at ``repeats``.
    gemm_size : int
        Side of the square matrices of the GEMM peak.
    memory_iter : int
        EM iterations of each memory fit.
    inference_train : int
        Rows the inference model is fitted on.
    retries : int
        Per point, most pairs of timed runs redone because other processes
        competed for the CPUs.
    """

    em: tuple[tuple[str, tuple[Case, ...]], ...]
    memory: tuple[Case, ...]
    inference: tuple[Case, ...]
    repeats: int
    max_repeats: int
    point_budget: float
    gemm_size: int
    memory_iter: int
    inference_train: int
    retries: int


FULL_GRID = Grid(
    em=(
        (
            "Full covariance, float64",
            (
                Case(100_000, 2, 5),
                Case(100_000, 16, 16),
                Case(200_000, 32, 32),
                Case(50_000, 64, 10),
            ),
        ),
        ("Full covariance, float32", (Case(200_000, 32, 32, dtype="float32"),)),
        (
            "Diagonal, tied and spherical covariance, float64",
            (
                Case(200_000, 32, 32, "diag"),
                Case(200_000, 32, 32, "tied"),
                Case(200_000, 32, 32, "spherical"),
            ),
        ),
    ),
    memory=(Case(1_000_000, 8, 64),),
    inference=(Case(1_000_000, 16, 16),),
    repeats=3,
    max_repeats=7,
    point_budget=60.0,
    gemm_size=2048,
    memory_iter=3,
    inference_train=100_000,
    retries=3,
)

QUICK_GRID = Grid(
    em=(
        ("Full covariance, float64", (Case(20_000, 4, 4), Case(20_000, 16, 8))),
        ("Full covariance, float32", (Case(20_000, 16, 8, dtype="float32"),)),
        (
            "Diagonal, tied and spherical covariance, float64",
            (
                Case(20_000, 8, 8, "diag"),
                Case(20_000, 8, 8, "tied"),
                Case(20_000, 8, 8, "spherical"),
            ),
        ),
    ),
    memory=(Case(50_000, 8, 16),),
    inference=(Case(100_000, 8, 8),),
    repeats=2,
    max_repeats=2,
    point_budget=0.0,
    gemm_size=1024,
    memory_iter=3,
    inference_train=20_000,
    retries=0,
)


# ---------------------------------------------------------------- data, start
def make_data(case: Case) -> np.ndarray:
    """Draw ``case.n_samples`` rows from a random, seeded Gaussian mixture.

    The K means are drawn from N(0, 2²) per feature, the weights from a
    Dirichlet(5, ..., 5), and each component's covariance is ``Q diag(s) Qᵀ``
    with a random rotation ``Q`` and variances ``s`` uniform in [0.5, 2], so
    the components overlap and have correlated features. The seed depends
    only on N, d and K, so every process draws the same data for a point.

    Parameters
    ----------
    case : Case

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        In ``case.dtype``.
    """
    n, d, k = case.n_samples, case.n_features, case.n_components
    rng = np.random.default_rng([20240611, n, d, k])
    means = rng.normal(scale=2.0, size=(k, d))
    weights = rng.dirichlet(np.full(k, 5.0))
    labels = rng.choice(k, size=n, p=weights)
    X = rng.standard_normal((n, d))
    for component in range(k):
        rows = labels == component
        rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
        scales = np.sqrt(rng.uniform(0.5, 2.0, size=d))
        X[rows] = X[rows] @ (rotation * scales).T + means[component]
    return X.astype(case.dtype, copy=False)


def start_params(X: np.ndarray, case: Case) -> dict[str, np.ndarray]:
    """Initial parameters handed to both libraries.

    Means are K distinct rows of ``X`` (seeded), weights are uniform and the
    precisions are the identity scaled by the inverse of the mean feature
    variance, shaped for the covariance type. All arrays are in ``X``'s
    dtype, so a float32 fit starts from float32 parameters in both libraries.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    case : Case

    Returns
    -------
    init : dict
        ``weights_init``, ``means_init`` and ``precisions_init``.
    """
    k, d = case.n_components, case.n_features
    rng = np.random.default_rng([7, case.n_samples, d, k])
    means = X[rng.choice(X.shape[0], size=k, replace=False)].astype(np.float64)
    scale = 1.0 / float(X.var(axis=0, dtype=np.float64).mean())
    precisions = {
        "full": np.broadcast_to(np.eye(d) * scale, (k, d, d)).copy(),
        "tied": np.eye(d) * scale,
        "diag": np.full((k, d), scale),
        "spherical": np.full(k, scale),
    }[case.covariance_type]
    return {
        "weights_init": np.full(k, 1.0 / k).astype(X.dtype),
        "means_init": means.astype(X.dtype),
        "precisions_init": precisions.astype(X.dtype),
    }


def flops_per_iteration(case: Case) -> float:
    """Nominal floating-point operations of one EM iteration.

    ``4·N·K·d²`` for full covariances (``2·N·K·d²`` for the E-step's
    quadratic forms, as many for the M-step's second moments),
    ``4·N·K·d`` for diag and spherical, ``2·N·d² + 4·N·K·d`` for tied.

    Parameters
    ----------
    case : Case

    Returns
    -------
    flops : float
    """
    n, d, k = case.n_samples, case.n_features, case.n_components
    if case.covariance_type == "full":
        return 4.0 * n * k * d * d
    if case.covariance_type == "tied":
        return 2.0 * n * d * d + 4.0 * n * k * d
    return 4.0 * n * k * d


def max_rel_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest absolute difference relative to the largest reference value.

    Parameters
    ----------
    ours, theirs : ndarray
        Same shape; ``theirs`` is the reference (scikit-learn).

    Returns
    -------
    diff : float
        ``max|ours - theirs| / max|theirs|``, in float64.
    """
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    scale = max(float(np.max(np.abs(theirs))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(ours - theirs)) / scale)


# ---------------------------------------------------------------------- fits
@contextmanager
def quiet() -> Iterator[None]:
    """Silence both libraries' ConvergenceWarning (20 iterations, tol=0).

    Yields
    ------
    None
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklearnConvergenceWarning)
        warnings.simplefilter("ignore", GmmkitConvergenceWarning)
        yield


def make_model(library: str, case: Case, init: dict, max_iter: int):
    """An unfitted estimator of either library with the shared settings.

    Parameters
    ----------
    library : {"gmmkit", "sklearn"}
    case : Case
    init : dict
        From :func:`start_params`.
    max_iter : int

    Returns
    -------
    model : gmmkit.GaussianMixture or sklearn.mixture.GaussianMixture
    """
    cls = GaussianMixture if library == "gmmkit" else SklearnGaussianMixture
    return cls(
        n_components=case.n_components,
        covariance_type=case.covariance_type,
        max_iter=max_iter,
        tol=0.0,
        random_state=0,
        **init,
    )


def timed_fit(library: str, X: np.ndarray, case: Case, init: dict, max_iter: int):
    """Fit one library and time the call.

    Parameters
    ----------
    library : {"gmmkit", "sklearn"}
    X : ndarray
    case : Case
    init : dict
    max_iter : int

    Returns
    -------
    model : fitted estimator
    seconds : float
        Wall time of ``fit``.
    """
    model = make_model(library, case, init, max_iter)
    gc.collect()
    with quiet():
        tic = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - tic
    if model.n_iter_ != max_iter:
        raise RuntimeError(
            f"{library} ran {model.n_iter_} iterations instead of {max_iter} "
            f"at {case.label()}."
        )
    return model, seconds


class Monitor:
    """Watches for other work on the machine around timed runs.

    Two signs: the share of the CPUs other processes used (:class:`OtherLoad`,
    from /proc/stat), and a short matrix-product probe (best of 3 float64
    1024×1024 ``A @ B``, about 0.1 s) compared with its best speed at the
    start of the run. The probe also sees interference that /proc/stat cannot,
    such as another virtual machine on the same host slowing these cores.

    Parameters
    ----------
    size : int, default=1024
        Side of the probe's matrices.
    """

    def __init__(self, size: int = 1024):
        rng = np.random.default_rng(1)
        self._a = rng.standard_normal((size, size))
        self._b = rng.standard_normal((size, size))
        self._flops = 2.0 * size**3
        self.reference = max(self.probe_gflops() for _ in range(10))

    def probe_gflops(self) -> float:
        """GFLOP/s of the best of three probe products now.

        Returns
        -------
        gflops : float
        """
        best = np.inf
        for _ in range(3):
            tic = time.perf_counter()
            self._a @ self._b
            best = min(best, time.perf_counter() - tic)
        return self._flops / best / 1e9

    def speed(self) -> float:
        """The probe's speed now as a share of its reference speed.

        Returns
        -------
        speed : float
        """
        gflops = self.probe_gflops()
        self.reference = max(self.reference, gflops)
        return gflops / self.reference

    def wait_for_quiet(self, timeout: float = 180.0, window: float = 2.0) -> bool:
        """Wait until nothing else competes for the cores.

        Parameters
        ----------
        timeout : float, default=180
            Seconds to wait at most.
        window : float, default=2
            Seconds each look at the machine lasts.

        Returns
        -------
        quiet : bool
            False when the timeout passed first.
        """
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with OtherLoad() as load:
                time.sleep(window)
            if not _disturbed(load.share, self.speed()):
                return True
        return False


def _disturbed(share: float | None, speed: float | None) -> bool:
    busy = share is not None and share > LOAD_WARNING
    slow = speed is not None and speed < PROBE_WARNING
    return busy or slow


def interleaved(
    run, grid: Grid, monitor: Monitor, sides: tuple[str, str] = LIBRARIES
) -> dict:
    """Call ``run(side)`` for both sides (the libraries), alternating, a few times.

    Pairs of runs go on until there are ``grid.repeats`` of them, and further
    up to ``grid.max_repeats`` while the point has taken less than
    ``grid.point_budget`` seconds. The order flips every pair (gmmkit first,
    then scikit-learn first), so slow drifts of the machine hit both
    libraries alike. Each pair is watched by ``monitor`` (probes before,
    between and after the two runs); a disturbed pair, during which other
    processes used more than ``LOAD_WARNING`` of the CPUs or a probe ran
    below ``PROBE_WARNING`` of its reference speed, is thrown away and run
    again after waiting for the machine to quieten, at most ``grid.retries``
    times per point.

    Parameters
    ----------
    run : callable
        ``run(side) -> seconds``.
    grid : Grid
    monitor : Monitor
    sides : pair of str
        What is compared; the two libraries unless told otherwise.

    Returns
    -------
    result : dict
        ``times`` (seconds per kept run for each library), ``other_load``
        (largest share of the CPUs used by other processes during a kept
        pair), ``speed`` (slowest probe during a kept pair, as a share of the
        reference) and ``redone`` (pairs thrown away and run again).
    """
    times: dict[str, list[float]] = {side: [] for side in sides}
    shares: list[float] = []
    speeds: list[float] = []
    kept = redone = 0
    spent = 0.0
    while kept < grid.repeats or (
        kept < grid.max_repeats and spent < grid.point_budget
    ):
        order = sides if kept % 2 == 0 else sides[::-1]
        pair, probes = {}, [monitor.speed()]
        with OtherLoad() as load:
            for library in order:
                pair[library] = run(library)
                probes.append(monitor.speed())
        spent += sum(pair.values())
        if _disturbed(load.share, min(probes)) and redone < grid.retries:
            redone += 1
            print(
                f"  disturbed (other CPU {_percent(load.share)}%, slowest probe "
                f"{_percent(min(probes))}%): redoing this pair ({redone} of at "
                f"most {grid.retries})",
                flush=True,
            )
            monitor.wait_for_quiet()
            continue
        kept += 1
        for side in sides:
            times[side].append(pair[side])
        if load.share is not None:
            shares.append(load.share)
        speeds.append(min(probes))
    return {
        "times": times,
        "other_load": max(shares) if shares else None,
        "speed": min(speeds),
        "redone": redone,
    }


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}"


def bench_em(case: Case, grid: Grid, peaks: dict[str, float], monitor: Monitor) -> dict:
    """Time 20 EM iterations of both libraries at one point.

    Parameters
    ----------
    case : Case
    grid : Grid
        Repeats and retries (see :func:`interleaved`).
    peaks : dict
        GEMM GFLOP/s per dtype name.
    monitor : Monitor

    Returns
    -------
    row : dict
        Seconds per iteration (median), GFLOP/s, share of the peak and the
        largest relative difference between the fitted means.
    """
    X = make_data(case)
    init = start_params(X, case)
    for library in LIBRARIES:  # warm-up: imports, BLAS buffers, page faults
        timed_fit(library, X, case, init, max_iter=1)
    models = {}

    def run(library: str) -> float:
        models[library], seconds = timed_fit(library, X, case, init, N_ITER)
        return seconds

    watched = interleaved(run, grid, monitor)
    times = watched.pop("times")
    flops = flops_per_iteration(case)
    row = {"case": asdict(case), "flops_per_iter": flops, "raw_seconds": times}
    row.update(watched)
    for library in LIBRARIES:
        per_iter = statistics.median(times[library]) / N_ITER
        row[f"{library}_s_iter"] = per_iter
        row[f"{library}_gflops"] = flops / per_iter / 1e9
        row[f"{library}_pct_peak"] = (
            100.0 * row[f"{library}_gflops"] / peaks[case.dtype]
        )
    row["ratio"] = row["sklearn_s_iter"] / row["gmmkit_s_iter"]
    row["max_rel_diff"] = max_rel_diff(
        models["gmmkit"].means_, models["sklearn"].means_
    )
    if case.dtype != "float64":
        row.update(against_own_float64(case, X, init, grid, monitor, models))
    return row


def against_own_float64(
    case: Case, X: np.ndarray, init: dict, grid: Grid, monitor: Monitor, models: dict
) -> dict:
    """Low precision against float64, both gmmkit, interleaved.

    The same data upcast and the same start in float64: how much faster the
    low precision is (timed like the libraries, in alternating pairs, so
    the machine's drift hits both alike) and how far each library's
    low-precision means are from the float64 answer.
    """
    case64 = dataclasses.replace(case, dtype="float64")
    X64 = X.astype(np.float64)
    init64 = {name: value.astype(np.float64) for name, value in init.items()}
    timed_fit("gmmkit", X64, case64, init64, max_iter=1)  # warm-up
    reference = {}

    def run(side: str) -> float:
        if side == "float64":
            reference["model"], seconds = timed_fit(
                "gmmkit", X64, case64, init64, N_ITER
            )
        else:
            _, seconds = timed_fit("gmmkit", X, case, init, N_ITER)
        return seconds

    watched = interleaved(run, grid, monitor, sides=(case.dtype, "float64"))
    low, high = (
        statistics.median(watched["times"][side]) for side in (case.dtype, "float64")
    )
    row = {
        "own_low_s_iter": low / N_ITER,
        "own_float64_s_iter": high / N_ITER,
        "own_speedup": high / low,
        "own_quiet": {key: watched[key] for key in ("other_load", "speed", "redone")},
        "own_raw_seconds": watched["times"],
    }
    for library in LIBRARIES:
        row[f"{library}_vs_float64"] = max_rel_diff(
            models[library].means_, reference["model"].means_
        )
    return row


def sklearn_from(ours: GaussianMixture) -> SklearnGaussianMixture:
    """A scikit-learn model holding a fitted gmmkit model's parameters.

    Parameters
    ----------
    ours : gmmkit.GaussianMixture
        Fitted.

    Returns
    -------
    theirs : sklearn.mixture.GaussianMixture
        Ready for ``score_samples`` and ``predict``, never fitted itself.
    """
    theirs = SklearnGaussianMixture(
        n_components=ours.n_components, covariance_type=ours.covariance_type
    )
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        setattr(theirs, name, getattr(ours, name).copy())
    theirs.converged_ = True
    theirs.n_iter_ = ours.n_iter_
    theirs.lower_bound_ = ours.lower_bound_
    theirs.lower_bounds_ = list(ours.lower_bounds_)
    theirs.n_features_in_ = ours.n_features_in_
    return theirs


def bench_inference(case: Case, grid: Grid, monitor: Monitor) -> dict:
    """Time both libraries' ``score_samples`` on the same fitted parameters.

    gmmkit is fitted for 20 iterations on the first ``grid.inference_train``
    rows from
    :func:`start_params`; its parameters are copied into a scikit-learn
    model; both then score all N rows.

    Parameters
    ----------
    case : Case
    grid : Grid
        Rows to fit on, repeats and retries (see :func:`interleaved`).
    monitor : Monitor

    Returns
    -------
    row : dict
    """
    X = make_data(case)
    train = X[: min(grid.inference_train, case.n_samples)]
    ours, _ = timed_fit("gmmkit", train, case, start_params(train, case), N_ITER)
    models = {"gmmkit": ours, "sklearn": sklearn_from(ours)}
    scores = {}
    for library in LIBRARIES:  # warm-up
        models[library].score_samples(X[:1000])

    def run(library: str) -> float:
        gc.collect()
        tic = time.perf_counter()
        scores[library] = models[library].score_samples(X)
        return time.perf_counter() - tic

    watched = interleaved(run, grid, monitor)
    times = watched.pop("times")
    row = {"case": asdict(case), "n_train": len(train), "raw_seconds": times}
    row.update(watched)
    for library in LIBRARIES:
        seconds = statistics.median(times[library])
        row[f"{library}_s"] = seconds
        row[f"{library}_mrows"] = case.n_samples / seconds / 1e6
    row["ratio"] = row["sklearn_s"] / row["gmmkit_s"]
    row["max_rel_diff"] = max_rel_diff(scores["gmmkit"], scores["sklearn"])
    return row


def gemm_peak(n: int, dtype: str, repeats: int = 5) -> float:
    """GFLOP/s of the best of ``repeats`` ``A @ B`` with n×n matrices.

    Parameters
    ----------
    n : int
    dtype : {"float64", "float32"}
    repeats : int, default=5

    Returns
    -------
    gflops : float
        ``2·n³`` over the fastest run.
    """
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n)).astype(dtype)
    B = rng.standard_normal((n, n)).astype(dtype)
    A @ B  # warm-up
    best = np.inf
    for _ in range(repeats):
        tic = time.perf_counter()
        A @ B
        best = min(best, time.perf_counter() - tic)
    return 2.0 * n**3 / best / 1e9


# -------------------------------------------------------------------- memory
def _proc_status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ``clear_refs``); True if done."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> int:
    hwm = _proc_status_kib("VmHWM")
    if hwm is not None:
        return hwm * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _current_rss_bytes() -> int:
    rss = _proc_status_kib("VmRSS")
    if rss is not None:
        return rss * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_child(spec: dict) -> dict:
    """Measure one library's extra memory during a fit (in a fresh process).

    The same code paths are first warmed up on 2000 rows (imports, BLAS
    buffers), then the data and start are made, the peak-RSS mark is reset
    and tracemalloc is started; after the fit, the peak traced bytes and the
    peak RSS are read, each minus its value just before the fit.

    Parameters
    ----------
    spec : dict
        ``case`` (fields of :class:`Case`), ``library`` and ``max_iter``.

    Returns
    -------
    result : dict
        ``traced_bytes``, ``rss_bytes``, ``rss_reset`` (whether the peak
        mark could be reset), ``seconds`` and the fitted ``means``.
    """
    case = Case(**spec["case"])
    library, max_iter = spec["library"], spec["max_iter"]
    small = Case(2000, case.n_features, case.n_components, **_kind(case))
    X_small = make_data(small)
    timed_fit(library, X_small, small, start_params(X_small, small), 2)
    del X_small
    X = make_data(case)
    init = start_params(X, case)
    tracemalloc.start()
    gc.collect()
    rss_reset = _reset_peak_rss()
    rss_before = _current_rss_bytes()
    traced_before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    model, seconds = timed_fit(library, X, case, init, max_iter)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_peak = _peak_rss_bytes()
    return {
        "traced_bytes": traced_peak - traced_before,
        "rss_bytes": rss_peak - rss_before,
        "rss_reset": rss_reset,
        "seconds": seconds,
        "means": np.asarray(model.means_, dtype=np.float64).tolist(),
        "fingerprint": FINGERPRINT,
    }


def _kind(case: Case) -> dict:
    return {"covariance_type": case.covariance_type, "dtype": case.dtype}


@contextmanager
def gmmkit_snapshot() -> Iterator[Path]:
    """A copy of the imported gmmkit package, for the child processes.

    gmmkit may be edited while a long run goes on; children that import the
    copy (it goes first on their ``PYTHONPATH``) run the same code as this
    process, which imported it at the start.

    Yields
    ------
    folder : Path
        Holds ``gmmkit/``; removed afterwards.
    """
    source = Path(gmmkit.__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="gmmkit-bench-") as folder:
        shutil.copytree(
            source,
            Path(folder) / "gmmkit",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        yield Path(folder)


def bench_memory(case: Case, max_iter: int, snapshot: Path | None = None) -> dict:
    """Peak extra memory of both libraries, each in its own child process.

    Parameters
    ----------
    case : Case
    max_iter : int
    snapshot : Path, optional
        Folder holding the copy of gmmkit the children import
        (:func:`gmmkit_snapshot`); without it they import the installed one.

    Returns
    -------
    row : dict
    """
    env = dict(os.environ)
    if snapshot is not None:
        paths = [str(snapshot), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    results = {}
    for library in LIBRARIES:
        spec = {"case": asdict(case), "library": library, "max_iter": max_iter}
        completed = subprocess.run(
            [sys.executable, __file__, "--memory-child", json.dumps(spec)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env=env,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"memory child for {library} at {case.label()} failed:\n"
                f"{completed.stderr}"
            )
        results[library] = json.loads(completed.stdout.strip().splitlines()[-1])
    row = {"case": asdict(case), "max_iter": max_iter}
    row["data_bytes"] = case.n_samples * case.n_features * np.dtype(case.dtype).itemsize
    for library in LIBRARIES:
        row[f"{library}_traced"] = results[library]["traced_bytes"]
        row[f"{library}_rss"] = results[library]["rss_bytes"]
        row[f"{library}_seconds"] = results[library]["seconds"]
    row["rss_reset"] = all(results[lib]["rss_reset"] for lib in LIBRARIES)
    row["fingerprints"] = [results[lib]["fingerprint"] for lib in LIBRARIES]
    row["max_rel_diff"] = max_rel_diff(
        results["gmmkit"]["means"], results["sklearn"]["means"]
    )
    return row


# ------------------------------------------------------------------- machine
def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo.

    Returns
    -------
    model : str
    """
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_lines() -> list[str]:
    """The BLAS (and OpenMP) libraries in use, with their thread counts.

    Uses threadpoolctl when it is importable (scikit-learn depends on it),
    otherwise ``numpy.show_config``.

    Returns
    -------
    lines : list of str
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        try:
            config = np.show_config(mode="dicts")
            blas = config["Build Dependencies"]["blas"]
            return [f"numpy: {blas.get('name')} {blas.get('version')}"]
        except Exception:  # informational only
            return ["unknown"]
    lines = []
    for info in threadpool_info():
        where = Path(info.get("filepath", "")).parent.name
        details = [f"{info.get('user_api')} from {where}"]
        if info.get("architecture"):
            details.append(f"architecture {info['architecture']}")
        if info.get("threading_layer"):
            details.append(f"{info['threading_layer']} threading")
        details.append(f"{info.get('num_threads')} threads")
        name = f"{info.get('internal_api')} {info.get('version') or ''}".strip()
        lines.append(f"{name} ({', '.join(details)})")
    return lines


def git_state() -> str:
    """The repository's commit and whether gmmkit/ had uncommitted changes.

    Returns
    -------
    state : str
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--", "gmmkit")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes in gmmkit/" if dirty else "")


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, all cores, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _own_jiffies() -> int:
    """CPU ticks of this process (all threads) and its waited-for children."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime


class OtherLoad:
    """Share of the machine's CPU time used by other processes during a block.

    ``share`` is (busy ticks of the machine − ticks of this process and its
    children) / all ticks of all cores, or None where /proc is unavailable.
    Anything well above 0 means something else competed for the cores.
    """

    def __enter__(self) -> OtherLoad:
        self.share: float | None = None
        try:
            self._start = (*_machine_jiffies(), _own_jiffies())
        except (OSError, ValueError, IndexError):
            self._start = None
        return self

    def __exit__(self, *exc_info) -> None:
        if self._start is None:
            return
        try:
            busy, total, own = (*_machine_jiffies(), _own_jiffies())
        except (OSError, ValueError, IndexError):
            return
        elapsed = total - self._start[1]
        if elapsed > 0:
            others = (busy - self._start[0]) - (own - self._start[2])
            self.share = min(max(others / elapsed, 0.0), 1.0)


def gmmkit_fingerprint() -> str:
    """Hash of the gmmkit sources on disk, to notice edits during a run.

    Returns
    -------
    fingerprint : str
        12 hex digits of a SHA-256 over every ``.py`` file of the package.
    """
    root = Path(gmmkit.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# The sources this process imported (read right after the import).
FINGERPRINT = gmmkit_fingerprint()


# ------------------------------------------------------------------- report
def _quiet_cells(row: dict) -> list[str]:
    probe = _percent(row["speed"])
    if _disturbed(row["other_load"], row["speed"]):
        probe += " ⚠"
    if row["redone"]:
        probe += f" ({row['redone']} redone)"
    return [_percent(row["other_load"]), probe]


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}"


def _table(headers: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _int(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _case_cells(case: dict) -> list[str]:
    return [
        _int(case["n_samples"]),
        str(case["n_features"]),
        str(case["n_components"]),
        case["covariance_type"],
        case["dtype"],
    ]


def render(results: dict) -> str:
    """The markdown report.

    Parameters
    ----------
    results : dict
        As assembled by :func:`run_grid`.

    Returns
    -------
    markdown : str
    """
    grid: Grid = results["grid"]
    peaks = results["peaks"]
    out = [
        "# gmmkit benchmarks",
        "",
        f"gmmkit and scikit-learn side by side, {results['mode']} grid, measured "
        f"{results['date']} in {results['seconds']:.0f} s.",
        "",
        *[f"> **Warning:** {warning}\n" for warning in warnings_for(results)],
        "Reproduce (from the repository root):",
        "",
        "```bash",
        results["command"],
        "```",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {results['cpu']} |",
        f"| cores | {results['cores']} logical, {results['usable_cores']} usable |",
        f"| Python | {platform.python_version()} ({platform.platform()}) |",
        f"| numpy | {np.__version__} |",
        f"| scipy | {scipy.__version__} |",
        f"| scikit-learn | {sklearn.__version__} |",
        f"| gmmkit | {gmmkit.__version__}, git {results['git']}, source "
        f"fingerprint {results['fingerprint']} |",
    ]
    out.extend(f"| BLAS / threads | {line} |" for line in results["blas"])
    for dtype, gflops in peaks.items():
        out.append(
            f"| GEMM peak {dtype} | {gflops:.1f} GFLOP/s ({grid.gemm_size}×"
            f"{grid.gemm_size} `A @ B`, 2·n³ flops, best of 5) |"
        )
    out.append(
        f"| GEMM probe | {results['probe_reference']:.1f} GFLOP/s (float64 "
        "1024×1024 `A @ B`, best of 3; the quiet checks' reference) |"
    )
    out += [
        "",
        "## Method",
        "",
        "- Data: N rows from a seeded mixture of K Gaussians (means ~ N(0, 2²) "
        "per feature, Dirichlet(5) weights, randomly rotated covariances with "
        "variances in [0.5, 2]).",
        "- Start: both libraries get the same `weights_init` (uniform), "
        "`means_init` (K seeded rows of the data) and `precisions_init` (identity "
        "× 1 / mean feature variance, shaped (K, d, d), (d, d), (K, d) or (K,) "
        "per covariance type), in the data's dtype.",
        f"- Each fit runs exactly {N_ITER} EM iterations (`max_iter={N_ITER}, "
        "tol=0`, ConvergenceWarning silenced; the script checks `n_iter_`). "
        f"s/iter is the wall time of `fit` / {N_ITER}, median of "
        f"{_runs(grid)} runs per library (every run is listed under Raw timings), "
        "gmmkit and scikit-learn runs interleaved (order flipped every pair) "
        "after one 1-iteration warm-up fit each. The time includes input "
        "validation and, for scikit-learn, the extra E-step its `fit` always "
        "runs at the end (21 E-steps for "
        f"{N_ITER} M-steps).",
        "- Cores: scikit-learn uses them through BLAS's threads; gmmkit's E-step "
        f"runs whole chunks on {results['gmmkit_threads']} threads (one per "
        "core BLAS may use) with single-threaded BLAS inside "
        "(`gmmkit/_threads.py`).",
        "- Ratio = scikit-learn s/iter ÷ gmmkit s/iter (above 1: gmmkit faster).",
        "- Quiet checks, because this may be a shared machine: other CPU % is "
        "the largest share of the machine's CPU time (all cores) used by "
        "processes other than this benchmark during any kept pair of timed "
        "runs, from /proc/stat; slowest probe % is the slowest of the short "
        "matrix-product probes taken before, between and after the two runs "
        "of each kept pair (best of 3 float64 1024×1024 `A @ B`), as a share "
        "of the probe's best speed in this run. The probe also sees "
        "interference /proc/stat cannot, such as a neighbouring virtual "
        "machine slowing these cores. A pair with other CPU above "
        f"{100 * LOAD_WARNING:.0f}% or a probe below "
        f"{100 * PROBE_WARNING:.0f}% is disturbed; "
        + (
            "it is thrown away and run again once the machine is quiet (at most "
            f"{grid.retries} times per point; the count is shown as 'redone'). "
            if grid.retries
            else "disturbed pairs are not redone in this run (`--retries 0`). "
        )
        + "Points that stay disturbed are marked ⚠. The probes watch only "
        "moments around the runs, so the raw timings below are the best guide "
        "to how steady a point was.",
        "- GFLOP/s = nominal flops per iteration ÷ s/iter, the same count for "
        "both libraries: full 4·N·K·d² (2·N·K·d² for the E-step's quadratic "
        "forms, as many for the M-step's second moments); diag and spherical "
        "4·N·K·d; tied 2·N·d² + 4·N·K·d. exp/log and other work are not counted. "
        "% of peak is against the GEMM peak above in the same dtype.",
        "- max rel diff = max|means_(gmmkit) − means_(scikit-learn)| / "
        f"max|means_(scikit-learn)| after the {N_ITER} iterations: both libraries "
        "did the same work when it is at rounding level (float64: far below "
        "1e-6; float32 runs differ by float32 rounding amplified over the "
        "iterations, so each is also compared with a float64 fit below its "
        "table).",
    ]
    for title, rows in results["em"]:
        out += ["", f"## EM iterations: {title}", ""]
        cells = []
        for row in rows:
            cells.append(
                [
                    *_case_cells(row["case"]),
                    _fmt(row["gmmkit_s_iter"]),
                    _fmt(row["sklearn_s_iter"]),
                    f"{row['ratio']:.2f}",
                    f"{row['gmmkit_gflops']:.2f}",
                    f"{row['sklearn_gflops']:.2f}",
                    f"{row['gmmkit_pct_peak']:.1f}",
                    f"{row['sklearn_pct_peak']:.1f}",
                    f"{row['max_rel_diff']:.1e}",
                    *_quiet_cells(row),
                ]
            )
        out += _table(EM_HEADERS, cells)
        accuracy = [row for row in rows if "gmmkit_vs_float64" in row]
        if accuracy:
            out += [
                "",
                "Low-precision accuracy: each library's means_ after the "
                f"{N_ITER} iterations against a float64 fit (gmmkit; the float64 "
                "tables show gmmkit and scikit-learn agree there to rounding "
                "level) on the same data upcast to float64, from the same start "
                "(max|Δ| / max|float64 means_|):",
                "",
            ]
            out += _table(
                ACCURACY_HEADERS,
                [
                    [
                        *_case_cells(row["case"]),
                        f"{row['gmmkit_vs_float64']:.1e}",
                        f"{row['sklearn_vs_float64']:.1e}",
                    ]
                    for row in accuracy
                ],
            )
            out += [
                "",
                "Low precision against float64, gmmkit alone: the same fit on the "
                "same data upcast to float64, from the same start, timed in "
                "alternating pairs like the libraries above (so a drift of the "
                "machine's speed hits both):",
                "",
            ]
            out += _table(
                OWN_PRECISION_HEADERS,
                [
                    [
                        *_case_cells(row["case"]),
                        _fmt(row["own_low_s_iter"]),
                        _fmt(row["own_float64_s_iter"]),
                        f"{row['own_speedup']:.2f}",
                        *_quiet_cells(row["own_quiet"]),
                    ]
                    for row in accuracy
                ],
            )
    if results["memory"]:
        reset = all(row["rss_reset"] for row in results["memory"])
        out += [
            "",
            "## Peak extra memory during a fit",
            "",
            f"Each library fits in its own fresh process ({grid.memory_iter} EM "
            "iterations; every iteration allocates the same arrays, so the peak "
            "is reached in the first). The child first warms the same code paths "
            "up on 2000 rows, then makes the data and the start. Two measures, "
            "both taken from just before `fit` to its end:",
            "",
            "- traced: peak bytes seen by `tracemalloc` during `fit` minus the "
            "traced bytes before it. NumPy reports its array allocations to "
            "tracemalloc, so this counts every temporary array (and Python "
            "object) but not memory that compiled code allocates by itself.",
            "- RSS: peak resident set size during `fit` ("
            + (
                "VmHWM, reset through /proc/self/clear_refs just before `fit`"
                if reset
                else "ru_maxrss; the peak mark could not be reset, so this "
                "may hide a fit peak below the data-generation peak"
            )
            + ") minus the RSS before `fit`. Includes everything the process "
            "touched, so it also sees allocations outside NumPy; it moves with "
            "page granularity and allocator caching, and reads lower than traced "
            "when the fit reuses freed pages that were already resident.",
            "",
            "data MiB is the size of X itself, for scale. The traced and RSS "
            "ratios are scikit-learn ÷ gmmkit.",
            "",
        ]
        cells = []
        for row in results["memory"]:
            cells.append(
                [
                    *_case_cells(row["case"]),
                    f"{row['data_bytes'] / MIB:.1f}",
                    f"{row['gmmkit_traced'] / MIB:.1f}",
                    f"{row['sklearn_traced'] / MIB:.1f}",
                    f"{row['sklearn_traced'] / max(row['gmmkit_traced'], 1):.1f}",
                    f"{row['gmmkit_rss'] / MIB:.1f}",
                    f"{row['sklearn_rss'] / MIB:.1f}",
                    f"{row['sklearn_rss'] / max(row['gmmkit_rss'], 1):.1f}",
                    f"{row['max_rel_diff']:.1e}",
                ]
            )
        out += _table(MEMORY_HEADERS, cells)
    if results["inference"]:
        out += [
            "",
            "## Inference: `score_samples`",
            "",
            f"gmmkit is fitted ({N_ITER} iterations, same start as above) on the "
            f"first {_int(grid.inference_train)} rows; its `weights_`, `means_`, "
            "`covariances_`, `precisions_` and `precisions_cholesky_` are set "
            "directly on a scikit-learn model (with `converged_`, `n_iter_`, "
            "`lower_bound_` and `n_features_in_`), and both score all N rows. "
            f"Seconds per call, median of {_runs(grid)} interleaved calls after "
            "a warm-up; max rel diff compares the two log-densities "
            "(max|Δ| / max|scikit-learn|).",
            "",
        ]
        cells = []
        for row in results["inference"]:
            cells.append(
                [
                    *_case_cells(row["case"]),
                    _fmt(row["gmmkit_s"]),
                    _fmt(row["sklearn_s"]),
                    f"{row['ratio']:.2f}",
                    f"{row['gmmkit_mrows']:.2f}",
                    f"{row['sklearn_mrows']:.2f}",
                    f"{row['max_rel_diff']:.1e}",
                    *_quiet_cells(row),
                ]
            )
        out += _table(INFERENCE_HEADERS, cells)
    out += ["", "## Raw timings", "", "Seconds of every kept timed run, in order:", ""]
    rows = [("EM fit", row) for _, em in results["em"] for row in em]
    rows += [("score_samples", row) for row in results["inference"]]
    for what, row in rows:
        case = Case(**row["case"])
        runs = "; ".join(
            f"{library} "
            + ", ".join(f"{seconds:.3g}" for seconds in row["raw_seconds"][library])
            for library in LIBRARIES
        )
        out.append(f"- {what} {case.label()}: {runs}")
        if "own_raw_seconds" in row:
            runs = "; ".join(
                f"{side} " + ", ".join(f"{seconds:.3g}" for seconds in times)
                for side, times in row["own_raw_seconds"].items()
            )
            out.append(f"- EM fit {case.label()}, gmmkit against its float64: {runs}")
    return "\n".join(out) + "\n"


def _runs(grid: Grid) -> str:
    if grid.max_repeats > grid.repeats:
        return (
            f"{grid.repeats} to {grid.max_repeats} (more while a point's timed "
            f"runs total under {grid.point_budget:.0f} s)"
        )
    return str(grid.repeats)


# ---------------------------------------------------------------------- run
def run_grid(grid: Grid, mode: str, command: str, snapshot: Path | None = None) -> dict:
    """Measure everything in ``grid``, printing progress.

    Parameters
    ----------
    grid : Grid
    mode : {"full", "quick"}
    command : str
        The command that reproduces the run, for the report.
    snapshot : Path, optional
        Copy of gmmkit for the memory children (:func:`gmmkit_snapshot`).

    Returns
    -------
    results : dict
    """
    start = time.perf_counter()
    results: dict = {
        "grid": grid,
        "mode": mode,
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "blas": blas_lines(),
        "gmmkit_threads": thread_budget(),
        "git": git_state(),
        "fingerprint": FINGERPRINT,
    }
    monitor = Monitor()
    results["peaks"] = {}
    for dtype in ("float64", "float32"):
        best = 0.0
        for _ in range(grid.retries + 1):  # a peak: keep the best quiet attempt
            with OtherLoad() as load:
                best = max(best, gemm_peak(grid.gemm_size, dtype))
            if not _disturbed(load.share, monitor.speed()):
                break
            monitor.wait_for_quiet()
        results["peaks"][dtype] = best
    for dtype, gflops in results["peaks"].items():
        print(f"GEMM peak {dtype}: {gflops:.1f} GFLOP/s", flush=True)
    results["em"] = []
    for title, cases in grid.em:
        rows = []
        for case in cases:
            row = bench_em(case, grid, results["peaks"], monitor)
            rows.append(row)
            print(
                f"EM {case.label()}: gmmkit {row['gmmkit_s_iter']:.4g} s/iter, "
                f"sklearn {row['sklearn_s_iter']:.4g} s/iter, ratio "
                f"{row['ratio']:.2f}, max rel diff {row['max_rel_diff']:.1e}, "
                "other CPU %, slowest probe % " + ", ".join(_quiet_cells(row)),
                flush=True,
            )
        results["em"].append((title, rows))
    results["memory"] = []
    for case in grid.memory:
        row = bench_memory(case, grid.memory_iter, snapshot)
        results["memory"].append(row)
        print(
            f"memory {case.label()}: traced gmmkit "
            f"{row['gmmkit_traced'] / MIB:.1f} MiB, sklearn "
            f"{row['sklearn_traced'] / MIB:.1f} MiB; RSS gmmkit "
            f"{row['gmmkit_rss'] / MIB:.1f} MiB, sklearn "
            f"{row['sklearn_rss'] / MIB:.1f} MiB",
            flush=True,
        )
    results["inference"] = []
    for case in grid.inference:
        row = bench_inference(case, grid, monitor)
        results["inference"].append(row)
        print(
            f"score_samples {case.label()}: gmmkit {row['gmmkit_s']:.4g} s, "
            f"sklearn {row['sklearn_s']:.4g} s, ratio {row['ratio']:.2f}, "
            f"max rel diff {row['max_rel_diff']:.1e}, "
            "other CPU %, slowest probe % " + ", ".join(_quiet_cells(row)),
            flush=True,
        )
    results["seconds"] = time.perf_counter() - start
    results["children_differ"] = any(
        fingerprint != FINGERPRINT
        for row in results["memory"]
        for fingerprint in row["fingerprints"]
    )
    results["source_changed"] = gmmkit_fingerprint() != FINGERPRINT
    rows = [row for _, em in results["em"] for row in em] + results["inference"]
    results["disturbed"] = sum(
        1 for row in rows if _disturbed(row["other_load"], row["speed"])
    )
    results["probe_reference"] = monitor.reference
    for warning in warnings_for(results):
        print(f"WARNING: {warning}", flush=True)
    return results


def warnings_for(results: dict) -> list[str]:
    """What makes a run's numbers suspect: concurrent load, edited sources.

    Parameters
    ----------
    results : dict

    Returns
    -------
    warnings : list of str
    """
    out = []
    if results["disturbed"]:
        out.append(
            f"{results['disturbed']} point(s) (marked ⚠) ran while something "
            f"else competed for the cores (other processes above "
            f"{100 * LOAD_WARNING:.0f}% of the CPUs, or a probe below "
            f"{100 * PROBE_WARNING:.0f}% of its speed); their timings are "
            "disturbed. Rerun on a quiet machine."
        )
    if results["children_differ"]:
        out.append(
            "the memory points (fresh processes) ran a different version of "
            "gmmkit than the timing points: its sources changed on disk as the "
            "run started. Rerun."
        )
    elif results["source_changed"]:
        out.append(
            "gmmkit's source files changed on disk during this run; every point "
            f"used the version imported at the start (fingerprint {FINGERPRINT}; "
            "the memory points through a copy of it), which is no longer what "
            "the working tree holds."
        )
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    args : argparse.Namespace
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="reduced grid (small N), well under a minute",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="markdown file to write (default: BENCHMARKS.md in the repository "
        "root for the full grid, a file in the temp directory for --quick)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="timed runs per library and point (default: 3 to 7 full, as time "
        "allows, 2 quick)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        help="per point, most pairs of timed runs redone when other processes "
        "competed for the CPUs (default: 3 full, 0 quick)",
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


DASK_BEGIN, DASK_END = "<!-- dask:begin -->", "<!-- dask:end -->"


def keep_dask_section(out: Path, text: str) -> str:
    """``text`` with the Dask section of the existing ``out`` appended.

    ``benchmarks/bench_dask.py`` writes its results between ``DASK_BEGIN``
    and ``DASK_END``; rewriting the report must not drop them.
    """
    if not out.exists() or DASK_BEGIN in text:
        return text
    old = out.read_text()
    if DASK_BEGIN not in old or DASK_END not in old:
        return text
    start = old.index(DASK_BEGIN)
    section = old[start : old.index(DASK_END, start) + len(DASK_END)]
    return text.rstrip("\n") + "\n\n" + section + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the markdown report.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success.
    """
    args = parse_args(argv)
    if args.memory_child is not None:
        print(json.dumps(memory_child(json.loads(args.memory_child))))
        return 0
    grid = QUICK_GRID if args.quick else FULL_GRID
    if args.repeats is not None:
        if args.repeats < 1:
            raise SystemExit("--repeats must be at least 1")
        grid = dataclasses.replace(grid, repeats=args.repeats, max_repeats=args.repeats)
    if args.retries is not None:
        if args.retries < 0:
            raise SystemExit("--retries must be at least 0")
        grid = dataclasses.replace(grid, retries=args.retries)
    if args.out is None:
        args.out = (
            Path(tempfile.gettempdir()) / "gmmkit-bench-quick.md"
            if args.quick
            else ROOT / "BENCHMARKS.md"
        )
    command = ["python", "benchmarks/bench.py"]
    if args.quick:
        command.append("--quick")
    if args.repeats is not None:
        command += ["--repeats", str(args.repeats)]
    if args.retries is not None:
        command += ["--retries", str(args.retries)]
    out = args.out.resolve()
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    command += ["--out", str(shown)]
    text = shlex.join(command)
    default_full = not args.quick and args.repeats is None and args.retries is None
    if default_full and shown == Path("BENCHMARKS.md"):
        text = f"make bench  # or: {text}"
    with gmmkit_snapshot() as snapshot:
        results = run_grid(grid, "quick" if args.quick else "full", text, snapshot)
    out.write_text(keep_dask_section(out, render(results)))
    print(f"wrote {out} ({results['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
