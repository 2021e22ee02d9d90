"""The ``gmmkit`` command line: thin commands over library functions.

Every command reads its input with :func:`gmmkit.io.read_table` or
:func:`gmmkit.persistence.read`, calls the library, and renders the result
with Rich. Errors are one line on stderr with exit code 1, never a
traceback; outputs are written atomically, so a failed command leaves no
half-written file.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from . import __version__
from ._validation import columns_already_matched
from .covariance import COVARIANCE_TYPES, covariance_model
from .datasets import load_old_faithful
from .exceptions import ComponentCollapseError, ModelFileError
from .io import atomic_write, check_folder, read_table, table_csv, write_table
from .mixture import GaussianMixture
from .persistence import read, save
from .scaling import Standardizer, to_data_units
from .selection import CRITERIA, select_model


class _HelpWithoutType:
    """Show ``--help`` as a flag, without a ``<bool>`` type in the help."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class _Command(_HelpWithoutType, TyperCommand):
    pass


class _Group(_HelpWithoutType, TyperGroup):
    pass


app = typer.Typer(
    cls=_Group,
    help="Gaussian mixture models fitted by EM.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

#: Probabilities at which the training log-density quantiles are stored.
QUANTILE_GRID = np.linspace(0.0, 1.0, 1001)
#: Most means and spreads shown per component in the table.
MAX_SHOWN_FEATURES = 6


class CommandError(Exception):
    """A user-facing failure, reported as one line on stderr."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def handle_errors(command: Callable) -> Callable:
    """Report expected failures as ``Error: ...`` on stderr, exit code 1.

    ValueError covers gmmkit's DataError, ModelFileError and
    ComponentCollapseError; OSError covers files that cannot be written;
    ImportError a missing optional dependency. Warnings (e.g. a fit that did
    not converge) are shown as ``Warning: ...`` lines.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = command(*args, **kwargs)
            except (CommandError, ValueError, OSError, ImportError) as error:
                _show_warnings(caught)
                typer.echo(f"Error: {_one_line(error)}", err=True)
                raise typer.Exit(1) from None
        _show_warnings(caught)
        return result

    return wrapper


def _show_warnings(caught: list) -> None:
    seen = set()
    for item in caught:
        message = _one_line(item.message)
        if message not in seen and not issubclass(item.category, DeprecationWarning):
            seen.add(message)
            typer.echo(f"Warning: {message}", err=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"gmmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version.",
            metavar="",
        ),
    ] = False,
) -> None:
    """Gaussian mixture models fitted by EM."""


