"""Checks of the data: arrays and DataFrames, sample weights, feature names.

Every public entry point funnels data through :func:`check_data`, so that
bad input never surfaces as a bare NumPy traceback: each error names the
row, the column or the value.
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.float64, np.float32)


def _describe_positions(indices: np.ndarray, label: str, limit: int = 5) -> str:
    shown = ", ".join(str(int(i)) for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    plural = "s" if len(indices) != 1 else ""
    return f"{label}{plural} {shown}{more}"


def _column_label(j: int, names: np.ndarray | None) -> str:
    return f"{j} ({names[j]!r})" if names is not None else str(j)


def _feature_names(X: Any) -> np.ndarray | None:
    """Return string column names of a DataFrame-like ``X``, else None."""
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "iloc"):
        return None
    names = np.asarray(columns, dtype=object)
    if len(names) == 0:
        return None
    if all(isinstance(n, str) for n in names):
        return names
    if any(isinstance(n, str) for n in names):
        raise ValueError(
            "X has mixed string and non-string column names; convert them all "
            "to strings, e.g. X.columns = X.columns.astype(str)."
        )
    return None


def _to_numeric(X: Any, name: str, names: np.ndarray | None) -> np.ndarray:
    """Convert ``X`` to a numeric ndarray, naming the first non-numeric cell."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # DataFrame: check per column
        try:
            # Missing values (None, pd.NA) become NaN, reported with their rows.
            single = all(str(dt).lower() == "float32" for dt in X.dtypes)
            dtype = np.float32 if single and len(X.columns) else np.float64
            return X.to_numpy(dtype=dtype, na_value=np.nan)
        except (TypeError, ValueError):
            bad = [str(c) for c in X.columns if _non_numeric_column(X[c])]
            raise ValueError(
                f"{name} has non-numeric column(s) {bad}; gmmkit models numbers "
                "only. Drop these columns, or encode them numerically first."
            ) from None
    array = np.asarray(X)
    if array.dtype.kind in "biuf":
        return array
    if array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has complex dtype {array.dtype}. "
            "Pass real and imaginary parts as separate columns."
        )
    if array.dtype.kind in "OUS" and array.ndim in (1, 2):
        grid = array.reshape(array.shape[0], -1) if array.ndim == 2 else array[:, None]
        for (i, j), value in np.ndenumerate(grid):
            if isinstance(value, complex):
                raise ValueError(
                    f"Complex data not supported: {name} row {i}, column "
                    f"{_column_label(j, names)} holds {value!r}."
                )
            try:
                float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{name} has a non-numeric value {value!r} at row {i}, column "
                    f"{_column_label(j, names)}. gmmkit models numbers only: drop "
                    "or encode that column."
                ) from None
        return array.astype(np.float64)
    raise ValueError(
        f"{name} must be numeric, got dtype {array.dtype}. Convert it to floats."
    )


def _non_numeric_column(column: Any) -> bool:
    try:
        column.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        return True
    return False


def is_dask_collection(X: Any) -> bool:
    """Whether ``X`` is a Dask collection (without importing Dask)."""
    module = type(X).__module__ or ""
    return module.split(".")[0] in ("dask", "dask_expr") and hasattr(X, "dask")


def check_data(
    X: Any,
    *,
    name: str = "X",
    dtype: type | tuple = FLOAT_DTYPES,
    min_samples: int = 1,
    min_features: int = 1,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a 2-D data matrix and return it as a float array.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        The data.
    name : str, default="X"
        What to call the data in error messages.
    dtype : dtype or tuple of dtypes, default=(float64, float32)
        Accepted float dtypes; other numeric input is converted to the first.
    min_samples : int, default=1
        Fewest rows accepted.
    min_features : int, default=1
        Fewest columns accepted.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The data as a C-contiguous float array (a view when possible).
    feature_names : ndarray of str or None
        Column names when ``X`` was a DataFrame with string columns.

    Raises
    ------
    ValueError
        When ``X`` is sparse, not 2-D, empty, non-numeric or not finite. The
        message names the offending rows and columns.
    """
    _refuse_unsupported(X, name)
    names = _feature_names(X)
    array = _to_numeric(X, name, names)
    _check_shape(array, name, min_samples, min_features)
    accepted = dtype if isinstance(dtype, tuple) else (dtype,)
    if array.dtype not in [np.dtype(d) for d in accepted]:
        array = array.astype(accepted[0])
    array = np.ascontiguousarray(array)
    check_finite(array, name, names)
    return array, names


def _refuse_unsupported(X: Any, name: str) -> None:
    """Sparse matrices and Dask collections get a TypeError saying what to do."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(
            f"{name} is a sparse matrix; gmmkit needs dense data. Convert it with "
            f"{name}.toarray() if it fits in memory."
        )
    if is_dask_collection(X):
        # Only the estimators' fit and inference run block by block; anything
        # else would pull the whole array into memory without saying so.
        raise TypeError(
            f"{name} is a Dask collection, which this function does not take: it "
            "needs the data in memory. The mixture estimators (GaussianMixture, "
            "BayesianGaussianMixture, StudentTMixture) fit Dask arrays block by "
            f"block; elsewhere call {name}.compute() first if it fits in memory."
        )


