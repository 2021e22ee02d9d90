"""Fit, interpret and assemble the report: :func:`build`."""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import (
    as_generator,
    check_choice,
    check_data,
    check_int,
    columns_already_matched,
)
from ..covariance import COVARIANCE_TYPES, covariance_model
from ..exceptions import ConvergenceWarning
from ..init import INIT_METHODS
from ..io import atomic_write
from ..mixture import GaussianMixture
from ..selection import SelectionResult, compare_inits, select_model
from . import figures as F
from . import html as H
from . import interpret as I
from .theory import TITLE as THEORY_TITLE
from .theory import theory_html

#: Tolerance of the report's fits: tight, so that runs reaching the same
#: optimum agree closely and the convergence story has its tail.
REPORT_TOL = 1e-6
REPORT_MAX_ITER = 500
SNAPSHOT_EVERY = 5
#: Panels between the start and the end in the snapshot grid (16 in all).
MAX_SNAPSHOT_PANELS = 15
#: Most snapshot iterations listed in the component table.
MAX_TABLE_SNAPSHOTS = 10
#: Points whose largest responsibility is below this are "ambiguous".
AMBIGUOUS = 0.9
#: Starts per fit in the model search (the final fit uses ``n_init``).
SELECTION_N_INIT = 3


@dataclass
class _Fit:
    X: np.ndarray
    names: list[str]
    model: GaussianMixture
    selection: SelectionResult | None
    comparison: dict
    optima: list[I.Optimum]
    init_params: str
    warnings: list[str]


def build(
    X: Any,
    *,
    out_dir: str | os.PathLike,
    n_components: int | str = "auto",
    covariance_type: str = "full",
    feature_names: Any = None,
    n_init: int = 10,
    random_state: Any = 0,
    title: str | None = None,
    init_params: str = "random",
    max_components: int = 8,
    anomaly_percentile: float = 1.0,
) -> Path:
    """Fit a Gaussian mixture to ``X`` and write a self-contained HTML report.

    The report derives GMM and EM from first principles, then explains this
    fit: the data, the model choice, the log-likelihood per iteration, the
    local optima found by restarts, how the components moved, soft
    assignments, uncertainty, density and anomalies, and an interactive EM
    explorer. Figures are inline PNGs and the math is MathML: the page needs
    no network.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    out_dir : str or path
        Folder for ``report.html`` (created if missing).
    n_components : int or "auto", default="auto"
        "auto" chooses K in 1..max_components by BIC.
    covariance_type : {"full", "tied", "diag", "spherical", "auto"}
        "auto" chooses the type by BIC too.
    feature_names : sequence of str, optional
        Names of the columns (default: a DataFrame's columns, else x0, x1, ...).
    n_init : int, default=10
        Starts of the final fit, and runs per kind of start in the comparison.
    random_state : None, int or Generator, default=0
    title : str, optional
    init_params : str, default="random"
        Starts of the final fit. Random responsibilities start every
        component near the centre of the data, so the report shows EM itself
        separating them; "kmeans" starts close to the answer.
    max_components : int, default=8
        Largest K tried when ``n_components="auto"``.
    anomaly_percentile : float, default=1.0
        Points with log-density below this percentile are listed as anomalies.

    Returns
    -------
    path : Path
        The written ``out_dir/report.html``.

    Raises
    ------
    ValueError
        For invalid data or arguments.
    OSError
        When ``out_dir`` cannot be created or written.
    """
    if not 0 < float(anomaly_percentile) < 100:
        raise ValueError(
            f"anomaly_percentile must be between 0 and 100, got {anomaly_percentile!r}."
        )
    _check_writable(Path(out_dir))  # fail before the fits, not after them
    fit = _fit(
        X,
        n_components,
        covariance_type,
        feature_names,
        n_init,
        random_state,
        init_params,
        max_components,
    )
    k, cov = fit.model.n_components, fit.model.covariance_type
    title = title or f"Gaussian mixture report: {k} components ({cov} covariances)"
    # Inside the report every array has the model's columns in its order.
    with columns_already_matched():
        document = _document(fit, title, anomaly_percentile)
    return _write(Path(out_dir), document)


