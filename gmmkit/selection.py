"""Choosing the model: information criteria over K and covariance type, and starts.

:func:`select_model` fits every combination of number of components and
covariance type and ranks them by BIC, AIC or ICL (lower is better for all
three). Fits that are degenerate (a component resting on too few points, or
held up only by ``reg_covar``) are kept in the table but never chosen; see
:func:`degeneracy`. :func:`compare_inits` runs many fits from each kind of
start and reports the local optima they reach.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
from .covariance import COVARIANCE_TYPES, covariance_model
from .engine import iter_log_prob
from .exceptions import (
    ComponentCollapseError,
    ConvergenceWarning,
    DegenerateModelWarning,
)
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


#: The data must vary more than this many times ``reg_covar`` in a direction
#: before a component that is flat in it counts as held up by the regulariser.
_FLOOR_SPREAD = 1e3
#: A component's own variance below this share of the data's (in the same
#: direction) also counts as flat, whatever ``reg_covar`` is; at least 100
#: machine epsilons of the data's dtype, below which float32 moments are noise.
_FLOOR_RELATIVE = 1e-8
#: Slack on the effective counts: responsibilities of 1 - 1e-9 still count as 1.
_COUNT_SLACK = 1e-3


def data_covariance(X: np.ndarray, sample_weight: np.ndarray | None = None):
    """Covariance of the rows (weighted by ``sample_weight``), in float64.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
    """
    X = np.asarray(X, dtype=np.float64)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    mean = np.average(X, axis=0, weights=w)
    centred = X - mean
    if w is None:
        return centred.T @ centred / X.shape[0]
    return (centred * w[:, None]).T @ centred / w.sum()


def _points(count: float) -> str:
    return "point" if f"{count:.3g}" == "1" else "points"


def degeneracy(
    model: GaussianMixture,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
) -> list[str]:
    """Why a fitted mixture is degenerate; an empty list when it is not.

    Information criteria reward likelihood, and a component that sits on a
    point or two (or on a line in the plane) has a likelihood limited only
    by ``reg_covar``. Such fits can win BIC on small data although nothing
    about them is estimated, so :func:`select_model` marks them and never
    chooses them. With ``n`` the number of rows (the total sample weight if
    given), ``d`` the number of features and ``n_k = weights_[k] * n`` the
    effective count of component ``k``, a fit is degenerate when:

    * **a covariance rests on too few points**: each covariance needs at
      least one residual degree of freedom per dimension it estimates, so
      ``n_k >= d + 1`` for ``full`` and ``n_k >= 2`` for ``diag`` and
      ``spherical``; ``tied`` pools the residuals, so it needs
      ``n - K >= d``, and ``n_k >= 1`` to place each mean;
    * **a covariance is held up by reg_covar**: along some eigenvector
      ``v`` of a component's covariance, the variance the data give it (the
      eigenvalue minus ``reg_covar``) is at most ``max(reg_covar, r s)``,
      where ``s`` is the whole data set's variance along ``v``,
      ``s > 1000 reg_covar``, and ``r`` is 1e-8 for float64 data and
      100 machine epsilons (1.2e-5) for float32, whose moments are no more
      precise. Data that are themselves flat in a direction
      (collinear features) therefore do not make a fit degenerate;
    * **there are at least as many free parameters as observations**
      (``n_parameters >= n``), where the large-sample approximations behind
      BIC, AIC and ICL do not hold.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    X : ndarray of shape (n_samples, n_features)
        The validated data it was fitted to.
    sample_weight : ndarray of shape (n_samples,), optional
    covariance : ndarray of shape (n_features, n_features), optional
        :func:`data_covariance` of ``X``, when already computed.

    Returns
    -------
    reasons : list of str
        One sentence per rule broken; empty for a healthy fit.
    """
    n_features = X.shape[1]
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    if covariance is None:
        covariance = data_covariance(X, sample_weight)
    kind = model.covariance_type
    counts = np.asarray(model.weights_, dtype=np.float64) * n
    reasons = []
    need = {"full": n_features + 1, "tied": 1}.get(kind, 2)
    thin = np.flatnonzero(counts < need - _COUNT_SLACK)
    if thin.size:
        what = (
            "to place a mean"
            if kind == "tied"
            else f"to estimate a {kind} covariance in {n_features}-D"
        )
        reasons.append(
            f"{_components(thin)} rest{'s' if thin.size == 1 else ''} on as few as "
            f"{counts[thin].min():.3g} {_points(counts[thin].min())} of data; "
            f"{need} are needed {what}"
        )
    residual = n - model.n_components
    if kind == "tied" and residual < n_features - _COUNT_SLACK:
        reasons.append(
            f"{n:g} observations less {model.n_components} means leave {residual:g} "
            f"degrees of freedom for the tied covariance, fewer than its "
            f"{n_features} dimensions"
        )
    flat, spread = _held_up_by_reg_covar(model, covariance)
    if flat.size:
        who = "the tied covariance" if kind == "tied" else _components(flat)
        reasons.append(
            f"{who} is flat (variance at the reg_covar floor, {model.reg_covar:g}) "
            f"in a direction in which the data vary by {spread:.3g}"
        )
    n_parameters = model._n_parameters()
    if n_parameters >= n:
        reasons.append(f"{n_parameters} free parameters for {n:g} observations")
    return reasons


def _components(indices: np.ndarray) -> str:
    listed = ", ".join(str(int(k)) for k in indices[:6])
    more = f" and {indices.size - 6} more" if indices.size > 6 else ""
    return f"component{'s' if indices.size > 1 else ''} {listed}{more}"


def _held_up_by_reg_covar(model: GaussianMixture, covariance: np.ndarray):
    """Components flat where the data are not, and the data's variance there."""
    K, d = model.means_.shape
    stored = np.asarray(model.covariances_)
    full = covariance_model(model.covariance_type).to_full(stored, K, d)
    full = np.asarray(full, dtype=np.float64)
    if model.covariance_type == "tied":
        full = full[:1]
    eigenvalues, vectors = np.linalg.eigh(full)
    data_variance = np.einsum("kij,il,klj->kj", vectors, covariance, vectors)
    reg = float(model.reg_covar)
    relative = max(_FLOOR_RELATIVE, 100 * float(np.finfo(stored.dtype).eps))
    own = eigenvalues - reg
    flat = (own <= np.maximum(reg, relative * data_variance)) & (
        data_variance > _FLOOR_SPREAD * reg
    )
    rows = np.flatnonzero(flat.any(axis=1))
    spread = float(data_variance[flat].max()) if rows.size else 0.0
    return rows, spread


