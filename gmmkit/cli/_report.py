"""``gmmkit report`` and ``gmmkit demo``: a fit explained in an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from ..datasets import load_old_faithful
from ..io import read_table
from ..mixture import GaussianMixture
from ._app import console, handle_errors
from ._files import check_output_folder, refuse_folder
from ._options import (
    ColumnsOption,
    ComponentsOption,
    DataFile,
    check_covariance,
    check_n_components,
    parse_n_components,
    wants_auto,
)
from ._tables import components_table


@handle_errors
def report(
    data: DataFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for report.html.")
    ],
    k: ComponentsOption = "auto",
    covariance: Annotated[
        str, typer.Option(help="full, tied, diag, spherical, or auto (BIC).")
    ] = "full",
    columns: ColumnsOption = None,
    n_init: Annotated[
        int, typer.Option("--n-init", help="EM starts (and runs per kind).", min=1)
    ] = 10,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Fit DATA and write a self-contained HTML report explaining the fit."""
    refuse_folder(data, "report")
    check_output_folder(output)
    X, names = read_table(data, columns)
    path = build_report(X, names, output, k, covariance, n_init, seed, data.name)
    console.print(f"Report written to {path}")


def build_report(
    X: np.ndarray,
    names: list[str],
    output: Path,
    k: str,
    covariance: str,
    n_init: int,
    seed: int,
    title_data: str,
) -> Path:
    """Check ``-k`` and ``--covariance``, then build the report.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    names : list of str
        Its columns.
    output : Path
        The report's folder.
    k : str
        ``-k``: a number of components or ``auto``.
    covariance : str
        A covariance type or ``auto``.
    n_init, seed : int
    title_data : str
        What the data are called in the title.

    Returns
    -------
    path : Path
        The report's HTML file.
    """
    from ..report import build

    if covariance != "auto":
        check_covariance(covariance)
    n_components: int | str = "auto"
    if not wants_auto(k):
        n_components = check_n_components(parse_n_components(k), X.shape[0])
    return build(
        X,
        out_dir=output,
        n_components=n_components,
        covariance_type=covariance,
        feature_names=names,
        n_init=n_init,
        random_state=seed,
        title=f"Gaussian mixture report: {title_data}",
    )


@handle_errors
def demo(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the report.")
    ] = Path("gmmkit-demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """The report on the bundled Old Faithful data (what `make demo` runs)."""
    check_output_folder(output)
    X = load_old_faithful()
    model = GaussianMixture(n_components=2, random_state=seed).fit(X)
    console.print(
        f"Old Faithful: {X.shape[0]} eruptions, columns eruptions (min) and "
        "waiting (min)."
    )
    console.print(components_table(model, ["eruptions", "waiting"]))
    state = "converged" if model.converged_ else "did not converge"
    console.print(
        f"EM {state} after {model.n_iter_} iterations; mean log-likelihood "
        f"{model.score(X):.4f}, BIC {model.bic(X):.2f}, AIC {model.aic(X):.2f}."
    )
    path = build_report(
        X, ["eruptions", "waiting"], output, "auto", "full", 10, seed, "Old Faithful"
    )
    console.print(f"Report written to {path.resolve()}")
