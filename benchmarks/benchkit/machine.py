"""The machine and the software a run measured: CPU, BLAS, threads, peak, sources."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

import gmmkit
from gmmkit._threads import thread_budget

from .load import Monitor, OtherLoad, disturbed

ROOT = Path(__file__).resolve().parents[2]


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


def usable_cores() -> int | None:
    """Cores this process may run on (its affinity mask where known).

    Returns
    -------
    cores : int or None
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


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


def describe() -> dict:
    """What the report's Machine section says about the hardware and sources.

    Returns
    -------
    machine : dict
        ``cpu``, ``cores``, ``usable_cores``, ``blas``, ``gmmkit_threads``,
        ``git`` and ``fingerprint``.
    """
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "blas": blas_lines(),
        "gmmkit_threads": thread_budget(),
        "git": git_state(),
        "fingerprint": FINGERPRINT,
    }


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


def quiet_gemm_peaks(size: int, retries: int, monitor: Monitor) -> dict[str, float]:
    """The GEMM peak per dtype, measured again while other work disturbs it.

    Parameters
    ----------
    size : int
        Side of the square matrices.
    retries : int
        Most attempts redone after a disturbed one.
    monitor : Monitor

    Returns
    -------
    peaks : dict
        GFLOP/s for "float64" and "float32": the best attempt.
    """
    peaks = {}
    for dtype in ("float64", "float32"):
        best = 0.0
        for _ in range(retries + 1):  # a peak: keep the best quiet attempt
            with OtherLoad() as load:
                best = max(best, gemm_peak(size, dtype))
            if not disturbed(load.share, monitor.speed()):
                break
            monitor.wait_for_quiet()
        peaks[dtype] = best
    return peaks
