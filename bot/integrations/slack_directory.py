"""Slack's directory: the Slack user of each person psbot knows by email, looked up with
users.lookupByEmail and kept on the person (with their name and time zone)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.pmo.people import unlinked_people
from bot.store.models import Person


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
