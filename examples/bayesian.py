"""A variational GMM offered 10 components keeps the ones the data need.

600 points come from four 2-D Gaussians of unequal weight. A
``BayesianGaussianMixture`` with a Dirichlet-process prior on the weights
(small concentration, 0.01) is given 10 components; variational inference
drives the weights of the spare ones to almost nothing, so the number of
components is learned rather than chosen.

Run: ``python examples/bayesian.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import BayesianGaussianMixture, plot
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import format_table, parse_args, save_figure

NAME = "bayesian"
N_OFFERED = 10
KEEP_WEIGHT = 0.01
TRUE_WEIGHTS = np.array([0.35, 0.3, 0.2, 0.15])
MEANS = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [5.0, 5.5]])
COVARIANCES = np.array(
    [
        [[1.0, 0.4], [0.4, 0.8]],
        [[0.6, -0.2], [-0.2, 0.9]],
        [[0.8, 0.0], [0.0, 0.5]],
        [[0.5, 0.2], [0.2, 0.6]],
    ]
)


def run(out: Path, quick: bool = False) -> dict:
    """Fit the variational mixture; return its weights and what it kept.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        300 points instead of 600, one start instead of three.

    Returns
    -------
    results : dict
        ``weights`` (all 10, heaviest first), ``n_kept`` (weight above
        0.01), ``n_true`` (4), ``kept_means`` (means of the kept components),
        ``true_weights``.
    """
    out = Path(out)
    X, _ = make_mixture(
        300 if quick else 600, MEANS, COVARIANCES, TRUE_WEIGHTS, random_state=0
    )
    model = BayesianGaussianMixture(
        N_OFFERED,
        weight_concentration_prior=0.01,
        n_init=1 if quick else 3,
        max_iter=500,
        random_state=0,
    ).fit(X)
    order = np.argsort(model.weights_)[::-1]
    weights = model.weights_[order]
    kept = order[model.weights_[order] > KEEP_WEIGHT]

    fig, axes = plt.subplots(
        1, 2, figsize=(11, 4.3), gridspec_kw={"width_ratios": [1.2, 1]}
    )
    plot.plot_clusters(model, X, ax=axes[0], min_weight=KEEP_WEIGHT)
    axes[0].set_title(f"{len(kept)} of {N_OFFERED} components kept (2σ ellipses)")
    colors = ["tab:blue" if w > KEEP_WEIGHT else "0.6" for w in weights]
    axes[1].bar(range(1, N_OFFERED + 1), weights, color=colors)
    axes[1].axhline(KEEP_WEIGHT, color="tab:red", ls="--", lw=1)
    axes[1].text(
        N_OFFERED,
        KEEP_WEIGHT * 1.3,
        f"kept above {KEEP_WEIGHT}",
        ha="right",
        color="tab:red",
        fontsize=8,
    )
    axes[1].set_yscale("log")
    axes[1].set(
        xticks=range(1, N_OFFERED + 1),
        xlabel="component, heaviest first",
        ylabel="posterior mean weight (log scale)",
        title=f"Weights (true: {', '.join(f'{w:.2f}' for w in TRUE_WEIGHTS)})",
    )
    fig.tight_layout()
    save_figure(fig, out / "bayesian_components.png")

    return {
        "weights": weights,
        "n_kept": len(kept),
        "n_true": len(TRUE_WEIGHTS),
        "kept_means": model.means_[kept],
        "true_weights": TRUE_WEIGHTS,
        "converged": bool(model.converged_),
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(f"Weights of the {N_OFFERED} offered components, heaviest first:")
    print(format_table(["rank", "weight"], list(enumerate(r["weights"], start=1))))
    print(
        f"\nKept (weight > {KEEP_WEIGHT}): {r['n_kept']}; the data have {r['n_true']} "
        f"components with weights {', '.join(f'{w:.2f}' for w in r['true_weights'])}."
    )
    print("Means of the kept components:")
    print(format_table(["x0", "x1"], r["kept_means"].tolist()))
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
