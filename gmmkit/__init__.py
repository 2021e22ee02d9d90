"""gmmkit: Gaussian mixture models fitted by EM, from scratch on NumPy/SciPy."""

import logging

from . import datasets
from ._version import __version__
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


def __getattr__(name: str):
    # gmmkit.distributed is imported on first use, so that `import gmmkit`
    # loads neither Dask nor asyncio.
    if name == "distributed":
        import importlib

        return importlib.import_module(".distributed", __name__)
    raise AttributeError(f"module 'gmmkit' has no attribute {name!r}")
