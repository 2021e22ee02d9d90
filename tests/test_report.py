"""The generated HTML report: interpretation sentences, theory source, the page."""

import html
import json
import re
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from _browser import ChromiumPage, require_chromium

from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.mixture import Snapshot
from gmmkit.report import analysis as A
from gmmkit.report import build
from gmmkit.report import figures as F
from gmmkit.report import interpret as I
from gmmkit.report.mathml import tex_to_mathml
from gmmkit.report.theory import THEORY, theory_html, theory_markdown
from gmmkit.selection import InitComparison, InitComparisonResult, group_optima

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------ interpretation
def _snapshots():
    """Component 1 moves 14.3 in waiting over the first 10 iterations, then stays.

    Its weight rises from 0.41 to 0.64 while component 0 stays put and loses
    weight; component 1's spread shrinks from 3 to 1.5.
    """
    waiting = [66.0, 76.0, 80.3, 80.3, 80.3]
    weights = [0.41, 0.55, 0.64, 0.64, 0.64]
    sds = [3.0, 2.0, 1.5, 1.5, 1.5]
    return [
        Snapshot(
            iteration=5 * t,
            weights=np.array([1 - w, w]),
            means=np.array([[2.0, 54.5], [4.3, wait]]),
            covariances=np.array([[1.0, 1.0], [sd**2, sd**2]]),
        )
        for t, (wait, w, sd) in enumerate(zip(waiting, weights, sds, strict=True))
    ]


def test_movement_sentences_name_the_component_and_numbers():
    traj = A.trajectories(_snapshots(), "diag")
    sentences = I.movement_sentences(
        traj, ["eruptions", "waiting"], np.array([1.0, 10.0]), n_samples=200
    )
    assert len(sentences) == 3
    still, moved, most = sentences
    assert still.startswith("Component 0 barely moved")
    assert "fell from 0.59 to 0.36" in still
    assert "as component 1 took over part of its points" in still
    assert moved.startswith("Component 1 moved 14.3 in waiting (66 → 80.3)")
    assert "over the first 10 iterations, then settled" in moved
    assert "rose from 0.41 to 0.64" in moved
    assert "about 46 points' worth" in moved  # 0.23 * 200
    assert "component 0 had explained poorly" in moved
    assert "spread shrank from 3 to 1.5" in moved
    assert "eruptions" not in moved  # it did not move along eruptions
    # standardised move 14.3 / 10 = 1.43; the largest step is 0 -> 5 (10 of 14.3)
    assert most.startswith("Component 1 moved most (1.43 standard deviations")
    assert "between iterations 0 and 5, 70% of its whole path" in most


def test_component_still_moving_at_the_end_is_said_so():
    snaps = _snapshots()[:3]  # stops while component 1 is still moving
    traj = A.trajectories(snaps, "diag")
    text = I.movement_sentences(traj, ["e", "w"], np.array([1.0, 10.0]), 100)[1]
    assert "was still moving at the end" in text


def test_generalized_sd_of_full_tied_diag_spherical():
    snaps = _snapshots()
    traj = A.trajectories(snaps, "diag")
    np.testing.assert_allclose(traj.spreads[:, 1], [3.0, 2.0, 1.5, 1.5, 1.5])
    cov = np.array([[[4.0, 1.0], [1.0, 2.0]]])
    expected = np.linalg.det(cov[0]) ** (1 / 4)
    np.testing.assert_allclose(A.generalized_sd(cov), [expected])


def test_monotonicity_verdict_names_iteration_and_size():
    history = [-3.0, -2.0, -1.5, -1.51, -1.2, -1.2 - 1e-14]
    real, rounding = A.likelihood_decreases(history)
    assert [(d.iteration, round(d.size, 12)) for d in real] == [(3, 0.01)]
    assert [d.iteration for d in rounding] == [5]
    verdict = I.monotonicity_verdict(history, n_samples=100)
    assert "decreased 1 time beyond rounding" in verdict
    assert "after M-step 3 by 0.01 per point (1 in total)" in verdict


