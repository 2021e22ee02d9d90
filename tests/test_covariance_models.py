"""What each covariance model knows beyond the M-step, checked against closed forms.

The statistics of each type are reduced from the full per-component second
moments ``M_k = sum_n r_nk (x_n - a)(x_n - a)^T`` (:func:`reduce`), so every
check compares a model's method with a formula written once, in full form.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import three_clusters

from gmmkit import GaussianMixture
from gmmkit.covariance import (
    COVARIANCE_TYPES,
    MCLUST_NAMES,
    MODEL_NAMES,
    MODELS,
    covariance_model,
)
from gmmkit.scaling import Standardizer, to_data_units

N_FEATURES, N_COMPONENTS = 3, 4


def reduce(covariance_type, full):
    """(K, d, d) per-component matrices in the type's second-moment form."""
    if covariance_type == "full":
        return full
    if covariance_type == "tied":
        return full.sum(axis=0)
    diagonals = np.diagonal(full, axis1=1, axis2=2)
    return diagonals if covariance_type == "diag" else diagonals.sum(axis=1)


def moments(X, resp, about):
    """Masses (K,), first (K, d) and full second moments (K, d, d) about a point."""
    offsets = X - about
    return (
        resp.sum(axis=0),
        resp.T @ offsets,
        np.einsum("nk,ni,nj->kij", resp, offsets, offsets),
    )


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, N_FEATURES)) * [1.0, 3.0, 0.5] + [5.0, -2.0, 10.0]
    resp = rng.dirichlet(np.ones(N_COMPONENTS), size=len(X))
    return X, resp


def covariances_of(model, X, resp):
    """The model's M-step covariances (no reg_covar) of rows ``X``."""
    nk, sum_dx, full = moments(X, resp, X.mean(axis=0))
    return model.covariances(reduce(model.name, full), nk, sum_dx / nk[:, None], 0.0)


def test_registry_lists_every_model_once_in_order():
    assert tuple(model.name for model in MODELS[:4]) == COVARIANCE_TYPES
    assert COVARIANCE_TYPES == ("full", "tied", "diag", "spherical")
    for name in COVARIANCE_TYPES:
        assert covariance_model(name).name == name
    # Every mclust name is one model, the four shared ones under both names.
    assert sorted(model.mclust_name for model in MODELS) == sorted(MCLUST_NAMES)
    assert len(MODEL_NAMES) == 18
    for name, alias in zip(COVARIANCE_TYPES, ("VVV", "EEE", "VVI", "VII"), strict=True):
        assert covariance_model(alias) is covariance_model(name)
    with pytest.raises(ValueError, match="covariance_type must be one of") as error:
        covariance_model("round")
    for name in MODEL_NAMES:
        assert repr(name) in str(error.value)


def test_shared_and_rescalable_flags():
    shared = {name for name in COVARIANCE_TYPES if covariance_model(name).shared}
    kept = {name for name in COVARIANCE_TYPES if covariance_model(name).rescalable}
    assert shared == {"tied"}
    assert kept == {"full", "tied", "diag"}


def test_recentre_equals_moments_recomputed_about_the_new_point(
    sample, covariance_type
):
    X, resp = sample
    model = covariance_model(covariance_type)
    old, new = np.array([4.0, -1.0, 9.0]), np.array([-3.0, 2.5, 0.5])
    nk, sum_dx, full = moments(X, resp, old)
    _, _, expected = moments(X, resp, new)
    moved = model.recentre(nk, sum_dx, reduce(covariance_type, full), old - new)
    np.testing.assert_allclose(moved, reduce(covariance_type, expected), rtol=1e-12)


def test_rescale_agrees_with_covariances_of_scaled_data(sample, covariance_type):
    X, resp = sample
    model = covariance_model(covariance_type)
    scale = np.array([0.5, 4.0, 1.5])
    if not model.rescalable:
        with pytest.raises(ValueError, match="is not spherical in the data's units"):
            model.rescale(covariances_of(model, X, resp), scale)
        return
    rescaled = model.rescale(covariances_of(model, X, resp), scale)
    np.testing.assert_allclose(
        rescaled, covariances_of(model, X * scale, resp), rtol=1e-12
    )
    full = model.to_full(covariances_of(model, X, resp), N_COMPONENTS, N_FEATURES)
    np.testing.assert_allclose(
        model.to_full(rescaled, N_COMPONENTS, N_FEATURES),
        full * np.outer(scale, scale),
        rtol=1e-12,
    )


def test_to_data_units_refuses_a_spherical_model():
    X, _ = three_clusters(n_samples=120)
    scaler = Standardizer.from_data(X)
    fitted = GaussianMixture(2, covariance_type="spherical", random_state=0)
    fitted.fit(scaler.transform(X))
    with pytest.raises(ValueError, match="use covariance_type 'diag'"):
        to_data_units(fitted, scaler)


@pytest.mark.parametrize("n_features", [1, 3, 7])
def test_min_points(n_features):
    needed = {
        name: covariance_model(name).min_points(n_features) for name in COVARIANCE_TYPES
    }
    assert needed == {"full": n_features + 1, "tied": 1, "diag": 2, "spherical": 2}


