"""Slow answers (`/ps forecast` at 1,000 projects, `/ps report`) say "Working on it…" at
once through the response_url, and the answer replaces it."""

import time

import pytest

from bot.entry.slack_standin.standin import Posted, ResponseTarget, Updated
from commands.ps import WORKING_ON_IT
from tests.conftest import pam_command_body
from tests.jobs.sample import many_projects


def answers(slack, fake_slack, text, count):
    """`/ps text` from Pam: how soon the first answer came, and the `count` answers,
    kept as Slack keeps them (an ephemeral message for Pam in #ps_pmo)."""
    fake_slack.reset()
    url = fake_slack.response_url(ResponseTarget("U0PM", "C0PMO"))
    name = url.rsplit("/", 1)[1]
    body = pam_command_body(text, url, slack.trigger_id())
    started = time.perf_counter()
    assert slack.dispatch(body).status == 200
    fake_slack.wait_for(f"/response/{name}")
    first_after = time.perf_counter() - started
    calls = fake_slack.wait_for(f"/response/{name}", count=count)
    time.sleep(0.2)  # nothing more arrives
    assert len(fake_slack.calls_to(f"/response/{name}")) == count
    return first_after, [c.params for c in calls]


@pytest.mark.parametrize("command", ["forecast", "report", "report --all"])
def test_a_slow_answer_says_working_on_it_then_replaces_it(slack, fake_slack, ctx, command):
    many_projects(ctx.session_factory, 1000)
    first_after, (working, answer) = answers(slack, fake_slack, command, 2)
    assert working == {
        "text": WORKING_ON_IT,
        "response_type": "ephemeral",
        "replace_original": False,
    }
    assert answer["replace_original"] is True and answer["response_type"] == "ephemeral"
    assert answer["text"] != WORKING_ON_IT and answer["blocks"]
    print(f"\n/ps {command} at 1,000 projects: 'Working on it…' after {first_after * 1000:.0f} ms")

    # Slack shows one message: the answer, where "Working on it…" was.
    events = fake_slack.drain()
    posted = [e.message for e in events if isinstance(e, Posted)]
    updated = [e.message for e in events if isinstance(e, Updated)]
    assert len(posted) == 1 and posted[0].ephemeral_to == "U0PM"
    assert [m.ts for m in updated] == [posted[0].ts] and updated[0].text == answer["text"]


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("forecast --quarter 2026-Q7", "2026-Q7"),
        ("forecast next", "Unexpected 'next'."),
        ("report --week soon", "soon"),
        ("report everything", "Unexpected 'everything'."),
    ],
)
def test_bad_input_gets_one_clear_line_and_no_working_on_it(
    slack, fake_slack, portfolio, command, problem
):
    _, (reply,) = answers(slack, fake_slack, command, 1)
    assert reply["text"].startswith(":warning: ") and problem in reply["text"]
    assert reply["replace_original"] is False


def test_quick_answers_say_nothing_first(slack, fake_slack, portfolio):
    _, (reply,) = answers(slack, fake_slack, "projects", 1)
    assert reply["text"] != WORKING_ON_IT