def test_monotone_history_verdict():
    verdict = I.monotonicity_verdict([-3.0, -2.0, -1.0], n_samples=10)
    assert verdict.startswith(
        "The log-likelihood never decreased: from the start to after M-step 2 "
    )
    assert "−3.0000 to −1.0000" in verdict


def test_convergence_sentence_finds_99_percent_point():
    history = [-3.0, -2.0, -1.5, -1.01, -1.005, -1.0]
    assert A.iteration_reaching(history, 0.99) == 3
    text = I.convergence_sentence(history, True, 6, 1e-3)
    assert text.startswith("EM ran 6 iterations and stopped")
    assert "at the start and after each of the first 5 M-steps" in text
    assert "the parameters after M-step 6, the final ones, are not scored" in text
    assert "essentially done after M-step 3" in text
    assert "M-steps 4 to 5 added 0.01" in text
    assert_iteration_counts_agree(text, n_iter=6)
    short = I.convergence_sentence([-3.0, -1.0], False, 2, 1e-3)
    assert short.startswith("EM ran 2 iterations, the limit max_iter")
    assert "only after M-step 1, the last one scored" in short


def assert_iteration_counts_agree(text, n_iter):
    """The iterations run, M-steps scored and the split at 99 % add up."""
    ran = int(re.search(r"EM ran (\d+) iterations?", text)[1])
    scored = int(re.search(r"after each of the first (\d+) M-steps?", text)[1])
    unscored = int(re.search(r"parameters after M-step (\d+), the final", text)[1])
    done = int(re.search(r"essentially done after M-step (\d+)", text)[1])
    rest = re.search(r"; M-steps? (\d+)(?: to (\d+))? added", text)
    assert ran == n_iter == unscored == scored + 1
    assert int(rest[1]) == done + 1 and int(rest[2] or rest[1]) == scored


def _comparison(init, values, reasons=None):
    values = np.asarray(values, dtype=float)
    if reasons is None:
        reasons = [""] * len(values)
    reasons = np.asarray(reasons, dtype=object)
    optima = group_optima(values, 1e-4)
    # The reason of an optimum is that of its most likely run (here: equal).
    top = [reasons[np.flatnonzero(values == value)[0]] for value, _ in optima]
    return InitComparison(
        init=init,
        log_likelihoods=values,
        n_iter=np.full(len(values), 10),
        converged=np.ones(len(values), dtype=bool),
        optima=optima,
        n_failed=int(np.isnan(values).sum()),
        reasons=reasons,
        degenerate=[str(r) for r in top],
    )


def _restarts(**comparisons):
    return InitComparisonResult(comparisons, 2, "full", 1e-4)


def test_restart_sentences_count_optima_per_start():
    comparison = _restarts(
        kmeans=_comparison("kmeans", [-1.0, -1.0 - 1e-6, -1.0, -1.0, -1.0]),
        random=_comparison("random", [-1.0, -1.2, -1.2, -1.0, np.nan]),
    )
    optima = A.distinct_optima(comparison)
    assert [round(o.log_likelihood, 6) for o in optima] == [-1.0, -1.2]
    assert optima[0].counts == {"kmeans": 5, "random": 2}
    assert optima[1].counts == {"kmeans": 0, "random": 2}
    assert [o.best for o in optima] == [True, False]
    first, by_start, reliable, failed = I.restart_sentences(comparison, optima, 100)
    assert "The 9 runs found 2 distinct optima" in first
    assert "reached by 7 of them" in first
    assert "lower by 0.2 per point (20 in total" in first
    assert by_start.endswith("kmeans 5 of 5, random 2 of 4.")
    assert reliable.startswith("kmeans starts were the most reliable")
    assert failed == "1 run failed (a component collapsed)."


