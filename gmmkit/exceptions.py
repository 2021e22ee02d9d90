"""Exceptions and warnings raised by gmmkit."""

__all__ = ["ComponentCollapseError", "ConvergenceWarning", "NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted model is called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError``, as
    scikit-learn's exception of the same name does, so code written for
    scikit-learn catches it unchanged.
    """


class ConvergenceWarning(UserWarning):
    """Warned when EM stops at ``max_iter`` before meeting ``tol``."""


class ComponentCollapseError(ValueError):
    """Raised when a component's covariance stops being positive definite.

    Attributes
    ----------
    components : list of int
        Indices of the components whose covariance collapsed.
    """

    def __init__(self, message: str, components: list[int]):
        super().__init__(message)
        self.components = list(components)
