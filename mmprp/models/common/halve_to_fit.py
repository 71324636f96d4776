"""The widest width, halving from a start, that fits a budget."""
from typing import Callable


def halve_to_fit(width: int, fits: Callable[[int], bool], minimum: int) -> int:
    """Halve ``width`` (not below ``minimum``) until ``fits(width)``.

    Args:
        width (int): The widest width to try.
        fits (Callable[[int], bool]): Whether a width is within budget.
        minimum (int): The narrowest width; returned even if it does not
            fit (a ``width`` already at or below it is returned as is).

    Returns:
        int: The first width of ``width, width // 2, ...`` that fits, or
        ``minimum``.
    """
    while width > minimum and not fits(width):
        width = max(width // 2, minimum)
    return width
