"""gmmkit.plot: ellipse geometry, projections, exact marginal densities, and
every figure rendered headless to a PNG that is not blank."""

import importlib.util
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import three_clusters
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from scipy import stats

import gmmkit
from gmmkit import plot
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.exceptions import NotFittedError
from gmmkit.plot._geometry import make_view, model_in_view
from gmmkit.plot._marginal import marginal
from gmmkit.plot._style import WARNING_COLOR, blended_colors, component_colors


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def faithful():
    X = load_old_faithful()
    return X, gmmkit.GaussianMixture(2, random_state=0, snapshot_every=1).fit(X)


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_mixture(
        300,
        [[0.0, 0.0], [3.2, 0.8], [1.2, 3.4]],
        [[[1.0, 0.6], [0.6, 0.8]], [[0.5, -0.3], [-0.3, 1.2]], [[0.6, 0], [0, 0.3]]],
        random_state=0,
    )
    return X, gmmkit.GaussianMixture(3, random_state=0).fit(X)


@pytest.fixture(scope="module")
def cube():
    X, _ = three_clusters(300)
    return X, gmmkit.GaussianMixture(3, random_state=0).fit(X)


def rotation(degrees):
    t = np.radians(degrees)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def assert_drawn(drawn):
    """Render to PNG; inside every visible Axes the pixels must vary."""
    fig = drawn if isinstance(drawn, Figure) else drawn.figure
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    buffer.seek(0)
    image = mpimg.imread(buffer)
    height = image.shape[0]
    checked = 0
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        box = ax.get_window_extent()
        top, bottom = int(height - box.y1) + 3, int(height - box.y0) - 3
        left, right = int(box.x0) + 3, int(box.x1) - 3
        inside = image[top:bottom, left:right, :3]
        assert inside.size > 0
        assert inside.std() > 0.02, f"axes {ax.get_title()!r} looks blank"
        checked += 1
    assert checked >= 1
    return image


# ------------------------------------------------------------- ellipse_params
@pytest.mark.parametrize(
    ("cov", "n_std", "expected"),
    [
        ([[4.0, 0.0], [0.0, 1.0]], 1.0, (4.0, 2.0, 0.0)),
        ([[4.0, 0.0], [0.0, 1.0]], 2.0, (8.0, 4.0, 0.0)),
        ([[1.0, 0.0], [0.0, 9.0]], 1.0, (6.0, 2.0, 90.0)),
        ([[2.0, 1.0], [1.0, 2.0]], 1.0, (2 * np.sqrt(3), 2.0, 45.0)),
        ([[2.0, -1.0], [-1.0, 2.0]], 3.0, (6 * np.sqrt(3), 6.0, -45.0)),
        ([[2.0, 0.0], [0.0, 2.0]], 1.0, (2 * np.sqrt(2), 2 * np.sqrt(2), 0.0)),
    ],
)
def test_ellipse_params_hand_computed(cov, n_std, expected):
    np.testing.assert_allclose(plot.ellipse_params(cov, n_std), expected, atol=1e-9)


@pytest.mark.parametrize("degrees", [30.0, -30.0, 60.0, 120.0])
def test_ellipse_params_rotated(degrees):
    R = rotation(degrees)
    cov = R @ np.diag([9.0, 1.0]) @ R.T
    width, height, angle = plot.ellipse_params(cov, n_std=2.0)
    assert width == pytest.approx(12.0) and height == pytest.approx(4.0)
    # Angles are reported in (-90, 90]: 120° is the same axis as -60°.
    assert angle == pytest.approx((degrees + 90) % 180 - 90)


def test_ellipse_params_degenerate_but_regularised():
    width, height, angle = plot.ellipse_params([[1.0, 1.0], [1.0, 1.0 + 1e-6]], 1.0)
    # Eigenvalues ~2 and ~5e-7: a needle along the diagonal.
    assert width == pytest.approx(2 * np.sqrt(2), rel=1e-6)
    assert height == pytest.approx(2 * np.sqrt(5e-7), rel=1e-3)
    assert angle == pytest.approx(45.0, abs=1e-4)
    # Exactly singular still works (a line segment), negative does not.
    assert plot.ellipse_params([[1.0, 1.0], [1.0, 1.0]], 1.0)[1] == pytest.approx(0)


