"""The EM explorer: one self-contained HTML page to step through an EM run."""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write
from ._frames import NOISE_LABEL, EMFrames, check_playback, em_frames
from ._geometry import ellipse_params
from ._style import NOISE_COLOR, component_colors, to_hex


def em_explorer(
    model: Any,
    X: Any,
    path: str | os.PathLike,
    *,
    dims: Sequence[int] | str = (0, 1),
    title: str | None = None,
    n_std: float = 2.0,
    fps: float = 4,
    max_points: int | None = 2000,
    max_frames: int | None = 200,
    random_state: int = 0,
) -> Path:
    """Write an interactive HTML page that replays an EM run.

    The page has a slider with play/pause and step buttons through the
    model's snapshots; a scatter plot of the data coloured by hard labels or
    blended by responsibilities, with each component's ``n_std``-sigma
    ellipse and mean; the log-likelihood curve with a cursor at the current
    iteration; and a table of the component weights. It is one file with the
    script, styles and data inline: it makes no network request and works
    from ``file://``.

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``snapshot_every`` set; ``snapshot_every=1`` shows every
        iteration. A model fitted without it (only start and end kept) is
        rejected with a message saying so.
    X : array-like of shape (n_samples, n_features)
        The data the model was fitted on.
    path : str or Path
        Where to write the page (written atomically).
    dims : pair of int or "pca", default=(0, 1)
        The two features shown, or the plane of the two leading principal axes
        (covariances are projected, so the ellipses stay exact).
    title : str, optional
        Page heading; defaults to "EM explorer".
    n_std : float, default=2.0
        Size of the ellipses in standard deviations.
    fps : float, default=4
        Snapshots per second when playing.
    max_points : int or None, default=2000
        Draw a random subsample of at most this many points (the page says
        so); the log-likelihood still uses every row. None draws all.
    max_frames : int or None, default=200
        Keep at most this many snapshots, evenly spaced, first and last always
        kept (None: all). Page size grows with points × frames × components.
    random_state : int, default=0
        Seed of the point subsample.

    Returns
    -------
    path : Path
        The page written.

    Raises
    ------
    NotFittedError
        When the model is not fitted.
    ValueError
        When the model has no EM snapshots, the data has one feature, or ``X``
        does not match the model's features.
    """
    path = check_playback(fps, n_std, path)
    run = em_frames(
        model,
        X,
        dims,
        max_points=max_points,
        max_frames=max_frames,
        random_state=random_state,
    )
    heading = "EM explorer" if title is None else str(title)
    data = _payload(run, model, heading, n_std, fps)
    page = _TEMPLATE.replace("__TITLE__", html.escape(heading)).replace(
        "__DATA__", _script_json(data)
    )
    _write_atomically(path, page)
    return path


def _payload(run: EMFrames, model: Any, heading: str, n_std: float, fps: float) -> dict:
    """Everything the page draws, as JSON-ready values."""
    n_components = run.n_components
    frames = []
    for frame in run.frames:
        labels = np.where(frame.labels == NOISE_LABEL, 255, frame.labels)
        quantised = np.rint(np.clip(frame.responsibilities, 0, 1) * 255)
        mixture = frame.mixture
        frames.append(
            {
                "iteration": frame.iteration,
                "weights": _rounded(mixture.weights),
                "noiseWeight": round(frame.noise_weight, 6),
                "means": _rounded(mixture.means),
                "ellipses": [
                    _rounded(ellipse_params(cov, n_std)) for cov in mixture.covariances
                ],
                "logLikelihood": _finite_or_none(frame.log_likelihood),
                "labels": _base64(labels),
                "resp": _base64(quantised),
            }
        )
    every = getattr(model, "snapshot_every", None)
    status = "converged" if run.converged else "did not converge"
    summary = (
        f"{n_components} components, {model.covariance_type} covariances, "
        f"{run.n_iter} EM iterations ({status})"
    )
    if run.has_noise:
        summary += ", with a uniform background component"
    return {
        "title": heading,
        "summary": summary,
        "snapshotEvery": every,
        "axisLabels": list(run.view.labels),
        "nStd": n_std,
        "fps": fps,
        "nSamples": run.n_samples,
        "x": _rounded(run.points[:, 0]),
        "y": _rounded(run.points[:, 1]),
        "colors": [to_hex(c) for c in component_colors(n_components)],
        "noiseColor": NOISE_COLOR,
        "hasNoise": run.has_noise,
        "nIter": run.n_iter,
        "converged": run.converged,
        "curve": [_finite_or_none(v) for v in run.curve],
        "frames": frames,
    }


