"""`/ps win`, `/ps thanks`, `/ps wins`, the capture modals and the message shortcuts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.core.errors import DATABASE_DOWN, UserError
from bot.core.slack_ids import USER_ID
from bot.pmo.lookup import find_project, leading_project, open_projects_for, person_by_slack_id
from bot.pmo.wins import (
    TEXT_MAX,
    clean_text,
    export_rows,
    mentioned_ids,
    plain_text,
    recognitions,
    to_csv,
    to_markdown,
    validate_receivers,
    with_names,
)
from bot.runtime.slack_client import without_waiting
from bot.store.db import once_more_on_conflict, write_while_slack_waits
from bot.store.models import Person, Project, Thanks, Win
from bot.workflows.recognition import (
    Recognition,
    recorded_text,
    share,
    store_thanks,
    store_win,
)
from bot.workflows.shoutouts import KINDS
from commands.arguments import (
    channel_id_of,
    is_unresolved_mention,
    parse_options,
    unresolved_mention_error,
    user_id_of,
)
from commands.request import PsRequest, Reply
from messages.escape import Mrkdwn, mention
from messages.pickers import PickerProject, picker_entries, picker_entry
from messages.wins_builder import (
    build_recognitions,
    build_thanks_modal,
    build_win_modal,
    read_capture_form,
)

logger = logging.getLogger(__name__)


PROJECT_GONE = "That project is no longer in psbot: pick another one."


# --- /ps win -----------------------------------------------------------------------------


def win_command(request: PsRequest) -> Reply | None:
    """With a project and text, record at once; otherwise open the modal to finish it.
    The people the text mentions are the win's people, checked as thanked people are."""
    ctx = request.ctx
    with ctx.session_factory() as session:
        project, text = _project_and_text(session, request, consumed=0)
        people = mentioned_ids(text)
        recording = project is not None and bool(text)
        # A modal must open within the trigger's 3 seconds, so before one only the first
        # few people are checked, without retries; the rest are in its people picker for
        # the author to see.
        slack_names = check_people(
            request.client if recording else without_waiting(request.client),
            people,
            request.subcommand.usage,
            _mention_labels(request.text),
            limit=None if recording else SLACK_NAME_LOOKUPS,
        )
        if recording:
            with ctx.session_factory.begin() as writing:
                win, _ = store_win(
                    ctx,
                    writing,
                    project_id=project.id,
                    text=text,
                    author_id=request.user_id,
                    member_ids=people,
                )
            return Reply(recorded_text(ctx, "ProjectWin", share(ctx, request.client, win)))
        view = _win_modal(
            session,
            request.user_id,
            selected=picker_entry(project) if project else None,
            text=_editable(session, request.client, text, slack_names),
            members=people,
        )
    request.client.views_open(trigger_id=request.trigger_id, view=view)
    return None


def _win_modal(
    session: Session,
    user_id: str,
    selected: PickerProject | None = None,
    text: str = "",
    members: list[str] | None = None,
) -> View:
    mine, others = projects_to_pick(session, user_id)
    return build_win_modal(
        mine=mine,
        others=others,
        selected=selected,
        text=text,
        members=members or [],
        metadata="{}",
    )


def blank_win_modal(ctx: AppContext, user_id: str) -> View:
    """The modal `/ps win` opens with nothing typed ("Record a ProjectWin")."""
    with ctx.session_factory() as session:
        return _win_modal(session, user_id)


def blank_thanks_modal(ctx: AppContext, user_id: str) -> View:
    """The thanks modal with nothing filled in ("Thank someone")."""
    with ctx.session_factory() as session:
        mine, others = projects_to_pick(session, user_id)
    return build_thanks_modal(mine=mine, others=others, text="", receivers=[], metadata="{}")


def projects_to_pick(
    session: Session, user_id: str
) -> tuple[list[PickerProject], list[PickerProject]]:
    """The capture modals' project picker: the caller's open projects, then the others."""
    return picker_entries(*open_projects_for(session, person_by_slack_id(session, user_id)))


