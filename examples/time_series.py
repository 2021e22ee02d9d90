"""Clustering sequences: 60 noisy sine waves of two periods.

Each sequence is 50 time steps of ``sin(2π t / P + φ)`` plus Gaussian noise
(standard deviation 0.2), with period P = 10 for half of them and P = 50 for
the other half and a small random phase φ. Each sequence is one row of 50
features; a 2-component diagonal-covariance mixture (full covariances would
need more than 30 sequences per cluster in 50 dimensions) groups them.

Run: ``python examples/time_series.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import GaussianMixture, plot
from gmmkit.examples._support import (
    format_table,
    matched_confusion,
    parse_args,
    save_figure,
)

NAME = "time_series"
PERIODS = (10, 50)
N_PER_PERIOD = 30
LENGTH = 50
NOISE = 0.2
MAX_PHASE = 0.3


def make_sequences(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """60 sequences (rows) of length 50 and the period index of each."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(PERIODS)), N_PER_PERIOD)
    period = np.asarray(PERIODS, dtype=float)[y]
    phase = rng.uniform(-MAX_PHASE, MAX_PHASE, len(y))
    t = np.arange(LENGTH)
    X = np.sin(2 * np.pi * t[None, :] / period[:, None] + phase[:, None])
    X += NOISE * rng.standard_normal(X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


def run(out: Path, quick: bool = False) -> dict:
    """Cluster the sequences; return accuracy and confusion matrix.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        One start instead of five (the data are already small).

    Returns
    -------
    results : dict
        ``accuracy`` (after matching clusters to periods), ``confusion``
        (rows: true period, columns: matched cluster), ``mapping``
        (cluster to period index).
    """
    out = Path(out)
    X, y = make_sequences(seed=0)
    model = GaussianMixture(
        2, covariance_type="diag", n_init=1 if quick else 5, random_state=0
    ).fit(X)
    confusion, accuracy, mapping = matched_confusion(y, model.predict(X))

    fig = plot.plot_sequence_clusters(model, X, n_members=4, n_cols=2)
    fig.suptitle(
        "Mean sequence of each cluster (±1 sd band) with four members;\n"
        + ", ".join(
            f"cluster {c} = period {PERIODS[p]}" for c, p in sorted(mapping.items())
        )
    )
    save_figure(fig, out / "time_series_clusters.png")

    fig, ax = plt.subplots(figsize=(4.2, 3.4))
    ax.imshow(confusion, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        colour = "white" if count > confusion.max() / 2 else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=colour)
    clusters = [c for c, _ in sorted(mapping.items(), key=lambda kv: kv[1])]
    ax.set(
        xticks=range(len(clusters)),
        xticklabels=[f"cluster {c}" for c in clusters],
        yticks=range(len(PERIODS)),
        yticklabels=[f"period {p}" for p in PERIODS],
        title=f"Confusion matrix: accuracy {accuracy:.0%}",
    )
    fig.tight_layout()
    save_figure(fig, out / "time_series_confusion.png")

    return {
        "accuracy": accuracy,
        "confusion": confusion,
        "mapping": mapping,
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(f"Accuracy of the 2 clusters against the true periods: {r['accuracy']:.3f}")
    clusters = [c for c, _ in sorted(r["mapping"].items(), key=lambda kv: kv[1])]
    print(
        format_table(
            ["true period", *(f"cluster {c}" for c in clusters)],
            [[p, *row] for p, row in zip(PERIODS, r["confusion"], strict=True)],
        )
    )
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
