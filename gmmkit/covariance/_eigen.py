"""M-steps of the parsimonious models: covariances from scatter matrices.

Celeux & Govaert (1995) write a component's covariance as
``Sigma_k = lambda_k D_k A_k D_k^T``: a volume ``lambda_k = |Sigma_k|^(1/d)``,
a shape ``A_k`` (diagonal, determinant 1) and an orientation ``D_k``
(orthogonal). Each of the three is equal across components (E), varies (V),
or, for the orientation and shape, is the identity (I). Given the
responsibility-weighted scatter of each component about its new mean,
``W_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T``, and the masses ``n_k``, the
M-step minimises

    F = sum_k n_k log|Sigma_k| + tr(W_k Sigma_k^-1)

(minus twice the expected complete-data log-likelihood, up to constants)
under the model's constraints. The solvers below take ``W`` of shape
(K, d, d) (or its diagonal, (K, d), for the diagonal models) and return
covariances of the same shape.

Closed forms (Celeux & Govaert 1995, table 1): EII, VII, EEI, EVI, VVI,
EEE, EEV, EVV, VVV. Iterative: VEI, VEE, VEV alternate between the
volumes and the common shape (or shape matrix), each update the exact
minimiser of ``F`` given the rest; EVE and VVE, whose common orientation
has no closed form, alternate the eigenvalues with a sweep of plane
rotations of the orientation (Jacobi's method, as in Flury & Gautschi's
1986 common principal components algorithm), each rotation the exact
minimiser in its plane. Every iteration lowers ``F``; started from the
previous EM iteration's covariances (``previous``) the whole M-step
therefore never lowers the likelihood (generalised EM).
"""

from __future__ import annotations

import functools

import numpy as np

from ._linalg import _collapse

#: Inner iterations stop when ``F`` changes by less than this, relatively.
#: mclust stops at sqrt(machine epsilon), 1.5e-8; tighter costs a few more
#: K d^3 steps, nothing beside the E-step's n K d^2.
INNER_TOL = 1e-12
#: At most this many inner iterations per M-step; EM's own iterations
#: continue from where the last M-step stopped, so a cap only slows
#: convergence, never breaks monotonicity.
INNER_MAX_ITER = 200
#: EVE and VVE stop sooner: each of their inner iterations is a sweep of
#: ``d (d - 1) / 2`` plane rotations, and on the 13-D wine data 200 sweeps
#: per M-step made a K <= 4 EVE search take 8 s. EM continues the
#: orientation from where the last M-step left it.
ORIENTATION_SWEEPS = 10


def _geometric_mean(values: np.ndarray) -> np.ndarray:
    """``prod(values) ** (1/d)`` along the last axis, through logarithms."""
    with np.errstate(divide="ignore"):
        return np.exp(np.mean(np.log(values), axis=-1))


def _det_root(matrices: np.ndarray) -> np.ndarray:
    """``|M_k|^(1/d)`` of each (d, d) matrix, 0 for singular ones."""
    sign, logdet = np.linalg.slogdet(matrices)
    return np.where(sign > 0, np.exp(logdet / matrices.shape[-1]), 0.0)


