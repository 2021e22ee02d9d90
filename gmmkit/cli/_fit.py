"""``gmmkit fit``: fit a Gaussian mixture to a data file and save it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ..covariance import covariance_model
from ..io import read_table
from ..scaling import Standardizer, to_data_units
from ..selection import select_model
from ._app import CommandError, console, handle_errors
from ._files import (
    QUANTILE_GRID,
    check_model_path,
    model_record,
    quiet_names,
    warn_constant_columns,
)
from ._fit_dask import fit_dask
from ._fitting import EMSettings, fit_with_progress, save_and_show, snapshot_every
from ._options import (
    ColumnsOption,
    ComponentsOption,
    DataFile,
    check_covariance,
    check_n_components,
    parse_n_components,
    wants_auto,
)
from ._progress import progress_bar


@handle_errors
def fit(
    data: DataFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Model file to write.")
    ],
    k: ComponentsOption = "auto",
    covariance: Annotated[
        str, typer.Option(help="full, tied, diag or spherical.")
    ] = "full",
    columns: ColumnsOption = None,
    standardize: Annotated[
        bool,
        typer.Option(
            help="Fit on standardised columns; the model is stored in data units.",
            metavar="",
        ),
    ] = False,
    n_init: Annotated[
        int, typer.Option("--n-init", help="Number of EM starts.", min=1)
    ] = 1,
    max_iter: Annotated[
        int, typer.Option("--max-iter", help="Most EM iterations.", min=1)
    ] = 100,
    max_k: Annotated[
        int, typer.Option("--max-k", help="Largest K tried by -k auto.", min=1)
    ] = 10,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (reproducible fits).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Fit on Dask: a scheduler address (tcp://host:port) or 'local' "
            "to start a local cluster. A folder DATA (.npy or Parquet files) is "
            "always fitted through Dask."
        ),
    ] = None,
) -> None:
    """Fit a Gaussian mixture to DATA and save it; -k auto chooses K by BIC."""
    check_model_path(output, data)
    em = EMSettings(check_covariance(covariance), n_init, max_iter, seed)
    _check_data_folder(data)
    if scheduler is not None or data.is_dir():
        fit_dask(data, output, k, columns, standardize, scheduler, em)
        return
    X, names = read_table(data, columns)
    warn_constant_columns(X, names)
    _check_standardize(standardize, em.covariance)
    scaler = Standardizer.from_data(X, names) if standardize else None
    Z = scaler.transform(X) if scaler is not None else X
    if wants_auto(k):
        model = _choose_k_by_bic(Z, max_k, em)
    else:
        n_components = check_n_components(parse_n_components(k), X.shape[0])
        model = fit_with_progress(Z, n_components, em)
    if scaler is not None:
        model = to_data_units(model, scaler)
    _save(model, X, names, data, output, scaler)


def _check_data_folder(data: Path) -> None:
    """A folder DATA is fitted through Dask, so it must hold array files."""
    if data.is_dir() and not (any(data.glob("*.npy")) or any(data.glob("*.parquet"))):
        raise CommandError(
            f"{data} is a folder without .npy or .parquet files; give a data "
            "file, or a folder of .npy or Parquet files (fitted through Dask)."
        )


def _check_standardize(standardize: bool, covariance: str) -> None:
    """Refuse ``--standardize`` for a covariance form that unscaling breaks."""
    if standardize and not covariance_model(covariance).rescalable:
        raise CommandError(
            "--standardize with --covariance spherical: the fitted model would not "
            "be spherical in the data's units; use diag or full, or standardise "
            "the data yourself."
        )


def _choose_k_by_bic(X: np.ndarray, max_k: int, em: EMSettings) -> Any:
    """``-k auto``: the best of K = 1..max_k by BIC, and say which K it is."""
    ks, capped = _auto_k_range(max_k, X.shape[1], X.shape[0], em.covariance)
    with progress_bar() as progress:
        task = progress.add_task("choosing K by BIC", total=len(ks))
        result = select_model(
            X,
            n_components=ks,
            covariance_types=[em.covariance],
            n_init=em.n_init,
            random_state=em.seed,
            max_iter=em.max_iter,
            snapshot_every=snapshot_every(X.shape[1]),
            progress=lambda done, total, row: progress.update(task, completed=done),
        )
    model = result.best_model
    console.print(
        f"K = {model.n_components} chosen by BIC among K = {ks[0]}..{ks[-1]}"
        + (f" ({capped})." if capped else ".")
    )
    return model


def _n_free_parameters(K: int, d: int, covariance: str) -> int:
    """Free parameters of a K-component mixture: weights, means, covariances."""
    return (K - 1) + K * d + covariance_model(covariance).n_parameters(K, d)


def _auto_k_range(max_k: int, d: int, n: int, covariance: str) -> tuple[list, str]:
    """The K tried by ``-k auto``, and why it stops below ``max_k`` if it does.

    A model with as many free parameters as rows cannot be estimated (EM
    just fits components to single points), so K stops before that.
    """
    ks = [K for K in range(1, max_k + 1) if _n_free_parameters(K, d, covariance) < n]
    if not ks:
        raise CommandError(
            f"even one component has {_n_free_parameters(1, d, covariance)} free "
            f"parameters with {covariance} covariance on {d} columns, not fewer "
            f"than the {n} rows; use more rows, fewer columns (--columns) or "
            "--covariance diag or spherical."
        )
    if ks[-1] == max_k:
        return ks, ""
    K = ks[-1] + 1
    return ks, (
        f"capped below --max-k {max_k}: K = {K} would have "
        f"{_n_free_parameters(K, d, covariance)} free parameters with {covariance} "
        f"covariance, not fewer than the {n} rows"
    )


def _save(
    model: Any,
    X: np.ndarray,
    names: list[str],
    data: Path,
    output: Path,
    scaler: Standardizer | None,
) -> None:
    """Save the fitted model in data units, with its training record."""
    model.feature_names_in_ = np.asarray(names, dtype=object)
    log_density = quiet_names(model.score_samples, X).astype(np.float64)
    standardize = None
    if scaler is not None:
        standardize = {"center": scaler.center.tolist(), "scale": scaler.scale.tolist()}
    info = model_record(
        names, data, X.shape[0], np.quantile(log_density, QUANTILE_GRID), standardize
    )
    bic = quiet_names(model.bic, X)
    save_and_show(model, output, info, log_density.mean(), bic)
