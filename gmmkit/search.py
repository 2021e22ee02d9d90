"""How one cell of a model search is fitted: shared starts, short runs, one long run.

A cell is a number of components ``K`` and a covariance model. Its starts
are partitions of the rows, shared by every model at that ``K``
(:class:`Starts`): mclust's hierarchical partition (deterministic), then
randomised ones, k-means++ seeds with every row given to its nearest seed,
in the coordinates the hierarchical start uses. Each start becomes
parameters by one M-step of the cell's model and runs
:attr:`SearchPlan.short_iter` EM iterations; the most likely start whose fit
is not degenerate (the most likely of all if every one is) then runs to
convergence (:func:`fit_cell`). On more than :attr:`SearchPlan.subsample`
rows, the short runs and most of the long one run on a subsample and only
the last iterations on every row.

Convergence is judged relative to the log-likelihood: a run stops when
the mean log-likelihood changes by less than ``rel_tol * max(|mean|, 1)``.
Every cell first runs to :attr:`SearchPlan.rel_tol`; the contenders, the
cells whose criterion ends within :attr:`SearchPlan.refine_margin` of the
best, then continue to :attr:`SearchPlan.refine_tol` (:func:`refine`).
Cells with more components than the data hold converge slowly and far from
the best: on 10 000 rows (4 true clusters, the four scikit-learn types) the
two-stage search took 11 s where running every cell to 1e-8 took 30 s,
with the same choice; those cells' log-likelihoods stood at most 13 below
their fully converged values, more than 100 BIC from the best.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = ["CellFit", "SearchPlan", "Starts", "fit_cell", "refine"]

from .covariance import covariance_model
from .degeneracy import data_covariance, degeneracy
from .exceptions import (
    ComponentCollapseError,
    ConvergenceWarning,
    DegenerateModelWarning,
)
from .families.gaussian import m_step, stats_from_responsibilities
from .hierarchical import HierarchicalStart, svd_transform
from .init import _one_hot
from .kmeans import kmeans_plusplus, nearest_center
from .mixture import GaussianMixture


@dataclass(frozen=True)
class SearchPlan:
    """The search's settings; the defaults are the measured ones.

    Attributes
    ----------
    n_init : int
        Starts per cell: the hierarchical partition, then ``n_init - 1``
        k-means++ partitions.
    short_iter : int
        EM iterations each start runs before the best one is kept.
    rel_tol : float
        Every cell's long run stops when the mean log-likelihood changes by
        less than ``rel_tol * max(|mean log-likelihood|, 1)``.
    refine_tol : float
        The same for the contenders' second stage: tight enough that going
        on gains nothing material.
    refine_margin : float
        Contenders: the cells whose criterion is within this of the best.
    tol : float or None
        An absolute tolerance on the mean log-likelihood instead (a user's
        ``tol``), as :class:`~gmmkit.GaussianMixture` reads it.
    max_iter : int
        Most iterations of the long run.
    check_every : int
        The long run stops to check whether its fit is degenerate this often
        (and stops for good when it is).
    subsample : int
        Above this many rows, short runs and the long run's first part use
        this many rows drawn at random.
    """

    n_init: int = 3
    short_iter: int = 5
    rel_tol: float = 1e-6
    refine_tol: float = 1e-8
    refine_margin: float = 50.0
    tol: float | None = None
    max_iter: int = 2000
    check_every: int = 25
    subsample: int = 5000


class Starts:
    """Start partitions for every K, built once per data set.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,) or None
    seed : int
        Seeds the hierarchical subsample and, with K, each K's randomised
        starts, so a cell's starts do not depend on which other cells run.
    n_init : int
    """

    def __init__(self, X, sample_weight, seed: int, n_init: int):
        self._X = X
        self._weights = sample_weight
        self._seed = seed
        self._n_init = n_init
        self._hierarchy = None
        self._coordinates = None
        self._cache: dict[int, list[np.ndarray]] = {}

    def partitions(self, n_components: int) -> list[np.ndarray]:
        """The start labels (each of shape (n_samples,)) for ``n_components``."""
        if n_components not in self._cache:
            self._cache[n_components] = self._make(n_components)
        return self._cache[n_components]

    def _make(self, k: int) -> list[np.ndarray]:
        if self._hierarchy is None:
            self._hierarchy = HierarchicalStart(
                self._X, np.random.default_rng(self._seed), self._weights
            )
            self._coordinates = svd_transform(self._X)
        starts = []
        if k <= self._hierarchy.n_distinct_:
            starts.append(self._hierarchy.labels(k))
        rng = np.random.default_rng([self._seed, k])
        for _ in range(self._n_init - len(starts)):
            seeds, _ = kmeans_plusplus(self._coordinates, k, rng, self._weights)
            starts.append(nearest_center(self._coordinates, seeds)[0])
        return starts


@dataclass
class CellFit:
    """What :func:`fit_cell` returns: a fitted model or why there is none."""

    model: GaussianMixture | None
    error: str = ""
    n_starts: int = 0


def fit_cell(
    X: np.ndarray,
    weights: np.ndarray | None,
    n_components: int,
    covariance_type: str,
    starts: Starts,
    plan: SearchPlan,
    gmm_params: dict[str, Any],
    seed: int,
    covariance: np.ndarray | None = None,
) -> CellFit:
    """The best fit of one (K, covariance model) cell; see the module docstring.

    ``covariance`` is :func:`~gmmkit.degeneracy.data_covariance` of ``X``
    when the caller has it (a search computes it once, not per cell).
    """
    if covariance is None:
        covariance = data_covariance(X, weights)
    rows = _subsample(len(X), plan.subsample, seed)
    Xs = X if rows is None else X[rows]
    ws = None if weights is None or rows is None else weights[rows]
    partitions = starts.partitions(n_components)
    if rows is not None:
        partitions = [labels[rows] for labels in partitions]
    cell = (n_components, covariance_type, plan, gmm_params)
    finalists, errors = _finalists(Xs, ws, partitions, cell)
    best, best_key = None, None
    for model in finalists:
        try:
            _long_run(model, Xs, ws, plan)
            if rows is not None:
                _long_run(model, X, weights, plan, covariance)
        except ComponentCollapseError as error:
            errors.append(str(error))
            continue
        key = (not degeneracy(model, X, weights, covariance), model.lower_bound_)
        if best_key is None or key > best_key:
            best, best_key = model, key
    if best is None:
        return CellFit(None, errors[0] if errors else "no start", len(partitions))
    _release(best, gmm_params)
    best.set_params(init_params="hc", random_state=seed)
    return CellFit(best, "", len(partitions))


def refine(
    model: GaussianMixture, X, weights, plan: SearchPlan, gmm_params, covariance=None
) -> None:
    """Continue a cell's fitted model to :attr:`SearchPlan.refine_tol`.

    Raises
    ------
    ComponentCollapseError
        When the continued fit collapses.
    """
    _long_run(model, X, weights, replace(plan, rel_tol=plan.refine_tol), covariance)
    _release(model, gmm_params)


def _release(model: GaussianMixture, gmm_params) -> None:
    """The search's settings off a fitted model: the user's, or the defaults."""
    model.set_params(
        weights_init=None,
        means_init=None,
        precisions_init=None,
        warm_start=False,
        max_iter=gmm_params.get("max_iter", 100),
        tol=gmm_params.get("tol", 1e-3),
        accelerate=gmm_params.get("accelerate", False),
    )


def _finalists(X, weights, partitions, cell) -> tuple[list, list[str]]:
    """The starts that run to convergence, after short runs from every partition.

    The most likely short run that is not degenerate (the most likely of
    all when every one is), and the hierarchical start's (the first) when
    it is another one: mclust runs EM from that start alone, so on data
    small enough for one tree (at most 2000 rows, where both build the same
    tree) a contender ends where mclust's EM does or higher. Above that the
    subsamples differ, and on 10 000 rows mclust ended higher in 12 of 126
    cells (BENCHMARKS.md).
    """
    runs, errors, spread = [], [], None
    for labels in partitions:
        try:
            model = _short_run(X, weights, labels, *cell)
        except ComponentCollapseError as error:
            errors.append(str(error))
            runs.append(None)
            continue
        if spread is None:
            spread = data_covariance(X, weights)
        runs.append(
            (not degeneracy(model, X, weights, spread), model.lower_bound_, model)
        )
    fitted = [run for run in runs if run is not None]
    if not fitted:
        return [], errors
    best = max(fitted, key=lambda run: run[:2])[2]
    finalists = [best]
    if runs[0] is not None and runs[0][2] is not best:
        finalists.append(runs[0][2])
    return finalists, errors


def _short_run(X, weights, labels, n_components, covariance_type, plan, gmm_params):
    """A GaussianMixture run ``plan.short_iter`` iterations from a partition."""
    params = {k: v for k, v in gmm_params.items() if k not in ("tol", "max_iter")}
    model = GaussianMixture(
        n_components,
        covariance_type=covariance_type,
        max_iter=plan.short_iter,
        tol=_tolerance(plan, None),
        **params,
    )
    stats = stats_from_responsibilities(
        X,
        _one_hot(labels, n_components, X.dtype),
        covariance_type,
        weights,
        model.chunk_size,
    )
    try:
        start = m_step(
            stats, covariance_type, model.reg_covar, model._mass_floor(X.dtype)
        )
    except ComponentCollapseError as error:
        # The start's own M-step: say what GaussianMixture.fit would advise.
        raise ComponentCollapseError(
            f"{error}{model._collapse_advice()}", error.components
        ) from None
    model.set_params(
        weights_init=start.weights,
        means_init=start.means,
        precisions_init=covariance_model(covariance_type).precisions(
            start.precisions_cholesky
        ),
    )
    _quiet_fit(model, X, weights)
    return model


def _long_run(
    model: GaussianMixture, X, weights, plan: SearchPlan, covariance=None
) -> None:
    """Continue ``model`` on ``X`` until the relative tolerance is met.

    It runs in stretches of :attr:`SearchPlan.check_every` iterations and
    stops early once the fit is degenerate: such a fit is never chosen, and
    a component collapsing onto a few rows raises the likelihood without
    end (on the 13-D wine data, VVE with K = 7 ran 2000 SQUAREM cycles, 5 of
    a search's 8 minutes, towards a component on 3 rows).
    """
    model.set_params(
        warm_start=True,
        max_iter=plan.check_every,
        tol=_tolerance(plan, model.lower_bound_),
        accelerate=True,
    )
    done, spread, history = model.n_iter_, covariance, list(model.history_)
    while True:
        _quiet_fit(model, X, weights)
        done += model.n_iter_
        history += model.history_
        if model.converged_ or done >= plan.max_iter:
            break
        if spread is None:
            spread = data_covariance(X, weights)
        if degeneracy(model, X, weights, spread):
            break
    # The whole run's record, short run and every stretch, as one fit's.
    model.n_iter_ = done
    model.history_ = model.lower_bounds_ = history


def _tolerance(plan: SearchPlan, mean_log_likelihood: float | None) -> float:
    if plan.tol is not None:
        return plan.tol
    if mean_log_likelihood is None:
        return 0.0
    return plan.rel_tol * max(abs(mean_log_likelihood), 1.0)


def _quiet_fit(model, X, weights) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DegenerateModelWarning)
        model.fit(X, sample_weight=weights)


def _subsample(n: int, size: int, seed: int) -> np.ndarray | None:
    if n <= size:
        return None
    rng = np.random.default_rng([seed, n])
    return np.sort(rng.choice(n, size=size, replace=False))
