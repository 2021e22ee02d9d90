"""Handwritten digits: clusters, component means as images, generated digits.

The 1 797 8×8 images of scikit-learn's bundled digits (no download; needs
the optional extra ``pip install 'gmmkit[examples]'``) are 64-pixel rows. A
10-component full-covariance mixture, never shown the labels, is compared
with the true digits through a confusion matrix (clusters matched to digits
by the Hungarian method); its component means are drawn as images and it
generates new digits. Then PCA (90 % of the variance) plus more components,
chosen by held-out log-likelihood, gives sharper samples: measured by how
far each generated image lies from its nearest real one, against the same
distance for real held-out images.

Run: ``python examples/digits.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial import cKDTree

from gmmkit import GaussianMixture, plot
from gmmkit.examples._support import (
    format_table,
    matched_confusion,
    parse_args,
    save_figure,
)

NAME = "digits"
SHAPE = (8, 8)
PIXEL_MAX = 16.0
#: Added to each covariance diagonal: border pixels are (almost) always 0,
#: so raw pixel covariances are singular without it.
PIXEL_REG = 0.1
PCA_VARIANCE = 0.90
PCA_REG = 1.0
N_TEST = 300
N_SAMPLES = 300
MISSING = (
    "The digits example needs scikit-learn for its bundled copy of the digits "
    "(no download): pip install 'gmmkit[examples]'."
)


def load() -> tuple[np.ndarray, np.ndarray] | None:
    """The digits (1797, 64) and labels, or None without scikit-learn."""
    if importlib.util.find_spec("sklearn") is None:
        return None
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data.astype(np.float64), digits.target


def pca(X: np.ndarray, variance: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre and leading directions keeping ``variance`` of the total."""
    centre = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - centre, full_matrices=False)
    explained = np.cumsum(s**2) / np.sum(s**2)
    n_kept = int(np.searchsorted(explained, variance) + 1)
    return centre, vt[:n_kept]


def nearest_distance(images: np.ndarray, reference: cKDTree) -> float:
    """Mean Euclidean distance (pixel units) to the nearest reference image."""
    return float(reference.query(images)[0].mean())


def draw_grid(ax_row, images: np.ndarray) -> None:
    """Images on a row of axes, white background, no ticks."""
    for ax, image in zip(ax_row, images, strict=True):
        ax.imshow(image.reshape(SHAPE), cmap="gray_r", vmin=0, vmax=PIXEL_MAX)
        ax.set_xticks([])
        ax.set_yticks([])


