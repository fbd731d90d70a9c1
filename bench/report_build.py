"""Section 6: the Tuesday report on a portfolio where every project has its note, and jobs.

`seed_notes` writes a note for every project for this week and last week (so trends show)
through `bot.pmo.notes.save_note`, with seeded, mixed temperatures and the texts and links a
PM would type. `time_report` then times what the Tuesday report does — `report_rows`, then
`build_top_customer_report` — and validates every block of every message with slack_sdk
(`Block.parse(block).validate_json()`), as Slack would check them. `time_job` times a
scheduled job's function, `run_<job>(ctx, now)`, and validates the blocks it would post.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session, sessionmaker

from bot.core.context import AppContext
from bot.core.dates import previous_week, week_key
from bot.pmo.notes import NoteFields, save_note, validate_note
from bot.pmo.report import report_rows
from bot.runtime.outbox import Post
from bot.store.models import Person, Project
from messages.report_builder import build_top_customer_report

SEED = 48
REPORT_RUNS = 5
JOB_RUNS = 3
MAX_BLOCKS = 50  # Slack's limit per message
TEMPERATURES = (("green", 60), ("yellow", 25), ("red", 15))  # the worse of the two
ORDER = [name for name, _ in TEMPERATURES]
PROGRESS = (
    "Sprint {n} closed; UAT on track for {day}",
    "Cut-over rehearsal #{n} done — 2 defects <P2> open",
    "Waiting on customer SSO & SCIM config (ticket {n})",
    "Go-live moved to {day}; data load {n}% complete",
    "Hypercare week {n}: no Sev1s, 3 small asks",
)
ISSUES = (
    "Customer security review is blocking the production tenant; escalated to their CISO.",
    "Two PSE weeks were lost to an environment outage; the plan slips by a sprint.",
    "Scope creep: *custom reports* & a second region were asked for outside the SOW.",
)
ASSISTANCE = (
    "Need an exec sponsor call this week.",
    "Please approve 40 extra hours on the change order.",
    "",
)


@dataclass(frozen=True)
class NotesFigures:
    notes: int
    seconds: float
    temperatures: dict[str, int]  # worst temperature of this week's notes → count


@dataclass(frozen=True)
class ReportFigures:
    scope: str
    projects: int  # rows in the report
    noted: int
    messages: int
    blocks: int
    most_blocks: int  # in one message
    rows: list[float]  # seconds per run: report_rows
    build: list[float]  # build_top_customer_report
    validate: list[float]  # Block.parse(...).validate_json() of every block
    total: list[float]
    first: float  # the first run, before anything is cached

    @property
    def median(self) -> float:
        return statistics.median(self.total)


@dataclass(frozen=True)
class JobFigures:
    name: str
    seconds: list[float]
    posts: int
    blocks: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _pick(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _note(rng: random.Random, project: Project, people: Sequence[str], week: str) -> NoteFields:
    worst = _pick(rng, TEMPERATURES)  # the note's colour in the report
    other = rng.choice([t for t, _ in TEMPERATURES[: ORDER.index(worst) + 1]])
    internal, customer = (worst, other) if rng.random() < 0.5 else (other, worst)
    troubled = internal != "green" or customer != "green"
    day = f"{rng.randint(1, 28)} {rng.choice(('Dec', 'Jan', 'Feb'))}"
    raw: dict[str, Any] = {
        "progress": rng.choice(PROGRESS).format(n=rng.randint(1, 40), day=day),
        "internal": internal,
        "customer": customer,
        "issue": rng.choice(ISSUES) if troubled else "",
        "assistance": rng.choice(ASSISTANCE) if troubled else "",
        "dri_ids": rng.sample(list(people), rng.randint(0, 3)),
        "raid_url": project.raid_url or f"https://wiki.example.com/raid/{project.sow}",
        "epic_url": project.epic_url or f"https://jira.example.com/browse/{project.sow}",
        "forecast_push": "Milestone M3 moves to next month" if rng.random() < 0.15 else "",
        "upside": f"Change order, {rng.randint(20, 120)} h" if rng.random() < 0.2 else "",
    }
    fields = validate_note(raw)
    if not isinstance(fields, NoteFields):
        raise RuntimeError(f"{project.sow} {week}: generated note is invalid: {fields}")
    return fields


def seed_notes(session_factory: sessionmaker[Session], today: dt.date, now: dt.datetime):
    """A note per project for last week and this week, written with save_note."""
    rng = random.Random(SEED)
    week = week_key(today)
    started = time.perf_counter()
    written = 0
    worst: dict[str, int] = {}
    with session_factory() as session:
        projects = list(session.scalars(sa.select(Project).order_by(Project.sow)))
        people = sorted(
            session.scalars(
                sa.select(Person.slack_user_id).where(Person.slack_user_id.is_not(None))
            )
        )
        authors = {p.id: p.slack_user_id for p in session.scalars(sa.select(Person))}
        for key in (previous_week(week), week):
            for project in projects:
                fields = _note(rng, project, people, key)
                author = (authors.get(project.pm_id) if project.pm_id else None) or "U0ADMIN"
                save_note(session, project.id, key, fields, author, now)
                written += 1
                if key == week:
                    name = max((fields.internal, fields.customer), key=lambda t: t.severity)
                    worst[name.value] = worst.get(name.value, 0) + 1
        session.commit()
    return NotesFigures(written, time.perf_counter() - started, worst)


def _validate(blocks: Sequence[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            raise RuntimeError(f"slack_sdk does not know this block: {block}")
        parsed.validate_json()  # raises SlackObjectFormationError


def _report_once(
    session_factory: sessionmaker[Session], week: str, all_projects: bool
) -> tuple[list[float], tuple[int, int, int, int, int]]:
    scope = "Active projects" if all_projects else "Top Customer"
    started = time.perf_counter()
    with session_factory() as session:
        rows = report_rows(session, week, all_projects=all_projects)
    fetched = time.perf_counter()
    messages = build_top_customer_report(week, rows, scope)
    built = time.perf_counter()
    sizes = []
    for _text, blocks in messages:
        _validate([block.to_dict() for block in blocks])
        sizes.append(len(blocks))
    validated = time.perf_counter()
    if max(sizes) > MAX_BLOCKS:
        raise RuntimeError(f"a report message has {max(sizes)} blocks; Slack takes {MAX_BLOCKS}")
    noted = sum(1 for row in rows if row.note is not None)
    steps = [fetched - started, built - fetched, validated - built, validated - started]
    return steps, (len(rows), noted, len(messages), sum(sizes), max(sizes))


def time_report(
    session_factory: sessionmaker[Session], today: dt.date, *, all_projects: bool
) -> ReportFigures:
    week = week_key(today)
    first, counts = _report_once(session_factory, week, all_projects)
    runs = [_report_once(session_factory, week, all_projects)[0] for _ in range(REPORT_RUNS)]
    rows, build, validate, total = (list(step) for step in zip(*runs, strict=True))
    scope = "all active and closing projects" if all_projects else "Top Customer projects"
    return ReportFigures(scope, *counts, rows, build, validate, total, first[-1])


def time_job(
    name: str, job: Callable[[AppContext, dt.datetime], list[Post]], ctx: AppContext
) -> JobFigures:
    now = ctx.now()
    posts = job(ctx, now)  # warm-up
    seconds = []
    for _ in range(JOB_RUNS):
        started = time.perf_counter()
        posts = job(ctx, now)
        seconds.append(time.perf_counter() - started)
    blocks = [block for post in posts for block in post.blocks]
    _validate(blocks)
    return JobFigures(name, seconds, len(posts), len(blocks))
