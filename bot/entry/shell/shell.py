"""The read-eval-print loop of `psbot shell`.

Each line is turned into what Slack would send — a signed slash command, a block_actions
or view_submission payload, an Events API callback — and dispatched into the Bolt app.
When the app's work is done, whatever it sent to the stand-in Web API is printed; a
modal it opened is filled in field by field.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltResponse

from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.entry.shell.forms import (
    FormCancelled,
    FormFiller,
    PressAction,
    initial_state,
    input_fields,
)
from bot.entry.shell.render import Renderer, plain_text
from bot.entry.shell.terminal import Terminal
from bot.entry.slack_standin.slack_requests import SlackRequests
from bot.entry.slack_standin.standin import (
    Deleted,
    Event,
    FileShared,
    HomePublished,
    Message,
    Pinned,
    Posted,
    Reacted,
    ResponseTarget,
    StandInSlack,
    Updated,
    ViewOpened,
    ViewUpdated,
)
from bot.entry.slack_standin.workspace import User, Workspace

HELP = """\
Anything starting with / goes to psbot as a slash command, from you, in {channel}.
  /ps help            psbot's own commands
  :click N            press button or menu [N] (any shown so far)
  :as WHO             become someone else: @name, email or Slack id (:users lists them)
  :users              the people in this pretend workspace
  :time [WHEN|now]    show or set the clock, e.g. :time 2026-12-01 12:00 ({tz})
  :jobs               the scheduled jobs and their next run by the shell's clock
  :run JOB            run a scheduled job now, as if at the shell's clock
  :home               open your App Home tab
  :help               this list
  :quit               leave (Ctrl-D and Ctrl-C too)
In a modal, answer field by field: Enter keeps the current value, - clears it,
:click N presses a button in the modal, :cancel closes it."""

COMMANDS = (":click", ":as", ":users", ":time", ":jobs", ":run", ":home", ":help", ":quit")
NO_HOME = "App Home is not available yet: psbot published nothing for this tab."
FILE_LINES_SHOWN = 60
CHARTS_FOLDER = Path("psbot-charts")  # in the current folder, beside psbot-demo.db
SETTLE_TIMEOUT = 60.0


class ShellClock:
    """The app's clock: real time, moved to wherever `:time` puts it (and ticking on)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._offset = dt.timedelta(0)
        if start is not None:
            self.set(start)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    def set(self, when: dt.datetime) -> None:
        self._offset = when - dt.datetime.now(dt.UTC)

    def reset(self) -> None:
        self._offset = dt.timedelta(0)


