"""Nothing internal reaches the RAID issue, which the customer reads (SPEC §4a).

For every field of a weekly note that is internal — the temperatures, assistance needed,
the DRIs, the forecast push (money), the upside callout, the epic link, the open Work
Exception, Change Order and Work at Risk — a note whose
field holds a recognisable value is written through the signed modal with RAID updates
on, and no body GitLab received for the RAID issue contains it (the epic gets it). A
property test then drives `enqueue_for_note` and the delivery's rendering with arbitrary
text in every internal field at once.
"""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.integrations.gitlab import GitLabDeliverer, enqueue_for_note
from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.store.models import GitLabNote, Note, NoteRevision, Project
from tests.bot.integrations.gitlab.conftest import (
    EPIC_GROUP,
    EPIC_IID,
    RAID_IID,
    RAID_PATH,
    posts,
)
from tests.commands.test_notes import errors_of, submit

SAFE = {
    "progress": "UAT slipped a week",
    "issue": "Runner capacity is short; add 4 runners by Dec 4",
}
# field → (what the PM writes, what must never show on the RAID issue)
INTERNAL = {
    "internal": ("red", [":red_circle:", "**Red**", "internal **"]),
    "customer": ("yellow", [":yellow_circle:", "**Yellow**", "customer **"]),
    "assistance": ("Escalate to VP Zanzibar", ["Zanzibar", "Assistance"]),
    "dri_ids": (["U0TIA"], ["Tia Architect", "U0TIA", "DRI"]),
    "forecast_push": ("$48,250 slips to Q1 (Quixotic)", ["48,250", "Quixotic", "$"]),
    "upside": ("Upside Kumquat $9,900", ["Kumquat", "9,900"]),
    "epic_url": (None, ["/epics/", "ps-group"]),
    "work_exception_url": ("https://gitlab.example.com/ps/we/-/issues/71", ["/we/", "Exception"]),
    "change_order_url": ("https://gitlab.example.com/ps/co/-/issues/72", ["/co/", "Change Order"]),
    "work_at_risk_url": ("https://gitlab.example.com/ps/war/-/issues/73", ["/war/", "at Risk"]),
}


def raid_bound(fake_gitlab, ctx, team) -> list[str]:
    """Every body GitLab got for the RAID issue, and every stored post aimed at it."""
    bodies = [n["body"] for n in fake_gitlab.issue(RAID_PATH, RAID_IID).notes]
    stored = [p.body + json.dumps(p.payload) for p in posts(ctx) if p.target_url == team.raid_url]
    return bodies + stored


@pytest.mark.parametrize("field", sorted(INTERNAL))
def test_an_internal_field_never_reaches_the_raid_issue(
    slack, fake_gitlab, ctx, team, settle, raid_updates_on, field
):
    value, never = INTERNAL[field]
    values = {
        **SAFE,
        "internal": "yellow",
        "customer": "green",
        "raid_url": team.raid_url,
        "epic_url": team.epic_url,
        **({field: value} if value is not None else {}),
    }
    assert errors_of(submit(slack, team.rollout.id, **values)) == {}
    settle()
    bodies = raid_bound(fake_gitlab, ctx, team)
    assert len(fake_gitlab.issue(RAID_PATH, RAID_IID).notes) == 1  # the update went out
    for body in bodies:
        for word in never:
            assert word not in body, f"{field}: {word!r} reached the RAID issue"
    assert SAFE["progress"] in bodies[0]  # the customer-safe words did
    epic = fake_gitlab.epic(EPIC_GROUP, EPIC_IID).notes[0]["body"]
    if field in ("assistance", "forecast_push", "dri_ids", "change_order_url"):
        assert never[0] in epic  # the internal epic has it


def test_with_raid_updates_off_nothing_at_all_is_written_to_the_raid_issue(
    slack, fake_gitlab, ctx, team, settle
):
    values = {**SAFE, "internal": "red", "customer": "red"}
    submit(slack, team.rollout.id, raid_url=team.raid_url, epic_url=team.epic_url, **values)
    settle()
    assert fake_gitlab.issue(RAID_PATH, RAID_IID).notes == []
    assert [p.kind for p in posts(ctx)] == ["epic_note"]
    assert not [r for r in fake_gitlab.requests if "/issues/" in r.path]


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=200)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    secrets=st.fixed_dictionaries(
        {
            "assistance": text,
            "forecast_push": text,
            "upside": text,
            "epic_path": text,
            "work_exception": text,
            "change_order": text,
            "work_at_risk": text,
        }
    ),
    progress=st.text(st.characters(codec="ascii", categories=("Ll",)), min_size=1, max_size=40),
    temperatures=st.tuples(st.sampled_from(Temperature), st.sampled_from(Temperature)),
)
def test_no_internal_text_is_owed_to_the_raid_issue(
    ctx, team, raid_updates_on, secrets, progress, temperatures
):
    """Whatever the internal fields say, the RAID-bound post neither stores nor renders it."""
    internal, customer = temperatures
    if internal == customer == Temperature.GREEN:
        internal = Temperature.RED
    # Each value carries a tag no escaping changes, so a leak shows even when escaped.
    marked = {name: f"SECRET-{name}-{value}" for name, value in secrets.items()}
    fields = NoteFields(
        progress,
        internal,
        customer,
        issue="",
        assistance=marked["assistance"],
        dri_ids=("U0TIA",),
        raid_url=team.raid_url,
        epic_url=f"{team.epic_url}#{marked['epic_path']}",
        forecast_push=marked["forecast_push"],
        upside=marked["upside"],
        work_exception_url=f"https://we.example/{marked['work_exception']}",
        change_order_url=f"https://co.example/{marked['change_order']}",
        work_at_risk_url=f"https://war.example/{marked['work_at_risk']}",
    )
    now = dt.datetime(2026, 11, 24, 15, tzinfo=dt.UTC)
    deliverer = GitLabDeliverer(ctx, None, in_background=True)
    try:
        with ctx.session_factory.begin() as session:
            note = save_note(session, team.rollout.id, "2026-W48", fields, "U0PM", now)
            ids = enqueue_for_note(ctx, session, note)
            owed = [session.get_one(GitLabNote, i) for i in ids]
            raid = [p for p in owed if p.kind == "raid_update"]
            assert len(raid) == 1 and raid[0].target_url == team.raid_url
            project = session.get_one(Project, team.rollout.id)
            rendered = deliverer._render(session, raid[0], project)
            stored = json.dumps(raid[0].payload, ensure_ascii=False)
            tags = [f"SECRET-{name}" for name in marked]
            for value in [*tags, *marked.values(), "U0TIA", "Tia Architect"]:
                assert value not in rendered and value not in stored
            for word in (internal.value.title(), customer.value.title(), "_circle:"):
                assert word not in rendered
    finally:
        with ctx.session_factory.begin() as session:
            for table in (GitLabNote, NoteRevision, Note):
                session.execute(sa.delete(table))
