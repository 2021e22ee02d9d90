"""The model search: gmmkit's ``select_model`` against scikit-learn's loop and mclust.

At every N of a :class:`SearchSetting`, on one seeded mixture, one timed run
each, side by side: gmmkit's default search over the four models
scikit-learn fits and over all 14; scikit-learn's loop (a
``GaussianMixture`` per K and type, chosen by ``bic``) for each ``n_init``;
mclust's ``Mclust`` over the four and over its 14 (in ``Rscript``, timed
inside R) when R with mclust is installed. Each run's log-likelihood per
(K, model) cell is compared with gmmkit's for the same models.
:func:`render_section` writes the section between ``SEARCH_BEGIN`` and
``SEARCH_END``; ``benchmarks/bench.py`` puts it into the report.
"""

from __future__ import annotations

import gc
import math
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

import gmmkit
from gmmkit import select_model
from gmmkit.covariance import COVARIANCE_TYPES, MCLUST_NAMES, covariance_model
from gmmkit.search import SearchPlan

from .fits import quiet
from .grid import Case, make_data
from .load import LOAD_WARNING, PROBE_WARNING, Monitor, OtherLoad, disturbed, percent
from .machine import describe
from .render import _fmt, _int, _table

SEARCH_BEGIN, SEARCH_END = "<!-- search:begin -->", "<!-- search:end -->"
#: Two log-likelihoods of a cell are the same optimum within this, relative.
REL_TOL = 1e-6
#: scikit-learn's four types; mclust calls them VVV, EEE, VVI and VII.
SHARED = tuple(COVARIANCE_TYPES)
#: The same four, by mclust's names in mclust's order (VII, VVI, EEE, VVV).
MCLUST_FOUR = tuple(covariance_model(name).mclust_name for name in reversed(SHARED))


@dataclass(frozen=True)
class SearchSetting:
    """What the search benchmark measures.

    Attributes
    ----------
    sizes : tuple of int
        The N of each point, one data set each.
    ks : tuple of int
        Numbers of components searched (mclust's default is 1..9).
    n_features, n_true : int
        d and the K of the mixture the data are drawn from.
    gmmkit_n_init : int
        ``select_model``'s ``n_init`` (its default, 3).
    sklearn_n_init : tuple of int
        The ``n_init`` of each scikit-learn loop.
    sklearn_budget : float
        Seconds: a loop with ``n_init = n > 1`` runs at a point only when
        ``n`` times the ``n_init=1`` loop's time there stays below it.
    mclust_up_to : int or None
        Above this N mclust does not run (at 200 000 rows each of its runs
        takes several minutes on 2 cores); None: at every N.
    quiet_wait : float
        Seconds to wait at most, before each point, for other work to stop.
    probe_size : int
        Side of the quiet checks' matrix-product probe.
    warm_up : bool
        Whether an untimed little search goes first.
    """

    sizes: tuple[int, ...]
    ks: tuple[int, ...] = tuple(range(1, 10))
    n_features: int = 4
    n_true: int = 4
    gmmkit_n_init: int = 3
    sklearn_n_init: tuple[int, ...] = (1, 10)
    sklearn_budget: float = 300.0
    mclust_up_to: int | None = 10_000
    quiet_wait: float = 30.0
    probe_size: int = 1024
    warm_up: bool = True


FULL_SEARCH = SearchSetting(sizes=(300, 10_000, 200_000))
QUICK_SEARCH = SearchSetting(
    sizes=(200,),
    ks=(1, 2),
    n_features=2,
    n_true=2,
    sklearn_n_init=(1, 2),
    sklearn_budget=30.0,
    quiet_wait=0.0,
    probe_size=256,
    warm_up=False,
)


