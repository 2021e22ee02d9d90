"""What mclust's 14 parsimonious covariance models guarantee, stated as tests.

Celeux & Govaert (1995) write ``Sigma_k = lambda_k D_k A_k D_k^T``: a volume
``lambda_k = |Sigma_k|^(1/d)``, a shape ``A_k`` (diagonal, determinant 1) and
an orientation ``D_k`` (orthogonal), each Equal across components, Variable,
or the Identity, in that order in the model's name. The tests are
parametrized over :data:`gmmkit.covariance.MCLUST_NAMES` (each model its own
test id) wherever a statement is per model; they state:

1. structure: fitted covariances have equal volumes, shapes or a common
   orientation exactly where the name says E, are diagonal where it says I,
   spherical for EII/VII (checked by an eigendecomposition written here),
   and the V parts do vary on data whose clusters differ;
2. the M-step maximises ``Q = -1/2 sum_k [n_k log|Sigma_k| + tr(W_k
   Sigma_k^-1)]`` over the model: its gradient in the model's own
   parameters (as many as it counts) vanishes, a quasi-Newton search from
   it gains nothing, no random ``lambda``, ``A``, ``D`` within the model's
   constraints does better, and the step started from given ``previous``
   covariances never does worse than them;
3. EM never lowers the log-likelihood (Old Faithful and a 3-D set, plain and
   SQUAREM-accelerated, with and without sample weights);
4. the closed forms of Celeux & Govaert's table 1 hold on scatter matrices
   computed here, and EEE/VVV are scikit-learn's tied/full;
5. everything a covariance type does works: inference, sampling (with the
   fitted covariance), model files, float32, integer weights as repeated
   rows, Dask input;
6. ``volumes_``, ``shapes_`` and ``orientations_`` rebuild the covariances;
7. parameter counts are the classical ones and the aliases one object;
8. unknown names, and the 14 models on estimators that lack them, fail with
   a clear ValueError.
"""

import warnings

import numpy as np
import pytest
from conftest import COVARIANCES, three_clusters
from scipy.linalg import expm
from scipy.optimize import minimize

from gmmkit import BayesianGaussianMixture, GaussianMixture, StudentTMixture
from gmmkit.covariance import MCLUST_NAMES, MODEL_NAMES, _eigen, covariance_model
from gmmkit.datasets import load_old_faithful
from gmmkit.persistence import load, save

ALIASES = {"full": "VVV", "tied": "EEE", "diag": "VVI", "spherical": "VII"}
K = 3
RTOL = 1e-8

models = pytest.mark.parametrize("name", MCLUST_NAMES)


# ------------------------------------------------------------------ helpers
def form(name):
    """How the model stores covariances and statistics, from its letters."""
    if name in ("EII", "VII"):
        return "spherical"
    if name[2] == "I":
        return "diag"
    return "tied" if name == "EEE" else "full"


def reduce(name, full):
    """(K, d, d) second moments in the model's statistic form."""
    kind = form(name)
    if kind == "full":
        return full
    if kind == "tied":
        return full.sum(axis=0)
    diagonals = np.diagonal(full, axis1=1, axis2=2)
    return diagonals if kind == "diag" else diagonals.sum(axis=1)


def stored(name, full):
    """(K, d, d) covariances of the model's structure in its storage form."""
    kind = form(name)
    if kind == "full":
        return full
    if kind == "tied":
        return full[0]
    diagonals = np.diagonal(full, axis1=1, axis2=2).copy()
    return diagonals if kind == "diag" else diagonals[:, 0]


def expand(name, covariances, n_components, d):
    """Stored covariances as (K, d, d) matrices, written independently."""
    covariances = np.asarray(covariances, dtype=np.float64)
    kind = form(name)
    if kind == "full":
        return covariances
    if kind == "tied":
        return np.broadcast_to(covariances, (n_components, d, d)).copy()
    if kind == "spherical":
        covariances = np.repeat(covariances[:, None], d, axis=1)
    return np.einsum("ki,ij->kij", covariances, np.eye(d))


