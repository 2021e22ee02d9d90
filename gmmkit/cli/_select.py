"""``gmmkit select``: the model search of :func:`gmmkit.select_model`, shown."""

from __future__ import annotations

from typing import Annotated

import typer

from ..io import read_table
from ..scaling import Standardizer
from ..selection import CRITERIA
from ._app import CommandError, console, handle_errors
from ._files import refuse_folder
from ._options import (
    ColumnsOption,
    CovarianceOption,
    DataFile,
    SeedOption,
    parse_covariance_types,
    parse_k_range,
)
from ._search import chosen_text, run_search, search_scope, unhealthy_note
from ._tables import (
    failed_lines,
    grid_key,
    grid_title,
    ranking_table,
    selection_grid,
    selection_table,
)


@handle_errors
def select(
    data: DataFile,
    k: Annotated[
        str, typer.Option("-k", "--k", help="Numbers of components: 1-9, 2,4.")
    ] = "1-9",
    covariance: CovarianceOption = "all",
    criterion: Annotated[
        str,
        typer.Option(
            help="bic, aic, icl (mclust's: BIC plus the MAP classification's "
            "cost) or icl_entropy (BIC plus twice the soft entropy); lower is "
            "better."
        ),
    ] = "bic",
    columns: ColumnsOption = None,
    standardize: Annotated[
        bool, typer.Option(help="Fit on standardised columns.", metavar="")
    ] = False,
    n_init: Annotated[
        int | None,
        typer.Option(
            "--n-init",
            help="Starts per (K, model): the hierarchical one, then k-means++ "
            "ones (default 3, select_model's).",
            min=1,
            show_default=False,
        ),
    ] = None,
    seed: SeedOption = 0,
    long: Annotated[
        bool,
        typer.Option("--long", help="Also list every fit, one row each.", metavar=""),
    ] = False,
) -> None:
    """Fit every K and covariance model to DATA and rank them (select_model)."""
    refuse_folder(data, "select")
    if criterion not in CRITERIA:
        choices = ", ".join(CRITERIA)
        raise CommandError(f"--criterion {criterion!r}: choose one of {choices}.")
    ks = parse_k_range(k)
    types = parse_covariance_types(covariance)
    X, names = read_table(data, columns)
    if standardize:
        X = Standardizer.from_data(X, names).transform(X)
    if ks[0] > X.shape[0]:
        raise CommandError(
            f"--k {k}: every K is larger than the number of rows ({X.shape[0]})."
        )
    result = run_search(X, ks, types, criterion=criterion, n_init=n_init, seed=seed)
    console.print(grid_title(result), highlight=False)
    console.print(selection_grid(result))
    console.print(grid_key(result), highlight=False, soft_wrap=True)
    console.print()
    console.print(ranking_table(result))
    if long:
        console.print(selection_table(result))
    for line in failed_lines(result):
        console.print(line, highlight=False, soft_wrap=True)
    note = unhealthy_note(result)
    console.print(
        f"Best by {criterion.upper()}: {chosen_text(result)}, the lowest of "
        f"{search_scope(result)}." + (f" {note}" if note else ""),
        highlight=False,
        soft_wrap=True,
    )
