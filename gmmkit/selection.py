"""Choosing the model: information criteria over K and covariance type, and starts.

:func:`select_model` fits every combination of number of components and
covariance type and ranks them by BIC, AIC or ICL (lower is better for all
three). :func:`compare_inits` runs many fits from each kind of start and
reports the local optima they reach.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import (
    as_generator,
    check_choice,
    check_data,
    check_int,
    check_sample_weight,
)
from .covariance import COVARIANCE_TYPES
from .engine import iter_log_prob
from .exceptions import ComponentCollapseError, ConvergenceWarning
from .init import INIT_METHODS
from .mixture import GaussianMixture

CRITERIA = ("bic", "aic", "icl")


def criteria(
    model: GaussianMixture, X: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, float]:
    """Log-likelihood, parameter count, BIC, AIC and ICL of a fitted model.

    ICL is BIC plus twice the entropy of the responsibilities,
    ``-2 * sum_n sum_k r_nk log r_nk``: it penalises components that overlap.
    With sample weights, sums are weighted and ``n`` is the total weight.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    X : ndarray of shape (n_samples, n_features)
        Validated data.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    values : dict
        ``log_likelihood`` (total), ``n_parameters``, ``bic``, ``aic``, ``icl``.
    """
    log_likelihood = entropy = 0.0
    for rows, log_density, resp in iter_log_prob(model._params(), X, model.chunk_size):
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(resp > 0, resp * np.log(resp), 0.0).sum(axis=1)
        if sample_weight is None:
            log_likelihood += float(log_density.sum(dtype=np.float64))
            entropy -= float(plogp.sum(dtype=np.float64))
        else:
            w = sample_weight[rows]
            log_likelihood += float(w @ log_density.astype(np.float64))
            entropy -= float(w @ plogp.astype(np.float64))
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    n_parameters = model._n_parameters()
    bic = -2.0 * log_likelihood + n_parameters * np.log(n)
    return {
        "log_likelihood": log_likelihood,
        "n_parameters": n_parameters,
        "bic": bic,
        "aic": -2.0 * log_likelihood + 2.0 * n_parameters,
        "icl": bic + 2.0 * entropy,
    }


@dataclass
class SelectionResult:
    """Every fit of a model search and the one chosen.

    Attributes
    ----------
    rows : list of dict
        One per fit: ``n_components``, ``covariance_type``, ``status``
        ("ok" or "failed"), ``reason`` (why it failed, else ""),
        ``log_likelihood``, ``n_parameters``, ``bic``, ``aic``, ``icl``,
        ``converged``, ``n_iter``. Failed fits hold NaN for the numbers.
    criterion : str
        The criterion used to choose.
    best_model : GaussianMixture
    best_n_components : int
    best_covariance_type : str
    models : dict
        Fitted models keyed by ``(n_components, covariance_type)``.
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
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_frame needs pandas: pip install 'gmmkit[pandas]'."
            ) from None
        return pd.DataFrame(self.rows)


def _k_values(n_components: int | Iterable[int]) -> list[int]:
    values = [n_components] if isinstance(n_components, int) else list(n_components)
    if not values:
        raise ValueError("n_components must name at least one number of components.")
    return [check_int(k, "n_components", minimum=1) for k in values]


def select_model(
    X: Any,
    n_components: int | Iterable[int] = range(1, 10),
    covariance_types: Sequence[str] = COVARIANCE_TYPES,
    criterion: str = "bic",
    n_init: int = 1,
    random_state: Any = None,
    sample_weight: Any = None,
    progress: Callable[[int, int, dict], Any] | None = None,
    **gmm_params: Any,
) -> SelectionResult:
    """Fit every (K, covariance type) pair and choose by an information criterion.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int or iterable of int, default=range(1, 10)
        Numbers of components to try.
    covariance_types : sequence of str, default=all four
        Covariance types to try.
    criterion : {"bic", "aic", "icl"}, default="bic"
        Lower is better; ties go to the model with fewer parameters.
    n_init : int, default=1
        Starts per fit.
    random_state : None, int or Generator
        Seeds every fit reproducibly.
    sample_weight : array-like of shape (n_samples,), optional
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

    Examples
    --------
    >>> from gmmkit import select_model
    >>> from gmmkit.datasets import load_old_faithful
    >>> result = select_model(load_old_faithful(), n_components=range(1, 4),
    ...                       covariance_types=["full"], random_state=0)
    >>> result.best_n_components, result.best_covariance_type
    (2, 'full')
    """
    check_choice(criterion, "criterion", CRITERIA)
    ks = _k_values(n_components)
    types = [
        check_choice(t, "covariance_types", COVARIANCE_TYPES) for t in covariance_types
    ]
    if not types:
        raise ValueError("covariance_types must name at least one covariance type.")
    check_int(n_init, "n_init", minimum=1)
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = as_generator(random_state)
    total = len(ks) * len(types)
    rows, models = [], {}
    for covariance_type in types:
        for k in ks:
            seed = int(rng.integers(2**32))
            row = {"n_components": k, "covariance_type": covariance_type}
            row |= _fit_one(
                X, k, covariance_type, n_init, seed, weights, gmm_params, models
            )
            rows.append(row)
            if progress is not None:
                progress(len(rows), total, row)
    good = [r for r in rows if r["status"] == "ok"]
    if not good:
        reasons = "; ".join(
            f"K={r['n_components']} {r['covariance_type']}: {r['reason']}" for r in rows
        )
        raise ValueError(f"Every fit failed. {reasons}")
    best = min(good, key=lambda r: (r[criterion], r["n_parameters"]))
    key = (best["n_components"], best["covariance_type"])
    return SelectionResult(
        rows=rows,
        criterion=criterion,
        best_model=models[key],
        best_n_components=key[0],
        best_covariance_type=key[1],
        models=models,
    )


