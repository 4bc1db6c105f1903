"""``budget-hpo-plan``: compose every forced config, build each on the ``meta`` device, print a
table.

Nothing is trained and no weights are allocated; a config that fails to compose or build stops the
plan with its id named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from omegaconf import DictConfig

from budget_hpo.compose import compose_config, composer
from budget_hpo.config_dirs import group_options
from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config, EarlyStopConfig, typed_config
from budget_hpo.search.forced import ForcedTrial, forced_trials
from budget_hpo.search.space import search_params
from budget_hpo.search.storage import display_url
from budget_hpo.trial.data import load_panel
from budget_hpo.trial.models import exact_parameter_count
from budget_hpo.trial.validation import check_config, check_search, is_auto

__all__ = ["PlanRow", "format_plan", "plan_rows", "run_plan"]

_FORCED_KEYS = ("budget", "style", "regularization")


@dataclass(frozen=True)
class PlanRow:
    trial: ForcedTrial
    d_model: int
    n_layers: int
    n_heads: int
    params_formula: int
    params_exact: int
    dropout: float
    lr: float
    weight_decay: float


def _n_series(cfg: Config) -> int:
    if cfg.data.generator is not None and cfg.data.source == "synthetic":
        return cfg.data.generator.n_series
    return load_panel(cfg.data).n_series


def _selected(cfg: Config) -> list[ForcedTrial]:
    """All forced configs; under a search, those it would enqueue (``search.budgets``)."""
    if cfg.search.name == "none":
        return forced_trials(cfg.forced)
    if not cfg.search.forced:
        return []
    return forced_trials(cfg.forced, cfg.search.budgets)


def plan_rows(args: Sequence[str]) -> list[PlanRow]:
    """Compose and size every forced config under the user's ``args`` (overrides)."""
    base = [o for o in args if o.split("=", 1)[0].lstrip("+~") not in _FORCED_KEYS]
    with composer(base) as compose:
        cfg = typed_config(compose())
        n_series = _n_series(cfg)
        return [_plan_row(compose, trial, n_series) for trial in _selected(cfg)]


def _plan_row(compose: Callable[..., DictConfig], trial: ForcedTrial, n_series: int) -> PlanRow:
    try:
        one = typed_config(compose(trial.overrides()))
        arch = check_config(one)
        exact = exact_parameter_count(one, arch, n_series)
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"forced config {trial.id}", " ".join(trial.overrides()),
                          f"a config that composes and builds ({reason})") from err
    reg = one.regularization
    return PlanRow(trial, arch.d_model, arch.n_layers, arch.n_heads, arch.formula_params, exact,
                   reg.dropout, reg.lr, reg.weight_decay)


def format_plan(rows: Sequence[PlanRow]) -> str:
    """A fixed-width table, one forced config a line, in enqueue order."""
    header = (
        "id", "budget", "style", "d_model", "n_layers", "n_heads",
        "12·L·d²", "exact params", "exact/formula", "dropout", "lr", "weight_decay", "overrides",
    )
    body = [
        (
            r.trial.id, r.trial.budget, r.trial.style, str(r.d_model), str(r.n_layers),
            str(r.n_heads), f"{r.params_formula:,}", f"{r.params_exact:,}",
            f"{r.params_exact / r.params_formula:.3f}", f"{r.dropout:g}", f"{r.lr:g}",
            f"{r.weight_decay:g}", " ".join(r.trial.overrides()),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {3, 4, 5, 6, 7, 8, 9, 10, 11}

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


def search_summary(args: Sequence[str], n_forced: int) -> str:
    """The search a ``-m`` run of these overrides would do: space, trials, study, stop rule."""
    raw = compose_config(args, return_hydra_config=True)
    cfg, sweeper = typed_config(raw), raw.hydra.sweeper
    if cfg.search.name == "none":
        return ""
    space = search_params(sweeper.get("params"), cfg.search.budgets)
    stop, n_trials = cfg.search.early_stop, int(sweeper.n_trials)
    check_search(cfg, n_trials=n_trials, n_jobs=int(sweeper.n_jobs),
                 direction=str(sweeper.direction), budgets=group_options("budget"))
    lines = [
        f"search {cfg.search.name}: study {sweeper.study_name!s} in "
        f"{display_url(str(sweeper.storage))} "
        "(not opened)",
        f"trials: n_trials={n_trials} in total, the {n_forced} forced first "
        f"(TPE start-up trials), then up to {max(n_trials - n_forced, 0)} TPE; "
        f"n_jobs={sweeper.n_jobs}; direction {sweeper.direction}",
        f"early stop: once >= {stop.patience} trials are complete and the top {stop.top_k} lie "
        f"within {_threshold(stop)}" + ("" if stop.enabled else " (disabled)"),
        "TPE search space:",
        *(f"  {name}: {expression}" for name, expression in space.items()),
    ]
    return "\n".join(lines)


def run_plan(overrides: Sequence[str]) -> str:
    """The plan as text: the table, how many configs it holds, and the search if one is chosen."""
    rows = plan_rows(overrides)
    text = f"{format_plan(rows)}\n{len(rows)} forced configs; none trained."
    summary = search_summary(overrides, len(rows))
    return f"{text}\n\n{summary}" if summary else text
