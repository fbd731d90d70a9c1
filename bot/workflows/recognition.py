"""A ProjectWin or a thanks, from the moment someone records it.

It is stored with everything it owes, in one transaction: its shout-out in #ps-internal
and its GitLab note. Then it is shared at once: posted if Slack answers (the GitLab note,
which links the post, goes right after it), the author told how that went when they
came from a modal, their App Home refreshed. Each sharing step is best effort; whatever
isn't done now, the outbox's retries finish.
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.integrations.gitlab import enqueue_for_thanks, enqueue_for_win
from bot.pmo.wins import record_thanks, record_win
from bot.runtime.outbox import add_dm
from bot.store.models import Thanks, Win
from bot.workflows.deliveries import outbox_for
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
    """After a win or thanks is stored: post it (and what follows: its GitLab note, the
    DMs to people thanked), DM the author the outcome when they came from a modal
    (`tell_author`: they have no other answer), refresh their App Home."""
    model, record_id = type(recognition), recognition.id
    author = recognition.author_id if isinstance(recognition, Win) else recognition.giver_id
    shoutouts = Shoutouts(ctx, client)
    box = outbox_for(ctx, client, shoutouts=shoutouts)
    delivery = shoutouts.deliver(box, model, record_id, ctx.now())
    if tell_author:
        name = NAMES[model]
        with ctx.session_factory.begin() as session:
            key = f"{name}:{record_id}:recorded"
            told = add_dm(session, key, author, recorded_text(ctx, name, delivery), ctx.now())
        box.deliver_each([told] if told else [], ctx.now())
    publish_home(ctx, client, author)
    return delivery


def recorded_text(ctx: AppContext, name: str, delivery: Delivery) -> str:
    """What the author reads once it is recorded: where it is, or why it isn't yet."""
    return ctx.words.recorded(name, delivery.permalink, delivery.problem, delivery.pin_problem)