@dataclass
class Run:
    """One timed search: what ran, how long, what it reached and chose.

    ``cells`` maps (K, mclust's model name) to the total log-likelihood
    reached (empty: not run, ``note`` says why); ``degenerate`` holds the
    cells gmmkit reports as degenerate or failed.
    """

    label: str
    short: str
    library: str
    models: int
    seconds: float = math.nan
    cells: dict[tuple[int, str], float] = field(default_factory=dict)
    choice: tuple[int, str] = (0, "")
    choice_loglik: float = math.nan
    other_load: float | None = None
    speed: float | None = None
    note: str = ""
    degenerate: set = field(default_factory=set)


def _key(k: int, name: str) -> tuple[int, str]:
    """A cell's key, the same whichever of a model's names was used."""
    return int(k), covariance_model(name).mclust_name


def model_label(name: str) -> str:
    """The model's mclust name, with its scikit-learn name after it if it has one."""
    model = covariance_model(name)
    if model.name in SHARED:
        return f"{model.mclust_name} ({model.name})"
    return model.mclust_name


def _watched(monitor: Monitor, call) -> Run:
    """``call()`` with the machine watched: other CPU share, slowest probe."""
    probes = [monitor.speed()]
    gc.collect()
    with OtherLoad() as load:
        run = call()
    probes.append(monitor.speed())
    run.other_load, run.speed = load.share, min(probes)
    return run


# ------------------------------------------------------------------ the runs
def run_gmmkit(X: np.ndarray, setting: SearchSetting, all_models: bool) -> Run:
    """``select_model`` over the four shared models or over all 14 (default)."""
    types = {} if all_models else {"covariance_types": list(SHARED)}
    with quiet():
        tic = time.perf_counter()
        result = select_model(
            X,
            n_components=list(setting.ks),
            n_init=setting.gmmkit_n_init,
            random_state=0,
            **types,
        )
        seconds = time.perf_counter() - tic
    cells, degenerate = {}, set()
    for row in result.rows:
        key = _key(row["n_components"], row["covariance_type"])
        if math.isfinite(row["log_likelihood"]):
            cells[key] = float(row["log_likelihood"])
        if row["status"] != "ok":
            degenerate.add(key)
    models = len(MCLUST_NAMES) if all_models else len(SHARED)
    label = f"gmmkit `select_model`, n_init={setting.gmmkit_n_init}"
    return Run(
        label=label,
        short=f"gmmkit, {models} models",
        library="gmmkit",
        models=models,
        seconds=seconds,
        cells=cells,
        choice=_key(result.best_n_components, result.best_covariance_type),
        choice_loglik=float(result.best_row["log_likelihood"]),
        degenerate=degenerate,
        note=f"{len(degenerate)} cells degenerate or failed" if degenerate else "",
    )


def run_sklearn(X: np.ndarray, setting: SearchSetting, n_init: int) -> Run:
    """scikit-learn's loop: one ``GaussianMixture`` per K and type, by BIC."""
    cells, bics, seconds, unconverged = {}, {}, 0.0, 0
    with quiet():
        for name in SHARED:
            for k in setting.ks:
                model = SklearnGaussianMixture(
                    k, covariance_type=name, n_init=n_init, random_state=0
                )
                tic = time.perf_counter()
                model.fit(X)
                bic = model.bic(X)
                seconds += time.perf_counter() - tic
                key = _key(k, name)
                bics[key] = bic
                cells[key] = float(model.score(X)) * X.shape[0]  # not timed
                unconverged += not model.converged_
    choice = min(bics, key=bics.get)
    note = f"{unconverged} cells stopped at max_iter=100" if unconverged else ""
    label, short = (
        f"scikit-learn loop, n_init={n_init}",
        f"scikit-learn, n_init={n_init}",
    )
    return Run(
        label,
        short,
        "sklearn",
        len(SHARED),
        seconds,
        cells,
        choice,
        cells[choice],
        note=note,
    )


