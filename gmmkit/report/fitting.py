"""The fits a report explains: model choice, the final fit and the restart study.

:func:`fit_for_report` checks the report's arguments, chooses the number of
components and the covariance type when asked to, fits the final model with
every EM iteration kept, and reruns EM from every kind of start. Nothing here
is written or drawn.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_generator, check_choice, check_data, check_int
from ..covariance import COVARIANCE_TYPES
from ..exceptions import ConvergenceWarning
from ..init import INIT_METHODS
from ..mixture import GaussianMixture
from ..selection import SelectionResult, compare_inits, select_model
from .analysis import Optimum, distinct_optima

#: Tolerance of the report's fits: tight, so that runs reaching the same
#: optimum agree closely and the convergence story has its tail.
REPORT_TOL = 1e-6
REPORT_MAX_ITER = 500
#: Starts per fit in the model search (the final fit uses ``n_init``).
SELECTION_N_INIT = 3


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
        The model search, when K or the covariance type was "auto".
    comparison : dict of str to InitComparison
        The restart study, one entry per kind of start.
    optima : list of Optimum
        The distinct optima the restarts reached, best first.
    init_params : str
        The kind of start of the final fit.
    warnings : list of str
        Convergence warnings of the final fit.
    """

    X: np.ndarray
    names: list[str]
    model: GaussianMixture
    selection: SelectionResult | None
    comparison: dict
    optima: list[Optimum]
    init_params: str
    warnings: list[str]


def fit_for_report(
    X: Any,
    n_components: int | str,
    covariance_type: str,
    feature_names: Any,
    n_init: int,
    random_state: Any,
    init_params: str,
    max_components: int,
) -> ReportFit:
    """Check the arguments of :func:`gmmkit.report.build` and make its fits.

    The arguments are those of ``build``. ``random_state`` seeds three
    independent streams: the model search, the final fit and the restarts.

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
    _check_arguments(
        n, n_components, covariance_type, n_init, init_params, max_components
    )
    rng = as_generator(random_state)
    seeds = [int(s) for s in rng.integers(2**32, size=3)]
    selection = None
    if isinstance(n_components, str) or covariance_type == "auto":
        selection = _search(
            X, n_components, covariance_type, n_init, max_components, seeds[0]
        )
        n_components = selection.best_n_components
        covariance_type = selection.best_covariance_type
    model, notes = _final_fit(
        X, names, n_components, covariance_type, n_init, init_params, seeds[1]
    )
    comparison = compare_inits(
        X,
        n_components,
        n_runs=n_init,
        covariance_type=covariance_type,
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        random_state=seeds[2],
    )
    return ReportFit(
        X=X,
        names=names,
        model=model,
        selection=selection,
        comparison=comparison,
        optima=distinct_optima(comparison),
        init_params=init_params,
        warnings=notes,
    )


def _check_arguments(
    n: int,
    n_components: int | str,
    covariance_type: str,
    n_init: int,
    init_params: str,
    max_components: int,
) -> None:
    """ValueError for an argument of ``build`` that no fit could use."""
    check_int(n_init, "n_init", minimum=1)
    check_int(max_components, "max_components", minimum=1)
    check_choice(init_params, "init_params", INIT_METHODS)
    check_choice(covariance_type, "covariance_type", (*COVARIANCE_TYPES, "auto"))
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
    covariance_type: str,
    n_init: int,
    max_components: int,
    seed: int,
) -> SelectionResult:
    """BIC over K = 1..max_components ("auto") and/or every covariance type."""
    if isinstance(n_components, str):
        ks = range(1, min(max_components, len(X)) + 1)
    else:
        ks = [n_components]
    types = COVARIANCE_TYPES if covariance_type == "auto" else [covariance_type]
    return select_model(
        X,
        ks,
        types,
        n_init=min(n_init, SELECTION_N_INIT),
        random_state=seed,
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
    )


def _final_fit(
    X: np.ndarray,
    names: list[str],
    n_components: int,
    covariance_type: str,
    n_init: int,
    init_params: str,
    seed: int,
) -> tuple[GaussianMixture, list[str]]:
    """The model the report explains, and its convergence warnings."""
    model = GaussianMixture(
        n_components,
        covariance_type=covariance_type,
        n_init=n_init,
        init_params=init_params,
        tol=REPORT_TOL,
        max_iter=REPORT_MAX_ITER,
        snapshot_every=1,  # the explorer steps through every iteration
        random_state=seed,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    notes = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    # The figures label their axes from the model's names. The model is fitted
    # on the array (so no pandas is needed) and given the names afterwards; the
    # report's own calls then pass the array (see build).
    model.feature_names_in_ = np.asarray(names, dtype=object)
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