def parts(name, full):
    """``(lambda (K,), A (K, d), D (K, d, d))`` of each covariance.

    Where the orientation is V each ``D_k`` holds the eigenvectors of
    ``Sigma_k`` (ascending eigenvalues); otherwise one ``D`` (the identity,
    or the eigenvectors of a generic combination of the covariances) serves
    every component and ``A_k`` is read off ``D^T Sigma_k D``.
    """
    n, d = full.shape[:2]
    if name[2] == "V":
        values, vectors = np.linalg.eigh(full)
    else:
        common = np.eye(d)
        if name[2] == "E":
            coefficients = 1.0 + np.arange(n) / (np.pi * n)
            common = np.linalg.eigh(np.einsum("k,kij->ij", coefficients, full))[1]
        values = np.einsum("ji,kjl,li->ki", common, full, common)
        vectors = np.broadcast_to(common, full.shape).copy()
    volumes = np.exp(np.mean(np.log(values), axis=1))
    return volumes, values / volumes[:, None], vectors


def build(volumes, shapes, orientations):
    """``lambda_k D_k A_k D_k^T`` for each component."""
    return np.einsum("k,kij,kj,klj->kil", volumes, orientations, shapes, orientations)


def relative_spread(values):
    values = np.asarray(values)
    return float(np.max(np.abs(values - values[0])) / np.max(np.abs(values)))


def assert_structure(name, full, rtol=RTOL):
    """``full`` (K, d, d) obeys the constraints of ``name`` to ``rtol``."""
    volumes, shapes, orientations = parts(name, full)
    volume, shape, orientation = name
    if volume == "E":
        assert relative_spread(volumes) < rtol, ("volumes", volumes)
    if shape == "E":
        assert relative_spread(shapes) < rtol, ("shapes", shapes)
    if shape == "I":
        np.testing.assert_allclose(shapes, 1.0, rtol=rtol)
    if orientation != "V":
        scale = np.max(np.abs(full))
        commutators = np.einsum("aij,bjl->abil", full, full)
        commutators = commutators - commutators.transpose(1, 0, 2, 3)
        assert np.max(np.abs(commutators)) < rtol * scale**2, "not commuting"
        common = orientations[0]
        rotated = np.einsum("ji,kjl,lm->kim", common, full, common)
        off = rotated - np.einsum("kii,ij->kij", rotated, np.eye(full.shape[1]))
        assert np.max(np.abs(off)) < rtol * scale, "no common orientation"
    if orientation == "I":
        off = full * (1.0 - np.eye(full.shape[1]))
        np.testing.assert_array_equal(off, 0.0)


def q_value(full, scatter, nk):
    """Expected complete-data log-likelihood (covariance part)."""
    _, logdet = np.linalg.slogdet(full)
    traces = np.einsum("kij,kji->k", scatter, np.linalg.inv(full))
    return -0.5 * float(nk @ logdet + traces.sum())


def moments(X, resp, about):
    """Masses (K,), first (K, d) and full second moments (K, d, d) about a point."""
    offsets = X - about
    return (
        resp.sum(axis=0),
        resp.T @ offsets,
        np.einsum("nk,ni,nj->kij", resp, offsets, offsets),
    )


def soft_labels(labels, seed=0, hard=0.7):
    """Responsibilities mostly on the true labels, the rest random."""
    rng = np.random.default_rng(seed)
    onehot = np.eye(labels.max() + 1)[labels]
    return hard * onehot + (1 - hard) * rng.dirichlet(
        np.ones(onehot.shape[1]), len(labels)
    )


def statistics(seed=2):
    """Data, responsibilities, masses, centred means and scatter matrices."""
    X, labels = three_clusters(n_samples=300, seed=seed)
    resp = soft_labels(labels, seed=seed)
    about = X.mean(axis=0)
    nk, sum_dx, second = moments(X, resp, about)
    delta = sum_dx / nk[:, None]
    scatter = second - nk[:, None, None] * np.einsum("ki,kj->kij", delta, delta)
    return second, nk, delta, scatter


