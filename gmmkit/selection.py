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
from .covariance import MCLUST_NAMES, MODEL_NAMES, covariance_model
from .criteria import CRITERIA, criteria
from .degeneracy import data_covariance, degeneracy
from .exceptions import (
    ComponentCollapseError,
    DegenerateModelWarning,
)
from .init_comparison import (
    InitComparison,
    InitComparisonResult,
    compare_inits,
    group_optima,
)
from .mixture import GaussianMixture
from .search import SearchPlan, Starts, fit_cell, refine

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


#: Rows a SelectionResult's repr shows before it shows only the best.
_REPR_ROWS = 12


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
        shown = self.rows
        if len(shown) > _REPR_ROWS:
            # The best first: a 126-fit search is read from its top.
            shown = sorted(shown, key=lambda r: (np.isnan(r[name]), r[name]))
            shown = shown[:_REPR_ROWS]
        for row in shown:
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
        table = text_table([*header, "reason"], lines)
        if len(shown) < len(self.rows):
            table += (
                f"\n({len(shown)} best of {len(self.rows)} fits; to_frame() has all)"
            )
        return head + "\n" + table


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
    """The model names to search, each model once (``"all"``: mclust's 14)."""
    if isinstance(covariance_types, str):
        covariance_types = (
            list(MCLUST_NAMES) if covariance_types == "all" else [covariance_types]
        )
    elif not isinstance(covariance_types, Iterable):
        raise ValueError(
            "covariance_types must be a covariance model, a list of them such as "
            f"['VVV', 'EEE'], or 'all'; got {covariance_types!r}."
        )
    names = [
        check_choice(t, "covariance_types", (*MODEL_NAMES, "all"))
        for t in covariance_types
    ]
    if "all" in names:
        raise ValueError("covariance_types='all' stands alone, not inside a list.")
    if not names:
        raise ValueError("covariance_types must name at least one covariance type.")
    # "tied" and "EEE" are one model: keep the first name given for it.
    unique: dict[int, str] = {}
    for name in names:
        unique.setdefault(id(covariance_model(name)), name)
    return list(unique.values())


def _check_gmm_params(gmm_params: dict[str, Any]) -> None:
    if "covariance_type" in gmm_params:
        raise TypeError(
            "select_model takes covariance_types=[...] (one or several); did you "
            f"mean covariance_types={gmm_params['covariance_type']!r}?"
        )
    made_here = sorted(set(gmm_params) & _SEARCH_OWNS)
    if made_here:
        raise TypeError(
            f"select_model makes its own starts ({', '.join(made_here)} cannot be "
            "given): the hierarchical partition and n_init - 1 k-means++ "
            "partitions per cell. Pass n_init to change how many."
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


#: GaussianMixture parameters the search sets itself.
_SEARCH_OWNS = frozenset(
    {"init_params", "weights_init", "means_init", "precisions_init", "warm_start"}
)


def select_model(
    X: Any,
    n_components: int | Iterable[int] = range(1, 10),
    covariance_types: str | Iterable[str] = "all",
    criterion: str = "bic",
    n_init: int = SearchPlan.n_init,
    random_state: Any = 0,
    sample_weight: Any = None,
    progress: Callable[[int, int, dict], Any] | None = None,
    **gmm_params: Any,
) -> SelectionResult:
    """Fit every (K, covariance type) pair and choose by an information criterion.

    Degenerate fits (see :func:`degeneracy`) are listed with status
    "degenerate" and the reason, and never chosen while any fit is healthy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int or iterable of int, default=range(1, 10)
        Numbers of components to try; an int ``K`` means ``1..K``.
    covariance_types : str or iterable of str, default="all"
        One model name (``"VVV"``, ``"full"``), several, or ``"all"``:
        mclust's 14, its default too (on iris the best, VEV, beats the best
        of scikit-learn's four by 12 in BIC). A model named twice is fitted
        once.
    criterion : {"bic", "aic", "icl", "icl_entropy"}, default="bic"
        Lower is better; ties go to fewer parameters. ``icl`` is mclust's
        (MAP classification), ``icl_entropy`` the entropy form
        (:func:`criteria`).
    n_init : int, default=3
        Starts per (K, model): mclust's hierarchical partition, then
        ``n_init - 1`` k-means++ partitions (see :mod:`gmmkit.search`).
    random_state : int, Generator or None, default=0
        Seeds the randomised starts: the same call returns the same model
        every time, whatever the global random state; None draws afresh.
    sample_weight : array-like of shape (n_samples,), optional
        Counted as repetitions (``n`` in BIC is the total weight).
    progress : callable, optional
        ``progress(done, total, row)`` after each fit.
    **gmm_params
        Further :class:`GaussianMixture` parameters (``reg_covar``, ...).
        ``tol`` (absolute) replaces the search's relative tolerance and
        ``max_iter`` caps its iterations; starts (``init_params``,
        ``*_init``) are the search's own.

    Returns
    -------
    result : SelectionResult

    Raises
    ------
    ValueError
        For invalid data or arguments, or when every fit failed.
    TypeError
        For keywords that are not :class:`GaussianMixture` parameters.

    Warns
    -----
    DegenerateModelWarning
        When every fit is degenerate; the one with fewest parameters is returned.

    Examples
    --------
    >>> from gmmkit import select_model
    >>> from gmmkit.datasets import load_old_faithful
    >>> result = select_model(load_old_faithful(), covariance_types=["EEE", "VVV"])
    >>> result.best_n_components, result.best_covariance_type
    (3, 'EEE')
    """
    ks, types, plan = _check_arguments(
        criterion, n_components, covariance_types, n_init, gmm_params
    )
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    grid = _fit_grid(X, ks, types, plan, random_state, weights, gmm_params, progress)
    _refine_contenders(*grid, X, weights, plan, criterion, gmm_params)
    best = _choose(grid[0], criterion, X.shape[0] if weights is None else weights.sum())
    return _result(*grid, criterion, best)


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
) -> tuple[list[int], list[str], SearchPlan]:
    """Validate :func:`select_model`'s arguments; the Ks, the types, the plan.

    ``tol`` and ``max_iter`` leave ``gmm_params`` for the plan.
    """
    check_choice(criterion, "criterion", CRITERIA)
    ks = _k_values(n_components)
    types = _covariance_types(covariance_types)
    check_int(n_init, "n_init", minimum=1)
    _check_gmm_params(gmm_params)
    plan = SearchPlan(
        n_init=n_init,
        tol=gmm_params.pop("tol", None),
        max_iter=gmm_params.pop("max_iter", SearchPlan.max_iter),
    )
    return ks, types, plan


