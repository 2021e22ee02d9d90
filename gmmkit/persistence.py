"""Saving and loading fitted models: arrays plus JSON metadata, never pickle.

A model file is a NumPy ``.npz`` archive written with ``allow_pickle=False``:
one entry per fitted array, and an entry ``__metadata__`` holding UTF-8 JSON
(format name and version, gmmkit version, estimator class, constructor
parameters, scalar fitted attributes, the name, dtype and shape of every array
and a SHA-256 checksum over them). Loading rebuilds the estimator only from
these values, after checking them. The format is described in
``docs/model-format.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import as_generator
from .bayesian import BayesianGaussianMixture
from .covariance import COVARIANCE_TYPES, covariance_model
from .exceptions import ModelFileError
from .io import atomic_write
from .kmeans import KMeans
from .mixture import GaussianMixture, Snapshot
from .robust import StudentTMixture

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFile", "load", "read", "save"]

FORMAT_NAME = "gmmkit-model"
FORMAT_VERSION = 1
METADATA_ENTRY = "__metadata__"

ESTIMATORS = {
    cls.__name__: cls
    for cls in (GaussianMixture, StudentTMixture, BayesianGaussianMixture, KMeans)
}
#: Arrays read back; everything else (objects, structured dtypes) is refused.
ARRAY_KINDS = "biufU"
#: Private state rebuilt on load rather than stored.
_REBUILT = ("_noise_log_density", "_sample_rng")


@dataclass
class ModelFile:
    """A loaded model file.

    Attributes
    ----------
    model : estimator
        The fitted estimator.
    info : dict
        The JSON-compatible ``info`` given to :func:`save` (empty if none).
    metadata : dict
        The file's whole metadata record.
    """

    model: Any
    info: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict, repr=False)


# ----------------------------------------------------------------------- save
def save(model: Any, path: str | Path, *, info: dict | None = None) -> Path:
    """Write a fitted estimator to a model file, atomically.

    The file is first written next to ``path`` under a temporary name, then
    renamed over ``path``: a failure never leaves a half-written file.

    Parameters
    ----------
    model : GaussianMixture, StudentTMixture, BayesianGaussianMixture or KMeans
        A fitted estimator.
    path : str or Path
        Where to write (written as given; ``.npz`` is a good suffix).
    info : dict, optional
        Extra JSON-compatible values stored with the model (the command line
        keeps the data's columns, scaling and training log-densities here).

    Returns
    -------
    path : Path

    Raises
    ------
    NotFittedError
        If the model is not fitted.
    ModelFileError
        If the model cannot be described in the format, or the file cannot
        be written.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from gmmkit import GaussianMixture
    >>> from gmmkit.datasets import load_old_faithful
    >>> X = load_old_faithful()
    >>> model = GaussianMixture(2, random_state=0).fit(X)
    >>> path = save(model, pathlib.Path(tempfile.mkdtemp()) / "faithful.npz")
    >>> bool(np.array_equal(load(path).predict(X), model.predict(X)))
    True
    """
    name = type(model).__name__
    if ESTIMATORS.get(name) is not type(model):
        known = ", ".join(ESTIMATORS)
        raise ModelFileError(f"cannot save a {name}; gmmkit saves only {known}.")
    model._check_is_fitted()
    arrays: dict[str, np.ndarray] = {}
    params, dropped = _encode_params(model, arrays)
    attributes = _encode_attributes(model, arrays)
    try:
        info_json = json.loads(json.dumps(info or {}, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"info must be JSON-compatible: {error}.") from None
    from . import __version__

    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "gmmkit_version": __version__,
        "estimator": name,
        "params": params,
        "dropped_params": dropped,
        "attributes": attributes,
        "arrays": {
            key: {"dtype": a.dtype.str, "shape": list(a.shape)}
            for key, a in sorted(arrays.items())
        },
        "sha256": _checksum(arrays),
        "info": info_json,
    }
    text = json.dumps(metadata, indent=1, allow_nan=False).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(
        buffer,
        allow_pickle=False,
        **{METADATA_ENTRY: np.frombuffer(text, dtype=np.uint8)},
        **arrays,
    )
    path = Path(path)
    try:
        atomic_write(path, buffer.getvalue())
    except OSError as error:
        raise ModelFileError(str(error)) from None
    return path


def _json_scalar(value: Any) -> Any:
    """A JSON value for a float/int/bool/str/None, or raise TypeError."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if np.isfinite(value) else {"float": repr(value)}
    raise TypeError(type(value).__name__)


def _from_json_scalar(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"float"}:
        if value["float"] not in ("inf", "-inf", "nan"):
            raise ModelFileError(f"bad non-finite number {value['float']!r}.")
        return float(value["float"])
    return value


def _encode_params(model: Any, arrays: dict) -> tuple[dict, list[str]]:
    """Constructor parameters as JSON; arrays go to ``param:<name>`` entries.

    Values that are not data (callbacks, a Generator as ``random_state``)
    are stored as None and listed as dropped.
    """
    params, dropped = {}, []
    for name, value in model.get_params().items():
        try:
            params[name] = _json_scalar(value)
            continue
        except TypeError:
            pass
        if isinstance(value, list | tuple | np.ndarray) and not callable(value):
            array = np.asarray(value)
            if array.dtype.kind in "biuf":
                arrays[f"param:{name}"] = array
                params[name] = {"array": f"param:{name}"}
                if not isinstance(value, np.ndarray):
                    params[name]["as"] = "list"  # given as a (nested) list
                continue
        params[name] = None
        dropped.append(name)
    return params, dropped


def _encode_attributes(model: Any, arrays: dict) -> dict:
    """Fitted attributes (names ending in ``_``): scalars as JSON, arrays apart."""
    attributes = {}
    for name, value in vars(model).items():
        if name.startswith("_") or not name.endswith("_"):
            continue
        if name == "snapshots_":
            for key in ("iteration", "weights", "means", "covariances"):
                arrays[f"snapshots_:{key}"] = np.stack([getattr(s, key) for s in value])
            arrays["snapshots_:noise_weight"] = np.array(
                [s.noise_weight for s in value], dtype=np.float64
            )
            attributes[name] = {"snapshots": "snapshots_"}
        elif isinstance(value, np.ndarray) and value.dtype == object:
            arrays[name] = value.astype(str)  # feature names
            attributes[name] = {"array": name, "as": "object"}
        elif isinstance(value, np.ndarray | np.generic):
            arrays[name] = np.asarray(value)
            kind = "array" if isinstance(value, np.ndarray) else "numpy_scalar"
            attributes[name] = {kind: name}
        elif isinstance(value, list):
            arrays[name] = np.asarray(value, dtype=np.float64)
            attributes[name] = {"list": name}
        elif isinstance(value, tuple):
            for i, part in enumerate(value):
                arrays[f"{name}:{i}"] = np.asarray(part)
            attributes[name] = {"tuple": [f"{name}:{i}" for i in range(len(value))]}
        else:
            try:
                attributes[name] = _json_scalar(value)
            except TypeError:
                raise ModelFileError(
                    f"cannot save attribute {name} of type {type(value).__name__}."
                ) from None
    return attributes


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over each array's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------- load
def load(path: str | Path) -> Any:
    """Read a fitted estimator from a model file written by :func:`save`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    model : estimator
        Predictions, densities and fitted arrays equal those of the saved
        model. Sampling restarts from the saved ``random_state``.

    Raises
    ------
    ModelFileError
        If the file is missing, not a gmmkit model file, of an unknown
        format version, modified (checksum), or its values are inconsistent
        (shapes, non-finite values, covariances not positive definite,
        weights not summing to 1).
    """
    return read(path).model


def read(path: str | Path) -> ModelFile:
    """Read a model file: the estimator plus its ``info`` and metadata.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    model_file : ModelFile

    Raises
    ------
    ModelFileError
        As :func:`load`.
    """
    path = Path(path)
    metadata, arrays = _read_archive(path)
    try:
        model = _rebuild(metadata, arrays)
        _check_model(model)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    return ModelFile(model=model, info=metadata.get("info") or {}, metadata=metadata)


def _read_archive(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file.")
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file.")
    not_ours = f"{path} is not a gmmkit model file"
    with path.open("rb") as stream:
        magic = stream.read(6)
    if magic == b"\x93NUMPY":
        raise ModelFileError(f"{not_ours} (a bare .npy array).")
    if not magic.startswith(b"PK\x03\x04"):
        raise ModelFileError(f"{not_ours} (not an .npz archive).")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if METADATA_ENTRY not in names:
                raise ModelFileError(f"{not_ours} (no {METADATA_ENTRY} entry).")
            entries = {name: archive[name] for name in names}
    except ModelFileError:
        raise
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ModelFileError(
                f"{path} holds pickled Python objects; gmmkit never unpickles."
            ) from None
        raise ModelFileError(f"{not_ours} ({error}).") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ModelFileError(
            f"{not_ours}, or it is truncated or corrupted ({error})."
        ) from None
    raw = entries.pop(METADATA_ENTRY)
    try:
        metadata = json.loads(raw.astype(np.uint8).tobytes().decode("utf-8"))
        if not isinstance(metadata, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{path}: unreadable metadata ({error}).") from None
    _check_header(path, metadata, entries)
    return metadata, entries


def _check_header(path: Path, metadata: dict, arrays: dict[str, np.ndarray]) -> None:
    if metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{path} is not a gmmkit model file (format {metadata.get('format')!r})."
        )
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        writer = metadata.get("gmmkit_version", "an unknown gmmkit")
        raise ModelFileError(
            f"{path} has model-format version {version!r} (written by gmmkit "
            f"{writer}); this gmmkit reads version {FORMAT_VERSION}."
        )
    for key in ("estimator", "params", "attributes", "arrays", "sha256"):
        if key not in metadata:
            raise ModelFileError(f"{path}: the metadata has no {key!r} entry.")
    if metadata["estimator"] not in ESTIMATORS:
        raise ModelFileError(
            f"{path}: unknown estimator {metadata['estimator']!r}; expected one of "
            f"{', '.join(ESTIMATORS)}."
        )
    listed = metadata["arrays"]
    if not isinstance(listed, dict) or set(listed) != set(arrays):
        extra = sorted(set(arrays) - set(listed or {}))
        missing = sorted(set(listed or {}) - set(arrays))
        raise ModelFileError(
            f"{path}: the arrays do not match the metadata (missing {missing}, "
            f"unlisted {extra})."
        )
    for name, array in arrays.items():
        expected = listed[name]
        if not isinstance(expected, dict):
            raise ModelFileError(f"{path}: bad metadata for array {name!r}.")
        if array.dtype.kind not in ARRAY_KINDS:
            raise ModelFileError(f"{path}: array {name!r} has dtype {array.dtype}.")
        if array.dtype.str != expected.get("dtype") or list(
            array.shape
        ) != expected.get("shape"):
            raise ModelFileError(
                f"{path}: array {name!r} is {array.dtype.str} {list(array.shape)} "
                f"but the metadata says {expected.get('dtype')} "
                f"{expected.get('shape')}."
            )
    if _checksum(arrays) != metadata["sha256"]:
        raise ModelFileError(
            f"{path}: checksum mismatch; the arrays were modified or corrupted "
            "after the file was written."
        )


def _array(arrays: dict, name: str) -> np.ndarray:
    if name not in arrays:
        raise ModelFileError(f"array {name!r} is missing.")
    return arrays[name]


def _decode(value: Any, arrays: dict, name: str) -> Any:
    if not isinstance(value, dict) or set(value) == {"float"}:
        return _from_json_scalar(value)
    if "array" in value:
        array = _array(arrays, value["array"])
        if value.get("as") == "object":
            return array.astype(object)
        return array.tolist() if value.get("as") == "list" else array
    if "numpy_scalar" in value:
        return _array(arrays, value["numpy_scalar"])[()]
    if "list" in value:
        return [float(v) for v in _array(arrays, value["list"])]
    if "tuple" in value:
        return tuple(_array(arrays, part) for part in value["tuple"])
    if "snapshots" in value:
        parts = {
            key: _array(arrays, f"snapshots_:{key}")
            for key in ("iteration", "weights", "means", "covariances", "noise_weight")
        }
        n = len(parts["iteration"])
        if any(len(p) != n for p in parts.values()):
            raise ModelFileError("the snapshot arrays differ in length.")
        return [
            Snapshot(
                int(parts["iteration"][i]),
                parts["weights"][i],
                parts["means"][i],
                parts["covariances"][i],
                float(parts["noise_weight"][i]),
            )
            for i in range(n)
        ]
    raise ModelFileError(f"cannot read the value of {name!r}: {value!r}.")


def _rebuild(metadata: dict, arrays: dict[str, np.ndarray]) -> Any:
    cls = ESTIMATORS[metadata["estimator"]]
    params = {
        name: _decode(value, arrays, name) for name, value in metadata["params"].items()
    }
    try:
        model = cls()
        model.set_params(**params)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"bad constructor parameters ({error}).") from None
    for name, value in metadata["attributes"].items():
        if not (isinstance(name, str) and name.endswith("_") and name[0] != "_"):
            raise ModelFileError(f"unexpected attribute name {name!r}.")
        setattr(model, name, _decode(value, arrays, name))
    if "history_" in metadata["attributes"] and "lower_bounds_" in vars(model):
        model.lower_bounds_ = model.history_  # one list, as after fit
    if isinstance(model, GaussianMixture):
        model._noise_log_density = None
        if model.noise is not None and hasattr(model, "noise_bounds_"):
            model._noise_log_density = -float(
                np.log(np.diff(model.noise_bounds_, axis=0)).sum()
            )
    seed = model.random_state
    model._sample_rng = as_generator(seed if isinstance(seed, int) else None)
    return model


# ------------------------------------------------------------------ checking
def _check_model(model: Any) -> None:
    """Shapes, finiteness, positive-definiteness and weights of a rebuilt model."""
    if not hasattr(model, "n_features_in_"):
        raise ModelFileError("the model is not fitted (no n_features_in_).")
    d = model.n_features_in_
    if not isinstance(d, int) or d < 1:
        raise ModelFileError(f"n_features_in_ must be a positive integer, got {d!r}.")
    names = getattr(model, "feature_names_in_", None)
    if names is not None and np.shape(names) != (d,):
        raise ModelFileError(
            f"feature_names_in_ has shape {np.shape(names)}, expected ({d},)."
        )
    if isinstance(model, KMeans):
        _check_kmeans(model, d)
        return
    if hasattr(model, "_check_parameters"):
        try:
            model._check_parameters()
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"bad constructor parameters ({error}).") from None
    K, kind = model.n_components, model.covariance_type
    if kind not in COVARIANCE_TYPES:
        raise ModelFileError(f"unknown covariance_type {kind!r}.")
    shape = covariance_model(kind).shape(K, d)
    expected = {
        "weights_": (K,),
        "means_": (K, d),
        "covariances_": shape,
        "precisions_": shape,
        "precisions_cholesky_": shape,
    }
    if isinstance(model, StudentTMixture):
        expected["dof_"] = (K,)
    if isinstance(model, BayesianGaussianMixture):
        expected["mean_precision_"] = (K,)
        expected["mean_prior_"] = (d,)
    if isinstance(model, GaussianMixture) and model.noise is not None:
        expected["noise_bounds_"] = (2, d)
    for name, want in expected.items():
        value = getattr(model, name, None)
        if not isinstance(value, np.ndarray):
            raise ModelFileError(f"{name} is missing.")
        if value.shape != want:
            raise ModelFileError(
                f"{name} has shape {value.shape}, but n_components={K}, "
                f"n_features={d} and covariance_type={kind!r} need {want}."
            )
    for name, value in vars(model).items():
        if name.endswith("_") and not name.startswith("_"):
            _check_finite(name, value)
    _check_weights(model)
    _check_covariances(model, K, d)


