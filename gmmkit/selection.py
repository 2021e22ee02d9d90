"""Choosing the model: information criteria over K and covariance type, and starts.

:func:`select_model` fits every combination of number of components and
covariance type and ranks them by BIC, AIC or ICL (lower is better for all;
see :mod:`gmmkit.criteria`, where ``criteria`` and ``CRITERIA`` live). Fits
that are degenerate (a component resting on too few points, or held up only
by ``reg_covar``) are kept in the table but never chosen; see
:func:`~gmmkit.degeneracy.degeneracy`. :func:`compare_inits` (in
:mod:`gmmkit.init_comparison`) runs many fits from each kind of start and
reports the local optima they reach; it is importable from here too.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._tables import data_frame, shorten, text_table
from ._validation import (
    as_generator,
    check_choice,
    check_data,
    check_int,
    check_sample_weight,
)
from .covariance import COVARIANCE_TYPES
from .criteria import CRITERIA, criteria
from .degeneracy import data_covariance, degeneracy
from .exceptions import (
    ComponentCollapseError,
    ConvergenceWarning,
    DegenerateModelWarning,
)
from .init_comparison import (
    InitComparison,
    InitComparisonResult,
    compare_inits,
    group_optima,
)
from .mixture import GaussianMixture

__all__ = [
    "CRITERIA",
    "DegenerateModelWarning",
    "InitComparison",
    "InitComparisonResult",
    "SelectionResult",
    "compare_inits",
    "criteria",
    "data_covariance",
    "degeneracy",
    "group_optima",
    "select_model",
]


@dataclass
class SelectionResult:
    """Every fit of a model search and the one chosen.

    Attributes
    ----------
    rows : list of dict
        One per fit: ``n_components``, ``covariance_type``, ``status``,
        ``reason``, ``log_likelihood``, ``n_parameters``, ``bic``, ``aic``,
        ``icl``, ``icl_entropy``, ``converged``, ``n_iter``. ``status`` is
        "ok"; "degenerate" (fitted, numbers filled in, but never chosen: see
        :func:`degeneracy`; ``reason`` says why); or "failed" (``reason``
        says why; the numbers are NaN). ``reason`` is "" for "ok".
    criterion : str
        The criterion used to choose.
    best_model : GaussianMixture
        The fit with the lowest criterion among the "ok" ones (ties to fewer
        parameters). When every fit is degenerate, the one with the fewest
        parameters, with a :class:`DegenerateModelWarning`.
    best_n_components : int
    best_covariance_type : str
    models : dict
        Fitted models (degenerate ones too) keyed by
        ``(n_components, covariance_type)``.
    """

    rows: list[dict[str, Any]]
    criterion: str
    best_model: GaussianMixture
    best_n_components: int
    best_covariance_type: str
    models: dict[tuple[int, str], GaussianMixture] = field(repr=False)

    @property
    def best_row(self) -> dict[str, Any]:
        """The row of the chosen model."""
        for row in self.rows:
            key = (row["n_components"], row["covariance_type"])
            if key == (self.best_n_components, self.best_covariance_type):
                return row
        raise LookupError("the best model has no row")  # pragma: no cover

    def to_frame(self):
        """The rows as a pandas DataFrame (needs pandas).

        Returns
        -------
        frame : pandas.DataFrame
        """
        return data_frame(self.rows)

    def __repr__(self) -> str:
        name = self.criterion
        head = (
            f"SelectionResult(best: K={self.best_n_components} "
            f"{self.best_covariance_type} by {name.upper()}, {len(self.rows)} fits)"
        )
        best = (self.best_n_components, self.best_covariance_type)
        lines = []
        for row in self.rows:
            key = (row["n_components"], row["covariance_type"])
            failed = row["status"] == "failed"
            lines.append(
                [
                    "*" if key == best else "",
                    str(key[0]),
                    key[1],
                    row["status"],
                    "" if failed else f"{row['log_likelihood']:.1f}",
                    "" if failed else str(row["n_parameters"]),
                    "" if failed else f"{row[name]:.1f}",
                    shorten(row["reason"], 60),
                ]
            )
        header = ["", "K", "covariance", "status", "log-lik", "params", name.upper()]
        return head + "\n" + text_table([*header, "reason"], lines)


def _k_values(n_components: int | Iterable[int]) -> list[int]:
    if isinstance(n_components, numbers.Integral) and not isinstance(
        n_components, bool
    ):
        return list(range(1, check_int(n_components, "n_components", minimum=1) + 1))
    if isinstance(n_components, str) or not isinstance(n_components, Iterable):
        raise ValueError(
            "n_components must be an int K (meaning 1..K) or a list of numbers of "
            f"components such as [2, 3, 4]; got {n_components!r}."
        )
    values = [check_int(k, "n_components", minimum=1) for k in n_components]
    if not values:
        raise ValueError("n_components must name at least one number of components.")
    return list(dict.fromkeys(values))


def _covariance_types(covariance_types: str | Iterable[str]) -> list[str]:
    if isinstance(covariance_types, str):
        covariance_types = [covariance_types]
    elif not isinstance(covariance_types, Iterable):
        raise ValueError(
            "covariance_types must be a covariance type or a list of them, such as "
            f"['full', 'diag']; got {covariance_types!r}."
        )
    types = [
        check_choice(t, "covariance_types", COVARIANCE_TYPES) for t in covariance_types
    ]
    if not types:
        raise ValueError("covariance_types must name at least one covariance type.")
    return list(dict.fromkeys(types))


def _check_gmm_params(gmm_params: dict[str, Any]) -> None:
    if "covariance_type" in gmm_params:
        raise TypeError(
            "select_model takes covariance_types=[...] (one or several); did you "
            f"mean covariance_types={gmm_params['covariance_type']!r}?"
        )
    known = set(GaussianMixture().get_params())
    unknown = sorted(set(gmm_params) - known)
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        raise TypeError(
            f"select_model got unexpected keyword argument(s) {names}. Extra "
            "keyword arguments go to GaussianMixture, which takes: "
            f"{', '.join(sorted(known - {'n_components', 'covariance_type'}))}."
        )


def select_model(
    X: Any,
    n_components: int | Iterable[int] = range(1, 10),
    covariance_types: str | Iterable[str] = COVARIANCE_TYPES,
    criterion: str = "bic",
    n_init: int = 1,
    random_state: Any = None,
    sample_weight: Any = None,
    progress: Callable[[int, int, dict], Any] | None = None,
    **gmm_params: Any,
) -> SelectionResult:
    """Fit every (K, covariance type) pair and choose by an information criterion.

    Degenerate fits (a component resting on too few points or held up only
    by ``reg_covar``; see :func:`degeneracy`) are listed with status
    "degenerate" and the reason, and never chosen while any fit is healthy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int or iterable of int, default=range(1, 10)
        Numbers of components to try. An int ``K`` means ``1..K``; to try a
        single number, pass it in a list (``[3]``).
    covariance_types : str or iterable of str, default=all four
        Covariance types to try: one name (``"full"``) or several.
    criterion : {"bic", "aic", "icl", "icl_entropy"}, default="bic"
        Lower is better; ties go to the model with fewer parameters. ``icl``
        is mclust's (BIC plus the MAP classification's cost),
        ``icl_entropy`` the form with the responsibilities' entropy (see
        :func:`criteria`).
    n_init : int, default=1
        Starts per fit.
    random_state : None, int or Generator
        Seeds every fit reproducibly.
    sample_weight : array-like of shape (n_samples,), optional
        Counted as repetitions: ``n`` in BIC and in the degeneracy rules is
        the total weight.
    progress : callable, optional
        Called after each fit as ``progress(done, total, row)``.
    **gmm_params
        Further :class:`GaussianMixture` parameters (``tol``, ``reg_covar``, ...).

    Returns
    -------
    result : SelectionResult

    Raises
    ------
    ValueError
        For invalid data or arguments, or when every fit failed.
    TypeError
        For keyword arguments that are not :class:`GaussianMixture`
        parameters, including ``covariance_type`` (use ``covariance_types``).

    Warns
    -----
    DegenerateModelWarning
        When every fit that did not fail is degenerate: the criterion cannot
        be trusted, and the fit with the fewest parameters is returned.

    Examples
    --------
    >>> from gmmkit import select_model
    >>> from gmmkit.datasets import load_old_faithful
    >>> result = select_model(load_old_faithful(), n_components=3,
    ...                       covariance_types="full", random_state=0)
    >>> result.best_n_components, result.best_covariance_type
    (2, 'full')
    """
    ks, types = _check_arguments(
        criterion, n_components, covariance_types, n_init, gmm_params
    )
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rows, models = _fit_grid(
        X, ks, types, n_init, random_state, weights, gmm_params, progress
    )
    best = _choose(rows, criterion, X.shape[0] if weights is None else weights.sum())
    return _result(rows, models, criterion, best)


def _result(
    rows: list[dict[str, Any]],
    models: dict[tuple[int, str], GaussianMixture],
    criterion: str,
    best: dict[str, Any],
) -> SelectionResult:
    """The :class:`SelectionResult` whose chosen fit is row ``best``."""
    key = (best["n_components"], best["covariance_type"])
    return SelectionResult(
        rows=rows,
        criterion=criterion,
        best_model=models[key],
        best_n_components=key[0],
        best_covariance_type=key[1],
        models=models,
    )


def _check_arguments(
    criterion: str,
    n_components: int | Iterable[int],
    covariance_types: str | Iterable[str],
    n_init: int,
    gmm_params: dict[str, Any],
) -> tuple[list[int], list[str]]:
    """Validate :func:`select_model`'s arguments; the K values and the types."""
    check_choice(criterion, "criterion", CRITERIA)
    ks = _k_values(n_components)
    types = _covariance_types(covariance_types)
    check_int(n_init, "n_init", minimum=1)
    _check_gmm_params(gmm_params)
    return ks, types


