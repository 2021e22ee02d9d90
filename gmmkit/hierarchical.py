r"""Model-based agglomerative hierarchical clustering, as mclust's ``hc()``.

mclust's default start (Fraley 1998, "Algorithms for model-based Gaussian
hierarchical clustering", SIAM J. Sci. Comput. 20(1)): every row starts as
its own cluster, and the two clusters whose merge costs the least
classification likelihood under the unconstrained ("VVV") Gaussian model
are merged, until one is left. The tree cut after ``n - K`` merges gives
``K`` clusters. The data are first transformed as
``mclust.options("hcUse") == "SVD"`` says: columns centred and scaled to
unit standard deviation (columns without spread dropped), then
``Z = X_s V diag(d)^(-1/2)`` from the SVD ``X_s = U diag(d) V^T``.

The criterion. A cluster ``C`` of ``n_C`` rows in ``p`` dimensions, with
scatter matrix ``W_C = sum_(x in C) (x - mean_C)(x - mean_C)^T``, scores

.. math::

    t(C) = n_C \log\left(|W_C / n_C| + \beta\,
           \frac{\operatorname{tr} W_C + \alpha}{n_C}\right)
           \ (n_C > p),
    \qquad
    t(C) = n_C \log\left(\beta\,
           \frac{\operatorname{tr} W_C + \alpha}{n_C}\right)
           \ (n_C \le p),

the determinant left out when ``W_C`` is singular; one row scores
``log(alpha beta)``. Merging ``A`` and ``B`` costs ``t(A u B) - t(A) -
t(B)``, and the cheapest merge is made; ``W_(A u B) = W_A + W_B + v v^T``
with ``v = sqrt(n_A n_B / n) (mean_A - mean_B)``. ``alpha`` and ``beta``
regularise the classification likelihood ``sum_C n_C log |W_C / n_C|`` so
that small and flat clusters stay finite: mclust's defaults are
``beta = 1`` and ``alpha = tr(W) / (n p)`` over all the transformed rows.

What mclust 6.0.0 computes. Its Fortran ``hcvvv`` keeps each scatter as
a triangular factor ``R`` (``W = R^T R``) but stores it defectively: the
first row ``r`` of ``R`` is copied into each of the ``min(n_C - 1, p)``
stored rows and row ``k`` is read back from column ``k`` on, so an older
cluster enters later merges with ``W~ = (r r^T) * min(a, b, n_C - 1, p)``
(entrywise, ``a, b = 1..p``) instead of ``W``. A merge with the cluster
made by the previous merge uses that cluster's own factor,
``W_new + W~_other + v v^T``; a merge of two older clusters uses
``W~_A + W~_B + v v^T``, which becomes the merged cluster's factor.
Traces, and so the terms with ``n_C <= p``, are exact. :class:`MergeTree`
does the same by default, which is what makes its trees mclust's;
``exact_scatter=True`` uses the exact ``W`` (same partitions for K <= 9 on
SVD-transformed Old Faithful and iris, different ones on raw Old Faithful).

Ties are broken as ``hcvvv`` breaks them (duplicated rows give exactly
equal costs): row ``i`` starts in slot ``i``; among equal costs the pair
``(i, j)``, ``i < j``, with the largest ``j``, then the largest ``i``,
wins; the merged cluster takes slot ``i`` and the last slot's cluster
moves into slot ``j``. Sums and products follow hcvvv's order (a cluster
keeps ``sqrt(n_C)`` times its mean; traces and ``alpha`` are added up as
mclust adds them), so that merges tied in exact arithmetic are decided as
in mclust. Without the SVD transformation (``transform="none"``, mclust's
``"VARS"``) this gave mclust's trees merge for merge on every data set
tried, integer data full of ties included; with it, the last bits of
``Z`` come from numpy's LAPACK, not R's, and on such tie-ridden data an
exact tie can go the other way. On Old Faithful and iris the trees equal
``hc(X, "VVV", use = "SVD")`` of mclust 6.0.0 merge for merge
(``tests/test_hierarchical.py``).

On more than :data:`MAX_TREE_ROWS` rows the tree is built on a random
subsample and the other rows get their most likely cluster under
Gaussians fitted to the subsample's partition, as mclust does with
``mclust.options("subset")``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._validation import as_generator
from .engine import iter_log_prob
from .families.gaussian import m_step, stats_from_responsibilities

__all__ = [
    "MAX_TREE_ROWS",
    "HierarchicalStart",
    "MergeTree",
    "hierarchical_labels",
    "svd_transform",
]

#: Rows above which the tree is built on a subsample (mclust's
#: ``mclust.options("subset")`` is 2000 too). ``MergeTree`` took 0.09 s on
#: Old Faithful (272 x 2) and 1.0-1.5 s on 2000 rows of 2 or 4 features
#: (shared 2-core machine, numpy 2.4); time grows as n^2 (an O(n) update
#: per merge) and memory as two n x n float arrays (64 MB at 2000 rows).
MAX_TREE_ROWS = 2000

# mclust's Fortran constant .7071067811865476d0, sqrt(1/2).
_RTHALF = np.sqrt(0.5)
_CHUNK_ROWS = 4096
# Relative ridge on the covariances that assign rows outside the subsample.
_RIDGE = 1e-6


def svd_transform(X: np.ndarray) -> np.ndarray:
    """The "SVD" transformation mclust's ``hc()`` applies by default.

    Centre, scale each column to unit standard deviation (``n - 1``
    divisor; columns without spread are dropped), then
    ``Z = X_s V diag(d)^(-1/2)`` from the SVD ``X_s = U diag(d) V^T``.
    Directions with a zero singular value (collinear columns, where mclust
    would divide by zero) are dropped too.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    Z : ndarray of shape (n_samples, rank)
        ``rank <= min(n_samples, n_features)``.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    # R's colMeans and sum accumulate in long double; so do these, so that
    # the numbers that reach the tree are R's to the last bit where possible.
    center = (np.sum(X, axis=0, dtype=np.longdouble) / n).astype(np.float64)
    centered = X - center
    squares = np.sum(centered * centered, axis=0, dtype=np.longdouble)
    sd = np.sqrt(squares.astype(np.float64) / max(1, n - 1))
    scaled = centered[:, sd > 0] / sd[sd > 0]
    if scaled.size == 0:
        return np.zeros((n, 0))
    _, singular, vt = np.linalg.svd(scaled, full_matrices=False)
    keep = singular > singular[0] * max(scaled.shape) * np.finfo(float).eps
    rotated = np.zeros((n, int(keep.sum())))
    for k in range(scaled.shape[1]):  # X_s V summed in order, as R's BLAS does
        rotated += scaled[:, k, None] * vt[keep, k]
    return rotated * (1.0 / np.sqrt(singular[keep]))


