"""One class per storage kind, chosen once from the URL: the table of what each kind does (its lock,
display, dashboard, refusals and liveness), and a new kind added as one class.

PostgreSQL rows need a server (``BUDGET_HPO_TEST_POSTGRES``): they skip without one, saying why,
and fail instead where ``BUDGET_HPO_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.errors import ConfigError
from budget_hpo.schema import SearchConfig
from budget_hpo.search import storage as storage_module
from budget_hpo.search import storage_kinds
from budget_hpo.search.storage import (
    config_reference,
    dashboard_command,
    display_url,
    open_storage,
    open_study,
    storage_kind,
    study_lock,
)
from budget_hpo.search.storage_kinds import (
    Journal,
    JournalLiveness,
    Postgres,
    RDBLiveness,
    SQLite,
    StorageKind,
)
from tests.helpers import require_postgres

optuna.logging.set_verbosity(optuna.logging.WARNING)

KINDS = ["sqlite", "journal", "postgresql"]


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    """A usable URL of each kind (PostgreSQL: the test server's)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.db"
    if request.param == "journal":
        return f"journal:///{tmp_path}/shared/s.journal"
    return require_postgres()


def _postgres_advisory_locks(url: str) -> int:
    import sqlalchemy

    with sqlalchemy.create_engine(url).connect() as conn:
        return int(conn.execute(sqlalchemy.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")).scalar_one())


def _kind_lock_is_held(kind: StorageKind, study: str) -> bool:
    """Whether the kind's own lock on ``study`` is visible from outside: SQLite's ``<db>.lock``
    file, the journal's ``O_EXCL`` lock file, PostgreSQL's advisory lock."""
    if isinstance(kind, Postgres):
        return _postgres_advisory_locks(kind.url) > 0
    if isinstance(kind, Journal):
        key = hashlib.sha256(study.encode()).hexdigest()[:12]
        return (kind.file.parent / f"{kind.file.name}.study-{key}.lock").exists()
    assert kind.file is not None
    return kind.file.with_name(f"{kind.file.name}.lock").exists()


def test_the_study_lock_is_the_kinds_and_excludes_a_second_holder(url):
    kind = storage_kind(url)
    study = f"lock-{uuid.uuid4().hex[:8]}"
    held, release, second = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with study_lock(url, study):
            held.set()
            release.wait(30)

    def other() -> None:
        with study_lock(url, study):  # another connection / open file: as another worker
            second.set()

    a = threading.Thread(target=first)
    a.start()
    assert held.wait(30)
    assert _kind_lock_is_held(kind, study)
    b = threading.Thread(target=other)
    b.start()
    assert not second.wait(1.0)  # blocked while the first holds it
    release.set()
    assert second.wait(60)  # and admitted once it is released
    a.join()
    b.join()
    if isinstance(kind, Journal):
        assert not _kind_lock_is_held(kind, study)  # the lock file is gone again


# (URL, its kind, how it is shown, the dashboard command's argument, its config reference)
DISPLAY = [
    ("sqlite:///multirun/x.db", SQLite, "sqlite:///multirun/x.db", "sqlite:///multirun/x.db",
     "sqlite:///multirun/x.db"),
    ("journal:////shared/x.journal", Journal, "journal:////shared/x.journal", "/shared/x.journal",
     "journal:////shared/x.journal"),
    ("postgresql+psycopg2://me:s3cret@db.example:5432/hpo", Postgres,
     "postgresql+psycopg2://me:***@db.example:5432/hpo",
     "postgresql+psycopg2://me:***@db.example:5432/hpo", "${oc.env:BUDGET_HPO_STORAGE}"),
    ("postgresql://me@db.example/hpo", Postgres, "postgresql://me@db.example/hpo",
     "postgresql://me@db.example/hpo", "postgresql://me@db.example/hpo"),
]


@pytest.mark.parametrize(("url", "kind", "shown", "dashboard", "reference"), DISPLAY,
                         ids=[r[0] for r in DISPLAY])
def test_each_kind_shows_its_url_without_a_password(url, kind, shown, dashboard, reference):
    assert type(storage_kind(url)) is kind
    assert display_url(url) == shown
    assert dashboard_command(url) == f"optuna-dashboard {dashboard}"
    assert config_reference(url) == reference
    assert "s3cret" not in display_url(url) + dashboard_command(url) + config_reference(url)


# (id, URL, what the one line must contain)
REFUSED = [
    ("mysql", "mysql://me:s3cret@h/db", "mysql://me:***@h/db: invalid; allowed: a sqlite:///, "
     "postgresql:// or journal:/// URL (mysql has no lock"),
    ("malformed port", "postgresql://me:s3cret@h:notaport/db", "postgresql://me:***@h:notaport/db"
     ": invalid; allowed: a storage URL such as sqlite:///"),
    ("not a URL", "budget_hpo.db", "budget_hpo.db: invalid; allowed: a storage URL such as"),
    ("postgres without a database", "postgresql://me:s3cret@h", "postgresql://me:***@h: invalid; "
     "allowed: a postgresql:// URL that names a database"),
    ("journal without a file", "journal:///", "journal:///: invalid; allowed: a journal file URL"),
    ("journal without a path", "journal:x.journal", "journal:x.journal: invalid; allowed: a "
     "journal file URL"),
]


@pytest.mark.parametrize(("case", "url", "line"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_no_kind_can_use_is_refused_at_the_door(case, url, line):
    with pytest.raises(ConfigError) as err:
        storage_kind(url, key="hydra.sweeper.storage")
    assert str(err.value).startswith(f"hydra.sweeper.storage={line}"), str(err.value)
    assert "s3cret" not in str(err.value) and "s3cret" not in display_url(url)


SEARCH = SearchConfig(heartbeat_interval=5, grace_period=60)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_liveness_is_the_kinds_own_and_finds_a_trial_that_never_beat(url, monkeypatch):
    expected = JournalLiveness if isinstance(storage_kind(url), Journal) else RDBLiveness
    study = open_study(url, f"live-{uuid.uuid4().hex[:8]}", search=SEARCH, direction="maximize")
    liveness = storage_kind(url).liveness(study)
    assert type(liveness) is expected and liveness.interval == 5.0
    trial = study.ask()
    assert liveness.unbeaten([trial._trial_id]) == [trial._trial_id]
    liveness.record(trial._trial_id)
    assert liveness.unbeaten([trial._trial_id]) == []
    assert liveness.stale(study._study_id) == []  # it beat just now
    reader = open_study(url, study.study_name)  # a reader shares this process's storage
    def opened(s: optuna.Study):  # the storage under Optuna's per-study cache of an RDB one
        return getattr(s._storage, "_backend", s._storage)

    assert opened(reader) is opened(study)  # (opening one checks the schema: done once)
    monkeypatch.setattr(storage_module, "_storages", {})  # a reader in a process of its own
    alone = open_study(url, study.study_name)  # opened without heartbeat settings
    assert storage_kind(url).liveness(alone) is None


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/typo.db", "journal:///{tmp}/typo.journal"])
def test_a_reader_never_creates_a_file_storage(tmp_path, url):
    url = url.format(tmp=tmp_path)
    with pytest.raises(ConfigError, match=r"^storage=.*an existing database"):
        open_storage(url, create=False)
    assert list(tmp_path.iterdir()) == []


def test_every_spelling_of_a_sqlite_file_is_one_kind_with_one_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spellings = ["sqlite:///s.db", f"sqlite:///{tmp_path}/s.db", f"sqlite:///{tmp_path}/x/../s.db"]
    assert {storage_kind(u).file for u in spellings} == {tmp_path / "s.db"}
    assert storage_kind("sqlite://").file is None  # in memory: a process-local lock
    with study_lock("sqlite://", "s"):
        assert list(tmp_path.iterdir()) == []


@dataclass(frozen=True)
class Memory(StorageKind):
    """A kind for the test: Optuna's in-memory storage, one per URL, and a process-local lock."""

    schemes = ("memory",)
    example = "memory://"
    opened = {}  # class attributes (no annotation): not dataclass fields
    locks = {}

    def check(self, key: str) -> None:
        if self.url == "memory://":
            raise ConfigError(key, self.url, "memory://NAME")

    def open(self, heartbeat_interval, grace_period):
        return self.opened.setdefault(self.url, optuna.storages.InMemoryStorage())

    @contextmanager
    def lock(self, study_name):
        with self.locks.setdefault((self.url, study_name), threading.Lock()):
            yield

    def liveness(self, study):
        return None


def test_a_new_kind_is_one_registered_class(monkeypatch):
    from budget_hpo.search import storage_registry

    monkeypatch.setattr(storage_registry, "_KINDS", dict(storage_registry._KINDS))
    assert storage_kinds.register(Memory) is Memory
    assert storage_kinds.storage_kinds() == (SQLite, Postgres, Journal, Memory)
    url = f"memory://{uuid.uuid4().hex[:8]}"
    assert type(storage_kind(url)) is Memory
    study = open_study(url, "s", direction="maximize")  # through the door, like any storage
    study.add_trial(optuna.trial.create_trial(value=1.0))
    with study_lock(url, "s"):
        assert open_study(url, "s").trials[0].state == TrialState.COMPLETE
    assert dashboard_command(url) == f"optuna-dashboard {url}"
    with pytest.raises(ConfigError, match=r"memory://NAME"):
        storage_kind("memory://")
    with pytest.raises(ConfigError, match=r"journal:/// or memory:// URL"):  # listed with the rest
        storage_kind("mysql://h/db")


def test_a_new_sqlite_file_created_by_another_process_at_once_is_opened(tmp_path, monkeypatch):
    """Two workers (or a worker and a reader) opening a new SQLite file at the same moment both
    create its tables; the loser's CREATE TABLE fails "already exists" and it opens again."""
    import sqlalchemy.exc

    real, calls = storage_kinds.BatchedRDBStorage, []

    def racing(url, **kwargs):
        calls.append(url)
        if len(calls) == 1:  # the other process wins the race: its tables now exist
            real(url, **kwargs)
            raise sqlalchemy.exc.OperationalError("CREATE TABLE studies", {},
                                                  Exception("table studies already exists"))
        return real(url, **kwargs)

    monkeypatch.setattr(storage_kinds, "BatchedRDBStorage", racing)
    url = f"sqlite:///{tmp_path}/new.db"
    storage = storage_kinds.SQLite(url).open(None, None)
    assert len(calls) == 2 and isinstance(storage, real) and storage.get_all_studies() == []
    calls.clear()

    def broken(url, **kwargs):
        calls.append(url)
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(storage_kinds, "BatchedRDBStorage", broken)
    with pytest.raises(sqlalchemy.exc.OperationalError, match="disk I/O"):
        storage_kinds.SQLite(url).open(None, None)
    assert len(calls) == 1  # any other error is not retried


def test_a_trials_record_is_written_in_one_commit_where_the_kind_can(url):
    """A trial's record (about 80 attributes) is one transaction on the RDB kinds (one commit:
    SQLite syncs the file at each) and one line each on a journal; either way every attribute
    reads back, and a finished trial refuses them, as Optuna's own setter does."""
    import sqlalchemy

    from budget_hpo.search.study import set_user_attrs

    study = open_study(url, f"attrs-{uuid.uuid4().hex[:8]}", direction="maximize")
    trial = study.ask()
    attrs = {f"metric_{i}": i / 7 for i in range(80)} | {"budget": "2M", "forced": True}
    backend = getattr(study._storage, "_backend", study._storage)
    commits: list[int] = []
    if isinstance(backend, storage_kinds.BatchedRDBStorage):
        sqlalchemy.event.listen(backend.engine, "commit", lambda conn: commits.append(1))
    set_user_attrs(trial, attrs)
    if isinstance(backend, storage_kinds.BatchedRDBStorage):
        assert len(commits) == 1
    else:
        assert isinstance(storage_kind(url), Journal)
    assert trial.user_attrs == attrs  # the trial object's own view, as set_user_attr keeps it
    assert open_study(url, study.study_name).trials[0].user_attrs == attrs  # and the storage's
    # again, with keys it has (updated in place) and more than one statement's rows of new ones
    more = {"budget": "20M", "metric_3": None, "curve": [0.5, 0.25], "shape": {"d": 64}} | {
        f"extra_{i}": i for i in range(300)}
    inserts: list[str] = []
    commits.clear()
    if isinstance(backend, storage_kinds.BatchedRDBStorage):
        sqlalchemy.event.listen(backend.engine, "before_cursor_execute",
                                lambda *a: inserts.append(a[2]) if "INSERT" in a[2] else None)
    set_user_attrs(trial, more)
    if isinstance(backend, storage_kinds.BatchedRDBStorage):  # rows in statements of 250
        assert len(inserts) == 2 and len(commits) == 1, inserts
    assert open_study(url, study.study_name).trials[0].user_attrs == attrs | more
    study.tell(trial, 1.0)
    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError):
        set_user_attrs(trial, {"late": 1})