def _fit_grid(
    X: np.ndarray,
    ks: list[int],
    types: list[str],
    n_init: int,
    random_state: Any,
    weights: np.ndarray | None,
    gmm_params: dict[str, Any],
    progress: Callable[[int, int, dict], Any] | None,
) -> tuple[list[dict[str, Any]], dict[tuple[int, str], GaussianMixture]]:
    """Fit every type for every K (types outermost), each with its own seed."""
    spread = data_covariance(X, weights)
    rng = as_generator(random_state)
    total = len(ks) * len(types)
    rows, models = [], {}
    for covariance_type in types:
        for k in ks:
            seed = int(rng.integers(2**32))
            row = {"n_components": k, "covariance_type": covariance_type}
            row |= _fit_one(
                X, k, covariance_type, n_init, seed, weights, gmm_params, spread, models
            )
            rows.append(row)
            if progress is not None:
                progress(len(rows), total, row)
    return rows, models


def _choose(rows: list[dict], criterion: str, n: float) -> dict:
    """The healthy row with the lowest criterion, or the simplest degenerate one."""
    healthy = [r for r in rows if r["status"] == "ok"]
    if healthy:
        return min(healthy, key=lambda r: (r[criterion], r["n_parameters"]))
    degenerate = [r for r in rows if r["status"] == "degenerate"]
    if not degenerate:
        reasons = "; ".join(
            f"K={r['n_components']} {r['covariance_type']}: {r['reason']}" for r in rows
        )
        raise ValueError(f"Every fit failed. {reasons}")
    best = min(degenerate, key=lambda r: (r["n_parameters"], r[criterion]))
    warnings.warn(
        DegenerateModelWarning(
            f"Every fit is degenerate on these {n:g} observations, so "
            f"{criterion.upper()} cannot choose among them; returning the one with "
            f"the fewest parameters, K={best['n_components']} "
            f"{best['covariance_type']} ({best['reason']}). Try fewer components, "
            "a simpler covariance type (diag or spherical), or more data."
        ),
        stacklevel=3,
    )
    return best


def _fit_one(
    X, k, covariance_type, n_init, seed, weights, gmm_params, spread, models
) -> dict:
    failed = {
        "status": "failed",
        "log_likelihood": np.nan,
        "n_parameters": np.nan,
        "bic": np.nan,
        "aic": np.nan,
        "icl": np.nan,
        "icl_entropy": np.nan,
        "converged": False,
        "n_iter": 0,
    }
    if k > X.shape[0]:
        return failed | {"reason": f"more components ({k}) than samples ({X.shape[0]})"}
    model = GaussianMixture(
        k,
        covariance_type=covariance_type,
        n_init=n_init,
        random_state=seed,
        **gmm_params,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", DegenerateModelWarning)  # judged below
            model.fit(X, sample_weight=weights)
    except ComponentCollapseError as error:
        return failed | {"reason": str(error)}
    models[(k, covariance_type)] = model
    reasons = degeneracy(model, X, weights, spread)
    return {
        "status": "degenerate" if reasons else "ok",
        "reason": "; ".join(reasons),
        **criteria(model, X, weights),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
    }