class _Agglomeration:
    """The merging itself, on slots and in the arithmetic of mclust's ``hcvvv``.

    ``cost[j, i]`` (``i < j``; +inf elsewhere) is the cost of merging slots
    ``i`` and ``j``; ``best_cost[j]``, ``best_row[j]`` the cheapest ``i < j``
    (the largest ``i`` among equals), updated after each merge so that a
    merge costs O(n), not O(n^2). A cluster of ``m`` rows keeps ``sqrt(m)``
    times its mean (``scaled``), its trace, and two scatter matrices:
    ``gram``, the one its merge computed, and ``stored``, the one hcvvv
    reads back later (equal when ``exact``; see the module docstring).
    """

    def __init__(self, Z: np.ndarray, alpha: float, beta: float, exact: bool):
        n, p = Z.shape
        self.n, self.p, self.beta, self.exact = n, p, beta, exact
        self.alpha = max(alpha * _mclust_trace(Z), np.finfo(float).eps)
        self.ablog = np.log(beta * self.alpha)
        self.size = np.ones(n, dtype=np.int64)
        # Slot-last (p, n) and (p, p, n): batched arithmetic on contiguous rows.
        self.scaled = np.array(Z.T, order="C")  # a copy: merges write to it
        self.gram = np.zeros((n, p, p))
        self.stored = np.zeros((p, p, n))
        self.first_row = np.zeros((n, p))
        # Entry (a, b) of a factor's Gram counts the stored rows k <= min(a, b).
        self.row_counts = np.minimum.outer(np.arange(1, p + 1), np.arange(1, p + 1))
        self.trace = np.zeros(n)
        self.term = np.full(n, self.ablog)
        self.node = np.arange(n)
        self.pair_term = np.zeros(n)
        self.slots = n

    def run(self) -> tuple[np.ndarray, np.ndarray]:
        """Merge down to one cluster; (n - 1, 2) merged nodes, (n - 1,) costs."""
        n = self.n
        merges = np.empty((max(n - 1, 0), 2), dtype=np.intp)
        costs = np.empty(max(n - 1, 0))
        if n < 2:
            return merges, costs
        self._singleton_costs()
        i, j = self._best()
        half = (self.scaled[:, i] - self.scaled[:, j]) * _RTHALF
        trace = _ddot(half[:, None])
        new_term = (2.0 * np.log(self.beta * (trace + self.alpha) / 2.0))[0]
        newest = None
        for step in range(n - 1):
            merges[step] = self.node[i], self.node[j]
            costs[step] = self.cost[j, i]
            self._merge(i, j, new_term, n + step, newest)
            if self.slots == 1:
                break
            merged_slot = i
            i, j = self._best()
            newest = merged_slot if merged_slot in (i, j) else None
            if newest is not None:
                new_term = self.pair_term[j if i == merged_slot else i]
            else:
                # hcvvv: the merged term is rebuilt from the stored cost.
                new_term = self.cost[j, i] + (self.term[i] + self.term[j])
        return merges, costs

    def _singleton_costs(self) -> None:
        """Costs of all pairs of rows, in place and in hcvvv's order.

        ``2 log(beta (t + alpha) / 2) - 2 log(alpha beta)``, with ``t`` the
        pair's trace ``|x_i - x_j|^2 / 2``.
        """
        Z, n = self.scaled, self.n
        cost = np.zeros((n, n))
        for k in range(self.p):
            half = Z[k, :, None] - Z[k, None, :]
            half *= _RTHALF
            half *= half
            cost += half
        cost += self.alpha
        cost *= self.beta
        cost /= 2.0
        np.log(cost, out=cost)
        cost *= 2.0
        cost -= self.ablog + self.ablog
        cost[~np.tri(n, k=-1, dtype=bool)] = np.inf
        self.cost = cost
        self.best_cost = np.full(n, np.inf)
        self.best_row = np.zeros(n, dtype=np.intp)
        self._refresh(np.arange(1, n))

    def _best(self) -> tuple[int, int]:
        """The pair to merge next: cheapest, the latest slot pair among ties."""
        column = self.best_cost[1 : self.slots]
        j = 1 + len(column) - 1 - int(np.argmin(column[::-1]))
        return int(self.best_row[j]), j

    def _refresh(self, cols: np.ndarray) -> None:
        """Recompute the column minima of ``cols`` from scratch."""
        if cols.size == 0:
            return
        top = int(cols.max())
        block = self.cost[cols, :top]
        rows = top - 1 - np.argmin(block[:, ::-1], axis=1)
        self.best_row[cols] = rows
        self.best_cost[cols] = block[np.arange(cols.size), rows]

    def _with_newest(self, i: int, others: np.ndarray):
        """Merge of the newest cluster (slot i) with each of ``others``, as hcvvv.

        Returns the sizes, the between-cluster vectors ``v`` (``v v^T`` is the
        between scatter), the traces and the two weights of the new
        ``scaled`` (``w_i scaled_i + w_o scaled_o``).
        """
        total = self.size[i] + self.size[others]
        q = 1.0 / total
        w_i = np.sqrt(float(self.size[i]) * q)
        w_o = np.sqrt(self.size[others] * q)
        v = self.scaled[:, others] * w_i + (-w_o) * self.scaled[:, i, None]
        trace = (self.trace[i] + self.trace[others]) + _ddot(v)
        return total, v, trace, w_i, w_o

    def _terms(self, i: int) -> np.ndarray:
        """Terms ``t(slot i u slot k)`` for every slot, as hcvvv's ``vvvtij``.

        Slot ``k = i`` is included, to be dropped by the caller.
        """
        every = slice(0, self.slots)
        total, v, trace, _, _ = self._with_newest(i, every)
        scaled = self.beta * (trace + self.alpha) / total
        terms = np.log(scaled)
        big = total > self.p
        if np.any(big):
            scatter = (self.gram[i][:, :, None] + self.stored[:, :, every]) + (
                v[:, None, :] * v[None, :, :]
            )
            regular_rank, logdet = _logdet_psd(scatter)
            logdet -= self.p * np.log(total)
            regular = np.where(
                logdet <= 0,
                np.log(np.exp(np.minimum(logdet, 0.0)) + scaled),
                np.log(1.0 + np.exp(-np.maximum(logdet, 0.0)) * scaled)
                + np.maximum(logdet, 0.0),
            )
            terms = np.where(big & (trace != 0) & regular_rank, regular, terms)
            empty = big & (trace == 0)
            terms[empty] = np.log(self.alpha * self.beta / total[empty])
        return total * terms

    def _merge(
        self, i: int, j: int, new_term: float, new_node: int, newest: int | None
    ) -> None:
        """Merge slots i < j into slot i; the last slot moves into slot j.

        ``newest`` is the slot of the cluster made by the previous merge when
        it takes part in this one (hcvvv then keeps what it computed for the
        pair); otherwise the pair is recomputed as hcvvv recomputes it.
        """
        if newest is None:
            v, trace, w_i, w_j = self._fresh_pair(i, j)
            scaled = self.scaled[:, i] * w_i + w_j * self.scaled[:, j]
            gram = (self.stored[:, :, i] + self.stored[:, :, j]) + v[:, None] * v
        else:
            other = j if newest == i else i
            _, v, trace, w_new, w_other = self._with_newest(newest, np.array([other]))
            v, trace = v[:, 0], trace[0]
            scaled = (
                self.scaled[:, newest] * w_new[0] + w_other[0] * self.scaled[:, other]
            )
            gram = (self.gram[newest] + self.stored[:, :, other]) + v[:, None] * v
        self._keep_factor(i, j, newest, gram, v)
        self.size[i] += self.size[j]
        self.scaled[:, i], self.trace[i], self.term[i] = scaled, trace, new_term
        self.node[i] = new_node
        last = self.slots - 1
        moved = j != last
        if moved:
            for name in ("size", "gram", "first_row", "trace", "term", "node"):
                getattr(self, name)[j] = getattr(self, name)[last]
            self.scaled[:, j] = self.scaled[:, last]
            self.stored[:, :, j] = self.stored[:, :, last]
            self.cost[j, :j] = self.cost[last, :j]
            self.cost[j + 1 : last, j] = self.cost[last, j + 1 : last]
        self.slots -= 1
        others = np.concatenate([np.arange(i), np.arange(i + 1, self.slots)])
        terms = self._terms(i)[others]
        self.pair_term[others] = terms
        costs = terms - (self.term[i] + self.term[others])
        below = others < i
        self.cost[i, others[below]] = costs[below]
        self.cost[others[~below], i] = costs[~below]
        self._update_minima(i, j if moved else None)

    def _fresh_pair(self, i: int, j: int):
        """Recompute the pair i < j as hcvvv does: v, trace and the weights."""
        if self.size[i] == 1 and self.size[j] == 1:
            v = (self.scaled[:, i] - self.scaled[:, j]) * _RTHALF
            return v, _ddot(v[:, None])[0], _RTHALF, _RTHALF
        q = 1.0 / (self.size[i] + self.size[j])
        w_i, w_j = np.sqrt(float(self.size[i]) * q), np.sqrt(float(self.size[j]) * q)
        v = self.scaled[:, i] * w_j + (-w_i) * self.scaled[:, j]
        trace = (self.trace[i] + self.trace[j]) + _ddot(v[:, None])[0]
        return v, trace, w_i, w_j

    def _keep_factor(
        self, i: int, j: int, newest: int | None, gram: np.ndarray, v: np.ndarray
    ) -> None:
        """Store the merged cluster's scatter matrices (in slot i) as hcvvv does.

        hcvvv copies the first row ``r`` of the merged cluster's triangular
        factor into each of its ``min(m - 1, p)`` stored rows, and reads row
        ``k`` back from column ``k`` on, so the matrix it later uses is
        ``r r^T`` weighted entrywise by ``min(a, b, m - 1, p)``.
        """
        if self.exact or self.p == 0:
            self.gram[i] = self.stored[:, :, i] = gram
            return
        if gram[0, 0] > 0:
            first = gram[0] / np.sqrt(gram[0, 0])
        elif newest is not None:  # a zero first column leaves row 1 as it was
            first = self.first_row[newest].copy()
        elif self.size[j] > 1:
            first = self.first_row[j].copy()
        elif self.size[i] > 1:
            first = self.first_row[i].copy()
        else:
            first = v
        rows = min(int(self.size[i] + self.size[j]) - 1, self.p)
        self.gram[i] = gram
        self.first_row[i] = first
        self.stored[:, :, i] = np.outer(first, first) * np.minimum(
            self.row_counts, rows
        )

    def _update_minima(self, i: int, j: int | None) -> None:
        """Column minima after rows/columns i (and moved-into j) changed."""
        cols = np.arange(i + 1, self.slots)
        changed = [i] if j is None else [i, j]
        if j is not None:
            cols = cols[cols != j]
        stale = self.best_row[cols] == i
        if j is not None:
            stale |= self.best_row[cols] == j
        fresh = cols[~stale]
        for row in changed:
            sel = fresh[fresh > row]
            value = self.cost[sel, row]
            current = self.best_cost[sel]
            better = (value < current) | (
                (value == current) & (row > self.best_row[sel])
            )
            self.best_cost[sel[better]] = value[better]
            self.best_row[sel[better]] = row
        refresh = [c for c in changed if c >= 1 and c < self.slots]
        self._refresh(np.concatenate([np.array(refresh, dtype=np.intp), cols[stale]]))


