"""What an admin is told after escalating a project, or un-escalating it."""

from __future__ import annotations

from messages.escape import escape_mrkdwn


def build_escalation_reply(title: str, escalated: bool, changed: bool, labelled: bool) -> str:
    """One line: the project's new state, what follows from it, or that nothing changed.

    `labelled`: the RAID issue's `Escalated` label is being added or taken off (GitLab
    sync is on and the project has a RAID link)."""
    name = f"*{escape_mrkdwn(title)}*"
    if not changed:
        state = "already Escalated" if escalated else "not Escalated"
        return f"{name} is {state}; nothing was changed."
    if escalated:
        label = " and its RAID issue gets the `Escalated` label" if labelled else ""
        return (
            f":rotating_light: {name} is now Escalated: the Top Customer report lists it "
            f"first{label}. Un-escalate with `/ps escalate PROJECT --off`."
        )
    label = "; the `Escalated` label comes off its RAID issue" if labelled else ""
    return f"{name} is no longer Escalated{label}."
