"""The sample week the job tests share, and helpers to read what a job returns.

The week is ISO 2026-W49: Monday 30 November and Tuesday 1 December 2026, New York.
The November billing reminder runs on Tuesday 24 November (three business days before
the 30th, Thanksgiving not counting).

- Pam (U0PAM) runs Acme Rollout (healthy, this week's note in) and Acme Migration
  (Tia's 10 soft hours in November and no hard bookings since kick-off; note missing).
- Quinn (U0QUINN) runs Globex Platform (FF, healthy bookings; two November milestones
  without sign-off; note missing), Umbrella Wind-down (closing, a red note in) and
  Stark Advisory (a Consulting Block, not Top Customer, not billed on timesheets).
- Noah has no Slack id; his Initech Upgrade has no hard bookings since kick-off.
- Hooli Audit (FF, no milestones) has no PM. Soylent Archive is completed.
- Tia is on the bench (no bookings in the next four weeks); Pat is fully booked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session, sessionmaker

from bot.pmo.notes import NoteFields, Temperature, links_required, save_note
from bot.runtime.outbox import Post
from bot.store.models import Booking, Milestone, Person, Project
from messages.format import MESSAGE_BLOCK_LIMIT, SECTION_TEXT_LIMIT
from tests.factories import Portfolio

ET = ZoneInfo("America/New_York")
WEEK = "2026-W49"
MON_PREP = dt.datetime(2026, 11, 30, 8, 0, tzinfo=ET)
MON_NUDGE = dt.datetime(2026, 11, 30, 10, 30, tzinfo=ET)
TUE_OPEN = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ET)
TUE_NUDGE = dt.datetime(2026, 12, 1, 15, 0, tzinfo=ET)
TUE_REPORT = dt.datetime(2026, 12, 1, 16, 0, tzinfo=ET)
BILLING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=ET)

RAID = "https://gitlab.example.com/raid/7"
EPIC = "https://gitlab.example.com/epic/7"
G, Y, R = Temperature.GREEN, Temperature.YELLOW, Temperature.RED

HOSTILE = "<!channel> <@U0EVIL> <https://evil.example|click> & co @here"
HOSTILE_ESCAPED = (
    "&lt;!channel&gt; &lt;@U0EVIL&gt; &lt;https://evil.example|click&gt; &amp; co @\u2060here"
)


def write_note(session_factory, project, week, internal=G, customer=G, progress="On track", **kw):
    links = {"raid_url": RAID, "epic_url": EPIC} if links_required(internal, customer) else {}
    with session_factory.begin() as session:
        fields = NoteFields(progress, internal, customer, **{**links, **kw})
        save_note(session, project.id, week, fields, "U0PAM", MON_PREP)


def build_week(session_factory: sessionmaker[Session]) -> SimpleNamespace:
    data = Portfolio(session_factory)
    week = SimpleNamespace(data=data)
    week.pam = data.person("Pam Manager", "U0PAM")
    week.quinn = data.person("Quinn Lead", "U0QUINN")
    week.noah = data.person("Noah Nolink")
    week.pat = data.person("Pat Engineer", "U0PAT")
    week.tia = data.person("Tia Architect")

    week.rollout = data.project("SOW-101", "Acme", "Rollout", pm=week.pam, top_customer=True)
    week.migration = data.project("SOW-102", "Acme", "Migration", pm=week.pam, top_customer=True)
    week.platform = data.project(
        "SOW-201", "Globex", "Platform", pm=week.quinn, type="FF", top_customer=True
    )
    week.winddown = data.project(
        "SOW-202", "Umbrella", "Wind-down", pm=week.quinn, status="closing", top_customer=True
    )
    week.advisory = data.project(
        "SOW-601", "Stark", "Advisory", pm=week.quinn, type="Consulting Block", kickoff=None
    )
    week.upgrade = data.project("SOW-301", "Initech", "Upgrade", pm=week.noah, top_customer=True)
    week.audit = data.project(
        "SOW-401", "Hooli", "Audit", type="FF", kickoff=None, top_customer=True
    )
    week.archive = data.project(
        "SOW-501", "Soylent", "Archive", pm=week.pam, status="completed", top_customer=True
    )

    data.book(week.rollout, week.pat, dt.date(2026, 11, 2), 14)
    data.book(week.platform, week.pat, dt.date(2026, 11, 2), 14, hours=8)
    data.book(week.migration, week.tia, dt.date(2026, 11, 16), hours=10, kind="soft", role="TA")

    week.kickoff_ms = add_milestone(
        session_factory, week.platform, "Kickoff workshop", dt.date(2026, 11, 2),
        sent=dt.date(2026, 10, 30), received=dt.date(2026, 11, 3),
    )  # fmt: skip
    week.phase1 = add_milestone(
        session_factory, week.platform, "Phase 1 acceptance", dt.date(2026, 11, 20),
        sent=dt.date(2026, 11, 18),
    )  # fmt: skip
    week.design = add_milestone(
        session_factory, week.platform, "Design sign-off", dt.date(2026, 11, 27)
    )
    week.phase2 = add_milestone(
        session_factory, week.platform, "Phase 2 acceptance", dt.date(2026, 12, 15)
    )

    write_note(session_factory, week.rollout, WEEK, G, G, "UAT passed; go-live Dec 8")
    write_note(session_factory, week.winddown, "2026-W48", G, G, "Handover started")
    write_note(
        session_factory, week.winddown, WEEK, R, Y, "Final report slipped a week",
        issue="Customer sign-off on the closeout report is late; PM chasing, fix by Dec 4",
    )  # fmt: skip
    return week


def add_milestone(
    session_factory, project, name, due, *, sent=None, received=None, passive_days=None
):
    milestone = Milestone(
        project_id=project.id,
        name=name,
        due_date=due,
        signoff_sent=sent,
        signoff_received=received,
        passive_days=passive_days,
    )
    with session_factory.begin() as session:
        session.add(milestone)
    return milestone


def many_projects(
    session_factory: sessionmaker[Session],
    count: int,
    *,
    pms: int = 7,
    top_customer: bool = True,
    type: str = "T&M",
    kickoff: dt.date | None = dt.date(2026, 9, 1),
) -> list[Project]:
    """`count` projects spread over `pms` PMs (every third without a Slack id), in bulk."""
    with session_factory.begin() as session:
        people = [
            Person(
                name=f"PM {n:02d}",
                email=f"pm{n}@example.com",
                slack_user_id=f"U0PM{n:02d}" if n % 3 else None,
            )
            for n in range(pms)
        ]
        session.add_all(people)
        session.flush()
        projects = [
            Project(
                sow=f"SOW-{1000 + n}",
                customer=f"Customer {n:03d}",
                name="Programme",
                type=type,
                status="active",
                pm_id=people[n % pms].id,
                kickoff_date=kickoff,
                top_customer=top_customer,
            )
            for n in range(count)
        ]
        session.add_all(projects)
    return projects


def bulk_bookings(session_factory, bookings: Iterable[Booking]) -> None:
    with session_factory.begin() as session:
        session.add_all(list(bookings))


def hard_booking(project, person, week_start, hours=40, role="PSE"):
    return Booking(
        project_id=project.id,
        person_id=person.id,
        role=role,
        week_start=week_start,
        hours=Decimal(hours),
        kind="hard",
        bill_rate=Decimal(200),
    )


# --- reading posts ------------------------------------------------------------------------


def block_texts(block: dict) -> list[str]:
    """Every piece of text a person sees in one block, buttons included."""
    texts = []
    if "text" in block:
        texts.append(block["text"]["text"])
    for element in block.get("elements", []):
        if "text" in element:
            text = element["text"]
            texts.append(text if isinstance(text, str) else text["text"])
    accessory = block.get("accessory")
    if accessory and "text" in accessory:
        texts.append(f"[{accessory['text']['text']}]")
    return texts


# Slack's date token, `<!date^EPOCH^FORMAT|fallback>`: each reader sees the time in their
# own zone; the fallback is the reporting zone's wording.
DATE_TOKEN = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")


def as_fallback(text: str) -> str:
    """`text` with each date token read as its fallback ("Tue 16:00 ET")."""
    return DATE_TOKEN.sub(r"\2", text)


def post_lines(post: Post) -> list[str]:
    """The texts of a post's blocks, date tokens read as their fallback wording."""
    return [as_fallback(text) for block in post.blocks for text in block_texts(block)]


