"""Smoke test of the benchmark harness: the quick grid runs and writes its tables.

Only the report's structure and the agreement between gmmkit and scikit-learn
are checked; no timing is asserted. The model search (``bench.py --search``)
runs on a tiny N and K range and must rewrite only its own section.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import threadpoolctl

ROOT = Path(__file__).resolve().parents[1]

# Largest max|Δ means_| / max|means_| allowed between the two libraries after
# 20 iterations from the same start. float32 fits round differently in the two
# libraries and EM carries those differences along, so they get a float32-sized
# bound; every float64 fit must agree far below 1e-6.
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}

SECTIONS = {
    "## EM iterations: Full covariance, float64": "gmmkit s/iter",
    "## EM iterations: Full covariance, float32": "gmmkit s/iter",
    "## EM iterations: Diagonal, tied and spherical covariance, float64": (
        "gmmkit s/iter"
    ),
    "## Peak extra memory during a fit": "gmmkit traced MiB",
    "## Inference: `score_samples`": "gmmkit Mrows/s",
}


def tables(text):
    """Each markdown table as (heading above it, list of {header: cell})."""
    found, heading, lines = [], None, text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            heading = line
        if line.startswith("| N |"):
            headers = [cell.strip() for cell in line.strip("|").split("|")]
            rows = []
            i += 2  # skip the separator
            while i < len(lines) and lines[i].startswith("|"):
                cells = [cell.strip() for cell in lines[i].strip("|").split("|")]
                rows.append(dict(zip(headers, cells, strict=True)))
                i += 1
            assert rows, f"empty table under {heading}"
            found.append((heading, rows))
            continue
        i += 1
    return found


def test_quick_benchmark_writes_report_and_libraries_agree(tmp_path):
    out = tmp_path / "q.md"
    completed = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--quick", "--out", str(out)],
        cwd=ROOT,
        # One thread per library keeps the test light and steady when other
        # work shares the machine; no timing is checked here.
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    text = out.read_text()
    for heading in ("# gmmkit benchmarks", "## Machine", "## Method"):
        assert heading in text
    assert "GEMM peak float64" in text and "GEMM peak float32" in text
    assert "4·N·K·d²" in text  # the flop count is documented
    assert "--quick" in text  # the command that reproduces the report
    # A grid run measures the model search too, in its own section.
    assert text.count("<!-- search:begin -->") == text.count("<!-- search:end -->") == 1

    found = tables(text)
    for heading, column in SECTIONS.items():
        matching = [rows for h, rows in found if h == heading and column in rows[0]]
        assert len(matching) == 1 and matching[0], heading
    accuracy = [rows for _, rows in found if "gmmkit vs float64" in rows[0]]
    assert accuracy, "float32 points are compared with a float64 fit"
    own = [rows for _, rows in found if "speed-up over float64" in rows[0]]
    assert len(own) == 1 and own[0][0]["dtype"] == "float32"
    assert float(own[0][0]["speed-up over float64"]) > 0

    checked = 0
    for heading, rows in found:
        for row in rows:
            if "max rel diff" not in row:
                continue
            diff = float(row["max rel diff"])
            assert diff < TOLERANCE[row["dtype"]], (heading, row)
            checked += 1
    assert checked >= 8  # 6 EM points, 1 memory point, 1 inference point


# ------------------------------------------------------------- model search
SEARCH_BEGIN, SEARCH_END = "<!-- search:begin -->", "<!-- search:end -->"
AROUND = (
    "# Report\n\nkept above\n\n",
    "\n\nkept below\n\n<!-- dask:begin -->\nDask numbers\n<!-- dask:end -->\n",
)


def _load_bench(monkeypatch):
    path = ROOT / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("gmmkit_bench_search", path)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gmmkit_bench_search", bench)
    spec.loader.exec_module(bench)
    return bench


def _search_rows(section):
    """The main table's rows as {header: cell}."""
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| N |"))
    headers = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def test_quick_search_benchmark_rewrites_only_its_section(tmp_path, monkeypatch):
    bench = _load_bench(monkeypatch)
    out = tmp_path / "report.md"
    before, after = AROUND
    out.write_text(f"{before}{SEARCH_BEGIN}\nold numbers\n{SEARCH_END}{after}")
    # In this process (no second start-up of NumPy and scikit-learn), on one
    # thread: light and steady when other work shares the machine.
    with threadpoolctl.threadpool_limits(1):
        assert bench.main(["--search", "--quick", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith(before) and text.endswith(after)  # byte for byte
    section = text[len(before) : len(text) - len(after)]
    assert section.startswith(SEARCH_BEGIN) and section.endswith(SEARCH_END)
    assert "old numbers" not in section
    assert "--search --quick" in section  # the command that reproduces it
    rows = _search_rows(section)
    runs = [(row["run"], row["models"]) for row in rows]
    gmmkit = [run for run in runs if run[0].startswith("gmmkit")]
    assert [models for _, models in gmmkit] == ["4", "14"]
    assert sum(run[0].startswith("scikit-learn loop") for run in runs) == 2
    mclust = [row for row in rows if row["run"].startswith("mclust")]
    assert len(mclust) in (0, 2)
    if not mclust:
        assert "Not run here" in section
    n_cells = {"4": 2 * 4, "14": 2 * 14}  # K = 1, 2 in the quick setting
    for row in rows:
        assert float(row["wall s"]) > 0
        if row["ratio (run / gmmkit)"] == "reference":
            continue
        assert float(row["ratio (run / gmmkit)"]) > 0
        counts = [int(c) for c in row["cells same / higher / lower"].split(" / ")]
        assert sum(counts) == n_cells[row["models"]], row
        assert row["BIC choice"].startswith("K=")
    # K = 1 has one optimum: every run reaches gmmkit's there.
    details = section[section.index("<details>") :]
    k1 = [line for line in details.splitlines() if line.startswith("| 1 |")]
    assert len(k1) == 4
    for line in k1:
        gaps = [cell.strip() for cell in line.strip("|").split("|")][3:]
        assert gaps and all(abs(float(gap)) < 1e-6 for gap in gaps), line
    assert "the same as the 4-model search's" in section


def test_search_section_lands_in_its_place(tmp_path, monkeypatch):
    bench = _load_bench(monkeypatch)
    section = f"{SEARCH_BEGIN}\n## new\n{SEARCH_END}"
    before, after = AROUND
    old = f"{before}{SEARCH_BEGIN}\nold\n{SEARCH_END}{after}"
    assert bench.replace_search_section(old, section) == before + section + after
    # No section yet: before the Dask section, else at the end.
    dask = "<!-- dask:begin -->\nd\n<!-- dask:end -->\n"
    assert (
        bench.replace_search_section(f"# R\n\n{dask}", section)
        == f"# R\n\n{section}\n\n{dask}"
    )
    assert bench.replace_search_section("# R\n", section) == f"# R\n\n{section}\n"
    assert bench.replace_search_section("", section) == section + "\n"
    out = tmp_path / "BENCHMARKS.md"
    out.write_text(old)
    bench.write_search_section(out, section)
    assert out.read_text() == before + section + after
    assert bench.old_section(out, SEARCH_BEGIN, SEARCH_END) == section
    assert bench.old_section(tmp_path / "missing.md", SEARCH_BEGIN, SEARCH_END) is None


def test_search_takes_only_quick_and_out(monkeypatch):
    bench = _load_bench(monkeypatch)
    for extra in (["--repeats", "2"], ["--retries", "1"], ["--skip-search"]):
        with pytest.raises(SystemExit):
            bench.parse_args(["--search", *extra])
    args = bench.parse_args(["--search"])
    assert bench.reproduce_command(args, ROOT / "BENCHMARKS.md").startswith(
        "make bench-search"
    )
