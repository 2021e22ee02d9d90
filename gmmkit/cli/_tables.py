"""Rich tables of fitted models and model searches."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.table import Table

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
