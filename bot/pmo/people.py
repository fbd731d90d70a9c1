"""People: found or created by email (Kantata's key) and linked to Slack users by email."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Person

T = TypeVar("T")

# Comfortably under SQLite's bound-parameter limit on every version.
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, for IN (...) lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def name_from_email(email: str) -> str:
    """A placeholder name until Slack tells us the real one: jane.doe@x.com → Jane Doe."""
    local = email.partition("@")[0]
    return " ".join(part.capitalize() for part in re.split(r"[._+-]+", local) if part)[:200]


def _ids_by_email(session: Session, emails: Iterable[str]) -> dict[str, int]:
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
    found = _ids_by_email(session, wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        session.execute(
            sa.insert(Person), [{"email": e, "name": name_from_email(e)} for e in missing]
        )
        found.update(_ids_by_email(session, missing))
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


@dataclass
class SlackLinks:
    """What linking people to Slack users did."""

    linked: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # "email (why)"
    error: str | None = None  # a Slack failure that stopped the lookups
    not_tried: int = 0


def link_to_slack(
    session_factory: sessionmaker[Session], client: WebClient, emails: Iterable[str]
) -> SlackLinks:
    """Look up, by email, the Slack user of each person who has none yet, and store it.

    People already linked are not looked up again. A Slack failure other than "no such
    user" stops the lookups; what was found so far is still stored.
    """
    with session_factory() as session:
        pending = unlinked_people(session, emails)
    links = SlackLinks()
    found: list[tuple[int, str, dict[str, Any]]] = []
    for done, (person_id, email) in enumerate(pending):
        try:
            user = client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            code = error.response.get("error") or "error"
            if code != "users_not_found":
                links.error, links.not_tried = code, len(pending) - done
                break
            links.unresolved.append(f"{email} (no Slack user with that email)")
        except (SlackClientError, OSError) as error:  # still failing after the client's retries
            links.error, links.not_tried = str(error) or type(error).__name__, len(pending) - done
            break
        else:
            if user.get("deleted"):
                links.unresolved.append(f"{email} (deactivated in Slack)")
            else:
                found.append((person_id, email, user))
    if found:
        _store_links(session_factory, found, links)
    return links


def _store_links(
    session_factory: sessionmaker[Session],
    found: list[tuple[int, str, dict[str, Any]]],
    links: SlackLinks,
) -> None:
    with session_factory.begin() as session:
        owners = dict(
            session.execute(
                sa.select(Person.slack_user_id, Person.id).where(
                    Person.slack_user_id.in_([user["id"] for _, _, user in found])
                )
            ).all()
        )
        for person_id, email, user in found:
            owner = owners.setdefault(user["id"], person_id)
            if owner != person_id:
                links.unresolved.append(
                    f"{email} (Slack user {user['id']} is already linked to another person)"
                )
                continue
            person = session.get_one(Person, person_id)
            person.slack_user_id = user["id"]
            profile = user.get("profile") or {}
            name = user.get("real_name") or profile.get("real_name") or profile.get("display_name")
            if name:
                person.name = name[:200]
            if user.get("tz"):
                person.tz = user["tz"][:64]
            links.linked.append(email)
