"""The numbers a report shows, computed from its fit: no sentences, no HTML.

Functions here take the data, the fitted model, its snapshots or the restart
comparison and return arrays and small records; :mod:`.interpret` turns them
into sentences and :mod:`.builder` into tables and figures. Components are
numbered from 0, as in the figures' legends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..covariance import covariance_model

#: Relative size of a log-likelihood change that counts as rounding.
ROUNDING_RTOL = 1e-9
#: The final fit keeps every snapshot; the snapshot grid shows a multiple
#: of this many iterations between panels.
SNAPSHOT_EVERY = 5
#: Panels between the start and the end in the snapshot grid (16 in all).
MAX_SNAPSHOT_PANELS = 15


# ------------------------------------------------------------------ the data
def feature_summary(X: np.ndarray) -> np.ndarray:
    """Mean, standard deviation (ddof=1), min, median and max of each feature.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    summary : ndarray of shape (n_features, 5)
        Columns mean, sd, min, median, max.
    """
    return np.array(
        [
            [
                X[:, j].mean(),
                X[:, j].std(ddof=1),
                X[:, j].min(),
                np.median(X[:, j]),
                X[:, j].max(),
            ]
            for j in range(X.shape[1])
        ]
    ).reshape(X.shape[1], 5)


def feature_scale(X: np.ndarray) -> np.ndarray:
    """Each feature's standard deviation, 1 where it is 0: the unit of moves.

    Returns
    -------
    scale : ndarray of shape (n_features,)
    """
    sd = X.std(axis=0)
    return np.where(sd > 0, sd, 1.0)


# ----------------------------------------------------------------- the model
@dataclass(frozen=True)
class ComponentSummary:
    """The fitted components in numbers.

    Attributes
    ----------
    weights : ndarray of shape (K,)
    means : ndarray of shape (K, d)
    sds : ndarray of shape (K, d)
        Square root of each component's variance along each feature.
    spreads : ndarray of shape (K,)
        Generalised standard deviation ``det(Σ)^(1/(2d))``.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    spreads: np.ndarray


def component_summary(model: Any) -> ComponentSummary:
    """Weights, means, per-feature standard deviations and spreads of a fit.

    Parameters
    ----------
    model : fitted GaussianMixture

    Returns
    -------
    ComponentSummary
    """
    k, d = model.means_.shape
    full = covariance_model(model.covariance_type).to_full(model.covariances_, k, d)
    return ComponentSummary(
        weights=model.weights_,
        means=model.means_,
        sds=np.array([np.sqrt(np.diag(full[j])) for j in range(k)]).reshape(k, d),
        spreads=generalized_sd(full),
    )


def runner_up(selection: Any) -> dict | None:
    """The second best fit by the search's criterion among the healthy ones.

    Parameters
    ----------
    selection : SelectionResult

    Returns
    -------
    row : dict or None
        None when fewer than two fits qualify.
    """
    name = selection.criterion
    good = [r for r in selection.rows if r["status"] == "ok"]
    ranked = sorted(good, key=lambda r: (r[name], r["n_parameters"]))
    return ranked[1] if len(ranked) > 1 else None


# ------------------------------------------------------------ log-likelihood
@dataclass(frozen=True)
class Decrease:
    """A drop of the mean log-likelihood between two EM iterations.

    Attributes
    ----------
    iteration : int
        The M-step after which the lower value was computed (history index).
    size : float
        How much the mean log-likelihood per point fell (positive).
    """

    iteration: int
    size: float


def likelihood_decreases(
    history: Sequence[float], rtol: float = ROUNDING_RTOL
) -> tuple[list[Decrease], list[Decrease]]:
    """Decreases of a log-likelihood history, beyond rounding and within it.

    Parameters
    ----------
    history : sequence of float
        Mean log-likelihood per point; entry ``i`` belongs to the parameters
        after ``i`` M-steps.
    rtol : float
        A drop smaller than ``rtol * max(1, |value|)`` counts as rounding.

    Returns
    -------
    real : list of Decrease
        Drops larger than rounding.
    rounding : list of Decrease
        Drops within rounding.
    """
    values = np.asarray(history, dtype=np.float64)
    real, rounding = [], []
    for i in range(1, len(values)):
        drop = values[i - 1] - values[i]
        if drop > 0:
            limit = rtol * max(1.0, abs(values[i - 1]))
            (real if drop > limit else rounding).append(Decrease(i, float(drop)))
    return real, rounding


def iteration_reaching(history: Sequence[float], fraction: float = 0.99) -> int:
    """First iteration by which the fit had made ``fraction`` of its total gain.

    Parameters
    ----------
    history : sequence of float
    fraction : float, default=0.99

    Returns
    -------
    iteration : int
        History index (0 when there was no gain).

    Examples
    --------
    >>> iteration_reaching([-3.0, -2.0, -1.5, -1.01, -1.0], 0.99)
    3
    """
    values = np.asarray(history, dtype=np.float64)
    if len(values) == 0:
        return 0
    gain = values[-1] - values[0]
    if not gain > 0:
        return 0
    reached = np.nonzero(values - values[0] >= fraction * gain)[0]
    return int(reached[0])


