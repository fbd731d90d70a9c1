"""Finding the project or person a user means (SPEC §6: PROJECT and @person arguments)."""

from __future__ import annotations

import difflib
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.models import Booking, Person, Project

_SOW = re.compile(r"sow-?(\d+)", re.IGNORECASE)
MAX_CANDIDATES = 8


def looks_like_sow(text: str) -> bool:
    return bool(_SOW.fullmatch(text.strip()))


def normalise_sow(text: str) -> str:
    match = _SOW.fullmatch(text.strip())
    return f"SOW-{match.group(1)}" if match else text.strip().upper()


def find_project(session: Session, query: str) -> Project:
    """The one project `query` names: a SOW number, or a unique start of customer/name."""
    text = query.strip()
    if looks_like_sow(text):
        project = session.scalar(sa.select(Project).where(Project.sow == normalise_sow(text)))
        if project is None:
            raise UserError(f"No project has SOW number {normalise_sow(text)}.")
        return project
    wanted = text.casefold()
    projects = list(session.scalars(sa.select(Project).order_by(Project.customer, Project.name)))
    exact = [p for p in projects if wanted in _names(p)]
    matches = exact or [p for p in projects if any(n.startswith(wanted) for n in _names(p))]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(p.title for p in matches[:MAX_CANDIDATES])
        more = f" and {len(matches) - MAX_CANDIDATES} more" if len(matches) > MAX_CANDIDATES else ""
        raise UserError(
            f"'{text}' matches {len(matches)} projects: {listed}{more}. "
            "Use the SOW number or more of the name."
        )
    raise UserError(_no_match_message(text, projects))


def _names(project: Project) -> tuple[str, ...]:
    return (
        project.customer.casefold(),
        project.name.casefold(),
        f"{project.customer} {project.name}".casefold(),
    )


def _no_match_message(text: str, projects: list[Project]) -> str:
    by_name = {}
    for project in projects:
        by_name.setdefault(project.customer.casefold(), project)
        by_name.setdefault(project.name.casefold(), project)
    close = difflib.get_close_matches(text.casefold(), list(by_name), n=3, cutoff=0.6)
    hint = ""
    if close:
        hint = " Did you mean " + " or ".join(by_name[name].title for name in close) + "?"
    return f"No project matches '{text}'.{hint}"


def person_by_slack_id(session: Session, slack_user_id: str) -> Person | None:
    return session.scalar(sa.select(Person).where(Person.slack_user_id == slack_user_id))


def projects_of(session: Session, person: Person) -> list[Project]:
    """Projects a person runs (as PM) or is booked on, most relevant first."""
    booked = sa.select(Booking.project_id).where(Booking.person_id == person.id)
    query = (
        sa.select(Project)
        .where(sa.or_(Project.pm_id == person.id, Project.id.in_(booked)))
        .order_by(Project.status, Project.customer, Project.name)
    )
    return list(session.scalars(query))
