"""The text of `/ps win` and `/ps thanks`: which leading words name a project, and how
text that Slack escaped is stored, posted and exported."""

import csv
import datetime as dt
import io
import re
from textwrap import dedent

import pytest

from bot.pmo.wins import WORD_JOINER as WJ
from bot.store.models import Thanks, Win
from messages import ids
from tests.commands.test_wins import (
    INTERNAL,
    SLACK_USERS,
    blocks_text,
    posts_to,
    shortcut,
    stored,
    submission,
    view_of,
)


@pytest.fixture
def team(fake_slack, portfolio):
    """The sample team, and customers whose names start like ordinary words: So…, I…"""
    for user_id, email, name in SLACK_USERS:
        fake_slack.add_user(user_id, email, name)
    portfolio.soylent = portfolio.project("SOW-10", "Soylent", "Onboarding Accelerator")
    portfolio.initech = portfolio.project("SOW-11", "Initech", "Dedicated Engineer 2026")
    return portfolio


def project_of(ctx, model):
    (record,) = stored(ctx, model)
    return record.project_id, record.text


# --- a project at the start of the text ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["I owe you one", "So proud of you", "soy sauce for everyone", "Glob of glue saved us"],
)
def test_an_ordinary_first_word_is_text_not_a_project(slack, ctx, team, text):
    slack.ask(f"thanks <@U0PAT|pat> {text}")
    assert project_of(ctx, Thanks) == (None, text)


def test_a_win_without_a_named_project_asks_for_one_and_keeps_every_word(
    slack, fake_slack, ctx, team
):
    slack.command("win So proud of the team")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert "initial_option" not in view["blocks"][0]["element"]
    assert view["blocks"][1]["element"]["initial_value"] == "So proud of the team"
    assert stored(ctx, Win) == [] and posts_to(fake_slack, INTERNAL) == []


@pytest.mark.parametrize(
    ("words", "sow", "text"),
    [
        ("sow-10 Pilot signed", "SOW-10", "Pilot signed"),
        ("SOW10 Pilot signed", "SOW-10", "Pilot signed"),
        ("initech Engineer onboarded", "SOW-11", "Engineer onboarded"),
        ("Onboarding Accelerator pilot signed", "SOW-10", "pilot signed"),
        ("Acme Rollout cut-over done", "SOW-1", "cut-over done"),
        ('"Globex Platform" is live', "SOW-3", "is live"),
    ],
)
def test_a_sow_or_a_name_written_out_names_the_project(slack, ctx, team, words, sow, text):
    slack.ask(f"win {words}")
    slack.ask(f"thanks <@U0PAT|pat> {words}")
    sow_ids = {p.sow: p.id for p in (team.soylent, team.initech, team.rollout, team.globex)}
    assert project_of(ctx, Win) == (sow_ids[sow], text)
    assert project_of(ctx, Thanks) == (sow_ids[sow], text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("thanks <@U0PAT|pat> Acme for the runbook", "'Acme' matches 2 projects"),
        ("thanks <@U0PAT|pat> sow-99 for the runbook", "No project has SOW number SOW-99."),
        ("thanks <@U0PAT|pat> sow-1", "Say what you are thanking them for"),
    ],
)
def test_a_project_that_is_not_clear_is_asked_about(slack, fake_slack, ctx, team, text, problem):
    assert problem in slack.ask(text)["text"]
    assert stored(ctx, Thanks) == [] and posts_to(fake_slack, INTERNAL) == []


# --- text as Slack sends it ------------------------------------------------------------

# Quotes, line breaks, double spaces and punctuation right after a mention, as Slack sends them.
TYPED = 'Live, thanks <@U0TIA|tia>!\n\n"Zero  downtime": R&amp;D (and <@U0PAT|pat>).'
TYPED_STORED = 'Live, thanks <@U0TIA>!\n\n"Zero  downtime": R&D (and <@U0PAT>).'


def test_the_text_after_the_arguments_is_kept_as_typed(slack, ctx, team):
    slack.ask(f"win sow-1 {TYPED}")
    slack.ask(f'thanks <@U0PAT|pat>  "Acme Rollout"\n{TYPED}')
    rollout = team.rollout.id
    assert project_of(ctx, Win) == (rollout, TYPED_STORED)
    assert project_of(ctx, Thanks) == (rollout, TYPED_STORED)


