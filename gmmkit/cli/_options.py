"""Arguments, options and their parsers that several ``gmmkit`` commands share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from ..covariance import MCLUST_NAMES, MODEL_NAMES
from ._app import CommandError

DataFile = Annotated[
    Path,
    typer.Argument(metavar="DATA", help="Data file: CSV/text, .parquet or .npy."),
]
ModelFile = Annotated[Path, typer.Argument(metavar="MODEL", help="Model file.")]
ComponentsOption = Annotated[
    str, typer.Option("-k", "--k", help="Number of components, or 'auto' (BIC).")
]
CovarianceOption = Annotated[
    str,
    typer.Option(
        help="Covariance models: all (mclust's 14: EII, VII, EEI, VEI, EVI, VVI, "
        "EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV), one (EEV, full) or several "
        "(EEV,VEV); scikit-learn's full, tied, diag, spherical are VVV, EEE, "
        "VVI, VII."
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(help="Random seed; 0 gives select_model's own default answer."),
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


#: What ``--covariance`` takes: the 18 model names and ``all``.
COVARIANCE_CHOICES = f"{', '.join(MODEL_NAMES)}, or all (mclust's 14)"


def _model_name(name: str, text: str, option: str) -> str:
    """One model name as the library spells it (``eev`` is ``EEV``)."""
    if name in MODEL_NAMES:
        return name
    if name.upper() in MCLUST_NAMES:
        return name.upper()
    raise CommandError(
        f"{option} {text!r}: unknown covariance model {name!r}; choose from "
        f"{COVARIANCE_CHOICES}."
    )


def parse_covariance_types(text: str, option: str = "--covariance") -> list[str]:
    """``"all"`` (mclust's 14 models) or a comma-separated list of models.

    Parameters
    ----------
    text : str
        ``all``, one name (``EEV``, ``full``) or several (``EEV,VEV``). The
        names are those of :data:`gmmkit.covariance.MODEL_NAMES`; mclust's
        may be written in lower case.
    option : str, default="--covariance"
        Named in the error message.

    Returns
    -------
    types : list of str
        Each name once, in the order given; ``all`` gives mclust's 14, in
        mclust's order.
    """
    if text.strip().lower() == "all":
        return list(MCLUST_NAMES)
    names = [_model_name(t.strip(), text, option) for t in text.split(",")]
    return list(dict.fromkeys(names))


def check_covariance(value: str, option: str = "--covariance") -> str:
    """``--covariance`` naming one covariance model, returned as the library spells it.

    Parameters
    ----------
    value : str
    option : str, default="--covariance"

    Returns
    -------
    covariance : str
    """
    return _model_name(value.strip(), value, option)


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