# ------------------------------------------------------------------- tables
def _numbers(
    values: np.ndarray, limit: int = MAX_SHOWN_FEATURES, digits: int = 4
) -> str:
    values = np.ravel(values)
    # '#': keep trailing zeros, so every number shows `digits` figures.
    shown = ", ".join(f"{v:#.{digits}g}" for v in values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _covariance_summary(full: np.ndarray, names: list[str]) -> str:
    """Standard deviations, and the correlation (d = 2) or the strongest one."""
    sd = np.sqrt(np.diag(full))
    text = "sd " + _numbers(sd)
    d = len(sd)
    if d < 2:
        return text
    corr = full / np.outer(sd, sd)
    if d == 2:
        return text + f"; r {corr[0, 1]:+.2f}"
    off = np.abs(corr - np.eye(d))
    i, j = np.unravel_index(np.argmax(off), off.shape)
    if off[i, j] < 1e-12:
        return text
    return text + f"; largest r {corr[i, j]:+.2f} ({names[i]}, {names[j]})"


def components_table(model: Any, feature_names: list[str]) -> Table:
    """A Rich table of a fitted mixture's components, in component order.

    The numbers are the labels ``predict`` writes; a ``*`` after the weight
    marks the heaviest component.

    Parameters
    ----------
    model : GaussianMixture, StudentTMixture or BayesianGaussianMixture
        A fitted model.
    feature_names : list of str
        Names of the features, in column order.

    Returns
    -------
    table : rich.table.Table
    """
    K, d = model.means_.shape
    table = Table(title=f"{K}-component {model.covariance_type} GMM")
    table.add_column("component", justify="right")
    table.add_column("weight", justify="right")
    names = ", ".join(feature_names[:MAX_SHOWN_FEATURES])
    more = ", …" if d > MAX_SHOWN_FEATURES else ""
    table.add_column(f"mean ({names}{more})")
    table.add_column("covariance")
    full = covariance_model(model.covariance_type).to_full(
        model.covariances_.astype(np.float64), K, d
    )
    full = np.broadcast_to(full, (K, d, d)) if full.ndim == 2 else full
    table.caption = "* the heaviest component"
    heaviest = int(np.argmax(model.weights_))
    for k in range(K):
        table.add_row(
            str(k),
            f"{model.weights_[k]:.4f}" + ("*" if k == heaviest else " "),
            _numbers(model.means_[k]),
            _covariance_summary(full[k], feature_names),
        )
    noise = getattr(model, "noise_weight_", 0.0)
    if noise:
        table.add_row("noise", f"{noise:.4f}", "uniform over the data's box", "")
    return table


def selection_table(result: Any) -> Table:
    """A Rich table of a model search, the chosen model marked.

    Parameters
    ----------
    result : SelectionResult

    Returns
    -------
    table : rich.table.Table
    """
    name = result.criterion
    best_value = result.best_row[name]
    table = Table(title=f"Model selection by {name.upper()} (lower is better)")
    table.add_column("")
    table.add_column("K", justify="right")
    table.add_column("covariance")
    table.add_column("log-lik", justify="right")
    table.add_column("params", justify="right")
    table.add_column(name.upper(), justify="right")
    table.add_column(f"Δ{name.upper()}", justify="right")
    table.add_column("converged")
    best = (result.best_n_components, result.best_covariance_type)
    degenerate = 0
    for row in result.rows:
        key = (row["n_components"], row["covariance_type"])
        if row["status"] == "failed":
            reason = _one_line(row["reason"])
            table.add_row(
                "", str(key[0]), key[1], "failed", "", "", "", reason[:40], style="dim"
            )
            continue
        chosen = key == best
        flat = row["status"] == "degenerate"
        degenerate += flat
        table.add_row(
            "best" if chosen else ("degenerate" if flat else ""),
            str(key[0]),
            key[1],
            f"{row['log_likelihood']:.1f}",
            str(row["n_parameters"]),
            f"{row[name]:.1f}",
            f"{row[name] - best_value:.1f}",
            "yes" if row["converged"] else "no",
            style="bold green" if chosen else ("dim" if flat else None),
        )
    if degenerate:
        table.caption = (
            "degenerate: fitted but never chosen (a component rests on too few "
            "points to estimate its covariance, only reg_covar holds it up, or the "
            "model has as many parameters as observations)"
        )
    return table


# ------------------------------------------------------------------ helpers
def parse_k_range(text: str) -> list[int]:
    """``"1-10"``, ``"3"`` or ``"2,4,6-8"`` as a sorted list of distinct ints.

    Parameters
    ----------
    text : str

    Returns
    -------
    ks : list of int
    """
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise CommandError(
                f"--k {text!r}: expected numbers of components like 1-10, 3 or 2,4,6-8."
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low:
            raise CommandError(
                f"--k {text!r}: ranges go from 1 upwards, low to high (e.g. 1-10)."
            )
        values.update(range(low, high + 1))
    return sorted(values)


def parse_covariance_types(text: str) -> list[str]:
    """``"all"`` or a comma-separated list of covariance types."""
    if text.strip() == "all":
        return list(COVARIANCE_TYPES)
    types = [t.strip() for t in text.split(",")]
    for t in types:
        if t not in COVARIANCE_TYPES:
            raise CommandError(
                f"unknown covariance type {t!r}; choose from "
                f"{', '.join(COVARIANCE_TYPES)} or all."
            )
    return types


def _check_covariance(value: str) -> str:
    if value not in COVARIANCE_TYPES:
        raise CommandError(
            f"--covariance {value!r}: choose one of {', '.join(COVARIANCE_TYPES)}."
        )
    return value


def _progress(*columns: Any) -> Progress:
    """A transient progress bar on stderr, shown only on a terminal.

    Redirected, Rich would still end it with a newline: a stray blank line
    before the results or an ``Error:`` line.
    """
    return Progress(
        *columns,
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _fit_progress(n_init: int, max_iter: int) -> tuple[Progress, Callable]:
    """A transient progress bar on stderr and the EM callback that drives it."""
    progress = _progress(
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


def _write_csv(output: Path, columns: dict[str, np.ndarray]) -> str:
    """Write a CSV file, or to standard output for ``-o -``; say where."""
    if str(output) == "-":
        typer.echo(table_csv(columns), nl=False)
        return "standard output"
    write_table(output, columns)
    return str(output)


def _refuse_stdout(path: Path, what: str, instead: str = "a file name") -> None:
    """``-o -`` means standard output, which only CSV outputs support."""
    if str(path) == "-":
        raise CommandError(
            f"-o -: {what} cannot be written to standard output (only the CSV of "
            f"predict and sample can); give {instead}."
        )


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


def _check_output_folder(folder: Path) -> None:
    """Fail now, before any fitting, if ``folder`` cannot take the output."""
    _refuse_stdout(folder, "a report", "a folder")
    try:
        check_folder(folder)
    except OSError as error:
        raise CommandError(
            f"-o {folder}: {error} Give a folder you can write to for the report."
        ) from None


#: Suffixes of files that are not model files: refused for ``fit -o``.
NOT_MODEL_SUFFIXES = frozenset(
    ".csv .tsv .txt .dat .gz .parquet .pq .npy .png .svg .pdf .html .json".split()
)


def _check_model_path(output: Path, data: Path) -> None:
    """Refuse to write a model over a data-like file; warn on other suffixes."""
    _refuse_stdout(output, "a model file (binary)")
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


def _warn_constant_columns(X: np.ndarray, names: list[str]) -> None:
    constant = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) == 0]
    for j in constant:
        warnings.warn(
            f"column {names[j]!r} is constant ({X[0, j]:g}); it tells the "
            "components nothing, and its fitted spread is only the reg_covar "
            "floor. Leave it out with --columns.",
            UserWarning,
            stacklevel=2,
        )


def _read_model(model_path: Path, data: Path | None) -> Any:
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
            f"{_one_line(error).rstrip('.')}; did you swap MODEL and DATA? The "
            f"model comes first: MODEL DATA ({data.name} {model_path.name})."
        ) from None


def _model_columns(model_file: Any) -> list[str]:
    model = model_file.model
    columns = model_file.info.get("columns")
    if columns is None and hasattr(model, "feature_names_in_"):
        columns = [str(n) for n in model.feature_names_in_]
    return columns or [f"x{j}" for j in range(model.n_features_in_)]


def _refuse_folder(data: Path, command: str) -> None:
    if data.is_dir():
        raise CommandError(
            f"{data} is a folder; folders are read only by `gmmkit fit` (through "
            f"Dask), {command} needs a data file."
        )


def _read_for_model(data: Path, columns: str | None, model_file: Any) -> tuple:
    """The data columns a saved model needs.

    By name when DATA has a header (a missing model column is an error), by
    position when it has none (.npy, or text without a header); ``--columns``
    chooses them explicitly.
    """
    _refuse_folder(data, "this command")
    wanted = _model_columns(model_file)
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


def _quiet_names(function: Callable, X: np.ndarray) -> Any:
    """Call a model method on an array; the CLI has matched the columns itself."""
    with columns_already_matched():
        return function(X)


# ----------------------------------------------------------------- commands
# Arguments and options that several commands share.
DataFile = Annotated[
    Path,
    typer.Argument(metavar="DATA", help="Data file: CSV/text, .parquet or .npy."),
]
ModelFile = Annotated[Path, typer.Argument(metavar="MODEL", help="Model file.")]
ComponentsOption = Annotated[
    str, typer.Option("-k", "--k", help="Number of components, or 'auto' (BIC).")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(help="Columns to use, by name or 0-based position: a,b or 0,2."),
]


@app.command(cls=_Command)
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
    _check_model_path(output, data)
    covariance = _check_covariance(covariance)
    if data.is_dir() and not (any(data.glob("*.npy")) or any(data.glob("*.parquet"))):
        raise CommandError(
            f"{data} is a folder without .npy or .parquet files; give a data "
            "file, or a folder of .npy or Parquet files (fitted through Dask)."
        )
    if scheduler is not None or data.is_dir():
        _fit_dask(data, output, k, covariance, columns, standardize, n_init,
                  max_iter, seed, scheduler)  # fmt: skip
        return
    X, names = read_table(data, columns)
    n = X.shape[0]
    _warn_constant_columns(X, names)
    if standardize and covariance == "spherical":
        raise CommandError(
            "--standardize with --covariance spherical: the fitted model would not "
            "be spherical in the data's units; use diag or full, or standardise "
            "the data yourself."
        )
    scaler = Standardizer.from_data(X, names) if standardize else None
    Z = scaler.transform(X) if scaler is not None else X
    snapshot_every = 1 if X.shape[1] <= 10 else 5
    if k.strip().lower() == "auto":
        ks, capped = _auto_k_range(max_k, X.shape[1], n, covariance)
        with _progress() as progress:
            task = progress.add_task("choosing K by BIC", total=len(ks))
            result = select_model(
                Z,
                n_components=ks,
                covariance_types=[covariance],
                n_init=n_init,
                random_state=seed,
                max_iter=max_iter,
                snapshot_every=snapshot_every,
                progress=lambda done, total, row: progress.update(task, completed=done),
            )
        model = result.best_model
        console.print(
            f"K = {model.n_components} chosen by BIC among K = {ks[0]}..{ks[-1]}"
            + (f" ({capped})." if capped else ".")
        )
    else:
        try:
            n_components = int(k)
        except ValueError:
            raise CommandError(
                f"-k {k!r}: give a number of components or auto."
            ) from None
        if not 1 <= n_components <= n:
            raise CommandError(
                f"-k {n_components} is not possible with {n} rows: K must be between "
                f"1 and the number of rows."
            )
        progress, callback = _fit_progress(n_init, max_iter)
        model = GaussianMixture(
            n_components,
            covariance_type=covariance,
            n_init=n_init,
            max_iter=max_iter,
            random_state=seed,
            snapshot_every=snapshot_every,
            callbacks=callback,
        )
        try:
            with progress:
                model.fit(Z)
        except ComponentCollapseError as error:
            raise CommandError(str(error)) from None
        model.set_params(callbacks=None)
    if scaler is not None:
        model = to_data_units(model, scaler)
    model.feature_names_in_ = np.asarray(names, dtype=object)
    log_density = _quiet_names(model.score_samples, X).astype(np.float64)
    info = {
        "columns": names,
        "data": data.name,
        "n_samples": int(n),
        "standardize": None
        if scaler is None
        else {"center": scaler.center.tolist(), "scale": scaler.scale.tolist()},
        "log_density_quantiles": np.quantile(log_density, QUANTILE_GRID).tolist(),
    }
    save(model, output, info=info)
    console.print(components_table(model, names))
    state = "converged" if model.converged_ else "did not converge"
    console.print(
        f"EM {state} after {model.n_iter_} iterations; mean log-likelihood "
        f"{log_density.mean():.4f}, BIC {_quiet_names(model.bic, X):.2f}."
    )
    console.print(f"Model written to {output}")


def _fit_dask(
    data, output, k, covariance, columns, standardize, n_init, max_iter, seed,
    scheduler,
) -> None:  # fmt: skip
    """``gmmkit fit`` through Dask: block by block, on a scheduler if given."""
    from . import distributed

    da = distributed._dask().array  # a clear message when Dask is missing
    if k.strip().lower() == "auto":
        raise CommandError(
            "-k auto is not available for a Dask fit (choosing K fits every "
            "candidate in memory); give -k K."
        )
    if standardize:
        raise CommandError(
            "--standardize is not available for a Dask fit; standardise the "
            "files first or fit in memory."
        )
    try:
        n_components = int(k)
    except ValueError:
        raise CommandError(f"-k {k!r}: give a number of components.") from None
    client = None if scheduler is None else distributed.connect_scheduler(scheduler)
    try:
        X, names = _read_dask(data, columns)
        n = X.shape[0]
        if not 1 <= n_components <= n:
            raise CommandError(
                f"-k {n_components} is not possible with {n} rows: K must be "
                "between 1 and the number of rows."
            )
        progress, callback = _fit_progress(n_init, max_iter)
        model = GaussianMixture(
            n_components,
            covariance_type=covariance,
            n_init=n_init,
            max_iter=max_iter,
            random_state=seed,
            snapshot_every=1 if X.shape[1] <= 10 else 5,
            callbacks=callback,
        )
        try:
            with progress:
                model.fit(X)
        except ComponentCollapseError as error:
            raise CommandError(str(error)) from None
        model.set_params(callbacks=None)
        model.feature_names_in_ = np.asarray(names, dtype=object)
        log_density = _quiet_names(model.score_samples, X)
        # Dask's percentiles are approximate (merged per block), which is
        # plenty for an anomaly threshold.
        quantiles, mean_log_density = da.compute(
            da.percentile(log_density, 100 * QUANTILE_GRID), log_density.mean()
        )
        bic = _quiet_names(model.bic, X)
    finally:
        if client is not None:
            client.close()
    info = {
        "columns": names,
        "data": data.name,
        "n_samples": int(n),
        "standardize": None,
        "log_density_quantiles": np.asarray(quantiles, dtype=float).tolist(),
    }
    save(model, output, info=info)
    console.print(components_table(model, names))
    state = "converged" if model.converged_ else "did not converge"
    console.print(
        f"EM {state} after {model.n_iter_} iterations (Dask, {X.numblocks[0]} "
        f"blocks); mean log-likelihood {float(mean_log_density):.4f}, BIC "
        f"{float(bic):.2f}."
    )
    console.print(f"Model written to {output}")


def _read_dask(data: Path, columns: str | None) -> tuple[Any, list[str]]:
    """DATA as a Dask array and its column names: a folder, or one file."""
    from . import distributed

    da = distributed._dask().array
    if not data.is_dir():
        X, names = read_table(data, columns)
        return da.from_array(
            X, chunks=(max(1, (64 << 20) // (8 * X.shape[1])), -1)
        ), names
    wanted = None if columns is None else [c.strip() for c in columns.split(",")]
    parquet = sorted(data.glob("*.parquet"))
    if parquet:
        X = distributed.read_array_folder(data, columns=wanted)
        if wanted is None:
            import pyarrow.parquet as pq

            wanted = list(pq.read_schema(parquet[0]).names)[: X.shape[1]]
        return X, wanted
    X = distributed.read_array_folder(data)
    names = [f"x{i}" for i in range(X.shape[1])]
    if wanted is None:
        return X, names
    try:
        picked = [int(c) for c in wanted]
    except ValueError:
        raise CommandError(
            f"--columns {columns!r}: .npy files have no column names; choose "
            "columns by 0-based position, e.g. 0,2."
        ) from None
    bad = [c for c in picked if not 0 <= c < X.shape[1]]
    if bad:
        raise CommandError(
            f"--columns {columns!r}: the files hold {X.shape[1]} columns "
            f"(0..{X.shape[1] - 1}); there is no column {bad[0]}."
        )
    return X[:, picked], [names[c] for c in picked]


@app.command(cls=_Command)
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
        str, typer.Option(help="bic, aic or icl (lower is better).")
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
    _refuse_folder(data, "select")
    if criterion not in CRITERIA:
        raise CommandError(f"--criterion {criterion!r}: choose bic, aic or icl.")
    ks = parse_k_range(k)
    types = parse_covariance_types(covariance)
    X, names = read_table(data, columns)
    if standardize:
        X = Standardizer.from_data(X, names).transform(X)
    if ks[0] > X.shape[0]:
        raise CommandError(
            f"--k {k}: every K is larger than the number of rows ({X.shape[0]})."
        )
    with _progress() as progress:
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


@app.command(cls=_Command)
@handle_errors
def predict(
    model_path: ModelFile,
    data: DataFile,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="CSV file to write; - for standard output."
        ),
    ],
    proba: Annotated[
        bool,
        typer.Option("--proba", help="Add each component's probability.", metavar=""),
    ] = False,
    anomaly_quantile: Annotated[
        float | None,
        typer.Option(
            "--anomaly-quantile",
            help="Flag rows whose log-density is below this quantile of the training "
            "data's log-densities (e.g. 0.01).",
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(help="Columns to use (default: the model's columns, by name)."),
    ] = None,
) -> None:
    """Label each row of DATA; optionally probabilities and an anomaly flag."""
    if anomaly_quantile is not None and not 0.0 <= anomaly_quantile <= 1.0:
        raise CommandError(
            f"--anomaly-quantile {anomaly_quantile}: give a probability in [0, 1]."
        )
    _refuse_folder(data, "predict")
    model_file = _read_model(model_path, data)
    model = model_file.model
    X, names = _read_for_model(data, columns, model_file)
    out: dict[str, np.ndarray] = {name: X[:, j] for j, name in enumerate(names)}
    out["label"] = _quiet_names(model.predict, X)
    density = hasattr(model, "score_samples")
    if (proba or anomaly_quantile is not None) and not density:
        raise CommandError(
            f"a {type(model).__name__} model gives hard labels only; --proba and "
            "--anomaly-quantile need a mixture model."
        )
    if proba:
        resp = _quiet_names(model.predict_proba, X)
        for j in range(resp.shape[1]):
            name = f"p{j}" if j < model.n_components else "p_noise"
            out[name] = resp[:, j]
    if density:
        log_density = _quiet_names(model.score_samples, X).astype(np.float64)
        out["log_density"] = log_density
    if anomaly_quantile is not None:
        threshold, source = _anomaly_threshold(
            model_file, log_density, anomaly_quantile, data
        )
        out["anomaly"] = (log_density < threshold).astype(np.int64)
    where = _write_csv(output, out)
    messages = err_console if where == "standard output" else console
    messages.print(f"{len(X)} rows labelled; written to {where}")
    if anomaly_quantile is not None:
        messages.print(
            f"{int(out['anomaly'].sum())} anomalies: log-density below "
            f"{threshold:.4f}, the {anomaly_quantile:g}-quantile of {source}."
        )


def _anomaly_threshold(
    model_file: Any, log_density: np.ndarray, q: float, data: Path
) -> tuple[float, str]:
    """The Q-quantile of the training log-densities stored by ``gmmkit fit``.

    Relative to the training data, so a row's flag does not depend on which
    other rows are predicted with it. A model saved from Python has no such
    record; then the predicted data's own quantile is used, with a warning.
    """
    stored = model_file.info.get("log_density_quantiles")
    if stored is not None and len(stored) == len(QUANTILE_GRID):
        return float(np.interp(q, QUANTILE_GRID, stored)), "the training data"
    warnings.warn(
        "the model file holds no training log-densities (it was not written by "
        f"gmmkit fit); the threshold is the quantile of {data.name} itself.",
        UserWarning,
        stacklevel=2,
    )
    return float(np.quantile(log_density, q)), data.name


@app.command(cls=_Command)
@handle_errors
def sample(
    model_path: ModelFile,
    n: Annotated[int, typer.Option("-n", help="Number of rows to draw.", min=1)],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="CSV file to write; - for standard output."
        ),
    ],
    seed: Annotated[
        int | None, typer.Option(help="Random seed (reproducible draws).")
    ] = None,
) -> None:
    """Draw N rows from a saved model: its columns plus the component."""
    model_file = read(model_path)
    model = model_file.model
    if not hasattr(model, "sample"):
        raise CommandError(f"a {type(model).__name__} model cannot be sampled.")
    X, y = model.sample(n, random_state=seed)
    names = _model_columns(model_file)
    out = {name: X[:, j] for j, name in enumerate(names)}
    out["component"] = y
    where = _write_csv(output, out)
    messages = err_console if where == "standard output" else console
    messages.print(f"{n} rows drawn; written to {where}")