def _project_and_text(
    session: Session, request: PsRequest, consumed: int
) -> tuple[Project | None, str]:
    """After the first `consumed` arguments: the project the words start with, if they
    name one, and the rest as the user typed it (quotes, line breaks kept), made plain."""
    project, words = leading_project(session, [plain_text(w) for w in request.args[consumed:]])
    if not any(word.strip() for word in words):  # nothing, or quotes with nothing in them
        return project, ""
    return project, plain_text(request.text_after(len(request.args) - len(words)))


# People psbot doesn't know whose names a modal asks Slack for (one users.info each, in
# turn): the modal must open within the trigger's 3 seconds. Others read `@U123`.
SLACK_NAME_LOOKUPS = 3


def _editable(
    session: Session, client: WebClient, text: str, slack_names: Mapping[str, str]
) -> str:
    """Stored text as a modal shows it for editing: each person by name (psbot's, else
    Slack's: `slack_names` already fetched, else asked for), since whatever comes back from
    a modal is typed text that mentions nobody. Only ever before a modal opens, so Slack
    is asked without retries."""
    ids = mentioned_ids(text)
    names = {**slack_names, **_names(session, ids)}
    quick = without_waiting(client)
    for user_id in [i for i in ids if i not in names][:SLACK_NAME_LOOKUPS]:
        # Slack refusing, rate-limiting or not answering: read as @U123.
        with contextlib.suppress(SlackApiError, SlackClientError, OSError):
            names[user_id] = _display_name(user_id, quick.users_info(user=user_id)["user"])
    return with_names(text, names)[:TEXT_MAX]


def _display_name(user_id: str, user: dict[str, Any]) -> str:
    return user.get("real_name") or user.get("name") or user_id


# --- /ps thanks ------------------------------------------------------------------------


def thanks_command(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    receivers = []
    for token in request.args:
        if channel_id_of(token):
            raise UserError("That's a channel: thank people, picked with @ from the list.", usage)
        if is_unresolved_mention(token):
            raise unresolved_mention_error(token, usage)
        user_id = user_id_of(token)
        if user_id is None:
            break
        receivers.append(user_id)
    validate_receivers(request.user_id, receivers, request.bot_user_id)
    check_people(request.client, receivers, usage, _mention_labels(request.text))
    ctx = request.ctx
    with ctx.session_factory() as session:
        project, text = _project_and_text(session, request, consumed=len(receivers))
    text = clean_text(text, "what you are thanking them for")
    with ctx.session_factory.begin() as session:
        thanks, _ = store_thanks(
            ctx,
            session,
            giver_id=request.user_id,
            receiver_ids=receivers,
            project_id=project.id if project else None,
            text=text,
            bot_user_id=request.bot_user_id,
        )
    return Reply(recorded_text(ctx, "thanks", share(ctx, request.client, thanks)))


def check_people(
    client: WebClient,
    user_ids: list[str],
    usage: str,
    labels: Mapping[str, str],
    limit: int | None = None,
) -> dict[str, str]:
    """Everyone thanked, or named in a win, is a person in this workspace (not a bot, not
    an outsider): the first `limit` of them are checked. Their names: Slack's, else their
    mention's `labels`.

    Only Slack's answer refuses someone. When Slack can't answer (a 429, an outage, a lost
    connection), the people it resolved in the mentions are taken as they are and the
    rest are not asked about, so that what was submitted is stored all the same."""
    home_team = None
    names = dict(labels)
    for user_id in user_ids[:limit]:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if (code := error.response.get("error")) != "user_not_found":
                logger.warning("checking %s: Slack refused (%s)", user_id, code)
                break
            raise UserError(
                Mrkdwn(f"I can't find {mention(user_id)} in this workspace."), usage
            ) from None
        except (SlackClientError, OSError) as error:
            logger.warning("checking %s: Slack didn't answer (%s)", user_id, error)
            break
        if user.get("is_bot"):
            raise UserError(
                Mrkdwn(f"{mention(user_id)} is a bot: name the people behind it."), usage
            )
        if user.get("deleted"):
            raise UserError(Mrkdwn(f"{mention(user_id)} has left the workspace."), usage)
        home_team = home_team or _team_of(client)
        if home_team and user.get("team_id") and user["team_id"] != home_team:
            raise UserError(
                Mrkdwn(f"{mention(user_id)} isn't in this workspace; name teammates here."), usage
            )
        names[user_id] = _display_name(user_id, user)
    return names


_LABELLED_MENTION = re.compile(r"<@(" + USER_ID.pattern + r")\|([^<>]+)>")


def _mention_labels(slack_text: str) -> dict[str, str]:
    """The name in each mention Slack resolved in a command's text (`<@U123|pat>`)."""
    return {user_id: label for user_id, label in _LABELLED_MENTION.findall(slack_text)}


def _team_of(client: WebClient) -> str | None:
    try:
        return client.auth_test()["team_id"]
    except SlackApiError:
        return None


# --- /ps wins ----------------------------------------------------------------------------


def wins_command(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"since", "format"}, switches=set(), usage=usage)
    since = _since(parsed.options.get("since"), usage)
    file_format = str(parsed.options.get("format") or "").lower()
    if file_format and file_format not in ("md", "csv"):
        raise UserError(f"--format is md or csv, not '{file_format}'.", usage)
    target = " ".join(parsed.words)
    if target and channel_id_of(parsed.words[0]):
        raise UserError("That's a channel: name a project, or pick a person with @.", usage)
    if target and is_unresolved_mention(target):
        raise unresolved_mention_error(target, usage)
    with request.ctx.session_factory() as session:
        project_id, person_id, title = None, None, "everyone"
        if target and user_id_of(parsed.words[0]):
            person_id = user_id_of(parsed.words[0])
            title = _name(session, person_id)
        elif target:
            project = find_project(session, plain_text(target))
            project_id, title = project.id, project.title
        rows = recognitions(
            session,
            tz=request.ctx.settings.timezone,
            project_id=project_id,
            person_id=person_id,
            since=since,
        )
        names = _names(session, {slack_id for row in rows for slack_id in row.named_ids})
    if since:
        title += f" since {since:%Y-%m-%d}"
    if not file_format:
        return Reply(*build_recognitions(title, rows))
    if not rows:
        return Reply(f"No wins or thanks for {title} yet; nothing to export.")
    table = export_rows(rows, names)
    content = (
        to_csv(table) if file_format == "csv" else to_markdown(f"Wins and thanks: {title}", table)
    )
    filename = f"wins-{_slug(title)}.{file_format}"
    request.send_file(
        content, filename, filename, f"{len(rows)} wins and thanks, ready for the retrospective."
    )
    return Reply(f":page_facing_up: Sent you `{filename}` ({len(rows)} entries) in a DM.")


