"""Phase 2: write one ``search`` config file per top budget of a phase-1 study.

The files are plain Hydra configs a user reads, edits, commits and runs
(``budget-hpo -m search=phase2_20M``). Generation is deterministic: the same study gives a
byte-identical file (its time stamp is the study's last finished trial, not the clock). Each file
ends its header with a hash of its own content, so a file edited by hand since it was generated is
recognised and never overwritten: the new one is written beside it (``.yaml.new``) with a warning,
unless ``overwrite`` is set.
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

from budget_hpo.errors import ConfigError
from budget_hpo.phase2.ranking import RULE_TEXT, BudgetRank, TrialOutcome, top_budgets

__all__ = [
    "Phase2Settings",
    "Phase2Spec",
    "WriteOutcome",
    "phase2_folder",
    "phase2_specs",
    "regenerate",
    "render_phase2",
    "write_phase2",
    "write_phase2_files",
]

log = logging.getLogger(__name__)

HASH_PREFIX = "# content-sha256: "


@dataclass(frozen=True)
class Phase2Settings:
    """``search.phase2``: how many budgets, how many trials, and the search space."""

    top_budgets: int = 2
    n_trials: int = 25
    overwrite: bool = False
    config_dir: str | None = None
    n_heads: tuple[int, ...] = (1, 2, 4, 8, 16)
    lr: tuple[float, float] = (5e-6, 2e-3)
    weight_decay: tuple[float, float] = (0.05, 0.1)
    batch_size: tuple[int, ...] = (8, 16, 32, 64, 128, 256)

    @classmethod
    def from_config(cls, node: Any) -> Phase2Settings:
        return cls(
            top_budgets=int(node.top_budgets),
            n_trials=int(node.n_trials),
            overwrite=bool(node.overwrite),
            config_dir=None if node.config_dir is None else str(node.config_dir),
            n_heads=tuple(int(h) for h in node.n_heads),
            lr=(float(node.lr[0]), float(node.lr[1])),
            weight_decay=(float(node.weight_decay[0]), float(node.weight_decay[1])),
            batch_size=tuple(int(b) for b in node.batch_size),
        )


@dataclass(frozen=True)
class Phase2Spec:
    """Everything one phase-2 file states."""

    budget: str
    style: str
    dropout: float
    d_model: int
    n_heads: tuple[int, ...]
    dropped_heads: tuple[int, ...]
    best_trial: int
    best_value: float
    ranks: tuple[BudgetRank, ...]
    direction: str
    storage: str
    source_study: str
    as_of: str
    settings: Phase2Settings

    @property
    def name(self) -> str:
        return f"phase2_{self.budget}"


def phase2_specs(
    study: Any, storage: str, settings: Phase2Settings
) -> list[Phase2Spec]:
    """Analyse a phase-1 study: the top budgets and, for each, phase 1's best style and dropout."""
    from optuna.trial import TrialState

    direction = study.direction.name.lower()
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    outcomes = [TrialOutcome(t.number, str(t.params.get("budget")), t.value) for t in complete]
    ranks = tuple(top_budgets(outcomes, direction, max(settings.top_budgets, 1)))
    all_ranks = tuple(
        top_budgets(outcomes, direction, len({o.budget for o in outcomes}) or 1)
    )
    if not ranks:
        raise ConfigError(
            "study", study.study_name, "a phase-1 study with at least one COMPLETE trial"
        )
    finished = [t.datetime_complete for t in trials if t.datetime_complete is not None]
    as_of = max(finished).isoformat(timespec="seconds") if finished else "no finished trial"
    by_number = {t.number: t for t in complete}
    specs = []
    for rank in ranks:
        best = by_number[rank.best_trial]
        d_model = int(best.user_attrs.get("d_model", 0))
        if d_model <= 0:
            raise ConfigError(
                f"trial {best.number}", "no d_model attribute", "a trial run by budget-hpo"
            )
        kept = tuple(h for h in settings.n_heads if d_model % h == 0)
        dropped = tuple(h for h in settings.n_heads if d_model % h)
        specs.append(
            Phase2Spec(
                budget=rank.budget,
                style=str(best.params.get("style", best.user_attrs.get("style"))),
                dropout=float(best.params.get("regularization.dropout", 0.5)),
                d_model=d_model,
                n_heads=kept,
                dropped_heads=dropped,
                best_trial=best.number,
                best_value=float(best.value),  # type: ignore[arg-type]
                ranks=all_ranks,
                direction=direction,
                storage=storage,
                source_study=study.study_name,
                as_of=as_of,
                settings=settings,
            )
        )
    return specs


def _fmt(x: float) -> str:
    return repr(float(x))


