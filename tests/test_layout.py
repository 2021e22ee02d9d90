"""The shape of the code: module sizes, and which module may import which.

These are the promises of the architecture (``shared/design.md``): modules
short enough to read, estimators that know no Dask, model files that know
no estimator class, a CLI that borrows nothing from the examples, and an
``import gmmkit`` that loads no Dask.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gmmkit"
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 80
#: A longer function says why in its docstring, with these words.
LONG_BECAUSE = "long because"


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the gmmkit modules (and others) a file imports."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    "path", python_files("gmmkit", "benchmarks"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_modules_and_functions_stay_short(path):
    lines = path.read_text().count("\n")
    assert lines <= MAX_FILE_LINES, f"{path.name} has {lines} lines; split it"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            docstring = ast.get_docstring(node) or ""
            assert length <= MAX_FUNCTION_LINES or LONG_BECAUSE in docstring, (
                f"{path.name}:{node.lineno} {node.name} is {length} lines long"
            )


def test_import_gmmkit_loads_no_dask_and_no_asyncio():
    code = (
        "import sys, gmmkit; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'dask', 'distributed', 'asyncio'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


ESTIMATOR_MODULES = ("mixture", "bayesian", "robust", "kmeans", "_mixture_base")


@pytest.mark.parametrize("name", ESTIMATOR_MODULES)
def test_estimators_do_not_know_dask(name):
    imports = imported_modules(PACKAGE / f"{name}.py")
    assert not {m for m in imports if m.split(".")[0] == "dask"}
    assert not {m for m in imports if m.startswith("gmmkit.distributed")}


def test_model_files_know_no_estimator_class():
    imports = imported_modules(PACKAGE / "persistence.py")
    estimators = {f"gmmkit.{name}" for name in ESTIMATOR_MODULES}
    assert not imports & estimators, imports & estimators
    assert "gmmkit" not in imports  # the version comes from gmmkit._version


def test_cli_imports_nothing_from_the_examples_support():
    # `gmmkit example NAME` runs the examples' registry; their helpers
    # (argument parsing, figure saving) are not the CLI's to borrow.
    for path in python_files("gmmkit/cli"):
        imports = imported_modules(path)
        assert not [m for m in imports if "_support" in m], path.name


def test_kernels_and_families_know_no_estimator():
    for path in [PACKAGE / "engine.py", *python_files("gmmkit/families")]:
        imports = imported_modules(path)
        for name in ESTIMATOR_MODULES:
            assert f"gmmkit.{name}" not in imports, (path.name, name)
