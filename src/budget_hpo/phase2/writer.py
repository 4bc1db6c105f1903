"""Phase 2's files: write one ``search`` config per top budget of a phase-1 study.

The files are plain Hydra configs a user reads, edits, commits and runs
(``budget-hpo -m search=phase2_20M``). They go into the user's config directory
(:func:`phase2_folder`), never into the installed package. Each file ends its header with a hash
of its own content, so a file edited by hand since it was generated is recognised and never
overwritten: the new one is written beside it (``.yaml.new``) with a warning, unless
``search.phase2.overwrite`` is set. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget_hpo.config_dirs import user_config_dir
from budget_hpo.phase2.experiment import Experiment, experiment_of
from budget_hpo.phase2.spec import HASH_PREFIX, Phase2Spec, phase2_specs, render_phase2
from budget_hpo.schema import Phase2Config

__all__ = ["WriteOutcome", "phase2_folder", "regenerate", "write_phase2", "write_phase2_files"]

log = logging.getLogger(__name__)


def _is_hand_edited(text: str) -> bool:
    """True when the file's recorded hash does not match its content (or it has none)."""
    kept, digest = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith(HASH_PREFIX):
            digest = line[len(HASH_PREFIX):].strip()
        else:
            kept.append(line)
    return digest is None or hashlib.sha256("".join(kept).encode()).hexdigest() != digest


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class WriteOutcome:
    path: Path
    status: str  # "written" | "unchanged" | "beside" (hand-edited original kept)


def write_phase2(spec: Phase2Spec, folder: Path, overwrite: bool = False) -> WriteOutcome:
    """Write ``<folder>/<phase-1 study>/phase2_<budget>.yaml`` (``folder``: a config dir's
    ``search`` group) atomically, respecting hand edits."""
    path = folder / f"{spec.option}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_phase2(spec)
    if path.exists():
        current = path.read_text()
        if current == text:
            return WriteOutcome(path, "unchanged")
        if _is_hand_edited(current) and not overwrite:
            beside = path.with_name(path.name + ".new")
            _atomic_write(beside, text)
            log.warning(
                "%s was edited by hand: kept it, wrote the regenerated file to %s "
                "(search.phase2.overwrite=true replaces it)", path, beside,
            )
            return WriteOutcome(beside, "beside")
    _atomic_write(path, text)
    return WriteOutcome(path, "written")


def write_phase2_files(
    study: Any, storage: str, settings: Phase2Config, experiment: Experiment,
    folder: Path | None = None,
) -> list[WriteOutcome]:
    """Analyse ``study`` (ranking replicated trials by their fresh-seed mean) and write one file
    per top budget into ``folder`` (a ``search`` group folder; default: :func:`phase2_folder`),
    pinning phase 1's ``experiment``."""
    from budget_hpo.search.replicates import open_replicas, seed_stats

    seeds = seed_stats(study, open_replicas(storage, study.study_name))
    folder = folder if folder is not None else phase2_folder(settings)
    outcomes = [
        write_phase2(spec, folder, settings.overwrite)
        for spec in phase2_specs(study, storage, settings, experiment, seeds)
    ]
    for o in outcomes:
        log.info("phase 2: %s %s", o.status, o.path)
    return outcomes


def phase2_folder(settings: Phase2Config) -> Path:
    """``<config dir>/search``: ``search.phase2.config_dir`` if set, else the user's config dir
    (``$BUDGET_HPO_CONFIG_DIR``, else ``./conf``)."""
    root = Path(settings.config_dir).expanduser() if settings.config_dir else user_config_dir()
    return root / "search"


def regenerate(args: Sequence[str]) -> list[WriteOutcome]:
    """Compose ``args`` like a phase-1 sweep would and write its phase-2 files."""
    from budget_hpo.compose import compose_config
    from budget_hpo.passwords import check_config
    from budget_hpo.schema import typed_config
    from budget_hpo.search.storage import open_study

    raw = compose_config(args, return_hydra_config=True)
    check_config(raw)  # a literal password in a config file: refused, never copied into a file
    storage, name = str(raw.hydra.sweeper.storage), str(raw.hydra.sweeper.study_name)
    study = open_study(storage, name)
    return write_phase2_files(study, storage, typed_config(raw).search.phase2,
                              experiment_of(raw))
