"""Output folders: checked before any work, created only when needed."""

from __future__ import annotations

import os
from pathlib import Path

from .io import check_folder

__all__ = ["prepare_out"]


def prepare_out(out: str | os.PathLike, create: bool = True) -> Path:
    """Check the output folder, and create it, or say in one line what is wrong.

    Parameters
    ----------
    out : str or path
        Folder for an example's figures (``--out``).
    create : bool, default=True
        Create it (with its parents); False only checks that it could be,
        leaving nothing behind.

    Returns
    -------
    out : Path

    Raises
    ------
    OSError
        With a one-line message when ``out`` is a file, cannot be created or
        cannot be written.
    """
    out = Path(out)
    try:
        check_folder(out)
    except OSError as error:
        raise OSError(
            f"--out {out}: {error} Give a folder you can write to for the figures."
        ) from None
    if create:
        out.mkdir(parents=True, exist_ok=True)
    return out
