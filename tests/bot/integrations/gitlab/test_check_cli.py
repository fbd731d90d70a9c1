"""`psbot gitlab check`: the token, then one line per issue link problem."""

import argparse
import datetime as dt
import io

import pytest

from bot.core.errors import UserError
from bot.core.settings import load_settings
from bot.entry import gitlab_cli as cli
from bot.integrations.gitlab import GitLabSync
from tests.bot.integrations.gitlab.conftest import (
    JOURNAL_IID,
    JOURNAL_PATH,
    gitlab_env,
    posts,
    set_links,
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


def test_all_links_fine(ctx, team, fake_gitlab):
    status, lines = check(ctx.settings)
    assert status == 0
    assert lines == [
        f"GitLab {fake_gitlab.url}: GITLAB_TOKEN works, as @{USERNAME}",
        "2 issue links on 1 projects checked: 0 problems",
    ]
    assert fake_gitlab.routes() == ["user", "project", "issue", "project", "issue"]


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
    assert lines[1:] == [
        f"SOW-1 journal issue {base}/acme/ps/rollout/-/issues/99: "
        "issue #99 not found in acme/ps/rollout",
        f"SOW-2 journal issue {base}/acme/ps/rollout/-/merge_requests/4: is not a GitLab issue "
        "link; use one like https://gitlab.com/group/project/-/issues/123",
        f"SOW-2 RAID issue {base}/nobody/here/-/issues/1: "
        f"project nobody/here not found, or @{USERNAME} can't see it",
        "SOW-3 journal issue https://gitlab.example.com/g/p/-/issues/1: "
        f"is not on {base} (GITLAB_URL); use an issue link on that GitLab",
        "6 issue links on 3 projects checked: 4 problems",
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
    assert lines[-1] == "No active project has a journal or RAID issue link yet."


def link(settings, *argv):
    out = io.StringIO()
    status = cli.run(parse("gitlab", "link", *argv), settings, out)
    return status, out.getvalue().strip()


def test_link_sets_the_projects_journal_issue(ctx, team, fake_gitlab):
    url = f"{fake_gitlab.url}/acme/ps/rollout/-/issues/42"
    status, said = link(ctx.settings, "sow-1", url)
    assert status == 0 and said.endswith(f"wins and thanks will be noted on {url}")
    with ctx.session_factory() as session:
        from bot.store.models import Project

        assert session.query(Project).filter_by(sow="SOW-1").one().journal_issue_url == url


def test_link_sends_the_notes_that_failed_on_the_old_link_again(
    slack, ctx, team, fake_gitlab, clock
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
    assert GitLabSync(ctx, None).retry_due(ctx.now()) == 2
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
