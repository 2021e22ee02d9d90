"""Fit, assemble and write the report: :func:`build`.

The fits are made by :mod:`.fitting`, their numbers computed by
:mod:`.analysis`, put into words by :mod:`.interpret` and laid out section by
section by :mod:`.sections`; this module puts the page together (title,
summary, sections) and writes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._text import plural
from .._validation import columns_already_matched
from ..io import atomic_write
from . import html as H
from . import interpret as I
from . import sections as S
from .fitting import REPORT_TOL, ReportFit, fit_for_report
from .sections import AMBIGUOUS
from .theory import TITLE as THEORY_TITLE


def build(
    X: Any,
    *,
    out_dir: str | os.PathLike,
    n_components: int | str = "auto",
    covariance_type: str | Sequence[str] = "all",
    feature_names: Any = None,
    n_init: int = 10,
    random_state: Any = 0,
    title: str | None = None,
    init_params: str = "random",
    max_components: int = 9,
    anomaly_percentile: float = 1.0,
    progress: Callable[[int, int, dict], Any] | None = None,
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
    covariance_type : str or sequence of str, default="all"
        "all" (mclust's 14; "auto" is the same), one model (``"EEE"``,
        ``"full"``) or several. When K is "auto" or several models are given,
        the choice is :func:`~gmmkit.select_model`'s, with its defaults.
    feature_names : sequence of str, optional
        Names of the columns (default: a DataFrame's columns, else x0, x1, ...).
    n_init : int, default=10
        Starts of the final fit, and runs per kind of start in the comparison.
    random_state : None, int or Generator, default=0
        Given as it is to the model search; seeds the other fits too.
    title : str, optional
    init_params : str, default="random"
        Starts of the final fit: random responsibilities start every component
        near the centre, so the report shows EM separating them. When they end
        below the search's fit of the chosen model, the fit shown starts from
        "hc", "kmeans" or the search's parameters instead, as the report says.
    max_components : int, default=9
        Largest K tried when ``n_components="auto"`` (9: select_model's).
    anomaly_percentile : float, default=1.0
        Points with log-density below this percentile are listed as anomalies.
    progress : callable, optional
        ``progress(done, total, row)`` after each fit of the model search.

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
    check_anomaly_percentile(anomaly_percentile)
    _check_writable(Path(out_dir))  # fail before the fits, not after them
    fit = fit_for_report(
        X,
        n_components,
        covariance_type,
        feature_names,
        n_init,
        random_state,
        init_params,
        max_components,
        progress,
    )
    return write_report(fit, out_dir, title, anomaly_percentile)


def check_anomaly_percentile(anomaly_percentile: float) -> None:
    """ValueError unless ``0 < anomaly_percentile < 100``."""
    if not 0 < float(anomaly_percentile) < 100:
        raise ValueError(
            f"anomaly_percentile must be between 0 and 100, got {anomaly_percentile!r}."
        )


def write_report(
    fit: ReportFit,
    out_dir: str | os.PathLike,
    title: str | None = None,
    anomaly_percentile: float = 1.0,
) -> Path:
    """Write the report of fits made by :func:`~.fitting.fit_for_report`.

    :func:`build` is this after the fits; calling the two apart lets a
    caller show the chosen model before the page is written.

    Parameters
    ----------
    fit : ReportFit
    out_dir : str or path
    title : str, optional
    anomaly_percentile : float, default=1.0

    Returns
    -------
    path : Path
        The written ``out_dir/report.html``.
    """
    check_anomaly_percentile(anomaly_percentile)
    k, cov = fit.model.n_components, fit.model.covariance_type
    title = title or f"Gaussian mixture report: {k} components, covariance model {cov}"
    # Inside the report every array has the model's columns in its order.
    with columns_already_matched():
        document = _document(fit, title, anomaly_percentile)
    return _write(Path(out_dir), document)


def _document(fit: ReportFit, title: str, anomaly_percentile: float) -> str:
    """The whole HTML page of the report."""
    n, d = fit.X.shape
    sections = [
        H.Section("theory", THEORY_TITLE, S.theory_section()),
        H.Section("data", "The data", S.data_section(fit)),
        H.Section("model", "The chosen model", S.model_section(fit)),
        H.Section("convergence", "How EM converged", S.convergence_section(fit)),
        H.Section("restarts", "Restarts and local optima", S.restart_section(fit)),
        H.Section(
            "movement", "How and why the components moved", S.movement_section(fit)
        ),
        H.Section(
            "assignments",
            "Soft assignments, uncertainty, density and anomalies",
            S.assignment_section(fit, anomaly_percentile),
        ),
        H.Section("explorer", "EM explorer", S.explorer_section(fit)),
    ]
    subtitle = (
        f"{n} points, {d} feature{'s' if d > 1 else ''} ({', '.join(fit.names[:6])}"
        f"{', ...' if d > 6 else ''}); gmmkit GaussianMixture, "
        f"{fit.model.n_init} starts "
        f"({fit.init_params}), tol = {REPORT_TOL:g}."
    )
    return H.page(title, subtitle, _summary(fit), sections)


# ------------------------------------------------------------------ the page
def _summary(fit: ReportFit) -> str:
    """The "At a glance" box: the model, its score and one line per section."""
    model, X = fit.model, fit.X
    resp = model.predict_proba(fit.X)
    items = [
        f"Model: {plural(model.n_components, 'Gaussian component')}, covariance "
        f"model {model.covariance_type} "
        f"({I.model_description(model.covariance_type)})"
        + (
            f", chosen by BIC among {plural(len(fit.selection.rows), 'fit')} "
            "of select_model's search."
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
    fallback = I.fallback_sentence(fit.fallback)
    if fallback:
        items.insert(3, fallback)
    warn = "".join(H.paragraph(w, "warn") for w in fit.warnings)
    return "<strong>At a glance</strong>" + H.bullets(items) + warn


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
