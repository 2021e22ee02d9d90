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
import json
import shlex
import sys
import tempfile
from pathlib import Path

# Run as a file, this folder is already first on sys.path; loaded by path (as
# the tests do), it is not, and benchkit/ next to this file must still import.
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from benchkit.grid import FULL_GRID, QUICK_GRID, Grid  # noqa: E402
from benchkit.machine import ROOT  # noqa: E402
from benchkit.memory import gmmkit_snapshot, memory_child  # noqa: E402
from benchkit.render import render  # noqa: E402
from benchkit.run import run_grid  # noqa: E402

DASK_BEGIN, DASK_END = "<!-- dask:begin -->", "<!-- dask:end -->"


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


def grid_from_args(args: argparse.Namespace) -> Grid:
    """The full or quick grid, with the repeats and retries asked for.

    Parameters
    ----------
    args : argparse.Namespace
        From :func:`parse_args`.

    Returns
    -------
    grid : Grid
    """
    grid = QUICK_GRID if args.quick else FULL_GRID
    if args.repeats is not None:
        if args.repeats < 1:
            raise SystemExit("--repeats must be at least 1")
        grid = dataclasses.replace(grid, repeats=args.repeats, max_repeats=args.repeats)
    if args.retries is not None:
        if args.retries < 0:
            raise SystemExit("--retries must be at least 0")
        grid = dataclasses.replace(grid, retries=args.retries)
    return grid


def default_out(quick: bool) -> Path:
    """Where the report goes without ``--out``.

    Parameters
    ----------
    quick : bool

    Returns
    -------
    path : Path
        A temporary file for the quick grid, BENCHMARKS.md for the full one.
    """
    if quick:
        return Path(tempfile.gettempdir()) / "gmmkit-bench-quick.md"
    return ROOT / "BENCHMARKS.md"


def reproduce_command(args: argparse.Namespace, out: Path) -> str:
    """The shell command that reproduces this run, for the report.

    Parameters
    ----------
    args : argparse.Namespace
        From :func:`parse_args`.
    out : Path
        The report's resolved path.

    Returns
    -------
    command : str
        ``make bench`` for the default full run into BENCHMARKS.md.
    """
    command = ["python", "benchmarks/bench.py"]
    if args.quick:
        command.append("--quick")
    if args.repeats is not None:
        command += ["--repeats", str(args.repeats)]
    if args.retries is not None:
        command += ["--retries", str(args.retries)]
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    command += ["--out", str(shown)]
    text = shlex.join(command)
    default_full = not args.quick and args.repeats is None and args.retries is None
    if default_full and shown == Path("BENCHMARKS.md"):
        text = f"make bench  # or: {text}"
    return text


def keep_dask_section(out: Path, text: str) -> str:
    """``text`` with the Dask section of the existing ``out`` appended.

    ``benchmarks/bench_dask.py`` writes its results between ``DASK_BEGIN``
    and ``DASK_END``; rewriting the report must not drop them.

    Parameters
    ----------
    out : Path
        The report about to be rewritten (it may not exist).
    text : str
        The new report.

    Returns
    -------
    text : str
        The new report, followed by the old Dask section when there was one.
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
    grid = grid_from_args(args)
    out = (args.out or default_out(args.quick)).resolve()
    command = reproduce_command(args, out)
    with gmmkit_snapshot() as snapshot:
        results = run_grid(grid, "quick" if args.quick else "full", command, snapshot)
    out.write_text(keep_dask_section(out, render(results)))
    print(f"wrote {out} ({results['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
