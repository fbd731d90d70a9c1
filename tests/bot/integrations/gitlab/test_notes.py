"""Weekly notes through the signed modal submission: Y/R to the Internal Customer Epic,
Green once, and nothing on the RAID issue (the customer reads it) unless RAID updates
are on — then customer-safe words only."""

import datetime as dt

import pytest

from tests.bot.integrations.gitlab.conftest import (
    EPIC_GROUP,
    EPIC_IID,
    RAID_IID,
    RAID_PATH,
    dms_to,
    posts,
    set_links,
    tick,
)
from tests.commands.test_notes import submit

NEXT_WEEK = dt.timedelta(days=7)


def raid(fake_gitlab):
    return fake_gitlab.issue(RAID_PATH, RAID_IID)


def epic(fake_gitlab):
    return fake_gitlab.epic(EPIC_GROUP, EPIC_IID)


def warnings_to(fake_slack, user_id):
    """The DMs telling `user_id` a GitLab note could not be added."""
    return dms_to(fake_slack, user_id, "I couldn't add")


def red(slack, team, view_id="V1", view_hash="h1", **overrides):
    values = {
        "progress": "UAT slipped a week",
        "internal": "red",
        "customer": "yellow",
        "issue": "Runner capacity is short.\nAction: add 4 runners, done by Dec 4",
        "assistance": "Infra approval from the customer's CTO",
        "dri_ids": ["U0PAT"],
        "raid_url": team.raid_url,
        "epic_url": team.epic_url,
        "forecast_push": "Dec hours pushed to Jan: $12,000",
        **overrides,
    }
    return submit(slack, team.rollout.id, view_id=view_id, view_hash=view_hash, **values)


def green(slack, team, view_id="VG", view_hash="h1", **overrides):
    values = {"progress": "Runners added; UAT back on track", **overrides}
    return submit(slack, team.rollout.id, view_id=view_id, view_hash=view_hash, **values)


