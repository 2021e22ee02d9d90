"""The estimator protocol scikit-learn expects, without importing scikit-learn.

``get_params``/``set_params`` read the constructor's signature, so every
constructor argument must be stored unchanged under its own name.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from ._validation import check_data, check_n_features, check_parameters
from .exceptions import NotFittedError

#: Estimators a model file may hold, by class name (see :func:`model_file_estimator`).
MODEL_FILE_ESTIMATORS: dict[str, type] = {}


def model_file_estimator(cls: type) -> type:
    """Class decorator: :mod:`gmmkit.persistence` may save and load ``cls``.

    The class declares what its files hold: ``_fitted_shapes()`` (the fitted
    arrays and their shapes), ``_fitted_records`` (attributes that are lists
    of records), ``_restore_state()`` (private state rebuilt on load) and
    ``_check_fitted_values()`` (consistency of the values).
    """
    MODEL_FILE_ESTIMATORS[cls.__name__] = cls
    return cls


class BaseEstimator:
    """Parameter handling shared by all gmmkit estimators."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind is not p.VAR_KEYWORD
        )

    @classmethod
    def _constraints(cls) -> dict[str, Any]:
        """The ``_parameter_constraints`` tables of the class and its bases, merged."""
        merged: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("_parameter_constraints", {}))
        return merged

    def _check_parameters(self) -> None:
        """Check the constructor parameters against :meth:`_constraints`."""
        check_parameters(self, self._constraints())

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters of this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Accepted for scikit-learn compatibility; gmmkit estimators hold
            no nested estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor parameters.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : estimator
            This estimator.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}. "
                    f"Valid parameters are: {', '.join(valid)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            try:
                same = bool(value == default) and type(value) is type(default)
            except (TypeError, ValueError):  # arrays compare element-wise
                same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so importing it here keeps it a
        # test-time dependency rather than a runtime one.
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            input_tags=InputTags(allow_nan=False, sparse=False),
            non_deterministic=False,
        )

    def _check_new_data(self, X: Any) -> tuple[Any, Any]:
        """Validated data to predict on, and its feature names."""
        return check_data(X)

    def _validate_new(self, X: Any):
        """``X`` checked for a fitted model: its values, width and column names."""
        self._check_is_fitted()
        X, names = self._check_new_data(X)
        check_n_features(self, X, names)
        return X

    def _remember_features(self, n_features: int, names: Any) -> None:
        """Record the training data's width and column names (if it had any)."""
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    #: Fitted attributes that are lists of records (frozen dataclasses of
    #: arrays and numbers), by name, with their record class.
    _fitted_records: ClassVar[dict[str, type]] = {}

    # What a model file holds (see model_file_estimator); nothing by default.
    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def _shape_context(self) -> str:
        return f"n_features={self.n_features_in_}"

    def _restore_state(self) -> None:
        """Rebuild the private state a model file does not store."""

    def _check_fitted_values(self) -> None:
        """Raise ValueError when fitted values contradict each other."""

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. "
                "Call 'fit' with appropriate data before using this method."
            )
