"""A GitLab issue psbot comments on and labels: the journal issue, or the RAID issue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.integrations.gitlab.urls import IssueRef

if TYPE_CHECKING:
    from bot.integrations.gitlab.client import Connection

# The most recent notes a retry looks through for the marker of a note it may have added.
RECENT_NOTES = 100


@dataclass
class IssueNotes:
    """One issue, read once: its notes and labels through python-gitlab."""

    connection: Connection
    ref: IssueRef
    project: Any  # python-gitlab's lazy Project
    issue: Any  # python-gitlab's ProjectIssue

    def create_note(self, body: str) -> int:
        """Add `body` as a note on the issue; the new note's id. Sent once."""
        return add_note(self.connection, self.issue.notes, body)

    def find_marker(self, marker: str) -> int | None:
        """The id of a recent note on the issue containing `marker`, if any."""
        return note_with_marker(self.connection, self.issue.notes, marker)

    def has_label(self, label: str) -> bool:
        return label in (self.issue.attributes.get("labels") or [])

    def add_label(self, label: str) -> None:
        """Add `label` alone (`add_labels`, not a rewritten `labels` list, which
        issue.save() would send): labels someone sets meanwhile survive."""
        self.project.issues.update(self.ref.iid, {"add_labels": label}, **self.connection.read)

    def remove_label(self, label: str) -> None:
        """Take `label` off (`remove_labels`), leaving the issue's other labels alone."""
        self.project.issues.update(self.ref.iid, {"remove_labels": label}, **self.connection.read)


def open_issue(connection: Connection, ref: IssueRef) -> IssueNotes:
    """The issue at `ref`, read (raises `connection.errors` when GitLab refuses)."""
    project = connection.gl.projects.get(ref.project_path, lazy=True)
    issue = project.issues.get(ref.iid, **connection.read)
    return IssueNotes(connection, ref, project, issue)


def add_note(connection: Connection, notes: Any, body: str) -> int:
    """POST `body` through a python-gitlab notes manager (an issue's or an epic's), once."""
    return int(notes.create({"body": body}, **connection.once).get_id())


def note_with_marker(connection: Connection, notes: Any, marker: str) -> int | None:
    """The id of one of the latest notes of a notes manager that contains `marker`."""
    latest = notes.list(
        sort="desc", order_by="created_at", per_page=RECENT_NOTES, get_all=False, **connection.read
    )
    return next((int(n.get_id()) for n in latest if marker in (n.body or "")), None)
