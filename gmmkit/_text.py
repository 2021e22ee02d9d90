"""Small helpers for the sentences that figures, reports and the CLI write."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the right number.

    Examples
    --------
    >>> plural(1, "component"), plural(3, "feature"), plural(0, "point")
    ('1 component', '3 features', '0 points')
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
