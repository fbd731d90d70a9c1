"""GitLab issue links: `https://gitlab.com/group/sub/project/-/issues/123` → project path + iid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.core.fields import http_url

EXAMPLE = "https://gitlab.com/group/project/-/issues/123"

# `-/issues/N` is today's form; `issues/N` (no dash) is the old one GitLab still redirects;
# `-/work_items/N` is what newer GitLab shows for the same issue (same iid).
_ISSUE_PATH = re.compile(r"(?P<project>.+?)/(?:-/)?(?:issues|work_items)/(?P<iid>[1-9][0-9]*)/?")


class IssueUrlError(ValueError):
    """The link is not a GitLab issue link on GITLAB_URL; the message says how to fix it."""


@dataclass(frozen=True)
class IssueRef:
    """One GitLab issue: the project's full path and the issue's number in that project."""

    project_path: str
    iid: int

    def __str__(self) -> str:
        return f"{self.project_path}#{self.iid}"


def parse_issue_url(url: str, gitlab_url: str) -> IssueRef:
    """The issue `url` points at, on the GitLab at `gitlab_url`, or an IssueUrlError.

    Anchors (`#note_1`) and query strings are ignored; a merge request, epic, project or
    another host is refused with a one-line reason.
    """
    link = (url or "").strip()
    parts, base = http_url(link), urlsplit(gitlab_url)
    if parts is None:
        raise IssueUrlError(f"{link or 'the link'} is not a link; use one like {EXAMPLE}")
    if parts.netloc.lower() != base.netloc.lower():
        raise IssueUrlError(
            f"{link} is not on {gitlab_url} (GITLAB_URL); use an issue link on that GitLab"
        )
    path = unquote(parts.path)
    prefix = base.path.rstrip("/")
    if prefix and not path.startswith(prefix + "/"):
        raise IssueUrlError(f"{link} is not under {gitlab_url} (GITLAB_URL)")
    match = _ISSUE_PATH.fullmatch(path[len(prefix) :].lstrip("/"))
    if match is None or match["project"].startswith(("groups/", "-/")):
        raise IssueUrlError(f"{link} is not a GitLab issue link; use one like {EXAMPLE}")
    project = match["project"].removesuffix("/-")
    if "/-/" in f"/{project}/" or "/" not in project:
        raise IssueUrlError(f"{link} is not a GitLab issue link; use one like {EXAMPLE}")
    return IssueRef(project, int(match["iid"]))
