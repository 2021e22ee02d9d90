"""Exceptions and warnings raised by gmmkit."""

__all__ = [
    "ComponentCollapseError",
    "ConvergenceWarning",
    "DataError",
    "DegenerateModelWarning",
    "ModelFileError",
    "NotFittedError",
]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted model is called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError``, as
    scikit-learn's exception of the same name does, so code written for
    scikit-learn catches it unchanged.
    """


class ConvergenceWarning(UserWarning):
    """Warned when EM stops at ``max_iter`` before meeting ``tol``."""


class DegenerateModelWarning(UserWarning):
    """Warned when every candidate of a model search is degenerate."""


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


class DataError(ValueError):
    """Raised when a data file cannot be read as a numeric table.

    The message names the file and, where there is one, the line (or row)
    and the column at fault.
    """


class ModelFileError(ValueError):
    """Raised when a model file cannot be written, or is refused on loading.

    Loading refuses files that are truncated, modified, written by an
    unknown format version, or whose contents are inconsistent.
    """
