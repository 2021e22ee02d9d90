"""Smoke test of the benchmark harness: the quick grid runs and writes its tables.

Only the report's structure and the agreement between gmmkit and scikit-learn
are checked; no timing is asserted.
"""

import os
import subprocess
import sys
from pathlib import Path

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
