"""The project's Internal Customer Epic: where psbot writes what the customer must not read.

GitLab offers two ways to comment on an epic, and servers differ in which they serve:
- REST epic notes (Premium/Ultimate; deprecated since 17.0 with no removal date):
  `GET /groups/:id/epics/:iid` gives the epic's global `id`, then
  `POST /groups/:group_id/epics/:id/notes` (the notes API takes that id, not the iid);
- work items (epics are work items since 17.x, GA in 18.1): GraphQL
  `namespace(fullPath:) { workItem(iid:) }` gives the WorkItem gid, then `createNote`.

psbot asks REST first: every Premium GitLab serves it. When that route is not served
(GitLab's catch-all 404 `{"error": …}`, or 410) or epics are refused (403: no such epic,
no access, or epics not licensed), it asks GraphQL. When neither serves the epic, one
line says so, with the version `GET /version` reports.

Before any of that, the epic's group must not be public: an epic in a public group is
readable by anyone, the customer included (see the delivery methodology handbook page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitlab.exceptions import GitlabError

from bot.integrations.gitlab.client import GraphQLError
from bot.integrations.gitlab.failure import EpicProblem, Failure
from bot.integrations.gitlab.issues import add_note, note_with_marker
from bot.integrations.gitlab.urls import EpicRef

if TYPE_CHECKING:
    from bot.integrations.gitlab.client import Connection

FIND_WORK_ITEM = """
query psbotEpic($path: ID!, $iid: String!) {
  namespace(fullPath: $path) { workItem(iid: $iid) { id iid webUrl } }
}
"""
# The latest 100 discussions, as many as REST's `note_with_marker` reads.
RECENT_WORK_ITEM_NOTES = """
query psbotEpicNotes($path: ID!, $iid: String!) {
  namespace(fullPath: $path) {
    workItem(iid: $iid) {
      widgets {
        ... on WorkItemWidgetNotes {
          discussions(last: 100) { nodes { notes { nodes { id body } } } }
        }
      }
    }
  }
}
"""
CREATE_NOTE = """
mutation psbotEpicNote($id: NoteableID!, $body: String!) {
  createNote(input: {noteableId: $id, body: $body}) { note { id } errors }
}
"""


@dataclass
class EpicNotes:
    """An epic psbot may comment on, and the API that reaches it ("rest" or "work items")."""

    connection: Connection
    ref: EpicRef
    api: str
    epic: Any = None  # the python-gitlab GroupEpic (REST)
    gid: str = ""  # gid://gitlab/WorkItem/N (work items)

    def create_note(self, body: str) -> int:
        """Add `body` as a comment on the epic; the new note's id. Sent once."""
        if self.api == "rest":
            return add_note(self.connection, self.epic.notes, body)
        data = self.connection.graphql(
            CREATE_NOTE, {"id": self.gid, "body": body}, repeatable=False
        )
        created = data.get("createNote") or {}
        note = created.get("note")
        if not note:
            raise GraphQLError([str(e) for e in created.get("errors") or ["no note created"]])
        return _note_number(note["id"])

    def find_marker(self, marker: str) -> int | None:
        """The id of a recent note on the epic containing `marker`, if any."""
        if self.api == "rest":
            return note_with_marker(self.connection, self.epic.notes, marker)
        data = self.connection.graphql(RECENT_WORK_ITEM_NOTES, self._variables, repeatable=True)
        item = (data.get("namespace") or {}).get("workItem") or {}
        for widget in item.get("widgets") or []:
            for discussion in (widget.get("discussions") or {}).get("nodes") or []:
                for note in (discussion.get("notes") or {}).get("nodes") or []:
                    if marker in (note.get("body") or ""):
                        return _note_number(note["id"])
        return None

    @property
    def _variables(self) -> dict[str, str]:
        return {"path": self.ref.group_path, "iid": str(self.ref.iid)}


