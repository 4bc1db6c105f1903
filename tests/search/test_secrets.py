"""No secret is ever written or printed.

With a real PostgreSQL role and a random password: phase 1, phase 2 and the report run with the
password in ``$BUDGET_HPO_STORAGE``, or in ``PGPASSWORD`` / a ``.pgpass`` file beside a URL without
one; the password must appear in no file under the run's folders (``.hydra/`` included) and in no
output. The same URL typed on the command line or into a config file is refused before anything
is written: exit code 2, one line naming the key and the safe ways, no folder created.

The phases and the report run in this process (:func:`tests.helpers.run_app`, which captures
their output and opens each storage afresh) with the tiny fixture model; the refusal also runs
as a real process, whose output and folder are then checked.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from optuna.trial import TrialState
from sqlalchemy.engine import make_url

from budget_hpo import cli
from budget_hpo.report import cli as report_cli
from budget_hpo.search.storage import open_study
from tests.helpers import SMALL, TINY, require_postgres, run_app, run_cli

LEAKY = "postgresql+psycopg2://someone:pw-1c0d3f00d@127.0.0.1:5432/budget_hpo_test"


@pytest.fixture
def role():
    """A new PostgreSQL role with a random password (dropped afterwards): (URL, password)."""
    import sqlalchemy

    server = require_postgres()
    name, password = f"hpo_{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    engine = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE ROLE {name} LOGIN SUPERUSER PASSWORD '{password}'"))
    url = sqlalchemy.engine.make_url(server).set(username=name, password=password)
    yield url.render_as_string(hide_password=False), password
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"DROP OWNED BY {name}"))
        conn.execute(sqlalchemy.text(f"DROP ROLE {name}"))


def _without_password(url: str) -> str:
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def assert_nowhere(password: str, folder: Path, outputs, at_least: int) -> None:
    """The password is in no file under ``folder`` and in no process output."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) >= at_least  # job folders, .hydra configs, logs, report, phase-2 files
    assert any(".hydra" in p.parts for p in files)
    leaked = [str(p) for p in files if password.encode() in p.read_bytes()]
    assert not leaked, leaked
    for proc in outputs:
        assert password not in proc.stdout and password not in proc.stderr


@pytest.mark.slow
def test_a_storage_password_reaches_no_file_and_no_output(tmp_path, role):
    url, password = role
    env = {"BUDGET_HPO_STORAGE": url}
    name = f"secret-{uuid.uuid4().hex[:8]}"
    outputs = []
    phase1 = run_app(["-m", "search=phase1", f"hydra.sweeper.study_name={name}",
                      "search.budgets=[750k]", "hydra.sweeper.n_trials=2",
                      f"search.phase2.config_dir={tmp_path}/generated",
                      f"hydra.sweep.dir={tmp_path}/p1", *TINY], cwd=tmp_path, env=env)
    outputs.append(phase1)
    assert phase1.returncode == 0, phase1.stderr[-3000:]
    (generated,) = (tmp_path / "generated" / "search" / name).glob("phase2_*.yaml")
    assert "${oc.env:BUDGET_HPO_STORAGE}" in generated.read_text()
    phase2 = run_app(["-m", "--config-dir", str(tmp_path / "generated"),
                      f"search={name}/{generated.stem}", "hydra.sweeper.n_trials=1",
                      f"hydra.sweep.dir={tmp_path}/p2", *TINY], cwd=tmp_path, env=env)
    outputs.append(phase2)
    assert phase2.returncode == 0, phase2.stderr[-3000:]
    report = run_app(["--study", name, "--out", str(tmp_path / "report")], cwd=tmp_path,
                     env=env, command="budget-hpo-report")
    outputs.append(report)
    assert report.returncode == 0, report.stderr[-3000:]
    assert "***" in report.stdout  # the URL is shown, its password hidden
    assert_nowhere(password, tmp_path, outputs, at_least=20)


@pytest.mark.slow
def test_pgpassword_and_pgpass_keep_the_password_off_a_url_and_off_disk(tmp_path,
                                                                         tmp_path_factory, role):
    url, password = role
    bare = _without_password(url)
    name = f"pgpass-{uuid.uuid4().hex[:8]}"
    phase1 = run_app(["-m", "search=phase1", f"hydra.sweeper.storage={bare}",
                      f"hydra.sweeper.study_name={name}", "search.budgets=[750k]",
                      "hydra.sweeper.n_trials=1", f"search.phase2.config_dir={tmp_path}/generated",
                      f"hydra.sweep.dir={tmp_path}/p1", *TINY],
                     cwd=tmp_path, env={"PGPASSWORD": password})
    assert phase1.returncode == 0, phase1.stderr[-3000:]
    done = [t for t in open_study(url, name).trials if t.state == TrialState.COMPLETE]
    assert len(done) == 1  # it ran, connected as the role
    (generated,) = (tmp_path / "generated" / "search" / name).glob("phase2_*.yaml")
    assert f"storage: {bare}" in generated.read_text()  # nothing secret: the URL as it is
    pgpass = tmp_path_factory.mktemp("home") / ".pgpass"  # outside the run's folders
    pgpass.write_text(f"*:*:*:{make_url(url).username}:{password}\n")
    pgpass.chmod(0o600)
    report = run_app(["--storage", bare, "--study", name, "--out", str(tmp_path / "report")],
                     cwd=tmp_path, env={"PGPASSFILE": str(pgpass)}, command="budget-hpo-report")
    assert report.returncode == 0, report.stderr[-3000:]
    assert "Trials:" in (tmp_path / "report" / "summary.md").read_text()
    assert_nowhere(password, tmp_path, [phase1, report], at_least=10)