def _data_frame(rows: list[dict]):
    """``rows`` as a pandas DataFrame, with an install hint when pandas is missing."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_frame needs pandas: pip install 'gmmkit[pandas]'."
        ) from None
    return pd.DataFrame(rows)


@dataclass
class SelectionResult:
    """Every fit of a model search and the one chosen.

    Attributes
    ----------
    rows : list of dict
        One per fit: ``n_components``, ``covariance_type``, ``status``,
        ``reason``, ``log_likelihood``, ``n_parameters``, ``bic``, ``aic``,
        ``icl``, ``converged``, ``n_iter``. ``status`` is "ok"; "degenerate"
        (fitted, numbers filled in, but never chosen: see :func:`degeneracy`;
        ``reason`` says why); or "failed" (``reason`` says why; the numbers
        are NaN). ``reason`` is "" for "ok".
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
        return _data_frame(self.rows)

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
                    _shorten(row["reason"], 60),
                ]
            )
        header = ["", "K", "covariance", "status", "log-lik", "params", name.upper()]
        return head + "\n" + _text_table([*header, "reason"], lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the last column left unpadded."""
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in table
    )


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
    by ``reg_covar``, or more parameters than observations; see
    :func:`degeneracy`) are listed with status "degenerate" and the reason,
    and never chosen while any fit is healthy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : int or iterable of int, default=range(1, 10)
        Numbers of components to try. An int ``K`` means ``1..K``; to try a
        single number, pass it in a list (``[3]``).
    covariance_types : str or iterable of str, default=all four
        Covariance types to try: one name (``"full"``) or several.
    criterion : {"bic", "aic", "icl"}, default="bic"
        Lower is better; ties go to the model with fewer parameters.
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
    check_choice(criterion, "criterion", CRITERIA)
    ks = _k_values(n_components)
    types = _covariance_types(covariance_types)
    check_int(n_init, "n_init", minimum=1)
    _check_gmm_params(gmm_params)
    X, _ = check_data(X, min_samples=2)
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype)
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
    best = _choose(rows, criterion, X.shape[0] if weights is None else weights.sum())
    key = (best["n_components"], best["covariance_type"])
    return SelectionResult(
        rows=rows,
        criterion=criterion,
        best_model=models[key],
        best_n_components=key[0],
        best_covariance_type=key[1],
        models=models,
    )


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
    reasons = degeneracy(model, X, weights, spread)
    return {
        "status": "degenerate" if reasons else "ok",
        "reason": "; ".join(reasons),
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
        return _data_frame(self.rows())

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
        return head + "\n" + _text_table(header, lines)


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
    return InitComparisonResult(out, n_components, covariance_type, optimum_atol)