def test_a_red_note_goes_to_the_internal_epic_and_nothing_to_the_raid_issue(
    slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    assert fake_gitlab.routes() == ["group", "epic", "epic_notes.create"]
    assert raid(fake_gitlab).notes == []
    (note,) = epic(fake_gitlab).notes
    body = note["body"]
    assert body.startswith(
        ":red_circle: **Weekly note 2026-W48** for Acme — Rollout (SOW-1)\n\n"
        ":red_circle: internal **Red** · :yellow_circle: customer **Yellow**\n\n"
        "**Progress:** UAT slipped a week\n\n"
        "**Issue, proposed action and timing:**\n"
        "> Runner capacity is short.\n> Action: add 4 runners, done by Dec 4\n\n"
        "**Assistance needed:**\n> Infra approval from the customer's CTO\n\n"
        "**DRI & contributors:** **Pat Engineer**\n\n"
        "**Forecast push:** Dec hours pushed to Jan: $12,000\n"
    )
    assert "written by Pam Manager._" in body
    (post,) = posts(ctx)
    assert (post.kind, post.status, post.target_url) == ("epic_note", "sent", team.epic_url)


def test_the_epic_notes_api_takes_the_epics_id_not_its_iid(slack, fake_gitlab, team, settle):
    red(slack, team)
    settle()
    (create,) = fake_gitlab.calls_to("epic_notes.create")
    the_epic = epic(fake_gitlab)
    assert create.path.endswith(f"/epics/{the_epic.id}/notes") and the_epic.id != EPIC_IID
    (group,) = fake_gitlab.calls_to("group")
    assert group.query == {"with_projects": "false"}


def test_replays_and_unchanged_edits_add_nothing_but_a_change_is_noted(
    slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    red(slack, team)  # Slack replays the same submission
    settle()
    red(slack, team, view_hash="h2")  # saved again, same words
    settle()
    assert len(epic(fake_gitlab).notes) == 1
    red(slack, team, view_hash="h3", internal="yellow", progress="Runners ordered")
    settle()
    _, second = epic(fake_gitlab).notes
    assert second["body"].startswith(":yellow_circle: **Updated weekly note 2026-W48**")
    assert "**Progress:** Runners ordered" in second["body"]
    assert len(posts(ctx)) == 2


def test_an_edit_of_what_the_epic_note_does_not_show_adds_nothing(
    slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    red(slack, team, view_hash="h2", upside="Extra 40 h of training if they sign")
    settle()
    assert len(epic(fake_gitlab).notes) == 1
    assert len(posts(ctx)) == 1


def test_back_to_green_is_said_once_on_the_epic(slack, fake_gitlab, ctx, team, clock, settle):
    red(slack, team)
    settle()
    clock.set(clock.current + NEXT_WEEK)
    green(slack, team)
    settle()
    green(slack, team, view_hash="h2", progress="Still fine")
    settle()
    clock.set(clock.current + NEXT_WEEK)
    green(slack, team, view_id="VG3")
    settle()
    _, back = epic(fake_gitlab).notes
    assert back["body"].startswith(
        ":green_circle: **Back to Green in 2026-W49** for Acme — Rollout (SOW-1)\n\n"
        ":green_circle: internal **Green** · :green_circle: customer **Green**\n\n"
        "**Progress:** Runners added; UAT back on track\n"
    )
    assert [p.kind for p in posts(ctx)] == ["epic_note", "epic_green"]
    assert raid(fake_gitlab).notes == []


def test_green_without_an_earlier_yellow_or_red_says_nothing(slack, fake_gitlab, ctx, team, settle):
    green(slack, team)
    settle()
    assert fake_gitlab.requests == [] and posts(ctx) == []


def test_the_notes_epic_link_is_used_when_the_project_has_none(
    slack, fake_gitlab, ctx, team, settle
):
    set_links(ctx, "SOW-1", epic=None)
    other = fake_gitlab.add_epic("ps-group/other", 3)
    red(slack, team, epic_url=other)
    settle()
    assert len(fake_gitlab.epic("ps-group/other", 3).notes) == 1
    assert epic(fake_gitlab).notes == []


def test_raid_updates_when_on_carry_only_the_customer_safe_words(
    slack, fake_gitlab, ctx, team, settle, raid_updates_on
):
    red(slack, team)
    settle()
    (update,) = raid(fake_gitlab).notes
    assert update["body"].startswith(
        "**Project update 2026-W48** for Acme — Rollout (SOW-1)\n\n"
        "**Progress:** UAT slipped a week\n\n"
        "**Issue, proposed action and timing:**\n"
        "> Runner capacity is short.\n> Action: add 4 runners, done by Dec 4\n\n"
        "<!-- psbot:"
    )
    assert len(epic(fake_gitlab).notes) == 1  # the internal note still goes to the epic
    raid_post = next(p for p in posts(ctx) if p.kind == "raid_update")
    assert set(raid_post.payload) == {"week", "updated", "progress", "issue"}


def test_a_raid_update_is_added_again_only_when_its_words_change(
    slack, fake_gitlab, ctx, team, settle, raid_updates_on
):
    red(slack, team)
    settle()
    red(slack, team, view_hash="h2", internal="yellow", assistance="None now")
    settle()
    assert len(raid(fake_gitlab).notes) == 1  # only internal fields changed
    assert len(epic(fake_gitlab).notes) == 2
    red(slack, team, view_hash="h3", progress="UAT restarted")
    settle()
    assert raid(fake_gitlab).notes[1]["body"].startswith("**Updated project update 2026-W48**")


def test_no_raid_update_on_the_way_back_to_green(
    slack, fake_gitlab, ctx, team, clock, settle, raid_updates_on
):
    red(slack, team)
    settle()
    clock.set(clock.current + NEXT_WEEK)
    green(slack, team)
    settle()
    assert len(raid(fake_gitlab).notes) == 1
    assert len(epic(fake_gitlab).notes) == 2


# --- which epic API the server serves ---------------------------------------------------


def test_a_gitlab_without_rest_epics_gets_the_note_through_work_items(
    slack, fake_gitlab, ctx, team, settle
):
    fake_gitlab.epic_api = "work items"
    red(slack, team)
    settle()
    assert fake_gitlab.routes() == ["group", "epic", "graphql.work_item", "graphql.create_note"]
    (note,) = epic(fake_gitlab).notes
    assert note["body"].startswith(":red_circle: **Weekly note 2026-W48**")
    (post,) = posts(ctx)
    assert (post.status, post.gitlab_note_id) == ("sent", note["id"])
    lookup, create = fake_gitlab.calls_to("graphql.work_item") + fake_gitlab.calls_to(
        "graphql.create_note"
    )
    assert lookup.body["variables"] == {"path": EPIC_GROUP, "iid": str(EPIC_IID)}
    assert create.body["variables"]["id"] == f"gid://gitlab/WorkItem/{epic(fake_gitlab).id}"


def test_a_lost_answer_through_work_items_is_not_posted_twice(
    slack, fake_slack, fake_gitlab, ctx, team, settle
):
    fake_gitlab.epic_api = "work items"
    fake_gitlab.fail("graphql.create_note", 502, apply_first=True)
    red(slack, team)
    settle()
    (post,) = posts(ctx)
    assert (post.status, post.unsure_of) == ("retrying", 0)
    assert tick(ctx, fake_slack, post.next_attempt_at) == 1
    (note,) = epic(fake_gitlab).notes
    assert fake_gitlab.routes()[-1] == "graphql.notes"
    assert posts(ctx)[0].gitlab_note_id == note["id"]


@pytest.mark.parametrize("mode", ["neither", "unlicensed"])
def test_a_gitlab_serving_neither_fails_the_note_in_one_line(
    slack, fake_slack, fake_gitlab, ctx, team, settle, mode
):
    fake_gitlab.epic_api = mode
    red(slack, team)
    settle()
    (post,) = posts(ctx)
    assert post.status == "failed" and "\n" not in post.error
    if mode == "neither":
        assert post.error == (
            f"reading the epic: GitLab 17.11.2-ee at {fake_gitlab.url} serves neither epic "
            "notes (REST /groups/:id/epics answered 404) nor work item notes (GraphQL: "
            "Field 'workItem' doesn't exist on type 'Namespace'); Internal Customer Epic "
            "notes need GitLab Premium or Ultimate with epics"
        )
        assert warnings_to(fake_slack, "U0PM") == []  # not the PM's to fix: admins see it
    else:
        assert post.error == (
            f"reading the epic: epic &{EPIC_IID} not found in {EPIC_GROUP}, or psbot's GitLab "
            "user can't see it (REST epics answered 403; epics need GitLab Premium or Ultimate)"
        )
    assert raid(fake_gitlab).notes == []  # never falls back to the customer's issue


def test_an_epic_in_a_public_group_is_refused_and_the_pm_told(
    slack, fake_slack, fake_gitlab, ctx, team, settle
):
    public = fake_gitlab.add_epic("customers/acme", 4, visibility="public")
    set_links(ctx, "SOW-1", epic=public)
    red(slack, team)
    settle()
    assert fake_gitlab.routes() == ["group"]  # nothing read or written past the check
    (post,) = posts(ctx)
    assert post.status == "failed"
    assert post.error == (
        "reading the epic: group customers/acme is public, so anyone (the customer too) can "
        "read its epics; psbot writes internal notes only to an epic in a private group"
    )
    assert fake_gitlab.epic("customers/acme", 4).notes == []
    (dm,) = warnings_to(fake_slack, "U0PM")
    assert "Internal Customer Epic in a private group" in dm


def test_an_epic_link_that_is_an_issue_is_refused_without_calling_gitlab(
    slack, fake_gitlab, ctx, team, settle
):
    set_links(ctx, "SOW-1", epic=team.raid_url)
    red(slack, team)
    settle()
    assert fake_gitlab.requests == []
    (post,) = posts(ctx)
    assert post.status == "failed" and "is not a GitLab epic link" in post.error


def test_the_stored_post_for_the_epic_is_never_sent_to_the_raid_issue(
    slack, fake_gitlab, ctx, team, settle
):
    """A Y/R note with no epic link anywhere is owed nowhere (not to the RAID issue)."""
    set_links(ctx, "SOW-1", epic=None)
    with ctx.session_factory.begin() as session:
        from bot.integrations.gitlab import enqueue_for_note
        from bot.pmo.notes import NoteFields, Temperature, save_note

        fields = NoteFields("UAT slipped", Temperature.RED, Temperature.RED, raid_url=team.raid_url)
        note = save_note(session, team.rollout.id, "2026-W48", fields, "U0PM", ctx.now())
        assert enqueue_for_note(ctx, session, note) == []
    assert posts(ctx) == []


@pytest.mark.parametrize(
    "link",
    [
        "{raid}",  # the RAID issue: the customer reads it
        "https://gitlab.other.example/groups/acme/-/epics/2",  # another GitLab
    ],
)
def test_the_modal_asks_for_an_epic_link_on_gitlab_when_sync_is_on(
    slack, fake_gitlab, ctx, team, settle, link
):
    from tests.commands.test_notes import errors_of

    response = red(slack, team, epic_url=link.format(raid=team.raid_url))
    (message,) = errors_of(response).values()
    assert message == (
        f"Paste the internal customer epic's link on {fake_gitlab.url}, "
        "like https://gitlab.com/groups/group/-/epics/12"
    )
    settle()
    assert posts(ctx) == [] and fake_gitlab.requests == []


def test_a_graphql_outage_is_retried_not_taken_for_a_missing_api(
    slack, fake_slack, fake_gitlab, ctx, team, settle
):
    fake_gitlab.epic_api = "work items"
    fake_gitlab.fail("graphql.work_item", 502)
    red(slack, team)
    settle()
    (post,) = posts(ctx)
    assert post.status == "retrying" and "502" in post.error
    assert tick(ctx, fake_slack, post.next_attempt_at) == 1
    assert len(epic(fake_gitlab).notes) == 1
