"""ProjectWins and thanks through signed commands, shortcuts and modal submissions."""

import csv
import datetime as dt
import io
import json
import time

import pytest
import sqlalchemy as sa
from slack_sdk.models.blocks import Block

from bot.entry.slack_standin.slack_requests import SLACK_ACK_SECONDS
from bot.pmo.wins import WORD_JOINER as WJ
from bot.store.models import OutboxEntry, Thanks, Win
from bot.workflows.deliveries import outbox_for
from messages import ids
from messages.escape import escape_mrkdwn
from tests.conftest import BOT_USER_ID
from tests.messages.test_report_builder import assert_valid

INTERNAL = "C0INTERNAL"


SLACK_USERS = [
    ("U0PM", "pam@example.com", "Pam"),
    ("U0PAT", "pat@example.com", "Pat"),
    ("U0TIA", "tia@example.com", "Tia"),
]


@pytest.fixture
def team(fake_slack, portfolio):
    for user_id, email, name in SLACK_USERS:
        fake_slack.add_user(user_id, email, name)
    return portfolio


def stored(ctx, model):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(model).order_by(model.id)))


def posts_to(fake_slack, channel):
    return [
        c.params for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == channel
    ]


def shoutout_of(ctx, record) -> OutboxEntry:
    kind = "win" if isinstance(record, Win) else "thanks"
    with ctx.session_factory() as session:
        return session.scalars(
            sa.select(OutboxEntry).where(OutboxEntry.key == f"{kind}:{record.id}")
        ).one()


def blocks_text(params) -> str:
    blocks = params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return json.dumps(blocks, ensure_ascii=False) + params.get("text", "")


def view_of(call):
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


# --- /ps win ---------------------------------------------------------------------------


def test_win_with_project_and_text_is_recorded_posted_and_pinned(slack, fake_slack, ctx, team):
    reply = slack.ask("win sow-1 Cut-over done a day early")
    (post,) = posts_to(fake_slack, INTERNAL)
    assert "Cut-over done a day early" in blocks_text(post)
    assert "Acme — Rollout" in blocks_text(post) and "<@U0PM>" in blocks_text(post)
    (pin,) = fake_slack.calls_to("pins.add")
    assert pin.params["channel"] == INTERNAL and pin.params["timestamp"]
    (win,) = stored(ctx, Win)
    assert (win.channel, win.pinned, win.author_id) == (INTERNAL, True, "U0PM")
    assert win.permalink.startswith("https://ps.slack.com/archives/")
    assert reply["response_type"] == "ephemeral"
    assert f"<{win.permalink}|See the post>" in reply["text"]


def test_win_without_arguments_opens_the_modal(slack, fake_slack, team):
    slack.command("win")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["callback_id"] == ids.WIN_VIEW
    groups = view["blocks"][0]["element"]["option_groups"]
    assert groups[0]["label"]["text"] == "Your projects"


def test_win_with_only_a_project_preselects_it(slack, fake_slack, team):
    slack.command("win sow-1")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][0]["element"]["initial_option"]["value"] == str(team.rollout.id)


def test_win_text_without_a_project_opens_the_modal_with_the_text(slack, fake_slack, team):
    slack.command("win Shipped the runner fleet")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"]["initial_value"] == "Shipped the runner fleet"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("win acme Shipped", "'acme' matches 2 projects"),
        ("win sow-999 Shipped", "No project has SOW number SOW-999."),
        ("win sow-1 " + "x" * 5000, "Keep it to 2000 characters (yours has 5000)."),
    ],
)
def test_win_bad_input(slack, fake_slack, ctx, team, text, problem):
    reply = slack.ask(text)
    assert problem in reply["text"]
    assert stored(ctx, Win) == [] and posts_to(fake_slack, INTERNAL) == []


def test_win_text_can_not_ping_or_link(slack, fake_slack, ctx, team):
    # As Slack sends it: a real @channel and link, then the same markup typed literally.
    slack.ask(
        "win sow-1 <!channel> see <https://evil.example|this> "
        "&lt;!here&gt; &lt;https://evil.example|that&gt;"
    )
    (win,) = stored(ctx, Win)
    assert win.text == (
        f"@channel see this (https://evil.example) <{WJ}!here> <https://evil.example|that>"
    )
    text = blocks_text(posts_to(fake_slack, INTERNAL)[0])
    assert "<!" not in text and "<https://evil" not in text and "@channel" not in text
    assert (
        f"&gt; @{WJ}channel see this (https://evil.example) &lt;{WJ}!here&gt; &lt;https://evil"
    ) in text