@pytest.mark.parametrize(
    ("cov", "match"),
    [
        (np.eye(3), "2×2"),
        ([[1.0, 0.5], [0.0, 1.0]], "not symmetric"),
        ([[1.0, 0.0], [0.0, -1.0]], "positive semi-definite"),
        ([[1.0, np.nan], [np.nan, 1.0]], "NaN"),
    ],
)
def test_ellipse_params_rejects(cov, match):
    with pytest.raises(ValueError, match=match):
        plot.ellipse_params(cov)


def test_drawn_ellipses_lie_on_the_mahalanobis_contour(blobs):
    """The patches matplotlib draws are exactly {x: (x-μ)ᵀ Σ⁻¹ (x-μ) = n²}."""
    _, model = blobs
    ax = plot.plot_ellipses(model, n_std=(1, 2))
    ellipses = [p for p in ax.patches if isinstance(p, Ellipse)]
    assert len(ellipses) == 2 * model.n_components
    radii = []
    for patch in ellipses:
        outline = patch.get_patch_transform().transform(patch.get_path().vertices)
        k = int(np.argmin(np.linalg.norm(model.means_ - patch.center, axis=1)))
        diff = outline - model.means_[k]
        d2 = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(model.covariances_[k]), diff)
        # Bezier control points sit slightly off the curve; the on-curve
        # vertices (every third) are exact.
        radii.append(np.sqrt(d2[::3]))
    for r, level in zip(radii, [1, 2] * model.n_components, strict=True):
        np.testing.assert_allclose(r, level, rtol=1e-6)


# ---------------------------------------------------------------- projection
def test_projected_covariance_matches_sampled_data():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    cov = A @ A.T + np.eye(4)
    mean = np.array([1.0, -2.0, 0.5, 3.0])
    X = rng.multivariate_normal(mean, cov, size=200_000)
    model = gmmkit.GaussianMixture(1, random_state=0).fit(X[:500])
    for dims in [(0, 2), (3, 1), "pca"]:
        view = make_view(model, X, dims)
        projected = view.covariances(cov[None])[0]
        np.testing.assert_allclose(
            np.cov(view.points(X), rowvar=False), projected, rtol=0.02, atol=0.02
        )
        np.testing.assert_allclose(
            view.points(mean[None])[0], view.points(X).mean(0), atol=0.03
        )


def test_standardised_pca_view_matches_sampled_data():
    # Features in different units (sd 1, 10, 0.5, 30): the PCA view is that of
    # the standardised features, and a covariance projects as P D⁻¹ Σ D⁻¹ Pᵀ.
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    scale = np.diag([1.0, 10.0, 0.5, 30.0])
    cov = scale @ (A @ A.T + np.eye(4)) @ scale
    mean = np.array([1.0, 200.0, -3.0, 50.0])
    X = rng.multivariate_normal(mean, cov, size=200_000)
    model = gmmkit.GaussianMixture(1, random_state=0).fit(X[:500])
    view = make_view(model, X, "pca")
    assert view.standardized and "standardised" in view.labels[0]
    sd = X.std(axis=0, ddof=1)
    np.testing.assert_allclose(
        view.covariances(cov[None])[0],
        np.cov(view.points(X), rowvar=False),
        rtol=0.02,
        atol=0.02,
    )
    # The axes are the leading eigenvectors of the correlation matrix.
    _, eigenvectors = np.linalg.eigh(np.corrcoef(X, rowvar=False))
    for row, vector in zip(view.axes * sd, eigenvectors[:, ::-1].T, strict=False):
        assert abs(row @ vector) == pytest.approx(1.0)
    # The projected points are the standardised points on those axes.
    standardised = (X - X.mean(axis=0)) / sd
    np.testing.assert_allclose(
        np.abs(view.points(X[:50])),
        np.abs(standardised[:50] @ eigenvectors[:, ::-1][:, :2]),
        atol=1e-9,
    )
    # Without data the view comes from the mixture's own spread, same rule.
    assert make_view(model, None, "pca").standardized
    # Features of comparable spread are not rescaled.
    assert not make_view(model, X / np.diag(scale), "pca").standardized