def m_step(name, second, nk, delta, previous=None):
    """The model's M-step covariances (no reg_covar) as (K, d, d) matrices."""
    model = covariance_model(name)
    covariances = model.covariances(
        reduce(name, second), nk, delta, 0.0, previous=previous
    )
    assert np.shape(covariances) == model.shape(len(nk), delta.shape[1])
    return expand(name, covariances, len(nk), delta.shape[1])


def perturbed(name, full, rng, size):
    """A random covariance set of the same structure, ``size`` away from ``full``."""
    volumes, shapes, orientations = parts(name, full)
    n, d = shapes.shape
    volume, shape, orientation = name
    if volume != "I":
        volumes = volumes * np.exp(size * rng.normal(size=1 if volume == "E" else n))
    if shape != "I":
        noise = rng.normal(size=(1 if shape == "E" else n, d))
        shapes = shapes * np.exp(size * (noise - noise.mean(axis=1, keepdims=True)))
        shapes = np.broadcast_to(shapes, (n, d))
    if orientation != "I":
        for k in range(1 if orientation == "E" else n):
            skew = rng.normal(size=(d, d))
            turn = expm(size * (skew - skew.T))
            if orientation == "E":
                orientations = orientations @ turn
            else:
                orientations[k] = orientations[k] @ turn
    return build(volumes, shapes, orientations)


