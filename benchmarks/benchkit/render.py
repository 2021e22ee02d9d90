"""The markdown report: one function per section of BENCHMARKS.md.

Every section function takes the results assembled by
:func:`benchkit.run.run_grid` (or the part of them it shows) and returns the
section's lines, starting with its heading; :func:`render` joins them.
"""

from __future__ import annotations

import platform

import numpy as np
import scipy
import sklearn

import gmmkit

from .fits import LIBRARIES, N_ITER
from .grid import Case, Grid
from .load import LOAD_WARNING, PROBE_WARNING, disturbed, percent
from .machine import FINGERPRINT

MIB = 2.0**20

CASE_HEADERS = ("N", "d", "K", "type", "dtype")
QUIET_HEADERS = ("other CPU %", "slowest probe %")
EM_HEADERS = (
    *CASE_HEADERS,
    "gmmkit s/iter",
    "sklearn s/iter",
    "ratio (sklearn/gmmkit)",
    "gmmkit GFLOP/s",
    "sklearn GFLOP/s",
    "gmmkit % of peak",
    "sklearn % of peak",
    "max rel diff",
    *QUIET_HEADERS,
)
ACCURACY_HEADERS = (*CASE_HEADERS, "gmmkit vs float64", "sklearn vs float64")
OWN_PRECISION_HEADERS = (
    *CASE_HEADERS,
    "s/iter",
    "float64 s/iter",
    "speed-up over float64",
    *QUIET_HEADERS,
)
MEMORY_HEADERS = (
    *CASE_HEADERS,
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
    *CASE_HEADERS,
    "gmmkit s",
    "sklearn s",
    "ratio (sklearn/gmmkit)",
    "gmmkit Mrows/s",
    "sklearn Mrows/s",
    "max rel diff",
    *QUIET_HEADERS,
)


# ------------------------------------------------------------------- cells
def quiet_cells(row: dict) -> list[str]:
    """The two quiet-check cells of a timed row: other CPU % and slowest probe %.

    Parameters
    ----------
    row : dict
        Holds ``other_load``, ``speed`` and ``redone``.

    Returns
    -------
    cells : list of str
    """
    probe = percent(row["speed"])
    if disturbed(row["other_load"], row["speed"]):
        probe += " ⚠"
    if row["redone"]:
        probe += f" ({row['redone']} redone)"
    return [percent(row["other_load"]), probe]


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}"


