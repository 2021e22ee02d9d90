"""Write every gmmkit.plot figure of the gallery into docs/figures/.

Usage::

    python docs/make_figures.py            # all figures into docs/figures/
    python docs/make_figures.py --quick    # fewer points and iterations
    python docs/make_figures.py --out DIR  # somewhere else

Data: Old Faithful (bundled), synthetic mixtures from
``gmmkit.datasets.make_mixture``, 3-D data seen through PCA, a 1-D mixture,
8×8 synthetic "stroke" images and noisy sine sequences. Nothing downloads.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

import gmmkit
from gmmkit import plot
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.io import atomic_path

DPI = 120
FIGURES = Path(__file__).resolve().parent / "figures"


def save(fig, out: Path, name: str) -> Path:
    """Write ``fig`` as ``out/name.png`` atomically and close it."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.png"
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        buffer.seek(0)
        # 256 colours are plenty for these figures and keep the files small.
        with Image.open(buffer) as image, atomic_path(target) as temporary:
            image.convert("RGB").quantize(colors=256).save(
                temporary, format="PNG", optimize=True
            )
    finally:
        plt.close(fig)
    return target


def faithful_model(snapshot_every=None, **kw):
    """Old Faithful (a DataFrame, for axis names) and a 2-component fit of it."""
    X = load_old_faithful(as_frame=True)
    model = gmmkit.GaussianMixture(
        2, random_state=0, snapshot_every=snapshot_every, **kw
    ).fit(X)
    return X, model


def three_blobs(n: int, seed: int = 0) -> np.ndarray:
    """Three overlapping correlated 2-D Gaussian clusters."""
    X, _ = make_mixture(
        n,
        [[0.0, 0.0], [3.2, 0.8], [1.2, 3.4]],
        [
            [[1.0, 0.6], [0.6, 0.8]],
            [[0.5, -0.3], [-0.3, 1.2]],
            [[0.6, 0.0], [0.0, 0.3]],
        ],
        weights=[0.4, 0.35, 0.25],
        random_state=seed,
    )
    return X


def stroke_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """8×8 images of four stroke patterns (|, —, /, o) with pixel noise."""
    rng = np.random.default_rng(seed)
    grid = np.arange(8)
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    patterns = [
        (np.abs(xx - 3.5) < 1.2),
        (np.abs(yy - 3.5) < 1.2),
        (np.abs(xx - yy) < 1.2),
        (np.abs(np.hypot(xx - 3.5, yy - 3.5) - 2.6) < 0.9),
    ]
    templates = np.array([p.astype(float).ravel() * 12 + 2 for p in patterns])
    labels = rng.integers(0, len(templates), n)
    images = templates[labels] + rng.normal(0.0, 1.6, (n, 64))
    return np.clip(images, 0.0, 16.0), labels


