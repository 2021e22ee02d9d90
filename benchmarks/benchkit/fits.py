"""One fit of either library, with the settings both share, and comparisons."""

from __future__ import annotations

import gc
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmmkit import GaussianMixture
from gmmkit.exceptions import ConvergenceWarning as GmmkitConvergenceWarning

from .grid import Case

LIBRARIES = ("gmmkit", "sklearn")
N_ITER = 20


@contextmanager
def quiet() -> Iterator[None]:
    """Silence both libraries' ConvergenceWarning (20 iterations, tol=0).

    Yields
    ------
    None
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklearnConvergenceWarning)
        warnings.simplefilter("ignore", GmmkitConvergenceWarning)
        yield


def make_model(library: str, case: Case, init: dict, max_iter: int):
    """An unfitted estimator of either library with the shared settings.

    Parameters
    ----------
    library : {"gmmkit", "sklearn"}
    case : Case
    init : dict
        From :func:`benchkit.grid.start_params`.
    max_iter : int

    Returns
    -------
    model : gmmkit.GaussianMixture or sklearn.mixture.GaussianMixture
    """
    cls = GaussianMixture if library == "gmmkit" else SklearnGaussianMixture
    return cls(
        n_components=case.n_components,
        covariance_type=case.covariance_type,
        max_iter=max_iter,
        tol=0.0,
        random_state=0,
        **init,
    )


def timed_fit(library: str, X: np.ndarray, case: Case, init: dict, max_iter: int):
    """Fit one library and time the call.

    Parameters
    ----------
    library : {"gmmkit", "sklearn"}
    X : ndarray of shape (n_samples, n_features)
    case : Case
    init : dict
    max_iter : int

    Returns
    -------
    model : fitted estimator
    seconds : float
        Wall time of ``fit``.
    """
    model = make_model(library, case, init, max_iter)
    gc.collect()
    with quiet():
        tic = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - tic
    if model.n_iter_ != max_iter:
        raise RuntimeError(
            f"{library} ran {model.n_iter_} iterations instead of {max_iter} "
            f"at {case.label()}."
        )
    return model, seconds


def sklearn_from(ours: GaussianMixture) -> SklearnGaussianMixture:
    """A scikit-learn model holding a fitted gmmkit model's parameters.

    Parameters
    ----------
    ours : gmmkit.GaussianMixture
        Fitted.

    Returns
    -------
    theirs : sklearn.mixture.GaussianMixture
        Ready for ``score_samples`` and ``predict``, never fitted itself.
    """
    theirs = SklearnGaussianMixture(
        n_components=ours.n_components, covariance_type=ours.covariance_type
    )
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        setattr(theirs, name, getattr(ours, name).copy())
    theirs.converged_ = True
    theirs.n_iter_ = ours.n_iter_
    theirs.lower_bound_ = ours.lower_bound_
    theirs.lower_bounds_ = list(ours.lower_bounds_)
    theirs.n_features_in_ = ours.n_features_in_
    return theirs


def max_rel_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest absolute difference relative to the largest reference value.

    Parameters
    ----------
    ours, theirs : ndarray
        Same shape; ``theirs`` is the reference (scikit-learn).

    Returns
    -------
    diff : float
        ``max|ours - theirs| / max|theirs|``, in float64.
    """
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    scale = max(float(np.max(np.abs(theirs))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(ours - theirs)) / scale)