def run(out: Path, quick: bool = False) -> dict:
    """Cluster, draw and generate digits; return the numbers.

    Parameters
    ----------
    out : Path
        Folder for the figures.
    quick : bool, default=False
        One start per fit and K in (10, 20) for the PCA model.

    Returns
    -------
    results : dict
        ``skipped`` (a reason) when scikit-learn is missing; otherwise
        ``accuracy`` and ``confusion`` (rows: digits 0-9, column ``c``: the
        cluster matched to digit ``c``), ``n_pca`` (dimensions kept),
        ``pca_heldout`` (K to held-out mean log-likelihood), ``pca_k``,
        ``distance_real``, ``distance_pixels``, ``distance_pca`` (mean
        distance to the nearest training image: real held-out images,
        samples of the 10-component pixel model, samples of the PCA model).
    """
    out = Path(out)
    data = load()
    if data is None:
        return {"skipped": MISSING, "figures": []}
    X, y = data
    n_init = 1 if quick else 3

    model = GaussianMixture(10, reg_covar=PIXEL_REG, n_init=n_init, random_state=0).fit(
        X
    )
    confusion, accuracy, mapping = matched_confusion(y, model.predict(X))

    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    ax.imshow(confusion, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        colour = "white" if count > confusion.max() / 2 else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    to_cluster = {digit: cluster for cluster, digit in mapping.items()}
    ax.set(
        xticks=range(10),
        xticklabels=[f"{d}\n(c{to_cluster[d]})" for d in range(10)],
        yticks=range(10),
        xlabel="cluster, named by the digit it is matched to (c: component)",
        ylabel="true digit",
        title=f"10 clusters against the true digits: accuracy {accuracy:.1%}",
    )
    fig.tight_layout()
    save_figure(fig, out / "digits_confusion.png")

    fig = plot.plot_image_components(model, SHAPE, n_cols=5)
    fig.suptitle(
        "Component means of the 10-component mixture (k: w = component: weight)\n"
        "matched digits: " + ", ".join(f"{c}→{d}" for c, d in sorted(mapping.items())),
        fontsize="medium",
    )
    save_figure(fig, out / "digits_component_means.png")
    fig = plot.plot_image_samples(model, SHAPE, 10, n_cols=5, random_state=0)
    fig.suptitle(
        "10 digits generated by the 10-component mixture\n"
        "(from k: drawn from component k)",
        fontsize="medium",
    )
    save_figure(fig, out / "digits_samples.png")

    # Generated digits: a 10-component pixel model against PCA + more components,
    # both fitted on the same training images, judged against held-out ones.
    order = np.random.default_rng(0).permutation(len(X))
    test, train = X[order[:N_TEST]], X[order[N_TEST:]]
    reference = cKDTree(train)
    pixels = GaussianMixture(
        10, reg_covar=PIXEL_REG, n_init=n_init, random_state=0
    ).fit(train)
    centre, directions = pca(train, PCA_VARIANCE)
    Z_train, Z_test = (train - centre) @ directions.T, (test - centre) @ directions.T
    heldout, fitted = {}, {}
    for k in (10, 20) if quick else (10, 20, 30, 40):
        fitted[k] = GaussianMixture(
            k, reg_covar=PCA_REG, n_init=n_init, random_state=0
        ).fit(Z_train)
        heldout[k] = float(fitted[k].score(Z_test))
    pca_k = max(heldout, key=heldout.get)

    def generate(model_, back) -> np.ndarray:
        samples, _ = model_.sample(N_SAMPLES, random_state=1)
        images = np.clip(back(samples), 0.0, PIXEL_MAX)
        return images[np.random.default_rng(2).permutation(N_SAMPLES)]

    from_pixels = generate(pixels, lambda s: s)
    from_pca = generate(fitted[pca_k], lambda s: s @ directions + centre)
    distances = {
        "distance_real": nearest_distance(test, reference),
        "distance_pixels": nearest_distance(from_pixels, reference),
        "distance_pca": nearest_distance(from_pca, reference),
    }

    n_shown = 12
    fig, axes = plt.subplots(3, n_shown, figsize=(n_shown * 0.85, 3.4))
    draw_grid(axes[0], test[:n_shown])
    draw_grid(axes[1], from_pixels[:n_shown])
    draw_grid(axes[2], from_pca[:n_shown])
    labels = (
        f"real, held out ({distances['distance_real']:.1f})",
        f"10 comp., 64 pixels ({distances['distance_pixels']:.1f})",
        f"PCA {directions.shape[0]} dims, {pca_k} comp. "
        f"({distances['distance_pca']:.1f})",
    )
    for ax, label in zip(axes[:, 0], labels, strict=True):
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(
        "Real and generated digits (in brackets: mean distance to the nearest "
        "training image)",
        fontsize="medium",
    )
    fig.tight_layout()
    save_figure(fig, out / "digits_generated_compared.png")

    return {
        "accuracy": accuracy,
        "confusion": confusion,
        "mapping": mapping,
        "n_pca": int(directions.shape[0]),
        "pca_heldout": heldout,
        "pca_k": pca_k,
        **distances,
        "figures": sorted(p.name for p in out.glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the example from the command line and print its numbers."""
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    r = run(args.out, quick=args.quick)
    if "skipped" in r:
        print(r["skipped"])
        print("Nothing else to show without it; the other examples run.")
        return 0
    print(f"10 full-covariance components on 64 pixels: accuracy {r['accuracy']:.3f}")
    print("Confusion matrix (rows: true digit; column d: cluster matched to d):")
    print(
        format_table(
            ["digit", *map(str, range(10))],
            [[d, *row] for d, row in enumerate(r["confusion"].tolist())],
        )
    )
    print(
        f"\nPCA keeps {r['n_pca']} dimensions ({PCA_VARIANCE:.0%} of the variance);"
        " held-out mean log-likelihood by K:"
    )
    print(format_table(["K", "held-out log-lik"], sorted(r["pca_heldout"].items())))
    print(f"Chosen: K = {r['pca_k']}")
    print("\nMean distance to the nearest training image (pixel units, 0-16 scale):")
    print(f"  real held-out images           {r['distance_real']:.2f}")
    print(f"  samples, 10 comp. on pixels    {r['distance_pixels']:.2f}")
    print(f"  samples, PCA + {r['pca_k']} comp.       {r['distance_pca']:.2f}")
    print(f"Figures in {args.out}: {', '.join(r['figures'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
