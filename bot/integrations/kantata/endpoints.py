"""What a Kantata sync reads: each list endpoint, what it includes, and how it is read
incrementally.

A full sync lists every endpoint marked `full` to its last page. An incremental sync
asks each endpoint marked `incremental` only for what changed since the last successful
sync (`changed_since`: Kantata's `updated_after`, an ISO 8601 datetime), and then, for an
endpoint marked `counted`, asks for the number of objects Kantata has (one request with
`per_page=1`, read from `meta.count`): no read filter returns deleted records, so a count
lower than psbot's copy holds is how a deletion shows (see `bot.integrations.kantata.sync`).

A new endpoint (time entries, say) slots in as one more `Endpoint` in ENDPOINTS, with a
`owner` telling which object each of its objects belongs to.

Sources (see /work/notes/kantata.md): the list format, `include`, `only`, `page`,
`per_page` and `meta.count` are Kantata's own reference. `updated_after` is not in the
part of the reference psbot's authors could read (the parameter lists are cut off before
"u"); Singer taps for Mavenlink send it on every incremental stream. If Kantata ignored it,
an incremental sync would read everything and still be right, only slower: what comes
back is merged as changed, whatever it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.integrations.kantata.mapping import subject_type_key

Owner = Callable[[Mapping[str, Any]], str | None]

UPDATED_AFTER = "updated_after"


def _workspace_of(obj: Mapping[str, Any]) -> str | None:
    workspace_id = obj.get("workspace_id")
    return f"workspace:{workspace_id}" if workspace_id not in (None, "") else None


def _subject_of(obj: Mapping[str, Any]) -> str | None:
    """A custom field value belongs to its subject: "resource:20", "workspace:1"."""
    subject_type, subject_id = obj.get("subject_type"), obj.get("subject_id")
    if not isinstance(subject_type, str) or subject_id in (None, ""):
        return None
    return f"{subject_type_key(subject_type)}:{subject_id}"


def _user_of(obj: Mapping[str, Any]) -> str | None:
    user_id = obj.get("user_id")
    return f"user:{user_id}" if user_id not in (None, "") else None


def _itself(kind: str) -> Owner:
    return lambda obj: f"{kind}:{obj.get('id')}"


# How each type of object, listed or included, is filed in psbot's copy (its `owner`).
OWNERS: dict[str, Owner] = {
    "workspaces": _itself("workspace"),
    # A resource's own workspace_id may be gated (undocumented): then it is filed under the
    # workspace of an allocation naming it (see mirror).
    "workspace_resources": _workspace_of,
    "workspace_allocations": _workspace_of,
    "stories": _workspace_of,
    "custom_field_values": _subject_of,
    "time_off_entries": _user_of,
    "account_memberships": _user_of,
}


def owner_of(kind: str, obj: Mapping[str, Any]) -> str | None:
    """What `obj` of type `kind` belongs to, if psbot looks it up that way."""
    owner = OWNERS.get(kind)
    return owner(obj) if owner else None


@dataclass(frozen=True)
class Endpoint:
    """One list endpoint as a sync reads it."""

    name: str  # the path, e.g. "workspace_allocations"; its objects come under this key
    include: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    changed_since: str | None = UPDATED_AFTER  # the incremental filter (None: read whole)
    full: bool = True  # read on a full sync
    incremental: bool = True  # read on an incremental sync
    counted: bool = True  # count psbot's copy against Kantata's to notice deletions

    @property
    def label(self) -> str:
        """ "workspace_allocations", "custom_field_values (subject_type=User)"."""
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name} ({shown})" if shown else self.name


def _values_of(subject_type: str) -> Endpoint:
    """Custom field values of one subject type, changed since the last sync: a value edit
    may not touch its subject's `updated_at`. On a full sync they come included with their
    subjects instead. Not counted: Kantata also lists values of archived projects and
    tasks, which psbot's copy does not hold (a cleared value is caught by the weekly full
    sync)."""
    return Endpoint(
        "custom_field_values",
        params={"subject_type": subject_type},
        full=False,
        counted=False,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("workspaces", include=("primary_maven", "workspace_groups", "custom_field_values")),
    Endpoint("workspace_resources", include=("user", "role", "custom_field_values")),
    # An allocation's workspace_id comes only with include=workspace.
    Endpoint("workspace_allocations", include=("workspace", "workspace_resource")),
    # A story's workspace_id is read: ask for its include too (see mapping).
    Endpoint(
        "stories",
        include=("workspace", "custom_field_values"),
        params={"story_type": "milestone"},
    ),
    # The bench: every account member (GET /users leaves out those on no project), their
    # default role and whether they are disabled; their capacity is a User custom field.
    Endpoint("account_memberships", include=("user", "default_role")),
    Endpoint("custom_field_values", params={"subject_type": "User"}, counted=False),
    Endpoint("time_off_entries", include=("user",)),
    _values_of("Workspace"),
    _values_of("Resource"),
    _values_of("Story"),
)
