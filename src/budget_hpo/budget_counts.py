"""A budget is a parameter count: the one rule that reads one (``750k``, ``2M``, ``5e6``,
``1.5M``, ``50000000``) and the one that writes its short name (``5M``).

Budget option names are their counts' short names, so ``budget=5e6`` and ``budget=5M`` name one
option, and budgets sort by the count they name wherever they are listed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from budget_hpo.errors import ConfigError

__all__ = ["COUNT_HINT", "budget_grid", "budget_option", "count_name", "count_or_none",
           "parse_count", "sort_budgets"]

COUNT_HINT = "a parameter count such as 750k, 2M, 1.5M, 5e6 or 50000000"
_UNITS = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "B": 10**9}
_NAMES = (("G", 10**9), ("M", 10**6), ("k", 10**3))
_COUNT = re.compile(r"(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)(?P<unit>[kKMGB]?)")


def count_or_none(value: object) -> int | None:
    """The parameter count ``value`` names, or None when it names none (a positive integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        if not math.isfinite(value) or value <= 0 or value != int(value):
            return None
        return int(value)
    match = _COUNT.fullmatch(str(value).strip().replace("_", ""))
    if match is None:
        return None
    number, unit = match["number"], match["unit"]
    scale = _UNITS.get(unit, 1)
    # exact for decimal strings: 1.5M is 1,500,000 whatever float rounding would say
    mantissa, _, exponent = number.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = int((whole or "0") + fraction)
    power = (int(exponent) if exponent else 0) - len(fraction)
    numerator, denominator = digits * scale, 1
    if power >= 0:
        numerator *= 10**power
    else:
        denominator = 10**-power
    if numerator % denominator or numerator == 0:
        return None
    return numerator // denominator


def parse_count(value: object, key: str = "budget") -> int:
    """The parameter count ``value`` names.

    Raises:
        ConfigError: ``value`` names no positive whole number of parameters.
    """
    count = count_or_none(value)
    if count is None:
        raise ConfigError(key, value, COUNT_HINT)
    return count


def count_name(count: int) -> str:
    """The short name of a count: its shortest exact spelling, ``5M``, ``750k``, ``1.5M``, ``2G``,
    or the plain integer (``902785``) when no unit with at most three decimals is shorter."""
    for unit, scale in _NAMES:
        if count >= scale and (count * 1000) % scale == 0:
            text = f"{count / scale:.3f}".rstrip("0").rstrip(".") + unit
            return text if len(text) <= len(str(count)) else str(count)
    return str(count)


def budget_option(value: object, options: Iterable[str] = ()) -> str:
    """The ``budget`` option that ``value`` names: an option of ``options`` (a budget file's own
    name) as it is, else the short name of the count it names (``5e6`` -> ``5M``).

    Raises:
        ConfigError: ``value`` is neither an option nor a count.
    """
    text = str(value)
    if text in set(options):
        return text
    return count_name(parse_count(value))


def sort_budgets(names: Iterable[str]) -> list[str]:
    """Budget names by the count they name (names that are no count last, alphabetically)."""
    def key(name: str) -> tuple[int, int, str]:
        count = count_or_none(name)
        return (0, count, name) if count is not None else (1, 0, name)

    return sorted(names, key=key)


def budget_grid(values: Iterable[object], options: Iterable[str] = (),
                key: str = "search.budgets") -> list[str]:
    """``search.budgets`` as budget options, sorted by count (``[2M, 5e6]`` -> ``[2M, 5M]``).

    Raises:
        ConfigError: an empty grid, a value that is neither an option nor a count, or two values
            that name the same count (``[5M, 5e6]``).
    """
    known = list(options)
    raw = list(values)
    if not raw:
        raise ConfigError(key, "[]", "a non-empty list of budgets such as [2M,20M]")
    names: list[str] = []
    for value in raw:
        try:
            names.append(budget_option(value, known))
        except ConfigError:
            raise ConfigError(key, value, f"{COUNT_HINT}, or a budget option: "
                              f"{' | '.join(sort_budgets(known))}") from None
    seen: dict[object, str] = {}
    for value, name in zip(raw, names, strict=True):
        identity = count_or_none(name) or name
        if identity in seen:
            raise ConfigError(key, f"[{seen[identity]}, {value}]",
                              f"distinct budgets (both name {name})")
        seen[identity] = str(value)
    return sort_budgets(names)
