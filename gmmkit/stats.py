"""Sufficient statistics of one EM pass: what an E-step produces, what merges.

A chunk of rows, evaluated under fixed parameters, reduces to a
:class:`SuffStats`. Statistics of disjoint chunks evaluated under the same
parameters add up exactly to those of their union, so chunked, streaming,
parallel and distributed fits all run the same M-step on the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SuffStats:
    """Responsibility-weighted moments of a set of rows.

    Moments are taken about ``shift``, the mixture's centre under the
    parameters the E-step used (``sum_k weights_k means_k``), not about the
    origin, so that data far from the origin keep their digits in float32.
    All arrays are float64 whatever the data's dtype.

    Attributes
    ----------
    nk : ndarray of shape (n_components,)
        Responsibility mass per component (weighted by sample weights).
    sum_dx : ndarray of shape (n_components, n_features)
        First moment about ``shift``: ``sum_n r_nk (x_n - shift)``.
    sum_dxx : ndarray
        Second moment about ``shift``; its shape depends on the covariance
        type (``(K, d, d)``, ``(d, d)``, ``(K, d)`` or ``(K,)``).
    shift : ndarray of shape (n_features,)
        Point the moments are taken about.
    log_likelihood : float
        Sum of ``w_n log p(x_n)`` over the rows.
    weight : float
        Sum of the sample weights (the row count without weights).
    n_samples : int
        Number of rows.
    noise_mass : float
        Responsibility mass of a uniform background component (0 without one).
    extra : mapping of str to ndarray or float
        Further sums a component family keeps beyond the moments (the
        variational E-step's ``sum r log r``, the Student-t family's masses
        before scaling, ...). Each is a sum over rows, so ``+`` adds them
        key by key like the moments.
    """

    nk: np.ndarray
    sum_dx: np.ndarray
    sum_dxx: np.ndarray
    shift: np.ndarray
    log_likelihood: float
    weight: float
    n_samples: int
    noise_mass: float = 0.0
    extra: Mapping[str, np.ndarray | float] = field(default_factory=dict)

    def __add__(self, other: SuffStats) -> SuffStats:
        """Merge statistics of two disjoint sets of rows."""
        if not isinstance(other, SuffStats):
            return NotImplemented
        if self.shift.shape != other.shift.shape or not np.array_equal(
            self.shift, other.shift
        ):
            raise ValueError(
                "Cannot merge statistics computed under different parameters "
                "(their shifts differ); compute both with the same parameters."
            )
        return SuffStats(
            nk=self.nk + other.nk,
            sum_dx=self.sum_dx + other.sum_dx,
            sum_dxx=self.sum_dxx + other.sum_dxx,
            shift=self.shift,
            log_likelihood=self.log_likelihood + other.log_likelihood,
            weight=self.weight + other.weight,
            n_samples=self.n_samples + other.n_samples,
            noise_mass=self.noise_mass + other.noise_mass,
            extra=_add_extra(self.extra, other.extra),
        )

    def __radd__(self, other):
        """Let ``sum(list_of_stats)`` work: ``0 + stats`` is ``stats``."""
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    @property
    def mean_log_likelihood(self) -> float:
        """Weighted mean log-likelihood per sample."""
        return self.log_likelihood / self.weight


def _add_extra(first: Mapping, second: Mapping) -> dict:
    """Key-by-key sum of two ``extra`` mappings holding the same keys."""
    if first.keys() != second.keys():
        raise ValueError(
            "Cannot merge statistics of different component families (their extra "
            f"sums differ: {sorted(first)} and {sorted(second)})."
        )
    return {key: first[key] + second[key] for key in first}


def weighted_moments(
    X: np.ndarray,
    sample_weight: np.ndarray | None = None,
    ddof: int = 1,
    chunk_size: int = 4096,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance of the rows, in float64, chunk by chunk.

    Weights count as repetitions of their row, so the covariance is the
    weighted scatter about the mean divided by ``sum(w) - ddof``: with
    ``ddof=1`` (the default) that of ``numpy.cov`` on the repeated rows, with
    ``ddof=0`` the maximum-likelihood covariance. Fractional weights summing
    to ``ddof`` or less fall back to dividing by ``sum(w)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,) or None
    ddof : {0, 1}, default=1
    chunk_size : int, default=4096
        Rows converted to float64 at a time.

    Returns
    -------
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
    """
    n_samples, n_features = X.shape
    if sample_weight is None:
        total = float(n_samples)
        mean = X.sum(axis=0, dtype=np.float64) / total
    else:
        total = float(sample_weight.sum(dtype=np.float64))
        mean = sample_weight.astype(np.float64) @ X / total
    scatter = np.zeros((n_features, n_features))
    for start in range(0, n_samples, chunk_size):
        rows = slice(start, start + chunk_size)
        centred = X[rows].astype(np.float64) - mean
        weighted = centred
        if sample_weight is not None:
            weighted = centred * sample_weight[rows, None].astype(np.float64)
        scatter += weighted.T @ centred
    return mean, scatter / covariance_divisor(total, ddof)


def covariance_divisor(total_weight: float, ddof: int = 1) -> float:
    """What a weighted scatter is divided by: ``sum(w) - ddof``.

    Fractional weights summing to ``ddof`` or less fall back to ``sum(w)``.
    """
    return total_weight - ddof if total_weight > ddof else total_weight
