"""Where the project's Hydra configs live."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["CONFIG_DIR", "CONFIG_NAME", "GROUPS", "find_config_dir", "group_options", "natural_key"]

CONFIG_NAME = "config"
GROUPS = ("budget", "style", "regularization", "model", "data", "trainer", "objective", "forced", "search")


def find_config_dir() -> Path:
    """``$BUDGET_HPO_CONFIG_DIR``, else the checkout's ``conf/`` (the package is installed editable)."""
    env = os.environ.get("BUDGET_HPO_CONFIG_DIR")
    if env:
        return Path(env).resolve()
    return (Path(__file__).resolve().parents[2] / "conf").resolve()


CONFIG_DIR = find_config_dir()


_SCALE = {"k": 1e3, "M": 1e6, "G": 1e9}


def natural_key(name: str) -> tuple[float, str]:
    """Sort key that puts ``750k < 2M < 20M < 200M`` and leaves other names alphabetical."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kMG]?)", name)
    if match is None:
        return (float("inf"), name)
    return (float(match[1]) * _SCALE.get(match[2], 1.0), name)


def group_options(group: str, config_dir: Path = CONFIG_DIR) -> list[str]:
    """The option names of a config group: the YAML files in ``conf/<group>/``."""
    folder = config_dir / group
    return sorted((p.stem for p in folder.glob("*.yaml")), key=natural_key) if folder.is_dir() else []
