"""Whether other work competes for the cores while the benchmark runs."""

from __future__ import annotations

import time

import numpy as np

LOAD_WARNING = 0.05  # other processes' share of the CPUs that flags a point
PROBE_WARNING = 0.75  # probe speed (share of its reference) that flags a point


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


def disturbed(share: float | None, speed: float | None) -> bool:
    """Whether a stretch of time was disturbed by other work.

    Parameters
    ----------
    share : float or None
        Other processes' share of the CPUs (:class:`OtherLoad`).
    speed : float or None
        Slowest probe, as a share of its reference (:meth:`Monitor.speed`).

    Returns
    -------
    disturbed : bool
        True above ``LOAD_WARNING`` or below ``PROBE_WARNING``.
    """
    busy = share is not None and share > LOAD_WARNING
    slow = speed is not None and speed < PROBE_WARNING
    return busy or slow


def percent(share: float | None) -> str:
    """A share as a whole percentage, or "n/a" when it is unknown.

    Parameters
    ----------
    share : float or None

    Returns
    -------
    text : str
    """
    return "n/a" if share is None else f"{100 * share:.0f}"


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
            if not disturbed(load.share, self.speed()):
                return True
        return False
