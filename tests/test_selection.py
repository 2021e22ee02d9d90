"""Model choice: BIC/AIC/ICL over K and covariance type, and comparing starts."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import three_clusters
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmmkit import GaussianMixture, compare_inits, select_model
from gmmkit.covariance import COVARIANCE_TYPES, covariance_model
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.selection import (
    CRITERIA,
    DegenerateModelWarning,
    InitComparisonResult,
    criteria,
    data_covariance,
    degeneracy,
    group_optima,
)

#: scikit-learn's four covariance types, for tests written about them.
FOUR = list(COVARIANCE_TYPES)


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


def _scipy_icl(gm, X, weights=None):
    """BIC and ICL from scipy's densities: -2 log L + p log n, and ICL's MAP term."""
    dens = np.column_stack(
        [
            w * multivariate_normal(mean, cov).pdf(X)
            for w, mean, cov in zip(
                gm.weights_, gm.means_, gm.covariances_, strict=True
            )
        ]
    )
    w = np.ones(len(X)) if weights is None else np.asarray(weights, float)
    total = dens.sum(axis=1)
    z_map = dens.max(axis=1) / total
    K, d = gm.means_.shape
    p = (K - 1) + K * d + K * d * (d + 1) // 2  # full covariances
    bic = -2 * w @ np.log(total) + p * np.log(w.sum())
    return bic, bic - 2 * w @ np.log(z_map)


@pytest.mark.parametrize("weighted", [False, True])
def test_icl_is_bic_less_twice_the_map_log_responsibilities(weighted):
    X, _ = three_clusters(n_samples=300, seed=2)
    weights = np.random.default_rng(0).integers(1, 4, len(X)) if weighted else None
    gm = GaussianMixture(3, random_state=0).fit(X, sample_weight=weights)
    bic, icl = _scipy_icl(gm, X, weights)
    w = None if weights is None else weights.astype(float)
    values = criteria(gm, X, w)
    np.testing.assert_allclose(values["bic"], bic, rtol=1e-10)
    np.testing.assert_allclose(values["icl"], icl, rtol=1e-10)
    # The classification term itself, to well below its own size (~20).
    np.testing.assert_allclose(values["icl"] - values["bic"], icl - bic, rtol=1e-7)
    assert values["icl"] - values["bic"] > 1.0  # the clusters overlap
    if weighted:
        repeated = criteria(gm, np.repeat(X, weights, axis=0))
        np.testing.assert_allclose(values["icl"], repeated["icl"], rtol=1e-10)


MCLUST = Path(__file__).parent / "data" / "mclust" / "models.json"
#: mclust's names of scikit-learn's four covariance types.
MCLUST_TYPES = {"VVV": "full", "EEE": "tied", "VVI": "diag", "VII": "spherical"}


def _model_from_mclust(fit, covariance_type):
    """A GaussianMixture holding an mclust fit's parameters."""
    weights = np.asarray(fit["pro"], float)
    sigma = np.asarray(fit["sigma"], float)  # (K, d, d) for every model
    covariances = {
        "full": sigma,
        "tied": sigma[0],
        "diag": np.array([np.diag(s) for s in sigma]),
        "spherical": sigma[:, 0, 0],
    }[covariance_type]
    gm = GaussianMixture(len(weights), covariance_type=covariance_type)
    model = covariance_model(covariance_type)
    gm.weights_ = weights
    gm.means_ = np.asarray(fit["mean"], float).T
    gm.covariances_ = covariances
    gm.precisions_cholesky_ = model.precisions_cholesky(covariances)
    gm.precisions_ = model.precisions(gm.precisions_cholesky_)
    gm.n_features_in_ = gm.means_.shape[1]
    return gm


@pytest.mark.parametrize("data", ["faithful", "iris"])
@pytest.mark.parametrize("mclust_name", sorted(MCLUST_TYPES))
def test_icl_matches_mclust_at_mclusts_parameters(data, mclust_name):
    # tests/data/mclust/models.json: mclust 6.0.0's fits, with its bic and
    # icl() (higher is better there: the negatives of gmmkit's).
    reference = json.loads(MCLUST.read_text())
    X = np.asarray(reference["data"][data], float)
    checked = 0
    for k, fit in reference["fits"][data][mclust_name].items():
        if fit is None or int(k) < 2:
            continue
        gm = _model_from_mclust(fit, MCLUST_TYPES[mclust_name])
        values = criteria(gm, X)
        np.testing.assert_allclose(values["bic"], -fit["bic"], rtol=1e-9)
        np.testing.assert_allclose(values["icl"], -fit["icl"], rtol=1e-9)
        # The classification term on its own (0.001 to 106 here).
        np.testing.assert_allclose(
            values["icl"] - values["bic"],
            fit["bic"] - fit["icl"],
            rtol=1e-5,
            atol=1e-7,
        )
        checked += 1
    assert checked >= 2


