"""Smoke test of benchmarks/bench_dask.py and of bench.py keeping its section.

The quick run's table and the agreement of the three fits are checked; no
timing is asserted.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- dask:begin -->", "<!-- dask:end -->"


def test_quick_dask_benchmark_updates_only_its_section(tmp_path):
    out = tmp_path / "report.md"
    out.write_text(
        f"# Report\n\nkept above\n\n{BEGIN}\nold numbers\n{END}\n\nkept below\n"
    )
    completed = subprocess.run(
        [sys.executable, "benchmarks/bench_dask.py", "--quick", "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    text = out.read_text()
    assert text.startswith("# Report\n\nkept above\n") and "kept below" in text
    assert "old numbers" not in text
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    section = text[text.index(BEGIN) : text.index(END)]
    assert "K·(1 + d + d²)" in section  # the traffic per block is documented
    assert "--quick" in section  # the command that reproduces it
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    labels = [row.split("|")[1].strip() for row in rows]
    assert labels[0] == "in memory (NumPy)"
    assert any("LocalCluster" in label for label in labels)
    for row in rows[1:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert float(cells[-1]) < 1e-8, row  # same fit as in memory


def test_bench_rewrite_keeps_the_dask_section(tmp_path, monkeypatch):
    path = ROOT / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("gmmkit_bench", path)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gmmkit_bench", bench)  # for its dataclasses
    spec.loader.exec_module(bench)
    out = tmp_path / "BENCHMARKS.md"
    section = f"{BEGIN}\n## Dask\n| a | b |\n{END}"
    out.write_text(f"# old report\n\n{section}\n")
    text = bench.keep_dask_section(out, "# new report\n")
    assert text == f"# new report\n\n{section}\n"
    out.write_text("# old report without a Dask section\n")
    assert bench.keep_dask_section(out, "# new\n") == "# new\n"
    assert bench.keep_dask_section(tmp_path / "missing.md", "# new\n") == "# new\n"
