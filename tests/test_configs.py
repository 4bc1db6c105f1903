"""Every group option composes onto the typed schema; the forced configs and the plan are right."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import replace

import pytest
from omegaconf.errors import ConfigKeyError

from budget_hpo.compose import compose_config, composer
from budget_hpo.config_dirs import GROUPS, group_options
from budget_hpo.resolvers import threads_per_job
from budget_hpo.search.forced import forced_trials
from budget_hpo.schema import typed_config
from budget_hpo.search.plan import plan_rows, run_plan
from budget_hpo.trial.validation import check_config
from tests.helpers import compose, run_app

ALL_OPTIONS = [(g, o) for g in GROUPS for o in group_options(g)]


def test_groups_hold_the_contracted_options():
    assert group_options("budget") == ["750k", "2M", "20M", "200M"]
    assert group_options("style") == ["deep", "shallow"]
    assert set(group_options("regularization")) == {
        "default", "dropout_low", "dropout_mid", "dropout_high", "lr_low", "lr_high", "wd_none", "wd_high",
    }
    assert set(group_options("model")) >= {"itransformer", "patchtst"}
    assert set(group_options("data")) >= {"synthetic", "synthetic_nonlinear", "csv"}
    assert set(group_options("trainer")) >= {"cpu", "gpu", "smoke"}
    assert set(group_options("objective")) >= {"auc", "mse", "mae"}
    assert group_options("logger") == ["csv", "mlflow", "none", "tensorboard"]


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_every_option_composes_and_validates(compose_cfg, group, option):
    cfg = compose_cfg([f"{group}={option}"])
    if group == "data":  # data.source names the loader; data.name, the dataset (see pooling)
        assert cfg.data.source == option.split("_")[0]  # both embedded panels: one generator
    elif group != "forced":
        assert getattr(cfg, group).name == option
    if group != "data" or option.startswith("synthetic"):
        check_config(cfg)


REGULARIZATION = {
    "default": (0.5, 1e-4, 1e-3),
    "dropout_low": (0.1, 1e-4, 1e-3),
    "dropout_mid": (0.3, 1e-4, 1e-3),
    "dropout_high": (0.7, 1e-4, 1e-3),
    "lr_low": (0.5, 1e-5, 1e-3),
    "lr_high": (0.5, 1e-3, 1e-3),
    "wd_none": (0.5, 1e-4, 0.0),
    "wd_high": (0.5, 1e-4, 1e-2),
}


@pytest.mark.parametrize(("option", "values"), REGULARIZATION.items())
def test_regularization_options_hold_the_seed_values(compose_cfg, option, values):
    reg = compose_cfg([f"regularization={option}"]).regularization
    assert (reg.dropout, reg.lr, reg.weight_decay) == pytest.approx(values)


@pytest.mark.slow
def test_every_budget_style_regularization_combination_composes():
    """Each option of the three groups is composed once (15 compositions, not 64): each changes
    its own group's values and nothing else, so a combination's config is the default config
    with its three options' values put in, and every combination is then validated."""
    groups = ("budget", "style", "regularization")
    with composer(["trainer=smoke"]) as compose_raw:
        base = typed_config(compose_raw())
        chosen = {(g, o): typed_config(compose_raw([f"{g}={o}"]))
                  for g in groups for o in group_options(g)}
    for (group, option), cfg in chosen.items():
        assert getattr(cfg, group).name == option
        assert replace(cfg, **{group: getattr(base, group)}) == base, (
            f"{group}={option} changes values outside {group}: compose the full product")
    for combination in itertools.product(*(group_options(g) for g in groups)):
        cfg = replace(base, **{g: getattr(chosen[g, o], g) for g, o in zip(groups, combination,
                                                                            strict=True)})
        arch = check_config(cfg)
        assert arch.d_model == cfg.budget.pinned["itransformer"][combination[1]].d_model  # seed
        assert cfg.trainer.max_steps <= 5


def test_a_config_composed_on_the_schema_types_as_the_merge_types_a_plain_copy():
    """typed_config's fast path (a composed config: its nodes converted one by one) gives what
    the merge of the schema into a plain copy gives, hydra node and interpolations included."""
    from omegaconf import OmegaConf

    composed = compose_config(["search=demo", "budget=40k", "data=synthetic"],
                              return_hydra_config=True)
    plain = OmegaConf.create(OmegaConf.to_container(composed))  # untyped, unresolved
    assert OmegaConf.get_type(composed) is not OmegaConf.get_type(plain)  # the two paths
    assert typed_config(composed) == typed_config(plain)


