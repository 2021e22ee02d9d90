"""Rich tables of fitted models and model searches."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from ..covariance import covariance_model
from ._app import one_line

#: Most means and spreads shown per component in the table.
MAX_SHOWN_FEATURES = 6


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
            reason = one_line(row["reason"])
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
            "points to estimate its covariance, or only reg_covar holds it up)"
        )
    return table


def _grid_value(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def selection_grid(result: Any) -> Table:
    """The criterion of every fit as a grid, models by K, the chosen one marked.

    Like mclust's BIC summary: one cell per (K, model). The longer of the two
    runs down the rows, so 14 models by 9 K fit in 80 columns. The chosen
    cell is bold and starred; a degenerate fit's value is in parentheses
    (fitted, never chosen); a fit that could not be made is a dash.

    Parameters
    ----------
    result : SelectionResult

    Returns
    -------
    table : rich.table.Table
    """
    name = result.criterion
    ks = sorted({r["n_components"] for r in result.rows})
    models = list(dict.fromkeys(r["covariance_type"] for r in result.rows))
    cells = {(r["n_components"], r["covariance_type"]): r for r in result.rows}
    scored = [r[name] for r in result.rows if r["status"] != "failed"]
    decimals = 1 if max(abs(v) for v in scored) < 1e4 else 0
    best = (result.best_n_components, result.best_covariance_type)
    models_down = len(models) >= len(ks)
    table = Table(
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
        show_edge=False,
    )
    table.add_column("model" if models_down else "K")
    for label in ks if models_down else models:
        table.add_column(f"K={label}" if models_down else label, justify="right")
    for outer in models if models_down else ks:
        line = []
        for inner in ks if models_down else models:
            key = (inner, outer) if models_down else (outer, inner)
            line.append(_grid_cell(cells.get(key), name, decimals, key == best))
        table.add_row(outer if models_down else str(outer), *line)
    return table


def grid_title(result: Any) -> str:
    """The line above :func:`selection_grid`: which criterion it shows."""
    return f"{criterion_name(result.criterion)} of every fit (lower is better):"


def grid_key(result: Any) -> str:
    """The line under :func:`selection_grid` saying what its marks mean."""
    rows = result.rows
    notes = ["* the chosen fit"]
    if any(r["status"] == "degenerate" for r in rows):
        notes.append("(…) degenerate, never chosen")
    if any(r["status"] == "failed" for r in rows):
        notes.append("– not fitted")
    return "; ".join(notes)


def _grid_cell(row: dict | None, name: str, decimals: int, chosen: bool) -> Text:
    if row is None or row["status"] == "failed":
        return Text("–", style="dim")
    value = _grid_value(row[name], decimals)
    if chosen:
        return Text(value + "*", style="bold green")
    if row["status"] == "degenerate":
        return Text(f"({value})", style="dim")
    return Text(value + " ")


def criterion_name(criterion: str) -> str:
    """``BIC``, ``ICL``, ``ICL (entropy)``: a criterion as the CLI names it."""
    return criterion.upper().replace("_ENTROPY", " (entropy)")


def ranking_table(result: Any, top: int = 5) -> Table:
    """The ``top`` healthy fits by the criterion, best first, the chosen marked.

    Parameters
    ----------
    result : SelectionResult
    top : int, default=5

    Returns
    -------
    table : rich.table.Table
    """
    name = result.criterion
    label = criterion_name(name)
    ok = [r for r in result.rows if r["status"] == "ok"]
    ranked = sorted(ok, key=lambda r: (r[name], r["n_parameters"]))[:top]
    best_value = result.best_row[name]
    table = Table(
        title=f"The {len(ranked)} best fits by {label}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    for column in ("", "K", "model", "log-lik", "params", label, f"Δ{label}"):
        table.add_column(column, justify="left" if column == "model" else "right")
    best = (result.best_n_components, result.best_covariance_type)
    for rank, row in enumerate(ranked, start=1):
        chosen = (row["n_components"], row["covariance_type"]) == best
        table.add_row(
            f"{rank}.",
            str(row["n_components"]),
            row["covariance_type"],
            f"{row['log_likelihood']:.1f}",
            str(row["n_parameters"]),
            f"{row[name]:.2f}",
            f"{row[name] - best_value:+.2f}" if not chosen else "chosen",
            style="bold green" if chosen else None,
        )
    return table


def failed_lines(result: Any, most: int = 5) -> list[str]:
    """Why fits could not be made: one line per reason (the first ``most``).

    Parameters
    ----------
    result : SelectionResult
    most : int, default=5

    Returns
    -------
    lines : list of str
        ``Not fitted, <reason>: K=4 (every model); K=5 EEV, VEV.``
    """
    models = list(dict.fromkeys(r["covariance_type"] for r in result.rows))
    by_reason: dict[str, dict[int, list[str]]] = {}
    for r in result.rows:
        if r["status"] == "failed":
            cells = by_reason.setdefault(one_line(r["reason"]), {})
            cells.setdefault(r["n_components"], []).append(r["covariance_type"])
    lines = []
    for reason, cells in list(by_reason.items())[:most]:
        where = "; ".join(
            f"K={k} "
            + ("(every model)" if len(names) == len(models) > 1 else ", ".join(names))
            for k, names in cells.items()
        )
        lines.append(f"Not fitted, {reason}: {where}.")
    if len(by_reason) > most:
        lines.append(
            f"... and {len(by_reason) - most} more reasons (--long lists every fit)."
        )
    return lines
