"""Degenerate fits, judged per component: the rules, the fit warning, compare_inits."""

import warnings

import numpy as np
import pytest
from conftest import three_clusters
from sklearn.datasets import load_wine
from sklearn.metrics import adjusted_rand_score

import gmmkit.degeneracy as degeneracy_module
from gmmkit import BayesianGaussianMixture, GaussianMixture, compare_inits
from gmmkit.datasets import load_old_faithful
from gmmkit.degeneracy import (
    component_degeneracy,
    data_covariance,
    degeneracy,
    mixture_covariance,
)
from gmmkit.exceptions import DegenerateModelWarning


def faithful():
    return np.asarray(load_old_faithful(), dtype=float)


def two_clouds_and_a_pair():
    """Two clouds of 100 points and, far above them, a pair of points."""
    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            rng.normal([0.0, 0.0], 1.0, (100, 2)),
            rng.normal([10.0, 0.0], 1.0, (100, 2)),
            [[5.0, 30.0], [6.0, 31.0]],
        ]
    )
    return X, [[0.0, 0.0], [10.0, 0.0], [5.5, 30.5]]


def fit_quietly(model, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateModelWarning)
        return model.fit(X, **kwargs)


# ------------------------------------------------------------------ the rules
def test_wine_full_three_components_is_not_degenerate():
    # 178 rows in 13-D: a full K = 3 mixture has 314 free parameters, more
    # than there are rows, yet each component rests on ~60 points, more than
    # the 14 a 13-D covariance needs. The old rule (parameters >= rows)
    # called it degenerate.
    wine = load_wine()
    X = (wine.data - wine.data.mean(axis=0)) / wine.data.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
        model = GaussianMixture(3, n_init=5, random_state=0).fit(X)
    assert model._n_parameters() == 314 > len(X)
    assert degeneracy(model, X) == []
    assert not component_degeneracy(model, len(X))
    assert (model.weights_ * len(X)).min() > 14
    assert adjusted_rand_score(wine.target, model.predict(X)) > 0.85


def test_a_component_on_two_points_is_named_with_both_reasons():
    X, means = two_clouds_and_a_pair()
    model = fit_quietly(GaussianMixture(3, means_init=means), X)
    assert np.sort(model.weights_ * len(X)).round(6).tolist()[0] == 2.0
    found = component_degeneracy(model, len(X), data_covariance(X))
    assert found and found.degenerate == [2]
    notes = " ".join(found.components[2])
    assert "rests on 2 points, 3 needed" in notes
    assert "flat at the reg_covar floor" in notes  # two points lie on a line
    assert found.reasons[0] == (
        "component 2 rests on as few as 2 points of data; 3 are needed to "
        "estimate a full covariance in 2-D"
    )
    assert "component 2 is flat" in found.reasons[1]
    assert degeneracy(model, X) == list(found.reasons)
    # The same model judged by its own total covariance (no data needed).
    assert component_degeneracy(model, len(X)).components == found.components


def test_a_component_at_the_reg_covar_floor_with_many_points():
    # 30 points share one y value: enough points, but the component's variance
    # along y is reg_covar alone while the data vary along y.
    rng = np.random.default_rng(0)
    line = np.column_stack([rng.normal(0, 1, 30), np.full(30, 5.0)])
    X = np.vstack([line, rng.normal(0, 1, (60, 2))])
    model = fit_quietly(GaussianMixture(2, random_state=0), X)
    on_line = int(np.argmin(np.linalg.eigvalsh(model.covariances_)[:, 0]))
    found = component_degeneracy(model, len(X))
    assert found.degenerate == [on_line]
    (note,) = found.components[on_line]
    assert note.startswith("flat at the reg_covar floor (1e-06)")
    assert "rest" not in " ".join(found.reasons)


def test_a_shared_covariance_with_too_few_residuals_marks_every_component():
    X = faithful()[:5]
    model = fit_quietly(GaussianMixture(4, covariance_type="tied", random_state=0), X)
    found = component_degeneracy(model, len(X))
    assert found.degenerate == [0, 1, 2, 3]
    assert "leave 1 degrees of freedom for the tied covariance" in found.reasons[0]
    assert all(
        "residual degrees of freedom" in found.components[k][0] for k in range(4)
    )


def test_the_mixtures_total_covariance_is_the_datas_at_a_fixed_point():
    X = faithful()
    counts = np.random.default_rng(1).integers(1, 4, len(X))
    for covariance_type in ("full", "tied"):
        model = GaussianMixture(
            2, covariance_type=covariance_type, tol=1e-10, max_iter=1000, random_state=0
        ).fit(X, sample_weight=counts)
        expected = data_covariance(X, counts.astype(float)) + 1e-6 * np.eye(2)
        np.testing.assert_allclose(mixture_covariance(model), expected, rtol=1e-6)


# ------------------------------------------------------------- the fit warning
def test_fit_warns_about_a_degenerate_fit_and_says_what_to_try():
    X, means = two_clouds_and_a_pair()
    pattern = (
        r"degenerate: component 2 rests on as few as 2 points.*component 2 is "
        r"flat.*fewer components \(now 3\), a larger reg_covar \(now 1e-06\) or "
        r"a constrained covariance type such as 'tied'"
    )
    with pytest.warns(DegenerateModelWarning, match=pattern) as record:
        GaussianMixture(3, means_init=means).fit(X)
    assert record[0].filename == __file__  # points at the caller's line
    with pytest.warns(DegenerateModelWarning, match="component 2"):
        GaussianMixture(3, means_init=means).fit_predict(X)


