"""Phase-2 files from a real Optuna study: selection, determinism, the hand-edit guard, composing."""

from __future__ import annotations

import logging

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from budget_hpo.compose import compose_config
from budget_hpo.phase2.experiment import experiment_of
from budget_hpo.phase2.spec import phase2_specs, render_phase2
from budget_hpo.phase2.writer import write_phase2_files
from tests.helpers import compose

optuna.logging.set_verbosity(optuna.logging.WARNING)


EXPERIMENT = experiment_of(compose_config(["search=phase1"], return_hydra_config=True))


def settings(*overrides: str, search: str = "phase1"):
    """``search.phase2`` as the shipped YAML composes it, plus ``overrides``."""
    return compose([f"search={search}", *overrides]).search.phase2

DISTS = {
    "budget": CategoricalDistribution(["750k", "2M", "20M", "200M"]),
    "style": CategoricalDistribution(["shallow", "deep"]),
    "regularization.dropout": FloatDistribution(0.1, 0.7),
}
D_MODEL = {("750k", "shallow"): 192, ("750k", "deep"): 128, ("2M", "shallow"): 320,
           ("2M", "deep"): 192, ("20M", "shallow"): 768, ("20M", "deep"): 200}


def make_study(tmp_path, rows, direction="maximize"):
    """A real SQLite study holding finished trials (budget, style, dropout, value or None)."""
    storage = f"sqlite:///{tmp_path}/p1.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage, direction=direction)
    for budget, style, dropout, value in rows:
        study.add_trial(create_trial(
            params={"budget": budget, "style": style, "regularization.dropout": dropout},
            distributions=DISTS, value=value,
            state=TrialState.COMPLETE if value is not None else TrialState.FAIL,
            user_attrs={"d_model": D_MODEL[(budget, style)], "forced": False},
        ))
    return study, storage


ROWS = [("750k", "shallow", 0.5, 0.61), ("2M", "deep", 0.3, 0.70), ("20M", "deep", 0.2, 0.72),
        ("20M", "shallow", 0.4, 0.69), ("2M", "shallow", 0.6, None), ("750k", "deep", 0.5, 0.64)]


def test_top_budgets_get_their_best_style_and_dropout(tmp_path):
    study, storage = make_study(tmp_path, ROWS)
    specs = phase2_specs(study, storage, settings(), EXPERIMENT)
    assert [s.budget for s in specs] == ["20M", "2M"]
    top = specs[0]
    assert (top.style, top.dropout, top.best_trial, top.d_model) == ("deep", 0.2, 2, 200)
    assert top.n_heads == (1, 2, 4, 8) and top.dropped_heads == (16,)  # 16 does not divide 200
    text = render_phase2(top)
    assert "16] dropped: they do not divide d_model=200" in text
    assert "model.n_heads: choice(1, 2, 4, 8)" in text
    assert "break ties by the mean of each budget's best three" in text
    assert "budget-hpo -m search=budget-hpo-phase1/phase2_20M" in text
    assert "study_name: budget-hpo-phase1-phase2_20M" in text  # namespaced by its phase 1
    assert "parent: budget-hpo-phase1" in text
    assert "20M: 0.7200 (trial 2" in text and "style=deep, dropout=0.2" in text


def test_same_study_gives_byte_identical_files_and_reruns_leave_them_alone(tmp_path):
    study, storage = make_study(tmp_path, ROWS)
    folder = tmp_path / "conf" / "search"
    first = write_phase2_files(study, storage, settings(), EXPERIMENT, folder)
    assert [o.status for o in first] == ["written", "written"]
    texts = {o.path.name: o.path.read_bytes() for o in first}
    again = write_phase2_files(study, storage, settings(), EXPERIMENT, folder)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert {o.path.name: o.path.read_bytes() for o in again} == texts
    assert sorted(p.name for p in (folder / "budget-hpo-phase1").iterdir()) == [
        "phase2_20M.yaml", "phase2_2M.yaml"]


def test_hand_edited_file_is_kept_and_the_new_one_written_beside(tmp_path, caplog):
    study, storage = make_study(tmp_path, ROWS)
    folder = tmp_path / "search"
    write_phase2_files(study, storage, settings(), EXPERIMENT, folder)
    edited = folder / "budget-hpo-phase1" / "phase2_20M.yaml"
    text = edited.read_text().replace("n_trials: 25", "n_trials: 40")
    edited.write_text(text)
    study.add_trial(create_trial(params={"budget": "20M", "style": "shallow",
                                         "regularization.dropout": 0.35},
                                 distributions=DISTS, value=0.80,
                                 user_attrs={"d_model": 768}))
    with caplog.at_level(logging.WARNING):
        outcomes = write_phase2_files(study, storage, settings(), EXPERIMENT, folder)
    assert edited.read_text() == text  # the hand edit survives
    beside = folder / "budget-hpo-phase1" / "phase2_20M.yaml.new"
    assert [o.status for o in outcomes][0] == "beside" and beside.exists()
    assert "style: shallow" not in text and "override /style: shallow" in beside.read_text()
    assert "edited by hand" in caplog.text
    forced = write_phase2_files(study, storage, settings("search.phase2.overwrite=true"), EXPERIMENT, folder)
    assert forced[0].status == "written" and "override /style: shallow" in edited.read_text()


