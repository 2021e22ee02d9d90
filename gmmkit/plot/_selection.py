"""Model choice drawn: each criterion against K, one curve per covariance model.

A search over mclust's 14 models gives 14 curves per panel. They stay
readable the way mclust's BIC plot does it, each model with a marker of its
own (the same in every figure), and, beyond that, by rank: the ``highlight``
models with the best criterion are drawn in colour on top, the others thin
and grey behind them. Each panel's vertical range is set by the coloured
curves, so a poor model (spherical ones on elongated data, hundreds of BIC
units worse) does not squash the interesting part; models that lie wholly
above a panel are named in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .._text import plural
from ..covariance import MCLUST_NAMES, covariance_model
from ..criteria import CRITERIA
from ._style import component_colors, new_figure

#: One marker per model, in mclust's order of :data:`MCLUST_NAMES`.
MODEL_MARKERS = ("o", "s", "^", "v", "<", ">", "D", "P", "X", "p", "h", "d", "+", "x")
#: Colour of the curves that are not highlighted.
OTHER_COLOR = "#a3a3a3"


def criterion_label(criterion: str) -> str:
    """``"BIC"``, ``"ICL"``, ``"ICL (entropy)"``: a criterion's name in figures."""
    return criterion.upper().replace("_ENTROPY", " (entropy)")


def model_marker(covariance_type: str) -> str:
    """The marker of a covariance model: one per model, aliases alike.

    Parameters
    ----------
    covariance_type : str
        Any accepted name (``"tied"`` and ``"EEE"`` get the same marker).

    Returns
    -------
    marker : str
    """
    mclust = covariance_model(covariance_type).mclust_name
    return MODEL_MARKERS[MCLUST_NAMES.index(mclust) % len(MODEL_MARKERS)]


def plot_selection(
    result: Any,
    criteria: Sequence[str] = ("bic", "aic", "icl"),
    *,
    highlight: int = 4,
) -> Figure:
    """Information criteria against K, one curve per covariance model, best marked.

    Parameters
    ----------
    result : SelectionResult
        From :func:`gmmkit.select_model`, over any covariance models.
    criteria : sequence of {"bic", "aic", "icl", "icl_entropy"}
        One panel each (default BIC, AIC and ICL); lower is better.
    highlight : int, default=4
        How many models are drawn in colour: those with the lowest value of
        the criterion the search chose by (``result.criterion``), ranked by
        their best fit; the others are thin and grey. Every model keeps its
        own marker, so grey curves can still be told apart.

    Returns
    -------
    fig : Figure
        A gold star marks each panel's best fit; hollow markers are
        degenerate fits (scored, never chosen). The legend, one entry per
        model with its lowest criterion and K, counts failed fits and names
        the models above the panels.
    """
    rows, criteria = _check_selection(result, criteria, highlight)
    ranked = _ranked_models(rows, result.criterion)
    styles = _styles(ranked, highlight)
    fig, axes = new_figure(len(criteria), 3, (4.2, 3.6))
    above: set[str] = set()
    for ax, criterion in zip(axes, criteria, strict=True):
        above.update(_draw_panel(ax, criterion, rows, ranked, styles))
        title = criterion_label(criterion)
        if criterion == result.criterion:
            title += " (used to choose)"
        best = _best(rows, criterion)
        if best is not None:
            title += f"\nbest: K={best['n_components']}, {best['covariance_type']}"
        ax.set_title(title, fontsize="medium")
    fig.legend(
        handles=_legend_handles(rows, ranked, styles, result.criterion)
        + _note_handles(rows, [m for m in ranked if m in above]),
        loc="outside right center",
        fontsize="small",
        title=f"model: lowest {criterion_label(result.criterion)} (K)",
        title_fontsize="small",
    )
    return fig


def _check_selection(
    result: Any, criteria: Sequence[str], highlight: int
) -> tuple[list, list[str]]:
    """The result's rows and the criteria in lower case; ValueError if unusable."""
    rows = getattr(result, "rows", None)
    if rows is None or not hasattr(result, "criterion"):
        raise ValueError(
            "plot_selection needs the SelectionResult returned by "
            f"gmmkit.select_model, got {type(result).__name__}."
        )
    if isinstance(criteria, str):
        criteria = [criteria]
    criteria = [str(c).lower() for c in criteria]
    for c in criteria:
        if c not in CRITERIA:
            choices = ", ".join(repr(name) for name in CRITERIA)
            raise ValueError(f"criteria must be among {choices}, got {c!r}.")
    if not criteria:
        raise ValueError("criteria must name at least one criterion.")
    if isinstance(highlight, bool) or not isinstance(highlight, int | np.integer):
        raise ValueError(f"highlight must be an integer, got {highlight!r}.")
    return rows, criteria


def _scored(rows: list, status: str, criterion: str) -> list:
    return [r for r in rows if r["status"] == status and np.isfinite(r[criterion])]


def _best(rows: list, criterion: str) -> dict | None:
    """The healthy row with the lowest criterion (fewer parameters on a tie)."""
    ok = _scored(rows, "ok", criterion)
    if not ok:
        return None
    return min(ok, key=lambda r: (r[criterion], r["n_parameters"]))


def _ranked_models(rows: list, criterion: str) -> list[str]:
    """The models of the search, best first by their best healthy ``criterion``."""
    models = list(dict.fromkeys(r["covariance_type"] for r in rows))
    best = {m: np.inf for m in models}
    for r in _scored(rows, "ok", criterion):
        best[r["covariance_type"]] = min(best[r["covariance_type"]], r[criterion])
    order = {m: i for i, m in enumerate(models)}
    return sorted(models, key=lambda m: (best[m], order[m]))