def _int(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _table(headers: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _case_cells(case: dict) -> list[str]:
    return [
        _int(case["n_samples"]),
        str(case["n_features"]),
        str(case["n_components"]),
        case["covariance_type"],
        case["dtype"],
    ]


def _runs(grid: Grid) -> str:
    if grid.max_repeats > grid.repeats:
        return (
            f"{grid.repeats} to {grid.max_repeats} (more while a point's timed "
            f"runs total under {grid.point_budget:.0f} s)"
        )
    return str(grid.repeats)


# ------------------------------------------------------------ warnings
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


# ------------------------------------------------------------ sections
def title_section(results: dict) -> list[str]:
    """Title, when and how long, warnings and the command that reproduces it."""
    return [
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
    ]


def machine_section(results: dict) -> list[str]:
    """The hardware, the software versions, BLAS and the GEMM peaks."""
    grid: Grid = results["grid"]
    out = [
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
    for dtype, gflops in results["peaks"].items():
        out.append(
            f"| GEMM peak {dtype} | {gflops:.1f} GFLOP/s ({grid.gemm_size}×"
            f"{grid.gemm_size} `A @ B`, 2·n³ flops, best of 5) |"
        )
    out.append(
        f"| GEMM probe | {results['probe_reference']:.1f} GFLOP/s (float64 "
        "1024×1024 `A @ B`, best of 3; the quiet checks' reference) |"
    )
    return out


def _method_fits(results: dict) -> list[str]:
    """Method bullets: the data, the start, the timed fits, the cores."""
    grid: Grid = results["grid"]
    return [
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
    ]


def _method_quiet_checks(grid: Grid) -> list[str]:
    """Method bullet: how disturbed pairs are found and what happens to them."""
    if grid.retries:
        redo = (
            "it is thrown away and run again once the machine is quiet (at most "
            f"{grid.retries} times per point; the count is shown as 'redone'). "
        )
    else:
        redo = "disturbed pairs are not redone in this run (`--retries 0`). "
    return [
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
        + redo
        + "Points that stay disturbed are marked ⚠. The probes watch only "
        "moments around the runs, so the raw timings below are the best guide "
        "to how steady a point was."
    ]


def _method_measures() -> list[str]:
    """Method bullets: GFLOP/s (benchkit.grid.flops_per_iteration), max rel diff."""
    return [
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


def method_section(results: dict) -> list[str]:
    """How every number was measured."""
    return [
        "## Method",
        "",
        *_method_fits(results),
        *_method_quiet_checks(results["grid"]),
        *_method_measures(),
    ]


def _em_table(rows: list[dict]) -> list[str]:
    cells = [
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
            *quiet_cells(row),
        ]
        for row in rows
    ]
    return _table(EM_HEADERS, cells)


def _accuracy_table(rows: list[dict]) -> list[str]:
    """Low-precision points: each library's means against a float64 fit."""
    intro = [
        "Low-precision accuracy: each library's means_ after the "
        f"{N_ITER} iterations against a float64 fit (gmmkit; the float64 "
        "tables show gmmkit and scikit-learn agree there to rounding "
        "level) on the same data upcast to float64, from the same start "
        "(max|Δ| / max|float64 means_|):",
        "",
    ]
    cells = [
        [
            *_case_cells(row["case"]),
            f"{row['gmmkit_vs_float64']:.1e}",
            f"{row['sklearn_vs_float64']:.1e}",
        ]
        for row in rows
    ]
    return intro + _table(ACCURACY_HEADERS, cells)


def _own_precision_table(rows: list[dict]) -> list[str]:
    """Low-precision points: gmmkit's speed against its own float64 fit."""
    intro = [
        "Low precision against float64, gmmkit alone: the same fit on the "
        "same data upcast to float64, from the same start, timed in "
        "alternating pairs like the libraries above (so a drift of the "
        "machine's speed hits both):",
        "",
    ]
    cells = [
        [
            *_case_cells(row["case"]),
            _fmt(row["own_low_s_iter"]),
            _fmt(row["own_float64_s_iter"]),
            f"{row['own_speedup']:.2f}",
            *quiet_cells(row["own_quiet"]),
        ]
        for row in rows
    ]
    return intro + _table(OWN_PRECISION_HEADERS, cells)


def em_section(title: str, rows: list[dict]) -> list[str]:
    """One titled group of EM points; low-precision points get two more tables."""
    out = [f"## EM iterations: {title}", "", *_em_table(rows)]
    low_precision = [row for row in rows if "gmmkit_vs_float64" in row]
    if low_precision:
        out += ["", *_accuracy_table(low_precision)]
        out += ["", *_own_precision_table(low_precision)]
    return out


def _memory_method(grid: Grid, reset: bool) -> list[str]:
    """What the two memory measures count."""
    if reset:
        peak = "VmHWM, reset through /proc/self/clear_refs just before `fit`"
    else:
        peak = (
            "ru_maxrss; the peak mark could not be reset, so this "
            "may hide a fit peak below the data-generation peak"
        )
    return [
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
        + peak
        + ") minus the RSS before `fit`. Includes everything the process "
        "touched, so it also sees allocations outside NumPy; it moves with "
        "page granularity and allocator caching, and reads lower than traced "
        "when the fit reuses freed pages that were already resident.",
        "",
        "data MiB is the size of X itself, for scale. The traced and RSS "
        "ratios are scikit-learn ÷ gmmkit.",
    ]


def memory_section(results: dict) -> list[str]:
    """Peak extra memory of a fit, traced and resident."""
    rows = results["memory"]
    reset = all(row["rss_reset"] for row in rows)
    cells = [
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
        for row in rows
    ]
    return [
        "## Peak extra memory during a fit",
        "",
        *_memory_method(results["grid"], reset),
        "",
        *_table(MEMORY_HEADERS, cells),
    ]


def inference_section(results: dict) -> list[str]:
    """``score_samples`` of both libraries on the same parameters."""
    grid: Grid = results["grid"]
    cells = [
        [
            *_case_cells(row["case"]),
            _fmt(row["gmmkit_s"]),
            _fmt(row["sklearn_s"]),
            f"{row['ratio']:.2f}",
            f"{row['gmmkit_mrows']:.2f}",
            f"{row['sklearn_mrows']:.2f}",
            f"{row['max_rel_diff']:.1e}",
            *quiet_cells(row),
        ]
        for row in results["inference"]
    ]
    return [
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
        *_table(INFERENCE_HEADERS, cells),
    ]


def _seconds(times: list[float]) -> str:
    return ", ".join(f"{seconds:.3g}" for seconds in times)


def raw_timings_section(results: dict) -> list[str]:
    """Every kept timed run, EM fits then ``score_samples`` calls."""
    out = ["## Raw timings", "", "Seconds of every kept timed run, in order:", ""]
    rows = [("EM fit", row) for _, em in results["em"] for row in em]
    rows += [("score_samples", row) for row in results["inference"]]
    for what, row in rows:
        label = Case(**row["case"]).label()
        runs = "; ".join(
            f"{library} {_seconds(row['raw_seconds'][library])}"
            for library in LIBRARIES
        )
        out.append(f"- {what} {label}: {runs}")
        if "own_raw_seconds" in row:
            runs = "; ".join(
                f"{side} {_seconds(times)}"
                for side, times in row["own_raw_seconds"].items()
            )
            out.append(f"- EM fit {label}, gmmkit against its float64: {runs}")
    return out


def render(results: dict) -> str:
    """The markdown report.

    Parameters
    ----------
    results : dict
        As assembled by :func:`benchkit.run.run_grid`.

    Returns
    -------
    markdown : str
    """
    sections = [machine_section(results), method_section(results)]
    sections += [em_section(title, rows) for title, rows in results["em"]]
    if results["memory"]:
        sections.append(memory_section(results))
    if results["inference"]:
        sections.append(inference_section(results))
    sections.append(raw_timings_section(results))
    out = title_section(results)
    for section in sections:
        out += ["", *section]
    return "\n".join(out) + "\n"
