"""Old Faithful: two eruption regimes, and what AIC and BIC say about the model.

The 272 eruptions of the Old Faithful geyser (duration and waiting time to
the next eruption, minutes) fall into two regimes. A 2-component mixture
with a covariance of its own per component (``full``, mclust's VVV) finds
them. ``select_model``'s search, K = 1..9 with each of mclust's 14
covariance models, then compares AIC and BIC: on this data BIC prefers
three components sharing one covariance (EEE, K = 3), as mclust's default
search does; on the 1-D data of ``mixture_1d``, where a model can only keep
the variances equal (EII) or let them vary (VII), it finds the true K = 3.

Run: ``python examples/old_faithful.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from gmmkit import GaussianMixture, plot, select_model
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.examples._support import format_table, parse_args, save_figure

NAME = "old_faithful"
#: select_model's own default; a quick run stops at 5.
K_RANGE = range(1, 10)
QUICK_K_RANGE = range(1, 6)
#: In one dimension a covariance is a variance: equal across components or not.
ONE_D_MODELS = ["EII", "VII"]


def one_dimensional_data() -> np.ndarray:
    """The 300 points of ``mixture_1d`` (means 0, 5, 10), seed 0."""
    X, _ = make_mixture(
        300, [[0.0], [5.0], [10.0]], [1.0, 2.25, 0.64], [0.4, 0.35, 0.25], 0
    )
    return X


def best_by(rows: list[dict], criterion: str) -> tuple[int, str]:
    """K and covariance model of the lowest ``criterion`` among healthy fits."""
    good = [r for r in rows if r["status"] == "ok"]
    best = min(good, key=lambda r: (r[criterion], r["n_parameters"]))
    return best["n_components"], best["covariance_type"]


def run(out: Path, quick: bool = False) -> dict:
    """Fit the two regimes and compare criteria over K; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        Fewer starts for the two regimes, and K = 1..5 in the searches.

    Returns
    -------
    results : dict
        ``regimes`` (short and long: weight, mean duration and wait,
        standard deviations, correlation), ``criteria`` (per data set: rows
        of K, covariance model, log-likelihood, AIC, BIC) and ``best`` (per
        data set and criterion: the K and model chosen).
    """
    out = Path(out)
    n_init = 2 if quick else 5
    X = load_old_faithful()
    model = GaussianMixture(2, n_init=n_init, random_state=0).fit(X)
    regimes = {}
    for name, k in zip(("short", "long"), np.argsort(model.means_[:, 0]), strict=True):
        cov = model.covariances_[k]
        sd = np.sqrt(np.diag(cov))
        regimes[name] = {
            "weight": float(model.weights_[k]),
            "duration": float(model.means_[k, 0]),
            "wait": float(model.means_[k, 1]),
            "duration_sd": float(sd[0]),
            "wait_sd": float(sd[1]),
            "correlation": float(cov[0, 1] / (sd[0] * sd[1])),
        }

    k_range = QUICK_K_RANGE if quick else K_RANGE
    searches = {  # select_model's defaults: every one of mclust's 14 models
        "old_faithful": select_model(X, k_range),
        "mixture_1d": select_model(
            one_dimensional_data(), k_range, covariance_types=ONE_D_MODELS
        ),
    }
    keys = ("n_components", "covariance_type", "log_likelihood", "aic", "bic")
    criteria = {
        name: [{key: row[key] for key in keys} for row in result.rows]
        for name, result in searches.items()
    }
    best = {
        name: {c: best_by(result.rows, c) for c in ("aic", "bic")}
        for name, result in searches.items()
    }

    ax = plot.plot_clusters(model, X, n_std=(1.0, 2.0), equal_aspect=False)
    ax.set(
        xlabel="eruption duration (min)",
        ylabel="waiting time to the next eruption (min)",
        title="Old Faithful: two regimes, 1σ and 2σ ellipses",
    )
    for name, r in regimes.items():
        ax.annotate(
            f"{name} eruptions ({r['weight']:.0%}):\n"
            f"{r['duration']:.1f} min, then ~{r['wait']:.0f} min wait",
            (r["duration"], r["wait"]),
            xytext=(r["duration"] + (0.55 if name == "short" else -1.6), r["wait"] + 9),
            fontsize=9,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9},
            arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 0.8},
        )
    save_figure(ax.figure, out / "old_faithful_regimes.png")
    titles = {
        "old_faithful": "Old Faithful (272 eruptions, 2-D)",
        "mixture_1d": "mixture_1d (300 points, three true components)",
    }
    for name, result in searches.items():
        fig = plot.plot_selection(result, criteria=("bic", "aic"))
        fig.suptitle(titles[name])
        save_figure(fig, out / f"old_faithful_criteria_{name}.png")

    return {
        "regimes": regimes,
        "criteria": criteria,
        "best": best,
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def best_per_model(rows: list[dict]) -> list[list]:
    """Per covariance model: the K of its lowest AIC, that AIC, and the same for BIC."""
    out = []
    for model in dict.fromkeys(r["covariance_type"] for r in rows):
        mine = [r for r in rows if r["covariance_type"] == model]
        aic = min(mine, key=lambda r: r["aic"])
        bic = min(mine, key=lambda r: r["bic"])
        out.append(
            [model, aic["n_components"], aic["aic"], bic["n_components"], bic["bic"]]
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    results = run(args.out, quick=args.quick)
    print("The two regimes (2-component GMM, a full covariance each):")
    print(
        format_table(
            ["regime", "weight", "duration", "sd", "wait", "sd", "corr"],
            [
                [
                    name,
                    r["weight"],
                    r["duration"],
                    r["duration_sd"],
                    r["wait"],
                    r["wait_sd"],
                    r["correlation"],
                ]
                for name, r in results["regimes"].items()
            ],
        )
    )
    short, long = results["regimes"]["short"], results["regimes"]["long"]
    print(
        f"\nShort eruptions (~{short['duration']:.1f} min, "
        f"{short['weight']:.0%} of them) are followed by a ~{short['wait']:.0f} "
        f"min wait; long ones (~{long['duration']:.1f} min) by ~"
        f"{long['wait']:.0f} min."
    )
    for name, rows in results["criteria"].items():
        print(f"\nThe lowest AIC and BIC of each covariance model, {name}:")
        print(format_table(["model", "K", "AIC", "K", "BIC"], best_per_model(rows)))
        chosen = results["best"][name]
        print(
            "AIC picks K = {}, {}; BIC picks K = {}, {}".format(
                *chosen["aic"], *chosen["bic"]
            )
        )
    print(f"\nFigures in {args.out}: {', '.join(results['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
