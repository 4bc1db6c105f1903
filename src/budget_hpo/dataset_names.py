"""A dataset's name, as study names, phase-2 folders and the report spell it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DEFAULT_FAMILY", "dataset_name", "family_suffix"]

DEFAULT_FAMILY = "itransformer"  # the seed's model: its studies keep the seed's names


def family_suffix(model: str) -> str:
    """What a model family adds to a study's name: nothing for the seed's iTransformer (and the
    ``tiny`` test fixture that stands in for it), ``-<model>`` for any other, so that two
    families on one dataset are two studies."""
    return "" if model in (DEFAULT_FAMILY, "tiny") else f"-{model}"


def dataset_name(name: str | None, choice: str | None, path: str | None,
                 paths: Sequence[str] | None) -> str:
    """A dataset's name, as study names and phase-2 folders spell it: ``data.name`` when set,
    else the data option's name (``data=my_exchange``), else for ``data=csv`` the file's stem
    (several pooled files: their stems joined by ``+``). Characters other than letters, digits
    and ``_.+-`` become ``_``."""
    if name:
        raw = str(name)
    elif choice and choice != "csv":
        raw = str(choice)
    else:
        files = [str(p) for p in (paths or [])] or ([str(path)] if path else [])
        raw = "+".join(Path(f).stem for f in files) or "data"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", raw)