def test_pca_view_axes_are_the_leading_principal_directions(cube):
    X, model = cube
    view = make_view(model, X, "pca")
    _, eigenvectors = np.linalg.eigh(np.cov(X, rowvar=False))
    for row, vector in zip(view.axes, eigenvectors[:, ::-1].T, strict=False):
        assert abs(row @ vector) == pytest.approx(1.0)
    assert view.is_pca


def test_model_in_view_for_every_covariance_type(cube, covariance_type):
    X, _ = cube
    model = gmmkit.GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    model.fit(X)
    view = make_view(model, X, (2, 0))
    mixture = model_in_view(model, view)
    cov = model.covariances_
    if covariance_type == "full":
        full = cov
    elif covariance_type == "tied":
        full = np.array([cov] * 3)
    elif covariance_type == "diag":
        full = np.array([np.diag(c) for c in cov])
    else:
        full = np.array([c * np.eye(3) for c in cov])
    np.testing.assert_allclose(mixture.covariances, full[:, [2, 0]][:, :, [2, 0]])
    np.testing.assert_allclose(mixture.means, model.means_[:, [2, 0]])


# --------------------------------------------------------- marginal densities
def test_marginal_in_the_full_plane_is_the_model_density():
    X = load_old_faithful()
    for model in (
        gmmkit.GaussianMixture(2, random_state=0, noise="uniform").fit(X),
        gmmkit.StudentTMixture(2, random_state=0).fit(X),
    ):
        density = marginal(model, np.eye(2))
        np.testing.assert_allclose(
            density.log_density(X), model.score_samples(X), rtol=1e-6
        )


def test_marginal_of_a_feature_pair_matches_scipy(cube):
    X, model = cube
    density = marginal(model, np.eye(3)[[0, 2]])
    sub = [0, 2]
    expected = sum(
        w * stats.multivariate_normal(m[sub], c[np.ix_(sub, sub)]).pdf(X[:, sub])
        for w, m, c in zip(
            model.weights_, model.means_, model.covariances_, strict=True
        )
    )
    np.testing.assert_allclose(
        np.exp(density.log_density(X[:, sub])), expected, rtol=1e-8
    )


def test_marginal_of_one_feature_of_a_t_mixture_matches_scipy():
    X, _ = three_clusters(300)
    model = gmmkit.StudentTMixture(2, random_state=0, dof=4.0).fit(X)
    density = marginal(model, np.eye(3)[[1]])
    grid = np.linspace(-3, 8, 50)
    expected = sum(
        w * stats.t(4.0, loc=m[1], scale=np.sqrt(c[1, 1])).pdf(grid)
        for w, m, c in zip(
            model.weights_, model.means_, model.covariances_, strict=True
        )
    )
    np.testing.assert_allclose(
        np.exp(density.log_density(grid[:, None])), expected, rtol=1e-8
    )


def test_marginal_background_kept_for_feature_pairs_dropped_for_pca():
    X, _ = three_clusters(300)
    model = gmmkit.GaussianMixture(3, random_state=0, noise="uniform").fit(X)
    pair = marginal(model, np.eye(3)[[0, 1]])
    assert pair.noise_weight == pytest.approx(model.noise_weight_)
    np.testing.assert_allclose(pair.noise_box, model.noise_bounds_[:, :2])
    pca = make_view(model, X, "pca")
    assert marginal(model, pca.axes, pca.offset).background_dropped


# ------------------------------------------------------------- every figure
def test_two_d_figures_render(blobs):
    X, model = blobs
    for drawn in (
        plot.plot_ellipses(model, X=X),
        plot.plot_ellipses(model),
        plot.plot_clusters(model, X),
        plot.plot_soft_assignments(model, X),
        plot.plot_uncertainty(model, X, n_ambiguous=5),
        plot.plot_responsibility_pies(model, X, points=[0, 5, 9]),
        plot.plot_responsibility_pies(model, X),
        plot.plot_density(model, X, anomalies=2.0),
        plot.plot_density(model),
        plot.plot_log_likelihood(model),
    ):
        assert_drawn(drawn)


