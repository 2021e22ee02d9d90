"""Bundled data (Old Faithful) and generators: mixtures, two moons, sheared blobs."""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

import numpy as np

from .._validation import as_generator
from ._synthetic import make_anisotropic_blobs, make_moons

__all__ = [
    "load_old_faithful",
    "make_anisotropic_blobs",
    "make_mixture",
    "make_moons",
]


def load_old_faithful(as_frame: bool = False) -> Any:
    """Load the Old Faithful geyser eruptions (272 rows, 2 columns).

    Columns are ``eruptions`` (eruption duration, minutes) and ``waiting``
    (time to the next eruption, minutes).

    Parameters
    ----------
    as_frame : bool, default=False
        Return a pandas DataFrame (needs pandas) instead of an array.

    Returns
    -------
    data : ndarray of shape (272, 2) or DataFrame

    Examples
    --------
    >>> from gmmkit.datasets import load_old_faithful
    >>> load_old_faithful().shape
    (272, 2)
    """
    source = resources.files(__package__).joinpath("data", "faithful.csv")
    with source.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader if row])
    if not as_frame:
        return data
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "as_frame=True needs pandas: pip install 'gmmkit[pandas]'."
        ) from None
    return pd.DataFrame(data, columns=header)


def make_mixture(
    n_samples: int,
    means: Any,
    covariances: Any,
    weights: Any = None,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw data from a Gaussian mixture with known parameters.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    means : array-like of shape (n_components, n_features)
    covariances : array-like
        Shape (K, d, d) for full matrices, (K, d) for diagonal ones, or (K,)
        for one variance per component.
    weights : array-like of shape (n_components,), optional
        Mixing proportions; equal when omitted.
    random_state : None, int or Generator

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Rows in random order.
    y : ndarray of shape (n_samples,)
        Component that generated each row.

    Examples
    --------
    >>> from gmmkit.datasets import make_mixture
    >>> X, y = make_mixture(100, [[0, 0], [5, 5]], [1.0, 0.5], random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1])
    """
    means = np.atleast_2d(np.asarray(means, dtype=np.float64))
    n_components, n_features = means.shape
    covariances = np.asarray(covariances, dtype=np.float64)
    if covariances.shape == (n_components,):
        covariances = covariances[:, None, None] * np.eye(n_features)
    elif covariances.shape == (n_components, n_features):
        covariances = np.array([np.diag(c) for c in covariances])
    elif covariances.shape != (n_components, n_features, n_features):
        raise ValueError(
            f"covariances must have shape ({n_components},), "
            f"({n_components}, {n_features}) or "
            f"({n_components}, {n_features}, {n_features}); got {covariances.shape}."
        )
    if weights is None:
        weights = np.full(n_components, 1.0 / n_components)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_components,) or np.any(weights < 0):
        raise ValueError(
            f"weights must be {n_components} non-negative numbers, got {weights}."
        )
    factors = []
    for k, cov in enumerate(covariances):
        try:
            factors.append(np.linalg.cholesky(cov))
        except np.linalg.LinAlgError:
            raise ValueError(f"covariances[{k}] is not positive definite.") from None
    rng = as_generator(random_state)
    y = rng.choice(n_components, size=int(n_samples), p=weights / weights.sum())
    z = rng.standard_normal((int(n_samples), n_features))
    X = means[y] + np.einsum("nij,nj->ni", np.asarray(factors)[y], z)
    return X, y
