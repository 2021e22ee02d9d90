"""The model search every command runs: :func:`gmmkit.select_model`, with progress.

``gmmkit fit -k auto``, ``gmmkit select`` and ``gmmkit report`` call
:func:`run_search`, which calls :func:`~gmmkit.select_model` with the
library's defaults except where an option was given, so that all three
choose the same model as ``select_model(X)`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from .._text import plural
from ..selection import SelectionResult, select_model
from ._progress import progress_bar
from ._tables import criterion_name


def run_search(
    X: np.ndarray,
    n_components: list[int],
    covariance_types: list[str],
    *,
    criterion: str = "bic",
    n_init: int | None = None,
    seed: Any = 0,
    max_iter: int | None = None,
) -> SelectionResult:
    """:func:`~gmmkit.select_model` with a progress bar on stderr (on a terminal).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : list of int
    covariance_types : list of str
    criterion : str, default="bic"
    n_init : int, optional
        Starts per cell; None: the library's default.
    seed : int or None, default=0
        ``random_state``; 0 is the library's default.
    max_iter : int, optional
        Most EM iterations of a fit; None: the library's default.

    Returns
    -------
    result : SelectionResult
    """
    options: dict[str, Any] = {}
    if n_init is not None:
        options["n_init"] = n_init
    if max_iter is not None:
        options["max_iter"] = max_iter
    progress, advance = search_progress()
    with progress:
        return select_model(
            X,
            n_components=n_components,
            covariance_types=covariance_types,
            criterion=criterion,
            random_state=seed,
            progress=advance,
            **options,
        )


def search_progress() -> tuple[Progress, Callable[[int, int, dict], None]]:
    """A progress bar for a model search and the ``progress=`` callback driving it.

    Returns
    -------
    progress : rich.progress.Progress
        Transient, on stderr, shown only on a terminal; use it as a context.
    callback : callable
        ``callback(done, total, row)``, as :func:`~gmmkit.select_model` calls it.
    """
    progress = progress_bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    task = progress.add_task("model search", total=None)

    def advance(done: int, total: int, row: dict) -> None:
        progress.update(
            task,
            completed=done,
            total=total,
            description=f"model search · K={row['n_components']} "
            f"{row['covariance_type']} {row['status']}",
        )

    return progress, advance


def distinct_rows(X: np.ndarray) -> int:
    """How many different rows ``X`` has: the most components it can hold."""
    return int(np.unique(X, axis=0).shape[0])


def auto_k_values(max_k: int, X: np.ndarray) -> tuple[list[int], str]:
    """K = 1..max_k, stopped at the number of distinct rows; why, if it stops.

    Parameters
    ----------
    max_k : int
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ks : list of int
    note : str
        "" when the range reaches ``max_k``.
    """
    distinct = distinct_rows(X)
    if max_k <= distinct:
        return list(range(1, max_k + 1)), ""
    return list(range(1, distinct + 1)), (
        f"K stops at {distinct}: the data have {plural(distinct, 'distinct row')}"
    )


def chosen_text(result: SelectionResult) -> str:
    """``K=3, EEE (BIC 2314.30)``: the chosen model and its criterion."""
    row = result.best_row
    name = result.criterion
    return (
        f"K={row['n_components']}, {row['covariance_type']} "
        f"({criterion_name(name)} {row[name]:.2f})"
    )


def search_scope(result: SelectionResult) -> str:
    """``126 fits (K = 1..9; 14 covariance models)``."""
    ks = sorted({r["n_components"] for r in result.rows})
    models = list(dict.fromkeys(r["covariance_type"] for r in result.rows))
    contiguous = ks == list(range(ks[0], ks[-1] + 1))
    k_text = (
        f"K = {ks[0]}..{ks[-1]}"
        if contiguous and len(ks) > 1
        else "K = " + ", ".join(map(str, ks))
    )
    model_text = (
        plural(len(models), "covariance model")
        if len(models) > 3
        else ", ".join(models)
    )
    return f"{plural(len(result.rows), 'fit')} ({k_text}; {model_text})"


def runner_up(result: SelectionResult) -> dict | None:
    """The healthy row second by the criterion (None when there is none)."""
    name = result.criterion
    ok = [r for r in result.rows if r["status"] == "ok"]
    ranked = sorted(ok, key=lambda r: (r[name], r["n_parameters"]))
    return ranked[1] if len(ranked) > 1 else None


def unhealthy_note(result: SelectionResult) -> str:
    """How many fits were degenerate or failed ("" when none), never chosen."""
    degenerate = sum(r["status"] == "degenerate" for r in result.rows)
    failed = sum(r["status"] == "failed" for r in result.rows)
    parts = []
    if degenerate:
        parts.append(
            f"{plural(degenerate, 'fit')} {'is' if degenerate == 1 else 'are'} "
            "degenerate (a component rests on too few points, or only reg_covar "
            "holds it up)"
        )
    if failed:
        parts.append(
            f"{plural(failed, 'fit')} could not be made"
            if not degenerate
            else f"{failed} could not be made"
        )
    if not parts:
        return ""
    return " and ".join(parts) + "; never chosen."