def sine_sequences(n: int, length: int = 40, seed: int = 0) -> np.ndarray:
    """Noisy sines of three shapes: slow, fast, and a slow one phase-shifted."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, length)
    shapes = [np.sin(t), np.sin(2 * t), np.sin(t + np.pi / 2)]
    kind = rng.integers(0, 3, n)
    amplitude = rng.normal(1.0, 0.1, (n, 1))
    return amplitude * np.array(shapes)[kind] + rng.normal(0.0, 0.15, (n, length))


def build(quick: bool) -> dict[str, Callable[[], object]]:
    """Figure name -> function making the figure (Axes or Figure)."""
    n = 300 if quick else 600
    X_faithful, faithful = faithful_model(snapshot_every=1)
    X_blobs = three_blobs(n)
    blobs = gmmkit.GaussianMixture(3, random_state=0).fit(X_blobs)
    return {
        **_assignment_figures(X_faithful, faithful, X_blobs, blobs, n),
        **_projection_figures(n),
        **_fit_figures(X_faithful, X_blobs, quick),
        **_high_dimensional_figures(quick),
        **_comparison_figures(X_blobs, n),
    }


def _assignment_figures(X_faithful, faithful, X_blobs, blobs, n: int) -> dict:
    """Ellipses, hard, soft and uncertain labels, pies, background, density."""

    def ellipses():
        ax = plot.plot_ellipses(faithful, X=X_faithful)
        ax.set_title("Old Faithful: 1, 2 and 3σ ellipses")
        return ax

    def clusters():
        ax = plot.plot_clusters(blobs, X_blobs)
        ax.set_title("Hard labels, means and 2σ ellipses")
        return ax

    def soft():
        ax = plot.plot_soft_assignments(blobs, X_blobs)
        ax.set_title("Colour mixed by responsibilities")
        return ax

    def uncertainty():
        ax = plot.plot_uncertainty(blobs, X_blobs, n_ambiguous=12)
        ax.set_title("Entropy of the responsibilities")
        return ax

    def pies():
        ax = plot.plot_responsibility_pies(blobs, X_blobs, n_points=10)
        ax.set_title("Responsibilities at chosen points")
        return ax

    def noise():
        rng = np.random.default_rng(1)
        X = np.vstack([X_blobs, rng.uniform(-4, 8, (n // 8, 2))])
        model = gmmkit.GaussianMixture(3, noise="uniform", random_state=0).fit(X)
        ax = plot.plot_clusters(model, X)
        ax.set_title("noise='uniform': background points in grey")
        return ax

    def density():
        ax = plot.plot_density(faithful, X_faithful, anomalies=2.0)
        ax.set_title("Old Faithful: fitted density, lowest 2% marked")
        return ax

    return {
        "ellipses": ellipses,
        "clusters": clusters,
        "soft_assignments": soft,
        "uncertainty": uncertainty,
        "responsibility_pies": pies,
        "noise_clusters": noise,
        "density": density,
    }


def _projection_figures(n: int) -> dict:
    """3-D data in its PCA plane, and a 1-D mixture."""

    def pca():
        X, _ = make_mixture(
            n,
            [[0, 0, 0], [3, 3, 0], [0, 4, 3]],
            [[1.0, 0.3, 0.2], [0.5, 1.0, 0.7], [0.8, 0.4, 0.4]],
            random_state=0,
        )
        model = gmmkit.GaussianMixture(3, random_state=0).fit(X)
        ax = plot.plot_clusters(model, X, dims="pca")
        ax.set_title("3-D data in its PCA plane, covariances projected")
        return ax

    def pca_density():
        X, _ = make_mixture(
            n,
            [[0, 0, 0], [3, 3, 0], [0, 4, 3]],
            [[1.0, 0.3, 0.2], [0.5, 1.0, 0.7], [0.8, 0.4, 0.4]],
            random_state=0,
        )
        model = gmmkit.GaussianMixture(3, random_state=0).fit(X)
        ax = plot.plot_density(model, X, dims="pca", anomalies=2.0)
        ax.set_title("3-D data: marginal density in the PCA plane", fontsize="medium")
        return ax

    def mixture_1d():
        X, _ = make_mixture(
            n, [[-2.0], [1.0], [4.0]], [0.6, 0.3, 1.2], [0.3, 0.3, 0.4], random_state=0
        )
        model = gmmkit.GaussianMixture(3, random_state=0).fit(X)
        ax = plot.plot_mixture_1d(model, X, bins=30)
        ax.set_title("A 1-D mixture: histogram, components, mixture")
        return ax

    return {
        "pca_clusters": pca,
        "pca_density": pca_density,
        "mixture_1d": mixture_1d,
    }


def _fit_figures(X_faithful, X_blobs, quick: bool) -> dict:
    """How a fit went: log-likelihood, EM snapshots, model selection."""
    # A deliberately crossed start, so EM has some way to go.
    slow = gmmkit.GaussianMixture(
        2, means_init=[[2.5, 75.0], [4.5, 60.0]], snapshot_every=1, tol=1e-6
    ).fit(X_faithful)

    def log_likelihood():
        ax = plot.plot_log_likelihood(slow)
        ax.set_title("Old Faithful from a poor start: EM log-likelihood")
        return ax

    def snapshots():
        return plot.plot_em_snapshots(slow, X_faithful, every=3)

    def selection():
        result = gmmkit.select_model(
            X_blobs, n_components=range(1, 5 if quick else 7), random_state=0
        )
        return plot.plot_selection(result)

    return {
        "log_likelihood": log_likelihood,
        "em_snapshots": snapshots,
        "selection": selection,
    }


def _high_dimensional_figures(quick: bool) -> dict:
    """Components and samples of 8×8 images, clusters of sequences."""
    images, _ = stroke_images(200 if quick else 400)
    image_model = gmmkit.GaussianMixture(4, covariance_type="diag", random_state=0).fit(
        images
    )

    def image_components():
        return plot.plot_image_components(image_model, (8, 8), n_cols=4)

    def image_samples():
        return plot.plot_image_samples(image_model, (8, 8), 16)

    def sequences():
        S = sine_sequences(150 if quick else 300)
        model = gmmkit.GaussianMixture(3, covariance_type="diag", random_state=0).fit(S)
        return plot.plot_sequence_clusters(model, S)

    return {
        "image_components": image_components,
        "image_samples": image_samples,
        "sequence_clusters": sequences,
    }


def _comparison_figures(X_blobs, n: int) -> dict:
    """k-means against a mixture, a Bayesian fit, a Student-t fit."""

    def kmeans_vs_gmm():
        X, _ = make_mixture(
            n,
            [[0.0, 0.0], [0.0, 3.0]],
            [[[5.0, 0.0], [0.0, 0.3]], [[5.0, 0.0], [0.0, 0.3]]],
            random_state=0,
        )
        return plot.plot_kmeans_vs_gmm(X, 2)

    def bayesian():
        model = gmmkit.BayesianGaussianMixture(8, random_state=0, max_iter=300).fit(
            X_blobs
        )
        ax = plot.plot_clusters(model, X_blobs)
        ax.set_title("BayesianGaussianMixture(8): empty components not drawn")
        return ax

    def student_t():
        rng = np.random.default_rng(2)
        X = np.vstack([X_blobs, rng.normal(2.0, 6.0, (n // 20, 2))])
        model = gmmkit.StudentTMixture(3, random_state=0).fit(X)
        ax = plot.plot_density(model, X)
        ax.set_title("StudentTMixture: heavy tails absorb outliers")
        return ax

    return {
        "kmeans_vs_gmm": kmeans_vs_gmm,
        "bayesian_clusters": bayesian,
        "student_t_density": student_t,
    }


def build_moving(quick: bool) -> dict[str, Callable[[Path], Path]]:
    """File name -> function writing the EM animation or the explorer page."""
    X, model = faithful_model(snapshot_every=1, init_params="random", tol=1e-6)

    def animation(out: Path) -> Path:
        return plot.animate_em(
            model, X, out / "em_animation.gif", dpi=70, max_frames=25
        )

    def explorer(out: Path) -> Path:
        return plot.em_explorer(
            model, X, out / "em_explorer.html", title="EM on Old Faithful"
        )

    return {"em_animation.gif": animation, "em_explorer.html": explorer}


def main(argv: list[str] | None = None) -> list[Path]:
    """Make the figures; returns the paths written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, faster")
    parser.add_argument("--out", type=Path, default=FIGURES, help="output folder")
    parser.add_argument("--only", nargs="*", help="names of figures to make")
    args = parser.parse_args(argv)
    written = []
    for name, make in build(args.quick).items():
        if args.only and name not in args.only:
            continue
        drawn = make()
        fig = drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure
        written.append(save(fig, args.out, name))
    for name, make in build_moving(args.quick).items():
        if not args.only or name.split(".")[0] in args.only:
            args.out.mkdir(parents=True, exist_ok=True)
            written.append(make(args.out))
    return written


if __name__ == "__main__":
    for path in main(sys.argv[1:]):
        print(path)