def _fit_one(X, k, covariance_type, n_init, seed, weights, gmm_params, models) -> dict:
    failed = {
        "status": "failed",
        "log_likelihood": np.nan,
        "n_parameters": np.nan,
        "bic": np.nan,
        "aic": np.nan,
        "icl": np.nan,
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
            model.fit(X, sample_weight=weights)
    except ComponentCollapseError as error:
        return failed | {"reason": str(error)}
    models[(k, covariance_type)] = model
    return {
        "status": "ok",
        "reason": "",
        **criteria(model, X, weights),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
    }


@dataclass
class InitComparison:
    """Outcome of many EM runs from one kind of start.

    Attributes
    ----------
    init : str
        The ``init_params`` value.
    log_likelihoods : ndarray of shape (n_runs,)
        Final mean log-likelihood per sample of each run (NaN if it failed).
    n_iter : ndarray of shape (n_runs,)
        EM iterations of each run.
    converged : ndarray of shape (n_runs,) of bool
    optima : list of (float, int)
        Distinct optima reached, best first: mean log-likelihood and how
        many runs reached it.
    n_failed : int
        Runs that collapsed.
    """

    init: str
    log_likelihoods: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    optima: list[tuple[float, int]]
    n_failed: int

    @property
    def n_optima(self) -> int:
        """Number of distinct optima reached."""
        return len(self.optima)

    @property
    def best_fraction(self) -> float:
        """Share of runs that reached the best optimum found by this start."""
        runs = len(self.log_likelihoods) - self.n_failed
        return self.optima[0][1] / runs if runs and self.optima else 0.0


def group_optima(values: np.ndarray, atol: float) -> list[tuple[float, int]]:
    """Group final log-likelihoods that lie within ``atol`` of each other.

    Parameters
    ----------
    values : ndarray of shape (n_runs,)
        Final mean log-likelihoods; NaN entries are ignored.
    atol : float
        Largest gap between neighbours of one group.

    Returns
    -------
    optima : list of (float, int)
        The best value of each group and its size, best group first.
    """
    finite = np.sort(values[np.isfinite(values)])[::-1]
    groups: list[list[float]] = []
    for value in finite:
        if groups and groups[-1][-1] - value <= atol:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [(float(g[0]), len(g)) for g in groups]


def compare_inits(
    X: Any,
    n_components: int,
    inits: Sequence[str] = INIT_METHODS,
    n_runs: int = 50,
    random_state: Any = None,
    covariance_type: str = "full",
    tol: float = 1e-6,
    max_iter: int = 500,
    optimum_atol: float = 1e-4,
    sample_weight: Any = None,
    progress: Callable[[int, int], Any] | None = None,
) -> dict[str, InitComparison]:
    """Run EM many times from each kind of start and report the optima reached.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int
    inits : sequence of str, default=all four starts
        ``init_params`` values to compare.
    n_runs : int, default=50
        Runs per start, each with its own seed.
    random_state : None, int or Generator
    covariance_type : str, default="full"
    tol : float, default=1e-6
        Tight, so that runs that reach the same optimum agree closely.
    max_iter : int, default=500
    optimum_atol : float, default=1e-4
        Final mean log-likelihoods closer than this count as one optimum.
    sample_weight : array-like of shape (n_samples,), optional
    progress : callable, optional
        Called after each run as ``progress(done, total)``.

    Returns
    -------
    comparison : dict of str to InitComparison
        Keyed by start, in the order given.
    """
    check_int(n_components, "n_components", minimum=1)
    check_int(n_runs, "n_runs", minimum=1)
    for init in inits:
        check_choice(init, "inits", INIT_METHODS)
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = as_generator(random_state)
    total, done = len(inits) * n_runs, 0
    out = {}
    for init in inits:
        values = np.full(n_runs, np.nan)
        n_iter = np.zeros(n_runs, dtype=int)
        converged = np.zeros(n_runs, dtype=bool)
        n_failed = 0
        for run in range(n_runs):
            model = GaussianMixture(
                n_components,
                covariance_type=covariance_type,
                init_params=init,
                tol=tol,
                max_iter=max_iter,
                random_state=int(rng.integers(2**32)),
            )
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(X, sample_weight=weights)
                values[run] = model.score(X, sample_weight=weights)
                n_iter[run], converged[run] = model.n_iter_, model.converged_
            except ComponentCollapseError:
                n_failed += 1
            done += 1
            if progress is not None:
                progress(done, total)
        out[init] = InitComparison(
            init=init,
            log_likelihoods=values,
            n_iter=n_iter,
            converged=converged,
            optima=group_optima(values, optimum_atol),
            n_failed=n_failed,
        )
    return out
