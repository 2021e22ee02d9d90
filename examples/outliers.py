"""Outliers: a plain GMM against a noise component against a Student-t mixture.

Three 2-D Gaussian clusters with 5 % of the points replaced by outliers
spread uniformly over a box ten times wider. A plain Gaussian mixture must
explain the outliers with its three components, which drags a mean or
inflates a covariance. ``GaussianMixture(noise="uniform")`` adds a
background component that absorbs them; ``StudentTMixture`` has heavy tails
that give far points little weight. Both recover the clusters.

Run: ``python examples/outliers.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linear_sum_assignment

from gmmkit import GaussianMixture, StudentTMixture, plot
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import (
    adjusted_rand_index,
    format_table,
    parse_args,
    save_figure,
)

NAME = "outliers"
MEANS = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])
COVARIANCES = np.array(
    [
        [[1.0, 0.3], [0.3, 0.6]],
        [[0.8, -0.3], [-0.3, 1.0]],
        [[0.5, 0.0], [0.0, 1.2]],
    ]
)
OUTLIER_BOX = np.array([[-15.0, -15.0], [20.0, 20.0]])
OUTLIER_FRACTION = 0.05
LABELS = {
    "plain": "plain GMM",
    "noise": 'GMM + uniform noise (noise="uniform")',
    "student_t": "Student-t mixture",
}


def make_data(n_samples: int, seed: int = 0):
    """Inliers then outliers; returns X, inlier labels (-1: outlier)."""
    n_out = round(OUTLIER_FRACTION * n_samples)
    X, y = make_mixture(n_samples - n_out, MEANS, COVARIANCES, random_state=seed)
    rng = np.random.default_rng(seed + 100)
    outliers = rng.uniform(OUTLIER_BOX[0], OUTLIER_BOX[1], size=(n_out, 2))
    return np.vstack([X, outliers]), np.concatenate([y, np.full(n_out, -1)])


def mean_errors(means: np.ndarray) -> np.ndarray:
    """Distance of each true mean to the estimated mean matched to it."""
    distance = np.linalg.norm(MEANS[:, None] - means[None], axis=2)
    rows, cols = linear_sum_assignment(distance)
    return distance[rows, cols]


def run(out: Path, quick: bool = False) -> dict:
    """Fit the three models; return how well each recovers the clusters.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        Fewer starts (the data are the same).

    Returns
    -------
    results : dict
        Per model (``plain``, ``noise``, ``student_t``): ``max_mean_error``
        (largest distance from a true mean to its estimate), ``ari_inliers``
        (clusters of the inliers against the truth) and the inliers' mean
        log-likelihood ``inlier_log_likelihood``; ``noise_outliers_caught``
        (share of outliers the background claims), ``student_t_dof``.
    """
    out = Path(out)
    n_init = 2 if quick else 5
    X, y = make_data(500, seed=0)
    inliers = y >= 0
    models = {
        "plain": GaussianMixture(3, n_init=n_init, random_state=0),
        "noise": GaussianMixture(3, noise="uniform", n_init=n_init, random_state=0),
        "student_t": StudentTMixture(3, n_init=n_init, random_state=0),
    }
    results: dict = {}
    for name, model in models.items():
        model.fit(X)
        errors = mean_errors(model.means_)
        results[name] = {
            "max_mean_error": float(errors.max()),
            "mean_errors": errors,
            "ari_inliers": adjusted_rand_index(y[inliers], model.predict(X[inliers])),
            "inlier_log_likelihood": float(model.score(X[inliers])),
        }
    results["noise_outliers_caught"] = float(
        np.mean(models["noise"].predict(X[~inliers]) == -1)
    )
    results["noise_weight"] = float(models["noise"].noise_weight_)
    results["student_t_dof"] = models["student_t"].dof_.tolist()

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    for ax, (name, model) in zip(axes, models.items(), strict=True):
        plot.plot_clusters(model, X, ax=ax, equal_aspect=True, legend=False)
        ax.scatter(*MEANS.T, marker="+", s=120, c="black", label="true means")
        r = results[name]
        ax.set_title(
            f"{LABELS[name]}\nworst mean error {r['max_mean_error']:.2f}, "
            f"inlier ARI {r['ari_inliers']:.2f}",
            fontsize="medium",
        )
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(
        f"{len(X)} points, {int((~inliers).sum())} of them outliers "
        "(grey in the middle panel: claimed by the background)"
    )
    fig.tight_layout()
    save_figure(fig, out / "outliers_three_fits.png")
    results["figures"] = sorted(p.name for p in out.glob("*.png"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    print(
        format_table(
            ["model", "worst mean error", "inlier ARI", "inlier mean log-lik"],
            [
                [
                    LABELS[name],
                    r[name]["max_mean_error"],
                    r[name]["ari_inliers"],
                    r[name]["inlier_log_likelihood"],
                ]
                for name in LABELS
            ],
        )
    )
    print(
        f"\nThe background component has weight {r['noise_weight']:.3f} and claims "
        f"{r['noise_outliers_caught']:.0%} of the outliers."
    )
    dof = ", ".join(f"{v:.1f}" for v in r["student_t_dof"])
    print(f"Student-t degrees of freedom learned: {dof}")
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
