"""GaussianMixture: a scikit-learn compatible estimator over gmmkit's EM engine.

The estimator supplies its steps (a start, one E-step and M-step of the
Gaussian family) to the one EM driver, :mod:`gmmkit.em`; fitting,
restarts, warnings and inference come from :class:`MixtureBase`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from ._backend import backend_for
from ._estimator import model_file_estimator
from ._mixture_base import InformationCriteria, MixtureBase
from ._validation import (
    Boolean,
    Constraints,
    Integer,
    OneOf,
    Real,
    Rule,
    as_generator,
    check_callbacks,
    check_in_half_open,
    check_initial_values,
    check_n_features,
)
from .covariance import MODEL_NAMES, covariance_model
from .em import Schedule, Steps, squarem
from .exceptions import ComponentCollapseError
from .families.gaussian import MixtureParams, Snapshot, extrapolate, m_step
from .init import background_candidates, initial_params, needs_data
from .stepwise import STEP_DECAY, STEP_OFFSET, blend, step_size

Callback = Callable[[int, float, MixtureParams], Any]

#: Bounds of the starting weight of a uniform background component.
NOISE_WEIGHT_MIN, NOISE_WEIGHT_MAX = 0.01, 0.5


@model_file_estimator
class GaussianMixture(InformationCriteria, MixtureBase):
    """Gaussian mixture model fitted by Expectation–Maximization.

    The E-step runs over chunks of rows and returns sufficient statistics
    that merge by addition; the M-step turns them into parameters. Memory
    during a fit is bounded by ``chunk_size``.

    ``fit`` and the inference methods also take a ``dask.array.Array``: the
    E-step then runs block by block on the active Dask scheduler and the
    statistics are tree-reduced, so data larger than memory can be fitted
    (see :mod:`gmmkit.distributed`); predictions come back as lazy Dask
    arrays. :meth:`partial_fit` fits data arriving in batches by stepwise EM.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : str, default="full"
        Form of each component's covariance: scikit-learn's "full", "tied",
        "diag" or "spherical", or any of mclust's 14 parsimonious models
        ``Sigma_k = lambda_k D_k A_k D_k^T`` (Celeux & Govaert 1995), named
        by whether the volume, shape and orientation are Equal, Variable or
        the Identity: "EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
        "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV". "VII", "VVI", "EEE"
        and "VVV" are "spherical", "diag", "tied" and "full". The fitted
        decomposition is in ``volumes_``, ``shapes_`` and ``orientations_``.
    tol : float, default=1e-3
        Stop when the mean log-likelihood per sample changes by less.
    reg_covar : float, default=1e-6
        Added to covariance diagonals to keep them positive definite.
    max_iter : int, default=100
        Most EM iterations per start.
    n_init : int, default=1
        Number of starts; the one with the highest log-likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data", "hc"}
        How starts are made: k-means labels; k-means++ seeds or random rows,
        each row then assigned to its nearest seed; random
        responsibilities; or mclust's model-based hierarchical clustering
        (deterministic; see :mod:`gmmkit.hierarchical`).
    weights_init : array-like of shape (n_components,), optional
        Initial weights (non-negative, summing to 1).
    means_init : array-like of shape (n_components, n_features), optional
        Initial means. Rows are assigned to the nearest given mean to
        estimate whatever is not given.
    precisions_init : array-like, optional
        Initial precisions (inverse covariances), shaped per
        ``covariance_type``: (K, d, d), (d, d), (K, d) or (K,).
    random_state : None, int, RandomState or Generator
        Seed for the starts and for :meth:`sample`.
    warm_start : bool, default=False
        Start each ``fit`` from the previous solution (``n_init`` ignored).
    verbose : int, default=0
        1 logs each start, 2 also every ``verbose_interval`` iterations. The
        messages go to the ``"gmmkit"`` logger (the library never prints).
    verbose_interval : int, default=10
        Iterations between messages at ``verbose=2``.
    chunk_size : int, optional
        Rows per E-step chunk. None picks a size keeping each chunk's
        working arrays near 2 MiB together.
    callbacks : callable or sequence of callables, optional
        Each is called after every EM iteration as
        ``callback(iteration, log_likelihood, params)``: ``log_likelihood``
        is the mean log-likelihood computed in that iteration's E-step and
        ``params`` a read-only :class:`~gmmkit.families.gaussian.MixtureParams` after
        its M-step. Returning ``False`` stops the fit.
    snapshot_every : int, optional
        Keep the parameters every this many iterations in ``snapshots_``.
        The start and the final parameters are always kept.
    noise : {None, "uniform"}, default=None
        ``"uniform"`` adds a background component of constant density over
        the bounding box of the training data (the mclust approach), whose
        weight EM learns as ``noise_weight_``. Points it explains best are
        labelled ``-1`` by :meth:`predict`; :meth:`predict_proba` then has
        one more column, last, for the background. Not available for Dask
        input or :meth:`partial_fit`.
    step_offset : float, default=2.0
        ``t0`` of :meth:`partial_fit`'s step size
        ``rho_t = (t0 + t) ** (-kappa)`` for the ``t``-th batch (from 0).
    step_decay : float, default=0.7
        ``kappa`` of that step size, in (0.5, 1].
    accelerate : bool, default=False
        Run EM as SQUAREM cycles (Varadhan & Roland 2008; see
        :func:`gmmkit.em.squarem`): each iteration is two EM steps, a jump
        along them and two more EM steps, the jump kept only when it raises
        the log-likelihood. Slowly converging fits (overlapping components)
        need two to five times fewer E-steps; the log-likelihood reported
        per iteration still never decreases. :func:`~gmmkit.select_model`
        uses it.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_ : ndarray
        (K, d, d) full, VEE, EVE, VVE, EEV, VEV, EVV; (d, d) tied; (K, d)
        diag, EEI, VEI, EVI; (K,) spherical, EII (see
        :mod:`gmmkit.covariance`).
    precisions_ : ndarray
        Inverses of the covariances, same shape.
    precisions_cholesky_ : ndarray
        ``U`` with ``precision = U @ U.T``, same shape.
    volumes_ : ndarray of shape (n_components,)
        ``lambda_k = |Sigma_k|^(1/d)`` (a property, computed on demand).
    shapes_ : ndarray of shape (n_components, n_features)
        Eigenvalues of ``Sigma_k / lambda_k``, product 1, in the order of
        the axes of ``orientations_``.
    orientations_ : ndarray of shape (n_components, n_features, n_features)
        ``D_k``, the axes as columns: the identity for the diagonal models
        (shapes in the features' order), one common ``D`` where the model's
        orientation is equal, ordered by component 0's shape, largest first.
    converged_ : bool
        Whether the best start met ``tol``.
    n_iter_ : int
        EM iterations of the best start.
    lower_bound_ : float
        Mean log-likelihood at the last E-step of the best start.
    history_ : list of float
        Mean log-likelihood per iteration of the best start: entry ``i``
        belongs to the parameters after ``i`` M-steps (0 is the start).
    lower_bounds_ : list of float
        Same as ``history_`` (scikit-learn's name).
    snapshots_ : list of Snapshot
        Parameters of the best start at iteration 0, every
        ``snapshot_every`` iterations, and at the end.
    noise_weight_ : float
        Weight of the background component (0.0 when ``noise=None``).
    noise_bounds_ : ndarray of shape (2, n_features)
        Lower and upper corners of the background's box (``noise="uniform"``).
    n_batches_seen_ : int
        Batches :meth:`partial_fit` has blended in since the last ``fit``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present only when fitted on a DataFrame with string column names.

    Examples
    --------
    >>> from gmmkit import GaussianMixture
    >>> from gmmkit.datasets import load_old_faithful
    >>> X = load_old_faithful()
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> gm.means_[gm.means_[:, 0].argsort()].round(1)
    array([[ 2. , 54.5],
           [ 4.3, 80. ]])
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        chunk_size: int | None = None,
        callbacks: Callback | Sequence[Callback] | None = None,
        snapshot_every: int | None = None,
        noise: str | None = None,
        step_offset: float = STEP_OFFSET,
        step_decay: float = STEP_DECAY,
        accelerate: bool = False,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.chunk_size = chunk_size
        self.callbacks = callbacks
        self.snapshot_every = snapshot_every
        self.noise = noise
        self.step_offset = step_offset
        self.step_decay = step_decay
        self.accelerate = accelerate

    _fitted_records: ClassVar[dict[str, type]] = {"snapshots_": Snapshot}
    _parameter_constraints: ClassVar[Constraints] = {
        "covariance_type": OneOf(MODEL_NAMES),
        "snapshot_every": Integer(1, optional=True),
        "callbacks": Rule(check_callbacks),
        "noise": OneOf(("uniform",), optional=True),
        "step_offset": Real(),
        "step_decay": Rule(check_in_half_open(0.5, 1, "for stepwise EM to converge")),
        "accelerate": Boolean(),
    }

    # ------------------------------------------------------------------ steps
    def _check_backend(self, backend) -> None:
        if self.noise is not None and not backend.all_rows_at_hand:
            raise ValueError(
                "noise='uniform' is not available for Dask input: its start "
                "needs every row's nearest neighbours. Fit it on an in-memory "
                "sample, or fit without noise."
            )

    def _schedule(self) -> Schedule:
        return replace(
            super()._schedule(),
            callbacks=check_callbacks(self.callbacks),
            view=MixtureParams.read_only,
            snapshot=Snapshot.of,
            snapshot_every=self.snapshot_every,
        )

    def _start_inputs(self, X, weights, backend, warm: bool) -> dict:
        if warm:
            return {"initial": {}, "warm": True}
        model = covariance_model(self.covariance_type)
        return {"initial": check_initial_values(self, X.shape[1], model), "warm": False}

    def _steps(self, X, weights, backend, rng, inputs: dict) -> Steps:
        initial = inputs["initial"]
        eps = self._mass_floor(X.dtype)
        background = None
        if self.noise is None:
            self._noise_log_density = None
        elif not inputs["warm"]:
            self.noise_bounds_ = _bounding_box(X, weights)
            self._noise_log_density = _box_log_density(self.noise_bounds_)
            background = background_candidates(X, rng)

        def iterate(params: MixtureParams) -> tuple[MixtureParams, float]:
            stats = backend.e_step(params, X, weights, self.chunk_size)
            params = m_step(
                stats,
                self.covariance_type,
                self.reg_covar,
                eps,
                noise_log_density=self._noise_log_density,
                previous=params,
            )
            return params, stats.mean_log_likelihood

        if self.accelerate:
            iterate = squarem(iterate, extrapolate)
        start = functools.partial(
            self._start, X, weights, backend, initial, rng, background
        )
        return Steps(start, iterate, self._collapse_error)

    def _start(self, X, weights, backend, initial, rng, background) -> MixtureParams:
        """Starting parameters of one run.

        With a background component, the Gaussians start from the rows that
        do not look like noise and the background from the share of the rest.
        """
        if background is not None:
            keep = np.ones(len(X)) if weights is None else weights.astype(float)
            noise_weight = float(
                np.clip(
                    keep[background].sum() / keep.sum(),
                    NOISE_WEIGHT_MIN,
                    NOISE_WEIGHT_MAX,
                )
            )
            keep[background] = 0.0
            weights = keep.astype(X.dtype)
        rows, row_weights = backend.start_rows(
            X, weights, rng, self.n_components, needed=needs_data(initial)
        )
        params = initial_params(
            rows,
            self.n_components,
            self.covariance_type,
            init_params=self.init_params,
            reg_covar=self.reg_covar,
            rng=rng,
            sample_weight=row_weights,
            chunk_size=self.chunk_size,
            **initial,
        )
        if background is None:
            return params
        return replace(
            params,
            weights=params.weights * (1.0 - noise_weight),
            noise_weight=noise_weight,
            noise_log_density=self._noise_log_density,
        )

    def _collapse_advice(self) -> str:
        return (
            f"; such a component sits on too few distinct points. Try a larger "
            f"reg_covar (now {self.reg_covar:g}, e.g. 1e-3 times the data's "
            f"variance), fewer components (now {self.n_components}), or "
            "standardising features that have very different scales."
        )

    # ------------------------------------------------------------- parameters
    def _store(self, run, dtype: np.dtype, inputs: dict) -> None:
        self._set_params(run.params, dtype)
        self.snapshots_ = run.snapshots
        self._running_stats = None
        self.n_batches_seen_ = 0

    def _set_params(self, params: MixtureParams, dtype: np.dtype) -> None:
        self._set_components(
            params.weights,
            params.means,
            params.covariances,
            params.precisions_cholesky,
            dtype,
        )
        self.noise_weight_ = float(params.noise_weight)

    def _params(self) -> MixtureParams:
        return MixtureParams(
            weights=self.weights_.astype(np.float64),
            **self._components(),
            covariance_type=self.covariance_type,
            noise_weight=getattr(self, "noise_weight_", 0.0),
            noise_log_density=getattr(self, "_noise_log_density", None),
        )

    # -------------------------------------------------------------- streaming
    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None):
        """Update the model with one batch of rows by stepwise EM.

        Each call runs one E-step on the batch under the current parameters,
        blends the batch's statistics (normalised to unit weight) into
        running ones with step size ``rho_t = (step_offset + t) **
        (-step_decay)`` for the ``t``-th batch since the last ``fit``
        (``t = 0`` takes the batch's statistics as they are), and runs the
        M-step on the result (see :mod:`gmmkit.stepwise`). With
        ``step_decay`` in (0.5, 1] the steps sum to infinity and their
        squares do not, the condition for stepwise EM to converge. The first
        call on an unfitted model starts from the batch with ``init_params``
        (or the given initial values); a model fitted by ``fit`` is updated
        from its parameters.

        Parameters
        ----------
        X : array-like or dask.array.Array of shape (n_batch, n_features)
            One batch. Batches should be random draws from the data: a batch
            holding one cluster only pulls the model towards it.
        y : ignored
        sample_weight : array-like of shape (n_batch,), optional

        Returns
        -------
        self : GaussianMixture

        Notes
        -----
        ``history_`` gains, per batch, the batch's mean log-likelihood under
        the parameters before the update; ``n_batches_seen_`` counts the
        batches. ``converged_`` stays False: there is no stopping rule.
        """
        self._check_parameters()
        if self.noise is not None:
            raise ValueError(
                "partial_fit does not support noise='uniform': the background's "
                "box would be that of the first batch. Use fit, or noise=None."
            )
        backend = backend_for(X)
        X, names = backend.check_data(X, min_samples=1)
        weights = backend.check_weights(sample_weight, X)
        if hasattr(self, "n_features_in_"):
            check_n_features(self, X, names)
            params = self._params()
        else:
            params = self._first_batch_start(X, names, weights, backend)
        running = getattr(self, "_running_stats", None)
        t = getattr(self, "n_batches_seen_", 0) if running is not None else 0
        eps = self._mass_floor(X.dtype)
        try:
            stats = backend.e_step(params, X, weights, self.chunk_size)
            rho = step_size(t, self.step_offset, self.step_decay)
            running = blend(running, stats, rho, self.covariance_type)
            params = m_step(running, self.covariance_type, self.reg_covar, eps)
        except ComponentCollapseError as error:
            raise ComponentCollapseError(
                f"partial_fit failed on batch {t + 1}: {error}. Try a larger "
                f"reg_covar (now {self.reg_covar:g}) or larger batches.",
                error.components,
            ) from None
        self._running_stats = running
        self.n_batches_seen_ = t + 1
        self._set_params(params, X.dtype)
        self.history_ = [*self.history_, stats.mean_log_likelihood]
        self.lower_bounds_ = self.history_
        self.lower_bound_ = stats.mean_log_likelihood
        self.n_iter_ = self.n_batches_seen_
        self.converged_ = False
        return self

    def _first_batch_start(self, X, names, weights, backend) -> MixtureParams:
        """Start an unfitted model from its first batch (for partial_fit)."""
        if X.shape[0] < self.n_components:
            raise ValueError(
                f"The first batch must hold at least n_components = "
                f"{self.n_components} rows, got {X.shape[0]}."
            )
        self._sample_rng = as_generator(self.random_state)
        self._noise_log_density = None
        model = covariance_model(self.covariance_type)
        initial = check_initial_values(self, X.shape[1], model)
        params = self._start(X, weights, backend, initial, self._sample_rng, None)
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        self.history_ = []
        self.snapshots_ = [Snapshot.of(0, params)]
        return params

    # -------------------------------------------------------------- inference
    def _n_columns(self) -> int:
        return self.n_components + (self.noise is not None)

    def _background_column(self) -> int | None:
        return self.n_components if self.noise is not None else None

    def _sampling_weights(self) -> np.ndarray:
        return np.append(self.weights_.astype(np.float64), self.noise_weight_)

    def _draw(self, rng, counts):
        X, y = super()._draw(rng, counts[:-1])
        if counts[-1]:
            low, high = self.noise_bounds_
            background = rng.uniform(low, high, size=(counts[-1], len(low)))
            X = np.vstack([X, background])
            y = np.concatenate([y, np.full(counts[-1], -1)])
        return X, y

    # ---------------------------------------------------------- decomposition
    @property
    def volumes_(self) -> np.ndarray:
        """``lambda_k``, shape (n_components,); see ``covariance_type``."""
        return self._decomposition()[0]

    @property
    def shapes_(self) -> np.ndarray:
        """``A_k``'s diagonal, shape (n_components, n_features)."""
        return self._decomposition()[1]

    @property
    def orientations_(self) -> np.ndarray:
        """``D_k``, shape (n_components, n_features, n_features), axes as columns."""
        return self._decomposition()[2]

    def _decomposition(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_is_fitted()
        model = covariance_model(self.covariance_type)
        return model.decompose(self.covariances_.astype(np.float64), *self.means_.shape)

    # --------------------------------------------------------------- criteria
    def _n_parameters(self) -> int:
        d = self.means_.shape[1]
        K = self.n_components
        model = covariance_model(self.covariance_type)
        noise = 1 if self.noise is not None else 0  # the background's weight
        return model.n_parameters(K, d) + K * d + K - 1 + noise

    # ------------------------------------------------------------ model files
    def _fitted_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes = super()._fitted_shapes()
        if self.noise is not None:
            shapes["noise_bounds_"] = (2, self.n_features_in_)
        return shapes

    def _restore_state(self) -> None:
        super()._restore_state()
        self._noise_log_density = None
        if self.noise is not None and hasattr(self, "noise_bounds_"):
            self._noise_log_density = _box_log_density(self.noise_bounds_)


__all__ = ["GaussianMixture", "Snapshot"]


def _bounding_box(X: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
    """Corners of the box around the rows that count (weight > 0)."""
    rows = X if sample_weight is None else X[sample_weight > 0]
    box = np.array([rows.min(axis=0), rows.max(axis=0)], dtype=np.float64)
    flat = np.flatnonzero(box[1] <= box[0])
    if flat.size:
        raise ValueError(
            f"noise='uniform' needs every feature to vary, but column(s) "
            f"{flat.tolist()} are constant; drop them or fit without noise."
        )
    return box


def _box_log_density(bounds: np.ndarray) -> float:
    """Log-density of the uniform distribution on the box ``bounds`` (2, d)."""
    return -float(np.log(np.diff(bounds, axis=0)).sum())
