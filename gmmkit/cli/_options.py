"""Arguments, options and their parsers that several ``gmmkit`` commands share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from ..covariance import COVARIANCE_TYPES
from ._app import CommandError

DataFile = Annotated[
    Path,
    typer.Argument(metavar="DATA", help="Data file: CSV/text, .parquet or .npy."),
]
ModelFile = Annotated[Path, typer.Argument(metavar="MODEL", help="Model file.")]
ComponentsOption = Annotated[
    str, typer.Option("-k", "--k", help="Number of components, or 'auto' (BIC).")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(help="Columns to use, by name or 0-based position: a,b or 0,2."),
]


def parse_k_range(text: str) -> list[int]:
    """``"1-10"``, ``"3"`` or ``"2,4,6-8"`` as a sorted list of distinct ints.

    Parameters
    ----------
    text : str

    Returns
    -------
    ks : list of int
    """
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise CommandError(
                f"--k {text!r}: expected numbers of components like 1-10, 3 or 2,4,6-8."
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low:
            raise CommandError(
                f"--k {text!r}: ranges go from 1 upwards, low to high (e.g. 1-10)."
            )
        values.update(range(low, high + 1))
    return sorted(values)


def parse_covariance_types(text: str) -> list[str]:
    """``"all"`` or a comma-separated list of covariance types.

    Parameters
    ----------
    text : str

    Returns
    -------
    types : list of str
    """
    if text.strip() == "all":
        return list(COVARIANCE_TYPES)
    types = [t.strip() for t in text.split(",")]
    for t in types:
        if t not in COVARIANCE_TYPES:
            raise CommandError(
                f"unknown covariance type {t!r}; choose from "
                f"{', '.join(COVARIANCE_TYPES)} or all."
            )
    return types


def check_covariance(value: str) -> str:
    """``--covariance``: one covariance type, returned as given.

    Parameters
    ----------
    value : str

    Returns
    -------
    covariance : str
    """
    if value not in COVARIANCE_TYPES:
        raise CommandError(
            f"--covariance {value!r}: choose one of {', '.join(COVARIANCE_TYPES)}."
        )
    return value


def wants_auto(k: str) -> bool:
    """Whether ``-k`` asks for the number of components to be chosen."""
    return k.strip().lower() == "auto"


def parse_n_components(k: str, *, auto_allowed: bool = True) -> int:
    """``-k K`` as a number of components.

    Parameters
    ----------
    k : str
    auto_allowed : bool, default=True
        Whether the message offers ``auto`` instead.

    Returns
    -------
    n_components : int
    """
    try:
        return int(k)
    except ValueError:
        instead = " or auto" if auto_allowed else ""
        raise CommandError(f"-k {k!r}: give a number of components{instead}.") from None


def check_n_components(n_components: int, n_rows: int) -> int:
    """Refuse a K that ``n_rows`` rows cannot hold; return it otherwise.

    Parameters
    ----------
    n_components : int
    n_rows : int

    Returns
    -------
    n_components : int
    """
    if not 1 <= n_components <= n_rows:
        raise CommandError(
            f"-k {n_components} is not possible with {n_rows} rows: K must be "
            "between 1 and the number of rows."
        )
    return n_components
