"""What a PM is told in Slack when psbot can't add a note to a project's GitLab issue."""

from __future__ import annotations

from bot.integrations.gitlab.urls import EXAMPLE
from bot.store.models import GitLabPost, Project
from messages.escape import escape_mrkdwn, link


def build_gitlab_failure_dm(post: GitLabPost, project: Project, bad_link: bool) -> str:
    """The DM: what could not be added where, why, and what to fix."""
    journal = post.kind in ("win", "thanks")
    issue = "journal issue" if journal else "RAID issue"
    what = {
        "win": "the ProjectWin",
        "thanks": "the thanks",
        "raid_note": "this week's Yellow/Red note",
        "back_to_green": "the back-to-Green note",
    }[post.kind]
    where = "the project's journal issue link" if journal else "the RAID link on the project"
    if bad_link:
        fix = f"Fix: set {where} to the issue's own address, like {EXAMPLE}."
    elif "403" in post.error:
        fix = (
            "Fix: give psbot's GitLab user the Reporter role (or higher) on that project, "
            "so it may comment and set labels."
        )
    else:
        fix = (
            f"Fix: check {where} (the issue may have moved or been deleted), and that "
            "psbot's GitLab user can see the project."
        )
    if not journal:
        fix += " If the note itself has the RAID link, correct it in `/ps notes`."
    return (
        f":warning: I couldn't add {what} for *{escape_mrkdwn(project.title)}* to its GitLab "
        f"{issue} {link(post.target_url, post.target_url)}: {escape_mrkdwn(post.error)}. "
        f"{fix} {what[0].upper()}{what[1:]} is still saved in psbot; I won't repeat this "
        "message for this link until it works again."
    )