class IdleAwareExecutor(concurrent.futures.ThreadPoolExecutor):
    """Bolt's listener pool and psbot's work pool, able to say when all the work it was
    given is finished.

    Bolt acks first and runs the listener in this pool, which may hand a heavy answer on
    to it again; the shell waits for both before printing, so output never interleaves
    with the next prompt.
    """

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="psbot-shell-listener")
        self._pending: set[concurrent.futures.Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = SETTLE_TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            concurrent.futures.wait(pending, timeout=remaining)


@dataclass
class Action:
    """A numbered button or menu, and where it was shown."""

    element: Mapping[str, Any]
    block_id: str
    message: Message | None = None
    view_id: str | None = None
    live: bool = True


class Shell:
    def __init__(
        self,
        *,
        app: App,
        executor: IdleAwareExecutor,
        ctx: AppContext,
        standin: StandInSlack,
        terminal: Terminal,
        clock: ShellClock,
        user: User,
        channel_id: str,
        run_job: Callable[[str, dt.datetime], tuple[str, str]],
        list_jobs: Callable[[dt.datetime], list[str]],
        banner: list[str],
        charts_folder: Path = CHARTS_FOLDER,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.standin = standin
        self.workspace: Workspace = standin.workspace
        self.term = terminal
        self.style = terminal.style
        self.clock = clock
        self.user = user
        self.channel_id = channel_id
        self.requests = SlackRequests(app, ctx.settings.slack_signing_secret, standin.identity)
        self.executor = executor
        self._run_job = run_job
        self._list_jobs = list_jobs
        self._banner = banner
        self.charts_folder = charts_folder
        self.actions: dict[int, Action] = {}
        self._shown_at: dict[Any, list[int]] = {}
        self.modals: list[dict[str, Any]] = []

    # --- the loop ----------------------------------------------------------------------

    def run(self) -> int:
        for line in self._banner:
            self.term.print(line)
        self.term.print()
        try:
            while True:
                try:
                    if not self.handle(self.term.input(self._prompt())):
                        break
                except EOFError:  # Ctrl-D, or the end of piped input (even mid-form)
                    self.term.print()
                    break
        except KeyboardInterrupt:
            self.term.print()
        self.term.print(self.style.dim("Bye."))
        return 0

    def _prompt(self) -> str:
        return self.style.accent(f"{self.user.handle}>") + " "

    def handle(self, line: str) -> bool:
        """Run one line; False ends the session."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            self.slash_command(text)
            return True
        if not text.startswith(":"):
            self.say("psbot listens to /ps commands here. Try /ps help, or :help for the shell.")
            return True
        verb, _, rest = text.partition(" ")
        rest = rest.strip()
        try:
            if verb in (":quit", ":exit", ":q"):
                return False
            if verb in (":help", ":h", ":?"):
                self.say(HELP.format(channel=self._channel_name(), tz=self._tz.key))
            elif verb == ":click":
                self.click(rest)
            elif verb == ":as":
                self.switch_user(rest)
            elif verb == ":users":
                self.list_users()
            elif verb == ":time":
                self.set_time(rest)
            elif verb == ":jobs":
                for row in self._list_jobs(self.clock()):
                    self.say(row)
            elif verb == ":run":
                self.run_job(rest)
            elif verb == ":home":
                self.open_home()
            else:
                self.say(f"Unknown shell command {verb}. :help lists them.")
        except UserError as error:
            self.say(self.style.bad(error.message))
        return True

    def say(self, text: str = "") -> None:
        for line in text.split("\n"):
            self.term.print(line)

    @property
    def _tz(self):
        return self.ctx.settings.timezone

    def _channel_name(self) -> str:
        return self.workspace.where(self.channel_id)

    # --- shell commands ----------------------------------------------------------------

    def switch_user(self, who: str) -> None:
        self.user = self.workspace.find_user(who)
        self.say(f"You are now {self._describe(self.user)}.")

    def _describe(self, user: User) -> str:
        extra = " (PMO admin)" if self.ctx.is_admin(user.id) else ""
        email = f", {user.email}" if user.email else ""
        return f"@{user.handle} ({user.real_name}{email}){extra}"

    def list_users(self) -> None:
        for user in self.workspace.people:
            mark = "*" if user.id == self.user.id else " "
            admin = "  PMO admin" if self.ctx.is_admin(user.id) else ""
            self.say(
                f"{mark} @{user.handle:<10} {user.real_name:<16} {user.email:<28} {user.id}{admin}"
            )

    def set_time(self, when: str) -> None:
        if when.lower() == "now":
            self.clock.reset()
        elif when:
            self.clock.set(parse_when(when, self._tz))
        self.say(f"The clock says {format_when(self.clock(), self._tz)}.")

    def run_job(self, name: str) -> None:
        if not name:
            raise UserError("Which job? :jobs lists them.")
        now = self.clock()
        outcome, detail = self._run_job(name, now)
        self._settle()
        self.say(
            self.style.dim(f"{name} ran as if at {format_when(now, self._tz)}: {outcome}{detail}")
        )

    def open_home(self) -> None:
        self.requests.event(
            {
                "type": "app_home_opened",
                "user": self.user.id,
                "channel": self.workspace.dm_with(self.user.id).id,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
        )
        published = self._settle(home_for=self.user.id)
        view = published or self.standin.homes.get(self.user.id)
        if view is None:
            self.say(NO_HOME)
        else:
            self._print_view(
                view, f"{self.style.accent('psbot')} → App Home of @{self.user.handle}"
            )
        self._run_modals()

    # --- slash commands ----------------------------------------------------------------

    def slash_command(self, text: str) -> None:
        command, _, arguments = text.partition(" ")
        channel = self.workspace.channels[self.channel_id]
        response_url = self.standin.response_url(ResponseTarget(self.user.id, self.channel_id))
        response = self.requests.slash_command(
            command,
            self.slack_escape(arguments.strip()),
            self.user,
            self.channel_id,
            channel.name,
            response_url,
        )
        if response.status == 404:
            self.say(self.style.bad(f"{command} is not a command of this app; psbot answers /ps."))
            return
        self._report_failure(response)
        body = (response.body or "").strip()
        if response.status == 200 and body:
            # An ack with a message: Slack shows it to the caller only.
            reply = _json_or_text(body)
            self._print_message(
                Message(
                    self.channel_id,
                    "",
                    str(reply.get("text") or ""),
                    reply.get("blocks") or [],
                    ephemeral_to=self.user.id,
                )
            )
        self._after()

    def slack_escape(self, text: str) -> str:
        """The command text as Slack sends it with should_escape: `&<>` escaped, @people
        and #channels picked from autocomplete turned into `<@U…|name>` and `<#C…|name>`."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def person(match: re.Match[str]) -> str:
            name = match.group(1).rstrip(".-'")
            rest = match.group(1)[len(name) :]
            if name.lower() in ("here", "channel", "everyone"):
                return f"<!{name.lower()}>{rest}"
            try:
                user = self.workspace.find_user(name)
            except UserError:
                return match.group(0)
            return f"<@{user.id}|{user.handle}>{rest}"

        def channel(match: re.Match[str]) -> str:
            known = [c for c in self.workspace.channels.values() if c.name == match.group(1)]
            return f"<#{known[0].id}|{known[0].name}>" if known else match.group(0)

        text = re.sub(r"(?<![\w@.])@([\w.\-']+)", person, text)
        return re.sub(r"(?<![\w#&])#([\w\-]+)", channel, text)

    # --- actions -----------------------------------------------------------------------

    def click(self, argument: str, state: dict[str, Any] | None = None) -> None:
        """Press action [N]; `state` is the modal's form state when pressed inside one."""
        if not argument.isdigit():
            raise UserError("Say which action: :click 3")
        number = int(argument)
        action = self.actions.get(number)
        if action is None:
            raise UserError(f"There is no action [{number}].")
        if not action.live:
            raise UserError(f"[{number}] was on a message or view that has changed since.")
        element = action.element
        kind = str(element.get("type"))
        if kind == "button" and element.get("url"):
            self.say(f"That button opens {element['url']} in a browser.")
            if not element.get("action_id"):
                return
        chosen: dict[str, Any] = {}
        if kind != "button":
            label = plain_text(element.get("placeholder")) or kind.replace("_", " ")
            self.say(self.style.bold(label))
            try:
                if kind in ("external_select", "multi_external_select"):
                    element = self._suggested(action, state)
                chosen = self._filler().ask_element(element, {"type": kind})
            except (FormCancelled, PressAction):
                if state is not None:
                    raise FormCancelled from None  # inside a modal: close it
                self.say(self.style.dim("Nothing was chosen."))
                return
        response = self.requests.interactive(self._action_payload(action, chosen, state), self.user)
        self._report_failure(response)
        if state is None:
            self._after()
        else:  # inside a modal: its loop carries on with whatever the app did to it
            self._settle()

    def _suggested(self, action: Action, state: dict[str, Any] | None) -> dict[str, Any]:
        """An external select with the options the app answers for what is typed, asked
        for as Slack asks: a block_suggestion."""
        typed = self.term.input("  search (Enter for all)> ").strip()
        if typed == ":cancel":
            raise FormCancelled
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "action_id": action.element.get("action_id"),
            "block_id": action.block_id,
            "value": typed,
        }
        if action.view_id is not None:
            view = self.standin.views.get(action.view_id, {"id": action.view_id})
            payload["container"] = {"type": "view", "view_id": action.view_id}
            payload["view"] = {**view, "state": {"values": state or {}}}
        response = self.requests.interactive(payload, self.user)
        answer = json.loads(response.body or "{}") if response.status == 200 else {}
        found = {key: answer[key] for key in ("options", "option_groups") if answer.get(key)}
        if not found:
            self.say(self.style.dim("  Nothing matches that."))
        return {**action.element, **found}

    def _action_payload(
        self, action: Action, chosen: dict[str, Any], state: dict[str, Any] | None
    ) -> dict[str, Any]:
        element = action.element
        act: dict[str, Any] = {
            "type": element.get("type"),
            "action_id": element.get("action_id"),
            "block_id": action.block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "button":
            act["text"] = element.get("text")
            if "value" in element:
                act["value"] = element["value"]
            if element.get("style"):
                act["style"] = element["style"]
        else:
            act.update({k: v for k, v in chosen.items() if k != "type"})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "trigger_id": self.requests.trigger_id(),
            "actions": [act],
        }
        if action.message is not None:
            message = action.message
            ephemeral = message.ephemeral_to is not None
            payload["container"] = {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {
                "id": message.channel,
                "name": self.workspace.channel_label(message.channel),
            }
            if not ephemeral:
                payload["message"] = message.as_slack()
            payload["response_url"] = self.standin.response_url(
                ResponseTarget(self.user.id, message.channel, message)
            )
            payload["state"] = {"values": {}}
        elif action.view_id is not None:
            view = self.standin.views.get(action.view_id, {"id": action.view_id})
            payload["container"] = {"type": "view", "view_id": action.view_id}
            payload["view"] = {**view, "state": {"values": state or {}}}
        return payload

    def _register(
        self,
        element: Mapping[str, Any],
        block: Mapping[str, Any],
        *,
        message: Message | None = None,
        view_id: str | None = None,
    ) -> int:
        number = len(self.actions) + 1
        self.actions[number] = Action(
            element, str(block.get("block_id") or ""), message=message, view_id=view_id
        )
        where = (message.channel, message.ts) if message is not None else view_id
        self._shown_at.setdefault(where, []).append(number)
        return number

    def _retire(self, where: Any) -> None:
        for number in self._shown_at.pop(where, []):
            self.actions[number].live = False

    def _renderer(self, *, message: Message | None = None, view_id: str | None = None) -> Renderer:
        return Renderer(
            self.workspace,
            self.style,
            lambda element, block: self._register(element, block, message=message, view_id=view_id),
        )

    # --- after every request: print what the app did ------------------------------------

    def _report_failure(self, response: BoltResponse) -> None:
        if response.status == 401:
            self.say(self.style.bad("psbot refused the request: its signature did not verify."))
        elif response.status == 404:
            self.say(self.style.dim("(psbot has no listener for that)"))
        elif response.status >= 400:
            self.say(self.style.bad(f"psbot answered HTTP {response.status}; see the log above."))

    def _after(self) -> None:
        self._settle()
        self._run_modals()

    def _settle(self, home_for: str | None = None) -> dict[str, Any] | None:
        """Wait for the app's background work, then print what it sent; returns the App
        Home published for `home_for`, if any."""
        if not self.executor.wait_idle():
            self.say(self.style.bad("psbot is still working after a minute; carrying on."))
        return self._show(self.standin.drain(), home_for=home_for)

    def _show(self, events: list[Event], home_for: str | None = None) -> dict[str, Any] | None:
        published = None
        refreshed: list[str] = []
        for event in events:
            if isinstance(event, Posted):
                self._print_message(event.message)
            elif isinstance(event, Updated):
                self._retire((event.message.channel, event.message.ts))
                self._print_message(event.message, updated=True)
            elif isinstance(event, Deleted):
                self._retire((event.message.channel, event.message.ts))
                where = self.workspace.where(event.message.channel)
                self.say(self.style.dim(f"psbot deleted its message in {where}.") + "\n")
            elif isinstance(event, Pinned):
                where = self.workspace.where(event.message.channel)
                first = self._first_line(event.message)
                self.say(f"📌 psbot pinned its message in {where}: “{first}”\n")
            elif isinstance(event, Reacted):
                self.say(self.style.dim(f"psbot reacted :{event.name}: to a message.") + "\n")
            elif isinstance(event, FileShared):
                self._print_file(event)
            elif isinstance(event, ViewOpened):
                if not event.pushed:
                    for shown in list(self.modals):
                        self._close(shown)
                self.modals.append(event.view)
            elif isinstance(event, ViewUpdated):
                self._retire(event.view["id"])
                self.modals = [
                    event.view if v["id"] == event.view["id"] else v for v in self.modals
                ]
            elif isinstance(event, HomePublished):
                self._retire(event.view["id"])
                if event.user_id == home_for:
                    published = event.view
                elif event.user_id not in refreshed:
                    refreshed.append(event.user_id)
        for user_id in refreshed:
            if user_id == self.user.id:
                self.say(self.style.dim("(psbot refreshed your App Home; :home shows it)"))
            else:
                whose = self.workspace.user_label(user_id)
                self.say(self.style.dim(f"(psbot refreshed the App Home of @{whose})"))
        return published

    def _first_line(self, message: Message) -> str:
        lines = [
            line
            for line in Renderer(self.workspace).message(message.text, message.blocks)
            if line.strip()
        ]
        first = lines[0] if lines else ""
        return first if len(first) <= 70 else first[:69] + "…"

    def _print_message(self, message: Message, *, updated: bool = False) -> None:
        where = self.workspace.where(message.channel)
        if message.ephemeral_to == self.user.id:
            where += " · only visible to you"
        elif message.ephemeral_to:
            where += f" · only visible to @{self.workspace.user_label(message.ephemeral_to)}"
        if message.thread_ts:
            where += " · in the thread"
        head = "updated its message in" if updated else "→"
        self.say(f"{self.style.accent('psbot')} {head} {where}")
        renderer = self._renderer(message=message)
        for line in renderer.message(message.text, message.blocks, message.attachments):
            self.term.print("  " + line if line else "")
        self.term.print()

    def _print_file(self, event: FileShared) -> None:
        where = self.workspace.where(event.channel)
        if event.data.startswith(b"\x89PNG"):
            # A terminal shows no picture: the PNG is written where an image viewer opens it.
            self.charts_folder.mkdir(exist_ok=True)
            path = (self.charts_folder / event.filename).resolve()
            path.write_bytes(event.data)
            self.say(f"{self.style.accent('psbot')} → {where}: 🖼 {event.title}")
            self.say(f"  chart written to {path}")
            if event.alt_text:
                self.say(self.style.dim(f"  alt text: {event.alt_text}"))
            self.term.print()
            return
        self.say(f"{self.style.accent('psbot')} → {where}: 📄 {event.title}")
        if event.comment:
            self.say("  " + Renderer(self.workspace, self.style).mrkdwn(event.comment))
        lines = event.content.splitlines()
        for line in lines[:FILE_LINES_SHOWN]:
            self.term.print(self.style.dim("  │ ") + line)
        if len(lines) > FILE_LINES_SHOWN:
            self.say(self.style.dim(f"  … {len(lines) - FILE_LINES_SHOWN} more lines"))
        self.term.print()

    def _print_view(self, view: Mapping[str, Any], head: str, *, form: bool = False) -> None:
        self.say(head)
        renderer = self._renderer(view_id=view["id"])
        for line in renderer.view(view, form=form):
            self.term.print("  " + line if line else "")
        if form and (view.get("submit") or view.get("close")):
            buttons = [plain_text(view.get(k)) for k in ("submit", "close") if view.get(k)]
            self.say(self.style.dim("  " + "   ".join(f"[{b}]" for b in buttons)))
        self.term.print()

    # --- modals ------------------------------------------------------------------------

    def _filler(self) -> FormFiller:
        return FormFiller(
            self.term.input, self.say, Renderer(self.workspace, self.style), self.workspace
        )

    def _run_modals(self) -> None:
        while self.modals:
            try:
                self._fill(self.modals[-1])
            except (FormCancelled, KeyboardInterrupt):
                self.term.print()
                if self.modals:
                    self._closed(self.modals[-1])

    def _close(self, view: Mapping[str, Any]) -> None:
        """The modal is gone: so are its buttons."""
        self.modals = [v for v in self.modals if v["id"] != view["id"]]
        self._retire(view["id"])

    def _closed(self, view: dict[str, Any]) -> None:
        self._close(view)
        self.say(
            self.style.dim(f"Closed “{plain_text(view.get('title'))}”; nothing was submitted.")
        )
        if view.get("notify_on_close"):
            payload = {"type": "view_closed", "view": view, "is_cleared": False}
            self.requests.interactive(payload, self.user)
            self._settle()

    def _fill(self, view: dict[str, Any]) -> None:
        """Show the modal and fill it in, until it is submitted, replaced or closed."""
        self._print_view(view, f"{self.style.accent('psbot')} opened a modal", form=True)
        fields = input_fields(view)
        if not fields or not view.get("submit"):
            self._choose_in_modal(view)
            return
        self.say(
            self.style.dim(
                "Fill it in: Enter keeps the current value, - clears it, :cancel closes it."
            )
        )
        state = initial_state(fields)
        errors: dict[str, str] | None = None
        filler = self._filler()
        while True:
            try:
                filler.fill(fields, state, errors)
            except PressAction as press:
                try:
                    self.click(str(press.number), state)
                except UserError as error:
                    self.say(self.style.bad(error.message))
                    continue
                return
            response = self.requests.interactive(
                {
                    "type": "view_submission",
                    "trigger_id": self.requests.trigger_id(),
                    "view": {**view, "state": {"values": state}},
                    "response_urls": [],
                },
                self.user,
            )
            if response.status != 200:
                self._report_failure(response)
                self._close(view)
                self._settle()
                return
            answer = _json_or_text(response.body or "")
            if answer.get("response_action") == "errors":
                errors = self._errors(answer.get("errors") or {}, fields)
                continue
            self._submitted(view, answer)
            return

    def _errors(self, errors: Mapping[str, str], fields) -> dict[str, str]:
        self.say(
            self.style.bad(f"psbot didn't accept “{plain_text(self.modals[-1].get('title'))}”:")
        )
        known = {f.block_id for f in fields}
        for block_id, problem in errors.items():
            label = next((f.label for f in fields if f.block_id == block_id), block_id)
            self.say(self.style.bad(f"  ✖ {label}: {problem}"))
        asked = {k: v for k, v in errors.items() if k in known}
        return asked or {f.block_id: "" for f in fields}

    def _submitted(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        action = answer.get("response_action")
        title = plain_text(view.get("title"))
        if action == "update":
            updated = self.standin.normalized_view(answer.get("view") or {}, view["id"])
            self.modals[-1] = updated
        elif action == "push":
            self.modals.append(self.standin.normalized_view(answer.get("view") or {}))
        elif action == "clear":
            for shown in list(self.modals):
                self._close(shown)
            self.say(self.style.dim(f"Submitted “{title}”; the modal closed."))
        else:
            self._close(view)
            self.say(self.style.dim(f"Submitted “{title}”; the modal closed."))
        self.term.print()
        self._settle()

    def _choose_in_modal(self, view: dict[str, Any]) -> None:
        """A modal with nothing to type in, only buttons or menus (e.g. a project picker)."""
        live = [n for n in self._shown_at.get(view["id"], []) if self.actions[n].live]
        if not live:
            self._close(view)
            self.say(self.style.dim("(the modal has nothing to fill in; closed it)"))
            return
        number = live[0]
        if len(live) > 1:
            while True:
                answer = self.term.input("  action number (or :cancel) > ").strip()
                if answer == ":cancel":
                    raise FormCancelled
                answer = answer.removeprefix(":click").strip()
                if answer.isdigit() and int(answer) in live:
                    number = int(answer)
                    break
        before = view["hash"]
        self.click(str(number), {})
        if (
            self.modals
            and self.modals[-1]["id"] == view["id"]
            and self.modals[-1]["hash"] == before
        ):
            self.say(self.style.dim("(the modal did not change)"))


def _json_or_text(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"text": body}
    return parsed if isinstance(parsed, dict) else {"text": body}


def parse_when(text: str, tz) -> dt.datetime:
    """`2026-12-01 12:00` (in the reporting time zone), `2026-12-01T12:00`, `2026-12-01`."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise UserError(
            f"Say when as YYYY-MM-DD HH:MM, e.g. :time 2026-12-01 12:00 (not '{text}')."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def format_when(when: dt.datetime, tz) -> str:
    local = when.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({tz.key})"
