"""A budget is a parameter count: read from any spelling, written as its short name, served by
Hydra without a file, and given its short name on the command line."""

from __future__ import annotations

import random

import pytest

from budget_hpo.budget_counts import (
    budget_grid,
    budget_option,
    count_name,
    count_or_none,
    parse_count,
    sort_budgets,
)
from budget_hpo.compose import normalize_budget_args
from budget_hpo.errors import ConfigError
from tests.helpers import compose, run_app

READ = [
    ("750k", 750_000), ("2M", 2_000_000), ("5e6", 5_000_000), ("1.5M", 1_500_000),
    ("50000000", 50_000_000), ("5000000.0", 5_000_000), (5e6, 5_000_000), (2_000_000, 2_000_000),
    ("2G", 2_000_000_000), ("1e3", 1_000), (".5M", 500_000), ("2.5e-3M", 2_500),
    ("1_000_000", 1_000_000), ("200M", 200_000_000),
]


@pytest.mark.parametrize(("value", "count"), READ)
def test_every_spelling_reads_as_its_count(value, count):
    assert parse_count(value) == count


@pytest.mark.parametrize("value", ["fast", "0", "-2M", "1.2345k", "lots", "2MB", "", 0.5, True])
def test_what_names_no_count_is_one_line_naming_the_key(value):
    assert count_or_none(value) is None
    with pytest.raises(ConfigError) as err:
        parse_count(value, "budget.params")
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"budget.params={value}: invalid")
    assert "750k, 2M, 1.5M, 5e6" in text


@pytest.mark.parametrize(("count", "name"), [
    (750_000, "750k"), (2_000_000, "2M"), (1_500_000, "1.5M"), (5_000_000, "5M"),
    (200_000_000, "200M"), (2_000_000_000, "2G"), (902_785, "902785"), (999, "999"),
    (1_234_567, "1234567"), (1_250_000, "1.25M"), (12_345_678, "12345678"),
])
def test_the_short_name_writes_the_count_exactly(count, name):
    assert count_name(count) == name


def test_short_names_read_back_as_their_counts():
    rng = random.Random(7)
    counts = [rng.randrange(1, 10**10) for _ in range(2000)]
    counts += [rng.randrange(1, 10**4) * 10 ** rng.randrange(0, 7) for _ in range(2000)]
    assert all(parse_count(count_name(n)) == n for n in counts)


def test_a_grid_is_sorted_by_count_and_each_budget_named_once():
    assert budget_grid(["200M", "5e6", "750k", 20_000_000], ["750k", "2M"]) == [
        "750k", "5M", "20M", "200M"]
    assert budget_option("small", ["small"]) == "small"
    assert sort_budgets(["200M", "small", "1.5M", "750k"]) == ["750k", "1.5M", "200M", "small"]
    with pytest.raises(ConfigError, match=r"search\.budgets=\[5M, 5e6\]: invalid; allowed: "
                                          r"distinct budgets \(both name 5M\)"):
        budget_grid(["5M", "5e6"])
    with pytest.raises(ConfigError, match=r"search\.budgets=fast: invalid; allowed: a parameter "
                                          r"count .* or a budget option: 750k"):
        budget_grid(["2M", "fast"], ["750k"])


@pytest.mark.parametrize(("budget", "params"), [
    ("50M", 50_000_000), ("1.5M", 1_500_000), ("5M", 5_000_000), ("3k", 3_000)])
def test_any_count_composes_without_a_file(budget, params):
    cfg = compose([f"budget={budget}"])
    assert (cfg.budget.name, cfg.budget.params, cfg.budget.pinned) == (budget, params, {})
    assert cfg.budget.tolerance == 0.1


def test_a_budget_file_wins_over_the_count_of_its_name(tmp_path, monkeypatch):
    cfg = compose(["budget=20M"])
    assert cfg.budget.pinned["itransformer"]["deep"].n_layers == 12  # the package's file
    own = tmp_path / "conf" / "budget"
    own.mkdir(parents=True)
    (own / "50M.yaml").write_text(
        "name: 50M\nparams: 50M\npinned:\n  itransformer:\n"
        "    shallow: {d_model: 1024, n_layers: 4, n_heads: 16}\n")
    monkeypatch.setenv("BUDGET_HPO_CONFIG_DIR", str(tmp_path / "conf"))
    cfg = compose(["budget=50M"])
    assert cfg.budget.pinned["itransformer"]["shallow"].d_model == 1024


def test_a_number_on_the_command_line_runs_as_its_short_name():
    assert normalize_budget_args(["budget=5e6", "style=deep"]) == ["budget=5M", "style=deep"]
    assert normalize_budget_args(["budget=50000000"]) == ["budget=50M"]
    assert normalize_budget_args(["budget=750k", "-m"]) == ["budget=750k", "-m"]
    assert normalize_budget_args(["budget=2M,5e6"]) == ["budget=2M,5M"]
    assert normalize_budget_args(["budget=fast"]) == ["budget=fast"]  # refused elsewhere


def test_budget_hpo_composes_a_numeric_budget(tmp_path):
    proc = run_app(["budget=5e6", "--cfg", "job"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "name: 5M" in proc.stdout and "params: 5000000" in proc.stdout


@pytest.mark.parametrize("value", ["fast", "0", "-2M"])
def test_budget_hpo_refuses_a_budget_that_is_no_count_in_one_line(tmp_path, value):
    proc = run_app([f"budget={value}"], cwd=tmp_path)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and f"budget={value}: invalid; allowed: a parameter count" in line
