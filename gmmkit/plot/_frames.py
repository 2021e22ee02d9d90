"""EM run frame by frame: each snapshot's E-step on the data, seen in 2-D.

The EM animation and the EM explorer page both replay a fit from the
snapshots a :class:`~gmmkit.GaussianMixture` records with ``snapshot_every``.
This module turns a fitted model and its data into those frames: the
projected components of every snapshot, the responsibilities and hard labels
its parameters give the (subsampled) points, and the log-likelihood curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_data, check_int, check_n_features
from ..engine import iter_log_prob
from ..families.gaussian import params_from_covariances
from ._geometry import Mixture2D, View, check_fitted, make_view, project_mixture

#: Label of points the uniform background component explains best.
NOISE_LABEL = -1


@dataclass(frozen=True)
class Frame:
    """One snapshot of an EM run.

    Attributes
    ----------
    iteration : int
        EM iterations done before these parameters (0 is the start).
    mixture : Mixture2D
        The components in the view (weights, means (K, 2), covariances (K, 2, 2)).
    noise_weight : float
        Weight of the uniform background component (0 without one).
    responsibilities : ndarray of shape (n_shown, n_components [+ 1])
        Posterior probabilities of the shown points under these parameters;
        the last column is the background's when the model has one.
    labels : ndarray of shape (n_shown,)
        Most probable component of each shown point (``NOISE_LABEL`` for the
        background).
    log_likelihood : float
        Mean log-likelihood of all rows of ``X`` under these parameters.
    """

    iteration: int
    mixture: Mixture2D
    noise_weight: float
    responsibilities: np.ndarray
    labels: np.ndarray
    log_likelihood: float


@dataclass(frozen=True)
class EMFrames:
    """A fitted EM run replayed on data, ready to draw.

    Attributes
    ----------
    view : View
        The 2-D view (feature pair or PCA plane).
    points : ndarray of shape (n_shown, 2)
        The shown rows of ``X`` in the view.
    n_samples : int
        Rows of ``X``; ``n_shown < n_samples`` when ``X`` was subsampled.
    frames : list of Frame
        One per drawn snapshot, in iteration order.
    curve : ndarray of shape (n_iter + 1,)
        Mean log-likelihood of the parameters after ``t`` iterations,
        ``t = 0 .. n_iter``: ``history_`` for ``t < n_iter`` and, for the final
        parameters (which ``history_`` does not hold), their value on ``X``.
    n_iter : int
    converged : bool
    has_noise : bool
    """

    view: View
    points: np.ndarray
    n_samples: int
    frames: list[Frame]
    curve: np.ndarray
    n_iter: int
    converged: bool
    has_noise: bool

    @property
    def n_components(self) -> int:
        """Number of Gaussian components."""
        return len(self.frames[0].mixture.weights)


def check_playback(fps: float, n_std: float, path: Any) -> Path:
    """Check the arguments an animation and the explorer share.

    Returns
    -------
    path : Path
        ``path``, whose folder exists.
    """
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}.")
    if not (isinstance(n_std, (int, float)) and n_std > 0):
        raise ValueError(f"n_std must be a positive number, got {n_std!r}.")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot write {path}: the folder {path.parent} does not exist."
        )
    return path


def em_frames(
    model: Any,
    X: Any,
    dims: Sequence[int] | str = (0, 1),
    *,
    max_points: int | None = 2000,
    max_frames: int | None = None,
    random_state: int = 0,
) -> EMFrames:
    """Replay a fitted EM run on ``X``, snapshot by snapshot.

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``snapshot_every`` set (``snapshot_every=1`` shows every
        iteration).
    X : array-like of shape (n_samples, n_features)
        The data the model was fitted on.
    dims : pair of int or "pca", default=(0, 1)
        The two features shown, or the plane of the two leading principal axes.
    max_points : int or None, default=2000
        Show a random subsample of at most this many rows (None: all rows).
        The log-likelihood always uses every row.
    max_frames : int or None, default=None
        Keep at most this many snapshots, evenly spaced, always the first and
        the last (None: all).
    random_state : int, default=0
        Seed of the subsample.

    Returns
    -------
    frames : EMFrames

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When the model recorded no intermediate snapshots, the data has one
        feature, or ``X`` does not match the model's features.
    """
    check_fitted(model)
    snapshots = _check_snapshots(model)
    X, names = check_data(X)
    check_n_features(model, X, names)
    view = make_view(model, X, dims)  # also rejects one-feature models
    X = np.asarray(X, dtype=np.float64)
    if max_points is not None:
        check_int(max_points, "max_points", minimum=1)
    if max_frames is not None:
        check_int(max_frames, "max_frames", minimum=2)
        snapshots = _thin(snapshots, max_frames)

    n_samples = len(X)
    shown = np.arange(n_samples)
    if max_points is not None and n_samples > max_points:
        rng = np.random.default_rng(random_state)
        shown = np.sort(rng.choice(n_samples, size=max_points, replace=False))

    noise_log_density = _noise_log_density(model)
    frames = [
        _frame(model, X, view, shown, snapshot, noise_log_density)
        for snapshot in snapshots
    ]
    history = np.asarray(model.history_, dtype=np.float64)
    n_iter = int(model.n_iter_)
    curve = np.full(n_iter + 1, np.nan)
    curve[: min(len(history), n_iter)] = history[:n_iter]
    if frames[-1].iteration == n_iter:
        curve[n_iter] = frames[-1].log_likelihood
    return EMFrames(
        view=view,
        points=view.points(X[shown]),
        n_samples=n_samples,
        frames=frames,
        curve=curve,
        n_iter=n_iter,
        converged=bool(model.converged_),
        has_noise=noise_log_density is not None,
    )


def _check_snapshots(model: Any) -> list:
    snapshots = list(getattr(model, "snapshots_", None) or [])
    name = type(model).__name__
    if not snapshots:
        raise ValueError(
            f"This {name} recorded no EM snapshots to replay; the EM animation "
            "and explorer need a gmmkit.GaussianMixture fitted with "
            "snapshot_every=1 (every iteration) or snapshot_every=k."
        )
    if getattr(model, "snapshot_every", 1) is None and model.n_iter_ > 1:
        raise ValueError(
            f"This {name} kept only its start and its end (snapshot_every=None), "
            f"not the {model.n_iter_} EM iterations in between. Fit it with "
            "GaussianMixture(..., snapshot_every=1) to see every iteration (or "
            "snapshot_every=k for every k-th one)."
        )
    return snapshots


def _thin(snapshots: list, max_frames: int) -> list:
    if len(snapshots) <= max_frames:
        return snapshots
    keep = np.unique(np.linspace(0, len(snapshots) - 1, max_frames).round())
    return [snapshots[int(i)] for i in keep]


def _noise_log_density(model: Any) -> float | None:
    if getattr(model, "noise", None) is None:
        return None
    low, high = np.asarray(model.noise_bounds_, dtype=np.float64)
    return -float(np.log(high - low).sum())


def _frame(
    model: Any,
    X: np.ndarray,
    view: View,
    shown: np.ndarray,
    snapshot: Any,
    noise_log_density: float | None,
) -> Frame:
    params = params_from_covariances(
        np.asarray(snapshot.weights, dtype=np.float64),
        np.asarray(snapshot.means, dtype=np.float64),
        np.asarray(snapshot.covariances, dtype=np.float64),
        model.covariance_type,
        noise_weight=float(snapshot.noise_weight),
        noise_log_density=noise_log_density,
    )
    total = 0.0
    width = params.n_components + (noise_log_density is not None)
    responsibilities = np.empty((len(shown), width))
    for rows, log_density, resp in iter_log_prob(params, X):
        total += float(log_density.sum())
        lo, hi = np.searchsorted(shown, [rows.start, rows.stop])
        responsibilities[lo:hi] = resp[shown[lo:hi] - rows.start]
    labels = responsibilities.argmax(axis=1)
    if noise_log_density is not None:
        labels[labels == params.n_components] = NOISE_LABEL
    return Frame(
        iteration=int(snapshot.iteration),
        mixture=project_mixture(
            view,
            snapshot.weights,
            snapshot.means,
            snapshot.covariances,
            model.covariance_type,
        ),
        noise_weight=float(snapshot.noise_weight),
        responsibilities=responsibilities,
        labels=labels,
        log_likelihood=total / len(X),
    )
