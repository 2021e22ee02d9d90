"""Input checks in one place, each failing with a message that names the problem.

- :mod:`~gmmkit._validation.data`: arrays and DataFrames, sample weights,
  feature names (:func:`check_data` is every entry point's first step);
- :mod:`~gmmkit._validation.values`: single values (integers, numbers,
  choices, seeds, degrees of freedom, initial parameters);
- :mod:`~gmmkit._validation.parameters`: the constraint types estimators
  declare their constructor parameters with, and :func:`check_parameters`;
- :mod:`~gmmkit._validation.dask`: Dask input, imported only when some
  arrives (it is not imported here).
"""

from .data import (
    FLOAT_DTYPES,
    check_data,
    check_finite,
    check_n_features,
    check_sample_weight,
    columns_already_matched,
    is_dask_collection,
)
from .parameters import (
    Boolean,
    Constraints,
    Integer,
    OneOf,
    Positive,
    Real,
    Rule,
    check_parameters,
)
from .values import (
    as_float_array,
    as_generator,
    check_callbacks,
    check_choice,
    check_dof,
    check_float,
    check_in_half_open,
    check_initial_values,
    check_int,
    check_int_or_auto,
    check_positive,
    check_real_or_none,
    check_responsibilities,
    check_vector,
    choice_or_array,
    is_finite_real,
)

__all__ = [
    "FLOAT_DTYPES",
    "Boolean",
    "Constraints",
    "Integer",
    "OneOf",
    "Positive",
    "Real",
    "Rule",
    "as_float_array",
    "as_generator",
    "check_callbacks",
    "check_choice",
    "check_data",
    "check_dof",
    "check_finite",
    "check_float",
    "check_in_half_open",
    "check_initial_values",
    "check_int",
    "check_int_or_auto",
    "check_n_features",
    "check_parameters",
    "check_positive",
    "check_real_or_none",
    "check_responsibilities",
    "check_sample_weight",
    "check_vector",
    "choice_or_array",
    "columns_already_matched",
    "is_dask_collection",
    "is_finite_real",
]
