"""``gmmkit fit``: fit a Gaussian mixture to a data file and save it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ..covariance import MCLUST_NAMES, covariance_model
from ..io import read_table
from ..scaling import Standardizer, to_data_units
from ._app import CommandError, console, handle_errors
from ._files import (
    QUANTILE_GRID,
    check_model_path,
    model_record,
    quiet_names,
    warn_constant_columns,
)
from ._fit_dask import fit_dask
from ._fitting import EMSettings, fit_with_progress, save_and_show
from ._options import (
    ColumnsOption,
    ComponentsOption,
    DataFile,
    SeedOption,
    check_n_components,
    parse_covariance_types,
    parse_n_components,
    wants_auto,
)
from ._search import (
    auto_k_values,
    chosen_text,
    run_search,
    runner_up,
    search_scope,
    unhealthy_note,
)

_Covariance = Annotated[
    str | None,
    typer.Option(
        help="Covariance model(s): one of full, tied, diag, spherical or "
        "mclust's EII ... VVV; several (EEV,VEV) or all, searched by BIC. "
        "Default: all 14 with -k auto, full with -k K.",
        show_default=False,
    ),
]
_Standardize = Annotated[
    bool,
    typer.Option(
        help="Fit on standardised columns; the model is stored in data units.",
        metavar="",
    ),
]
_NInit = Annotated[
    int | None,
    typer.Option(
        "--n-init",
        help="EM starts (default 1; a search: 3 per (K, model), select_model's).",
        min=1,
        show_default=False,
    ),
]
_MaxIter = Annotated[
    int | None,
    typer.Option(
        "--max-iter",
        help="Most EM iterations (default 100; a search: select_model's).",
        min=1,
        show_default=False,
    ),
]
_MaxK = Annotated[
    int, typer.Option("--max-k", help="Largest K tried by -k auto.", min=1)
]
_Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Fit on Dask: a scheduler address (tcp://host:port) or 'local' "
        "to start a local cluster. A folder DATA (.npy or Parquet files) is "
        "always fitted through Dask."
    ),
]


@handle_errors
def fit(
    data: DataFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Model file to write.")
    ],
    k: ComponentsOption = "auto",
    covariance: _Covariance = None,
    columns: ColumnsOption = None,
    standardize: _Standardize = False,
    n_init: _NInit = None,
    max_iter: _MaxIter = None,
    max_k: _MaxK = 9,
    seed: SeedOption = 0,
    scheduler: _Scheduler = None,
) -> None:
    """Fit a Gaussian mixture to DATA and save it; -k auto chooses K and model by BIC.

    -k auto runs select_model's search (K = 1..--max-k, every covariance
    model unless --covariance names some) and saves the model it chooses.
    """
    check_model_path(output, data)
    types = None if covariance is None else parse_covariance_types(covariance)
    searched = wants_auto(k) or (types is not None and len(types) > 1)
    em = EMSettings(
        types[0] if types and not searched else "full",
        n_init or 1,
        max_iter or 100,
        seed,
    )
    _check_data_folder(data)
    if scheduler is not None or data.is_dir():
        if searched and not wants_auto(k):
            raise CommandError(
                f"--covariance {covariance}: a Dask fit fits one covariance model; "
                "name one, or search in memory."
            )
        fit_dask(data, output, k, columns, standardize, scheduler, em)
        return
    X, names = read_table(data, columns)
    warn_constant_columns(X, names)
    scaler = Standardizer.from_data(X, names) if standardize else None
    Z = scaler.transform(X) if scaler is not None else X
    if searched:
        if standardize:
            types = _rescalable(types)
        model = _search(Z, k, max_k, types, n_init, max_iter, seed, scaler)
    else:
        _check_standardize(standardize, em.covariance)
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


def _rescalable_names() -> str:
    return ", ".join(n for n in MCLUST_NAMES if covariance_model(n).rescalable)


def _check_standardize(standardize: bool, covariance: str) -> None:
    """Refuse ``--standardize`` for a covariance form that unscaling breaks."""
    if standardize and not covariance_model(covariance).rescalable:
        raise CommandError(
            f"--standardize with --covariance {covariance}: the fitted model would "
            f"not be {covariance} in the data's units; use one that survives "
            f"rescaling ({_rescalable_names()}), or standardise the data yourself."
        )


def _rescalable(types: list[str] | None) -> list[str]:
    """The models a ``--standardize`` search can convert back to data units.

    A search over every model leaves out those that rescaling breaks, and
    says so; naming only such models is refused.
    """
    wanted = list(MCLUST_NAMES) if types is None else types
    kept = [t for t in wanted if covariance_model(t).rescalable]
    if not kept:
        _check_standardize(True, wanted[0])
    dropped = [t for t in wanted if t not in kept]
    if dropped:
        console.print(
            f"--standardize: searching {', '.join(kept)}; {', '.join(dropped)} "
            "would not keep their form in the data's units.",
            highlight=False,
            soft_wrap=True,
        )
    return kept


def _search(
    X: np.ndarray,
    k: str,
    max_k: int,
    types: list[str] | None,
    n_init: int | None,
    max_iter: int | None,
    seed: int,
    scaler: Standardizer | None,
) -> Any:
    """Run select_model's search and say what it chose; its best model.

    ``-k auto`` tries K = 1..``max_k`` (at most the number of distinct rows);
    ``-k K`` with several models tries that K only.
    """
    note = ""
    if wants_auto(k):
        ks, note = auto_k_values(max_k, X)
    else:
        ks = [check_n_components(parse_n_components(k), X.shape[0])]
    result = run_search(
        X,
        ks,
        list(MCLUST_NAMES) if types is None else types,
        n_init=n_init,
        seed=seed,
        max_iter=max_iter,
    )
    where = " on standardised columns" if scaler is not None else ""
    text = f"Chosen by BIC: {chosen_text(result)}{where}, the lowest of "
    text += search_scope(result) + (f"; {note}." if note else ".")
    runner = runner_up(result)
    if runner is not None:
        text += (
            f" Next: K={runner['n_components']}, {runner['covariance_type']} "
            f"(BIC {runner['bic']:.2f})."
        )
    unhealthy = unhealthy_note(result)
    if unhealthy:
        text += f" {unhealthy} `gmmkit select` shows every fit."
    console.print(text, highlight=False, soft_wrap=True)
    return result.best_model


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
