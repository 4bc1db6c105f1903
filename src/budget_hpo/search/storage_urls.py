"""How a storage URL is read and shown, whatever its kind (even one refused): its scheme, its
SQLAlchemy form, whether it holds a password, and its text with the password hidden. The kinds of
:mod:`budget_hpo.search.storage_kinds` build on these."""

from __future__ import annotations

from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.passwords import hide

__all__ = ["hidden_url", "sqlalchemy_password", "sqlalchemy_url", "url_scheme"]


def url_scheme(url: str) -> str:
    """``sqlite`` of ``sqlite:///F``, ``postgresql`` of ``postgresql+psycopg2://...``."""
    return url.partition(":")[0].split("+")[0]


def sqlalchemy_url(text: str, key: str) -> Any:
    """The SQLAlchemy URL of ``text``; a malformed one is a :class:`ConfigError`."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(text)
        parsed.port  # noqa: B018 (a bad port raises only when read)
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(key, hide(text), "a storage URL such as sqlite:///multirun/"
                          f"budget_hpo.db or postgresql://USER@HOST/DB ({reason})") from None
    return parsed


def hidden_url(text: str) -> str:
    """A URL with its password hidden: SQLAlchemy's rendering, else the text masked."""
    from sqlalchemy.engine import make_url

    try:
        return str(make_url(text).render_as_string(hide_password=True))
    except Exception:
        return hide(text)


def sqlalchemy_password(text: str) -> bool:
    """Whether a SQLAlchemy URL holds a password (an unreadable one is taken to hold one)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(text).password is not None
    except Exception:
        return True