def test_a_win_modal_opened_from_the_command_keeps_the_text_as_typed(slack, fake_slack, team):
    slack.command(f"win {TYPED}")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"]["initial_value"] == TYPED_STORED.replace(
        "<@U0PAT>", "@Pat Engineer"
    ).replace("<@U0TIA>", "@Tia")


def test_empty_quotes_among_the_arguments_are_not_text(slack, ctx, team):
    slack.ask('thanks "" <@U0PAT|pat> for the "runbook"')
    assert project_of(ctx, Thanks) == (None, 'for the "runbook"')


# `&lt;@U0ADMIN&gt;` is a mention typed out by hand: Slack resolved nobody there.
ESCAPED = (
    "R&amp;D help from <@U0TIA|tia> in <#C0PROJ|acme-rollout> see <https://x.example/r|runbook> "
    "<!here> <!subteam^S0PS|@ps-team> &lt;@U0ADMIN&gt; &amp;lt;"
)
STORED = (
    "R&D help from <@U0TIA> in #acme-rollout see runbook (https://x.example/r) "
    f"@here @ps-team <{WJ}@U0ADMIN> &lt;"
)


def test_thanks_text_is_stored_readable_and_posted_escaped_once(slack, fake_slack, ctx, team):
    slack.ask(f"thanks <@U0PAT|pat> {ESCAPED}")
    (thanks,) = stored(ctx, Thanks)
    assert thanks.text == STORED
    post = blocks_text(posts_to(fake_slack, INTERNAL)[0])
    assert (
        "&gt; R&amp;D help from <@U0TIA> in #acme-rollout see runbook (https://x.example/r) "
        f"@{WJ}here @ps-team &lt;{WJ}@U0ADMIN&gt; &amp;lt;"
    ) in post
    assert "&amp;amp;" not in post and "<!" not in post and "<#" not in post
    assert "<https" not in post and "<@U0ADMIN>" not in post


# --- only the people Slack resolved are mentioned ----------------------------------------

FORGED = "&lt;@U0ADMIN&gt; and &lt;@U0ADMIN|admin&gt; &lt;<!subteam^S1|@U0ADMIN>&gt;"


@pytest.mark.parametrize("command", ["win sow-1", "thanks <@U0PAT|pat>"])
def test_a_mention_typed_out_in_a_command_mentions_nobody(slack, fake_slack, ctx, team, command):
    slack.ask(f"{command} Great work {FORGED} and <@U0TIA|tia>")
    (record,) = stored(ctx, Win if command.startswith("win") else Thanks)
    assert re.findall(r"<@(\w+)", record.text) == ["U0TIA"]
    if isinstance(record, Win):
        assert record.member_ids == ["U0TIA"]
    post = blocks_text(posts_to(fake_slack, INTERNAL)[0])
    assert "<@U0ADMIN" not in post and "U0ADMIN" in post


@pytest.mark.parametrize(("callback", "model"), [(ids.WIN_VIEW, Win), (ids.THANKS_VIEW, Thanks)])
def test_markup_typed_in_a_modal_mentions_nobody(slack, fake_slack, ctx, team, callback, model):
    text = "Great <@U0ADMIN> <@U0TIA|tia> <!here> <!channel> <#C0PROJ|proj> @everyone"
    payload = submission(callback, "{}", project_id=team.rollout.id, text=text, people=["U0PAT"])
    assert slack.interactive(payload).body == ""
    (record,) = stored(ctx, model)
    assert record.text == (
        f"Great <{WJ}@U0ADMIN> <{WJ}@U0TIA|tia> <{WJ}!here> <{WJ}!channel> <{WJ}#C0PROJ|proj> "
        "@everyone"
    )
    assert getattr(record, "member_ids", ["U0PAT"]) == ["U0PAT"]
    post = blocks_text(fake_slack.wait_for("chat.postMessage")[0].params)
    assert "<@U0ADMIN" not in post and "<@U0TIA" not in post and "<!" not in post
    assert not re.search(r"(?i)(?<![\w.+-])@(here|channel|everyone)\b", post)