def test_icl_entropy_adds_twice_the_assignment_entropy():
    # The entropy form gmmkit called "icl" before it followed mclust.
    X, _ = three_clusters(n_samples=300, seed=2)
    gm = GaussianMixture(3, random_state=0).fit(X)
    resp = gm.predict_proba(X)
    entropy = -np.sum(resp * np.log(np.clip(resp, 1e-300, None)))
    values = criteria(gm, X)
    np.testing.assert_allclose(
        values["icl_entropy"], values["bic"] + 2 * entropy, rtol=1e-10
    )
    # Each point's entropy is at least -log of its largest responsibility.
    assert values["icl_entropy"] > values["icl"] > values["bic"]


def test_select_model_chooses_by_either_icl():
    assert {"icl", "icl_entropy"} <= set(CRITERIA)
    X, _ = three_clusters(n_samples=200)
    chosen = {}
    for name in ("icl", "icl_entropy"):
        result = select_model(X, [1, 2, 3], "full", criterion=name, random_state=0)
        ok = [r for r in result.rows if r["status"] == "ok"]
        assert result.best_row[name] == min(r[name] for r in ok)
        chosen[name] = result.best_n_components
        for row in ok:  # the entropy form is the larger penalty
            assert row["bic"] <= row["icl"] <= row["icl_entropy"]
    assert chosen == {"icl": 3, "icl_entropy": 3}


@pytest.mark.parametrize("seed", range(5))
def test_select_model_recovers_three_clusters(seed):
    X, _ = make_mixture(
        450,
        [[0, 0], [7, 0], [3, 6]],
        [[1.0, 0.5], [0.5, 1.0], [1.0, 1.0]],
        random_state=seed,
    )
    result = select_model(
        X, n_components=range(1, 7), covariance_types=FOUR, random_state=seed
    )
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
        "icl_entropy",
        "converged",
        "n_iter",
    }
    assert expected <= set(frame.columns)
    assert result.criterion == "icl"
    assert result.best_row["icl"] == frame.loc[frame.status == "ok", "icl"].min()


def test_failed_fits_are_reported_not_raised():
    # Five distinct points: K = 6 cannot be fitted, and with reg_covar=0 the
    # full K = 5 model collapses onto single points. K = 1 (5 parameters for
    # 5 points) rests on 5 points, more than the 3 a 2-D covariance needs:
    # it is sound, and chosen without a warning.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [6.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
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
    assert by_k[1]["status"] == "ok" and by_k[1]["reason"] == ""
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
    for name in ("log_likelihood", "bic", "aic", "icl", "icl_entropy"):
        np.testing.assert_allclose(row[name], repeated[name], rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"criterion": "mdl"}, "criterion must be one of"),
        ({"covariance_types": ["ful"]}, "covariance_types must be one of"),
        ({"covariance_types": []}, "at least one covariance type"),
        ({"n_components": []}, "at least one number of components"),
        ({"n_components": [0, 1]}, "n_components must be an integer >= 1"),
        ({"n_components": 0}, "n_components must be an integer >= 1"),
        ({"n_components": "3"}, "an int K .meaning 1..K. or a list"),
        ({"covariance_types": 3}, "covariance model, a list of them"),
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


# ----------------------------------------------------------------- degenerate fits
def old_faithful_rows(n):
    return np.asarray(load_old_faithful(), dtype=float)[:n]


@pytest.mark.parametrize("seed", [0, 1])
def test_small_data_never_chooses_degenerate_fits(seed):
    # On 20 rows every K >= 5 puts components on one or two points (and BIC
    # falls all the way to K = 10); those fits are listed but not chosen.
    # (K = 4 has 23 parameters for 20 rows, but depending on the start its
    # four components can each rest on 3 points or more: then it is sound.)
    X = old_faithful_rows(20)
    result = select_model(X, range(1, 11), covariance_types=["full"], random_state=seed)
    assert result.best_n_components in (1, 2)
    assert result.best_row["status"] == "ok"
    by_k = {r["n_components"]: r for r in result.rows}
    for k in range(5, 11):
        row = by_k[k]
        assert row["status"] == "degenerate", k
        assert row["reason"] and np.isfinite(row["bic"])
        assert (k, "full") in result.models
    assert "rest on as few as 1 point of data; 3 are needed" in by_k[10]["reason"]
    # The degenerate fits really do score better: only the rule keeps them out.
    assert min(by_k[k]["bic"] for k in range(4, 11)) < result.best_row["bic"]
    frame = result.to_frame()
    assert set(frame.status) == {"ok", "degenerate"}
    assert (frame.loc[frame.status == "ok", "reason"] == "").all()


