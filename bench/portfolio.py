"""A deterministic synthetic portfolio, written as the three Kantata CSV exports.

The same seed and size always give byte-identical files. Dates are laid around the
benchmark clock (Tuesday 24 November 2026) so the forecast quarter, the rules window and
the bookings rules all have work to do: soft bookings this month, projects not hard-booked
ahead, Fixed Fee projects without milestone dates, under-allocated people.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from bot.integrations.importing.formats import BOOKINGS, MILESTONES, PROJECTS

SEED = 2026
TODAY = dt.date(2026, 11, 24)
FIRST_WEEK = dt.date(2026, 6, 1)  # Mondays from here ...
LAST_WEEK = dt.date(2027, 3, 29)  # ... to here are booked
BOOKINGS_PER_PROJECT = 50
PROJECTS_PER_PERSON = 4
PEOPLE_PER_PM = 6

TYPES = (("T&M", 40), ("FF", 25), ("Consulting Block", 20), ("Dedicated Engineer", 15))
STATUSES = (("active", 78), ("closing", 8), ("completed", 14))
TOP_CUSTOMER_SHARE = 0.15
COMPANIES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka",
    "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Oceanic", "Monarch", "Pied Piper",
    "Dunder Mifflin", "Sterling Cooper", "Gringotts", "Black Mesa",
)  # fmt: skip
SECTORS = (
    "Bank", "Health", "Retail", "Energy", "Logistics", "Media", "Labs", "Insurance",
    "Telecom", "Foods", "Motors", "Systems", "Capital", "Pharma", "Airlines",
)  # fmt: skip
PROJECT_NAMES = (
    "Rollout", "Migration", "Platform", "Integration", "Upgrade", "Health Check",
    "Data Pipeline", "SSO & SCIM", "Observability", "Cloud Move", "Adoption", "R&D <Pilot>",
)  # fmt: skip
FIRST_NAMES = (
    "Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea",
    "Max", "Nia", "Oz", "Pia", "Quin", "Raj", "Sol", "Tia", "Uma", "Vic", "Wes", "Xia", "Yuri",
)  # fmt: skip
LAST_NAMES = (
    "Abe", "Brook", "Chen", "Diaz", "Ek", "Fox", "Gray", "Hale", "Iqbal", "Jones", "Kim",
    "Lind", "Moss", "Nagy", "Ortiz", "Park", "Quade", "Rossi", "Shah", "Tran",
)  # fmt: skip
MILESTONE_NAMES = ("M1 Kick-off", "M2 Design sign-off", "M3 Go-live", "M4 Hypercare")
RATES = {"PM": (180, 220), "PSE": (190, 260), "TA": (240, 320)}
HOURS = {"PM": (4, 10), "PSE": (16, 40), "TA": (4, 16)}


@dataclass(frozen=True)
class Size:
    projects: int
    people: int
    bookings: int

    @classmethod
    def of(cls, projects: int) -> Size:
        """A portfolio shaped like the 1,000-project one: same people and bookings ratios."""
        return cls(projects, projects // PROJECTS_PER_PERSON, projects * BOOKINGS_PER_PROJECT)


@dataclass(frozen=True)
class PortfolioFiles:
    size: Size
    projects: Path
    bookings: Path
    milestones: Path
    emails: tuple[str, ...]  # every person, PMs first
    pm_emails: tuple[str, ...]
    milestone_count: int
    busiest_sow: str  # an active project with many bookings, for `/ps bookings SOW-...`
    csv_bytes: int


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    start = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    return [start + dt.timedelta(weeks=n) for n in range((last - start).days // 7 + 1)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_text(cell) for cell in row] for row in rows)
    return path


def _people(rng: random.Random, count: int) -> list[str]:
    names = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    picked = rng.sample(names, min(count, len(names)))
    picked += [(f"extra{n}", "person") for n in range(count - len(picked))]
    return [f"{first.lower()}.{last.lower()}@example.com" for first, last in picked]


def _project_dates(rng: random.Random, status: str) -> tuple[dt.date, dt.date]:
    if status == "active":
        start = _day(rng, dt.date(2026, 3, 1), dt.date(2026, 12, 15))
        return start, max(start + dt.timedelta(days=rng.randint(120, 400)), TODAY)
    if status == "closing":
        start = _day(rng, dt.date(2025, 12, 1), dt.date(2026, 6, 30))
        return start, _day(rng, dt.date(2026, 11, 30), dt.date(2027, 1, 15))
    start = _day(rng, dt.date(2025, 9, 1), dt.date(2026, 3, 31))
    return start, _day(rng, dt.date(2026, 6, 15), dt.date(2026, 10, 30))


def generate(folder: Path, size: Size, seed: int = SEED) -> PortfolioFiles:
    """Write projects.csv, bookings.csv and milestones.csv for `size` into `folder`."""
    rng = random.Random(seed)
    emails = _people(rng, size.people)
    pm_count = max(1, size.people // PEOPLE_PER_PM)
    pms, staff = emails[:pm_count], emails[pm_count:]
    customers = [f"{c} {s}" for c in COMPANIES for s in SECTORS]
    rng.shuffle(customers)

    projects: list[tuple[object, ...]] = []
    candidates: list[tuple[object, ...]] = []
    milestones: list[tuple[object, ...]] = []
    for n in range(size.projects):
        sow = f"SOW-{10001 + n}"
        kind_of_project = _weighted(rng, TYPES)
        status = _weighted(rng, STATUSES)
        start, end = _project_dates(rng, status)
        kickoff = None if rng.random() < 0.1 else start + dt.timedelta(days=rng.randint(0, 10))
        pm = None if rng.random() < 0.02 else rng.choice(pms)
        top = rng.random() < TOP_CUSTOMER_SHARE
        raid = f"https://wiki.example.com/raid/{sow}" if rng.random() < 0.5 else None
        epic = f"https://jira.example.com/browse/PS-{n}" if rng.random() < 0.5 else None
        customer = customers[n % len(customers)]
        name = rng.choice(PROJECT_NAMES)
        # No draws from `rng` below: the rest of the portfolio stays as it was generated.
        transition = (
            kickoff + dt.timedelta(days=14)
            if kickoff and kind_of_project in ("Consulting Block", "Dedicated Engineer")
            else None
        )
        projects.append(
            (
                *(sow, customer, name, kind_of_project, pm, status, start, end, kickoff, top),
                *(raid, epic, transition),
            )
        )

        team = [(p, "PSE") for p in rng.sample(staff, rng.randint(1, 3))]
        if pm and rng.random() < 0.7:
            team.insert(0, (pm, "PM"))
        if rng.random() < 0.4:
            team.append((rng.choice(staff), "TA"))
        hard_until = TODAY + dt.timedelta(weeks=rng.randint(-4, 14))
        weeks = _mondays(max(start, FIRST_WEEK), min(end, LAST_WEEK))
        for email, role in team:
            rate = None if rng.random() < 0.03 else rng.randrange(*RATES[role], 5)
            low, high = HOURS[role]
            for week in weeks:
                soft = week > hard_until or (week.month == TODAY.month and rng.random() < 0.05)
                hours = rng.randint(low * 2, high * 2) / 2
                hours_text = f"{hours:g}"
                kind = "soft" if soft else "hard"
                candidates.append((sow, email, role, week, hours_text, kind, rate))

        if kind_of_project == "FF":
            dated = rng.random() > 0.2
            count = rng.randint(2, len(MILESTONE_NAMES))
            span = max((end - start).days, 1)
            for i, title in enumerate(MILESTONE_NAMES[:count]):
                due = start + dt.timedelta(days=span * (i + 1) // count) if dated else None
                sent = due if due and due < TODAY and rng.random() < 0.8 else None
                received = (
                    sent + dt.timedelta(days=rng.randint(1, 12))
                    if sent and rng.random() < 0.7
                    else None
                )
                passive = rng.choice((None, 5, 10))
                amount = 5000 * (i + 1)  # not drawn from rng, as above
                milestones.append((sow, title, due, sent, received, passive, amount))

    if len(candidates) < size.bookings:
        raise ValueError(f"only {len(candidates)} booking slots for {size.bookings} bookings")
    # Kantata's export has holes (weeks off, people moved); drop random slots to the target.
    keep = sorted(rng.sample(range(len(candidates)), size.bookings))
    bookings = [candidates[i] for i in keep]

    per_sow: dict[str, int] = {}
    for row in bookings:
        per_sow[str(row[0])] = per_sow.get(str(row[0]), 0) + 1
    active = {str(p[0]) for p in projects if p[5] == "active"}
    busiest = max(sorted(active), key=lambda sow: per_sow.get(sow, 0))

    folder.mkdir(parents=True, exist_ok=True)
    paths = (
        _write(folder / "projects.csv", PROJECTS.columns, projects),
        _write(folder / "bookings.csv", BOOKINGS.columns, bookings),
        _write(folder / "milestones.csv", MILESTONES.columns, milestones),
    )
    return PortfolioFiles(
        size,
        *paths,
        emails=tuple(emails),
        pm_emails=tuple(pms),
        milestone_count=len(milestones),
        busiest_sow=busiest,
        csv_bytes=sum(path.stat().st_size for path in paths),
    )