@pytest.mark.parametrize(
    ("mentioned", "problem"),
    [
        ("<@U0BOTX|ci-bot>", "<@U0BOTX> is a bot: name the people behind it."),
        ("<@U0OUT|out>", "<@U0OUT> isn't in this workspace"),
        ("<@U0GHOST|ghost>", "I can't find <@U0GHOST>"),
    ],
)
def test_the_people_a_win_mentions_are_checked_like_the_people_thanked(
    slack, fake_slack, ctx, team, mentioned, problem
):
    fake_slack.add_user("U0BOTX", "ci@example.com", "CI", is_bot=True)
    fake_slack.add_user("U0OUT", "out@other.example", "Out", team_id="T0OTHER")
    assert problem in slack.ask(f"win sow-1 Alerts caught it, thanks {mentioned}")["text"]
    assert problem in slack.ask(f"win Alerts caught it, thanks {mentioned}")["text"]
    assert stored(ctx, Win) == [] and fake_slack.calls_to("views.open") == []
    assert posts_to(fake_slack, INTERNAL) == []


def test_people_mentioned_in_a_win_are_its_people(slack, fake_slack, ctx, team):
    slack.ask("win sow-1 Go-live with <@U0TIA|tia> and <@U0PAT|pat> thanks to <@U0TIA|tia>")
    (win,) = stored(ctx, Win)
    assert win.member_ids == ["U0TIA", "U0PAT"]
    assert win.text == "Go-live with <@U0TIA> and <@U0PAT> thanks to <@U0TIA>"
    assert "Made happen by <@U0TIA>, <@U0PAT>" in blocks_text(posts_to(fake_slack, INTERNAL)[0])


def test_a_win_modal_opened_from_the_command_shows_readable_text_and_people(
    slack, fake_slack, ctx, team
):
    slack.command("win R&amp;D paid off, thanks <@U0PAT|pat> and <@U0TIA|tia>")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    # Pat is known to psbot by name, Tia only to Slack; a modal's text mentions nobody.
    assert view["blocks"][1]["element"]["initial_value"] == (
        "R&D paid off, thanks @Pat Engineer and @Tia"
    )
    assert view["blocks"][2]["element"]["initial_users"] == ["U0PAT", "U0TIA"]
    # Each person was looked up once, to check them; their names came with that answer.
    asked = [c.params["user"] for c in fake_slack.calls if c.method == "users.info"]
    assert sorted(asked) == ["U0PAT", "U0TIA"]


def test_exports_show_names_and_plain_characters(slack, fake_slack, team):
    slack.ask("thanks <@U0PAT|pat> sow-1 Go-live done <!here> R&amp;D thanks <@U0TIA|tia>")
    slack.ask("wins sow-1 --format csv")
    slack.ask("wins sow-1 --format md")
    csv_upload, md_upload = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    (row,) = csv.DictReader(io.StringIO(csv_upload.params["content"]))
    assert row["text"] == "Go-live done @here R&D thanks @U0TIA"
    markdown = md_upload.params["content"]
    assert ": Go-live done @here R&D thanks @U0TIA — from Pam Manager" in markdown


def test_the_markdown_export_keeps_line_breaks_inside_each_item(slack, fake_slack, team, clock):
    slack.ask(
        "win sow-1 Go-live done:\n1. runners migrated\n- zero downtime\n# no rollback\n"
        "\n*Team* effort, R&amp;D too &lt;3"
    )
    clock.set(clock.current + dt.timedelta(hours=1))
    slack.ask("thanks <@U0PAT|pat> for the runbook")
    slack.ask("wins --format md")
    (upload,) = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    markdown, links = re.subn(r" \(\[Slack\]\(https://[^)]+\)\)", "", upload.params["content"])
    # Each line ends in a hard break (`\`) and is indented into its item; what would open
    # a list or a heading of its own is escaped; the rest is as typed.
    assert links == 2
    assert markdown == dedent(
        r"""
        # Wins and thanks: everyone

        - **Thanks** 2026-11-24: for the runbook — from Pam Manager · Pat Engineer
        - **ProjectWin** 2026-11-24 — Acme — Rollout (SOW-1): Go-live done:\
          1\. runners migrated\
          \- zero downtime\
          \# no rollback

          *Team* effort, R&D too <3 — from Pam Manager
        """
    ).lstrip("\n")


