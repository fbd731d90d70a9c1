"""SQLAlchemy 2.0 typed models. Every schema change here needs a migration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from bot.core.terms import (
    BOOKING_KINDS,
    LESSON_LABELS,
    PROJECT_STATUSES,
    PROJECT_TYPES,
    ROLES,
    TEMPERATURES,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware timestamps on every backend (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a timezone-aware column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def person_label(
    person_id: int, name: str | None, email: str | None, slack_user_id: str | None
) -> str:
    """How a person is named to others: by name, else email, else Slack id."""
    return name or email or slack_user_id or f"person {person_id}"


class Person(Base):
    """Someone on the PS team, matched by email (Kantata) and Slack user id."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    tz: Mapped[str | None] = mapped_column(sa.String(64))
    weekly_capacity_hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The PS role (PM, PSE, TA) of someone on the PS team, from `psbot import people` or a
    # Kantata user's role: the bench is every active person with one (None: not known).
    role: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The Kantata user a sync keeps them in step with (time off is filed by user).
    kantata_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)

    __table_args__ = (sa.CheckConstraint("weekly_capacity_hours >= 0", name="capacity"),)

    @property
    def label(self) -> str:
        return person_label(self.id, self.name, self.email, self.slack_user_id)


class Project(Base):
    """A PS engagement, keyed by its SOW number."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    sow: Mapped[str] = mapped_column(sa.String(32), unique=True)
    customer: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(32))
    pm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    kickoff_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    top_customer: Mapped[bool] = mapped_column(default=False)
    raid_url: Mapped[str | None] = mapped_column(sa.String(2000))
    epic_url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The GitLab issue that collects the project's wins and thanks (its journal /
    # internal retrospective); psbot notes each ProjectWin and thanks there.
    journal_issue_url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The Kantata workspace a sync keeps it in step with, so a SOW number changed in
    # Kantata renames the project (None: imported from CSV, or never synced).
    kantata_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)
    # The EM>PS transition meeting of a Consulting Block or Dedicated Engineer project:
    # the handbook scores their forecast (±10%) only from then on.
    transition_date: Mapped[dt.date | None] = mapped_column(sa.Date)

    # When its Kantata data (project, bookings, milestones) was last synced or imported:
    # what posts say as "Kantata data as of", and what a judgement checks for freshness.
    data_as_of: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pm: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_in("type", PROJECT_TYPES), name="type"),
        sa.CheckConstraint(_in("status", PROJECT_STATUSES), name="status"),
    )

    @property
    def title(self) -> str:
        return f"{self.customer} — {self.name} ({self.sow})"


class Booking(Base):
    """Hours one person is allocated to a project in one week (Kantata's allocation)."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: uq_bookings_slot leads with it.
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(8))
    week_start: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    kind: Mapped[str] = mapped_column(sa.String(8))
    bill_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))

    project: Mapped[Project] = relationship()
    person: Mapped[Person] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "project_id", "person_id", "role", "week_start", "kind", name="uq_bookings_slot"
        ),
        sa.CheckConstraint("hours >= 0", name="hours"),
        sa.CheckConstraint("bill_rate IS NULL OR bill_rate >= 0", name="bill_rate"),
        sa.CheckConstraint(_in("role", ROLES), name="role"),
        sa.CheckConstraint(_in("kind", BOOKING_KINDS), name="kind"),
    )

    @validates("week_start")
    def _monday(self, _key: str, value: dt.date) -> dt.date:
        if value.weekday() != 0:
            raise ValueError(f"week_start {value} is not a Monday")
        return value


