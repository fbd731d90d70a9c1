"""What a PM is told in Slack when psbot can't add a note to a project's GitLab issue or
Internal Customer Epic."""

from __future__ import annotations

from bot.integrations.gitlab.urls import EPIC_EXAMPLE, EXAMPLE
from bot.store.models import GitLabNote, Project
from messages.escape import escape_mrkdwn, link

# kind → (what was not added, where it goes, the link to fix, an example of that link)
_TARGETS = {
    "win_note": ("the ProjectWin", "journal issue", "the journal issue link", EXAMPLE),
    "thanks_note": ("the thanks", "journal issue", "the journal issue link", EXAMPLE),
    "raid_note": ("this week's Yellow/Red note", "RAID issue", "the RAID link", EXAMPLE),
    "back_to_green": ("the back-to-Green note", "RAID issue", "the RAID link", EXAMPLE),
    "raid_update": ("this week's project update", "RAID issue", "the RAID link", EXAMPLE),
    "escalation": ("the Escalated label", "RAID issue", "the RAID link", EXAMPLE),
    "lesson_note": ("the lesson learned", "journal issue", "the journal issue link", EXAMPLE),
    "epic_note": (
        "this week's Yellow/Red note",
        "Internal Customer Epic",
        "the epic link",
        EPIC_EXAMPLE,
    ),
    "epic_green": (
        "the back-to-Green note",
        "Internal Customer Epic",
        "the epic link",
        EPIC_EXAMPLE,
    ),
}


def build_gitlab_failure_dm(post: GitLabNote, project: Project, bad_link: bool) -> str:
    """The DM: what could not be added where, why, and what to fix."""
    what, where, link_name, example = _TARGETS[post.kind]
    on_note = post.kind not in ("win_note", "thanks_note", "lesson_note")
    if bad_link:
        fix = f"Fix: set {link_name} on the project to the {where}'s own address, like {example}."
    elif "is public" in post.error:
        fix = (
            f"Fix: set {link_name} on the project to the Internal Customer Epic in a private "
            "group (the handbook keeps confidential communication there)."
        )
    elif "403" in post.error:
        fix = (
            "Fix: give psbot's GitLab user the Reporter role (or higher) there, "
            "so it may comment and set labels."
        )
    else:
        fix = (
            f"Fix: check {link_name} on the project (the {where} may have moved or been "
            "deleted), and that psbot's GitLab user can see it."
        )
    if on_note:
        fix += f" If the note itself has {link_name}, correct it in `/ps notes`."
    return (
        f":warning: I couldn't add {what} for *{escape_mrkdwn(project.title)}* to its GitLab "
        f"{where} {link(post.target_url, post.target_url)}: {escape_mrkdwn(post.error)}. "
        f"{fix} {what[0].upper()}{what[1:]} is still saved in psbot; I won't repeat this "
        "message for this link until it works again."
    )