def test_minimising_study_picks_the_lowest(tmp_path):
    rows = [("750k", "shallow", 0.5, 0.9), ("2M", "deep", 0.3, 0.4), ("20M", "deep", 0.2, 0.5)]
    study, storage = make_study(tmp_path, rows, direction="minimize")
    specs = phase2_specs(study, storage, settings("search.phase2.top_budgets=1"), EXPERIMENT)
    assert [s.budget for s in specs] == ["2M"] and "direction: minimize" in render_phase2(specs[0])


def test_generated_file_composes_through_the_search_path(tmp_path):
    study, storage = make_study(tmp_path, ROWS)
    write_phase2_files(study, storage, settings(), EXPERIMENT, tmp_path / "extra" / "search")
    cfg = compose_config(["--config-dir", str(tmp_path / "extra"), "search=budget-hpo-phase1/phase2_20M"],
                         return_hydra_config=True)
    assert (cfg.budget.name, cfg.style.name, cfg.regularization.dropout) == ("20M", "deep", 0.2)
    assert cfg.search.name == "phase2_20M" and cfg.search.forced is False
    params = cfg.hydra.sweeper.params
    assert params["model.n_heads"] == "choice(1, 2, 4, 8)"
    assert params["model.batch_size"] == "choice(8, 16, 32, 64, 128, 256)"
    assert params["regularization.lr"] == "tag(log, interval(5e-6, 2e-3))"
    assert cfg.hydra.sweeper.n_trials == 25 and cfg.hydra.sweeper.storage == storage


def test_empty_study_is_named(tmp_path):
    study, storage = make_study(tmp_path, [("2M", "deep", 0.3, None)])
    with pytest.raises(Exception, match="at least one COMPLETE trial"):
        phase2_specs(study, storage, settings(), EXPERIMENT)


NARROW = """# @package _global_
defaults:
  - phase1
search:
  phase2:
    params:
      regularization.lr: tag(log, interval(1e-4, 5e-4))
      regularization.dropout: interval(0.2, 0.4)
      model.n_heads: choice(2, 4, 7)
"""


def test_the_phase2_space_is_yaml_a_changed_range_changes_the_file(tmp_path):
    study, storage = make_study(tmp_path, ROWS)
    (tmp_path / "mine" / "search").mkdir(parents=True)
    (tmp_path / "mine" / "search" / "narrow.yaml").write_text(NARROW)
    narrow = settings(f"hydra.searchpath=[file://{tmp_path / 'mine'}]", search="narrow")
    (top,) = [s for s in phase2_specs(study, storage, narrow, EXPERIMENT) if s.budget == "20M"]
    text = render_phase2(top)
    assert "regularization.lr: tag(log, interval(1e-4, 5e-4))" in text
    assert "regularization.dropout: interval(0.2, 0.4)" in text
    assert "model.n_heads: choice(2, 4)" in text and "[7] dropped" in text  # 7 does not divide 200
    assert "model.batch_size: choice(8, 16, 32, 64, 128, 256)" in text  # the rest as shipped
    assert "interval(5e-6, 2e-3)" not in text
    # one entry overridden on the command line (a dict merge: the others stay)
    cli = settings("search.phase2.params={regularization.weight_decay:'interval(0.06, 0.07)'}")
    text = render_phase2(phase2_specs(study, storage, cli, EXPERIMENT)[0])
    assert "regularization.weight_decay: interval(0.06, 0.07)" in text
    assert "regularization.lr: tag(log, interval(5e-6, 2e-3))" in text


def test_phase2_files_default_to_the_users_config_dir(tmp_path, monkeypatch):
    study, storage = make_study(tmp_path, ROWS)
    monkeypatch.chdir(tmp_path)
    outcomes = write_phase2_files(study, storage, settings(), EXPERIMENT)
    assert {o.path.parent for o in outcomes} == {tmp_path / "conf" / "search" / "budget-hpo-phase1"}
    monkeypatch.setenv("BUDGET_HPO_CONFIG_DIR", str(tmp_path / "mine"))
    outcomes = write_phase2_files(study, storage, settings(), EXPERIMENT)
    assert {o.path.parent for o in outcomes} == {tmp_path / "mine" / "search" / "budget-hpo-phase1"}


