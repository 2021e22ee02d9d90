"""The estimator protocol scikit-learn expects, without importing scikit-learn.

``get_params``/``set_params`` read the constructor's signature, so every
constructor argument must be stored unchanged under its own name.
"""

from __future__ import annotations

import inspect
from typing import Any

from .exceptions import NotFittedError


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

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. "
                "Call 'fit' with appropriate data before using this method."
            )
