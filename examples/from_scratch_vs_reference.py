"""gmmkit against scikit-learn: same data, same start, same answer.

gmmkit's EM is written from scratch. Given the same starting weights, means
and precisions and the same stopping rule, it should reach the same optimum
as scikit-learn's ``GaussianMixture``. This example fits both on 600 points
from three overlapping 2-D Gaussians and prints the parameters and the
log-likelihood side by side. scikit-learn is optional (``pip install
'gmmkit[examples]'``); without it the example says so and shows gmmkit alone.

Run: ``python examples/from_scratch_vs_reference.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmmkit import GaussianMixture, plot
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import format_table, parse_args, save_figure

NAME = "from_scratch_vs_reference"
MEANS = np.array([[0.0, 0.0], [3.0, 1.0], [1.0, 3.5]])
COVARIANCES = np.array(
    [
        [[1.0, 0.4], [0.4, 0.7]],
        [[0.6, -0.3], [-0.3, 1.2]],
        [[0.9, 0.0], [0.0, 0.4]],
    ]
)
TOL = 1e-8


def starting_point(X: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Equal weights, three data rows as means, identity precisions."""
    rng = np.random.default_rng(seed)
    return {
        "weights_init": np.full(3, 1 / 3),
        "means_init": X[rng.choice(len(X), 3, replace=False)],
        "precisions_init": np.array([np.eye(2)] * 3),
    }


def summary(model) -> dict[str, object]:
    """Parameters (ordered by first mean coordinate) and iteration count."""
    order = np.argsort(model.means_[:, 0])
    return {
        "weights": model.weights_[order],
        "means": model.means_[order],
        "covariances": model.covariances_[order],
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
    }


def parameter_rows(fit: dict | None) -> list[tuple[str, float]]:
    """Each scalar parameter of a :func:`summary` as (name, value)."""
    if fit is None:
        return []
    rows = []
    for k in range(3):
        cov = fit["covariances"][k]
        rows += [
            (f"weight [{k}]", float(fit["weights"][k])),
            (f"mean x0 [{k}]", float(fit["means"][k][0])),
            (f"mean x1 [{k}]", float(fit["means"][k][1])),
            (f"var x0 [{k}]", float(cov[0][0])),
            (f"cov x0x1 [{k}]", float(cov[0][1])),
            (f"var x1 [{k}]", float(cov[1][1])),
        ]
    return rows


def run(out: Path, quick: bool = False) -> dict:
    """Fit both from one start; return both sets of numbers and the gaps.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        300 points instead of 600.

    Returns
    -------
    results : dict
        ``gmmkit`` (parameters, ``mean_log_likelihood``, iterations);
        ``sklearn`` the same, or None when scikit-learn is missing;
        ``max_abs_diff`` (per parameter and log-likelihood) or None.
    """
    out = Path(out)
    X, _ = make_mixture(300 if quick else 600, MEANS, COVARIANCES, random_state=0)
    start = starting_point(X)
    ours = GaussianMixture(3, tol=TOL, max_iter=1000, **start).fit(X)
    results = {
        "gmmkit": summary(ours) | {"mean_log_likelihood": ours.score(X)},
        "sklearn": None,
        "max_abs_diff": None,
    }
    reference = None
    if importlib.util.find_spec("sklearn") is not None:
        from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

        reference = SklearnGaussianMixture(3, tol=TOL, max_iter=1000, **start).fit(X)
        results["sklearn"] = summary(reference) | {
            "mean_log_likelihood": float(reference.score(X))
        }
        results["max_abs_diff"] = {
            key: float(
                np.max(
                    np.abs(
                        np.asarray(results["gmmkit"][key])
                        - np.asarray(results["sklearn"][key])
                    )
                )
            )
            for key in ("weights", "means", "covariances", "mean_log_likelihood")
        }

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plot.plot_ellipses(ours, ax=axes[0], X=X, n_std=2, equal_aspect=False)
    axes[0].set_title(f"gmmkit: 2σ ellipses, {ours.n_iter_} EM iterations")
    axes[1].plot(ours.history_, lw=3, label="gmmkit", color="tab:blue", alpha=0.7)
    if reference is not None:
        mean = ours.means_[np.argsort(ours.means_[:, 0])]
        for k, m in enumerate(reference.means_[np.argsort(reference.means_[:, 0])]):
            axes[0].plot(
                *m,
                "+",
                color="black",
                ms=14,
                mew=2,
                label="scikit-learn means" if k == 0 else None,
            )
        axes[0].legend(loc="lower right", fontsize=8)
        gap = np.max(
            np.abs(mean - reference.means_[np.argsort(reference.means_[:, 0])])
        )
        axes[0].set_title(
            "gmmkit 2σ ellipses; scikit-learn means (+)\n"
            f"largest gap in the means {gap:.1e}"
        )
        curve = np.asarray(getattr(reference, "lower_bounds_", []))
        if len(curve):
            axes[1].plot(curve, "--", color="black", lw=1.2, label="scikit-learn")
            n = min(len(curve), len(ours.history_))
            gap = np.max(np.abs(curve[:n] - np.asarray(ours.history_[:n])))
            axes[1].set_title(
                f"Iterations: gmmkit {ours.n_iter_}, scikit-learn "
                f"{reference.n_iter_}\nlargest gap between the curves {gap:.1e}"
            )
        else:
            axes[1].axhline(
                reference.score(X), color="black", ls="--", label="scikit-learn final"
            )
    else:
        axes[1].set_title("scikit-learn is not installed: gmmkit alone")
    axes[1].set(
        xlabel="EM iteration",
        ylabel="mean log-likelihood",
        title=axes[1].get_title() or "Mean log-likelihood per iteration",
    )
    axes[1].legend(loc="lower right", fontsize=8)
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, out / "from_scratch_vs_reference.png")
    results["figures"] = sorted(p.name for p in out.glob("*.png"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    ours, ref = r["gmmkit"], r["sklearn"]
    if ref is None:
        print(
            "scikit-learn is not installed, so there is no reference to compare "
            "with (pip install 'gmmkit[examples]'). gmmkit alone:"
        )
    ours_values, ref_values = parameter_rows(ours), parameter_rows(ref)
    rows = []
    for i, (name, value) in enumerate(ours_values):
        row = [name, value]
        if ref is not None:
            row += [ref_values[i][1], abs(value - ref_values[i][1])]
        rows.append(row)
    rows.append(["mean log-lik", ours["mean_log_likelihood"]])
    rows.append(["iterations", ours["n_iter"]])
    if ref is not None:
        rows[-2] += [
            ref["mean_log_likelihood"],
            abs(ours["mean_log_likelihood"] - ref["mean_log_likelihood"]),
        ]
        rows[-1] += [ref["n_iter"], abs(ours["n_iter"] - ref["n_iter"])]
    headers = ["parameter", "gmmkit"] + (["scikit-learn", "|gap|"] if ref else [])
    print(format_table(headers, rows))
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
