"""`/ps upside` (list, add, remove), the upside modal, and `/ps forecast` showing the items
under upside, through signed requests. The clock is Tuesday 24 November 2026."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bot.store.models import AuditEntry, UpsideItem
from messages import ids
from tests.commands.test_wins import blocks_text, stored, submission, view_of
from tests.conftest import ADMIN_ID


def items(ctx):
    return [
        (i.project_id, i.amount, i.month, i.reason, i.recorded_by) for i in stored(ctx, UpsideItem)
    ]


def test_a_pm_records_upside_exactly_to_the_cent(slack, ctx, portfolio):
    reply = slack.ask("upside add sow-1 $1,250.50 2026-12 Pending CO for phase 2 training")
    assert reply["text"].startswith(":moneybag: Recorded upside `#1` Dec 2026 · $1,250.50 · ")
    assert "`/ps forecast` shows it under upside until the end of December 2026." in reply["text"]
    assert items(ctx) == [
        (
            portfolio.rollout.id,
            Decimal("1250.50"),
            dt.date(2026, 12, 1),
            "Pending CO for phase 2 training",
            "U0PM",
        )
    ]
    with ctx.session_factory() as session:
        (audit,) = session.scalars(sa.select(AuditEntry)).all()
    assert (audit.action, audit.subject, audit.detail["amount"]) == (
        "upside.added",
        "SOW-1",
        "1250.50",
    )


def test_a_project_named_in_words_and_this_month_are_fine(slack, ctx, portfolio):
    slack.ask("upside add Acme Rollout 1250 2026-11 Milestone 3 may move into November")
    assert items(ctx)[0][:3] == (portfolio.rollout.id, Decimal("1250.00"), dt.date(2026, 11, 1))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "upside add sow-1 abc 2026-12 CO",
            "'abc' is not an amount of money; write it like $1,250.50 or 1250.",
        ),
        ("upside add sow-1 -500 2026-12 CO", "-500 is negative"),
        ("upside add sow-1 $0 2026-12 CO", "$0 is zero"),
        ("upside add sow-1 12.345 2026-12 CO", "12.345 has fractions of a cent"),
        (
            "upside add sow-1 500 2026-10 CO",
            "2026-10 is in the past; upside is expected this month (2026-11) or later.",
        ),
        ("upside add sow-1 500 2026-13 CO", "'2026-13' is not a month in YYYY-MM form"),
        ("upside add sow-1 500 December CO", "Give the month the upside is expected in as YYYY-MM"),
        ("upside add 500 2026-12 CO", "Give the project, then the amount, the month and why"),
        ("upside add sow-404 500 2026-12 CO", "No project has SOW number SOW-404."),
        ("upside add sow-1 500 2026-12", "Say why it is upside"),
        (
            "upside add sow-1 500 2026-12 " + "x" * 501,
            "Keep the reason to 500 characters (yours has 501).",
        ),
        ("upside move 3", "Unknown upside action 'move'."),
    ],
)
def test_bad_upside_is_refused_in_one_line_with_the_usage(slack, ctx, portfolio, text, problem):
    reply = slack.ask(text)
    assert problem in reply["text"] and reply["response_type"] == "ephemeral"
    assert "/ps upside [add PROJECT $AMOUNT YYYY-MM reason | remove ID]" in blocks_text(reply)
    assert items(ctx) == []


def test_only_the_pm_dris_and_admins_record_a_projects_upside(slack, ctx, portfolio):
    reply = slack.ask("upside add sow-1 500 2026-12 CO", user_id="U0PAT")
    assert (
        "You can't record upside for Acme — Rollout (SOW-1). Only the project's PM" in reply["text"]
    )
    slack.ask("upside add sow-1 500 2026-12 CO", user_id=ADMIN_ID)
    assert [i[-1] for i in items(ctx)] == [ADMIN_ID]


def test_the_list_shows_items_until_the_end_of_their_month(slack, ctx, clock, portfolio):
    slack.ask("upside add sow-1 1000 2026-11 Milestone moving in")
    slack.ask("upside add sow-1 $2,500.25 2027-01 Pending CO")
    text = blocks_text(slack.ask("upside"))
    assert text.index("Nov 2026 · $1,000.00") < text.index("Jan 2027 · $2,500.25")
    assert "2 items, $3,500.25." in text and "by <@U0PM>" in text
    clock.set(dt.datetime(2026, 12, 1, 4, 59, tzinfo=dt.UTC))  # Nov 30, 23:59 in New York
    assert "Nov 2026" in blocks_text(slack.ask("upside"))
    clock.set(dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC))  # Dec 1 has begun there
    text = blocks_text(slack.ask("upside"))
    assert "Nov 2026" not in text and "1 items, $2,500.25." in text


def test_nothing_recorded_says_how_to_add(slack, portfolio):
    reply = slack.ask("upside")
    assert reply["text"] == (
        "No upside recorded beyond soft bookings. Add one: "
        "`/ps upside add PROJECT $AMOUNT YYYY-MM reason`"
    )


def test_the_recorder_or_an_admin_removes_an_item(slack, ctx, portfolio):
    slack.ask("upside add sow-1 1000 2026-12 One")
    slack.ask("upside add sow-1 2000 2026-12 Two")
    refused = slack.ask("upside remove 1", user_id="U0PAT")
    assert (
        "Only who recorded upside #1, or a PMO admin, can remove it; nothing was changed."
        in (refused["text"])
    )
    mine = slack.ask("upside remove #1")
    assert mine["text"].startswith(":wastebasket: Removed upside `#1` Dec 2026 · $1,000.00")
    slack.ask("upside remove 2", user_id=ADMIN_ID)
    assert items(ctx) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("upside remove 99", "There is no upside #99; `/ps upside` lists them with numbers."),
        ("upside remove abc", "“abc” is not an upside number; `/ps upside` lists them."),
        ("upside remove", "Name the one item to remove by its number"),
        ("upside remove 1 2", "Name the one item to remove by its number"),
    ],
)
def test_bad_removals_are_refused(slack, portfolio, text, problem):
    assert problem in slack.ask(text)["text"]


def test_the_forecast_shows_them_under_upside_with_their_reason(slack, ctx, portfolio):
    slack.ask("upside add sow-1 $12,000 2026-12 Pending CO for more runners")
    slack.ask("upside add sow-1 999 2027-01 Next quarter: not in Q4")
    text = blocks_text(slack.ask("forecast"))
    assert "*Upside beyond soft bookings* · $12,000.00 recorded by hand" in text
    assert "Dec 2026 · $12,000.00 · *Acme — Rollout* (SOW-1): Pending CO for more runners" in text
    assert "Next quarter" not in text
    assert "Next quarter: not in Q4" in blocks_text(slack.ask("forecast --quarter 2027-Q1"))


def test_user_text_in_a_reason_is_escaped(slack, ctx, portfolio):
    slack.ask("upside add sow-1 100 2026-12 <!channel> & <https://evil|click>")
    text = blocks_text(slack.ask("upside"))
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp;" in text


# --- the modal -------------------------------------------------------------------------


def upside_submission(
    view_id="VU1", project_id=None, amount="$1,250.50", month="2026-12", reason="CO"
):
    payload = submission(ids.UPSIDE_VIEW, "{}", view_id, project_id)
    values = payload["view"]["state"]["values"]
    del values["text"], values["people"]
    values["amount"] = {"value": {"type": "plain_text_input", "value": amount}}
    values["month"] = {
        "value": {"type": "static_select", "selected_option": {"value": month} if month else None}
    }
    values["reason"] = {"value": {"type": "plain_text_input", "value": reason}}
    return payload


def errors_of(response):
    body = json.loads(response.body) if response.body else {}
    return body.get("errors", {})


def test_upside_add_alone_opens_the_modal_with_this_month_and_later(slack, fake_slack, portfolio):
    slack.command("upside add")
    view = view_of(fake_slack.wait_for("views.open")[-1])
    assert view["callback_id"] == ids.UPSIDE_VIEW
    months = next(b for b in view["blocks"] if b["block_id"] == "month")["element"]["options"]
    assert [o["value"] for o in months][:2] == ["2026-11", "2026-12"] and len(months) == 12


def test_the_modal_records_once_and_tells_the_author(slack, fake_slack, ctx, portfolio):
    payload = upside_submission(project_id=portfolio.rollout.id)
    assert slack.interactive(payload).body == ""
    assert slack.interactive(payload).body == ""  # a replay
    assert items(ctx) == [
        (portfolio.rollout.id, Decimal("1250.50"), dt.date(2026, 12, 1), "CO", "U0PM")
    ]
    dm = fake_slack.wait_for("chat.postMessage")[-1].params
    assert dm["channel"] == "U0PM" and dm["text"].startswith(":moneybag: Recorded upside `#1`")


@pytest.mark.parametrize(
    ("overrides", "block", "message"),
    [
        (
            {"amount": "abc"},
            "amount",
            "'abc' is not an amount of money; write it like $1,250.50 or 1250.",
        ),
        ({"amount": "-10"}, "amount", "-10 is negative; write it like $1,250.50 or 1250."),
        (
            {"month": "2026-10"},
            "month",
            "2026-10 is in the past; upside is expected this month (2026-11) or later.",
        ),
        ({"month": None}, "month", "nothing"),
        (
            {"reason": " "},
            "reason",
            "Say why it is upside (a pending Change Order, a milestone moving in…).",
        ),
        (
            {"project_id": 999_999},
            "project",
            "That project is no longer in psbot: pick another one.",
        ),
    ],
)
def test_the_modal_answers_problems_beside_their_field(
    slack, ctx, portfolio, overrides, block, message
):
    values = {"project_id": portfolio.rollout.id, **overrides}
    errors = errors_of(slack.interactive(upside_submission(**values)))
    assert list(errors) == [block] and message in errors[block]
    assert items(ctx) == []
