"""Which values hold a literal password, and how they are shown (the table behind the refusal)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from budget_hpo.errors import ConfigError
from budget_hpo.passwords import check_args, check_config, has_literal_password, hide

# (value, holds a literal password, shown as)
VALUES = [
    ("postgresql+psycopg2://me:s3cret@h:5432/db", True, "postgresql+psycopg2://me:***@h:5432/db"),
    ("postgresql://:s3cret@h/db", True, "postgresql://:***@h/db"),
    ("postgresql://me:p/a:ss@h/db", True, "postgresql://me:***@h/db"),  # as SQLAlchemy reads it
    ("https://me:s3cret@mlflow.example", True, "https://me:***@mlflow.example"),
    ("${oc.env:BUDGET_HPO_STORAGE,postgresql://me:s3cret@h/db}", True,
     "${oc.env:BUDGET_HPO_STORAGE,postgresql://me:***@h/db}"),
    ("postgresql://me@h/db", False, "postgresql://me@h/db"),
    ("postgresql://me:@h/db", False, "postgresql://me:@h/db"),  # an empty password
    ("postgresql://me:${oc.env:PGPW}@h/db", False, "postgresql://me:***@h/db"),
    ("${oc.env:BUDGET_HPO_STORAGE}", False, "${oc.env:BUDGET_HPO_STORAGE}"),
    ("${oc.env:BUDGET_HPO_STORAGE,sqlite:///multirun/budget_hpo.db}", False,
     "${oc.env:BUDGET_HPO_STORAGE,sqlite:///multirun/budget_hpo.db}"),
    ("sqlite:///a:b@c.db", False, "sqlite:///a:b@c.db"),
    ("journal:////shared/a:b@c.journal", False, "journal:////shared/a:b@c.journal"),
    ("me:s3cret@h", False, "me:s3cret@h"),  # not a URL
]


@pytest.mark.parametrize(("value", "secret", "shown"), VALUES, ids=[v[0] for v in VALUES])
def test_a_literal_password_is_found_and_hidden(value, secret, shown):
    assert has_literal_password(value) is secret
    assert hide(value) == shown


def test_the_refusal_names_the_key_the_hidden_url_and_the_safe_ways():
    with pytest.raises(ConfigError) as err:
        check_args(["-m", "search=phase1", "hydra.sweeper.storage=postgresql://me:s3cret@h/db"])
    line = str(err.value)
    assert line.startswith("hydra.sweeper.storage=postgresql://me:***@h/db: invalid; allowed:")
    assert "s3cret" not in line and "\n" not in line
    for way in ("$BUDGET_HPO_STORAGE", "PGPASSWORD", "~/.pgpass", ".hydra/"):
        assert way in line


def test_a_composed_config_is_searched_everywhere_but_in_its_overrides():
    cfg = OmegaConf.create({
        "logger": {"tracking_uri": "sqlite:///mlruns/mlflow.db"},
        "data": {"paths": ["a.csv", "s3://key:s3cret@bucket/b.csv"]},
        "hydra": {"overrides": {"task": ["hydra.sweeper.storage=postgresql://me:s3cret@h/db"]},
                  "sweeper": {"storage": "${oc.env:BUDGET_HPO_STORAGE}"}},
    })
    with pytest.raises(ConfigError, match=r"^data\.paths\[1\]=s3://key:\*\*\*@bucket/b\.csv"):
        check_config(cfg)
    cfg.data.paths = ["a.csv"]
    check_config(cfg)  # the overrides repeat values already checked where they land
