"""Sentences that interpret a fit, generated from its numbers.

Every function here takes plain numbers (histories, snapshots, comparisons,
the numbers of :mod:`.analysis`) and returns English sentences; nothing is
fitted or drawn. Components are numbered from 0, as in the figures' legends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._text import plural
from ..covariance import covariance_model
from .analysis import (
    Optimum,
    Trajectories,
    best_optimum,
    iteration_reaching,
    likelihood_decreases,
    optimum_index,
    runner_up,
)

#: A component whose mean moved less than this (in data standard deviations)
#: "barely moved".
STILL = 0.05
#: Weight changes smaller than this are not worth a sentence.
WEIGHT_CHANGE = 0.02
#: Spread ratios outside (1 / SPREAD_CHANGE, SPREAD_CHANGE) are worth a sentence.
SPREAD_CHANGE = 1.25


def fmt(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (a true minus sign).

    Examples
    --------
    >>> fmt(14.2999), fmt(0.000123), fmt(-1234.5), fmt(2e-7)
    ('14.3', '0.000123', '−1234', '2.0e−07')
    """
    value = float(value)
    if abs(value) >= 10**digits:
        text = f"{value:.0f}"
    elif value != 0 and abs(value) < 1e-4:
        text = f"{value:.{digits - 2}e}"
    else:
        text = f"{value:.{digits}g}"
    return text.replace("-", "−")


def fmt_fixed(value: float, decimals: int = 2) -> str:
    """A number with a fixed number of decimals (weights, log-likelihoods)."""
    return f"{float(value):.{decimals}f}".replace("-", "−")


def ordinal(value: float) -> str:
    """``1st``, ``2nd``, ``2.5th`` ... for a percentile.

    Examples
    --------
    >>> ordinal(1), ordinal(2.5), ordinal(12), ordinal(23)
    ('1st', '2.5th', '12th', '23rd')
    """
    if float(value) != int(value):
        return f"{value:g}th"
    n = int(value)
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


# ----------------------------------------------------------- model choice
#: The three parts of Sigma_k = lambda_k D_k A_k D_k^T, in mclust's order.
_PARTS = ("volume", "shape", "orientation")


def model_description(covariance_type: str) -> str:
    """What a covariance model lets vary, in words, from its mclust name.

    Examples
    --------
    >>> model_description("EEE")
    'ellipsoidal, equal volume, shape and orientation'
    >>> model_description("VEV")
    'ellipsoidal, varying volume and orientation, equal shape'
    >>> model_description("diag")
    'diagonal (axis-aligned), varying volume and shape'
    >>> model_description("EII")
    'spherical, equal volume'
    """
    letters = covariance_model(covariance_type).mclust_name
    form = "ellipsoidal"
    if letters[1] == "I":
        form = "spherical"
    elif letters[2] == "I":
        form = "diagonal (axis-aligned)"
    words = {"E": "equal", "V": "varying"}
    groups: dict[str, list[str]] = {}
    for letter, part in zip(letters, _PARTS, strict=True):
        if letter != "I":
            groups.setdefault(words[letter], []).append(part)
    described = [
        f"{word} {_and(parts)}"
        for word, parts in sorted(groups.items(), key=lambda g: -len(g[1]))
    ]
    return ", ".join([form, *described])


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def criterion_label(criterion: str) -> str:
    """``BIC``, ``ICL``, ``ICL (entropy form)``: a criterion as the report names it."""
    return criterion.upper().replace("_ENTROPY", " (entropy form)")


def selection_sentence(selection: Any) -> str:
    """What the criterion chose, and by how much it beat the next best model.

    Parameters
    ----------
    selection : SelectionResult

    Returns
    -------
    sentence : str
    """
    best = selection.best_row
    name = selection.criterion
    label = criterion_label(name)
    why = (
        f"{label} chose {plural(best['n_components'], 'component')} with "
        f"covariance model {best['covariance_type']} "
        f"({model_description(best['covariance_type'])}; {label} "
        f"{fmt_fixed(best[name], 1)})"
    )
    runner = runner_up(selection)
    if runner is None:
        return why + "."
    return why + (
        f"; the next best, {runner['n_components']} {runner['covariance_type']}, "
        f"scores {fmt(runner[name] - best[name])} higher. A {label} difference "
        "above 10 is usually read as strong evidence, below 2 as barely any."
    )


