"""A lesson learned or customer story goes to the project's journal issue, which gets its
handbook label; none without a project or a journal issue."""

from tests.bot.integrations.gitlab.conftest import JOURNAL_IID, JOURNAL_PATH, posts, set_links


def journal(fake_gitlab):
    return fake_gitlab.issue(JOURNAL_PATH, JOURNAL_IID)


def test_a_lesson_is_noted_on_the_journal_issue_with_its_label(slack, fake_gitlab, ctx, team):
    reply = slack.ask("lesson sow-1 llExpectation Agree UAT criteria at kick-off, @all of them")
    assert reply["text"].endswith(
        "and it is noted on the project's journal issue with the `llExpectation` label."
    )
    (note,) = journal(fake_gitlab).notes
    assert note["body"].startswith(
        ":bulb: **Lesson learned** `llExpectation` shared in Slack by **Pam Manager**\n\n"
        "> Agree UAT criteria at kick-off, @\u200ball of them\n"
    )
    assert journal(fake_gitlab).labels == ["retro", "llExpectation"]
    (post,) = posts(ctx)
    assert (post.kind, post.status, post.label) == ("lesson_note", "sent", "llExpectation")


def test_a_customer_story_reads_as_one(slack, fake_gitlab, ctx, team):
    slack.ask("lesson sow-1 CustomerStory Deploys went from monthly to daily")
    (note,) = journal(fake_gitlab).notes
    assert note["body"].startswith(":books: **Customer story** shared in Slack by **Pam Manager**")
    assert "CustomerStory" in journal(fake_gitlab).labels


def test_no_project_or_no_journal_issue_owes_gitlab_nothing(slack, fake_gitlab, ctx, team):
    slack.ask("lesson llProduct The CLI needs a dry run")
    set_links(ctx, "SOW-1", journal=None)
    reply = slack.ask("lesson sow-1 llProduct Same again")
    assert "journal issue" not in reply["text"]
    assert posts(ctx) == [] and fake_gitlab.requests == []
