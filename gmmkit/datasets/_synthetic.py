"""Small synthetic data sets the examples use: two moons and sheared blobs."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_generator

__all__ = ["make_anisotropic_blobs", "make_moons"]

#: The shear of scikit-learn's "anisotropically distributed blobs" example.
SHEAR = np.array([[0.6, -0.6], [-0.4, 0.8]])


def make_moons(
    n_samples: int = 300, noise: float = 0.05, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise.

    Parameters
    ----------
    n_samples : int, default=300
        Rows in all; the outer moon gets the extra one when odd.
    noise : float, default=0.05
        Standard deviation of the noise added to each coordinate.
    random_state : None, int or Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        0 for the outer (upper) moon, 1 for the inner (lower) one.

    Examples
    --------
    >>> from gmmkit.datasets._synthetic import make_moons
    >>> X, y = make_moons(10, random_state=0)
    >>> X.shape, int(y.sum())
    ((10, 2), 5)
    """
    rng = as_generator(random_state)
    n_outer = (int(n_samples) + 1) // 2
    n_inner = int(n_samples) - n_outer
    t_outer = rng.uniform(0.0, np.pi, n_outer)
    t_inner = rng.uniform(0.0, np.pi, n_inner)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((int(n_samples), 2))
    y = np.repeat([0, 1], [n_outer, n_inner])
    order = rng.permutation(int(n_samples))
    return X[order], y[order]


def make_anisotropic_blobs(
    n_samples: int = 500, separation: float = 6.0, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Three equal round Gaussian blobs, then one shear for all of them.

    The shear (:data:`SHEAR`) stretches every blob into the same long,
    tilted ellipse. The blobs sit side by side across the ellipses' short
    axis, so the clusters are long and close: the case where k-means, which
    assumes round clusters of equal size, cuts across them.

    Parameters
    ----------
    n_samples : int, default=500
        Rows in all, shared out equally.
    separation : float, default=6.0
        Distance between neighbouring blobs across the short axis, in the
        blobs' standard deviations along that axis.
    random_state : None, int or Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Blob of each row, 0 to 2.

    Examples
    --------
    >>> from gmmkit.datasets._synthetic import make_anisotropic_blobs
    >>> X, y = make_anisotropic_blobs(30, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((30, 2), [0, 1, 2])
    """
    rng = as_generator(random_state)
    # Row vectors are mapped as x @ SHEAR: the left singular vectors are the
    # input directions that end up longest (first) and shortest (second).
    left, _, _ = np.linalg.svd(SHEAR)
    long_axis, short_axis = left[:, 0], left[:, 1]
    steps = np.array([-1.0, 0.0, 1.0])[:, None]
    centers = steps * (separation * short_axis - long_axis)
    y = np.arange(int(n_samples)) % 3
    rng.shuffle(y)
    X = centers[y] + rng.standard_normal((int(n_samples), 2))
    return X @ SHEAR, y