#: Figures of ``gmmkit plot``: kind -> (function name, needs data, takes dims).
PLOT_KINDS = {
    "clusters": ("plot_clusters", True, True),
    "soft": ("plot_soft_assignments", True, True),
    "uncertainty": ("plot_uncertainty", True, True),
    "pies": ("plot_responsibility_pies", True, True),
    "density": ("plot_density", True, True),
    "mixture-1d": ("plot_mixture_1d", True, False),
    "log-likelihood": ("plot_log_likelihood", False, False),
    "snapshots": ("plot_em_snapshots", True, True),
}
FIGURE_FORMATS = ("png", "svg", "pdf")


def _parse_dims(text: str | None, names: list[str]) -> Any:
    """``--dims``: two column names or positions, or ``pca``."""
    if text is None:
        return "pca" if len(names) > 2 else (0, 1)
    if text.strip().lower() == "pca":
        return "pca"
    parts = [p.strip() for p in text.split(",")]
    dims = []
    for part in parts:
        if part in names:
            dims.append(names.index(part))
        elif part.isdigit() and int(part) < len(names):
            dims.append(int(part))
        else:
            raise CommandError(
                f"--dims {text!r}: {part!r} is not one of the model's columns "
                f"({', '.join(names)}) or a position 0..{len(names) - 1}."
            )
    if len(dims) != 2 or dims[0] == dims[1]:
        raise CommandError(f"--dims {text!r}: give two different columns, or pca.")
    return tuple(dims)


