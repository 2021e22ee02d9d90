"""Anomaly detection: flag the 5 % of points where the fitted density is lowest.

570 points come from three 2-D Gaussians and 30 more (5 %) are planted
anomalies, scattered uniformly over a wide box. A 3-component mixture is
fitted to all 600 points without being told which are which; the points
whose log-density ``score_samples`` lies below its 5th percentile are
flagged. Planted points that happen to land inside a cluster are not
anomalous in any sense a density can see, so recall is below 1 by design.

Run: ``python examples/anomalies.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from gmmkit import GaussianMixture, plot
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import parse_args, save_figure

NAME = "anomalies"
PERCENTILE = 5.0
MEANS = np.array([[0.0, 0.0], [5.0, 1.0], [2.0, 5.0]])
COVARIANCES = np.array(
    [
        [[1.0, 0.5], [0.5, 0.8]],
        [[0.7, -0.3], [-0.3, 0.9]],
        [[1.2, 0.0], [0.0, 0.5]],
    ]
)
BOX = np.array([[-6.0, -6.0], [11.0, 11.0]])


def make_data(n_normal: int, n_planted: int, seed: int = 0):
    """Normal points, then planted ones; a boolean mask marks the planted."""
    X, _ = make_mixture(n_normal, MEANS, COVARIANCES, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    planted = rng.uniform(BOX[0], BOX[1], size=(n_planted, 2))
    is_planted = np.repeat([False, True], [n_normal, n_planted])
    return np.vstack([X, planted]), is_planted


def run(out: Path, quick: bool = False) -> dict:
    """Fit, flag the lowest-density 5 %, compare with the planted points.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        200 points (10 planted) instead of 600 (30 planted).

    Returns
    -------
    results : dict
        ``n_samples``, ``n_flagged``, ``fraction_flagged``, ``threshold``
        (log-density), ``n_planted``, ``planted_found`` (planted points
        flagged), ``recall`` and ``precision`` against the planted points.
    """
    out = Path(out)
    n_normal, n_planted = (190, 10) if quick else (570, 30)
    X, is_planted = make_data(n_normal, n_planted)
    model = GaussianMixture(3, n_init=3, random_state=0).fit(X)
    log_density = model.score_samples(X)
    threshold = float(np.percentile(log_density, PERCENTILE))
    flagged = log_density < threshold
    found = int(np.sum(flagged & is_planted))

    ax = plot.plot_density(model, X, anomalies=PERCENTILE, equal_aspect=True)
    legend = ax.get_legend()
    handles = list(legend.legend_handles) if legend is not None else []
    planted = ax.scatter(
        *X[is_planted].T,
        s=70,
        facecolors="none",
        edgecolors="black",
        linewidths=0.9,
        marker="s",
        label="planted anomaly",
        zorder=5,
    )
    ax.legend(
        handles=[*handles, planted],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
        fontsize=8,
    )
    ax.set_title(
        f"Lowest {PERCENTILE:.0f}% density flagged: {flagged.sum()} points, "
        f"{found} of {n_planted} planted ones"
    )
    save_figure(ax.figure, out / "anomalies.png")

    return {
        "n_samples": len(X),
        "n_flagged": int(flagged.sum()),
        "fraction_flagged": float(flagged.mean()),
        "threshold": threshold,
        "n_planted": n_planted,
        "planted_found": found,
        "recall": found / n_planted,
        "precision": found / max(int(flagged.sum()), 1),
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(
        f"Flagged {r['n_flagged']} of {r['n_samples']} points "
        f"({r['fraction_flagged']:.1%}): log-density below {r['threshold']:.3f}"
    )
    print(
        f"Planted anomalies found: {r['planted_found']} of {r['n_planted']} "
        f"(recall {r['recall']:.2f}, precision {r['precision']:.2f})"
    )
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
