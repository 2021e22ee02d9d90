"""What ``gmmkit fit`` does in memory and on Dask alike: EM, then the model file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import ComponentCollapseError
from ..mixture import GaussianMixture
from ..persistence import save
from ._app import CommandError, console
from ._progress import em_progress
from ._tables import components_table


@dataclass(frozen=True)
class EMSettings:
    """How a command runs EM.

    Attributes
    ----------
    covariance : str
        The covariance type.
    n_init : int
        EM starts.
    max_iter : int
        Most iterations per start.
    seed : int or None
        Random seed.
    """

    covariance: str
    n_init: int
    max_iter: int
    seed: int | None


def snapshot_every(n_features: int) -> int:
    """How often a fit keeps EM snapshots (for ``gmmkit plot --kind snapshots``)."""
    return 1 if n_features <= 10 else 5


def fit_with_progress(X: Any, n_components: int, em: EMSettings) -> GaussianMixture:
    """Fit one GaussianMixture with a progress bar on stderr.

    Parameters
    ----------
    X : ndarray or dask.array.Array of shape (n_samples, n_features)
    n_components : int
    em : EMSettings

    Returns
    -------
    model : GaussianMixture
        Fitted, without the progress callback.
    """
    progress, callback = em_progress(em.n_init, em.max_iter)
    model = GaussianMixture(
        n_components,
        covariance_type=em.covariance,
        n_init=em.n_init,
        max_iter=em.max_iter,
        random_state=em.seed,
        snapshot_every=snapshot_every(X.shape[1]),
        callbacks=callback,
    )
    try:
        with progress:
            model.fit(X)
    except ComponentCollapseError as error:
        raise CommandError(str(error)) from None
    model.set_params(callbacks=None)
    return model


def save_and_show(
    model: Any,
    output: Path,
    info: dict[str, Any],
    mean_log_likelihood: float,
    bic: float,
    where: str = "",
) -> None:
    """Save a fitted model with its record, then show its components and fit.

    Parameters
    ----------
    model : GaussianMixture
        Fitted.
    output : Path
        The model file.
    info : dict
        Its record (:func:`~gmmkit.cli._files.model_record`).
    mean_log_likelihood, bic : float
        Of the training data.
    where : str, default=""
        Said after the number of iterations, e.g. ``" (Dask, 4 blocks)"``.
    """
    save(model, output, info=info)
    console.print(components_table(model, info["columns"]))
    state = "converged" if model.converged_ else "did not converge"
    console.print(
        f"EM {state} after {model.n_iter_} iterations{where}; mean log-likelihood "
        f"{mean_log_likelihood:.4f}, BIC {bic:.2f}."
    )
    console.print(f"Model written to {output}")