# ----------------------------------------------------------- component paths
@dataclass(frozen=True)
class Trajectories:
    """Each component's weight, mean and spread at the snapshot iterations.

    Attributes
    ----------
    iterations : ndarray of shape (T,)
    weights : ndarray of shape (T, K)
    means : ndarray of shape (T, K, d)
    spreads : ndarray of shape (T, K)
        Generalised standard deviation ``det(Σ)^(1/(2d))``: the side of the
        cube with the same volume as the one-sigma ellipsoid, in data units.
    """

    iterations: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    spreads: np.ndarray


def generalized_sd(covariances: np.ndarray) -> np.ndarray:
    """``det(Σ_k)^(1/(2d))`` for full covariances of shape (K, d, d).

    Examples
    --------
    >>> generalized_sd(np.array([np.diag([4.0, 9.0])])).round(4)
    array([2.4495])
    """
    d = covariances.shape[-1]
    _, logdet = np.linalg.slogdet(covariances)
    return np.exp(logdet / (2 * d))


def trajectories(snapshots: Sequence, covariance_type: str) -> Trajectories:
    """Collect the snapshots of a fit into arrays.

    Parameters
    ----------
    snapshots : sequence of Snapshot
        ``model.snapshots_``.
    covariance_type : str

    Returns
    -------
    Trajectories
    """
    model = covariance_model(covariance_type)
    means = np.array([s.means for s in snapshots], dtype=np.float64)
    n_components, n_features = means.shape[1:]
    spreads = np.array(
        [
            generalized_sd(model.to_full(s.covariances, n_components, n_features))
            for s in snapshots
        ]
    )
    return Trajectories(
        iterations=np.array([s.iteration for s in snapshots]),
        weights=np.array([s.weights for s in snapshots], dtype=np.float64),
        means=means,
        spreads=spreads,
    )


