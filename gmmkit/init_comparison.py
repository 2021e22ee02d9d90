"""Comparing starts: many EM runs from each kind of start, and the optima they reach.

:func:`compare_inits` fits the same model again and again from each
``init_params`` value, with a fresh seed per run, and groups the final
log-likelihoods into distinct local optima (:func:`group_optima`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._tables import data_frame, text_table
from ._validation import (
    as_generator,
    check_choice,
    check_data,
    check_int,
    check_sample_weight,
)
from .covariance import COVARIANCE_TYPES
from .exceptions import ComponentCollapseError, ConvergenceWarning
from .init import INIT_METHODS
from .mixture import GaussianMixture

__all__ = [
    "InitComparison",
    "InitComparisonResult",
    "compare_inits",
    "group_optima",
]


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

    @property
    def best_log_likelihood(self) -> float:
        """The best final mean log-likelihood of this start (NaN if all failed)."""
        return self.optima[0][0] if self.optima else float("nan")

    def __repr__(self) -> str:
        return (
            f"InitComparison(init={self.init!r}, n_runs={len(self.log_likelihoods)}, "
            f"n_failed={self.n_failed}, n_optima={self.n_optima}, "
            f"best_log_likelihood={self.best_log_likelihood:.6g}, "
            f"best_fraction={self.best_fraction:.2f})"
        )


class InitComparisonResult(Mapping[str, InitComparison]):
    """What :func:`compare_inits` found: an :class:`InitComparison` per start.

    It reads like a dict keyed by start (``result["kmeans"]``,
    ``result.items()``), in the order the starts were given.

    Parameters
    ----------
    comparisons : dict of str to InitComparison
    n_components : int
    covariance_type : str
    optimum_atol : float
        Final mean log-likelihoods closer than this count as one optimum.
    """

    def __init__(
        self,
        comparisons: Mapping[str, InitComparison],
        n_components: int,
        covariance_type: str,
        optimum_atol: float,
    ):
        self._comparisons = dict(comparisons)
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.optimum_atol = optimum_atol

    def __getitem__(self, init: str) -> InitComparison:
        return self._comparisons[init]

    def __iter__(self) -> Iterator[str]:
        return iter(self._comparisons)

    def __len__(self) -> int:
        return len(self._comparisons)

    @property
    def best_log_likelihood(self) -> float:
        """The best final mean log-likelihood over every start (NaN if none)."""
        values = [c.best_log_likelihood for c in self.values() if c.optima]
        return max(values) if values else float("nan")

    def rows(self) -> list[dict[str, Any]]:
        """One summary per start.

        Returns
        -------
        rows : list of dict
            ``init``, ``n_runs``, ``n_failed``, ``n_optima``,
            ``best_log_likelihood`` (of that start), ``best_fraction`` (share
            of its runs reaching its own best), ``overall_best_fraction``
            (share reaching the best over all starts, within
            ``optimum_atol``), ``mean_n_iter`` and ``converged_fraction``
            (over the runs that did not fail).
        """
        overall = self.best_log_likelihood
        out = []
        for init, c in self.items():
            ok = np.isfinite(c.log_likelihoods)
            runs = int(ok.sum())
            at_best = np.abs(c.log_likelihoods[ok] - overall) <= self.optimum_atol
            out.append(
                {
                    "init": init,
                    "n_runs": len(c.log_likelihoods),
                    "n_failed": c.n_failed,
                    "n_optima": c.n_optima,
                    "best_log_likelihood": c.best_log_likelihood,
                    "best_fraction": c.best_fraction,
                    "overall_best_fraction": float(at_best.mean()) if runs else 0.0,
                    "mean_n_iter": float(c.n_iter[ok].mean()) if runs else np.nan,
                    "converged_fraction": float(c.converged[ok].mean())
                    if runs
                    else np.nan,
                }
            )
        return out

    def to_frame(self):
        """The per-start summaries of :meth:`rows` as a pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
        """
        return data_frame(self.rows())

    def __repr__(self) -> str:
        head = (
            f"InitComparisonResult(K={self.n_components} {self.covariance_type}, "
            f"best mean log-likelihood {self.best_log_likelihood:.6g})"
        )
        lines = [
            [
                r["init"],
                str(r["n_runs"]),
                str(r["n_failed"]),
                str(r["n_optima"]),
                f"{r['best_log_likelihood']:.6g}",
                f"{r['overall_best_fraction']:.0%}",
                f"{r['mean_n_iter']:.1f}",
            ]
            for r in self.rows()
        ]
        header = ["init", "runs", "failed", "optima", "best", "at best", "mean iter"]
        return head + "\n" + text_table(header, lines)


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
    inits: str | Sequence[str] = INIT_METHODS,
    n_runs: int = 50,
    random_state: Any = None,
    covariance_type: str = "full",
    tol: float = 1e-6,
    max_iter: int = 500,
    optimum_atol: float = 1e-4,
    sample_weight: Any = None,
    progress: Callable[[int, int], Any] | None = None,
) -> InitComparisonResult:
    """Run EM many times from each kind of start and report the optima reached.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int
    inits : str or sequence of str, default=all four starts
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
    comparison : InitComparisonResult
        A read-only mapping from start to :class:`InitComparison`, in the
        order given, with a summary table (``repr``, ``to_frame()``).
    """
    check_int(n_components, "n_components", minimum=1)
    check_int(n_runs, "n_runs", minimum=1)
    check_choice(covariance_type, "covariance_type", COVARIANCE_TYPES)
    inits = [inits] if isinstance(inits, str) else list(inits)
    for init in inits:
        check_choice(init, "inits", INIT_METHODS)
    if not inits:
        raise ValueError("inits must name at least one kind of start.")
    inits = list(dict.fromkeys(inits))
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = as_generator(random_state)
    total, done = len(inits) * n_runs, 0

    def after_run() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    model_params = {
        "n_components": n_components,
        "covariance_type": covariance_type,
        "tol": tol,
        "max_iter": max_iter,
    }
    out = {
        init: _runs_from_start(
            X, weights, init, n_runs, rng, model_params, optimum_atol, after_run
        )
        for init in inits
    }
    return InitComparisonResult(out, n_components, covariance_type, optimum_atol)


def _runs_from_start(
    X: np.ndarray,
    weights: np.ndarray | None,
    init: str,
    n_runs: int,
    rng: np.random.Generator,
    model_params: dict[str, Any],
    optimum_atol: float,
    after_run: Callable[[], None],
) -> InitComparison:
    """``n_runs`` fits from one kind of start, each seeded from ``rng``."""
    values = np.full(n_runs, np.nan)
    n_iter = np.zeros(n_runs, dtype=int)
    converged = np.zeros(n_runs, dtype=bool)
    n_failed = 0
    for run in range(n_runs):
        model = GaussianMixture(
            **model_params, init_params=init, random_state=int(rng.integers(2**32))
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, sample_weight=weights)
            values[run] = model.score(X, sample_weight=weights)
            n_iter[run], converged[run] = model.n_iter_, model.converged_
        except ComponentCollapseError:
            n_failed += 1
        after_run()
    return InitComparison(
        init=init,
        log_likelihoods=values,
        n_iter=n_iter,
        converged=converged,
        optima=group_optima(values, optimum_atol),
        n_failed=n_failed,
    )