def test_a_degenerate_optimum_is_never_called_the_best():
    """The comparison's own marks are used: a flat optimum above is not the best."""
    flat = "component 1 rests on as few as 1 point of data"
    comparison = _restarts(
        kmeans=_comparison("kmeans", [-3.9, -4.1, -4.1], [flat, "", ""]),
        random=_comparison("random", [-4.1, -4.3, -4.1]),
    )
    optima = A.distinct_optima(comparison)
    assert [o.log_likelihood for o in optima] == [-3.9, -4.1, -4.3]
    assert [bool(o.degenerate) for o in optima] == [True, False, False]
    best = A.best_optimum(optima)
    assert best is optima[1] and best.total == 4
    assert [s.n_best for s in A.start_summaries(comparison, optima)] == [2, 2]
    first = I.restart_sentences(comparison, optima, 100)[0]
    assert "The best, −4.1000 per point, was reached by 4 of them" in first
    assert "(1 higher optimum, −3.9000 per point, reached by 1 run, is " in first
    assert f"degenerate and never the best: {flat})" in first
    assert "the other is lower by 0.2 per point (20 in total" in first
    assert I.placement_sentence(optima, -4.1) == (
        "The report's model sits at the best optimum found."
    )
    assert I.placement_sentence(optima, -3.9).startswith(
        "The report's model sits at a degenerate optimum (component 1 rests"
    )
    every = _restarts(kmeans=_comparison("kmeans", [-3.9, -3.9], [flat, flat]))
    only = I.restart_sentences(every, A.distinct_optima(every), 50)
    assert only[0].startswith("Every one of the 2 runs ended at a degenerate optimum")


def test_model_choice_sentences_name_the_model_and_the_rules():
    from gmmkit import select_model

    X = load_old_faithful()[:20]
    selection = select_model(X, range(1, 7), ["full"])
    note = I.degenerate_note(selection)
    assert note.startswith(" 2 fits are degenerate (in parentheses): a component ")
    assert "as many parameters" not in note  # the old, deleted rule
    assert "reg_covar" in note
    sentence = I.selection_sentence(selection)
    assert sentence.startswith(
        "BIC chose 2 components with covariance model full (ellipsoidal, varying "
        "volume, shape and orientation; BIC "
    )
    assert I.model_description("tied") == I.model_description("EEE")


def test_ambiguity_and_anomalies():
    resp = np.array([[0.99, 0.01], [0.6, 0.4], [0.95, 0.05], [0.2, 0.8]])
    text = I.ambiguity_sentence(resp, 0.9)
    assert text.startswith("2 of 4 points (50.0%) are ambiguous")
    assert "row 1 (rows count from 0), whose largest responsibility is 0.60" in text
    one = I.ambiguity_sentence(resp[[0, 1, 2]], 0.9)
    assert one.startswith("1 of 3 points (33.3%) is ambiguous")
    log_density = np.array([-1.0, -9.0, -2.0, -1.5, -12.0] + [-1.0] * 95)
    np.testing.assert_array_equal(A.anomaly_rows(log_density, 2.0), [4, 1])


# -------------------------------------------------------------------- theory
def test_mathml_converts_structures_and_refuses_unknown_commands():
    frac = tex_to_mathml(r"\frac{a}{b}", display=True)
    assert frac.startswith('<math display="block">') and "<mfrac>" in frac
    assert "<munderover><mo>∑</mo>" in tex_to_mathml(r"\sum_{k=1}^{K} x", True)
    assert "<msubsup><mo>∑</mo>" in tex_to_mathml(r"\sum_{k=1}^{K} x")
    with pytest.raises(ValueError, match=r"unknown command \\foo"):
        tex_to_mathml(r"\foo{x}")
    with pytest.raises(ValueError, match="ends too early"):
        tex_to_mathml(r"\frac{a}{b")


def test_every_equation_of_the_derivation_is_rendered():
    inline = re.findall(r"(?<!\$)\$(?!\$)[^$]+\$", THEORY)
    blocks = THEORY.count("\n$$\n") // 2
    page = theory_html()
    assert page.count("<math") == len(inline) + blocks
    assert page.count('<math display="block">') == blocks
    assert "Why the likelihood cannot decrease" in page


