"""Information criteria of a fitted mixture: BIC, AIC and two forms of ICL.

All are in gmmkit's sign convention, ``-2 log L + penalty``: lower is better
(mclust reports the negatives, higher is better). With ``n`` the number of
observations, ``p`` the number of free parameters and ``z_ik`` the
responsibilities of the fitted model:

* ``bic = -2 log L + p log n``;
* ``aic = -2 log L + 2 p``;
* ``icl = bic - 2 sum_i log z_{i, map(i)}``, with ``map(i) = argmax_k z_ik``:
  BIC less twice the complete-data log-likelihood of the MAP classification
  (Biernacki, Celeux & Govaert 2000), as mclust's ``icl()`` computes it.
  Every point adds ``-2 log max_k z_ik >= 0``, nothing when one component
  owns it;
* ``icl_entropy = bic - 2 sum_i sum_k z_ik log z_ik``: BIC plus twice the
  entropy of the soft classification (the approximation McLachlan & Peel
  give, and what gmmkit called ``icl`` at first). It penalises the same
  overlap, a little more: a point's entropy is at least ``-log max_k z_ik``.

With sample weights every sum over points is weighted and ``n`` is the total
weight (weights count as repetitions). With a uniform background component
(``noise="uniform"``) the background is one more column of ``z``, as in
mclust.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import iter_log_prob

__all__ = ["CRITERIA", "criteria"]

#: The criteria :func:`gmmkit.selection.select_model` can choose by.
CRITERIA = ("bic", "aic", "icl", "icl_entropy")


def criteria(
    model: Any, X: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, float]:
    """Log-likelihood, parameter count, BIC, AIC and ICL of a fitted model.

    ``icl`` is BIC less twice the log-probability of each point's most
    probable component (mclust's ICL); ``icl_entropy`` is BIC plus twice the
    entropy of the responsibilities, ``-2 * sum_i sum_k z_ik log z_ik``. See
    :mod:`gmmkit.criteria`. With sample weights, sums are weighted and ``n``
    is the total weight. One pass over ``X``.

    Parameters
    ----------
    model : GaussianMixture
        A fitted model.
    X : ndarray of shape (n_samples, n_features)
        Validated data.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    values : dict
        ``log_likelihood`` (total), ``n_parameters``, ``bic``, ``aic``,
        ``icl``, ``icl_entropy``.
    """
    log_likelihood = entropy = classification = 0.0
    for rows, log_density, resp in iter_log_prob(model._params(), X, model.chunk_size):
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(resp > 0, resp * np.log(resp), 0.0).sum(axis=1)
        # The largest responsibility of a row is at least 1 / n_columns.
        log_map = np.log(resp.max(axis=1).astype(np.float64))
        w = None if sample_weight is None else sample_weight[rows].astype(np.float64)
        log_likelihood += _total(log_density, w)
        entropy -= _total(plogp, w)
        classification += _total(log_map, w)
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    n_parameters = model._n_parameters()
    bic = -2.0 * log_likelihood + n_parameters * np.log(n)
    return {
        "log_likelihood": log_likelihood,
        "n_parameters": n_parameters,
        "bic": bic,
        "aic": -2.0 * log_likelihood + 2.0 * n_parameters,
        "icl": bic - 2.0 * classification,
        "icl_entropy": bic + 2.0 * entropy,
    }


def _total(values: np.ndarray, weights: np.ndarray | None) -> float:
    """``sum_i w_i values_i`` in float64 (the plain sum without weights)."""
    if weights is None:
        return float(values.sum(dtype=np.float64))
    return float(weights @ values.astype(np.float64))
