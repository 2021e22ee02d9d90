"""Plain-text tables and DataFrames for the result objects of model choice."""

from __future__ import annotations


def data_frame(rows: list[dict]):
    """``rows`` as a pandas DataFrame, with an install hint when pandas is missing."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_frame needs pandas: pip install 'gmmkit[pandas]'."
        ) from None
    return pd.DataFrame(rows)


def shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the last column left unpadded."""
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in table
    )