def degenerate_note(selection: Any) -> str:
    """A sentence on the degenerate fits of a model search ("" when none).

    Parameters
    ----------
    selection : SelectionResult

    Returns
    -------
    note : str
        Starts with a space, to follow another sentence.
    """
    count = sum(row["status"] == "degenerate" for row in selection.rows)
    if not count:
        return ""
    return (
        f" {plural(count, 'fit')} {'is' if count == 1 else 'are'} degenerate "
        "(in parentheses): a component rests on fewer points than its covariance "
        "needs, a shared covariance has too few residuals to estimate it, or "
        "only reg_covar keeps a variance above zero. Such fits reach high "
        "likelihoods that say nothing about the data; they are shown but never "
        "chosen."
    )


def failed_note(selection: Any) -> str:
    """A sentence on the fits a model search could not make ("" when none)."""
    failed = [row for row in selection.rows if row["status"] == "failed"]
    if not failed:
        return ""
    first = failed[0]
    return (
        f" {plural(len(failed), 'fit')} could not be made (a dash), for "
        f"instance K = {first['n_components']} {first['covariance_type']}: "
        f"{first['reason']}."
    )


def fallback_sentence(fallback: Any) -> str:
    """Why the fit shown does not start where it was asked to ("" when it does).

    Parameters
    ----------
    fallback : Fallback or None

    Returns
    -------
    sentence : str
    """
    if fallback is None:
        return ""
    used = {
        "search": "the model search's own parameters",
        "hc": "mclust's hierarchical partition (init_params='hc')",
        "kmeans": "k-means starts",
    }.get(fallback.used, f"{fallback.used} starts")
    return (
        f"The {plural(fallback.n_init, 'start')} of kind {fallback.requested} "
        "reached only "
        f"{fmt_fixed(fallback.reached, 4)} per point, below the "
        f"{fmt_fixed(fallback.target, 4)} that the model search reached for "
        f"this model, so the fit shown starts from {used} instead. (Random "
        "responsibilities start every component at the centre of the data; "
        "with a shared covariance EM can stay there.)"
    )


# -------------------------------------------------------------- log-likelihood
def monotonicity_verdict(history: Sequence[float], n_samples: int) -> str:
    """Say in a sentence or two whether the log-likelihood ever decreased.

    Parameters
    ----------
    history : sequence of float
        Mean log-likelihood per point; entry ``i`` scores the parameters after
        ``i`` M-steps (0 = the start).
    n_samples : int
        Number of points (to state sizes in total log-likelihood too).

    Returns
    -------
    verdict : str
    """
    if len(history) < 2:
        return (
            "The log-likelihood was evaluated only once (at the start), so there "
            "is no change of it to check."
        )
    real, rounding = likelihood_decreases(history)
    if not real:
        verdict = (
            f"The log-likelihood never decreased: from the start to after M-step "
            f"{len(history) - 1} it rose from {fmt_fixed(history[0], 4)} to "
            f"{fmt_fixed(history[-1], 4)} per point, as the EM argument "
            "guarantees."
        )
        if rounding:
            worst = max(d.size for d in rounding)
            verdict += (
                f" {plural(len(rounding), 'step')} went down by at most "
                f"{worst:.1e} per point, which is floating-point rounding."
            )
        return verdict
    listed = "; ".join(
        f"after M-step {d.iteration} by {fmt(d.size)} per point "
        f"({fmt(d.size * n_samples)} in total)"
        for d in real[:5]
    )
    more = f" and {len(real) - 5} more" if len(real) > 5 else ""
    return (
        f"The log-likelihood decreased {plural(len(real), 'time')} beyond "
        "rounding: "
        f"{listed}{more}. EM should never do this; a decrease of the order of "
        "reg_covar can come from the regularisation, a larger one points to a "
        "numerical problem."
    )


