"""Peak extra memory of a fit, measured in a fresh child process per library.

The parent (:func:`bench_memory`) runs ``benchmarks/bench.py --memory-child
SPEC`` once per library; that mode calls :func:`memory_child` and prints its
result as one line of JSON.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

import gmmkit

from .fits import LIBRARIES, max_rel_diff, timed_fit
from .grid import Case, make_data, start_params
from .machine import FINGERPRINT, ROOT

# The script whose --memory-child mode runs one measurement.
BENCH_SCRIPT = Path(__file__).resolve().parents[1] / "bench.py"


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


def _kind(case: Case) -> dict:
    return {"covariance_type": case.covariance_type, "dtype": case.dtype}


def memory_child(spec: dict) -> dict:
    """Measure one library's extra memory during a fit (in a fresh process).

    The same code paths are first warmed up on 2000 rows (imports, BLAS
    buffers), then the data and start are made, the peak-RSS mark is reset
    and tracemalloc is started; after the fit, the peak traced bytes and the
    peak RSS are read, each minus its value just before the fit.

    Parameters
    ----------
    spec : dict
        ``case`` (fields of :class:`benchkit.grid.Case`), ``library`` and
        ``max_iter``.

    Returns
    -------
    result : dict
        ``traced_bytes``, ``rss_bytes``, ``rss_reset`` (whether the peak
        mark could be reset), ``seconds``, the fitted ``means`` and the
        ``fingerprint`` of the gmmkit sources this process imported.
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


def _run_child(spec: dict, env: dict) -> dict:
    """Run one :func:`memory_child` in a fresh process; its result."""
    completed = subprocess.run(
        [sys.executable, str(BENCH_SCRIPT), "--memory-child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    if completed.returncode != 0:
        case = Case(**spec["case"])
        raise RuntimeError(
            f"memory child for {spec['library']} at {case.label()} failed:\n"
            f"{completed.stderr}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


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
    results = {
        library: _run_child(
            {"case": asdict(case), "library": library, "max_iter": max_iter}, env
        )
        for library in LIBRARIES
    }
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
