"""The EM animation (GIF) and the EM explorer page (opened in headless Chromium)."""

import itertools
import json

import numpy as np
import pytest
from _browser import ChromiumPage, require_chromium
from PIL import Image, ImageSequence

from gmmkit import GaussianMixture, StudentTMixture
from gmmkit.datasets import make_mixture
from gmmkit.exceptions import NotFittedError
from gmmkit.plot._animation import animate_em
from gmmkit.plot._explorer import em_explorer
from gmmkit.plot._frames import NOISE_LABEL, em_frames

#: Two tilted components (one rising, one falling) and a round one, so that a
#: wrongly flipped ellipse angle on screen shows.
MEANS = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 6.0]])
COVARIANCES = np.array(
    [
        [[2.0, 1.5], [1.5, 2.0]],
        [[2.0, -1.5], [-1.5, 2.0]],
        [[1.0, 0.0], [0.0, 1.0]],
    ]
)


@pytest.fixture(scope="module")
def data():
    X, _ = make_mixture(400, MEANS, COVARIANCES, random_state=0)
    return X


@pytest.fixture(scope="module")
def model(data):
    model = GaussianMixture(
        3, snapshot_every=1, init_params="random", random_state=0, max_iter=60
    ).fit(data)
    assert model.n_iter_ >= 8, "the fixture should show a real EM run"
    return model


# ------------------------------------------------------------------ the frames
def test_frames_replay_the_fit(model, data):
    run = em_frames(model, data, max_points=None)
    assert [f.iteration for f in run.frames] == list(range(model.n_iter_ + 1))
    last = run.frames[-1]
    # The last snapshot's E-step is the fitted model's own inference.
    np.testing.assert_allclose(last.responsibilities, model.predict_proba(data))
    np.testing.assert_array_equal(last.labels, model.predict(data))
    assert last.log_likelihood == pytest.approx(model.score(data), rel=1e-12)
    # The start's log-likelihood is the one the fit recorded at iteration 1.
    assert run.frames[0].log_likelihood == pytest.approx(model.history_[0], rel=1e-10)
    np.testing.assert_allclose(run.curve[:-1], model.history_)
    np.testing.assert_allclose(run.points, data)


def test_frames_subsample_thin_and_background(data):
    model = GaussianMixture(
        3, snapshot_every=1, noise="uniform", random_state=0, init_params="random"
    ).fit(data)
    run = em_frames(model, data, max_points=50, max_frames=4)
    assert run.points.shape == (50, 2) and run.n_samples == len(data)
    iterations = [f.iteration for f in run.frames]
    assert len(iterations) == 4
    assert iterations[0] == 0 and iterations[-1] == model.n_iter_
    last = run.frames[-1]
    assert last.responsibilities.shape == (50, 4)  # + the background column
    rows = [np.flatnonzero((data == p).all(axis=1))[0] for p in run.points]
    expected = model.predict_proba(data[rows])
    np.testing.assert_allclose(last.responsibilities, expected)
    background = expected.argmax(axis=1) == 3
    np.testing.assert_array_equal(last.labels == NOISE_LABEL, background)


# ------------------------------------------------------------------- the GIF
def test_animate_em_writes_one_frame_per_snapshot(model, data, tmp_path):
    path = animate_em(model, data, tmp_path / "em.gif", fps=5)
    assert path == tmp_path / "em.gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em.gif"]  # no temp left
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.is_animated
        assert gif.n_frames == len(model.snapshots_)
        frames = [
            np.asarray(f.convert("RGB"), dtype=np.int16)
            for f in ImageSequence.Iterator(gif)
        ]
        durations = []
        gif.seek(0)
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert frames[0].shape == (560, 640, 3)
    for before, after in itertools.pairwise(frames):
        assert np.abs(before - after).sum() > 0, "consecutive frames are identical"
    assert np.abs(frames[0] - frames[-1]).mean() > 1.0  # the fit visibly moved
    assert frames[-1].std() > 20  # not blank
    assert durations[0] == 200 and durations[-1] > durations[0]  # held at the end


