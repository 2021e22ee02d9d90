"""Constructor parameters declared once per estimator, checked in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .values import check_choice, check_float, check_int, check_positive

# Each estimator declares ``_parameter_constraints``: a table from parameter
# name to one of the constraints below. Tables merge down the class
# hierarchy (a subclass adds or overrides entries), and
# :func:`check_parameters` checks, in table order, the entries that the
# estimator's constructor takes.


#: A table of constructor parameters: name -> constraint (``.check(value, name)``).
Constraints = Mapping[str, Any]


@dataclass(frozen=True)
class Integer:
    """An integer (not a bool) at least ``minimum``; None too if ``optional``."""

    minimum: int
    optional: bool = False

    def check(self, value: Any, name: str) -> None:
        if not (self.optional and value is None):
            check_int(value, name, minimum=self.minimum)


@dataclass(frozen=True)
class Real:
    """A finite real number (not a bool) at least ``minimum``."""

    minimum: float = 0.0

    def check(self, value: Any, name: str) -> None:
        check_float(value, name, minimum=self.minimum)


@dataclass(frozen=True)
class Positive:
    """A finite real number above 0; None too if ``optional``."""

    optional: bool = False

    def check(self, value: Any, name: str) -> None:
        if not (self.optional and value is None):
            check_positive(value, name)


@dataclass(frozen=True)
class OneOf:
    """One of the strings ``options``; None too if ``optional``."""

    options: tuple[str, ...]
    optional: bool = False

    def check(self, value: Any, name: str) -> None:
        if not (self.optional and value is None):
            check_choice(value, name, self.options)


@dataclass(frozen=True)
class Boolean:
    """True or False (NumPy's bools too)."""

    def check(self, value: Any, name: str) -> None:
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{name} must be True or False, got {value!r}.")


@dataclass(frozen=True)
class Rule:
    """Any other check: ``function(value, name)`` raises ValueError."""

    function: Callable[[Any, str], Any]

    def check(self, value: Any, name: str) -> None:
        self.function(value, name)


def check_parameters(estimator: Any, constraints: Mapping[str, Any]) -> None:
    """Check an estimator's constructor parameters against ``constraints``.

    Parameters
    ----------
    estimator : estimator
        Its constructor arguments are read as attributes of the same name.
    constraints : mapping of str to constraint
        Checked in order; names the estimator does not take are skipped.

    Raises
    ------
    ValueError
        Naming the first parameter that breaks its constraint.
    """
    taken = set(estimator._param_names())
    for name, constraint in constraints.items():
        if name in taken:
            constraint.check(getattr(estimator, name), name)
