"""`/ps lesson`, the "Record as lesson learned" shortcut and the lesson modal, through
signed requests; lessons in the `/ps wins` list and export."""

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from bot.store.models import Lesson
from messages import ids
from tests.commands.test_wins import (
    SLACK_USERS,
    blocks_text,
    shortcut,
    stored,
    submission,
    view_of,
)


@pytest.fixture
def team(fake_slack, portfolio):
    for user_id, email, name in SLACK_USERS:
        fake_slack.add_user(user_id, email, name)
    return portfolio


LABELS = "llPsProcess, llProduct, llExpectation, llSupport, llFinanceDelays, CustomerStory"


def lessons(ctx):
    return [(x.project_id, x.label, x.text, x.author_id) for x in stored(ctx, Lesson)]


def test_a_lesson_with_project_label_and_text_is_recorded(slack, ctx, team):
    reply = slack.ask('lesson sow-1 llproduct The API "rate limits" surprised them\nTwice.')
    assert reply["text"] == (
        ":bulb: Recorded a lesson learned (llProduct) for *Acme — Rollout (SOW-1)*; "
        "`/ps wins --format md` exports it."
    )
    assert lessons(ctx) == [
        (team.rollout.id, "llProduct", 'The API "rate limits" surprised them\nTwice.', "U0PM")
    ]


def test_a_customer_story_needs_no_project(slack, ctx, team):
    reply = slack.ask("lesson CustomerStory They doubled deploys a week after go-live")
    assert reply["text"].startswith(":bulb: Recorded a customer story;")
    assert lessons(ctx) == [
        (None, "CustomerStory", "They doubled deploys a week after go-live", "U0PM")
    ]


def test_a_project_named_in_full_is_found(slack, ctx, team):
    slack.ask("lesson Acme Rollout llSupport Support took 3 days to answer")
    assert lessons(ctx)[0][:2] == (team.rollout.id, "llSupport")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "lesson sow-1 llProcess Kick-off ran long",
            f"“llProcess” is not a lesson label; use one of {LABELS}.",
        ),
        ("lesson Took too long", f"“Took” is not a lesson label; use one of {LABELS}."),
        ("lesson sow-1", f"Give the lesson a label first: {LABELS}."),
        ("lesson sow-1 llProduct", "Say what was learned: the text can't be empty."),
        ('lesson sow-1 llProduct ""', "Say what was learned: the text can't be empty."),
        ("lesson sow-404 llProduct Text", "No project has SOW number SOW-404."),
        ("lesson sow-1 llProduct " + "x" * 2001, "Keep it to 2000 characters (yours has 2001)."),
    ],
)
def test_bad_lessons_are_refused_in_one_line_with_the_usage(slack, ctx, team, text, problem):
    reply = slack.ask(text)
    assert problem in reply["text"] and reply["response_type"] == "ephemeral"
    assert "/ps lesson [PROJECT] LABEL text" in blocks_text(reply)
    assert lessons(ctx) == []


def test_lesson_without_arguments_opens_the_modal(slack, fake_slack, team):
    slack.command("lesson")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["callback_id"] == ids.LESSON_VIEW
    options = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert options == LABELS.split(", ")


def lesson_submission(
    metadata, view_id="VL1", label="llExpectation", text="Scope grew", project_id=None
):
    """The lesson modal submitted: the capture modals' payload, with a label."""
    payload = submission(ids.LESSON_VIEW, metadata, view_id, project_id, text)
    payload["view"]["state"]["values"]["label"] = {
        "value": {
            "type": "static_select",
            "selected_option": {"value": label} if label else None,
        }
    }
    return payload


def errors_of(response):
    body = json.loads(response.body) if response.body else {}
    return body.get("errors", {})


