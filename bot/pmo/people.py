"""People: found or created by email (Kantata's key); which of them have no Slack user yet."""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.in_lists import chunks
from bot.store.models import Person


def name_from_email(email: str) -> str:
    """A placeholder name until Slack tells us the real one: jane.doe@x.com → Jane Doe."""
    local = email.partition("@")[0]
    return " ".join(part.capitalize() for part in re.split(r"[._+-]+", local) if part)[:200]


def ids_by_email(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Person ids of the people with these (lower-case) emails, keyed by lower-case email."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(emails))):
        rows = session.execute(
            sa.select(Person.id, Person.email).where(sa.func.lower(Person.email).in_(chunk))
        )
        found.update({email.lower(): person_id for person_id, email in rows})
    return found


def ensure_people(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Person ids for these (lower-case) emails, creating the people who are new."""
    wanted = set(emails)
    found = ids_by_email(session, wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        session.execute(
            sa.insert(Person), [{"email": e, "name": name_from_email(e)} for e in missing]
        )
        found.update(ids_by_email(session, missing))
    return found


def unlinked_people(session: Session, emails: Iterable[str]) -> list[tuple[int, str]]:
    """(id, email) of the people with these emails who have no Slack user yet."""
    pending: list[tuple[int, str]] = []
    for chunk in chunks(sorted(set(emails))):
        rows = session.execute(
            sa.select(Person.id, Person.email)
            .where(sa.func.lower(Person.email).in_(chunk), Person.slack_user_id.is_(None))
            .order_by(Person.email)
        )
        pending.extend((person_id, email) for person_id, email in rows)
    return pending
