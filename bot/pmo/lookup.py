"""Finding the project or person a user means (SPEC §6: PROJECT and @person arguments)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.store.models import Booking, Person, Project

_SOW = re.compile(r"sow-?(\d+)", re.IGNORECASE)
MAX_CANDIDATES = 8


def looks_like_sow(text: str) -> bool:
    return bool(_SOW.fullmatch(text.strip()))


def normalise_sow(text: str) -> str:
    match = _SOW.fullmatch(text.strip())
    return f"SOW-{match.group(1)}" if match else text.strip().upper()


def _projects_by_sow(session: Session, text: str) -> list[Project]:
    """The project whose stored SOW is `text`, in any letter case, whatever its shape
    (imports keep a SOW as written: `SOW-1234`, `SOW1234`, `PS-77`). Failing that, for
    `SOW-1234` or `sow1234`, the project stored under the other of those two spellings."""
    wanted = text.strip().upper()
    spellings = {wanted}
    if match := _SOW.fullmatch(wanted):
        spellings |= {f"SOW-{match.group(1)}", f"SOW{match.group(1)}"}
    query = sa.select(Project).where(sa.func.upper(Project.sow).in_(spellings))
    found = list(session.scalars(query.order_by(Project.sow)))
    return [p for p in found if p.sow.upper() == wanted] or found


def match_projects(session: Session, query: str) -> list[Project]:
    """Projects `query` could mean: its SOW, else exact names, else names it starts."""
    text = query.strip()
    by_sow = _projects_by_sow(session, text)
    if by_sow or looks_like_sow(text):
        return by_sow
    wanted = text.casefold()
    projects = list(session.scalars(sa.select(Project).order_by(Project.customer, Project.name)))
    exact = [p for p in projects if wanted in _names(p)]
    return exact or [p for p in projects if any(n.startswith(wanted) for n in _names(p))]


def find_project(session: Session, query: str) -> Project:
    """The one project `query` names: a SOW number, or a unique start of customer/name."""
    text = query.strip()
    matches = match_projects(session, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise _ambiguous(text, matches)
    if looks_like_sow(text):
        raise UserError(f"No project has SOW number {normalise_sow(text)}.")
    projects = list(session.scalars(sa.select(Project)))
    raise UserError(_no_match_message(text, projects))


def leading_project(session: Session, words: Sequence[str]) -> tuple[Project | None, list[str]]:
    """The project free text (a win, a thanks) starts with, and the words after it.

    Text often starts with a word that also starts a project's name ("So proud…" and
    Soylent, "I owe you one" and Initech), so only a clear reference counts: a SOW number
    (or a project's SOW of another shape, like PS-77), or leading words that spell out a
    customer, a project name, or both, in full and in any case ("Initech", "Data
    Migration", "Acme Corp Data Migration", or quoted: "Acme Corp").
    An unknown SOW, or a name several projects share, is a UserError.
    """
    if words and (looks_like_sow(words[0]) or _projects_by_sow(session, words[0])):
        return find_project(session, words[0]), list(words[1:])
    by_name: dict[str, list[Project]] = {}
    for project in session.scalars(sa.select(Project).order_by(Project.customer, Project.name)):
        for name in {" ".join(n.split()) for n in _names(project)}:
            by_name.setdefault(name, []).append(project)
    longest = max((len(name.split()) for name in by_name), default=0)
    for count in range(min(len(words), longest), 0, -1):  # "Acme Corp" before "Acme"
        phrase = " ".join(" ".join(words[:count]).split())
        matches = by_name.get(phrase.casefold(), [])
        if len(matches) > 1:
            raise _ambiguous(phrase, matches)
        if matches:
            return matches[0], list(words[count:])
    return None, list(words)


def _ambiguous(text: str, matches: list[Project]) -> UserError:
    listed = "; ".join(p.title for p in matches[:MAX_CANDIDATES])
    more = f" and {len(matches) - MAX_CANDIDATES} more" if len(matches) > MAX_CANDIDATES else ""
    return UserError(
        f"'{text}' matches {len(matches)} projects: {listed}{more}. "
        "Use the SOW number or more of the name."
    )


def _names(project: Project) -> tuple[str, ...]:
    return (
        project.customer.casefold(),
        project.name.casefold(),
        f"{project.customer} {project.name}".casefold(),
    )


_WORD = re.compile(r"[^\W_]+")


def typeahead(projects: Sequence[Project], query: str) -> list[Project]:
    """The `projects` a picker's typed `query` finds by SOW, customer or project name, in
    their given order within three tiers: the SOW (or its number) starts with it, then a
    word of the customer or name (or the whole "customer name") does, then it appears
    anywhere. An empty query finds them all, in order."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        return list(projects)
    tiers: tuple[list[Project], list[Project], list[Project]] = ([], [], [])
    for project in projects:
        tier = _typeahead_tier(project, wanted)
        if tier is not None:
            tiers[tier].append(project)
    return [*tiers[0], *tiers[1], *tiers[2]]


def _typeahead_tier(project: Project, wanted: str) -> int | None:
    sow = project.sow.casefold()
    number = _SOW.fullmatch(sow)
    if sow.startswith(wanted) or (number and number.group(1).startswith(wanted)):
        return 0
    names = _names(project)
    words = (word for name in names[:2] for word in _WORD.findall(name))
    if names[2].startswith(wanted) or any(word.startswith(wanted) for word in words):
        return 1
    if wanted in sow or any(wanted in name for name in names) or wanted in project.title.casefold():
        return 2
    return None


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


def project_open() -> sa.ColumnElement[bool]:
    """Projects still running: active or closing (a completed project is history)."""
    return Project.status.in_(("active", "closing"))


def open_projects_for(
    session: Session, caller: Person | None
) -> tuple[list[Project], list[Project]]:
    """Projects not yet completed: the caller's, then all the others, for the win and
    thanks modals' project pickers."""
    own = [p for p in projects_of(session, caller) if p.status != "completed"] if caller else []
    own_ids = {p.id for p in own}
    query = sa.select(Project).where(project_open())
    others = session.scalars(query.order_by(Project.customer, Project.name))
    return own, [p for p in others if p.id not in own_ids]
