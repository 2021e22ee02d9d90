"""Three Gaussians on a line: recover their parameters, and let BIC choose K.

300 points are drawn from three 1-D Gaussians (means 0, 5, 10; standard
deviations 1, 1.5, 0.8; weights 0.4, 0.35, 0.25). A 3-component fit recovers
the parameters; a table over K = 2, 3, 4 and three seeds shows the mean
log-likelihood always grows with K while BIC is lowest at K = 3.

Run: ``python examples/mixture_1d.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import GaussianMixture
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import format_table, parse_args, save_figure

NAME = "mixture_1d"
TRUE_MEANS = np.array([0.0, 5.0, 10.0])
TRUE_STDS = np.array([1.0, 1.5, 0.8])
TRUE_WEIGHTS = np.array([0.4, 0.35, 0.25])
N_SAMPLES = 300
SEEDS = (0, 1, 2)
K_VALUES = (2, 3, 4)


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 300 points (shape (300, 1)) and the component of each."""
    return make_mixture(
        N_SAMPLES,
        TRUE_MEANS[:, None],
        TRUE_STDS**2,
        weights=TRUE_WEIGHTS,
        random_state=seed,
    )


def recovered(model: GaussianMixture) -> dict[str, np.ndarray]:
    """Weights, means and standard deviations, ordered by mean."""
    order = np.argsort(model.means_[:, 0])
    return {
        "weights": model.weights_[order],
        "means": model.means_[order, 0],
        "stds": np.sqrt(model.covariances_[order, 0, 0]),
    }


def run(out: Path, quick: bool = False) -> dict:
    """Fit, tabulate K against BIC, draw the figures; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        Fewer starts per fit (the data are the same size).

    Returns
    -------
    results : dict
        ``truth``, ``sample`` (the drawn points' own statistics) and ``fit``
        (weights, means, stds ordered by mean), ``table`` (one
        row per seed and K: mean log-likelihood and BIC), ``best_k_by_seed``.
    """
    out = Path(out)
    n_init = 2 if quick else 5
    X, y = make_data(seed=0)
    model = GaussianMixture(3, n_init=n_init, random_state=0).fit(X)
    fit = recovered(model)
    # What the 300 drawn points themselves hold: the best any fit can do.
    sample = {
        "weights": np.bincount(y, minlength=3) / len(y),
        "means": np.array([X[y == k, 0].mean() for k in range(3)]),
        "stds": np.array([X[y == k, 0].std() for k in range(3)]),
    }

    table = []
    best_k_by_seed = {}
    models = {}
    for seed in SEEDS:
        Xs, _ = make_data(seed)
        rows = []
        for k in K_VALUES:
            gm = GaussianMixture(k, n_init=n_init, random_state=seed).fit(Xs)
            models[seed, k] = gm
            rows.append(
                {
                    "seed": seed,
                    "n_components": k,
                    "mean_log_likelihood": gm.score(Xs),
                    "bic": gm.bic(Xs),
                }
            )
        best_k_by_seed[seed] = min(rows, key=lambda r: r["bic"])["n_components"]
        table += rows

    from gmmkit import plot

    ax = plot.plot_mixture_1d(model, X)
    ax.set_title("3-component fit of 300 points; dashed black: the true density")
    grid = np.linspace(X.min() - 2, X.max() + 2, 400)
    truth = sum(
        w * np.exp(-0.5 * ((grid - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        for w, m, s in zip(TRUE_WEIGHTS, TRUE_MEANS, TRUE_STDS, strict=True)
    )
    ax.plot(grid, truth, "k--", lw=1.2, label="true density")
    ax.legend(loc="upper right", fontsize=8)
    save_figure(ax.figure, out / "mixture_1d_fit.png")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for seed in SEEDS:
        rows = [r for r in table if r["seed"] == seed]
        ks = [r["n_components"] for r in rows]
        axes[0].plot(ks, [r["mean_log_likelihood"] for r in rows], "o-")
        axes[1].plot(ks, [r["bic"] for r in rows], "o-", label=f"data seed {seed}")
    axes[0].set(
        xlabel="K", ylabel="mean log-likelihood", title="Fit always improves with K"
    )
    chosen = sorted(set(best_k_by_seed.values()))
    axes[1].set(
        xlabel="K",
        ylabel="BIC (lower is better)",
        title=f"BIC picks K = {' or '.join(map(str, chosen))}",
    )
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xticks(K_VALUES)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, out / "mixture_1d_bic.png")

    return {
        "truth": {"weights": TRUE_WEIGHTS, "means": TRUE_MEANS, "stds": TRUE_STDS},
        "sample": sample,
        "fit": fit,
        "table": table,
        "best_k_by_seed": best_k_by_seed,
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    results = run(args.out, quick=args.quick)
    print("Recovered parameters (components ordered by mean): fit / sample / truth")
    rows = []
    for name in ("weights", "means", "stds"):
        for k in range(3):
            rows.append(
                [name[:-1], k]
                + [results[key][name][k] for key in ("fit", "sample", "truth")]
            )
    print(format_table(["parameter", "component", "fit", "sample", "truth"], rows))
    print("\nMean log-likelihood and BIC over K and data seeds:")
    print(
        format_table(
            ["seed", "K", "mean log-lik", "BIC"],
            [
                [r["seed"], r["n_components"], r["mean_log_likelihood"], r["bic"]]
                for r in results["table"]
            ],
        )
    )
    print(f"\nK chosen by BIC per seed: {results['best_k_by_seed']}")
    print(f"Figures in {args.out}: {', '.join(results['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