def test_single_keys_stay_overridable(compose_cfg):
    cfg = compose_cfg(["regularization=lr_low", "regularization.dropout=0.2", "trainer.max_steps=7"])
    assert (cfg.regularization.dropout, cfg.regularization.lr, cfg.trainer.max_steps) == (0.2, 1e-5, 7)


def test_misspelt_key_fails_at_composition(compose_cfg):
    with pytest.raises(Exception, match="dropuot"):
        compose_cfg(["regularization.dropuot=0.2"])
    with pytest.raises((ConfigKeyError, Exception)):
        compose_cfg(["trainer.max_stepz=2"])


def test_forced_configs_follow_the_seed_order_and_groups(compose_cfg):
    cfg = compose_cfg()
    trials = forced_trials(cfg.forced, cfg.search.budgets)
    assert len(trials) == 18
    assert [t.group for t in trials] == ["G1"] * 8 + ["G2"] * 4 + ["G3"] * 3 + ["G4"] * 3
    assert [(t.budget, t.style) for t in trials[:8]] == [
        (b, s) for b in ("750k", "2M", "20M", "200M") for s in ("shallow", "deep")
    ]
    assert [(t.budget, t.regularization) for t in trials[8:]] == [
        ("2M", "dropout_low"), ("2M", "dropout_mid"), ("2M", "dropout_high"), ("200M", "dropout_low"),
        ("2M", "lr_low"), ("2M", "lr_high"), ("20M", "lr_low"),
        ("2M", "wd_none"), ("2M", "wd_high"), ("200M", "wd_none"),
    ]
    assert {t.style for t in trials[8:]} == {"shallow"}  # the documented default for G2–G4


def test_g2_to_g4_style_is_overridable(compose_cfg):
    trials = forced_trials(compose_cfg(["forced.style=deep"]).forced, ["750k", "2M", "20M", "200M"])
    assert {t.style for t in trials[8:]} == {"deep"}
    assert [t.style for t in trials[:8]] == ["shallow", "deep"] * 4


def test_budget_subset_keeps_only_those_forced_configs(compose_cfg):
    listed = forced_trials(compose_cfg(["forced=seed18"]).forced, budgets=["2M", "20M"])
    assert len(listed) == 2 + 2 + 3 + 2 + 1 + 2  # the seed's list, cut to the subset
    assert {t.budget for t in listed} == {"2M", "20M"}
    rule = forced_trials(compose_cfg().forced, budgets=["2M", "20M"])
    assert len(rule) == 4 + 7 + 3  # the rule re-anchors the extremes: 2M main, 20M the largest
    assert {t.budget for t in rule} == {"2M", "20M"}


def test_all_forced_configs_build_with_exact_counts_near_the_formula():
    rows = plan_rows([])
    assert [r.trial.id for r in rows] == [t.id for t in forced_trials_default()]
    for row in rows:
        assert 0.95 <= row.params_exact / row.params_formula <= 1.05, row.trial.id
    first = rows[0]
    arch = first.sized.arch
    assert (arch.d_model, arch.n_layers, arch.n_heads, first.params_exact) == (192, 2, 4, 902_785)
    assert {r.sized.shape for r in rows} == {"pinned"}  # the seed's grid keeps the seed's table


def forced_trials_default():
    cfg = compose()
    return forced_trials(cfg.forced, cfg.search.budgets)


def test_plan_command_prints_the_table(tmp_path):
    proc = run_app([], cwd=tmp_path, command="budget-hpo-plan")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    header = lines[0].split()
    assert header[:8] == ["id", "budget", "style", "model", "shape", "d_model", "n_layers",
                          "n_heads"]
    assert "exact" in lines[0] and "12·L·d²" in lines[0] and "weight_decay" in lines[0]
    rows = [line.split() for line in lines[2:-2]]
    assert len(rows) == 18
    by_id = {r[0]: r for r in rows}
    assert by_id["G1-200M-deep"][1:8] == ["200M", "deep", "itransformer", "pinned", "768", "28",
                                         "16"]
    assert by_id["G1-200M-deep"][10] == "198,180,864"
    assert by_id["G3-lr-1e-5-20M"][13] == "1e-05"
    assert by_id["G4-wd-1e-2-2M"][14] == "0.01"
    assert lines[-2].startswith("shapes: 18 pinned")
    assert re.search(r"18 forced configs; none trained", lines[-1])
    assert not list(tmp_path.rglob("result.json"))  # nothing trained