MCLUST_SCRIPT = r"""
suppressMessages(library(mclust))
args <- commandArgs(trailingOnly = TRUE)
X <- as.matrix(read.csv(args[1], header = FALSE))
G <- as.integer(strsplit(args[2], ",")[[1]])
models <- if (args[3] == "all") NULL else strsplit(args[3], ",")[[1]]
set.seed(0)  # hc() starts from a random subset of 2000 rows above that
elapsed <- system.time(
  fit <- Mclust(X, G = G, modelNames = models, verbose = FALSE)
)[["elapsed"]]
cat(sprintf("run\t%.17g\t%s\t%d\t%.17g\n", elapsed, fit$modelName, fit$G,
            fit$loglik))
B <- fit$BIC
for (g in rownames(B)) for (m in colnames(B)) if (!is.na(B[g, m])) {
  df <- nMclustParams(m, ncol(X), as.integer(g))
  cat(sprintf("cell\t%s\t%s\t%.17g\n", g, m, (B[g, m] + df * log(nrow(X))) / 2))
}
"""


VERSION_SCRIPT = (
    'suppressMessages(library(mclust)); cat("mclust", format(packageVersion('
    '"mclust")), "on R", paste(R.version$major, R.version$minor, sep = "."))'
)


def mclust_version() -> str | None:
    """The versions of mclust and R when ``Rscript`` can load mclust, else None."""
    if shutil.which("Rscript") is None:
        return None
    command = ["Rscript", "-e", VERSION_SCRIPT]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    version = done.stdout.strip()
    return version if done.returncode == 0 and version else None


def _mclust_label(setting: SearchSetting, n_models: int) -> str:
    call = f"`Mclust(X, G = {setting.ks[0]}:{setting.ks[-1]})`"
    if n_models == len(MCLUST_NAMES):
        return f"mclust {call}, 14 models"
    return f"mclust {call}, {', '.join(MCLUST_FOUR)}"


def run_mclust(csv: Path, setting: SearchSetting, all_models: bool) -> Run:
    """``Mclust(X, G = ks)`` in Rscript on the data written to ``csv``."""
    models = "all" if all_models else ",".join(MCLUST_FOUR)
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
        script.write(MCLUST_SCRIPT)
    try:
        ks = ",".join(map(str, setting.ks))
        command = ["Rscript", script.name, str(csv), ks, models]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        Path(script.name).unlink()
    cells, run = {}, None
    for line in done.stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == "run":
            run = fields[1:]
        elif fields[0] == "cell":
            cells[_key(fields[1], fields[2])] = float(fields[3])
    elapsed, name, k, loglik = run
    n_models = len(MCLUST_NAMES) if all_models else len(SHARED)
    label, short = _mclust_label(setting, n_models), f"mclust, {n_models} models"
    return Run(
        label,
        short,
        "mclust",
        n_models,
        float(elapsed),
        cells,
        _key(k, name),
        float(loglik),
    )


# -------------------------------------------------------------- comparisons
def agreement(reference: Run, other: Run, tol: float = REL_TOL) -> dict:
    """Cells where ``other`` reached ``reference``'s log-likelihood, or not.

    Returns
    -------
    counts : dict
        ``cells`` compared (both have a number), ``same`` (within ``tol``
        relative to the reference), ``higher`` and ``lower`` (``other``'s
        log-likelihood above or below by more than that).
    """
    gaps = [
        (other.cells[key] - value) / max(abs(value), 1.0)
        for key, value in reference.cells.items()
        if key in other.cells
    ]
    higher = sum(gap > tol for gap in gaps)
    lower = sum(gap < -tol for gap in gaps)
    same = len(gaps) - higher - lower
    return {"cells": len(gaps), "same": same, "higher": higher, "lower": lower}


def reference_for(runs: list[Run], run: Run) -> Run:
    """The gmmkit run over the same models as ``run``."""
    return next(r for r in runs if r.library == "gmmkit" and r.models == run.models)


