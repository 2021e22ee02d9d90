"""Every example runs (quick sizes) and its numbers show the use case works."""

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gmmkit import examples
from gmmkit.examples._support import (
    adjusted_rand_index,
    format_table,
    matched_confusion,
    parse_args,
)

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"


def run_example(name, tmp_path):
    module = importlib.import_module(f"gmmkit.examples.{name}")
    out = tmp_path / name
    results = module.run(out, quick=True)
    return results, out


def assert_figures_written(results, out, expected):
    for name in expected:
        path = out / name
        assert path.is_file(), f"{name} was not written"
        assert path.stat().st_size > 5_000, f"{name} looks empty"
    assert set(expected) <= set(results["figures"])


# ------------------------------------------------------------------ support
@pytest.mark.skipif(not HAS_SKLEARN, reason="needs scikit-learn as the reference")
def test_adjusted_rand_index_matches_sklearn():
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    cases = [
        (rng.integers(0, 4, 200), rng.integers(0, 3, 200)),
        (rng.integers(0, 2, 50), rng.integers(0, 6, 50)),
        ([0, 0, 1, 1, 2, 2], [5, 5, 7, 7, 9, 9]),
        ([0, 0, 0, 0], [1, 1, 1, 1]),
        ([0, 1, 2, 3], [0, 0, 1, 1]),
    ]
    labels = rng.integers(0, 3, 300)
    noisy = np.where(rng.random(300) < 0.2, rng.integers(0, 3, 300), labels)
    cases.append((labels, noisy))
    for truth, pred in cases:
        assert adjusted_rand_index(truth, pred) == pytest.approx(
            adjusted_rand_score(truth, pred), abs=1e-12
        )


def test_adjusted_rand_index_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="one label per sample"):
        adjusted_rand_index([0, 1, 1], [0, 1])


def test_matched_confusion_finds_the_renaming():
    truth = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    pred = np.array([2, 2, 2, 0, 0, 1, 1, 1, 1, 1])
    confusion, accuracy, mapping = matched_confusion(truth, pred)
    assert mapping == {2: 0, 0: 1, 1: 2}
    assert accuracy == pytest.approx(9 / 10)
    np.testing.assert_array_equal(confusion, [[3, 0, 0], [0, 2, 1], [0, 0, 4]])


def test_format_table_and_arguments(tmp_path):
    table = format_table(["K", "BIC"], [[2, 10.5], [3, 8.25]])
    assert table.splitlines()[0].split() == ["K", "BIC"]
    assert "8.2500" in table
    args = parse_args("demo", "text", ["--out", str(tmp_path), "--quick"])
    assert args.out == tmp_path and args.quick
    assert parse_args("demo", "text", []).out == Path("gmmkit-examples/demo")


def test_registry_lists_every_example_file():
    on_disk = {p.stem for p in EXAMPLES_DIR.glob("*.py") if p.stem != "__init__"}
    assert set(examples.names()) == on_disk
    assert len(examples.names()) == 12
    with pytest.raises(ValueError, match="no example called"):
        examples.load("nope")


# ----------------------------------------------------------------- examples
def test_mixture_1d(tmp_path):
    r, out = run_example("mixture_1d", tmp_path)
    fit, truth = r["fit"], r["truth"]
    np.testing.assert_allclose(fit["means"], truth["means"], atol=0.3)
    np.testing.assert_allclose(fit["stds"], truth["stds"], atol=0.25)
    np.testing.assert_allclose(fit["weights"], truth["weights"], atol=0.1)
    assert all(k == 3 for k in r["best_k_by_seed"].values())
    for seed in (0, 1, 2):  # the likelihood alone always prefers more components
        values = [
            row["mean_log_likelihood"] for row in r["table"] if row["seed"] == seed
        ]
        assert values == sorted(values)
    assert_figures_written(r, out, ["mixture_1d_fit.png", "mixture_1d_bic.png"])