def _fit_grid(
    X: np.ndarray,
    ks: list[int],
    types: list[str],
    plan: SearchPlan,
    random_state: Any,
    weights: np.ndarray | None,
    gmm_params: dict[str, Any],
    progress: Callable[[int, int, dict], Any] | None,
) -> tuple[list[dict[str, Any]], dict[tuple[int, str], GaussianMixture]]:
    """Fit every type for every K (types outermost) from starts shared per K."""
    seed = int(as_generator(random_state).integers(2**32))
    starts = Starts(X, weights, seed, plan.n_init)
    covariance = data_covariance(X, weights)  # once, for every cell's judgement
    total = len(ks) * len(types)
    rows, models = [], {}
    for covariance_type in types:
        for k in ks:
            row = {"n_components": k, "covariance_type": covariance_type}
            row |= _fit_one(
                X,
                k,
                covariance_type,
                plan,
                starts,
                seed,
                weights,
                gmm_params,
                models,
                covariance,
            )
            rows.append(row)
            if progress is not None:
                progress(len(rows), total, row)
    return rows, models


def _refine_contenders(rows, models, X, weights, plan, criterion, gmm_params) -> None:
    """Run the healthy rows near the best on to the tight tolerance; update them.

    Skipped when the user gave ``tol``: theirs is the only tolerance.
    """
    healthy = [row for row in rows if row["status"] == "ok"]
    if not healthy or plan.tol is not None:
        return
    best = min(row[criterion] for row in healthy)
    covariance = data_covariance(X, weights)
    for row in healthy:
        if row[criterion] > best + plan.refine_margin:
            continue
        key = (row["n_components"], row["covariance_type"])
        try:
            refine(models[key], X, weights, plan, gmm_params, covariance)
        except ComponentCollapseError:
            continue  # keeps the first stage's fit, healthy and converged
        row |= _judged(models[key], X, weights, covariance)


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
    X, k, covariance_type, plan, starts, seed, weights, gmm_params, models, covariance
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
    cell = fit_cell(
        X, weights, k, covariance_type, starts, plan, gmm_params, seed, covariance
    )
    if cell.model is None:
        return failed | {"reason": cell.error}
    models[(k, covariance_type)] = cell.model
    return _judged(cell.model, X, weights, covariance)


def _judged(model: GaussianMixture, X, weights, covariance) -> dict:
    """A fitted cell's row values: status, reason, criteria, convergence."""
    reasons = degeneracy(model, X, weights, covariance)
    return {
        "status": "degenerate" if reasons else "ok",
        "reason": "; ".join(reasons),
        **criteria(model, X, weights),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
    }