class Milestone(Base):
    """A Fixed Fee billing milestone and its sign-off dates."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    signoff_sent: Mapped[dt.date | None] = mapped_column(sa.Date)
    signoff_received: Mapped[dt.date | None] = mapped_column(sa.Date)
    passive_days: Mapped[int | None] = mapped_column()
    # The Kantata story (milestone) a sync keeps it in step with, so a milestone renamed
    # in Kantata is renamed here (None: imported from CSV, or never synced).
    kantata_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)
    # The milestone's fee: Fixed Fee revenue is this amount, recognised when it is accepted.
    # Not negative: the import and the sync check it (SQLite can't add a CHECK in place).
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))

    project: Mapped[Project] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("project_id", "name", name="uq_milestones_project_name"),
        sa.CheckConstraint("passive_days IS NULL OR passive_days > 0", name="passive_days"),
    )


class TimeEntry(Base):
    """Hours one person logged on a project on one day (Kantata's time entry): actuals.

    `week_start` is the Monday of `day`, kept so the bill rate of an entry without one
    (a CSV row) can be read from that week's booking. An entry synced from Kantata keeps
    its id; one imported from CSV has none and is one row per project, person and day.
    """

    __tablename__ = "time_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    week_start: Mapped[dt.date] = mapped_column(sa.Date)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    approved: Mapped[bool] = mapped_column(default=False)
    bill_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    kantata_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)

    __table_args__ = (
        sa.Index("ix_time_entries_project_id_day", "project_id", "day"),
        sa.CheckConstraint("hours >= 0", name="hours"),
        sa.CheckConstraint("bill_rate IS NULL OR bill_rate >= 0", name="bill_rate"),
    )


class ForecastSnapshot(Base):
    """What the forecast said, taken each Monday at the forecast deadline, per project and
    month: never rewritten, the base of accuracy and of week-over-week pushes.

    `forecast` is hard $, `upside` soft $ (Fixed Fee: its milestones' amounts, no upside).
    `type` and `pm_id` are the project's when it was taken (a
    project may change type, and a PM hand it over); `milestones` lists the Fixed Fee
    milestones forecast in the month: `{"name", "on", "amount"}` (ISO date, decimal text).
    """

    __tablename__ = "forecast_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_on: Mapped[dt.date] = mapped_column(sa.Date)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[dt.date] = mapped_column(sa.Date)  # its first day
    type: Mapped[str] = mapped_column(sa.String(32))
    pm_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    # Exact: hours and rates have 2 decimals and a week is split by fifths.
    forecast: Mapped[Decimal] = mapped_column(sa.Numeric(18, 5), default=Decimal(0))
    upside: Mapped[Decimal] = mapped_column(sa.Numeric(18, 5), default=Decimal(0))
    hard_hours: Mapped[Decimal] = mapped_column(sa.Numeric(9, 2), default=Decimal(0))
    soft_hours: Mapped[Decimal] = mapped_column(sa.Numeric(9, 2), default=Decimal(0))
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    __table_args__ = (
        sa.UniqueConstraint("taken_on", "project_id", "month", name="uq_forecast_snapshots_slot"),
        sa.Index("ix_forecast_snapshots_month_taken_on", "month", "taken_on"),
    )


class Note(Base):
    """The current R-Y-G note of one project for one reporting week (ISO week key)."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(sa.String(8), index=True)
    progress: Mapped[str] = mapped_column(sa.String(150))
    issue: Mapped[str] = mapped_column(sa.Text, default="")
    assistance: Mapped[str] = mapped_column(sa.Text, default="")
    dri_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    internal_temp: Mapped[str] = mapped_column(sa.String(8))
    customer_temp: Mapped[str] = mapped_column(sa.String(8))
    raid_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    epic_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    forecast_push: Mapped[str] = mapped_column(sa.Text, default="")
    upside: Mapped[str] = mapped_column(sa.Text, default="")
    # The open Work Exception, pending Change Order, Work at Risk ("" when none).
    work_exception_url: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")
    change_order_url: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")
    work_at_risk_url: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")
    author_id: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("project_id", "week", name="uq_notes_project_week"),
        sa.CheckConstraint(_in("internal_temp", TEMPERATURES), name="internal_temp"),
        sa.CheckConstraint(_in("customer_temp", TEMPERATURES), name="customer_temp"),
    )


class NoteRevision(Base):
    """Every submitted version of a note, kept so an edit never loses what was there."""

    __tablename__ = "note_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    author_id: Mapped[str] = mapped_column(sa.String(32))
    submission_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Win(Base):
    """A ProjectWin: stored first, then shouted out (through the outbox) and pinned."""

    __tablename__ = "wins"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    member_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    source_permalink: Mapped[str] = mapped_column(sa.String(2000), default="")
    request_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    # Where the shout-out landed, once the outbox has posted it.
    channel: Mapped[str | None] = mapped_column(sa.String(64))
    ts: Mapped[str | None] = mapped_column(sa.String(32))
    permalink: Mapped[str] = mapped_column(sa.String(2000), default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    project: Mapped[Project] = relationship()


class Thanks(Base):
    """One person thanking others, optionally for a project; kept for the retrospective."""

    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    receiver_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16), default="command")
    source_permalink: Mapped[str] = mapped_column(sa.String(2000), default="")
    request_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    # Where the shout-out landed, once the outbox has posted it.
    channel: Mapped[str | None] = mapped_column(sa.String(64))
    ts: Mapped[str | None] = mapped_column(sa.String(32))
    permalink: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    project: Mapped[Project | None] = relationship()

    __table_args__ = (sa.CheckConstraint(_in("source", ("command", "message")), name="source"),)


CLOSURE_STATUSES = ("open", "done", "na")


