"""``gmmkit select``: fit every K and covariance type and rank them."""

from __future__ import annotations

from typing import Annotated

import typer

from ..io import read_table
from ..scaling import Standardizer
from ..selection import CRITERIA, select_model
from ._app import CommandError, console, handle_errors
from ._files import refuse_folder
from ._options import (
    ColumnsOption,
    DataFile,
    parse_covariance_types,
    parse_k_range,
)
from ._progress import progress_bar
from ._tables import selection_table


@handle_errors
def select(
    data: DataFile,
    k: Annotated[
        str, typer.Option("-k", "--k", help="Numbers of components: 1-10, 2,4.")
    ] = "1-10",
    covariance: Annotated[
        str, typer.Option(help="Covariance types: all, or a list such as full,diag.")
    ] = "all",
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
        int, typer.Option("--n-init", help="EM starts per fit.", min=1)
    ] = 1,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (reproducible fits).")
    ] = None,
) -> None:
    """Fit every K and covariance type to DATA and rank them by a criterion."""
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
    with progress_bar() as progress:
        task = progress.add_task("fitting", total=len(ks) * len(types))
        result = select_model(
            X,
            n_components=ks,
            covariance_types=types,
            criterion=criterion,
            n_init=n_init,
            random_state=seed,
            progress=lambda done, total, row: progress.update(task, completed=done),
        )
    console.print(selection_table(result))
    console.print(
        f"Best by {criterion.upper()}: K = {result.best_n_components}, "
        f"{result.best_covariance_type} covariance."
    )
