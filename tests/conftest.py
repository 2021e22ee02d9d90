"""Shared seeded data and starting parameters for the tests."""

import numpy as np
import pytest

from gmmkit.datasets import make_mixture

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

MEANS = np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 0.0], [0.0, 5.0, 5.0]])
COVARIANCES = np.array(
    [
        [[1.0, 0.3, 0.0], [0.3, 0.8, 0.1], [0.0, 0.1, 1.2]],
        [[0.6, -0.2, 0.0], [-0.2, 1.1, 0.0], [0.0, 0.0, 0.5]],
        [[1.5, 0.0, 0.4], [0.0, 0.9, 0.0], [0.4, 0.0, 1.0]],
    ]
)


def three_clusters(n_samples=400, seed=0):
    """Three overlapping 3-D Gaussian clusters (X, true labels)."""
    return make_mixture(
        n_samples, MEANS, COVARIANCES, weights=[0.3, 0.3, 0.4], random_state=seed
    )


def start_params(X, covariance_type, n_components=3, seed=0):
    """Deterministic initial weights, means and precisions for ``X``."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    means = X[rng.choice(len(X), n_components, replace=False)]
    weights = np.full(n_components, 1.0 / n_components)
    scale = 1.0 / X.var(axis=0).mean()
    precisions = {
        "full": np.array([np.eye(d) * scale] * n_components),
        "tied": np.eye(d) * scale,
        "diag": np.full((n_components, d), scale),
        "spherical": np.full(n_components, scale),
    }[covariance_type]
    return {"weights_init": weights, "means_init": means, "precisions_init": precisions}


@pytest.fixture(params=COVARIANCE_TYPES)
def covariance_type(request):
    return request.param


@pytest.fixture
def data():
    return three_clusters()[0]