def _sorted_eigh(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (as columns) of each matrix."""
    values, vectors = np.linalg.eigh(matrices)
    return values[..., ::-1], vectors[..., ::-1]


def _checked(covariances: np.ndarray, model: str) -> np.ndarray:
    """``covariances``, or a ComponentCollapseError if any is not finite and > 0."""
    flat = covariances.reshape(len(covariances), -1)
    bad = ~np.all(np.isfinite(flat), axis=1)
    if covariances.ndim < 3:
        bad |= np.any(flat <= 0.0, axis=1)
    if np.any(bad):
        raise _collapse(
            np.flatnonzero(bad).tolist(),
            f"cannot be estimated under the {model} constraints (no spread)",
        )
    return covariances


def _converged(old: float, new: float) -> bool:
    return abs(old - new) <= INNER_TOL * max(abs(new), 1.0)


# ---------------------------------------------------------------- diagonal
def eii(traces: np.ndarray, n: np.ndarray, n_features: int) -> np.ndarray:
    """EII: ``lambda I``, ``lambda = sum_k tr W_k / (d N)``; traces (K,) -> (K,)."""
    return _checked(np.full(len(n), traces.sum() / (n_features * n.sum())), "EII")


def eei(w: np.ndarray, n: np.ndarray) -> np.ndarray:
    """EEI: one diagonal ``B = diag(sum_k W_k) / N``; w (K, d) -> (K, d)."""
    return _checked(np.broadcast_to(w.sum(axis=0) / n.sum(), w.shape).copy(), "EEI")


def evi(w: np.ndarray, n: np.ndarray) -> np.ndarray:
    """EVI: ``lambda A_k``, ``A_k = w_k / |w_k|^(1/d)``.

    ``lambda = sum_k |w_k|^(1/d) / N``; w (K, d) -> (K, d).
    """
    roots = _geometric_mean(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _checked(roots.sum() / n.sum() * w / roots[:, None], "EVI")


def vei(w: np.ndarray, n: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """VEI: ``lambda_k B`` with one diagonal shape ``B``.

    Alternates ``lambda_k = sum_j w_kj / B_j / (d n_k)`` and
    ``B = s / |s|^(1/d)`` with ``s = sum_k w_k / lambda_k``.
    """
    d = w.shape[1]
    shape = w.sum(axis=0) if previous is None else previous[0]
    shape = shape / _geometric_mean(shape)
    objective = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(INNER_MAX_ITER):
            volumes = (w / shape).sum(axis=1) / (d * n)
            scaled = (w / volumes[:, None]).sum(axis=0)
            shape = scaled / _geometric_mean(scaled)
            new = float(d * n @ np.log(volumes))
            if not np.isfinite(new) or _converged(objective, new):
                break
            objective = new
        volumes = (w / shape).sum(axis=1) / (d * n)
        return _checked(volumes[:, None] * shape, "VEI")


# ----------------------------------------------------------------- general
def eev(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    """EEV: ``lambda D_k A D_k^T``, ``D_k`` the eigenvectors of ``W_k``.

    ``lambda A = sum_k Omega_k / N`` from their eigenvalues, paired in
    decreasing order.
    """
    omega, vectors = _sorted_eigh(W)
    pooled = omega.sum(axis=0) / n.sum()
    return _checked(np.einsum("kij,j,klj->kil", vectors, pooled, vectors), "EEV")


def evv(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    """EVV: ``lambda C_k``, ``C_k = W_k / |W_k|^(1/d)``.

    ``lambda = sum_k |W_k|^(1/d) / N``.
    """
    roots = _det_root(W)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _checked(roots.sum() / n.sum() * W / roots[:, None, None], "EVV")


def vee(W: np.ndarray, n: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """VEE: ``lambda_k C`` with one shape-and-orientation matrix ``C``.

    Alternates ``lambda_k = tr(W_k C^-1) / (d n_k)`` and
    ``C = S / |S|^(1/d)`` with ``S = sum_k W_k / lambda_k``.
    """
    d = W.shape[-1]
    common = W.sum(axis=0) if previous is None else previous[0]
    common = common / _det_root(common[None])[0]
    objective = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(INNER_MAX_ITER):
            inverse = np.linalg.inv(common)
            volumes = np.einsum("kij,ji->k", W, inverse) / (d * n)
            scaled = np.einsum("kij,k->ij", W, 1.0 / volumes)
            root = _det_root(scaled[None])[0]
            if not (np.isfinite(root) and root > 0):
                break
            common = scaled / root
            new = float(d * n @ np.log(volumes))
            if not np.isfinite(new) or _converged(objective, new):
                break
            objective = new
        volumes = np.einsum("kij,ji->k", W, np.linalg.inv(common)) / (d * n)
        return _checked(volumes[:, None, None] * common, "VEE")


def vev(W: np.ndarray, n: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """VEV: ``lambda_k D_k A D_k^T``, ``D_k`` the eigenvectors of ``W_k``.

    Alternates ``lambda_k = sum_j Omega_kj / A_j / (d n_k)`` and
    ``A = s / |s|^(1/d)`` with ``s = sum_k Omega_k / lambda_k``.
    """
    d = W.shape[-1]
    omega, vectors = _sorted_eigh(W)
    shape = omega.sum(axis=0)
    if previous is not None:
        shape = np.linalg.eigvalsh(previous[0])[::-1]
    shape = shape / _geometric_mean(shape)
    objective = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(INNER_MAX_ITER):
            volumes = (omega / shape).sum(axis=1) / (d * n)
            scaled = (omega / volumes[:, None]).sum(axis=0)
            shape = scaled / _geometric_mean(scaled)
            new = float(d * n @ np.log(volumes))
            if not np.isfinite(new) or _converged(objective, new):
                break
            objective = new
        volumes = (omega / shape).sum(axis=1) / (d * n)
        scales = volumes[:, None] * shape
    return _checked(np.einsum("kij,kj,klj->kil", vectors, scales, vectors), "VEV")


def eve(W: np.ndarray, n: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """EVE: ``lambda D A_k D^T`` (common orientation, shapes vary)."""
    return _common_orientation(W, n, previous, equal_volume=True)


def vve(W: np.ndarray, n: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """VVE: ``D Delta_k D^T``, ``Delta_k`` free (common principal components)."""
    return _common_orientation(W, n, previous, equal_volume=False)


def _common_orientation(W, n, previous, *, equal_volume: bool) -> np.ndarray:
    """EVE and VVE: alternate the eigenvalues given ``D`` and a sweep over ``D``.

    Given ``D``, ``B_k = diag(D^T W_k D)``: VVE takes ``Delta_k = B_k / n_k``;
    EVE takes ``A_k = B_k / |B_k|^(1/d)`` and ``lambda = sum_k |B_k|^(1/d) / N``.
    Given the diagonals, ``D`` minimises ``f(D) = sum_k tr(D^T W_k D L_k)``,
    ``L_k = Delta_k^-1``, over orthogonal matrices; :func:`_rotation_sweep`
    lowers it one plane rotation at a time. (Browne & McNicholas's (2014)
    majorisation step, which mclust uses, took 135 inner iterations per
    M-step on iris, K = 3; the sweeps reach the same ``F`` in a few.)
    """
    model = "EVE" if equal_volume else "VVE"
    orientation = _start_orientation(W, previous)
    objective = np.inf
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(min(ORIENTATION_SWEEPS, INNER_MAX_ITER)):
            diagonals = _given_orientation(W, n, orientation, equal_volume)
            new = float(n @ np.log(diagonals).sum(axis=1))
            if not np.isfinite(new) or _converged(objective, new):
                break
            objective = new
            orientation = _rotation_sweep(W, orientation, 1.0 / diagonals)
        diagonals = _given_orientation(W, n, orientation, equal_volume)
    covariances = np.einsum("ij,kj,lj->kil", orientation, diagonals, orientation)
    return _checked(covariances, model)


def _rotation_sweep(W, orientation, inverse) -> np.ndarray:
    """One Jacobi sweep: each pair of axes turned to minimise ``f`` exactly.

    Turning axes ``i`` and ``j`` by ``theta`` changes ``f`` by
    ``a cos 2theta + b sin 2theta`` (plus a constant) with
    ``a = sum_k (L_ki - L_kj)(M_kii - M_kjj) / 2`` and
    ``b = sum_k (L_ki - L_kj) M_kij``, ``M_k = D^T W_k D``; the best turn has
    ``(cos 2theta, sin 2theta) = -(a, b) / |(a, b)|``, never worse than none.
    A turn in one plane leaves the entries of ``M_k`` that another plane's
    turn reads unchanged, so the pairs of each round of a round-robin
    schedule (disjoint planes) turn at once.
    """
    rotated = np.einsum("ji,kjl,lm->kim", orientation, W, orientation)
    for first, second in _round_robin(orientation.shape[0]):
        gap = inverse[:, first] - inverse[:, second]
        diagonal = np.diagonal(rotated, axis1=1, axis2=2)
        a = 0.5 * np.sum(gap * (diagonal[:, first] - diagonal[:, second]), axis=0)
        b = np.sum(gap * rotated[:, first, second], axis=0)
        theta = 0.5 * np.arctan2(-b, -a)
        theta[(a == 0.0) & (b == 0.0)] = 0.0
        turn = np.eye(orientation.shape[0])
        cos, sin = np.cos(theta), np.sin(theta)
        turn[first, first] = turn[second, second] = cos
        turn[first, second], turn[second, first] = -sin, sin
        orientation = orientation @ turn
        rotated = turn.T @ rotated @ turn
    return orientation


@functools.lru_cache(maxsize=32)
def _round_robin(d: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Every pair of ``range(d)`` once, in rounds of disjoint pairs (circle method)."""
    players = list(range(d)) + ([-1] if d % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        pairs = [(players[i], players[m - 1 - i]) for i in range(m // 2)]
        pairs = [(min(p), max(p)) for p in pairs if -1 not in p]
        first, second = (
            np.array(side, dtype=np.intp) for side in zip(*pairs, strict=True)
        )
        rounds.append((first, second))
        players = [players[0], players[-1], *players[1:-1]]
    return tuple(rounds)


def _given_orientation(W, n, orientation, equal_volume: bool) -> np.ndarray:
    """The (K, d) eigenvalues ``Delta_k`` minimising ``F`` for a common ``D``."""
    rotated = np.einsum("ji,kjl,li->ki", orientation, W, orientation)
    if not equal_volume:
        return rotated / n[:, None]
    roots = _geometric_mean(rotated)
    return roots.sum() / n.sum() * rotated / roots[:, None]


def _start_orientation(W: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """The previous common orientation, else the eigenvectors of ``sum_k W_k``.

    The previous covariances share their eigenvectors; a combination with
    unequal coefficients has distinct eigenvalues even where one
    component's are tied, so its eigenvectors are that orientation.
    """
    if previous is None:
        return _sorted_eigh(W.sum(axis=0))[1]
    coefficients = 1.0 + np.arange(len(previous)) / (np.pi * len(previous))
    return _sorted_eigh(np.einsum("k,kij->ij", coefficients, previous))[1]
