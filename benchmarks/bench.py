"""Benchmark gmmkit against scikit-learn, side by side, from the same start.

Run from the repository root::

    python benchmarks/bench.py              # full grid, writes BENCHMARKS.md
    python benchmarks/bench.py --quick      # reduced grid, writes a temp file
    python benchmarks/bench.py --quick --out q.md
    python benchmarks/bench.py --search     # only the model search (section)

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

The model search (``benchkit.search``: ``select_model`` against
scikit-learn's ``GaussianMixture`` loop and mclust's ``Mclust``) has its own
section between ``<!-- search:begin -->`` and ``<!-- search:end -->``.
``--search`` measures it alone and rewrites only that section of the
report, every other byte kept; the grid runs measure it too, after the grid
(``--skip-search`` keeps the report's old section instead).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
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
from benchkit.search import (  # noqa: E402
    FULL_SEARCH,
    QUICK_SEARCH,
    SEARCH_BEGIN,
    SEARCH_END,
    render_section,
    run_search,
)

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
    parser.add_argument(
        "--search",
        action="store_true",
        help="only the model-search benchmark (select_model against "
        "scikit-learn's loop and mclust, about 15 minutes; --quick: seconds); "
        "rewrites only its section of the report",
    )
    parser.add_argument(
        "--skip-search",
        action="store_true",
        help="grid runs: keep the report's search section instead of measuring "
        "the search again",
    )
    parser.add_argument(
        "--complete",
        action="store_true",
        help="model search: mclust at every N, also at 200 000 rows (about "
        "15 minutes more on 2 cores)",
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.search and (
        args.skip_search or args.repeats is not None or args.retries is not None
    ):
        parser.error("--search takes only --quick, --complete and --out")
    if args.complete and args.skip_search:
        parser.error("--complete measures the search; --skip-search keeps it")
    return args


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
    if args.search:
        command.append("--search")
    if args.quick:
        command.append("--quick")
    if args.repeats is not None:
        command += ["--repeats", str(args.repeats)]
    if args.retries is not None:
        command += ["--retries", str(args.retries)]
    if args.skip_search:
        command.append("--skip-search")
    if args.complete:
        command.append("--complete")
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    command += ["--out", str(shown)]
    text = shlex.join(command)
    default_full = not args.quick and args.repeats is None and args.retries is None
    default_full = default_full and not (args.skip_search or args.complete)
    if default_full and shown == Path("BENCHMARKS.md"):
        target = "bench-search" if args.search else "bench"
        text = f"make {target}  # or: {text}"
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


def old_section(out: Path, begin: str, end: str) -> str | None:
    """The section between ``begin`` and ``end`` (markers included) of ``out``.

    Parameters
    ----------
    out : Path
        The report (it may not exist).
    begin, end : str
        The section's markers.

    Returns
    -------
    section : str or None
        None when ``out`` is missing or lacks either marker.
    """
    if not out.exists():
        return None
    old = out.read_text()
    if begin not in old or end not in old:
        return None
    start = old.index(begin)
    return old[start : old.index(end, start) + len(end)]


def replace_search_section(text: str, section: str) -> str:
    """``text`` with its search section replaced by ``section``, the rest kept.

    Every byte outside the markers stays as it was. Without the markers the
    section goes before the Dask section, or at the end.

    Parameters
    ----------
    text : str
        The report (may be empty).
    section : str
        Markers included, no newline after the end marker.

    Returns
    -------
    text : str
    """
    if SEARCH_BEGIN in text and SEARCH_END in text:
        head, rest = text.split(SEARCH_BEGIN, 1)
        return head + section + rest.split(SEARCH_END, 1)[1]
    if DASK_BEGIN in text:
        head, tail = text.split(DASK_BEGIN, 1)
        return head + section + "\n\n" + DASK_BEGIN + tail
    if not text:
        return section + "\n"
    return text.rstrip("\n") + "\n\n" + section + "\n"


def write_search_section(out: Path, section: str) -> None:
    """Put ``section`` into the report at ``out`` (atomically), keeping the rest.

    Parameters
    ----------
    out : Path
        The report; created when missing.
    section : str
        Markers included.
    """
    text = out.read_text() if out.exists() else ""
    with tempfile.NamedTemporaryFile(
        "w", dir=out.parent, prefix=f".{out.name}.", delete=False
    ) as handle:
        handle.write(replace_search_section(text, section))
    os.replace(handle.name, out)


def search_section(args: argparse.Namespace, out: Path, command: str) -> str | None:
    """The search section for a report about to be written.

    Measured (the quick or full search setting) unless ``--skip-search``,
    which keeps the old report's section (None when it had none).

    Parameters
    ----------
    args : argparse.Namespace
    out : Path
        The report.
    command : str
        The command that reproduces the run, for the section.

    Returns
    -------
    section : str or None
        Markers included, no newline after the end marker.
    """
    if args.skip_search:
        return old_section(out, SEARCH_BEGIN, SEARCH_END)
    setting = QUICK_SEARCH if args.quick else FULL_SEARCH
    if args.complete:
        setting = dataclasses.replace(setting, mclust_up_to=None)
    results = run_search(setting, command)
    print(f"model search measured ({results['seconds']:.0f} s)", flush=True)
    return render_section(results)


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
    out = (args.out or default_out(args.quick)).resolve()
    command = reproduce_command(args, out)
    if args.search:
        write_search_section(out, search_section(args, out, command))
        print(f"wrote the model-search section of {out}", flush=True)
        return 0
    grid = grid_from_args(args)
    with gmmkit_snapshot() as snapshot:
        results = run_grid(grid, "quick" if args.quick else "full", command, snapshot)
    text = render(results)
    section = search_section(args, out, command)
    if section is not None:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    out.write_text(keep_dask_section(out, text))
    print(f"wrote {out} ({results['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
