"""Timed runs: two sides interleaved in alternating pairs, disturbed pairs redone."""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
from dataclasses import asdict

import numpy as np

from .fits import LIBRARIES, N_ITER, max_rel_diff, sklearn_from, timed_fit
from .grid import Case, Grid, flops_per_iteration, make_data, start_params
from .load import Monitor, OtherLoad, disturbed, percent


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
        if disturbed(load.share, min(probes)) and redone < grid.retries:
            redone += 1
            print(
                f"  disturbed (other CPU {percent(load.share)}%, slowest probe "
                f"{percent(min(probes))}%): redoing this pair ({redone} of at "
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

    Parameters
    ----------
    case : Case
        A low-precision point.
    X : ndarray of shape (n_samples, n_features)
        Its data, in ``case.dtype``.
    init : dict
        Its start, in ``case.dtype``.
    grid : Grid
    monitor : Monitor
    models : dict
        Both libraries' fitted models at this point.

    Returns
    -------
    row : dict
        ``own_*`` timings and each library's ``*_vs_float64`` difference.
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


def bench_inference(case: Case, grid: Grid, monitor: Monitor) -> dict:
    """Time both libraries' ``score_samples`` on the same fitted parameters.

    gmmkit is fitted for 20 iterations on the first ``grid.inference_train``
    rows from
    :func:`benchkit.grid.start_params`; its parameters are copied into a
    scikit-learn model; both then score all N rows.

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