def _check_finite(name: str, value: Any) -> None:
    if name == "lower_bound_":
        return  # -inf before the first iteration (max_iter=0)
    parts = value if isinstance(value, tuple) else [value]
    if name == "snapshots_":
        parts = [p for s in value for p in (s.weights, s.means, s.covariances)]
    for part in parts:
        array = np.asarray(part)
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise ModelFileError(f"{name} holds NaN or infinite values.")


def _check_weights(model: Any) -> None:
    weights = model.weights_.astype(np.float64)
    noise = float(getattr(model, "noise_weight_", 0.0) or 0.0)
    total = weights.sum() + noise
    tolerance = 1e-6 if model.weights_.dtype == np.float64 else 1e-4
    if np.any(weights < 0) or noise < 0 or abs(total - 1.0) > tolerance:
        raise ModelFileError(
            f"the mixture weights must be non-negative and sum to 1, but they sum "
            f"to {total:.9g}."
        )


def _check_covariances(model: Any, K: int, d: int) -> None:
    full = covariance_model(model.covariance_type).to_full(
        model.covariances_.astype(np.float64), K, d
    )
    full = np.broadcast_to(full, (K, d, d)) if full.ndim == 2 else full
    for k, matrix in enumerate(full):
        if not np.allclose(matrix, matrix.T, rtol=1e-6, atol=0):
            raise ModelFileError(f"the covariance of component {k} is not symmetric.")
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            raise ModelFileError(
                f"the covariance of component {k} is not positive definite."
            ) from None
    # The precision factors must belong to these covariances: Σ P ≈ I.
    precisions = covariance_model(model.covariance_type).to_full(
        model.precisions_.astype(np.float64), K, d
    )
    precisions = (
        np.broadcast_to(precisions, (K, d, d)) if precisions.ndim == 2 else precisions
    )
    unit = np.finfo(model.covariances_.dtype).eps
    condition = float(np.linalg.cond(full).max())
    tolerance = max(1e4 * unit, 1e4 * unit * condition)
    product = np.einsum("kij,kjl->kil", full, precisions)
    error = float(np.abs(product - np.eye(d)).max())
    if error > tolerance:
        raise ModelFileError(
            "precisions_ is not the inverse of covariances_ (largest deviation of "
            f"covariance x precision from the identity: {error:.3g})."
        )


def _check_kmeans(model: KMeans, d: int) -> None:
    centers = getattr(model, "cluster_centers_", None)
    K = model.n_clusters
    if not isinstance(centers, np.ndarray) or centers.shape != (K, d):
        raise ModelFileError(
            f"cluster_centers_ has shape {np.shape(centers)}, but n_clusters={K} "
            f"and n_features={d} need {(K, d)}."
        )
    if not np.all(np.isfinite(centers)):
        raise ModelFileError("cluster_centers_ holds NaN or infinite values.")
    labels = getattr(model, "labels_", None)
    if labels is not None and (
        np.ndim(labels) != 1 or np.any(labels < 0) or np.any(labels >= K)
    ):
        raise ModelFileError(f"labels_ must be integers in 0..{K - 1}.")