def snapshot_spacing(last_iteration: int) -> int:
    """A multiple of SNAPSHOT_EVERY that keeps the snapshot grid to 16 panels."""
    blocks = -(-last_iteration // (MAX_SNAPSHOT_PANELS * SNAPSHOT_EVERY))
    return SNAPSHOT_EVERY * max(1, blocks)


def every_nth(snapshots: Sequence, every: int) -> list:
    """The start, every ``every``-th iteration and the end."""
    return [
        s
        for i, s in enumerate(snapshots)
        if s.iteration % every == 0 or i == len(snapshots) - 1
    ]


def evenly_picked(n_snapshots: int, most: int) -> np.ndarray:
    """Indices of at most ``most`` of ``n_snapshots``, evenly spread, ends kept."""
    if n_snapshots <= most:
        return np.arange(n_snapshots)
    return np.unique(np.linspace(0, n_snapshots - 1, most).round().astype(int))


def distance_from_start(traj: Trajectories, scale: np.ndarray) -> np.ndarray:
    """How far each mean is from where it started, in units of ``scale``.

    Parameters
    ----------
    traj : Trajectories
    scale : ndarray of shape (d,)
        From :func:`feature_scale`.

    Returns
    -------
    distance : ndarray of shape (T, K)
    """
    moved = (traj.means - traj.means[0]) / scale
    return np.array([[np.linalg.norm(m) for m in row] for row in moved]).reshape(
        moved.shape[:2]
    )


# ------------------------------------------------------------------ restarts
@dataclass(frozen=True)
class Optimum:
    """One distinct optimum reached by the restarts.

    Attributes
    ----------
    log_likelihood : float
        Best mean log-likelihood per point in the group.
    counts : dict of str to int
        Runs of each kind of start that reached it.
    degenerate : str
        Why the fit at this optimum is degenerate (a component resting on
        too few points, or held up by ``reg_covar``); "" for a sound one.
    best : bool
        Whether it is the best optimum: the most likely sound one. A
        degenerate optimum is never the best, however likely.
    """

    log_likelihood: float
    counts: dict[str, int]
    degenerate: str = ""
    best: bool = False

    @property
    def total(self) -> int:
        """Runs that reached this optimum."""
        return sum(self.counts.values())


def distinct_optima(comparison: Any) -> list[Optimum]:
    """The optima of :func:`~gmmkit.compare_inits`, highest first, marked.

    The grouping, the degeneracy of each optimum and which one is the best
    are the comparison's own (:meth:`InitComparisonResult.optima`).

    Parameters
    ----------
    comparison : InitComparisonResult

    Returns
    -------
    optima : list of Optimum
        Highest first, degenerate ones included; see :func:`best_optimum`.
    """
    return [
        Optimum(
            log_likelihood=o["log_likelihood"],
            counts={init: o[init] for init in comparison},
            degenerate=o["reason"] if o["degenerate"] else "",
            best=o["best"],
        )
        for o in comparison.optima()
    ]


def best_optimum(optima: Sequence[Optimum]) -> Optimum | None:
    """The best optimum (the most likely sound one), or None when all are degenerate."""
    return next((o for o in optima if o.best), None)


@dataclass(frozen=True)
class StartSummary:
    """How the runs from one kind of start went.

    Attributes
    ----------
    init : str
    n_runs : int
    n_failed : int
    n_optima : int
        Distinct optima these runs reached.
    n_best : int or None
        Runs that reached the best optimum of all kinds (None: no sound
        optimum).
    n_succeeded : int
        Runs that did not fail.
    median_iterations : float or None
        Over the runs with a finite log-likelihood (None: there are none).
    n_converged : int
    """

    init: str
    n_runs: int
    n_failed: int
    n_optima: int
    n_best: int | None
    n_succeeded: int
    median_iterations: float | None
    n_converged: int


def start_summaries(
    comparison: Mapping, optima: Sequence[Optimum]
) -> list[StartSummary]:
    """One :class:`StartSummary` per kind of start of :func:`compare_inits`.

    Parameters
    ----------
    comparison : dict of str to InitComparison
    optima : list of Optimum
        From :func:`distinct_optima`.

    Returns
    -------
    summaries : list of StartSummary
    """
    best = best_optimum(optima)
    out = []
    for init, c in comparison.items():
        finished = c.n_iter[np.isfinite(c.log_likelihoods)]
        out.append(
            StartSummary(
                init=init,
                n_runs=len(c.log_likelihoods),
                n_failed=c.n_failed,
                n_optima=c.n_optima,
                n_best=best.counts.get(init, 0) if best is not None else None,
                n_succeeded=len(c.log_likelihoods) - c.n_failed,
                median_iterations=np.median(finished) if len(finished) else None,
                n_converged=int(c.converged.sum()),
            )
        )
    return out


def optimum_index(
    optima: Sequence[Optimum], log_likelihood: float, atol: float = 1e-3
) -> int | None:
    """Index of the first optimum within ``atol`` of ``log_likelihood``, or None."""
    return next(
        (
            i
            for i, o in enumerate(optima)
            if abs(o.log_likelihood - log_likelihood) <= atol
        ),
        None,
    )


# -------------------------------------------------------- soft assignments
@dataclass(frozen=True)
class AssignmentCounts:
    """Points per component, hard and soft.

    Attributes
    ----------
    hard : ndarray of int, shape (K,)
        Points whose most likely component it is.
    soft : ndarray of shape (K,)
        Sum of its responsibilities.
    ambiguous : ndarray of int, shape (K,)
        Of its hard points, those it claims with less than the threshold.
    """

    hard: np.ndarray
    soft: np.ndarray
    ambiguous: np.ndarray


def assignment_counts(resp: np.ndarray, threshold: float) -> AssignmentCounts:
    """Hard and soft counts of each component, and its ambiguous points.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, K)
    threshold : float
        A point is ambiguous when its largest responsibility is below this.

    Returns
    -------
    AssignmentCounts
    """
    k = resp.shape[1]
    labels = resp.argmax(axis=1)
    unsure = resp.max(axis=1) < threshold
    return AssignmentCounts(
        hard=np.bincount(labels, minlength=k),
        soft=np.array([resp[:, j].sum() for j in range(k)]),
        ambiguous=np.array([int(((labels == j) & unsure).sum()) for j in range(k)]),
    )


def responsibility_curves(model: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Responsibilities of a one-feature model along a grid over the data.

    Parameters
    ----------
    model : fitted GaussianMixture with one feature
    x : ndarray of shape (n_samples,)
        The data.

    Returns
    -------
    grid : ndarray of shape (400,)
        The data's range, 5% wider on each side.
    resp : ndarray of shape (400, K)
    """
    grid = np.linspace(x.min(), x.max(), 400)
    pad = 0.05 * (grid[-1] - grid[0] or 1.0)
    grid = np.linspace(grid[0] - pad, grid[-1] + pad, 400)
    return grid, model.predict_proba(grid[:, None])


def anomaly_rows(log_density: np.ndarray, percentile: float) -> np.ndarray:
    """Rows whose log-density is below the ``percentile``-th percentile, lowest first.

    Parameters
    ----------
    log_density : ndarray of shape (n_samples,)
    percentile : float in (0, 100)

    Returns
    -------
    rows : ndarray of int
    """
    threshold = anomaly_threshold(log_density, percentile)
    rows = np.nonzero(log_density < threshold)[0]
    return rows[np.argsort(log_density[rows])]


def anomaly_threshold(log_density: np.ndarray, percentile: float) -> float:
    """The ``percentile``-th percentile of the log-density: anomalies lie below it."""
    return np.percentile(log_density, percentile)
