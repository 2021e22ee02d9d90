"""Comparing starts: many EM runs from each kind of start, and the optima they reach.

:func:`compare_inits` fits the same model again and again from each
``init_params`` value, with a fresh seed per run, and groups the final
log-likelihoods into distinct local optima (:func:`group_optima`). Each
run's fit is judged by :func:`~gmmkit.degeneracy.component_degeneracy`: a
degenerate optimum (a component resting on a few points, or held up only by
``reg_covar``) is marked with the reason and never called the best, however
high its likelihood.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
from .covariance import MODEL_NAMES
from .degeneracy import component_degeneracy, data_covariance
from .exceptions import (
    ComponentCollapseError,
    ConvergenceWarning,
    DegenerateModelWarning,
)
from .init import INIT_METHODS, RANDOMISED_INITS
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
        Distinct optima reached, highest first, degenerate ones included:
        mean log-likelihood and how many runs reached it.
    n_failed : int
        Runs that collapsed.
    reasons : ndarray of shape (n_runs,) of str, optional
        Why each run's fit is degenerate (see
        :func:`~gmmkit.degeneracy.component_degeneracy`); "" for a sound fit
        or a failed run. None: no run judged (all sound).
    degenerate : list of str, optional
        One per optimum, in the order of ``optima``: why the fit at that
        optimum (its most likely run) is degenerate, "" for a sound one.
        None: every optimum sound.
    """

    init: str
    log_likelihoods: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    optima: list[tuple[float, int]]
    n_failed: int
    reasons: np.ndarray | None = None
    degenerate: list[str] | None = None

    @property
    def n_optima(self) -> int:
        """Number of distinct optima reached (degenerate ones included)."""
        return len(self.optima)

    @property
    def n_degenerate(self) -> int:
        """Runs whose fit is degenerate."""
        return 0 if self.reasons is None else int(np.sum(self.reasons != ""))

    def _sound(self) -> list[tuple[float, int]]:
        """The optima whose fit is not degenerate, best first."""
        marks = self.degenerate or [""] * len(self.optima)
        return [o for o, why in zip(self.optima, marks, strict=True) if not why]

    @property
    def best_fraction(self) -> float:
        """Share of runs that reached this start's best non-degenerate optimum."""
        runs = len(self.log_likelihoods) - self.n_failed
        sound = self._sound()
        return sound[0][1] / runs if runs and sound else 0.0

    @property
    def best_log_likelihood(self) -> float:
        """The best non-degenerate optimum of this start (NaN if there is none).

        A degenerate optimum (a component held up by ``reg_covar`` or
        resting on too few points) often has the highest likelihood of all;
        it is never the best. :attr:`highest_log_likelihood` includes it.
        """
        sound = self._sound()
        return sound[0][0] if sound else float("nan")

    @property
    def highest_log_likelihood(self) -> float:
        """The highest final mean log-likelihood, degenerate or not (NaN if none)."""
        return self.optima[0][0] if self.optima else float("nan")

    def __repr__(self) -> str:
        return (
            f"InitComparison(init={self.init!r}, n_runs={len(self.log_likelihoods)}, "
            f"n_failed={self.n_failed}, n_degenerate={self.n_degenerate}, "
            f"n_optima={self.n_optima}, "
            f"best_log_likelihood={self.best_log_likelihood:.6g}, "
            f"best_fraction={self.best_fraction:.2f})"
        )