def render_phase2(spec: Phase2Spec) -> str:
    """The file's text, hash line included; a pure function of ``spec``."""
    s = spec.settings
    run_from = f"--config-dir {s.config_dir} " if s.config_dir else ""
    best_lines = [
        f"#     {r.budget:>5}: {r.best_value:.4f} (trial {r.best_trial}; mean of best three "
        f"{r.mean_top3:.4f}; {r.n_complete} complete)"
        for r in spec.ranks
    ]
    heads_note = (
        f"all of {list(s.n_heads)} divide d_model={spec.d_model}"
        if not spec.dropped_heads
        else f"{list(spec.dropped_heads)} dropped: they do not divide d_model={spec.d_model}"
    )
    lines = [
        "# @package _global_",
        f"# Phase 2 for the {spec.budget} budget, generated from a phase-1 study. Edit freely: a",
        "# regenerated file never replaces an edited one (search.phase2.overwrite=true does).",
        f"#   source: study {spec.source_study} in {spec.storage}",
        f"#   as of: {spec.as_of} (the study's last finished trial)",
        f"#   top {s.top_budgets} budgets: {RULE_TEXT}.",
        "#   phase-1 best per budget:",
        *best_lines,
        f"#   fixed from phase 1's best {spec.budget} trial ({spec.best_trial}): "
        f"style={spec.style}, dropout={spec.dropout:.4g}",
        f"#   n_heads: {heads_note}",
        "# Run it:",
        f"#   budget-hpo -m {run_from}search={spec.name}",
        "defaults:",
        f"  - override /budget: {spec.budget}",
        f"  - override /style: {spec.style}",
        "  - override /hydra/sweeper: budget_optuna",
        "  - override /hydra/sweeper/sampler: tpe",
        "",
        "regularization:",
        f"  dropout: {_fmt(spec.dropout)}",
        "",
        "search:",
        f"  name: {spec.name}",
        f"  budgets: [{spec.budget}]",
        "  forced: false",
        "  early_stop:",
        "    enabled: false               # phase 2 runs its n_trials (the seed's 20-30 per budget)",
        "",
        "hydra:",
        "  sweeper:",
        f"    direction: {spec.direction}",
        f"    storage: {spec.storage}",
        f"    study_name: budget-hpo-{spec.name}",
        f"    n_trials: {s.n_trials}",
        "    n_jobs: 1",
        "    sampler:",
        "      seed: ${seed}",
        "      multivariate: true",
        "      constant_liar: true",
        f"      n_startup_trials: {min(8, max(1, s.n_trials // 3))}",
        "    params:",
        f"      model.n_heads: choice({', '.join(str(h) for h in spec.n_heads)})",
        f"      regularization.lr: tag(log, interval({_fmt(s.lr[0])}, {_fmt(s.lr[1])}))",
        f"      regularization.weight_decay: interval({_fmt(s.weight_decay[0])}, "
        f"{_fmt(s.weight_decay[1])})",
        f"      model.batch_size: choice({', '.join(str(b) for b in s.batch_size)})",
    ]
    body = "\n".join(lines) + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()
    # the hash line goes right after the header comment, before `defaults:`
    head, _, rest = body.partition("defaults:\n")
    return f"{head}{HASH_PREFIX}{digest}\ndefaults:\n{rest}"


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
    """Write ``<folder>/phase2_<budget>.yaml`` atomically, respecting hand edits."""
    folder.mkdir(parents=True, exist_ok=True)
    text = render_phase2(spec)
    path = folder / f"{spec.name}.yaml"
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
    study: Any, storage: str, settings: Phase2Settings, folder: Path
) -> list[WriteOutcome]:
    """Analyse ``study`` and write one file per top budget into ``folder``."""
    outcomes = [
        write_phase2(spec, folder, settings.overwrite)
        for spec in phase2_specs(study, storage, settings)
    ]
    for o in outcomes:
        log.info("phase 2: %s %s", o.status, o.path)
    return outcomes


def phase2_folder(settings: Phase2Settings, default_config_dir: Path) -> Path:
    """``<config_dir>/search``: a Hydra config dir's ``search`` group."""
    root = Path(settings.config_dir).expanduser() if settings.config_dir else default_config_dir
    return root / "search"


def regenerate(overrides: Sequence[str]) -> list[WriteOutcome]:
    """Compose ``overrides`` like a phase-1 sweep would and write its phase-2 files."""
    import optuna
    from hydra import compose, initialize_config_dir

    from budget_hpo.configs import CONFIG_DIR, CONFIG_NAME

    with initialize_config_dir(config_dir=str(CONFIG_DIR)):
        cfg = compose(config_name=CONFIG_NAME, overrides=list(overrides), return_hydra_config=True)
    storage, name = str(cfg.hydra.sweeper.storage), str(cfg.hydra.sweeper.study_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError as err:
        raise ConfigError("hydra.sweeper.study_name", name, f"a study in {storage}") from err
    settings = Phase2Settings.from_config(cfg.search.phase2)
    return write_phase2_files(study, storage, settings, phase2_folder(settings, CONFIG_DIR))
