"""Stepwise (online) EM: running sufficient statistics blended batch by batch.

After batch ``t`` (counting from 0) the running statistics, normalised to
unit weight, are

    s_t = (1 - rho_t) * s_{t-1} + rho_t * stats(batch_t) / weight(batch_t),

with ``s_0`` the first batch's statistics and the step size

    rho_t = (step_offset + t) ** (-step_decay),  step_decay in (0.5, 1].

This is the schedule of Cappé & Moulines (2009) and Liang & Klein (2009):
the steps sum to infinity but their squares do not, so the running
statistics settle down while every batch still counts. A smaller
``step_decay`` forgets old batches faster; a larger ``step_offset`` damps the
first steps. The M-step runs on ``s_t`` after every batch.

Statistics of different batches are taken about different shifts (each
batch's E-step uses the current mixture's centre), so the running ones are
moved to the new batch's shift before blending: an exact change of origin.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .covariance import covariance_model
from .stats import SuffStats

#: Defaults of the step-size schedule (GaussianMixture's step_offset, step_decay).
STEP_OFFSET, STEP_DECAY = 2.0, 0.7


def step_size(t: int, step_offset: float, step_decay: float) -> float:
    """``rho_t = (step_offset + t) ** (-step_decay)`` (1 for the first batch)."""
    if t == 0:
        return 1.0
    return float((step_offset + t) ** (-step_decay))


def scale(stats: SuffStats, factor: float) -> SuffStats:
    """Statistics of ``factor`` times each row's weight.

    The masses, moments, log-likelihood, weight, noise mass and the
    family's ``extra`` sums scale; the shift and the row count are kept.
    """
    return replace(
        stats,
        nk=stats.nk * factor,
        sum_dx=stats.sum_dx * factor,
        sum_dxx=stats.sum_dxx * factor,
        log_likelihood=stats.log_likelihood * factor,
        weight=stats.weight * factor,
        noise_mass=stats.noise_mass * factor,
        extra={key: value * factor for key, value in stats.extra.items()},
    )


def recentre(stats: SuffStats, shift: np.ndarray, covariance_type: str) -> SuffStats:
    """The same statistics taken about another point.

    With ``delta = old_shift - new_shift``, each row's offset becomes
    ``(x - old) + delta``, so the first moments gain ``nk * delta`` and the
    second moments gain the cross terms and ``nk * delta delta^T``, reduced
    to the covariance type's form (see
    :meth:`gmmkit.covariance.base.CovarianceModel.recentre`). Fields other
    than the moments and the shift are kept.
    """
    shift = np.asarray(shift, dtype=np.float64)
    delta = stats.shift - shift
    nk, sum_dx = stats.nk, stats.sum_dx
    sum_dxx = covariance_model(covariance_type).recentre(
        nk, sum_dx, stats.sum_dxx, delta
    )
    return replace(
        stats, sum_dx=sum_dx + nk[:, None] * delta, sum_dxx=sum_dxx, shift=shift
    )


def blend(
    running: SuffStats | None,
    batch: SuffStats,
    rho: float,
    covariance_type: str,
) -> SuffStats:
    """``(1 - rho) * running + rho * batch``, both normalised to unit weight.

    Parameters
    ----------
    running : SuffStats or None
        Running statistics (unit weight); None before the first batch.
    batch : SuffStats
        The new batch's statistics (any weight).
    rho : float
        Step size in (0, 1].
    covariance_type : str

    Returns
    -------
    running : SuffStats
        About the batch's shift, of unit weight.
    """
    batch = scale(batch, 1.0 / batch.weight)
    if running is None or rho >= 1.0:
        return batch
    old = scale(recentre(running, batch.shift, covariance_type), 1.0 - rho)
    new = scale(batch, rho)
    return replace(old + new, n_samples=batch.n_samples)


__all__ = ["STEP_DECAY", "STEP_OFFSET", "blend", "recentre", "scale", "step_size"]
