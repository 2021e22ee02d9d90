"""The fits a report explains: model choice, the final fit and the restart study.

:func:`fit_for_report` checks the report's arguments, chooses the number of
components and the covariance model when asked to (by the same
:func:`~gmmkit.select_model` call as ``gmmkit select`` and ``gmmkit fit -k
auto``), fits the final model with every EM iteration kept, and reruns EM
from every kind of start. Nothing here is written or drawn.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_generator, check_choice, check_data, check_int
from ..covariance import MCLUST_NAMES, MODEL_NAMES, covariance_model
from ..exceptions import ConvergenceWarning
from ..init import INIT_METHODS
from ..mixture import GaussianMixture
from ..selection import SelectionResult, compare_inits, select_model
from .analysis import Optimum, distinct_optima

#: Tolerance of the report's fits: tight, so that runs reaching the same
#: optimum agree closely and the convergence story has its tail.
REPORT_TOL = 1e-6
REPORT_MAX_ITER = 500
#: A final fit within this much mean log-likelihood per point of the model
#: search's fit has reached the same optimum.
SAME_OPTIMUM = 1e-4
#: Starts tried, in this order, when the requested ones end below the search.
FALLBACK_INITS = ("hc", "kmeans")


@dataclass(frozen=True)
class Fallback:
    """The final fit's requested starts ended below the model search's fit.

    Attributes
    ----------
    requested : str
        The ``init_params`` asked for.
    n_init : int
        How many such starts were run.
    reached : float
        The mean log-likelihood per point its best start reached.
    target : float
        The model search's, for the same K and covariance model.
    used : str
        The start of the fit shown: another ``init_params``, or "search"
        (the search's own parameters as the start).
    """

    requested: str
    n_init: int
    reached: float
    target: float
    used: str


@dataclass
class ReportFit:
    """Everything the report is about.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data, as float64.
    names : list of str, length n_features
        The feature names.
    model : GaussianMixture
        The final fit, with a snapshot at every iteration and the names as
        ``feature_names_in_``.
    selection : SelectionResult or None
        The model search, when K was "auto" or several covariance models
        were given: the same :func:`~gmmkit.select_model` call as the
        library's (and ``gmmkit select``'s) for these K and models.
    comparison : InitComparisonResult
        The restart study, one entry per kind of start.
    optima : list of Optimum
        The distinct optima the restarts reached, highest first, degenerate
        ones marked.
    init_params : str
        The kind of start of the final fit.
    warnings : list of str
        Convergence warnings of the final fit.
    fallback : Fallback or None
        Set when the requested starts ended below the model search's fit and
        the fit shown starts elsewhere.
    """

    X: np.ndarray
    names: list[str]
    model: GaussianMixture
    selection: SelectionResult | None
    comparison: Any
    optima: list[Optimum]
    init_params: str
    warnings: list[str]
    fallback: Fallback | None = None


def report_covariance_types(covariance_type: Any) -> list[str]:
    """The covariance models a report considers: ``"all"``, one name or several.

    Parameters
    ----------
    covariance_type : str or sequence of str
        ``"all"`` (mclust's 14; ``"auto"`` means the same), one of
        :data:`~gmmkit.covariance.MODEL_NAMES`, or a list of them.

    Returns
    -------
    types : list of str
        Each model once (``"tied"`` and ``"EEE"`` are one model).

    Raises
    ------
    ValueError
        For a name that is not a covariance model.
    """
    if isinstance(covariance_type, str):
        if covariance_type in ("all", "auto"):
            return list(MCLUST_NAMES)
        covariance_type = [covariance_type]
    names = list(covariance_type)
    for name in names:
        if not isinstance(name, str) or name not in MODEL_NAMES:
            options = ", ".join(repr(n) for n in MODEL_NAMES)
            raise ValueError(
                f"covariance_type must be 'all', one of {options}, or a list of "
                f"them; got {name!r}."
            )
    if not names:
        raise ValueError("covariance_type must name at least one covariance model.")
    unique: dict[int, str] = {}
    for name in names:
        unique.setdefault(id(covariance_model(name)), name)
    return list(unique.values())


def fit_for_report(
    X: Any,
    n_components: int | str,
    covariance_type: Any,
    feature_names: Any,
    n_init: int,
    random_state: Any,
    init_params: str,
    max_components: int,
    progress: Any = None,
) -> ReportFit:
    """Check the arguments of :func:`gmmkit.report.build` and make its fits.

    The arguments are those of ``build``. The model search gets
    ``random_state`` as it is (so the default 0 makes it the library's
    default search); the final fit and the restarts get seeds drawn from it.

    Returns
    -------
    ReportFit

    Raises
    ------
    ValueError
        For invalid data or arguments.
    """
    X, frame_names = check_data(X, min_samples=2)
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    names = report_feature_names(feature_names, frame_names, d)
    types = report_covariance_types(covariance_type)
    _check_arguments(n, n_components, n_init, init_params, max_components)
    rng = as_generator(random_state)
    seeds = [int(s) for s in rng.integers(2**32, size=2)]
    selection = None
    if isinstance(n_components, str) or len(types) > 1:
        selection = _search(
            X, n_components, types, max_components, random_state, progress
        )
        n_components = selection.best_n_components
        types = [selection.best_covariance_type]
    model, notes, fallback = _final_fit(
        X, n_components, types[0], n_init, init_params, seeds[0], selection
    )
    model.feature_names_in_ = np.asarray(names, dtype=object)
    comparison = compare_inits(
        X,
        n_components,
        n_runs=n_init,
        covariance_type=types[0],
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        random_state=seeds[1],
    )
    return ReportFit(
        X=X,
        names=names,
        model=model,
        selection=selection,
        comparison=comparison,
        optima=distinct_optima(comparison),
        init_params=init_params if fallback is None else fallback.used,
        warnings=notes,
        fallback=fallback,
    )


def _check_arguments(
    n: int,
    n_components: int | str,
    n_init: int,
    init_params: str,
    max_components: int,
) -> None:
    """ValueError for an argument of ``build`` that no fit could use."""
    check_int(n_init, "n_init", minimum=1)
    check_int(max_components, "max_components", minimum=1)
    check_choice(init_params, "init_params", INIT_METHODS)
    if isinstance(n_components, str):
        if n_components != "auto":
            raise ValueError(
                'n_components must be a positive integer or "auto", got '
                f"{n_components!r}."
            )
        return
    check_int(n_components, "n_components", minimum=1)
    if n_components > n:
        raise ValueError(
            f"n_components = {n_components} is more than the {n} rows of X; use "
            "fewer components or more data."
        )


def _search(
    X: np.ndarray,
    n_components: int | str,
    types: list[str],
    max_components: int,
    random_state: Any,
    progress: Any,
) -> SelectionResult:
    """:func:`~gmmkit.select_model` with its defaults, over K and ``types``.

    "auto" tries K = 1..max_components, at most the number of distinct rows.
    """
    if isinstance(n_components, str):
        distinct = np.unique(X, axis=0).shape[0]
        ks = list(range(1, min(max_components, distinct) + 1))
    else:
        ks = [n_components]
    return select_model(X, ks, types, random_state=random_state, progress=progress)


def _final_fit(
    X: np.ndarray,
    n_components: int,
    covariance_type: str,
    n_init: int,
    init_params: str,
    seed: int,
    selection: SelectionResult | None,
) -> tuple[GaussianMixture, list[str], Fallback | None]:
    """The model the report explains, its convergence warnings, any fallback.

    When the requested starts end below the model search's fit of the same
    model (random responsibilities, say, stall at the symmetric start of a
    shared-covariance model), the starts of :data:`FALLBACK_INITS` are
    tried, then the search's parameters themselves: the report explains
    the model the search chose, not a worse optimum of it.
    """
    model, notes = _fit(X, n_components, covariance_type, n_init, init_params, seed)
    if selection is None:
        return model, notes, None
    target = float(selection.best_model.score(X))
    reached = float(model.score(X))
    if reached >= target - SAME_OPTIMUM:
        return model, notes, None
    for other in FALLBACK_INITS:
        if other == init_params:
            continue
        starts = 1 if other == "hc" else n_init  # hc is deterministic
        model, notes = _fit(X, n_components, covariance_type, starts, other, seed)
        if model.score(X) >= target - SAME_OPTIMUM:
            return model, notes, Fallback(init_params, n_init, reached, target, other)
    best = selection.best_model
    start = {
        "weights_init": best.weights_,
        "means_init": best.means_,
        "precisions_init": best.precisions_,
    }
    model, notes = _fit(X, n_components, covariance_type, 1, None, seed, start)
    return model, notes, Fallback(init_params, n_init, reached, target, "search")


def _fit(
    X: np.ndarray,
    n_components: int,
    covariance_type: str,
    n_init: int,
    init_params: str | None,
    seed: int,
    start: dict | None = None,
) -> tuple[GaussianMixture, list[str]]:
    """One GaussianMixture fit with every snapshot kept; its warnings."""
    model = GaussianMixture(
        n_components,
        covariance_type=covariance_type,
        n_init=n_init,
        init_params=init_params or "kmeans",
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        snapshot_every=1,  # the explorer steps through every iteration
        random_state=seed,
        **(start or {}),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    notes = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    # The figures label their axes from the model's names. The model is fitted
    # on the array (so no pandas is needed) and given the names afterwards
    # (see fit_for_report); the report's own calls then pass the array.
    return model, notes


def report_feature_names(given: Any, frame_names: Any, d: int) -> list[str]:
    """The names to show: ``given``, else a DataFrame's columns, else x0, x1, ...

    Raises
    ------
    ValueError
        When ``given`` does not have ``d`` distinct names.
    """
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