def direct_wishart(covariance_type, nk, xk, sk_full, prior, prior_full):
    """Bishop (10.60-10.63) in full form, then reduced to the type's form.

    ``W_k^{-1} = W_0^{-1} + N_k S_k + beta_0 N_k / (beta_0 + N_k) d_k d_k^T``
    with ``d_k = xbar_k - m_0`` and ``nu_k = nu_0 + N_k``; tied shares one
    Wishart whose data are every component's, each weighted ``1 / K``.
    """
    beta0, nu0 = prior.mean_precision, prior.degrees_of_freedom
    diff = xk - prior.mean
    outer = np.einsum("ki,kj->kij", diff, diff)
    if covariance_type == "tied":
        k = len(nk)
        dof = nu0 + nk.sum() / k
        shrink = beta0 * nk / (beta0 + nk)
        shared_sk = sk_full[0]  # broadcast to every component by to_full
        scale = (
            prior_full + nk.sum() / k * shared_sk + np.tensordot(shrink, outer, 1) / k
        )
        return dof, scale / dof
    dof = nu0 + nk
    shrink = beta0 * nk / (beta0 + nk)
    scale = (
        prior_full + nk[:, None, None] * sk_full + shrink[:, None, None] * outer
    ) / dof[:, None, None]
    if covariance_type == "full":
        return dof, scale
    diagonal = np.diagonal(scale, axis1=1, axis2=2)
    return dof, diagonal if covariance_type == "diag" else diagonal.mean(axis=1)


def test_wishart_posterior_agrees_with_the_direct_formula(sample, covariance_type):
    X, resp = sample
    model = covariance_model(covariance_type)
    nk, sum_dx, full = moments(X, resp, np.zeros(N_FEATURES))
    xk = sum_dx / nk[:, None]
    sk = model.covariances(reduce(covariance_type, full), nk, xk, 0.0)
    data_covariance = np.cov(X.T)
    prior = SimpleNamespace(
        mean=X.mean(axis=0),
        mean_precision=0.7,
        degrees_of_freedom=N_FEATURES + 0.5,
        covariance=model.prior_covariance(data_covariance),
    )
    sk_full = model.to_full(sk, N_COMPONENTS, N_FEATURES)
    # The prior as one (d, d) matrix: a shared model's has no component axis.
    one = prior.covariance if model.shared else np.asarray(prior.covariance)[None]
    prior_full = model.to_full(one, 1, N_FEATURES)[0]
    dof, covariances = model.wishart_posterior(
        nk, xk, sk, prior, prior.mean_precision + nk
    )
    expected_dof, expected = direct_wishart(
        covariance_type, nk, xk, sk_full, prior, prior_full
    )
    np.testing.assert_allclose(dof, expected_dof, rtol=1e-13)
    np.testing.assert_allclose(covariances, expected, rtol=1e-12)
    assert np.shape(covariances) == model.shape(N_COMPONENTS, N_FEATURES)


def test_prior_covariance_from_the_data_covariance(sample):
    X, _ = sample
    data_covariance = np.cov(X.T)
    variances = np.diag(data_covariance)
    for name in ("full", "tied"):
        prior = covariance_model(name).prior_covariance(data_covariance)
        np.testing.assert_array_equal(prior, data_covariance)
    diag = covariance_model("diag")
    np.testing.assert_array_equal(diag.prior_covariance(data_covariance), variances)
    np.testing.assert_array_equal(diag.prior_covariance(variances), variances)
    spherical = covariance_model("spherical")
    for given in (data_covariance, variances):
        value = spherical.prior_covariance(given)
        assert type(value) is float
        assert value == float(variances.mean())


def test_check_covariance_prior_returns_checked_values():
    d = N_FEATURES
    matrix = np.eye(d) + 0.1
    for name in ("full", "tied"):
        checked = covariance_model(name).check_covariance_prior(matrix.tolist(), d)
        assert checked.dtype == np.float64
        np.testing.assert_array_equal(checked, matrix)
    np.testing.assert_array_equal(
        covariance_model("diag").check_covariance_prior([1, 2, 3], d), [1.0, 2.0, 3.0]
    )
    value = covariance_model("spherical").check_covariance_prior(np.float32(2.5), d)
    assert value == 2.5 and type(value) is float


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("full", np.eye(2), r"covariance_type='full' must have shape \(3, 3\), got"),
        ("tied", np.ones(3), r"covariance_type='tied' must have shape \(3, 3\)"),
        ("full", np.triu(np.ones((3, 3))), "covariance_prior must be symmetric"),
        ("tied", -np.eye(3), "covariance_prior must be positive definite"),
        ("full", np.full((3, 3), np.nan), "covariance_prior contains NaN or infinity"),
        ("diag", np.eye(3), r"covariance_type='diag' must have shape \(3,\), got"),
        ("diag", [1.0, 0.0, 2.0], "must be positive for covariance_type='diag'"),
        ("diag", [1.0, np.inf, 2.0], "contains NaN or infinity"),
        ("diag", ["a", "b", "c"], "covariance_prior must hold numbers only"),
        ("spherical", [1.0, 2.0], r"must be a positive number, got an array of shape"),
        ("spherical", -1.0, "covariance_prior must be a positive number, got -1.0"),
    ],
)
def test_check_covariance_prior_errors(name, value, message):
    with pytest.raises(ValueError, match=message):
        covariance_model(name).check_covariance_prior(value, N_FEATURES)