def test_plan_names_a_forced_config_that_fails_to_build(tmp_path):
    # 5 heads divide none of the d_model values: the first forced config is named and it exits 2
    proc = run_app(["model.n_heads=5"], cwd=tmp_path, command="budget-hpo-plan")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "G1-750k-shallow" in proc.stderr and "n_heads" in proc.stderr


@pytest.mark.parametrize("command", ["budget-hpo-plan", "budget-hpo-phase2"])
def test_the_plan_and_phase2_commands_refuse_a_wrongly_typed_value_in_one_line(tmp_path, command):
    proc = run_app(["trainer.max_steps=lots"], cwd=tmp_path, command=command)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("budget-hpo: error: trainer.max_steps=lots: invalid; "
                                   "allowed: an integer")
    assert list(tmp_path.iterdir()) == []  # nothing read or written


def test_run_plan_text_mentions_every_id():
    text = run_plan(["forced.style=deep"])
    assert "G2-dropout-0.7-2M" in text and text.count("style=deep regularization=dropout") == 4


def test_plan_of_a_search_prints_the_enqueue_order_and_space_without_opening_storage(tmp_path):
    proc = run_app(["search=phase1", "search.budgets=[2M,20M]"], cwd=tmp_path,
                   command="budget-hpo-plan")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "14 forced configs; none trained." in out
    ids = [line.split()[0] for line in out.splitlines()[2:16]]
    assert ids[:4] == ["G1-2M-shallow", "G1-2M-deep", "G1-20M-shallow", "G1-20M-deep"]
    assert ids[-1] == "G4-wd-0-20M"  # the anchors rule on [2M, 20M]: 20M is the largest
    assert not any("750k" in i or "200M" in i for i in ids)
    assert "budget: choice(2M,20M)" in out and "regularization.lr: tag(log, interval(1e-5, 1e-3))" in out
    assert "n_trials=70" in out and "the 14 forced first" in out
    assert not (tmp_path / "multirun").exists()


def test_phase1_sampler_settings_override_the_plugin_defaults(compose_cfg):
    cfg = compose_config(["search=phase1"], return_hydra_config=True)
    sampler = cfg.hydra.sweeper.sampler
    assert sampler.multivariate is True and sampler.constant_liar is True
    assert cfg.hydra.sweeper.n_trials == 70 and cfg.hydra.sweeper.direction == "maximize"
    assert str(cfg.hydra.sweeper.storage).startswith("sqlite:///multirun/")
    assert (cfg.search.early_stop.patience, cfg.search.early_stop.threshold,
            cfg.search.early_stop.top_k) == (20, 0.02, 5)


def test_threads_per_job_shares_the_usable_cores_out(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert [threads_per_job(jobs) for jobs in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]
    assert threads_per_job() == 8  # outside a Hydra run: one job


def _threads_in_a_job(overrides):
    """``trainer.num_threads`` as a sweep's job of ``budget-hpo -m OVERRIDES`` resolves it."""
    from hydra.core.hydra_config import HydraConfig

    with composer() as compose_raw:
        hydra_cfg = compose_raw(overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(hydra_cfg)
    try:
        return hydra_cfg, compose(overrides).trainer.num_threads
    finally:
        HydraConfig.instance().cfg = None


def test_demo_runs_two_one_thread_trials_on_two_cores(compose_cfg, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    hydra_cfg, threads = _threads_in_a_job(["search=demo"])
    assert hydra_cfg.hydra.sweeper.n_jobs == 2
    assert hydra_cfg.hydra.launcher._target_.endswith("JoblibLauncher")
    assert threads == 1  # in a sweep's job: 2 cores shared by 2 trials
    assert compose_cfg(["search=demo"]).trainer.num_threads == 2  # composed alone: one job
    threads_resolver = "trainer.num_threads=${budget_hpo.threads_per_job:}"
    _, threads = _threads_in_a_job(["search=phase1", "hydra.sweeper.n_jobs=2", threads_resolver])
    assert threads == 2  # the basic launcher runs a batch's trials one after another