def test_old_faithful(tmp_path):
    r, out = run_example("old_faithful", tmp_path)
    short, long = r["regimes"]["short"], r["regimes"]["long"]
    assert short["duration"] == pytest.approx(2.04, abs=0.1)
    assert short["wait"] == pytest.approx(54.5, abs=1.5)
    assert long["duration"] == pytest.approx(4.29, abs=0.1)
    assert long["wait"] == pytest.approx(80.0, abs=1.5)
    assert long["weight"] == pytest.approx(0.64, abs=0.03)
    # select_model's search over mclust's 14 models: BIC takes three
    # components sharing one covariance, as mclust does; AIC, whose penalty
    # does not grow with n, more. The 1-D data have three true components.
    assert r["best"]["old_faithful"]["bic"] == (3, "EEE")
    assert r["best"]["old_faithful"]["aic"][0] > 3
    assert r["best"]["mixture_1d"]["bic"] == (3, "VII")
    assert len(r["criteria"]["old_faithful"]) == 5 * 14  # quick: K = 1..5
    assert {row["covariance_type"] for row in r["criteria"]["mixture_1d"]} == {
        "EII",
        "VII",
    }
    assert_figures_written(
        r,
        out,
        [
            "old_faithful_regimes.png",
            "old_faithful_criteria_old_faithful.png",
            "old_faithful_criteria_mixture_1d.png",
        ],
    )


def test_two_moons(tmp_path):
    r, out = run_example("two_moons", tmp_path)
    assert r["ari_2"] < 0.6  # two ellipses cannot follow the moons
    assert r["best_k"] >= 6 and r["best_model"]  # chosen among the 14 models
    assert r["heldout_best"] > r["heldout_2"] + 0.5
    assert_figures_written(r, out, ["two_moons_clusters.png", "two_moons_density.png"])


@pytest.mark.skipif(not HAS_SKLEARN, reason="needs scikit-learn as the reference")
def test_from_scratch_vs_reference(tmp_path):
    r, out = run_example("from_scratch_vs_reference", tmp_path)
    gaps = r["max_abs_diff"]
    assert gaps["means"] < 1e-8
    assert gaps["covariances"] < 1e-8
    assert gaps["weights"] < 1e-8
    assert gaps["mean_log_likelihood"] < 1e-10
    assert r["gmmkit"]["n_iter"] == r["sklearn"]["n_iter"]
    assert_figures_written(r, out, ["from_scratch_vs_reference.png"])


@pytest.mark.skipif(not HAS_SKLEARN, reason="the digits come with scikit-learn")
def test_digits(tmp_path):
    r, out = run_example("digits", tmp_path)
    assert r["accuracy"] > 0.7
    assert r["confusion"].sum() == 1797
    # PCA + more components: samples closer to real digits than the 10
    # pixel-space components give, on the same scale as real held-out images.
    assert r["distance_pca"] < r["distance_pixels"]
    assert abs(r["distance_pca"] - r["distance_real"]) < abs(
        r["distance_pixels"] - r["distance_real"]
    )
    assert_figures_written(
        r,
        out,
        [
            "digits_confusion.png",
            "digits_component_means.png",
            "digits_samples.png",
            "digits_generated_compared.png",
        ],
    )


def test_time_series(tmp_path):
    r, out = run_example("time_series", tmp_path)
    assert r["accuracy"] == 1.0
    np.testing.assert_array_equal(r["confusion"], [[30, 0], [0, 30]])
    assert_figures_written(
        r, out, ["time_series_clusters.png", "time_series_confusion.png"]
    )


def test_gmm_vs_kmeans(tmp_path):
    r, out = run_example("gmm_vs_kmeans", tmp_path)
    assert r["ari_gmm"] > 0.8
    assert r["ari_kmeans"] < 0.5
    most = [max(p["proba"]) for p in r["most_ambiguous"]]
    least = [max(p["proba"]) for p in r["least_ambiguous"]]
    assert max(most) < 0.9 < min(least)
    assert_figures_written(
        r, out, ["gmm_vs_kmeans_labels.png", "gmm_vs_kmeans_uncertainty.png"]
    )


