"""The demo portfolio of `psbot shell --demo`: a PMO team's quarter, relative to the clock.

Twelve projects of all four types under three PMs, bookings from two months back to four
months out with the rule breaks a PMO meets every week — soft hours this month, a TA not
hard-booked two months out, an engineer under capacity, a Fixed Fee project without
milestone dates — three weeks of R-Y-G notes (this week's half written), wins, thanks and
one project closing. Written through the same models and domain functions the app uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, local_today, monday_of, week_key
from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.pmo.snapshots import take_snapshot
from bot.pmo.wins import record_thanks, record_win
from bot.store.models import AuditEntry, Booking, Milestone, Person, Project, TimeEntry

SEEDED = "demo.seeded"
# Bookings reach back past three closed months: their snapshots and actuals show accuracy.
WEEKS_BACK, WEEKS_AHEAD = 15, 18
ACTUAL_MONTHS = 3


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    slack_id: str
    tz: str = "America/New_York"
    capacity: int = 40

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".").replace("á", "a") + "@example.com"


PEOPLE = (
    # Project Managers: their billable capacity is the PM hours they are booked for.
    DemoPerson("priya", "Priya Patel", "U01PRIYA", capacity=16),
    DemoPerson("marcus", "Marcus Chen", "U01MARCUS", capacity=16),
    DemoPerson("sofia", "Sofia Alvarez", "U01SOFIA", tz="America/Chicago", capacity=16),
    # Engineers and architects.
    DemoPerson("dana", "Dana Kim", "U01DANA"),
    DemoPerson("leo", "Leo Rossi", "U01LEO"),
    DemoPerson("aisha", "Aisha Okafor", "U01AISHA"),
    DemoPerson("ben", "Ben Carter", "U01BEN"),
    DemoPerson("tomas", "Tomás Silva", "U01TOMAS", tz="Europe/Lisbon"),
    DemoPerson("grace", "Grace Liu", "U01GRACE", tz="America/Los_Angeles"),
    DemoPerson("omar", "Omar Haddad", "U01OMAR"),
    DemoPerson("sam", "Sam Becker", "U01SAM"),
    # PS Operations: the bot's admin.
    DemoPerson("olivia", "Olivia Grant", "U01OLIVIA", capacity=0),
)
ADMIN_ID = "U01OLIVIA"
FIRST_PM_ID = "U01PRIYA"


@dataclass(frozen=True)
class DemoProject:
    key: str
    sow: str
    customer: str
    name: str
    type: str
    pm: str
    top_customer: bool
    status: str = "active"


PROJECTS = (
    DemoProject("rollout", "SOW-1001", "Acme Corp", "Platform Rollout", "T&M", "priya", True),
    DemoProject("migration", "SOW-1002", "Acme Corp", "Data Migration", "FF", "priya", True),
    DemoProject("fleet", "SOW-1003", "Globex", "Runner Fleet", "Consulting Block", "priya", False),
    DemoProject(
        "initech",
        "SOW-1004",
        "Initech",
        "Dedicated Engineer 2026",
        "Dedicated Engineer",
        "priya",
        True,
    ),
    DemoProject("cutover", "SOW-1005", "Umbrella Health", "Cloud Cutover", "T&M", "marcus", True),
    DemoProject(
        "hardening", "SOW-1006", "Umbrella Health", "Security Hardening", "FF", "marcus", False
    ),
    DemoProject(
        "gitops",
        "SOW-1007",
        "Stark Industries",
        "GitOps Enablement",
        "Consulting Block",
        "marcus",
        True,
        status="closing",
    ),
    DemoProject(
        "compliance",
        "SOW-1008",
        "Wayne Enterprises",
        "Compliance Pipeline",
        "T&M",
        "marcus",
        True,
    ),
    DemoProject(
        "hooli", "SOW-1009", "Hooli", "Dedicated Engineer", "Dedicated Engineer", "sofia", False
    ),
    DemoProject("onboarding", "SOW-1010", "Soylent", "Onboarding Accelerator", "FF", "sofia", True),
    DemoProject("upgrade", "SOW-1011", "Cyberdyne", "Self-Managed Upgrade", "T&M", "sofia", True),
    DemoProject("geo", "SOW-1012", "Tyrell", "Geo Replication", "Consulting Block", "sofia", False),
)

RATES = {"PM": 200, "PSE": 225, "TA": 250}


def is_seeded(session_factory: sessionmaker[Session]) -> dt.datetime | None:
    """When the demo was seeded, or None for a database without it."""
    with session_factory() as session:
        return session.scalar(sa.select(AuditEntry.at).where(AuditEntry.action == SEEDED))


def seed_demo(session_factory: sessionmaker[Session], now: dt.datetime, tz: ZoneInfo) -> None:
    """Write the demo portfolio, dated around `now`, in one transaction."""
    today = local_today(now, tz)
    with session_factory.begin() as session:
        people = {p.key: _person(session, p) for p in PEOPLE}
        session.flush()
        projects = {p.key: _project(session, p, people, today) for p in PROJECTS}
        for project in projects.values():
            project.data_as_of = now  # as if imported from Kantata when the demo was made
        session.flush()
        _bookings(session, people, projects, today)
        _milestones(session, projects, today)
        _notes(session, projects, today, now, tz)
        _recognitions(session, projects, now)
        session.flush()
        _forecast_history(session, projects, today)
        session.add(
            AuditEntry(
                at=now,
                actor="psbot shell",
                action=SEEDED,
                subject="demo",
                detail={"week": week_key(today)},
            )
        )


def _person(session: Session, p: DemoPerson) -> Person:
    person = Person(
        name=p.name,
        email=p.email,
        slack_user_id=p.slack_id,
        tz=p.tz,
        weekly_capacity_hours=Decimal(p.capacity),
    )
    session.add(person)
    return person


def _project(
    session: Session, p: DemoProject, people: dict[str, Person], today: dt.date
) -> Project:
    kickoff = {
        "upgrade": today - dt.timedelta(days=7),  # just kicked off: soft hours are fine
        "gitops": today - dt.timedelta(weeks=26),
        "migration": today - dt.timedelta(weeks=10),
    }.get(p.key, today - dt.timedelta(weeks=16))
    end = (
        monday_of(today) - dt.timedelta(weeks=2) + dt.timedelta(days=4)
        if p.key == "gitops"
        else None
    )
    slug = p.customer.lower().split()[0]
    project = Project(
        sow=p.sow,
        customer=p.customer,
        name=p.name,
        type=p.type,
        pm_id=people[p.pm].id,
        status=p.status,
        start_date=kickoff,
        end_date=end,
        kickoff_date=kickoff,
        top_customer=p.top_customer,
        raid_url=f"https://gitlab.example.com/ps/{slug}/raid" if p.top_customer else None,
        epic_url=f"https://gitlab.example.com/groups/customers/-/epics/{p.sow[4:]}"
        if p.top_customer
        else None,
    )
    if p.type in ("Consulting Block", "Dedicated Engineer") and p.key != "geo":
        # The EM>PS transition two weeks after kick-off (Geo Replication has none recorded).
        project.transition_date = kickoff + dt.timedelta(weeks=2)
    session.add(project)
    return project


def _bookings(
    session: Session, people: dict[str, Person], projects: dict[str, Project], today: dt.date
) -> None:
    monday = monday_of(today)
    weeks = [monday + dt.timedelta(weeks=n) for n in range(-WEEKS_BACK, WEEKS_AHEAD + 1)]
    next_month = Month.of(today).plus(1).first_day
    upgrade_start = monday_of(today - dt.timedelta(days=7))
    gitops_end = monday - dt.timedelta(weeks=2)

    def book(project: str, person: str, role: str, hours: int, kind: str = "hard", when=None):
        for week in weeks:
            if when is not None and not when(week):
                continue
            session.add(
                Booking(
                    project_id=projects[project].id,
                    person_id=people[person].id,
                    role=role,
                    week_start=week,
                    hours=Decimal(hours),
                    kind=kind,
                    bill_rate=Decimal(RATES[role]),
                )
            )

    # Everyone is booked to capacity, so only the planted rule breaks show.
    book("rollout", "priya", "PM", 8)
    book("migration", "priya", "PM", 8)
    book("rollout", "dana", "PSE", 24)
    book("migration", "dana", "PSE", 16)
    book("fleet", "aisha", "TA", 20)
    book("initech", "omar", "PSE", 40)
    book("cutover", "marcus", "PM", 8)
    book("compliance", "marcus", "PM", 8)
    # Rule break: from last week on, 16 of Leo's 40 h are soft, in the current month too.
    recent = monday - dt.timedelta(weeks=1)
    book("cutover", "leo", "PSE", 40, when=lambda w: w < recent)
    book("cutover", "leo", "PSE", 24, when=lambda w: w >= recent)
    book("cutover", "leo", "PSE", 16, "soft", lambda w: w >= recent)
    # Rule break: the TA is only soft-booked from next month on (not hard-booked 2 months out).
    book("compliance", "aisha", "TA", 20, when=lambda w: w < next_month)
    book("compliance", "aisha", "TA", 20, "soft", lambda w: w >= next_month)
    book("hardening", "sam", "PSE", 40)
    book("gitops", "tomas", "TA", 10, when=lambda w: w <= gitops_end)
    book("gitops", "marcus", "PM", 4, when=lambda w: w <= gitops_end)
    book("hooli", "grace", "PSE", 40)
    book("onboarding", "sofia", "PM", 8)
    book("onboarding", "tomas", "TA", 20)
    book("geo", "tomas", "TA", 20)
    book("upgrade", "sofia", "PM", 8, when=lambda w: w >= upgrade_start)
    # Rule break: Ben is under-allocated (32 of 40 h); his soft hours are fine, as the
    # project kicked off a week ago.
    book("upgrade", "ben", "PSE", 24, when=lambda w: w >= upgrade_start)
    book("upgrade", "ben", "PSE", 8, "soft", lambda w: w >= upgrade_start)


def _milestones(session: Session, projects: dict[str, Project], today: dt.date) -> None:
    month = Month.of(today)
    last_month, this_month, next_month = month.plus(-1), month, month.plus(1)
    due_soon = max(this_month.first_day, min(this_month.last_day, today + dt.timedelta(days=5)))
    pilot_due = max(this_month.first_day, today - dt.timedelta(days=3))
    rows = [
        ("migration", "Design sign-off", last_month.first_day + dt.timedelta(days=14), True, True),
        ("migration", "Migration wave 1", due_soon, False, False),
        (
            "migration",
            "Migration wave 2",
            next_month.first_day + dt.timedelta(days=14),
            False,
            False,
        ),
        ("onboarding", "Kickoff workshop", last_month.first_day + dt.timedelta(days=7), True, True),
        ("onboarding", "Pilot complete", pilot_due, True, False),
        (
            "onboarding",
            "Rollout complete",
            month.plus(2).first_day + dt.timedelta(days=9),
            False,
            False,
        ),
        # Rule break: a Fixed Fee milestone without a date.
        ("hardening", "Final acceptance", None, False, False),
    ]
    amounts = {  # the hardening project's are missing: /ps forecast names it
        "Design sign-off": 40000,
        "Migration wave 1": 60000,
        "Migration wave 2": 60000,
        "Kickoff workshop": 25000,
        "Pilot complete": 35000,
        "Rollout complete": 50000,
    }
    for key, name, due, sent, received in rows:
        session.add(
            Milestone(
                project_id=projects[key].id,
                name=name,
                due_date=due,
                signoff_sent=due if sent and due else None,
                signoff_received=due + dt.timedelta(days=3) if received and due else None,
                passive_days=10 if key != "hardening" else None,
                amount=Decimal(amounts[name]) if name in amounts else None,
            )
        )


G, Y, R = Temperature.GREEN, Temperature.YELLOW, Temperature.RED


@dataclass(frozen=True)
class DemoNote:
    project: str
    weeks_ago: int
    progress: str
    internal: Temperature = G
    customer: Temperature = G
    issue: str = ""
    assistance: str = ""
    dris: tuple[str, ...] = ()
    push: str = ""
    upside: str = ""


AUDIT_HELP = "Need a second TA with audit experience for two weeks"
NOTES = (
    DemoNote("rollout", 3, "Runners provisioned in all three regions", dris=("dana",)),
    DemoNote("rollout", 2, "SSO done; UAT plan agreed with the customer", dris=("dana",)),
    DemoNote("rollout", 1, "UAT under way, 40 of 55 test cases passed", dris=("dana",)),
    DemoNote(
        "rollout",
        0,
        "Cut-over rehearsal finished a day early; go-live on track",
        dris=("dana",),
        upside="Customer asks about a second region: about 80 h of upside",
    ),
    DemoNote("migration", 3, "Wave 1 dry run complete", dris=("dana",)),
    DemoNote(
        "migration",
        2,
        "Wave 1 dry run found 3 repos over the size limit",
        Y,
        issue="Three repositories exceed the import limit. Action: split them with the "
        "customer; fix expected by the end of next week.",
        dris=("dana",),
    ),
    DemoNote("migration", 1, "Oversized repos split; wave 1 scheduled", dris=("dana",)),
    DemoNote("initech", 3, "Dedicated engineer embedded with the platform team"),
    DemoNote("initech", 2, "Pipeline templates rolled out to 12 teams"),
    DemoNote("initech", 1, "Runner autoscaling tuned; costs down 18%"),
    DemoNote("cutover", 3, "Landing zone built; first workloads moved", dris=("leo",)),
    DemoNote("cutover", 2, "Half of the workloads moved to the new cloud", dris=("leo",)),
    DemoNote("cutover", 1, "DNS cut-over plan reviewed with the customer", dris=("leo",)),
    DemoNote(
        "cutover",
        0,
        "Cut-over moved one week: the customer froze network changes",
        Y,
        Y,
        issue="Customer network change freeze until the 15th. Action: re-plan the cut-over "
        "for the week after; CAB approval requested.",
        dris=("leo",),
        push="About 60 h slip from this month into next because of the freeze",
    ),
    DemoNote(
        "compliance",
        3,
        "Scanners enabled on the first 20 projects",
        Y,
        issue="Scanner results flood the teams. Action: tune the policies this week.",
        dris=("aisha",),
    ),
    DemoNote(
        "compliance",
        2,
        "Audit evidence export is failing for archived projects",
        R,
        Y,
        issue="Evidence export times out on archived projects. Action: support ticket "
        "opened, workaround being tested; fix expected in two weeks.",
        assistance="Need an escalation contact in Support for the export bug",
        dris=("aisha",),
    ),
    DemoNote(
        "compliance",
        1,
        "Export workaround works, but the auditors need it by month end",
        R,
        R,
        issue="Auditors need the evidence by month end and the workaround is manual. "
        "Action: script the workaround; Aisha pairs with the customer's SRE.",
        assistance=AUDIT_HELP,
        dris=("aisha",),
    ),
    DemoNote(
        "compliance",
        0,
        "Scripted evidence export delivered; auditors reviewing",
        R,
        Y,
        issue="Auditors may ask for more history than the export holds. Action: agree the "
        "scope with the customer's compliance lead on Thursday.",
        assistance=AUDIT_HELP,
        dris=("aisha",),
    ),
    DemoNote("gitops", 3, "Last team onboarded to the GitOps workflow", dris=("tomas",)),
    DemoNote("gitops", 2, "Handover workshop held with the platform team", dris=("tomas",)),
    DemoNote("gitops", 1, "Final report drafted; closure meeting being scheduled"),
    DemoNote("gitops", 0, "Closure meeting set; CSAT survey sent"),
    DemoNote("onboarding", 3, "Pilot teams onboarded", dris=("tomas",)),
    DemoNote("onboarding", 2, "Pilot metrics look good; sign-off requested", dris=("tomas",)),
    DemoNote(
        "onboarding",
        1,
        "Pilot sign-off request with the customer's CTO",
        G,
        Y,
        issue="The customer's CTO is travelling; sign-off may slip. Action: passive "
        "acceptance date tracked.",
        dris=("tomas",),
    ),
    DemoNote("upgrade", 1, "Kick-off held; environment access requested", dris=("ben",)),
)


def _notes(
    session: Session, projects: dict[str, Project], today: dt.date, now: dt.datetime, tz: ZoneInfo
) -> None:
    """Three weeks of history; this week half written, so the report has gaps to chase."""
    pm_ids = {p.key: _slack_id(p.pm) for p in PROJECTS}
    for note in NOTES:
        project = projects[note.project]
        day = today - dt.timedelta(weeks=note.weeks_ago)
        tuesday = monday_of(day) + dt.timedelta(days=1)
        written = min(now, dt.datetime.combine(tuesday, dt.time(14), tz))
        links = note.internal != G or note.customer != G
        slug = project.customer.lower().split()[0]
        fields = NoteFields(
            progress=note.progress,
            internal=note.internal,
            customer=note.customer,
            issue=note.issue,
            assistance=note.assistance,
            dri_ids=tuple(_slack_id(k) for k in note.dris),
            raid_url=f"https://gitlab.example.com/ps/{slug}/raid/-/issues/{10 + note.weeks_ago}"
            if links
            else "",
            epic_url=f"https://gitlab.example.com/groups/customers/-/epics/{project.sow[4:]}"
            if links
            else "",
            forecast_push=note.push,
            upside=note.upside,
        )
        save_note(session, project.id, week_key(day), fields, pm_ids[note.project], written)


def _recognitions(session: Session, projects: dict[str, Project], now: dt.datetime) -> None:
    wins = [
        (
            "rollout",
            "priya",
            ("dana",),
            6,
            "Cut-over rehearsal finished a day early with zero rollback steps.",
        ),
        (
            "onboarding",
            "sofia",
            ("tomas",),
            13,
            "Pilot signed off by the customer's CTO: all 40 pilot users active in week one.",
        ),
        (
            "initech",
            "priya",
            ("omar",),
            20,
            "Runner costs down 18% after Omar's autoscaling work; the customer wants to renew.",
        ),
    ]
    for key, author, members, days_ago, text in wins:
        record_win(
            session,
            project_id=projects[key].id,
            text=text,
            author_id=_slack_id(author),
            member_ids=[_slack_id(m) for m in members],
            now=now - dt.timedelta(days=days_ago),
        )
    thanks = [
        (
            "marcus",
            ("leo",),
            "cutover",
            4,
            "Leo stayed late to untangle the DNS cut-over plan with the customer's network team.",
        ),
        (
            "sofia",
            ("ben",),
            "upgrade",
            2,
            "Ben got the Cyberdyne environment access sorted in a single day.",
        ),
        (
            "priya",
            ("aisha", "tomas"),
            None,
            9,
            "Aisha and Tomás ran the architecture clinic for the whole PS team.",
        ),
    ]
    for giver, receivers, key, days_ago, text in thanks:
        record_thanks(
            session,
            giver_id=_slack_id(giver),
            receiver_ids=[_slack_id(r) for r in receivers],
            project_id=projects[key].id if key else None,
            text=text,
            now=now - dt.timedelta(days=days_ago),
        )


def _slack_id(key: str) -> str:
    return next(p.slack_id for p in PEOPLE if p.key == key)


# How the hours came in against the hard bookings, per project: a PMO's mixed quarter.
WORKED = {"rollout": 1.02, "cutover": 0.82, "compliance": 1.0, "fleet": 1.12, "initech": 0.97,
          "hooli": 0.9, "gitops": 1.0, "geo": 0.7, "upgrade": 1.0}  # fmt: skip


def _forecast_history(session: Session, projects: dict[str, Project], today: dt.date) -> None:
    """Monday snapshots for the last three closed months and this one, and the hours
    approved in the closed months, so `/ps accuracy` and its chart show a real quarter."""
    this_month = Month.of(today)
    first = this_month.plus(-ACTUAL_MONTHS).first_day
    calendar = BusinessCalendar("US")
    monday = monday_of(first + dt.timedelta(days=6))
    while monday <= today:
        take_snapshot(session, monday, calendar)
        monday += dt.timedelta(weeks=1)
    by_id = {project.id: key for key, project in projects.items()}
    hard = session.scalars(
        sa.select(Booking).where(
            Booking.kind == "hard", Booking.week_start.between(first - dt.timedelta(days=6), today)
        )
    )
    for booking in hard:
        factor = Decimal(str(WORKED.get(by_id[booking.project_id], 1.0)))
        for offset in range(5):
            day = booking.week_start + dt.timedelta(days=offset)
            if not first <= day < this_month.first_day:
                continue
            session.add(
                TimeEntry(
                    project_id=booking.project_id,
                    person_id=booking.person_id,
                    day=day,
                    week_start=booking.week_start,
                    hours=(booking.hours * factor / 5).quantize(Decimal("0.01")),
                    approved=True,
                )
            )
