"""When a fitted mixture is degenerate, judged component by component.

Information criteria reward likelihood, and a component resting on a point
or two (or on a line in the plane) has a likelihood limited only by
``reg_covar``. :func:`component_degeneracy` says which components of a fit
are degenerate and why; :func:`degeneracy` gives the same as sentences, so
that :func:`gmmkit.selection.select_model` never chooses such fits,
:func:`gmmkit.init_comparison.compare_inits` never calls them the best
optimum, and :meth:`gmmkit.GaussianMixture.fit` warns about them
(:func:`degeneracy_warning`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .covariance import CovarianceModel, covariance_model
from .exceptions import DegenerateModelWarning
from .stats import weighted_moments

if TYPE_CHECKING:  # the estimators import this module
    from .mixture import GaussianMixture

__all__ = [
    "ComponentDegeneracy",
    "component_degeneracy",
    "data_covariance",
    "degeneracy",
    "degeneracy_warning",
    "mixture_covariance",
]


#: The data must vary more than this many times ``reg_covar`` in a direction
#: before a component that is flat in it counts as held up by the regulariser.
_FLOOR_SPREAD = 1e3
#: A component's own variance below this share of the data's (in the same
#: direction) also counts as flat, whatever ``reg_covar`` is; at least 100
#: machine epsilons of the data's dtype, below which float32 moments are noise.
_FLOOR_RELATIVE = 1e-8
#: Slack on the effective counts: responsibilities of 1 - 1e-9 still count as 1.
_COUNT_SLACK = 1e-3


@dataclass(frozen=True)
class ComponentDegeneracy:
    """Which components of a fitted mixture are degenerate, and why.

    Attributes
    ----------
    components : dict of int to tuple of str
        Each degenerate component (in increasing order) and, in a few words,
        every rule it breaks. A problem of a shared covariance (``tied``)
        marks every component.
    reasons : tuple of str
        One sentence per rule broken, naming the components; empty for a
        healthy fit.
    """

    components: dict[int, tuple[str, ...]] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.reasons)

    @property
    def degenerate(self) -> list[int]:
        """The degenerate components, in increasing order."""
        return sorted(self.components)

    def __str__(self) -> str:
        return "; ".join(self.reasons)


def data_covariance(X: np.ndarray, sample_weight: np.ndarray | None = None):
    """Maximum-likelihood covariance of the rows (weighted), in float64.

    :func:`gmmkit.stats.weighted_moments` with ``ddof=0``: the scatter about
    the weighted mean divided by the total weight, the covariance a
    one-component full mixture would fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
    """
    X = np.asarray(X)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    return weighted_moments(X, w, ddof=0)[1]


def mixture_covariance(model: GaussianMixture) -> np.ndarray:
    """Total covariance of a fitted mixture, from its parameters alone.

    ``sum_k w_k (Sigma_k + mu_k mu_k^T) - mu mu^T`` with ``mu = sum_k w_k
    mu_k`` and the weights normalised to sum to 1 (a background component is
    left out). At a fixed point of EM with unconstrained covariances (full,
    tied) this is :func:`data_covariance` plus ``reg_covar`` on the
    diagonal; for constrained types it is the data's variance along each
    axis a component's covariance may take. It needs no pass over the data.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
    """
    weights = np.asarray(model.weights_, dtype=np.float64)
    weights = weights / weights.sum()
    means = np.asarray(model.means_, dtype=np.float64)
    centred = means - weights @ means
    between = np.einsum("k,ki,kj->ij", weights, centred, centred)
    cov_model = covariance_model(model.covariance_type)
    matrices = _matrices(model, cov_model)
    within = sum(w * m for w, m in zip(weights, matrices, strict=True))
    return within + between


def _points(count: float) -> str:
    return "point" if f"{count:.3g}" == "1" else "points"


def degeneracy(
    model: GaussianMixture,
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
) -> list[str]:
    """Why a fitted mixture is degenerate; an empty list when it is not.

    The sentences of :func:`component_degeneracy`, with ``n`` the number of
    rows of ``X`` (the total sample weight if given) and the data's
    directions of variation taken from ``X`` itself.

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
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    if covariance is None:
        covariance = data_covariance(X, sample_weight)
    return list(component_degeneracy(model, n, covariance).reasons)