def _document(fit: _Fit, title: str, anomaly_percentile: float) -> str:
    """The whole HTML page of the report."""
    n, d = fit.X.shape
    sections = [
        H.Section("theory", THEORY_TITLE, _theory_section()),
        H.Section("data", "The data", _data_section(fit)),
        H.Section("model", "The chosen model", _model_section(fit)),
        H.Section("convergence", "How EM converged", _convergence_section(fit)),
        H.Section("restarts", "Restarts and local optima", _restart_section(fit)),
        H.Section("movement", "How and why the components moved", _movement(fit)),
        H.Section(
            "assignments",
            "Soft assignments, uncertainty, density and anomalies",
            _assignment_section(fit, anomaly_percentile),
        ),
        H.Section("explorer", "EM explorer", _explorer_section(fit)),
    ]
    subtitle = (
        f"{n} points, {d} feature{'s' if d > 1 else ''} ({', '.join(fit.names[:6])}"
        f"{', ...' if d > 6 else ''}); gmmkit GaussianMixture, "
        f"{fit.model.n_init} starts "
        f"({fit.init_params}), tol = {REPORT_TOL:g}."
    )
    return H.page(title, subtitle, _summary(fit), sections)


# ------------------------------------------------------------------- fitting
def _fit(
    X, n_components, covariance_type, feature_names, n_init, random_state,
    init_params, max_components,
) -> _Fit:  # fmt: skip
    X, frame_names = check_data(X, min_samples=2)
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    names = _feature_names(feature_names, frame_names, d)
    check_int(n_init, "n_init", minimum=1)
    check_int(max_components, "max_components", minimum=1)
    check_choice(init_params, "init_params", INIT_METHODS)
    check_choice(covariance_type, "covariance_type", (*COVARIANCE_TYPES, "auto"))
    auto_k = isinstance(n_components, str)
    if auto_k and n_components != "auto":
        raise ValueError(
            f'n_components must be a positive integer or "auto", got {n_components!r}.'
        )
    if not auto_k:
        check_int(n_components, "n_components", minimum=1)
        if n_components > n:
            raise ValueError(
                f"n_components = {n_components} is more than the {n} rows of X; use "
                "fewer components or more data."
            )
    rng = as_generator(random_state)
    seeds = [int(s) for s in rng.integers(2**32, size=3)]
    notes: list[str] = []
    selection = None
    if auto_k or covariance_type == "auto":
        ks = range(1, min(max_components, n) + 1) if auto_k else [n_components]
        types = COVARIANCE_TYPES if covariance_type == "auto" else [covariance_type]
        selection = select_model(
            X,
            ks,
            types,
            n_init=min(n_init, SELECTION_N_INIT),
            random_state=seeds[0],
            tol=REPORT_TOL,
            max_iter=REPORT_MAX_ITER,
        )
        n_components = selection.best_n_components
        covariance_type = selection.best_covariance_type
    model = GaussianMixture(
        n_components,
        covariance_type=covariance_type,
        n_init=n_init,
        init_params=init_params,
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        snapshot_every=1,  # the explorer steps through every iteration
        random_state=seeds[1],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    notes += [str(w.message) for w in caught if w.category is ConvergenceWarning]
    # The figures label their axes from the model's names. The model is fitted
    # on the array (so no pandas is needed) and given the names afterwards; the
    # report's own calls then pass the array (see build).
    model.feature_names_in_ = np.asarray(names, dtype=object)
    comparison = compare_inits(
        X,
        n_components,
        n_runs=n_init,
        covariance_type=covariance_type,
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        random_state=seeds[2],
    )
    return _Fit(
        X=X,
        names=names,
        model=model,
        selection=selection,
        comparison=comparison,
        optima=I.distinct_optima(comparison),
        init_params=init_params,
        warnings=notes,
    )


def _feature_names(given, frame_names, d: int) -> list[str]:
    if given is None:
        given = frame_names
    if given is None:
        return [f"x{i}" for i in range(d)]
    names = [str(n) for n in given]
    if len(names) != d:
        raise ValueError(
            f"feature_names has {len(names)} names but X has {d} columns; give one "
            "name per column."
        )
    if len(set(names)) != d:
        raise ValueError(f"feature_names must be distinct, got {names}.")
    return names


# ------------------------------------------------------------------ sections
def _summary(fit: _Fit) -> str:
    model, X = fit.model, fit.X
    resp = model.predict_proba(fit.X)
    items = [
        f"Model: {I.plural(model.n_components, 'Gaussian component')} with "
        f"{model.covariance_type} covariances"
        + (
            f", chosen by BIC among {len(fit.selection.rows)} candidate models."
            if fit.selection is not None
            else ", as requested."
        ),
        f"Mean log-likelihood {I.fmt_fixed(model.score(fit.X), 4)} per point; "
        f"BIC {I.fmt_fixed(model.bic(fit.X), 1)}.",
        I.monotonicity_verdict(model.history_, len(X)),
        I.convergence_sentence(
            model.history_, model.converged_, model.n_iter_, REPORT_TOL
        ),
        I.restart_sentences(fit.comparison, fit.optima, len(X))[0],
        I.ambiguity_sentence(resp, AMBIGUOUS),
    ]
    warn = "".join(H.paragraph(w, "warn") for w in fit.warnings)
    return "<strong>At a glance</strong>" + H.bullets(items) + warn


def _theory_section() -> str:
    return (
        H.paragraph(
            "This part is the same for every report (it is also in docs/theory.md). "
            "The sections after it apply it to this data set."
        )
        + f'<div class="derivation">{theory_html(heading_level=3)}</div>'
    )


def _data_section(fit: _Fit) -> str:
    X, names = fit.X, fit.names
    n, d = X.shape
    rows = [
        [
            names[j],
            I.fmt(X[:, j].mean(), 4),
            I.fmt(X[:, j].std(ddof=1), 3),
            I.fmt(X[:, j].min(), 4),
            I.fmt(np.median(X[:, j]), 4),
            I.fmt(X[:, j].max(), 4),
        ]
        for j in range(d)
    ]
    shown = rows[:30]
    note = (
        H.paragraph(f"The first 30 of {d} features are listed.", "note")
        if d > 30
        else ""
    )
    view = {
        1: "A histogram of the one feature.",
        2: "Each point is one row of the data.",
    }.get(
        d,
        "Every pair of features (histograms on the diagonal)."
        if d <= 4
        else "The data projected on its two leading principal axes.",
    )
    return (
        H.paragraph(f"{I.plural(n, 'row')} and {I.plural(d, 'feature')}. Per feature:")
        + H.table(["feature", "mean", "sd", "min", "median", "max"], shown)
        + note
        + H.figure(F.figure_png(F.plot_data(X, names)), "The data", view)
    )


def _model_section(fit: _Fit) -> str:
    from ..plot import plot_clusters, plot_mixture_1d

    model, X = fit.model, fit.X
    parts = []
    if fit.selection is not None:
        parts.append(_selection_part(fit.selection))
    parts.append(H.paragraph("The fitted components:"))
    parts.append(_component_table(fit))
    if X.shape[1] == 1:
        png = F.figure_png(plot_mixture_1d(model, fit.X))
        caption = (
            "Histogram of the data with each weighted component density (dashed) "
            "and the mixture (solid)."
        )
    else:
        png = F.figure_png(plot_clusters(model, fit.X, dims=_dims(X)))
        caption = (
            "Points coloured by their most likely component; ellipses enclose two "
            "standard deviations; crosses mark the means."
            + (_pca_caption(model, fit.X) if X.shape[1] > 2 else "")
        )
    parts.append(H.figure(png, "The fitted mixture", caption))
    return "".join(parts)


def _selection_part(selection: SelectionResult) -> str:
    from ..plot import plot_selection

    best = selection.best_row
    rows, classes = [], []
    previous = None
    for row in selection.rows:
        scored = row["status"] != "failed"  # degenerate fits have numbers
        if row["status"] == "degenerate":
            note = "degenerate, never chosen: " + row["reason"][:60]
        elif not scored:
            note = row["reason"][:60]
        else:
            note = "yes" if row["converged"] else "no"
        rows.append(
            [
                row["covariance_type"],
                row["n_components"],
                row["n_parameters"] if scored else "",
                I.fmt_fixed(row["log_likelihood"], 1) if scored else "failed",
                I.fmt_fixed(row["bic"], 1) if scored else "",
                I.fmt_fixed(row["aic"], 1) if scored else "",
                I.fmt_fixed(row["icl"], 1) if scored else "",
                note,
            ]
        )
        group = row["covariance_type"] != previous and previous is not None
        classes.append("best" if row is best else ("group-start" if group else ""))
        previous = row["covariance_type"]
    good = [r for r in selection.rows if r["status"] == "ok"]
    runner = sorted(good, key=lambda r: r["bic"])[1:2]
    why = (
        f"BIC chose {I.plural(best['n_components'], 'component')} with "
        f"{best['covariance_type']} covariances (BIC {I.fmt_fixed(best['bic'], 1)})"
    )
    if runner:
        r = runner[0]
        why += (
            f"; the next best, {r['n_components']} {r['covariance_type']}, scores "
            f"{I.fmt(r['bic'] - best['bic'])} higher. A BIC difference above 10 "
            "is usually read as strong evidence."
        )
    else:
        why += "."
    return (
        H.paragraph(
            "Every candidate was fitted (up to "
            f"{SELECTION_N_INIT} k-means starts each) and scored; lower is better."
            + _degenerate_note(selection)
        )
        + H.table(
            [
                "covariance",
                "K",
                "parameters",
                "log-likelihood",
                "BIC",
                "AIC",
                "ICL",
                "converged",
            ],
            rows,
            text_columns=(0, 7),
            row_classes=classes,
        )
        + H.paragraph(why)
        + H.figure(
            F.figure_png(plot_selection(selection)),
            "Information criteria against K",
            "Each criterion against the number of components, one line per "
            "covariance type; the chosen model is marked.",
        )
    )


def _degenerate_note(selection: SelectionResult) -> str:
    count = sum(row["status"] == "degenerate" for row in selection.rows)
    if not count:
        return ""
    return (
        f" {I.plural(count, 'fit')} {'is' if count == 1 else 'are'} degenerate: a "
        "component rests on too few points to estimate its covariance, or only "
        "reg_covar holds it up, or the model has as many parameters as there are "
        "observations. Such fits reach high likelihoods on small data; they are "
        "shown but never chosen."
    )


def _colors(k: int) -> list[str]:
    from ..plot._style import component_colors, to_hex

    return [to_hex(c) for c in component_colors(k)]


def _component_table(fit: _Fit) -> str:
    model, names = fit.model, fit.names
    k, d = model.n_components, len(names)
    full = covariance_model(model.covariance_type).to_full(model.covariances_, k, d)
    spread = I.generalized_sd(full)
    colors = _colors(k)
    shown = min(d, 6)
    header = ["component", "weight"]
    header += [f"mean {n}" for n in names[:shown]]
    header += [f"sd {n}" for n in names[:shown]] + ["spread"]
    rows = []
    for j in range(k):
        sd = np.sqrt(np.diag(full[j]))
        rows.append(
            [H.swatch(colors[j]) + str(j), f"{model.weights_[j]:.3f}"]
            + [I.fmt(v, 4) for v in model.means_[j, :shown]]
            + [I.fmt(v, 3) for v in sd[:shown]]
            + [I.fmt(spread[j], 3)]
        )
    note = f" Only the first {shown} of {d} features are shown." if d > shown else ""
    return H.table(header, rows, raw_columns=(0,)) + H.paragraph(
        "sd is the square root of a component's variance along each feature; spread "
        "is the generalised standard deviation det(Σ)^(1/2d), the side of a cube "
        f"with the volume of the one-sigma ellipsoid.{note}",
        "note",
    )


def _convergence_section(fit: _Fit) -> str:
    from ..plot import plot_log_likelihood

    model = fit.model
    verdict = I.monotonicity_verdict(model.history_, len(fit.X))
    real, _ = I.likelihood_decreases(model.history_)
    return (
        H.paragraph(
            f"The best of {model.n_init} starts is shown. Each EM iteration "
            "scores the parameters it starts from (E-step), then updates them "
            "(M-step), so point i of the curve is the mean log-likelihood per "
            "point of the parameters after i M-steps (0 = the start). The "
            "parameters after the last M-step, the final ones, are never "
            "scored: the curve ends one short of the iteration count, where a "
            "dotted line marks the stop."
        )
        + H.figure(
            F.figure_png(plot_log_likelihood(model)),
            "Log-likelihood per iteration",
            "Mean log-likelihood per point at each EM iteration; any decrease "
            "would be drawn in red.",
        )
        + H.paragraph(verdict, "warn" if real else None)
        + H.paragraph(
            I.convergence_sentence(
                model.history_, model.converged_, model.n_iter_, REPORT_TOL
            )
        )
    )


def _restart_section(fit: _Fit) -> str:
    comparison, optima, n = fit.comparison, fit.optima, len(fit.X)
    inits = list(comparison)
    best = optima[0].log_likelihood if optima else np.nan
    rows = []
    for i, o in enumerate(optima[:15]):
        rows.append(
            [
                i + 1,
                I.fmt_fixed(o.log_likelihood, 4),
                I.fmt_fixed(o.log_likelihood * n, 2),
                "" if i == 0 else I.fmt(best - o.log_likelihood),
            ]
            + [o.counts.get(init, 0) for init in inits]
            + [o.total]
        )
    summary = []
    for init, c in comparison.items():
        runs = len(c.log_likelihoods) - c.n_failed
        ok = c.n_iter[np.isfinite(c.log_likelihoods)]
        summary.append(
            [
                init,
                len(c.log_likelihoods),
                c.n_failed,
                c.n_optima,
                f"{optima[0].counts.get(init, 0)} of {runs}" if optima else "",
                f"{np.median(ok):.0f}" if len(ok) else "",
                int(c.converged.sum()),
            ]
        )
    model_ll = fit.model.score(fit.X)
    where = next(
        (i for i, o in enumerate(optima) if abs(o.log_likelihood - model_ll) <= 1e-3),
        None,
    )
    if optima and model_ll > best + 1e-4:
        placed = (
            "The report's model (best of its own starts) is slightly better than "
            "every run here."
        )
    elif where == 0:
        placed = "The report's model sits at the best optimum found."
    elif where is not None:
        placed = (
            f"The report's model sits at optimum {where + 1}, "
            f"{I.fmt(best - model_ll)} per point below the best found here; "
            "try more starts (n_init) or another init_params."
        )
    else:
        placed = (
            f"The report's model reaches {I.fmt_fixed(model_ll, 4)} per point, not "
            "one of the optima listed."
        )
    note = (
        H.paragraph(f"The 15 best of {len(optima)} optima are listed.", "note")
        if len(optima) > 15
        else ""
    )
    return (
        H.paragraph(
            "EM climbs to the nearest local optimum of the likelihood, so where it "
            f"ends depends on where it starts. Here EM was run {len(inits)} × "
            f"{len(next(iter(comparison.values())).log_likelihoods)} times, from "
            "each kind of start, each run to tol = "
            f"{REPORT_TOL:g}; final values within 1e-4 per point count as one "
            "optimum."
        )
        + H.bullets([*I.restart_sentences(comparison, optima, n), placed])
        + H.table(
            ["optimum", "log-lik. per point", "total log-lik.", "below best"]
            + [f"runs from {init}" for init in inits]
            + ["all runs"],
            rows,
            text_columns=(),
            row_classes=["best"] + [""] * (len(rows) - 1),
        )
        + note
        + H.table(
            [
                "start",
                "runs",
                "failed",
                "distinct optima",
                "reached the best",
                "median iterations",
                "converged",
            ],
            summary,
        )
        + H.paragraph(
            "kmeans: k-means labels; k-means++: k-means++ seeds, each row assigned "
            "to its nearest seed; random: random responsibilities; random_from_data: "
            "random rows as seeds.",
            "note",
        )
    )


def _movement(fit: _Fit) -> str:
    from ..plot import plot_em_snapshots

    model, X, names = fit.model, fit.X, fit.names
    every = _snapshot_spacing(model.snapshots_[-1].iteration)
    snapshots = _every(model.snapshots_, every)
    traj = I.trajectories(snapshots, model.covariance_type)
    sentences = I.movement_sentences(traj, names, X.std(axis=0), len(X))
    if X.shape[1] == 1:
        fig = F.plot_snapshots_1d(snapshots, X, model.covariance_type, names[0])
        caption = (
            "The mixture (solid) and its weighted components (dashed) at every "
            f"{_ordinal(every)} iteration and the last, over the data's histogram."
        )
    else:
        fig = plot_em_snapshots(model, fit.X, every=every, dims=_dims(X))
        caption = (
            f"The components at iteration 0 (the start), every {_ordinal(every)} "
            "iteration and the last: points coloured by their most likely component "
            "then, two-standard-deviation ellipses."
            + (_pca_caption(model, fit.X) if X.shape[1] > 2 else "")
        )
    return (
        H.paragraph(
            "Reading the snapshots: in each E-step every point splits its "
            "membership among the components by their current densities; in each "
            "M-step every component moves to the weighted mean of the points it is "
            "responsible for, its weight becomes its share of them and its "
            "covariance their weighted scatter. A component that explains some "
            "points better than its neighbour does gains their responsibility, "
            "and with it weight."
        )
        + H.bullets(sentences)
        + H.figure(F.figure_png(fig), "EM snapshots", caption)
        + _snapshot_table(fit, traj)
    )


def _snapshot_spacing(last_iteration: int) -> int:
    """A multiple of SNAPSHOT_EVERY that keeps the snapshot grid to 16 panels."""
    blocks = -(-last_iteration // (MAX_SNAPSHOT_PANELS * SNAPSHOT_EVERY))
    return SNAPSHOT_EVERY * max(1, blocks)


def _every(snapshots: list, every: int) -> list:
    """The start, every ``every``-th iteration and the end."""
    return [
        s
        for i, s in enumerate(snapshots)
        if s.iteration % every == 0 or i == len(snapshots) - 1
    ]


def _snapshot_table(fit: _Fit, traj: I.Trajectories) -> str:
    names, history = fit.names, fit.model.history_
    t = len(traj.iterations)
    picks = np.arange(t)
    if t > MAX_TABLE_SNAPSHOTS:
        picks = np.unique(
            np.linspace(0, t - 1, MAX_TABLE_SNAPSHOTS).round().astype(int)
        )
    k, d = traj.means.shape[1:]
    shown = min(d, 4)
    colors = _colors(k)
    scale = np.where(fit.X.std(axis=0) > 0, fit.X.std(axis=0), 1.0)
    header = ["iteration", "log-lik. per point", "component", "weight"]
    if d <= 4:
        header += [f"mean {n}" for n in names[:shown]]
    else:
        header += ["mean moved from start (sd units)"]
    header += ["spread"]
    rows, classes = [], []
    for i in picks:
        it = int(traj.iterations[i])
        ll = I.fmt_fixed(history[it], 4) if it < len(history) else "(final)"
        for j in range(k):
            row: list[object] = [it if j == 0 else "", ll if j == 0 else ""]
            row += [H.swatch(colors[j]) + str(j), f"{traj.weights[i, j]:.3f}"]
            if d <= 4:
                row += [I.fmt(v, 4) for v in traj.means[i, j, :shown]]
            else:
                moved = (traj.means[i, j] - traj.means[0, j]) / scale
                row += [I.fmt(np.linalg.norm(moved), 3)]
            row += [I.fmt(traj.spreads[i, j], 3)]
            rows.append(row)
            classes.append("group-start" if j == 0 and i != picks[0] else "")
    thinned = (
        f" {len(picks)} of the {t} snapshots are listed." if len(picks) < t else ""
    )
    return H.table(
        header, rows, text_columns=(), row_classes=classes, raw_columns=(2,)
    ) + H.paragraph(
        "Each component's weight, mean and spread (generalised standard deviation) "
        "at the snapshot iterations. The log-likelihood is that of the parameters "
        f"after that many M-steps; the final parameters have no E-step after "
        f"them.{thinned}",
        "note",
    )


def _assignment_section(fit: _Fit, percentile: float) -> str:
    from ..plot import (
        plot_density,
        plot_mixture_1d,
        plot_soft_assignments,
        plot_uncertainty,
    )

    model, X, names = fit.model, fit.X, fit.names
    resp = model.predict_proba(fit.X)
    log_density = model.score_samples(fit.X)
    anomalies = I.anomaly_rows(log_density, percentile)
    labels = resp.argmax(axis=1)
    counts = np.bincount(labels, minlength=model.n_components)
    colors = _colors(model.n_components)
    count_rows = [
        [
            H.swatch(colors[j]) + str(j),
            int(counts[j]),
            f"{resp[:, j].sum():.1f}",
            int(((labels == j) & (resp.max(axis=1) < AMBIGUOUS)).sum()),
        ]
        for j in range(model.n_components)
    ]
    parts = [
        H.paragraph(I.ambiguity_sentence(resp, AMBIGUOUS)),
        H.table(
            ["component", "hard label count", "soft count (Σ r)", "ambiguous"],
            count_rows,
            raw_columns=(0,),
        ),
    ]
    if X.shape[1] == 1:
        ax = plot_mixture_1d(model, fit.X)
        if len(anomalies):
            from ..plot._style import WARNING_COLOR

            ax.plot(
                X[anomalies, 0],
                np.zeros(len(anomalies)),
                "|",
                color=WARNING_COLOR,
                ms=16,
                mew=2,
                label="anomaly",
            )
            ax.legend(fontsize="small")
        grid = np.linspace(X.min(), X.max(), 400)
        pad = 0.05 * (grid[-1] - grid[0] or 1.0)
        grid = np.linspace(grid[0] - pad, grid[-1] + pad, 400)
        grid_resp = model.predict_proba(grid[:, None])
        parts.append(
            H.pair(
                H.figure(
                    F.figure_png(
                        F.plot_responsibilities_1d(
                            grid, grid_resp, X, names[0], anomalies
                        )
                    ),
                    "Responsibilities",
                    "Each component's responsibility as a function of "
                    f"{names[0]}; the dotted line is {AMBIGUOUS}. Ticks: data "
                    "(grey) and anomalies (red).",
                ),
                H.figure(
                    F.figure_png(ax),
                    "Density and anomalies",
                    "The fitted density over the histogram; anomalies in red.",
                ),
            )
        )
    else:
        dims = _dims(X)
        parts.append(
            H.pair(
                H.figure(
                    F.figure_png(plot_soft_assignments(model, fit.X, dims=dims)),
                    "Soft assignments",
                    "Each point's colour mixes its components' colours by their "
                    "responsibilities: pure colours are certain, blends are shared.",
                ),
                H.figure(
                    F.figure_png(plot_uncertainty(model, fit.X, dims=dims)),
                    "Uncertainty",
                    "Entropy of each point's responsibilities (0: one component "
                    "owns it); the most ambiguous points are ringed.",
                ),
            )
        )
        parts.append(
            H.figure(
                F.figure_png(
                    plot_density(model, fit.X, anomalies=percentile, dims=dims)
                ),
                "Density and anomalies",
                f"The fitted density; points below its {_ordinal(percentile)} "
                "percentile are marked as anomalies.",
            )
        )
    parts.append(_anomaly_part(fit, anomalies, log_density, labels, percentile))
    return "".join(parts)


def _anomaly_part(fit, anomalies, log_density, labels, percentile) -> str:
    X, names = fit.X, fit.names
    threshold = np.percentile(log_density, percentile)
    if not len(anomalies):
        return H.paragraph(
            f"No point lies below the {_ordinal(percentile)} percentile of the "
            "log-density."
        )
    shown = anomalies[:20]
    listed = ", ".join(str(r) for r in shown[:10]) + (" ..." if len(shown) > 10 else "")
    d = min(X.shape[1], 6)
    rows = [
        [int(r)]
        + [I.fmt(v, 4) for v in X[r, :d]]
        + [I.fmt_fixed(log_density[r], 2), int(labels[r])]
        for r in shown
    ]
    one = len(anomalies) == 1
    return H.paragraph(
        f"{I.plural(len(anomalies), 'point')} {'has' if one else 'have'} a "
        f"log-density below {I.fmt_fixed(threshold, 2)}, the "
        f"{_ordinal(percentile)} percentile: {'row' if one else 'rows'} "
        f"{listed} (rows count from 0"
        f"{'' if one else ', lowest density first'}). The typical "
        f"point has log-density {I.fmt_fixed(np.median(log_density), 2)}."
    ) + H.table(
        ["row", *names[:d], "log-density", "component"],
        rows,
        text_columns=(),
    )


def _explorer_section(fit: _Fit) -> str:
    from ..plot._explorer import em_explorer

    if fit.X.shape[1] < 2:
        return H.paragraph(
            "The interactive explorer draws the data in a plane and needs at least "
            "two features; the snapshots above show this one-feature fit instead."
        )
    with tempfile.TemporaryDirectory() as folder:
        path = em_explorer(
            fit.model,
            fit.X,
            Path(folder) / "explorer.html",
            dims=_dims(fit.X),
            title="EM explorer",
        )
        page = Path(path).read_text(encoding="utf-8")
    return (
        H.paragraph(
            "Step through the EM iterations of the fit above: the slider moves "
            "between snapshots, the curve marks the current iteration, and the "
            "points can be coloured by hard labels or blended by responsibilities."
        )
        + f'<iframe class="explorer" title="EM explorer" sandbox="allow-scripts" '
        f'srcdoc="{H.escape(page)}"></iframe>'
        + H.paragraph(
            "The interactive explorer is available in the HTML version of this report.",
            "note print-only",
        )
    )


def _ordinal(value: float) -> str:
    """``1st``, ``2nd``, ``2.5th`` ... for a percentile."""
    if float(value) != int(value):
        return f"{value:g}th"
    n = int(value)
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def _pca_caption(model, data) -> str:
    from ..plot import make_view

    if make_view(model, data, "pca").standardized:
        return (
            " Shown in the plane of the two leading principal axes of the "
            "standardised features (each divided by its standard deviation, "
            "because their spreads differ by more than a factor of 3)."
        )
    return " Shown in the plane of the two leading principal axes."


def _dims(X: np.ndarray):
    return (0, 1) if X.shape[1] <= 2 else "pca"


# ------------------------------------------------------------------- writing
def _check_writable(out_dir: Path) -> None:
    """Raise OSError when ``out_dir`` could not be created or written."""
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OSError(
            f"Cannot write the report to {out_dir}: {existing} is not a folder. "
            "Choose a folder you can write to."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OSError(
            f"Cannot write the report to {out_dir}: {existing} is not writable. "
            "Choose a folder you can write to."
        )


def _write(out_dir: Path, document: str) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"Cannot write the report to {out_dir}: {error.strerror or error}. "
            "Choose a folder you can write to."
        ) from None
    target = out_dir / "report.html"
    atomic_write(target, document.encode("utf-8"))
    return target
