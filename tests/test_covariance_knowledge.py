"""Covariance-type knowledge stays in gmmkit/covariance/.

Code outside the package asks :func:`gmmkit.covariance.covariance_model` for
what a type does; it never branches on a type's name. This test parses every
module of gmmkit (but the covariance package) and of benchmarks and fails on
each comparison with a name (``==``, ``!=``, ``in``, ``not in``, also against
a tuple, list or set of names), ``match`` case on a name, or dict literal
keyed by one. Naming a type elsewhere is fine: a default argument
(``covariance_type="full"``), a docstring, a message, a call.
"""

import ast
from pathlib import Path

import pytest

from gmmkit.covariance import COVARIANCE_TYPES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gmmkit" / "covariance"


def _names_in(node: ast.AST) -> list[str]:
    """Type names ``node`` is, or holds when it is a tuple, list or set literal."""
    if isinstance(node, ast.Constant) and node.value in COVARIANCE_TYPES:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [name for element in node.elts for name in _names_in(element)]
    return []


def type_name_uses(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for every branch on a covariance type's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found += [
                    (node.lineno, f"compares with {n!r}") for n in _names_in(operand)
                ]
        elif isinstance(node, ast.match_case):
            for part in ast.walk(node.pattern):
                found += [
                    (part.lineno, f"match case on {n!r}") for n in _names_in(part)
                ]
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    found += [
                        (key.lineno, f"dict keyed by {n!r}") for n in _names_in(key)
                    ]
    return sorted(set(found))


def checked_files() -> list[Path]:
    files = sorted((ROOT / "gmmkit").rglob("*.py")) + sorted(
        (ROOT / "benchmarks").rglob("*.py")
    )
    return [path for path in files if PACKAGE not in path.parents]


def test_no_module_outside_the_covariance_package_branches_on_a_type_name():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in checked_files()
        for line, what in type_name_uses(path.read_text(encoding="utf-8"))
    ]
    assert not offences, (
        "covariance-type knowledge outside gmmkit/covariance/ (ask "
        "covariance_model(...) instead):\n" + "\n".join(offences)
    )


def test_the_files_checked_include_the_callers_and_not_the_package():
    checked = {path.relative_to(ROOT).as_posix() for path in checked_files()}
    assert {"gmmkit/stepwise.py", "gmmkit/selection.py"} <= checked
    assert not any(name.startswith("gmmkit/covariance/") for name in checked)


FLAGGED = """
if covariance_type == "full":
    pass
elif "tied" != kind:
    pass
elif kind in ("diag", "spherical"):
    pass
elif kind not in ["tied"]:
    pass
elif kind in {"full", "other"}:
    pass
need = {"full": d + 1, "tied": 1}.get(kind, 2)
match kind:
    case "diag" | "spherical":
        pass
"""

ALLOWED = '''
def fit(X, covariance_type="full", types=("full", "tied")):
    """Branch if covariance_type == "full"."""
    model = covariance_model("spherical")
    message = f"use covariance_type 'diag' not {covariance_type!r}"
    return kind in COVARIANCE_TYPES and kind == other and {"bic": 1}
'''


def test_the_checker_flags_every_form_of_branching_on_a_name():
    assert type_name_uses(FLAGGED) == [
        (2, "compares with 'full'"),
        (4, "compares with 'tied'"),
        (6, "compares with 'diag'"),
        (6, "compares with 'spherical'"),
        (8, "compares with 'tied'"),
        (10, "compares with 'full'"),
        (12, "dict keyed by 'full'"),
        (12, "dict keyed by 'tied'"),
        (14, "match case on 'diag'"),
        (14, "match case on 'spherical'"),
    ]


def test_the_checker_allows_defaults_docstrings_messages_and_calls():
    assert type_name_uses(ALLOWED) == []


@pytest.mark.parametrize("name", COVARIANCE_TYPES)
def test_every_registered_name_is_checked(name):
    assert type_name_uses(f"x = kind == {name!r}") == [(1, f"compares with {name!r}")]