class InitComparisonResult(Mapping[str, InitComparison]):
    """What :func:`compare_inits` found: an :class:`InitComparison` per start.

    It reads like a dict keyed by start (``result["kmeans"]``,
    ``result.items()``), in the order the starts were given. The best
    optimum is the most likely one that is not degenerate; degenerate optima
    are listed (:meth:`optima`, the last lines of the ``repr``) but never
    called the best.

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
        """The best non-degenerate optimum over every start (NaN if none)."""
        values = [c.best_log_likelihood for c in self.values()]
        values = [v for v in values if np.isfinite(v)]
        return max(values) if values else float("nan")

    @property
    def all_degenerate(self) -> bool:
        """Whether runs finished but every optimum they reached is degenerate."""
        finished = any(c.optima for c in self.values())
        return finished and not np.isfinite(self.best_log_likelihood)

    def rows(self) -> list[dict[str, Any]]:
        """One summary per start.

        Returns
        -------
        rows : list of dict
            ``init``, ``n_runs``, ``n_failed``, ``n_degenerate`` (runs whose
            fit is degenerate), ``n_optima``, ``best_log_likelihood`` (the
            start's best non-degenerate optimum), ``best_fraction`` (share of
            its runs reaching it), ``overall_best_fraction`` (share of its
            runs reaching the best non-degenerate optimum over all starts,
            within ``optimum_atol``), ``mean_n_iter`` and
            ``converged_fraction`` (over the runs that did not fail).
        """
        overall = self.best_log_likelihood
        out = []
        for init, c in self.items():
            ok = np.isfinite(c.log_likelihoods)
            runs = int(ok.sum())
            sound = ok if c.reasons is None else ok & (c.reasons == "")
            at_best = sound & (np.abs(c.log_likelihoods - overall) <= self.optimum_atol)
            out.append(
                {
                    "init": init,
                    "n_runs": len(c.log_likelihoods),
                    "n_failed": c.n_failed,
                    "n_degenerate": c.n_degenerate,
                    "n_optima": c.n_optima,
                    "best_log_likelihood": c.best_log_likelihood,
                    "best_fraction": c.best_fraction,
                    "overall_best_fraction": at_best.sum() / runs if runs else 0.0,
                    "mean_n_iter": float(c.n_iter[ok].mean()) if runs else np.nan,
                    "converged_fraction": float(c.converged[ok].mean())
                    if runs
                    else np.nan,
                }
            )
        return out

    def optima(self) -> list[dict[str, Any]]:
        """Every distinct optimum over all starts, highest first, marked.

        Returns
        -------
        optima : list of dict
            ``log_likelihood``, ``n_runs`` (over all starts), one count per
            start (keyed by its name), ``degenerate`` (bool), ``reason`` (""
            when not degenerate) and ``best`` (True for the best
            non-degenerate optimum).
        """
        values, reasons, starts = [], [], []
        for init, c in self.items():
            values.append(c.log_likelihoods)
            reasons.append(_run_reasons(c))
            starts.append(np.full(len(c.log_likelihoods), init, dtype=object))
        values, reasons = np.concatenate(values), np.concatenate(reasons)
        starts = np.concatenate(starts)
        out = []
        for group in _group_runs(values, self.optimum_atol):
            out.append(
                {
                    "log_likelihood": float(values[group[0]]),
                    "n_runs": len(group),
                    **{init: int(np.sum(starts[group] == init)) for init in self},
                    "degenerate": bool(reasons[group[0]]),
                    "reason": str(reasons[group[0]]),
                    "best": False,
                }
            )
        sound = [o for o in out if not o["degenerate"]]
        if sound:
            sound[0]["best"] = True
        return out

    def to_frame(self):
        """The per-start summaries of :meth:`rows` as a pandas DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
        """
        return data_frame(self.rows())

    def __repr__(self) -> str:
        if self.all_degenerate:
            best = "every optimum reached is degenerate: no best"
        else:
            best = f"best mean log-likelihood {self.best_log_likelihood:.6g}"
        model = f"K={self.n_components} {self.covariance_type}"
        head = f"InitComparisonResult({model}, {best})"
        lines = [
            [
                r["init"],
                str(r["n_runs"]),
                str(r["n_failed"]),
                str(r["n_degenerate"]),
                str(r["n_optima"]),
                f"{r['best_log_likelihood']:.6g}",
                f"{r['overall_best_fraction']:.0%}",
                f"{r['mean_n_iter']:.1f}",
            ]
            for r in self.rows()
        ]
        header = ["init", "runs", "failed", "degenerate", "optima", "best", "at best"]
        table = text_table([*header, "mean iter"], lines)
        notes = [
            f"degenerate optimum {o['log_likelihood']:.6g} ({_runs(o['n_runs'])}), "
            f"never the best: {shorten(o['reason'], 100)}"
            for o in self.optima()
            if o["degenerate"]
        ]
        return "\n".join([head, table, *notes])


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _run_reasons(comparison: InitComparison) -> np.ndarray:
    """Per-run degeneracy reasons of a comparison ("" throughout when none)."""
    if comparison.reasons is None:
        return np.full(len(comparison.log_likelihoods), "", dtype=object)
    return np.asarray(comparison.reasons, dtype=object)


def _group_runs(values: np.ndarray, atol: float) -> list[np.ndarray]:
    """Indices of the runs of each optimum (chained within ``atol``), best first.

    Each group's first index is its most likely run; NaN values are left out.
    """
    finite = np.flatnonzero(np.isfinite(values))
    order = finite[np.argsort(-values[finite], kind="stable")]
    groups: list[list[int]] = []
    for i in order:
        if groups and values[groups[-1][-1]] - values[i] <= atol:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return [np.asarray(g) for g in groups]


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
    values = np.asarray(values, dtype=np.float64)
    return [(float(values[g[0]]), len(g)) for g in _group_runs(values, atol)]


def compare_inits(
    X: Any,
    n_components: int,
    inits: str | Sequence[str] = RANDOMISED_INITS,
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
    inits : str or sequence of str, default=the four randomised starts
        ``init_params`` values to compare; ``"hc"`` (deterministic) may be
        added and runs once.
    n_runs : int, default=50
        Runs per randomised start, each with its own seed.
    random_state : None, int or Generator
    covariance_type : str, default="full"
        Any of :data:`~gmmkit.covariance.MODEL_NAMES`.
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
        order given, with a summary table (``repr``, ``to_frame()``) and the
        optima over all starts (``optima()``). Degenerate optima (judged by
        :func:`~gmmkit.degeneracy.component_degeneracy`) are marked with the
        reason and never the best: that is the most likely sound one.
    """
    check_int(n_components, "n_components", minimum=1)
    check_int(n_runs, "n_runs", minimum=1)
    check_choice(covariance_type, "covariance_type", MODEL_NAMES)
    inits = _checked_inits(inits)
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    rng = as_generator(random_state)
    runs = {init: n_runs if init in RANDOMISED_INITS else 1 for init in inits}
    total, done = sum(runs.values()), 0
    judge = _judge(X, weights)

    def after_run() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    model_params = {"n_components": n_components, "covariance_type": covariance_type}
    model_params |= {"tol": tol, "max_iter": max_iter}
    out = {
        init: _runs_from_start(
            X,
            weights,
            init,
            runs[init],
            rng,
            model_params,
            optimum_atol,
            judge,
            after_run,
        )
        for init in inits
    }
    return InitComparisonResult(out, n_components, covariance_type, optimum_atol)