def test_figures_draw_on_a_given_axes(blobs):
    X, model = blobs
    fig, axes = plt.subplots(1, 2)
    assert plot.plot_clusters(model, X, ax=axes[0]) is axes[0]
    assert plot.plot_density(model, X, ax=axes[1], colorbar=False) is axes[1]
    assert_drawn(fig)


def test_projected_figures_of_three_d_data(cube):
    X, model = cube
    for dims in [(0, 2), "pca"]:
        assert_drawn(plot.plot_clusters(model, X, dims=dims))
        assert_drawn(plot.plot_density(model, X, dims=dims, anomalies=5))
    ax = plot.plot_clusters(model, X, dims="pca")
    assert ax.get_xlabel().startswith("PC1") and ax.get_aspect() == 1.0


def test_axis_labels_from_feature_names_and_aspect_rule():
    frame = load_old_faithful(as_frame=True)
    model = gmmkit.GaussianMixture(2, random_state=0).fit(frame)
    ax = plot.plot_clusters(model, frame)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("eruptions", "waiting")
    # Minutes 2-5 against 45-95: equal scales would give a strip.
    assert ax.get_aspect() == "auto"
    X, _ = three_clusters(200)
    cube_model = gmmkit.GaussianMixture(3, random_state=0).fit(X)
    assert plot.plot_ellipses(cube_model, X=X).get_aspect() == 1.0
    # A PCA view follows the same rule: three almost identical features give
    # a first axis with nearly all the variance, drawn with its own scale.
    rng = np.random.default_rng(0)
    t = np.concatenate([rng.normal(-2, 0.5, 150), rng.normal(2, 0.5, 150)])
    X = t[:, None] + rng.normal(0, 0.05, size=(300, 3))
    flat = gmmkit.GaussianMixture(2, random_state=0).fit(X)
    for drawn in (
        plot.plot_clusters(flat, X, dims="pca"),
        plot.plot_density(flat, X, dims="pca"),
    ):
        assert drawn.get_xlabel().startswith("PC1 (") and drawn.get_aspect() == "auto"
        low, high = drawn.get_ylim()
        assert high - low < 0.2 * np.subtract(*drawn.get_xlim()[::-1])


def test_mixture_1d(blobs):
    X, _ = make_mixture(300, [[-2.0], [2.0]], [0.5, 0.8], random_state=0)
    model = gmmkit.GaussianMixture(2, random_state=0).fit(X)
    ax = plot.plot_mixture_1d(model, X)
    assert_drawn(ax)
    labels = [line.get_label() for line in ax.lines]
    assert labels.count("mixture") == 1 and sum("component" in s for s in labels) == 2
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    solid = next(line for line in ax.lines if line.get_label() == "mixture")
    # The mixture is the sum of the weighted component curves.
    np.testing.assert_allclose(
        sum(line.get_ydata() for line in dashed), solid.get_ydata(), rtol=1e-9
    )
    # d > 1: the marginal of a chosen feature.
    assert_drawn(plot.plot_mixture_1d(blobs[1], blobs[0], feature=1, bins=20))


def test_noise_model_background_is_grey():
    X, _ = three_clusters(300)
    rng = np.random.default_rng(0)
    X = np.vstack([X, rng.uniform(-8, 12, (40, 3))])
    model = gmmkit.GaussianMixture(3, random_state=0, noise="uniform").fit(X)
    ax = plot.plot_clusters(model, X)
    colors = ax.collections[0].get_facecolors()
    grey = np.all(
        np.isclose(colors[:, :3], matplotlib.colors.to_rgb("#9a9a9a")), axis=1
    )
    assert grey.sum() == int(np.sum(model.predict(X) == -1)) > 0
    for drawn in (
        plot.plot_soft_assignments(model, X),
        plot.plot_uncertainty(model, X),
        plot.plot_responsibility_pies(model, X),
        plot.plot_density(model, X, dims=(0, 1)),
        plot.plot_density(model, X, dims="pca"),
        plot.plot_mixture_1d(model, X),
    ):
        assert_drawn(drawn)


