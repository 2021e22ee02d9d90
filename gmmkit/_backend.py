"""Where the data live, decided once per call: in memory, or on a Dask cluster.

An estimator asks :func:`backend_for` about the array it was given and then
talks to the answer only: validating the data and weights, running an
E-step over all rows, drawing the rows a start is made from, the data's
moments and per-row inference. :class:`InMemory` serves NumPy arrays and
DataFrames; :class:`gmmkit.distributed.backend.DaskBackend` serves Dask
collections, and is imported only when one is passed, so neither the
estimators nor ``import gmmkit`` load Dask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import check_data, check_sample_weight, is_dask_collection
from .engine import e_step, total_weight
from .stats import weighted_moments


class InMemory:
    """Data held as one NumPy array in this process.

    Attributes
    ----------
    all_rows_at_hand : bool
        True: a start may look at every row (nearest neighbours, given
        responsibilities per row).
    """

    all_rows_at_hand = True

    def check_data(self, X: Any, min_samples: int = 1) -> tuple[np.ndarray, Any]:
        """Validated float array and feature names (see ``check_data``)."""
        return check_data(X, min_samples=min_samples)

    def check_weights(self, sample_weight: Any, X: np.ndarray) -> np.ndarray | None:
        """Validated sample weights for the rows of ``X``, or None."""
        return check_sample_weight(sample_weight, X.shape[0], X.dtype)

    def e_step(self, params, X, sample_weight, chunk_size):
        """:func:`gmmkit.engine.e_step` over all rows."""
        return e_step(params, X, sample_weight, chunk_size)

    def start_rows(
        self, X, sample_weight, rng, n_components: int, needed: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The rows (and their weights) a start is computed from: all of them."""
        return X, sample_weight

    def total_weight(self, X, sample_weight) -> float:
        """Sum of the sample weights (the row count without weights)."""
        return total_weight(X, sample_weight)

    def weighted_moments(self, X, sample_weight):
        """Weighted mean and covariance of the rows (:func:`weighted_moments`)."""
        return weighted_moments(X, sample_weight)

    def infer(
        self,
        X: np.ndarray,
        kernel: Callable,
        output: str,
        n_columns: int,
        background_column: int | None,
    ) -> np.ndarray:
        """Per-row log-densities, probabilities or labels (see :func:`infer_rows`)."""
        return infer_rows(X, kernel, output, n_columns, background_column)

    def weighted_mean(self, values: np.ndarray, sample_weight: Any) -> float:
        """(Weighted) mean of per-row values."""
        weights = check_sample_weight(sample_weight, len(values), np.float64)
        if weights is None:
            return float(values.mean())
        return float(weights @ values / weights.sum())


IN_MEMORY = InMemory()


def backend_for(X: Any):
    """The backend serving ``X``: Dask's for a Dask collection, else in memory."""
    if is_dask_collection(X):
        from .distributed.backend import DASK

        return DASK
    return IN_MEMORY


def infer_rows(
    X: np.ndarray,
    kernel: Callable,
    output: str,
    n_columns: int,
    background_column: int | None,
) -> np.ndarray:
    """Per-row results of ``kernel(X)``, which yields ``(rows, log_density, resp)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    kernel : callable
        As :func:`gmmkit.engine.iter_log_prob` with its parameters bound.
    output : {"log_density", "proba", "labels"}
    n_columns : int
        Columns of the responsibilities.
    background_column : int or None
        Column whose winners are labelled ``-1``.

    Returns
    -------
    result : ndarray
        (n_samples,) log-densities or labels, or (n_samples, n_columns)
        probabilities.
    """
    if output == "log_density":
        out = np.empty(len(X), dtype=X.dtype)
    elif output == "proba":
        out = np.empty((len(X), n_columns), dtype=X.dtype)
    else:
        out = np.empty(len(X), dtype=np.intp)
    for rows, log_density, resp in kernel(X):
        if output == "log_density":
            out[rows] = log_density
        elif output == "proba":
            out[rows] = resp
        else:
            out[rows] = np.argmax(resp, axis=1)
    if output == "labels" and background_column is not None:
        out[out == background_column] = -1
    return out
