"""The interface every covariance model implements.

A covariance model is a stateless object (one per type, see
:func:`gmmkit.covariance.covariance_model`); all arrays come in and go out
through its methods, shaped per the table in :mod:`gmmkit.covariance`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_float_array
from .kernels import ChunkKernel, DistanceKernel, FeatureKernel, new_array

#: The parameter name in messages about the covariance prior.
_PRIOR = "covariance_prior"


def _refuse_rescale(name: str, why: str) -> ValueError:
    """The error of :meth:`CovarianceModel.rescale` for a non-rescalable model."""
    return ValueError(
        f"a {name} mixture fitted on standardised data is not {name} in the data's "
        f"units ({why}); fit it without standardising, or use a model that "
        "survives rescaling (VVV/full, EEE/tied, VVI/diag, EEI, VEI, EVI, VEE, EVV)."
    )


class CovarianceModel:
    """Behaviour of one covariance type; subclasses fill in every method.

    Attributes
    ----------
    name : str
        The ``covariance_type`` string.
    shared : bool
        One covariance for all components (``tied``): its arrays have no
        component axis, and it is estimated from every component's residuals.
    rescalable : bool
        Whether a covariance of this form stays of this form when the data
        are multiplied per feature (see :meth:`rescale`).
    mclust_name : str
        The model's name in Celeux & Govaert's notation (as mclust spells
        it): volume, shape and orientation of ``lambda_k D_k A_k D_k^T``,
        each Equal across components, Variable, or the Identity.
    """

    name: str = ""
    shared: bool = False
    rescalable: bool = True
    mclust_name: str = ""

    def shape(self, n_components: int, n_features: int) -> tuple[int, ...]:
        """Shape of the ``covariances_`` (and ``precisions_``) array."""
        raise NotImplementedError

    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Number of free covariance parameters (mclust's ``nVarParams``).

        One volume, ``d - 1`` shape and ``d (d - 1) / 2`` orientation
        parameters per component where they vary, once where they are
        equal, none where they are the identity.
        """
        per_part = (1, n_features - 1, n_features * (n_features - 1) // 2)
        counts = {"E": 1, "V": n_components, "I": 0}
        return sum(
            counts[letter] * size
            for letter, size in zip(self.mclust_name, per_part, strict=True)
        )

    def decompose(
        self, covariances: np.ndarray, n_components: int, n_features: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Volume, shape and orientation of each covariance.

        ``Sigma_k = volume_k * D_k diag(shape_k) D_k^T`` with
        ``volume_k = |Sigma_k|^(1/d)`` and ``prod(shape_k) = 1``. Where the
        model's orientation is the identity, ``D`` is and the shapes follow
        the features' order (as mclust reports them); where it is common, one
        ``D`` serves every component, its columns ordered by component 0's
        shape, largest first; otherwise each ``D_k`` is ordered by its own.

        Returns
        -------
        volumes : ndarray of shape (K,)
        shapes : ndarray of shape (K, d)
        orientations : ndarray of shape (K, d, d)
            Columns are the axes.
        """
        full = np.asarray(self.to_full(covariances, n_components, n_features))
        orientation = self.mclust_name[2]
        if orientation == "V":
            values, vectors = np.linalg.eigh(full)
            values, vectors = values[:, ::-1], vectors[:, :, ::-1]
        else:
            common = np.eye(n_features)
            if orientation == "E":
                weights = 1.0 + np.arange(n_components) / (np.pi * n_components)
                common = np.linalg.eigh(np.einsum("k,kij->ij", weights, full))[1]
            values = np.einsum("ji,kjl,li->ki", common, full, common)
            if orientation == "E":
                order = np.argsort(-values[0], kind="stable")
                values, common = values[:, order], common[:, order]
            vectors = np.broadcast_to(common, full.shape).copy()
        volumes = np.exp(np.mean(np.log(values), axis=1))
        return volumes, values / volumes[:, None], vectors

    def moment_features(
        self, chunk: np.ndarray, centre: np.ndarray, empty=new_array
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Features whose products with responsibilities give the moments.

        Parameters
        ----------
        chunk : ndarray of shape (n, d)
            Raw rows.
        centre : ndarray of shape (d,)
            Point the moments are taken about, in the chunk's dtype.
        empty : callable
            ``empty(role, shape, dtype)`` (see :func:`new_array`).

        Returns
        -------
        features : ndarray of shape (p, n) or None
            None for the types whose :meth:`accumulate` reads only the
            centred rows.
        centred : ndarray of shape (n, d)
            ``chunk - centre``.
        """
        centred = empty("centred", chunk.shape[::-1], chunk.dtype)
        np.subtract(chunk.T, np.asarray(centre)[:, None], out=centred)
        return None, centred.T

    def distance_kernel(
        self, delta_means: np.ndarray, precisions_cholesky: np.ndarray
    ) -> DistanceKernel:
        """Kernel giving each component's squared distance for a chunk.

        Parameters
        ----------
        delta_means : ndarray of shape (K, d)
            Component means minus the mixture centre.
        precisions_cholesky : ndarray
            Precision Cholesky factors (float64).
        """
        raise NotImplementedError

    def chunk_kernel(
        self,
        means: np.ndarray,
        precisions_cholesky: np.ndarray,
        centre: np.ndarray,
        bias: np.ndarray,
        dtype,
    ) -> ChunkKernel:
        """The E-step's per-chunk arithmetic under these parameters.

        Parameters
        ----------
        means : ndarray of shape (K, d)
        precisions_cholesky : ndarray
            Precision Cholesky factors (float64).
        centre : ndarray of shape (d,)
            Point the moments are taken about.
        bias : ndarray of shape (K + m,)
            Added to each component's ``-(squared distance) / 2``: for a
            Gaussian mixture ``log w_k + log det U_k - d log(2 pi) / 2`` (the
            variational family passes its own constants, the Student-t family
            zeros), then the log-density of ``m`` constant columns (a uniform
            background).
        dtype : dtype
            Dtype of the chunks.
        """
        kernel = self.distance_kernel(means - centre, precisions_cholesky)
        return FeatureKernel(self, kernel, centre, bias, dtype)

    def accumulate(
        self,
        Xg: np.ndarray,
        features: np.ndarray,
        resp: np.ndarray,
        row_weight: np.ndarray | None,
    ) -> tuple[np.ndarray, ...]:
        """Raw moments of one chunk about the mixture centre.

        Raw moments of chunks add up; :meth:`moments` turns their sum into
        the statistics, once per pass rather than once per chunk.

        Parameters
        ----------
        Xg : ndarray of shape (n, d)
            Chunk rows minus the mixture centre.
        features : ndarray of shape (p, n)
            The chunk's kernel features (``moment_features`` for the types
            that have them).
        resp : ndarray of shape (n, K)
            Responsibilities times sample weights.
        row_weight : ndarray of shape (n,) or None
            Sample weights (None for unit weights); rows of ``resp`` sum to them.

        Returns
        -------
        raw : tuple of ndarray
        """
        raise NotImplementedError

    def moments(
        self, raw: tuple[np.ndarray, ...], n_features: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masses, first and second moments from summed raw moments.

        Returns
        -------
        nk : ndarray of shape (K,)
        sum_dx : ndarray of shape (K, d)
        sum_dxx : ndarray, shape per the table in the module docstring
        """
        # Rows of ``features @ resp``: the masses, d first moments, then the rest.
        (moments,) = raw
        d = n_features
        return moments[0], moments[1 : d + 1].T, moments[d + 1 :].T

    def covariances(
        self,
        sum_dxx: np.ndarray,
        nk: np.ndarray,
        delta: np.ndarray,
        reg_covar: float,
        previous: np.ndarray | None = None,
    ) -> np.ndarray:
        """M-step: covariances from the second moment about the centre.

        Parameters
        ----------
        sum_dxx : ndarray
            Second-moment statistic about the centre.
        nk : ndarray of shape (K,)
            Responsibility mass per component.
        delta : ndarray of shape (K, d)
            New means minus the centre.
        reg_covar : float
            Added to the diagonal.
        previous : ndarray or None
            The covariances the statistics were computed under, when known.
            Models whose M-step is iterative start from them, so that the
            step never lowers the expected log-likelihood; the others ignore
            it.
        """
        raise NotImplementedError

    def precisions_cholesky(self, covariances: np.ndarray) -> np.ndarray:
        """Cholesky factors of the precisions; raises ComponentCollapseError."""
        raise NotImplementedError

    def precisions(self, precisions_cholesky: np.ndarray) -> np.ndarray:
        """Precision matrices from their Cholesky factors."""
        raise NotImplementedError

    def covariances_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        """Covariances from precisions (used for user-given initial precisions)."""
        raise NotImplementedError

    def cholesky_from_precisions(self, precisions: np.ndarray) -> np.ndarray:
        """Precision Cholesky factors from precisions."""
        raise NotImplementedError

    def log_det_cholesky(self, precisions_cholesky: np.ndarray, n_features: int):
        """Log-determinant of each precision Cholesky factor, shape (K,) or ()."""
        raise NotImplementedError

    def to_full(
        self, covariances: np.ndarray, n_components: int, n_features: int
    ) -> np.ndarray:
        """Expand to full ``(K, d, d)`` matrices (for figures and sampling)."""
        raise NotImplementedError

    def sample(self, rng, means, covariances, counts) -> np.ndarray:
        """Draw ``counts[k]`` points from component ``k``, grouped by component."""
        full = self.to_full(covariances, *means.shape)
        parts = []
        for mean, cov, count in zip(means, full, counts, strict=True):
            factor = np.linalg.cholesky(cov)
            z = rng.standard_normal((int(count), len(mean)))
            parts.append(mean + z @ factor.T)
        return np.concatenate(parts) if parts else np.empty((0, means.shape[1]))

    def check_precisions(
        self, precisions: np.ndarray, n_components: int, n_features: int
    ) -> np.ndarray:
        """Validate user-given precisions: shape, symmetry, positive definiteness."""
        expected = self.shape(n_components, n_features)
        precisions = np.asarray(precisions, dtype=np.float64)
        if precisions.shape != expected:
            raise ValueError(
                f"precisions_init for covariance_type={self.name!r} must have "
                f"shape {expected}, got {precisions.shape}."
            )
        if not np.all(np.isfinite(precisions)):
            raise ValueError("precisions_init contains NaN or infinity.")
        return precisions

    # ------------------------------------------------------------------
    # Changes of origin and of units, sample sizes, priors.
    def recentre(
        self,
        nk: np.ndarray,
        sum_dx: np.ndarray,
        sum_dxx: np.ndarray,
        delta: np.ndarray,
    ) -> np.ndarray:
        """Second-moment statistic taken about a point moved by ``-delta``.

        With ``delta = old_shift - new_shift`` every row's offset becomes
        ``(x - old_shift) + delta``, so the second moment gains the cross terms
        ``sum_dx delta^T + delta sum_dx^T`` and ``nk delta delta^T``, reduced
        to this type's form (the first moments gain ``nk delta``; that part
        is the caller's, see :func:`gmmkit.stepwise.recentre`).

        Parameters
        ----------
        nk : ndarray of shape (K,)
            Responsibility mass per component.
        sum_dx : ndarray of shape (K, d)
            First moments about the old shift.
        sum_dxx : ndarray
            Second-moment statistic about the old shift, shaped per the table
            in :mod:`gmmkit.covariance`.
        delta : ndarray of shape (d,)
            Old shift minus new shift.

        Returns
        -------
        sum_dxx : ndarray
            About the new shift, same shape.
        """
        raise NotImplementedError

    def rescale(self, covariances: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Covariances of the same mixture for data multiplied by ``scale``.

        Multiplying feature ``j`` by ``scale[j]`` turns ``Sigma`` into
        ``S Sigma S`` with ``S = diag(scale)``.

        Parameters
        ----------
        covariances : ndarray
            Shaped per the table in :mod:`gmmkit.covariance`.
        scale : ndarray of shape (d,)
            Positive factor per feature.

        Returns
        -------
        covariances : ndarray
            Same shape and dtype rules as ``covariances * scale``.

        Raises
        ------
        ValueError
            When the rescaled covariance is not of this type (see
            :attr:`rescalable`).
        """
        raise NotImplementedError

    def min_points(self, n_features: int) -> int:
        """The fewest points a component needs for its parameters.

        One residual degree of freedom per dimension its covariance
        estimates (see :func:`gmmkit.selection.degeneracy`).

        Parameters
        ----------
        n_features : int

        Returns
        -------
        count : int
        """
        raise NotImplementedError

    def wishart_posterior(
        self,
        nk: np.ndarray,
        xk: np.ndarray,
        sk: np.ndarray,
        prior,
        mean_precision: np.ndarray,
    ) -> tuple[np.ndarray | float, np.ndarray]:
        """Variational posterior of the precision (Normal-Wishart update).

        Parameters
        ----------
        nk : ndarray of shape (K,)
            Responsibility mass per component.
        xk : ndarray of shape (K, d)
            Responsibility-weighted mean per component.
        sk : ndarray
            Responsibility-weighted covariances (from :meth:`covariances`),
            shaped per the table in :mod:`gmmkit.covariance`.
        prior : object
            With attributes ``mean`` (d,), ``mean_precision`` (float),
            ``degrees_of_freedom`` (float) and ``covariance`` (shaped as
            :meth:`prior_covariance` returns).
        mean_precision : ndarray of shape (K,)
            Posterior ``beta_k = beta_0 + nk``.

        Returns
        -------
        degrees_of_freedom : ndarray of shape (K,), or float when shared
            ``nu_k``.
        covariances : ndarray
            ``(nu_k W_k)^{-1}``, shaped per the table (scikit-learn's
            convention: the covariance of the expected precision).
        """
        raise NotImplementedError

    def check_covariance_prior(self, value: Any, n_features: int) -> np.ndarray | float:
        """Validate a user-given ``covariance_prior``.

        Parameters
        ----------
        value : array-like or float
            (d, d) for full and tied, (d,) for diag, a number for spherical.
        n_features : int

        Returns
        -------
        covariance : ndarray of float64, or float

        Raises
        ------
        ValueError
            For a wrong shape, NaN or infinity, or a value that is not
            positive (definite).
        """
        raise NotImplementedError

    def prior_covariance(self, data_covariance: np.ndarray) -> np.ndarray | float:
        """The default ``covariance_prior``, from the data's covariance.

        Parameters
        ----------
        data_covariance : ndarray of shape (d, d), or its diagonal (d,)
            The types that keep only variances accept the diagonal alone.

        Returns
        -------
        covariance : ndarray or float
            Shaped as :meth:`check_covariance_prior` returns.
        """
        raise NotImplementedError

    def _checked_prior_array(self, value: Any, expected: tuple[int, ...]):
        """``value`` as a finite float64 array of shape ``expected``."""
        covariance = as_float_array(value, _PRIOR)
        if covariance.shape != expected:
            raise ValueError(
                f"{_PRIOR} for covariance_type={self.name!r} must have shape "
                f"{expected}, got {covariance.shape}."
            )
        if not np.all(np.isfinite(covariance)):
            raise ValueError(f"{_PRIOR} contains NaN or infinity.")
        return covariance