def component_degeneracy(
    model: GaussianMixture,
    n_observations: float,
    covariance: np.ndarray | None = None,
) -> ComponentDegeneracy:
    """Which components of a fitted mixture are degenerate, and why.

    A component that sits on a point or two (or on a line in the plane) has
    a likelihood limited only by ``reg_covar``: such fits can win BIC on
    small data although nothing about them is estimated. With ``n`` the
    number of observations, ``d`` the number of features and ``n_k =
    weights_[k] * n`` the effective count of component ``k``, the component
    is degenerate when:

    * **it has too few points, or too little weight**: ``n_k`` is below its
      covariance model's ``min_points(d)``, one residual degree of freedom
      per dimension its own covariance estimates (``d + 1`` for ``full``, 2
      for ``diag`` and ``spherical``, 1 to place the mean when the
      covariance is shared). A shared covariance (``tied``) pools the
      residuals, so it needs ``n - K >= d``; when it has fewer, every
      component is degenerate;
    * **its covariance is held up by reg_covar**: along some eigenvector
      ``v`` of its covariance, the variance the data give it (the eigenvalue
      minus ``reg_covar``) is at most ``max(reg_covar, r s)``, where ``s``
      is the variance of the data along ``v``, ``s > 1000 reg_covar``, and
      ``r`` is 1e-8 for float64 parameters and 100 machine epsilons
      (1.2e-5) for float32 ones, whose moments are no more precise. Data
      that are themselves flat in a direction (collinear features) therefore
      do not make a component degenerate.

    How many parameters the whole model has does not matter: a full
    3-component mixture of 178 rows in 13-D (314 parameters) is a sound fit
    when each component has enough points.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    n_observations : float
        ``n``: the rows it was fitted to (the total sample weight).
    covariance : ndarray of shape (n_features, n_features), optional
        The data's covariance (:func:`data_covariance`); by default the
        model's own total covariance (:func:`mixture_covariance`), which
        needs no pass over the data.

    Returns
    -------
    found : ComponentDegeneracy
        False (as a bool) for a healthy fit.
    """
    cov_model = covariance_model(model.covariance_type)
    if covariance is None:
        covariance = mixture_covariance(model)
    n_components = model.means_.shape[0]
    notes: dict[int, list[str]] = {}
    reasons = []
    for components, sentence, note in (
        _too_few_points(model, cov_model, float(n_observations)),
        _too_few_residuals(model, cov_model, float(n_observations)),
        _held_up_by_reg_covar(model, cov_model, covariance),
    ):
        if not components.size:
            continue
        reasons.append(sentence)
        for k in components:
            notes.setdefault(int(k), []).append(note(int(k)))
    ordered = {k: tuple(notes[k]) for k in range(n_components) if k in notes}
    return ComponentDegeneracy(ordered, tuple(reasons))


def degeneracy_warning(
    model: GaussianMixture, n_observations: float
) -> DegenerateModelWarning | None:
    """The warning a fit that ended degenerate gets; None for a healthy one.

    Judged by :func:`component_degeneracy` from the model's parameters alone
    (its own total covariance stands for the data's), so it costs no pass
    over the data.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    n_observations : float
        The rows it was fitted to (the total sample weight).

    Returns
    -------
    warning : DegenerateModelWarning or None
    """
    found = component_degeneracy(model, n_observations)
    if not found:
        return None
    advice = [
        f"fewer components (now {model.n_components})",
        f"a larger reg_covar (now {model.reg_covar:g})",
    ]
    if not covariance_model(model.covariance_type).shared:
        advice.append(
            "a constrained covariance type such as 'tied' (one covariance for "
            "all components)"
        )
    return DegenerateModelWarning(
        f"The fitted mixture is degenerate: {found}. Its likelihood is held "
        "up by reg_covar or by a handful of points, not by the data, so neither "
        "the fit nor its BIC, AIC or ICL can be trusted. Try "
        f"{', '.join(advice[:-1])} or {advice[-1]}."
    )