def test_the_fit_warning_reads_no_data(monkeypatch):
    # It is judged from the parameters: the data's moments are never taken.
    def refuse(*args, **kwargs):
        raise AssertionError("the warning computed the data's covariance")

    monkeypatch.setattr(degeneracy_module, "weighted_moments", refuse)
    X, means = two_clouds_and_a_pair()
    with pytest.warns(DegenerateModelWarning, match="component 2"):
        GaussianMixture(3, means_init=means).fit(X)


def test_the_fit_warning_works_on_dask_arrays():
    da = pytest.importorskip("dask.array")
    X, means = two_clouds_and_a_pair()
    with pytest.warns(DegenerateModelWarning, match="component 2 rests on"):
        GaussianMixture(3, means_init=means).fit(da.from_array(X, chunks=64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_healthy_fits_do_not_warn(dtype, covariance_type):
    X, _ = three_clusters(n_samples=300, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
        GaussianMixture(2, random_state=0).fit(faithful().astype(dtype))
        GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(
            X.astype(dtype)
        )


def test_variational_fits_are_not_judged():
    # Unneeded components get weights near 0 by design: not degenerate.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
        warnings.simplefilter("ignore", UserWarning)  # convergence
        model = BayesianGaussianMixture(8, random_state=0).fit(faithful())
    assert (model.weights_ * 272).min() < 3


# -------------------------------------------------------------- compare_inits
def test_compare_inits_never_calls_a_collapsed_optimum_the_best():
    X = faithful()
    settings = {"init_params": "random_from_data", "tol": 1e-6, "max_iter": 500}
    result = compare_inits(X, 3, inits="random_from_data", n_runs=8, random_state=17)
    # The same eight runs, refitted here: compare_inits seeds run i with the
    # i-th draw of default_rng(random_state).
    rng = np.random.default_rng(17)
    fits = [
        fit_quietly(
            GaussianMixture(3, random_state=int(rng.integers(2**32)), **settings), X
        )
        for _ in range(8)
    ]
    scores = np.array([m.score(X) for m in fits])
    smallest = np.array([np.linalg.eigvalsh(m.covariances_).min() for m in fits])
    top = fits[int(np.argmax(scores))]
    # The most likely run collapsed: a component flat at reg_covar, on rows
    # that all share one waiting time.
    k = int(np.argmin(np.linalg.eigvalsh(top.covariances_)[:, 0]))
    assert smallest[np.argmax(scores)] == pytest.approx(1e-6, rel=1e-3)
    assert np.unique(X[top.predict(X) == k, 1]).size == 1
    assert result["random_from_data"].highest_log_likelihood == pytest.approx(
        scores.max(), abs=1e-9
    )
    # The best reported is the most likely of the sound runs.
    sound = scores[smallest > 1e-4]
    assert result.best_log_likelihood == pytest.approx(sound.max(), abs=1e-4)
    assert result.best_log_likelihood < scores.max() - 0.1
    optima = result.optima()
    assert optima[0]["degenerate"] and not optima[0]["best"]
    assert f"component {k} is flat" in optima[0]["reason"]
    (best,) = [o for o in optima if o["best"]]
    assert (
        not best["degenerate"] and best["log_likelihood"] == result.best_log_likelihood
    )
    comparison = result["random_from_data"]
    assert comparison.n_degenerate == int(np.sum(smallest < 1e-4)) >= 1
    assert comparison.degenerate[0] == optima[0]["reason"]
    text = repr(result)
    assert f"best mean log-likelihood {result.best_log_likelihood:.6g}" in text
    assert f"degenerate optimum {scores.max():.6g}" in text and "never the best" in text
    assert result.to_frame().loc[0, "n_degenerate"] == comparison.n_degenerate


def test_compare_inits_says_so_when_every_optimum_is_degenerate():
    # Six points cannot give three 2-D components three points each.
    result = compare_inits(faithful()[:6], 3, inits="kmeans", n_runs=3, random_state=0)
    comparison = result["kmeans"]
    assert comparison.n_degenerate == 3 - comparison.n_failed > 0
    assert result.all_degenerate and np.isnan(result.best_log_likelihood)
    assert np.isnan(comparison.best_log_likelihood) and comparison.best_fraction == 0
    assert np.isfinite(comparison.highest_log_likelihood)
    assert not any(o["best"] for o in result.optima())
    assert "every optimum reached is degenerate: no best" in repr(result)


def test_compare_inits_on_healthy_optima_marks_nothing():
    result = compare_inits(faithful(), 2, inits="kmeans", n_runs=2, random_state=0)
    assert result["kmeans"].n_degenerate == 0
    assert result["kmeans"].degenerate == [""] * result["kmeans"].n_optima
    assert result.best_log_likelihood == result["kmeans"].highest_log_likelihood
    assert "degenerate optimum" not in repr(result)
