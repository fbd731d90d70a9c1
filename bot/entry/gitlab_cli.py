"""`psbot gitlab check`: verify GITLAB_TOKEN and every project's GitLab links (journal and
RAID issues, Internal Customer Epic); `psbot gitlab link`: set a project's journal issue."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.context import system_clock
from bot.core.errors import UserError
from bot.core.settings import Settings
from bot.integrations.gitlab.failure import EpicProblem
from bot.integrations.gitlab.urls import (
    EpicUrlError,
    IssueRef,
    IssueUrlError,
    parse_epic_url,
    parse_issue_url,
)
from bot.pmo.lookup import find_project, project_open
from bot.runtime.outbox import requeue
from bot.store import migrate
from bot.store.db import database_reachable, make_engine, make_session_factory
from bot.store.models import AuditEntry, GitLabNote, Project

if TYPE_CHECKING:
    from bot.integrations.gitlab.client import Connection

# What `psbot gitlab check` found: 0 all good, 1 problems listed.
EXIT_PROBLEMS = 1


def add_parser(verbs: argparse._SubParsersAction) -> None:
    """Add `gitlab check` to the `psbot` verbs."""
    gitlab = verbs.add_parser("gitlab", help="GitLab sync of wins, thanks and Y/R notes")
    actions = gitlab.add_subparsers(dest="gitlab_verb", required=True, metavar="ACTION")
    actions.add_parser(
        "check",
        help="verify GITLAB_TOKEN and every project's journal issue, RAID issue and epic link",
    )
    link = actions.add_parser(
        "link", help="set the GitLab issue a project's wins, thanks and lessons are noted on"
    )
    link.add_argument("sow", metavar="SOW", help="the project's SOW number, e.g. SOW-1234")
    link.add_argument("url", metavar="ISSUE_URL", help="its journal or retrospective issue")


def run(
    args: argparse.Namespace,
    settings: Settings,
    out: TextIO | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Run a `gitlab` verb; a user error raises UserError (one line, exit 2)."""
    if args.gitlab_verb == "check":
        return check(settings, out or sys.stdout)
    if args.gitlab_verb == "link":
        when = now or system_clock()
        return link_journal(settings, args.sow, args.url, out or sys.stdout, when)
    raise UserError(f"unknown gitlab action {args.gitlab_verb}")


@dataclass(frozen=True)
class Link:
    sow: str
    what: str  # "journal issue", "RAID issue" or EPIC
    url: str


EPIC = "Internal Customer Epic"


def check(settings: Settings, out: TextIO) -> int:
    """Print the token's user, then one line per problem; 0 when there is none."""
    if not settings.gitlab_enabled:
        raise UserError(
            "GITLAB_TOKEN is not set, so GitLab sync is off "
            "(set it to an access token with the api scope)"
        )
    from bot.integrations.gitlab.client import connect  # python-gitlab loads only when it is used

    links = _configured_links(settings)
    connection = connect(settings)
    try:
        user = _authenticate(connection, settings)
    except _Fatal as fatal:
        print(fatal, file=out)
        return EXIT_PROBLEMS
    print(f"GitLab {settings.gitlab_url}: GITLAB_TOKEN works, as @{user}", file=out)
    problems, seen, epic_apis = 0, {}, set()
    for item in links:
        if (item.what, item.url) not in seen:
            if item.what == EPIC:
                found, api = _epic_problem(connection, settings, item.url, user)
                epic_apis.add(api)
            else:
                found = _problem_with(connection, settings, item.url, user)
            seen[(item.what, item.url)] = found
        if seen[(item.what, item.url)]:
            problems += 1
            print(f"{item.sow} {item.what} {item.url}: {seen[(item.what, item.url)]}", file=out)
    if links:
        projects = len({item.sow for item in links})
        found = "1 problem" if problems == 1 else f"{problems} problems"
        print(f"{len(links)} links on {projects} projects checked: {found}", file=out)
    else:
        print("No active project has a journal issue, RAID issue or epic link yet.", file=out)
    if epic_apis - {""}:
        version, _ = connection.gl.version()
        ways = " and ".join(sorted(epic_apis - {""}))
        print(f"Epic notes go through {ways} (GitLab {version})", file=out)
    print(_raid_updates_line(settings), file=out)
    return EXIT_PROBLEMS if problems else 0


def _raid_updates_line(settings: Settings) -> str:
    if settings.gitlab_raid_updates:
        return (
            "RAID issues get customer-safe updates (progress and issue/action/timing only; "
            "PSBOT_GITLAB_RAID_UPDATES=on)"
        )
    return "RAID issues get no notes (PSBOT_GITLAB_RAID_UPDATES is off); Y/R notes go to the epics"


