"""The command line: every command with good and bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gmmkit import GaussianMixture, __version__, select_model
from gmmkit.cli import app, parse_k_range
from gmmkit.datasets import load_old_faithful
from gmmkit.io import read_table
from gmmkit.persistence import load, read, save

try:  # Click >= 8.2 always separates stderr; older versions need asking
    runner = CliRunner(mix_stderr=False)
except TypeError:
    runner = CliRunner()

FAITHFUL = load_old_faithful()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_fails(result, match):
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    # Exactly one line: no blank line (e.g. from a progress bar) around it.
    assert len(lines) == 1 and result.stderr.endswith("\n"), repr(result.stderr)
    assert lines[0].startswith("Error: ") and match in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.fixture
def faithful_csv(tmp_path):
    path = tmp_path / "faithful.csv"
    rows = "".join(f"{x!r},{y!r}\n" for x, y in FAITHFUL.tolist())
    path.write_text("eruptions,waiting\n" + rows)
    return path


@pytest.fixture
def model_file(tmp_path, faithful_csv):
    path = tmp_path / "model.npz"
    result = run("fit", faithful_csv, "-k", 2, "--seed", 0, "-o", path)
    assert result.exit_code == 0, result.output
    return path


# ---------------------------------------------------------------------- fit
def test_fit_writes_a_model_and_prints_the_components(tmp_path, faithful_csv):
    out = tmp_path / "m.npz"
    result = run("fit", faithful_csv, "-k", "2", "--seed", "0", "-o", out)
    assert result.exit_code == 0, result.output
    assert "2-component full GMM" in result.output
    assert "54.48" in result.output and "79.97" in result.output
    loaded = read(out)
    assert loaded.info["columns"] == ["eruptions", "waiting"]
    assert list(loaded.model.feature_names_in_) == ["eruptions", "waiting"]
    reference = GaussianMixture(2, random_state=0).fit(FAITHFUL)
    np.testing.assert_allclose(
        np.sort(loaded.model.means_[:, 1]), np.sort(reference.means_[:, 1]), rtol=1e-6
    )


def test_commands_print_nothing_to_stderr_when_all_is_well(
    tmp_path, faithful_csv, model_file
):
    out = tmp_path / "m.npz"
    for args in [
        ("fit", faithful_csv, "-k", 2, "-o", out),
        ("fit", faithful_csv, "--max-k", 2, "-o", out),
        ("select", faithful_csv, "--k", "1-2", "--covariance", "full"),
        ("predict", model_file, faithful_csv, "-o", tmp_path / "p.csv"),
        ("sample", model_file, "-n", 3, "-o", tmp_path / "s.csv"),
    ]:
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert result.stderr == "", (args[0], repr(result.stderr))


def test_components_table_is_in_component_order_with_four_figures(
    tmp_path, faithful_csv
):
    import re

    out = tmp_path / "m.npz"
    result = run("fit", faithful_csv, "-k", 2, "--seed", 0, "-o", out)
    assert result.exit_code == 0, result.output
    model = load(out)
    rows = re.findall(r"│\s+(\d+) │\s+([\d.]+)(\*?) │ ([^│]*)│ ([^│]*)│", result.stdout)
    assert [int(r[0]) for r in rows] == [0, 1]  # the labels predict writes
    heaviest = int(np.argmax(model.weights_))
    assert [r[2] == "*" for r in rows] == [k == heaviest for k in range(2)]
    assert "* the heaviest component" in result.stdout
    for k, (_, weight, _, mean, cov) in enumerate(rows):
        assert float(weight) == pytest.approx(model.weights_[k], abs=5e-5)
        assert mean.split() == [f"{v:#.4g}," for v in model.means_[k][:1]] + [
            f"{model.means_[k][1]:#.4g}"
        ]
        sd = np.sqrt(np.diag(model.covariances_[k]))
        assert f"sd {sd[0]:#.4g}, {sd[1]:#.4g};" in cov  # e.g. 6.002, not 6
    assert "sd 0.4121, 6.002" in result.stdout


def test_fit_model_path_must_look_like_a_model(tmp_path, faithful_csv):
    for name in ["model.csv", "model.png"]:
        assert_fails(
            run("fit", faithful_csv, "-k", 2, "-o", tmp_path / name),
            "give a name ending in .npz",
        )
        assert not (tmp_path / name).exists()
    before = faithful_csv.read_bytes()
    assert_fails(run("fit", faithful_csv, "-k", 2, "-o", faithful_csv), ".npz")
    assert faithful_csv.read_bytes() == before
    result = run("fit", faithful_csv, "-k", 2, "-o", tmp_path / "model.gmm")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: model.gmm does not end in .npz; it is written as a gmmkit model "
        "(.npz archive) all the same.\n"
    )
    assert load(tmp_path / "model.gmm").n_components == 2


def test_fit_warns_about_a_constant_column(tmp_path):
    data = tmp_path / "c.csv"
    data.write_text("a,b,c\n" + "".join(f"{i},5,{i % 3}\n" for i in range(30)))
    result = run("fit", data, "-k", 1, "-o", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Warning: column 'b' is constant (5); it tells the components nothing, and "
        "its fitted spread is only the reg_covar floor. Leave it out with --columns."
    ]


def test_fit_auto_chooses_k_and_model_by_bic(tmp_path, faithful_csv):
    out = tmp_path / "m.npz"
    result = run("fit", faithful_csv, "-k", "auto", "--max-k", 4, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "Chosen by BIC: K=3, EEE (BIC 2314.30), the lowest of 56 fits (K = 1..4; "
        "14 covariance models). Next: K=4, EEE (BIC 2320.14)."
    )
    assert "3-component EEE GMM" in result.stdout
    model = load(out)
    assert (model.n_components, model.covariance_type) == (3, "EEE")
    # --covariance narrows the search; one model at a fixed K is one fit.
    result = run(
        "fit", faithful_csv, "--covariance", "full,diag", "--max-k", 3, "-o", out
    )
    assert "K=2, full (BIC 2322.19)" in result.stdout
    assert "6 fits (K = 1..3; full, diag)" in result.stdout
    result = run("fit", faithful_csv, "-k", 3, "--covariance", "EEV,VEV", "-o", out)
    assert (
        "Chosen by BIC: K=3, EEV" in result.stdout
        and "2 fits (K = 3; EEV, VEV)" in result.stdout
    )
    assert load(out).covariance_type == "EEV"
    result = run("fit", faithful_csv, "-k", 3, "--covariance", "eev", "-o", out)
    assert result.exit_code == 0 and "Chosen" not in result.stdout
    assert "3-component EEV GMM" in result.stdout


def test_fit_auto_has_no_parameter_cap_and_stops_at_the_distinct_rows(tmp_path):
    data = tmp_path / "small.csv"
    rows = np.random.default_rng(0).normal(size=(20, 2))
    data.write_text("a,b\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows.tolist()))
    out = tmp_path / "m.npz"
    # 20 rows: K = 4 full has 23 parameters, once refused; now the search
    # judges each fit (degenerate ones are never chosen).
    result = run("fit", data, "--max-k", 5, "-o", out)
    assert result.exit_code == 0, result.output
    assert "70 fits (K = 1..5; 14 covariance models)" in result.stdout
    assert "capped" not in result.stdout
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("a,b\n1,2\n3,5\n4,4\n1,2\n3,5\n2,7\n")
    result = run("fit", repeated, "-o", out)
    assert result.exit_code == 0, result.output
    assert "(K = 1..4; 14 covariance models); K stops at 4: the data have 4 " in (
        result.stdout
    )
    assert "distinct rows." in result.stdout and "degenerate" in result.stdout


def test_fit_standardize_searches_the_models_that_rescale(tmp_path, faithful_csv):
    out = tmp_path / "m.npz"
    result = run("fit", faithful_csv, "--standardize", "--max-k", 2, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "--standardize: searching EEI, VEI, EVI, VVI, EEE, VEE, EVV, VVV; EII, VII, "
        "EVE, VVE, EEV, VEV would not keep their form in the data's units."
    )
    assert "on standardised columns" in result.stdout
    assert_fails(
        run("fit", faithful_csv, "--standardize", "--covariance", "EEV,VEV", "-o", out),
        "--standardize with --covariance EEV",
    )


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_fit_standardize_stores_a_model_in_data_units(tmp_path, faithful_csv):
    out = tmp_path / "m.npz"
    result = run(
        "fit",
        faithful_csv,
        "-k",
        2,
        "--standardize",
        "--covariance",
        "diag",
        "--seed",
        0,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    model_file = read(out)
    scale = np.array(model_file.info["standardize"]["scale"])
    np.testing.assert_allclose(scale, FAITHFUL.std(axis=0))
    # The means are in minutes, not standard units.
    assert model_file.model.means_[:, 1].min() > 50
    direct = GaussianMixture(2, covariance_type="diag", random_state=0).fit(
        (FAITHFUL - FAITHFUL.mean(0)) / scale
    )
    np.testing.assert_array_equal(
        model_file.model.predict(FAITHFUL),
        direct.predict((FAITHFUL - FAITHFUL.mean(0)) / scale),
    )
    np.testing.assert_allclose(
        model_file.model.score_samples(FAITHFUL),
        direct.score_samples((FAITHFUL - FAITHFUL.mean(0)) / scale)
        - np.log(scale).sum(),
        rtol=1e-10,
    )
    # sample gives data in the original units
    samples = tmp_path / "s.csv"
    assert run("sample", out, "-n", 500, "--seed", 1, "-o", samples).exit_code == 0
    X, _ = read_table(samples, columns="eruptions,waiting")
    assert 60 < X[:, 1].mean() < 80


def test_fit_chosen_columns_of_a_file_with_text(tmp_path):
    path = tmp_path / "d.csv"
    rows = "".join(f"{x!r},geyser,{y!r}\n" for x, y in FAITHFUL.tolist())
    path.write_text("eruptions,site,waiting\n" + rows)
    result = run("fit", path, "-k", 2, "-o", tmp_path / "m.npz")
    assert_fails(result, "non-numeric column(s) 'site'")
    assert not (tmp_path / "m.npz").exists()
    result = run(
        "fit", path, "-k", 2, "--columns", "eruptions,waiting", "-o", tmp_path / "m.npz"
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("a,b\n1,2\n3\n4,5\n", "line 3 has 1 fields"),
        ("a,b\n1,2\n3,x\n4,5\n", "non-numeric value 'x' at line 3, column 'b'"),
        ("a,b\n1,2\n3,NA\n4,5\n", "missing value (NaN) at line 3, column 'b'"),
    ],
)
def test_fit_bad_data(tmp_path, content, message):
    path = tmp_path / "d.csv"
    path.write_text(content)
    out = tmp_path / "m.npz"
    assert_fails(run("fit", path, "-k", 1, "-o", out), message)
    assert not out.exists()


def test_fit_bad_arguments(tmp_path, faithful_csv):
    out = tmp_path / "m.npz"
    assert_fails(run("fit", tmp_path / "nope.csv", "-o", out), "no such file")
    assert_fails(run("fit", faithful_csv, "-k", 500, "-o", out), "272 rows")
    assert_fails(run("fit", faithful_csv, "-k", "two", "-o", out), "-k 'two'")
    assert_fails(
        run("fit", faithful_csv, "--columns", "eruptions,speed", "-o", out),
        "no column 'speed'; available: 'eruptions', 'waiting'",
    )
    assert_fails(
        run("fit", faithful_csv, "--covariance", "round", "-o", out), "--covariance"
    )
    assert_fails(
        run(
            "fit", faithful_csv, "--standardize", "--covariance", "spherical", "-o", out
        ),
        "spherical",
    )
    assert not out.exists()


def test_fit_unwritable_output_leaves_nothing(tmp_path, faithful_csv):
    (tmp_path / "file").write_text("x")
    result = run("fit", faithful_csv, "-k", 2, "-o", tmp_path / "file" / "m.npz")
    assert_fails(result, "is a file, not a folder")
    result = run("fit", faithful_csv, "-k", 2, "-o", tmp_path / "no" / "m.npz")
    assert_fails(result, "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faithful.csv", "file"]


# ------------------------------------------------------------------- select
def test_select_marks_the_best(faithful_csv):
    result = run(
        "select", faithful_csv, "--k", "1-3", "--covariance", "full,diag", "--seed", 0
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    grid = [line.split() for line in lines[: lines.index("* the chosen fit")]]
    assert lines[0] == "BIC of every fit (lower is better):"
    assert grid[1] == ["K", "full", "diag"]
    assert grid[4] == ["2", "2322.2*", "2346.1"]  # K = 2 full, marked
    assert "chosen" in next(line for line in lines if "2322.19" in line)
    assert result.stdout.endswith(
        "Best by BIC: K=2, full (BIC 2322.19), the lowest of 6 fits (K = 1..3; "
        "full, diag).\n"
    )
    long = run("select", faithful_csv, "--k", "1-3", "--covariance", "full", "--long")
    assert (
        "Model selection by BIC" in long.stdout and "│ best │ 2 │ full" in long.stdout
    )


def test_select_criteria_and_bad_ranges(faithful_csv):
    result = run(
        "select",
        faithful_csv,
        "--k",
        "2,3",
        "--covariance",
        "tied",
        "--criterion",
        "icl",
        "--seed",
        0,
    )
    assert result.exit_code == 0 and "ICL" in result.output
    assert "Best by ICL: K=2, tied (ICL " in result.stdout
    assert_fails(run("select", faithful_csv, "--criterion", "mdl"), "--criterion")
    assert_fails(run("select", faithful_csv, "--k", "3-1"), "--k '3-1'")
    assert_fails(run("select", faithful_csv, "--k", "a"), "--k 'a'")
    assert_fails(run("select", faithful_csv, "--covariance", "full,box"), "'box'")
    assert_fails(run("select", faithful_csv, "--k", "300-301"), "larger than")


def test_covariance_names_the_eighteen_models_and_all(tmp_path, faithful_csv):
    from gmmkit.cli import parse_covariance_types
    from gmmkit.covariance import MCLUST_NAMES, MODEL_NAMES

    assert parse_covariance_types("all") == list(MCLUST_NAMES)
    assert parse_covariance_types("EEV") == ["EEV"]
    assert parse_covariance_types("EEV, vev,full,EEV") == ["EEV", "VEV", "full"]
    listed = ", ".join(MODEL_NAMES) + ", or all"
    for command in [
        ("select", faithful_csv),
        ("fit", faithful_csv, "-o", tmp_path / "m.npz"),
        ("report", faithful_csv, "-o", tmp_path / "r"),
    ]:
        result = run(*command, "--covariance", "bogus")
        assert_fails(result, "--covariance 'bogus': unknown covariance model 'bogus'")
        assert listed in result.stderr
    result = run("select", faithful_csv, "-k", "1-3", "--covariance", "EEV")
    assert result.exit_code == 0, result.output
    assert "Best by BIC: K=3, EEV (BIC 2325.20)" in result.stdout


def test_fits_that_cannot_be_made_are_rows_with_their_reason(tmp_path):
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,b\n1,2\n3,5\n4,4\n")
    result = run("select", tiny, "-k", "1-5", "--covariance", "EEV,VEV,full,EII")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[6].split() == ["4", "–", "–", "–", "–"]  # K = 4: no fit at all
    assert lines[4].split()[1].startswith("(")  # K = 2 EEV: degenerate
    assert (
        "Not fitted, more components (4) than samples (3): K=4 (every model)." in lines
    )
    assert "* the chosen fit; (…) degenerate, never chosen; – not fitted" in lines
    assert "8 could not be made; never chosen." in result.stdout


# ------------------------------------------- one search behind every command
EXPECTED_CHOICE = {"faithful": (3, "EEE"), "iris": (2, "VEV")}


@pytest.fixture(scope="module")
def search_data(tmp_path_factory):
    """Old Faithful and R's iris (mclust's fixture) as CSV files, and as arrays."""
    fixture = Path(__file__).parent / "data" / "mclust" / "models.json"
    iris = np.asarray(json.loads(fixture.read_text())["data"]["iris"], dtype=float)
    folder = tmp_path_factory.mktemp("search")
    data = {}
    for name, X in [("faithful", FAITHFUL), ("iris", iris)]:
        path = folder / f"{name}.csv"
        header = ",".join(f"x{j}" for j in range(X.shape[1]))
        path.write_text(
            header + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in X.tolist())
        )
        data[name] = (path, X)
    return data


@pytest.mark.parametrize("name", ["faithful", "iris"])
def test_fit_auto_select_and_report_choose_what_select_model_chooses(
    name, search_data, tmp_path
):
    # K = 1..4 holds both answers (mclust's too) and keeps the searches short.
    path, X = search_data[name]
    direct = select_model(X, range(1, 5))
    k, model = EXPECTED_CHOICE[name]
    assert (direct.best_n_components, direct.best_covariance_type) == (k, model)
    chosen = f"K={k}, {model} (BIC {direct.best_row['bic']:.2f})"
    fitted = run("fit", path, "--max-k", 4, "-o", tmp_path / "m.npz")
    assert fitted.exit_code == 0, fitted.output
    assert fitted.stdout.startswith(f"Chosen by BIC: {chosen}")
    saved = load(tmp_path / "m.npz")
    assert (saved.n_components, saved.covariance_type) == (k, model)
    np.testing.assert_allclose(saved.means_, direct.best_model.means_)
    selected = run("select", path, "-k", "1-4")
    assert selected.exit_code == 0, selected.output
    assert f"Best by BIC: {chosen}" in selected.stdout
    out = tmp_path / "report"
    reported = run("report", path, "--max-k", 4, "--n-init", 2, "-o", out)
    assert reported.exit_code == 0, reported.output
    assert reported.stdout.startswith(f"Chosen by BIC: {chosen}")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"BIC chose {k} components with covariance model {model} (" in page


def _bound(args, kwargs):
    """A select_model call's arguments, defaults filled in."""
    import inspect

    bound = inspect.signature(select_model).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def test_every_command_makes_select_models_default_call(
    monkeypatch, tmp_path, faithful_csv
):
    """fit -k auto, select and report call select_model as select_model(X) does."""
    from gmmkit.cli import _search
    from gmmkit.covariance import MCLUST_NAMES
    from gmmkit.report import fitting

    calls, default = [], _bound((FAITHFUL,), {})
    result_of_default = select_model(FAITHFUL, [3], ["EEE"])  # stands in for it

    def spy(*args, **kwargs):
        calls.append(_bound(args, kwargs))
        return result_of_default

    monkeypatch.setattr(_search, "select_model", spy)
    monkeypatch.setattr(fitting, "select_model", spy)
    out = tmp_path / "m.npz"
    assert run("fit", faithful_csv, "-o", out).exit_code == 0
    assert run("select", faithful_csv).exit_code == 0
    assert (
        run("report", faithful_csv, "--n-init", 1, "-o", tmp_path / "r").exit_code == 0
    )
    assert len(calls) == 3
    for call in calls:
        assert list(call["n_components"]) == list(default["n_components"])
        types = call["covariance_types"]
        assert list(MCLUST_NAMES if types == "all" else types) == list(MCLUST_NAMES)
        assert default["covariance_types"] == "all"
        for key in (
            "criterion",
            "n_init",
            "random_state",
            "sample_weight",
            "gmm_params",
        ):
            assert call[key] == default[key], key


