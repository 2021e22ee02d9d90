"""The Dask side of :mod:`gmmkit._backend`: the same questions, asked of blocks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation.dask import check_dask_data, check_dask_weights
from .blocks import (
    INIT_SAMPLE_SIZE,
    dask_e_step,
    data_moments,
    map_inference,
    sample_rows,
)


class DaskBackend:
    """Data held as a Dask array, in blocks on the active scheduler.

    Attributes
    ----------
    all_rows_at_hand : bool
        False: a start is computed from a random sample of the rows.
    """

    all_rows_at_hand = False

    def check_data(self, X: Any, min_samples: int = 1):
        """Validated Dask array and feature names (see ``check_dask_data``)."""
        return check_dask_data(X, min_samples=min_samples)

    def check_weights(self, sample_weight: Any, X):
        """Sample weights blocked like ``X``'s rows, or None."""
        return check_dask_weights(sample_weight, X)

    def e_step(self, params, X, sample_weight, chunk_size):
        """Block-wise E-steps, tree-reduced (:func:`dask_e_step`)."""
        return dask_e_step(params, X, sample_weight, chunk_size)

    def start_rows(
        self, X, sample_weight, rng, n_components: int, needed: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """A random sample of :data:`INIT_SAMPLE_SIZE` rows to start from.

        With ``needed=False`` (every initial value given) no row is read.
        """
        if not needed:
            return np.empty((0, X.shape[1]), dtype=X.dtype), None
        rows, weights = sample_rows(X, sample_weight, INIT_SAMPLE_SIZE, rng)
        if len(rows) < n_components:
            raise ValueError(
                f"The start needs at least n_components = {n_components} sampled "
                f"rows, got {len(rows)}."
            )
        return rows, weights

    def total_weight(self, X, sample_weight) -> float:
        """Sum of the sample weights (the row count without weights)."""
        if sample_weight is None:
            return float(X.shape[0])
        return float(sample_weight.sum().compute())

    def weighted_moments(self, X, sample_weight):
        """Weighted mean and covariance of the rows (:func:`data_moments`)."""
        return data_moments(X, sample_weight)

    def infer(self, X, kernel, output, n_columns, background_column):
        """Lazy per-row inference (:func:`map_inference`)."""
        return map_inference(X, kernel, output, n_columns, background_column)

    def weighted_mean(self, values, sample_weight: Any) -> float:
        """(Weighted) mean of a Dask array of per-row values, computed now."""
        weights = check_dask_weights(sample_weight, values[:, None])
        if weights is None:
            return float(values.mean().compute())
        weight = weights.astype(np.float64)
        total = (weight * values).sum()
        return float((total / weight.sum()).compute())


DASK = DaskBackend()