def test_animate_em_max_frames_and_pca(tmp_path):
    X, _ = make_mixture(
        300,
        np.array([[0.0, 0, 0], [4, 4, 0], [0, 5, 5]]),
        np.array([np.eye(3)] * 3),
        random_state=1,
    )
    model = GaussianMixture(3, snapshot_every=1, init_params="random").fit(X)
    path = animate_em(model, X, tmp_path / "pca.gif", dims="pca", max_frames=5)
    with Image.open(path) as gif:
        assert gif.n_frames == min(5, len(model.snapshots_))


# ----------------------------------------------------------------- bad inputs
@pytest.fixture(scope="module")
def bad_inputs(model, data):
    one_feature = GaussianMixture(2, snapshot_every=1).fit(data[:, :1])
    start_and_end = GaussianMixture(3, init_params="random", random_state=0)
    start_and_end.fit(data)
    assert start_and_end.n_iter_ > 1
    robust = StudentTMixture(2, max_iter=5).fit(data)
    return {
        "unfitted": (GaussianMixture(3), data, NotFittedError, "not fitted"),
        "one feature": (one_feature, data[:, :1], ValueError, "at least 2 features"),
        "wrong features": (model, np.c_[data, data[:, 0]], ValueError, "3 features"),
        "no snapshots": (start_and_end, data, ValueError, "snapshot_every=1"),
        "no snapshots at all": (robust, data, ValueError, "recorded no EM snapshots"),
        "NaN data": (model, np.where(data > 8, np.nan, data), ValueError, "NaN"),
    }