def test_parse_k_range():
    assert parse_k_range("1-4") == [1, 2, 3, 4]
    assert parse_k_range("2,4,6-8, 3") == [2, 3, 4, 6, 7, 8]


# ------------------------------------------------------------------ predict
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_predict_writes_one_row_per_input_row(tmp_path, faithful_csv, model_file):
    out = tmp_path / "p.csv"
    result = run(
        "predict",
        model_file,
        faithful_csv,
        "--proba",
        "--anomaly-quantile",
        0.05,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    X, names = read_table(out)
    assert names == [
        "eruptions",
        "waiting",
        "label",
        "p0",
        "p1",
        "log_density",
        "anomaly",
    ]
    assert X.shape[0] == 272
    model = load(model_file)
    np.testing.assert_array_equal(X[:, 2], model.predict(FAITHFUL))
    np.testing.assert_allclose(X[:, 3:5].sum(axis=1), 1.0)
    np.testing.assert_array_equal(X[:, 5], model.score_samples(FAITHFUL))
    # The threshold is the training data's 5% quantile: about 5% flagged.
    expected = model.score_samples(FAITHFUL) < np.quantile(
        model.score_samples(FAITHFUL), 0.05
    )
    np.testing.assert_array_equal(X[:, 6].astype(bool), expected)
    assert f"{int(expected.sum())} anomalies" in result.output


def test_predict_flags_relative_to_the_training_data(tmp_path, model_file):
    # One ordinary eruption and one far-off point, predicted on their own.
    path = tmp_path / "new.csv"
    path.write_text("waiting,eruptions\n80,4.3\n10,9\n")  # other column order
    out = tmp_path / "p.csv"
    result = run("predict", model_file, path, "--anomaly-quantile", 0.01, "-o", out)
    assert result.exit_code == 0, result.output
    X, names = read_table(out)
    assert names[:2] == ["eruptions", "waiting"]  # picked by name
    assert X[:, -1].tolist() == [0, 1]


def test_predict_on_what_sample_wrote(tmp_path, model_file):
    samples, out = tmp_path / "s.csv", tmp_path / "p.csv"
    assert (
        run("sample", model_file, "-n", 50, "--seed", 3, "-o", samples).exit_code == 0
    )
    result = run("predict", model_file, samples, "-o", out)
    assert result.exit_code == 0, result.output
    drawn, _ = read_table(samples)
    labelled, names = read_table(out)
    assert names == ["eruptions", "waiting", "label", "log_density"]
    np.testing.assert_array_equal(labelled[:, :2], drawn[:, :2])
    # Draws from well-separated components are labelled with their component.
    assert (labelled[:, 2] == drawn[:, 2]).mean() > 0.9


def test_predict_npy_and_python_saved_model(tmp_path):
    np.save(tmp_path / "d.npy", FAITHFUL)
    model_path = save(
        GaussianMixture(2, random_state=0).fit(FAITHFUL), tmp_path / "m.npz"
    )
    out = tmp_path / "p.csv"
    result = run(
        "predict", model_path, tmp_path / "d.npy", "--anomaly-quantile", 0.1, "-o", out
    )
    assert result.exit_code == 0, result.output
    assert "Warning: the model file holds no training log-densities" in result.stderr
    assert read_table(out)[0][:, -1].sum() == 28


def test_predict_bad_inputs(tmp_path, faithful_csv, model_file):
    out = tmp_path / "p.csv"
    three = tmp_path / "three.csv"
    three.write_text("a,b,c\n1,2,3\n4,5,6\n")
    assert_fails(
        run("predict", model_file, three, "-o", out),
        "no column(s) named 'eruptions', 'waiting'",
    )
    assert_fails(
        run("predict", model_file, faithful_csv, "--anomaly-quantile", 2, "-o", out),
        "[0, 1]",
    )
    assert_fails(
        run("predict", tmp_path / "none.npz", faithful_csv, "-o", out),
        "no such model file",
    )
    assert_fails(
        run("predict", faithful_csv, faithful_csv, "-o", out), "not a gmmkit model file"
    )
    assert not out.exists()


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_predict_never_takes_other_columns_for_missing_ones(tmp_path):
    """A model's columns missing from a named file: an error, not a silent swap."""
    data = tmp_path / "three.csv"
    rows = "".join(f"{x!r},{y!r},{x * y!r}\n" for x, y in FAITHFUL.tolist())
    data.write_text("eruptions,waiting,extra\n" + rows)
    model = tmp_path / "m.npz"
    fitted = run("fit", data, "--columns", "waiting,extra", "-k", 2, "-o", model)
    assert fitted.exit_code == 0, fitted.output
    faithful = tmp_path / "faithful.csv"
    faithful.write_text(
        "eruptions,waiting\n" + "".join(f"{x!r},{y!r}\n" for x, y in FAITHFUL.tolist())
    )
    renamed = tmp_path / "uv.csv"
    renamed.write_text(
        "u,v\n" + "".join(f"{y!r},{x * y!r}\n" for x, y in FAITHFUL.tolist())
    )
    out = tmp_path / "p.csv"
    for kind, command in [("predict", ()), ("plot", ("--kind", "clusters"))]:
        target = out if kind == "predict" else tmp_path / "f.png"
        for path, missing in [(faithful, "'extra'"), (renamed, "'waiting', 'extra'")]:
            result = run(kind, model, path, *command, "-o", target)
            assert_fails(result, f"no column(s) named {missing}")
            assert "rename" in result.stderr and "--columns" in result.stderr
        assert not target.exists()
    # Choosing the columns explicitly is the user's call, and works by position.
    result = run("predict", model, renamed, "--columns", "0,1", "-o", out)
    assert result.exit_code == 0, result.output
    assert read_table(out)[1][:2] == ["u", "v"]
    # A file without a header is used by position, if the count matches.
    expected = load(model).predict(read_table(data, "waiting,extra")[0])
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("".join(f"{y!r},{x * y!r}\n" for x, y in FAITHFUL.tolist()))
    assert run("predict", model, headerless, "-o", out).exit_code == 0
    np.testing.assert_array_equal(read_table(out)[0][:, 2], expected)
    headerless.write_text(rows)
    assert_fails(
        run("predict", model, headerless, "-o", out), "columns are taken by position"
    )


def test_swapped_model_and_data_are_pointed_out(tmp_path, faithful_csv, model_file):
    for command in ["predict", "plot"]:
        result = run(command, faithful_csv, model_file, "-o", tmp_path / "o.png")
        assert_fails(result, "not a gmmkit model file")
        assert "did you swap MODEL and DATA?" in result.stderr
    # Not swapped, just not a model: no such guess.
    result = run("predict", faithful_csv, faithful_csv, "-o", tmp_path / "p.csv")
    assert_fails(result, "not a gmmkit model file")
    assert "did you swap" not in result.stderr


@pytest.mark.parametrize("damage", ["truncate", "random", "tamper", "version"])
def test_damaged_model_files_are_refused(tmp_path, faithful_csv, model_file, damage):
    import json

    from gmmkit.persistence import METADATA_ENTRY

    data = model_file.read_bytes()
    if damage == "truncate":
        model_file.write_bytes(data[: len(data) // 3])
        message = "truncated"
    elif damage == "random":
        model_file.write_bytes(np.random.default_rng(1).bytes(len(data)))
        message = "not a gmmkit model file"
    else:
        with np.load(model_file) as archive:
            entries = {k: archive[k] for k in archive.files}
        metadata = json.loads(entries.pop(METADATA_ENTRY).tobytes())
        if damage == "tamper":
            entries["means_"] = entries["means_"] * 1.01
            message = "checksum mismatch"
        else:
            metadata["format_version"] = 99
            message = "model-format version 99"
        text = json.dumps(metadata).encode()
        np.savez(
            model_file, **{METADATA_ENTRY: np.frombuffer(text, np.uint8)}, **entries
        )
    out = tmp_path / "p.csv"
    assert_fails(run("predict", model_file, faithful_csv, "-o", out), message)
    assert_fails(run("sample", model_file, "-n", 5, "-o", out), message)
    assert not out.exists()


# ------------------------------------------------------------------- sample
def test_sample_is_reproducible_and_has_the_model_columns(tmp_path, model_file):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("sample", model_file, "-n", 100, "--seed", 5, "-o", a).exit_code == 0
    assert run("sample", model_file, "-n", 100, "--seed", 5, "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    X, names = read_table(a)
    assert names == ["eruptions", "waiting", "component"] and X.shape == (100, 3)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_dash_writes_csv_to_standard_output_and_messages_to_stderr(
    tmp_path, faithful_csv, model_file
):
    result = run("predict", model_file, faithful_csv, "--proba", "-o", "-")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "eruptions,waiting,label,p0,p1,log_density"
    assert len(lines) == 273
    assert "272 rows labelled; written to standard output" in result.stderr
    (tmp_path / "p.csv").write_text(result.stdout)
    np.testing.assert_array_equal(
        read_table(tmp_path / "p.csv")[0][:, 2], load(model_file).predict(FAITHFUL)
    )
    result = run("sample", model_file, "-n", 5, "--seed", 1, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "eruptions,waiting,component"
    assert len(result.stdout.splitlines()) == 6
    assert "5 rows drawn" in result.stderr
    assert not (tmp_path / "-").exists() and not Path("-").exists()
    for args in [
        ("fit", faithful_csv, "-k", 2),
        ("plot", model_file, faithful_csv),
    ]:
        result = run(*args, "-o", "-")
        assert_fails(result, "cannot be written to standard output")
        assert result.stdout == ""


def test_sample_bad_arguments(tmp_path, model_file):
    out = tmp_path / "s.csv"
    result = run("sample", model_file, "-n", 0, "-o", out)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert_fails(
        run("sample", model_file, "-n", 5, "-o", tmp_path / "x" / "s.csv"),
        "does not exist",
    )
    assert not out.exists()


# --------------------------------------------------------------------- plot
@pytest.mark.parametrize(
    "kind", ["clusters", "density", "uncertainty", "log-likelihood", "snapshots"]
)
def test_plot_writes_a_png(tmp_path, faithful_csv, model_file, kind):
    out = tmp_path / f"{kind}.png"
    result = run("plot", model_file, faithful_csv, "--kind", kind, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    image = imread(out)
    assert image.shape[0] > 200 and image.shape[1] > 200
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_plot_of_a_one_column_model_points_to_the_cli_kind(tmp_path, faithful_csv):
    model = tmp_path / "m1.npz"
    fitted = run("fit", faithful_csv, "--columns", "waiting", "-k", 2, "-o", model)
    assert fitted.exit_code == 0, fitted.output
    figure = tmp_path / "f.png"
    for kind in ["clusters", "density", "snapshots"]:
        result = run("plot", model, faithful_csv, "--kind", kind, "-o", figure)
        assert_fails(result, "the model has one (waiting); use --kind mixture-1d")
        assert "gmmkit.plot" not in result.stderr
    assert not figure.exists()
    result = run("plot", model, faithful_csv, "--kind", "mixture-1d", "-o", figure)
    assert result.exit_code == 0, result.output
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_bad_arguments(tmp_path, faithful_csv, model_file):
    out = tmp_path / "f.png"
    assert_fails(
        run("plot", model_file, faithful_csv, "--kind", "pie-chart", "-o", out),
        "--kind 'pie-chart'",
    )
    assert_fails(
        run("plot", model_file, faithful_csv, "-o", tmp_path / "f.gif"),
        ".png, .svg or .pdf",
    )
    assert_fails(
        run("plot", model_file, "--kind", "clusters", "-o", out), "needs a DATA file"
    )
    assert_fails(
        run("plot", model_file, faithful_csv, "--dims", "waiting,speed", "-o", out),
        "'speed'",
    )
    assert not out.exists()


# --------------------------------------------------------------------- misc
def test_demo_prints_the_table_and_writes_the_report(tmp_path):
    result = run("demo", "-o", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    # The report's choice is select_model's default one.
    assert "Chosen by BIC: K=3, EEE (BIC 2314.30), the lowest of 126 fits" in (
        result.stdout
    )
    assert "3-component EEE GMM" in result.output
    assert "54.49" in result.output and "80.8" in result.output  # waiting means
    assert "converged" in result.output
    page = tmp_path / "demo" / "report.html"
    assert f"Report written to {page.resolve()}" in result.output.replace("\n", "")
    html = page.read_text()
    assert "Old Faithful" in html and "<math" in html
    assert "BIC chose 3 components with covariance model EEE" in html


def test_demo_and_report_check_the_output_folder_before_fitting(tmp_path, faithful_csv):
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    for command in [("demo",), ("report", faithful_csv)]:
        for out, message in [
            (a_file, "is a file"),
            (a_file / "sub", "cannot create the folder"),
            ("-", "give a folder"),
        ]:
            result = run(*command, "-o", out)
            assert_fails(result, message)
            assert result.stdout == ""  # nothing fitted, no table printed
    # A folder that can be made is checked without being left behind.
    result = run("report", faithful_csv, "-k", 0, "-o", tmp_path / "a" / "b")
    assert_fails(result, "-k 0")
    assert not (tmp_path / "a").exists()


def test_report_on_a_data_file(tmp_path, faithful_csv):
    out = tmp_path / "report"
    result = run(
        "report",
        faithful_csv,
        "-k",
        2,
        "--covariance",
        "full",
        "--n-init",
        2,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert "faithful.csv" in html and "eruptions" in html


def test_report_bad_inputs(tmp_path, faithful_csv):
    (tmp_path / "file").write_text("x")
    result = run(
        "report", faithful_csv, "-k", 2, "--n-init", 1, "-o", tmp_path / "file"
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert_fails(run("report", faithful_csv, "-k", 0, "-o", tmp_path / "r"), "-k 0")
    assert_fails(
        run("report", tmp_path / "none.csv", "-o", tmp_path / "r"), "no such file"
    )
    assert not (tmp_path / "r").exists()


def test_help_is_consistent():
    helps = {
        name: run(*name.split(), "--help")
        for name in [
            "",
            "fit",
            "select",
            "predict",
            "sample",
            "plot",
            "report",
            "example",
        ]
    }
    for name, result in helps.items():
        assert result.exit_code == 0, (name, result.output)
        assert "<bool>" not in result.stdout, name  # flags show no type
    for name in ["fit", "select", "report"]:
        assert "{DATA}" in helps[name].stdout, name
    for name in ["predict", "sample", "plot"]:
        assert "{MODEL}" in helps[name].stdout, name
    assert "{MODEL} {DATA}" in helps["predict"].stdout
    assert "{MODEL} [DATA]" in helps["plot"].stdout
    assert "[NAME]" in helps["example"].stdout


def test_k_and_dash_dash_k_work_alike(tmp_path, faithful_csv):
    for command in ["fit", "select"]:
        extra = ["-o", tmp_path / "m.npz"] if command == "fit" else []
        short = run(command, faithful_csv, "-k", 2, "--seed", 0, *extra)
        long = run(command, faithful_csv, "--k", 2, "--seed", 0, *extra)
        assert short.exit_code == long.exit_code == 0, (short.output, long.output)
        assert short.stdout == long.stdout


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


# ------------------------------------------------------------------ example
def test_example_lists_every_example():
    from gmmkit.examples import names

    result = run("example")
    assert result.exit_code == 0, result.output
    for name in names():
        assert name in result.stdout


def test_example_runs_one_and_writes_its_figures(tmp_path):
    result = run("example", "mixture_1d", "--quick", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "K chosen by BIC" in result.stdout
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "mixture_1d_bic.png",
        "mixture_1d_fit.png",
    ]


def test_example_output_that_is_not_a_folder_is_refused_before_running(
    tmp_path, monkeypatch, capsys
):
    from gmmkit import examples

    def never(*args, **kwargs):
        raise AssertionError("the example ran")

    module = examples.load("mixture_1d")
    monkeypatch.setattr(module, "run", never)
    a_file = tmp_path / "some_file.csv"
    a_file.write_text("x\n")
    cases = [
        (a_file, "is a file, not a folder"),
        (a_file / "sub", "cannot create the folder"),
        ("-", "give a folder"),
    ]
    if Path("/proc/self").is_dir():
        cases.append(("/proc/x", "cannot create the folder"))
    for out, message in cases:
        assert_fails(run("example", "mixture_1d", "-o", out), message)
    # python examples/NAME.py --out ... checks the same, in one line.
    with pytest.raises(SystemExit) as stopped:
        module.main(["--out", str(a_file)])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: --out") and err.count("\n") == 1, err
    assert a_file.read_text() == "x\n"


def test_example_unknown_name_lists_the_known_ones():
    result = run("example", "nope")
    assert_fails(result, "There is no example called 'nope'")
    assert "old_faithful" in result.stderr


# --------------------------------------------------------------------- dask
@pytest.fixture
def npy_folder(tmp_path):
    pytest.importorskip("dask.array")
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (600, 3)), rng.normal(6, 1, (600, 3))])
    rng.shuffle(X)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(4):
        np.save(folder / f"part{i}.npy", X[i * 300 : (i + 1) * 300])
    return folder, X


def test_fit_reads_a_folder_through_dask_like_the_whole_file(npy_folder, tmp_path):
    folder, X = npy_folder
    result = run("fit", folder, "-k", 2, "--seed", 0, "-o", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    assert "Dask, 4 blocks" in result.stdout
    model = load(tmp_path / "m.npz")
    assert list(model.feature_names_in_) == ["x0", "x1", "x2"]
    assert sorted(np.round(model.means_[:, 0])) == [0.0, 6.0]
    np.testing.assert_allclose(model.weights_.sum(), 1.0)
    # the saved model predicts the rows of the files
    with pytest.warns(UserWarning, match="feature names"):
        assert set(model.predict(X)) == {0, 1}


def test_fit_folder_columns_by_position(npy_folder, tmp_path):
    folder, _ = npy_folder
    result = run("fit", folder, "-k", 2, "--columns", "0,2", "-o", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    assert list(load(tmp_path / "m.npz").feature_names_in_) == ["x0", "x2"]
    bad = run("fit", folder, "-k", 2, "--columns", "a", "-o", tmp_path / "n.npz")
    assert_fails(bad, "choose columns by 0-based position")
    assert not (tmp_path / "n.npz").exists()


def test_folders_say_what_reads_them(tmp_path, faithful_csv, model_file):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    out = tmp_path / "m.npz"
    assert_fails(run("fit", empty, "-o", out), "folder without .npy or .parquet")
    assert_fails(run("fit", empty, "-k", 2, "-o", out), "folder without .npy")
    for args in [
        ("predict", model_file, empty, "-o", tmp_path / "p.csv"),
        ("plot", model_file, empty, "-o", tmp_path / "f.png"),
        ("report", empty, "-o", tmp_path / "r"),
        ("select", empty),
    ]:
        assert_fails(
            run(*args),
            f"folders are read only by `gmmkit fit` (through Dask), {args[0]} needs",
        )
    assert not out.exists() and not (tmp_path / "r").exists()


def test_fit_folder_refuses_auto_k(npy_folder, tmp_path):
    folder, _ = npy_folder
    result = run("fit", folder, "-o", tmp_path / "m.npz")
    assert_fails(result, "-k auto is not available for a Dask fit")
    assert not (tmp_path / "m.npz").exists()


def test_select_marks_degenerate_fits_and_never_chooses_them(tmp_path):
    path = tmp_path / "few.csv"
    rows = "".join(f"{x!r},{y!r}\n" for x, y in FAITHFUL[:20].tolist())
    path.write_text("eruptions,waiting\n" + rows)
    result = run("select", path, "--k", "1-6", "--covariance", "full", "--seed", 0)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    grid = {line.split()[0]: line.split()[1] for line in lines[3:9]}
    # K = 5 and 6 rest components on too few points (K = 4, 23 parameters
    # for 20 rows, is sound: parameters against rows is no rule).
    assert [grid[k].startswith("(") for k in "123456"] == [False] * 4 + [True] * 2
    assert "(…) degenerate, never chosen" in result.stdout
    assert "Best by BIC: K=2, full (BIC " in result.stdout
    assert "2 fits are degenerate" in result.stdout