class ClosureItem(Base):
    """One Deploy & Close checklist item of a project: its state and who changed it last.

    `version` grows with every change, so a stale button can be told from a fresh one.
    """

    __tablename__ = "closure_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(8), default="open")
    item_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(32))
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("project_id", "item", name="uq_closure_items_project_item"),
        sa.CheckConstraint(_in("status", CLOSURE_STATUSES), name="status"),
    )


# Where an outbox entry goes: its deliverer (bot.runtime.outbox dispatches by target).
OUTBOX_TARGETS = ("slack", "gitlab")
# What a GitLab entry adds: a note on the journal issue for a win, thanks or lesson, one
# on the Internal Customer Epic for a Yellow/Red note or its return to Green, a
# customer-safe update on the RAID issue, or its Escalated label alone. "raid_note" and
# "back_to_green" are history: internal notes sent to the RAID issue before issue 20
# (migration 0011 failed those still unsent).
GITLAB_NOTE_KINDS = (
    "win_note",
    "thanks_note",
    "lesson_note",
    "epic_note",
    "epic_green",
    "raid_update",
    "escalation",
    "raid_note",
    "back_to_green",
)
# Kinds name what an entry is, across targets: hooks and deadlines are chosen by kind.
OUTBOX_KINDS = ("job", "win", "thanks", "dm", *GITLAB_NOTE_KINDS)
OUTBOX_STATUSES = ("pending", "sending", "retrying", "sent", "failed")


class OutboxEntry(Base):
    """A delivery psbot owes, stored with its cause: Slack posts (a job's run, a
    shout-out, a DM) or, as a `GitLabNote`, a note or label on GitLab.

    Every target shares the delivery state: `status`, `attempts` (each claim counts one;
    a holder's writes count only while its attempt is the latest), the lease, the next
    attempt, the deadline and the last error. `unsure_of` is the step in flight when an
    attempt ended without an answer: it is looked for before it is done again.

    Slack's own columns: `posts` are delivered in order; `sent` counts those already
    delivered, so a retry resumes after the last one; `first_channel`/`first_ts` locate
    the first post (later posts may reply in its thread). `key` makes a replay add
    nothing.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    target: Mapped[str] = mapped_column(sa.String(16), default="slack", server_default="slack")
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The Win or Thanks a shout-out is for; the user a DM tells; the record a GitLab note
    # is about (by kind).
    subject_id: Mapped[int | None] = mapped_column()
    posts: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    sent: Mapped[int] = mapped_column(default=0)
    first_channel: Mapped[str | None] = mapped_column(sa.String(64))
    first_ts: Mapped[str | None] = mapped_column(sa.String(32))
    unsure_of: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "target",
        "polymorphic_identity": "slack",
        # Load every target's columns at once: entries are read, then used detached.
        "with_polymorphic": "*",
    }
    __table_args__ = (
        sa.CheckConstraint(_in("target", OUTBOX_TARGETS), name="target"),
        sa.CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_outbox_kind_subject_id", "kind", "subject_id"),
    )


class GitLabNote(OutboxEntry):
    """An outbox entry for GitLab: one note (and label) owed to a project's issue or epic.

    Written in the same transaction as the win, thanks, lesson or weekly note; delivered
    by the GitLab deliverer through the one outbox. `marker` (hidden in the note) lets a
    retry whose earlier POST may have landed (`unsure_of` = 0) find that note instead of
    adding it twice; `gitlab_note_id` records the note once known. The body is built from
    `payload` when first sent, and every retry sends it unchanged.
    """

    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "gitlab"}

    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # The journal issue, the Internal Customer Epic or the RAID issue (by kind).
    target_url: Mapped[str | None] = mapped_column(sa.String(2000))
    label: Mapped[str | None] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    body: Mapped[str | None] = mapped_column(sa.Text)
    # What a weekly note says, hashed: an edit that says the same adds no second note.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    marker: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    gitlab_note_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    pm_told_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


JOB_RUN_STATUSES = ("queued", "failed", "skipped")


class JobRun(Base):
    """One scheduled job's run for one period, claimed once across processes and restarts.

    A run that built its posts is `queued`: they are in the outbox entry `outbox`, whose
    status is the run's delivery status. `failed` here means building the posts failed.
    """

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"))

    outbox: Mapped[OutboxEntry | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
        sa.CheckConstraint(_in("status", JOB_RUN_STATUSES), name="status"),
    )

    @property
    def outcome(self) -> str:
        """What happened to the run: skipped, failed, or its posts' delivery status; a
        job that posts nothing is claimed before its work and is `running` until done."""
        if self.outbox is None and self.status == "queued" and self.finished_at is None:
            return "running"
        return self.outbox.status if self.outbox is not None else self.status

    @property
    def problem(self) -> str:
        return self.error or (self.outbox.error if self.outbox is not None else "")

    @property
    def done_at(self) -> dt.datetime:
        finished = self.outbox.finished_at if self.outbox is not None else self.finished_at
        return finished or self.claimed_at


class Escalation(Base):
    """A Red project an admin marked Escalated: listed first in the report, and its RAID
    issue labelled `Escalated` (the handbook's "Reporting on Risk via RAID"). Removing
    the row is un-escalating (the audit log keeps who did either, and when)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    escalated_by: Mapped[str] = mapped_column(sa.String(32))
    escalated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Lesson(Base):
    """A lesson learned, or a customer story, with the handbook's label; kept for the
    project's internal retrospective (and noted on its journal issue when GitLab is on)."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    # The Slack message it was captured from (the message shortcut), if any.
    source_permalink: Mapped[str] = mapped_column(sa.String(2000), default="")
    request_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    project: Mapped[Project | None] = relationship()

    __table_args__ = (sa.CheckConstraint(_in("label", LESSON_LABELS), name="label"),)


class UpsideItem(Base):
    """Upside a PM records by hand, beyond soft bookings (handbook: a pending Change Order
    expected to complete this quarter, a milestone likely to move into it): an exact
    amount expected in a month, and why. Shown until the end of its month."""

    __tablename__ = "upside_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    month: Mapped[dt.date] = mapped_column(sa.Date, index=True)  # its first day
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(32))
    request_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),)


class AuditEntry(Base):
    """Who did what, when: every write a user or the CLI makes is recorded here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class TimeOff(Base):
    """Hours a person is off on one day (Kantata's time off entries): less capacity."""

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))

    __table_args__ = (
        sa.UniqueConstraint("person_id", "day", name="uq_time_off_person_day"),
        sa.CheckConstraint("hours >= 0", name="hours"),
    )