# ------------------------------------------------------------------ a point
def _sklearn_runs(X, setting: SearchSetting, monitor: Monitor, log) -> list[Run]:
    """Every scikit-learn loop of ``setting`` that fits its time budget."""
    runs, first = [], None
    for n_init in setting.sklearn_n_init:
        if first is not None and n_init > 1:
            expected = first.seconds * n_init
            if expected > setting.sklearn_budget:
                note = (
                    f"not run: {n_init} × the n_init=1 loop ≈ {expected:.0f} s, "
                    f"over the {setting.sklearn_budget:.0f} s budget"
                )
                label = f"scikit-learn loop, n_init={n_init}"
                runs.append(Run(label, "", "sklearn", len(SHARED), note=note))
                log(f"  {label}: {note}")
                continue
        run = _watched(monitor, lambda n=n_init: run_sklearn(X, setting, n))
        log(f"  {run.label}: {run.seconds:.1f} s")
        runs.append(run)
        if n_init == 1:
            first = run
    return runs


def _mclust_runs(X, setting: SearchSetting, monitor: Monitor, log) -> list[Run]:
    """The mclust runs: over the four shared models, then over all 14."""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "X.csv"
        np.savetxt(csv, X, delimiter=",", fmt="%.17g")
        for all_models in (False, True):
            runs.append(
                _watched(monitor, lambda a=all_models: run_mclust(csv, setting, a))
            )
            log(f"  {runs[-1].label}: {runs[-1].seconds:.1f} s (inside R)")
    return runs


def _mclust_left_out(setting: SearchSetting) -> list[Run]:
    """The mclust runs' rows where they do not run (above ``mclust_up_to``)."""
    note = (
        f"not run above {_int(setting.mclust_up_to)} rows "
        "(`bench.py --search --complete` runs it)"
    )
    return [
        Run(_mclust_label(setting, models), "", "mclust", models, note=note)
        for models in (len(SHARED), len(MCLUST_NAMES))
    ]


def measure_point(
    n: int, setting: SearchSetting, monitor: Monitor, mclust: bool, log=print
) -> dict:
    """Every run of the benchmark at one N, on one data set."""
    X = make_data(Case(n, setting.n_features, setting.n_true))
    if setting.quiet_wait > 0:
        monitor.wait_for_quiet(timeout=setting.quiet_wait)
    log(f"search N={_int(n)}:")
    runs = [_watched(monitor, lambda: run_gmmkit(X, setting, all_models=False))]
    log(f"  gmmkit, 4 models: {runs[-1].seconds:.1f} s")
    runs += _sklearn_runs(X, setting, monitor, log)
    runs.append(_watched(monitor, lambda: run_gmmkit(X, setting, all_models=True)))
    log(f"  gmmkit, 14 models: {runs[-1].seconds:.1f} s")
    if mclust and setting.mclust_up_to is not None and n > setting.mclust_up_to:
        log("  mclust left out at this N")
        runs += _mclust_left_out(setting)
    elif mclust:
        runs += _mclust_runs(X, setting, monitor, log)
    # The 14-model search fits the four shared models from the same starts.
    ours = {run.models: run for run in runs if run.library == "gmmkit"}
    shared = agreement(ours[len(SHARED)], ours[len(MCLUST_NAMES)])
    return {"n": n, "runs": runs, "shared": shared}


def warm_up(setting: SearchSetting) -> None:
    """Imports, code paths and BLAS buffers, on a little data, untimed."""
    X = make_data(Case(200, setting.n_features, setting.n_true))
    tiny = replace(setting, ks=(1, 2))
    run_gmmkit(X, tiny, all_models=False)
    run_sklearn(X, tiny, 1)


def run_search(setting: SearchSetting, command: str, log=print) -> dict:
    """Measure every point of ``setting``; what :func:`render_section` shows."""
    start = time.perf_counter()
    version = mclust_version()
    results = {
        "setting": setting,
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mclust_version": version,
        **describe(),
    }
    if setting.warm_up:
        warm_up(setting)
    monitor = Monitor(setting.probe_size)
    results["probe_reference"] = monitor.reference
    results["points"] = [
        measure_point(n, setting, monitor, version is not None, log)
        for n in setting.sizes
    ]
    results["seconds"] = time.perf_counter() - start
    return results