def _rounded(values: Any) -> list:
    """Floats to 6 significant digits (nested lists), plenty for drawing."""
    array = np.asarray(values, dtype=np.float64)
    return _SIGNIFICANT(array).tolist()


_SIGNIFICANT = np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _base64(values: np.ndarray) -> str:
    return base64.b64encode(np.asarray(values, dtype=np.uint8).tobytes()).decode()


def _script_json(data: dict) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def _write_atomically(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"))


# The page. Data arrive as JSON in the "em-data" script element; text from
# the data (titles, feature names) is only ever set with textContent.
_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
:root {
  --ink: #1d2430; --muted: #5b6575; --line: #d9dee7; --panel: #ffffff;
  --page: #f4f6f9; --accent: #2458c6; --cursor: #d62728;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 28px; }
h1 { font-size: 1.5rem; margin: 0 0 2px; }
.summary { color: var(--muted); margin: 0 0 14px; }
.layout {
  display: grid; grid-template-columns: minmax(0, 1.55fr) minmax(300px, 1fr);
  gap: 18px; align-items: start;
}
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
.panel {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 12px 14px;
}
.panel h2 {
  font-size: 0.95rem; margin: 0 0 6px; color: var(--muted); font-weight: 600;
}
svg { display: block; width: 100%; height: auto; }
#curve { max-width: 560px; margin: 0 auto; }
svg text { font: 12px system-ui, sans-serif; fill: #3c4452; }
svg .axis-label { font-size: 13px; fill: var(--ink); }
.controls {
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px;
  margin-bottom: 10px;
}
button {
  font: inherit; border: 1px solid var(--line); background: #fff;
  color: var(--ink); border-radius: 7px; padding: 5px 11px; cursor: pointer;
  min-width: 40px;
}
button:hover { border-color: var(--accent); }
button:focus-visible, input:focus-visible {
  outline: 3px solid rgba(36, 88, 198, 0.45); outline-offset: 2px;
}
#play { min-width: 96px; font-weight: 600; }
button svg {
  display: inline-block; width: 13px; height: 13px; vertical-align: -1px;
  fill: currentColor;
}
#play svg { margin-right: 6px; }
.slider-wrap { flex: 1 1 240px; display: flex; align-items: center; gap: 10px; }
#slider { flex: 1; accent-color: var(--accent); }
#iteration-label { min-width: 11em; font-variant-numeric: tabular-nums; }
fieldset {
  border: 0; padding: 0; margin: 0 0 8px; display: flex; gap: 4px 16px;
  flex-wrap: wrap; align-items: center; color: var(--muted);
}
legend { float: left; padding: 0; }
label { cursor: pointer; white-space: nowrap; }
.note { color: var(--muted); font-size: 0.85rem; margin: 6px 0 0; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 0.85rem; }
td.num { text-align: right; width: 4.5em; }
td.bar-cell { width: 45%; }
td.name { white-space: nowrap; }
.swatch {
  display: inline-block; width: 12px; height: 12px; border-radius: 3px;
  vertical-align: -1px; margin-right: 7px;
}
.bar { height: 9px; border-radius: 5px; min-width: 1px; }
.side { display: grid; gap: 18px; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap;
}
</style>
</head>
<body>
<main>
<h1 id="title"></h1>
<p class="summary" id="summary"></p>
<div class="layout">
  <section class="panel" aria-labelledby="scatter-heading">
    <h2 id="scatter-heading">Data, components and their ellipses</h2>
    <div class="controls" role="group" aria-label="Step through the EM run">
      <button type="button" id="first" aria-label="First snapshot"
        title="First snapshot">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M3 2h2v12H3zM14 2v12L6 8z"/>
        </svg></button>
      <button type="button" id="prev" aria-label="Previous snapshot"
        title="Previous snapshot">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M12 2v12L4 8z"/>
        </svg></button>
      <button type="button" id="play" aria-pressed="false">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path id="play-icon" d="M4 2v12l10-6z"/>
        </svg><span id="play-text">Play</span></button>
      <button type="button" id="next" aria-label="Next snapshot"
        title="Next snapshot">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M4 2v12l8-6z"/>
        </svg></button>
      <button type="button" id="last" aria-label="Last snapshot"
        title="Last snapshot">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M2 2v12l8-6zM11 2h2v12h-2z"/>
        </svg></button>
      <div class="slider-wrap">
        <label for="slider">Iteration</label>
        <input type="range" id="slider" min="0" max="0" step="1" value="0">
        <output id="iteration-label" for="slider"></output>
      </div>
    </div>
    <fieldset>
      <legend>Colour by</legend>
      <label><input type="radio" name="colour" value="labels" checked>
        hard labels</label>
      <label><input type="radio" name="colour" value="responsibilities">
        responsibilities (blended)</label>
    </fieldset>
    <svg id="scatter" viewBox="0 0 660 540" role="img"
      aria-labelledby="scatter-heading scatter-desc">
      <desc id="scatter-desc">Scatter plot of the data; each component is drawn
        as an ellipse around its mean, a cross.</desc>
    </svg>
    <p class="note" id="points-note"></p>
  </section>
  <div class="side">
    <section class="panel" aria-labelledby="ll-heading">
      <h2 id="ll-heading">Mean log-likelihood per iteration</h2>
      <svg id="curve" viewBox="0 0 420 240" role="img"
        aria-labelledby="ll-heading"></svg>
      <p class="note" id="ll-note"></p>
    </section>
    <section class="panel" aria-labelledby="weights-heading">
      <h2 id="weights-heading">Component weights at this iteration</h2>
      <table>
        <thead><tr><th scope="col">Component</th><th scope="col">Weight</th>
          <th scope="col"><span class="visually-hidden">Bar</span></th></tr></thead>
        <tbody id="weights"></tbody>
      </table>
    </section>
  </div>
</div>
<noscript><p>This page needs JavaScript to draw the EM run.</p></noscript>
</main>
<script id="em-data" type="application/json">__DATA__</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("em-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const byId = (id) => document.getElementById(id);
  function svg(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function bytes(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function rgb(hex) {
    const v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  function niceTicks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    const raw = span / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }
  function label(value) {
    return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)
      ? value.toExponential(1) : String(+value.toPrecision(6));
  }

  const K = data.colors.length;
  const n = data.x.length;
  const width = K + (data.hasNoise ? 1 : 0);
  const frames = data.frames.map((f) => Object.assign({}, f, {
    labels: bytes(f.labels), resp: bytes(f.resp),
  }));
  const palette = data.colors.map(rgb);
  if (data.hasNoise) palette.push(rgb(data.noiseColor));

  byId("title").textContent = data.title;
  document.title = data.title;
  byId("summary").textContent = data.summary;
  const noteParts = [];
  noteParts.push(n < data.nSamples
    ? "Showing a random subsample of " + n + " of " + data.nSamples +
      " points; the log-likelihood uses all of them."
    : "Showing all " + n + " points.");
  noteParts.push("Ellipses: " + data.nStd + "\\u03c3 contours; crosses: means.");
  if (data.hasNoise) noteParts.push("Grey points: the uniform background.");
  byId("points-note").textContent = noteParts.join(" ");
  let llNote = "The cursor marks the shown snapshot.";
  if (frames.length < data.nIter + 1) {
    llNote += " The model kept a snapshot every " + (data.snapshotEvery || "?") +
      " iterations (" + frames.length + " snapshots); fit with snapshot_every=1" +
      " to step through every iteration.";
  }
  byId("ll-note").textContent = llNote;

  // ---- scatter geometry: data -> pixels, equal units when ranges are close
  const W = 660, H = 540, M = { left: 64, right: 16, top: 14, bottom: 50 };
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  function extent(values) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return [lo, hi];
  }
  const [xlo, xhi] = extent(data.x), [ylo, yhi] = extent(data.y);
  let hx = ((xhi - xlo) || 1) * 0.54, hy = ((yhi - ylo) || 1) * 0.54;
  if (hx / hy >= 1 / 3 && hx / hy <= 3) {
    const perPixel = Math.max(hx / pw, hy / ph);
    hx = perPixel * pw; hy = perPixel * ph;
  }
  const cx = (xlo + xhi) / 2, cy = (ylo + yhi) / 2;
  const x0 = cx - hx, x1 = cx + hx, y0 = cy - hy, y1 = cy + hy;
  const sx = pw / (x1 - x0), sy = ph / (y1 - y0);
  const px = (x) => M.left + (x - x0) * sx;
  const py = (y) => M.top + (y1 - y) * sy;

  const plot = byId("scatter");
  const defs = svg("defs", {}, plot);
  const clip = svg("clipPath", { id: "plot-area" }, defs);
  svg("rect", { x: M.left, y: M.top, width: pw, height: ph }, clip);
  svg("rect", { x: M.left, y: M.top, width: pw, height: ph, fill: "#fbfcfe",
    stroke: "#c5ccd8" }, plot);
  const grid = svg("g", { "aria-hidden": "true" }, plot);
  for (const t of niceTicks(x0, x1, 8)) {
    svg("line", { x1: px(t), x2: px(t), y1: M.top, y2: M.top + ph,
      stroke: "#e6eaf0" }, grid);
    svg("text", { x: px(t), y: M.top + ph + 17, "text-anchor": "middle" }, grid)
      .textContent = label(t);
  }
  for (const t of niceTicks(y0, y1, 7)) {
    svg("line", { x1: M.left, x2: M.left + pw, y1: py(t), y2: py(t),
      stroke: "#e6eaf0" }, grid);
    svg("text", { x: M.left - 7, y: py(t) + 4, "text-anchor": "end" }, grid)
      .textContent = label(t);
  }
  svg("text", { x: M.left + pw / 2, y: H - 8, "text-anchor": "middle",
    class: "axis-label" }, plot).textContent = data.axisLabels[0];
  svg("text", { x: 16, y: M.top + ph / 2, "text-anchor": "middle",
    class: "axis-label", transform: "rotate(-90 16 " + (M.top + ph / 2) + ")" },
    plot).textContent = data.axisLabels[1];

  const area = svg("g", { "clip-path": "url(#plot-area)" }, plot);
  const pointLayer = svg("g", { id: "points" }, area);
  const dots = [];
  for (let i = 0; i < n; i++) {
    dots.push(svg("circle", { cx: px(data.x[i]).toFixed(2),
      cy: py(data.y[i]).toFixed(2), r: 2.6, "fill-opacity": 0.8 }, pointLayer));
  }
  // Ellipses live in data coordinates: the group maps data to pixels, y
  // flipped, so each ellipse's angle is the data-space angle unchanged.
  const dataSpace = svg("g", { id: "ellipses", transform: "matrix(" + sx + " 0 0 " +
    (-sy) + " " + (M.left - x0 * sx) + " " + (M.top + y1 * sy) + ")" }, area);
  const ellipses = data.colors.map((color, k) => svg("ellipse", {
    id: "ellipse-" + k, rx: 1, ry: 1, fill: color, "fill-opacity": 0.07,
    stroke: color, "stroke-width": 2.4, "vector-effect": "non-scaling-stroke",
  }, dataSpace));
  const meanLayer = svg("g", { id: "means" }, area);
  const crosses = data.colors.map((color, k) => {
    const g = svg("g", { id: "mean-" + k }, meanLayer);
    const shape = "M-6,-6L6,6M-6,6L6,-6";
    svg("path", { d: shape, stroke: "#fff", "stroke-width": 6,
      "stroke-linecap": "round" }, g);
    svg("path", { d: shape, stroke: color, "stroke-width": 3,
      "stroke-linecap": "round" }, g);
    return g;
  });

  // ---- log-likelihood curve
  const C = { w: 420, h: 240, left: 62, right: 14, top: 12, bottom: 40 };
  const cw = C.w - C.left - C.right, ch = C.h - C.top - C.bottom;
  const finite = data.curve.filter((v) => v !== null);
  let [llo, lhi] = extent(finite);
  const pad = ((lhi - llo) || Math.abs(lhi) || 1) * 0.06;
  llo -= pad; lhi += pad;
  const lastIter = Math.max(data.nIter, 1);
  const qx = (t) => C.left + (t / lastIter) * cw;
  const qy = (v) => C.top + (lhi - v) / (lhi - llo) * ch;
  const chart = byId("curve");
  svg("rect", { x: C.left, y: C.top, width: cw, height: ch, fill: "#fbfcfe",
    stroke: "#c5ccd8" }, chart);
  for (const t of niceTicks(llo, lhi, 5)) {
    svg("line", { x1: C.left, x2: C.left + cw, y1: qy(t), y2: qy(t),
      stroke: "#e6eaf0" }, chart);
    svg("text", { x: C.left - 6, y: qy(t) + 4, "text-anchor": "end" }, chart)
      .textContent = label(t);
  }
  for (const t of niceTicks(0, lastIter, 6).filter((t) => t === Math.round(t))) {
    svg("text", { x: qx(t), y: C.top + ch + 16, "text-anchor": "middle" }, chart)
      .textContent = label(t);
  }
  svg("text", { x: C.left + cw / 2, y: C.h - 4, "text-anchor": "middle",
    class: "axis-label" }, chart).textContent = "EM iteration";
  let d = "";
  data.curve.forEach((v, t) => {
    if (v !== null) d += (d ? "L" : "M") + qx(t).toFixed(2) + "," + qy(v).toFixed(2);
  });
  svg("path", { d: d, fill: "none", stroke: "#3a4250", "stroke-width": 2 }, chart);
  const cursor = svg("line", { id: "ll-cursor", y1: C.top, y2: C.top + ch,
    stroke: "var(--cursor)", "stroke-width": 1.6 }, chart);
  const cursorDot = svg("circle", { id: "ll-dot", r: 4.5, fill: "var(--cursor)" },
    chart);
  const cursorText = svg("text", { id: "ll-value" }, chart);

  // ---- weights table
  const body = byId("weights");
  const names = data.colors.map((_, k) => "Component " + k);
  if (data.hasNoise) names.push("Background");
  const rows = names.map((name, k) => {
    const tr = document.createElement("tr");
    const nameCell = document.createElement("td");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = k < K ? data.colors[k] : data.noiseColor;
    nameCell.className = "name";
    nameCell.append(swatch, name);
    const value = document.createElement("td");
    value.className = "num";
    const barCell = document.createElement("td");
    barCell.className = "bar-cell";
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.background = swatch.style.background;
    barCell.append(bar);
    tr.append(nameCell, value, barCell);
    body.append(tr);
    return { value: value, bar: bar };
  });

  // ---- drawing one snapshot
  const slider = byId("slider");
  slider.max = String(frames.length - 1);
  let mode = "labels";
  let current = 0;

  function colourPoints(frame) {
    for (let i = 0; i < n; i++) {
      let r = 0, g = 0, b = 0;
      if (mode === "labels") {
        const k = frame.labels[i];
        [r, g, b] = palette[k === 255 ? K : k];
      } else {
        let total = 0;
        for (let k = 0; k < width; k++) {
          const q = frame.resp[i * width + k];
          if (!q) continue;
          total += q;
          r += q * palette[k][0]; g += q * palette[k][1]; b += q * palette[k][2];
        }
        total = total || 1;
        r /= total; g /= total; b /= total;
      }
      dots[i].setAttribute("fill",
        "rgb(" + Math.round(r) + "," + Math.round(g) + "," + Math.round(b) + ")");
    }
  }

  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index | 0));
    const frame = frames[current];
    colourPoints(frame);
    for (let k = 0; k < K; k++) {
      const [mx, my] = frame.means[k];
      const [w, h, angle] = frame.ellipses[k];
      const e = ellipses[k];
      e.setAttribute("rx", w / 2);
      e.setAttribute("ry", h / 2);
      e.setAttribute("transform", "translate(" + mx + " " + my + ") rotate(" +
        angle + ")");
      crosses[k].setAttribute("transform", "translate(" + px(mx).toFixed(2) + " " +
        py(my).toFixed(2) + ")");
    }
    const t = frame.iteration;
    const v = data.curve[t];
    cursor.setAttribute("x1", qx(t));
    cursor.setAttribute("x2", qx(t));
    cursorDot.setAttribute("cx", qx(t));
    cursorDot.setAttribute("cy", v === null ? -10 : qy(v));
    cursorText.textContent = v === null ? "" : label(v);
    // The curve climbs left to right: label below the dot in the upper half,
    // above it in the lower half, on the side away from the nearer edge.
    const right = qx(t) > C.left + cw * 0.7;
    const dotY = v === null ? C.top + ch : qy(v);
    cursorText.setAttribute("x", qx(t) + (right ? -8 : 8));
    cursorText.setAttribute("y", dotY < C.top + ch / 2 ? dotY + 18 : dotY - 9);
    cursorText.setAttribute("text-anchor", right ? "end" : "start");
    const weights = frame.weights.concat(data.hasNoise ? [frame.noiseWeight] : []);
    weights.forEach((w, k) => {
      rows[k].value.textContent = w.toFixed(3);
      rows[k].bar.style.width = (100 * w).toFixed(1) + "%";
    });
    slider.value = String(current);
    let status = "";
    if (t === 0) status = " (start)";
    else if (t === data.nIter) status = data.converged ? " (converged)" : " (last)";
    byId("iteration-label").textContent = t + " of " + data.nIter + status;
    slider.setAttribute("aria-valuetext",
      "Iteration " + t + " of " + data.nIter + status);
  }

  // ---- controls
  let timer = null;
  const play = byId("play");
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    byId("play-text").textContent = "Play";
    byId("play-icon").setAttribute("d", "M4 2v12l10-6z");
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (current >= frames.length - 1) show(0);
    byId("play-text").textContent = "Pause";
    byId("play-icon").setAttribute("d", "M3 2h4v12H3zM9 2h4v12H9z");
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (current >= frames.length - 1) { stop(); return; }
      show(current + 1);
    }, 1000 / data.fps);
  }
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  byId("first").addEventListener("click", () => { stop(); show(0); });
  byId("last").addEventListener("click", () => { stop(); show(frames.length - 1); });
  byId("prev").addEventListener("click", () => { stop(); show(current - 1); });
  byId("next").addEventListener("click", () => { stop(); show(current + 1); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  for (const radio of document.querySelectorAll("input[name=colour]")) {
    radio.addEventListener("change", () => {
      mode = radio.value;
      show(current);
    });
  }
  show(0);
})();
</script>
</body>
</html>
"""
