"""`psbot gitlab check`: the token, then one line per issue link problem."""

import argparse
import datetime as dt
import io

import pytest

from bot.core.errors import UserError
from bot.core.settings import load_settings
from bot.entry import gitlab_cli as cli
from tests.bot.integrations.gitlab.conftest import (
    JOURNAL_IID,
    JOURNAL_PATH,
    gitlab_env,
    posts,
    set_links,
    tick,
)
from tests.bot.integrations.gitlab.fake_gitlab import TOKEN, USERNAME


def parse(*argv):
    parser = argparse.ArgumentParser(prog="psbot")
    cli.add_parser(parser.add_subparsers(dest="verb", required=True))
    return parser.parse_args(list(argv))


def check(settings):
    out = io.StringIO()
    status = cli.run(parse("gitlab", "check"), settings, out)
    return status, out.getvalue().splitlines()


NO_RAID_NOTES = (
    "RAID issues get no notes (PSBOT_GITLAB_RAID_UPDATES is off); Y/R notes go to the epics"
)
REST_EPICS = "Epic notes go through the REST epic notes API (GitLab 17.11.2-ee)"


def test_all_links_fine(ctx, team, fake_gitlab):
    status, lines = check(ctx.settings)
    assert status == 0
    assert lines == [
        f"GitLab {fake_gitlab.url}: GITLAB_TOKEN works, as @{USERNAME}",
        "3 links on 1 projects checked: 0 problems",
        REST_EPICS,
        NO_RAID_NOTES,
    ]
    assert fake_gitlab.routes() == [
        "user",
        *("project", "issue", "project", "issue"),
        *("group", "epic"),
        "version",
    ]


def test_epics_reached_through_work_items_say_so(ctx, team, fake_gitlab):
    fake_gitlab.epic_api = "work items"
    status, lines = check(ctx.settings)
    assert status == 0
    assert lines[-2] == "Epic notes go through work items (GraphQL) (GitLab 17.11.2-ee)"


def test_an_epic_in_a_public_group_is_a_problem(ctx, team, fake_gitlab):
    public = fake_gitlab.add_epic("customers/acme", 4, visibility="public")
    set_links(ctx, "SOW-1", epic=public)
    status, lines = check(ctx.settings)
    assert status == 1
    assert lines[1] == (
        f"SOW-1 Internal Customer Epic {public}: group customers/acme is public, so anyone "
        "(the customer too) can read its epics; psbot writes internal notes only to an epic "
        "in a private group"
    )


@pytest.mark.parametrize(
    ("epic", "problem"),
    [
        ("{base}/acme/ps/rollout/-/issues/8", "is not a GitLab epic link (an epic belongs to"),
        ("{base}/groups/nobody/-/epics/1", f"group nobody not found, or @{USERNAME} can't see it"),
        (
            "{base}/groups/ps-group/customers/-/epics/99",
            f"epic &99 not found in ps-group/customers, or @{USERNAME} can't see it "
            "(REST epics answered 403; epics need GitLab Premium or Ultimate)",
        ),
    ],
)
def test_a_bad_epic_link_is_one_line(ctx, team, fake_gitlab, epic, problem):
    url = epic.format(base=fake_gitlab.url)
    set_links(ctx, "SOW-1", epic=url)
    status, lines = check(ctx.settings)
    assert status == 1
    assert lines[1].startswith(f"SOW-1 Internal Customer Epic {url}: {problem}")
    assert "\n" not in lines[1]


def test_a_gitlab_serving_no_epic_notes_is_one_line(ctx, team, fake_gitlab):
    fake_gitlab.epic_api = "neither"
    status, lines = check(ctx.settings)
    assert status == 1
    assert lines[1] == (
        f"SOW-1 Internal Customer Epic {team.epic_url}: GitLab 17.11.2-ee at {fake_gitlab.url} "
        "serves neither epic notes (REST /groups/:id/epics answered 404) nor work item notes "
        "(GraphQL: Field 'workItem' doesn't exist on type 'Namespace'); Internal Customer "
        "Epic notes need GitLab Premium or Ultimate with epics"
    )


def test_raid_updates_on_are_said(ctx, team, raid_updates_on):
    _, lines = check(ctx.settings)
    assert lines[-1] == (
        "RAID issues get customer-safe updates (progress and issue/action/timing only; "
        "PSBOT_GITLAB_RAID_UPDATES=on)"
    )