def test_anomalies(tmp_path):
    r, out = run_example("anomalies", tmp_path)
    assert r["fraction_flagged"] == pytest.approx(0.05, abs=1 / r["n_samples"])
    assert r["recall"] >= 0.5  # planted points inside a cluster cannot be seen
    assert_figures_written(r, out, ["anomalies.png"])


def test_outliers(tmp_path):
    r, out = run_example("outliers", tmp_path)
    plain = r["plain"]
    for robust in (r["noise"], r["student_t"]):
        assert robust["max_mean_error"] < 0.3
        assert robust["max_mean_error"] < plain["max_mean_error"] / 3
        assert robust["ari_inliers"] > plain["ari_inliers"]
        assert robust["inlier_log_likelihood"] > plain["inlier_log_likelihood"]
    assert r["noise_outliers_caught"] > 0.7
    assert_figures_written(r, out, ["outliers_three_fits.png"])


def test_initialisation(tmp_path):
    r, out = run_example("initialisation", tmp_path)
    blobs = r["five blobs (K = 5)"]["per_init"]
    kmeans, random = blobs["kmeans"], blobs["random"]
    assert kmeans["mean_iterations"] < random["mean_iterations"] / 3
    assert kmeans["n_optima"] == 1 and kmeans["best_fraction"] == 1.0
    assert random["n_optima"] > 1
    assert kmeans["best_log_likelihood"] == pytest.approx(
        r["five blobs (K = 5)"]["global_best"], abs=1e-4
    )
    assert_figures_written(r, out, ["initialisation_starts.png"])


def test_bayesian(tmp_path):
    r, out = run_example("bayesian", tmp_path)
    assert r["n_kept"] == r["n_true"] == 4
    # The kept weights are the true ones (both sorted, heaviest first).
    np.testing.assert_allclose(r["weights"][:4], r["true_weights"], atol=0.07)
    assert r["weights"][4:].sum() < 0.03
    assert_figures_written(r, out, ["bayesian_components.png"])


def test_em_movie(tmp_path):
    r, out = run_example("em_movie", tmp_path)
    assert r["converged"]
    assert r["largest_decrease"] < 1e-10  # EM never lowers the likelihood
    assert r["n_snapshots"] == r["n_iter"] + 1
    page = (out / "em_explorer.html").read_text(encoding="utf-8")
    assert "<html" in page.lower()
    # Self-contained: nothing loaded from the network (the SVG namespace URI
    # is a name, not a request).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert (out / "em_movie.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    assert_figures_written(r, out, ["em_snapshots.png", "em_log_likelihood.png"])


def test_example_runs_as_a_script(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES_DIR / "time_series.py"),
            "--quick",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Accuracy of the 2 clusters against the true periods: 1.000" in (
        completed.stdout
    )
    assert (tmp_path / "time_series_clusters.png").is_file()


def test_main_prints_the_numbers(tmp_path, capsys):
    assert examples.load("bayesian").main(["--quick", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Kept (weight > 0.01): 4" in printed


@pytest.fixture
def without_sklearn(monkeypatch):
    """Make the examples believe scikit-learn is not installed."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_examples_say_so_without_sklearn(tmp_path, capsys, without_sklearn):
    digits = examples.load("digits")
    assert digits.main(["--quick", "--out", str(tmp_path / "d")]) == 0
    assert "pip install 'gmmkit[examples]'" in capsys.readouterr().out
    assert not list((tmp_path / "d").glob("*.png"))

    reference = examples.load("from_scratch_vs_reference")
    assert reference.main(["--quick", "--out", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out
    assert "scikit-learn is not installed" in printed
    assert "gmmkit[examples]" in printed
    assert (tmp_path / "r" / "from_scratch_vs_reference.png").is_file()
