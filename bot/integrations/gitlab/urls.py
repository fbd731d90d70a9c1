"""GitLab links: an issue (`https://gitlab.com/group/sub/project/-/issues/123` → project path
and iid) and an epic (`https://gitlab.com/groups/group/sub/-/epics/12` → group path and iid)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.core.fields import http_url

EXAMPLE = "https://gitlab.com/group/project/-/issues/123"
EPIC_EXAMPLE = "https://gitlab.com/groups/group/-/epics/12"

# `-/issues/N` is today's form; `issues/N` (no dash) is the old one GitLab still redirects;
# `-/work_items/N` is what newer GitLab shows for the same issue (same iid).
_ISSUE_PATH = re.compile(r"(?P<project>.+?)/(?:-/)?(?:issues|work_items)/(?P<iid>[1-9][0-9]*)/?")


# An epic lives in a group: `groups/<path>/-/epics/N`; newer GitLab shows the same epic as
# `groups/<path>/-/work_items/N` (same iid), and very old links lack the `-/`.
_EPIC_PATH = re.compile(r"groups/(?P<group>.+?)/(?:-/)?(?:epics|work_items)/(?P<iid>[1-9][0-9]*)/?")


class LinkError(ValueError):
    """The link is not the kind of GitLab link asked for, on GITLAB_URL; the message says
    how to fix it (one line)."""


class IssueUrlError(LinkError):
    """The link is not a GitLab issue link on GITLAB_URL; the message says how to fix it."""


class EpicUrlError(LinkError):
    """The link is not a GitLab epic link on GITLAB_URL; the message says how to fix it."""


@dataclass(frozen=True)
class IssueRef:
    """One GitLab issue: the project's full path and the issue's number in that project."""

    project_path: str
    iid: int

    def __str__(self) -> str:
        return f"{self.project_path}#{self.iid}"


@dataclass(frozen=True)
class EpicRef:
    """One GitLab epic: its group's full path and the epic's number in that group."""

    group_path: str
    iid: int

    def __str__(self) -> str:
        return f"{self.group_path}&{self.iid}"


def parse_issue_url(url: str, gitlab_url: str) -> IssueRef:
    """The issue `url` points at, on the GitLab at `gitlab_url`, or an IssueUrlError.

    Anchors (`#note_1`) and query strings are ignored; a merge request, epic, project or
    another host is refused with a one-line reason.
    """
    link = (url or "").strip()
    path = _path_on(link, gitlab_url, IssueUrlError, EXAMPLE, "an issue link")
    match = _ISSUE_PATH.fullmatch(path)
    if match is None or match["project"].startswith(("groups/", "-/")):
        raise IssueUrlError(f"{link} is not a GitLab issue link; use one like {EXAMPLE}")
    project = match["project"].removesuffix("/-")
    if "/-/" in f"/{project}/" or "/" not in project:
        raise IssueUrlError(f"{link} is not a GitLab issue link; use one like {EXAMPLE}")
    return IssueRef(project, int(match["iid"]))


def parse_epic_url(url: str, gitlab_url: str) -> EpicRef:
    """The epic `url` points at, on the GitLab at `gitlab_url`, or an EpicUrlError.

    Both `/groups/G/-/epics/N` and `/groups/G/-/work_items/N` are accepted (GitLab shows
    an epic at either); anchors and query strings are ignored; an issue, a project or
    another host is refused with a one-line reason.
    """
    link = (url or "").strip()
    path = _path_on(link, gitlab_url, EpicUrlError, EPIC_EXAMPLE, "an epic link")
    match = _EPIC_PATH.fullmatch(path)
    if match is None or "/-/" in f"/{match['group']}/" or match["group"].endswith("/-"):
        raise EpicUrlError(
            f"{link} is not a GitLab epic link (an epic belongs to a group); "
            f"use one like {EPIC_EXAMPLE}"
        )
    return EpicRef(match["group"], int(match["iid"]))


def _path_on(link: str, gitlab_url: str, error: type[LinkError], example: str, what: str) -> str:
    """`link`'s path below `gitlab_url` (decoded, no leading slash), or `error`."""
    parts, base = http_url(link), urlsplit(gitlab_url)
    if parts is None:
        raise error(f"{link or 'the link'} is not a link; use one like {example}")
    if parts.netloc.lower() != base.netloc.lower():
        raise error(f"{link} is not on {gitlab_url} (GITLAB_URL); use {what} on that GitLab")
    path = unquote(parts.path)
    prefix = base.path.rstrip("/")
    if prefix and not path.startswith(prefix + "/"):
        raise error(f"{link} is not under {gitlab_url} (GITLAB_URL)")
    return path[len(prefix) :].lstrip("/")