@pytest.mark.parametrize("write", [animate_em, em_explorer])
@pytest.mark.parametrize(
    "case",
    [
        "unfitted",
        "one feature",
        "wrong features",
        "no snapshots",
        "no snapshots at all",
        "NaN data",
    ],
)
def test_bad_input_is_refused_clearly(write, case, bad_inputs, tmp_path):
    model, X, error, message = bad_inputs[case]
    with pytest.raises(error, match=message):
        write(model, X, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("write", [animate_em, em_explorer])
def test_bad_options_are_refused(write, model, data, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write(model, data, tmp_path / "missing" / "out")
    with pytest.raises(ValueError, match="fps must be a positive number"):
        write(model, data, tmp_path / "out", fps=0)
    with pytest.raises(ValueError, match="dims"):
        write(model, data, tmp_path / "out", dims=(0, 5))
    with pytest.raises(ValueError, match="max_points"):
        write(model, data, tmp_path / "out", max_points=0)


# ---------------------------------------------------------- the explorer page
def test_explorer_page_is_self_contained(model, data, tmp_path):
    path = em_explorer(model, data, tmp_path / "em.html", title="<b>EM</b> run")
    text = path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em.html"]
    outside = text.replace('"http://www.w3.org/2000/svg"', "")  # a name, not a URL
    assert (
        "http:" not in outside
        and "https:" not in outside
        and "//" + "cdn" not in outside
    )
    assert " src=" not in text and " href=" not in text
    assert "<title>&lt;b&gt;EM&lt;/b&gt; run</title>" in text
    start = text.index('<script id="em-data" type="application/json">')
    payload = text[start:].split(">", 1)[1].split("</script>", 1)[0]
    data_json = json.loads(payload)
    assert len(data_json["frames"]) == len(model.snapshots_)
    assert data_json["title"] == "<b>EM</b> run"  # set as text, never as markup


@pytest.fixture(scope="module")
def explorer(model, data, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("explorer")
    path = em_explorer(model, data, folder / "em.html", fps=25, max_points=250)
    with ChromiumPage(path, width=1280, height=900) as page:
        page.evaluate("document.fonts.ready.then(() => true)")
        yield page


def _set_slider(page, index):
    page.evaluate(
        "(() => { const s = document.getElementById('slider');"
        f" s.value = '{index}'; s.dispatchEvent(new Event('input')); }})()"
    )


_DRAWN = """(() => {
  const attr = (sel, name) => Array.from(document.querySelectorAll(sel),
    (e) => e.getAttribute(name));
  return {
    ellipses: attr("#ellipses ellipse", "transform"),
    radii: attr("#ellipses ellipse", "rx"),
    means: attr("#means > g", "transform"),
    fills: attr("#points circle", "fill"),
    cursor: document.getElementById("ll-cursor").getAttribute("x1"),
    label: document.getElementById("iteration-label").textContent,
    slider: Number(document.getElementById("slider").value),
    weights: Array.from(document.querySelectorAll("#weights td.num"),
      (e) => e.textContent),
  };
})()"""


def test_explorer_opens_without_errors_and_offline(explorer, model):
    assert explorer.errors == []
    assert explorer.requests, "the driver recorded no request at all"
    assert all(url.startswith(("file:", "data:", "blob:")) for url in explorer.requests)
    drawn = explorer.evaluate(_DRAWN)
    assert len(drawn["ellipses"]) == model.n_components
    assert len(drawn["fills"]) == 250  # the subsample
    note = explorer.evaluate("document.getElementById('points-note').textContent")
    assert "random subsample of 250 of 400 points" in note
    assert explorer.evaluate("Number(document.getElementById('slider').max)") == (
        len(model.snapshots_) - 1
    )


def test_slider_changes_what_is_drawn(explorer, model):
    _set_slider(explorer, 0)
    start = explorer.evaluate(_DRAWN)
    assert start["label"].startswith("0 of") and "start" in start["label"]
    _set_slider(explorer, len(model.snapshots_) - 1)
    end = explorer.evaluate(_DRAWN)
    assert end["label"].startswith(f"{model.n_iter_} of {model.n_iter_}")
    for key in ("ellipses", "radii", "means", "fills", "cursor", "weights"):
        assert start[key] != end[key], f"{key} did not change with the slider"
    np.testing.assert_allclose(
        [float(w) for w in end["weights"]], model.weights_, atol=6e-4
    )
    assert float(end["cursor"]) > float(start["cursor"])
    assert explorer.errors == []


def test_slider_works_from_the_keyboard(explorer):
    _set_slider(explorer, 2)
    before = explorer.evaluate(_DRAWN)
    explorer.evaluate("document.getElementById('slider').focus()")
    explorer.press("ArrowRight")
    after = explorer.evaluate(_DRAWN)
    assert after["slider"] == 3
    assert after["ellipses"] != before["ellipses"]
    explorer.press("Home")
    assert explorer.evaluate(_DRAWN)["slider"] == 0


def test_play_advances_and_pause_stops(explorer, model):
    _set_slider(explorer, 0)
    explorer.evaluate("document.getElementById('play').click()")
    assert (
        explorer.evaluate(
            "document.getElementById('play').getAttribute('aria-pressed')"
        )
        == "true"
    )
    moved = explorer.evaluate(
        "new Promise((done) => setTimeout(() =>"
        " done(Number(document.getElementById('slider').value)), 300))"
    )
    assert moved > 0
    explorer.evaluate("document.getElementById('play').click()")
    paused = explorer.evaluate(_DRAWN)["slider"]
    later = explorer.evaluate(
        "new Promise((done) => setTimeout(() =>"
        " done(Number(document.getElementById('slider').value)), 200))"
    )
    assert later == paused
    explorer.evaluate("document.getElementById('next').click()")
    assert explorer.evaluate(_DRAWN)["slider"] == min(
        paused + 1, len(model.snapshots_) - 1
    )


def test_responsibility_colouring_blends(explorer, model):
    _set_slider(explorer, len(model.snapshots_) - 1)
    hard = explorer.evaluate(_DRAWN)["fills"]
    explorer.evaluate("document.querySelector('input[value=responsibilities]').click()")
    soft = explorer.evaluate(_DRAWN)["fills"]
    explorer.evaluate("document.querySelector('input[value=labels]').click()")
    assert explorer.evaluate(_DRAWN)["fills"] == hard
    assert soft != hard
    # Blends are new colours; hard labels use only the component colours.
    assert len(set(hard)) <= model.n_components < len(set(soft))


def test_ellipses_tilt_the_right_way_on_screen(explorer, model, data):
    """The SVG y-axis points down: a rising component must rise on screen."""
    _set_slider(explorer, len(model.snapshots_) - 1)
    geometry = explorer.evaluate(
        """Array.from(document.querySelectorAll('#ellipses ellipse'), (e, k) => {
          const m = e.getScreenCTM();
          const centre = new DOMPoint(0, 0).matrixTransform(m);
          const tip = new DOMPoint(e.rx.baseVal.value, 0).matrixTransform(m);
          const cross = document.getElementById('mean-' + k).getBoundingClientRect();
          return [centre.x, centre.y, tip.x, tip.y,
                  cross.x + cross.width / 2, cross.y + cross.height / 2];
        })"""
    )
    covariances = model.covariances_
    for (cx, cy, tx, ty, mx, my), cov in zip(geometry, covariances, strict=True):
        assert abs(cx - mx) < 1.0 and abs(cy - my) < 1.0  # ellipse around its mean
        correlation = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
        if abs(correlation) > 0.3:
            screen_slope = -(ty - cy) / (tx - cx)  # screen y grows downwards
            assert np.sign(screen_slope) == np.sign(correlation)


def test_explorer_screenshot_is_not_blank(explorer, tmp_path):
    png = explorer.screenshot(tmp_path / "page.png", full_page=True)
    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert pixels.shape[1] == 1280 and pixels.shape[0] >= 900
    assert pixels.std() > 10


def test_explorer_layout_holds_in_a_narrow_frame(model, data, tmp_path):
    """At the width of the report's iframe, names and options stay on one line."""
    require_chromium()
    path = em_explorer(model, data, tmp_path / "em.html", max_points=100)
    with ChromiumPage(path, width=960, height=800) as page:
        page.evaluate("document.fonts.ready.then(() => true)")
        layout = page.evaluate(
            """(() => {
              const box = (e) => e.getBoundingClientRect();
              const names = [...document.querySelectorAll('#weights td:first-child')];
              const lineHeight = parseFloat(getComputedStyle(names[0]).lineHeight);
              return {
                lineHeight,
                nameHeights: names.map((td) => {
                  const range = document.createRange();
                  range.selectNodeContents(td);
                  return range.getClientRects().length === 0 ? 0 :
                    Math.max(...[...range.getClientRects()].map((r) => r.bottom)) -
                    Math.min(...[...range.getClientRects()].map((r) => r.top));
                }),
                swatchVsText: names.map((td) => {
                  const swatch = box(td.querySelector('.swatch'));
                  const range = document.createRange();
                  range.selectNodeContents(td.lastChild);
                  return Math.abs(box(range).top - swatch.top);
                }),
                labelTops: [...document.querySelectorAll('fieldset label')].map(
                  (l) => Math.round(box(l).top)),
                labelHeights: [...document.querySelectorAll('fieldset label')].map(
                  (l) => box(l).height),
              };
            })()"""
        )
    assert len(layout["nameHeights"]) == model.n_components
    line = layout["lineHeight"]
    assert max(layout["nameHeights"]) < 1.5 * line  # "Component 0" on one line
    assert max(layout["swatchVsText"]) < line  # the swatch beside its name
    assert max(layout["labelHeights"]) < 1.5 * line  # each option on one line
    assert len(set(layout["labelTops"])) == 1  # both options on the same row


def test_browser_driver_sees_errors_and_network(tmp_path):
    """The checks above can fail: the driver reports errors and web requests."""
    require_chromium()
    page_path = tmp_path / "bad.html"
    page_path.write_text(
        "<!DOCTYPE html><title>bad</title><img src='http://127.0.0.1:9/x.png'>"
        "<script>console.error('broken', 1); undefinedFunction();</script>"
    )
    with ChromiumPage(page_path) as page:
        assert page.evaluate("document.title") == "bad"
        assert page.evaluate("Promise.resolve([1, 'a'])") == [1, "a"]
    assert any("console.error: broken 1" in e for e in page.errors)
    assert any("undefinedFunction" in e for e in page.errors)
    assert "http://127.0.0.1:9/x.png" in page.requests