def test_bayesian_skips_empty_components(blobs):
    X, _ = blobs
    model = gmmkit.BayesianGaussianMixture(8, random_state=0, max_iter=200).fit(X)
    # Empty components of a Dirichlet-process fit keep a prior weight ~1/n.
    counts = model.weight_concentration_[0] - 1
    heavy = int(np.sum(counts >= 1))
    assert heavy < 8 and np.all(model.weights_ > 1e-3)
    ax = plot.plot_ellipses(model, n_std=(1, 2))
    assert sum(isinstance(p, Ellipse) for p in ax.patches) == 2 * heavy
    assert_drawn(plot.plot_clusters(model, X))
    assert_drawn(plot.plot_log_likelihood(model))


def test_student_t_figures(blobs):
    X, _ = blobs
    model = gmmkit.StudentTMixture(3, random_state=0).fit(X)
    assert_drawn(plot.plot_clusters(model, X))
    assert_drawn(plot.plot_density(model, X, anomalies=1))


def test_blended_colours_average_the_palette():
    palette = component_colors(2)[:, :3]
    np.testing.assert_allclose(
        blended_colors(np.array([[0.5, 0.5], [1.0, 0.0]]), 2),
        [(palette[0] + palette[1]) / 2, palette[0]],
    )


def test_log_likelihood_marks_decreases_in_red(faithful):
    _, fitted = faithful
    model = gmmkit.GaussianMixture(2, random_state=0).fit(load_old_faithful())
    assert not any(
        line.get_color() == WARNING_COLOR and line.get_linewidth() > 2
        for line in plot.plot_log_likelihood(fitted).lines
    )
    model.history_ = [-5.0, -4.5, -4.6, -4.4]
    ax = plot.plot_log_likelihood(model)
    red = [
        line
        for line in ax.lines
        if line.get_color() == WARNING_COLOR and line.get_linewidth() > 2
    ]
    assert len(red) == 1 and list(red[0].get_xdata()) == [1, 2]


def test_log_likelihood_axis_matches_the_iteration_count(faithful):
    X, model = faithful
    ax = plot.plot_log_likelihood(model)
    curve, stop = ax.lines[0], ax.lines[-1]
    n = model.n_iter_
    # Entry i: after i M-steps; the final parameters (after n) are not scored.
    assert list(curve.get_xdata()) == list(range(n))
    assert list(stop.get_xdata()) == [n, n] and ax.get_xlim()[1] > n
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"converged after {n} iterations; final parameters ({n}) not scored" in (
        labels
    )
    bayes = gmmkit.BayesianGaussianMixture(2, random_state=0, max_iter=500).fit(X)
    ax = plot.plot_log_likelihood(bayes)
    # The variational bound is computed after each update: 1 .. n_iter.
    assert list(ax.lines[0].get_xdata()) == list(range(1, bayes.n_iter_ + 1))
    assert list(ax.lines[-1].get_xdata()) == [bayes.n_iter_] * 2


def test_em_snapshots(faithful):
    X, model = faithful
    fig = plot.plot_em_snapshots(model, X, every=2)
    assert_drawn(fig)
    last = model.snapshots_[-1].iteration
    expected = len(set(range(0, last, 2)) | {last})
    assert sum(ax.get_visible() for ax in fig.axes) == expected
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles[0].startswith("iteration 0")


def test_em_snapshots_explain_missing_snapshots(faithful):
    X, _ = faithful
    plain = gmmkit.GaussianMixture(2, random_state=0).fit(X)
    # Only the start and the end are kept without snapshot_every.
    with pytest.raises(ValueError, match="snapshot_every"):
        plot.plot_em_snapshots(plain, X, every=1)
    sparse = gmmkit.GaussianMixture(
        2, random_state=3, init_params="random_from_data", snapshot_every=3, tol=1e-8
    ).fit(X)
    assert sparse.n_iter_ > 3
    with pytest.raises(ValueError, match="multiple of 3"):
        plot.plot_em_snapshots(sparse, X, every=2)
    assert_drawn(plot.plot_em_snapshots(sparse, X, every=3))
    with pytest.raises(ValueError, match="every must be a positive integer"):
        plot.plot_em_snapshots(sparse, X, every=0)


