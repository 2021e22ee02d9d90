"""The EM explorer: one self-contained HTML page to step through an EM run."""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write
from ._frames import NOISE_LABEL, EMFrames, check_playback, em_frames
from ._geometry import ellipse_params
from ._style import NOISE_COLOR, component_colors, to_hex

#: The page template, package data next to this module.
_TEMPLATE_NAME = "explorer.html"


def em_explorer(
    model: Any,
    X: Any,
    path: str | os.PathLike,
    *,
    dims: Sequence[int] | str = (0, 1),
    title: str | None = None,
    n_std: float = 2.0,
    fps: float = 4,
    max_points: int | None = 2000,
    max_frames: int | None = 200,
    random_state: int = 0,
) -> Path:
    """Write an interactive HTML page that replays an EM run.

    The page has a slider with play/pause and step buttons through the
    model's snapshots; a scatter plot of the data coloured by hard labels or
    blended by responsibilities, with each component's ``n_std``-sigma
    ellipse and mean; the log-likelihood curve with a cursor at the current
    iteration; and a table of the component weights. It is one file with the
    script, styles and data inline: it makes no network request and works
    from ``file://``.

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``snapshot_every`` set; ``snapshot_every=1`` shows every
        iteration. A model fitted without it (only start and end kept) is
        rejected with a message saying so.
    X : array-like of shape (n_samples, n_features)
        The data the model was fitted on.
    path : str or Path
        Where to write the page (written atomically).
    dims : pair of int or "pca", default=(0, 1)
        The two features shown, or the plane of the two leading principal axes
        (covariances are projected, so the ellipses stay exact).
    title : str, optional
        Page heading; defaults to "EM explorer".
    n_std : float, default=2.0
        Size of the ellipses in standard deviations.
    fps : float, default=4
        Snapshots per second when playing.
    max_points : int or None, default=2000
        Draw a random subsample of at most this many points (the page says
        so); the log-likelihood still uses every row. None draws all.
    max_frames : int or None, default=200
        Keep at most this many snapshots, evenly spaced, first and last always
        kept (None: all). Page size grows with points × frames × components.
    random_state : int, default=0
        Seed of the point subsample.

    Returns
    -------
    path : Path
        The page written.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When the model has no EM snapshots, the data has one feature, or ``X``
        does not match the model's features.
    """
    path = check_playback(fps, n_std, path)
    run = em_frames(
        model,
        X,
        dims,
        max_points=max_points,
        max_frames=max_frames,
        random_state=random_state,
    )
    heading = "EM explorer" if title is None else str(title)
    data = _payload(run, model, heading, n_std, fps)
    page = _template().replace("__TITLE__", html.escape(heading))
    page = page.replace("__DATA__", _script_json(data))
    _write_atomically(path, page)
    return path


def _payload(run: EMFrames, model: Any, heading: str, n_std: float, fps: float) -> dict:
    """Everything the page draws, as JSON-ready values."""
    n_components = run.n_components
    frames = []
    for frame in run.frames:
        labels = np.where(frame.labels == NOISE_LABEL, 255, frame.labels)
        quantised = np.rint(np.clip(frame.responsibilities, 0, 1) * 255)
        mixture = frame.mixture
        frames.append(
            {
                "iteration": frame.iteration,
                "weights": _rounded(mixture.weights),
                "noiseWeight": round(frame.noise_weight, 6),
                "means": _rounded(mixture.means),
                "ellipses": [
                    _rounded(ellipse_params(cov, n_std)) for cov in mixture.covariances
                ],
                "logLikelihood": _finite_or_none(frame.log_likelihood),
                "labels": _base64(labels),
                "resp": _base64(quantised),
            }
        )
    every = getattr(model, "snapshot_every", None)
    status = "converged" if run.converged else "did not converge"
    summary = (
        f"{n_components} components, {model.covariance_type} covariances, "
        f"{run.n_iter} EM iterations ({status})"
    )
    if run.has_noise:
        summary += ", with a uniform background component"
    return {
        "title": heading,
        "summary": summary,
        "snapshotEvery": every,
        "axisLabels": list(run.view.labels),
        "nStd": n_std,
        "fps": fps,
        "nSamples": run.n_samples,
        "x": _rounded(run.points[:, 0]),
        "y": _rounded(run.points[:, 1]),
        "colors": [to_hex(c) for c in component_colors(n_components)],
        "noiseColor": NOISE_COLOR,
        "hasNoise": run.has_noise,
        "nIter": run.n_iter,
        "converged": run.converged,
        "curve": [_finite_or_none(v) for v in run.curve],
        "frames": frames,
    }


def _rounded(values: Any) -> list:
    """Floats to 6 significant digits (nested lists), plenty for drawing."""
    array = np.asarray(values, dtype=np.float64)
    return _SIGNIFICANT(array).tolist()


_SIGNIFICANT = np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _base64(values: np.ndarray) -> str:
    return base64.b64encode(np.asarray(values, dtype=np.uint8).tobytes()).decode()


def _script_json(data: dict) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def _template() -> str:
    """The page, ``explorer.html`` in this package, with its two placeholders.

    Data arrive as JSON in the "em-data" script element (``__DATA__``); text
    from the data (titles, feature names) is only ever set with textContent.
    """
    source = files(__package__).joinpath(_TEMPLATE_NAME)
    return source.read_text(encoding="utf-8")


def _write_atomically(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"))