def start(X, name, n_components=K, seed=0):
    """An explicit start: uniform weights, chosen rows, scaled identities."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    precision = 1.0 / X.var(axis=0).mean()
    identities = np.broadcast_to(np.eye(d) * precision, (n_components, d, d))
    precisions = stored(ALIASES.get(name, name), identities)
    return {
        "weights_init": np.full(n_components, 1.0 / n_components),
        "means_init": X[rng.choice(len(X), n_components, replace=False)],
        "precisions_init": precisions,
    }


def fit(X, name, sample_weight=None, start_from=None, **kwargs):
    """A quiet fit from the explicit start drawn from ``start_from`` (or X)."""
    params = {"n_components": K, "covariance_type": name, "tol": 0.0}
    params |= start(X if start_from is None else start_from, name)
    params |= kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixture(**params).fit(X, sample_weight=sample_weight)


def assert_same_fit(a, b, rtol):
    for attribute in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(a, attribute), getattr(b, attribute), rtol=rtol, atol=1e-12
        )


@pytest.fixture(scope="module")
def clusters():
    return three_clusters(n_samples=400, seed=1)[0]


@pytest.fixture(scope="module")
def fitted(clusters):
    """Every model fitted on the 3-D clusters (kmeans start, 60 iterations)."""
    out = {}
    for name in MCLUST_NAMES:
        gm = GaussianMixture(K, covariance_type=name, max_iter=60, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = gm.fit(clusters)
    return out


# ---------------------------------------------------------------- structure
@models
def test_fitted_covariances_have_the_models_structure(name, fitted):
    gm = fitted[name]
    full = expand(name, gm.covariances_, K, 3)
    assert_structure(name, full)
    # The V parts are free: on clusters of different covariances they differ.
    volumes, shapes, _ = parts(name, full)
    if name[0] == "V":
        assert relative_spread(volumes) > 1e-3
    if name[1] == "V":
        assert relative_spread(np.sort(shapes, axis=1)) > 1e-3
    if name[2] == "V":
        commutator = full[0] @ full[1] - full[1] @ full[0]
        assert np.max(np.abs(commutator)) > 1e-3 * np.max(np.abs(full)) ** 2
    if name in ("EII", "VII"):
        eigenvalues = np.linalg.eigvalsh(full)
        np.testing.assert_allclose(
            eigenvalues, np.repeat(eigenvalues[:, :1], 3, axis=1), rtol=RTOL
        )


def test_the_helpers_see_structure_only_where_it_is():
    # VVV covariances of different clusters break every constraint check.
    for name in MCLUST_NAMES:
        if name != "VVV":
            with pytest.raises(AssertionError):
                assert_structure(name, COVARIANCES)


# ------------------------------------------------------------------- M-step
def parameterised(name, full):
    """The model's free parameters as a vector, zero at ``full``.

    Log-volumes (1 or K), log-shapes (``d - 1`` free, 1 or K sets) and
    rotations ``expm(S - S^T)`` of the axes (``d (d - 1) / 2``, 1 or K sets),
    each counted once where the letter is E and per component where it is
    V. Returns ``covariances(theta)`` and the number of parameters.
    """
    volumes, shapes, orientations = parts(name, full)
    n, d = shapes.shape
    counts = {"E": 1, "V": n, "I": 0}
    v, s, o = (counts[letter] for letter in name)
    sizes = (v, s * (d - 1), o * d * (d - 1) // 2)
    upper = np.triu_indices(d, 1)

    def covariances(theta):
        a, b, c = np.split(np.asarray(theta, dtype=float), np.cumsum(sizes)[:2])
        log_shapes = np.log(shapes)
        if s:
            z = b.reshape(s, d - 1)
            log_shapes = log_shapes + np.hstack([z, -z.sum(axis=1, keepdims=True)])
        turns = np.zeros((max(o, 1), d, d))
        if o:
            turns[:, upper[0], upper[1]] = c.reshape(o, -1)
        turns = np.array([expm(t - t.T) for t in turns])
        lam = volumes * np.exp(a) if v else volumes
        return build(lam, np.exp(log_shapes), orientations @ turns)

    return covariances, sum(sizes)


@models
def test_m_step_is_a_stationary_local_maximum_of_q(name):
    second, nk, delta, scatter = statistics()
    best = m_step(name, second, nk, delta)
    covariances, size = parameterised(name, best)
    # As many free parameters as the model counts.
    assert size == covariance_model(name).n_parameters(K, 3)

    def loss(theta):
        return -q_value(covariances(theta), scatter, nk)

    q_best = q_value(best, scatter, nk)
    zero = np.zeros(size)
    assert abs(loss(zero) + q_best) < 1e-12 * abs(q_best)
    # First-order condition: dQ/dtheta = 0 (central differences).
    step = 1e-5
    gradient = [(loss(step * e) - loss(-step * e)) / (2 * step) for e in np.eye(size)]
    assert np.max(np.abs(gradient)) < 1e-6 * nk.sum() * 3, gradient
    # A quasi-Newton search over the model's parameters gains nothing.
    found = minimize(loss, zero, method="BFGS", options={"maxiter": 60})
    assert -found.fun < q_best + 1e-9 * abs(q_best)


@models
def test_m_step_beats_random_structured_covariances(name):
    second, nk, delta, scatter = statistics()
    best = m_step(name, second, nk, delta)
    assert_structure(name, best)
    q_best = q_value(best, scatter, nk)
    rng = np.random.default_rng(11)
    for size in (1.0, 0.3, 0.03):
        for _ in range(6):
            other = perturbed(name, best, rng, size)
            assert_structure(name, other, rtol=1e-7)
            assert q_value(other, scatter, nk) < q_best + 1e-12 * abs(q_best)


@models
@pytest.mark.parametrize("capped", [False, True], ids=["converged", "one-inner"])
def test_m_step_never_does_worse_than_the_previous_covariances(
    name, capped, monkeypatch
):
    second, nk, delta, scatter = statistics()
    best = m_step(name, second, nk, delta)
    if capped:  # generalised EM: even one inner iteration must not lose
        monkeypatch.setattr(_eigen, "INNER_MAX_ITER", 1)
    rng = np.random.default_rng(5)
    for size in (1.0, 0.3, 0.01):
        previous = perturbed(name, best, rng, size)
        new = m_step(name, second, nk, delta, previous=stored(name, previous))
        assert_structure(name, new)
        q_previous = q_value(previous, scatter, nk)
        assert q_value(new, scatter, nk) >= q_previous - 1e-12 * abs(q_previous)
    # The M-step of other responsibilities is another kind of previous.
    other, *_ = statistics(seed=9)
    previous = m_step(name, other, nk, delta)
    new = m_step(name, second, nk, delta, previous=stored(name, previous))
    assert q_value(new, scatter, nk) >= q_value(previous, scatter, nk)


# ---------------------------------------------------------------------- EM
DATASETS = {
    "faithful": lambda: load_old_faithful(),
    "clusters": lambda: three_clusters(n_samples=300, seed=3)[0],
}


@models
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("accelerate", [False, True], ids=["em", "squarem"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unit", "weighted"])
def test_em_never_lowers_the_log_likelihood(name, dataset, accelerate, weighted):
    X = DATASETS[dataset]()
    weights = None
    if weighted:
        weights = np.random.default_rng(4).uniform(0.2, 3.0, len(X))
    gm = GaussianMixture(
        K,
        covariance_type=name,
        max_iter=30,
        tol=0.0,
        # reg_covar > 0 makes the M-step maximise a penalised Q, under which
        # the likelihood itself may dip (1e-8 relative on iris, VVV, K = 4).
        reg_covar=0.0,
        random_state=0,
        accelerate=accelerate,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X, sample_weight=weights)
    history = np.asarray(gm.history_)
    assert len(history) == 30
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))
    assert history[-1] > history[0]


# ------------------------------------------------------------- closed forms
@pytest.fixture
def scatter_stats():
    return statistics(seed=4)


def test_eii_is_the_pooled_trace(scatter_stats):
    second, nk, delta, scatter = scatter_stats
    d = delta.shape[1]
    expected = np.trace(scatter, axis1=1, axis2=2).sum() / (nk.sum() * d)
    eii = m_step("EII", second, nk, delta)
    np.testing.assert_allclose(eii, np.broadcast_to(expected * np.eye(d), eii.shape))


def test_vii_and_vvi_are_each_components_own(scatter_stats):
    second, nk, delta, scatter = scatter_stats
    d = delta.shape[1]
    traces = np.trace(scatter, axis1=1, axis2=2) / (nk * d)
    vii = m_step("VII", second, nk, delta)
    np.testing.assert_allclose(vii, traces[:, None, None] * np.eye(d), rtol=1e-12)
    diagonals = np.diagonal(scatter, axis1=1, axis2=2) / nk[:, None]
    vvi = m_step("VVI", second, nk, delta)
    np.testing.assert_allclose(np.diagonal(vvi, axis1=1, axis2=2), diagonals)


def test_eei_is_the_pooled_diagonal(scatter_stats):
    second, nk, delta, scatter = scatter_stats
    pooled = np.diagonal(scatter.sum(axis=0)) / nk.sum()
    eei = m_step("EEI", second, nk, delta)
    np.testing.assert_allclose(eei, np.broadcast_to(np.diag(pooled), eei.shape))


def test_eee_is_tied_and_the_pooled_scatter(scatter_stats, clusters):
    second, nk, delta, scatter = scatter_stats
    eee = m_step("EEE", second, nk, delta)
    np.testing.assert_allclose(eee[0], scatter.sum(axis=0) / nk.sum(), rtol=1e-12)
    assert_same_fit(fit(clusters, "EEE"), fit(clusters, "tied"), rtol=0)


def test_vvv_is_full_and_each_scatter(scatter_stats, clusters):
    second, nk, delta, scatter = scatter_stats
    vvv = m_step("VVV", second, nk, delta)
    np.testing.assert_allclose(vvv, scatter / nk[:, None, None], rtol=1e-12)
    assert_same_fit(fit(clusters, "VVV"), fit(clusters, "full"), rtol=0)


def test_evv_volume_is_the_mean_root_determinant(scatter_stats):
    second, nk, delta, scatter = scatter_stats
    d = delta.shape[1]
    roots = np.linalg.det(scatter) ** (1 / d)
    evv = m_step("EVV", second, nk, delta)
    volume = roots.sum() / nk.sum()
    np.testing.assert_allclose(np.linalg.det(evv) ** (1 / d), volume, rtol=1e-12)
    expected = volume * scatter / roots[:, None, None]
    np.testing.assert_allclose(evv, expected, rtol=1e-12)


def test_evi_and_eev_closed_forms(scatter_stats):
    second, nk, delta, scatter = scatter_stats
    d = delta.shape[1]
    diagonals = np.diagonal(scatter, axis1=1, axis2=2)
    roots = np.prod(diagonals, axis=1) ** (1 / d)
    evi = np.diagonal(m_step("EVI", second, nk, delta), axis1=1, axis2=2)
    np.testing.assert_allclose(evi, roots.sum() / nk.sum() * diagonals / roots[:, None])
    # EEV: each W_k's own axes, the eigenvalues pooled in decreasing order.
    values, vectors = np.linalg.eigh(scatter)
    pooled = values.sum(axis=0) / nk.sum()
    expected = np.einsum("kij,j,klj->kil", vectors, pooled, vectors)
    np.testing.assert_allclose(m_step("EEV", second, nk, delta), expected, rtol=1e-10)


# --------------------------------------------------- what a type must do
@models
def test_inference_sampling_and_model_files(name, clusters, tmp_path):
    gm = fit(clusters, name, max_iter=20, random_state=0)
    n, d = clusters.shape
    labels = gm.predict(clusters)
    assert labels.shape == (n,) and set(np.unique(labels)) <= set(range(K))
    resp = gm.predict_proba(clusters)
    assert resp.shape == (n, K)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(resp.argmax(axis=1), labels)
    scores = gm.score_samples(clusters)
    assert scores.shape == (n,) and np.all(np.isfinite(scores))
    drawn, components = gm.sample(50)
    assert drawn.shape == (50, d) and components.shape == (50,)
    path = save(gm, tmp_path / f"{name}.npz")
    loaded = load(path)
    assert loaded.covariance_type == name
    np.testing.assert_array_equal(loaded.score_samples(clusters), scores)
    np.testing.assert_array_equal(loaded.covariances_, gm.covariances_)


def test_samples_have_the_fitted_covariance(clusters):
    gm = fit(clusters, "EVE", max_iter=30, random_state=3)
    drawn, components = gm.sample(150_000)
    full = expand("EVE", gm.covariances_, K, 3)
    for k in range(K):
        rows = drawn[components == k]
        scale = np.sqrt(np.outer(np.diag(full[k]), np.diag(full[k])))
        # Entries of a sample covariance err by about sqrt(2 / n) of scale.
        tolerance = 6 * np.sqrt(2 / len(rows))
        assert np.max(np.abs(np.cov(rows.T) - full[k]) / scale) < tolerance
        errors = np.abs(rows.mean(axis=0) - gm.means_[k])
        assert np.all(errors < 6 * np.sqrt(np.diag(full[k]) / len(rows)))


@models
def test_float32_input_fits_and_stays_float32(name, clusters):
    X32 = clusters.astype(np.float32)
    gm = fit(X32, name, max_iter=10)
    for attribute in ("means_", "covariances_", "precisions_cholesky_"):
        assert getattr(gm, attribute).dtype == np.float32, attribute
    assert gm.score_samples(X32).dtype == np.float32
    reference = fit(clusters, name, max_iter=10)
    np.testing.assert_allclose(gm.covariances_, reference.covariances_, rtol=1e-3)


@models
def test_integer_weights_equal_repeated_rows(name, clusters):
    X = clusters[:200]
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    weighted = fit(X, name, sample_weight=counts, max_iter=15)
    repeated = fit(np.repeat(X, counts, axis=0), name, start_from=X, max_iter=15)
    assert_same_fit(weighted, repeated, rtol=1e-9)
    np.testing.assert_allclose(weighted.history_, repeated.history_, rtol=1e-11)


@models
def test_dask_fit_equals_in_memory_fit(name, clusters):
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    with dask.config.set(scheduler="synchronous"):
        lazy = fit(
            da.from_array(clusters, chunks=(150, 3)),
            name,
            start_from=clusters,
            max_iter=10,
        )
    memory = fit(clusters, name, max_iter=10)
    assert_same_fit(lazy, memory, rtol=1e-8)
    np.testing.assert_allclose(lazy.history_, memory.history_, rtol=1e-10)


# ------------------------------------------------------------ decomposition
@models
def test_volumes_shapes_orientations_rebuild_the_covariances(name, fitted):
    gm = fitted[name]
    volumes, shapes, orientations = gm.volumes_, gm.shapes_, gm.orientations_
    assert volumes.shape == (K,) and shapes.shape == (K, 3)
    assert orientations.shape == (K, 3, 3)
    full = expand(name, gm.covariances_, K, 3)
    np.testing.assert_allclose(
        build(volumes, shapes, orientations), full, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(np.prod(shapes, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(volumes, np.linalg.det(full) ** (1 / 3), rtol=1e-10)
    gram = np.einsum("kji,kjl->kil", orientations, orientations)
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(3), gram.shape), atol=1e-12)
    if name[2] != "V":
        np.testing.assert_array_equal(orientations, orientations[:1].repeat(K, 0))
    if name[2] == "I":  # the identity's axes, in component 0's shape order
        np.testing.assert_array_equal(np.abs(orientations[0]).sum(axis=0), 1.0)
        assert set(np.abs(orientations[0]).ravel()) == {0.0, 1.0}
    if name[1] == "E":
        np.testing.assert_allclose(shapes, shapes[:1].repeat(K, 0), rtol=RTOL)
    if name[0] == "E":
        np.testing.assert_allclose(volumes, volumes[0], rtol=RTOL)


# ---------------------------------------------------------- parameter counts
def classical_count(name, n_components, d):
    """Celeux & Govaert's count of free covariance parameters, written out."""
    rotations = d * (d - 1) // 2
    return {
        "EII": 1,
        "VII": n_components,
        "EEI": d,
        "VEI": n_components + d - 1,
        "EVI": 1 + n_components * (d - 1),
        "VVI": n_components * d,
        "EEE": d * (d + 1) // 2,
        "VEE": n_components + d - 1 + rotations,
        "EVE": 1 + n_components * (d - 1) + rotations,
        "VVE": n_components * d + rotations,
        "EEV": d + n_components * rotations,
        "VEV": n_components + d - 1 + n_components * rotations,
        "EVV": 1 + n_components * (d - 1 + rotations),
        "VVV": n_components * d * (d + 1) // 2,
    }[name]


