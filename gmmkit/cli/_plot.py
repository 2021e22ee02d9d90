"""``gmmkit plot``: a figure of a saved model to a PNG, SVG or PDF file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any

import typer

from ..io import atomic_write
from ._app import CommandError, console, handle_errors
from ._files import (
    model_columns,
    quiet_names,
    read_for_model,
    read_model,
    refuse_folder,
    refuse_stdout,
)
from ._options import ModelFile

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
    suffix = _check_request(kind, output, data)
    function_name, needs_data, _ = PLOT_KINDS[kind]
    model_file = read_model(model_path, data)
    model = model_file.model
    if not hasattr(model, "means_"):
        raise CommandError(f"a {type(model).__name__} model has no mixture to plot.")
    if needs_data and data is None:
        raise CommandError(f"--kind {kind} needs a DATA file.")
    import matplotlib

    matplotlib.use("Agg")
    from .. import plot as figures

    kwargs = _figure_options(kind, model_file, dims, anomaly_quantile)
    function = getattr(figures, function_name)
    if needs_data:
        X, _ = read_for_model(data, columns, model_file)
        result = quiet_names(lambda X: function(model, X, **kwargs), X)
    else:
        result = function(model)
    _save_figure(
        result if hasattr(result, "savefig") else result.figure, output, suffix
    )
    console.print(f"{kind} figure written to {output}")


def _check_request(kind: str, output: Path, data: Path | None) -> str:
    """Refuse an unknown kind or figure format before reading anything.

    Returns
    -------
    suffix : str
        The figure format, from ``output``'s suffix.
    """
    if kind not in PLOT_KINDS:
        raise CommandError(f"--kind {kind!r}: choose one of {', '.join(PLOT_KINDS)}.")
    refuse_stdout(output, "a figure (binary)")
    if data is not None:
        refuse_folder(data, "plot")
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise CommandError(
            f"{output}: the figure format follows the suffix; use .png, .svg or .pdf."
        )
    return suffix


def _figure_options(
    kind: str, model_file: Any, dims: str | None, anomaly_quantile: float | None
) -> dict[str, Any]:
    """The keyword arguments of the plotting function, checked against the model."""
    names = model_columns(model_file)
    takes_dims = PLOT_KINDS[kind][2]
    if takes_dims and len(names) < 2:
        raise CommandError(
            f"--kind {kind} draws two columns, but the model has one "
            f"({names[0]}); use --kind mixture-1d."
        )
    kwargs: dict[str, Any] = {}
    if takes_dims:
        kwargs["dims"] = parse_dims(dims, names)
    if kind == "density" and anomaly_quantile is not None:
        kwargs["anomalies"] = anomaly_quantile
    if kind == "snapshots" and not getattr(model_file.model, "snapshots_", None):
        raise CommandError(
            "this model has no EM snapshots: `gmmkit fit -k K` keeps them for one "
            "GaussianMixture fit; a model chosen by a search (-k auto) has none."
        )
    return kwargs


def parse_dims(text: str | None, names: list[str]) -> Any:
    """``--dims``: two column names or positions, or ``pca``.

    Parameters
    ----------
    text : str or None
        None draws the two columns, or ``pca`` for more.
    names : list of str
        The model's columns.

    Returns
    -------
    dims : tuple of (int, int) or "pca"
    """
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


def _save_figure(figure: Any, output: Path, suffix: str) -> None:
    """Write the figure atomically in the format ``suffix``, then close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format=suffix, dpi=150, bbox_inches="tight")
    finally:
        plt.close(figure)
    atomic_write(output, buffer.getvalue())
