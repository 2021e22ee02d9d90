"""The one EM driver: a start run to convergence, restarts, their warnings.

Every estimator (Gaussian, variational, Student-t) hands the driver an
object with its own steps (:class:`Steps`): how to make a start and what one
iteration (E-step then M-step) does. The driver owns everything around
them: the iteration count, the convergence test, callbacks and their stop
signal, snapshots, the history, verbose logging, and turning a collapsed
component into an error that says where it happened. :func:`fit_restarts`
runs ``n_init`` starts and keeps the best; :func:`warn_about` issues the
warnings a fit can end with.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .exceptions import ComponentCollapseError, ConvergenceWarning

logger = logging.getLogger("gmmkit")


@dataclass(frozen=True)
class Steps:
    """What an estimator supplies to the driver.

    Attributes
    ----------
    start : callable
        ``start() -> params``: the starting parameters of one run (may raise
        ComponentCollapseError).
    iterate : callable
        ``iterate(params) -> (params, value)``: one EM iteration, E-step then
        M-step; ``value`` is the mean log-likelihood (or lower bound) whose
        change the convergence test reads.
    collapse_error : callable
        ``collapse_error(error, iteration, start) -> ComponentCollapseError``:
        the error to raise when run ``start`` collapses at ``iteration``
        (0: while starting).
    """

    start: Callable[[], Any]
    iterate: Callable[[Any], tuple[Any, float]]
    collapse_error: Callable[[ComponentCollapseError, int, int], ComponentCollapseError]


@dataclass(frozen=True)
class Schedule:
    """How long EM runs and what it reports along the way.

    Attributes
    ----------
    tol : float
        Stop when the monitored value changes by less.
    max_iter : int
        Most iterations per start.
    callbacks : sequence of callables
        ``callback(iteration, value, view(params))`` after every iteration;
        returning ``False`` stops the run.
    view : callable or None
        Read-only view of the parameters handed to callbacks (None: the
        parameters themselves).
    snapshot : callable or None
        ``snapshot(iteration, params)`` -> a record (with an ``iteration``
        attribute) kept in ``Run.snapshots`` at the start, every
        ``snapshot_every`` iterations and at the end.
    snapshot_every : int or None
    verbose : int
        1 logs each start, 2 also every ``verbose_interval`` iterations.
    verbose_interval : int
    value_name : str
        How the monitored value is called in the log ("ll", "lower bound").
    """

    tol: float
    max_iter: int
    callbacks: Sequence[Callable] = ()
    view: Callable | None = None
    snapshot: Callable | None = None
    snapshot_every: int | None = None
    verbose: int = 0
    verbose_interval: int = 10
    value_name: str = "ll"


@dataclass(frozen=True)
class Run:
    """The outcome of one EM run.

    Attributes
    ----------
    params : object
        The family's parameters after the last M-step.
    lower_bound : float
        The monitored value of the last iteration (``-inf`` after none).
    converged : bool
    stopped : bool
        Whether a callback stopped the run.
    n_iter : int
    history : list of float
        The monitored value of every iteration.
    snapshots : list
        What ``Schedule.snapshot`` recorded (empty without one).
    """

    params: Any
    lower_bound: float
    converged: bool
    stopped: bool
    n_iter: int
    history: list[float] = field(default_factory=list)
    snapshots: list = field(default_factory=list)


def run_em(
    steps: Steps,
    schedule: Schedule,
    start: int = 0,
    resume: tuple[Any, float] | None = None,
) -> Run:
    """Run EM from one start (or from ``resume = (params, value)``) to the end.

    Raises
    ------
    ComponentCollapseError
        From ``steps.collapse_error``, naming the iteration and start.
    """
    iteration = 0
    try:
        params, value = resume if resume is not None else (steps.start(), -np.inf)
        if schedule.verbose:
            logger.info("Initialization %d", start)
        history: list[float] = []
        snapshots = [] if schedule.snapshot is None else [schedule.snapshot(0, params)]
        converged = stopped = False
        tic = time.perf_counter()
        for iteration in range(1, schedule.max_iter + 1):
            previous = value
            params, value = steps.iterate(params)
            history.append(value)
            change = value - previous
            if schedule.snapshot_every and iteration % schedule.snapshot_every == 0:
                snapshots.append(schedule.snapshot(iteration, params))
            _log_iteration(schedule, iteration, time.perf_counter() - tic, change)
            if schedule.callbacks:
                view = params if schedule.view is None else schedule.view(params)
                answers = [cb(iteration, value, view) for cb in schedule.callbacks]
                stopped = any(answer is False for answer in answers)
            if abs(change) < schedule.tol:
                converged = True
                break
            if stopped:
                break
    except ComponentCollapseError as error:
        raise steps.collapse_error(error, iteration, start) from None
    if schedule.snapshot is not None and snapshots[-1].iteration != iteration:
        snapshots.append(schedule.snapshot(iteration, params))
    if schedule.verbose:
        status = "converged" if converged else "did not converge"
        logger.info(
            "Initialization %d %s. %s %.5f", start, status, schedule.value_name, value
        )
    return Run(params, value, converged, stopped, iteration, history, snapshots)


def _log_iteration(
    schedule: Schedule, iteration: int, elapsed: float, change: float
) -> None:
    if schedule.verbose >= 2 and iteration % schedule.verbose_interval == 0:
        logger.info(
            "  Iteration %d\t time lapse %.5fs\t %s change %.5f",
            iteration,
            elapsed,
            schedule.value_name,
            change,
        )


def fit_restarts(
    steps: Steps,
    schedule: Schedule,
    n_init: int,
    resume: tuple[Any, float] | None = None,
) -> tuple[Run, list[ComponentCollapseError]]:
    """Run ``n_init`` starts (one when resuming) and keep the best.

    The best run has the highest final value; a start that collapses is
    set aside. When every start collapses, the first one's error is raised.

    Returns
    -------
    best : Run
    failures : list of ComponentCollapseError
        The starts that collapsed.
    """
    best, failures = None, []
    for start in range(1 if resume is not None else n_init):
        try:
            run = run_em(steps, schedule, start, resume)
        except ComponentCollapseError as error:
            failures.append(error)
            continue
        if best is None or run.lower_bound > best.lower_bound:
            best = run
    if best is None:
        raise failures[0]
    return best, failures


def squarem(
    iterate: Callable[[Any], tuple[Any, float]],
    extrapolate: Callable[[Any, Any, Any], Any | None],
) -> Callable[[Any], tuple[Any, float]]:
    """An iteration that is one SQUAREM cycle of two to four EM iterations.

    SQUAREM (Varadhan & Roland 2008, scheme S3) takes two EM steps
    ``p1 = M(p0)``, ``p2 = M(p1)`` and jumps along them,
    ``p' = p0 - 2 a r + a^2 v`` with ``r = p1 - p0``, ``v = p2 - 2 p1 + p0``
    and ``a = -|r| / |v|`` (at most -1); ``extrapolate(p0, p1, p2)`` makes
    ``p'`` (None when it is not a valid parameter). ``p'`` need not obey the
    model's constraints, so its likelihood proves nothing: one EM step
    ``p3 = M(p')`` brings it back into the model and the next one measures
    it. The jump is kept when ``p3`` is at least as likely as ``p1``;
    otherwise the cycle ends at ``p2``. Either way the values the cycles
    report never decrease and the parameters returned are at least as
    likely as the value reported with them.

    Parameters
    ----------
    iterate : callable
        One EM iteration, as in :class:`Steps`.
    extrapolate : callable
        ``extrapolate(p0, p1, p2) -> params or None``.

    Returns
    -------
    iterate : callable
        ``iterate(params) -> (params, value)``, ``value`` the log-likelihood
        of the point the returned parameters are one EM step from.
    """

    def cycle(p0):
        p1, _ = iterate(p0)
        p2, value = iterate(p1)
        jump = extrapolate(p0, p1, p2)
        if jump is None:
            return p2, value
        try:
            p3, _ = iterate(jump)
            p4, jump_value = iterate(p3)
        except ComponentCollapseError:
            return p2, value
        if np.isfinite(jump_value) and jump_value >= value:
            return p4, jump_value
        return p2, value

    return cycle


def warn_about(
    best: Run,
    failures: list[ComponentCollapseError],
    n_starts: int,
    max_iter: int,
    stacklevel: int,
) -> None:
    """ConvergenceWarnings for discarded starts and a best start that stalled.

    A run stopped by a callback did not fail to converge: it was told to stop.
    """
    if failures:
        warnings.warn(
            f"{len(failures)} of {n_starts} starts collapsed and were discarded "
            f"({failures[0]}); the best of the remaining starts is kept.",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
    if not best.converged and max_iter > 0 and not best.stopped:
        warnings.warn(
            "Best performing initialization did not converge. Try different "
            "init parameters, or increase max_iter, tol, or check for "
            "degenerate data.",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