def open_epic(connection: Connection, ref: EpicRef, user: str = "psbot's GitLab user") -> EpicNotes:
    """The epic at `ref`, once its group is known not to be public, by the API that serves it.

    Raises EpicProblem for what retrying won't fix (a public group, a missing epic, a
    GitLab that serves neither API) and `connection.errors` for the rest.
    """
    refuse_public_group(connection, ref, user)
    group = connection.gl.groups.get(ref.group_path, lazy=True)
    try:
        epic = group.epics.get(ref.iid, **connection.read)
        return EpicNotes(connection, ref, "rest", epic=epic)
    except GitlabError as error:
        code = getattr(error, "response_code", None)
        if not (code in (403, 410) or (code == 404 and _route_missing(error))):
            raise
        rest_answer = f"{code}"
    return _work_item(connection, ref, user, rest_answer)


def refuse_public_group(connection: Connection, ref: EpicRef, user: str) -> None:
    """EpicProblem when the epic's group is public (or can't be seen at all)."""
    try:
        # with_projects=false: the group alone, not up to 100 of its projects.
        group = connection.gl.groups.get(ref.group_path, with_projects="false", **connection.read)
    except GitlabError as error:
        if getattr(error, "response_code", None) == 404:
            raise EpicProblem(
                Failure("inaccessible", f"group {ref.group_path} not found, or {user} can't see it")
            ) from None
        raise
    if group.attributes.get("visibility") == "public":
        raise EpicProblem(Failure("public", public_group_line(ref)))


def public_group_line(ref: EpicRef) -> str:
    """Why psbot won't write to an epic in a public group (one line)."""
    return (
        f"group {ref.group_path} is public, so anyone (the customer too) can read its epics; "
        "psbot writes internal notes only to an epic in a private group"
    )


def _work_item(connection: Connection, ref: EpicRef, user: str, rest_answer: str) -> EpicNotes:
    variables = {"path": ref.group_path, "iid": str(ref.iid)}
    try:
        data = connection.graphql(FIND_WORK_ITEM, variables, repeatable=True)
    except GitlabError as error:
        if getattr(error, "response_code", None) in (404, 410):  # no GraphQL endpoint at all
            raise EpicProblem(_neither(connection, rest_answer, "no GraphQL")) from None
        raise
    except GraphQLError as error:  # a schema without Namespace.workItem (before 16.10)
        raise EpicProblem(_neither(connection, rest_answer, str(error)[:120])) from None
    namespace = data.get("namespace")
    if namespace is None:
        detail = f"group {ref.group_path} not found, or {user} can't see it"
        raise EpicProblem(Failure("inaccessible", detail))
    item = namespace.get("workItem")
    if not item:
        detail = (
            f"epic &{ref.iid} not found in {ref.group_path}, or {user} can't see it "
            f"(REST epics answered {rest_answer}; epics need GitLab Premium or Ultimate)"
        )
        raise EpicProblem(Failure("inaccessible", detail))
    return EpicNotes(connection, ref, "work items", gid=str(item["id"]))


def _neither(connection: Connection, rest_answer: str, graphql_answer: str) -> Failure:
    version, _ = connection.gl.version()
    return Failure(
        "unsupported",
        f"GitLab {version} at {connection.gl.url} serves neither epic notes "
        f"(REST /groups/:id/epics answered {rest_answer}) nor work item notes "
        f"(GraphQL: {graphql_answer}); Internal Customer Epic notes need GitLab Premium "
        "or Ultimate with epics",
    )


def _route_missing(error: GitlabError) -> bool:
    """Whether a 404 is GitLab's catch-all for a route it doesn't serve (`{"error": …}`),
    not a missing group or epic (`{"message": "404 Group Not Found"}`)."""
    try:
        body = json.loads(getattr(error, "response_body", b"") or b"{}")
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body and "message" not in body


def _note_number(gid: str | int) -> int:
    """`gid://gitlab/Note/123` (or 123) → 123."""
    return int(str(gid).rsplit("/", 1)[-1])