def test_forty_rows_still_choose_two_components():
    result = select_model(
        old_faithful_rows(40), range(1, 11), covariance_types="full", random_state=0
    )
    assert result.best_n_components == 2
    assert result.best_row["status"] == "ok"


def test_healthy_fits_are_not_flagged():
    X, _ = make_mixture(
        300,
        [[0, 0], [8, 0], [4, 7]],
        [[1.0, 0.5], [0.5, 1.0], [1.0, 1.0]],
        random_state=0,
    )
    result = select_model(X, 6, covariance_types=FOUR, random_state=0)
    assert (result.best_n_components, result.best_row["status"]) == (3, "ok")
    for row in result.rows:
        if row["n_components"] <= 3:
            assert row["status"] == "ok", row


def test_tight_far_apart_clusters_are_not_flagged():
    # Clusters 10^4 times narrower (in variance) than the data overall are
    # real structure, not the regulariser at work.
    X, _ = make_mixture(200, [[0, 0], [100, 100]], [0.25, 0.25], random_state=0)
    model = GaussianMixture(2, random_state=0).fit(X)
    assert degeneracy(model, X) == []


def test_component_on_a_line_is_flat_even_with_many_points():
    # 30 points share one y value: enough points, but the component's
    # variance along y is reg_covar alone while the data vary along y.
    rng = np.random.default_rng(0)
    line = np.column_stack([rng.normal(0, 1, 30), np.full(30, 5.0)])
    cloud = rng.normal(0, 1, (60, 2))
    X = np.vstack([line, cloud])
    with pytest.warns(DegenerateModelWarning, match="component 1 is flat"):
        model = GaussianMixture(2, random_state=0).fit(X)
    reasons = degeneracy(model, X)
    assert len(reasons) == 1 and "is flat" in reasons[0], reasons
    assert "rest" not in reasons[0]


def test_data_flat_in_a_direction_do_not_make_fits_degenerate():
    # Collinear features: every component is flat along (2, -1), and so are
    # the data, so nothing is wrong with the fit.
    rng = np.random.default_rng(1)
    t = np.concatenate([rng.normal(0, 1, 100), rng.normal(8, 1, 100)])
    X = np.column_stack([t, 2 * t])
    model = GaussianMixture(2, random_state=0).fit(X)
    assert degeneracy(model, X) == []


def test_tied_covariance_counts_pooled_degrees_of_freedom():
    X = old_faithful_rows(5)
    with pytest.warns(DegenerateModelWarning, match="tied covariance"):
        model = GaussianMixture(4, covariance_type="tied", random_state=0).fit(X)
    reasons = " ".join(degeneracy(model, X))
    assert "leave 1 degrees of freedom for the tied covariance" in reasons
    healthy = GaussianMixture(2, covariance_type="tied", random_state=0).fit(
        old_faithful_rows(60)
    )
    assert degeneracy(healthy, old_faithful_rows(60)) == []


def test_degeneracy_counts_sample_weights_as_repetitions():
    X = old_faithful_rows(20)
    counts = np.random.default_rng(0).integers(1, 4, len(X))
    repeated = np.repeat(X, counts, axis=0)
    for k in (2, 5, 8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateModelWarning)  # K = 5 and 8
            model = GaussianMixture(k, random_state=0).fit(X, sample_weight=counts)
        assert degeneracy(model, X, counts.astype(float)) == degeneracy(model, repeated)
    np.testing.assert_allclose(
        data_covariance(X, counts.astype(float)), np.cov(repeated.T, bias=True)
    )


def test_float32_rounding_does_not_hide_a_flat_component():
    X64 = old_faithful_rows(20)
    statuses = {}
    for X in (X64, X64.astype(np.float32)):
        result = select_model(X, [2, 4, 6], covariance_types="diag", random_state=0)
        statuses[X.dtype.name] = [r["status"] for r in result.rows]
    # The search keeps a healthy K = 4 optimum; at K = 6 components rest on
    # single rows in both dtypes.
    assert statuses["float32"] == statuses["float64"] == ["ok", "ok", "degenerate"]


def test_every_fit_degenerate_warns_and_returns_the_simplest():
    X = old_faithful_rows(6)
    with pytest.warns(
        DegenerateModelWarning,
        match=r"Every fit is degenerate.*fewest parameters, K=3 diag",
    ):
        result = select_model(X, [3, 4], covariance_types=["full", "diag"])
    assert all(r["status"] == "degenerate" for r in result.rows)
    assert result.best_n_components == 3 and result.best_covariance_type == "diag"