def test_two_phase1_studies_never_share_a_phase2_file_or_study(tmp_path):
    first, storage = make_study(tmp_path, ROWS)
    second = optuna.create_study(study_name="budget-hpo-other", storage=storage,
                                 direction="maximize")
    for trial in first.trials:
        second.add_trial(trial)
    folder = tmp_path / "search"
    a = write_phase2_files(first, storage, settings(), EXPERIMENT, folder)
    b = write_phase2_files(second, storage, settings(), EXPERIMENT, folder)
    assert not {o.path for o in a} & {o.path for o in b}
    texts = [o.path.read_text() for o in (*a, *b)]
    names = {line.split(": ")[1] for text in texts for line in text.splitlines()
             if line.strip().startswith("study_name:")}
    assert names == {"budget-hpo-phase1-phase2_20M", "budget-hpo-phase1-phase2_2M",
                     "budget-hpo-other-phase2_20M", "budget-hpo-other-phase2_2M"}


def test_a_phase2_file_composes_phase1s_experiment(tmp_path):
    phase1 = ["search=phase1", "data=csv", "data.path=/data/prices.csv", "data.val_size=80",
              "trainer.max_steps=7", "model.input_size=32", "objective.threshold=0.001", "seed=5"]
    raw = compose_config(phase1, return_hydra_config=True)
    study, storage = make_study(tmp_path, ROWS)
    write_phase2_files(study, storage, settings(), experiment_of(raw), tmp_path / "extra" / "search")
    cfg = compose_config(["--config-dir", str(tmp_path / "extra"),
                          "search=budget-hpo-phase1/phase2_20M"], return_hydra_config=True)
    for group in ("data", "trainer", "model", "objective"):
        assert cfg[group] == raw[group], group
    assert cfg.seed == 5 and cfg.hydra.runtime.choices.data == "csv"
    assert cfg.search.parent == "budget-hpo-phase1"


def test_replicate_means_choose_the_phase2_budgets_and_show_in_the_header(tmp_path):
    """20M's single best (0.72) is a lucky seed: its fresh seeds average lower than 2M's. Pooled
    with the selected values the order would flip (20M 0.7000, 2M 0.6967)."""
    study, storage = make_study(tmp_path, ROWS)
    replicas = optuna.create_study(study_name="budget-hpo-phase1-replicates", storage=storage,
                                   direction="maximize")
    for of, value, seed in ((2, 0.68, 1), (2, 0.70, 2), (1, 0.69, 1), (1, 0.70, 2)):
        replicas.add_trial(create_trial(
            params={"budget": study.trials[of].params["budget"]}, value=value,
            distributions={"budget": DISTS["budget"]},
            user_attrs={"replicate_of": of, "seed": seed}))
    one = settings("search.phase2.top_budgets=1")
    (outcome,) = write_phase2_files(study, storage, one, EXPERIMENT, tmp_path / "search")
    assert outcome.path.name == "phase2_2M.yaml"  # 2M's fresh 0.69, 0.70 beat 20M's 0.68, 0.70
    text = outcome.path.read_text()
    assert ("trial 1: 0.6950 ± 0.0071 over 2 fresh seeds (selected 0.7000), ranked by this fresh "
            "mean") in text
    assert "trial 2: 0.6900 ± 0.0141 over 2 fresh seeds (selected 0.7200)" in text


def test_generated_file_renders_only_its_study_and_composes_the_shared_base(tmp_path):
    study, storage = make_study(tmp_path, ROWS)
    outcome = write_phase2_files(study, storage, settings(), EXPERIMENT, tmp_path / "extra" / "search")[0]
    text = outcome.path.read_text()
    assert "defaults:\n  - /search/phase2\n" in text
    for shared in ("override /hydra/sweeper", "multivariate", "constant_liar", "early_stop", "forced:",
                   "n_jobs"):
        assert shared not in text, shared  # from conf/search/phase2.yaml, not rendered
    cfg = compose_config(["--config-dir", str(tmp_path / "extra"), "search=budget-hpo-phase1/phase2_20M"],
                         return_hydra_config=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("BudgetSweeper") and sweeper.sampler._target_.endswith("TPESampler")
    assert sweeper.sampler.multivariate is True and sweeper.sampler.constant_liar is True
    assert sweeper.sampler.seed == cfg.seed and sweeper.n_jobs == 1
    assert (sweeper.sampler.n_startup_trials, sweeper.n_trials) == (8, 25)  # the study's own lines
    assert cfg.search.early_stop.enabled is False and cfg.search.forced is False
    assert cfg.search.name == "phase2_20M" and cfg.search.parent == "budget-hpo-phase1"


def test_a_model_with_one_head_count_searches_only_that_one():
    from budget_hpo.phase2.spec import phase2_space

    space, kept, dropped = phase2_space({"model.n_heads": "choice(1, 2, 4, 8, 16)"}, 256, 8)
    assert dict(space)["model.n_heads"] == "choice(8)"
    assert (kept, dropped) == ((8,), (1, 2, 4, 16))
