"""No secret is ever written or printed: a PostgreSQL storage with a password, given as
``$BUDGET_HPO_STORAGE``, run through phase 1, phase 2 and the report. The password must appear
in no file under the sweep folders or the config dir, and not in stdout or stderr."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import SMALL, run_cli
from tests.search.test_workers import POSTGRES, _postgres_reachable

pytestmark = pytest.mark.slow


@pytest.fixture
def secret_url():
    import os

    reason = _postgres_reachable()
    if reason:
        if os.environ.get("BUDGET_HPO_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but {reason}")
        pytest.skip(reason)
    import sqlalchemy

    role, password = f"hpo_{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    engine = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'"))
    url = sqlalchemy.engine.make_url(POSTGRES).set(username=role, password=password)
    yield url.render_as_string(hide_password=False), password
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"DROP OWNED BY {role}"))
        conn.execute(sqlalchemy.text(f"DROP ROLE {role}"))


def test_a_storage_password_reaches_no_file_and_no_output(tmp_path, secret_url):
    url, password = secret_url
    env = {"BUDGET_HPO_STORAGE": url}
    name = f"secret-{uuid.uuid4().hex[:8]}"
    outputs = []
    phase1 = run_cli("budget-hpo", ["-m", "search=phase1", f"hydra.sweeper.study_name={name}",
                                    "search.budgets=[750k]", "hydra.sweeper.n_trials=2",
                                    f"search.phase2.config_dir={tmp_path}/generated",
                                    f"hydra.sweep.dir={tmp_path}/p1", *SMALL],
                     cwd=tmp_path, timeout=600, env=env)
    outputs.append(phase1)
    assert phase1.returncode == 0, phase1.stderr[-3000:]
    (generated,) = (tmp_path / "generated" / "search" / name).glob("phase2_*.yaml")
    assert "${oc.env:BUDGET_HPO_STORAGE}" in generated.read_text()
    phase2 = run_cli("budget-hpo", ["-m", "--config-dir", str(tmp_path / "generated"),
                                    f"search={name}/{generated.stem}", "hydra.sweeper.n_trials=1",
                                    f"hydra.sweep.dir={tmp_path}/p2", *SMALL],
                     cwd=tmp_path, timeout=600, env=env)
    outputs.append(phase2)
    assert phase2.returncode == 0, phase2.stderr[-3000:]
    report = run_cli("budget-hpo-report", ["--study", name, "--out", str(tmp_path / "report")],
                     cwd=tmp_path, timeout=300, env=env)
    outputs.append(report)
    assert report.returncode == 0, report.stderr[-3000:]
    assert "***" in report.stdout  # the URL is shown, its password hidden

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 20  # job folders, .hydra configs, logs, report, phase-2 file
    leaked = [str(p) for p in files if password.encode() in p.read_bytes()]
    assert not leaked, leaked
    for proc in outputs:
        assert password not in proc.stdout and password not in proc.stderr
