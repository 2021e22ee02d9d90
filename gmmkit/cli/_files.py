"""What the commands read and write: data, model files and their record, outputs.

Outputs are checked before any work; ``-o -`` means standard output, which
only the CSV outputs support.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import typer

from .._validation import columns_already_matched
from ..exceptions import ModelFileError
from ..io import check_folder, read_table, table_csv, write_table
from ..persistence import read
from ._app import CommandError, one_line

#: Probabilities at which the training log-density quantiles are stored.
QUANTILE_GRID = np.linspace(0.0, 1.0, 1001)

#: Suffixes of files that are not model files: refused for ``fit -o``.
NOT_MODEL_SUFFIXES = frozenset(
    ".csv .tsv .txt .dat .gz .parquet .pq .npy .png .svg .pdf .html .json".split()
)


# ------------------------------------------------------------------ outputs
def write_csv(output: Path, columns: dict[str, np.ndarray]) -> str:
    """Write a CSV file, or to standard output for ``-o -``; say where.

    Parameters
    ----------
    output : Path
        The file, or ``-``.
    columns : dict of str to ndarray of shape (n_rows,)

    Returns
    -------
    where : str
        ``"standard output"`` or the file's name.
    """
    if str(output) == "-":
        typer.echo(table_csv(columns), nl=False)
        return "standard output"
    write_table(output, columns)
    return str(output)


def refuse_stdout(path: Path, what: str, instead: str = "a file name") -> None:
    """``-o -`` means standard output, which only CSV outputs support."""
    if str(path) == "-":
        raise CommandError(
            f"-o -: {what} cannot be written to standard output (only the CSV of "
            f"predict and sample can); give {instead}."
        )


def check_output_folder(folder: Path) -> None:
    """Fail now, before any fitting, if ``folder`` cannot take the output."""
    refuse_stdout(folder, "a report", "a folder")
    try:
        check_folder(folder)
    except OSError as error:
        raise CommandError(
            f"-o {folder}: {error} Give a folder you can write to for the report."
        ) from None


def check_model_path(output: Path, data: Path) -> None:
    """Refuse to write a model over a data-like file; warn on other suffixes."""
    refuse_stdout(output, "a model file (binary)")
    suffix = output.suffix.lower()
    if suffix in NOT_MODEL_SUFFIXES or output.resolve() == data.resolve():
        raise CommandError(
            f"-o {output}: a model file is an .npz archive; give a name ending in "
            f".npz (a {suffix or 'data'} name risks overwriting data or confusing "
            "readers)."
        )
    if suffix != ".npz":
        warnings.warn(
            f"{output.name} does not end in .npz; it is written as a gmmkit model "
            "(.npz archive) all the same.",
            UserWarning,
            stacklevel=2,
        )


def model_record(
    names: list[str],
    data: Path,
    n_samples: int,
    log_density_quantiles: Any,
    standardize: dict | None = None,
) -> dict[str, Any]:
    """What ``gmmkit fit`` stores about the training data beside a model.

    Parameters
    ----------
    names : list of str
        The columns fitted, in order.
    data : Path
        The data file or folder.
    n_samples : int
    log_density_quantiles : array-like of shape (len(QUANTILE_GRID),)
        The training log-densities' quantiles at :data:`QUANTILE_GRID`.
    standardize : dict, optional
        ``center`` and ``scale`` lists when the fit was standardised.

    Returns
    -------
    info : dict
        The ``info`` of :func:`gmmkit.persistence.save`.
    """
    return {
        "columns": names,
        "data": data.name,
        "n_samples": int(n_samples),
        "standardize": standardize,
        "log_density_quantiles": np.asarray(
            log_density_quantiles, dtype=float
        ).tolist(),
    }


# ------------------------------------------------------------------- inputs
def refuse_folder(data: Path, command: str) -> None:
    """Only ``gmmkit fit`` reads a folder of files (through Dask)."""
    if data.is_dir():
        raise CommandError(
            f"{data} is a folder; folders are read only by `gmmkit fit` (through "
            f"Dask), {command} needs a data file."
        )


def warn_constant_columns(X: np.ndarray, names: list[str]) -> None:
    """Warn about each column that holds one value only."""
    constant = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) == 0]
    for j in constant:
        warnings.warn(
            f"column {names[j]!r} is constant ({X[0, j]:g}); it tells the "
            "components nothing, and its fitted spread is only the reg_covar "
            "floor. Leave it out with --columns.",
            UserWarning,
            stacklevel=2,
        )


def read_model(model_path: Path, data: Path | None) -> Any:
    """Read a model file; if it is refused, ask whether the two were swapped."""
    try:
        return read(model_path)
    except ModelFileError as error:
        swapped = (
            data is not None
            and data.suffix.lower() == ".npz"
            and model_path.suffix.lower() != ".npz"
        )
        if not swapped:
            raise
        raise CommandError(
            f"{one_line(error).rstrip('.')}; did you swap MODEL and DATA? The "
            f"model comes first: MODEL DATA ({data.name} {model_path.name})."
        ) from None


def model_columns(model_file: Any) -> list[str]:
    """The names of the columns a saved model was fitted on."""
    model = model_file.model
    columns = model_file.info.get("columns")
    if columns is None and hasattr(model, "feature_names_in_"):
        columns = [str(n) for n in model.feature_names_in_]
    return columns or [f"x{j}" for j in range(model.n_features_in_)]


def read_for_model(data: Path, columns: str | None, model_file: Any) -> tuple:
    """The data columns a saved model needs.

    By name when DATA has a header (a missing model column is an error), by
    position when it has none (.npy, or text without a header); ``--columns``
    chooses them explicitly.
    """
    refuse_folder(data, "this command")
    wanted = model_columns(model_file)
    X, names = read_table(data, columns, prefer=wanted)
    d = model_file.model.n_features_in_
    if X.shape[1] != d:
        how = (
            "--columns chose"
            if columns is not None
            else "without column names to match (in the model or the file), "
            "columns are taken by position, and the file has"
        )
        raise CommandError(
            f"the model was fitted on {d} column(s) ({', '.join(wanted)}) but "
            f"{how} {X.shape[1]} ({', '.join(names)}) in {data}; choose {d} with "
            "--columns."
        )
    return X, names


def quiet_names(function: Callable, X: Any) -> Any:
    """Call a model method on an array; the CLI has matched the columns itself."""
    with columns_already_matched():
        return function(X)
