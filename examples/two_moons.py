"""Two moons: a poor clusterer with 2 components, a good density with many.

300 points on two interleaving half circles (noise 0.05). Two Gaussian
components cannot follow the curved moons, so their clusters cut across
them (low adjusted Rand index). Many components, with K and the covariance
model chosen by BIC (``select_model``'s search over mclust's 14 models),
tile the moons and make a good density model: better held-out
log-likelihood, and samples that look like moons.

Run: ``python examples/two_moons.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import GaussianMixture, plot, select_model
from gmmkit.datasets._synthetic import make_moons
from gmmkit.examples._support import (
    adjusted_rand_index,
    format_table,
    parse_args,
    save_figure,
)

NAME = "two_moons"
N_SAMPLES = 300
NOISE = 0.05


def run(out: Path, quick: bool = False) -> dict:
    """Cluster and model the moons; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        Try fewer K for the density model and use fewer starts.

    Returns
    -------
    results : dict
        ``ari_2`` (2-component clusters against the moons), ``best_k`` and
        ``best_model`` (by BIC), ``ari_best_k`` (its raw clusters, for
        reference), ``heldout_2`` and ``heldout_best`` (mean log-likelihood
        of fresh points), ``bic`` (K to the lowest BIC of any model).
    """
    out = Path(out)
    n_init = 2 if quick else 5
    k_values = range(2, 13) if quick else range(2, 21)
    X, y = make_moons(N_SAMPLES, NOISE, random_state=0)
    X_test, _ = make_moons(2000, NOISE, random_state=1)

    two = GaussianMixture(2, n_init=n_init, random_state=0).fit(X)
    search = select_model(X, k_values)  # every one of mclust's 14 models
    many = search.best_model
    bic: dict[int, float] = {}
    for r in search.rows:
        if r["status"] == "ok":
            bic[r["n_components"]] = min(bic.get(r["n_components"], np.inf), r["bic"])
    results = {
        "ari_2": adjusted_rand_index(y, two.predict(X)),
        "best_k": search.best_n_components,
        "best_model": search.best_covariance_type,
        "ari_best_k": adjusted_rand_index(y, many.predict(X)),
        "heldout_2": two.score(X_test),
        "heldout_best": many.score(X_test),
        "bic": bic,
    }

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plot.plot_clusters(two, X, ax=axes[0], equal_aspect=True)
    axes[0].set_title(
        f"2 components: ARI against the moons {results['ari_2']:.2f}\n"
        "each ellipse takes half of one moon and the tip of the other"
    )
    plot.plot_clusters(many, X, ax=axes[1], equal_aspect=True, legend=False)
    axes[1].set_title(
        f"{results['best_k']} {results['best_model']} components (chosen by BIC) "
        "tile the moons\n"
        f"held-out log-likelihood {results['heldout_best']:.2f} "
        f"vs {results['heldout_2']:.2f} with 2"
    )
    fig.tight_layout()
    save_figure(fig, out / "two_moons_clusters.png")

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    plot.plot_density(many, X, ax=axes[0], equal_aspect=False, colorbar=False)
    axes[0].set_title(
        f"Density of the {results['best_k']}-component mixture (darker: denser)"
    )
    samples, _ = many.sample(N_SAMPLES, random_state=2)
    axes[1].scatter(samples[:, 0], samples[:, 1], s=8, color="tab:purple")
    axes[1].set(
        title=f"{N_SAMPLES} points sampled from it",
        xlim=axes[0].get_xlim(),
        ylim=axes[0].get_ylim(),
        xlabel="x0",
        ylabel="x1",
    )
    fig.tight_layout()
    save_figure(fig, out / "two_moons_density.png")

    results["figures"] = sorted(p.name for p in out.glob("*.png"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(f"2 components: adjusted Rand index against the moons {r['ari_2']:.3f}")
    print(
        "  (a Gaussian is an ellipse: the curved, interleaved moons cannot be two "
        "ellipses)"
    )
    print(
        f"BIC over K and mclust's 14 covariance models picks K = {r['best_k']}, "
        f"{r['best_model']}; the lowest BIC at each K:"
    )
    print(format_table(["K", "BIC"], sorted(r["bic"].items())))
    print(
        f"Held-out mean log-likelihood (2000 fresh points): "
        f"{r['heldout_2']:.3f} with 2 components, "
        f"{r['heldout_best']:.3f} with {r['best_k']}"
    )
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
