"""Small linear-algebra helpers the covariance models share."""

from __future__ import annotations

import functools

import numpy as np
from scipy.linalg import lapack

from ..exceptions import ComponentCollapseError


def _collapse(components: list[int], detail: str) -> ComponentCollapseError:
    """The error for components whose covariance cannot be inverted."""
    listed = ", ".join(str(k) for k in components)
    return ComponentCollapseError(
        f"component(s) {listed}: covariance {detail}", components
    )


def _is_positive_definite(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _inverse_lower(chol: np.ndarray) -> np.ndarray:
    """Inverse of a lower-triangular matrix (LAPACK trtri: exact structure)."""
    (trtri,) = lapack.get_lapack_funcs(("trtri",), (chol,))
    inverse, info = trtri(chol, lower=1)
    if info != 0:
        raise _collapse([], "has a singular Cholesky factor")
    return inverse


@functools.lru_cache(maxsize=64)
def upper_triangle(d: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(d)``, made once per ``d`` (read-only).

    Every E-step and M-step of a full model asks for it; making it anew
    was 8 % of a model search's time on Old Faithful.
    """
    rows, cols = np.triu_indices(d)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _unpack_symmetric(packed: np.ndarray, d: int) -> np.ndarray:
    """(K, d(d+1)/2) upper triangles, row by row, to (K, d, d) symmetric."""
    rows, cols = upper_triangle(d)
    out = np.empty((len(packed), d, d), dtype=packed.dtype)
    out[:, rows, cols] = packed
    out[:, cols, rows] = packed
    return out


def _check_spd(matrix: np.ndarray, name: str) -> None:
    """Raise ValueError unless ``matrix`` (d, d) is symmetric positive definite."""
    if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric.")
    if np.any(np.linalg.eigvalsh(matrix) <= 0.0):
        raise ValueError(f"{name} must be positive definite.")