def _styles(ranked: list[str], highlight: int) -> dict[str, dict]:
    """Line and marker style of each model: coloured on top, or grey behind."""
    shown = max(0, min(highlight, len(ranked)))
    colors = component_colors(shown)
    styles = {}
    for i, model in enumerate(ranked):
        strong = i < shown
        styles[model] = {
            "color": colors[i] if strong else OTHER_COLOR,
            "marker": model_marker(model),
            "linewidth": 1.9 if strong else 0.9,
            "markersize": 5.5 if strong else 4.0,
            "zorder": 3 + (shown - i) if strong else 2,
            "alpha": 1.0 if strong else 0.85,
            "strong": strong,
        }
    return styles


def _line_style(style: dict) -> dict:
    return {k: v for k, v in style.items() if k != "strong"}


def _draw_panel(
    ax, criterion: str, rows: list, ranked: list, styles: dict
) -> list[str]:
    """One criterion: a curve per model, hollow degenerate fits, the best starred.

    Returns the models whose every fit lies above the panel.
    """
    ok = _scored(rows, "ok", criterion)
    degenerate = _scored(rows, "degenerate", criterion)
    for model in reversed(ranked):  # the best curves drawn last, on top
        mine = sorted(
            (r for r in ok if r["covariance_type"] == model),
            key=lambda r: r["n_components"],
        )
        style = _line_style(styles[model])
        if mine:
            ax.plot(
                [r["n_components"] for r in mine],
                [r[criterion] for r in mine],
                **style,
            )
        flat = [r for r in degenerate if r["covariance_type"] == model]
        if flat:  # unconnected and hollow: scored but never chosen
            ax.plot(
                [r["n_components"] for r in flat],
                [r[criterion] for r in flat],
                linestyle="none",
                markerfacecolor="none",
                **{k: v for k, v in style.items() if k != "linewidth"},
            )
    best = _best(rows, criterion)
    if best is not None:
        ax.scatter(
            [best["n_components"]],
            [best[criterion]],
            marker="*",
            s=300,
            color="gold",
            edgecolors="black",
            linewidths=0.8,
            zorder=20,
        )
    above = _fit_range(ax, criterion, ok + degenerate, styles)
    ax.set_xlabel("number of components K")
    ax.set_ylabel(f"{criterion_label(criterion)}, lower is better")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    return above


def _fit_range(ax, criterion: str, scored: list, styles: dict) -> list[str]:
    """Set the vertical range to the coloured curves; the models wholly above it.

    The range goes from the lowest value of all to the highest of the
    coloured curves (of every curve when all are coloured). When their
    values at the smallest K alone would take more than half of the panel
    (one component is far worse than two, as on most data), the range stops
    below them and a note at the top gives the lowest.
    """
    values = np.array([r[criterion] for r in scored], dtype=np.float64)
    if not values.size:
        return []
    strong = [r for r in scored if styles[r["covariance_type"]]["strong"]] or scored
    low, top = values.min(), max(r[criterion] for r in strong)
    first = min(r["n_components"] for r in strong)
    head = [r[criterion] for r in strong if r["n_components"] == first]
    rest = [r[criterion] for r in strong if r["n_components"] > first]
    clipped = bool(rest) and min(head) > 2 * max(rest) - low
    if clipped:
        top = max(rest)
    pad = 0.06 * max(top - low, abs(top) * 1e-6, 1e-9)
    ax.set_ylim(low - pad, top + pad)
    if clipped:
        ax.annotate(
            f"↑ K = {first}: {min(head):.1f}",
            xy=(0.02, 0.98),
            xycoords="axes fraction",
            ha="left",
            va="top",
            fontsize="x-small",
            color="0.25",
            bbox={
                "boxstyle": "round,pad=0.2",
                "fc": "white",
                "ec": "0.8",
                "alpha": 0.9,
            },
            zorder=30,
        )
    lowest: dict[str, float] = {}
    for r in scored:
        name = r["covariance_type"]
        lowest[name] = min(lowest.get(name, np.inf), r[criterion])
    return [name for name, value in lowest.items() if value > top + pad]


def _legend_handles(rows: list, ranked: list, styles: dict, criterion: str) -> list:
    """One entry per model (best first, with its lowest value and K), then keys."""
    ok = _scored(rows, "ok", criterion)
    handles = []
    for model in ranked:
        mine = [r for r in ok if r["covariance_type"] == model]
        if mine:
            best = min(mine, key=lambda r: r[criterion])
            label = f"{model}  {best[criterion]:.1f} ({best['n_components']})"
        else:
            label = f"{model}  (no healthy fit)"
        handles.append(Line2D([], [], label=label, **_line_style(styles[model])))
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="*",
            markersize=13,
            color="gold",
            markeredgecolor="black",
            label="best fit of the panel",
        )
    )
    degenerate = sum(r["status"] == "degenerate" for r in rows)
    if degenerate:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                color="0.3",
                label=f"hollow: {plural(degenerate, 'degenerate fit')}, never chosen",
            )
        )
    return handles


def _note_handles(rows: list, above: list[str]) -> list:
    """Legend lines without a symbol: failed fits, models above every panel."""
    notes = []
    failed = sum(r["status"] == "failed" for r in rows)
    if failed:
        notes.append(f"{plural(failed, 'fit')} failed (not drawn)")
    if above:
        notes.append(f"above the panel: {', '.join(above)}")
    return [Line2D([], [], linestyle="none", label=note) for note in notes]
