"""``gmmkit report`` and ``gmmkit demo``: a fit explained in an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ..datasets import load_old_faithful
from ..io import read_table
from ._app import console, handle_errors
from ._files import check_output_folder, quiet_names, refuse_folder
from ._options import (
    ColumnsOption,
    ComponentsOption,
    CovarianceOption,
    DataFile,
    SeedOption,
    check_n_components,
    parse_covariance_types,
    parse_n_components,
    wants_auto,
)
from ._search import chosen_text, search_progress, search_scope
from ._tables import components_table

#: The demo's columns.
FAITHFUL_COLUMNS = ["eruptions", "waiting"]


@handle_errors
def report(
    data: DataFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for report.html.")
    ],
    k: ComponentsOption = "auto",
    covariance: CovarianceOption = "all",
    columns: ColumnsOption = None,
    max_k: Annotated[
        int, typer.Option("--max-k", help="Largest K tried by -k auto.", min=1)
    ] = 9,
    n_init: Annotated[
        int,
        typer.Option(
            "--n-init", help="Starts of the fit shown (and runs per kind).", min=1
        ),
    ] = 10,
    seed: SeedOption = 0,
) -> None:
    """Fit DATA and write a self-contained HTML report explaining the fit.

    -k auto (and several --covariance models) choose the model by
    select_model's search, as gmmkit select does.
    """
    refuse_folder(data, "report")
    check_output_folder(output)
    X, names = read_table(data, columns)
    fit = fit_report(X, names, k, covariance, n_init, seed, max_k)
    path = write(fit, output, data.name)
    console.print(f"Report written to {path}")


def fit_report(
    X: np.ndarray,
    names: list[str],
    k: str,
    covariance: str,
    n_init: int,
    seed: int,
    max_k: int,
) -> Any:
    """Check ``-k`` and ``--covariance``, then make the report's fits.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    names : list of str
        Its columns.
    k : str
        ``-k``: a number of components or ``auto``.
    covariance : str
        ``--covariance``: ``all``, one model or several.
    n_init, seed, max_k : int

    Returns
    -------
    fit : ReportFit
        Its model search (if any) said on the console.
    """
    from ..report.fitting import fit_for_report

    types = parse_covariance_types(covariance)
    n_components: int | str = "auto"
    if not wants_auto(k):
        n_components = check_n_components(parse_n_components(k), X.shape[0])
    progress, advance = search_progress()
    with progress:
        fit = fit_for_report(
            X,
            n_components,
            types,
            names,
            n_init,
            seed,
            "random",
            max_k,
            progress=advance,
        )
    if fit.selection is not None:
        console.print(
            f"Chosen by BIC: {chosen_text(fit.selection)}, the lowest of "
            f"{search_scope(fit.selection)}.",
            highlight=False,
            soft_wrap=True,
        )
    return fit


def write(fit: Any, output: Path, title_data: str) -> Path:
    """Write the report of ``fit`` to ``output``; the page's path."""
    from ..report.builder import write_report

    return write_report(fit, output, title=f"Gaussian mixture report: {title_data}")


@handle_errors
def demo(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the report.")
    ] = Path("gmmkit-demo"),
    seed: SeedOption = 0,
) -> None:
    """The report on the bundled Old Faithful data (what `make demo` runs)."""
    check_output_folder(output)
    X = load_old_faithful()
    console.print(
        f"Old Faithful: {X.shape[0]} eruptions, columns eruptions (min) and "
        "waiting (min)."
    )
    fit = fit_report(X, FAITHFUL_COLUMNS, "auto", "all", 10, seed, 9)
    model = fit.model
    console.print(components_table(model, FAITHFUL_COLUMNS))
    state = "converged" if model.converged_ else "did not converge"
    score, bic, aic = (quiet_names(f, X) for f in (model.score, model.bic, model.aic))
    console.print(
        f"EM {state} after {model.n_iter_} iterations; mean log-likelihood "
        f"{score:.4f}, BIC {bic:.2f}, AIC {aic:.2f}."
    )
    path = write(fit, output, "Old Faithful")
    console.print(f"Report written to {path.resolve()}")
