"""Sufficient statistics of one EM pass: what an E-step produces, what merges.

A chunk of rows, evaluated under fixed parameters, reduces to a
:class:`SuffStats`. Statistics of disjoint chunks evaluated under the same
parameters add up exactly to those of their union, so chunked, streaming,
parallel and distributed fits all run the same M-step on the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    nk: np.ndarray
    sum_dx: np.ndarray
    sum_dxx: np.ndarray
    shift: np.ndarray
    log_likelihood: float
    weight: float
    n_samples: int
    noise_mass: float = 0.0

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
