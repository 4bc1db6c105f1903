"""Natural sorting of option names: budgets by the count they name, other names alphabetically."""

from __future__ import annotations

import re

__all__ = ["natural_key"]

_SCALE = {"k": 1e3, "M": 1e6, "G": 1e9}


def natural_key(name: str) -> tuple[float, str]:
    """Sort key that puts ``750k < 2M < 20M < 200M`` and leaves other names alphabetical."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kMG]?)", name)
    if match is None:
        return (float("inf"), name)
    return (float(match[1]) * _SCALE.get(match[2], 1.0), name)
