"""Checks of Dask input: shape and dtype up front, values block by block.

Dask itself is imported only when Dask input arrives.

NaN, infinity and bad weights can only be seen by reading the data, so each
block task checks its own rows and names them and their block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import dask.array

INSTALL_HINT = "Install the optional extra: pip install 'gmmkit[dask]'."


def dask_module():
    """The ``dask`` module with ``dask.array`` loaded, or an ImportError saying how."""
    try:
        import dask
        import dask.array
    except ImportError as error:  # pragma: no cover - dask is in the test env
        raise ImportError(f"Dask input needs dask. {INSTALL_HINT}") from error
    return dask


def check_dask_data(
    X: Any, *, name: str = "X", min_samples: int = 1
) -> tuple[dask.array.Array, np.ndarray | None]:
    """Validate a Dask array (or DataFrame) for EM, lazily.

    Shape, chunk sizes and dtype are checked here; NaN and infinity can
    only be seen by reading the data, so each block task checks its own
    rows and names them (see :func:`block_e_step`).

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
        Data of shape (n_samples, n_features).
    name : str, default="X"
    min_samples : int, default=1

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_features)
        float64 or float32, one block across the columns.
    feature_names : ndarray of str or None
        Column names of a DataFrame with string columns.
    """
    dask = dask_module()
    da = dask.array
    names = None
    if hasattr(X, "columns") and not hasattr(X, "chunks"):  # a Dask DataFrame
        columns = list(X.columns)
        if columns and all(isinstance(c, str) for c in columns):
            names = np.asarray(columns, dtype=object)
        # pandas extension dtypes (strings, categories) have kind "O".
        kinds = {c: getattr(dt, "kind", "O") for c, dt in X.dtypes.items()}
        bad = [str(c) for c, kind in kinds.items() if kind not in "biuf"]
        if bad:
            raise ValueError(
                f"{name} has non-numeric column(s) {bad}; gmmkit models numbers "
                "only. Drop these columns, or encode them numerically first."
            )
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array, got {type(X).__name__}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D Dask array of shape (n_samples, n_features), got "
            f"{X.ndim} dimension(s) with shape {X.shape}."
        )
    if any(np.isnan(size) for size in X.chunks[0] + X.chunks[1]):
        raise ValueError(
            f"{name} is a Dask array with unknown chunk sizes (as after boolean "
            "indexing or DataFrame.values); gmmkit needs each block's row count "
            f"to place its rows. Call {name} = {name}.compute_chunk_sizes() first, "
            "or build it with known lengths (DataFrame.to_dask_array(lengths=True))."
        )
    kind = X.dtype.kind
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {X.dtype}. Pass real "
            "and imaginary parts as separate columns."
        )
    if kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}.")
    if X.dtype not in (np.float64, np.float32):
        X = X.astype(np.float64)
    n_samples, n_features = X.shape
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={X.shape}) while a "
            f"minimum of {min_samples} is required. {name} is empty or too small."
        )
    if n_features < 1:
        raise ValueError(f"{name} has no features (shape={X.shape}).")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X, names


def check_dask_weights(sample_weight: Any, X: dask.array.Array):
    """Sample weights as a Dask array blocked like ``X``'s rows, or None.

    Signs and finiteness are checked block by block as the weights are read.
    """
    if sample_weight is None:
        return None
    da = dask_module().array
    if np.isscalar(sample_weight):
        if not np.isfinite(sample_weight) or sample_weight <= 0:
            raise ValueError(
                f"sample_weight must be positive and finite, got {sample_weight!r}."
            )
        return None  # a constant weight does not change the fit
    if not isinstance(sample_weight, da.Array):
        sample_weight = np.asarray(sample_weight)
        if sample_weight.dtype.kind not in "biuf":
            raise ValueError("sample_weight must be numeric.")
    if sample_weight.shape != (X.shape[0],):
        raise ValueError(
            f"sample_weight must have shape ({X.shape[0]},) to match X, got "
            f"{sample_weight.shape}."
        )
    if isinstance(sample_weight, da.Array):
        if any(np.isnan(size) for size in sample_weight.chunks[0]):
            raise ValueError(
                "sample_weight has unknown chunk sizes; call "
                "sample_weight.compute_chunk_sizes() first."
            )
        return sample_weight.astype(X.dtype).rechunk((X.chunks[0],))
    return da.from_array(sample_weight.astype(X.dtype), chunks=(X.chunks[0],))


def block_offsets(chunks: Sequence[int]) -> np.ndarray:
    """Row offset of each block, then the row count."""
    return np.concatenate([[0], np.cumsum(chunks)]).astype(np.int64)


def raise_if_not_finite(block: np.ndarray, index: int, offset: int, name="X"):
    """Raise a ValueError naming the block, rows and columns of NaN or infinity."""
    bad = ~np.isfinite(block)
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    cols = np.flatnonzero(bad.any(axis=0))
    found = {"NaN": np.isnan(block).any(), "infinity": np.isinf(block).any()}
    kinds = " and ".join(kind for kind, present in found.items() if present)
    shown = ", ".join(str(int(offset + r)) for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    plural = "s" if len(rows) > 1 else ""
    raise ValueError(
        f"{name} contains {kinds} in block {index} (rows {offset} to "
        f"{offset + len(block) - 1} of {name}): row{plural} {shown}{more} (row "
        f"{int(rows[0])} within the block), column(s) "
        f"{', '.join(str(int(c)) for c in cols[:5])}. Remove or impute those rows "
        "before fitting."
    )


def check_block_weights(weight: np.ndarray, index: int, offset: int) -> None:
    """Raise a ValueError naming the first negative or non-finite weight."""
    bad = np.flatnonzero(~np.isfinite(weight) | (weight < 0))
    if bad.size:
        raise ValueError(
            f"sample_weight must be finite and non-negative; row {offset + bad[0]} "
            f"(block {index}) holds {weight[bad[0]]!r}."
        )