def convergence_sentence(
    history: Sequence[float], converged: bool, n_iter: int, tol: float
) -> str:
    """How many iterations ran, what was scored, and when the fit was done.

    Parameters
    ----------
    history : sequence of float
        Entry ``i`` scores the parameters after ``i`` M-steps (0 = the start);
        a fit of ``n_iter`` iterations has ``n_iter`` entries, because the
        E-step of an iteration scores the parameters it starts from and the
        final parameters are never scored.
    converged : bool
    n_iter : int
    tol : float

    Returns
    -------
    sentence : str
    """
    ran = (
        f"EM ran {plural(n_iter, 'iteration')} and stopped because the mean "
        f"log-likelihood changed by less than tol = {tol:g} between its last "
        "two evaluations."
        if converged
        else f"EM ran {plural(n_iter, 'iteration')}, the limit max_iter, without "
        f"the mean log-likelihood settling within tol = {tol:g}."
    )
    last = len(history) - 1
    if last < 1:
        return ran
    scored = (
        f" The log-likelihood was evaluated at the start and after each of the "
        f"first {plural(last, 'M-step')}"
        + (
            f"; the parameters after M-step {n_iter}, the final ones, are not scored."
            if n_iter == last + 1
            else "."
        )
    )
    done = iteration_reaching(history, 0.99)
    gain = history[-1] - history[0]
    rest = history[-1] - history[done]
    if done == last:
        return (
            f"{ran}{scored} It reached 99% of its total gain of {fmt(gain)} per "
            f"point only after M-step {last}, the last one scored."
        )
    following = (
        f"M-step {last}" if done + 1 == last else f"M-steps {done + 1} to {last}"
    )
    return (
        f"{ran}{scored} It was essentially done after M-step {done}, which had "
        f"made 99% of the total gain of {fmt(gain)} per point; {following} "
        f"added {fmt(rest)}."
    )


# ------------------------------------------------------------ component paths
def _settled_at(path: np.ndarray, iterations: np.ndarray, total: float) -> int:
    """First snapshot iteration within 10% of ``total`` of the final position."""
    remaining = np.linalg.norm(path - path[-1], axis=1)
    return int(iterations[np.nonzero(remaining <= 0.1 * total)[0][0]])


def movement_sentences(
    traj: Trajectories,
    feature_names: Sequence[str],
    scale: np.ndarray,
    n_samples: int,
) -> list[str]:
    """How and why the components moved, one sentence group per component.

    Parameters
    ----------
    traj : Trajectories
    feature_names : sequence of str, length d
    scale : ndarray of shape (d,)
        The data's standard deviation per feature: moves are compared in
        these units so that features with different scales are comparable.
    n_samples : int

    Returns
    -------
    sentences : list of str
        One entry per component, then one naming the component that moved
        most and when.
    """
    scale = np.where(np.asarray(scale, dtype=np.float64) > 0, scale, 1.0)
    iterations, means, weights = traj.iterations, traj.means, traj.weights
    n_components = means.shape[1]
    standardized = means / scale  # (T, K, d)
    moved = np.linalg.norm(standardized[-1] - standardized[0], axis=1)  # (K,)
    change = weights[-1] - weights[0]
    out = []
    for k in range(n_components):
        out.append(
            _component_sentence(
                k, traj, feature_names, standardized, moved, change, n_samples
            )
        )
    if n_components > 1 and len(iterations) > 1 and moved.max() >= STILL:
        k = int(np.argmax(moved))
        steps = np.linalg.norm(np.diff(standardized[:, k], axis=0), axis=1)
        t = int(np.argmax(steps))
        share = steps[t] / max(steps.sum(), 1e-300)
        out.append(
            f"Component {k} moved most ({fmt(moved[k])} standard deviations from "
            f"start to end); its largest step was between iterations "
            f"{iterations[t]} and {iterations[t + 1]}, {share:.0%} of its whole "
            "path."
        )
    return out


