"""The gmmkit examples: one script per use case.

Each ``examples/NAME.py`` runs as ``python examples/NAME.py [--out DIR] [--quick]``
and as ``gmmkit example NAME``; installed, this folder is ``gmmkit.examples``.
Every example module has ``run(out, quick=False) -> dict`` (writes its figures
into ``out`` and returns its key numbers) and ``main(argv=None) -> int`` (parses
``--out``/``--quick``, runs, prints the numbers).
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The examples, in the order of the gallery, with a one-line summary each.
EXAMPLES: dict[str, str] = {
    "mixture_1d": "three 1-D Gaussians: recovered parameters, BIC over K",
    "old_faithful": "two eruption regimes; AIC and BIC over K = 1..8",
    "two_moons": "2 components cluster the moons badly; many model them well",
    "from_scratch_vs_reference": "gmmkit against scikit-learn from the same start",
    "digits": "8x8 digits: confusion matrix, means as images, generated digits",
    "time_series": "clustering noisy sine sequences of two periods",
    "gmm_vs_kmeans": "three sheared clusters: adjusted Rand index of both",
    "anomalies": "the lowest 5 % of density flagged",
    "outliers": "plain GMM against a noise component and a Student-t mixture",
    "initialisation": "k-means against random starts over 50 runs",
    "bayesian": "a variational GMM offered 10 components keeps what it needs",
    "em_movie": "an animation and an interactive page of EM",
}


def names() -> list[str]:
    """Names of the examples, in gallery order.

    Returns
    -------
    names : list of str
    """
    return list(EXAMPLES)


def load(name: str) -> ModuleType:
    """The module of one example.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    module : module
        With ``run(out, quick=False)`` and ``main(argv=None)``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    if name not in EXAMPLES:
        raise ValueError(
            f"There is no example called {name!r}. Examples: {', '.join(EXAMPLES)}."
        )
    return importlib.import_module(f"{__name__}.{name}")
