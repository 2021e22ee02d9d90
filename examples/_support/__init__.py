"""What the example scripts share: arguments, scores, tables and figure files.

The examples in ``examples/`` (installed as ``gmmkit.examples``) print their
results; this module (``gmmkit.examples._support``) only computes and formats,
it never prints. It serves the examples alone: the library and the CLI do not
import it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gmmkit._paths import prepare_out
from gmmkit.io import atomic_path

#: Resolution of every saved example figure.
FIGURE_DPI = 110


def default_out(name: str) -> Path:
    """Folder an example writes to when ``--out`` is not given.

    Parameters
    ----------
    name : str
        The example's name.

    Returns
    -------
    out : Path
        ``gmmkit-examples/NAME`` in the current directory.
    """
    return Path("gmmkit-examples") / name


def parse_args(
    name: str, description: str, argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """Parse the ``--out DIR`` and ``--quick`` options every example takes.

    Parameters
    ----------
    name : str
        The example's name (sets the default output folder).
    description : str
        Shown by ``--help``.
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    args : argparse.Namespace
        ``out`` (Path) and ``quick`` (bool). If ``out`` is a file or cannot
        be created or written, the message is printed as one ``Error:``
        line and the program exits with code 1 before any work.
    """
    parser = argparse.ArgumentParser(
        prog=f"gmmkit example {name}",
        description=description,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=default_out(name),
        help=f"folder for the figures (default: {default_out(name)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, a few seconds (what CI runs)",
    )
    args = parser.parse_args(argv)
    try:
        prepare_out(args.out, create=False)  # made when a figure is saved
    except OSError as error:
        parser.exit(1, f"Error: {error}\n")
    return args


def save_figure(fig: Any, path: Path, dpi: int = FIGURE_DPI) -> Path:
    """Write a Matplotlib figure as PNG atomically, then close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : Path
        Target file; its folder is created when missing (an OSError with a
        one-line message if that is not possible).
    dpi : int, default=FIGURE_DPI
        Lower it for dense multi-panel figures to keep files small.

    Returns
    -------
    path : Path
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    prepare_out(path.parent)
    try:
        with atomic_path(path, suffix=".png") as temporary:
            fig.savefig(temporary, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def _contingency(labels_true: Any, labels_pred: Any) -> np.ndarray:
    labels_true = np.asarray(labels_true).ravel()
    labels_pred = np.asarray(labels_pred).ravel()
    if labels_true.shape != labels_pred.shape:
        raise ValueError(
            f"labels_true has {labels_true.size} labels but labels_pred has "
            f"{labels_pred.size}; give one label per sample in both."
        )
    _, rows = np.unique(labels_true, return_inverse=True)
    _, cols = np.unique(labels_pred, return_inverse=True)
    table = np.zeros((rows.max(initial=-1) + 1, cols.max(initial=-1) + 1), dtype=int)
    np.add.at(table, (rows, cols), 1)
    return table


def adjusted_rand_index(labels_true: Any, labels_pred: Any) -> float:
    """Adjusted Rand index of two labellings (Hubert & Arabie, 1985).

    1 for identical partitions (up to renaming), about 0 for random ones.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)

    Returns
    -------
    ari : float
    """
    table = _contingency(labels_true, labels_pred)
    n = int(table.sum())

    def pairs(counts: np.ndarray) -> float:
        counts = counts.astype(np.float64)
        return float((counts * (counts - 1) / 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:  # one cluster each, or every sample alone
        return 1.0
    return (index - expected) / (maximum - expected)


def matched_confusion(y_true: Any, y_pred: Any) -> tuple[np.ndarray, float, dict]:
    """Confusion matrix after renaming clusters to classes (Hungarian matching).

    Parameters
    ----------
    y_true : array-like of int of shape (n_samples,)
        True classes ``0 .. C-1``.
    y_pred : array-like of int of shape (n_samples,)
        Cluster labels (any integers).

    Returns
    -------
    confusion : ndarray of shape (C, M)
        Rows are true classes; columns are clusters, reordered so that the
        cluster matched to class ``c`` is column ``c`` (unmatched ones last).
    accuracy : float
        Share of samples whose cluster is matched to their class.
    mapping : dict
        Cluster label to the class it is matched with.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    classes = np.unique(y_true)
    clusters = np.unique(y_pred)
    table = _contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(-table)
    order = list(cols[np.argsort(rows)])
    order += [c for c in range(len(clusters)) if c not in order]
    confusion = table[:, order]
    accuracy = float(table[rows, cols].sum() / y_true.size)
    mapping = {
        clusters[c].item(): classes[r].item() for r, c in zip(rows, cols, strict=True)
    }
    return confusion, accuracy, mapping


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain-text table with right-aligned columns (floats to 4 digits).

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequences
        One value per header.

    Returns
    -------
    table : str
    """

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:.4g}" if abs(value) < 1e-3 and value else f"{value:.4f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
        for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells
    ]
    return "\n".join(lines)