def _component_sentence(
    k, traj, feature_names, standardized, moved, change, n_samples
) -> str:
    iterations, means, weights, spreads = (
        traj.iterations,
        traj.means,
        traj.weights,
        traj.spreads,
    )
    if moved[k] < STILL:
        text = (
            f"Component {k} barely moved: its mean stayed within {STILL} standard "
            "deviations of where it started"
        )
    else:
        delta = means[-1, k] - means[0, k]
        step = np.abs(standardized[-1, k] - standardized[0, k])
        order = np.argsort(-step)
        parts = [
            f"{fmt(abs(delta[j]))} in {feature_names[j]} "
            f"({fmt(means[0, k, j])} → {fmt(means[-1, k, j])})"
            for j in order[:2]
            if step[j] >= STILL / 2
        ]
        settled = _settled_at(standardized[:, k], iterations, moved[k])
        if settled == iterations[-1]:
            when = "and was still moving at the end"
        else:
            when = f"over the first {settled} iterations, then settled"
        text = f"Component {k} moved {' and '.join(parts)} {when}"
    w0, w1 = weights[0, k], weights[-1, k]
    if abs(change[k]) >= WEIGHT_CHANGE:
        rose = change[k] > 0
        text += (
            f"; its weight {'rose' if rose else 'fell'} from {w0:.2f} to {w1:.2f} "
            f"(about {abs(change[k]) * n_samples:.0f} points' worth of "
            "responsibility"
        )
        partner = int(np.argmin(change) if rose else np.argmax(change))
        if (
            partner != k
            and abs(change[partner]) >= WEIGHT_CHANGE
            and ((change[partner] < 0) == rose)
        ):
            pw0, pw1 = weights[0, partner], weights[-1, partner]
            if rose:
                text += (
                    f"), as it took over points that component {partner} had "
                    f"explained poorly (its weight fell from {pw0:.2f} to "
                    f"{pw1:.2f})"
                )
            else:
                text += (
                    f"), as component {partner} took over part of its points "
                    f"(its weight rose from {pw0:.2f} to {pw1:.2f})"
                )
        else:
            text += ")"
    else:
        text += f"; its weight stayed near {w1:.2f}"
    s0, s1 = spreads[0, k], spreads[-1, k]
    ratio = s1 / s0 if s0 > 0 else np.inf
    if ratio >= SPREAD_CHANGE:
        text += f"; its spread grew from {fmt(s0)} to {fmt(s1)}"
    elif ratio <= 1 / SPREAD_CHANGE:
        text += f"; its spread shrank from {fmt(s0)} to {fmt(s1)}"
    return text + "."


# ------------------------------------------------------------------ restarts
def restart_sentences(
    comparison: Mapping, optima: Sequence[Optimum], n_samples: int
) -> list[str]:
    """What the restarts found, and how the kinds of start compare.

    Parameters
    ----------
    comparison : InitComparisonResult
    optima : list of Optimum
        From :func:`distinct_optima`: highest first, degenerate ones marked.
    n_samples : int

    Returns
    -------
    sentences : list of str
    """
    n_runs = sum(len(c.log_likelihoods) for c in comparison.values())
    n_failed = sum(c.n_failed for c in comparison.values())
    if not optima:
        return [f"All {n_runs} runs failed."]
    best = best_optimum(optima)
    if best is None:
        out = [
            f"Every one of the {n_runs - n_failed} runs ended at a degenerate "
            f"optimum ({optima[0].degenerate}): none is a fit to trust. Try fewer "
            "components or a covariance model with fewer parameters."
        ]
    else:
        out = [_optima_sentence(len(comparison), optima, best, n_runs - n_failed)]
        out[0] += _degenerate_optima_sentence(optima, best)
        out[0] += _lower_optima_sentence(optima, best, n_samples)
        if len(optima) > 1:
            out += _start_rates(comparison, best)
    if n_failed:
        out.append(f"{plural(n_failed, 'run')} failed (a component collapsed).")
    return out


def _optima_sentence(
    kinds: int, optima: Sequence[Optimum], best: Optimum, n_ok: int
) -> str:
    """How many optima the runs found, and the best one."""
    value = fmt_fixed(best.log_likelihood, 4)
    if len(optima) == 1:
        return (
            f"All {n_ok} runs ({kinds} kinds of start) reached the same optimum, "
            f"{value} per point: on these data the result does not depend on the "
            "start."
        )
    return (
        f"The {n_ok} runs found {len(optima)} distinct optima. The best, {value} "
        f"per point, was reached by {best.total} of them"
    )


def _lower_optima_sentence(
    optima: Sequence[Optimum], best: Optimum, n_samples: int
) -> str:
    """The gaps below the best optimum, per point and in total."""
    if len(optima) == 1:
        return ""
    gaps = [
        best.log_likelihood - o.log_likelihood
        for o in optima
        if o.log_likelihood < best.log_likelihood
    ]
    if not gaps:
        return "."
    shown = ", ".join(fmt(g) for g in gaps[:4]) + (" ..." if len(gaps) > 4 else "")
    totals = ", ".join(fmt(g * n_samples) for g in gaps[:4])
    others = "the other is" if len(gaps) == 1 else "the others are"
    return f"; {others} lower by {shown} per point ({totals} in total log-likelihood)."