# ---------------------------------------------------------------- rendering
HEADERS = tuple(
    "N|run|models|wall s|ratio (run / gmmkit)|cells same / higher / lower|BIC "
    "choice|its log-likelihood|other CPU %|slowest probe %|note".split("|")
)
#: Row order of the cells table: scikit-learn's order of the four.
SHARED_ORDER = {covariance_model(name).mclust_name: i for i, name in enumerate(SHARED)}


def _choice(run: Run) -> str:
    k, name = run.choice
    return f"K={k} {model_label(name)}"


def _quiet(run: Run) -> list[str]:
    probe = percent(run.speed)
    if disturbed(run.other_load, run.speed):
        probe += " ⚠"
    return [percent(run.other_load), probe]


def _row(point: dict, run: Run) -> list[str]:
    """One run's cells of the main table."""
    head = [_int(point["n"]), run.label, str(run.models)]
    if not run.cells:  # not run
        return head + [""] * (len(HEADERS) - 4) + [run.note]
    reference = reference_for(point["runs"], run)
    if run is reference:
        ratio = cells = "reference"
    else:
        ratio = f"{run.seconds / reference.seconds:.2f}"
        counts = agreement(reference, run)
        cells = f"{counts['same']} / {counts['higher']} / {counts['lower']}"
    found = [_choice(run), f"{run.choice_loglik:.2f}", *_quiet(run), run.note]
    return [*head, _fmt(run.seconds), ratio, cells, *found]


def main_table(points: list[dict]) -> list[str]:
    """Every run at every N: time, ratio, optima against gmmkit's, choice."""
    return _table(
        HEADERS, [_row(point, run) for point in points for run in point["runs"]]
    )


def _gap(reference: Run, other: Run, key: tuple[int, str]) -> str:
    if key not in other.cells:
        return ""
    value = reference.cells[key]
    return f"{(other.cells[key] - value) / max(abs(value), 1.0):+.1e}"


def cells_table(point: dict) -> list[str]:
    """Each shared (K, model) cell: gmmkit's log-likelihood, the others' gaps."""
    runs = point["runs"]
    ours = runs[0]  # gmmkit over the four shared models
    others = [run for run in runs[1:] if run.cells and run.models == ours.models]
    others += [run for run in runs if run.cells and run.models != ours.models]
    headers = ("K", "model", "gmmkit log-likelihood", *(run.short for run in others))
    rows = []
    for key in sorted(ours.cells, key=lambda key: (SHARED_ORDER[key[1]], key[0])):
        mark = " (degenerate)" if key in ours.degenerate else ""
        value = f"{ours.cells[key]:.10g}{mark}"
        gaps = [_gap(ours, run, key) for run in others]
        rows.append([str(key[0]), model_label(key[1]), value, *gaps])
    return _table(headers, rows)


def _setting_text(results: dict) -> str:
    setting: SearchSetting = results["setting"]
    sizes = ", ".join(_int(n) for n in setting.sizes)
    return (
        f"N = {sizes} rows of d = {setting.n_features} from a seeded mixture of "
        f"K = {setting.n_true} Gaussians (`benchkit.grid.make_data`: means ~ "
        "N(0, 2²) per feature, Dirichlet(5) weights, randomly rotated "
        "covariances with variances in [0.5, 2], so the truth is VVV "
        f"(full) with K = {setting.n_true}), K = {setting.ks[0]}..{setting.ks[-1]}."
    )