def test_selection():
    X, _ = make_mixture(200, [[0, 0], [5, 5]], [1.0, 1.0], random_state=0)
    result = gmmkit.select_model(
        X, n_components=range(1, 4), covariance_types=["full", "diag"], random_state=0
    )
    fig = plot.plot_selection(result)
    assert_drawn(fig)
    assert len(fig.axes) == 3 and "used to choose" in fig.axes[0].get_title()
    star = fig.axes[0].collections[-1].get_offsets()[0]
    assert tuple(star) == (result.best_n_components, result.best_row["bic"])
    with pytest.raises(ValueError, match="SelectionResult"):
        plot.plot_selection(object())
    with pytest.raises(ValueError, match="'icl_entropy'"):
        plot.plot_selection(result, criteria=("bic", "mdl"))


@pytest.fixture(scope="module")
def faithful_search():
    """Every one of mclust's 14 models at K = 1..3 on Old Faithful."""
    return gmmkit.select_model(load_old_faithful(), n_components=range(1, 4))


def test_selection_of_fourteen_models_stays_readable(faithful_search):
    from matplotlib.colors import to_hex

    from gmmkit.plot._selection import OTHER_COLOR, model_marker

    fig = plot.plot_selection(faithful_search, criteria=("bic", "icl_entropy"))
    assert_drawn(fig)
    bic, icl = fig.axes
    assert icl.get_title().startswith("ICL (entropy)")
    assert bic.get_title().endswith("best: K=3, EEE")
    curves = [line for line in bic.get_lines() if len(line.get_xdata()) > 1]
    assert len(curves) == 14
    coloured = [c for c in curves if to_hex(c.get_color()) != OTHER_COLOR]
    assert len(coloured) == 4 and coloured[-1].get_linewidth() > 1.5  # on top
    markers = {line.get_marker() for line in curves}
    assert len(markers) == 14  # every model its own marker
    assert model_marker("tied") == model_marker("EEE")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith("EEE  2314.3 (3)")  # the chosen model first
    assert any(text.startswith("above the panel: ") for text in legend)
    # The range follows the coloured curves: far worse models leave the top.
    high = bic.get_ylim()[1]
    assert high < 2700 < faithful_search.rows[0]["bic"]  # EII at K=1, 4025
    everything = plot.plot_selection(faithful_search, highlight=14)
    assert everything.axes[0].get_ylim()[1] > 4000


def test_images_and_sequences():
    rng = np.random.default_rng(0)
    images = np.vstack([rng.normal(m, 0.5, (60, 16)) for m in (0.0, 3.0)])
    model = gmmkit.GaussianMixture(2, covariance_type="diag", random_state=0).fit(
        images
    )
    fig = plot.plot_image_components(model, (4, 4))
    assert_drawn(fig)
    assert len(fig.axes) == 2
    fig = plot.plot_image_samples(model, (4, 4), 6)
    assert sum(ax.get_visible() for ax in fig.axes) == 6
    with pytest.raises(ValueError, match="16 features"):
        plot.plot_image_components(model, (3, 5))
    with pytest.raises(ValueError, match="pixels"):
        plot.plot_image_samples(model, (8, 8), 4)
    t = np.linspace(0, 2 * np.pi, 30)
    sequences = np.vstack(
        [
            np.sin(t) + rng.normal(0, 0.1, (40, 30)),
            np.cos(t) + rng.normal(0, 0.1, (40, 30)),
        ]
    )
    seq_model = gmmkit.GaussianMixture(2, covariance_type="diag", random_state=0)
    fig = plot.plot_sequence_clusters(seq_model.fit(sequences), sequences)
    assert_drawn(fig)
    band = fig.axes[0].collections[0].get_paths()[0].vertices
    k = int(fig.axes[0].get_title().split()[1].rstrip(":"))
    upper = seq_model.means_[k] + np.sqrt(seq_model.covariances_[k])
    assert np.isclose(band[:, 1].max(), upper.max())


