"""The ``gmmkit`` command line: thin commands over library functions."""

from __future__ import annotations

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .datasets import load_old_faithful
from .mixture import GaussianMixture

app = typer.Typer(
    help="Gaussian mixture models fitted by EM.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()


def _version(value: bool) -> None:
    if value:
        console.print(f"gmmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Gaussian mixture models fitted by EM."""


def _matrix(values: np.ndarray) -> str:
    rows = np.atleast_2d(values)
    return "\n".join("[" + "  ".join(f"{v:9.4f}" for v in row) + "]" for row in rows)


def components_table(model: GaussianMixture, feature_names: list[str]) -> Table:
    """A Rich table of a fitted model's components, heaviest first.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    feature_names : list of str
        Names of the features, in column order.

    Returns
    -------
    table : rich.table.Table
    """
    table = Table(title=f"{model.n_components}-component {model.covariance_type} GMM")
    table.add_column("component", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("mean (" + ", ".join(feature_names) + ")")
    table.add_column("covariance")
    from .covariance import covariance_model

    full = covariance_model(model.covariance_type).to_full(
        model.covariances_, model.n_components, model.means_.shape[1]
    )
    for k in np.argsort(-model.weights_):
        table.add_row(
            str(k),
            f"{model.weights_[k]:.4f}",
            _matrix(model.means_[k]),
            _matrix(full[k]),
        )
    return table


@app.command()
def demo(
    seed: int = typer.Option(0, help="Random seed for the k-means start."),
) -> None:
    """Fit 2 components to the bundled Old Faithful data and show them."""
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


def main() -> None:
    """Entry point of the ``gmmkit`` script."""
    app()
