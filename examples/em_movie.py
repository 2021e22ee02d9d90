"""Watch EM work: an animation and an interactive page of a 4-component fit.

400 points from four 2-D Gaussians; EM starts from four data points picked
at random, each point given to the nearest (a deliberately poor start, so
there is something to watch) and every
iteration is kept (``snapshot_every=1``). The example writes an animated GIF
(``gmmkit.plot.animate_em``), a self-contained HTML page with a slider
(``gmmkit.plot.em_explorer``, works from ``file://`` with no network), a grid
of snapshots and the log-likelihood curve, which never decreases.

Run: ``python examples/em_movie.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from gmmkit import GaussianMixture, plot
from gmmkit.datasets import make_mixture
from gmmkit.examples._support import parse_args, save_figure

NAME = "em_movie"
MEANS = np.array([[0.0, 0.0], [4.0, 0.5], [1.0, 4.0], [5.0, 4.5]])
COVARIANCES = np.array(
    [
        [[1.0, 0.5], [0.5, 0.7]],
        [[0.5, -0.2], [-0.2, 0.8]],
        [[0.9, -0.3], [-0.3, 0.5]],
        [[0.6, 0.0], [0.0, 0.6]],
    ]
)
#: Seed of a random-data-points start that takes a few dozen iterations.
START_SEED = 1


def run(out: Path, quick: bool = False) -> dict:
    """Fit with every iteration kept and write the movie, page and figures.

    Parameters
    ----------
    out : Path
        Folder for the files.
    quick : bool, default=False
        200 points instead of 400 and at most 12 frames in the GIF.

    Returns
    -------
    results : dict
        ``n_iter``, ``converged``, ``history`` (mean log-likelihood per
        iteration), ``largest_decrease`` (0 when it never goes down),
        ``n_snapshots``, ``files`` (names and sizes in bytes).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    X, _ = make_mixture(200 if quick else 400, MEANS, COVARIANCES, random_state=0)
    model = GaussianMixture(
        4,
        init_params="random_from_data",
        snapshot_every=1,
        tol=1e-4,
        max_iter=300,
        random_state=START_SEED,
    ).fit(X)
    history = np.asarray(model.history_)

    plot.animate_em(
        model, X, out / "em_movie.gif", fps=4, max_frames=12 if quick else 24, dpi=65
    )
    plot.em_explorer(
        model, X, out / "em_explorer.html", title="EM on four Gaussian clusters"
    )
    every = max(1, -(-model.n_iter_ // 6))  # at most 8 panels with start and end
    fig = plot.plot_em_snapshots(model, X, every=every, n_cols=4, max_panels=8)
    save_figure(fig, out / "em_snapshots.png", dpi=80)
    ax = plot.plot_log_likelihood(model)
    save_figure(ax.figure, out / "em_log_likelihood.png")

    files = {"em_movie.gif", "em_explorer.html", "em_snapshots.png"}
    files.add("em_log_likelihood.png")
    return {
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
        "history": history,
        "largest_decrease": float(max(0.0, -np.diff(history).min(initial=0.0))),
        "n_snapshots": len(model.snapshots_),
        "files": {name: (out / name).stat().st_size for name in sorted(files)},
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    h = r["history"]
    print(
        f"EM ran {r['n_iter']} iterations (converged: {r['converged']}); "
        f"mean log-likelihood {h[0]:.3f} at the start, {h[-1]:.3f} at the end."
    )
    print(f"Largest decrease between iterations: {r['largest_decrease']:.2e}")
    print(f"Snapshots kept: {r['n_snapshots']}")
    for name, size in r["files"].items():
        print(f"  {args.out / name}  ({size / 1024:.0f} KiB)")
    print("Open em_explorer.html in a browser to step through the fit.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