def _mclust_trace(Z: np.ndarray) -> float:
    """Trace of the scatter of Z (n, p) over ``n p``, as mclust sums it.

    In the order of mclust's ``traceW(Z / sqrt(n p))``, so that ``alpha``
    has mclust's last bits.
    """
    n, p = Z.shape
    if p == 0:
        return 0.0
    scaled = Z / np.sqrt(float(n * p))
    fac = 1.0 / np.sqrt(float(n))
    centre = np.add.accumulate(fac * scaled, axis=0)[-1]
    centred = scaled + (-fac) * centre
    per_column = np.add.accumulate(centred * centred, axis=0)[-1]
    return float(np.add.accumulate(per_column)[-1])


def _logdet_psd(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-determinants of positive semi-definite matrices A (p, p, m).

    Elimination without pivoting (stable for these), vectorised along the
    last axis: far faster than ``slogdet`` on thousands of small matrices.
    Returns ``full_rank`` (m,), false where a pivot is not positive, and
    ``logdet`` (m,), meaningful where ``full_rank``. A is overwritten.
    """
    p, m = A.shape[0], A.shape[2]
    full_rank = np.ones(m, dtype=bool)
    logdet = np.zeros(m)
    for k in range(p):
        pivot = A[k, k]
        full_rank &= pivot > 0
        pivot = np.where(pivot > 0, pivot, 1.0)
        logdet += np.log(pivot)
        if k + 1 < p:
            ratio = A[k + 1 :, k] / pivot
            A[k + 1 :, k + 1 :] -= ratio[:, None, :] * A[None, k, k + 1 :]
    return full_rank, logdet


def _ddot(v: np.ndarray) -> np.ndarray:
    """Column sums of squares of v (p, m), added in row order as BLAS ddot does."""
    total = np.zeros(v.shape[1])
    for k in range(v.shape[0]):
        total = total + v[k] * v[k]
    return total


class MergeTree:
    """The merge tree of model-based hierarchical clustering (mclust's ``hc``).

    Built once for the data; :meth:`cut` gives the partition into any
    number of clusters in O(n log n).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows to cluster; every row starts as its own cluster.
    transform : {"svd", "none"}, default="svd"
        ``"svd"``: mclust's default ``hcUse = "SVD"``
        (:func:`svd_transform`); ``"none"``: the data as given (mclust's
        ``"VARS"``).
    alpha, beta : float, default=1.0
        mclust's regularisation (``hcVVV(alpha, beta)``); ``alpha`` is
        multiplied by ``tr(W) / (n p)`` of the transformed data.
    exact_scatter : bool, default=False
        Evaluate every merge with the clusters' exact scatter matrices
        (Fraley's criterion as written) instead of the matrices mclust
        6.0.0 reads back from its stored factors (the default, which gives
        mclust's trees; see the module docstring).

    Attributes
    ----------
    merges_ : ndarray of shape (n_samples - 1, 2)
        The two nodes merged at each step: rows are nodes ``0 .. n-1``, the
        node made by step ``s`` is ``n + s`` (SciPy's linkage convention).
    costs_ : ndarray of shape (n_samples - 1,)
        The criterion change of each merge.
    n_samples_ : int
    """

    def __init__(
        self,
        X: Any,
        *,
        transform: Literal["svd", "none"] = "svd",
        alpha: float = 1.0,
        beta: float = 1.0,
        exact_scatter: bool = False,
    ):
        X = _check_rows(X)
        if transform == "svd":
            Z = svd_transform(X)
        elif transform == "none":
            Z = X
        else:
            raise ValueError(f"transform must be 'svd' or 'none', got {transform!r}.")
        if not (alpha > 0 and beta > 0):
            raise ValueError(f"alpha and beta must be positive, got {alpha}, {beta}.")
        self.n_samples_ = X.shape[0]
        self.merges_, self.costs_ = _Agglomeration(
            Z, alpha, beta, bool(exact_scatter)
        ).run()

    def cut(self, n_clusters: int) -> np.ndarray:
        """The partition after ``n_samples - n_clusters`` merges.

        Parameters
        ----------
        n_clusters : int
            Between 1 and ``n_samples_``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            In ``0 .. n_clusters - 1``, numbered by first appearance (as
            mclust's ``hclass`` numbers them, less one).
        """
        n = self.n_samples_
        if not 1 <= int(n_clusters) <= n:
            raise ValueError(
                f"n_clusters must be between 1 and the {n} rows of the tree, "
                f"got {n_clusters}."
            )
        used = n - int(n_clusters)
        parent = np.arange(2 * n - 1)
        created = n + np.arange(used)
        parent[self.merges_[:used, 0]] = created
        parent[self.merges_[:used, 1]] = created
        while True:  # pointer jumping: every node to its root in log n rounds
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        _, first, inverse = np.unique(
            parent[:n], return_index=True, return_inverse=True
        )
        rank = np.empty(first.size, dtype=np.intp)
        rank[np.argsort(first)] = np.arange(first.size)
        return rank[inverse.ravel()]


class HierarchicalStart:
    """Hierarchical partitions of all the rows, for any number of clusters.

    The tree is built once, on the rows with positive weight, or on
    :data:`MAX_TREE_ROWS` of them drawn with ``rng`` when there are more.
    :meth:`labels` cuts it: the tree's rows keep their cluster (so every
    cluster has rows; mclust re-assigns them too), and every other row
    (outside the subsample, or of zero weight) gets its most likely cluster
    under Gaussians fitted to the tree's partition (means, covariances with
    a small ridge, and proportions; a Gaussian E-step, computed in chunks).

    Sample weights only decide which rows may seed clusters: rows of zero
    weight never do. Otherwise the tree is unweighted (mclust's criterion
    counts rows, not weights), and the subsample is drawn uniformly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    rng : numpy.random.Generator, int or None
        Draws the subsample; unused when the tree takes every row.
    sample_weight : array-like of shape (n_samples,) or None
    max_rows : int or None, default=None
        At most this many rows in the tree; None means :data:`MAX_TREE_ROWS`.
    transform : {"svd", "none"}, default="svd"
        See :class:`MergeTree`.

    Attributes
    ----------
    rows_ : ndarray of shape (n_tree_rows,)
        The rows the tree was built on.
    tree_ : MergeTree
    n_distinct_ : int
        Distinct rows among ``rows_``: the most clusters :meth:`labels` gives.
    """

    def __init__(
        self,
        X: Any,
        rng: Any = None,
        sample_weight: Any = None,
        *,
        max_rows: int | None = None,
        transform: Literal["svd", "none"] = "svd",
    ):
        max_rows = MAX_TREE_ROWS if max_rows is None else int(max_rows)
        self._X = _check_rows(X)
        n = self._X.shape[0]
        candidates = np.arange(n)
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
            if weights.shape != (n,):
                raise ValueError(f"sample_weight must have {n} entries.")
            candidates = np.flatnonzero(weights > 0)
        if candidates.size == 0:
            raise ValueError("No row has a positive weight to start clusters from.")
        if max_rows < 2:
            raise ValueError(f"max_rows must be at least 2, got {max_rows}.")
        if candidates.size > max_rows:
            drawn = as_generator(rng).choice(candidates, size=max_rows, replace=False)
            candidates = np.sort(drawn)
        self.rows_ = candidates
        tree_rows = self._X[candidates]
        self.n_distinct_ = int(np.unique(tree_rows, axis=0).shape[0])
        self.tree_ = MergeTree(tree_rows, transform=transform)

    def labels(self, n_components: int) -> np.ndarray:
        """Cluster of every row when the tree is cut at ``n_components``.

        Parameters
        ----------
        n_components : int

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            In ``0 .. n_components - 1``; every cluster holds tree rows.
        """
        k = int(n_components)
        if not 1 <= k <= self.n_distinct_:
            raise ValueError(
                f"n_components={n_components} must be between 1 and the number "
                f"of distinct rows the tree is built on ({self.n_distinct_})."
            )
        tree_labels = self.tree_.cut(k)
        n = self._X.shape[0]
        if self.rows_.size == n:
            return tree_labels
        labels = np.zeros(n, dtype=np.intp)
        labels[self.rows_] = tree_labels
        if k > 1:
            rest = np.setdiff1d(np.arange(n), self.rows_, assume_unique=True)
            labels[rest] = _most_likely(self._X, rest, self._X[self.rows_], tree_labels)
        return labels


def hierarchical_labels(
    X: np.ndarray,
    n_components: int,
    rng: Any,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Labels of mclust's hierarchical start (``hclass(hc(X), K)``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : int
    rng : numpy.random.Generator, int or None
        Draws the subsample when there are more than :data:`MAX_TREE_ROWS`
        rows of positive weight.
    sample_weight : ndarray of shape (n_samples,) or None
        Rows of zero weight never start a cluster; see
        :class:`HierarchicalStart`.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        In ``0 .. n_components - 1``, each cluster non-empty.
    """
    return HierarchicalStart(X, rng, sample_weight).labels(n_components)


def _check_rows(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X must be a non-empty 2-D array (n_samples, n_features), got shape "
            f"{X.shape}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity.")
    return X


def _most_likely(
    X: np.ndarray, rows: np.ndarray, fitted: np.ndarray, labels: np.ndarray
) -> np.ndarray:
    """Most likely cluster (n_rows,) of ``X[rows]`` under Gaussians fitted per label.

    ``fitted`` (n_fitted, d) are the rows the clusters were fitted on, with
    ``labels`` (n_fitted,) in 0 .. K-1: one full-covariance M-step (with a
    small ridge) and the library's chunked E-step.
    """
    n_clusters = int(labels.max()) + 1
    ridge = _RIDGE * max(float(np.mean(np.var(fitted, axis=0))), np.finfo(float).tiny)
    one_hot = np.eye(n_clusters)[labels]
    stats = stats_from_responsibilities(fitted, lambda r: one_hot[r], "full")
    params = m_step(stats, "full", ridge, eps=0.0)
    out = np.empty(rows.size, dtype=np.intp)
    for part, _, resp in iter_log_prob(params, X[rows], _CHUNK_ROWS):
        out[part] = np.argmax(resp, axis=1)
    return out