def test_docs_theory_is_generated_from_the_single_source():
    docs = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    assert docs == theory_markdown(), (
        "docs/theory.md is out of date: run "
        "`python -m gmmkit.report.theory > docs/theory.md`."
    )


# -------------------------------------------------------------------- report
@pytest.fixture(scope="module")
def faithful_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("faithful") / "new" / "folder"
    path = build(
        load_old_faithful(),
        feature_names=["eruptions", "waiting"],
        out_dir=out,
        title="Old Faithful",
    )
    return path


@pytest.fixture(scope="module")
def one_feature_report(tmp_path_factory):
    X, _ = make_mixture(
        300, [[0.0], [5.0]], [1.0, 2.25], weights=[0.6, 0.4], random_state=1
    )
    out = tmp_path_factory.mktemp("onefeature")
    return build(
        X,
        n_components=2,
        covariance_type="full",
        n_init=3,
        feature_names=["size"],
        out_dir=out,
    )


def test_report_is_written_atomically(faithful_report):
    assert faithful_report.name == "report.html"
    assert [p.name for p in faithful_report.parent.iterdir()] == ["report.html"]
    text = faithful_report.read_text(encoding="utf-8")
    assert "Gaussian mixtures and EM, from first principles" in text
    assert "Component 1 moved" in text or "Component 0 moved" in text
    # The report's choice is select_model's default one: EEE, K = 3.
    assert "BIC chose 3 components with covariance model EEE (ellipsoidal, " in text
    assert "126 fits" in text
    assert "272 rows and 2 features. Per feature:" in text
    assert "(s)" not in re.sub(r"<[^>]*>", "", text)


def test_report_explains_select_models_choice(faithful_report):
    text = html.unescape(re.sub(r"<[^>]*>", " ", faithful_report.read_text()))
    page = faithful_report.read_text()
    # The model-by-K grid of the 126 fits, the chosen cell marked.
    assert page.count('<span class="chosen">') == 1
    assert '<span class="chosen">2314.3</span>' in page
    assert "K = 9" in text and "VEV" in text
    assert "the commands gmmkit select and gmmkit fit -k auto run too" in text
    # Random starts stall at the symmetric start of a shared covariance: the
    # fit shown is the search's optimum, reached from another start.
    assert "below the −4.1409 that the model search reached" in text
    assert "mclust's hierarchical partition (init_params='hc') instead" in text
    assert "sits at the best optimum found" in text
    # The theory names the decomposition behind the 14 models.
    assert "Celeux and Govaert" in text


def test_report_on_iris_chooses_what_select_model_chooses(tmp_path):
    fixture = ROOT / "tests" / "data" / "mclust" / "models.json"
    iris = np.asarray(json.loads(fixture.read_text())["data"]["iris"], dtype=float)
    path = build(iris, out_dir=tmp_path, max_components=4, n_init=2)
    text = path.read_text(encoding="utf-8")
    assert "BIC chose 2 components with covariance model VEV" in text
    assert "components, covariance model VEV" in text  # the title
    # The restart study runs on the chosen model, whatever its name.
    assert "Restarts and local optima" in text and "runs from kmeans" in text


