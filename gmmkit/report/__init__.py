"""The generated HTML report: GMM and EM from first principles, then this fit.

:func:`build` fits a mixture and writes one self-contained HTML page
(inline figures, MathML equations, no network). The derivation it contains
is also ``docs/theory.md``, generated from :mod:`gmmkit.report.theory`.
"""

from .builder import build

__all__ = ["build"]
