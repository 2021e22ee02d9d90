"""One look for every figure: component colours and small drawing helpers."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

#: Colour of data points that belong to no component (background noise).
NOISE_COLOR = "#9a9a9a"


def component_colors(n_components: int) -> np.ndarray:
    """Distinct RGBA colours, one per component, the same in every figure.

    Parameters
    ----------
    n_components : int

    Returns
    -------
    colors : ndarray of shape (n_components, 4)
    """
    if n_components <= 10:
        return colormaps["tab10"](np.arange(n_components))
    if n_components <= 20:
        return colormaps["tab20"](np.arange(n_components))
    return colormaps["turbo"](np.linspace(0.05, 0.95, n_components))


def to_hex(color: np.ndarray) -> str:
    """``#rrggbb`` for an RGB(A) colour in [0, 1] (for HTML pages)."""
    r, g, b = (round(255 * float(c)) for c in np.asarray(color)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"