def test_kmeans_vs_gmm():
    X, _ = make_mixture(
        300, [[0.0, 0.0], [0.0, 3.0]], [[5.0, 0.3], [5.0, 0.3]], random_state=0
    )
    fig = plot.plot_kmeans_vs_gmm(X, 2)
    assert_drawn(fig)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    # Colours match: each k-means cluster is coloured as the component it
    # overlaps most.
    gmm_labels = fig.gmm.predict(X)
    km = np.asarray(fig.kmeans.labels_)
    left = fig.axes[0].collections[0].get_facecolors()[:, :3]
    for cluster in range(2):
        rows = km == cluster
        majority = np.bincount(gmm_labels[rows], minlength=2).argmax()
        assert np.allclose(left[rows][0], component_colors(2)[majority, :3])
    with pytest.raises(ValueError, match="plot_mixture_1d"):
        plot.plot_kmeans_vs_gmm(X[:, :1], 2)


# ----------------------------------------------------------------- bad input
def test_unfitted_model_names_the_call_to_make(blobs):
    X, _ = blobs
    for call in (
        lambda m: plot.plot_ellipses(m),
        lambda m: plot.plot_clusters(m, X),
        lambda m: plot.plot_density(m, X),
        lambda m: plot.plot_log_likelihood(m),
        lambda m: plot.plot_em_snapshots(m, X),
        lambda m: plot.plot_image_components(m, (2, 1)),
        lambda m: plot.plot_mixture_1d(m, X),
    ):
        with pytest.raises(NotFittedError, match=r"fit\(X\)"):
            call(gmmkit.GaussianMixture(2))


def test_one_dimensional_data_points_to_plot_mixture_1d():
    X, _ = make_mixture(100, [[0.0], [3.0]], [1.0, 1.0], random_state=0)
    model = gmmkit.GaussianMixture(2, random_state=0).fit(X)
    for call in (plot.plot_clusters, plot.plot_uncertainty, plot.plot_density):
        with pytest.raises(ValueError, match="plot_mixture_1d"):
            call(model, X)
    with pytest.raises(ValueError, match="plot_mixture_1d"):
        plot.plot_ellipses(model)


def test_wrong_data_and_arguments(blobs, cube):
    X, model = blobs
    with pytest.raises(ValueError, match=r"3 features.*expecting 2"):
        plot.plot_clusters(model, cube[0])
    with pytest.raises(ValueError, match="dims"):
        plot.plot_clusters(model, X, dims=(0, 2))
    with pytest.raises(ValueError, match="two different"):
        plot.plot_clusters(model, X, dims=(1, 1))
    with pytest.raises(ValueError, match="'pca'"):
        plot.plot_clusters(model, X, dims="tsne")
    with pytest.raises(ValueError, match="needs the data"):
        plot.plot_density(model, anomalies=2.0)
    with pytest.raises(ValueError, match="percentile"):
        plot.plot_density(model, X, anomalies=150)
    with pytest.raises(ValueError, match="out of range"):
        plot.plot_responsibility_pies(model, X, points=[0, 10_000])
    with pytest.raises(ValueError, match="feature=5"):
        plot.plot_mixture_1d(model, X, feature=5)
    with pytest.raises(ValueError, match="NaN"):
        plot.plot_clusters(model, np.array([[0.0, np.nan]]))


# ------------------------------------------------------------------- gallery
def test_make_figures_quick(tmp_path):
    path = Path(__file__).resolve().parents[1] / "docs" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(["--quick", "--out", str(tmp_path)])
    pngs = [path for path in written if path.suffix == ".png"]
    assert len(pngs) >= 15
    for png in pngs:
        assert png.stat().st_size < 150_000
        assert mpimg.imread(png).std() > 0.02
    moving = {path.name for path in written if path.suffix != ".png"}
    assert moving == {"em_animation.gif", "em_explorer.html"}
    assert (tmp_path / "em_animation.gif").read_bytes()[:6] == b"GIF89a"
    assert "<svg" in (tmp_path / "em_explorer.html").read_text()
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