class Away(Base):
    """A person's time off as they told psbot (`/ps away`), and who covers for them: no
    nudges while away, and the delegate writes their notes and gets their nudges. One a
    person (a new one replaces it); past `ends_on` it lapses by itself."""

    __tablename__ = "away"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    delegate_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates"),)


class JobSetting(Base):
    """A job's time, channel or on/off as an admin set it in Slack (App Home): it wins
    over the PSBOT_JOB_* environment, which stays the default. Every replica reads these
    at its next tick; the audit log keeps who changed what, old and new."""

    __tablename__ = "job_settings"

    job: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    setting: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # time, channel, switch
    value: Mapped[str] = mapped_column(sa.String(200))
    changed_by: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in("setting", ("time", "channel", "switch")), name="setting"),
    )


class KantataObject(Base):
    """The last Kantata sync's copy of one Kantata object, as Kantata sent it.

    An incremental sync fetches only what changed and merges it here; the projects it
    touched are then mapped again from this copy, as a full sync maps what it fetched.
    `owner` is what the object belongs to ("workspace:12", "resource:20", "user:7"), so a
    project's objects are found without reading them all. (Stored as JSON: it is read back
    whole, never queried inside.)
    """

    __tablename__ = "kantata_objects"

    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    kantata_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    owner: Mapped[str | None] = mapped_column(sa.String(80))
    # Listed by its own endpoint (not only included by another's): what Kantata's count of
    # that endpoint is compared with, to notice deletions.
    listed: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (sa.Index("ix_kantata_objects_kind_owner", "kind", "owner"),)


class SyncState(Base):
    """One source's sync (Kantata): when the last one started that succeeded (changes
    since then are what the next incremental sync fetches), when the last full one did,
    and the lease of the sync running now, so that only one runs at a time."""

    __tablename__ = "sync_state"

    source: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    full_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_holder: Mapped[str] = mapped_column(sa.String(64), default="")


class SlackRequest(Base):
    """A Slack request psbot has taken on, by its trigger id: a replay of the same signed
    request, or Slack's retry of it, finds it here (on any replica) and does nothing."""

    __tablename__ = "slack_requests"

    request_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class DataVersion(Base):
    """One row: the version of the data the portfolio is computed from, bumped by every
    transaction that writes it (`bot.store.data_versions`), so that each replica knows
    when what it computed is out of date."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class DataChange(Base):
    """What one data version changed: the projects, comma-separated, when the writer said
    (`bot.store.data_versions.touching_projects`); NULL: anything may have changed."""

    __tablename__ = "data_changes"

    version: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    projects: Mapped[str | None] = mapped_column(sa.Text)
