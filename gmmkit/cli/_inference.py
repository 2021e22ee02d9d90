"""``gmmkit predict`` and ``gmmkit sample``: use a saved model."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ..persistence import read
from ._app import CommandError, console, err_console, handle_errors
from ._files import (
    QUANTILE_GRID,
    model_columns,
    quiet_names,
    read_for_model,
    read_model,
    refuse_folder,
    write_csv,
)
from ._options import DataFile, ModelFile

CsvOutput = Annotated[
    Path,
    typer.Option("-o", "--output", help="CSV file to write; - for standard output."),
]


@handle_errors
def predict(
    model_path: ModelFile,
    data: DataFile,
    output: CsvOutput,
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
    refuse_folder(data, "predict")
    model_file = read_model(model_path, data)
    X, names = read_for_model(data, columns, model_file)
    out = _predictions(model_file.model, X, names, proba, anomaly_quantile)
    if anomaly_quantile is not None:
        threshold, source = _anomaly_threshold(
            model_file, out["log_density"], anomaly_quantile, data
        )
        out["anomaly"] = (out["log_density"] < threshold).astype(np.int64)
    where = write_csv(output, out)
    messages = err_console if where == "standard output" else console
    messages.print(f"{len(X)} rows labelled; written to {where}")
    if anomaly_quantile is not None:
        messages.print(
            f"{int(out['anomaly'].sum())} anomalies: log-density below "
            f"{threshold:.4f}, the {anomaly_quantile:g}-quantile of {source}."
        )


def _predictions(
    model: Any,
    X: np.ndarray,
    names: list[str],
    proba: bool,
    anomaly_quantile: float | None,
) -> dict[str, np.ndarray]:
    """The columns ``predict`` writes, before the anomaly flag.

    The data, ``label``, with ``--proba`` one ``p<k>`` per component (and
    ``p_noise``), and ``log_density`` for a model that has densities.
    """
    out: dict[str, np.ndarray] = {name: X[:, j] for j, name in enumerate(names)}
    out["label"] = quiet_names(model.predict, X)
    density = hasattr(model, "score_samples")
    if (proba or anomaly_quantile is not None) and not density:
        raise CommandError(
            f"a {type(model).__name__} model gives hard labels only; --proba and "
            "--anomaly-quantile need a mixture model."
        )
    if proba:
        resp = quiet_names(model.predict_proba, X)
        for j in range(resp.shape[1]):
            name = f"p{j}" if j < model.n_components else "p_noise"
            out[name] = resp[:, j]
    if density:
        out["log_density"] = quiet_names(model.score_samples, X).astype(np.float64)
    return out


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


@handle_errors
def sample(
    model_path: ModelFile,
    n: Annotated[int, typer.Option("-n", help="Number of rows to draw.", min=1)],
    output: CsvOutput,
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
    names = model_columns(model_file)
    out = {name: X[:, j] for j, name in enumerate(names)}
    out["component"] = y
    where = write_csv(output, out)
    messages = err_console if where == "standard output" else console
    messages.print(f"{n} rows drawn; written to {where}")
