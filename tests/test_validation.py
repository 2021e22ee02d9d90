"""Bad input gets a ValueError (or NotFittedError) that names the problem."""

import numpy as np
import pandas as pd
import pytest
from conftest import three_clusters
from scipy import sparse

from gmmkit import GaussianMixture, KMeans, NotFittedError


@pytest.fixture
def X():
    return three_clusters(n_samples=60)[0]


def test_nan_names_rows_and_columns(X):
    X = X.copy()
    X[[4, 17], 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN in rows 4, 17 \(column\(s\) 1\)"):
        GaussianMixture(2).fit(X)


def test_inf_names_rows_and_dataframe_columns(X):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame.loc[9, "c"] = np.inf
    with pytest.raises(
        ValueError, match=r"infinity in row 9 \(column\(s\) 2 \('c'\)\)"
    ):
        GaussianMixture(2).fit(frame)


def test_nan_at_predict_time(X):
    gm = GaussianMixture(2, random_state=0).fit(X)
    bad = X[:5].copy()
    bad[3, 0] = np.nan
    for method in (gm.predict, gm.predict_proba, gm.score_samples, gm.score, gm.bic):
        with pytest.raises(ValueError, match="NaN in row 3"):
            method(bad)


def test_empty_input():
    with pytest.raises(ValueError, match="0 sample"):
        GaussianMixture(1).fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="0 feature"):
        GaussianMixture(1).fit(np.empty((5, 0)))


def test_one_dimensional_input_suggests_reshape():
    with pytest.raises(ValueError, match=r"1-D array.*reshape\(-1, 1\)"):
        GaussianMixture(1).fit(np.arange(10.0))


def test_three_dimensional_input():
    with pytest.raises(ValueError, match="3 dimensions"):
        GaussianMixture(1).fit(np.zeros((4, 2, 2)))


def test_fewer_samples_than_components(X):
    with pytest.raises(ValueError, match="n_components = 5, n_samples = 4"):
        GaussianMixture(5).fit(X[:4])
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=4"):
        KMeans(4).fit(X[:3])


def test_single_sample(X):
    with pytest.raises(ValueError, match="1 sample"):
        GaussianMixture(1).fit(X[:1])


def test_non_numeric_values_are_located():
    data = np.array([[1.0, 2.0], [3.0, "abc"], [5.0, 6.0]], dtype=object)
    with pytest.raises(ValueError, match=r"non-numeric value 'abc' at row 1, column 1"):
        GaussianMixture(1).fit(data)


def test_missing_values_in_a_dataframe_are_located():
    frame = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0], "y": pd.array([1.0, None, 3.0], dtype="Float64")}
    )
    with pytest.raises(ValueError, match=r"NaN in row 1 \(column\(s\) 1 \('y'\)\)"):
        GaussianMixture(1).fit(frame)


def test_non_numeric_dataframe_columns_are_named():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "kind": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['kind'\]"):
        GaussianMixture(1).fit(frame)


def test_complex_data():
    with pytest.raises(ValueError, match="Complex data not supported"):
        GaussianMixture(1).fit(np.ones((5, 2)) * (1 + 1j))


def test_sparse_input_is_refused_with_advice(X):
    with pytest.raises(TypeError, match=r"sparse.*toarray"):
        GaussianMixture(1).fit(sparse.csr_matrix(X))


def test_wrong_number_of_features_at_predict(X):
    gm = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(
        ValueError, match="X has 2 features, but GaussianMixture is expecting 3"
    ):
        gm.predict(X[:, :2])


def test_feature_names_must_match():
    X = three_clusters(n_samples=60)[0]
    gm = GaussianMixture(2, random_state=0).fit(
        pd.DataFrame(X, columns=["a", "b", "c"])
    )
    np.testing.assert_array_equal(gm.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- z"):
        gm.predict(pd.DataFrame(X, columns=["a", "b", "z"]))
    with pytest.raises(ValueError, match="same order"):
        gm.predict(pd.DataFrame(X, columns=["c", "b", "a"]))


def test_unfitted_model():
    gm = GaussianMixture(2)
    for method in ("predict", "predict_proba", "score_samples", "score", "bic", "aic"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(gm, method)(np.zeros((3, 2)))
    with pytest.raises(NotFittedError):
        gm.sample(3)
    # NotFittedError is both a ValueError and an AttributeError.
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_components": 0}, "n_components must be an integer >= 1, got 0"),
        ({"n_components": 2.5}, "n_components must be an integer"),
        ({"covariance_type": "banana"}, "covariance_type must be one of"),
        ({"tol": -1.0}, "tol must be a finite number >= 0"),
        ({"reg_covar": -1e-3}, "reg_covar must be a finite number >= 0"),
        ({"max_iter": -1}, "max_iter must be an integer >= 0"),
        ({"n_init": 0}, "n_init must be an integer >= 1"),
        ({"init_params": "kmean"}, "init_params must be one of"),
        ({"chunk_size": 0}, "chunk_size must be an integer >= 1"),
        ({"snapshot_every": 0}, "snapshot_every must be an integer >= 1"),
        ({"callbacks": [1]}, "callbacks must be callables"),
        ({"callbacks": 5}, "callbacks must be a callable or a sequence"),
        ({"warm_start": "yes"}, "warm_start must be True or False"),
        ({"random_state": "seed"}, "random_state must be None, an int"),
        ({"weights_init": [0.5, 0.6]}, "weights_init must sum to 1"),
        ({"weights_init": [1.0]}, r"weights_init must have shape \(2,\)"),
        ({"means_init": np.zeros((3, 3))}, r"means_init must have shape \(2, 3\)"),
        (
            {"precisions_init": np.zeros((2, 3))},
            r"precisions_init .* shape \(2, 3, 3\)",
        ),
        (
            {"precisions_init": np.array([np.eye(3), -np.eye(3)])},
            r"precisions_init\[1\] must be positive definite",
        ),
    ],
)
def test_invalid_constructor_values(X, params, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixture(**{"n_components": 2, **params}).fit(X)


def test_invalid_sample_weight(X):
    gm = GaussianMixture(2)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(60,\)"):
        gm.fit(X, sample_weight=np.ones(10))
    weights = np.ones(60)
    weights[[2, 8]] = -1
    with pytest.raises(ValueError, match="negative at rows 2, 8"):
        gm.fit(X, sample_weight=weights)
    with pytest.raises(ValueError, match="zero for every row"):
        gm.fit(X, sample_weight=np.zeros(60))


def test_invalid_kmeans_values(X):
    with pytest.raises(ValueError, match="n_clusters must be an integer >= 1"):
        KMeans(0).fit(X)
    with pytest.raises(ValueError, match="init must be one of"):
        KMeans(2, init="bogus").fit(X)
    with pytest.raises(ValueError, match=r"init centers must have shape \(2, 3\)"):
        KMeans(2, init=np.zeros((3, 3))).fit(X)
