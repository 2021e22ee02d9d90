"""Model choice: BIC/AIC/ICL over K and covariance type, and comparing starts."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import three_clusters
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmmkit import GaussianMixture, compare_inits, select_model
from gmmkit.datasets import make_mixture
from gmmkit.selection import criteria, group_optima


def test_bic_and_aic_equal_scikit_learn_for_the_same_parameters(covariance_type):
    X, _ = three_clusters(n_samples=300, seed=1)
    ours = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    theirs = SklearnGaussianMixture(3, covariance_type=covariance_type, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.fit(X[:50])  # then given our parameters
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        setattr(theirs, name, getattr(ours, name))
    values = criteria(ours, X)
    np.testing.assert_allclose(values["bic"], theirs.bic(X), rtol=1e-12)
    np.testing.assert_allclose(values["aic"], theirs.aic(X), rtol=1e-12)
    np.testing.assert_allclose(ours.bic(X), theirs.bic(X), rtol=1e-12)
    assert values["n_parameters"] == theirs._n_parameters()


def test_icl_adds_twice_the_assignment_entropy():
    X, _ = three_clusters(n_samples=300, seed=2)
    gm = GaussianMixture(3, random_state=0).fit(X)
    resp = gm.predict_proba(X)
    entropy = -np.sum(resp * np.log(np.clip(resp, 1e-300, None)))
    values = criteria(gm, X)
    np.testing.assert_allclose(values["icl"], values["bic"] + 2 * entropy, rtol=1e-10)
    assert values["icl"] >= values["bic"]


@pytest.mark.parametrize("seed", range(5))
def test_select_model_recovers_three_clusters(seed):
    X, _ = make_mixture(
        450,
        [[0, 0], [7, 0], [3, 6]],
        [[1.0, 0.5], [0.5, 1.0], [1.0, 1.0]],
        random_state=seed,
    )
    result = select_model(X, n_components=range(1, 7), random_state=seed)
    assert result.best_n_components == 3
    assert result.best_model.n_components == 3
    assert len(result.rows) == 6 * 4
    best = result.best_row
    assert best["bic"] == min(r["bic"] for r in result.rows if r["status"] == "ok")


def test_selection_table_and_frame():
    X, _ = three_clusters(n_samples=200)
    seen = []
    result = select_model(
        X,
        n_components=[1, 2, 3],
        covariance_types=["full", "diag"],
        criterion="icl",
        random_state=0,
        progress=lambda done, total, row: seen.append(
            (done, total, row["n_components"])
        ),
    )
    assert seen == [(1, 6, 1), (2, 6, 2), (3, 6, 3), (4, 6, 1), (5, 6, 2), (6, 6, 3)]
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 6
    expected = {
        "n_components",
        "covariance_type",
        "status",
        "reason",
        "log_likelihood",
        "n_parameters",
        "bic",
        "aic",
        "icl",
        "converged",
        "n_iter",
    }
    assert expected <= set(frame.columns)
    assert result.criterion == "icl"
    assert result.best_row["icl"] == frame.loc[frame.status == "ok", "icl"].min()


def test_failed_fits_are_reported_not_raised():
    # Five distinct points: K = 6 cannot be fitted, and with reg_covar=0 the
    # full K = 5 model collapses onto single points.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [6.0, 5.0]])
    result = select_model(
        X,
        n_components=[1, 5, 6],
        covariance_types=["full"],
        reg_covar=0.0,
        random_state=0,
    )
    by_k = {r["n_components"]: r for r in result.rows}
    assert (
        by_k[6]["status"] == "failed"
        and "more components (6) than samples (5)" in by_k[6]["reason"]
    )
    assert by_k[5]["status"] == "failed"
    assert "not positive definite" in by_k[5]["reason"]
    assert "larger reg_covar" in by_k[5]["reason"]
    assert np.isnan(by_k[5]["bic"])
    assert result.best_n_components == 1


def test_every_fit_failing_raises_with_the_reasons():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match=r"Every fit failed.*more components"):
        select_model(X, n_components=[3], covariance_types=["full"])


def test_sample_weights_count_as_repetitions():
    X, _ = three_clusters(n_samples=120, seed=3)
    counts = np.random.default_rng(0).integers(1, 3, len(X))
    result = select_model(
        X,
        n_components=[2, 3],
        covariance_types=["diag"],
        sample_weight=counts,
        random_state=0,
    )
    row = next(r for r in result.rows if r["n_components"] == 3)
    repeated = criteria(result.models[(3, "diag")], np.repeat(X, counts, axis=0))
    for name in ("log_likelihood", "bic", "aic", "icl"):
        np.testing.assert_allclose(row[name], repeated[name], rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"criterion": "mdl"}, "criterion must be one of"),
        ({"covariance_types": ["ful"]}, "covariance_types must be one of"),
        ({"covariance_types": []}, "at least one covariance type"),
        ({"n_components": []}, "at least one number of components"),
        ({"n_components": [0, 1]}, "n_components must be an integer >= 1"),
    ],
)
def test_select_model_bad_arguments(kwargs, message):
    X, _ = three_clusters(n_samples=50)
    with pytest.raises(ValueError, match=message):
        select_model(X, **kwargs)


def test_select_model_bad_data():
    X, _ = three_clusters(n_samples=50)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN in row 3"):
        select_model(X, n_components=[1])


def test_group_optima():
    values = np.array([-1.0, -1.00001, -2.0, np.nan, -1.5, -2.00002])
    assert group_optima(values, 1e-4) == [(-1.0, 2), (-1.5, 1), (-2.0, 2)]


def test_compare_inits_reports_local_optima():
    # Eight clusters: random starts reach several optima, k-means starts fewer.
    rng = np.random.default_rng(0)
    centres = rng.uniform(-20, 20, size=(8, 2))
    X, _ = make_mixture(800, centres, np.ones(8), random_state=1)
    done = []
    result = compare_inits(
        X,
        8,
        inits=("random_from_data", "kmeans"),
        n_runs=8,
        random_state=0,
        progress=lambda d, t: done.append((d, t)),
    )
    assert done[-1] == (16, 16)
    for comparison in result.values():
        assert comparison.log_likelihoods.shape == (8,) and comparison.n_failed == 0
        assert sum(count for _, count in comparison.optima) == 8
        assert comparison.n_optima == len(comparison.optima)
        assert np.all(comparison.n_iter > 0)
    best = max(result["kmeans"].optima[0][0], result["random_from_data"].optima[0][0])
    assert result["kmeans"].optima[0][0] == pytest.approx(best, abs=1e-3)
    assert result["random_from_data"].n_optima >= result["kmeans"].n_optima
    assert 0 < result["kmeans"].best_fraction <= 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_components": 0}, "n_components must be an integer >= 1"),
        ({"n_runs": 0}, "n_runs must be an integer >= 1"),
        ({"inits": ["kmeans", "spectral"]}, "inits must be one of"),
    ],
)
def test_compare_inits_bad_arguments(kwargs, message):
    X, _ = three_clusters(n_samples=50)
    with pytest.raises(ValueError, match=message):
        compare_inits(X, **({"n_components": 2} | kwargs))