def method_lines(results: dict) -> list[str]:
    """What each side runs, how it is timed, how the optima are compared."""
    setting: SearchSetting = results["setting"]
    ks = f"range({setting.ks[0]}, {setting.ks[-1] + 1})"
    size = setting.probe_size
    point = results["points"][-1]
    mean = point["runs"][0].choice_loglik / point["n"]  # per row, gmmkit's choice
    left_out = ""
    if setting.mclust_up_to is not None and max(setting.sizes) > setting.mclust_up_to:
        left_out = (
            f"mclust runs up to {_int(setting.mclust_up_to)} rows only, to keep "
            "the benchmark near 15 minutes on 2 cores (`--complete` runs it at "
            "every N). "
        )
    warm = (
        "after an untimed warm-up of gmmkit and scikit-learn on 200 rows"
        if setting.warm_up
        else "without a warm-up"
    )
    budget = (
        f"a loop with n_init = n > 1 runs only where n × the n_init=1 loop's "
        f"time stays under {setting.sklearn_budget:.0f} s"
    )
    return [
        f"- Data: {_setting_text(results)} One data set per N, the same for every run.",
        f"- gmmkit: `select_model(X, n_components={ks}, covariance_types=[...], "
        f"n_init={setting.gmmkit_n_init}, random_state=0)` over the four models "
        "scikit-learn fits, then over all 14 (the default "
        '`covariance_types="all"`). ' + gmmkit_method(setting.gmmkit_n_init),
        "- scikit-learn: for every K and the four types, "
        "`sklearn.mixture.GaussianMixture(K, covariance_type=t, n_init=n, "
        "random_state=0)` with its other defaults (k-means starts, `tol=1e-3` "
        "on the change of the mean per-row lower bound, `max_iter=100`, "
        "`reg_covar=1e-6`), `fit(X)` then `bic(X)`; the loop's time is the sum "
        "of those calls, and its choice the lowest BIC of all cells (no "
        f"degeneracy screen); {budget}.",
        "- mclust: `Mclust(X, G = "
        f"{setting.ks[0]}:{setting.ks[-1]})` with its defaults (14 models), "
        'then with `modelNames = c("VII", "VVI", "EEE", "VVV")`, in '
        "`Rscript` on the same rows (written once to a temporary CSV with 17 "
        "significant digits); one hierarchical start per cell (on a random "
        "2000-row subset above 2000 rows, `set.seed(0)`), EM to a relative "
        "tolerance of 1e-5. Wall time is `system.time()` around `Mclust` "
        "alone, inside R (R's start and reading the CSV are not counted); a "
        "cell's log-likelihood is (BIC + df · log N) / 2 from its BIC table, "
        "df = `nMclustParams`. " + _mclust_state(results),
        "- Timing: one timed run per configuration (each takes seconds to "
        f"minutes), {warm}; wall seconds of the whole search. {left_out}"
        "Ratio = the run's time ÷ gmmkit's for the same models (above 1: "
        "gmmkit faster). Cores: scikit-learn and mclust use them through "
        f"BLAS; gmmkit's E-step runs chunks on {results['gmmkit_threads']} threads.",
        "- Optima: for each (K, model) cell, a run's total log-likelihood "
        "(scikit-learn: `score(X) · N` after the timer; gmmkit: its search "
        "table) against gmmkit's for the same models: *same* when they differ "
        f"by at most {REL_TOL:g} of gmmkit's, *higher* / *lower* when the run's "
        "is above / below by more. scikit-learn stops once an iteration gains "
        "less than 1e-3 per row, about "
        f"{1e-3 / abs(mean):.0e} of a mean log-likelihood near {mean:.1f} "
        "here, mclust at a relative gain of 1e-5, and gmmkit's cells outside "
        f"the contenders at {SearchPlan().rel_tol:g}: a slowly converging fit "
        "ends short of its optimum, so a gap may be the same optimum, "
        "unfinished; the per-cell gaps below show how far.",
        "- Quiet checks (a shared machine): other CPU % is the share of the "
        "machine's CPU time used by other processes during the run (from "
        "/proc/stat; Rscript counts as this benchmark's); slowest probe % the "
        f"slower of two {size}×{size} `A @ B` probes (best of 3 each) just "
        "before and after it, against the probe's best speed in this run "
        f"({results['probe_reference']:.1f} GFLOP/s). Above "
        f"{100 * LOAD_WARNING:.0f}% or below {100 * PROBE_WARNING:.0f}% the run "
        "is marked ⚠: its time is disturbed.",
    ]


