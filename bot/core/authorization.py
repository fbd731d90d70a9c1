"""Who may do what: the one place psbot decides it.

Roles come from settings (admins), the project (its PM) and its latest note (DRI and
contributors); everyone else in the workspace is a member. People from another Slack
workspace (Slack Connect) are outsiders and may do nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PM = "project PM"
    DRI = "DRI or contributor"
    DELEGATE = "covering for the away PM"
    RECORDER = "who recorded it"
    MEMBER = "workspace member"
    OUTSIDER = "outside the workspace"


class Action(StrEnum):
    WRITE_NOTE = "write a project's weekly note"
    TICK_CLOSURE = "change a project's closure checklist"
    RECORD_WIN = "record a ProjectWin"
    THANK = "thank teammates"
    READ = "ask psbot (reports, bookings, forecast, exports)"
    SEE_PORTFOLIO = "see the portfolio and jobs in App Home"
    RETRY_POSTS = "post again what Slack refused"
    ESCALATE = "mark a project Escalated, or not any more"
    ADD_UPSIDE = "record a project's upside beyond soft bookings"
    REMOVE_UPSIDE = "remove an upside item"
    CHANGE_SETTINGS = "change a job's time, channel or on/off"


POLICY: dict[Action, frozenset[Role]] = {
    Action.WRITE_NOTE: frozenset({Role.ADMIN, Role.PM, Role.DRI, Role.DELEGATE}),
    Action.TICK_CLOSURE: frozenset({Role.ADMIN, Role.PM}),
    Action.RECORD_WIN: frozenset({Role.ADMIN, Role.PM, Role.DRI, Role.MEMBER}),
    Action.THANK: frozenset({Role.ADMIN, Role.PM, Role.DRI, Role.MEMBER}),
    Action.READ: frozenset({Role.ADMIN, Role.PM, Role.DRI, Role.MEMBER}),
    Action.SEE_PORTFOLIO: frozenset({Role.ADMIN}),
    Action.RETRY_POSTS: frozenset({Role.ADMIN}),
    Action.ESCALATE: frozenset({Role.ADMIN}),
    Action.CHANGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.ADD_UPSIDE: frozenset({Role.ADMIN, Role.PM, Role.DRI, Role.DELEGATE}),
    Action.REMOVE_UPSIDE: frozenset({Role.ADMIN, Role.RECORDER}),
}


def roles_of(
    user_id: str,
    *,
    admins: Collection[str],
    pm_slack_id: str | None = None,
    dri_ids: Collection[str] = (),
    outsider: bool = False,
    recorder_id: str | None = None,
    delegate_id: str | None = None,
) -> frozenset[Role]:
    if outsider:
        return frozenset({Role.OUTSIDER})
    roles = {Role.MEMBER}
    if user_id in admins:
        roles.add(Role.ADMIN)
    if pm_slack_id is not None and user_id == pm_slack_id:
        roles.add(Role.PM)
    if user_id in dri_ids:
        roles.add(Role.DRI)
    if delegate_id is not None and user_id == delegate_id:
        roles.add(Role.DELEGATE)
    if recorder_id is not None and user_id == recorder_id:
        roles.add(Role.RECORDER)
    return frozenset(roles)


def allowed(
    action: Action,
    user_id: str,
    *,
    admins: Collection[str],
    pm_slack_id: str | None = None,
    dri_ids: Collection[str] = (),
    outsider: bool = False,
    recorder_id: str | None = None,
    delegate_id: str | None = None,
) -> bool:
    """Whether `user_id` may do `action` on a project with this PM and DRIs (or on a
    record `recorder_id` made); `delegate_id` covers for the PM while they are away."""
    roles = roles_of(
        user_id,
        admins=admins,
        pm_slack_id=pm_slack_id,
        dri_ids=dri_ids,
        outsider=outsider,
        recorder_id=recorder_id,
        delegate_id=delegate_id,
    )
    return bool(roles & POLICY[action])
