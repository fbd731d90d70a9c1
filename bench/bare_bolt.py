"""A bare Bolt app served as `psbot run` serves psbot: the memory and ack baseline.

`python -m bench.bare_bolt` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and
PORT set, as for `psbot run` in HTTP mode. Nothing of psbot is imported: one `/ps`
listener that only acks, Bolt's own request verification, waitress with its defaults,
on 127.0.0.1. Like `psbot run` it calls auth.test at start. SIGTERM stops it.

With BARE_BOLT_MODULES (comma-separated) it is the memory floor: it first imports those
modules (the third-party ones `psbot run` has loaded when it starts serving) and, with
DATABASE_URL, holds one open SQLAlchemy connection, as psbot's pool does. Still nothing of
psbot, and the listener still only acks.
"""

from __future__ import annotations

import importlib
import logging
import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import create_server


def only_ack(ack: Ack) -> None:
    ack()


def load_libraries() -> object | None:
    """Import BARE_BOLT_MODULES; the open connection to DATABASE_URL, if one is given."""
    for name in filter(None, os.environ.get("BARE_BOLT_MODULES", "").split(",")):
        importlib.import_module(name)
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import sqlalchemy as sa

    return sa.create_engine(url).connect()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    connection = load_libraries()  # noqa: F841 - held open while serving, as psbot's pool does
    token = os.environ["SLACK_BOT_TOKEN"]
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=token, base_url=os.environ["SLACK_API_URL"]),
    )
    app.command("/ps")(only_ack)
    handler = SlackRequestHandler(app, path="/slack/events")
    port = int(os.environ["PORT"])
    logging.getLogger("bare").info("bare Bolt listening on 127.0.0.1:%s", port)
    create_server(handler, host="127.0.0.1", port=port).run()


if __name__ == "__main__":
    main()