def test_the_shortcut_prefills_the_message_and_keeps_its_link(slack, fake_slack, ctx, team):
    assert (
        slack.interactive(
            shortcut(ids.LESSON_SHORTCUT, text="Always ask for <!here> CAB dates")
        ).status
        == 200
    )
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["callback_id"] == ids.LESSON_VIEW
    assert view["blocks"][1]["element"]["initial_value"] == "Always ask for @here CAB dates"
    payload = lesson_submission(
        view["private_metadata"], text="Always ask for CAB dates", project_id=team.rollout.id
    )
    assert slack.interactive(payload).body == ""
    assert slack.interactive(payload).body == ""  # Slack replays the submission
    (lesson,) = stored(ctx, Lesson)
    assert (lesson.label, lesson.project_id) == ("llExpectation", team.rollout.id)
    assert lesson.source_permalink.startswith("https://ps.slack.com/archives/C0PROJ/")
    dm = fake_slack.wait_for("chat.postMessage")[-1].params
    assert dm["channel"] == "U0PM"
    assert dm["text"].startswith(":bulb: Recorded a lesson learned (llExpectation) for *Acme")


@pytest.mark.parametrize(
    ("overrides", "block", "message"),
    [
        ({"label": None}, "label", f"Give the lesson a label first: {LABELS}."),
        ({"text": "   "}, "text", "Say what was learned: the text can't be empty."),
        (
            {"project_id": 999_999},
            "project",
            "That project is no longer in psbot: pick another one, or none.",
        ),
    ],
)
def test_the_modal_answers_problems_beside_their_field(slack, ctx, team, overrides, block, message):
    response = slack.interactive(lesson_submission("{}", **overrides))
    assert errors_of(response) == {block: message}
    assert lessons(ctx) == []


@pytest.fixture
def with_lessons(slack, fake_slack, team, clock):
    slack.ask("win sow-1 UAT passed")
    clock.set(clock.current + dt.timedelta(hours=1))
    slack.ask("lesson sow-1 llFinanceDelays =SUM(A1) PO took 6 weeks")
    slack.ask("lesson CustomerStory Not about a project")
    fake_slack.reset()
    return team


def test_wins_lists_lessons_with_their_label(slack, with_lessons):
    text = blocks_text(slack.ask("wins sow-1"))
    assert ":bulb: `llFinanceDelays`" in text and "PO took 6 weeks" in text
    assert "Not about a project" not in text
    assert "1 wins, 0 thanks, 1 lessons learned and customer stories." in text


def test_the_retrospective_export_includes_lessons(slack, fake_slack, with_lessons):
    slack.ask("wins sow-1 --format csv")
    slack.ask("wins sow-1 --format md")
    csv_upload, md_upload = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    rows = list(csv.DictReader(io.StringIO(csv_upload.params["content"])))
    assert [r["kind"] for r in rows] == ["llFinanceDelays", "ProjectWin"]
    assert rows[0]["text"] == "'=SUM(A1) PO took 6 weeks"  # a formula stays text
    assert (
        "- **llFinanceDelays** 2026-11-24 — Acme — Rollout (SOW-1): =SUM(A1) PO took 6 weeks"
        in (md_upload.params["content"])
    )


def test_the_manifest_offers_the_shortcut():
    with open("manifest.json", encoding="utf-8") as manifest:
        shortcuts = json.load(manifest)["features"]["shortcuts"]
    (lesson,) = [s for s in shortcuts if s["callback_id"] == ids.LESSON_SHORTCUT]
    assert lesson["type"] == "message" and len(lesson["name"]) <= 24
    assert lesson["name"] == "Record as lesson learned"


def test_lessons_of_a_project_survive_its_removal_as_project_less(ctx, slack, team):
    slack.ask("lesson sow-1 llProduct Keep me")
    with ctx.session_factory.begin() as session:
        from bot.store.models import Project

        session.execute(sa.delete(Project).where(Project.id == team.rollout.id))
    assert lessons(ctx) == [(None, "llProduct", "Keep me", "U0PM")]
