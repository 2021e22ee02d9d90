"""The report's account of the model search: the grid of fits, the best, the figure.

The search is :func:`~gmmkit.select_model`'s (see :mod:`.fitting`); this
module lays its result out as HTML: a paragraph on what was searched, a
model-by-K grid of BIC values like mclust's summary (126 fits on one
screen), the five best fits with every criterion, the sentence on what was
chosen, and the criteria drawn against K.
"""

from __future__ import annotations

from typing import Any

from .._text import plural
from ..search import SearchPlan
from . import figures as F
from . import html as H
from . import interpret as I

#: Fits listed with all their numbers under the grid.
TOP_FITS = 5
#: Models drawn in colour in the figure.
HIGHLIGHT = 4


def selection_part(selection: Any) -> str:
    """The model search of a report, as HTML.

    Parameters
    ----------
    selection : SelectionResult

    Returns
    -------
    html : str
    """
    from ..plot import plot_selection

    return (
        H.paragraph(_search_sentence(selection))
        + H.paragraph(
            f"{I.criterion_label(selection.criterion)} of every fit, lower is "
            "better; the chosen fit is highlighted."
            + I.degenerate_note(selection)
            + I.failed_note(selection),
            "note",
        )
        + grid_table(selection)
        + top_table(selection)
        + H.paragraph(I.selection_sentence(selection))
        + H.figure(
            F.figure_png(plot_selection(selection, highlight=HIGHLIGHT)),
            "Information criteria against K",
            _figure_caption(selection),
        )
    )


def _figure_caption(selection: Any) -> str:
    n_models = len({r["covariance_type"] for r in selection.rows})
    colours = (
        "each in colour"
        if n_models <= HIGHLIGHT
        else f"the {HIGHLIGHT} with the lowest "
        f"{I.criterion_label(selection.criterion)} in colour, the others grey "
        "behind them"
    )
    return (
        "Each criterion against the number of components, one curve per "
        f"covariance model, every model with its own marker: {colours}. A star "
        "marks each panel's best fit; hollow markers are degenerate fits."
    )


def _search_sentence(selection: Any) -> str:
    """What was searched, and how each fit was made."""
    ks = sorted({r["n_components"] for r in selection.rows})
    models = list(dict.fromkeys(r["covariance_type"] for r in selection.rows))
    k_text = f"K = {ks[0]} to {ks[-1]}" if len(ks) > 1 else f"K = {ks[0]}"
    return (
        f"The model was chosen by gmmkit's select_model, the search that the "
        f"commands gmmkit select and gmmkit fit -k auto run too: {k_text} with "
        f"{plural(len(models), 'covariance model')} ({', '.join(models)}), "
        f"{plural(len(selection.rows), 'fit')}. The starts are shared by every "
        "model at a K: mclust's hierarchical partition and "
        f"{plural(SearchPlan.n_init - 1, 'k-means++ partition')}; each runs "
        f"{SearchPlan.short_iter} EM iterations, and the most likely (with the "
        "hierarchical one) runs on to convergence."
    )


def _cell(row: dict | None, name: str, chosen: bool) -> str:
    """One grid cell as HTML: the value, highlighted, bracketed or a dash."""
    if row is None:
        return ""
    if row["status"] == "failed":
        return f'<span class="degenerate" title="{H.escape(row["reason"])}">–</span>'
    value = H.escape(I.fmt_fixed(row[name], 1))
    if chosen:
        return f'<span class="chosen">{value}</span>'
    if row["status"] == "degenerate":
        reason = H.escape(row["reason"])
        return f'<span class="degenerate" title="{reason}">({value})</span>'
    return value


def grid_table(selection: Any) -> str:
    """Models down, K across: the criterion of every fit, the chosen one marked.

    Parameters
    ----------
    selection : SelectionResult

    Returns
    -------
    html : str
    """
    name = selection.criterion
    ks = sorted({r["n_components"] for r in selection.rows})
    models = list(dict.fromkeys(r["covariance_type"] for r in selection.rows))
    cells = {(r["n_components"], r["covariance_type"]): r for r in selection.rows}
    best = (selection.best_n_components, selection.best_covariance_type)
    rows = [
        [model] + [_cell(cells.get((k, model)), name, (k, model) == best) for k in ks]
        for model in models
    ]
    return H.table(
        ["model", *(f"K = {k}" for k in ks)],
        rows,
        raw_columns=range(1, len(ks) + 1),
    )


def top_table(selection: Any, top: int = TOP_FITS) -> str:
    """The ``top`` healthy fits by the search's criterion, with every criterion.

    Parameters
    ----------
    selection : SelectionResult
    top : int, default=5

    Returns
    -------
    html : str
    """
    name = selection.criterion
    ok = [r for r in selection.rows if r["status"] == "ok"]
    ranked = sorted(ok, key=lambda r: (r[name], r["n_parameters"]))[:top]
    best = selection.best_row[name]
    label = I.criterion_label(name)
    rows = [
        [
            f"{rank}.",
            row["covariance_type"],
            row["n_components"],
            row["n_parameters"],
            I.fmt_fixed(row["log_likelihood"], 1),
            I.fmt_fixed(row["bic"], 1),
            I.fmt_fixed(row["aic"], 1),
            I.fmt_fixed(row["icl"], 1),
            "chosen" if rank == 1 else I.fmt(row[name] - best),
        ]
        for rank, row in enumerate(ranked, start=1)
    ]
    header = ["", "model", "K", "parameters", "log-likelihood", "BIC", "AIC", "ICL"]
    return H.table(
        [*header, f"Δ{label}"],
        rows,
        text_columns=(1,),
        row_classes=["best"] + [""] * (len(rows) - 1),
    )