def _check_shape(
    array: np.ndarray, name: str, min_samples: int, min_features: int
) -> None:
    """A 2-D array with enough rows and columns, or a ValueError saying so."""
    if array.ndim != 2:
        if array.ndim == 1:
            raise ValueError(
                f"Expected a 2-D array of shape (n_samples, n_features), got a 1-D "
                f"array of shape {array.shape}. Reshape your data: "
                f"{name}.reshape(-1, 1) if it is one feature, or "
                f"{name}.reshape(1, -1) if it is one sample."
            )
        raise ValueError(
            f"Expected a 2-D array of shape (n_samples, n_features), got an array "
            f"with {array.ndim} dimensions and shape {array.shape}."
        )
    n_samples, n_features = array.shape
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={array.shape}) while a "
            f"minimum of {min_samples} is required. {name} is empty or too small."
        )
    if n_features < min_features:
        raise ValueError(
            f"Found array with {n_features} feature(s) (shape={array.shape}) while "
            f"a minimum of {min_features} is required."
        )


def check_finite(X: np.ndarray, name: str = "X", names: np.ndarray | None = None):
    """Raise a ValueError naming the rows and columns holding NaN or infinity.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Data to check.
    name : str, default="X"
        What to call the data in the message.
    names : ndarray of str or None
        Column names, used in the message when given.
    """
    # A sum is one cheap pass; only when it is not finite do we look closer.
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(X, dtype=np.float64))
    if np.isfinite(total):
        return
    bad = ~np.isfinite(X)
    if not bad.any():  # the sum overflowed, the values are fine
        return
    rows = np.flatnonzero(bad.any(axis=1))
    cols = np.flatnonzero(bad.any(axis=0))
    kinds = []
    if np.isnan(X).any():
        kinds.append("NaN")
    if np.isinf(X).any():
        kinds.append("infinity")
    col_text = ", ".join(_column_label(j, names) for j in cols[:5])
    raise ValueError(
        f"{name} contains {' and '.join(kinds)} in "
        f"{_describe_positions(rows, 'row')} (column(s) {col_text}). Remove or "
        "impute those rows before fitting."
    )


def check_sample_weight(
    sample_weight: Any, n_samples: int, dtype: np.dtype
) -> np.ndarray | None:
    """Validate sample weights: 1-D, finite, non-negative, not all zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Weights per row; None means every row counts once.
    n_samples : int
        Number of rows the weights must match.
    dtype : dtype
        dtype of the data; the weights are converted to it.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight)
    weights = _to_numeric(sample_weight, "sample_weight", None).astype(dtype)
    if weights.ndim != 1 or weights.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) to match X, got "
            f"{weights.shape}."
        )
    check_finite(weights[:, None], "sample_weight")
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        raise ValueError(
            f"sample_weight must be non-negative; negative at "
            f"{_describe_positions(negative, 'row')}."
        )
    if not np.any(weights > 0):
        raise ValueError("sample_weight is zero for every row; nothing to fit.")
    return weights


@contextlib.contextmanager
def columns_already_matched() -> Iterator[None]:
    """Silence :func:`check_n_features`' warnings about missing feature names.

    For callers that pass plain arrays whose columns they have already put in
    the model's order (the CLI, the report).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*feature names.*")
        yield


def check_n_features(estimator: Any, X: np.ndarray, names: np.ndarray | None):
    """Check ``X`` against the columns seen in ``fit`` (count and names).

    Parameters
    ----------
    estimator : fitted estimator
        Holds ``n_features_in_`` and possibly ``feature_names_in_``.
    X : ndarray of shape (n_samples, n_features)
        New data.
    names : ndarray of str or None
        Column names of the new data.
    """
    fitted_names = getattr(estimator, "feature_names_in_", None)
    cls = type(estimator).__name__
    if names is not None and fitted_names is None:
        warnings.warn(
            f"X has feature names, but {cls} was fitted without feature names",
            UserWarning,
            stacklevel=3,
        )
    elif names is None and fitted_names is not None:
        warnings.warn(
            f"X does not have valid feature names, but {cls} was fitted with "
            "feature names",
            UserWarning,
            stacklevel=3,
        )
    elif names is not None and (
        len(names) != len(fitted_names) or np.any(names != fitted_names)
    ):
        raise ValueError(_feature_name_mismatch(fitted_names, names))
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {cls} is expecting "
            f"{estimator.n_features_in_} features as input."
        )


def _feature_name_mismatch(fitted: np.ndarray, given: np.ndarray) -> str:
    message = "The feature names should match those that were passed during fit.\n"
    unexpected = sorted(set(given) - set(fitted))
    missing = sorted(set(fitted) - set(given))

    def listing(values: list) -> str:
        shown = "".join(f"- {v}\n" for v in values[:5])
        return shown + ("- ...\n" if len(values) > 5 else "")

    if unexpected:
        message += "Feature names unseen at fit time:\n" + listing(unexpected)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + listing(
            missing
        )
    if not unexpected and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    return message
