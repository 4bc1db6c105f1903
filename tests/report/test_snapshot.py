"""The report's snapshot: each study, its replicates and its lineage read once; every file of the
report a function of the snapshot alone."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import optuna
import pandas as pd
import pytest
from optuna.trial import create_trial

from budget_hpo.phase2.spec import ranked_outcomes
from budget_hpo.records import EarlyStopRecord, LineageRecord, NoiseRecord, TrialRecord
from budget_hpo.report import load_snapshot, render_report, write_report
from budget_hpo.report.cells import ranked_value
from budget_hpo.report.snapshot import ReportSnapshot, StudySnapshot, TrialSnapshot
from budget_hpo.report.studies import trials_frame
from budget_hpo.report.summary import summary_markdown
from budget_hpo.search import storage as storage_module
from budget_hpo.search.replicates import seed_stats
from tests.report.test_report import DISTS, fill

PHASE1 = "budget-hpo-phase1"
REPLICAS = f"{PHASE1}-replicates"
PHASE2 = f"{PHASE1}-phase2_2M"


def lineage_storage(tmp_path) -> str:
    """A phase 1 with seed replicates of two trials, its phase 2, and an unrelated study."""
    storage = f"sqlite:///{tmp_path}/s.db"
    p1 = optuna.create_study(study_name=PHASE1, storage=storage, direction="maximize")
    fill(p1, [("2M", "shallow", 1e-4, 0.70), ("750k", "deep", 1e-4, 0.66),
              ("2M", "deep", 1e-4, 0.72), ("750k", "shallow", 1e-4, None)])
    for key, value in NoiseRecord(0, (0.69, 0.71), 3.0).to_attrs().items():
        p1.set_user_attr(key, value)
    replicas = optuna.create_study(study_name=REPLICAS, storage=storage, direction="maximize")
    for of, values in ((0, (0.69, 0.72)), (1, (0.65,))):
        for seed, value in enumerate(values, start=1):
            replicas.add_trial(create_trial(
                params={"budget": "2M"}, distributions={"budget": DISTS["budget"]}, value=value,
                user_attrs={"replicate_of": of, "seed": seed}))
    p2 = optuna.create_study(study_name=PHASE2, storage=storage, direction="maximize")
    for key, value in LineageRecord(PHASE1).to_attrs().items():
        p2.set_user_attr(key, value)
    fill(p2, [("2M", "shallow", 2e-4, 0.73)])
    optuna.create_study(study_name="budget-hpo-other", storage=storage, direction="maximize")
    return storage


@pytest.fixture
def reads(monkeypatch):
    """Counts of the storage reads, by kind and study name; the real storage still answers."""
    counts: Counter[tuple[str, str]] = Counter()
    load, summaries, get_trials = (optuna.load_study, optuna.get_all_study_summaries,
                                   optuna.Study.get_trials)
    listing = optuna.storages.RDBStorage.get_all_studies

    def counted_load(*args, **kwargs):
        counts[("load_study", kwargs["study_name"])] += 1
        return load(*args, **kwargs)

    def counted_summaries(*args, **kwargs):
        counts[("summaries", "")] += 1
        return summaries(*args, **kwargs)

    def counted_listing(self, *args, **kwargs):  # names and attributes, no trials
        counts[("studies", "")] += 1
        return listing(self, *args, **kwargs)

    def counted_trials(self, *args, **kwargs):
        if not isinstance(self._storage, optuna.storages.InMemoryStorage):  # fANOVA's copy
            counts[("get_trials", self.study_name)] += 1
        return get_trials(self, *args, **kwargs)

    monkeypatch.setattr(optuna, "load_study", counted_load)
    monkeypatch.setattr(optuna, "get_all_study_summaries", counted_summaries)
    monkeypatch.setattr(optuna.Study, "get_trials", counted_trials)
    monkeypatch.setattr(optuna.storages.RDBStorage, "get_all_studies", counted_listing)
    return counts


def test_the_report_reads_each_study_its_replicates_and_its_lineage_once(tmp_path, reads):
    storage = lineage_storage(tmp_path)
    report = write_report(storage, tmp_path / "out", [PHASE1, PHASE2])
    assert reads == {("studies", ""): 1,  # listed once; no study's summary (all its trials)
                     ("load_study", PHASE1): 1, ("get_trials", PHASE1): 1,
                     ("load_study", REPLICAS): 1, ("get_trials", REPLICAS): 1,
                     ("load_study", PHASE2): 1, ("get_trials", PHASE2): 1}
    assert {f.name for f in report.files} == {"trials.csv", "summary.md", "scaling.png",
                                              "history.png", "pareto.png", "findings.md",
                                              "scaling_law.png", "lr_transfer.png"}


def test_the_snapshot_holds_the_records_replicates_and_lineage(tmp_path):
    snapshot = load_snapshot(lineage_storage(tmp_path))
    assert [s.name for s in snapshot.studies] == ["budget-hpo-other", PHASE1, PHASE2]
    p1 = snapshot.studies[1]
    assert p1.children == (PHASE2,) and p1.parent is None and p1.phase == "phase1"
    assert snapshot.studies[2].parent == PHASE1 and snapshot.studies[2].phase == "phase2"
    assert p1.noise == NoiseRecord(0, (0.69, 0.71), 3.0) and p1.early_stop is None
    assert sorted(p1.replicates) == [0, 1]
    assert [r.record.seed for r in p1.replicates[0]] == [1, 2]
    assert [t.state for t in p1.trials] == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL"]
    assert p1.trials[0].record.params_exact == 2_487_681 and p1.trials[0].params["budget"] == "2M"
    assert p1.trials[0].duration_s is not None and p1.trials[0].duration_s >= 0
    assert snapshot.storage == storage_module.display_url(f"sqlite:///{tmp_path}/s.db")


def test_the_report_is_written_from_a_snapshot_without_the_storage(tmp_path, monkeypatch):
    storage = lineage_storage(tmp_path)
    snapshot = load_snapshot(storage, [PHASE1, PHASE2])

    def refused(*args, **kwargs):
        raise AssertionError("the storage was read after the snapshot")

    for name in ("load_study", "get_all_study_summaries"):
        monkeypatch.setattr(optuna, name, refused)
    for name in ("get_all_studies", "get_all_trials", "get_study_user_attrs"):
        monkeypatch.setattr(optuna.storages.RDBStorage, name, refused)
    for name in ("open_storage", "open_study"):
        monkeypatch.setattr(storage_module, name, refused)
    report = render_report(snapshot, tmp_path / "out")
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "| 2M | shallow | 0 | 0.6900, 0.7200 | 0.7050 ± 0.0212 | 2 | 0.7000 |" in summary
    assert "| 750k | deep | 1 | 0.6500 | 0.6500 ± – | 1 | 0.6600 |" in summary  # no SD of one
    assert "| 2M | 0.7200 | 0.7300 | +0.0100 | 0 |" in summary  # phase 2 beside phase 1
    assert "| regularization.lr |" in summary  # importances from the snapshot's trials
    assert len(report.trials) == 5 and (tmp_path / "out" / "pareto.png").is_file()


def test_trials_csv_holds_what_optuna_holds_and_the_sweepers_seed_stats(tmp_path):
    storage = lineage_storage(tmp_path)
    write_report(storage, tmp_path / "out", [PHASE1])
    table = pd.read_csv(tmp_path / "out" / "trials.csv", parse_dates=["datetime_start"])
    study = optuna.load_study(study_name=PHASE1, storage=storage)
    theirs = study.trials_dataframe()
    for column in ("number", "state", "value", "datetime_start", "params_budget", "params_style",
                   "params_regularization.lr", "user_attrs_params_exact"):
        pd.testing.assert_series_equal(table[column.removeprefix("user_attrs_")],
                                       theirs[column], check_names=False, check_dtype=False)
    replicas = optuna.load_study(study_name=REPLICAS, storage=storage)
    stats = seed_stats(study, replicas)  # what the phase-2 writer ranks by
    replicated = table.dropna(subset=["seed_n"]).set_index("number")
    assert sorted(replicated.index) == sorted(stats) == [0, 1]
    for number, s in stats.items():
        assert replicated.loc[number, "seed_mean"] == pytest.approx(s.mean)
        assert replicated.loc[number, "seed_sd"] == pytest.approx(s.sd, nan_ok=True)
        assert replicated.loc[number, "seed_n"] == s.n
    assert stats[0].fresh == (0.69, 0.72) and stats[0].selected == 0.70


def test_the_tables_rank_by_the_rule_phase_2_ranks_budgets_by(tmp_path):
    snapshot = load_snapshot(lineage_storage(tmp_path), [PHASE1])
    study = snapshot.studies[0]
    frame = trials_frame(snapshot)
    done = frame[frame["state"] == "COMPLETE"]
    table = ranked_value(done, ["params_budget"]).set_axis(done["number"])
    rule = {o.number: o.value for o in ranked_outcomes(study.complete, study.seeds)}
    assert table.dropna().to_dict() == pytest.approx(rule)
    assert pd.isna(table[2])  # unreplicated 2M trial: its budget has a replicated config


def hand_built() -> ReportSnapshot:
    start = datetime(2026, 12, 1, 12, 0)

    def trial(number, budget, style, value, **record):
        return TrialSnapshot(
            number=number, state="COMPLETE", value=value,
            params={"budget": budget, "style": style}, distributions={},
            record=TrialRecord(val_auc=value, **record,
                              baselines={"naive_val_auc": 0.5, "linear_val_auc": 0.6}),
            datetime_start=start, datetime_complete=start + timedelta(seconds=30))

    rerun = [TrialSnapshot(number=i, state="COMPLETE", value=v, params={"budget": "2M"},
                           record=TrialRecord(replicate_of=0, seed=i + 1))
             for i, v in enumerate((0.68, 0.72))]
    phase1 = StudySnapshot(
        name=PHASE1, direction="maximize", storage="sqlite:///x.db",
        trials=(trial(0, "2M", "deep", 0.70, params_exact=2_237_377),
                trial(1, "750k", "shallow", 0.62, params_exact=902_785)),
        replicates={0: tuple(rerun)},
        early_stop=EarlyStopRecord(n_complete=2, n_trials=2, spread=0.08,
                                   top_values=(0.70, 0.62), patience=2, threshold=0.1, top_k=2))
    return ReportSnapshot(studies=(phase1,), storage="sqlite:///x.db",
                          dashboard="optuna-dashboard sqlite:///x.db", read_at=start)


def test_a_hand_built_snapshot_renders_its_summary_without_a_storage():
    summary = summary_markdown(hand_built())
    assert "Storage: `sqlite:///x.db`" in summary and "Written: 2026-12-01T12:00:00" in summary
    assert "Converged: the top 2 of 2 complete trials lay within 0.0800 (threshold 0.1)" in summary
    assert "| 0.5000 | 0.6000 |" in summary  # the baselines
    assert "| 2M | deep | 0 | 0.6800, 0.7200 | 0.7000 ± 0.0283 | 2 | 0.7000 |" in summary
    assert "The top budget 2M is separable from the next, 750k: gap 0.0800" in summary
    assert "750k 0.6200 (selected value only, no fresh seeds)" in summary  # said, not pooled
    assert "750k: selected value only, no fresh seeds; a selected value is flattered" in summary
    assert "**budget-hpo-phase1**: n/a (2 complete trials; need 3)" in summary
    assert "Browse the studies live: `optuna-dashboard sqlite:///x.db`" in summary