def _since(value: object, usage: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"--since takes a date like 2026-11-01, not '{value}'.", usage) from None


def _name(session: Session, slack_id: str) -> str:
    person = person_by_slack_id(session, slack_id)
    return person.label if person else slack_id


def _names(session: Session, slack_ids: Collection[str]) -> dict[str, str]:
    """The names psbot knows for these Slack users."""
    people = session.scalars(sa.select(Person).where(Person.slack_user_id.in_(slack_ids)))
    return {p.slack_user_id: p.label for p in people if p.slack_user_id}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:60]


# --- shortcuts and modal submissions -----------------------------------------------------


def win_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient, context: dict) -> None:
    """ "Record as ProjectWin" on a message: the modal, pre-filled with it."""
    ack()
    captured = capture_message(context["psbot"], client, shortcut)
    view = build_win_modal(
        mine=captured.mine,
        others=captured.others,
        selected=None,
        text=captured.text,
        members=captured.people(),
        metadata=captured.metadata,
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def thanks_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient, context: dict) -> None:
    """ "Record as thanks" on a message: the people it mentions are thanked, else its
    author; never the person using the shortcut."""
    ack()
    captured = capture_message(context["psbot"], client, shortcut)
    view = build_thanks_modal(
        mine=captured.mine,
        others=captured.others,
        text=captured.text,
        receivers=captured.people(excluding=shortcut["user"]["id"]),
        metadata=captured.metadata,
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


@dataclass(frozen=True)
class CapturedMessage:
    """What a message shortcut brings to its modal."""

    text: str
    mentioned: list[str]
    author: str | None
    metadata: str
    mine: list[PickerProject]
    others: list[PickerProject]

    def people(self, excluding: str = "") -> list[str]:
        """Who the message is about: the people it mentions, else its author."""
        for group in (self.mentioned, [self.author] if self.author else []):
            if found := [person for person in group if person != excluding]:
                return found
        return []


def capture_message(
    ctx: AppContext, client: WebClient, shortcut: dict[str, Any]
) -> CapturedMessage:
    """What a message shortcut brings to its modal: the message's text made editable,
    the people it names, its permalink (as metadata) and the caller's projects."""
    message = shortcut.get("message", {})
    text = plain_text(message.get("text") or "")
    with ctx.session_factory() as session:
        mine, others = projects_to_pick(session, shortcut["user"]["id"])
        editable = _editable(session, client, text, {})
    return CapturedMessage(
        text=editable,
        mentioned=mentioned_ids(text),
        author=message.get("user"),
        metadata=json.dumps({"permalink": _permalink(client, shortcut)}),
        mine=mine,
        others=others,
    )


def _permalink(client: WebClient, shortcut: dict[str, Any]) -> str:
    try:
        return client.chat_getPermalink(
            channel=shortcut["channel"]["id"], message_ts=shortcut["message"]["ts"]
        )["permalink"]
    except (SlackApiError, KeyError):
        return ""


def submit_win(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    _submit(Win, ack, body, view, client, context)


def submit_thanks(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    _submit(Thanks, ack, body, view, client, context)


def _submit(
    model: type[Recognition],
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: dict,
) -> None:
    """A win or thanks modal: problems are answered in the modal, which keeps what was
    typed; once stored, it is shared, and the author hears how that went by DM."""
    ctx: AppContext = context["psbot"]
    form = read_capture_form(view["state"]["values"])
    user_id = body["user"]["id"]

    def save() -> tuple[Recognition, bool]:
        with write_while_slack_waits(ctx.session_factory) as session:
            if form["project_id"] is not None and session.get(Project, form["project_id"]) is None:
                raise _FieldError("project", PROJECT_GONE)
            store = store_win if model is Win else store_thanks
            return store(ctx, session, **fields)

    try:
        fields = _modal_fields(model, form, user_id, view, context.get("bot_user_id") or "")
        # The same view submitted twice at once: the copy that loses the race for its
        # request key finds the other's record, and is acknowledged like it.
        recognition, created = once_more_on_conflict(save)
    except _FieldError as error:
        ack(response_action="errors", errors={error.block: error.message})
        return
    except UserError as error:
        ack(response_action="errors", errors={"text": error.message})
        return
    except OperationalError:
        _database_down(ack, KINDS[model])
        return
    ack()
    if created:  # a replayed submission was delivered by its first copy
        share(ctx, client, recognition, tell_author=True)


class _FieldError(Exception):
    """A modal field to flag, and what to say beside it."""

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block, self.message = block, message


def _modal_fields(
    model: type[Recognition],
    form: dict[str, Any],
    user_id: str,
    view: dict[str, Any],
    bot_user_id: str,
) -> dict[str, Any]:
    """What the modal gives to store: a win needs its project; a thanks, people to thank."""
    permalink = json.loads(view.get("private_metadata") or "{}").get("permalink", "")
    common = {
        "project_id": form["project_id"],
        "source_permalink": permalink,
        "request_key": request_key_of(view),
    }
    if model is Win:
        text = clean_text(form["text"])
        if form["project_id"] is None:
            raise _FieldError("project", "Pick the project this win is for.")
        return {"text": text, "author_id": user_id, "member_ids": form["people"], **common}
    try:
        receivers = validate_receivers(user_id, form["people"], bot_user_id)
    except UserError as error:
        raise _FieldError("people", error.message) from None
    return {"text": form["text"], "giver_id": user_id, "receiver_ids": receivers, **common}


def _database_down(ack: Ack, what: str) -> None:
    """Answer a win or thanks submitted while the database is down or locked in time, in
    the modal, which keeps what was typed for the author to submit again."""
    logger.exception("saving a %s: database unavailable", what)
    ack(response_action="errors", errors={"text": DATABASE_DOWN})


def request_key_of(view: dict[str, Any]) -> str:
    """A modal submission's replay key: Slack resends the same view id and hash."""
    return f"{view.get('id')}:{view.get('hash')}"
