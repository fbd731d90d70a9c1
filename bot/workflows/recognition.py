"""A ProjectWin or a thanks, from the moment someone records it.

It is stored with everything it owes, in one transaction: its shout-out in #ps-internal
and its GitLab note. Then it is shared at once: posted if Slack answers, the author told
how that went when they came from a modal, their App Home refreshed, the GitLab note
sent. Each sharing step is best effort; whatever isn't done now, the outbox's and
GitLab's retries finish.
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.integrations.gitlab import deliver_gitlab_now, enqueue_for_thanks, enqueue_for_win
from bot.pmo.wins import record_thanks, record_win
from bot.runtime.outbox import add_dm
from bot.store.models import Thanks, Win
from bot.workflows.home import publish_home
from bot.workflows.shoutouts import Delivery, Shoutouts, owe_shoutout

Recognition = Win | Thanks
# What the author reads: "Your ProjectWin is posted", "Your thanks is posted".
NAMES: dict[type, str] = {Win: "ProjectWin", Thanks: "thanks"}


def store_win(ctx: AppContext, session: Session, **fields) -> tuple[Win, bool]:
    """Store a win and what it owes, in the caller's transaction: (win, created); a
    replayed submission returns the first copy."""
    win, created = record_win(session, now=ctx.now(), **fields)
    owe_shoutout(ctx, session, win)
    enqueue_for_win(ctx, session, win)
    return win, created


def store_thanks(ctx: AppContext, session: Session, **fields) -> tuple[Thanks, bool]:
    """Store a thanks and what it owes, in the caller's transaction: (thanks, created)."""
    thanks, created = record_thanks(session, now=ctx.now(), **fields)
    owe_shoutout(ctx, session, thanks)
    enqueue_for_thanks(ctx, session, thanks)
    return thanks, created


def share(
    ctx: AppContext,
    client: WebClient,
    recognition: Recognition,
    *,
    tell_author: bool = False,
) -> Delivery:
    """After a win or thanks is stored: post it, DM the author the outcome when they came
    from a modal (`tell_author`: they have no other answer), refresh their App Home, then
    copy it to GitLab — each step best effort, never raised into the user's action."""
    model, record_id = type(recognition), recognition.id
    author = recognition.author_id if isinstance(recognition, Win) else recognition.giver_id
    project_id = recognition.project_id
    shoutouts = Shoutouts(ctx, client)
    delivery = shoutouts.deliver(model, record_id, ctx.now())
    if tell_author:
        name = NAMES[model]
        with ctx.session_factory.begin() as session:
            key = f"{name}:{record_id}:recorded"
            told = add_dm(session, key, author, recorded_text(ctx, name, delivery), ctx.now())
        if told:
            shoutouts.outbox.deliver(told, ctx.now())
    publish_home(ctx, client, author)
    deliver_gitlab_now(ctx, client, project_id)
    return delivery


def recorded_text(ctx: AppContext, name: str, delivery: Delivery) -> str:
    """What the author reads once it is recorded: where it is, or why it isn't yet."""
    return ctx.words.recorded(name, delivery.permalink, delivery.problem, delivery.pin_problem)