def _degenerate_optima_sentence(optima: Sequence[Optimum], best: Optimum) -> str:
    """The degenerate optima above the best: never the best, and why."""
    above = [
        o for o in optima if o.degenerate and o.log_likelihood > best.log_likelihood
    ]
    if not above:
        return ""
    values = ", ".join(fmt_fixed(o.log_likelihood, 4) for o in above[:3])
    runs = sum(o.total for o in above)
    return (
        f" ({plural(len(above), 'higher optimum', 'higher optima')}, {values} per "
        f"point, reached by {plural(runs, 'run')}, "
        f"{'is' if len(above) == 1 else 'are'} degenerate and never the best: "
        f"{above[0].degenerate})"
    )


def _start_rates(comparison: Mapping, best: Optimum) -> list[str]:
    """How often each kind of start reached the best optimum, most reliable first."""
    rates = []
    for init, c in comparison.items():
        runs = len(c.log_likelihoods) - c.n_failed
        rates.append((best.counts.get(init, 0) / runs if runs else 0.0, init))
    rates.sort(reverse=True)
    listed = ", ".join(
        f"{init} {best.counts.get(init, 0)} of "
        f"{len(comparison[init].log_likelihoods) - comparison[init].n_failed}"
        for _, init in rates
    )
    out = [f"Runs reaching the best optimum, by kind of start: {listed}."]
    if rates[0][0] > rates[-1][0]:
        out.append(
            f"{rates[0][1]} starts were the most reliable here and "
            f"{rates[-1][1]} starts the least; a local optimum is where EM "
            "stops when no single step can improve the fit, so more starts "
            "(n_init) make finding the best one more likely."
        )
    return out


def placement_sentence(optima: Sequence[Optimum], log_likelihood: float) -> str:
    """Where the report's model sits among the optima the restarts found.

    Parameters
    ----------
    optima : list of Optimum
        Highest first, degenerate ones marked.
    log_likelihood : float
        The model's mean log-likelihood per point.

    Returns
    -------
    sentence : str
    """
    best = best_optimum(optima)
    where = optimum_index(optima, log_likelihood)
    if where is not None and optima[where].degenerate:
        return (
            f"The report's model sits at a degenerate optimum "
            f"({optima[where].degenerate}); treat it with suspicion."
        )
    if best is None:
        return (
            f"The report's model reaches {fmt_fixed(log_likelihood, 4)} per point; "
            "every optimum of the restarts is degenerate."
        )
    if where is not None and optima[where] is best:
        return "The report's model sits at the best optimum found."
    if log_likelihood > best.log_likelihood + 1e-4:
        return (
            "The report's model (best of its own starts) is slightly better than "
            "every sound optimum found here."
        )
    if where is not None:
        return (
            f"The report's model sits at optimum {where + 1}, "
            f"{fmt(best.log_likelihood - log_likelihood)} per point below the best "
            "found here; try more starts (n_init) or another init_params."
        )
    return (
        f"The report's model reaches {fmt_fixed(log_likelihood, 4)} per point, not "
        "one of the optima listed."
    )


# --------------------------------------------------------- soft assignments
def ambiguity_sentence(resp: np.ndarray, threshold: float = 0.9) -> str:
    """How many points no component claims with at least ``threshold``.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
    threshold : float, default=0.9

    Returns
    -------
    sentence : str
    """
    top = resp.max(axis=1)
    ambiguous = int((top < threshold).sum())
    n = len(resp)
    if resp.shape[1] == 1:
        return "With one component every point belongs to it: nothing is ambiguous."
    if ambiguous == 0:
        return (
            f"Every point has a component with responsibility at least {threshold}: "
            "no point is ambiguous."
        )
    worst = int(np.argmin(top))
    if ambiguous == 1:
        return (
            f"1 of {n} points ({1 / n:.1%}) is ambiguous: no component has "
            f"responsibility {threshold} or more for it. It is row {worst} "
            f"(rows count from 0), whose largest responsibility is "
            f"{top[worst]:.2f}."
        )
    return (
        f"{ambiguous} of {n} points ({ambiguous / n:.1%}) are ambiguous: no "
        f"component has responsibility {threshold} or more for them. The most "
        f"ambiguous is row {worst} (rows count from 0), whose largest "
        f"responsibility is {top[worst]:.2f}."
    )