def gmmkit_method(n_init: int) -> str:
    """How ``select_model`` fits a cell, from its plan's defaults."""
    plan = SearchPlan()
    text = (
        "Per K, one set of starts shared by every model: mclust's hierarchical "
        f"partition (VVV merges on SVD-transformed data) and {n_init - 1} "
        f"k-means++ partitions; {plan.short_iter} EM iterations from each; "
        "the most likely non-degenerate one and the hierarchical one then run "
        "with SQUAREM until the mean log-likelihood changes by less than "
        f"{plan.rel_tol:g} of itself (above {plan.subsample} rows the short "
        f"runs and the long runs' first part on a seeded {plan.subsample}-row "
        "subsample, then on every row); "
    )
    if hasattr(plan, "refine_tol"):
        text += (
            f"the cells whose BIC ends within {plan.refine_margin:g} of the best "
            f"then go on to {plan.refine_tol:g}; "
        )
    return text + "BIC chooses among the non-degenerate fits."


def _mclust_state(results: dict) -> str:
    if results["mclust_version"] is not None:
        return f"Ran {results['mclust_version']}."
    return "Not run here: `Rscript` with mclust is not installed."


def _machine_line(results: dict) -> str:
    blas = "; ".join(results["blas"])
    return (
        f"{results['cpu']}, {results['cores']} logical cores "
        f"({results['usable_cores']} usable), Python {platform.python_version()}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, gmmkit "
        f"{gmmkit.__version__} (git {results['git']}, source fingerprint "
        f"{results['fingerprint']}); BLAS: {blas}"
    )


def _load_summary(results: dict) -> list[str]:
    runs = [run for point in results["points"] for run in point["runs"] if run.cells]
    shares = [run.other_load for run in runs if run.other_load is not None]
    bad = sum(disturbed(run.other_load, run.speed) for run in runs)
    speeds = [run.speed for run in runs]
    text = (
        "Machine load: other processes used up to "
        f"{percent(max(shares, default=None))}% of the CPUs during a run; the "
        f"probes ran at {percent(min(speeds))}–{percent(max(speeds))}% of "
        "their best speed. "
    )
    if bad:
        text += (
            f"**{bad} of {len(runs)} runs (⚠) were disturbed by other work**: "
            "their times, and the ratios with them, are uncertain by tens of "
            "percent; rerun on a quiet machine."
        )
    else:
        text += "No run was disturbed."
    return [text]


def _shared_lines(results: dict) -> list[str]:
    lines = []
    for point in results["points"]:
        counts = point["shared"]
        lines.append(
            f"N = {_int(point['n'])}: the 14-model search's "
            f"{counts['cells']} cells of the four shared models: {counts['same']} "
            f"the same as the 4-model search's, {counts['higher']} higher, "
            f"{counts['lower']} lower."
        )
    return lines


def render_section(results: dict) -> str:
    """The report's search section, markers included (no newline after END)."""
    out = [
        SEARCH_BEGIN,
        "## Model search: `select_model` against scikit-learn's loop and mclust",
        "",
        f"Measured {results['date']} in {results['seconds']:.0f} s. Machine: "
        f"{_machine_line(results)}. Reproduce: `{results['command']}`.",
        "",
        *method_lines(results),
        "",
        *_load_summary(results),
        "",
        "*cells same / higher / lower*: of the (K, model) cells, how many "
        "reached gmmkit's log-likelihood for the same models within "
        f"{REL_TOL:g} relative, and in how many the run's is higher / lower.",
        "",
        *main_table(results["points"]),
        "",
        " ".join(_shared_lines(results)),
    ]
    for point in results["points"]:
        out += [
            "",
            "<details><summary>Log-likelihood per cell, N = "
            f"{_int(point['n'])}: gmmkit's, and each other run's relative gap "
            "(its − gmmkit's) / |gmmkit's|</summary>",
            "",
            *cells_table(point),
            "",
            "</details>",
        ]
    out.append(SEARCH_END)
    return "\n".join(out)