def test_one_line_per_problem(ctx, team, fake_gitlab, portfolio):
    base = fake_gitlab.url
    set_links(ctx, "SOW-1", journal=f"{base}/acme/ps/rollout/-/issues/99", raid=team.raid_url)
    set_links(
        ctx,
        "SOW-2",
        journal=f"{base}/acme/ps/rollout/-/merge_requests/4",
        raid=f"{base}/nobody/here/-/issues/1",
    )
    set_links(ctx, "SOW-3", journal="https://gitlab.example.com/g/p/-/issues/1", raid=team.raid_url)
    status, lines = check(ctx.settings)
    assert status == 1
    assert lines[1:-2] == [
        f"SOW-1 journal issue {base}/acme/ps/rollout/-/issues/99: "
        "issue #99 not found in acme/ps/rollout",
        f"SOW-2 journal issue {base}/acme/ps/rollout/-/merge_requests/4: is not a GitLab issue "
        "link; use one like https://gitlab.com/group/project/-/issues/123",
        f"SOW-2 RAID issue {base}/nobody/here/-/issues/1: "
        f"project nobody/here not found, or @{USERNAME} can't see it",
        "SOW-3 journal issue https://gitlab.example.com/g/p/-/issues/1: "
        f"is not on {base} (GITLAB_URL); use an issue link on that GitLab",
        "7 links on 3 projects checked: 4 problems",
    ]
    assert fake_gitlab.routes().count("issue") == 2  # the RAID issue is checked once


def test_a_rejected_token_is_one_line(ctx, team, fake_slack, fake_gitlab, database_url):
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url, GITLAB_TOKEN="bad")
    status, lines = check(load_settings(env, dotenv_path=None))
    assert status == 1
    assert lines == [
        f"GITLAB_TOKEN was rejected by {fake_gitlab.url} (401): create an access token with "
        "the api scope and set GITLAB_TOKEN to it"
    ]


def test_an_unreachable_gitlab_is_one_line(ctx, team, fake_slack, database_url):
    env = gitlab_env(fake_slack, database_url, GITLAB_URL="http://127.0.0.1:9", GITLAB_TOKEN=TOKEN)
    status, lines = check(load_settings(env, dotenv_path=None))
    assert status == 1
    assert lines == [
        "cannot use GitLab at http://127.0.0.1:9 (GITLAB_URL): GitLab unreachable (ConnectionError)"
    ]


def test_without_a_token_it_says_sync_is_off(ctx, fake_slack, database_url):
    settings = load_settings(gitlab_env(fake_slack, database_url), dotenv_path=None)
    with pytest.raises(UserError, match="GITLAB_TOKEN is not set, so GitLab sync is off"):
        check(settings)


def test_no_links_yet(ctx, fake_gitlab):
    status, lines = check(ctx.settings)
    assert status == 0
    assert lines[-2:] == [
        "No active project has a journal issue, RAID issue or epic link yet.",
        NO_RAID_NOTES,
    ]


def link(settings, *argv):
    out = io.StringIO()
    status = cli.run(parse("gitlab", "link", *argv), settings, out)
    return status, out.getvalue().strip()


def test_link_sets_the_projects_journal_issue(ctx, team, fake_gitlab):
    url = f"{fake_gitlab.url}/acme/ps/rollout/-/issues/42"
    status, said = link(ctx.settings, "sow-1", url)
    assert status == 0 and said.endswith(f"wins, thanks and lessons will be noted on {url}")
    with ctx.session_factory() as session:
        from bot.store.models import Project

        assert session.query(Project).filter_by(sow="SOW-1").one().journal_issue_url == url


def test_link_sends_the_notes_that_failed_on_the_old_link_again(
    slack, fake_slack, ctx, team, fake_gitlab, clock
):
    set_links(ctx, "SOW-1", journal=f"{fake_gitlab.url}/acme/ps/rollout/-/issues/404")
    slack.ask("win sow-1 Go-live")
    slack.ask("thanks <@U0PAT|pat> sow-1 for the runbook")
    assert [p.status for p in posts(ctx)] == ["failed", "failed"]
    clock.set(clock() + dt.timedelta(days=2))  # long after the failure: a fresh day of retries
    out = io.StringIO()
    status = cli.run(
        parse("gitlab", "link", "SOW-1", team.journal_url), ctx.settings, out, ctx.now()
    )
    assert status == 0
    assert out.getvalue().splitlines()[-1] == "2 failed notes will be sent there again"
    assert tick(ctx, fake_slack, ctx.now()) == 2
    assert [p.status for p in posts(ctx)] == ["sent", "sent"]
    assert len(fake_gitlab.issue(JOURNAL_PATH, JOURNAL_IID).notes) == 2


@pytest.mark.parametrize(
    ("sow", "url", "message"),
    [
        ("SOW-1", "https://example.com/not/an/issue", "is not a GitLab issue link"),
        ("SOW-1", "https://[gitlab.example.com/a/b/-/issues/1", "is not a link; use one like"),
        ("SOW-404", "{base}/acme/ps/rollout/-/issues/1", "No project has SOW number SOW-404."),
    ],
)
def test_link_refuses_bad_input_in_one_line(ctx, team, fake_gitlab, sow, url, message):
    with pytest.raises(UserError, match=message):
        link(ctx.settings, sow, url.format(base=fake_gitlab.url))