def test_the_shortcut_prefills_readable_text(slack, fake_slack, team):
    message = "Huge thanks <@U0PAT> for R&amp;D help! &lt;3"
    slack.interactive(shortcut(ids.THANKS_SHORTCUT, author="U0TIA", text=message))
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"]["initial_value"] == (
        "Huge thanks @Pat Engineer for R&D help! <3"
    )


@pytest.mark.parametrize(
    ("author", "text", "thanked"),
    [
        ("U0TIA", "Huge thanks <@U0PAT> for the runbook", ["U0PAT"]),
        ("U0TIA", "<@U0PAT> and <@U0PM> fixed it", ["U0PAT"]),  # never the caller, U0PM
        ("U0TIA", "<@U0PM> the runbook is ready", ["U0TIA"]),
        ("U0TIA", "The runbook is ready", ["U0TIA"]),
        ("U0PM", "The runbook is ready", None),
    ],
)
def test_the_thanks_shortcut_thanks_the_people_mentioned_else_the_author(
    slack, fake_slack, team, author, text, thanked
):
    slack.interactive(shortcut(ids.THANKS_SHORTCUT, author=author, text=text))
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][0]["element"].get("initial_users") == thanked


@pytest.mark.parametrize("text", ['thanks <@U0PAT|pat> ""', 'thanks <@U0PAT|pat> "  "'])
def test_quotes_with_nothing_in_them_are_no_text(slack, fake_slack, ctx, team, text):
    reply = slack.ask(text)
    assert "the text can't be empty" in reply["text"]
    assert stored(ctx, Thanks) == [] and posts_to(fake_slack, INTERNAL) == []


def test_a_win_of_empty_quotes_asks_for_its_text(slack, fake_slack, ctx, team):
    slack.command('win SOW-10 ""')
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["blocks"][1]["element"].get("initial_value", "") == ""
    assert stored(ctx, Win) == []


def test_a_modal_asks_slack_for_a_few_names_only(slack, fake_slack, team):
    """The modal has to open within the trigger's 3 seconds: names psbot doesn't know are
    asked of Slack one call at a time, so only the first few are."""
    strangers = [f"U0X{n}" for n in range(6)]
    for user_id in strangers:
        fake_slack.add_user(user_id, f"{user_id.lower()}@example.com", f"Person {user_id}")
    message = "Thanks " + " ".join(f"<@{user_id}>" for user_id in strangers)
    slack.interactive(shortcut(ids.THANKS_SHORTCUT, author="U0TIA", text=message))
    view = view_of(fake_slack.wait_for("views.open")[-1])
    asked = [c.params["user"] for c in fake_slack.calls if c.method == "users.info"]
    assert set(asked) <= set(strangers[:3])
    assert view["blocks"][1]["element"]["initial_value"] == (
        "Thanks @Person U0X0 @Person U0X1 @Person U0X2 @U0X3 @U0X4 @U0X5"
    )


def test_a_win_modal_opened_from_the_command_checks_a_few_people_only(slack, fake_slack, team):
    """Each check is a users.info call before views.open: with a dozen people the trigger
    would expire. The rest are in the modal's people picker, named by their mentions."""
    strangers = [f"U0X{n}" for n in range(6)]
    for user_id in strangers:
        fake_slack.add_user(user_id, f"{user_id.lower()}@example.com", f"Person {user_id}")
    mentions = " ".join(f"<@{user_id}|p{n}>" for n, user_id in enumerate(strangers))
    slack.command(f"win Cut-over by {mentions}")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    asked = [c.params["user"] for c in fake_slack.calls if c.method == "users.info"]
    assert asked == strangers[:3]
    assert view["blocks"][1]["element"]["initial_value"] == (
        "Cut-over by @Person U0X0 @Person U0X1 @Person U0X2 @p3 @p4 @p5"
    )
    assert view["blocks"][2]["element"]["initial_users"] == strangers


def test_an_address_like_a_broadcast_is_posted_as_typed(slack, fake_slack, team):
    slack.ask("thanks <@U0PAT|pat> mail ops@channel.com, not @channel")
    post = blocks_text(posts_to(fake_slack, INTERNAL)[-1])
    assert "ops@channel.com" in post and f"not @{WJ}channel" in post