def test_selection_repr_is_a_short_table():
    result = select_model(old_faithful_rows(20), 6, covariance_types="full")
    text = repr(result)
    lines = text.splitlines()
    assert len(lines) == 2 + 6
    assert lines[0].startswith(f"SelectionResult(best: K={result.best_n_components}")
    assert "degenerate" in text and "rest" in text
    assert max(len(line) for line in lines) < 140


# ----------------------------------------------------------------- arguments
def test_covariance_types_takes_one_name_and_n_components_an_upper_bound():
    X = old_faithful_rows(60)
    result = select_model(X, 3, covariance_types="tied", random_state=0)
    assert [(r["n_components"], r["covariance_type"]) for r in result.rows] == [
        (1, "tied"),
        (2, "tied"),
        (3, "tied"),
    ]
    repeated = select_model(X, [2, 2], covariance_types=["diag", "diag"])
    assert len(repeated.rows) == 1


def test_covariance_type_singular_gets_a_pointer():
    X = old_faithful_rows(60)
    with pytest.raises(TypeError, match=r"did you mean covariance_types='full'"):
        select_model(X, covariance_type="full")
    with pytest.raises(TypeError, match=r"'max_iters'.*go to GaussianMixture"):
        select_model(X, max_iters=10)


# ----------------------------------------------------------------- compare_inits
def test_compare_inits_result_reads_as_a_dict_with_a_summary():
    X = old_faithful_rows(100)
    result = compare_inits(
        X, 2, inits=("kmeans", "random"), n_runs=4, random_state=0, tol=1e-3
    )
    assert isinstance(result, InitComparisonResult)
    assert list(result) == ["kmeans", "random"] and len(result) == 2
    assert dict(result.items())["kmeans"] is result["kmeans"]
    text = repr(result)
    assert len(text.splitlines()) == 1 + 1 + 2 and "array" not in text
    assert "array" not in repr(result["kmeans"])
    frame = result.to_frame()
    assert list(frame.init) == ["kmeans", "random"]
    for _, row in frame.iterrows():
        c = result[row["init"]]
        assert row["n_runs"] == 4 and row["n_optima"] == c.n_optima
        assert row["best_log_likelihood"] == np.nanmax(c.log_likelihoods)
        assert row["mean_n_iter"] == c.n_iter.mean()
    assert result.best_log_likelihood == max(frame.best_log_likelihood)
    assert compare_inits(X, 2, inits="kmeans", n_runs=2).keys() == {"kmeans"}


def test_default_search_finds_the_wine_cultivars():
    # 178 rows in 13-D: the old rule "as many parameters as rows" called
    # every full K >= 2 fit degenerate and the search answered K = 1. The
    # three cultivars are there to be found (K = 3 VVE, ARI 0.93 measured).
    from sklearn.datasets import load_wine
    from sklearn.metrics import adjusted_rand_score

    wine = load_wine()
    X = (wine.data - wine.data.mean(axis=0)) / wine.data.std(axis=0)
    result = select_model(X)
    assert result.best_n_components >= 2
    assert result.best_row["status"] == "ok"
    labels = result.best_model.predict(X)
    assert adjusted_rand_score(wine.target, labels) > 0.8


def test_the_same_search_gives_the_same_model_whatever_the_global_state():
    # The search draws its own seeds (random_state=0 by default): the global
    # NumPy state, changed between the calls, cannot reach it.
    X = np.asarray(load_old_faithful())
    np.random.seed(1)  # noqa: NPY002 - the legacy global state, on purpose
    first = select_model(X, n_components=range(1, 5))
    np.random.seed(2)  # noqa: NPY002
    second = select_model(X, n_components=range(1, 5))
    assert (first.best_n_components, first.best_covariance_type) == (3, "EEE")
    assert (second.best_n_components, second.best_covariance_type) == (3, "EEE")
    assert [r["log_likelihood"] for r in first.rows] == [
        r["log_likelihood"] for r in second.rows
    ]


def test_covariance_types_all_and_aliases():
    X = np.asarray(load_old_faithful())[::4]
    result = select_model(X, [2], covariance_types=["tied", "EEE", "VVV", "full"])
    # "tied" and "EEE" are one model, as are "VVV" and "full": fitted once each.
    assert [r["covariance_type"] for r in result.rows] == ["tied", "VVV"]
    with pytest.raises(ValueError, match=r"'EII'.*'VVV'"):
        select_model(X, [2], covariance_types=["bogus"])
    with pytest.raises(ValueError, match="stands alone"):
        select_model(X, [2], covariance_types=["all", "EEE"])
    with pytest.raises(TypeError, match="makes its own starts"):
        select_model(X, [2], init_params="random")
