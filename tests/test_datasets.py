"""Bundled data and the mixture generator."""

import numpy as np
import pytest

from gmmkit.datasets import load_old_faithful, make_mixture


def test_old_faithful_is_bundled_and_complete():
    X = load_old_faithful()
    assert X.shape == (272, 2)
    np.testing.assert_allclose(X[0], [3.6, 79])
    np.testing.assert_allclose(X.mean(axis=0), [3.4878, 70.8971], atol=1e-4)
    frame = load_old_faithful(as_frame=True)
    assert list(frame.columns) == ["eruptions", "waiting"]
    np.testing.assert_array_equal(frame.to_numpy(), X)


def test_make_mixture_draws_the_requested_distribution():
    means = [[0.0, 0.0], [10.0, -5.0]]
    covariances = [[[1.0, 0.5], [0.5, 2.0]], [[0.3, 0.0], [0.0, 0.3]]]
    X, y = make_mixture(
        40_000, means, covariances, weights=[0.25, 0.75], random_state=0
    )
    assert X.shape == (40_000, 2)
    np.testing.assert_allclose(np.mean(y == 1), 0.75, atol=0.01)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), means[k], atol=0.05)
        np.testing.assert_allclose(np.cov(X[y == k].T), covariances[k], atol=0.06)


def test_make_mixture_accepts_diagonal_and_scalar_variances():
    X, y = make_mixture(
        5000, [[0, 0], [5, 5]], [[1.0, 4.0], [0.25, 0.25]], random_state=1
    )
    np.testing.assert_allclose(X[y == 0].var(axis=0), [1.0, 4.0], rtol=0.1)
    X, y = make_mixture(5000, [[0, 0], [5, 5]], [2.0, 0.5], random_state=1)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.1)


def test_make_mixture_rejects_bad_covariances():
    with pytest.raises(ValueError, match="covariances must have shape"):
        make_mixture(10, [[0, 0]], np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"covariances\[0\] is not positive definite"):
        make_mixture(10, [[0, 0]], [[[1.0, 2.0], [2.0, 1.0]]])