def link_journal(settings: Settings, sow: str, url: str, out: TextIO, now: dt.datetime) -> int:
    """Record `url` as the project's journal issue; the URL must be an issue on GITLAB_URL.

    The project's failed win, thanks and lesson notes are owed to the new issue again (they
    failed because the old link was wrong or out of reach); the minute tick sends them.
    """
    try:
        parse_issue_url(url, settings.gitlab_url)
    except IssueUrlError as error:
        raise UserError(f"{url} is not a GitLab issue link: {error}") from None
    engine = _ready_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            project = find_project(session, sow)
            project.journal_issue_url = url
            requeued = _requeue_failed_journal_notes(session, project.id, url, now)
            session.add(
                AuditEntry(
                    actor="cli",
                    action="gitlab.link",
                    subject=project.sow,
                    detail={"url": url, "requeued": requeued},
                )
            )
            title = project.title
    finally:
        engine.dispose()
    print(f"{title}: wins, thanks and lessons will be noted on {url}", file=out)
    if requeued:
        notes = "1 failed note" if requeued == 1 else f"{requeued} failed notes"
        print(f"{notes} will be sent there again", file=out)
    return 0


def _requeue_failed_journal_notes(
    session: Session, project_id: int, url: str, now: dt.datetime
) -> int:
    """Owe `url` the project's failed win, thanks and lesson notes again, with a fresh
    deadline (the outbox's requeue); how many. The PM hears again if this link fails."""
    failed = session.scalars(
        sa.select(GitLabNote).where(
            GitLabNote.project_id == project_id,
            GitLabNote.kind.in_(("win_note", "thanks_note", "lesson_note")),
            GitLabNote.status == "failed",
            GitLabNote.gitlab_note_id.is_(None),  # none of it reached GitLab
        )
    )
    requeued = 0
    for note in failed:
        note.target_url, note.pm_told_at = url.strip(), None
        requeued += requeue(session, note.id, now)
    return requeued


def _ready_engine(settings: Settings):
    engine = make_engine(settings.database_url)
    if not database_reachable(engine):
        engine.dispose()
        raise UserError(
            "cannot reach the database at "
            f"{engine.url.render_as_string(hide_password=True)} (check DATABASE_URL)"
        )
    if migrate.current_revision(engine) != migrate.head_revision():
        engine.dispose()
        raise UserError("the database schema is not up to date; run `psbot migrate` first")
    return engine


def _configured_links(settings: Settings) -> list[Link]:
    engine = _ready_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            projects = session.scalars(
                sa.select(Project).where(project_open()).order_by(Project.sow)
            ).all()
    finally:
        engine.dispose()
    links = []
    for project in projects:
        if project.journal_issue_url:
            links.append(Link(project.sow, "journal issue", project.journal_issue_url))
        if project.raid_url:
            links.append(Link(project.sow, "RAID issue", project.raid_url))
        if project.epic_url:
            links.append(Link(project.sow, EPIC, project.epic_url))
    return links


class _Fatal(Exception):
    """The token or GitLab itself fails: checking links would only repeat it."""


def _authenticate(connection: Connection, settings: Settings) -> str:
    try:
        user = connection.gl.http_get("/user", **connection.read)
    except connection.errors as error:
        failure = connection.failure(error)
        if failure.kind == "token":
            raise _Fatal(
                f"GITLAB_TOKEN was rejected by {settings.gitlab_url} (401): create an access "
                "token with the api scope and set GITLAB_TOKEN to it"
            ) from None
        raise _Fatal(
            f"cannot use GitLab at {settings.gitlab_url} (GITLAB_URL): {failure.detail}"
        ) from None
    return str(user.get("username") or "?") if isinstance(user, dict) else "?"


def _problem_with(connection: Connection, settings: Settings, url: str, user: str) -> str:
    """Why psbot can't add notes to the issue at `url`, or "" when it can."""
    try:
        ref: IssueRef = parse_issue_url(url, settings.gitlab_url)
    except IssueUrlError as error:
        return str(error).removeprefix(f"{url} ")
    try:
        project = connection.gl.projects.get(ref.project_path, **connection.read)
    except connection.errors as error:
        failure = connection.failure(error)
        if failure.kind == "inaccessible":
            return f"project {ref.project_path} not found, or @{user} can't see it"
        return failure.detail
    try:
        project.issues.get(ref.iid, **connection.read)
    except connection.errors as error:
        failure = connection.failure(error)
        if failure.kind == "inaccessible":
            return f"issue #{ref.iid} not found in {ref.project_path}"
        return failure.detail
    return ""


def _epic_problem(
    connection: Connection, settings: Settings, url: str, user: str
) -> tuple[str, str]:
    """Why psbot can't add notes to the epic at `url` ("" when it can), and the API that
    reaches it ("" when none does)."""
    from bot.integrations.gitlab.epics import open_epic

    try:
        ref = parse_epic_url(url, settings.gitlab_url)
    except EpicUrlError as error:
        return str(error).removeprefix(f"{url} "), ""
    try:
        epic = open_epic(connection, ref, f"@{user}")
    except EpicProblem as problem:
        return problem.failure.detail, ""
    except connection.errors as error:
        return connection.failure(error).detail, ""
    return "", EPIC_APIS[epic.api]


EPIC_APIS = {"rest": "the REST epic notes API", "work items": "work items (GraphQL)"}