def everything(posts: Sequence[Post]) -> str:
    return "\n".join(post.text + "\n" + "\n".join(post_lines(post)) for post in posts)


def buttons(posts: Sequence[Post]) -> list[tuple[str, str, str]]:
    """(action_id, value, label) of every button, in order."""
    found = []
    for post in posts:
        for block in post.blocks:
            elements = [block.get("accessory"), *block.get("elements", [])]
            for element in elements:
                if element and element.get("type") == "button":
                    found.append((element["action_id"], element["value"], element["text"]["text"]))
    return found


def assert_valid(posts: Sequence[Post]) -> None:
    """What Slack accepts: slack_sdk's validation plus the per-message limits."""
    assert posts
    for post in posts:
        assert post.text.strip()
        assert 0 < len(post.blocks) <= MESSAGE_BLOCK_LIMIT
        for data in post.blocks:
            block = Block.parse(data)
            assert block is not None, data
            block.validate_json()
            if data["type"] == "section":
                assert len(data["text"]["text"]) <= SECTION_TEXT_LIMIT
            if data["type"] == "header":
                assert len(data["text"]["text"]) <= 150


def assert_threaded(posts: Sequence[Post]) -> None:
    """A channel reminder: the first post to the job's channel, the rest in its thread."""
    assert [post.channel for post in posts] == [""] * len(posts)
    assert [post.in_thread for post in posts] == [False] + [True] * (len(posts) - 1)


_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_BROADCAST_WORD = re.compile(r"(?<![\w.+-])@(?:here|channel|everyone)\b", re.IGNORECASE)


def assert_safe(posts: Sequence[Post], *, mentions: Iterable[str] = ()) -> None:
    """No broadcast, no forged link, and only the expected people @-mentioned."""
    raw = json.dumps([post.as_dict() for post in posts], ensure_ascii=False)
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<https://evil", "<@U0EVIL"):
        assert forbidden not in raw
    assert not _BROADCAST_WORD.search(raw)
    assert set(_MENTION.findall(raw)) <= set(mentions)
