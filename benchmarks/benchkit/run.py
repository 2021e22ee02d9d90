"""The whole grid, measured in order (peaks, EM, memory, inference), with progress."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from .grid import Grid
from .load import Monitor, disturbed
from .machine import FINGERPRINT, describe, gmmkit_fingerprint, quiet_gemm_peaks
from .memory import bench_memory
from .render import MIB, quiet_cells, warnings_for
from .timing import bench_em, bench_inference


def _em_rows(grid: Grid, peaks: dict[str, float], monitor: Monitor) -> list:
    """Every EM point of ``grid``, as (title, rows) per section."""
    sections = []
    for title, cases in grid.em:
        rows = []
        for case in cases:
            row = bench_em(case, grid, peaks, monitor)
            rows.append(row)
            print(
                f"EM {case.label()}: gmmkit {row['gmmkit_s_iter']:.4g} s/iter, "
                f"sklearn {row['sklearn_s_iter']:.4g} s/iter, ratio "
                f"{row['ratio']:.2f}, max rel diff {row['max_rel_diff']:.1e}, "
                "other CPU %, slowest probe % " + ", ".join(quiet_cells(row)),
                flush=True,
            )
        sections.append((title, rows))
    return sections


def _memory_rows(grid: Grid, snapshot: Path | None) -> list[dict]:
    """Every memory point of ``grid``."""
    rows = []
    for case in grid.memory:
        row = bench_memory(case, grid.memory_iter, snapshot)
        rows.append(row)
        print(
            f"memory {case.label()}: traced gmmkit "
            f"{row['gmmkit_traced'] / MIB:.1f} MiB, sklearn "
            f"{row['sklearn_traced'] / MIB:.1f} MiB; RSS gmmkit "
            f"{row['gmmkit_rss'] / MIB:.1f} MiB, sklearn "
            f"{row['sklearn_rss'] / MIB:.1f} MiB",
            flush=True,
        )
    return rows


def _inference_rows(grid: Grid, monitor: Monitor) -> list[dict]:
    """Every ``score_samples`` point of ``grid``."""
    rows = []
    for case in grid.inference:
        row = bench_inference(case, grid, monitor)
        rows.append(row)
        print(
            f"score_samples {case.label()}: gmmkit {row['gmmkit_s']:.4g} s, "
            f"sklearn {row['sklearn_s']:.4g} s, ratio {row['ratio']:.2f}, "
            f"max rel diff {row['max_rel_diff']:.1e}, "
            "other CPU %, slowest probe % " + ", ".join(quiet_cells(row)),
            flush=True,
        )
    return rows


def _trust(results: dict) -> dict:
    """Whether the sources changed and how many timed points were disturbed."""
    rows = [row for _, em in results["em"] for row in em] + results["inference"]
    return {
        "children_differ": any(
            fingerprint != FINGERPRINT
            for row in results["memory"]
            for fingerprint in row["fingerprints"]
        ),
        "source_changed": gmmkit_fingerprint() != FINGERPRINT,
        "disturbed": sum(
            1 for row in rows if disturbed(row["other_load"], row["speed"])
        ),
    }


def run_grid(grid: Grid, mode: str, command: str, snapshot: Path | None = None) -> dict:
    """Measure everything in ``grid``, printing progress.

    Parameters
    ----------
    grid : Grid
    mode : {"full", "quick"}
    command : str
        The command that reproduces the run, for the report.
    snapshot : Path, optional
        Copy of gmmkit for the memory children
        (:func:`benchkit.memory.gmmkit_snapshot`).

    Returns
    -------
    results : dict
        What :func:`benchkit.render.render` shows.
    """
    start = time.perf_counter()
    results: dict = {
        "grid": grid,
        "mode": mode,
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **describe(),
    }
    monitor = Monitor()
    results["peaks"] = quiet_gemm_peaks(grid.gemm_size, grid.retries, monitor)
    for dtype, gflops in results["peaks"].items():
        print(f"GEMM peak {dtype}: {gflops:.1f} GFLOP/s", flush=True)
    results["em"] = _em_rows(grid, results["peaks"], monitor)
    results["memory"] = _memory_rows(grid, snapshot)
    results["inference"] = _inference_rows(grid, monitor)
    results["seconds"] = time.perf_counter() - start
    results.update(_trust(results))
    results["probe_reference"] = monitor.reference
    for warning in warnings_for(results):
        print(f"WARNING: {warning}", flush=True)
    return results
