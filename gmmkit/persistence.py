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

import dataclasses
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._estimator import MODEL_FILE_ESTIMATORS as ESTIMATORS
from ._version import __version__
from .exceptions import ModelFileError
from .io import atomic_write

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFile", "load", "read", "save"]

FORMAT_NAME = "gmmkit-model"
FORMAT_VERSION = 1
METADATA_ENTRY = "__metadata__"

#: Arrays read back; everything else (objects, structured dtypes) is refused.
ARRAY_KINDS = "biufU"


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
    """Fitted attributes (names ending in ``_``): scalars as JSON, arrays apart.

    A list of records the estimator declares (``_fitted_records``, e.g.
    ``snapshots_``) is stored as one stacked array per field, under
    ``"<name>:<field>"``.
    """
    attributes = {}
    records = model._fitted_records
    for name, value in vars(model).items():
        if name.startswith("_") or not name.endswith("_"):
            continue
        if name in records:
            for key in _record_fields(records[name]):
                arrays[f"{name}:{key}"] = np.stack([getattr(r, key) for r in value])
            attributes[name] = {"snapshots": name}
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


def _record_fields(record: type) -> list[str]:
    return [field.name for field in dataclasses.fields(record)]


def _decode_records(record: type, arrays: dict, name: str) -> list:
    """The list of ``record`` instances stored field by field under ``name``."""
    parts = {key: _array(arrays, f"{name}:{key}") for key in _record_fields(record)}
    n = len(next(iter(parts.values())))
    if any(len(p) != n for p in parts.values()):
        raise ModelFileError(f"the {name} arrays differ in length.")
    return [
        record(**{key: _item(part[i]) for key, part in parts.items()}) for i in range(n)
    ]


def _item(value: np.ndarray) -> Any:
    """A Python number for a 0-d value, the array itself otherwise."""
    return value.item() if np.ndim(value) == 0 else value


def _decode(value: Any, arrays: dict, name: str, records: dict | None = None) -> Any:
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
    if "snapshots" in value and name in (records or {}):
        return _decode_records(records[name], arrays, value["snapshots"])
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
        setattr(model, name, _decode(value, arrays, name, cls._fitted_records))
    if "history_" in metadata["attributes"] and "lower_bounds_" in vars(model):
        model.lower_bounds_ = model.history_  # one list, as after fit
    model._restore_state()
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
    try:
        model._check_parameters()
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"bad constructor parameters ({error}).") from None
    for name, want in model._fitted_shapes().items():
        value = getattr(model, name, None)
        if not isinstance(value, np.ndarray):
            raise ModelFileError(f"{name} is missing.")
        if value.shape != want:
            raise ModelFileError(
                f"{name} has shape {value.shape}, but {model._shape_context()} "
                f"need {want}."
            )
    for name, value in vars(model).items():
        if name.endswith("_") and not name.startswith("_"):
            _check_finite(name, value, model._fitted_records)
    try:
        model._check_fitted_values()
    except ValueError as error:
        raise ModelFileError(str(error)) from None


def _check_finite(name: str, value: Any, records: dict) -> None:
    if name == "lower_bound_":
        return  # -inf before the first iteration (max_iter=0)
    parts = value if isinstance(value, tuple) else [value]
    if name in records:
        fields = _record_fields(records[name])
        parts = [getattr(record, key) for record in value for key in fields]
    for part in parts:
        array = np.asarray(part)
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise ModelFileError(f"{name} holds NaN or infinite values.")
