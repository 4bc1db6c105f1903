"""``budget-hpo-plan``: compose every forced config, size each by its exact parameter count, print
a table.

Nothing is trained, no weights are allocated and no model library is imported: the counts are
the families' analytic ones (:mod:`budget_hpo.trial.families`, tested equal to the built models'
counts), so the plan takes a second or two. A config that fails to compose or size stops the
plan with its id named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from omegaconf import DictConfig

from budget_hpo.budget_counts import budget_grid
from budget_hpo.compose import compose_config, compose_variants
from budget_hpo.config_dirs import group_options
from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config, EarlyStopConfig, typed_config
from budget_hpo.search.forced import ForcedTrial, forced_trials
from budget_hpo.search.space import search_params
from budget_hpo.search.storage import display_url
from budget_hpo.trial.architecture import DataShape
from budget_hpo.trial.sizing import Sized, size_model
from budget_hpo.trial.validation import check_search, check_values, data_n_series, is_auto

__all__ = ["PlanRow", "format_plan", "plan_rows", "run_plan"]

_FORCED_KEYS = ("budget", "style", "regularization")


@dataclass(frozen=True)
class PlanRow:
    trial: ForcedTrial
    model: str
    sized: Sized
    dropout: float
    lr: float
    weight_decay: float

    @property
    def params_exact(self) -> int:
        return self.sized.params_exact

    @property
    def params_formula(self) -> int:
        return self.sized.arch.formula_params


def forced_grid(cfg: Config) -> list[ForcedTrial]:
    """The forced configs a phase of ``cfg`` would enqueue: on ``search.budgets`` (sorted by
    count); with no search, every one of a hand-written list."""
    if cfg.search.name != "none" and not cfg.search.forced:
        return []
    if cfg.search.name == "none" and cfg.forced.configs is not None:
        return forced_trials(cfg.forced)
    return forced_trials(cfg.forced, budget_grid(cfg.search.budgets, group_options("budget")))


def _base(args: Sequence[str]) -> list[str]:
    """The user's overrides less the groups that each forced config sets itself."""
    return [o for o in args if o.split("=", 1)[0].lstrip("+~") not in _FORCED_KEYS]


def plan_rows(args: Sequence[str], raw: DictConfig | None = None) -> list[PlanRow]:
    """Compose and size every forced config under the user's ``args`` (overrides); ``raw``: the
    composed config of those overrides, if the caller has it."""
    base = _base(args)
    cfg = typed_config(compose_config(base) if raw is None else raw)
    trials = forced_grid(cfg)
    if not trials:
        return []
    n_series = data_n_series(cfg)
    variants = [t.choices() for t in trials]
    try:
        configs = compose_variants(base, variants, full=cfg)
    except Exception as err:  # name the first forced config that does not compose
        for trial in trials:
            _plan_row(partial(_composed, [*base, *trial.overrides()]), trial, n_series)
        raise err
    return [_plan_row(partial(_given, one), trial, n_series)
            for trial, one in zip(trials, configs, strict=True)]


def _composed(args: Sequence[str]) -> Config:
    return typed_config(compose_config(args))


def _given(config: Config) -> Config:
    return config


def _plan_row(config: Callable[[], Config], trial: ForcedTrial, n_series: int) -> PlanRow:
    try:
        one = config()
        check_values(one)
        sized = size_model(one, DataShape.from_config(one, n_series))
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"forced config {trial.id}", " ".join(trial.overrides()),
                          f"a config that composes and is sized ({reason})") from err
    reg = one.regularization
    return PlanRow(trial, one.model.name, sized, reg.dropout, reg.lr, reg.weight_decay)


def format_plan(rows: Sequence[PlanRow]) -> str:
    """A fixed-width table, one forced config a line, in enqueue order."""
    header = (
        "id", "budget", "style", "model", "shape", "d_model", "n_layers", "n_heads",
        "exact params", "exact/budget", "12·L·d²", "exact/formula", "dropout", "lr",
        "weight_decay", "overrides",
    )
    body = [
        (
            r.trial.id, r.trial.budget, r.trial.style, r.model, r.sized.shape,
            str(r.sized.arch.d_model), str(r.sized.arch.n_layers), str(r.sized.arch.n_heads),
            f"{r.params_exact:,}", f"{r.params_exact / r.sized.budget_params:.3f}",
            f"{r.params_formula:,}", f"{r.params_exact / r.params_formula:.3f}",
            f"{r.dropout:g}", f"{r.lr:g}", f"{r.weight_decay:g}", " ".join(r.trial.overrides()),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = set(range(5, 15))

    def fmt(line: Sequence[str]) -> str:
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in body)])


def _threshold(stop: EarlyStopConfig) -> str:
    if not is_auto(stop):
        return str(stop.threshold)
    return (f"{stop.noise_factor} x the seed SD of the first forced config (measured first: "
            f"{stop.noise_seeds} more seeds of it)")


def search_summary(args: Sequence[str], n_forced: int, raw: DictConfig | None = None) -> str:
    """The search a ``-m`` run of these overrides would do: space, trials, study, stop rule
    (``raw``: their composed config with its ``hydra`` node, if the caller has it)."""
    raw = compose_config(args, return_hydra_config=True) if raw is None else raw
    cfg, sweeper = typed_config(raw), raw.hydra.sweeper
    if cfg.search.name == "none":
        return ""
    grid = budget_grid(cfg.search.budgets, group_options("budget"))
    space = search_params(sweeper.get("params"), grid)
    stop, n_trials = cfg.search.early_stop, int(sweeper.n_trials)
    check_search(cfg, n_trials=n_trials, n_jobs=int(sweeper.n_jobs),
                 direction=str(sweeper.direction), budgets=group_options("budget"))
    randoms = cfg.search.random_startup if n_forced else 0  # the sweeper's rule: after forced
    lines = [
        f"search {cfg.search.name}: study {sweeper.study_name!s} in "
        f"{display_url(str(sweeper.storage))} "
        "(not opened)",
        f"trials: n_trials={n_trials} in total, the {n_forced} forced first"
        + (f", then {randoms} random" if randoms else "")
        + f" (TPE start-up trials), then up to {max(n_trials - n_forced - randoms, 0)} TPE; "
        f"n_jobs={sweeper.n_jobs}; direction {sweeper.direction}",
        f"early stop: once >= {stop.patience} trials are complete and the top {stop.top_k} lie "
        f"within {_threshold(stop)}" + ("" if stop.enabled else " (disabled)"),
        "TPE search space:",
        *(f"  {name}: {expression}" for name, expression in space.items()),
    ]
    return "\n".join(lines)


def run_plan(overrides: Sequence[str]) -> str:
    """The plan as text: the table, how many configs it holds, and the search if one is chosen."""
    raw = compose_config(_base(overrides), return_hydra_config=True)
    rows = plan_rows(overrides, raw)
    pinned = sum(r.sized.shape == "pinned" for r in rows)
    text = (f"{format_plan(rows)}\nshapes: {pinned} pinned (a budget file's table), "
            f"{len(rows) - pinned} solved to their exact count\n"
            f"{len(rows)} forced configs; none trained.")
    summary = search_summary(overrides, len(rows), raw)
    return f"{text}\n\n{summary}" if summary else text
