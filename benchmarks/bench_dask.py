"""Dask overhead: the same EM fit in memory, on Dask's threads, on a LocalCluster.

Run from the repository root::

    python benchmarks/bench_dask.py            # 1 000 000 x 16, K=16: BENCHMARKS.md
    python benchmarks/bench_dask.py --quick    # small, writes a temp file

Every fit starts from the same ``weights_init``, ``means_init`` and
``precisions_init`` and runs exactly ``--iterations`` EM iterations
(``tol=0``), so all runs do the same arithmetic; the report gives seconds
per iteration, the ratio to the in-memory fit and the largest relative
difference of the fitted means from the in-memory ones. The cluster run
keeps the data persisted on its workers (``X.persist()``), so it measures
the scheduling and the per-iteration traffic, not re-reading the data.

The results go between ``<!-- dask:begin -->`` and ``<!-- dask:end -->`` in
the output file (the rest of it is kept; ``benchmarks/bench.py`` keeps this
section when it rewrites ``BENCHMARKS.md``). Nothing is hard-coded: every
number is measured when the script runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- dask:begin -->", "<!-- dask:end -->"
#: Other processes' share of the CPUs above which the report says so.
LOAD_NOTE = 0.05


@dataclass(frozen=True)
class Setting:
    """Problem size and how the runs are made."""

    n_samples: int
    n_features: int
    n_components: int
    iterations: int
    blocks: int
    workers: int
    repeats: int


FULL = Setting(1_000_000, 16, 16, 10, 8, 2, 3)
QUICK = Setting(20_000, 4, 3, 3, 4, 2, 1)


def make_data(setting: Setting, seed: int = 0):
    """Well-separated clusters, and a start: weights, means, precisions."""
    rng = np.random.default_rng(seed)
    d, K = setting.n_features, setting.n_components
    centres = rng.normal(scale=6.0, size=(K, d))
    labels = rng.integers(0, K, size=setting.n_samples)
    X = centres[labels] + rng.normal(size=(setting.n_samples, d))
    start = {
        "weights_init": np.full(K, 1.0 / K),
        "means_init": X[rng.choice(setting.n_samples, K, replace=False)],
        "precisions_init": np.array([np.eye(d) / X.var(axis=0).mean()] * K),
    }
    return X, start


class CpuShare:
    """Other processes' share of the CPUs between ``start`` and ``stop``.

    Our process and its children (the cluster's workers) count as ours, so
    ``stop`` must be called while the children still run.
    """

    def start(self) -> CpuShare:
        """Take the first reading."""
        import psutil

        self._psutil = psutil
        self._ours = self._our_seconds()
        self._all = self._busy_seconds()
        self._wall = time.perf_counter()
        return self

    def _busy_seconds(self) -> float:
        times = self._psutil.cpu_times()
        return times.user + times.system + getattr(times, "nice", 0.0)

    def _our_seconds(self) -> float:
        me = self._psutil.Process()
        total = 0.0
        for process in [me, *me.children(recursive=True)]:
            try:
                cpu = process.cpu_times()
            except self._psutil.Error:
                continue
            total += cpu.user + cpu.system
        return total

    def stop(self) -> float:
        """Other processes' CPU seconds over (wall seconds x CPUs)."""
        wall = time.perf_counter() - self._wall
        busy = self._busy_seconds() - self._all
        ours = self._our_seconds() - self._ours
        return max(0.0, busy - ours) / (wall * (os.cpu_count() or 1))


def time_fit(make_model, X, repeats: int):
    """Median seconds of ``make_model().fit(X)`` over repeats, and the model."""
    from gmmkit.exceptions import ConvergenceWarning

    seconds, model = [], None
    for _ in range(repeats):
        model = make_model()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tic = time.perf_counter()
            model.fit(X)
            seconds.append(time.perf_counter() - tic)
    return statistics.median(seconds), model


def run(setting: Setting) -> dict:
    """Time the three runs and measure the traffic of one block."""
    import dask
    import dask.array as da
    import distributed

    from gmmkit import GaussianMixture
    from gmmkit.distributed import dask_e_step
    from gmmkit.engine import e_step

    X, start = make_data(setting)
    rows = -(-setting.n_samples // setting.blocks)

    def model():
        return GaussianMixture(
            setting.n_components, max_iter=setting.iterations, tol=0.0, **start
        )

    results = {"setting": setting, "runs": []}
    load = CpuShare().start()
    seconds, reference = time_fit(model, X, setting.repeats)
    results["runs"].append(("in memory (NumPy)", seconds, None))
    with dask.config.set(scheduler="threads"):
        seconds, fitted = time_fit(
            model, da.from_array(X, chunks=(rows, -1)), setting.repeats
        )
    results["runs"].append(("Dask, threads (no client)", seconds, fitted))
    with (
        distributed.LocalCluster(
            n_workers=setting.workers,
            threads_per_worker=max(1, (os.cpu_count() or 1) // setting.workers),
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with warnings.catch_warnings():
            # Shipping the array into the cluster once is set-up, not timed.
            warnings.filterwarnings("ignore", message="Sending large graph")
            Xd = da.from_array(X, chunks=(rows, -1)).persist()
            distributed.wait(Xd)
        # Workers import gmmkit on their first task: not part of EM's cost.
        dask_e_step(reference._params(), Xd)
        seconds, fitted = time_fit(model, Xd, setting.repeats)
        label = f"Dask, LocalCluster ({setting.workers} worker processes)"
        results["runs"].append((label, seconds, fitted))
        results["other_load"] = load.stop()
        del Xd
    params = reference._params()
    block_stats = e_step(params, X[:rows])
    results["stats_bytes"] = len(pickle.dumps(block_stats))
    results["params_bytes"] = len(pickle.dumps(params))
    results["reference_means"] = reference.means_
    return results


def render(results: dict, command: str) -> str:
    """The report's Dask section, markers included."""
    s: Setting = results["setting"]
    base = results["runs"][0][1]
    lines = [
        BEGIN,
        "## Dask: overhead against the in-memory fit",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} "
        f"logical CPUs ({platform.machine()}), "
        f"N = {s.n_samples:,} × d = {s.n_features}, K = {s.n_components}, full "
        f"covariance, float64, {s.iterations} EM iterations from the same start "
        f"(`tol=0`), {s.blocks} blocks of {-(-s.n_samples // s.blocks):,} rows, "
        f"median of {s.repeats}. Reproduce: `{command}`.",
        "",
        "| run | s/iter | ratio to in-memory | max rel diff of means |",
        "| --- | --- | --- | --- |",
    ]
    for label, seconds, fitted in results["runs"]:
        if fitted is None:
            diff_text = "reference"
        else:
            ref = results["reference_means"]
            diff = np.max(np.abs(fitted.means_ - ref)) / np.max(np.abs(ref))
            diff_text = f"{diff:.1e}"
        lines.append(
            f"| {label} | {seconds / s.iterations:.3f} | {seconds / base:.2f} | "
            f"{diff_text} |"
        )
    share = results["other_load"]
    fixed = (results["runs"][-1][1] - base) / s.iterations
    lines += [
        "",
        f"Other processes used {100 * share:.0f}% of the CPUs during these runs"
        + (
            " (the machine was shared: the ratios are indicative)."
            if share > LOAD_NOTE
            else "."
        ),
        "",
        "**Traffic per iteration.** Workers receive the parameters "
        f"({results['params_bytes'] / 1024:.1f} KiB pickled here) and return one "
        f"`SuffStats` per block ({results['stats_bytes'] / 1024:.1f} KiB pickled: "
        "K·(1 + d + d²) numbers at most, whatever the block's row count); the "
        "data never move. The reduction adds them in a tree, 8 at a time, and "
        "the M-step runs on the client on one `SuffStats`.",
        "",
        "**Across machines.** Per iteration the arithmetic is ≈ 4·N·K·d² flops "
        "spread over the workers, while the traffic is B·K·(1 + d + d²) floats "
        "for B blocks plus about ⌈log₈ B⌉ rounds of the reduction tree and the "
        f"scheduling of ≈ 1.15·B tasks (measured here: {fixed:+.3f} s per "
        f"iteration over the in-memory fit for B = {s.blocks}). Both are "
        "independent of N, so "
        "with P machines holding N/P rows each the time per iteration tends to "
        "(in-memory time)/P plus a fixed cost once blocks are large (tens of MiB "
        "each); on one 2-core machine, as here, the worker processes compete "
        "with each other and with the client for the same cores, so the ratio "
        "above is the fixed cost, not a speed-up. Data larger than the cluster's "
        "memory are re-read from their source each iteration "
        "(see `tests/test_dask.py::test_out_of_core_fit_from_npy_chunks`).",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` between the markers in ``path``, keeping the rest."""
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its section of the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small problem")
    parser.add_argument("--out", type=Path, help="markdown file to update")
    args = parser.parse_args(argv)
    setting = QUICK if args.quick else FULL
    out = args.out or (
        Path(tempfile.gettempdir()) / "gmmkit-bench-dask-quick.md"
        if args.quick
        else ROOT / "BENCHMARKS.md"
    )
    command = "python benchmarks/bench_dask.py" + (" --quick" if args.quick else "")
    if args.out is not None:
        command += f" --out {args.out}"
    results = run(setting)
    write_section(out, render(results, command))
    print(f"wrote the Dask section of {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