def _checked_inits(inits: str | Sequence[str]) -> list[str]:
    """The kinds of start to compare, validated, each once, in the order given."""
    inits = [inits] if isinstance(inits, str) else list(inits)
    for init in inits:
        check_choice(init, "inits", INIT_METHODS)
    if not inits:
        raise ValueError("inits must name at least one kind of start.")
    return list(dict.fromkeys(inits))


def _judge(X: np.ndarray, weights: np.ndarray | None) -> Callable[[Any], str]:
    """``judge(model)``: why a fit to ``X`` is degenerate ("" when it is not)."""
    n = X.shape[0] if weights is None else float(weights.sum())
    spread = data_covariance(X, weights)

    def judge(model: GaussianMixture) -> str:
        return str(component_degeneracy(model, n, spread))

    return judge


def _runs_from_start(
    X: np.ndarray,
    weights: np.ndarray | None,
    init: str,
    n_runs: int,
    rng: np.random.Generator,
    model_params: dict[str, Any],
    optimum_atol: float,
    judge: Callable[[GaussianMixture], str],
    after_run: Callable[[], None],
) -> InitComparison:
    """``n_runs`` fits from one kind of start, each seeded from ``rng``.

    ``judge(model)`` says why a fit is degenerate ("" when it is not).
    """
    values = np.full(n_runs, np.nan)
    n_iter = np.zeros(n_runs, dtype=int)
    converged = np.zeros(n_runs, dtype=bool)
    reasons = np.full(n_runs, "", dtype=object)
    n_failed = 0
    for run in range(n_runs):
        model = GaussianMixture(
            **model_params, init_params=init, random_state=int(rng.integers(2**32))
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", DegenerateModelWarning)  # judged
                model.fit(X, sample_weight=weights)
            values[run] = model.score(X, sample_weight=weights)
            n_iter[run], converged[run] = model.n_iter_, model.converged_
            reasons[run] = judge(model)
        except ComponentCollapseError:
            n_failed += 1
        after_run()
    groups = _group_runs(values, optimum_atol)
    return InitComparison(
        init=init,
        log_likelihoods=values,
        n_iter=n_iter,
        converged=converged,
        optima=[(float(values[g[0]]), len(g)) for g in groups],
        n_failed=n_failed,
        reasons=reasons,
        degenerate=[str(reasons[g[0]]) for g in groups],
    )
