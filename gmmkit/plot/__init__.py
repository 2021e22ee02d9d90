"""Figures of fitted mixtures: each returns its Axes (or Figure), never shows."""

from ._geometry import ellipse_params

__all__ = ["ellipse_params"]