@app.command(cls=_Command)
@handle_errors
def plot(
    model_path: ModelFile,
    data: Annotated[
        Path | None,
        typer.Argument(
            metavar="DATA", help="Data file (not needed for --kind log-likelihood)."
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option(help="Figure: " + ", ".join(PLOT_KINDS) + ".")
    ] = "clusters",
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Figure file (.png, .svg, .pdf).")
    ] = Path("figure.png"),
    columns: Annotated[
        str | None,
        typer.Option(help="Columns to use (default: the model's columns, by name)."),
    ] = None,
    dims: Annotated[
        str | None,
        typer.Option(help="Two columns to draw (names or positions), or pca."),
    ] = None,
    anomaly_quantile: Annotated[
        float | None,
        typer.Option(
            "--anomaly-quantile",
            help="density: mark rows below this quantile of the data's log-density.",
        ),
    ] = None,
) -> None:
    """Draw a figure of a saved model, with DATA, to a PNG/SVG/PDF file."""
    if kind not in PLOT_KINDS:
        raise CommandError(f"--kind {kind!r}: choose one of {', '.join(PLOT_KINDS)}.")
    _refuse_stdout(output, "a figure (binary)")
    if data is not None:
        _refuse_folder(data, "plot")
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise CommandError(
            f"{output}: the figure format follows the suffix; use .png, .svg or .pdf."
        )
    function_name, needs_data, takes_dims = PLOT_KINDS[kind]
    model_file = _read_model(model_path, data)
    model = model_file.model
    if not hasattr(model, "means_"):
        raise CommandError(f"a {type(model).__name__} model has no mixture to plot.")
    if needs_data and data is None:
        raise CommandError(f"--kind {kind} needs a DATA file.")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot as figures

    function = getattr(figures, function_name)
    names = _model_columns(model_file)
    if takes_dims and len(names) < 2:
        raise CommandError(
            f"--kind {kind} draws two columns, but the model has one "
            f"({names[0]}); use --kind mixture-1d."
        )
    kwargs: dict[str, Any] = {}
    if takes_dims:
        kwargs["dims"] = _parse_dims(dims, names)
    if kind == "density" and anomaly_quantile is not None:
        kwargs["anomalies"] = anomaly_quantile
    if kind == "snapshots" and not getattr(model, "snapshots_", None):
        raise CommandError(
            "this model has no EM snapshots (only GaussianMixture keeps them)."
        )
    if needs_data:
        X, _ = _read_for_model(data, columns, model_file)
        result = _quiet_names(lambda X: function(model, X, **kwargs), X)
    else:
        result = function(model)
    figure = result if hasattr(result, "savefig") else result.figure
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format=suffix, dpi=150, bbox_inches="tight")
    finally:
        plt.close(figure)
    atomic_write(output, buffer.getvalue())
    console.print(f"{kind} figure written to {output}")


