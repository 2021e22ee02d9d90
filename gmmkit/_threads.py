"""Chunks evaluated on several cores at once.

Most of an E-step's time on a chunk is element-wise work (building
features, log-sum-exp, scaling by responsibilities) that NumPy runs on one
core, between matrix products that BLAS spreads over all of them. Handing
whole chunks to one thread per core instead, each with single-threaded
BLAS, keeps every core busy through all of it and each chunk in its own
core's cache: measured on 2 cores, 1.3x to 2.2x faster E-steps than one
thread with two-threaded BLAS.

How many threads: ``GMMKIT_NUM_THREADS`` when set, otherwise as many as
the BLAS behind NumPy is allowed to use (so ``OMP_NUM_THREADS=1``,
``OPENBLAS_NUM_THREADS=1`` or a ``threadpoolctl`` limit also keep gmmkit on
one core, as Dask workers and joblib do).

Same answers whatever the thread count: every chunk is computed with BLAS
held at one thread (a multi-threaded product may round differently), on the
pool's threads or, for a pass of one thread, on the calling thread, and
callers add the chunks' results in row order. BLAS exposes its thread count
process-wide, so passes take turns: one runs at a time in a process (a
second, from a Dask scheduler's threads say, waits for it; each pass uses
every core anyway), and BLAS gets its count back when the pass ends, or in
a child forked during one. The exception: while another thread holds a
``threadpoolctl`` limit, threadpoolctl lets only that thread set OpenBLAS's
count; a pass then keeps to one thread of its own, under that limit, and
its products may round differently. Tasks see the caller's ``np.errstate``
(and ``np.seterrcall``). A pass opened inside a pass (by a task, or by the
caller's loop) runs on its own thread, under the outer pass's limit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np

_ENV_VARIABLE = "GMMKIT_NUM_THREADS"
_controller: dict[int, Any] = {}  # process id -> threadpoolctl controller
_in_worker = threading.local()  # .active on the pool's threads


class _PassState:
    """The pass running now, if any, and its BLAS limit."""

    def __init__(self) -> None:
        self.turn = threading.Lock()  # held by the running pass
        self.owner: int | None = None  # thread id of the running pass
        self.limiter: Any = None

    def reset_in_child(self) -> None:
        """After ``fork``: no pass runs in the child; BLAS gets its count back."""
        limiter = self.limiter
        self.__init__()
        if limiter is not None:
            limiter.restore_original_limits()
            # The thread that took control of OpenBLAS does not exist here.
            from threadpoolctl import OpenBLASController

            clear = getattr(OpenBLASController, "clear_controlling_thread", None)
            if clear is not None:
                clear(force=True)


_state = _PassState()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _state.reset_in_child())


def _blas_controller():
    """A threadpoolctl controller for the BLAS libraries loaded, or None."""
    pid = os.getpid()
    if pid not in _controller:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a declared dependency
            _controller[pid] = None
        else:
            _controller[pid] = ThreadpoolController().select(user_api="blas")
    return _controller[pid]


def thread_budget() -> int:
    """Threads a pass may use (at least 1).

    Returns
    -------
    n_threads : int
        ``GMMKIT_NUM_THREADS`` when set, otherwise the largest thread count
        a loaded BLAS library is allowed, capped by the usable cores.
    """
    setting = os.environ.get(_ENV_VARIABLE, "").strip()
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            raise ValueError(
                f"{_ENV_VARIABLE} must be a whole number of threads, got "
                f"{setting!r}; unset it to use as many threads as BLAS does."
            ) from None
    controller = _blas_controller()
    if controller is None or not controller.lib_controllers:
        return 1
    blas_threads = max(lib.num_threads for lib in controller.lib_controllers)
    return max(1, min(blas_threads, _usable_cores()))


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _mark_worker() -> None:
    _in_worker.active = True


def _with_errstate(function: Callable) -> Callable:
    """``function`` run under the calling thread's ``np.errstate``.

    NumPy's error state is per thread; the pool's threads start without it.
    """
    errstate, call = np.geterr(), np.geterrcall()

    def task(item):
        with np.errstate(call=call, **errstate):
            return function(item)

    return task


def _blas_held_at_one(controller) -> bool:
    return all(lib.num_threads == 1 for lib in controller.lib_controllers)


@contextmanager
def chunk_map(n_tasks: int) -> Iterator[Callable[[Callable, Iterable], Iterator]]:
    """A ``map`` that runs tasks on a thread per core, results in order.

    Parameters
    ----------
    n_tasks : int
        How many tasks will be mapped (no more threads than this start).

    Yields
    ------
    map : callable
        ``map(function, items)``, yielding ``function(item)`` in the order of
        ``items``, with BLAS held at one thread. Tasks may run concurrently:
        ``function`` must keep its scratch memory per thread.
    """
    if getattr(_in_worker, "active", False) or _state.owner == threading.get_ident():
        # A pass opened inside a pass: it already has its core and BLAS limit.
        yield map
        return
    with _state.turn:
        _state.owner = threading.get_ident()
        n_threads = min(n_tasks, thread_budget())  # read before BLAS is held
        controller = _blas_controller()
        limit = controller.limit(limits=1) if controller is not None else None
        _state.limiter = limit
        try:
            with limit if limit is not None else nullcontext():
                if limit is not None and not _blas_held_at_one(controller):
                    n_threads = 1  # another thread's limit rules BLAS
                if n_threads < 2:
                    yield map
                    return
                pool = ThreadPoolExecutor(
                    n_threads,
                    thread_name_prefix="gmmkit-chunk",
                    initializer=_mark_worker,
                )
                try:
                    yield lambda function, items: pool.map(
                        _with_errstate(function), items
                    )
                finally:
                    # Chunks not started yet are dropped when the caller
                    # stopped early (an error, Ctrl-C).
                    pool.shutdown(wait=True, cancel_futures=True)
        finally:
            _state.limiter = None
            _state.owner = None