@pytest.mark.parametrize(("n_components", "d"), [(1, 1), (3, 2), (4, 5)])
def test_parameter_counts(n_components, d):
    for name in MCLUST_NAMES:
        count = covariance_model(name).n_parameters(n_components, d)
        assert count == classical_count(name, n_components, d), name
    sklearn = {
        "full": n_components * d * (d + 1) // 2,
        "tied": d * (d + 1) // 2,
        "diag": n_components * d,
        "spherical": n_components,
    }
    for alias, count in sklearn.items():
        assert covariance_model(alias).n_parameters(n_components, d) == count
        assert covariance_model(alias) is covariance_model(ALIASES[alias])


@models
def test_bic_counts_means_weights_and_the_models_parameters(name, fitted, clusters):
    gm = fitted[name]
    n, d = clusters.shape
    df = classical_count(name, K, d) + K * d + K - 1
    expected = -2 * gm.score(clusters) * n + df * np.log(n)
    np.testing.assert_allclose(gm.bic(clusters), expected, rtol=1e-12)


# ---------------------------------------------------------------- bad input
def test_unknown_name_lists_all_eighteen(clusters):
    assert len(MODEL_NAMES) == 18
    for attempt in (
        lambda: covariance_model("VVX"),
        lambda: GaussianMixture(2, covariance_type="VVX").fit(clusters),
    ):
        with pytest.raises(ValueError, match="covariance_type must be one of") as error:
            attempt()
        for accepted in MODEL_NAMES:
            assert repr(accepted) in str(error.value)
        assert "'VVX'" in str(error.value)


@pytest.mark.parametrize("estimator", [BayesianGaussianMixture, StudentTMixture])
@pytest.mark.parametrize("name", ["VEV", "EII"])
def test_other_estimators_refuse_the_parsimonious_names(estimator, name, clusters):
    with pytest.raises(ValueError, match="covariance_type must be one of") as error:
        estimator(2, covariance_type=name).fit(clusters)
    message = str(error.value)
    for accepted in ALIASES:
        assert repr(accepted) in message
    assert repr(name) in message