@app.command(cls=_Command)
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
    _refuse_folder(data, "report")
    _check_output_folder(output)
    X, names = read_table(data, columns)
    path = _build_report(X, names, output, k, covariance, n_init, seed, data.name)
    console.print(f"Report written to {path}")


def _build_report(X, names, output, k, covariance, n_init, seed, title_data) -> Path:
    from .report import build

    if covariance != "auto":
        _check_covariance(covariance)
    if k.strip().lower() == "auto":
        n_components: int | str = "auto"
    else:
        try:
            n_components = int(k)
        except ValueError:
            raise CommandError(
                f"-k {k!r}: give a number of components or auto."
            ) from None
        if not 1 <= n_components <= X.shape[0]:
            raise CommandError(
                f"-k {n_components} is not possible with {X.shape[0]} rows: K must "
                "be between 1 and the number of rows."
            )
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


@app.command(cls=_Command)
@handle_errors
def demo(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the report.")
    ] = Path("gmmkit-demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """The report on the bundled Old Faithful data (what `make demo` runs)."""
    _check_output_folder(output)
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
    path = _build_report(
        X, ["eruptions", "waiting"], output, "auto", "full", 10, seed, "Old Faithful"
    )
    console.print(f"Report written to {path.resolve()}")


@app.command(cls=_Command)
def example(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="Which example; leave out to list them all."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Folder for its figures."),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Small sizes: seconds, not minutes.", metavar=""),
    ] = False,
) -> None:
    """Run one of the worked examples (the same as python examples/NAME.py)."""
    from . import examples

    if name is None:
        table = Table(title="gmmkit examples: gmmkit example NAME [--out DIR]")
        table.add_column("name")
        table.add_column("what it shows")
        for key, summary in examples.EXAMPLES.items():
            table.add_row(key, summary)
        console.print(table)
        return
    from ._examples_support import prepare_out

    try:
        module = examples.load(name)
        if output is not None:
            _refuse_stdout(output, "the example's figures", "a folder")
            prepare_out(output, create=False)
    except (CommandError, ValueError, OSError) as error:
        typer.echo(f"Error: {_one_line(error)}", err=True)
        raise typer.Exit(1) from None
    argv = ["--quick"] if quick else []
    if output is not None:
        argv += ["--out", str(output)]
    try:
        status = module.main(argv)
    except OSError as error:  # e.g. the folder vanished or filled up mid-run
        typer.echo(f"Error: {_one_line(error)}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(status)


def main() -> None:
    """Entry point of the ``gmmkit`` script."""
    app()
