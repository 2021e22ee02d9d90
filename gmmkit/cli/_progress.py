"""Transient progress bars on stderr, shown only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ._app import err_console


def progress_bar(*columns: Any) -> Progress:
    """A transient progress bar on stderr, shown only on a terminal.

    Redirected, Rich would still end it with a newline: a stray blank line
    before the results or an ``Error:`` line.

    Parameters
    ----------
    *columns : rich.progress.ProgressColumn
        Rich's default columns when none are given.

    Returns
    -------
    progress : rich.progress.Progress
    """
    return Progress(
        *columns,
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def em_progress(n_init: int, max_iter: int) -> tuple[Progress, Callable]:
    """A transient progress bar on stderr and the EM callback that drives it.

    Parameters
    ----------
    n_init : int
        EM starts.
    max_iter : int
        Most iterations per start.

    Returns
    -------
    progress : rich.progress.Progress
    callback : callable
        ``callback(iteration, log_likelihood, params)`` for ``callbacks=``.
    """
    progress = progress_bar(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()
    )
    task = progress.add_task("EM", total=n_init * max(max_iter, 1))
    state = {"start": -1}

    def callback(iteration: int, log_likelihood: float, params: Any) -> None:
        if iteration == 1:
            state["start"] += 1
        progress.update(
            task,
            completed=state["start"] * max_iter + iteration,
            description=(
                f"start {state['start'] + 1}/{n_init} · iteration {iteration} · "
                f"log-likelihood {log_likelihood:.4f}"
            ),
        )

    return progress, callback