def _too_few_points(model: GaussianMixture, cov_model: CovarianceModel, n: float):
    """Components below their covariance model's ``min_points``."""
    counts = np.asarray(model.weights_, dtype=np.float64) * n
    n_features = model.means_.shape[1]
    need = cov_model.min_points(n_features)
    thin = np.flatnonzero(counts < need - _COUNT_SLACK)
    what = (
        "to place a mean"
        if cov_model.shared
        else f"to estimate a {cov_model.name} covariance in {n_features}-D"
    )
    sentence = ""
    if thin.size:
        fewest = counts[thin].min()
        sentence = (
            f"{_components(thin)} rest{'s' if thin.size == 1 else ''} on as few as "
            f"{fewest:.3g} {_points(fewest)} of data; {need} are needed {what}"
        )

    def note(k: int) -> str:
        return f"rests on {counts[k]:.3g} {_points(counts[k])}, {need} needed"

    return thin, sentence, note


def _too_few_residuals(model: GaussianMixture, cov_model: CovarianceModel, n: float):
    """Every component, when a shared covariance has too few residuals."""
    K, n_features = model.means_.shape
    residual = n - K
    if not cov_model.shared or residual >= n_features - _COUNT_SLACK:
        return np.empty(0, dtype=int), "", None
    sentence = (
        f"{n:g} observations less {K} means leave {residual:g} degrees of freedom "
        f"for the {cov_model.name} covariance, fewer than its {n_features} dimensions"
    )

    def note(k: int) -> str:
        return (
            f"its {cov_model.name} covariance has {residual:g} residual degrees "
            f"of freedom, {n_features} needed"
        )

    return np.arange(K), sentence, note


def _components(indices: np.ndarray) -> str:
    listed = ", ".join(str(int(k)) for k in indices[:6])
    more = f" and {indices.size - 6} more" if indices.size > 6 else ""
    return f"component{'s' if indices.size > 1 else ''} {listed}{more}"


def _matrices(model: GaussianMixture, cov_model: CovarianceModel):
    """Each component's covariance as a (d, d) float64 matrix, one at a time.

    One at a time so that diagonal types in many dimensions never hold
    ``K d^2`` numbers; a shared covariance is one matrix for all.
    """
    K, d = model.means_.shape
    stored = np.asarray(model.covariances_, dtype=np.float64)
    if cov_model.shared:
        matrix = np.asarray(cov_model.to_full(stored, 1, d))[0]
        for _ in range(K):
            yield matrix
        return
    for k in range(K):
        yield np.asarray(cov_model.to_full(stored[k : k + 1], 1, d))[0]


def _flat_directions(matrix: np.ndarray, covariance: np.ndarray):
    """Eigenvalues of ``matrix`` and the data's variance along its eigenvectors."""
    diagonal = np.diagonal(matrix)
    if np.array_equal(matrix, np.diag(diagonal)):  # axes: no eigh needed
        return diagonal, np.diagonal(covariance)
    eigenvalues, vectors = np.linalg.eigh(matrix)
    return eigenvalues, np.einsum("ij,il,lj->j", vectors, covariance, vectors)


def _held_up_by_reg_covar(
    model: GaussianMixture, cov_model: CovarianceModel, covariance: np.ndarray
):
    """Components flat where the data are not, and the data's variance there."""
    reg = float(model.reg_covar)
    dtype = np.asarray(model.covariances_).dtype
    relative = max(_FLOOR_RELATIVE, 100 * float(np.finfo(dtype).eps))
    covariance = np.asarray(covariance, dtype=np.float64)
    spreads = []
    matrices = _matrices(model, cov_model)
    for k, matrix in enumerate(matrices):
        if cov_model.shared and k:  # the same matrix again
            spreads.append(spreads[0])
            continue
        eigenvalues, data_variance = _flat_directions(matrix, covariance)
        flat = (eigenvalues - reg <= np.maximum(reg, relative * data_variance)) & (
            data_variance > _FLOOR_SPREAD * reg
        )
        spreads.append(float(data_variance[flat].max()) if flat.any() else 0.0)
    spreads = np.asarray(spreads)
    rows = np.flatnonzero(spreads > 0)
    sentence = ""
    if rows.size:
        if cov_model.shared:
            who = f"the {cov_model.name} covariance is"
        else:
            who = f"{_components(rows)} {'are' if rows.size > 1 else 'is'}"
        sentence = (
            f"{who} flat (variance at the reg_covar floor, {reg:g}) in a direction "
            f"in which the data vary by {spreads.max():.3g}"
        )

    def note(k: int) -> str:
        return (
            f"flat at the reg_covar floor ({reg:g}) where the data vary by "
            f"{spreads[k]:.3g}"
        )

    return rows, sentence, note
