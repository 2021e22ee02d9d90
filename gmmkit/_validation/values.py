"""Checks of single values: integers, numbers, choices, seeds, initial values."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def check_int(value: Any, name: str, *, minimum: int) -> int:
    """Check that ``value`` is an integer (not a bool) at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_float(value: Any, name: str, *, minimum: float = 0.0) -> float:
    """Check that ``value`` is a real number (not a bool) at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name} must be a number >= {minimum}, got {value!r} "
            f"({type(value).__name__})."
        )
    if not np.isfinite(value) or value < minimum:
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {value}.")
    return float(value)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of the allowed strings."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")
    return value


def as_generator(random_state: Any) -> np.random.Generator:
    """Turn None, an int, a RandomState or a Generator into a Generator.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        Seed or source of randomness. A RandomState is consumed once to seed
        the Generator, so its own stream advances as it would in scikit-learn.

    Returns
    -------
    rng : numpy.random.Generator
    """
    if random_state is None or isinstance(random_state, numbers.Integral):
        if isinstance(random_state, bool):
            raise ValueError("random_state must be None, an int or a Generator.")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; "
        f"got {random_state!r}."
    )


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a finite real number (a bool is not one)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def check_positive(value: Any, name: str) -> float:
    """Check that ``value`` is a finite real number greater than 0."""
    if not is_finite_real(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def as_float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array, or a ValueError naming ``name``."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers only.") from None


def check_dof(value: Any, name: str, n_components: int) -> np.ndarray:
    """Degrees of freedom as K positive finite floats, or a ValueError."""
    message = (
        f"{name} must be a positive number or an array of {n_components} positive "
        f"numbers; got {value!r}."
    )
    if isinstance(value, bool | np.bool_ | str):
        raise ValueError(message)
    try:
        dof = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if dof.ndim == 0:
        dof = np.full(n_components, float(dof))
    if dof.shape != (n_components,) or not np.all(np.isfinite(dof) & (dof > 0)):
        raise ValueError(message)
    return dof


def check_callbacks(value: Any, name: str = "callbacks") -> list[Callable]:
    """A callable, a sequence of callables or None, as a list."""
    if value is None:
        return []
    callbacks = [value] if callable(value) else value
    try:
        callbacks = list(callbacks)
    except TypeError:
        raise ValueError(
            f"{name} must be a callable or a sequence of callables, got {value!r}."
        ) from None
    for callback in callbacks:
        if not callable(callback):
            raise ValueError(f"{name} must be callables; {callback!r} is not.")
    return callbacks


def check_in_half_open(low: float, high: float, reason: str) -> Callable:
    """A rule for a finite number in ``(low, high]``, saying why it must be."""

    def check(value: Any, name: str) -> None:
        check_float(value, name)
        if not low < value <= high:
            raise ValueError(
                f"{name} must be in ({low}, {high}] {reason}, got {value}."
            )

    return check


def check_initial_values(est: Any, n_features: int, model: Any) -> dict:
    """Validated ``weights_init``, ``means_init`` and ``precisions_init``.

    Parameters
    ----------
    est : estimator
        Holds ``n_components`` and the three values.
    n_features : int
    model : CovarianceModel
        The model of ``est.covariance_type``, which checks the precisions.

    Returns
    -------
    initial : dict
        The three values as float64 arrays (weights renormalised), or None.
    """
    K = est.n_components
    out: dict[str, np.ndarray | None] = {
        "weights_init": None,
        "means_init": None,
        "precisions_init": None,
    }
    if est.weights_init is not None:
        weights = np.asarray(est.weights_init, dtype=np.float64)
        if weights.shape != (K,):
            raise ValueError(
                f"weights_init must have shape ({K},), got {weights.shape}."
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("weights_init must be finite and non-negative.")
        if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-6):
            raise ValueError(
                f"weights_init must sum to 1, but they sum to {weights.sum():.6g}."
            )
        out["weights_init"] = weights / weights.sum()
    if est.means_init is not None:
        means = np.asarray(est.means_init, dtype=np.float64)
        if means.shape != (K, n_features):
            raise ValueError(
                f"means_init must have shape ({K}, {n_features}), got {means.shape}."
            )
        if not np.all(np.isfinite(means)):
            raise ValueError("means_init contains NaN or infinity.")
        out["means_init"] = means
    if est.precisions_init is not None:
        out["precisions_init"] = model.check_precisions(
            est.precisions_init, K, n_features
        )
    return out


def check_vector(value: Any, name: str, length: int) -> np.ndarray:
    """A finite float64 vector of ``length`` values, or a ValueError naming it."""
    vector = as_float_array(value, name)
    if vector.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {vector.shape}.")
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return vector


def check_responsibilities(
    value: Any, name: str, shape: tuple[int, int], methods: Iterable[str]
) -> np.ndarray:
    """Responsibilities (n_samples, n_components): finite, >= 0, rows summing to 1.

    ``methods`` are the named alternatives, quoted when the shape is wrong.
    """
    resp = as_float_array(value, name)
    if resp.shape != shape:
        listed = ", ".join(repr(m) for m in methods)
        raise ValueError(
            f"{name} must be one of {listed}, or responsibilities of "
            f"shape (n_samples, n_components) = {shape}; got an array of "
            f"shape {resp.shape}."
        )
    if not np.all(np.isfinite(resp)) or np.any(resp < 0):
        raise ValueError(
            f"{name} given as responsibilities must be finite and non-negative."
        )
    row_sums = resp.sum(axis=1)
    off = np.flatnonzero(np.abs(row_sums - 1.0) > 1e-6)
    if off.size:
        raise ValueError(
            f"{name} given as responsibilities must have rows summing to "
            f"1; row {off[0]} sums to {row_sums[off[0]]:.6g}."
        )
    return resp


def choice_or_array(choices: Iterable[str]) -> Callable[[Any, str], None]:
    """A rule: one of ``choices`` when a string (arrays are checked at fit)."""
    choices = tuple(choices)

    def check(value: Any, name: str) -> None:
        if isinstance(value, str):
            check_choice(value, name, choices)

    return check


def check_real_or_none(value: Any, name: str, what: str) -> None:
    """None or a finite real number; ``what`` says which number is wanted."""
    if value is not None and not is_finite_real(value):
        raise ValueError(f"{name} must be {what}, got {value!r}.")


def check_int_or_auto(value: Any, name: str) -> None:
    """``"auto"`` or an integer of at least 1."""
    if value != "auto":
        check_int(value, name, minimum=1)