def _one_line(err: str, key: str, password: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert f"{key}=" in line and "***" in line and password not in line, line
    assert all(way in line for way in ("BUDGET_HPO_STORAGE", "PGPASSWORD", "~/.pgpass")), line
    return line


def _search_file(tmp: Path, storage: str) -> str:
    """A user's search config (``./conf/search/mine.yaml``) that names ``storage``."""
    folder = tmp / "conf" / "search"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.yaml").write_text(f"# @package _global_\ndefaults:\n  - phase1\nhydra:\n"
                                      f"  sweeper:\n    storage: {storage}\n")
    return "search=mine"


@pytest.mark.slow
def test_the_real_role_typed_or_committed_is_refused_as_a_real_process(tmp_path, role):
    url, password = role
    for args in (["-m", "search=phase1", f"hydra.sweeper.storage={url}"],
                 ["-m", _search_file(tmp_path, url)]):
        proc = run_cli("budget-hpo", [*args, *SMALL], cwd=tmp_path, timeout=300)
        assert proc.returncode == 2, proc.stderr[-3000:]
        _one_line(proc.stderr, "hydra.sweeper.storage", password)
        assert password not in proc.stdout
        assert sorted(p.name for p in tmp_path.iterdir()) == ["conf"]  # no run or sweep folder


# (id, the command, its arguments in tmp, the key the line names)
REFUSED = [
    ("sweep, command line", cli.main, lambda t: ["-m", "search=phase1",
                                                 f"hydra.sweeper.storage={LEAKY}"],
     "hydra.sweeper.storage"),
    ("one run, command line", cli.main, lambda t: [f"hydra.sweeper.storage={LEAKY}"],
     "hydra.sweeper.storage"),
    ("sweep, search file", cli.main, lambda t: ["-m", _search_file(t, LEAKY)],
     "hydra.sweeper.storage"),
    ("one run, search file", cli.main, lambda t: [_search_file(t, LEAKY)],
     "hydra.sweeper.storage"),
    ("default of the environment variable", cli.main,
     lambda t: ["-m", _search_file(t, "${oc.env:BUDGET_HPO_UNSET," + LEAKY + "}")],
     "hydra.sweeper.storage"),
    ("tracking URI", cli.main, lambda t: ["logger.tracking_uri=https://me:pw-1c0d3f00d@mlflow.x"],
     "logger.tracking_uri"),
    ("plan", cli.plan_main, lambda t: ["search=phase1", f"hydra.sweeper.storage={LEAKY}"],
     "hydra.sweeper.storage"),
    ("phase 2, command line", cli.phase2_main, lambda t: [f"hydra.sweeper.storage={LEAKY}"],
     "hydra.sweeper.storage"),
    ("phase 2, search file", cli.phase2_main, lambda t: [_search_file(t, LEAKY)],
     "hydra.sweeper.storage"),
    ("report", report_cli.main, lambda t: ["--storage", LEAKY], "--storage"),
]


@pytest.mark.parametrize(("case", "main", "make", "key"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_typed_or_committed_password_is_refused_before_anything_is_written(
        tmp_path, monkeypatch, capsys, case, main, make, key):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BUDGET_HPO_STORAGE", raising=False)
    monkeypatch.delenv("BUDGET_HPO_CONFIG_DIR", raising=False)
    monkeypatch.setattr(sys, "argv", ["budget-hpo", *make(tmp_path), *SMALL] if main is not
                        report_cli.main else ["budget-hpo-report", *make(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2, err
    _one_line(err, key, "pw-1c0d3f00d")
    assert "pw-1c0d3f00d" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["conf"])  # nothing written


ALLOWED = [
    ("the environment variable", []),
    ("a URL without a password", ["hydra.sweeper.storage=postgresql://someone@127.0.0.1/db"]),
    ("a password from the environment", [
        "hydra.sweeper.storage=postgresql://someone:${oc.env:PGPASSWORD}@127.0.0.1/db"]),
]


@pytest.mark.parametrize(("case", "args"), ALLOWED, ids=[r[0] for r in ALLOWED])
def test_the_safe_ways_pass_the_password_check(tmp_path, monkeypatch, case, args):
    from budget_hpo.compose import compose_config
    from budget_hpo.passwords import check_args, check_config

    monkeypatch.setenv("BUDGET_HPO_STORAGE", LEAKY)
    monkeypatch.setenv("PGPASSWORD", "pw-1c0d3f00d")
    argv = ["search=phase1", *args]
    check_args(argv)
    cfg = compose_config(argv, return_hydra_config=True)
    check_config(cfg)  # read as written: the interpolation, not the password
    if not args:  # the environment variable is read when the value is used, at run time
        assert cfg.hydra.sweeper.storage == LEAKY
