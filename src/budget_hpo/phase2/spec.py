"""Phase 2's file spec: from a phase-1 study to what one ``phase2_<budget>.yaml`` states.

:func:`phase2_specs` analyses a study (top budgets by :mod:`budget_hpo.phase2.ranking`, each one's
best style and dropout); :func:`render_phase2` turns a spec into the file's text, deterministically
(the same study gives a byte-identical file). What phase 2 searches and runs under is YAML: the
space is ``search.phase2.params`` (only ``model.n_heads`` is trimmed here to divisors of the
budget's d_model), and a file starts from ``conf/search/phase2.yaml`` (:data:`BASE`: the sweeper,
sampler and early-stop settings every phase 2 shares), so only its study's lines are rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from budget_hpo.budget_counts import count_or_none
from budget_hpo.errors import ConfigError
from budget_hpo.phase2.experiment import Experiment
from budget_hpo.phase2.lr_transfer import LrTransfer, first_trial_lines, phase_lr_law
from budget_hpo.phase2.ranking import RULE_TEXT, BudgetRank, TrialOutcome, seed_ranked, top_budgets
from budget_hpo.records import TrialRecord
from budget_hpo.schema import Phase2Config
from budget_hpo.search.replicates import SeedStats
from budget_hpo.search.storage import STORAGE_ENV, config_reference, display_url
from budget_hpo.trial.sizing import head_divisors, sizing_family

__all__ = ["BASE", "HASH_PREFIX", "Phase2Spec", "phase2_space", "phase2_specs", "render_phase2"]

HASH_PREFIX = "# content-sha256: "
BASE = "/search/phase2"  # conf/search/phase2.yaml: what every phase-2 file shares


HEADS = "model.n_heads"


def phase2_space(
    params: Mapping[str, str], d_model: int, fixed_heads: int | None = None
) -> tuple[tuple[tuple[str, str], ...], tuple[int, ...], tuple[int, ...]]:
    """The phase-2 search space for a budget whose d_model is ``d_model``.

    ``params`` are Hydra sweep expressions (``search.phase2.params``), copied as they are, except
    ``model.n_heads``: a choice whose values that do not divide ``d_model`` are dropped (attention
    splits d_model evenly across heads), and for a model that takes one head count only
    (``fixed_heads``: FEDformer's 8) every other value. Returns the space and the kept and dropped
    head counts.

    Raises:
        ConfigError: ``model.n_heads`` is not a choice of integers, or none divides d_model.
    """
    space = {str(k): str(v) for k, v in params.items()}
    if HEADS not in space:
        return tuple(space.items()), (), ()
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep

    value = OverridesParser.create().parse_override(f"{HEADS}={space[HEADS]}").value()
    if not isinstance(value, ChoiceSweep) or not all(isinstance(h, int) for h in value.list):
        raise ConfigError(f"search.phase2.params.{HEADS}", space[HEADS], "choice(<integers>)")
    heads = [h for h in value.list if isinstance(h, int)]
    kept = [h for h in head_divisors(d_model, heads) if fixed_heads in (None, h)]
    if not kept:
        raise ConfigError(f"search.phase2.params.{HEADS}", space[HEADS],
                          f"a choice with at least one divisor of d_model={d_model}")
    space[HEADS] = f"choice({', '.join(str(h) for h in kept)})"
    return tuple(space.items()), tuple(kept), tuple(h for h in heads if h not in kept)


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
    settings: Phase2Config
    space: tuple[tuple[str, str], ...]  # the phase-2 params, n_heads trimmed to divisors
    experiment: Experiment  # phase 1's data, training, model and scoring
    seeds: tuple[SeedStats, ...] = ()  # the ranked budgets' best trials' fresh seeds, if any
    budget_params: int | None = None  # the budget's count (None: a study from before counts)
    model: str | None = None  # the best trial's model family and shape, pinned for phase 2
    n_layers: int | None = None
    best_heads: int | None = None
    lr_law: LrTransfer | None = None  # phase 1's, for the first trial (phase2.transfer_lr)

    @property
    def name(self) -> str:
        """The file's stem: ``phase2_<budget>``."""
        return f"phase2_{self.budget}"

    @property
    def option(self) -> str:
        """The ``search`` option that runs it: ``<phase-1 study>/phase2_<budget>``."""
        return f"{self.source_study}/{self.name}"

    @property
    def study_name(self) -> str:
        """Its own study, namespaced by the phase-1 study: ``<phase-1 study>-phase2_<budget>``."""
        return f"{self.source_study}-{self.name}"


def ranked_outcomes(complete: Sequence[Any], seeds: Mapping[int, SeedStats]
                    ) -> list[TrialOutcome]:
    """What the budget ranking compares: within a budget that has replicated configs, only
    those, by their fresh-seed mean (a single lucky seed does not win); elsewhere every COMPLETE
    trial by its value (:func:`budget_hpo.phase2.ranking.seed_ranked`). ``complete``: trials
    with ``number``, ``params`` and ``value`` (Optuna's, or the report's snapshot)."""
    budgets = [str(t.params.get("budget")) for t in complete]
    means = [seeds[t.number].mean if t.number in seeds else None for t in complete]
    ranked = seed_ranked([t.value for t in complete], means, budgets)
    return [TrialOutcome(t.number, budget, value)
            for t, budget, value in zip(complete, budgets, ranked, strict=True)
            if value is not None]


def phase2_specs(
    study: Any, storage: str, settings: Phase2Config, experiment: Experiment,
    seeds: Mapping[int, SeedStats] | None = None,
) -> list[Phase2Spec]:
    """Analyse a phase-1 study: the top budgets and, for each, phase 1's best style and dropout.

    With seed replicates (``seeds``: trial -> its objective over fresh seeds), a replicated
    trial is ranked by its fresh-seed mean; its own value, which won a selection, takes no part."""
    seeds = seeds or {}
    from optuna.trial import TrialState

    direction = study.direction.name.lower()
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    outcomes = ranked_outcomes(complete, seeds)
    ranks = tuple(top_budgets(outcomes, direction, max(settings.top_budgets, 1)))
    all_ranks = tuple(top_budgets(outcomes, direction, len({o.budget for o in outcomes}) or 1))
    lr_law = phase_lr_law(complete, settings, direction)
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
        record = TrialRecord.from_attrs(best.user_attrs)
        d_model = record.d_model or 0
        if d_model <= 0:
            raise ConfigError(
                f"trial {best.number}", "no d_model attribute", "a trial run by budget-hpo"
            )
        fixed = sizing_family(record.model).fixed_heads if record.model else None
        space, kept, dropped = phase2_space(settings.params, d_model, fixed)
        specs.append(
            Phase2Spec(
                budget=rank.budget,
                style=str(best.params.get("style", record.style)),
                dropout=float(best.params.get("regularization.dropout", record.dropout)),
                d_model=d_model,
                n_heads=kept,
                dropped_heads=dropped,
                best_trial=best.number,
                best_value=rank.best_value,
                ranks=all_ranks,
                direction=direction,
                storage=storage,
                source_study=study.study_name,
                as_of=as_of,
                settings=settings,
                space=space,
                experiment=experiment,
                seeds=tuple(seeds[r.best_trial] for r in all_ranks if r.best_trial in seeds),
                budget_params=record.budget_params or count_or_none(rank.budget),
                model=sizing_family(record.model).name if record.model else None,
                n_layers=record.n_layers,
                best_heads=record.n_heads,
                lr_law=lr_law,
            )
        )
    return specs


def _header(spec: Phase2Spec) -> list[str]:
    """The file's comment header: where it comes from, why these budgets, how to run it."""
    s = spec.settings
    run_from = f"--config-dir {s.config_dir} " if s.config_dir else ""
    all_heads = [*spec.n_heads, *spec.dropped_heads]
    heads_note = (
        f"all of {sorted(all_heads)} divide d_model={spec.d_model}"
        if not spec.dropped_heads
        else f"{list(spec.dropped_heads)} dropped: they do not divide d_model={spec.d_model}"
        + ("" if spec.model is None or sizing_family(spec.model).fixed_heads is None
           else f" or {spec.model} takes only {sizing_family(spec.model).fixed_heads}")
    )
    return [
        "# @package _global_",
        f"# Phase 2 for the {spec.budget} budget, generated from a phase-1 study. Edit freely: a",
        "# regenerated file never replaces an edited one (search.phase2.overwrite=true does).",
        f"#   source: study {spec.source_study} in {display_url(spec.storage)}",
        f"#   as of: {spec.as_of} (the study's last finished trial)",
        f"#   top {s.top_budgets} budgets: {RULE_TEXT}.",
        "#   phase-1 best per budget:",
        *(f"#     {r.budget:>5}: {r.best_value:.4f} (trial {r.best_trial}; mean of best three "
          f"{r.mean_top3:.4f}; {r.n_complete} complete)" for r in spec.ranks),
        *(f"#     trial {s.trial}: {s.text()}, ranked by this fresh mean" for s in spec.seeds),
        f"#   fixed from phase 1's best {spec.budget} trial ({spec.best_trial}): "
        f"style={spec.style}, dropout={spec.dropout:.4g}",
        *([f"#   its shape, pinned: d_model={spec.d_model}, n_layers={spec.n_layers} "
           f"({spec.budget_params:,}-parameter budget; phase 2 changes only the heads)"]
          if _pins(spec) else []),
        f"#   n_heads: {heads_note}",
        f"#   shared phase-2 settings (sweeper, sampler, no early stop): {BASE.lstrip('/')}.yaml",
        *([] if config_reference(spec.storage) == spec.storage else [
            "#   storage: phase 1's URL holds a password, so this file reads it from the",
            f"#   environment: export {STORAGE_ENV}=<the URL> before running it"]),
        f"#   pinned from phase 1: seed and the {', '.join(g for g, _ in spec.experiment.choices)} "
        "groups, as phase 1 composed them",
        "# Run it:",
        f"#   budget-hpo -m {run_from}search={spec.option}",
    ]


def _pins(spec: Phase2Spec) -> bool:
    return None not in (spec.budget_params, spec.model, spec.n_layers, spec.best_heads)


def _budget_lines(spec: Phase2Spec) -> list[str]:
    """The budget's count and the shape phase 1's best trial ran, pinned (a study from before
    counts were recorded: none; the budget option sizes it as phase 1 did)."""
    if not _pins(spec):
        return []
    return [
        "budget:",
        f"  params: {spec.budget_params}",
        "  pinned:             # the shape phase 1's best trial ran (phase 2 searches the heads)",
        f"    {spec.model}:",
        f"      {spec.style}: {{d_model: {spec.d_model}, n_layers: {spec.n_layers}, "
        f"n_heads: {spec.best_heads}}}",
        "",
    ]


def render_phase2(spec: Phase2Spec) -> str:
    """The file's text, hash line included; a pure function of ``spec``.

    The file starts from ``conf/search/phase2.yaml`` (the sweeper, sampler and early-stop
    settings every phase 2 shares); only the study's own lines are rendered here.
    """
    s = spec.settings
    lines = [
        *_header(spec),
        "defaults:",
        f"  - {BASE}",
        f"  - override /budget: {spec.budget}",
        f"  - override /style: {spec.style}",
        *(f"  - override /{group}: {option}" for group, option in spec.experiment.choices),
        "",
        "# phase 1's experiment, as it composed it (only the phase-2 dimensions change)",
        *spec.experiment.yaml().rstrip("\n").splitlines(),
        "",
        "regularization:",
        f"  dropout: {float(spec.dropout)!r}",
        "",
        *_budget_lines(spec),
        "search:",
        f"  name: {spec.name}",
        f"  parent: {spec.source_study}    # the phase-1 study this continues",
        f"  budgets: [{spec.budget}]",
        *first_trial_lines(spec.lr_law, spec.budget_params),
        "",
        "hydra:",
        "  sweeper:",
        f"    direction: {spec.direction}",
        f"    storage: {config_reference(spec.storage)}",
        f"    study_name: {spec.study_name}",
        f"    n_trials: {s.n_trials}",
        "    sampler:",
        f"      n_startup_trials: {min(8, max(1, s.n_trials // 3))}",
        "    params:",
        *(f"      {name}: {expression}" for name, expression in spec.space),
    ]
    body = "\n".join(lines) + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()
    # the hash line goes right after the header comment, before `defaults:`
    head, _, rest = body.partition("defaults:\n")
    return f"{head}{HASH_PREFIX}{digest}\ndefaults:\n{rest}"
