"""gmmkit: Gaussian mixture models fitted by EM, from scratch on NumPy/SciPy."""

import logging

from . import datasets, distributed
from .bayesian import BayesianGaussianMixture
from .exceptions import (
    ComponentCollapseError,
    ConvergenceWarning,
    DataError,
    DegenerateModelWarning,
    ModelFileError,
    NotFittedError,
)
from .io import read_table
from .kmeans import KMeans
from .mixture import GaussianMixture
from .persistence import load, save
from .robust import StudentTMixture
from .selection import (
    InitComparisonResult,
    SelectionResult,
    compare_inits,
    select_model,
)
from .stats import SuffStats

__version__ = "0.1.0"

__all__ = [
    "BayesianGaussianMixture",
    "ComponentCollapseError",
    "ConvergenceWarning",
    "DataError",
    "DegenerateModelWarning",
    "GaussianMixture",
    "InitComparisonResult",
    "KMeans",
    "ModelFileError",
    "NotFittedError",
    "SelectionResult",
    "StudentTMixture",
    "SuffStats",
    "__version__",
    "compare_inits",
    "datasets",
    "distributed",
    "load",
    "read_table",
    "save",
    "select_model",
]

logging.getLogger("gmmkit").addHandler(logging.NullHandler())
