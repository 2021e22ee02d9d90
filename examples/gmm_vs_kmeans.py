"""GMM against k-means on three long, tilted clusters.

Three equal round blobs are sheared into long ellipses lying side by side.
k-means assigns each point to the nearest centre, so its clusters are round
and cut across the ellipses; a full-covariance Gaussian mixture learns the
shape and recovers the blobs. The mixture also says how sure it is: a table
lists the most and least ambiguous points with their probabilities.

Run: ``python examples/gmm_vs_kmeans.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from gmmkit import plot
from gmmkit.datasets._synthetic import make_anisotropic_blobs
from gmmkit.examples._support import (
    adjusted_rand_index,
    format_table,
    parse_args,
    save_figure,
)

NAME = "gmm_vs_kmeans"
N_SHOWN = 5
#: Blobs 4.5 standard deviations apart across their short axis: close enough
#: that some points are genuinely ambiguous.
SEPARATION = 4.5


def run(out: Path, quick: bool = False) -> dict:
    """Fit both, score them against the true blobs; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        300 points instead of 500.

    Returns
    -------
    results : dict
        ``ari_kmeans`` and ``ari_gmm`` against the true blobs;
        ``most_ambiguous`` and ``least_ambiguous``: rows of point index,
        coordinates and the three component probabilities.
    """
    out = Path(out)
    X, y = make_anisotropic_blobs(
        300 if quick else 500, separation=SEPARATION, random_state=0
    )

    fig = plot.plot_kmeans_vs_gmm(X, 3, random_state=0, equal_aspect=False)
    kmeans, gmm = fig.kmeans, fig.gmm
    ari_kmeans = adjusted_rand_index(y, kmeans.labels_)
    ari_gmm = adjusted_rand_index(y, gmm.predict(X))
    fig.axes[0].set_title(f"k-means: ARI {ari_kmeans:.2f}", fontsize="medium")
    fig.axes[1].set_title(
        f"Gaussian mixture, 2σ ellipses: ARI {ari_gmm:.2f}", fontsize="medium"
    )
    save_figure(fig, out / "gmm_vs_kmeans_labels.png")

    proba = gmm.predict_proba(X)
    order = np.argsort(proba.max(axis=1))  # least sure first

    def rows(indices: np.ndarray) -> list[dict]:
        return [
            {"index": int(i), "x": X[i].tolist(), "proba": proba[i].tolist()}
            for i in indices
        ]

    ax = plot.plot_uncertainty(gmm, X, n_ambiguous=N_SHOWN, equal_aspect=False)
    ax.set_title(
        f"How sure the mixture is: entropy of each point's probabilities\n"
        f"(the {N_SHOWN} most ambiguous points ringed)"
    )
    save_figure(ax.figure, out / "gmm_vs_kmeans_uncertainty.png")

    return {
        "ari_kmeans": ari_kmeans,
        "ari_gmm": ari_gmm,
        "most_ambiguous": rows(order[:N_SHOWN]),
        "least_ambiguous": rows(order[::-1][:N_SHOWN]),
        "n_uncertain": int(np.sum(proba.max(axis=1) < 0.9)),
        "n_samples": len(X),
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(f"Adjusted Rand index against the true blobs ({r['n_samples']} points):")
    print(f"  k-means          {r['ari_kmeans']:.3f}")
    print(f"  Gaussian mixture {r['ari_gmm']:.3f}")
    headers = ["point", "x0", "x1", "P(0)", "P(1)", "P(2)"]
    for title, key in (("Most", "most_ambiguous"), ("Least", "least_ambiguous")):
        print(f"\n{title} ambiguous points:")
        print(
            format_table(
                headers,
                [
                    [p["index"], *p["x"], *(f"{q:.3f}" for q in p["proba"])]
                    for p in r[key]
                ],
            )
        )
    print(
        f"\n{r['n_uncertain']} of {r['n_samples']} points have no component "
        "above probability 0.9."
    )
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