def test_bot_not_in_the_channel_keeps_the_win_and_retries_once(slack, fake_slack, ctx, team):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": "not_in_channel"})
    reply = slack.ask("win sow-1 Go-live")
    assert "recorded, but I couldn't post it: invite psbot to #C0INTERNAL" in reply["text"]
    (win,) = stored(ctx, Win)
    entry = shoutout_of(ctx, win)
    assert (entry.status, entry.sent, win.ts) == ("retrying", 0, None)
    assert "not_in_channel" in entry.error
    del fake_slack.answers["chat.postMessage"]
    outbox = outbox_for(ctx, slack.app.client)
    later = entry.next_attempt_at + dt.timedelta(seconds=1)
    assert [attempt.status for attempt in outbox.retry_due(later)] == ["sent"]
    assert outbox.retry_due(later + dt.timedelta(hours=1)) == []
    assert stored(ctx, Win)[0].permalink and stored(ctx, Win)[0].pinned
    assert len(posts_to(fake_slack, INTERNAL)) == 2  # the refused attempt and the post


def test_rate_limit_then_success_posts_once(slack, fake_slack, ctx, team):
    fake_slack.fail("chat.postMessage", 429, retry_after=1)
    slack.ask("win sow-1 Go-live")
    assert len(posts_to(fake_slack, INTERNAL)) == 2
    assert shoutout_of(ctx, stored(ctx, Win)[0]).status == "sent"


@pytest.mark.parametrize(
    ("error", "pinned", "told"), [("already_pinned", True, False), ("not_in_channel", False, True)]
)
def test_pin_failures(slack, fake_slack, ctx, team, error, pinned, told):
    fake_slack.answer("pins.add", lambda params: {"ok": False, "error": error})
    reply = slack.ask("win sow-1 Go-live")
    assert stored(ctx, Win)[0].pinned is pinned
    assert ("I couldn't pin it" in reply["text"]) is told


# --- /ps thanks ------------------------------------------------------------------------


def test_thanks_is_posted_and_each_person_gets_a_dm(slack, fake_slack, ctx, team):
    reply = slack.ask("thanks <@U0PAT|pat> <@U0TIA|tia> sow-1 for the weekend cut-over")
    (post,) = posts_to(fake_slack, INTERNAL)
    text = blocks_text(post)
    assert "<@U0PM> thanks <@U0PAT>, <@U0TIA>" in text and "Acme — Rollout" in text
    (thanks,) = stored(ctx, Thanks)
    assert thanks.receiver_ids == ["U0PAT", "U0TIA"] and thanks.project_id == team.rollout.id
    assert thanks.text == "for the weekend cut-over"
    for user_id in ("U0PAT", "U0TIA"):
        (dm,) = posts_to(fake_slack, user_id)
        assert thanks.permalink in blocks_text(dm)
    assert "recorded and shared" in reply["text"]


def test_thanks_without_a_project(slack, fake_slack, ctx, team):
    slack.ask("thanks <@U0PAT|pat> for the help")
    (thanks,) = stored(ctx, Thanks)
    assert thanks.project_id is None and thanks.text == "for the help"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("thanks", "Who are you thanking?"),
        ("thanks for nothing", "Who are you thanking?"),
        ("thanks <@U0PM|me> great job", "You can't thank yourself"),
        (f"thanks <@{BOT_USER_ID}|psbot> great", "thanks are for teammates"),
        ("thanks <#C0PMO|ps_pmo> great", "That's a channel"),
        ("thanks @pat great", "pick the person from Slack's autocomplete"),
        ("thanks <@U0GHOST|ghost> great", "I can't find <@U0GHOST>"),
        ("thanks <@U0OUT|out> great", "isn't in this workspace"),
        ("thanks <@U0PAT|pat>", "Say what you are thanking them for"),
    ],
)
def test_thanks_bad_input(slack, fake_slack, ctx, team, text, problem):
    fake_slack.add_user("U0OUT", "out@other.example", "Out", team_id="T0OTHER")
    reply = slack.ask(text)
    assert problem in reply["text"]
    assert stored(ctx, Thanks) == [] and posts_to(fake_slack, INTERNAL) == []