def test_report_rejects_bad_arguments(tmp_path):
    X = load_old_faithful()
    with pytest.raises(ValueError, match="feature_names has 1 names but X has 2"):
        build(X, feature_names=["a"], out_dir=tmp_path)
    with pytest.raises(ValueError, match="more than the 3 rows"):
        build(X[:3], n_components=5, out_dir=tmp_path)
    with pytest.raises(ValueError, match="covariance_type"):
        build(X, covariance_type="round", out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def _check_in_browser(path: Path) -> dict:
    require_chromium()
    with ChromiumPage(path, width=1280, height=900) as page:
        state = page.evaluate(
            """(() => {
              const imgs = [...document.images];
              const maths = [...document.querySelectorAll('math')];
              const sized = maths.filter(m => {
                const r = m.getBoundingClientRect();
                return r.width > 0 && r.height > 0;
              });
              const fracs = [...document.querySelectorAll('mfrac')].filter(
                f => f.getBoundingClientRect().height > 0);
              return {
                images: imgs.length,
                loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                maths: maths.length,
                sized: sized.length,
                fracs: fracs.length,
                text: document.body.innerText,
                scrollWidth: document.documentElement.scrollWidth,
              };
            })()"""
        )
        errors, requests = list(page.errors), list(page.requests)
    assert errors == []
    assert state["images"] >= 6
    assert state["loaded"] == state["images"]
    assert state["maths"] > 100
    assert state["sized"] == state["maths"]  # MathML laid out, not left as text
    assert state["fracs"] > 10
    assert state["scrollWidth"] <= 1280  # nothing overflows the page
    network = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
    assert network == []
    return state


def test_faithful_report_in_browser(faithful_report):
    state = _check_in_browser(faithful_report)
    text = state["text"]
    assert "Why the likelihood cannot decrease" in text
    assert "The log-likelihood never decreased" in text
    # The summary and the convergence section tell the same, consistent count.
    sentences = re.findall(r"EM ran \d+ iterations?[^\n]*", text)
    assert len(sentences) == 2 and sentences[0] == sentences[1]
    n_iter = int(re.search(r"EM ran (\d+)", sentences[0])[1])
    assert_iteration_counts_agree(sentences[0], n_iter)
    assert "distinct optima" in text or "reached the same optimum" in text


def test_one_feature_report_in_browser(one_feature_report):
    state = _check_in_browser(one_feature_report)
    assert "needs at least two features" in state["text"]
    assert "Component 0" in state["text"]


def test_snapshot_grid_spacing_keeps_long_fits_to_16_panels():
    for last in (1, 4, 31, 75, 76, 150, 151, 499, 500):
        every = A.snapshot_spacing(last)
        assert every % 5 == 0
        panels = len(set(range(0, last, every)) | {last})
        assert panels <= 16, (last, every, panels)
    assert A.snapshot_spacing(31) == 5


def test_data_figure_pairs_and_standardised_pca():
    from gmmkit.report import figures as F

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1.0, 2.0, 20.0]
    fig = F.plot_data(X, ["a", "b", "c"])
    axes = np.array(fig.axes).reshape(3, 3)
    for i, name in enumerate("abc"):
        # Counts would sit on the axis the row's feature name labels.
        assert len(axes[i, i].get_yticks()) == 0
        assert [t.get_text() for t in axes[i, i].texts] == [f"histogram of {name}"]
    assert axes[1, 0].get_ylabel() == "b" and len(axes[1, 0].get_yticks()) > 0
    plt.close(fig)
    wide = np.hstack([X, rng.normal(size=(200, 2)) * 100.0])
    fig = F.plot_data(wide, list("abcde"))
    assert "standardised" in fig.axes[0].get_xlabel()
    plt.close(fig)


def test_figures_name_their_axes_without_pandas(tmp_path, monkeypatch):
    # make demo installs no pandas: the names must still reach every figure.
    monkeypatch.setitem(sys.modules, "pandas", None)
    labels = []
    real = F.figure_png

    def spy(drawn, *args, **kwargs):
        for ax in drawn.figure.axes:
            labels.extend([ax.get_xlabel(), ax.get_ylabel()])
        return real(drawn, *args, **kwargs)

    monkeypatch.setattr(F, "figure_png", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no feature-name warnings
        path = build(
            np.asarray(load_old_faithful()),
            feature_names=["eruptions", "waiting"],
            n_components=2,
            covariance_type="full",
            n_init=2,
            out_dir=tmp_path,
        )
    assert {"eruptions", "waiting"} <= set(labels)
    assert not {"x0", "x1"} & set(labels)
    # The explorer, escaped inside its iframe's srcdoc, names its axes too.
    page = html.unescape(path.read_text(encoding="utf-8"))
    assert '"axisLabels":["eruptions","waiting"]' in page
