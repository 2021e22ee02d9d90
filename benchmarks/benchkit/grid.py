"""The benchmark points: what is measured, on which data, from which start."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmmkit.covariance import covariance_model


@dataclass(frozen=True)
class Case:
    """One benchmark point.

    Attributes
    ----------
    n_samples, n_features, n_components : int
        N, d and K.
    covariance_type : {"full", "tied", "diag", "spherical"}
    dtype : {"float64", "float32"}
    """

    n_samples: int
    n_features: int
    n_components: int
    covariance_type: str = "full"
    dtype: str = "float64"

    def label(self) -> str:
        """Short description for progress messages.

        Returns
        -------
        label : str
        """
        return (
            f"N={self.n_samples} d={self.n_features} K={self.n_components} "
            f"{self.covariance_type} {self.dtype}"
        )


@dataclass(frozen=True)
class Grid:
    """What one run measures.

    Attributes
    ----------
    em : tuple of (str, tuple of Case)
        Timed 20-iteration fits, one table per titled section.
    memory : tuple of Case
        Peak-memory points (full fits in child processes).
    inference : tuple of Case
        ``score_samples`` points; the model is fitted on the first
        ``inference_train`` rows and scores all N rows.
    repeats : int
        Fewest timed runs per library and point; the median is reported.
    max_repeats : int
        Most timed runs per library and point: cheap points go on repeating
        (noise on a shared machine) while their timed runs take less than
        ``point_budget`` seconds in all.
    point_budget : float
        Seconds of timed runs after which a point stops at ``repeats``.
    gemm_size : int
        Side of the square matrices of the GEMM peak.
    memory_iter : int
        EM iterations of each memory fit.
    inference_train : int
        Rows the inference model is fitted on.
    retries : int
        Per point, most pairs of timed runs redone because other processes
        competed for the CPUs.
    """

    em: tuple[tuple[str, tuple[Case, ...]], ...]
    memory: tuple[Case, ...]
    inference: tuple[Case, ...]
    repeats: int
    max_repeats: int
    point_budget: float
    gemm_size: int
    memory_iter: int
    inference_train: int
    retries: int


FULL_GRID = Grid(
    em=(
        (
            "Full covariance, float64",
            (
                Case(100_000, 2, 5),
                Case(100_000, 16, 16),
                Case(200_000, 32, 32),
                Case(50_000, 64, 10),
            ),
        ),
        ("Full covariance, float32", (Case(200_000, 32, 32, dtype="float32"),)),
        (
            "Diagonal, tied and spherical covariance, float64",
            (
                Case(200_000, 32, 32, "diag"),
                Case(200_000, 32, 32, "tied"),
                Case(200_000, 32, 32, "spherical"),
            ),
        ),
    ),
    memory=(Case(1_000_000, 8, 64),),
    inference=(Case(1_000_000, 16, 16),),
    repeats=3,
    max_repeats=7,
    point_budget=60.0,
    gemm_size=2048,
    memory_iter=3,
    inference_train=100_000,
    retries=3,
)

QUICK_GRID = Grid(
    em=(
        ("Full covariance, float64", (Case(20_000, 4, 4), Case(20_000, 16, 8))),
        ("Full covariance, float32", (Case(20_000, 16, 8, dtype="float32"),)),
        (
            "Diagonal, tied and spherical covariance, float64",
            (
                Case(20_000, 8, 8, "diag"),
                Case(20_000, 8, 8, "tied"),
                Case(20_000, 8, 8, "spherical"),
            ),
        ),
    ),
    memory=(Case(50_000, 8, 16),),
    inference=(Case(100_000, 8, 8),),
    repeats=2,
    max_repeats=2,
    point_budget=0.0,
    gemm_size=1024,
    memory_iter=3,
    inference_train=20_000,
    retries=0,
)


def make_data(case: Case) -> np.ndarray:
    """Draw ``case.n_samples`` rows from a random, seeded Gaussian mixture.

    The K means are drawn from N(0, 2²) per feature, the weights from a
    Dirichlet(5, ..., 5), and each component's covariance is ``Q diag(s) Qᵀ``
    with a random rotation ``Q`` and variances ``s`` uniform in [0.5, 2], so
    the components overlap and have correlated features. The seed depends
    only on N, d and K, so every process draws the same data for a point.

    Parameters
    ----------
    case : Case

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        In ``case.dtype``.
    """
    n, d, k = case.n_samples, case.n_features, case.n_components
    rng = np.random.default_rng([20240611, n, d, k])
    means = rng.normal(scale=2.0, size=(k, d))
    weights = rng.dirichlet(np.full(k, 5.0))
    labels = rng.choice(k, size=n, p=weights)
    X = rng.standard_normal((n, d))
    for component in range(k):
        rows = labels == component
        rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
        scales = np.sqrt(rng.uniform(0.5, 2.0, size=d))
        X[rows] = X[rows] @ (rotation * scales).T + means[component]
    return X.astype(case.dtype, copy=False)


def scaled_identity(
    covariance_type: str, n_components: int, n_features: int, scale: float
) -> np.ndarray:
    """``scale`` times the identity, shaped like the type's parameters.

    The covariance model's M-step, given zero moments about the means and
    ``reg_covar=scale``, returns exactly that: zero off the diagonal and
    ``scale`` on it, in the type's own shape ((K, d, d), (d, d), (K, d) or
    (K,)), without the benchmark knowing the shapes itself.

    Parameters
    ----------
    covariance_type : str
    n_components, n_features : int
    scale : float

    Returns
    -------
    matrix : ndarray
        float64, of shape ``covariance_model(covariance_type).shape(K, d)``.
    """
    model = covariance_model(covariance_type)
    zero_moments = np.zeros(model.shape(n_components, n_features))
    return model.covariances(
        zero_moments,
        np.ones(n_components),
        np.zeros((n_components, n_features)),
        scale,
    )


def start_params(X: np.ndarray, case: Case) -> dict[str, np.ndarray]:
    """Initial parameters handed to both libraries.

    Means are K distinct rows of ``X`` (seeded), weights are uniform and the
    precisions are the identity scaled by the inverse of the mean feature
    variance, shaped for the covariance type. All arrays are in ``X``'s
    dtype, so a float32 fit starts from float32 parameters in both libraries.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    case : Case

    Returns
    -------
    init : dict
        ``weights_init``, ``means_init`` and ``precisions_init``.
    """
    k, d = case.n_components, case.n_features
    rng = np.random.default_rng([7, case.n_samples, d, k])
    means = X[rng.choice(X.shape[0], size=k, replace=False)].astype(np.float64)
    scale = 1.0 / float(X.var(axis=0, dtype=np.float64).mean())
    precisions = scaled_identity(case.covariance_type, k, d, scale)
    return {
        "weights_init": np.full(k, 1.0 / k).astype(X.dtype),
        "means_init": means.astype(X.dtype),
        "precisions_init": precisions.astype(X.dtype),
    }


def flops_per_iteration(case: Case) -> float:
    """Nominal floating-point operations of one EM iteration.

    ``4·N·K·d²`` for full covariances (``2·N·K·d²`` for the E-step's
    quadratic forms, as many for the M-step's second moments),
    ``4·N·K·d`` for diag and spherical, ``2·N·d² + 4·N·K·d`` for tied.

    The count follows from the shape of one component's precision (the
    covariance model's ``shape(1, d)``): every row meets each of its entries,
    or at least its d coordinates, once in the E-step and once in the
    M-step, at 2 flops each; a precision ``shared`` by all components is
    applied once per row instead, and then each component costs 4·d.

    Parameters
    ----------
    case : Case

    Returns
    -------
    flops : float
    """
    n, d, k = case.n_samples, case.n_features, case.n_components
    model = covariance_model(case.covariance_type)
    entries = math.prod(model.shape(1, d))
    if model.shared:
        return 2.0 * n * entries + 4.0 * n * k * d
    return 4.0 * n * k * max(entries, d)