@pytest.mark.parametrize(("status", "attempts"), [(429, 4), (500, 3)])  # with the retries
@pytest.mark.parametrize(
    ("command", "model"),
    [("thanks <@U0PAT|pat> for the demo", Thanks), ("win sow-1 <@U0PAT|pat> demoed it", Win)],
)
def test_when_slack_cannot_check_a_person_the_win_or_thanks_is_kept_all_the_same(
    slack, fake_slack, ctx, team, status, attempts, command, model
):
    # Slack resolved the mention, so Pat exists: a rate limit or an outage on the check
    # must not lose what was submitted (SPEC §7).
    fake_slack.fail("users.info", status, retry_after=0, times=attempts)
    reply = slack.ask(command)
    assert "recorded and shared" in reply["text"]
    (record,) = stored(ctx, model)
    assert (record.receiver_ids if model is Thanks else record.member_ids) == ["U0PAT"]
    assert "<@U0PAT>" in blocks_text(posts_to(fake_slack, INTERNAL)[0])


def test_a_win_modal_names_a_person_slack_cannot_check_by_their_mention(slack, fake_slack, team):
    fake_slack.fail("users.info", 500, times=3)  # with the client's retries
    slack.command("win Shipped it with <@U0TIA|tia>")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"]["initial_value"] == "Shipped it with @tia"
    assert view["blocks"][2]["element"]["initial_users"] == ["U0TIA"]


def test_a_win_modal_opens_in_time_when_slack_rate_limits_the_checks(slack, fake_slack, team):
    fake_slack.fail("users.info", 429, retry_after=2, times=3)
    started = time.monotonic()
    slack.command("win Shipped it with <@U0TIA|tia>")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert time.monotonic() - started < SLACK_ACK_SECONDS  # the trigger's life
    assert view["blocks"][1]["element"]["initial_value"] == "Shipped it with @tia"


# --- message shortcuts -----------------------------------------------------------------


def shortcut(callback_id, user="U0PM", author="U0PAT", text="Pat fixed the runners <!here>"):
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "t.shortcut",
        "user": {"id": user},
        "channel": {"id": "C0PROJ"},
        "message": {"type": "message", "user": author, "text": text, "ts": "1700000000.000200"},
        "message_ts": "1700000000.000200",
    }


