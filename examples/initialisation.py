"""Starts matter: random against k-means starts over 50 runs each.

EM climbs to the nearest local optimum of the likelihood, so where it starts
decides where it ends. ``gmmkit.compare_inits`` runs EM 50 times from each
kind of start (k-means, k-means++, random responsibilities, random data
points as means) and groups the final log-likelihoods into the distinct
optima reached. On five well-separated blobs the k-means start converges in
a few iterations to the best optimum every time, while random starts take
many more iterations and sometimes stop in a worse optimum. On Old Faithful
with three components no start always wins: that is what ``n_init`` is for.

Run: ``python examples/initialisation.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import compare_inits
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.examples._support import format_table, parse_args, save_figure
from gmmkit.plot._style import component_colors

NAME = "initialisation"
INITS = ("kmeans", "k-means++", "random", "random_from_data")
BLOB_MEANS = np.array([[0.0, 0.0], [4.0, 0.0], [8.0, 0.0], [2.0, 3.5], [6.0, 3.5]])


def data_sets() -> dict[str, tuple[np.ndarray, int]]:
    """Name to (data, number of components)."""
    blobs, _ = make_mixture(500, BLOB_MEANS, np.full(5, 0.6), random_state=0)
    return {
        "five blobs (K = 5)": (blobs, 5),
        "Old Faithful (K = 3)": (load_old_faithful(), 3),
    }


def summarise(comparison) -> dict:
    """The numbers of one ``InitComparison`` as plain values."""
    ok = np.isfinite(comparison.log_likelihoods)
    return {
        "mean_iterations": float(comparison.n_iter[ok].mean()),
        "median_iterations": float(np.median(comparison.n_iter[ok])),
        "best_log_likelihood": float(np.nanmax(comparison.log_likelihoods)),
        "n_optima": comparison.n_optima,
        "best_fraction": comparison.best_fraction,
        "optima": comparison.optima,
        "n_failed": comparison.n_failed,
        "log_likelihoods": comparison.log_likelihoods,
        "n_iter": comparison.n_iter,
    }


def run(out: Path, quick: bool = False) -> dict:
    """Compare the starts on both data sets; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        10 runs per start instead of 50.

    Returns
    -------
    results : dict
        Per data set, per start: ``mean_iterations``, ``median_iterations``,
        ``best_log_likelihood``, ``n_optima``, ``best_fraction`` (share of
        runs that reached the best optimum *of that start*), ``optima``
        (mean log-likelihood and count, best first), ``n_failed``;
        and ``global_best`` per data set (the best over all starts).
    """
    out = Path(out)
    n_runs = 10 if quick else 50
    results: dict = {"n_runs": n_runs}
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.2))
    colors = component_colors(len(INITS))
    jitter = np.random.default_rng(0)
    for row, (name, (X, k)) in enumerate(data_sets().items()):
        comparison = compare_inits(X, k, inits=INITS, n_runs=n_runs, random_state=0)
        per_init = {init: summarise(c) for init, c in comparison.items()}
        best = max(s["best_log_likelihood"] for s in per_init.values())
        results[name] = {"per_init": per_init, "global_best": best}
        for i, s in enumerate(per_init.values()):
            values = s["log_likelihoods"]
            x = i + jitter.uniform(-0.18, 0.18, len(values))
            axes[row, 0].scatter(x, values, s=14, color=colors[i], alpha=0.7)
            axes[row, 1].scatter(x, s["n_iter"], s=14, color=colors[i], alpha=0.7)
            at_best = np.mean(np.abs(values - best) < 1e-4)
            axes[row, 0].annotate(
                f"{at_best:.0%} at best\n{s['n_optima']} optima",
                (i, np.nanmin(values)),
                xytext=(0, -4),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8,
            )
        low = min(np.nanmin(s["log_likelihoods"]) for s in per_init.values())
        axes[row, 0].set_ylim(low - 0.25 * (best - low + 1e-3), None)
        axes[row, 0].set(
            title=f"{name}: final mean log-likelihood ({n_runs} runs per start)",
            ylabel="mean log-likelihood",
        )
        axes[row, 1].set(title=f"{name}: EM iterations", ylabel="iterations")
        for ax in axes[row]:
            ax.set_xticks(range(len(INITS)), INITS)
            ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    save_figure(fig, out / "initialisation_starts.png")
    results["figures"] = sorted(p.name for p in out.glob("*.png"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    for name in data_sets():
        data = r[name]
        print(f"\n{name}, {r['n_runs']} runs per start:")
        rows = []
        for init, s in data["per_init"].items():
            at_best = np.mean(np.abs(s["log_likelihoods"] - data["global_best"]) < 1e-4)
            rows.append(
                [
                    init,
                    s["mean_iterations"],
                    s["median_iterations"],
                    s["best_log_likelihood"],
                    s["n_optima"],
                    f"{at_best:.0%}",
                    s["n_failed"],
                ]
            )
        print(
            format_table(
                [
                    "start",
                    "mean iter",
                    "median iter",
                    "best log-lik",
                    "optima",
                    "at global best",
                    "failed",
                ],
                rows,
            )
        )
        print("Optima reached (mean log-likelihood: runs), all starts:")
        for init, s in data["per_init"].items():
            found = ", ".join(f"{v:.4f}: {n}" for v, n in s["optima"][:6])
            if len(s["optima"]) > 6:
                found += f", ... {len(s['optima']) - 6} more"
            print(f"  {init:>16}  {found}")
    print(f"\nFigures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
