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

import numpy as np

from .stats import SuffStats

#: Defaults of the step-size schedule (GaussianMixture's step_offset, step_decay).
STEP_OFFSET, STEP_DECAY = 2.0, 0.7


def step_size(t: int, step_offset: float, step_decay: float) -> float:
    """``rho_t = (step_offset + t) ** (-step_decay)`` (1 for the first batch)."""
    if t == 0:
        return 1.0
    return float((step_offset + t) ** (-step_decay))


def scale(stats: SuffStats, factor: float) -> SuffStats:
    """Statistics of ``factor`` times each row's weight."""
    return SuffStats(
        nk=stats.nk * factor,
        sum_dx=stats.sum_dx * factor,
        sum_dxx=stats.sum_dxx * factor,
        shift=stats.shift,
        log_likelihood=stats.log_likelihood * factor,
        weight=stats.weight * factor,
        n_samples=stats.n_samples,
        noise_mass=stats.noise_mass * factor,
    )


def recentre(stats: SuffStats, shift: np.ndarray, covariance_type: str) -> SuffStats:
    """The same statistics taken about another point.

    With ``delta = old_shift - new_shift``, each row's offset becomes
    ``(x - old) + delta``, so the first moments gain ``nk * delta`` and the
    second moments gain the cross terms and ``nk * delta delta^T`` (reduced
    to the covariance type's form: full per component, tied summed over
    components, diag its diagonal, spherical its trace).
    """
    shift = np.asarray(shift, dtype=np.float64)
    delta = stats.shift - shift
    nk, sum_dx, sum_dxx = stats.nk, stats.sum_dx, stats.sum_dxx
    if covariance_type == "full":
        cross = sum_dx[:, :, None] * delta[None, None, :]
        new_dxx = (
            sum_dxx
            + cross
            + cross.transpose(0, 2, 1)
            + nk[:, None, None] * np.outer(delta, delta)
        )
    elif covariance_type == "tied":
        # Every row's scatter counts once, by its mass over the components.
        total_dx = sum_dx.sum(axis=0)
        cross = np.outer(total_dx, delta)
        new_dxx = sum_dxx + cross + cross.T + nk.sum() * np.outer(delta, delta)
    elif covariance_type == "diag":
        new_dxx = sum_dxx + 2.0 * sum_dx * delta + nk[:, None] * delta**2
    elif covariance_type == "spherical":
        new_dxx = sum_dxx + 2.0 * sum_dx @ delta + nk * (delta @ delta)
    else:  # pragma: no cover - validated by the estimator
        raise ValueError(f"Unknown covariance_type {covariance_type!r}.")
    return SuffStats(
        nk=nk,
        sum_dx=sum_dx + nk[:, None] * delta,
        sum_dxx=new_dxx,
        shift=shift,
        log_likelihood=stats.log_likelihood,
        weight=stats.weight,
        n_samples=stats.n_samples,
        noise_mass=stats.noise_mass,
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
    merged = old + new
    return SuffStats(
        nk=merged.nk,
        sum_dx=merged.sum_dx,
        sum_dxx=merged.sum_dxx,
        shift=merged.shift,
        log_likelihood=merged.log_likelihood,
        weight=merged.weight,
        n_samples=batch.n_samples,
        noise_mass=merged.noise_mass,
    )


__all__ = ["STEP_DECAY", "STEP_OFFSET", "blend", "recentre", "scale", "step_size"]