def submission(callback_id, metadata, view_id="VW1", project_id=None, text="Great", people=()):
    values = {
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "people": {"value": {"type": "multi_users_select", "selected_users": list(people)}},
        "project": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": str(project_id)} if project_id else None,
            }
        },
    }
    return {
        "type": "view_submission",
        "user": {"id": "U0PM"},
        "view": {
            "id": view_id,
            "hash": "h1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    }


def test_win_shortcut_prefills_and_keeps_the_permalink(slack, fake_slack, ctx, team):
    assert slack.interactive(shortcut(ids.WIN_SHORTCUT)).status == 200
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"]["initial_value"] == "Pat fixed the runners @here"
    assert view["blocks"][2]["element"]["initial_users"] == ["U0PAT"]
    metadata = view["private_metadata"]
    payload = submission(
        ids.WIN_VIEW,
        metadata,
        project_id=team.rollout.id,
        text="Pat fixed the runners <!here>",
        people=["U0PAT"],
    )
    assert slack.interactive(payload).body == ""
    assert slack.interactive(payload).body == ""  # Slack replays the submission
    (win,) = stored(ctx, Win)
    assert win.source_permalink.startswith("https://ps.slack.com/archives/C0PROJ/")
    assert win.member_ids == ["U0PAT"]
    fake_slack.wait_for("pins.add")
    (post,) = posts_to(fake_slack, INTERNAL)
    assert "<!here>" not in blocks_text(post)
    assert "original message" in blocks_text(post)


def test_a_long_win_for_many_people_is_posted_whole(slack, fake_slack, ctx, team):
    # Escaped, 2,000 characters of text outgrow one section; 120 people, one post's list.
    text = ("R&D <pilot> went live & the customer said yes " * 44)[:2000].strip()
    people = [f"U0M{n:04d}" for n in range(120)]
    payload = submission(ids.WIN_VIEW, "{}", project_id=team.rollout.id, text=text, people=people)
    assert slack.interactive(payload).body == ""
    fake_slack.wait_for("pins.add")
    (post,) = posts_to(fake_slack, INTERNAL)
    blocks = json.loads(post["blocks"]) if isinstance(post["blocks"], str) else post["blocks"]
    assert_valid([(post["text"], [Block.parse(block) for block in blocks])])
    sections = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    quoted = [line.removeprefix("&gt; ") for line in sections.split("\n") if line[:4] == "&gt;"]
    assert "".join(quoted) == escape_mrkdwn(text)
    assert all(f"<@{person}>" in sections for person in people[:100])
    assert "…and 20 more" in sections


def test_win_modal_needs_a_project_and_text(slack, ctx, team):
    response = slack.interactive(submission(ids.WIN_VIEW, "{}", project_id=None))
    assert json.loads(response.body)["errors"] == {"project": "Pick the project this win is for."}
    response = slack.interactive(
        submission(ids.WIN_VIEW, "{}", project_id=team.rollout.id, text="  ")
    )
    assert "can't be empty" in json.loads(response.body)["errors"]["text"]
    assert stored(ctx, Win) == []


@pytest.mark.parametrize(("callback", "model"), [(ids.WIN_VIEW, Win), (ids.THANKS_VIEW, Thanks)])
def test_a_project_deleted_while_the_modal_was_open_is_named_not_a_500(
    slack, ctx, team, callback, model
):
    # Found by scenarios/test_modal_fuzz.py: a thanks for a vanished project hit the foreign key.
    payload = submission(callback, "{}", project_id=999_999, people=["U0PAT"])
    response = slack.interactive(payload)
    assert response.status == 200
    assert json.loads(response.body)["errors"] == {
        "project": "That project is no longer in psbot: pick another one."
    }
    assert stored(ctx, model) == []


def test_a_shortcut_modal_opens_in_time_when_slack_rate_limits_name_lookups(
    slack, fake_slack, team
):
    fake_slack.fail("users.info", 429, retry_after=2, times=3)
    started = time.monotonic()
    text = "Thanks <@U0NEW1> and <@U0NEW2>"  # people psbot doesn't know, unlabelled
    assert slack.interactive(shortcut(ids.WIN_SHORTCUT, text=text)).status == 200
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert time.monotonic() - started < SLACK_ACK_SECONDS  # the trigger's life
    assert view["blocks"][1]["element"]["initial_value"] == "Thanks @U0NEW1 and @U0NEW2"


def test_thanks_shortcut_thanks_the_author(slack, fake_slack, ctx, team):
    slack.interactive(shortcut(ids.THANKS_SHORTCUT))
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][0]["element"]["initial_users"] == ["U0PAT"]
    payload = submission(ids.THANKS_VIEW, view["private_metadata"], people=["U0PAT"])
    assert slack.interactive(payload).body == ""
    (thanks,) = stored(ctx, Thanks)
    assert thanks.source == "message" and thanks.source_permalink
    fake_slack.wait_for("chat.postMessage", count=3)  # channel, the DM, the author's receipt


def test_thanking_yourself_in_the_modal_is_an_inline_error(slack, ctx, team):
    response = slack.interactive(submission(ids.THANKS_VIEW, "{}", people=["U0PM"]))
    assert "You can't thank yourself" in json.loads(response.body)["errors"]["people"]


# --- /ps wins --------------------------------------------------------------------------


@pytest.fixture
def history(slack, fake_slack, team, clock):
    slack.ask("win sow-1 =cmd|' /C calc'!A0 was a joke, UAT passed")
    clock.set(clock.current + dt.timedelta(days=2))
    slack.ask("thanks <@U0PAT|pat> sow-1 for the runbook")
    slack.ask("thanks <@U0TIA|tia> for reviewing")
    fake_slack.reset()
    return team


def test_wins_for_a_project_lists_newest_first(slack, history):
    reply = slack.ask("wins sow-1")
    text = blocks_text(reply)
    assert text.index("for the runbook") < text.index("UAT passed")
    assert "for reviewing" not in text
    assert "1 wins, 1 thanks." in text


def test_wins_for_a_person(slack, history):
    text = blocks_text(slack.ask("wins <@U0TIA|tia>"))
    assert "for reviewing" in text and "runbook" not in text


def test_wins_since_a_date(slack, history):
    text = blocks_text(slack.ask("wins sow-1 --since 2026-11-25"))
    assert "for the runbook" in text and "UAT passed" not in text


def test_export_markdown_is_uploaded_to_a_dm(slack, fake_slack, history):
    reply = slack.ask("wins sow-1 --format md")
    assert "Sent you `wins-acme-rollout-sow-1.md` (2 entries) in a DM." in reply["text"]
    (upload,) = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    content = upload.params["content"]
    assert content.startswith("# Wins and thanks: Acme — Rollout (SOW-1)")
    expected = "- **Thanks** 2026-11-26 — Acme — Rollout (SOW-1): for the runbook"
    assert f"{expected} — from Pam Manager · Pat Engineer" in content
    complete = fake_slack.calls_to("files.completeUploadExternal")[0].params
    assert complete["channel_id"] == "D0PM"


def test_export_csv_neutralises_formulas(slack, fake_slack, history):
    slack.ask("wins sow-1 --format csv")
    (upload,) = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    rows = list(csv.DictReader(io.StringIO(upload.params["content"])))
    assert [r["kind"] for r in rows] == ["Thanks", "ProjectWin"]
    assert rows[1]["text"].startswith("'=cmd")
    assert rows[0]["people"] == "Pat Engineer"


def test_export_csv_leaves_empty_cells_empty(slack, fake_slack, history):
    reply = slack.ask("wins <@U0TIA|tia> --format CSV")
    assert "Sent you `wins-u0tia.csv` (1 entries)" in reply["text"]
    (upload,) = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    (row,) = csv.DictReader(io.StringIO(upload.params["content"]))
    assert (row["kind"], row["sow"], row["project"], row["text"]) == (
        "Thanks",
        "",
        "",
        "for reviewing",
    )


def test_dates_listed_exported_and_since_are_days_in_the_reporting_time_zone(
    slack, fake_slack, team, clock
):
    # 21:00 on Nov 25 in New York is already Nov 26 in UTC; 00:00 on Nov 26 is 05:00 UTC.
    clock.set(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC))
    slack.ask("win sow-1 Late evening win")
    clock.set(dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC))
    slack.ask("thanks <@U0PAT|pat> sow-1 for the midnight cut-over")
    fake_slack.reset()
    listed = blocks_text(slack.ask("wins sow-1"))
    assert ":pray: Nov 26 <@U0PM>" in listed and ":trophy: Nov 25 <@U0PM>" in listed
    since_26 = blocks_text(slack.ask("wins sow-1 --since 2026-11-26"))
    assert "midnight cut-over" in since_26 and "Late evening win" not in since_26
    slack.ask("wins sow-1 --format csv")
    slack.ask("wins sow-1 --format md")
    csv_upload, md_upload = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    rows = list(csv.DictReader(io.StringIO(csv_upload.params["content"])))
    assert [(r["date"], r["kind"]) for r in rows] == [
        ("2026-11-26", "Thanks"),
        ("2026-11-25", "ProjectWin"),
    ]
    markdown = md_upload.params["content"]
    assert "- **Thanks** 2026-11-26 — " in markdown
    assert "- **ProjectWin** 2026-11-25 — " in markdown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("wins <#C0PMO|ps_pmo>", "That's a channel: name a project, or pick a person with @."),
        ("wins --format pdf", "--format is md or csv, not 'pdf'."),
        ("wins --since last-week", "--since takes a date like 2026-11-01"),
        ("wins zzz", "No project matches 'zzz'"),
    ],
)
def test_wins_bad_input(slack, team, text, problem):
    assert problem in slack.ask(text)["text"]


def test_no_wins_yet(slack, team):
    assert "No wins or thanks for Acme — Migration (SOW-2) yet." in blocks_text(
        slack.ask("wins sow-2")
    )


def test_a_replayed_shortcut_records_nothing_twice(slack, fake_slack, ctx, team):
    payload = shortcut(ids.WIN_SHORTCUT)
    assert slack.interactive(payload).status == 200
    assert slack.interactive(payload).status == 200  # Slack retried it
    assert len(fake_slack.wait_for("views.open", count=2)) == 2
    assert stored(ctx, Win) == [] and posts_to(fake_slack, INTERNAL) == []
